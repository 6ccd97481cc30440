/*
 * swapops.h - swap and migration entries (include/linux/swapops.h with
 * arch/x86/include/asm/pgtable_64.h).
 *
 * Two formats.  The arch-independent swp_entry_t keeps the type in bits
 * 62..58 and the offset below.  In a page table, x86-64 stores
 *
 *   bits 63..59  type (SWP_TYPE_BITS = 5)
 *   bits 58..9   offset, bit-inverted (L1TF: a stale entry points nowhere)
 *   bits  8..0   flags: _PAGE_SWP_EXCLUSIVE (3), _PAGE_SWP_UFFD_WP (2),
 *                soft-dirty (1, unused here)
 *
 * A migration entry is a swap entry of one of three reserved types whose
 * offset is the pfn; with A/D support the offset also carries young
 * (bit SWP_PFN_BITS) and dirty (SWP_PFN_BITS + 1).  The live kernel has
 * no CONFIG_DEVICE_PRIVATE and no CONFIG_MEMORY_FAILURE, so
 *   MAX_SWAPFILES = 32 - 3 migration - 1 pte-marker = 28
 *   SWP_MIGRATION_READ = 28, _READ_EXCLUSIVE = 29, _WRITE = 30,
 *   SWP_PTE_MARKER = 31
 * as its trace events show (tests/kernel/FACTS.md, A12), with young and
 * dirty in offset bits 34 and 35.
 */
#ifndef THPSH_MM_SWAPOPS_H
#define THPSH_MM_SWAPOPS_H

#include "pgtable.h"

#define MAX_SWAPFILES_SHIFT	5
#define SWP_MIGRATION_NUM	3
#define SWP_PTE_MARKER_NUM	1
#define MAX_SWAPFILES	((1 << MAX_SWAPFILES_SHIFT) - SWP_MIGRATION_NUM - \
			 SWP_PTE_MARKER_NUM)
#define SWP_MIGRATION_READ		MAX_SWAPFILES
#define SWP_MIGRATION_READ_EXCLUSIVE	(SWP_MIGRATION_READ + 1)
#define SWP_MIGRATION_WRITE		(SWP_MIGRATION_READ + 2)
#define SWP_PTE_MARKER			(MAX_SWAPFILES + SWP_MIGRATION_NUM)

/* Generic format: BITS_PER_XA_VALUE (63) minus the type bits. */
#define SWP_TYPE_SHIFT		(63 - MAX_SWAPFILES_SHIFT)
#define SWP_OFFSET_MASK		((1UL << SWP_TYPE_SHIFT) - 1)

/* MAX_PHYSMEM_BITS is 46 with 4-level paging. */
#define SWP_PFN_BITS		(46 - PAGE_SHIFT)
#define SWP_PFN_MASK		((1UL << SWP_PFN_BITS) - 1)
#define SWP_MIG_YOUNG		(1UL << SWP_PFN_BITS)
#define SWP_MIG_DIRTY		(1UL << (SWP_PFN_BITS + 1))

/* x86-64 in-table format. */
#define SWP_TYPE_BITS		5
#define SWP_OFFSET_FIRST_BIT	(_PAGE_BIT_PROTNONE + 1)
#define SWP_OFFSET_SHIFT	(SWP_OFFSET_FIRST_BIT + SWP_TYPE_BITS)

typedef struct { u64 val; } swp_entry_t;

/*
 * Whether migration entries carry young/dirty.  Decided at boot from
 * the largest swap offset the CPU's L1TF limit allows; the simulation
 * follows what the live machine's trace events show.
 */
extern bool swap_migration_ad_supported;

static inline swp_entry_t swp_entry(unsigned int type, u64 offset)
{
	return (swp_entry_t){ ((u64)type << SWP_TYPE_SHIFT) | (offset & SWP_OFFSET_MASK) };
}

static inline unsigned int swp_type(swp_entry_t e) { return e.val >> SWP_TYPE_SHIFT; }
static inline u64 swp_offset(swp_entry_t e) { return e.val & SWP_OFFSET_MASK; }

/* __swp_entry(): the arch encoding, offset inverted. */
static inline u64 __swp_entry_val(unsigned int type, u64 offset)
{
	return (~offset << SWP_OFFSET_SHIFT >> SWP_TYPE_BITS) |
	       ((u64)type << (64 - SWP_TYPE_BITS));
}

static inline swp_entry_t __val_to_swp_entry(u64 v)
{
	u64 type = v >> (64 - SWP_TYPE_BITS);
	u64 offset = ~v << SWP_TYPE_BITS >> SWP_OFFSET_SHIFT;

	return swp_entry(type, offset);
}

#define _PAGE_SWP_FLAGS	(_PAGE_SWP_EXCLUSIVE | _PAGE_SWP_UFFD_WP | _PAGE_SWP_SOFT_DIRTY)

static inline pte_t swp_entry_to_pte(swp_entry_t e)
{
	return __pte(__swp_entry_val(swp_type(e), swp_offset(e)));
}

static inline swp_entry_t pte_to_swp_entry(pte_t pte)
{
	return __val_to_swp_entry(pte_val(pte) & ~_PAGE_SWP_FLAGS);
}

static inline pmd_t swp_entry_to_pmd(swp_entry_t e)
{
	return __pmd(__swp_entry_val(swp_type(e), swp_offset(e)));
}

static inline swp_entry_t pmd_to_swp_entry(pmd_t pmd)
{
	return __val_to_swp_entry(pmd_val(pmd) & ~_PAGE_SWP_FLAGS);
}

static inline bool is_swap_pte(pte_t pte) { return !pte_none(pte) && !pte_present(pte); }

static inline bool is_migration_entry(swp_entry_t e)
{
	unsigned int t = swp_type(e);

	return t == SWP_MIGRATION_READ || t == SWP_MIGRATION_READ_EXCLUSIVE ||
	       t == SWP_MIGRATION_WRITE;
}

static inline bool is_writable_migration_entry(swp_entry_t e)
{
	return swp_type(e) == SWP_MIGRATION_WRITE;
}

static inline bool is_readable_migration_entry(swp_entry_t e)
{
	return swp_type(e) == SWP_MIGRATION_READ;
}

static inline bool is_readable_exclusive_migration_entry(swp_entry_t e)
{
	return swp_type(e) == SWP_MIGRATION_READ_EXCLUSIVE;
}

static inline swp_entry_t make_readable_migration_entry(unsigned long pfn)
{
	return swp_entry(SWP_MIGRATION_READ, pfn);
}

static inline swp_entry_t make_readable_exclusive_migration_entry(unsigned long pfn)
{
	return swp_entry(SWP_MIGRATION_READ_EXCLUSIVE, pfn);
}

static inline swp_entry_t make_writable_migration_entry(unsigned long pfn)
{
	return swp_entry(SWP_MIGRATION_WRITE, pfn);
}

static inline swp_entry_t make_migration_entry_young(swp_entry_t e)
{
	if (swap_migration_ad_supported)
		return swp_entry(swp_type(e), swp_offset(e) | SWP_MIG_YOUNG);
	return e;
}

static inline swp_entry_t make_migration_entry_dirty(swp_entry_t e)
{
	if (swap_migration_ad_supported)
		return swp_entry(swp_type(e), swp_offset(e) | SWP_MIG_DIRTY);
	return e;
}

static inline bool is_migration_entry_young(swp_entry_t e)
{
	/* Without A/D support the kernel ages the page after migration. */
	return swap_migration_ad_supported && (swp_offset(e) & SWP_MIG_YOUNG);
}

static inline bool is_migration_entry_dirty(swp_entry_t e)
{
	return swap_migration_ad_supported && (swp_offset(e) & SWP_MIG_DIRTY);
}

static inline unsigned long swp_offset_pfn(swp_entry_t e)
{
	return swp_offset(e) & SWP_PFN_MASK;
}

static inline bool is_pmd_migration_entry(pmd_t pmd)
{
	return is_swap_pmd(pmd) && is_migration_entry(pmd_to_swp_entry(pmd));
}

static inline bool is_pte_migration_entry(pte_t pte)
{
	return is_swap_pte(pte) && is_migration_entry(pte_to_swp_entry(pte));
}

static inline pte_t pte_swp_mkexclusive(pte_t pte) { return pte_set_flags(pte, _PAGE_SWP_EXCLUSIVE); }
static inline pte_t pte_swp_clear_exclusive(pte_t pte) { return pte_clear_flags(pte, _PAGE_SWP_EXCLUSIVE); }
static inline bool pte_swp_exclusive(pte_t pte) { return pte_val(pte) & _PAGE_SWP_EXCLUSIVE; }
static inline pte_t pte_swp_mkuffd_wp(pte_t pte) { return pte_set_flags(pte, _PAGE_SWP_UFFD_WP); }
static inline bool pte_swp_uffd_wp(pte_t pte) { return pte_val(pte) & _PAGE_SWP_UFFD_WP; }
static inline pte_t pte_swp_mksoft_dirty(pte_t pte) { return pte_set_flags(pte, _PAGE_SWP_SOFT_DIRTY); }
static inline bool pte_swp_soft_dirty(pte_t pte) { return pte_val(pte) & _PAGE_SWP_SOFT_DIRTY; }
static inline bool pmd_swp_uffd_wp(pmd_t pmd) { return pmd_val(pmd) & _PAGE_SWP_UFFD_WP; }
static inline bool pmd_swp_soft_dirty(pmd_t pmd) { return pmd_val(pmd) & _PAGE_SWP_SOFT_DIRTY; }
static inline pmd_t pmd_swp_mkuffd_wp(pmd_t pmd) { return pmd_set_flags(pmd, _PAGE_SWP_UFFD_WP); }
static inline pmd_t pmd_swp_mksoft_dirty(pmd_t pmd) { return pmd_set_flags(pmd, _PAGE_SWP_SOFT_DIRTY); }

#endif /* THPSH_MM_SWAPOPS_H */
