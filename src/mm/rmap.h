/*
 * rmap.h - reverse mapping: from a folio to every page-table entry that
 * maps it (include/linux/rmap.h).
 *
 * The mapcount rule (CONFIG_PAGE_MAPCOUNT, CONFIG_MM_ID, as on the live
 * kernel), for a large folio:
 *
 *   page->_mapcount + 1      PTEs mapping that page
 *   _entire_mapcount + 1     PMDs mapping the whole folio
 *   _large_mapcount + 1      all of the above: every PTE and PMD
 *   _nr_pages_mapped         pages mapped by at least one PTE, plus
 *                            ENTIRELY_MAPPED while any PMD maps it
 *
 * An anonymous folio holds one reference per page-table mapping, so a
 * PMD-mapped THP has refcount 1 and, after __split_huge_pmd, 512.
 */
#ifndef THPSH_MM_RMAP_H
#define THPSH_MM_RMAP_H

#include "internal.h"

typedef int rmap_t;
#define RMAP_NONE	0
#define RMAP_EXCLUSIVE	1

enum rmap_level { RMAP_LEVEL_PTE, RMAP_LEVEL_PMD };

int __anon_vma_prepare(struct vm_area_struct *vma);
static inline int anon_vma_prepare(struct vm_area_struct *vma)
{
	return vma->anon_vma ? 0 : __anon_vma_prepare(vma);
}
int anon_vma_clone(struct vm_area_struct *dst, struct vm_area_struct *src);
int anon_vma_fork(struct vm_area_struct *vma, struct vm_area_struct *pvma);
void unlink_anon_vmas(struct vm_area_struct *vma);
void anon_vma_interval_tree_pre_update_vma(struct vm_area_struct *vma);
void anon_vma_interval_tree_post_update_vma(struct vm_area_struct *vma);
struct anon_vma *folio_get_anon_vma(struct folio *folio);
void put_anon_vma(struct anon_vma *anon_vma);
void anon_vma_lock_write(struct anon_vma *anon_vma);
void anon_vma_unlock_write(struct anon_vma *anon_vma);

void folio_add_new_anon_rmap(struct folio *folio, struct vm_area_struct *vma,
			     unsigned long address, rmap_t flags);
void folio_add_anon_rmap_ptes(struct folio *folio, struct page *page, int nr_pages,
			      struct vm_area_struct *vma, unsigned long address,
			      rmap_t flags);
void folio_add_anon_rmap_pmd(struct folio *folio, struct page *page,
			     struct vm_area_struct *vma, unsigned long address,
			     rmap_t flags);
void folio_dup_file_rmap_ptes(struct folio *folio, struct page *page, int nr_pages,
			      struct vm_area_struct *dst_vma);
void folio_add_file_rmap_ptes(struct folio *folio, struct page *page, int nr_pages,
			      struct vm_area_struct *vma);
void folio_add_file_rmap_pmd(struct folio *folio, struct page *page,
			     struct vm_area_struct *vma);
void folio_remove_rmap_ptes(struct folio *folio, struct page *page, int nr_pages,
			    struct vm_area_struct *vma);
void folio_remove_rmap_pmd(struct folio *folio, struct page *page,
			   struct vm_area_struct *vma);
#define folio_add_anon_rmap_pte(folio, page, vma, address, flags) \
	folio_add_anon_rmap_ptes(folio, page, 1, vma, address, flags)
#define folio_remove_rmap_pte(folio, page, vma) \
	folio_remove_rmap_ptes(folio, page, 1, vma)
void folio_move_anon_rmap(struct folio *folio, struct vm_area_struct *vma);

int folio_try_share_anon_rmap_pte(struct folio *folio, struct page *page);
int folio_try_share_anon_rmap_pmd(struct folio *folio, struct page *page);
int folio_try_dup_anon_rmap_ptes(struct folio *folio, struct page *page, int nr_pages,
				 struct vm_area_struct *dst_vma,
				 struct vm_area_struct *src_vma);
int folio_try_dup_anon_rmap_pmd(struct folio *folio, struct page *page,
				struct vm_area_struct *dst_vma,
				struct vm_area_struct *src_vma);

/* Walking the mappings of one folio in one VMA (mm/page_vma_mapped.c). */
#define PVMW_SYNC	(1 << 0)
#define PVMW_MIGRATION	(1 << 1)

struct page_vma_mapped_walk {
	unsigned long pfn;		/* first pfn of the range looked for */
	unsigned long nr_pages;		/* how many */
	unsigned long pgoff;
	struct vm_area_struct *vma;
	unsigned long address;		/* where the current mapping is */
	pmd_t *pmd;			/* its PMD entry */
	pte_t *pte;			/* its PTE, or NULL for a PMD mapping */
	spinlock_t *ptl;		/* held while the walk stands on an entry */
	unsigned int flags;		/* PVMW_* */
};

bool page_vma_mapped_walk(struct page_vma_mapped_walk *pvmw);
void page_vma_mapped_walk_done(struct page_vma_mapped_walk *pvmw);
void page_vma_mapped_walk_restart(struct page_vma_mapped_walk *pvmw);
unsigned long vma_address(const struct vm_area_struct *vma, unsigned long pgoff,
			  unsigned long nr_pages);

struct rmap_walk_control {
	void *arg;
	bool (*rmap_one)(struct folio *folio, struct vm_area_struct *vma,
			 unsigned long addr, void *arg);
	bool (*done)(struct folio *folio);
};
void rmap_walk(struct folio *folio, struct rmap_walk_control *rwc);
void rmap_walk_file(struct folio *folio, struct rmap_walk_control *rwc);

/* try_to_unmap/try_to_migrate flags */
#define TTU_SPLIT_HUGE_PMD	0x4
#define TTU_IGNORE_MLOCK	0x8
#define TTU_SYNC		0x10
#define TTU_BATCH_FLUSH		0x40
#define TTU_RMAP_LOCKED		0x80
#define TTU_USE_SHARED_ZEROPAGE	0x100

void try_to_migrate(struct folio *folio, int flags);
void try_to_unmap(struct folio *folio, int flags);

/* mm/migrate.c */
void remove_migration_ptes(struct folio *src, struct folio *dst, int flags);

#endif /* THPSH_MM_RMAP_H */
