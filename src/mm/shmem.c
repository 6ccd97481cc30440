/*
 * shmem.c - tmpfs and shared anonymous memory (mm/shmem.c).
 *
 * Not simulated yet: no tmpfs file and no shared anonymous mapping can
 * be created, so no folio is ever file-backed.  The hooks below are
 * where the rest of mm/ meets the page cache; they state that.
 */
#include "huge_mm.h"
#include "rmap.h"

/* rmap_walk_file(): the mappings of a file folio, via its mapping's VMAs. */
void rmap_walk_file(struct folio *folio, struct rmap_walk_control *rwc)
{
	(void)folio;
	(void)rwc;
	BUG();	/* no file folio exists yet */
}

/* A split file folio's pieces go back into the page cache. */
void shmem_split_folio_cache(struct folio *folio, struct folio *end_folio,
			     int old_order, int *nr_dropped)
{
	(void)folio;
	(void)end_folio;
	(void)old_order;
	(void)nr_dropped;
	BUG();	/* no file folio exists yet */
}

/* "/PATH,..." in split_huge_pages: the kernel fails to open it: -EINVAL. */
int split_huge_pages_in_file(const char *path, unsigned long off_start,
			     unsigned long off_end, unsigned int new_order,
			     long in_folio_offset, struct split_stats *stats)
{
	(void)path;
	(void)off_start;
	(void)off_end;
	(void)new_order;
	(void)in_folio_offset;
	(void)stats;
	return -EINVAL;
}
