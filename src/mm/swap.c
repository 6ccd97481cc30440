/*
 * swap.c - the last reference to a folio (mm/swap.c).
 */
#include "mm.h"

#include "huge_mm.h"
#include "memcontrol.h"

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
 * MADV_FREE: an anonymous folio that reclaim may discard instead of
 * swapping out, unless it is written again (lru_lazyfree_fn: inactive,
 * unreferenced, no longer swap-backed).  Simplification: small folios
 * skip the per-CPU lru_lazyfree batch and move at once (FACTS.md
 * "MADV_FREE": the live kernel showed 8 of 256 still in the batch).
 */
void folio_mark_lazyfree(struct folio *folio)
{
	if (!folio_test_anon(folio) || !folio_test_swapbacked(folio) ||
	    folio_test_swapcache(folio) || folio_test_unevictable(folio))
		return;
	folio_clear_active(folio);
	folio_clear_referenced(folio);
	folio_clear_swapbacked(folio);
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
