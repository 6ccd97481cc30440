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
