/*
 * pgtable.h - x86-64 page-table entries, bit for bit.
 *
 * Mirrors arch/x86/include/asm/pgtable_types.h, pgtable.h and
 * pgtable_64.h for 4-level paging (the live machine has no la57).  An
 * entry printed by thpsh reads like a kernel "pte=" trace field:
 *
 *   63  62..59  58     57..52  51 ............ 12  11  10  9   8   7   6 5 4 3 2 1 0
 *   NX  pkey    SOFTW5 (avail) physical frame nr   SD  UW  SP  G/  PSE D A . . U W P
 *                                                            PN
 *
 * SD = soft-dirty (0 here: the live kernel has no CONFIG_MEM_SOFT_DIRTY),
 * SOFTW5 = SavedDirty: the CPU has shadow stacks, so a read-only entry
 * keeps its dirty bit there (Write=0,Dirty=1 would mean "shadow stack"),
 * UW = uffd-wp, SP = special (zero page, pfnmap), G/PN = global or, when
 * not present, PROTNONE.  PSE marks a PMD leaf: a 2 MiB THP.
 *
 * A non-present, non-empty entry stores its frame number inverted (the
 * L1TF mitigation), so pte_pfn() undoes that.  Swap and migration
 * entries put a 5-bit type in bits 63..59 and the inverted offset in
 * bits 58..9, see swapops.h.
 */
#ifndef THPSH_MM_PGTABLE_H
#define THPSH_MM_PGTABLE_H

#include "types.h"

#define PAGE_SHIFT	12
#define PAGE_SIZE	(1UL << PAGE_SHIFT)
#define PAGE_MASK	(~(PAGE_SIZE - 1))
#define PMD_SHIFT	21
#define PMD_SIZE	(1UL << PMD_SHIFT)
#define PMD_MASK	(~(PMD_SIZE - 1))
#define PUD_SHIFT	30
#define PUD_SIZE	(1UL << PUD_SHIFT)
#define PUD_MASK	(~(PUD_SIZE - 1))
#define PGDIR_SHIFT	39
#define PGDIR_SIZE	(1UL << PGDIR_SHIFT)
#define PGDIR_MASK	(~(PGDIR_SIZE - 1))
#define PTRS_PER_PTE	512
#define PTRS_PER_PMD	512
#define PTRS_PER_PUD	512
#define PTRS_PER_PGD	512

#define HPAGE_PMD_ORDER	(PMD_SHIFT - PAGE_SHIFT)
#define HPAGE_PMD_NR	(1 << HPAGE_PMD_ORDER)
#define HPAGE_PMD_SIZE	PMD_SIZE
#define HPAGE_PMD_MASK	PMD_MASK
#define PMD_ORDER	HPAGE_PMD_ORDER
#define HPAGE_PUD_NR	(1 << (PUD_SHIFT - PAGE_SHIFT))

/* TASK_SIZE_MAX for 4-level paging: one page below the canonical hole. */
#define TASK_SIZE	0x7ffffffff000UL

#define _PAGE_BIT_PRESENT	0
#define _PAGE_BIT_RW		1
#define _PAGE_BIT_USER		2
#define _PAGE_BIT_PWT		3
#define _PAGE_BIT_PCD		4
#define _PAGE_BIT_ACCESSED	5
#define _PAGE_BIT_DIRTY		6
#define _PAGE_BIT_PSE		7
#define _PAGE_BIT_GLOBAL	8
#define _PAGE_BIT_SOFTW1	9
#define _PAGE_BIT_SOFTW2	10
#define _PAGE_BIT_SOFTW3	11
#define _PAGE_BIT_SOFTW5	58
#define _PAGE_BIT_NX		63
#define _PAGE_BIT_SPECIAL	_PAGE_BIT_SOFTW1
#define _PAGE_BIT_UFFD_WP	_PAGE_BIT_SOFTW2
#define _PAGE_BIT_SOFT_DIRTY	_PAGE_BIT_SOFTW3
#define _PAGE_BIT_PROTNONE	_PAGE_BIT_GLOBAL

#define _PAGE_PRESENT	(1UL << _PAGE_BIT_PRESENT)
#define _PAGE_RW	(1UL << _PAGE_BIT_RW)
#define _PAGE_USER	(1UL << _PAGE_BIT_USER)
#define _PAGE_PWT	(1UL << _PAGE_BIT_PWT)
#define _PAGE_PCD	(1UL << _PAGE_BIT_PCD)
#define _PAGE_ACCESSED	(1UL << _PAGE_BIT_ACCESSED)
#define _PAGE_DIRTY	(1UL << _PAGE_BIT_DIRTY)
#define _PAGE_PSE	(1UL << _PAGE_BIT_PSE)
#define _PAGE_GLOBAL	(1UL << _PAGE_BIT_GLOBAL)
#define _PAGE_SPECIAL	(1UL << _PAGE_BIT_SPECIAL)
#define _PAGE_UFFD_WP	(1UL << _PAGE_BIT_UFFD_WP)
#define _PAGE_PROTNONE	(1UL << _PAGE_BIT_PROTNONE)
#define _PAGE_NX	(1UL << _PAGE_BIT_NX)
#define _PAGE_SAVED_DIRTY	(1UL << _PAGE_BIT_SOFTW5)
#define _PAGE_DIRTY_BITS	(_PAGE_DIRTY | _PAGE_SAVED_DIRTY)
/* CONFIG_MEM_SOFT_DIRTY is off on the live kernel: the bit stays clear. */
#define _PAGE_SOFT_DIRTY	0UL

/* Flags kept in a swap entry's low bits (pte_swp_*). */
#define _PAGE_SWP_EXCLUSIVE	_PAGE_PWT
#define _PAGE_SWP_UFFD_WP	_PAGE_USER
#define _PAGE_SWP_SOFT_DIRTY	0UL

#define __PHYSICAL_MASK_SHIFT	52
#define PTE_PFN_MASK	(((1UL << __PHYSICAL_MASK_SHIFT) - 1) & PAGE_MASK)
#define PMD_PFN_MASK	(((1UL << __PHYSICAL_MASK_SHIFT) - 1) & PMD_MASK)
#define PTE_FLAGS_MASK	(~PTE_PFN_MASK)

/* What a pointer to a lower table looks like (pmd_populate etc.). */
#define _PAGE_TABLE	(_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | \
			 _PAGE_ACCESSED | _PAGE_DIRTY)

typedef struct { u64 pgprot; } pgprot_t;
typedef struct { u64 pte; } pte_t;
typedef struct { u64 pmd; } pmd_t;
typedef struct { u64 pud; } pud_t;
typedef struct { u64 p4d; } p4d_t;
typedef struct { u64 pgd; } pgd_t;

#define __pgprot(x)	((pgprot_t){ (x) })
#define pgprot_val(x)	((x).pgprot)
#define __pte(x)	((pte_t){ (x) })
#define __pmd(x)	((pmd_t){ (x) })
#define __pud(x)	((pud_t){ (x) })
#define __pgd(x)	((pgd_t){ (x) })
#define pte_val(x)	((x).pte)
#define pmd_val(x)	((x).pmd)
#define pud_val(x)	((x).pud)
#define pgd_val(x)	((x).pgd)

/* arch/x86/include/asm/pgtable_types.h protections, NX supported. */
#define PAGE_NONE	__pgprot(_PAGE_ACCESSED | _PAGE_GLOBAL)
#define PAGE_SHARED	__pgprot(_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | \
				 _PAGE_ACCESSED | _PAGE_NX)
#define PAGE_COPY	__pgprot(_PAGE_PRESENT | _PAGE_USER | \
				 _PAGE_ACCESSED | _PAGE_NX)
#define PAGE_READONLY	PAGE_COPY

/* L1TF: a non-present, non-empty entry keeps its pfn bits inverted. */
static inline u64 protnone_mask(u64 val)
{
	return (val && !(val & _PAGE_PRESENT)) ? ~0UL : 0;
}

static inline pte_t pfn_pte(unsigned long pfn, pgprot_t prot)
{
	u64 phys = ((u64)pfn << PAGE_SHIFT) ^ protnone_mask(pgprot_val(prot));

	return __pte((phys & PTE_PFN_MASK) | pgprot_val(prot));
}

static inline pmd_t pfn_pmd(unsigned long pfn, pgprot_t prot)
{
	u64 phys = ((u64)pfn << PAGE_SHIFT) ^ protnone_mask(pgprot_val(prot));

	return __pmd((phys & PTE_PFN_MASK) | pgprot_val(prot));
}

static inline u64 pte_flags(pte_t pte) { return pte_val(pte) & PTE_FLAGS_MASK; }
static inline u64 pmd_flags(pmd_t pmd) { return pmd_val(pmd) & PTE_FLAGS_MASK; }

static inline unsigned long pte_pfn(pte_t pte)
{
	u64 v = pte_val(pte) ^ protnone_mask(pte_val(pte));

	return (v & PTE_PFN_MASK) >> PAGE_SHIFT;
}

static inline unsigned long pmd_pfn(pmd_t pmd)
{
	u64 v = pmd_val(pmd) ^ protnone_mask(pmd_val(pmd));
	u64 mask = (v & _PAGE_PSE) ? PMD_PFN_MASK : PTE_PFN_MASK;

	return (v & mask) >> PAGE_SHIFT;
}

static inline unsigned long pud_pfn(pud_t pud)
{
	return (pud_val(pud) & PTE_PFN_MASK) >> PAGE_SHIFT;
}

static inline unsigned long pgd_pfn(pgd_t pgd)
{
	return (pgd_val(pgd) & PTE_PFN_MASK) >> PAGE_SHIFT;
}

static inline bool pte_none(pte_t pte) { return !pte_val(pte); }
static inline bool pte_present(pte_t pte)
{
	return pte_flags(pte) & (_PAGE_PRESENT | _PAGE_PROTNONE);
}
static inline bool pte_write(pte_t pte) { return pte_flags(pte) & _PAGE_RW; }
static inline bool pte_dirty(pte_t pte) { return pte_flags(pte) & _PAGE_DIRTY_BITS; }
static inline bool pte_young(pte_t pte) { return pte_flags(pte) & _PAGE_ACCESSED; }
static inline bool pte_special(pte_t pte) { return pte_flags(pte) & _PAGE_SPECIAL; }
static inline bool pte_uffd_wp(pte_t pte) { return pte_flags(pte) & _PAGE_UFFD_WP; }
static inline bool pte_soft_dirty(pte_t pte) { return pte_flags(pte) & _PAGE_SOFT_DIRTY; }
static inline bool pte_protnone(pte_t pte)
{
	return (pte_flags(pte) & (_PAGE_PROTNONE | _PAGE_PRESENT)) == _PAGE_PROTNONE;
}

static inline pte_t pte_set_flags(pte_t pte, u64 set) { return __pte(pte_val(pte) | set); }
static inline pte_t pte_clear_flags(pte_t pte, u64 clr) { return __pte(pte_val(pte) & ~clr); }
/*
 * X86_FEATURE_SHSTK (present on the live CPU): Write=0,Dirty=1 marks a
 * shadow-stack page, so a read-only entry moves Dirty to SavedDirty and
 * a writable one moves it back (mksaveddirty_shstk/clear_saveddirty).
 */
static inline u64 mksaveddirty(u64 v)
{
	if ((v & (_PAGE_RW | _PAGE_DIRTY)) == _PAGE_DIRTY)
		v = (v & ~_PAGE_DIRTY) | _PAGE_SAVED_DIRTY;
	return v;
}

static inline u64 clear_saveddirty(u64 v)
{
	if ((v & _PAGE_RW) && (v & _PAGE_SAVED_DIRTY))
		v = (v & ~_PAGE_SAVED_DIRTY) | _PAGE_DIRTY;
	return v;
}

static inline pte_t pte_mkwrite(pte_t pte) { return __pte(clear_saveddirty(pte_val(pte) | _PAGE_RW)); }
static inline pte_t pte_wrprotect(pte_t pte) { return __pte(mksaveddirty(pte_val(pte) & ~_PAGE_RW)); }
static inline pte_t pte_mkdirty(pte_t pte) { return __pte(mksaveddirty(pte_val(pte) | _PAGE_DIRTY | _PAGE_SOFT_DIRTY)); }
static inline pte_t pte_mkclean(pte_t pte) { return pte_clear_flags(pte, _PAGE_DIRTY_BITS); }
static inline pte_t pte_mkyoung(pte_t pte) { return pte_set_flags(pte, _PAGE_ACCESSED); }
static inline pte_t pte_mkold(pte_t pte) { return pte_clear_flags(pte, _PAGE_ACCESSED); }
static inline pte_t pte_mkspecial(pte_t pte) { return pte_set_flags(pte, _PAGE_SPECIAL); }
static inline pte_t pte_mkuffd_wp(pte_t pte) { return pte_set_flags(pte, _PAGE_UFFD_WP); }
static inline pte_t pte_mksoft_dirty(pte_t pte) { return pte_set_flags(pte, _PAGE_SOFT_DIRTY); }

/* pte_modify: keep pfn and the bits mprotect must not touch. */
#define _PAGE_CHG_MASK	(PTE_PFN_MASK | _PAGE_PCD | _PAGE_PWT | _PAGE_SPECIAL | \
			 _PAGE_ACCESSED | _PAGE_DIRTY_BITS | _PAGE_SOFT_DIRTY | _PAGE_UFFD_WP)
#define _HPAGE_CHG_MASK	(_PAGE_CHG_MASK | _PAGE_PSE)

/* pte_advance_pfn(): the entry @nr pages on; an inverted (PROT_NONE) pfn counts down. */
static inline pte_t pte_advance_pfn(pte_t pte, unsigned long nr)
{
	if (protnone_mask(pte_val(pte)))
		return __pte(pte_val(pte) - (nr << PAGE_SHIFT));
	return __pte(pte_val(pte) + (nr << PAGE_SHIFT));
}

static inline pte_t pte_modify(pte_t pte, pgprot_t prot)
{
	unsigned long pfn = pte_pfn(pte);
	u64 flags = (pte_flags(pte) & _PAGE_CHG_MASK & ~PTE_PFN_MASK) |
		    (pgprot_val(prot) & ~_PAGE_CHG_MASK);

	/* x86 pte_modify() moves the dirty bit to match the new Write bit */
	return pfn_pte(pfn, __pgprot(mksaveddirty(clear_saveddirty(flags))));
}

static inline bool pmd_none(pmd_t pmd) { return !pmd_val(pmd); }
static inline bool pmd_present(pmd_t pmd)
{
	return pmd_flags(pmd) & (_PAGE_PRESENT | _PAGE_PROTNONE | _PAGE_PSE);
}
static inline bool pmd_trans_huge(pmd_t pmd)
{
	return (pmd_val(pmd) & _PAGE_PSE) == _PAGE_PSE;
}
static inline bool pmd_leaf(pmd_t pmd) { return pmd_trans_huge(pmd); }
static inline bool is_swap_pmd(pmd_t pmd) { return !pmd_none(pmd) && !pmd_present(pmd); }
static inline bool pmd_write(pmd_t pmd) { return pmd_flags(pmd) & _PAGE_RW; }
static inline bool pmd_dirty(pmd_t pmd) { return pmd_flags(pmd) & _PAGE_DIRTY_BITS; }
static inline bool pmd_young(pmd_t pmd) { return pmd_flags(pmd) & _PAGE_ACCESSED; }
static inline bool pmd_special(pmd_t pmd) { return pmd_flags(pmd) & _PAGE_SPECIAL; }
static inline bool pmd_uffd_wp(pmd_t pmd) { return pmd_flags(pmd) & _PAGE_UFFD_WP; }
static inline bool pmd_soft_dirty(pmd_t pmd) { return pmd_flags(pmd) & _PAGE_SOFT_DIRTY; }
static inline bool pmd_protnone(pmd_t pmd)
{
	return (pmd_flags(pmd) & (_PAGE_PROTNONE | _PAGE_PRESENT)) == _PAGE_PROTNONE;
}

static inline pmd_t pmd_set_flags(pmd_t pmd, u64 set) { return __pmd(pmd_val(pmd) | set); }
static inline pmd_t pmd_clear_flags(pmd_t pmd, u64 clr) { return __pmd(pmd_val(pmd) & ~clr); }
static inline pmd_t pmd_mkhuge(pmd_t pmd) { return pmd_set_flags(pmd, _PAGE_PSE); }
static inline pmd_t pmd_mkwrite(pmd_t pmd) { return __pmd(clear_saveddirty(pmd_val(pmd) | _PAGE_RW)); }
static inline pmd_t pmd_wrprotect(pmd_t pmd) { return __pmd(mksaveddirty(pmd_val(pmd) & ~_PAGE_RW)); }
static inline pmd_t pmd_mkdirty(pmd_t pmd) { return __pmd(mksaveddirty(pmd_val(pmd) | _PAGE_DIRTY | _PAGE_SOFT_DIRTY)); }
static inline pmd_t pmd_mkyoung(pmd_t pmd) { return pmd_set_flags(pmd, _PAGE_ACCESSED); }
static inline pmd_t pmd_mkold(pmd_t pmd) { return pmd_clear_flags(pmd, _PAGE_ACCESSED); }
static inline pmd_t pmd_mkclean(pmd_t pmd) { return pmd_clear_flags(pmd, _PAGE_DIRTY_BITS); }
static inline pmd_t pmd_mkspecial(pmd_t pmd) { return pmd_set_flags(pmd, _PAGE_SPECIAL); }
static inline pmd_t pmd_mksoft_dirty(pmd_t pmd) { return pmd_set_flags(pmd, _PAGE_SOFT_DIRTY); }

static inline pmd_t pmd_modify(pmd_t pmd, pgprot_t prot)
{
	unsigned long pfn = pmd_pfn(pmd);
	u64 flags = (pmd_flags(pmd) & _HPAGE_CHG_MASK & ~PTE_PFN_MASK) |
		    (pgprot_val(prot) & ~_HPAGE_CHG_MASK);

	return pfn_pmd(pfn, __pgprot(mksaveddirty(clear_saveddirty(flags))));
}

/* pmd_mkinvalid: not present, but still huge, for pmdp_invalidate(). */
static inline pmd_t pmd_mkinvalid(pmd_t pmd)
{
	return pfn_pmd(pmd_pfn(pmd),
		       __pgprot(pmd_flags(pmd) & ~(_PAGE_PRESENT | _PAGE_PROTNONE)));
}

static inline bool pud_none(pud_t pud) { return !pud_val(pud); }
static inline bool pud_trans_huge(pud_t pud) { return pud_val(pud) & _PAGE_PSE; }
static inline bool pgd_none(pgd_t pgd) { return !pgd_val(pgd); }

/* Index of @addr in each level's table. */
static inline unsigned int pgd_index(unsigned long a) { return (a >> PGDIR_SHIFT) & (PTRS_PER_PGD - 1); }
static inline unsigned int pud_index(unsigned long a) { return (a >> PUD_SHIFT) & (PTRS_PER_PUD - 1); }
static inline unsigned int pmd_index(unsigned long a) { return (a >> PMD_SHIFT) & (PTRS_PER_PMD - 1); }
static inline unsigned int pte_index(unsigned long a) { return (a >> PAGE_SHIFT) & (PTRS_PER_PTE - 1); }

/* The end of the entry covering @addr, clamped to @end (pgd_addr_end & co). */
#define DEFINE_ADDR_END(level, SIZE, MASK)					\
static inline unsigned long level##_addr_end(unsigned long addr,		\
					     unsigned long end)			\
{										\
	unsigned long boundary = (addr + SIZE) & MASK;				\
	return (boundary - 1 < end - 1) ? boundary : end;			\
}
DEFINE_ADDR_END(pgd, PGDIR_SIZE, PGDIR_MASK)
DEFINE_ADDR_END(p4d, PGDIR_SIZE, PGDIR_MASK)
DEFINE_ADDR_END(pud, PUD_SIZE, PUD_MASK)
DEFINE_ADDR_END(pmd, PMD_SIZE, PMD_MASK)
#undef DEFINE_ADDR_END

#endif /* THPSH_MM_PGTABLE_H */
