/*
 * compaction.h - memory compaction (include/linux/compaction.h).
 */
#ifndef THPSH_MM_COMPACTION_H
#define THPSH_MM_COMPACTION_H

#include "migrate.h"

enum compact_priority {
	COMPACT_PRIO_SYNC_FULL,
	MIN_COMPACT_PRIORITY = COMPACT_PRIO_SYNC_FULL,
	COMPACT_PRIO_SYNC_LIGHT,
	DEF_COMPACT_PRIORITY = COMPACT_PRIO_SYNC_LIGHT,
	COMPACT_PRIO_ASYNC,
	INIT_COMPACT_PRIORITY = COMPACT_PRIO_ASYNC,
};

/* Ordered as the kernel's: try_to_compact_pages() keeps the largest. */
enum compact_result {
	COMPACT_NOT_SUITABLE_ZONE,
	COMPACT_SKIPPED,
	COMPACT_DEFERRED,
	COMPACT_NO_SUITABLE_PAGE,
	COMPACT_CONTINUE,
	COMPACT_COMPLETE,
	COMPACT_PARTIAL_SKIPPED,
	COMPACT_CONTENDED,
	COMPACT_SUCCESS,
};

#define COMPACT_MAX_DEFER_SHIFT	6
#define COMPACT_CLUSTER_MAX	32	/* SWAP_CLUSTER_MAX */

/* What compact_node() did, for compact(). */
struct compact_stats {
	unsigned long migrated;		/* base pages moved */
	unsigned long failed;		/* base pages that could not be */
	unsigned long migrate_scanned;
	unsigned long free_scanned;
	unsigned long isolated;
	enum compact_result result;
};

const char *compact_result_name(enum compact_result r);
void compact_node(int nid, struct compact_stats *st);
enum compact_result try_to_compact_pages(gfp_t gfp, unsigned int order, int nid,
					 enum compact_priority prio);
void compaction_defer_reset(struct pglist_data *pgdat, int order, bool alloc_success);
void wakeup_kcompactd(struct pglist_data *pgdat, int order);
unsigned long free_blocks_of_order(int nid, unsigned int order);

/* page_alloc.c's side of it */
struct page *__isolate_free_page(struct page *page, unsigned int order);
bool page_buddy_order(const struct page *page, unsigned int *order);
struct page *get_page_from_freelist(gfp_t gfp, unsigned int order, int nid);

#endif /* THPSH_MM_COMPACTION_H */
