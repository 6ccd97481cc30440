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
