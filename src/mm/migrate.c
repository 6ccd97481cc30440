/*
 * migrate.c - removing migration entries (mm/migrate.c).
 *
 * After a folio split, remap_page() calls remove_migration_ptes() for
 * every new folio: each migration entry that points into it becomes a
 * present PTE again, with the write, young, dirty and exclusive bits the
 * entry remembered.  A page that held nothing but zeroes is mapped to
 * the shared zero page instead and its memory freed.
 */
#include "rmap.h"

#include "huge_mm.h"

struct rmap_walk_arg {
	struct folio *folio;
	bool map_unused_to_zeropage;
};

static int compound_order(const struct page *page)
{
	return PageHead(page) ? folio_order((const struct folio *)page) : 0;
}

/* A zero-filled subpage of an anonymous folio maps the zero page instead. */
static bool try_to_map_unused_to_zeropage(struct page_vma_mapped_walk *pvmw,
					  struct folio *folio, unsigned long idx)
{
	struct page *page = folio_page(folio, idx);
	pte_t old = ptep_get(pvmw->pte), newpte;

	if (PageHead(page) || PageTail(page) || folio_test_mlocked(folio) ||
	    (pvmw->vma->vm_flags & VM_LOCKED))
		return false;
	if (!pages_identical(page, ZERO_PAGE(0)))
		return false;
	newpte = pte_mkspecial(pfn_pte(zero_pfn, pvmw->vma->vm_page_prot));
	if (pte_swp_soft_dirty(old))
		newpte = pte_mksoft_dirty(newpte);
	if (pte_swp_uffd_wp(old))
		newpte = pte_mkuffd_wp(newpte);
	set_pte_at(pvmw->vma->vm_mm, pvmw->address, pvmw->pte, newpte);
	add_mm_counter(pvmw->vma->vm_mm, MM_ANONPAGES, -1);
	KNOTE("zero-filled page pfn %#lx -> the zero page", page_to_pfn(page));
	return true;
}

static bool remove_migration_pte(struct folio *folio, struct vm_area_struct *vma,
				 unsigned long addr, void *arg)
{
	struct rmap_walk_arg *rwa = arg;
	struct page_vma_mapped_walk pvmw = {
		.pfn = folio_pfn(rwa->folio), .nr_pages = folio_nr_pages(rwa->folio),
		.pgoff = rwa->folio->index, .vma = vma, .address = addr,
		.flags = PVMW_SYNC | PVMW_MIGRATION,
	};

	KFUNC(addr, folio);
	while (page_vma_mapped_walk(&pvmw)) {
		unsigned long idx = 0;
		swp_entry_t entry;
		struct page *new;
		rmap_t rmap_flags = RMAP_NONE;
		pte_t pte, old_pte;

		if (folio_test_large(folio))
			idx = linear_page_index(vma, pvmw.address) - pvmw.pgoff;
		new = folio_page(folio, idx);
		if (!pvmw.pte) {
			remove_migration_pmd(&pvmw, folio);
			continue;
		}
		if (rwa->map_unused_to_zeropage &&
		    try_to_map_unused_to_zeropage(&pvmw, folio, idx))
			continue;
		folio_get(folio);
		pte = pfn_pte(page_to_pfn(new), vma->vm_page_prot);
		old_pte = ptep_get(pvmw.pte);
		entry = pte_to_swp_entry(old_pte);
		if (!is_migration_entry_young(entry))
			pte = pte_mkold(pte);
		if (folio_test_dirty(folio) && is_migration_entry_dirty(entry))
			pte = pte_mkdirty(pte);
		if (pte_swp_soft_dirty(old_pte))
			pte = pte_mksoft_dirty(pte);
		if (is_writable_migration_entry(entry))
			pte = pte_mkwrite(pte);
		else if (pte_swp_uffd_wp(old_pte))
			pte = pte_mkuffd_wp(pte);
		if (folio_test_anon(folio) && !is_readable_migration_entry(entry))
			rmap_flags |= RMAP_EXCLUSIVE;
		if (folio_test_anon(folio))
			folio_add_anon_rmap_pte(folio, new, vma, pvmw.address, rmap_flags);
		else
			folio_add_file_rmap_ptes(folio, new, 1, vma);
		set_pte_at(vma->vm_mm, pvmw.address, pvmw.pte, pte);
		TP_EMIT({ "remove_migration_pte", 3, { { "addr", NULL, (long long)pvmw.address },
			  { "pte", NULL, (long long)pte_val(pte) },
			  { "order", NULL, compound_order(new) } } });
	}
	return true;
}

/*
 * Put back the mappings of @dst that unmap_folio() made migration
 * entries (@src == @dst for a split).  TTU_USE_SHARED_ZEROPAGE maps
 * zero-filled pages to the shared zero page.
 */
void remove_migration_ptes(struct folio *src, struct folio *dst, int flags)
{
	struct rmap_walk_arg arg = {
		.folio = src,
		.map_unused_to_zeropage = flags & TTU_USE_SHARED_ZEROPAGE,
	};
	struct rmap_walk_control rwc = {
		.rmap_one = remove_migration_pte,
		.arg = &arg,
	};

	KFUNC(0, dst);
	rmap_walk(dst, &rwc);
}

/* ---- migrate_pages(): moving anonymous folios (compaction) ---- */

#include "migrate.h"

const char *migrate_mode_name(enum migrate_mode mode)
{
	static const char *const names[] = { "MIGRATE_ASYNC", "MIGRATE_SYNC_LIGHT",
					     "MIGRATE_SYNC" };

	return names[mode];
}

/*
 * __folio_migrate_mapping() for an anonymous folio: no page cache, so
 * only the refcount must be what the mappings (gone) and the isolation
 * leave, else something else holds it (-EAGAIN).  @dst takes over the
 * anon_vma and index, which the rmap walk of remove_migration_ptes needs.
 */
static int folio_migrate_mapping(struct folio *dst, struct folio *src, int extra_count)
{
	int expected_count = folio_mapcount(src) + 1 + extra_count;

	KFUNC(0, src);
	if (folio_ref_count(src) != expected_count) {
		KNOTE("refcount %d, expected %d: -EAGAIN", folio_ref_count(src), expected_count);
		return -EAGAIN;
	}
	/* a large folio leaves the deferred split queue (the unmap queued it), frozen */
	if (folio_test_large(src) && folio_test_large_rmappable(src)) {
		if (!folio_ref_freeze(src, expected_count))
			return -EAGAIN;
		folio_unqueue_deferred_split(src);
		folio_ref_unfreeze(src, expected_count);
	}
	dst->index = src->index;
	dst->mapping = src->mapping;
	if (folio_test_large(src))
		mod_mthp_stat(folio_order(src), MTHP_STAT_NR_ANON, 1);
	if (folio_test_swapbacked(src))
		folio_set_swapbacked(dst);
	return MIGRATEPAGE_SUCCESS;
}

/* folio_migrate_flags(): the state that is the folio's, not a page's. */
static void folio_migrate_flags(struct folio *dst, struct folio *src)
{
	static const int move[] = { PG_referenced, PG_uptodate, PG_active, PG_unevictable,
				    PG_workingset, PG_dirty, PG_young, PG_idle, PG_mlocked };
	unsigned int i;

	KFUNC(0, src);
	for (i = 0; i < ARRAY_SIZE(move); i++)
		if (src->flags & BIT(move[i]))
			dst->flags |= BIT(move[i]);
	/* mem_cgroup_migrate(): the charge moves, the counters do not change */
	folio_set_memcg_id(dst, folio_memcg_id(src));
	folio_set_memcg_id(src, 0);
}

/* folio_copy(): the values the pages hold. */
static void folio_copy(struct folio *dst, struct folio *src)
{
	long i, nr = folio_nr_pages(src);

	for (i = 0; i < nr; i++)
		set_page_value(folio_page(dst, i), page_value(folio_page(src, i)));
}

/* move_to_new_folio() -> migrate_folio() -> __migrate_folio(). */
static int move_to_new_folio(struct folio *dst, struct folio *src, enum migrate_mode mode)
{
	int rc;

	(void)mode;
	KFUNC(0, src);
	rc = folio_migrate_mapping(dst, src, 0);
	if (rc != MIGRATEPAGE_SUCCESS)
		return rc;
	folio_copy(dst, src);
	folio_migrate_flags(dst, src);
	KNOTE("pfn %#lx -> pfn %#lx", folio_pfn(src), folio_pfn(dst));
	return MIGRATEPAGE_SUCCESS;
}

/*
 * migrate_folio_unmap(): get the new folio, lock the old one and turn
 * its mappings into migration entries.  A pinned page cannot become
 * one (try_to_migrate_one fails to unshare it): -EAGAIN, and the
 * entries already written are put back.
 */
static int migrate_folio_unmap(new_folio_t *get_new_folio, free_folio_t *put_new_folio,
			       unsigned long private, struct folio *src,
			       struct folio **dstp, enum migrate_mode mode,
			       struct anon_vma **anon_vmap)
{
	struct folio *dst;

	KFUNC(0, src);
	*dstp = NULL;
	if (folio_ref_count(src) == 1) {
		/* only the isolation holds it (a piece left unmapped by a split) */
		KNOTE("folio pfn %#lx freed from under us: done", folio_pfn(src));
		folio_put(src);
		return MIGRATEPAGE_SUCCESS;
	}
	dst = get_new_folio(src, private);
	if (!dst)
		return -ENOMEM;
	if (!folio_trylock(src)) {
		put_new_folio(dst, private);
		return -EAGAIN;
	}
	folio_lock(dst);
	*anon_vmap = folio_get_anon_vma(src);
	if (folio_maybe_dma_pinned(src) && mode != MIGRATE_SYNC)
		KNOTE("pinned: try_to_migrate will fail");
	if (folio_mapped(src))
		try_to_migrate(src, mode == MIGRATE_ASYNC ? TTU_BATCH_FLUSH : 0);
	if (folio_mapped(src)) {
		KNOTE("still mapped (pinned?): -EAGAIN");
		remove_migration_ptes(src, src, 0);
		if (*anon_vmap)
			put_anon_vma(*anon_vmap);
		*anon_vmap = NULL;
		folio_unlock(src);
		folio_unlock(dst);
		put_new_folio(dst, private);
		return -EAGAIN;
	}
	*dstp = dst;
	return MIGRATEPAGE_SUCCESS;
}

/*
 * migrate_folio_move(): copy, map the new folio where the old one was
 * (remove_migration_ptes(src, dst)), free the old one.  On failure the
 * old folio's entries are restored.
 */
static int migrate_folio_move(free_folio_t *put_new_folio, unsigned long private,
			      struct folio *src, struct folio *dst,
			      enum migrate_mode mode, struct anon_vma *anon_vma)
{
	int rc;

	KFUNC(0, src);
	rc = move_to_new_folio(dst, src, mode);
	if (rc) {
		remove_migration_ptes(src, src, 0);
		folio_unlock(src);
		folio_unlock(dst);
		put_new_folio(dst, private);
	} else {
		folio_set_lru(dst);	/* folio_add_lru() */
		remove_migration_ptes(src, dst, 0);
		folio_unlock(dst);
		folio_put(dst);		/* the allocation's reference: the mappings hold it now */
		folio_unlock(src);
		folio_put(src);		/* migrate_folio_done(): the isolation reference, the last */
	}
	if (anon_vma)
		put_anon_vma(anon_vma);
	return rc;
}

/* Return isolated folios to the LRU (folio_putback_lru). */
void putback_movable_pages(struct folio **from, int nr)
{
	int i;

	for (i = 0; i < nr; i++) {
		if (!from[i])
			continue;
		folio_set_lru(from[i]);
		folio_put(from[i]);
		from[i] = NULL;
	}
}

/*
 * migrate_pages(): move each isolated folio of @from to a folio that
 * @get_new_folio hands out.  One pass: the kernel retries -EAGAIN up
 * to 10 times (NR_MAX_MIGRATE_PAGES_RETRY), which in thpsh's single
 * thread would fail the same way.  -ENOMEM (no new folio) stops at
 * once, the rest left untried; for a large folio the kernel splits it
 * and moves the pieces (nr_split), thpsh counts it failed and goes on.
 * Only PMD-sized folios count as thp_migration_* (none come here from
 * compaction).  Returns the number of folios not migrated; they stay
 * in @from.
 */
/* One folio: unmap, then move; the pages it moved or failed to. */
static int migrate_one(struct folio *src, new_folio_t *get_new_folio,
		       free_folio_t *put_new_folio, unsigned long private,
		       enum migrate_mode mode, struct migrate_pages_stats *stats)
{
	long nr_pages = folio_nr_pages(src);
	bool is_thp = folio_test_pmd_mappable(src);
	struct anon_vma *anon_vma = NULL;
	struct folio *dst = NULL;
	int rc;

	rc = migrate_folio_unmap(get_new_folio, put_new_folio, private, src, &dst,
				 mode, &anon_vma);
	if (rc == MIGRATEPAGE_SUCCESS && dst)
		rc = migrate_folio_move(put_new_folio, private, src, dst, mode, anon_vma);
	if (rc == MIGRATEPAGE_SUCCESS) {
		stats->nr_succeeded += nr_pages;
		stats->nr_thp_succeeded += is_thp;
	} else if (rc != -ENOMEM || !folio_test_large(src)) {
		stats->nr_failed_pages += nr_pages;
		stats->nr_thp_failed += is_thp;
	}
	return rc;
}

/*
 * try_split_folio(): a large folio that got no free block of its order
 * is split (the caller's reference stays on the first piece), and each
 * piece still mapped is isolated in turn and moved on its own.
 * Returns the pieces that could not be moved (*head_left: the first
 * one, still isolated, is among them), or -1 if the split failed.
 */
static int migrate_split_folio(struct folio *src, new_folio_t *get_new_folio,
			       free_folio_t *put_new_folio, unsigned long private,
			       enum migrate_mode mode, struct migrate_pages_stats *stats,
			       bool *head_left)
{
	unsigned long pfn = folio_pfn(src), nr = folio_nr_pages(src), i;
	int failed = 0;

	KFUNC(0, src);
	folio_lock(src);
	if (split_huge_page_to_list_to_order(folio_page(src, 0), NULL, 0)) {
		folio_unlock(src);
		return -1;
	}
	folio_unlock(src);
	/* the pieces are off the LRU as the folio was: take a reference on each */
	for (i = 1; i < nr; i++) {
		struct folio *piece = page_folio(pfn_to_page(pfn + i));

		if (folio_ref_count(piece) && !folio_test_lru(piece) && folio_test_anon(piece))
			folio_get(piece);
		else
			continue;
		if (migrate_one(piece, get_new_folio, put_new_folio, private, mode, stats)) {
			folio_set_lru(piece);	/* putback */
			folio_put(piece);
			failed++;
		}
	}
	*head_left = migrate_one(src, get_new_folio, put_new_folio, private, mode, stats);
	return failed + *head_left;
}

/*
 * migrate_pages(): move each isolated folio of @from to a folio that
 * @get_new_folio hands out.  One pass: the kernel retries -EAGAIN up
 * to 10 times (NR_MAX_MIGRATE_PAGES_RETRY), which in thpsh's single
 * thread would fail the same way.  -ENOMEM (no new folio) stops at
 * once for a small folio, the rest left untried; a large folio is split
 * and its pieces moved (nr_split).  Only PMD-sized folios count as
 * thp_migration_* (none come here from compaction).  Returns the number
 * of folios not migrated; the ones still in @from are for the caller
 * to put back.
 */
int migrate_pages(struct folio **from, int nr, new_folio_t *get_new_folio,
		  free_folio_t *put_new_folio, unsigned long private,
		  enum migrate_mode mode, int reason, unsigned int *nr_succeeded)
{
	struct migrate_pages_stats stats = { 0 };
	int i, nr_failed = 0, nr_split = 0;

	(void)reason;
	KFUNC(0, NULL);
	TP_EMIT({ "mm_migrate_pages_start", 2, { { "mode", migrate_mode_name(mode), 0 },
		  { "reason", "compaction", 0 } } });
	for (i = 0; i < nr; i++) {
		struct folio *src = from[i];
		bool head_left = false;
		int rc, left;

		if (!src)
			continue;
		rc = migrate_one(src, get_new_folio, put_new_folio, private, mode, &stats);
		if (rc == MIGRATEPAGE_SUCCESS) {
			from[i] = NULL;
			continue;
		}
		if (rc == -ENOMEM && folio_test_large(src)) {
			KNOTE("no free order-%u block: split it", folio_order(src));
			left = migrate_split_folio(src, get_new_folio, put_new_folio, private,
						   mode, &stats, &head_left);
			if (left < 0) {
				stats.nr_failed_pages += folio_nr_pages(src);
				nr_failed++;
				continue;
			}
			nr_split++;
			nr_failed += left;
			/* the first piece: moved and gone, or for the caller to put back */
			if (!head_left)
				from[i] = NULL;
			continue;
		}
		nr_failed++;
		if (rc == -ENOMEM) {
			KNOTE("no free page to migrate to: stop");
			break;
		}
	}
	count_vm_events(PGMIGRATE_SUCCESS, stats.nr_succeeded);
	count_vm_events(PGMIGRATE_FAIL, stats.nr_failed_pages);
	count_vm_events(THP_MIGRATION_SUCCESS, stats.nr_thp_succeeded);
	count_vm_events(THP_MIGRATION_FAIL, stats.nr_thp_failed);
	TP_EMIT({ "mm_migrate_pages", 8, { { "nr_succeeded", NULL, stats.nr_succeeded },
		  { "nr_failed", NULL, stats.nr_failed_pages },
		  { "nr_thp_succeeded", NULL, stats.nr_thp_succeeded },
		  { "nr_thp_failed", NULL, stats.nr_thp_failed },
		  { "nr_thp_split", NULL, 0 }, { "nr_split", NULL, nr_split },
		  { "mode", migrate_mode_name(mode), 0 }, { "reason", "compaction", 0 } } });
	if (nr_succeeded)
		*nr_succeeded = stats.nr_succeeded;
	return nr_failed;
}
