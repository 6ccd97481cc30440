/*
 * swap_state.c - the swap cache: folios that stand for swap slots
 * (mm/swap_state.c).
 *
 * A folio is in the swap cache from folio_alloc_swap() until reclaim
 * frees it, and when a fault reads a shared entry back in, until the
 * last PTE holding one of its entries goes (folio_free_swap).  The cache
 * holds nr_pages references, and each slot points back to the folio.
 * Simplification: no readahead, a fault reads just its own page.
 */
#include "swap.h"

#include "memcontrol.h"

/* The folio caching @entry, with a reference, or NULL. */
struct folio *swap_cache_get_folio(swp_entry_t entry)
{
	struct swap_info_struct *si = swp_swap_info(entry);
	struct folio *folio = si ? si->swap_cache[swp_offset(entry)] : NULL;

	if (folio)
		folio_get(folio);
	return folio;
}

/* Put @folio (locked) in the swap cache for its slots from @entry, marked already. */
void swap_cache_add_folio(struct folio *folio, swp_entry_t entry)
{
	struct swap_info_struct *si = swp_swap_info(entry);
	long i, nr = folio_nr_pages(folio);

	KFUNC(0, folio);
	VM_BUG_ON_FOLIO(!folio_test_locked(folio) || folio_test_swapcache(folio), folio);
	for (i = 0; i < nr; i++) {
		VM_BUG_ON(!(si->swap_map[swp_offset(entry) + i] & SWAP_HAS_CACHE));
		si->swap_cache[swp_offset(entry) + i] = folio;
	}
	folio_ref_add(folio, nr);
	folio_set_swapcache(folio);
	folio->private = entry.val;
	lruvec_stat_mod_folio(folio, NR_SWAPCACHE, nr);
	KNOTE("folio pfn %#lx caches slots %#llx..", folio_pfn(folio),
	      (unsigned long long)swp_offset(entry));
}

/* Take @folio out of the swap cache; the cache's references stay for the caller. */
void __swap_cache_del_folio(struct folio *folio)
{
	struct swap_info_struct *si = swp_swap_info(folio_swap_entry(folio));
	unsigned long offset = swp_offset(folio_swap_entry(folio));
	long i, nr = folio_nr_pages(folio);

	for (i = 0; i < nr; i++)
		si->swap_cache[offset + i] = NULL;
	folio_clear_swapcache(folio);
	folio->private = 0;
	lruvec_stat_mod_folio(folio, NR_SWAPCACHE, -nr);
}

/*
 * swap_cache_del_folio() and put_swap_folio(): @folio (locked) leaves
 * the swap cache, its slots lose their cache mark, and the cache's
 * references go (the caller holds one of its own).
 */
void swap_cache_del_folio(struct folio *folio)
{
	swp_entry_t entry = folio_swap_entry(folio);

	KFUNC(0, folio);
	__swap_cache_del_folio(folio);
	put_swap_folio(folio, entry);
	folio_ref_sub(folio, folio_nr_pages(folio));
	VM_BUG_ON_FOLIO(folio_ref_count(folio) <= 0, folio);
}

/* A folio whose last mapping went leaves the swap cache if no PTE needs the slot. */
void free_swap_cache(struct folio *folio)
{
	if (folio_test_swapcache(folio) && !folio_mapped(folio) && folio_trylock(folio)) {
		folio_free_swap(folio);
		folio_unlock(folio);
	}
}

/*
 * __read_swap_cache_async(): a new order-0 folio in the swap cache for
 * @entry, read from the device, with a reference.  NULL if there is no
 * memory (or memcg room) for the page.
 */
static struct folio *read_swap_cache_async(swp_entry_t entry, struct vm_area_struct *vma,
					   unsigned long addr)
{
	struct folio *folio;

	KFUNC(addr, NULL);
	folio = vma_alloc_folio(GFP_HIGHUSER_MOVABLE, 0, vma, addr);
	if (!folio)
		return NULL;
	if (mem_cgroup_swapin_charge_folio(folio, vma->vm_mm, entry)) {
		folio_put(folio);
		return NULL;
	}
	swapcache_prepare(entry);
	folio_lock(folio);
	folio_set_swapbacked(folio);
	swap_cache_add_folio(folio, entry);
	folio_set_lru(folio);
	swap_read_folio(folio, entry);
	folio_unlock(folio);
	return folio;
}

/* swapin_readahead() without the readahead: the folio for @entry, from the cache or read. */
struct folio *swapin_readahead(swp_entry_t entry, struct vm_fault *vmf)
{
	struct folio *folio = swap_cache_get_folio(entry);

	KFUNC(vmf->address, folio);
	return folio ? folio : read_swap_cache_async(entry, vmf->vma, vmf->address);
}

/* How many slots from @entry no folio caches. */
int non_swapcache_batch(swp_entry_t entry, int max_nr)
{
	struct swap_info_struct *si = swp_swap_info(entry);
	int nr = 0;

	while (nr < max_nr && !(si->swap_map[swp_offset(entry) + nr] & SWAP_HAS_CACHE))
		nr++;
	return nr;
}
