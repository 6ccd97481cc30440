/*
 * page_alloc.c - physical memory: struct pages, frame contents and the
 * buddy allocator (mm/page_alloc.c, mm/mm_init.c).
 *
 * mem_map and page_values are reserved address space the host fills in
 * on first touch, so a 64 GiB machine costs nothing until used.  Like
 * CONFIG_DEFERRED_STRUCT_PAGE_INIT, a node's frames enter the buddy
 * lists one MAX_PAGE_ORDER block at a time, when the lists run dry;
 * until then they count as free but their struct pages stay untouched.
 *
 * Simplifications: one zone per node, no per-cpu lists, no migrate
 * types (every pageblock counts as movable), no watermarks, no reclaim
 * from the allocator; an allocation that finds no block of its order
 * fails at once unless its gfp asks for direct compaction or kcompactd
 * (THP and mTHP faults per transparent_hugepage/defrag, collapses),
 * and the first 4 MiB hold the "kernel" (reserved frames, among them
 * the shared zero page).
 */
#include "internal.h"

#include <string.h>
#include <sys/mman.h>

#include "compaction.h"
#include "slab.h"

struct page *mem_map;
u64 *page_values;
unsigned long max_pfn;
int nr_node_ids;
struct pglist_data *node_data[MAX_NUMNODES];
unsigned long zero_pfn;

#define MAX_ORDER_NR_PAGES	(1UL << MAX_PAGE_ORDER)
#define RESERVED_PFNS		MAX_ORDER_NR_PAGES
#define ZERO_PFN		0x80

static size_t mem_map_bytes, values_bytes;

static void set_buddy(struct page *page, unsigned int order)
{
	page->page_type = (unsigned int)PGTY_buddy << PAGE_TYPE_SHIFT;
	page->buddy_order = order;
}

static bool page_is_buddy(const struct page *page, unsigned int order)
{
	return page->page_type == (unsigned int)PGTY_buddy << PAGE_TYPE_SHIFT &&
	       page->buddy_order == order;
}

static void add_to_free_list(struct pglist_data *pgdat, struct page *page,
			     unsigned int order)
{
	set_buddy(page, order);
	list_add(&page->buddy_list, &pgdat->free_area[order].free_list);
	pgdat->free_area[order].nr_free++;
}

static void del_from_free_list(struct pglist_data *pgdat, struct page *page,
			       unsigned int order)
{
	__list_del_entry(&page->buddy_list);
	pgdat->free_area[order].nr_free--;
	page->mapping = 0;	/* every free page but a block's head is scrubbed: */
	page->index = 0;	/* now this one is too (see free_pages_prepare) */
	page->buddy_order = 0;
	page->_mapcount = -1;
}

/* Bring the next MAX_PAGE_ORDER block of @pgdat into the buddy lists. */
static bool deferred_grow_node(struct pglist_data *pgdat)
{
	unsigned long end = pgdat->node_start_pfn + pgdat->node_spanned_pages;
	unsigned long pfn = pgdat->init_pfn;

	if (pfn + MAX_ORDER_NR_PAGES > end)
		return false;
	pgdat->init_pfn += MAX_ORDER_NR_PAGES;
	/* deferred_init_memmap(): a fresh page is zero but for _mapcount */
	for (unsigned long i = 0; i < MAX_ORDER_NR_PAGES; i++)
		mem_map[pfn + i]._mapcount = -1;
	add_to_free_list(pgdat, pfn_to_page(pfn), MAX_PAGE_ORDER);
	return true;
}

/* __rmqueue_smallest() and expand(): keep the low half, free the rest. */
static struct page *rmqueue(struct pglist_data *pgdat, unsigned int order)
{
	unsigned int current_order, high;
	struct page *page;

	for (;;) {
		for (current_order = order; current_order < NR_PAGE_ORDERS; current_order++) {
			struct free_area *area = &pgdat->free_area[current_order];

			if (list_empty(&area->free_list))
				continue;
			page = list_first_entry(&area->free_list, struct page, buddy_list);
			del_from_free_list(pgdat, page, current_order);
			for (high = current_order; high > order; high--)
				add_to_free_list(pgdat, page + (1UL << (high - 1)), high - 1);
			pgdat->nr_free -= 1UL << order;
			return page;
		}
		if (!deferred_grow_node(pgdat))
			return NULL;
	}
}

static void prep_new_page(struct page *page, unsigned int order, gfp_t gfp)
{
	unsigned long nr = 1UL << order;

	page->flags = 0;
	page->mapping = 0;
	page->index = 0;
	page->private = 0;
	page->_mapcount = -1;
	page->_refcount = 1;
	if (gfp & __GFP_ZERO)
		memset(&page_values[page_to_pfn(page)], 0, nr * sizeof(u64));
	if (order && (gfp & __GFP_COMP))
		prep_compound_page(page, order);
	count_vm_events(PGALLOC_NORMAL, nr);
}

/* The zonelist: @nid first, then the other nodes unless __GFP_THISNODE. */
struct page *get_page_from_freelist(gfp_t gfp, unsigned int order, int nid)
{
	struct page *page = NULL;
	int i;

	for (i = 0; i < nr_node_ids && !page; i++) {
		int n = (nid + i) % nr_node_ids;

		if (i && (gfp & __GFP_THISNODE))
			break;
		page = rmqueue(NODE_DATA(n), order);
	}
	return page;
}

/*
 * __alloc_pages_direct_compact(): compact, then try the free lists
 * again.  A run that was not skipped counts compact_stall, then
 * compact_success or compact_fail.  (The kernel may also capture the
 * page as compaction frees it; thpsh takes it from the free lists.)
 */
static struct page *__alloc_pages_direct_compact(gfp_t gfp, unsigned int order, int nid,
						 enum compact_priority prio,
						 enum compact_result *result)
{
	struct page *page;

	KFUNC(0, NULL);
	*result = try_to_compact_pages(gfp, order, nid, prio);
	if (*result == COMPACT_SKIPPED)
		return NULL;
	count_vm_event(COMPACTSTALL);
	page = get_page_from_freelist(gfp, order, nid);
	if (page) {
		compaction_defer_reset(NODE_DATA(pfn_to_nid(page_to_pfn(page))), order, true);
		count_vm_event(COMPACTSUCCESS);
		KNOTE("compact_success: order-%u block pfn %#lx", order, page_to_pfn(page));
		return page;
	}
	count_vm_event(COMPACTFAIL);
	KNOTE("compact_fail (%s)", compact_result_name(*result));
	return NULL;
}

/*
 * __alloc_pages_slowpath() for a costly order: wake kcompactd if asked
 * (through kswapd in the kernel; thpsh has no kswapd), then async direct
 * compaction; __GFP_NORETRY gives up if that was skipped or deferred;
 * then (no direct reclaim in thpsh) compaction again at
 * DEF_COMPACT_PRIORITY (sync light), or async again under NORETRY; a
 * costly order without __GFP_RETRY_MAYFAIL never loops.  Non-costly
 * orders keep failing at once: their reclaim/retry loop is not modelled.
 */
static struct page *__alloc_pages_slowpath(gfp_t gfp, unsigned int order, int nid)
{
	enum compact_priority prio = DEF_COMPACT_PRIORITY;
	enum compact_result result;
	struct page *page;
	int i;

	KFUNC(0, NULL);
	if (gfp & __GFP_KSWAPD_RECLAIM)
		for (i = 0; i < nr_node_ids; i++)	/* wake_all_kswapds() */
			if (i == nid || !(gfp & __GFP_THISNODE))
				wakeup_kcompactd(NODE_DATA(i), order);
	if (!(gfp & __GFP_DIRECT_RECLAIM) || order <= PAGE_ALLOC_COSTLY_ORDER)
		return NULL;
	page = __alloc_pages_direct_compact(gfp, order, nid, INIT_COMPACT_PRIORITY, &result);
	if (page)
		return page;
	if (gfp & __GFP_NORETRY) {
		if (result == COMPACT_SKIPPED || result == COMPACT_DEFERRED)
			return NULL;
		prio = INIT_COMPACT_PRIORITY;
	}
	return __alloc_pages_direct_compact(gfp, order, nid, prio, &result);
}

struct page *alloc_pages_node(int nid, gfp_t gfp, unsigned int order)
{
	struct page *page;

	VM_BUG_ON(order > MAX_PAGE_ORDER);
	page = get_page_from_freelist(gfp, order, nid);
	if (unlikely(!page) && (gfp & (__GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM)))
		page = __alloc_pages_slowpath(gfp, order, nid);
	if (page)
		prep_new_page(page, order, gfp);
	return page;
}

/* __isolate_free_page(): take a free block off its list for compaction. */
struct page *__isolate_free_page(struct page *page, unsigned int order)
{
	struct pglist_data *pgdat = NODE_DATA(pfn_to_nid(page_to_pfn(page)));

	del_from_free_list(pgdat, page, order);
	pgdat->nr_free -= 1UL << order;
	return page;
}

/* PageBuddy() and buddy_order(): is @page the head of a free block? */
bool page_buddy_order(const struct page *page, unsigned int *order)
{
	if (page->page_type != (unsigned int)PGTY_buddy << PAGE_TYPE_SHIFT)
		return false;
	*order = page->buddy_order;
	return true;
}

/* __free_one_page(): merge with free buddies as far as they go. */
static void __free_one_page(struct page *page, unsigned long pfn, unsigned int order)
{
	struct pglist_data *pgdat = NODE_DATA(pfn_to_nid(pfn));
	unsigned long node_end = pgdat->node_start_pfn + pgdat->node_spanned_pages;

	pgdat->nr_free += 1UL << order;
	while (order < MAX_PAGE_ORDER) {
		unsigned long buddy_pfn = pfn ^ (1UL << order);
		struct page *buddy = pfn_to_page(buddy_pfn);

		if (buddy_pfn < pgdat->node_start_pfn || buddy_pfn >= node_end ||
		    buddy_pfn >= pgdat->init_pfn || !page_is_buddy(buddy, order))
			break;
		del_from_free_list(pgdat, buddy, order);
		pfn &= buddy_pfn;
		page = pfn_to_page(pfn);
		order++;
	}
	add_to_free_list(pgdat, page, order);
}

/* free_pages_prepare(): scrub every page of the block. */
static void free_pages_prepare(struct page *page, unsigned int order)
{
	unsigned long i, nr = 1UL << order;

	if (page->mapping & FOLIO_MAPPING_ANON)
		mod_mthp_stat(order, MTHP_STAT_NR_ANON, -1);
	for (i = 0; i < nr; i++) {
		struct page *p = page + i;

		VM_BUG_ON_PAGE(p->_refcount, p);
		VM_BUG_ON_PAGE(p->_mapcount != -1, p);
		p->flags = 0;
		p->mapping = 0;
		p->index = 0;
		p->private = 0;
		p->_mapcount = -1;
		p->_refcount = 0;
	}
	count_vm_events(PGFREE, nr);
}

void __free_pages(struct page *page, unsigned int order)
{
	free_pages_prepare(page, order);
	__free_one_page(page, page_to_pfn(page), order);
}

void folio_set_order(struct folio *folio, unsigned int order)
{
	VM_BUG_ON(order == 1 || order > MAX_PAGE_ORDER);
	folio->_flags_1 = (folio->_flags_1 & ~0xffUL) | order;
}

void prep_compound_page(struct page *head, unsigned int order)
{
	struct folio *folio = (struct folio *)head;
	unsigned long i, nr = 1UL << order;

	head->flags |= BIT(PG_head);
	/* The rest of a tail is as free_pages_prepare() left it: zero, -1, 0. */
	for (i = 1; i < nr; i++) {
		head[i].flags = BIT(PG_tail);
		head[i].compound_head = (unsigned long)head;
	}
	folio_set_order(folio, order);
	folio->_large_mapcount = -1;
	folio->_nr_pages_mapped = 0;
	folio->_entire_mapcount = -1;
	folio->_pincount = 0;
	INIT_LIST_HEAD(&folio->_deferred_list);
	folio->_mm_id_mapcount[0] = -1;
	folio->_mm_id_mapcount[1] = -1;
	folio->_mm_ids = 0;
}

struct folio *folio_alloc(gfp_t gfp, unsigned int order)
{
	int nid = current ? current->nid : 0;
	struct page *page = alloc_pages_node(nid, gfp | __GFP_COMP, order);
	struct folio *folio = (struct folio *)page;

	if (folio && order)
		folio_set_large_rmappable(folio);
	return folio;
}

struct folio *vma_alloc_folio(gfp_t gfp, unsigned int order,
			      struct vm_area_struct *vma, unsigned long addr)
{
	(void)vma;
	(void)addr;
	return folio_alloc(gfp, order);
}

unsigned long nr_free_pages_node(int nid)
{
	return NODE_DATA(nid)->nr_free;
}

unsigned long global_free_pages(void)
{
	unsigned long sum = 0;
	int nid;

	for (nid = 0; nid < nr_node_ids; nid++)
		sum += NODE_DATA(nid)->nr_free;
	return sum;
}

unsigned long totalram_pages(void)
{
	unsigned long sum = 0;
	int nid;

	for (nid = 0; nid < nr_node_ids; nid++)
		sum += NODE_DATA(nid)->managed_pages;
	return sum;
}

/* Free blocks of @order, counting the not yet initialized ones as top order. */
unsigned long free_area_count(int nid, unsigned int order)
{
	struct pglist_data *pgdat = NODE_DATA(nid);
	unsigned long n = pgdat->free_area[order].nr_free;

	if (order == MAX_PAGE_ORDER)
		n += (pgdat->node_start_pfn + pgdat->node_spanned_pages -
		      pgdat->init_pfn) >> MAX_PAGE_ORDER;
	return n;
}

void mod_node_page_state(int nid, enum node_stat_item item, long delta)
{
	NODE_DATA(nid)->vm_stat[item] += delta;
}

unsigned long global_node_page_state(enum node_stat_item item)
{
	long sum = 0;
	int nid;

	for (nid = 0; nid < nr_node_ids; nid++)
		sum += NODE_DATA(nid)->vm_stat[item];
	return sum < 0 ? 0 : sum;
}

static void *reserve(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void init_node(int nid, unsigned long start, unsigned long end)
{
	struct pglist_data *pgdat = kzalloc(sizeof(*pgdat));
	int o;

	pgdat->node_id = nid;
	pgdat->node_start_pfn = start;
	pgdat->node_spanned_pages = end - start;
	pgdat->init_pfn = start ? start : RESERVED_PFNS;
	pgdat->managed_pages = end - pgdat->init_pfn;
	pgdat->nr_free = pgdat->managed_pages;
	for (o = 0; o < NR_PAGE_ORDERS; o++)
		INIT_LIST_HEAD(&pgdat->free_area[o].free_list);
	INIT_LIST_HEAD(&pgdat->deferred_split_queue.split_queue);
	node_data[nid] = pgdat;
}

/*
 * Build a machine of @mem_bytes (a multiple of 4 MiB per node, at least
 * 8 MiB) split evenly over @nr_nodes nodes.  Returns 0 or -ENOMEM.
 */
int mm_machine_init(unsigned long mem_bytes, int nr_nodes)
{
	unsigned long pfn, per_node;
	int nid;

	max_pfn = mem_bytes >> PAGE_SHIFT;
	per_node = ALIGN_DOWN(max_pfn / nr_nodes, MAX_ORDER_NR_PAGES);
	if (nr_nodes < 1 || nr_nodes > MAX_NUMNODES || per_node < MAX_ORDER_NR_PAGES ||
	    per_node * nr_nodes <= RESERVED_PFNS)
		return -EINVAL;
	max_pfn = per_node * nr_nodes;
	mem_map_bytes = max_pfn * sizeof(struct page);
	values_bytes = max_pfn * sizeof(u64);
	mem_map = reserve(mem_map_bytes);
	page_values = reserve(values_bytes);
	if (!mem_map || !page_values || pagetable_init()) {
		mm_machine_destroy();
		return -ENOMEM;
	}
	nr_node_ids = nr_nodes;
	for (nid = 0, pfn = 0; nid < nr_nodes; nid++, pfn += per_node)
		init_node(nid, pfn, pfn + per_node);
	for (pfn = 0; pfn < RESERVED_PFNS; pfn++) {
		mem_map[pfn].flags = BIT(PG_reserved);
		mem_map[pfn]._mapcount = -1;
		mem_map[pfn]._refcount = 1;
	}
	zero_pfn = ZERO_PFN;
	vmstat_reset();
	return 0;
}

void mm_machine_destroy(void)
{
	if (mem_map)
		munmap(mem_map, mem_map_bytes);
	if (page_values)
		munmap(page_values, values_bytes);
	pagetable_exit();
	mem_map = NULL;
	page_values = NULL;
	max_pfn = 0;
	nr_node_ids = 0;
	memset(node_data, 0, sizeof(node_data));
	kfree_all();
}
