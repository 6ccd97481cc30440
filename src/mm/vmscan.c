/*
 * vmscan.c - running the shrinkers (mm/shrinker.c's do_shrink_slab and
 * shrink_slab, mm/vmscan.c's drop_slab, as fs/drop_caches.c calls it
 * for "echo 2 > /proc/sys/vm/drop_caches").
 *
 * Only the two THP shrinkers exist here: the deferred split queue (per
 * node and per memcg) and the huge zero folio.
 *
 * Below them, page reclaim as MADV_PAGEOUT drives it (reclaim_pages ->
 * shrink_folio_list): anonymous folios go to swap, see swap.h, and
 * lazyfree ones (MADV_FREE) are discarded.  There is no memory
 * pressure, so no kswapd and no LRU scan.
 */
#include "huge_mm.h"

#include <string.h>

#include "memcontrol.h"
#include "rmap.h"
#include "shmem_fs.h"
#include "swap.h"

#define SHRINK_BATCH	128

static struct shrinker *const shrinkers[] = {
	&huge_zero_folio_shrinker,
	&deferred_split_shrinker,
};

/* Work a shrinker could not do yet, carried to its next call, per node. */
static long nr_deferred[ARRAY_SIZE(shrinkers)][MAX_NUMNODES];

void shrinkers_reset(void);
void shrinkers_reset(void)
{
	memset(nr_deferred, 0, sizeof(nr_deferred));
}

/*
 * Ask @shrinker how much it holds, then scan in batches of 128: at
 * priority 0 (drop_caches) twice what it holds, less what it scanned.
 */
static unsigned long do_shrink_slab(struct shrink_control *sc, int i, int priority)
{
	struct shrinker *shrinker = shrinkers[i];
	long batch_size = shrinker->batch ? shrinker->batch : SHRINK_BATCH;
	long freeable, nr, delta, total_scan, scanned = 0, next_deferred;
	unsigned long freed = 0;

	KFUNC(0, NULL);
	freeable = shrinker->count_objects(shrinker, sc);
	if (freeable == 0 || (unsigned long)freeable == SHRINK_EMPTY)
		return 0;
	nr = nr_deferred[i][sc->nid];
	nr_deferred[i][sc->nid] = 0;
	delta = (freeable >> priority) * 4 / shrinker->seeks;
	total_scan = min((nr >> priority) + delta, 2 * freeable);
	while (total_scan >= batch_size || total_scan >= freeable) {
		unsigned long ret;

		sc->nr_to_scan = min(batch_size, total_scan);
		sc->nr_scanned = sc->nr_to_scan;
		ret = shrinker->scan_objects(shrinker, sc);
		if (ret == SHRINK_STOP)
			break;
		freed += ret;
		count_vm_events(SLABS_SCANNED, sc->nr_scanned);
		total_scan -= sc->nr_scanned;
		scanned += sc->nr_scanned;
	}
	next_deferred = max(nr + delta - scanned, 0L);
	nr_deferred[i][sc->nid] = min(next_deferred, 2 * freeable);
	return freed;
}

/* Every shrinker for @nid, and for @memcg only the memcg-aware one. */
unsigned long shrink_slab(int nid, struct mem_cgroup *memcg, int priority)
{
	unsigned long freed = 0;
	size_t i;

	KFUNC(0, NULL);
	for (i = 0; i < ARRAY_SIZE(shrinkers); i++) {
		struct shrink_control sc = { .nid = nid, .memcg = memcg };

		if (memcg && shrinkers[i] != &deferred_split_shrinker)
			continue;
		/* the huge zero shrinker is not NUMA aware: node 0 stands for all */
		if (shrinkers[i] == &huge_zero_folio_shrinker)
			sc.nid = 0;
		freed += do_shrink_slab(&sc, i, priority);
	}
	return freed;
}

static unsigned long drop_slab_node(int nid)
{
	struct mem_cgroup *memcg = NULL;
	unsigned long freed = shrink_slab(nid, NULL, 0);

	while ((memcg = mem_cgroup_iter(memcg)))
		freed += shrink_slab(nid, memcg, 0);
	return freed;
}

/* echo 2 > /proc/sys/vm/drop_caches: repeat while it keeps freeing. */
unsigned long drop_slab(void)
{
	unsigned long freed, total = 0;
	int nid, shift = 0;

	KFUNC(0, NULL);
	do {
		freed = 0;
		for (nid = 0; nid < nr_node_ids; nid++)
			freed += drop_slab_node(nid);
		total += freed;
	} while ((freed >> shift++) > 1);
	return total;
}

/* ---- MADV_PAGEOUT: reclaim of isolated folios ---- */

bool folio_isolate_lru(struct folio *folio)
{
	if (!folio_test_lru(folio))
		return false;
	folio_clear_lru(folio);
	folio_get(folio);
	return true;
}

void folio_putback_lru(struct folio *folio)
{
	folio_set_lru(folio);
	folio_put(folio);
}

/* activate_locked: the folio stays, now on the active list. */
static void folio_activate_locked(struct folio *folio)
{
	/* Not a candidate for swapping, so reclaim swap space. */
	if (folio_test_swapcache(folio) && vm_swap_full())
		folio_free_swap(folio);
	if (!folio_test_mlocked(folio))
		folio_set_active(folio);
}

/*
 * split_folio_to_list(): split the locked, isolated @folio into order-0
 * folios and append the pieces after the first to @list, isolated too,
 * to go through reclaim in their turn.  A piece the split freed (a
 * zero-filled page now mapping the shared zero page) is left out.
 */
int split_folio_to_list(struct folio *folio, struct folio **list, int *nr)
{
	unsigned long pfn = folio_pfn(folio), end = pfn + folio_nr_pages(folio);
	int err = split_folio(folio);

	if (err)
		return err;
	for (pfn++; pfn < end; pfn++) {
		struct folio *piece = (struct folio *)pfn_to_page(pfn);

		if (!piece->_refcount)
			continue;
		VM_BUG_ON(*nr >= HPAGE_PMD_NR);
		folio_get(piece);
		list[(*nr)++] = piece;
	}
	return 0;
}

/*
 * __remove_mapping() for a swap cache folio that reclaim has unmapped
 * and written: frozen at the references of the cache and of reclaim,
 * it leaves the cache.  False if someone else holds it.
 */
static bool __remove_mapping(struct folio *folio)
{
	swp_entry_t entry = folio_swap_entry(folio);

	KFUNC(0, folio);
	if (!folio_ref_freeze(folio, 1 + folio_nr_pages(folio)))
		return false;
	__swap_cache_del_folio(folio);
	put_swap_folio(folio, entry);
	return true;
}

/*
 * __remove_mapping() for a clean page cache folio reclaim has unmapped:
 * a shmem page only ever read holds zeros, as the hole it leaves does.
 * Frozen at the references of the cache and of reclaim.
 */
static bool remove_cache_folio(struct folio *folio)
{
	struct shmem_file *file = folio_mapping(folio)->host;

	KFUNC(0, folio);
	if (!folio_ref_freeze(folio, 1 + folio_nr_pages(folio)))
		return false;
	__filemap_remove_folio(folio);
	shmem_recalc_inode(file);
	KNOTE("clean folio pfn %#lx left the page cache of %s", folio_pfn(folio), file->name);
	return true;
}

/* pageout(): write the dirty swap cache @folio out; it comes back unlocked. */
static void pageout(struct folio *folio)
{
	KFUNC(0, folio);
	folio_clear_dirty(folio);
	swap_writeout(folio);
}

/*
 * Get swap space for @folio, splitting it when there is none for a
 * folio that big ("Fallback to swap normal pages": thp_swpout_fallback).
 * 0, or -ENOMEM with @folio left whole or split.
 */
static int shrink_alloc_swap(struct folio *folio, struct folio **list, int *nr)
{
	int order = folio_order(folio);
	long nr_pages = folio_nr_pages(folio);

	if (!folio_alloc_swap(folio))
		return 0;
	if (!folio_test_large(folio) || split_folio_to_list(folio, list, nr))
		return -ENOMEM;
	if (nr_pages >= HPAGE_PMD_NR)
		count_vm_event(THP_SWPOUT_FALLBACK);
	count_mthp_stat(order, MTHP_STAT_SWPOUT_FALLBACK);
	KNOTE("no %ld slots in a row: split, swap out 4K pages instead", nr_pages);
	return folio_alloc_swap(folio);
}

/*
 * A lazyfree folio that try_to_unmap() could unmap was clean: drop it,
 * frozen at reclaim's reference (the freeing itself is the caller's).
 * False if someone else took a reference meanwhile.
 */
static bool shrink_lazyfree_folio(struct folio *folio)
{
	if (!folio_ref_freeze(folio, 1))
		return false;
	count_vm_events(PGLAZYFREED, folio_nr_pages(folio));
	KNOTE("lazyfree folio pfn %#lx discarded", folio_pfn(folio));
	return true;
}

/*
 * A shmem folio is unmapped (a PMD split, which for a file just zaps it)
 * and, dirty, written by shmem_writeout(): it leaves the page cache for
 * the swap cache and is freed like an anonymous one; a clean one (only
 * read: it holds zeros) just leaves the cache (FACTS.md "shmem swap").
 *
 * shrink_folio_list() for one isolated folio.  A swap-backed one goes
 * into the swap cache, is unmapped (each PTE becomes the swap entry of
 * its page; a PMD is split first), written, and freed; on a swap file
 * the write is still in flight when reclaim looks again, so this pass
 * leaves the folio in the swap cache (FACTS.md "Swap").  With no swap
 * device, or no room, a large folio is split and every piece stays,
 * activated (FACTS.md "MADV_PAGEOUT without swap").  A lazyfree one
 * (MADV_FREE) needs no swap: unmapped while still clean it is
 * discarded; one written again is swap-backed again and stays, active
 * (FACTS.md "MADV_FREE then MADV_PAGEOUT").
 */
static void shrink_folio(struct folio *folio, struct folio **list, int *nr)
{
	bool shmem = !folio_test_anon(folio);

	KFUNC(0, folio);
	folio_lock(folio);
	/* truncated since it was isolated */
	if (shmem && !folio_mapping(folio))
		goto keep_locked;
	/* a device may be writing it (a lazyfree one is looked at unmapped) */
	if (folio_test_swapbacked(folio) && folio_maybe_dma_pinned(folio))
		goto keep_locked;
	if (!shmem && folio_test_swapbacked(folio) && !folio_test_swapcache(folio)) {
		if (folio_test_large(folio)) {
			if (!can_split_folio(folio, 1, NULL))
				goto activate_locked;
			/* Partially mapped: split right away, the unmapped pages go. */
			if (!list_empty(&folio->_deferred_list) &&
			    folio_test_partially_mapped(folio) &&
			    split_folio_to_list(folio, list, nr))
				goto activate_locked;
		}
		if (shrink_alloc_swap(folio, list, nr))
			goto activate_locked;
		/* try_to_unmap() would find its PTEs dirty anyway */
		folio_set_dirty(folio);
	}
	if (folio_mapped(folio)) {
		int flags = TTU_BATCH_FLUSH;

		if (folio_test_pmd_mappable(folio))
			flags |= TTU_SPLIT_HUGE_PMD;
		if (folio_test_large(folio))
			flags |= TTU_SYNC;
		try_to_unmap(folio, flags);
		if (folio_mapped(folio))
			goto activate_locked;
	}
	if (folio_maybe_dma_pinned(folio))
		goto activate_locked;
	if (folio_test_lazyfree(folio)) {
		if (!shrink_lazyfree_folio(folio))
			goto keep_locked;
		goto free_it;
	}
	if (shmem && folio_test_dirty(folio)) {
		folio_clear_dirty(folio);
		if (shmem_writeout(folio, list, nr) == AOP_WRITEPAGE_ACTIVATE)
			goto activate_locked;
		if (!(swap_info->flags & SWP_SYNCHRONOUS_IO))
			goto keep;
		folio_lock(folio);
	} else if (shmem) {
		if (!remove_cache_folio(folio))
			goto keep_locked;
		goto free_it;
	} else if (folio_test_dirty(folio)) {
		pageout(folio);
		/* dirty again: it left the swap cache, no PTE needing the slots */
		if (!(swap_info->flags & SWP_SYNCHRONOUS_IO) || folio_test_dirty(folio))
			goto keep;
		folio_lock(folio);
	}
	if (!__remove_mapping(folio))
		goto keep_locked;
	KNOTE("folio pfn %#lx swapped out and freed", folio_pfn(folio));
free_it:
	folio_unlock(folio);
	__folio_put(folio);
	return;
activate_locked:
	folio_activate_locked(folio);
keep_locked:
	folio_unlock(folio);
keep:
	folio_putback_lru(folio);
}

/*
 * reclaim_pages(): try to swap out the folios MADV_PAGEOUT isolated.
 * @folios has room for HPAGE_PMD_NR: a split appends its pieces.
 */
void reclaim_pages(struct folio **folios, int nr)
{
	int i;

	KFUNC(0, NULL);
	for (i = 0; i < nr; i++)
		shrink_folio(folios[i], folios, &nr);
}
