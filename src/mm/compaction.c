/*
 * compaction.c - memory compaction (mm/compaction.c): make free
 * pageblocks out of scattered free pages by moving the pages in use.
 *
 * Two scanners walk a zone one pageblock (order 9, 2 MiB) at a time:
 *
 *   zone start                                              zone end
 *   |migrate scanner -->                    <-- free scanner|
 *   isolate_migratepages_block:             isolate_freepages_block:
 *   folios that can move (anon, on the      free buddy blocks, taken
 *   LRU, not pinned), 32 at a time          off the free lists
 *
 * migrate_pages() moves each isolated folio into a free page the free
 * scanner found (compaction_alloc), so used pages gather at the top
 * and free ones at the bottom, where they merge into larger blocks.
 * A run ends when the scanners meet (COMPACT_COMPLETE) or, for an
 * allocation of a given order, when a free block of that order
 * appears at a pageblock boundary (COMPACT_SUCCESS).
 *
 * Simplifications, one line each:
 * - one zone per node, and every pageblock is MIGRATE_MOVABLE;
 * - no pageblock skip hints and no cached scanner positions: every run
 *   covers the whole zone (whole_zone), so a failed run is COMPLETE;
 * - only the initialized part of a node is scanned (the rest is free
 *   order-10 blocks, which neither scanner would take anyway);
 * - only anonymous folios move (shmem and swap-cache folios stay); an
 *   mTHP moves whole into a free block of its order, or is split and
 *   its pages moved one by one when none is left (FACTS.md "Compaction");
 * - async and sync modes scan alike (no lock contention, no
 *   need_resched, no fast_find_* shortcuts);
 * - no watermarks: "enough free memory" is compact_gap(order) pages;
 * - kcompactd has no thread: wakeup_kcompactd runs it at once.
 */
#include "compaction.h"

#include "huge_mm.h"
#include "internal.h"

#define pageblock_order		HPAGE_PMD_ORDER
#define pageblock_nr_pages	(1UL << pageblock_order)
#define sysctl_extfrag_threshold 500
#define MIN(a, b)	((a) < (b) ? (a) : (b))
#define MAX(a, b)	((a) > (b) ? (a) : (b))

struct compact_control {
	struct folio *migratepages[COMPACT_CLUSTER_MAX];	/* isolated to move */
	int nr_folios;			/* in migratepages[] */
	int nr_migratepages;		/* their pages, as the kernel counts */
	struct list_head freepages[NR_PAGE_ORDERS];	/* isolated free blocks */
	unsigned long nr_freepages;
	unsigned long migrate_pfn;	/* where the migrate scanner goes on */
	unsigned long free_pfn;		/* where the free scanner goes on (down) */
	unsigned long zone_start, zone_end;
	struct pglist_data *zone;
	unsigned long total_migrate_scanned, total_free_scanned;
	int order;			/* -1: compact everything (compact_memory) */
	enum migrate_mode mode;
	bool direct_compaction;
	bool alloc_failed;		/* compaction_alloc found nothing: -ENOMEM */
	/* thpsh: what compact() reports */
	unsigned long nr_migrated, nr_failed, nr_isolated;
};

const char *compact_result_name(enum compact_result r)
{
	static const char *const names[] = { "not_suitable_zone", "skipped", "deferred",
		"no_suitable_page", "continue", "complete", "partial_skipped", "contended",
		"success" };

	return names[r];
}

static bool is_via_compact_memory(int order)
{
	return order == -1;
}

/* Folios of the target order or more would not help; none beyond a pageblock. */
static bool skip_isolation_on_order(int order, int target_order)
{
	if (!is_via_compact_memory(target_order) && order >= target_order)
		return true;
	return order >= (int)HPAGE_PMD_ORDER;
}

static unsigned long pageblock_start_pfn(unsigned long pfn)
{
	return ALIGN_DOWN(pfn, pageblock_nr_pages);
}

static unsigned long pageblock_end_pfn(unsigned long pfn)
{
	return pageblock_start_pfn(pfn) + pageblock_nr_pages;
}

/* Free blocks of @order or larger, the uninitialized ones counted as order 10. */
static bool zone_has_free_order(int nid, int order)
{
	int o;

	for (o = order; o < NR_PAGE_ORDERS; o++)
		if (free_area_count(nid, o))
			return true;
	return false;
}

/* Free blocks of exactly @order (free_area[order].nr_free), for compact(). */
unsigned long free_blocks_of_order(int nid, unsigned int order)
{
	return free_area_count(nid, order);
}

/* ---- deferral: after a failure, skip the next 1 << compact_defer_shift tries ---- */

static void defer_compaction(struct pglist_data *zone, int order)
{
	zone->compact_considered = 0;
	zone->compact_defer_shift++;
	if (order < zone->compact_order_failed)
		zone->compact_order_failed = order;
	if (zone->compact_defer_shift > COMPACT_MAX_DEFER_SHIFT)
		zone->compact_defer_shift = COMPACT_MAX_DEFER_SHIFT;
	KNOTE("deferred: shift %u", zone->compact_defer_shift);
}

static bool compaction_deferred(struct pglist_data *zone, int order)
{
	unsigned long defer_limit = 1UL << zone->compact_defer_shift;

	if (order < zone->compact_order_failed)
		return false;
	if (++zone->compact_considered >= defer_limit) {
		zone->compact_considered = defer_limit;
		return false;
	}
	TP_EMIT({ "mm_compaction_deferred", 3, { { "nid", NULL, zone->node_id },
		  { "order", NULL, order }, { "considered", NULL, zone->compact_considered } } });
	return true;
}

void compaction_defer_reset(struct pglist_data *zone, int order, bool alloc_success)
{
	if (alloc_success) {
		zone->compact_considered = 0;
		zone->compact_defer_shift = 0;
	}
	if (order >= zone->compact_order_failed)
		zone->compact_order_failed = order + 1;
}

/* ---- is compaction worth it? ---- */

/*
 * fragmentation_index(): towards 0 the allocation fails for lack of
 * memory, towards 1000 for fragmentation; -1000 if a block is free.
 */
static int fragmentation_index(struct pglist_data *zone, unsigned int order)
{
	unsigned long free_blocks_total = 0, free_blocks_suitable = 0, free_pages = 0;
	unsigned int o;

	for (o = 0; o < NR_PAGE_ORDERS; o++) {
		unsigned long blocks = free_area_count(zone->node_id, o);

		free_blocks_total += blocks;
		free_pages += blocks << o;
		if (o >= order)
			free_blocks_suitable += blocks << (o - order);
	}
	if (!free_blocks_total)
		return 0;
	if (free_blocks_suitable)
		return -1000;
	return 1000 - (int)((1000 + free_pages * 1000 / (1UL << order)) / free_blocks_total);
}

/* compaction_suitable(): room for the copies, and a fragmentation problem. */
static bool compaction_suitable(struct pglist_data *zone, int order)
{
	enum compact_result result = COMPACT_CONTINUE;
	bool suitable = zone->nr_free >= (2UL << order);	/* compact_gap() */

	if (!suitable) {
		result = COMPACT_SKIPPED;
	} else if (order > PAGE_ALLOC_COSTLY_ORDER) {
		int fragindex = fragmentation_index(zone, order);

		if (fragindex >= 0 && fragindex <= sysctl_extfrag_threshold) {
			suitable = false;
			result = COMPACT_NOT_SUITABLE_ZONE;
		}
	}
	TP_EMIT({ "mm_compaction_suitable", 3, { { "nid", NULL, zone->node_id },
		  { "order", NULL, order }, { "ret", compact_result_name(result), 0 } } });
	return suitable;
}

static enum compact_result compaction_suit_allocation_order(struct pglist_data *zone, int order)
{
	if (zone_has_free_order(zone->node_id, order))
		return COMPACT_SUCCESS;
	if (!compaction_suitable(zone, order))
		return COMPACT_SKIPPED;
	return COMPACT_CONTINUE;
}

/* ---- the migrate scanner ---- */

/*
 * isolate_migratepages_block(): isolate what can move in
 * [low_pfn, end_pfn), up to COMPACT_CLUSTER_MAX pages.  Free blocks,
 * reserved frames (the zero page among them) and page tables are
 * stepped over, and so are folios of pageblock order (a PMD THP) or,
 * for an allocation, of its order or more (skip_isolation_on_order); a
 * folio with more references than mappings (pinned, or held by
 * someone) would fail to migrate, so it is left.
 */
static void isolate_migratepages_block(struct compact_control *cc, unsigned long low_pfn,
				       unsigned long end_pfn)
{
	unsigned long nr_scanned = 0, nr_isolated = 0, start_pfn = low_pfn;

	KFUNC(low_pfn << PAGE_SHIFT, NULL);
	for (; low_pfn < end_pfn; low_pfn++) {
		struct page *page = pfn_to_page(low_pfn);
		struct folio *folio;
		unsigned int order;

		nr_scanned++;
		if (page_buddy_order(page, &order)) {
			low_pfn += (1UL << order) - 1;
			nr_scanned += (1UL << order) - 1;
			continue;
		}
		if ((page->flags & BIT(PG_reserved)) ||
		    page->page_type == (unsigned int)PGTY_table << PAGE_TYPE_SHIFT)
			continue;
		folio = page_folio(page);
		if (folio_test_large(folio) &&
		    (page != (struct page *)folio ||
		     skip_isolation_on_order(folio_order(folio), cc->order))) {
			unsigned long rest = folio_pfn(folio) + folio_nr_pages(folio) - low_pfn - 1;

			low_pfn += rest;
			nr_scanned += rest;
			continue;
		}
		if (!folio_ref_count(folio) || !folio_test_lru(folio) ||
		    !folio_test_anon(folio) || folio_test_swapcache(folio) ||
		    folio_test_locked(folio))
			continue;
		/* "Migration will fail if an anonymous page is pinned in memory" */
		if (folio_ref_count(folio) > folio_mapcount(folio))
			continue;
		folio_isolate_lru(folio);
		cc->migratepages[cc->nr_folios++] = folio;
		cc->nr_migratepages += folio_nr_pages(folio);
		nr_isolated += folio_nr_pages(folio);
		low_pfn += folio_nr_pages(folio) - 1;
		nr_scanned += folio_nr_pages(folio) - 1;
		if (cc->nr_migratepages >= COMPACT_CLUSTER_MAX) {
			++low_pfn;
			break;
		}
	}
	if (low_pfn > end_pfn)
		low_pfn = end_pfn;
	cc->migrate_pfn = low_pfn;
	cc->total_migrate_scanned += nr_scanned;
	cc->nr_isolated += nr_isolated;
	count_vm_events(COMPACTISOLATED, nr_isolated);
	TP_EMIT({ "mm_compaction_isolate_migratepages", 4, { { "start_pfn", NULL, (long long)start_pfn },
		  { "end_pfn", NULL, (long long)low_pfn }, { "nr_scanned", NULL, (long long)nr_scanned },
		  { "nr_taken", NULL, (long long)nr_isolated } } });
}

/* isolate_migratepages(): the next pageblock below the free scanner. */
static bool isolate_migratepages(struct compact_control *cc)
{
	unsigned long low_pfn = cc->migrate_pfn;
	unsigned long block_end_pfn = pageblock_end_pfn(low_pfn);

	if (block_end_pfn <= cc->free_pfn)
		isolate_migratepages_block(cc, low_pfn, block_end_pfn);
	return cc->nr_migratepages;
}

/* ---- the free scanner ---- */

/* suitable_migration_target(): not a block that is already free whole. */
static bool suitable_migration_target(struct compact_control *cc, struct page *page)
{
	unsigned int order;

	if (page_buddy_order(page, &order) &&
	    order >= (unsigned int)(cc->order > 0 ? cc->order : (int)pageblock_order))
		return false;
	return true;
}

/* isolate_freepages_block(): take free blocks until there are enough. */
static void isolate_freepages_block(struct compact_control *cc, unsigned long *start_pfn,
				    unsigned long end_pfn)
{
	unsigned long blockpfn, nr_scanned = 0, total_isolated = 0;

	for (blockpfn = *start_pfn; blockpfn < end_pfn; blockpfn++) {
		struct page *page = pfn_to_page(blockpfn);
		unsigned long isolated;
		unsigned int order;

		nr_scanned++;
		if (!page_buddy_order(page, &order))
			continue;
		__isolate_free_page(page, order);
		isolated = 1UL << order;
		nr_scanned += isolated - 1;
		total_isolated += isolated;
		cc->nr_freepages += isolated;
		list_add_tail(&page->buddy_list, &cc->freepages[order]);
		if ((unsigned long)cc->nr_migratepages <= cc->nr_freepages) {
			blockpfn += isolated;
			break;
		}
		blockpfn += isolated - 1;
	}
	if (blockpfn > end_pfn)
		blockpfn = end_pfn;
	*start_pfn = blockpfn;
	cc->total_free_scanned += nr_scanned;
	cc->nr_isolated += total_isolated;
	count_vm_events(COMPACTISOLATED, total_isolated);
}

/* isolate_freepages(): pageblocks downwards from free_pfn, above the migrate scanner. */
static void isolate_freepages(struct compact_control *cc)
{
	unsigned long isolate_start_pfn = cc->free_pfn;
	long block_start_pfn = (long)pageblock_start_pfn(isolate_start_pfn);
	unsigned long block_end_pfn = MIN(block_start_pfn + pageblock_nr_pages, cc->zone_end);
	long low_pfn = (long)MAX(pageblock_end_pfn(cc->migrate_pfn), cc->zone_start);

	KFUNC(isolate_start_pfn << PAGE_SHIFT, NULL);
	for (; block_start_pfn >= low_pfn;
	     block_end_pfn = block_start_pfn, block_start_pfn -= pageblock_nr_pages,
	     isolate_start_pfn = block_start_pfn) {
		if (!suitable_migration_target(cc, pfn_to_page(block_start_pfn)))
			continue;
		isolate_freepages_block(cc, &isolate_start_pfn, block_end_pfn);
		if (cc->nr_freepages >= (unsigned long)cc->nr_migratepages) {
			/* the block is done: go on below it next time */
			if (isolate_start_pfn >= block_end_pfn)
				isolate_start_pfn = block_start_pfn - pageblock_nr_pages;
			break;
		}
	}
	/* the loop ran past the migrate scanner: the scanners have met */
	if (block_start_pfn < low_pfn)
		isolate_start_pfn = block_start_pfn < 0 ? 0 : block_start_pfn;
	cc->free_pfn = isolate_start_pfn;
}

/* compaction_alloc(): a free page for @src, split off an isolated block. */
static struct folio *compaction_alloc(struct folio *src, unsigned long data)
{
	struct compact_control *cc = (struct compact_control *)data;
	unsigned int order = folio_order(src), start_order;
	bool has_isolated_pages = false;
	struct page *freepage;
	unsigned long size;

	KFUNC(0, src);
again:
	for (start_order = order; start_order < NR_PAGE_ORDERS; start_order++)
		if (!list_empty(&cc->freepages[start_order]))
			break;
	if (start_order == NR_PAGE_ORDERS) {
		if (has_isolated_pages) {
			cc->alloc_failed |= !order;
			return NULL;
		}
		isolate_freepages(cc);
		has_isolated_pages = true;
		goto again;
	}
	freepage = list_first_entry(&cc->freepages[start_order], struct page, buddy_list);
	__list_del_entry(&freepage->buddy_list);
	size = 1UL << start_order;
	while (start_order > order) {
		start_order--;
		size >>= 1;
		list_add(&freepage[size].buddy_list, &cc->freepages[start_order]);
	}
	/* post_alloc_hook() and set_page_refcounted() */
	freepage->flags = 0;
	freepage->mapping = 0;
	freepage->index = 0;
	freepage->private = 0;
	freepage->_mapcount = -1;
	freepage->_refcount = 1;
	if (order) {
		prep_compound_page(freepage, order);
		folio_set_large_rmappable((struct folio *)freepage);
	}
	cc->nr_freepages -= 1UL << order;
	cc->nr_migratepages -= 1 << order;
	KNOTE("new page pfn %#lx", page_to_pfn(freepage));
	return (struct folio *)freepage;
}

/* compaction_free(): a new page that was not used goes back to the list. */
static void compaction_free(struct folio *dst, unsigned long data)
{
	struct compact_control *cc = (struct compact_control *)data;

	cc->nr_migratepages += folio_nr_pages(dst);
	if (folio_test_large(dst)) {
		/* thpsh: to the buddy lists (the kernel keeps it on cc->freepages) */
		folio_put(dst);
		return;
	}
	if (--dst->_refcount)
		return;
	dst->flags = 0;
	dst->mapping = 0;
	list_add(&folio_page(dst, 0)->buddy_list, &cc->freepages[folio_order(dst)]);
	cc->nr_freepages += folio_nr_pages(dst);
}

/* release_free_list(): what the free scanner took and nobody used. */
static void release_free_list(struct list_head *freepages)
{
	unsigned int order;

	for (order = 0; order < NR_PAGE_ORDERS; order++) {
		while (!list_empty(&freepages[order])) {
			struct page *page = list_first_entry(&freepages[order], struct page,
							     buddy_list);

			__list_del_entry(&page->buddy_list);
			page->mapping = 0;
			page->index = 0;
			__free_pages(page, order);
		}
	}
}

/* ---- a run ---- */

static bool compact_scanners_met(struct compact_control *cc)
{
	return (cc->free_pfn >> pageblock_order) <= (cc->migrate_pfn >> pageblock_order);
}

static enum compact_result __compact_finished(struct compact_control *cc)
{
	if (compact_scanners_met(cc))
		return COMPACT_COMPLETE;	/* whole_zone: always, in thpsh */
	if (is_via_compact_memory(cc->order))
		return COMPACT_CONTINUE;
	/* always finish scanning a pageblock */
	if (cc->migrate_pfn & (pageblock_nr_pages - 1))
		return COMPACT_CONTINUE;
	if (zone_has_free_order(cc->zone->node_id, cc->order))
		return COMPACT_SUCCESS;
	return COMPACT_NO_SUITABLE_PAGE;
}

static enum compact_result compact_finished(struct compact_control *cc)
{
	enum compact_result ret = __compact_finished(cc);

	if (ret == COMPACT_NO_SUITABLE_PAGE)
		ret = COMPACT_CONTINUE;
	return ret;
}

static enum compact_result compact_zone(struct compact_control *cc)
{
	struct pglist_data *zone = cc->zone;
	enum compact_result ret;
	unsigned int order;

	KFUNC(0, NULL);
	if (!is_via_compact_memory(cc->order)) {
		ret = compaction_suit_allocation_order(zone, cc->order);
		if (ret != COMPACT_CONTINUE) {
			KNOTE("%s before scanning", compact_result_name(ret));
			return ret;
		}
	}
	for (order = 0; order < NR_PAGE_ORDERS; order++)
		INIT_LIST_HEAD(&cc->freepages[order]);
	cc->zone_start = zone->node_start_pfn;
	cc->zone_end = zone->init_pfn;
	cc->migrate_pfn = cc->zone_start;
	cc->free_pfn = pageblock_start_pfn(cc->zone_end - 1);
	TP_EMIT({ "mm_compaction_begin", 5, { { "zone_start", NULL, (long long)cc->zone_start },
		  { "migrate_pfn", NULL, (long long)cc->migrate_pfn },
		  { "free_pfn", NULL, (long long)cc->free_pfn },
		  { "zone_end", NULL, (long long)cc->zone_end },
		  { "mode", cc->mode == MIGRATE_ASYNC ? "async" : "sync", 0 } } });
	while ((ret = compact_finished(cc)) == COMPACT_CONTINUE) {
		unsigned long failed_before = vm_events[PGMIGRATE_FAIL];
		unsigned int nr_succeeded = 0;
		int nr, err;

		if (!isolate_migratepages(cc))
			continue;
		nr = cc->nr_folios;
		err = migrate_pages(cc->migratepages, nr, compaction_alloc, compaction_free,
				    (unsigned long)cc, cc->mode, MR_COMPACTION, &nr_succeeded);
		cc->nr_migrated += nr_succeeded;
		cc->nr_migratepages = 0;
		cc->nr_folios = 0;
		cc->nr_failed += vm_events[PGMIGRATE_FAIL] - failed_before;
		if (err) {
			putback_movable_pages(cc->migratepages, nr);
			if (cc->alloc_failed && !compact_scanners_met(cc)) {
				ret = COMPACT_CONTENDED;
				break;
			}
		}
	}
	release_free_list(cc->freepages);
	count_vm_events(COMPACTMIGRATE_SCANNED, cc->total_migrate_scanned);
	count_vm_events(COMPACTFREE_SCANNED, cc->total_free_scanned);
	TP_EMIT({ "mm_compaction_end", 6, { { "zone_start", NULL, (long long)cc->zone_start },
		  { "migrate_pfn", NULL, (long long)cc->migrate_pfn },
		  { "free_pfn", NULL, (long long)cc->free_pfn },
		  { "zone_end", NULL, (long long)cc->zone_end },
		  { "mode", cc->mode == MIGRATE_ASYNC ? "async" : "sync", 0 },
		  { "status", compact_result_name(ret), 0 } } });
	KNOTE("%s: %lu pages migrated, %lu failed", compact_result_name(ret),
	      cc->nr_migrated, cc->nr_failed);
	return ret;
}

/* ---- callers ---- */

/* compact_node(): echo 1 > /proc/sys/vm/compact_memory, for one node. */
void compact_node(int nid, struct compact_stats *st)
{
	struct compact_control cc = {
		.order = -1, .mode = MIGRATE_SYNC, .zone = NODE_DATA(nid),
	};

	KFUNC(0, NULL);
	st->result = compact_zone(&cc);
	st->migrated = cc.nr_migrated;
	st->failed = cc.nr_failed;
	st->migrate_scanned = cc.total_migrate_scanned;
	st->free_scanned = cc.total_free_scanned;
	st->isolated = cc.nr_isolated;
}

static enum compact_result compact_zone_order(struct pglist_data *zone, int order,
					      enum compact_priority prio)
{
	struct compact_control cc = {
		.order = order, .zone = zone, .direct_compaction = true,
		.mode = prio == COMPACT_PRIO_ASYNC ? MIGRATE_ASYNC : MIGRATE_SYNC_LIGHT,
	};

	return compact_zone(&cc);
}

/*
 * try_to_compact_pages(): each node of the zonelist in turn, skipping
 * deferred ones (except at the highest priority), until one has a
 * free block of @order.  A failed sync run defers the node.
 */
enum compact_result try_to_compact_pages(gfp_t gfp, unsigned int order, int nid,
					 enum compact_priority prio)
{
	enum compact_result rc = COMPACT_SKIPPED;
	int i;

	KFUNC(0, NULL);
	TP_EMIT({ "mm_compaction_try_to_compact_pages", 3, { { "order", NULL, order },
		  { "gfp_mask", NULL, gfp }, { "priority", NULL, prio } } });
	for (i = 0; i < nr_node_ids; i++) {
		struct pglist_data *zone = NODE_DATA((nid + i) % nr_node_ids);
		enum compact_result status;

		if (i && (gfp & __GFP_THISNODE))
			break;
		if (prio > MIN_COMPACT_PRIORITY && compaction_deferred(zone, order)) {
			rc = MAX(rc, COMPACT_DEFERRED);
			continue;
		}
		status = compact_zone_order(zone, order, prio);
		rc = MAX(rc, status);
		if (status == COMPACT_SUCCESS) {
			compaction_defer_reset(zone, order, false);
			break;
		}
		if (prio != COMPACT_PRIO_ASYNC &&
		    (status == COMPACT_COMPLETE || status == COMPACT_PARTIAL_SKIPPED))
			defer_compaction(zone, order);
	}
	return rc;
}

/* kcompactd_do_work(): compact for the order it was woken for. */
static void kcompactd_do_work(struct pglist_data *pgdat)
{
	struct compact_control cc = {
		.order = pgdat->kcompactd_max_order, .zone = pgdat,
		.mode = MIGRATE_SYNC_LIGHT,
	};
	enum compact_result status;

	KFUNC(0, NULL);
	if (compaction_deferred(pgdat, cc.order))
		goto out;
	if (compaction_suit_allocation_order(pgdat, cc.order) != COMPACT_CONTINUE)
		goto out;
	status = compact_zone(&cc);
	if (status == COMPACT_SUCCESS)
		compaction_defer_reset(pgdat, cc.order, false);
	else if (status == COMPACT_PARTIAL_SKIPPED || status == COMPACT_COMPLETE)
		defer_compaction(pgdat, cc.order);
	count_vm_events(KCOMPACTD_MIGRATE_SCANNED, cc.total_migrate_scanned);
	count_vm_events(KCOMPACTD_FREE_SCANNED, cc.total_free_scanned);
out:
	if (pgdat->kcompactd_max_order <= cc.order)
		pgdat->kcompactd_max_order = 0;
}

/*
 * wakeup_kcompactd(): if compaction could help this node, kcompactd
 * wakes (compact_daemon_wake) and, in thpsh, runs at once: the
 * allocation that woke it has already failed and falls back.
 */
void wakeup_kcompactd(struct pglist_data *pgdat, int order)
{
	KFUNC(0, NULL);
	if (!order)
		return;
	if (pgdat->kcompactd_max_order < order)
		pgdat->kcompactd_max_order = order;
	if (compaction_suit_allocation_order(pgdat, pgdat->kcompactd_max_order) != COMPACT_CONTINUE)
		return;
	TP_EMIT({ "mm_compaction_wakeup_kcompactd", 2, { { "nid", NULL, pgdat->node_id },
		  { "order", NULL, order } } });
	count_vm_event(KCOMPACTD_WAKE);
	kcompactd_do_work(pgdat);
}
