/*
 * huge_mm.h - Transparent Huge Pages: the sysfs knobs, the fault and
 * split entry points, the deferred split queue (include/linux/huge_mm.h).
 */
#ifndef THPSH_MM_HUGE_MM_H
#define THPSH_MM_HUGE_MM_H

#include "internal.h"

struct page_vma_mapped_walk;

/* transparent_hugepage_flags bits */
enum transparent_hugepage_flag {
	TRANSPARENT_HUGEPAGE_UNSUPPORTED,
	TRANSPARENT_HUGEPAGE_FLAG,
	TRANSPARENT_HUGEPAGE_REQ_MADV_FLAG,
	TRANSPARENT_HUGEPAGE_DEFRAG_DIRECT_FLAG,
	TRANSPARENT_HUGEPAGE_DEFRAG_KSWAPD_FLAG,
	TRANSPARENT_HUGEPAGE_DEFRAG_KSWAPD_OR_MADV_FLAG,
	TRANSPARENT_HUGEPAGE_DEFRAG_REQ_MADV_FLAG,
	TRANSPARENT_HUGEPAGE_DEFRAG_KHUGEPAGED_FLAG,
	TRANSPARENT_HUGEPAGE_USE_ZERO_PAGE_FLAG,
};

extern unsigned long transparent_hugepage_flags;
extern unsigned long huge_anon_orders_always;
extern unsigned long huge_anon_orders_madvise;
extern unsigned long huge_anon_orders_inherit;
extern bool split_underused_thp;
gfp_t vma_thp_gfp_mask(struct vm_area_struct *vma);
bool thp_khugepaged_defrag(void);
extern unsigned int khugepaged_max_ptes_none;
extern unsigned int khugepaged_max_ptes_swap;
extern unsigned int khugepaged_max_ptes_shared;
extern unsigned int khugepaged_pages_to_scan;
extern struct folio *huge_zero_folio;
extern unsigned long huge_zero_pfn;

/* anon orders 2..9: order 0 is a plain page, order 1 is not supported */
#define THP_ORDERS_ALL_ANON	((BIT(PMD_ORDER + 1) - 1) & ~(BIT(0) | BIT(1)))
/* page cache orders: the kernel's include order 1, which thpsh has no folios of */
#define THP_ORDERS_ALL_FILE_DEFAULT	THP_ORDERS_ALL_ANON
#define THP_ORDERS_ALL	(THP_ORDERS_ALL_ANON | THP_ORDERS_ALL_FILE_DEFAULT)

static inline bool hugepage_global_enabled(void)
{
	return transparent_hugepage_flags &
	       (BIT(TRANSPARENT_HUGEPAGE_FLAG) | BIT(TRANSPARENT_HUGEPAGE_REQ_MADV_FLAG));
}

static inline bool hugepage_global_always(void)
{
	return transparent_hugepage_flags & BIT(TRANSPARENT_HUGEPAGE_FLAG);
}

static inline bool transparent_hugepage_use_zero_page(void)
{
	return transparent_hugepage_flags & BIT(TRANSPARENT_HUGEPAGE_USE_ZERO_PAGE_FLAG);
}

enum tva_type { TVA_SMAPS, TVA_PAGEFAULT, TVA_KHUGEPAGED, TVA_FORCED_COLLAPSE };

bool vma_thp_disabled(struct vm_area_struct *vma, unsigned long vm_flags);
unsigned long thp_vma_allowable_orders(struct vm_area_struct *vma,
				       unsigned long vm_flags, enum tva_type type,
				       unsigned long orders);
static inline bool thp_vma_allowable_order(struct vm_area_struct *vma,
					   unsigned long vm_flags, enum tva_type type,
					   int order)
{
	return thp_vma_allowable_orders(vma, vm_flags, type, BIT(order));
}
bool thp_vma_suitable_order(struct vm_area_struct *vma, unsigned long addr, int order);
unsigned long thp_vma_suitable_orders(struct vm_area_struct *vma,
				      unsigned long addr, unsigned long orders);
unsigned long thp_get_unmapped_area(struct mm_struct *mm, unsigned long len);

static inline bool is_huge_zero_folio(const struct folio *folio)
{
	return folio && folio == huge_zero_folio;
}

static inline bool is_huge_zero_pfn(unsigned long pfn)
{
	return huge_zero_pfn != ~0UL && pfn == huge_zero_pfn;
}

static inline bool is_huge_zero_pmd(pmd_t pmd)
{
	return pmd_present(pmd) && is_huge_zero_pfn(pmd_pfn(pmd));
}

struct folio *mm_get_huge_zero_folio(struct mm_struct *mm);
void mm_put_huge_zero_folio(struct mm_struct *mm);

vm_fault_t do_huge_pmd_anonymous_page(struct vm_fault *vmf);
vm_fault_t do_huge_pmd_wp_page(struct vm_fault *vmf);
bool huge_pmd_set_accessed(struct vm_fault *vmf);
bool zap_huge_pmd(struct mmu_gather *tlb, struct vm_area_struct *vma,
		  pmd_t *pmd, unsigned long addr);
int change_huge_pmd(struct mmu_gather *tlb, struct vm_area_struct *vma,
		    pmd_t *pmd, unsigned long addr, pgprot_t newprot,
		    unsigned long cp_flags);
bool madvise_free_huge_pmd(struct mmu_gather *tlb, struct vm_area_struct *vma,
			   pmd_t *pmd, unsigned long addr, unsigned long next);
int copy_huge_pmd(struct mm_struct *dst_mm, struct mm_struct *src_mm,
		  pmd_t *dst_pmd, pmd_t *src_pmd, unsigned long addr,
		  struct vm_area_struct *dst_vma, struct vm_area_struct *src_vma);
bool move_huge_pmd(struct vm_area_struct *vma, unsigned long old_addr,
		   unsigned long new_addr, pmd_t *old_pmd, pmd_t *new_pmd);

void __split_huge_pmd(struct vm_area_struct *vma, pmd_t *pmd,
		      unsigned long address, bool freeze);
void split_huge_pmd_locked(struct vm_area_struct *vma, unsigned long address,
			   pmd_t *pmd, bool freeze);
void split_huge_pmd_address(struct vm_area_struct *vma, unsigned long address,
			    bool freeze);
void vma_adjust_trans_huge(struct vm_area_struct *vma, unsigned long start,
			   unsigned long end, struct vm_area_struct *next);
int set_pmd_migration_entry(struct page_vma_mapped_walk *pvmw, struct page *page);
void remove_migration_pmd(struct page_vma_mapped_walk *pvmw, struct folio *folio);

bool can_split_folio(struct folio *folio, int caller_pins, int *pextra_pins);
int split_huge_page_to_list_to_order(struct page *page, struct list_head *list,
				     unsigned int new_order);
int split_folio_to_order(struct folio *folio, int new_order);
static inline int split_folio(struct folio *folio)
{
	return split_folio_to_order(folio, 0);
}
int folio_split(struct folio *folio, unsigned int new_order, struct page *page,
		struct list_head *list);

void deferred_split_folio(struct folio *folio, bool partially_mapped);
bool __folio_unqueue_deferred_split(struct folio *folio);
static inline bool folio_unqueue_deferred_split(struct folio *folio)
{
	if (folio_order(folio) <= 1 || !folio_test_large_rmappable(folio))
		return false;
	if (list_empty(&folio->_deferred_list))
		return false;
	return __folio_unqueue_deferred_split(folio);
}
struct deferred_split *get_deferred_split_queue(struct folio *folio);

/* split_huge_pages debugfs file: 0 or -errno, and counts like pr_debug */
struct split_stats {
	unsigned long total;
	unsigned long split;
};
int split_huge_pages_write(const char *buf, struct split_stats *stats);

/* shmem.c: the page cache side of THPs */
int split_huge_pages_in_file(const char *path, unsigned long off_start,
			     unsigned long off_end, unsigned int new_order,
			     long in_folio_offset, struct split_stats *stats);
void shmem_split_folio_cache(struct folio *folio, struct folio *end_folio);

/* The shrinkers (mm/shrinker.c, fs/drop_caches.c) */
#define SHRINK_STOP	(~0UL)
#define SHRINK_EMPTY	(~0UL - 1)
struct shrink_control {
	unsigned long nr_to_scan;
	unsigned long nr_scanned;
	int nid;
	struct mem_cgroup *memcg;
};
struct shrinker {
	const char *name;
	unsigned long (*count_objects)(struct shrinker *, struct shrink_control *);
	unsigned long (*scan_objects)(struct shrinker *, struct shrink_control *);
	int seeks;
	long batch;
};
extern struct shrinker deferred_split_shrinker;
extern struct shrinker huge_zero_folio_shrinker;
unsigned long deferred_split_count(struct shrinker *shrink, struct shrink_control *sc);
unsigned long deferred_split_scan(struct shrinker *shrink, struct shrink_control *sc);
unsigned long shrink_slab(int nid, struct mem_cgroup *memcg, int priority);
unsigned long drop_slab(void);
bool folio_isolate_lru(struct folio *folio);
void folio_putback_lru(struct folio *folio);
void reclaim_pages(struct folio **folios, int nr);

void thp_reset(void);

#endif /* THPSH_MM_HUGE_MM_H */
