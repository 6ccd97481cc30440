/*
 * rmap.c - anon_vmas, mapcounts, and the walks that find every mapping
 * of a folio (mm/rmap.c).
 *
 * An anonymous folio points at the anon_vma of the VMA that faulted it;
 * the anon_vma lists (through anon_vma_chains) every VMA that may map
 * its folios, including the VMAs of forked children.  rmap_walk() visits
 * those VMAs; page_vma_mapped_walk() then finds the entries in each.
 *
 * The anon_vma's interval tree is interval_tree.c's treap; the walk visits
 * VMAs by page offset, as the kernel's does.
 */
#include "rmap.h"

#include "huge_mm.h"
#include "slab.h"
#include "swap.h"

/* ---- anon_vma lifetime ---- */

static struct anon_vma *anon_vma_alloc(void)
{
	struct anon_vma *anon_vma = kzalloc(sizeof(*anon_vma));

	if (!anon_vma)
		return NULL;
	anon_vma->refcount = 1;
	anon_vma->root = anon_vma;
	anon_vma->parent = anon_vma;
	return anon_vma;
}

static void anon_vma_free(struct anon_vma *anon_vma)
{
	kfree(anon_vma);
}

static void __put_anon_vma(struct anon_vma *anon_vma)
{
	struct anon_vma *root = anon_vma->root;

	anon_vma_free(anon_vma);
	if (root != anon_vma && --root->refcount == 0)
		anon_vma_free(root);
}

void put_anon_vma(struct anon_vma *anon_vma)
{
	if (--anon_vma->refcount == 0)
		__put_anon_vma(anon_vma);
}

void anon_vma_lock_write(struct anon_vma *anon_vma)
{
	VM_BUG_ON(anon_vma->root->locked);
	anon_vma->root->locked = true;
}

void anon_vma_unlock_write(struct anon_vma *anon_vma)
{
	VM_BUG_ON(!anon_vma->root->locked);
	anon_vma->root->locked = false;
}

static void avc_interval_insert(struct anon_vma_chain *avc)
{
	struct vm_area_struct *vma = avc->vma;

	avc->rb.start = vma->vm_pgoff;
	avc->rb.last = vma->vm_pgoff + vma_pages(vma) - 1;
	it_insert(&avc->anon_vma->rb_root, &avc->rb);
}

static void anon_vma_chain_link(struct vm_area_struct *vma,
				struct anon_vma_chain *avc,
				struct anon_vma *anon_vma)
{
	avc->vma = vma;
	avc->anon_vma = anon_vma;
	list_add(&avc->same_vma, &vma->anon_vma_chain);
	avc_interval_insert(avc);
}

/*
 * A VMA's start, end or pgoff is about to change: take its chains out
 * of the interval trees, and put them back after (the kernel's
 * anon_vma_interval_tree_pre/post_update_vma).
 */
void anon_vma_interval_tree_pre_update_vma(struct vm_area_struct *vma)
{
	struct anon_vma_chain *avc;

	list_for_each_entry(avc, &vma->anon_vma_chain, same_vma)
		it_remove(&avc->anon_vma->rb_root, &avc->rb);
}

void anon_vma_interval_tree_post_update_vma(struct vm_area_struct *vma)
{
	struct anon_vma_chain *avc;

	list_for_each_entry(avc, &vma->anon_vma_chain, same_vma)
		avc_interval_insert(avc);
}

/* anon_vma_compatible(): could @a and @b, adjacent, share an anon_vma? */
static bool anon_vma_compatible(struct vm_area_struct *a, struct vm_area_struct *b)
{
	return a->vm_end == b->vm_start && a->vm_file == b->vm_file &&
	       !((a->vm_flags ^ b->vm_flags) & ~VM_ACCESS_FLAGS) &&
	       b->vm_pgoff == a->vm_pgoff + ((b->vm_start - a->vm_start) >> PAGE_SHIFT);
}

static struct anon_vma *reusable_anon_vma(struct vm_area_struct *old,
					  struct vm_area_struct *a,
					  struct vm_area_struct *b)
{
	if (anon_vma_compatible(a, b) && old->anon_vma &&
	    old->anon_vma_chain.next == old->anon_vma_chain.prev)
		return old->anon_vma;
	return NULL;
}

/* find_mergeable_anon_vma(): a neighbour's anon_vma, if it could merge. */
static struct anon_vma *find_mergeable_anon_vma(struct vm_area_struct *vma)
{
	struct vm_area_struct *next = vma_next(vma), *prev = vma_prev(vma);
	struct anon_vma *anon_vma = NULL;

	if (next)
		anon_vma = reusable_anon_vma(next, vma, next);
	if (!anon_vma && prev)
		anon_vma = reusable_anon_vma(prev, prev, vma);
	return anon_vma;
}

/*
 * Attach an anon_vma to @vma before its first anonymous folio: a
 * mergeable neighbour's, or a new one.  Returns 0 or -ENOMEM.
 */
int __anon_vma_prepare(struct vm_area_struct *vma)
{
	struct anon_vma_chain *avc = kzalloc(sizeof(*avc));
	struct anon_vma *anon_vma;

	KFUNC(vma->vm_start, NULL);
	if (!avc)
		return -ENOMEM;
	anon_vma = find_mergeable_anon_vma(vma);
	if (!anon_vma) {
		anon_vma = anon_vma_alloc();
		if (!anon_vma) {
			kfree(avc);
			return -ENOMEM;
		}
		anon_vma->num_children++;	/* self-parent link for new root */
	}
	vma->anon_vma = anon_vma;
	anon_vma_chain_link(vma, avc, anon_vma);
	anon_vma->num_active_vmas++;
	return 0;
}

/*
 * Link @dst to every anon_vma @src is linked to (VMA split and fork).
 * In fork, an anon_vma no VMA uses any more may be reused for @dst.
 */
int anon_vma_clone(struct vm_area_struct *dst, struct vm_area_struct *src)
{
	struct anon_vma_chain *pavc;

	list_for_each_entry(pavc, &src->anon_vma_chain, same_vma) {
		struct anon_vma_chain *avc = kzalloc(sizeof(*avc));
		struct anon_vma *anon_vma = pavc->anon_vma;

		if (!avc) {
			unlink_anon_vmas(dst);
			return -ENOMEM;
		}
		anon_vma_chain_link(dst, avc, anon_vma);
		if (!dst->anon_vma && src->anon_vma &&
		    anon_vma->num_children < 2 && anon_vma->num_active_vmas == 0)
			dst->anon_vma = anon_vma;
	}
	if (dst->anon_vma)
		dst->anon_vma->num_active_vmas++;
	return 0;
}

/* A child VMA gets its parent's chains and an anon_vma of its own. */
int anon_vma_fork(struct vm_area_struct *vma, struct vm_area_struct *pvma)
{
	struct anon_vma_chain *avc;
	struct anon_vma *anon_vma;

	if (!pvma->anon_vma)
		return 0;
	vma->anon_vma = NULL;
	if (anon_vma_clone(vma, pvma))
		return -ENOMEM;
	if (vma->anon_vma)
		return 0;
	anon_vma = anon_vma_alloc();
	avc = kzalloc(sizeof(*avc));
	if (!anon_vma || !avc) {
		kfree(avc);
		if (anon_vma)
			anon_vma_free(anon_vma);
		unlink_anon_vmas(vma);
		return -ENOMEM;
	}
	anon_vma->num_active_vmas++;
	anon_vma->root = pvma->anon_vma->root;
	anon_vma->parent = pvma->anon_vma;
	anon_vma->root->refcount++;
	vma->anon_vma = anon_vma;
	anon_vma_chain_link(vma, avc, anon_vma);
	anon_vma->parent->num_children++;
	return 0;
}

void unlink_anon_vmas(struct vm_area_struct *vma)
{
	struct anon_vma_chain *avc, *next;

	list_for_each_entry_safe(avc, next, &vma->anon_vma_chain, same_vma) {
		struct anon_vma *anon_vma = avc->anon_vma;

		it_remove(&anon_vma->rb_root, &avc->rb);
		if (!anon_vma->rb_root.node) {
			anon_vma->parent->num_children--;
			continue;	/* freed below, once nothing points at it */
		}
		list_del_init(&avc->same_vma);
		kfree(avc);
	}
	if (vma->anon_vma) {
		vma->anon_vma->num_active_vmas--;
		vma->anon_vma = NULL;
	}
	list_for_each_entry_safe(avc, next, &vma->anon_vma_chain, same_vma) {
		struct anon_vma *anon_vma = avc->anon_vma;

		VM_WARN_ON(anon_vma->num_children);
		VM_WARN_ON(anon_vma->num_active_vmas);
		put_anon_vma(anon_vma);
		list_del_init(&avc->same_vma);
		kfree(avc);
	}
}

/* Take a reference on a folio's anon_vma so it survives a split. */
struct anon_vma *folio_get_anon_vma(struct folio *folio)
{
	struct anon_vma *anon_vma = folio_anon_vma(folio);

	if (!anon_vma || !folio_mapped(folio))
		return NULL;
	anon_vma->refcount++;
	return anon_vma;
}

/* ---- mapcounts ---- */

static void folio_set_large_mapcount(struct folio *folio, int mapcount,
				     struct vm_area_struct *vma)
{
	folio->_large_mapcount = mapcount - 1;
	folio->_mm_id_mapcount[0] = mapcount - 1;
	folio->_mm_ids = (folio->_mm_ids & ~MM_ID_MASK) | vma->vm_mm->mm_id;
}

static unsigned int folio_mm_id(const struct folio *folio, int idx)
{
	return (folio->_mm_ids >> (idx * 32)) & MM_ID_MASK;
}

static void folio_set_mm_id(struct folio *folio, int idx, unsigned int id)
{
	folio->_mm_ids &= ~(MM_ID_MASK << (idx * 32));
	folio->_mm_ids |= (unsigned long)id << (idx * 32);
}

/*
 * CONFIG_MM_ID: besides the total, remember which two mms map the folio
 * and how often, so "mapped by one mm only" is known without a walk.
 */
static __always_inline void folio_add_large_mapcount(struct folio *folio, int diff,
						     struct vm_area_struct *vma)
{
	const unsigned int mm_id = vma->vm_mm->mm_id;
	int new_mapcount_val = folio->_large_mapcount + diff;

	folio->_large_mapcount = new_mapcount_val;
	if (folio_mm_id(folio, 0) == mm_id) {
		folio->_mm_id_mapcount[0] += diff;
	} else if (folio_mm_id(folio, 1) == mm_id) {
		folio->_mm_id_mapcount[1] += diff;
	} else if (folio_mm_id(folio, 0) == MM_ID_DUMMY) {
		folio_set_mm_id(folio, 0, mm_id);
		folio->_mm_id_mapcount[0] = diff - 1;
		if (new_mapcount_val != diff - 1)
			folio->_mm_ids |= FOLIO_MM_IDS_SHARED_BIT;
	} else if (folio_mm_id(folio, 1) == MM_ID_DUMMY) {
		folio_set_mm_id(folio, 1, mm_id);
		folio->_mm_id_mapcount[1] = diff - 1;
		folio->_mm_ids |= FOLIO_MM_IDS_SHARED_BIT;
	}
}

static __always_inline void folio_sub_large_mapcount(struct folio *folio, int diff,
						     struct vm_area_struct *vma)
{
	const unsigned int mm_id = vma->vm_mm->mm_id;
	int new_mapcount_val = folio->_large_mapcount - diff;
	int idx;

	folio->_large_mapcount = new_mapcount_val;
	for (idx = 0; idx < 2; idx++) {
		if (folio_mm_id(folio, idx) != mm_id)
			continue;
		folio->_mm_id_mapcount[idx] -= diff;
		if (folio->_mm_id_mapcount[idx] >= 0)
			return;
		folio->_mm_id_mapcount[idx] = -1;
		folio_set_mm_id(folio, idx, MM_ID_DUMMY);
		break;
	}
	if (folio->_mm_id_mapcount[0] == new_mapcount_val ||
	    folio->_mm_id_mapcount[1] == new_mapcount_val)
		folio->_mm_ids &= ~FOLIO_MM_IDS_SHARED_BIT;
}

/*
 * NR_ANON_MAPPED / NR_FILE_MAPPED, and the THP-mapped counters.
 *
 * This and the __folio_*_rmap helpers below are always inline (the
 * kernel's rmap helpers are too): each rmap function then holds its own
 * copy for its level, and a PTE's is a few additions, no calls and no
 * PMD branches.  They run for every PTE a split unmaps and remaps.
 */
static __always_inline void __folio_mod_stat(struct folio *folio, int nr, int nr_pmdmapped)
{
	bool anon = folio_test_anon(folio);

	if (nr)
		lruvec_stat_mod_folio(folio, anon ? NR_ANON_MAPPED : NR_FILE_MAPPED, nr);
	if (!nr_pmdmapped)
		return;
	if (anon)
		lruvec_stat_mod_folio(folio, NR_ANON_THPS, nr_pmdmapped);
	else
		lruvec_stat_mod_folio(folio, folio_test_swapbacked(folio) ?
				      NR_SHMEM_PMDMAPPED : NR_FILE_PMDMAPPED,
				      nr_pmdmapped);
}

/* Returns how many pages became mapped; *nr_pmdmapped for a new PMD mapping. */
static __always_inline int __folio_add_rmap(struct folio *folio, struct page *page,
					    int nr_pages, struct vm_area_struct *vma,
					    enum rmap_level level, int *nr_pmdmapped)
{
	int *mapped = &folio->_nr_pages_mapped;
	const int orig_nr_pages = nr_pages;
	int first = 0, nr = 0;

	if (level == RMAP_LEVEL_PTE) {
		if (!folio_test_large(folio))
			return ++folio->_mapcount == 0;
		do {
			first += ++page->_mapcount == 0;
		} while (page++, --nr_pages > 0);
		if (first) {
			*mapped += first;
			if (*mapped < ENTIRELY_MAPPED)
				nr = first;
		}
		folio_add_large_mapcount(folio, orig_nr_pages, vma);
		return nr;
	}
	if (++folio->_entire_mapcount == 0) {
		*mapped += ENTIRELY_MAPPED;
		if (*mapped < 2 * ENTIRELY_MAPPED) {
			*nr_pmdmapped = folio_nr_pages(folio);
			nr = *nr_pmdmapped - (*mapped & FOLIO_PAGES_MAPPED);
			if (nr < 0)
				nr = 0;
		}
	}
	folio_add_large_mapcount(folio, 1, vma);
	return nr;
}

static void __folio_set_anon(struct folio *folio, struct vm_area_struct *vma,
			     unsigned long address, bool exclusive)
{
	struct anon_vma *anon_vma = vma->anon_vma;

	BUG_ON(!anon_vma);
	/* A folio that may be shared with a child belongs to the root. */
	if (!exclusive)
		anon_vma = anon_vma->root;
	folio->mapping = (unsigned long)anon_vma | FOLIO_MAPPING_ANON;
	folio->index = linear_page_index(vma, address);
}

/*
 * Map a new anonymous folio, exclusively, at @address of @vma: whole by
 * one PMD if it is PMD-sized, else by one PTE per page.
 */
void folio_add_new_anon_rmap(struct folio *folio, struct vm_area_struct *vma,
			     unsigned long address, rmap_t flags)
{
	const bool exclusive = flags & RMAP_EXCLUSIVE;
	int nr = 1, nr_pmdmapped = 0, i;

	KFUNC(address, folio);
	folio_set_swapbacked(folio);
	__folio_set_anon(folio, vma, address, exclusive);
	if (!folio_test_large(folio)) {
		folio->_mapcount = 0;
		if (exclusive)
			SetPageAnonExclusive(folio_page(folio, 0));
	} else if (!folio_test_pmd_mappable(folio)) {
		nr = folio_nr_pages(folio);
		for (i = 0; i < nr; i++) {
			folio_page(folio, i)->_mapcount = 0;
			if (exclusive)
				SetPageAnonExclusive(folio_page(folio, i));
		}
		folio_set_large_mapcount(folio, nr, vma);
		folio->_nr_pages_mapped = nr;
	} else {
		nr = folio_nr_pages(folio);
		folio->_entire_mapcount = 0;
		folio_set_large_mapcount(folio, 1, vma);
		folio->_nr_pages_mapped = ENTIRELY_MAPPED;
		if (exclusive)
			SetPageAnonExclusive(folio_page(folio, 0));
		nr_pmdmapped = nr;
	}
	__folio_mod_stat(folio, nr, nr_pmdmapped);
	mod_mthp_stat(folio_order(folio), MTHP_STAT_NR_ANON, 1);
	KNOTE("folio pfn %#lx order %u: mapcount %d, anon_vma set",
	      folio_pfn(folio), folio_order(folio), folio_mapcount(folio));
}

static __always_inline void __folio_add_anon_rmap(struct folio *folio, struct page *page,
						  int nr_pages, struct vm_area_struct *vma,
						  unsigned long address, rmap_t flags,
						  enum rmap_level level)
{
	int i, nr, nr_pmdmapped = 0;

	(void)address;
	VM_WARN_ON_FOLIO(!folio_test_anon(folio), folio);
	nr = __folio_add_rmap(folio, page, nr_pages, vma, level, &nr_pmdmapped);
	__folio_mod_stat(folio, nr, nr_pmdmapped);
	if (!(flags & RMAP_EXCLUSIVE))
		return;
	if (level == RMAP_LEVEL_PTE)
		for (i = 0; i < nr_pages; i++)
			SetPageAnonExclusive(page + i);
	else
		SetPageAnonExclusive(page);
}

void folio_add_anon_rmap_ptes(struct folio *folio, struct page *page, int nr_pages,
			      struct vm_area_struct *vma, unsigned long address,
			      rmap_t flags)
{
	KFUNC(address, folio);
	__folio_add_anon_rmap(folio, page, nr_pages, vma, address, flags, RMAP_LEVEL_PTE);
	KNOTE("+%d pte mappings: mapcount %d", nr_pages, folio_mapcount(folio));
}

void folio_add_anon_rmap_pmd(struct folio *folio, struct page *page,
			     struct vm_area_struct *vma, unsigned long address,
			     rmap_t flags)
{
	KFUNC(address, folio);
	__folio_add_anon_rmap(folio, page, HPAGE_PMD_NR, vma, address, flags, RMAP_LEVEL_PMD);
	KNOTE("+1 pmd mapping: entire_mapcount %d", folio_entire_mapcount(folio));
}

void folio_add_file_rmap_ptes(struct folio *folio, struct page *page, int nr_pages,
			      struct vm_area_struct *vma)
{
	int nr, nr_pmdmapped = 0;

	KFUNC(0, folio);
	nr = __folio_add_rmap(folio, page, nr_pages, vma, RMAP_LEVEL_PTE, &nr_pmdmapped);
	__folio_mod_stat(folio, nr, nr_pmdmapped);
}

void folio_add_file_rmap_pmd(struct folio *folio, struct page *page,
			     struct vm_area_struct *vma)
{
	int nr, nr_pmdmapped = 0;

	KFUNC(0, folio);
	nr = __folio_add_rmap(folio, page, HPAGE_PMD_NR, vma, RMAP_LEVEL_PMD, &nr_pmdmapped);
	__folio_mod_stat(folio, nr, nr_pmdmapped);
}

static __always_inline void __folio_remove_rmap(struct folio *folio, struct page *page,
						int nr_pages, struct vm_area_struct *vma,
						enum rmap_level level)
{
	int *mapped = &folio->_nr_pages_mapped;
	int last = 0, nr = 0, nr_pmdmapped = 0;
	bool partially_mapped = false;

	if (level == RMAP_LEVEL_PTE) {
		if (!folio_test_large(folio)) {
			nr = --folio->_mapcount < 0;
		} else {
			folio_sub_large_mapcount(folio, nr_pages, vma);
			do {
				last += --page->_mapcount < 0;
			} while (page++, --nr_pages > 0);
			if (last) {
				*mapped -= last;
				if (*mapped < ENTIRELY_MAPPED)
					nr = last;
			}
			partially_mapped = nr && *mapped;
		}
	} else {
		folio_sub_large_mapcount(folio, 1, vma);
		if (--folio->_entire_mapcount < 0) {
			*mapped -= ENTIRELY_MAPPED;
			if (*mapped < ENTIRELY_MAPPED) {
				nr_pmdmapped = folio_nr_pages(folio);
				nr = nr_pmdmapped - (*mapped & FOLIO_PAGES_MAPPED);
			}
		}
		partially_mapped = nr && nr < nr_pmdmapped;
	}
	/*
	 * An anonymous large folio with some pages unmapped and some still
	 * mapped wastes memory: queue it for the deferred split shrinker.
	 */
	if (partially_mapped && folio_test_anon(folio) &&
	    !folio_test_partially_mapped(folio))
		deferred_split_folio(folio, true);
	__folio_mod_stat(folio, -nr, -nr_pmdmapped);
}

void folio_remove_rmap_ptes(struct folio *folio, struct page *page, int nr_pages,
			    struct vm_area_struct *vma)
{
	KFUNC(0, folio);
	__folio_remove_rmap(folio, page, nr_pages, vma, RMAP_LEVEL_PTE);
	KNOTE("-%d pte mappings of folio pfn %#lx: mapcount %d", nr_pages,
	      folio_pfn(folio), folio_mapcount(folio));
}

void folio_remove_rmap_pmd(struct folio *folio, struct page *page,
			   struct vm_area_struct *vma)
{
	KFUNC(0, folio);
	__folio_remove_rmap(folio, page, HPAGE_PMD_NR, vma, RMAP_LEVEL_PMD);
	KNOTE("-1 pmd mapping of folio pfn %#lx: entire_mapcount %d",
	      folio_pfn(folio), folio_entire_mapcount(folio));
}

/* The folio now belongs to @vma's own anon_vma (COW reuse). */
void folio_move_anon_rmap(struct folio *folio, struct vm_area_struct *vma)
{
	folio->mapping = (unsigned long)vma->anon_vma | FOLIO_MAPPING_ANON;
}

/*
 * Before a page stops being mapped exclusively (migration entry, GUP
 * pin check): refuse if it may be pinned for DMA.  -EBUSY or 0.
 */
int folio_try_share_anon_rmap_pte(struct folio *folio, struct page *page)
{
	if (folio_maybe_dma_pinned(folio))
		return -EBUSY;
	ClearPageAnonExclusive(page);
	return 0;
}

int folio_try_share_anon_rmap_pmd(struct folio *folio, struct page *page)
{
	return folio_try_share_anon_rmap_pte(folio, page);
}

/* Only an mm that ever pinned (MMF_HAS_PINNED) can hold a pinned folio. */
static bool folio_needs_cow_for_dma(struct vm_area_struct *vma, struct folio *folio)
{
	if (!(vma->vm_mm->flags & BIT(MMF_HAS_PINNED)))
		return false;
	return folio_maybe_dma_pinned(folio);
}

/*
 * fork: the child maps @nr_pages page-cache pages the parent maps (a
 * private file VMA with an anon_vma is copied).  The pages are mapped
 * already, so no statistic moves.
 */
void folio_dup_file_rmap_ptes(struct folio *folio, struct page *page, int nr_pages,
			      struct vm_area_struct *dst_vma)
{
	int i;

	KFUNC(dst_vma->vm_start, folio);
	if (!folio_test_large(folio)) {
		folio->_mapcount++;
		return;
	}
	for (i = 0; i < nr_pages; i++)
		page[i]._mapcount++;
	folio_add_large_mapcount(folio, nr_pages, dst_vma);
}

/*
 * fork: duplicate mappings for the child.  A pinned exclusive page is
 * not shared: -EBUSY tells the caller to copy it instead.
 */
int folio_try_dup_anon_rmap_ptes(struct folio *folio, struct page *page, int nr_pages,
				 struct vm_area_struct *dst_vma,
				 struct vm_area_struct *src_vma)
{
	bool maybe_pinned = folio_needs_cow_for_dma(src_vma, folio);
	int i;

	for (i = 0; i < nr_pages; i++)
		if (PageAnonExclusive(page + i) && maybe_pinned)
			return -EBUSY;
	for (i = 0; i < nr_pages; i++)
		ClearPageAnonExclusive(page + i);
	if (!folio_test_large(folio)) {
		folio->_mapcount++;
		return 0;
	}
	for (i = 0; i < nr_pages; i++)
		page[i]._mapcount++;
	folio_add_large_mapcount(folio, nr_pages, dst_vma);
	return 0;
}

int folio_try_dup_anon_rmap_pmd(struct folio *folio, struct page *page,
				struct vm_area_struct *dst_vma,
				struct vm_area_struct *src_vma)
{
	if (PageAnonExclusive(page)) {
		if (folio_needs_cow_for_dma(src_vma, folio))
			return -EBUSY;
		ClearPageAnonExclusive(page);
	}
	folio->_entire_mapcount++;
	folio_add_large_mapcount(folio, 1, dst_vma);
	return 0;
}

/* ---- walks ---- */

/* Where page offset @pgoff of a folio of @nr_pages would be in @vma. */
unsigned long vma_address(const struct vm_area_struct *vma, unsigned long pgoff,
			  unsigned long nr_pages)
{
	long diff = (long)(pgoff - vma->vm_pgoff);
	unsigned long address;

	if (diff >= 0) {
		address = vma->vm_start + ((unsigned long)diff << PAGE_SHIFT);
		if (address < vma->vm_start || address >= vma->vm_end)
			return -EFAULT;
		return address;
	}
	if (pgoff + nr_pages - 1 >= vma->vm_pgoff)
		return vma->vm_start;
	return -EFAULT;
}

static void rmap_walk_anon(struct folio *folio, struct rmap_walk_control *rwc)
{
	struct anon_vma *anon_vma = folio_anon_vma(folio);
	unsigned long nr = folio_nr_pages(folio);
	unsigned long pgoff_start = folio->index, pgoff_end = pgoff_start + nr - 1;
	struct itnode *node;

	if (!anon_vma)
		return;
	for (node = it_iter_first(&anon_vma->rb_root, pgoff_start, pgoff_end); node;
	     node = it_iter_next(&anon_vma->rb_root, node, pgoff_start, pgoff_end)) {
		struct vm_area_struct *vma = container_of(node, struct anon_vma_chain, rb)->vma;
		unsigned long address;

		address = vma_address(vma, pgoff_start, nr);
		if (address == (unsigned long)-EFAULT)
			continue;
		if (!rwc->rmap_one(folio, vma, address, rwc->arg))
			break;
		if (rwc->done && rwc->done(folio))
			break;
	}
}

void rmap_walk(struct folio *folio, struct rmap_walk_control *rwc)
{
	if (folio_test_anon(folio))
		rmap_walk_anon(folio, rwc);
	else
		rmap_walk_file(folio, rwc);
}

static bool folio_not_mapped(struct folio *folio)
{
	return !folio_mapped(folio);
}

/*
 * Replace each PTE mapping @folio in @vma by a migration entry; a PMD
 * mapping is first split with freeze=true, which writes the migration
 * entries itself.  Returns false to stop the rmap walk: a page that is
 * pinned cannot be made a migration entry.
 *
 * Follows the newer upstream code that restarts the walk after the PMD
 * split (6.18-era kernels stopped the whole rmap walk there instead).
 */
static bool try_to_migrate_one(struct folio *folio, struct vm_area_struct *vma,
			       unsigned long address, void *arg)
{
	struct page_vma_mapped_walk pvmw = {
		.pfn = folio_pfn(folio), .nr_pages = folio_nr_pages(folio),
		.pgoff = folio->index, .vma = vma, .address = address,
	};
	struct mm_struct *mm = vma->vm_mm;
	int flags = *(int *)arg;
	bool ret = true;

	KFUNC(address, folio);
	if (flags & TTU_SYNC)
		pvmw.flags = PVMW_SYNC;
	while (page_vma_mapped_walk(&pvmw)) {
		struct page *subpage;
		bool anon_exclusive, writable;
		swp_entry_t entry;
		pte_t pteval, swp_pte;

		if (!pvmw.pte) {
			unsigned long pfn;

			if (flags & TTU_SPLIT_HUGE_PMD) {
				/*
				 * The split writes migration entries itself
				 * (freeze); walk again to catch a PTE it had
				 * to leave mapped.
				 */
				split_huge_pmd_locked(vma, pvmw.address, pvmw.pmd, true);
				flags &= ~TTU_SPLIT_HUGE_PMD;
				page_vma_mapped_walk_restart(&pvmw);
				continue;
			}
			pfn = pmd_present(*pvmw.pmd) ? pmd_pfn(*pvmw.pmd) :
			      swp_offset_pfn(pmd_to_swp_entry(*pvmw.pmd));
			subpage = folio_page(folio, pfn - folio_pfn(folio));
			if (set_pmd_migration_entry(&pvmw, subpage)) {
				ret = false;
				page_vma_mapped_walk_done(&pvmw);
				break;
			}
			continue;
		}
		pteval = ptep_get(pvmw.pte);
		subpage = folio_page(folio, pte_pfn(pteval) - folio_pfn(folio));
		address = pvmw.address;
		anon_exclusive = folio_test_anon(folio) && PageAnonExclusive(subpage);
		pteval = ptep_clear_flush(vma, address, pvmw.pte);
		if (pte_dirty(pteval))
			folio_set_dirty(folio);
		writable = pte_write(pteval);
		if (anon_exclusive && folio_try_share_anon_rmap_pte(folio, subpage)) {
			set_pte_at(mm, address, pvmw.pte, pteval);
			ret = false;
			page_vma_mapped_walk_done(&pvmw);
			break;
		}
		if (writable)
			entry = make_writable_migration_entry(page_to_pfn(subpage));
		else if (anon_exclusive)
			entry = make_readable_exclusive_migration_entry(page_to_pfn(subpage));
		else
			entry = make_readable_migration_entry(page_to_pfn(subpage));
		if (pte_young(pteval))
			entry = make_migration_entry_young(entry);
		if (pte_dirty(pteval))
			entry = make_migration_entry_dirty(entry);
		swp_pte = swp_entry_to_pte(entry);
		if (pte_soft_dirty(pteval))
			swp_pte = pte_swp_mksoft_dirty(swp_pte);
		if (pte_uffd_wp(pteval))
			swp_pte = pte_swp_mkuffd_wp(swp_pte);
		set_pte_at(mm, address, pvmw.pte, swp_pte);
		TP_EMIT({ "set_migration_pte", 3, { { "addr", NULL, (long long)address },
			  { "pte", NULL, (long long)pte_val(swp_pte) },
			  { "order", NULL, folio_order(folio) } } });
		folio_remove_rmap_pte(folio, subpage, vma);
		folio_put(folio);
	}
	return ret;
}

/* Replace every mapping of a locked anonymous folio by migration entries. */
void try_to_migrate(struct folio *folio, int flags)
{
	struct rmap_walk_control rwc = {
		.arg = &flags,
		.rmap_one = try_to_migrate_one,
		.done = folio_not_mapped,
	};

	KFUNC(0, folio);
	rmap_walk(folio, &rwc);
}

/*
 * An anonymous page's PTE becomes the swap entry of its slot (the folio
 * is in the swap cache): one more reference to the slot, an exclusive
 * page leaves an exclusive entry.  False if the page may be pinned.
 */
static bool try_to_unmap_anon_pte(struct folio *folio, struct page *subpage,
				  struct vm_area_struct *vma, unsigned long address,
				  pte_t *ptep, pte_t pteval)
{
	bool anon_exclusive = PageAnonExclusive(subpage);
	swp_entry_t entry = page_swap_entry(subpage);
	pte_t swp_pte;

	VM_BUG_ON_FOLIO(!folio_test_swapcache(folio), folio);
	if (swap_duplicate(entry))
		return false;
	if (anon_exclusive && folio_try_share_anon_rmap_pte(folio, subpage)) {
		swap_free_nr(entry, 1);
		return false;
	}
	add_mm_counter(vma->vm_mm, MM_ANONPAGES, -1);
	add_mm_counter(vma->vm_mm, MM_SWAPENTS, 1);
	swp_pte = swp_entry_to_pte(entry);
	if (anon_exclusive)
		swp_pte = pte_swp_mkexclusive(swp_pte);
	set_pte_at(vma->vm_mm, address, ptep, swp_pte);
	KNOTE("pte %#llx -> swap entry %#llx", (unsigned long long)pte_val(pteval),
	      (unsigned long long)pte_val(swp_pte));
	return true;
}

/* get_and_clear_ptes(): clear @nr PTEs; the first, with the dirty and young bits of all. */
static pte_t get_and_clear_ptes(struct mm_struct *mm, unsigned long addr, pte_t *ptep,
				unsigned int nr)
{
	pte_t pte = ptep_get_and_clear(mm, addr, ptep);
	unsigned int i;

	for (i = 1; i < nr; i++) {
		pte_t next = ptep_get_and_clear(mm, addr + i * PAGE_SIZE, ptep + i);

		if (pte_dirty(next))
			pte = pte_mkdirty(pte);
		if (pte_young(next))
			pte = pte_mkyoung(pte);
	}
	return pte;
}

/*
 * folio_unmap_pte_batch(): the PTEs from @pvmw's on that map a large
 * lazyfree folio in a row, within one page table and the VMA, go at once.
 * (The kernel's batch also stops where the soft-dirty bit changes.)
 */
static unsigned int folio_unmap_pte_batch(struct folio *folio, struct page_vma_mapped_walk *pvmw,
					  pte_t pte)
{
	unsigned long end = pmd_addr_end(pvmw->address, pvmw->vma->vm_end);

	if (!folio_test_large(folio))
		return 1;
	return folio_pte_batch(folio, pvmw->pte, pte, (end - pvmw->address) >> PAGE_SHIFT);
}

/*
 * The MADV_FREE check of try_to_unmap_one(): the PTEs of a lazyfree
 * folio at @pvmw (a batch of them for a large one) are cleared, and if
 * the folio is still clean and nothing but its mappings and reclaim
 * hold it, its pages are discarded: they leave the process, whose next
 * touch gets a zero page.  A folio written again since (a dirty PTE) is
 * swap-backed again; it, and one held by anyone else (a GUP pin), gets
 * its PTEs back.  *@nr: the PTEs looked at.  False if they stay.
 */
static bool try_to_unmap_lazyfree(struct folio *folio, struct page *subpage,
				  struct page_vma_mapped_walk *pvmw, unsigned int *nr)
{
	struct mm_struct *mm = pvmw->vma->vm_mm;
	unsigned long addr = pvmw->address;
	int ref_count, map_count;
	pte_t pteval;

	*nr = folio_unmap_pte_batch(folio, pvmw, ptep_get(pvmw->pte));
	pteval = get_and_clear_ptes(mm, addr, pvmw->pte, *nr);
	if (pte_dirty(pteval))
		folio_set_dirty(folio);
	ref_count = folio_ref_count(folio);
	map_count = folio_mapcount(folio);
	if (folio_test_dirty(folio) || ref_count != 1 + map_count) {
		set_ptes(mm, addr, pvmw->pte, pteval, *nr);
		if (folio_test_dirty(folio))
			folio_set_swapbacked(folio);
		KNOTE("lazyfree folio pfn %#lx kept: %s", folio_pfn(folio),
		      folio_test_dirty(folio) ? "written again, swap-backed again" :
		      "someone else holds a reference");
		return false;
	}
	add_mm_counter(mm, MM_ANONPAGES, -(long)*nr);
	folio_remove_rmap_ptes(folio, subpage, *nr, pvmw->vma);
	folio_put_refs(folio, *nr);
	KNOTE("%u ptes from %#lx cleared: lazyfree pages discarded", *nr, addr);
	return true;
}

/*
 * Unmap @folio from @vma: a PMD mapping is split first (TTU_SPLIT_HUGE_PMD)
 * and the walk starts again on its PTEs.  A file folio is just
 * unmapped (the page cache keeps it and a fault maps it again); an
 * anonymous one in the swap cache leaves swap entries (reclaim); a
 * lazyfree one is discarded if still clean.  Returns false to stop the
 * rmap walk when a PTE must stay.
 *
 * 6.18 splits the PMD of a lazyfree THP too, then discards the folio
 * through its PTEs (FACTS.md "MADV_FREE then MADV_PAGEOUT": thp_split_pmd
 * +1, no thp_split_page); the newer stored tree discards it by the PMD
 * (unmap_huge_pmd_locked).
 */
static bool try_to_unmap_one(struct folio *folio, struct vm_area_struct *vma,
			     unsigned long address, void *arg)
{
	struct page_vma_mapped_walk pvmw = {
		.pfn = folio_pfn(folio), .nr_pages = folio_nr_pages(folio),
		.pgoff = folio->index, .vma = vma, .address = address,
	};
	int flags = *(int *)arg;

	KFUNC(address, folio);
	while (page_vma_mapped_walk(&pvmw)) {
		struct page *subpage;
		unsigned int nr;
		pte_t pteval;

		if (!pvmw.pte) {
			/* A PMD mapping is only met once, and both callers ask for its split. */
			VM_BUG_ON_FOLIO(!(flags & TTU_SPLIT_HUGE_PMD), folio);
			split_huge_pmd_locked(vma, pvmw.address, pvmw.pmd, false);
			flags &= ~TTU_SPLIT_HUGE_PMD;
			page_vma_mapped_walk_restart(&pvmw);
			continue;
		}
		subpage = folio_page(folio, pte_pfn(ptep_get(pvmw.pte)) - folio_pfn(folio));
		if (folio_test_lazyfree(folio)) {
			if (!try_to_unmap_lazyfree(folio, subpage, &pvmw, &nr)) {
				page_vma_mapped_walk_done(&pvmw);
				return false;
			}
			continue;
		}
		pteval = ptep_clear_flush(vma, pvmw.address, pvmw.pte);
		if (pte_dirty(pteval))
			folio_set_dirty(folio);
		if (folio_test_anon(folio)) {
			if (!try_to_unmap_anon_pte(folio, subpage, vma, pvmw.address,
						   pvmw.pte, pteval)) {
				set_pte_at(vma->vm_mm, pvmw.address, pvmw.pte, pteval);
				page_vma_mapped_walk_done(&pvmw);
				return false;
			}
		} else {
			add_mm_counter(vma->vm_mm, folio_test_swapbacked(folio) ?
				       MM_SHMEMPAGES : MM_FILEPAGES, -1);
		}
		folio_remove_rmap_pte(folio, subpage, vma);
		folio_put(folio);
	}
	return true;
}

void try_to_unmap(struct folio *folio, int flags)
{
	struct rmap_walk_control rwc = {
		.arg = &flags,
		.rmap_one = try_to_unmap_one,
		.done = folio_not_mapped,
	};

	KFUNC(0, folio);
	rmap_walk(folio, &rwc);
}
