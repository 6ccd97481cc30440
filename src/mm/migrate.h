/*
 * migrate.h - moving folios to new memory (include/linux/migrate.h,
 * migrate_mode.h).
 */
#ifndef THPSH_MM_MIGRATE_H
#define THPSH_MM_MIGRATE_H

#include "mm.h"

enum migrate_mode { MIGRATE_ASYNC, MIGRATE_SYNC_LIGHT, MIGRATE_SYNC };
enum migrate_reason { MR_COMPACTION };

#define MIGRATEPAGE_SUCCESS	0

typedef struct folio *new_folio_t(struct folio *src, unsigned long private);
typedef void free_folio_t(struct folio *dst, unsigned long private);

/* What one migrate_pages() call did (struct migrate_pages_stats). */
struct migrate_pages_stats {
	int nr_succeeded;	/* base pages moved */
	int nr_failed_pages;	/* base pages that could not be */
	int nr_thp_succeeded;
	int nr_thp_failed;
};

/*
 * The kernel passes a list_head of isolated folios; thpsh's struct page
 * has no lru field, so the list is an array: migrated entries become
 * NULL, the ones left are for the caller to put back.
 */
int migrate_pages(struct folio **from, int nr, new_folio_t *get_new_folio,
		  free_folio_t *put_new_folio, unsigned long private,
		  enum migrate_mode mode, int reason, unsigned int *nr_succeeded);
void putback_movable_pages(struct folio **from, int nr);
const char *migrate_mode_name(enum migrate_mode mode);

#endif /* THPSH_MM_MIGRATE_H */
