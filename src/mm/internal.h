/*
 * internal.h - what the simulated mm files share with each other but
 * not with the Lua bindings (mm/internal.h, pgalloc.h, asm/tlb.h).
 */
#ifndef THPSH_MM_INTERNAL_H
#define THPSH_MM_INTERNAL_H

#include "mm.h"
#include "swapops.h"

/* ---- page tables (include/linux/pgtable.h, asm/pgalloc.h) ---- */

/*
 * The entries of page-table pages live in phys_tables, indexed by pfn:
 * the table in frame N is phys_tables[N * 512 ...].  Only frames that
 * became tables are ever touched, and an entry pointer leads straight
 * back to its table page.
 */
extern u64 *phys_tables;

static inline u64 *page_table_entries(const struct page *page)
{
	return phys_tables + page_to_pfn(page) * PTRS_PER_PTE;
}

static inline struct page *entry_table_page(const void *entry)
{
	return pfn_to_page(((const u64 *)entry - phys_tables) / PTRS_PER_PTE);
}

static inline u64 *table_of(u64 entry)
{
	return phys_tables + ((entry & PTE_PFN_MASK) >> PAGE_SHIFT) * PTRS_PER_PTE;
}

/* With 4-level paging the P4D level is folded into the PGD. */
static inline pgd_t *pgd_offset(struct mm_struct *mm, unsigned long addr)
{
	return (pgd_t *)&page_table_entries(mm->pgd)[pgd_index(addr)];
}

static inline p4d_t *p4d_offset(pgd_t *pgd, unsigned long addr)
{
	(void)addr;
	return (p4d_t *)pgd;
}

static inline bool p4d_none(p4d_t p4d) { return !p4d.p4d; }

static inline pud_t *pud_offset(p4d_t *p4d, unsigned long addr)
{
	return (pud_t *)&table_of(p4d->p4d)[pud_index(addr)];
}

static inline pmd_t *pmd_offset(pud_t *pud, unsigned long addr)
{
	return (pmd_t *)&table_of(pud->pud)[pmd_index(addr)];
}

/* pte_offset_map(): NULL unless *pmd points to a PTE table. */
static inline pte_t *pte_offset_map(pmd_t *pmd, unsigned long addr)
{
	pmd_t pmdval = *pmd;

	if (pmd_none(pmdval) || !pmd_present(pmdval) || pmd_trans_huge(pmdval))
		return NULL;
	return (pte_t *)&table_of(pmdval.pmd)[pte_index(addr)];
}

static inline pte_t ptep_get(pte_t *ptep) { return *ptep; }

static inline pmd_t pmdp_get(pmd_t *pmdp) { return *pmdp; }

/* Split page-table locks: each table page has its own. */
static inline spinlock_t *pmd_lockptr(struct mm_struct *mm, pmd_t *pmd)
{
	(void)mm;
	return &entry_table_page(pmd)->ptl;
}

static inline spinlock_t *pmd_lock(struct mm_struct *mm, pmd_t *pmd)
{
	spinlock_t *ptl = pmd_lockptr(mm, pmd);

	spin_lock(ptl);
	return ptl;
}

static inline spinlock_t *pte_lockptr(struct mm_struct *mm, pmd_t *pmd)
{
	(void)mm;
	return &pfn_to_page(pmd_pfn(*pmd))->ptl;
}

pte_t *pte_offset_map_lock(struct mm_struct *mm, pmd_t *pmd,
			   unsigned long addr, spinlock_t **ptlp);

/*
 * The primitive entry writes are static inline, as in the kernel: they
 * run for every PTE of every split, unmap and remap.
 */
static inline void set_pte_at(struct mm_struct *mm, unsigned long addr, pte_t *ptep,
			      pte_t pte)
{
	(void)mm;
	(void)addr;
	*ptep = pte;
}

/* set_ptes(): consecutive pages, the pfn advancing with the entry. */
static inline void set_ptes(struct mm_struct *mm, unsigned long addr, pte_t *ptep,
			    pte_t pte, unsigned int nr)
{
	(void)mm;
	(void)addr;
	for (; nr; nr--, ptep++) {
		*ptep = pte;
		pte = pte_advance_pfn(pte, 1);
	}
}

static inline void set_pmd_at(struct mm_struct *mm, unsigned long addr, pmd_t *pmdp,
			      pmd_t pmd)
{
	(void)mm;
	(void)addr;
	*pmdp = pmd;
}

static inline pte_t ptep_get_and_clear(struct mm_struct *mm, unsigned long addr,
				       pte_t *ptep)
{
	pte_t old = *ptep;

	(void)mm;
	(void)addr;
	*ptep = __pte(0);
	return old;
}

/* No TLB here to flush: the entry is just cleared. */
static inline pte_t ptep_clear_flush(struct vm_area_struct *vma, unsigned long address,
				     pte_t *ptep)
{
	return ptep_get_and_clear(vma->vm_mm, address, ptep);
}

static inline pmd_t pmdp_huge_get_and_clear(struct mm_struct *mm, unsigned long addr,
					    pmd_t *pmdp)
{
	pmd_t old = *pmdp;

	(void)mm;
	(void)addr;
	*pmdp = __pmd(0);
	return old;
}

static inline void pte_clear(struct mm_struct *mm, unsigned long addr, pte_t *ptep)
{
	(void)mm;
	(void)addr;
	*ptep = __pte(0);
}

static inline void pmd_clear(pmd_t *pmd)
{
	*pmd = __pmd(0);
}

void pmd_populate(struct mm_struct *mm, pmd_t *pmd, struct page *pte_table);

/* Page-table pages (pagetable_alloc/pte_alloc_one/pte_free). */
struct page *pagetable_alloc(struct mm_struct *mm);
void pagetable_free(struct page *page);
int pagetable_init(void);
void pagetable_exit(void);
struct page *pte_alloc_one(struct mm_struct *mm);
void pte_free(struct mm_struct *mm, struct page *pte_table);
int __pte_alloc(struct mm_struct *mm, pmd_t *pmd);
pud_t *pud_alloc(struct mm_struct *mm, p4d_t *p4d, unsigned long addr);
pmd_t *pmd_alloc(struct mm_struct *mm, pud_t *pud, unsigned long addr);
pmd_t *mm_find_pmd(struct mm_struct *mm, unsigned long addr);

static inline void mm_inc_nr_ptes(struct mm_struct *mm) { mm->pgtables_bytes += PAGE_SIZE; }
static inline void mm_dec_nr_ptes(struct mm_struct *mm) { mm->pgtables_bytes -= PAGE_SIZE; }

/* pgtable-generic.c */
void pgtable_trans_huge_deposit(struct mm_struct *mm, pmd_t *pmdp, struct page *pgtable);
struct page *pgtable_trans_huge_withdraw(struct mm_struct *mm, pmd_t *pmdp);
pmd_t pmdp_invalidate(struct vm_area_struct *vma, unsigned long address, pmd_t *pmdp);
pmd_t pmdp_huge_clear_flush(struct vm_area_struct *vma, unsigned long address, pmd_t *pmdp);
pmd_t pmdp_collapse_flush(struct vm_area_struct *vma, unsigned long address, pmd_t *pmdp);

void pmdp_set_wrprotect(struct mm_struct *mm, unsigned long addr, pmd_t *pmdp);
int pmdp_set_access_flags(struct vm_area_struct *vma, unsigned long address,
			  pmd_t *pmdp, pmd_t entry, int dirty);
int ptep_set_access_flags(struct vm_area_struct *vma, unsigned long address,
			  pte_t *ptep, pte_t entry, int dirty);

/* ---- the TLB gather (asm-generic/tlb.h, mm/mmu_gather.c) ---- */

struct mmu_gather {
	struct mm_struct *mm;
	bool fullmm;			/* tearing down the whole mm */
	struct folio **folios;		/* folios whose mapping references to drop */
	int *refs;			/* how many references each */
	int nr, cap;
	struct page **tables;		/* page tables to free after the flush */
	int nr_tables, cap_tables;
};

void tlb_gather_mmu(struct mmu_gather *tlb, struct mm_struct *mm);
void tlb_gather_mmu_fullmm(struct mmu_gather *tlb, struct mm_struct *mm);
void tlb_finish_mmu(struct mmu_gather *tlb);
void tlb_flush_mmu(struct mmu_gather *tlb);
void __tlb_remove_folio_pages(struct mmu_gather *tlb, struct folio *folio, int nr);
void tlb_remove_table(struct mmu_gather *tlb, struct page *table);

/* ---- faults (mm/memory.c) ---- */

#define FAULT_FLAG_WRITE	0x01
#define FAULT_FLAG_UNSHARE	0x400

typedef unsigned int vm_fault_t;
#define VM_FAULT_OOM		0x000001
#define VM_FAULT_SIGBUS		0x000002
#define VM_FAULT_MAJOR		0x000004
#define VM_FAULT_SIGSEGV	0x000040
#define VM_FAULT_NOPAGE		0x000100
#define VM_FAULT_LOCKED		0x000200
#define VM_FAULT_RETRY		0x000400
#define VM_FAULT_FALLBACK	0x000800
#define VM_FAULT_ERROR		(VM_FAULT_OOM | VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV)

struct vm_fault {
	struct vm_area_struct *vma;
	unsigned long address;		/* faulting address, page aligned */
	unsigned long real_address;	/* the address as given */
	unsigned int flags;		/* FAULT_FLAG_* */
	pud_t *pud;
	pmd_t *pmd;
	pmd_t orig_pmd;
	pte_t *pte;
	pte_t orig_pte;
	spinlock_t *ptl;
	unsigned long pgoff;		/* page offset of address in the file */
	struct page *page;		/* the page ->fault found */
	struct page *cow_page;		/* do_cow_fault: the private copy of it */
	const char *outcome;		/* thpsh: what the fault did, for fault() */
};

vm_fault_t handle_mm_fault(struct vm_area_struct *vma, unsigned long address,
			   unsigned int flags, const char **outcome);
vm_fault_t vmf_anon_prepare(struct vm_fault *vmf);
vm_fault_t do_swap_page(struct vm_fault *vmf);
struct page *vm_normal_page(struct vm_area_struct *vma, unsigned long addr, pte_t pte);
struct page *vm_normal_page_pmd(struct vm_area_struct *vma, unsigned long addr, pmd_t pmd);
pte_t folio_mk_pte(struct folio *folio, pgprot_t prot);
pmd_t folio_mk_pmd(struct folio *folio, pgprot_t prot);
pte_t maybe_mkwrite(pte_t pte, struct vm_area_struct *vma);
int folio_pte_batch(struct folio *folio, pte_t *ptep, pte_t pte, int max_nr);
int copy_page_range(struct vm_area_struct *dst_vma, struct vm_area_struct *src_vma);
vm_fault_t do_set_pmd(struct vm_fault *vmf, struct folio *folio, struct page *page);
void set_pte_range(struct vm_fault *vmf, struct folio *folio, struct page *page,
		   unsigned int nr, unsigned long addr);

/* ---- unmapping (mm/memory.c) ---- */

struct zap_details {
	struct folio *single_folio;	/* only zap this folio's pages */
	bool even_cows;			/* zap COWed private pages too */
	bool reclaim_pt;		/* free PTE tables that become empty */
};

void unmap_page_range(struct mmu_gather *tlb, struct vm_area_struct *vma,
		      unsigned long addr, unsigned long end, struct zap_details *details);
void unmap_single_vma(struct mmu_gather *tlb, struct vm_area_struct *vma,
		      unsigned long start, unsigned long end, struct zap_details *details);
void unmap_vmas(struct mmu_gather *tlb, struct list_head *vmas,
		unsigned long start, unsigned long end);
void zap_page_range_single(struct vm_area_struct *vma, unsigned long address,
			   unsigned long size, struct zap_details *details);
void free_pgtables(struct mmu_gather *tlb, struct list_head *vmas,
		   unsigned long floor, unsigned long ceiling);
void free_pgd_range(struct mmu_gather *tlb, unsigned long addr, unsigned long end,
		    unsigned long floor, unsigned long ceiling);

/* ---- VMAs (mm/vma.c, mm/mmap.c) ---- */

#define PROT_NONE	0x0
#define PROT_READ	0x1
#define PROT_WRITE	0x2
#define PROT_EXEC	0x4
#define MAP_SHARED	0x01
#define MAP_PRIVATE	0x02
#define MAP_FIXED	0x10
#define MAP_ANONYMOUS	0x20
#define MAP_FIXED_NOREPLACE	0x100000

pgprot_t vm_get_page_prot(unsigned long vm_flags);
struct vm_area_struct *find_vma(struct mm_struct *mm, unsigned long addr);
struct vm_area_struct *vma_lookup(struct mm_struct *mm, unsigned long addr);
struct vm_area_struct *vma_prev(struct vm_area_struct *vma);
struct vm_area_struct *vma_next(struct vm_area_struct *vma);
unsigned long mm_get_unmapped_area(struct mm_struct *mm, unsigned long len);
unsigned long get_unmapped_area(struct mm_struct *mm, unsigned long addr,
				unsigned long len, unsigned long pgoff,
				unsigned long flags);
long do_mmap(struct mm_struct *mm, unsigned long addr, unsigned long len,
	     unsigned long prot, unsigned long flags, unsigned long vm_extra,
	     struct shmem_file *file, unsigned long pgoff);
int do_vmi_munmap(struct mm_struct *mm, unsigned long start, size_t len);
int __split_vma(struct vm_area_struct *vma, unsigned long addr, int new_below);
struct vm_area_struct *vma_merge_neighbours(struct vm_area_struct *vma);
struct vm_area_struct *vma_modify_flags(struct vm_area_struct *vma,
					unsigned long start, unsigned long end,
					unsigned long new_flags);
void vma_link(struct mm_struct *mm, struct vm_area_struct *vma);
void vma_set_range(struct vm_area_struct *vma, unsigned long start,
		   unsigned long end, unsigned long pgoff);
void vma_unlink(struct mm_struct *mm, struct vm_area_struct *vma);
void vm_area_free(struct vm_area_struct *vma);
struct vm_area_struct *vm_area_dup(struct vm_area_struct *orig);
void exit_mmap(struct mm_struct *mm);
int dup_mmap(struct mm_struct *mm, struct mm_struct *oldmm);
struct vm_area_struct *copy_vma(struct vm_area_struct *vma, unsigned long addr,
				unsigned long len, unsigned long pgoff);
struct vm_area_struct *vma_merge_extend(struct vm_area_struct *vma, unsigned long delta);

static inline bool vma_is_anonymous(const struct vm_area_struct *vma)
{
	return !vma->vm_file;
}

static inline unsigned long vma_pages(const struct vm_area_struct *vma)
{
	return (vma->vm_end - vma->vm_start) >> PAGE_SHIFT;
}

static inline unsigned long linear_page_index(const struct vm_area_struct *vma,
					      unsigned long address)
{
	return ((address - vma->vm_start) >> PAGE_SHIFT) + vma->vm_pgoff;
}

static inline bool range_in_vma(const struct vm_area_struct *vma,
				unsigned long start, unsigned long end)
{
	return vma && vma->vm_start <= start && end <= vma->vm_end;
}

#define for_each_vma(mm, vma) list_for_each_entry(vma, &(mm)->mmap, vm_list)

/* mremap.c */
#define MREMAP_MAYMOVE	1
#define MREMAP_FIXED	2
long do_mremap(struct mm_struct *mm, unsigned long addr, unsigned long old_len,
	       unsigned long new_len, unsigned long flags, unsigned long new_addr);

/* mprotect.c, madvise.c */
int do_mprotect(struct mm_struct *mm, unsigned long start, size_t len, unsigned long prot);
long change_protection(struct mmu_gather *tlb, struct vm_area_struct *vma,
		       unsigned long start, unsigned long end, unsigned long cp_flags);
int do_madvise(struct mm_struct *mm, unsigned long start, size_t len, int behavior);

#define MADV_DONTNEED	4
#define MADV_FREE	8
#define MADV_REMOVE	9
#define MADV_DONTFORK	10
#define MADV_DOFORK	11
#define MADV_WIPEONFORK	18
#define MADV_KEEPONFORK	19
#define MADV_HUGEPAGE	14
#define MADV_NOHUGEPAGE	15
#define MADV_PAGEOUT	21
#define MADV_COLLAPSE	25

/* ---- user access (access.c) ---- */

struct addr_walk {
	u64 pgd, p4d, pud, pmd, pte;	/* raw entries; 0 below the last level */
	int level;			/* deepest level reached: 1 pgd .. 4 pte */
	pud_t *pudp;
	pmd_t *pmdp;
	pte_t *ptep;
};

void mm_walk_addr(struct mm_struct *mm, unsigned long addr, struct addr_walk *w);
int do_user_addr_fault(struct mm_struct *mm, unsigned long address, bool write,
		       const char **outcome);
int access_user_page(struct mm_struct *mm, unsigned long addr, bool write,
		     struct page **pagep, const char **outcome);

/* ---- GUP pins (mm/gup.c) ---- */

#define FOLL_WRITE	0x01		/* the pages will be written */
#define FOLL_LONGTERM	0x100		/* held for long: DMA by a driver */
#define FOLL_TOUCH	0x10000		/* mark them accessed (and dirty) */
#define FOLL_PIN	0x80000		/* pin: _pincount, not a plain reference */

long pin_user_pages_fast(struct mm_struct *mm, unsigned long start, long nr_pages,
			 unsigned int gup_flags, struct page **pages);
void unpin_user_pages(struct page **pages, long npages);

/* One page pinned by the driver thpsh plays (see gup.c). */
struct gup_pin {
	struct list_head list;		/* on gup_pins */
	struct task_struct *owner;	/* the process whose buffer it is */
	unsigned long addr;		/* the user address it was pinned at */
	struct page *page;		/* the page pinned */
};
extern struct list_head gup_pins;

long gup_pin_register(struct task_struct *tsk, unsigned long start, unsigned long len);
long gup_pin_unregister(struct task_struct *tsk, unsigned long start, unsigned long len);
void gup_pin_release_task(struct task_struct *tsk);

/* ---- processes (kernel/fork.c) ---- */

struct mm_struct *mm_alloc(void);
void mmput(struct mm_struct *mm);
unsigned long mm_rss(const struct mm_struct *mm);

#endif /* THPSH_MM_INTERNAL_H */
