/*
 * vmscan.c - running the shrinkers (mm/shrinker.c's do_shrink_slab and
 * shrink_slab, mm/vmscan.c's drop_slab, as fs/drop_caches.c calls it
 * for "echo 2 > /proc/sys/vm/drop_caches").
 *
 * Only the two THP shrinkers exist here: the deferred split queue (per
 * node and per memcg) and the huge zero folio.
 */
#include "huge_mm.h"

#include <string.h>

#include "memcontrol.h"

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

/* ---- MADV_PAGEOUT: reclaim of isolated folios, without swap ---- */

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
	if (!folio_test_mlocked(folio))
		folio_set_active(folio);
}

/*
 * After a split for swap-out, the pieces would each fail to get swap
 * space too: every piece still in use is activated and put back.
 */
static void activate_split_pieces(unsigned long pfn, long nr_pages)
{
	unsigned long end = pfn + nr_pages;

	while (pfn < end) {
		struct folio *folio = (struct folio *)pfn_to_page(pfn);

		if (!folio->_refcount) {	/* a zero-filled page the split freed */
			pfn++;
			continue;
		}
		folio_activate_locked(folio);
		folio_set_lru(folio);
		pfn += folio_nr_pages(folio);
	}
}

/*
 * shrink_folio_list() for one isolated folio, as 6.18 runs it without
 * swap: a large folio is split ("fallback to swap normal pages",
 * thp_swpout_fallback) and its pages, like a small folio, are
 * activated: nothing is written out or freed, everything stays mapped
 * (FACTS.md "MADV_PAGEOUT without swap").
 */
static void shrink_folio(struct folio *folio)
{
	unsigned long pfn = folio_pfn(folio);
	long nr_pages = folio_nr_pages(folio);
	int order = folio_order(folio);

	KFUNC(0, folio);
	folio_lock(folio);
	/* Reclaim of MADV_FREE (not swap-backed) folios is not simulated. */
	if (!folio_test_anon(folio) || !folio_test_swapbacked(folio) ||
	    folio_maybe_dma_pinned(folio))
		goto keep_locked;
	if (folio_test_large(folio)) {
		if (!can_split_folio(folio, 1, NULL))
			goto activate_locked;
		/* Partially mapped: split right away, the unmapped pages go. */
		if (!list_empty(&folio->_deferred_list) && folio_test_partially_mapped(folio)) {
			if (split_folio(folio))
				goto activate_locked;
			goto activate_split;
		}
	}
	/* folio_alloc_swap() fails here: there is no swap device. */
	if (!folio_test_large(folio))
		goto activate_locked;
	if (split_folio(folio))
		goto activate_locked;
	if (nr_pages >= HPAGE_PMD_NR)
		count_vm_event(THP_SWPOUT_FALLBACK);
	count_mthp_stat(order, MTHP_STAT_SWPOUT_FALLBACK);
	KNOTE("no swap space: split, swap out 4K pages instead");
activate_split:
	folio_unlock(folio);
	activate_split_pieces(pfn, nr_pages);
	folio_put(folio);
	return;
activate_locked:
	folio_activate_locked(folio);
keep_locked:
	folio_unlock(folio);
	folio_putback_lru(folio);
}

/* reclaim_pages(): try to write out the folios MADV_PAGEOUT isolated. */
void reclaim_pages(struct folio **folios, int nr)
{
	int i;

	KFUNC(0, NULL);
	for (i = 0; i < nr; i++)
		shrink_folio(folios[i]);
}
