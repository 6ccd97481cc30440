/*
 * mm.h - pages, folios, the allocator, nodes and tasks: the helpers
 * every simulated mm file uses (include/linux/mm.h, page_ref.h,
 * page-flags.h, mmzone.h, gfp.h in one place).
 */
#ifndef THPSH_MM_MM_H
#define THPSH_MM_MM_H

#include "mm_types.h"
#include "trace.h"
#include "vmstat.h"

/* ---- the machine ---- */

#define MAX_NUMNODES	8

struct free_area {
	struct list_head free_list;	/* free blocks of this order */
	unsigned long nr_free;		/* how many */
};

/* One deferred split queue (per node, and per memcg). */
struct deferred_split {
	spinlock_t split_queue_lock;
	struct list_head split_queue;	/* folios, by _deferred_list */
	unsigned long split_queue_len;
};

struct pglist_data {
	int node_id;
	unsigned long node_start_pfn;	/* first pfn of the node */
	unsigned long node_spanned_pages;	/* pfns it spans */
	unsigned long init_pfn;		/* pfns from here on are not yet in the buddy lists */
	unsigned long nr_free;		/* NR_FREE_PAGES */
	unsigned long managed_pages;	/* pages the buddy allocator may hand out */
	struct free_area free_area[NR_PAGE_ORDERS];
	long vm_stat[NR_VM_NODE_STAT_ITEMS];	/* NR_* in pages */
	struct deferred_split deferred_split_queue;
	/* compaction deferral and kcompactd (compaction.c; the kernel keeps the first three per zone) */
	unsigned int compact_considered;	/* attempts skipped since the last failure */
	unsigned int compact_defer_shift;	/* skip up to 1 << shift attempts */
	int compact_order_failed;		/* lowest order that failed */
	int kcompactd_max_order;		/* the order kcompactd was woken for */
};

struct mem_cgroup;

struct task_struct {
	int pid;			/* process id */
	int ppid;			/* its parent's pid (0 for init) */
	char comm[16];			/* name shown by ps() */
	struct mm_struct *mm;		/* its address space */
	int nid;			/* node it allocates from first */
	struct mem_cgroup *memcg;	/* cgroup it is charged to, or NULL (root) */
	struct list_head tasks;		/* on the task list */
};

extern struct page *mem_map;		/* struct page for every pfn */
extern u64 *page_values;		/* the 64-bit content of every frame */
extern unsigned long max_pfn;		/* pfns are [0, max_pfn) */
extern int nr_node_ids;
extern struct pglist_data *node_data[MAX_NUMNODES];
extern struct task_struct *current;	/* the task commands act on */
extern struct list_head task_list;
extern unsigned long zero_pfn;		/* the shared 4 KiB zero page */

#define NODE_DATA(nid)	(node_data[nid])

int mm_machine_init(unsigned long mem_bytes, int nr_nodes);
int mm_boot(unsigned long mem_bytes, int nr_nodes);
void mm_machine_destroy(void);

/* ---- pfn, page and folio ---- */

static inline struct page *pfn_to_page(unsigned long pfn) { return mem_map + pfn; }
static inline unsigned long page_to_pfn(const struct page *page) { return page - mem_map; }

static inline bool PageTail(const struct page *page)
{
	return page->flags & BIT(PG_tail);
}

static inline struct page *compound_head(const struct page *page)
{
	if (PageTail(page))
		return (struct page *)page->compound_head;
	return (struct page *)(uintptr_t)page;
}

#define page_folio(p)		((struct folio *)compound_head(p))
#define folio_page(f, n)	((struct page *)(f) + (n))
#define page_folio_page(f)	((struct page *)(f))

static inline bool folio_test_large(const struct folio *folio)
{
	return folio->flags & BIT(PG_head);
}

static inline unsigned int folio_order(const struct folio *folio)
{
	return folio_test_large(folio) ? folio->_flags_1 & 0xff : 0;
}

static inline long folio_nr_pages(const struct folio *folio)
{
	return 1L << folio_order(folio);
}

static inline unsigned long folio_pfn(const struct folio *folio)
{
	return page_to_pfn((const struct page *)folio);
}

static inline struct folio *folio_next(struct folio *folio)
{
	return (struct folio *)folio_page(folio, folio_nr_pages(folio));
}

static inline bool folio_test_pmd_mappable(const struct folio *folio)
{
	return folio_order(folio) >= HPAGE_PMD_ORDER;
}

/* Inline: every rmap change asks for a folio's node (its statistics). */
static inline int pfn_to_nid(unsigned long pfn)
{
	int nid;

	for (nid = nr_node_ids - 1; nid > 0; nid--)
		if (pfn >= node_data[nid]->node_start_pfn)
			break;
	return nid;
}

static inline int folio_nid(const struct folio *folio) { return pfn_to_nid(folio_pfn(folio)); }

/* Page flags, on the page itself (PF_ANY) or on the folio's head. */
#define PAGEFLAG(Name, bit)							\
static inline bool folio_test_##Name(const struct folio *f) { return f->flags & BIT(bit); }	\
static inline void folio_set_##Name(struct folio *f) { f->flags |= BIT(bit); }		\
static inline void folio_clear_##Name(struct folio *f) { f->flags &= ~BIT(bit); }
PAGEFLAG(locked, PG_locked)
PAGEFLAG(writeback, PG_writeback)
PAGEFLAG(referenced, PG_referenced)
PAGEFLAG(uptodate, PG_uptodate)
PAGEFLAG(dirty, PG_dirty)
PAGEFLAG(lru, PG_lru)
PAGEFLAG(active, PG_active)
PAGEFLAG(swapbacked, PG_swapbacked)
PAGEFLAG(swapcache, PG_swapcache)
PAGEFLAG(mlocked, PG_mlocked)
PAGEFLAG(unevictable, PG_unevictable)
PAGEFLAG(young, PG_young)
#undef PAGEFLAG

/* Flags of a large folio kept in page[1] (FOLIO_SECOND_PAGE). */
#define FOLIO_SECOND_FLAG(Name, bit)						\
static inline bool folio_test_##Name(const struct folio *f)			\
{ return folio_test_large(f) && (f->_flags_1 & BIT(bit)); }			\
static inline void folio_set_##Name(struct folio *f) { f->_flags_1 |= BIT(bit); }	\
static inline void folio_clear_##Name(struct folio *f) { f->_flags_1 &= ~BIT(bit); }
FOLIO_SECOND_FLAG(partially_mapped, PG_partially_mapped)
FOLIO_SECOND_FLAG(large_rmappable, PG_large_rmappable)
#undef FOLIO_SECOND_FLAG

static inline bool PageAnonExclusive(const struct page *page)
{
	return page->flags & BIT(PG_anon_exclusive);
}
static inline void SetPageAnonExclusive(struct page *page) { page->flags |= BIT(PG_anon_exclusive); }
static inline void ClearPageAnonExclusive(struct page *page) { page->flags &= ~BIT(PG_anon_exclusive); }
static inline bool PageHead(const struct page *page) { return page->flags & BIT(PG_head); }

static inline bool folio_test_anon(const struct folio *folio)
{
	return folio->mapping & FOLIO_MAPPING_ANON;
}

static inline struct anon_vma *folio_anon_vma(const struct folio *folio)
{
	if (!folio_test_anon(folio))
		return NULL;
	return (struct anon_vma *)(folio->mapping - FOLIO_MAPPING_ANON);
}

static inline unsigned int folio_memcg_id(const struct folio *folio)
{
	return (folio->flags >> MEMCG_PGSHIFT) & MEMCG_PGMASK;
}

static inline void folio_set_memcg_id(struct folio *folio, unsigned int id)
{
	folio->flags &= ~(MEMCG_PGMASK << MEMCG_PGSHIFT);
	folio->flags |= (unsigned long)id << MEMCG_PGSHIFT;
}

/* ---- references (include/linux/page_ref.h, mm.h) ---- */

static inline int folio_ref_count(const struct folio *folio) { return folio->_refcount; }
static inline void folio_ref_add(struct folio *folio, int nr) { folio->_refcount += nr; }
static inline void folio_ref_sub(struct folio *folio, int nr) { folio->_refcount -= nr; }
static inline void folio_get(struct folio *folio)
{
	VM_BUG_ON_FOLIO(folio->_refcount <= 0, folio);
	folio->_refcount++;
}

static inline bool folio_try_get(struct folio *folio)
{
	if (!folio->_refcount)
		return false;
	folio->_refcount++;
	return true;
}

/* Freeze: succeed only if exactly @count references are held. */
static inline bool folio_ref_freeze(struct folio *folio, int count)
{
	if (folio->_refcount != count)
		return false;
	folio->_refcount = 0;
	return true;
}

static inline void folio_ref_unfreeze(struct folio *folio, int count)
{
	VM_BUG_ON_FOLIO(folio->_refcount != 0, folio);
	folio->_refcount = count;
}

void __folio_put(struct folio *folio);
void folio_put_refs(struct folio *folio, int refs);
void folio_mark_accessed(struct folio *folio);

/* A per-CPU batch of folios on their way between LRU lists (pagevec.h). */
#define PAGEVEC_SIZE	31
struct folio_batch {
	unsigned int nr;			/* folios in it */
	struct folio *folios[PAGEVEC_SIZE];	/* each holding a reference */
};

extern struct folio_batch lru_lazyfree;
void lru_lazyfree_reset(void);
void folio_mark_lazyfree(struct folio *folio);
void lru_add_drain(void);
void lru_add_drain_all(void);

/* MADV_FREE'd: anonymous but no longer swap-backed. */
static inline bool folio_test_lazyfree(const struct folio *folio)
{
	return folio_test_anon(folio) && !folio_test_swapbacked(folio);
}

static inline void folio_put(struct folio *folio)
{
	VM_BUG_ON_FOLIO(folio->_refcount <= 0, folio);
	if (--folio->_refcount == 0)
		__folio_put(folio);
}

static inline void put_page(struct page *page) { folio_put(page_folio(page)); }

/* ---- mapcounts (include/linux/mm.h with CONFIG_PAGE_MAPCOUNT) ---- */

static inline int folio_large_mapcount(const struct folio *folio)
{
	return folio->_large_mapcount + 1;
}

static inline int folio_entire_mapcount(const struct folio *folio)
{
	return folio->_entire_mapcount + 1;
}

static inline int folio_mapcount(const struct folio *folio)
{
	if (!folio_test_large(folio))
		return folio->_mapcount + 1;
	return folio_large_mapcount(folio);
}

static inline bool folio_mapped(const struct folio *folio)
{
	return folio_mapcount(folio) >= 1;
}

/* The mappings of one page: its PTEs plus PMDs of its folio. */
static inline int folio_precise_page_mapcount(const struct folio *folio,
					      const struct page *page)
{
	int mapcount = page->_mapcount + 1;

	if (folio_test_large(folio))
		mapcount += folio_entire_mapcount(folio);
	return mapcount;
}

static inline bool folio_maybe_mapped_shared(const struct folio *folio)
{
	if (!folio_test_large(folio))
		return folio->_mapcount > 0;
	return folio->_mm_ids & FOLIO_MM_IDS_SHARED_BIT;
}

#define GUP_PIN_COUNTING_BIAS	1024

static inline bool folio_maybe_dma_pinned(const struct folio *folio)
{
	if (folio_test_large(folio))
		return folio->_pincount > 0;
	return folio_ref_count(folio) >= GUP_PIN_COUNTING_BIAS;
}

/* ---- folio locking ---- */

static inline bool folio_trylock(struct folio *folio)
{
	if (folio_test_locked(folio))
		return false;
	folio_set_locked(folio);
	return true;
}

static inline void folio_lock(struct folio *folio)
{
	VM_BUG_ON_FOLIO(folio_test_locked(folio), folio);
	folio_set_locked(folio);
}

static inline void folio_unlock(struct folio *folio)
{
	VM_BUG_ON_FOLIO(!folio_test_locked(folio), folio);
	folio_clear_locked(folio);
}

/* ---- the allocator (mm/page_alloc.c) ---- */

typedef unsigned int gfp_t;
#define __GFP_ZERO	0x100u
#define __GFP_COMP	0x40000u
#define __GFP_THISNODE	0x200000u
#define GFP_KERNEL	0x0u
#define GFP_HIGHUSER_MOVABLE	0x1u
#define GFP_TRANSHUGE	(GFP_HIGHUSER_MOVABLE | __GFP_COMP)
/*
 * Reclaim bits only THP allocations set (vma_thp_gfp_mask, khugepaged,
 * MADV_COLLAPSE): thpsh's GFP_TRANSHUGE is the kernel's
 * GFP_TRANSHUGE_LIGHT, so no other allocation compacts.
 */
#define __GFP_KSWAPD_RECLAIM	0x800u
#define __GFP_DIRECT_RECLAIM	0x400u
#define __GFP_NORETRY		0x10000u
#define PAGE_ALLOC_COSTLY_ORDER	3

struct page *alloc_pages_node(int nid, gfp_t gfp, unsigned int order);
void __free_pages(struct page *page, unsigned int order);
struct folio *folio_alloc(gfp_t gfp, unsigned int order);
struct folio *vma_alloc_folio(gfp_t gfp, unsigned int order,
			      struct vm_area_struct *vma, unsigned long addr);
void prep_compound_page(struct page *head, unsigned int order);
void folio_set_order(struct folio *folio, unsigned int order);

/* A tail page becomes a page of its own: inline, a split does it for 511. */
static inline void clear_compound_head(struct page *page)
{
	page->flags &= ~BIT(PG_tail);
	page->compound_head = 0;
	page->_tail_word2 = 0;
	page->_tail_word3 = 0;
}

unsigned long nr_free_pages_node(int nid);
unsigned long global_free_pages(void);
unsigned long totalram_pages(void);
unsigned long free_area_count(int nid, unsigned int order);

/* Memory contents: one 64-bit value per frame. */
static inline u64 page_value(const struct page *page) { return page_values[page_to_pfn(page)]; }
static inline void set_page_value(struct page *page, u64 v) { page_values[page_to_pfn(page)] = v; }
static inline void copy_user_highpage(struct page *to, const struct page *from)
{
	set_page_value(to, page_value(from));
}
static inline bool pages_identical(const struct page *a, const struct page *b)
{
	return page_value(a) == page_value(b);
}

static inline struct page *ZERO_PAGE(unsigned long addr)
{
	(void)addr;
	return pfn_to_page(zero_pfn);
}

static inline bool is_zero_pfn(unsigned long pfn) { return pfn == zero_pfn; }

/* ---- counters ---- */

static inline void add_mm_counter(struct mm_struct *mm, int member, long value)
{
	mm->rss_stat[member] += value;
}

static inline long get_mm_counter(const struct mm_struct *mm, int member)
{
	return mm->rss_stat[member];
}

/* mod_node_page_state() of the folio's node, inline: two per PTE mapped or unmapped. */
static inline void lruvec_stat_mod_folio(struct folio *folio, enum node_stat_item item, long nr)
{
	NODE_DATA(folio_nid(folio))->vm_stat[item] += nr;
}

/* ---- tasks (kernel/fork.c, kernel/exit.c) ---- */

struct task_struct *find_task_by_vpid(int pid);
struct task_struct *task_create_init(void);
int kernel_clone(struct task_struct *parent);
void do_exit(struct task_struct *tsk);

#endif /* THPSH_MM_MM_H */
