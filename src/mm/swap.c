/*
 * swap.c - the last reference to a folio, and the per-CPU batch that
 * MADV_FREE marks folios through (mm/swap.c).
 */
#include "mm.h"

#include "huge_mm.h"
#include "memcontrol.h"
#include "vmstat.h"

/*
 * The refcount reached zero: leave the deferred split queue and the
 * memcg, and give the pages back to the buddy allocator.
 */
void __folio_put(struct folio *folio)
{
	KFUNC(0, folio);
	VM_BUG_ON_FOLIO(folio_mapped(folio), folio);
	if (folio_test_large(folio))
		folio_unqueue_deferred_split(folio);
	folio_clear_lru(folio);
	mem_cgroup_uncharge(folio);
	KNOTE("folio pfn %#lx order %u freed", folio_pfn(folio), folio_order(folio));
	__free_pages(folio_page(folio, 0), folio_order(folio));
}

void folio_put_refs(struct folio *folio, int refs)
{
	VM_BUG_ON_FOLIO(folio->_refcount < refs, folio);
	folio->_refcount -= refs;
	if (!folio->_refcount)
		__folio_put(folio);
}

/*
 * cpu_fbatches.lru_lazyfree of the one CPU thpsh has.  A small folio
 * that MADV_FREE marks waits here, with a reference of its own and
 * still swap-backed, until the batch is full or drained; a large folio
 * passes straight through (FACTS.md "MADV_FREE": 256 pieces of a split
 * THP left 8 in the batch).  The kernel has more batches (lru_add,
 * lru_activate, ...); thpsh puts those folios on their lists at once.
 */
struct folio_batch lru_lazyfree;

void lru_lazyfree_reset(void)
{
	lru_lazyfree.nr = 0;
}

/* lru_lazyfree(): inactive, unreferenced, no longer swap-backed. */
static void lru_lazyfree_move(struct folio *folio)
{
	if (!folio_test_anon(folio) || !folio_test_swapbacked(folio) ||
	    folio_test_swapcache(folio) || folio_test_unevictable(folio))
		return;
	folio_clear_active(folio);
	folio_clear_referenced(folio);
	folio_clear_swapbacked(folio);
	count_vm_events(PGLAZYFREE, folio_nr_pages(folio));
	KNOTE("folio pfn %#lx lazyfree", folio_pfn(folio));
}

/*
 * folio_batch_move_lru(): move every folio of @fbatch that is still on
 * the LRU (not isolated meanwhile), then drop the batch's references;
 * the last one frees a folio that was unmapped while it waited.
 */
static void folio_batch_move_lru(struct folio_batch *fbatch)
{
	unsigned int i;

	KFUNC(0, NULL);
	for (i = 0; i < fbatch->nr; i++)
		if (folio_test_lru(fbatch->folios[i]))
			lru_lazyfree_move(fbatch->folios[i]);
	for (i = 0; i < fbatch->nr; i++)
		folio_put(fbatch->folios[i]);
	fbatch->nr = 0;
}

/*
 * MADV_FREE: an anonymous folio that reclaim may discard instead of
 * swapping it out, unless it is written again.  The caller holds a
 * reference; the batch takes one more.
 */
void folio_mark_lazyfree(struct folio *folio)
{
	KFUNC(0, folio);
	if (!folio_test_anon(folio) || !folio_test_swapbacked(folio) ||
	    !folio_test_lru(folio) || folio_test_swapcache(folio) ||
	    folio_test_unevictable(folio))
		return;
	folio_get(folio);
	lru_lazyfree.folios[lru_lazyfree.nr++] = folio;
	if (lru_lazyfree.nr == PAGEVEC_SIZE || folio_test_large(folio))
		folio_batch_move_lru(&lru_lazyfree);
	else
		KNOTE("folio pfn %#lx waits in lru_lazyfree (%u of %d)", folio_pfn(folio),
		      lru_lazyfree.nr, PAGEVEC_SIZE);
}

/* lru_add_drain(): empty this CPU's batches. */
void lru_add_drain(void)
{
	KFUNC(0, NULL);
	if (lru_lazyfree.nr)
		folio_batch_move_lru(&lru_lazyfree);
}

/* lru_add_drain_all(): every CPU's batches; thpsh has one. */
void lru_add_drain_all(void)
{
	KFUNC(0, NULL);
	lru_add_drain();
}

/* mark_page_accessed(): a first access sets referenced, a second activates. */
void folio_mark_accessed(struct folio *folio)
{
	if (!folio_test_referenced(folio)) {
		folio_set_referenced(folio);
	} else if (!folio_test_unevictable(folio) && !folio_test_active(folio) &&
		   folio_test_lru(folio)) {
		folio_set_active(folio);
		folio_clear_referenced(folio);
	}
}
