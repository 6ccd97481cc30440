/*
 * khugepaged.c - collapsing 4K pages back into a PMD THP (mm/khugepaged.c):
 * the khugepaged scan and MADV_COLLAPSE, which share
 * hpage_collapse_scan_pmd -> collapse_huge_page for anonymous memory and
 * hpage_collapse_scan_file -> collapse_file -> retract_page_tables (then
 * collapse_pte_mapped_thp) for shmem: tmpfs files and shared anonymous
 * memory, collapsed in the page cache.
 *
 * Who is scanned: an mm joins khugepaged's list (an mm_slot) when one of
 * its VMAs could hold a THP: at MADV_HUGEPAGE, at a THP fault, at the
 * mmap of a shmem VMA, at fork of a listed mm (khugepaged_enter_vma,
 * khugepaged_fork); it leaves when
 * it exits.  A wake-up (khugepaged_do_scan) goes on from a cursor kept
 * between wake-ups, one PMD range at a time, until it has accounted for
 * pages_to_scan pages or gone round the list.  MADV_COLLAPSE scans just
 * the ranges it was given, without khugepaged's limits (max_ptes_none,
 * max_ptes_swap, max_ptes_shared) and without asking for young pages.
 *
 * Simplifications: there is no khugepaged thread, khugepaged() runs one
 * wake-up synchronously; there is no mmap_lock to drop, so nothing can
 * change while collapse_huge_page allocates and it revalidates once.
 *
 * One collapse, worked through (pages 0..99 written, 412 PTEs none):
 *
 *   hpage_collapse_scan_pmd   read the 512 PTEs: 412 none <= max_ptes_none
 *                             511, 100 young -> SCAN_SUCCEED
 *   collapse_huge_page
 *     alloc_charge_folio      a new order-9 folio: thp_collapse_alloc +1
 *     pmdp_collapse_flush     PMD -> none; the PTE table hangs off _pmd
 *     __collapse_huge_page_isolate   lock each of the 100 folios, check
 *                             its refcount, take it off the LRU
 *     __collapse_huge_page_copy      100 values copied, 412 pages zeroed;
 *                             PTEs cleared, old folios freed, MM_ANONPAGES
 *                             +412
 *     deposit the emptied PTE table, PMD -> the new folio
 *   events: mm_collapse_huge_page_isolate, mm_collapse_huge_page,
 *           mm_khugepaged_scan_pmd (FACTS.md "MADV_COLLAPSE")
 *
 * What stops a collapse is a scan result (enum scan_result), which the
 * tracepoints print by the live kernel's table; thpsh also keeps it, with
 * the PTE that decided and the reason in words, for khugepaged{explain}
 * and madvise(..., "collapse").
 *
 * Swap PTEs count against max_ptes_swap (khugepaged only), and a
 * collapse first swaps them in with do_swap_page, one fault each
 * (__collapse_huge_page_swapin, FACTS.md "Swap"); on shmem the swap
 * entries in the page cache count so, and collapse_file reads them back
 * with shmem_swapin_folio.  The other non-present
 * PTEs, migration entries, only exist inside a folio split, which no
 * scan can meet.
 */
#include "khugepaged.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "huge_mm.h"
#include "memcontrol.h"
#include "rmap.h"
#include "shmem_fs.h"
#include "slab.h"
#include "swap.h"

unsigned int khugepaged_max_ptes_none;
unsigned int khugepaged_max_ptes_swap;
unsigned int khugepaged_max_ptes_shared;
unsigned int khugepaged_pages_to_scan;
unsigned int khugepaged_pages_collapsed;
unsigned int khugepaged_full_scans;

/* The names of enum scan_result and the tracepoints' strings for them. */
static const char *const scan_result_names[NR_SCAN_RESULTS][2] = {
	{ "SCAN_FAIL", "failed" },
	{ "SCAN_SUCCEED", "succeeded" },
	{ "SCAN_PMD_NULL", "pmd_null" },
	{ "SCAN_PMD_NONE", "pmd_none" },
	{ "SCAN_PMD_MAPPED", "page_pmd_mapped" },
	{ "SCAN_EXCEED_NONE_PTE", "exceed_none_pte" },
	{ "SCAN_EXCEED_SWAP_PTE", "exceed_swap_pte" },
	{ "SCAN_EXCEED_SHARED_PTE", "exceed_shared_pte" },
	{ "SCAN_PTE_NON_PRESENT", "pte_non_present" },
	{ "SCAN_PTE_UFFD_WP", "pte_uffd_wp" },
	{ "SCAN_PTE_MAPPED_HUGEPAGE", "pte_mapped_hugepage" },
	{ "SCAN_LACK_REFERENCED_PAGE", "lack_referenced_page" },
	{ "SCAN_PAGE_NULL", "page_null" },
	{ "SCAN_SCAN_ABORT", "scan_aborted" },
	{ "SCAN_PAGE_COUNT", "not_suitable_page_count" },
	{ "SCAN_PAGE_LRU", "page_not_in_lru" },
	{ "SCAN_PAGE_LOCK", "page_locked" },
	{ "SCAN_PAGE_ANON", "page_not_anon" },
	{ "SCAN_PAGE_COMPOUND", "page_compound" },
	{ "SCAN_ANY_PROCESS", "no_process_for_page" },
	{ "SCAN_VMA_NULL", "vma_null" },
	{ "SCAN_VMA_CHECK", "vma_check_failed" },
	{ "SCAN_ADDRESS_RANGE", "not_suitable_address_range" },
	{ "SCAN_DEL_PAGE_LRU", "could_not_delete_page_from_lru" },
	{ "SCAN_ALLOC_HUGE_PAGE_FAIL", "alloc_huge_page_failed" },
	{ "SCAN_CGROUP_CHARGE_FAIL", "ccgroup_charge_failed" },
	{ "SCAN_TRUNCATED", "truncated" },
	{ "SCAN_PAGE_HAS_PRIVATE", "page_has_private" },
	{ "SCAN_STORE_FAILED", "store_failed" },
	{ "SCAN_COPY_MC", "copy_poisoned_page" },
	{ "SCAN_PAGE_FILLED", "page_filled" },
};

const char *scan_result_name(enum scan_result result)
{
	return scan_result_names[result][0];
}

const char *scan_result_status(enum scan_result result)
{
	return scan_result_names[result][1];
}

/* An mm on khugepaged's list (mm/mm_slot.h). */
struct mm_slot {
	struct list_head mm_node;	/* on khugepaged_scan.mm_head */
	struct mm_struct *mm;		/* the mm it stands for */
};

/* The one scan cursor: where the next wake-up goes on. */
struct khugepaged_scan {
	struct list_head mm_head;	/* every mm_slot, oldest first */
	struct mm_slot *mm_slot;	/* the mm being scanned; NULL: start from the head */
	unsigned long address;		/* the next PMD range in it */
};

static struct khugepaged_scan khugepaged_scan;
static spinlock_t khugepaged_mm_lock;

struct collapse_control {
	bool is_khugepaged;		/* khugepaged's limits apply, young pages wanted */
	u32 node_load[MAX_NUMNODES];	/* pages scanned, per node */
	unsigned long alloc_nmask;	/* nodes the new THP may come from */
	/* thpsh, for the reports: */
	unsigned long address;		/* the PMD range scanned */
	int scan_pte;			/* the PTE the result was decided at */
	struct folio *scan_folio;	/* the folio it maps, or NULL */
	unsigned long new_pfn;		/* the THP made */
};

void khugepaged_reset(void)
{
	khugepaged_max_ptes_none = HPAGE_PMD_NR - 1;
	khugepaged_max_ptes_swap = HPAGE_PMD_NR / 8;
	khugepaged_max_ptes_shared = HPAGE_PMD_NR / 2;
	khugepaged_pages_to_scan = HPAGE_PMD_NR * 8;
	khugepaged_pages_collapsed = 0;
	khugepaged_full_scans = 0;
	/* the mm_slots went with the machine's other objects */
	INIT_LIST_HEAD(&khugepaged_scan.mm_head);
	khugepaged_scan.mm_slot = NULL;
	khugepaged_scan.address = 0;
	khugepaged_mm_lock.held = false;
	collapse_report_stop();
}

/* ---- the reports (thpsh) ---- */

static struct collapse_report *reports;
static size_t nr_reports, reports_cap;
static bool reporting;

void collapse_report_start(void)
{
	nr_reports = 0;
	reporting = true;
}

void collapse_report_stop(void)
{
	reporting = false;
}

size_t collapse_report_count(void)
{
	return nr_reports;
}

const struct collapse_report *collapse_report_get(size_t i)
{
	return i < nr_reports ? &reports[i] : NULL;
}

static struct collapse_report *collapse_report_new(struct mm_struct *mm,
						   const struct collapse_control *cc)
{
	struct collapse_report *r;

	if (nr_reports == reports_cap) {
		size_t cap = reports_cap ? 2 * reports_cap : 64;
		struct collapse_report *n = realloc(reports, cap * sizeof(*n));

		if (!n)
			return NULL;
		reports = n;
		reports_cap = cap;
	}
	r = &reports[nr_reports++];
	memset(r, 0, sizeof(*r));
	r->pid = mm->owner ? mm->owner->pid : 0;
	r->by_khugepaged = cc->is_khugepaged;
	r->pfn = -1;
	r->then = NR_SCAN_RESULTS;
	return r;
}

__attribute__((format(printf, 2, 3)))
static void why(struct collapse_report *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
}

/* The limit on none/zero, swap or shared PTEs this collapse honours. */
static unsigned int collapse_limit(const struct collapse_control *cc, unsigned int max)
{
	return cc->is_khugepaged ? max : HPAGE_PMD_NR;
}

/* One reference per mapping, plus the swap or page cache's (include/linux/mm.h). */
static int folio_expected_ref_count(const struct folio *folio)
{
	int ref_count = 0;

	if (folio_test_anon(folio))
		ref_count += folio_test_swapcache(folio) ? (int)folio_nr_pages(folio) : 0;
	else if (folio->mapping)
		ref_count += (int)folio_nr_pages(folio);
	return ref_count + folio_mapcount(folio);
}

/* The reason for @r->result in words, from what the scan left in @cc. */
static void explain_scan(struct collapse_report *r, const struct collapse_control *cc)
{
	struct folio *folio = cc->scan_folio;
	int i = cc->scan_pte;

	switch (r->result) {
	case SCAN_SUCCEED:
		why(r, "collapsed into the THP at pfn %#lx", cc->new_pfn);
		break;
	case SCAN_PMD_MAPPED:
		why(r, "already mapped by a huge PMD: nothing to do (counts as success)");
		break;
	case SCAN_PMD_NONE:
		why(r, "the PMD is none: no page table (never faulted, or zapped)");
		break;
	case SCAN_PMD_NULL:
		why(r, "no PMD table covers the range");
		break;
	case SCAN_EXCEED_NONE_PTE:
		why(r, "pte %d: %d none or zero-page PTEs > max_ptes_none %u", i,
		    r->none_or_zero, collapse_limit(cc, khugepaged_max_ptes_none));
		break;
	case SCAN_EXCEED_SWAP_PTE:
		why(r, "pte %d: %d swap PTEs > max_ptes_swap %u", i, r->unmapped,
		    collapse_limit(cc, khugepaged_max_ptes_swap));
		break;
	case SCAN_EXCEED_SHARED_PTE:
		why(r, "pte %d: more than max_ptes_shared %u PTEs map pages another process maps too",
		    i, collapse_limit(cc, khugepaged_max_ptes_shared));
		break;
	case SCAN_LACK_REFERENCED_PAGE:
		why(r, "no PTE young and no page referenced: khugepaged collapses only memory in use");
		break;
	case SCAN_PAGE_COUNT:
		why(r, "pte %d: folio pfn %#lx has refcount %d, its mappings explain %d "
		    "(a GUP pin holds it)", i, folio_pfn(folio), folio_ref_count(folio),
		    folio_expected_ref_count(folio));
		break;
	case SCAN_PAGE_LRU:
	case SCAN_DEL_PAGE_LRU:
		why(r, "pte %d: folio pfn %#lx is not on an LRU list", i, folio_pfn(folio));
		break;
	case SCAN_PAGE_LOCK:
		why(r, "pte %d: folio pfn %#lx is locked", i, folio_pfn(folio));
		break;
	case SCAN_PAGE_NULL:
		why(r, "pte %d maps no normal page", i);
		break;
	case SCAN_PTE_NON_PRESENT:
		why(r, "pte %d is not present", i);
		break;
	case SCAN_ALLOC_HUGE_PAGE_FAIL:
		why(r, "no free order-9 block for the new THP");
		break;
	case SCAN_CGROUP_CHARGE_FAIL:
		why(r, "the memory cgroup cannot take 512 more pages (memory.max)");
		break;
	default:
		why(r, "%s", scan_result_status(r->result));
		break;
	}
}

/* The reason for a page-cache scan's @r->result in words. */
static void explain_scan_file(struct collapse_report *r, const struct collapse_control *cc)
{
	struct folio *folio = cc->scan_folio;
	int i = cc->scan_pte;

	switch (r->result) {
	case SCAN_SUCCEED:
		why(r, "collapsed into the page-cache THP at pfn %#lx; the page tables "
		    "mapping the range were retracted (the next fault maps it by PMD)", cc->new_pfn);
		break;
	case SCAN_PTE_MAPPED_HUGEPAGE:
		if (cc->new_pfn)
			why(r, "collapsed into the page-cache THP at pfn %#lx", cc->new_pfn);
		else
			why(r, "index %d: the page cache holds a THP already (pfn %#lx): only "
			    "its mapping is left to do (collapse_pte_mapped_thp)", i, folio_pfn(folio));
		break;
	case SCAN_EXCEED_NONE_PTE:
		why(r, "%d of 512 pages in the page cache: %d holes > max_ptes_none %u",
		    r->present, HPAGE_PMD_NR - r->present - r->unmapped,
		    collapse_limit(cc, khugepaged_max_ptes_none));
		break;
	case SCAN_EXCEED_SWAP_PTE:
		why(r, "index %d: %d pages on swap > max_ptes_swap %u", i, r->unmapped,
		    collapse_limit(cc, khugepaged_max_ptes_swap));
		break;
	case SCAN_PAGE_COUNT:
		why(r, "index %d: folio pfn %#lx has refcount %d, the cache and its mappings "
		    "explain %d (a GUP pin holds it)", i, folio_pfn(folio), folio_ref_count(folio),
		    folio_expected_ref_count(folio));
		break;
	case SCAN_PAGE_LRU:
	case SCAN_DEL_PAGE_LRU:
		why(r, "index %d: folio pfn %#lx is not on an LRU list", i, folio_pfn(folio));
		break;
	case SCAN_TRUNCATED:
		why(r, "the page cache holds nothing in the range (never written, truncated "
		    "or punched)");
		break;
	case SCAN_FAIL:
		why(r, "the tmpfs has no room for the %d holes the THP would fill",
		    HPAGE_PMD_NR - r->present);
		break;
	default:
		explain_scan(r, cc);
		break;
	}
}

/* thpsh's probe on mm_khugepaged_scan_pmd: one report per PMD range. */
static void collapse_report_scan(struct mm_struct *mm, const struct collapse_control *cc,
				 long pfn, int referenced, int none_or_zero,
				 enum scan_result result, int unmapped)
{
	struct collapse_report *r = collapse_report_new(mm, cc);

	if (!r)
		return;
	r->start = cc->address;
	r->end = cc->address + HPAGE_PMD_SIZE;
	r->result = result;
	r->traced = true;
	r->none_or_zero = none_or_zero;
	r->referenced = referenced;
	r->unmapped = unmapped;
	r->pfn = result == SCAN_SUCCEED ? (long)cc->new_pfn : pfn;
	explain_scan(r, cc);
}

/* Why thp_vma_allowable_order() refuses a shmem VMA (VM_NOHUGEPAGE etc. tested already). */
static const char *shmem_vma_refusal(struct vm_area_struct *vma, const struct collapse_control *cc)
{
	if (shmem_huge == SHMEM_HUGE_DENY)
		return "shmem_enabled is \"deny\": no shmem THP at all";
	if (!thp_vma_suitable_order(vma, vma->vm_end - HPAGE_PMD_SIZE, PMD_ORDER))
		return "the VMA holds no 2 MiB range whose file offset is 2 MiB-aligned too";
	if (cc->is_khugepaged && vma_is_anon_shmem(vma))
		return "shmem_enabled (and hugepages-2048kB/shmem_enabled) allow no PMD THP here";
	if (cc->is_khugepaged)
		return "the tmpfs mount's huge= option allows no PMD THP here "
		       "(\"never\", or \"advise\" without madvise \"hugepage\")";
	return "thp_vma_allowable_order() refuses the VMA";
}

/* Why thp_vma_allowable_order() refuses @vma, in words. */
static const char *thp_vma_refusal(struct vm_area_struct *vma, const struct collapse_control *cc)
{
	unsigned long mask = huge_anon_orders_always;

	if (vma->vm_flags & VM_NOHUGEPAGE)
		return "VM_NOHUGEPAGE: madvise \"nohugepage\" keeps THPs out";
	if (vma->vm_mm->flags & BIT(MMF_DISABLE_THP))
		return "MMF_DISABLE_THP: THPs are off for the whole process";
	if (!vma_is_anonymous(vma))
		return shmem_vma_refusal(vma, cc);
	if (vma->vm_flags & VM_HUGEPAGE)
		mask |= huge_anon_orders_madvise;
	if (hugepage_global_always() || ((vma->vm_flags & VM_HUGEPAGE) && hugepage_global_enabled()))
		mask |= huge_anon_orders_inherit;
	if (cc->is_khugepaged && !(mask & BIT(PMD_ORDER)))
		return "the sysfs \"enabled\" settings allow no PMD THP here "
		       "(\"madvise\" without madvise \"hugepage\", or \"never\")";
	if (!thp_vma_suitable_order(vma, vma->vm_end - HPAGE_PMD_SIZE, PMD_ORDER))
		return "the VMA holds no 2 MiB-aligned 2 MiB range";
	if (!vma->anon_vma)
		return "no anon_vma: nothing in the VMA was ever written";
	return "thp_vma_allowable_order() refuses the VMA";
}

/* A VMA (part) refused before any PMD range was scanned: no event fires. */
static void collapse_report_vma(struct vm_area_struct *vma, unsigned long start,
				unsigned long end, const struct collapse_control *cc,
				const char *reason)
{
	struct collapse_report *r;

	if (!reporting || !(r = collapse_report_new(vma->vm_mm, cc)))
		return;
	r->start = start;
	r->end = end;
	r->result = SCAN_VMA_CHECK;
	why(r, "%s", reason);
}

/* What collapse_pte_mapped_thp made of the last page-cache report's THP. */
static void collapse_report_then(enum scan_result result)
{
	struct collapse_report *r = nr_reports ? &reports[nr_reports - 1] : NULL;
	size_t n;

	if (!reporting || !r || !r->file)
		return;
	n = strlen(r->why);
	snprintf(r->why + n, sizeof(r->why) - n, "; collapse_pte_mapped_thp: %s",
		 scan_result_name(result));
	r->then = result;
}

/* ---- the tracepoints (include/trace/events/huge_memory.h) ---- */

static long folio_scan_pfn(const struct folio *folio)
{
	return folio ? (long)folio_pfn(folio) : -1;
}

static void trace_mm_khugepaged_scan_pmd(struct mm_struct *mm, struct collapse_control *cc,
					 struct folio *folio, int referenced,
					 int none_or_zero, enum scan_result status,
					 int unmapped)
{
	TP_EMIT({ "mm_khugepaged_scan_pmd", 6, {
		  { "mm", NULL, mm->mm_id },
		  { "scan_pfn", NULL, folio_scan_pfn(folio) },
		  { "referenced", NULL, referenced },
		  { "none_or_zero", NULL, none_or_zero },
		  { "status", scan_result_status(status), 0 },
		  { "unmapped", NULL, unmapped } } });
	if (reporting)
		collapse_report_scan(mm, cc, folio_scan_pfn(folio), referenced, none_or_zero,
				     status, unmapped);
}

static void trace_mm_collapse_huge_page(struct mm_struct *mm, int isolated,
					enum scan_result status)
{
	TP_EMIT({ "mm_collapse_huge_page", 3, {
		  { "mm", NULL, mm->mm_id },
		  { "isolated", NULL, isolated },
		  { "status", scan_result_status(status), 0 } } });
}

static void trace_mm_collapse_huge_page_isolate(struct folio *folio, int none_or_zero,
						int referenced, enum scan_result status)
{
	TP_EMIT({ "mm_collapse_huge_page_isolate", 4, {
		  { "scan_pfn", NULL, folio_scan_pfn(folio) },
		  { "none_or_zero", NULL, none_or_zero },
		  { "referenced", NULL, referenced },
		  { "status", scan_result_status(status), 0 } } });
}

static void trace_mm_collapse_huge_page_swapin(struct mm_struct *mm, int swapped_in,
					       int referenced, enum scan_result ret)
{
	TP_EMIT({ "mm_collapse_huge_page_swapin", 4, {
		  { "mm", NULL, mm->mm_id },
		  { "swapped_in", NULL, swapped_in },
		  { "referenced", NULL, referenced },
		  { "ret", NULL, ret } } });
}

/* ---- the mm list ---- */

static struct mm_slot *mm_slot_lookup(struct mm_struct *mm)
{
	struct mm_slot *slot;

	list_for_each_entry(slot, &khugepaged_scan.mm_head, mm_node)
		if (slot->mm == mm)
			return slot;
	return NULL;
}

static bool hpage_collapse_test_exit(struct mm_struct *mm)
{
	return mm->mm_users == 0;
}

static bool hpage_collapse_test_exit_or_disable(struct mm_struct *mm)
{
	return hpage_collapse_test_exit(mm) || (mm->flags & BIT(MMF_DISABLE_THP));
}

/* Put @mm at the end of the list: the area settles before it is scanned. */
static void __khugepaged_enter(struct mm_struct *mm)
{
	struct mm_slot *slot;

	KFUNC(0, NULL);
	VM_BUG_ON(hpage_collapse_test_exit(mm));
	if (mm->flags & BIT(MMF_VM_HUGEPAGE))
		return;
	slot = kzalloc(sizeof(*slot));
	if (!slot)
		return;
	mm->flags |= BIT(MMF_VM_HUGEPAGE);
	slot->mm = mm;
	spin_lock(&khugepaged_mm_lock);
	list_add_tail(&slot->mm_node, &khugepaged_scan.mm_head);
	spin_unlock(&khugepaged_mm_lock);
	KNOTE("pid %d's mm joins khugepaged's list", mm->owner ? mm->owner->pid : 0);
}

/*
 * shmem_hpage_pmd_enabled(): may shared anonymous memory get a PMD THP?
 * (tmpfs mounts are not asked: a huge= mount with THP off otherwise
 * gets no khugepaged, as in the kernel.)
 */
static bool shmem_hpage_pmd_enabled(void)
{
	if (shmem_huge == SHMEM_HUGE_DENY)
		return false;
	if ((huge_shmem_orders_always | huge_shmem_orders_madvise |
	     huge_shmem_orders_within_size) & BIT(PMD_ORDER))
		return true;
	return (huge_shmem_orders_inherit & BIT(PMD_ORDER)) && shmem_huge != SHMEM_HUGE_NEVER;
}

/*
 * May any VMA get a PMD THP?  Else khugepaged does not run at all.
 * (The live kernel has no CONFIG_READ_ONLY_THP_FOR_FS.)
 */
static bool hugepage_pmd_enabled(void)
{
	return ((huge_anon_orders_always | huge_anon_orders_madvise) & BIT(PMD_ORDER)) ||
	       ((huge_anon_orders_inherit & BIT(PMD_ORDER)) && hugepage_global_enabled()) ||
	       shmem_hpage_pmd_enabled();
}

static bool khugepaged_has_work(void)
{
	return !list_empty(&khugepaged_scan.mm_head) && hugepage_pmd_enabled();
}

static bool mm_slot_is_last(const struct mm_slot *slot)
{
	return slot->mm_node.next == &khugepaged_scan.mm_head;
}

static struct mm_slot *mm_slot_next(const struct mm_slot *slot)
{
	return mm_slot_is_last(slot) ? NULL : list_entry(slot->mm_node.next, struct mm_slot, mm_node);
}

/* A VMA of @vma's mm may hold a THP now: register the mm. */
void khugepaged_enter_vma(struct vm_area_struct *vma, unsigned long vm_flags)
{
	if (!(vma->vm_mm->flags & BIT(MMF_VM_HUGEPAGE)) && hugepage_pmd_enabled() &&
	    thp_vma_allowable_order(vma, vm_flags, TVA_KHUGEPAGED, PMD_ORDER))
		__khugepaged_enter(vma->vm_mm);
}

/* A child of a registered mm is registered too. */
void khugepaged_fork(struct mm_struct *mm, struct mm_struct *oldmm)
{
	if (oldmm->flags & BIT(MMF_VM_HUGEPAGE))
		__khugepaged_enter(mm);
}

/*
 * @mm is going away: off the list.  Simplification: the kernel keeps the
 * mm_struct (mmgrab) and lets the scan collect a slot under its cursor;
 * thpsh frees the mm at once, so the cursor steps past it here.
 */
void khugepaged_exit(struct mm_struct *mm)
{
	struct mm_slot *slot;

	if (!(mm->flags & BIT(MMF_VM_HUGEPAGE)))
		return;
	spin_lock(&khugepaged_mm_lock);
	slot = mm_slot_lookup(mm);
	BUG_ON(!slot);
	if (slot == khugepaged_scan.mm_slot) {
		khugepaged_scan.mm_slot = mm_slot_next(slot);
		khugepaged_scan.address = 0;
	}
	list_del_init(&slot->mm_node);
	spin_unlock(&khugepaged_mm_lock);
	mm->flags &= ~BIT(MMF_VM_HUGEPAGE);
	kfree(slot);
}

/* check(): the list holds each live registered mm once, and only those. */
int khugepaged_check(char *msg, size_t len)
{
	struct mm_slot *slot, *other;
	struct task_struct *t;
	bool cursor_found = !khugepaged_scan.mm_slot;

	if (khugepaged_mm_lock.held)
		return snprintf(msg, len, "khugepaged_mm_lock left held"), -1;
	list_for_each_entry(slot, &khugepaged_scan.mm_head, mm_node) {
		int pid = slot->mm->owner ? slot->mm->owner->pid : 0;

		cursor_found |= slot == khugepaged_scan.mm_slot;
		if (!find_task_by_vpid(pid) || find_task_by_vpid(pid)->mm != slot->mm)
			return snprintf(msg, len, "khugepaged's list holds an mm no process has"), -1;
		if (!(slot->mm->flags & BIT(MMF_VM_HUGEPAGE)))
			return snprintf(msg, len, "pid %d: on khugepaged's list without "
					"MMF_VM_HUGEPAGE", pid), -1;
		list_for_each_entry(other, &khugepaged_scan.mm_head, mm_node)
			if (other != slot && other->mm == slot->mm)
				return snprintf(msg, len, "pid %d: twice on khugepaged's list", pid), -1;
	}
	if (!cursor_found)
		return snprintf(msg, len, "khugepaged's cursor is off its list"), -1;
	list_for_each_entry(t, &task_list, tasks)
		if ((t->mm->flags & BIT(MMF_VM_HUGEPAGE)) && !mm_slot_lookup(t->mm))
			return snprintf(msg, len, "pid %d: MMF_VM_HUGEPAGE but not on "
					"khugepaged's list", t->pid), -1;
	return 0;
}

int khugepaged_mm_pids(int *pids, int max)
{
	struct mm_slot *slot;
	int n = 0;

	list_for_each_entry(slot, &khugepaged_scan.mm_head, mm_node)
		if (n < max)
			pids[n++] = slot->mm->owner ? slot->mm->owner->pid : 0;
	return n;
}

/* ---- scanning one PMD range ---- */

static struct page *pmd_pgtable(pmd_t pmd)
{
	return pfn_to_page(pmd_pfn(pmd));
}

/* The PMD over @address, if it points to a PTE table: SCAN_SUCCEED. */
static enum scan_result find_pmd_or_thp_or_none(struct mm_struct *mm,
						unsigned long address, pmd_t **pmd)
{
	pmd_t pmde;

	*pmd = mm_find_pmd(mm, address);
	if (!*pmd)
		return SCAN_PMD_NULL;
	pmde = pmdp_get(*pmd);
	if (pmd_none(pmde))
		return SCAN_PMD_NONE;
	if (!pmd_present(pmde))
		return SCAN_PMD_NULL;
	if (pmd_trans_huge(pmde))
		return SCAN_PMD_MAPPED;
	return SCAN_SUCCEED;
}

/* Is the VMA at @address still one a THP may go into? */
static enum scan_result hugepage_vma_revalidate(struct mm_struct *mm, unsigned long address,
						bool expect_anon, struct vm_area_struct **vmap,
						struct collapse_control *cc)
{
	enum tva_type type = cc->is_khugepaged ? TVA_KHUGEPAGED : TVA_FORCED_COLLAPSE;
	struct vm_area_struct *vma;

	KFUNC(address, NULL);
	if (hpage_collapse_test_exit_or_disable(mm))
		return SCAN_ANY_PROCESS;
	*vmap = vma = find_vma(mm, address);
	if (!vma)
		return SCAN_VMA_NULL;
	if (!thp_vma_suitable_order(vma, address, PMD_ORDER))
		return SCAN_ADDRESS_RANGE;
	if (!thp_vma_allowable_order(vma, vma->vm_flags, type, PMD_ORDER))
		return SCAN_VMA_CHECK;
	if (expect_anon && (!vma->anon_vma || !vma_is_anonymous(vma)))
		return SCAN_PAGE_ANON;
	return SCAN_SUCCEED;
}

/* Young PTE or referenced folio: in use lately, worth a THP (khugepaged only). */
static bool pte_is_referenced(const struct collapse_control *cc, pte_t pteval,
			      struct folio *folio)
{
	return cc->is_khugepaged &&
	       (pte_young(pteval) || folio_test_young(folio) || folio_test_referenced(folio));
}

static bool pte_none_or_zero(pte_t pte)
{
	return pte_none(pte) || (pte_present(pte) && is_zero_pfn(pte_pfn(pte)));
}

static bool pte_table_empty(pte_t *pte)
{
	int i;

	for (i = 0; i < PTRS_PER_PTE; i++)
		if (!pte_none(ptep_get(pte + i)))
			return false;
	return true;
}

/* Large folios isolated once each (thpsh's folios have no lru list_head). */
struct compound_pagelist {
	struct folio *folios[HPAGE_PMD_NR];
	int nr;
};

static bool compound_pagelist_has(const struct compound_pagelist *list, struct folio *folio)
{
	int i;

	for (i = 0; i < list->nr; i++)
		if (list->folios[i] == folio)
			return true;
	return false;
}

static void release_pte_folio(struct folio *folio)
{
	folio_unlock(folio);
	folio_putback_lru(folio);
}

/* Undo the isolation of the folios behind pte[0 .. _pte). */
static void release_pte_pages(pte_t *pte, pte_t *_pte, struct compound_pagelist *list)
{
	int i;

	while (--_pte >= pte) {
		pte_t pteval = ptep_get(_pte);
		struct folio *folio;

		if (pte_none_or_zero(pteval))
			continue;
		folio = page_folio(pfn_to_page(pte_pfn(pteval)));
		if (!folio_test_large(folio))
			release_pte_folio(folio);
	}
	for (i = 0; i < list->nr; i++)
		release_pte_folio(list->folios[i]);
	list->nr = 0;
}

/*
 * With the PMD cleared, check each PTE again and isolate its folio:
 * locked, no unexpected reference, off the LRU.  SCAN_SUCCEED leaves
 * them so; anything else puts them all back.
 */
static enum scan_result __collapse_huge_page_isolate(struct vm_area_struct *vma,
						     unsigned long address, pte_t *pte,
						     struct collapse_control *cc,
						     struct compound_pagelist *list)
{
	const unsigned int max_ptes_none = collapse_limit(cc, khugepaged_max_ptes_none);
	const unsigned int max_ptes_shared = collapse_limit(cc, khugepaged_max_ptes_shared);
	int none_or_zero = 0, shared = 0, referenced = 0;
	enum scan_result result = SCAN_FAIL;
	struct folio *folio = NULL;
	pte_t *_pte;

	KFUNC(address, NULL);
	for (_pte = pte; _pte < pte + HPAGE_PMD_NR; _pte++, address += PAGE_SIZE) {
		pte_t pteval = ptep_get(_pte);
		struct page *page;

		if (pte_none_or_zero(pteval)) {
			if (++none_or_zero <= (int)max_ptes_none)
				continue;
			result = SCAN_EXCEED_NONE_PTE;
			count_vm_event(THP_SCAN_EXCEED_NONE_PTE);
			goto out;
		}
		if (!pte_present(pteval)) {
			result = SCAN_PTE_NON_PRESENT;
			goto out;
		}
		page = vm_normal_page(vma, address, pteval);
		if (!page) {
			result = SCAN_PAGE_NULL;
			goto out;
		}
		folio = page_folio(page);
		VM_BUG_ON_FOLIO(!folio_test_anon(folio), folio);
		if (folio_maybe_mapped_shared(folio) && ++shared > (int)max_ptes_shared) {
			result = SCAN_EXCEED_SHARED_PTE;
			count_vm_event(THP_SCAN_EXCEED_SHARED_PTE);
			goto out;
		}
		/* each large folio is isolated once, at its first PTE */
		if (folio_test_large(folio) && compound_pagelist_has(list, folio))
			goto next;
		if (!folio_trylock(folio)) {
			result = SCAN_PAGE_LOCK;
			goto out;
		}
		/* The table is unhooked: no new pin can come from this mm. */
		if (folio_expected_ref_count(folio) != folio_ref_count(folio)) {
			folio_unlock(folio);
			result = SCAN_PAGE_COUNT;
			goto out;
		}
		if (!folio_isolate_lru(folio)) {
			folio_unlock(folio);
			result = SCAN_DEL_PAGE_LRU;
			goto out;
		}
		if (folio_test_large(folio))
			list->folios[list->nr++] = folio;
next:
		if (pte_is_referenced(cc, pteval, folio))
			referenced++;
	}
	if (cc->is_khugepaged && !referenced) {
		result = SCAN_LACK_REFERENCED_PAGE;
	} else {
		result = SCAN_SUCCEED;
		trace_mm_collapse_huge_page_isolate(folio, none_or_zero, referenced, result);
		return result;
	}
out:
	cc->scan_pte = _pte - pte;
	cc->scan_folio = folio;
	release_pte_pages(pte, _pte, list);
	trace_mm_collapse_huge_page_isolate(folio, none_or_zero, referenced, result);
	return result;
}

/*
 * The copy is done: unmap and free the old pages, put back the large
 * folios (their last PTEs go, so they are freed too).  A large folio's
 * PTEs are removed in one batch, so it is never partially mapped.
 */
static void __collapse_huge_page_copy_succeeded(pte_t *pte, struct vm_area_struct *vma,
						unsigned long address, spinlock_t *ptl,
						struct compound_pagelist *list)
{
	unsigned long end = address + HPAGE_PMD_SIZE;
	pte_t *_pte;
	int nr_ptes, i;

	for (_pte = pte; _pte < pte + HPAGE_PMD_NR; _pte += nr_ptes,
	     address += nr_ptes * PAGE_SIZE) {
		pte_t pteval = ptep_get(_pte);
		struct page *src_page;
		struct folio *src;

		nr_ptes = 1;
		if (pte_none_or_zero(pteval)) {
			add_mm_counter(vma->vm_mm, MM_ANONPAGES, 1);
			if (pte_none(pteval))
				continue;
			spin_lock(ptl);
			pte_clear(vma->vm_mm, address, _pte);
			spin_unlock(ptl);
			continue;
		}
		src_page = pfn_to_page(pte_pfn(pteval));
		src = page_folio(src_page);
		if (folio_test_large(src))
			nr_ptes = folio_pte_batch(src, _pte, pteval, (end - address) >> PAGE_SHIFT);
		else
			release_pte_folio(src);
		spin_lock(ptl);
		for (i = 0; i < nr_ptes; i++)
			pte_clear(vma->vm_mm, address + i * PAGE_SIZE, _pte + i);
		folio_remove_rmap_ptes(src, src_page, nr_ptes, vma);
		spin_unlock(ptl);
		free_swap_cache(src);
		folio_put_refs(src, nr_ptes);
	}
	for (i = 0; i < list->nr; i++)
		release_pte_folio(list->folios[i]);
	list->nr = 0;
}

/*
 * Copy the 512 pages into @folio: none and zero-page PTEs give zeroed
 * pages.  Simulated memory never has a poisoned page (no SCAN_COPY_MC).
 */
static void __collapse_huge_page_copy(pte_t *pte, struct folio *folio,
				      struct vm_area_struct *vma, unsigned long address,
				      spinlock_t *ptl, struct compound_pagelist *list)
{
	int i;

	KFUNC(address, folio);
	for (i = 0; i < HPAGE_PMD_NR; i++) {
		pte_t pteval = ptep_get(pte + i);
		struct page *page = folio_page(folio, i);

		if (pte_none_or_zero(pteval))
			set_page_value(page, 0);
		else
			copy_user_highpage(page, pfn_to_page(pte_pfn(pteval)));
	}
	__collapse_huge_page_copy_succeeded(pte, vma, address, ptl, list);
	KNOTE("512 pages copied into folio pfn %#lx, the old ones freed", folio_pfn(folio));
}

/* The node most of the pages came from; the equally loaded ones may serve too. */
static int hpage_collapse_find_target_node(struct collapse_control *cc)
{
	int nid, target_node = 0;
	u32 max_value = 0;

	for (nid = 0; nid < nr_node_ids; nid++)
		if (cc->node_load[nid] > max_value) {
			max_value = cc->node_load[nid];
			target_node = nid;
		}
	cc->alloc_nmask = 0;
	for (nid = 0; nid < nr_node_ids; nid++)
		if (cc->node_load[nid] == max_value)
			cc->alloc_nmask |= BIT(nid);
	return target_node;
}

/*
 * khugepaged/defrag: khugepaged's allocation compacts directly or not
 * at all; MADV_COLLAPSE's always does (the kernel's GFP_TRANSHUGE).
 */
static gfp_t alloc_hugepage_khugepaged_gfpmask(void)
{
	return GFP_TRANSHUGE | (thp_khugepaged_defrag() ? __GFP_DIRECT_RECLAIM : 0);
}

/* The new THP: from the target node (or its equals), charged to @mm's memcg. */
static enum scan_result alloc_charge_folio(struct folio **foliop, struct mm_struct *mm,
					   struct collapse_control *cc)
{
	int node = hpage_collapse_find_target_node(cc), i;
	struct page *page = NULL;
	struct folio *folio;

	KFUNC(0, NULL);
	*foliop = NULL;
	for (i = 0; i < nr_node_ids && !page; i++) {
		int nid = (node + i) % nr_node_ids;

		if (cc->alloc_nmask & BIT(nid))
			page = alloc_pages_node(nid, __GFP_THISNODE |
						(cc->is_khugepaged ? alloc_hugepage_khugepaged_gfpmask() :
						 GFP_TRANSHUGE | __GFP_DIRECT_RECLAIM),
						HPAGE_PMD_ORDER);
	}
	if (!page) {
		count_vm_event(THP_COLLAPSE_ALLOC_FAILED);
		KNOTE("no free order-9 block");
		return SCAN_ALLOC_HUGE_PAGE_FAIL;
	}
	folio = page_folio(page);
	folio_set_large_rmappable(folio);
	count_vm_event(THP_COLLAPSE_ALLOC);
	if (mem_cgroup_charge(folio, mm)) {
		folio_put(folio);
		return SCAN_CGROUP_CHARGE_FAIL;
	}
	KNOTE("order-9 folio pfn %#lx", folio_pfn(folio));
	*foliop = folio;
	return SCAN_SUCCEED;
}

/* Map the filled @folio by the PMD, with the emptied PTE table deposited. */
static void collapse_set_huge_pmd(struct folio *folio, struct vm_area_struct *vma,
				  unsigned long address, pmd_t *pmd, struct page *pgtable)
{
	struct mm_struct *mm = vma->vm_mm;
	pmd_t _pmd = pmd_mkdirty(folio_mk_pmd(folio, vma->vm_page_prot));
	spinlock_t *pmd_ptl;

	if (vma->vm_flags & VM_WRITE)
		_pmd = pmd_mkwrite(_pmd);
	pmd_ptl = pmd_lock(mm, pmd);
	BUG_ON(!pmd_none(*pmd));
	folio_add_new_anon_rmap(folio, vma, address, RMAP_EXCLUSIVE);
	folio_set_lru(folio);
	pgtable_trans_huge_deposit(mm, pmd, pgtable);
	set_pmd_at(mm, address, pmd, _pmd);
	/* queued whole, for the thp_underused shrinker, like a faulted THP */
	deferred_split_folio(folio, false);
	spin_unlock(pmd_ptl);
	KNOTE("pmd %#llx", (unsigned long long)pmd_val(_pmd));
}

/*
 * Bring the swapped-out pages of the PMD range at @haddr back, one
 * do_swap_page() each (a fault may bring an mTHP, and later PTEs are
 * then present already).  SCAN_SUCCEED, or SCAN_FAIL when a fault
 * found no memory.
 */
static enum scan_result __collapse_huge_page_swapin(struct mm_struct *mm,
						    struct vm_area_struct *vma,
						    unsigned long haddr, pmd_t *pmd,
						    int referenced)
{
	enum scan_result result = SCAN_SUCCEED;
	unsigned long address;
	int swapped_in = 0;

	KFUNC(haddr, NULL);
	for (address = haddr; address < haddr + HPAGE_PMD_SIZE; address += PAGE_SIZE) {
		struct vm_fault vmf = {
			.vma = vma,
			.address = address,
			.real_address = address,
			.pgoff = linear_page_index(vma, address),
			.pmd = pmd,
		};

		vmf.orig_pte = ptep_get(pte_offset_map(pmd, address));
		if (!is_swap_pte(vmf.orig_pte))
			continue;
		if (do_swap_page(&vmf) & VM_FAULT_ERROR) {
			result = SCAN_FAIL;
			break;
		}
		swapped_in++;
	}
	trace_mm_collapse_huge_page_swapin(mm, swapped_in, referenced, result);
	return result;
}

/*
 * Replace the PTE table at @address by a new THP holding the same data.
 * Returns SCAN_SUCCEED or why not; nothing is changed on failure.
 */
static enum scan_result collapse_huge_page(struct mm_struct *mm, unsigned long address,
					   int referenced, int unmapped,
					   struct collapse_control *cc)
{
	struct compound_pagelist compound_pagelist = { .nr = 0 };
	spinlock_t *pmd_ptl, *pte_ptl;
	struct vm_area_struct *vma;
	struct folio *folio;
	enum scan_result result;
	pmd_t *pmd, _pmd;
	pte_t *pte;

	KFUNC(address, NULL);
	VM_BUG_ON(address & ~HPAGE_PMD_MASK);
	result = alloc_charge_folio(&folio, mm, cc);
	if (result != SCAN_SUCCEED)
		goto out_nolock;
	result = hugepage_vma_revalidate(mm, address, true, &vma, cc);
	if (result != SCAN_SUCCEED)
		goto out_nolock;
	result = find_pmd_or_thp_or_none(mm, address, &pmd);
	if (result != SCAN_SUCCEED)
		goto out_nolock;
	if (unmapped) {
		result = __collapse_huge_page_swapin(mm, vma, address, pmd, referenced);
		if (result != SCAN_SUCCEED)
			goto out_nolock;
	}

	anon_vma_lock_write(vma->anon_vma);
	/* No TLB may hold small and huge entries for one address at once. */
	pmd_ptl = pmd_lock(mm, pmd);
	_pmd = pmdp_collapse_flush(vma, address, pmd);
	spin_unlock(pmd_ptl);

	pte = pte_offset_map_lock(mm, &_pmd, address, &pte_ptl);
	result = __collapse_huge_page_isolate(vma, address, pte, cc, &compound_pagelist);
	spin_unlock(pte_ptl);
	if (result != SCAN_SUCCEED) {
		spin_lock(pmd_ptl);
		BUG_ON(!pmd_none(*pmd));
		pmd_populate(mm, pmd, pmd_pgtable(_pmd));
		spin_unlock(pmd_ptl);
		anon_vma_unlock_write(vma->anon_vma);
		goto out_nolock;
	}
	/* Every page is isolated and locked: the rmap cannot reach them now. */
	anon_vma_unlock_write(vma->anon_vma);

	__collapse_huge_page_copy(pte, folio, vma, address, pte_ptl, &compound_pagelist);
	folio_set_uptodate(folio);
	collapse_set_huge_pmd(folio, vma, address, pmd, pmd_pgtable(_pmd));
	cc->new_pfn = folio_pfn(folio);
	folio = NULL;
	result = SCAN_SUCCEED;
out_nolock:
	if (folio)
		folio_put(folio);
	trace_mm_collapse_huge_page(mm, result == SCAN_SUCCEED, result);
	return result;
}

/*
 * Look at the 512 PTEs of the PMD range at @address and, if they make a
 * good THP, collapse them.  *mmap_locked goes false when a collapse was
 * tried (the kernel drops the mmap_lock for it).
 */
static enum scan_result hpage_collapse_scan_pmd(struct mm_struct *mm,
						struct vm_area_struct *vma,
						unsigned long address, bool *mmap_locked,
						struct collapse_control *cc)
{
	const unsigned int max_ptes_none = collapse_limit(cc, khugepaged_max_ptes_none);
	const unsigned int max_ptes_swap = collapse_limit(cc, khugepaged_max_ptes_swap);
	const unsigned int max_ptes_shared = collapse_limit(cc, khugepaged_max_ptes_shared);
	int none_or_zero = 0, shared = 0, referenced = 0, unmapped = 0;
	enum scan_result result;
	struct folio *folio = NULL;
	unsigned long _address;
	pte_t *pte = NULL, *_pte;
	spinlock_t *ptl;
	pmd_t *pmd;

	KFUNC(address, NULL);
	VM_BUG_ON(address & ~HPAGE_PMD_MASK);
	cc->address = address;
	cc->scan_pte = -1;
	cc->scan_folio = NULL;
	result = find_pmd_or_thp_or_none(mm, address, &pmd);
	if (result != SCAN_SUCCEED)
		goto out;
	memset(cc->node_load, 0, sizeof(cc->node_load));
	pte = pte_offset_map_lock(mm, pmd, address, &ptl);
	for (_address = address, _pte = pte; _pte < pte + HPAGE_PMD_NR;
	     _pte++, _address += PAGE_SIZE) {
		pte_t pteval = ptep_get(_pte);
		struct page *page;

		if (is_swap_pte(pteval)) {
			if (++unmapped <= (int)max_ptes_swap)
				continue;
			result = SCAN_EXCEED_SWAP_PTE;
			count_vm_event(THP_SCAN_EXCEED_SWAP_PTE);
			goto out_unmap;
		}
		if (pte_none_or_zero(pteval)) {
			if (++none_or_zero <= (int)max_ptes_none)
				continue;
			result = SCAN_EXCEED_NONE_PTE;
			count_vm_event(THP_SCAN_EXCEED_NONE_PTE);
			goto out_unmap;
		}
		page = vm_normal_page(vma, _address, pteval);
		if (!page) {
			result = SCAN_PAGE_NULL;
			goto out_unmap;
		}
		folio = page_folio(page);
		if (!folio_test_anon(folio)) {
			result = SCAN_PAGE_ANON;
			goto out_unmap;
		}
		/* A page counts as shared if any part of its folio is. */
		if (folio_maybe_mapped_shared(folio) && ++shared > (int)max_ptes_shared) {
			result = SCAN_EXCEED_SHARED_PTE;
			count_vm_event(THP_SCAN_EXCEED_SHARED_PTE);
			goto out_unmap;
		}
		/* hpage_collapse_scan_abort() needs node_reclaim_mode, 0 by default */
		cc->node_load[folio_nid(folio)]++;
		if (!folio_test_lru(folio)) {
			result = SCAN_PAGE_LRU;
			goto out_unmap;
		}
		if (folio_test_locked(folio)) {
			result = SCAN_PAGE_LOCK;
			goto out_unmap;
		}
		/* Any reference beyond the mappings' (a GUP pin) forbids it. */
		if (folio_expected_ref_count(folio) != folio_ref_count(folio)) {
			result = SCAN_PAGE_COUNT;
			goto out_unmap;
		}
		if (pte_is_referenced(cc, pteval, folio))
			referenced++;
	}
	if (cc->is_khugepaged &&
	    (!referenced || (unmapped && referenced < HPAGE_PMD_NR / 2)))
		result = SCAN_LACK_REFERENCED_PAGE;
	else
		result = SCAN_SUCCEED;
out_unmap:
	cc->scan_pte = _pte - pte;
	cc->scan_folio = folio;
	spin_unlock(ptl);
	if (result == SCAN_SUCCEED) {
		result = collapse_huge_page(mm, address, referenced, unmapped, cc);
		*mmap_locked = false;
	}
out:
	trace_mm_khugepaged_scan_pmd(mm, cc, folio, referenced, none_or_zero, result, unmapped);
	return result;
}

/* ---- shmem: the page cache collapsed in place (hpage_collapse_scan_file) ---- */

/*
 * A file range is collapsed in the page cache, not in a page table:
 * collapse_file() puts one new PMD-sized folio in the place of the
 * small ones, whoever maps them.  The processes' PTEs of the old pages
 * are zapped, their emptied page tables retracted (retract_page_tables),
 * and the THP is mapped again by a PMD: at once in the mm of
 * MADV_COLLAPSE (collapse_pte_mapped_thp), at its next fault elsewhere.
 *
 * Simplifications: shmem swap is not simulated, so the cache holds no
 * swap entries (max_ptes_swap never applies, swap=0 in the event);
 * nothing runs while the scan works, so no hole is filled behind its
 * back (no SCAN_PAGE_FILLED), no folio is locked (SCAN_PAGE_LOCK) and
 * the old pages are unmapped by unmap_mapping_folio(), truncation's
 * zap, where the kernel calls try_to_unmap().
 */

static const char *file_event_name(const struct shmem_file *file)
{
	const char *slash = strrchr(file->name, '/');

	/* the dentry's name: "f" for /mnt/f, "dev/zero" for shared anonymous memory */
	return file->linked && slash ? slash + 1 : file->name;
}

/* thpsh's probe on mm_khugepaged_scan_file: one report per PMD range. */
static void collapse_report_scan_file(struct mm_struct *mm, const struct collapse_control *cc,
				      long pfn, int present, int swap, enum scan_result result)
{
	struct collapse_report *r = collapse_report_new(mm, cc);

	if (!r)
		return;
	r->start = cc->address;
	r->end = cc->address + HPAGE_PMD_SIZE;
	r->result = result;
	r->traced = true;
	r->file = true;
	r->present = present;
	r->unmapped = swap;
	r->pfn = cc->new_pfn ? (long)cc->new_pfn : pfn;
	explain_scan_file(r, cc);
}

static void trace_mm_khugepaged_scan_file(struct mm_struct *mm, struct collapse_control *cc,
					  struct folio *folio, struct shmem_file *file,
					  int present, int swap, enum scan_result result)
{
	TP_EMIT({ "mm_khugepaged_scan_file", 6, {
		  { "mm", NULL, mm->mm_id },
		  { "scan_pfn", NULL, folio_scan_pfn(folio) },
		  { "filename", file_event_name(file), 0 },
		  { "present", NULL, present },
		  { "swap", NULL, swap },
		  { "result", scan_result_status(result), 0 } } });
	if (reporting)
		collapse_report_scan_file(mm, cc, folio_scan_pfn(folio), present, swap, result);
}

static void trace_mm_khugepaged_collapse_file(struct mm_struct *mm, struct folio *new_folio,
					      unsigned long index, unsigned long addr,
					      struct shmem_file *file, enum scan_result result)
{
	TP_EMIT({ "mm_khugepaged_collapse_file", 8, {
		  { "mm", NULL, mm->mm_id },
		  { "hpage_pfn", NULL, folio_scan_pfn(new_folio) },
		  { "index", NULL, (long)index },
		  { "addr", NULL, (long)addr },
		  { "is_shmem", NULL, 1 },
		  { "filename", file_event_name(file), 0 },
		  { "nr", NULL, HPAGE_PMD_NR },
		  { "result", scan_result_status(result), 0 } } });
}

/*
 * Remove the PTE tables of every mapping of the 2 MiB at @pgoff that
 * collapse_file() emptied, so that the next fault maps the THP by a
 * PMD.  A VMA with an anon_vma (MAP_PRIVATE written) keeps its table:
 * it holds anonymous copies and would only be split again.
 */
static void retract_page_tables(struct address_space *mapping, unsigned long pgoff)
{
	struct itnode *node;

	KFUNC(0, NULL);
	for (node = it_iter_first(&mapping->i_mmap, pgoff, pgoff); node;
	     node = it_iter_next(&mapping->i_mmap, node, pgoff, pgoff)) {
		struct vm_area_struct *vma = container_of(node, struct vm_area_struct, shared);
		unsigned long addr = vma->vm_start + ((pgoff - vma->vm_pgoff) << PAGE_SHIFT);
		struct mm_struct *mm = vma->vm_mm;
		pmd_t *pmd, pgt_pmd;
		spinlock_t *pml;

		if ((addr & ~HPAGE_PMD_MASK) || vma->vm_end < addr + HPAGE_PMD_SIZE)
			continue;
		if (find_pmd_or_thp_or_none(mm, addr, &pmd) != SCAN_SUCCEED)
			continue;
		if (hpage_collapse_test_exit(mm) || vma->anon_vma)
			continue;
		/* The new folio is locked, so no fault refilled it; the kernel rechecks too. */
		if (!pte_table_empty(pte_offset_map(pmd, addr)))
			continue;
		pml = pmd_lock(mm, pmd);
		pgt_pmd = pmdp_collapse_flush(vma, addr, pmd);
		spin_unlock(pml);
		mm_dec_nr_ptes(mm);
		pte_free(mm, pmd_pgtable(pgt_pmd));
		KNOTE("pid %d: pte table at %#lx retracted", mm->owner ? mm->owner->pid : 0, addr);
	}
}

/* shmem_charge(): the holes the new folio fills take blocks of the mount. */
static bool collapse_file_charge(struct shmem_file *file, long nr_none)
{
	return !nr_none || shmem_charge(file, nr_none);
}

/* Lock, pin and isolate one small folio of the range and unmap it everywhere. */
static enum scan_result collapse_file_isolate(struct folio *folio)
{
	enum scan_result result;

	if (!folio_trylock(folio))
		return SCAN_PAGE_LOCK;
	folio_get(folio);
	if (folio_order(folio) == HPAGE_PMD_ORDER) {
		result = SCAN_PTE_MAPPED_HUGEPAGE;
		goto out_unlock;
	}
	if (!folio_isolate_lru(folio)) {
		result = SCAN_DEL_PAGE_LRU;
		goto out_unlock;
	}
	if (folio_mapped(folio))
		unmap_mapping_folio(folio);
	/* the cache's, ours and the isolation's: nobody else may hold it (a pin) */
	if (folio_ref_count(folio) != 2 + folio_nr_pages(folio)) {
		folio_putback_lru(folio);
		result = SCAN_PAGE_COUNT;
		goto out_unlock;
	}
	return SCAN_SUCCEED;
out_unlock:
	folio_unlock(folio);
	folio_put(folio);
	return result;
}

/* Copy the old folios into @new_folio by index; the holes read 0. */
static void collapse_file_copy(struct folio *new_folio, unsigned long start,
			       struct folio **pagelist, int nr_old)
{
	unsigned long index = start;
	struct page *dst = folio_page(new_folio, 0);
	int i, j;

	for (i = 0; i < nr_old; i++) {
		for (; index < pagelist[i]->index; index++, dst++)
			set_page_value(dst, 0);
		for (j = 0; j < folio_nr_pages(pagelist[i]); j++, index++, dst++)
			copy_user_highpage(dst, folio_page(pagelist[i], j));
	}
	for (; index < start + HPAGE_PMD_NR; index++, dst++)
		set_page_value(dst, 0);
}

/*
 * Replace the small folios caching [@start, @start + 512) of @file by
 * one new THP holding their values (and zeroes in the holes), then
 * retract the emptied page tables.  SCAN_SUCCEED for khugepaged,
 * SCAN_PTE_MAPPED_HUGEPAGE for MADV_COLLAPSE (its caller maps the THP
 * now), or why not; a failure leaves the cache as it was (the pages
 * already unmapped refault).
 */
static enum scan_result collapse_file(struct mm_struct *mm, unsigned long addr,
				      struct shmem_file *file, unsigned long start,
				      struct collapse_control *cc)
{
	struct address_space *mapping = &file->f_mapping;
	unsigned long index = start, end = start + HPAGE_PMD_NR;
	struct folio *pagelist[HPAGE_PMD_NR];
	struct folio *new_folio, *folio;
	enum scan_result result;
	long nr_none = 0;
	int nr_old = 0, i;

	KFUNC(addr, NULL);
	result = alloc_charge_folio(&new_folio, mm, cc);
	if (result != SCAN_SUCCEED)
		goto out;
	folio_set_locked(new_folio);
	folio_set_swapbacked(new_folio);
	new_folio->index = start;
	new_folio->mapping = (unsigned long)mapping;

	while (index < end) {
		folio = xa_load(&mapping->i_pages, index);
		if (xa_is_value(folio)) {
			/* on swap: read it back first (shmem_get_folio(SGP_NOALLOC)), then look again */
			if (shmem_swapin_folio(file, index, &folio, NULL, mm)) {
				result = SCAN_FAIL;
				goto rollback;
			}
			folio_unlock(folio);
			folio_put(folio);
			continue;
		}
		if (!folio) {
			unsigned long first = start;

			/* truncated or punched since the scan: nothing left to collapse */
			if (index == start && !xa_find(&mapping->i_pages, &first, end - 1)) {
				result = SCAN_TRUNCATED;
				goto rollback;
			}
			nr_none++;
			index++;
			continue;
		}
		result = collapse_file_isolate(folio);
		if (result != SCAN_SUCCEED)
			goto rollback;
		pagelist[nr_old++] = folio;
		index += folio_nr_pages(folio);
	}
	if (!collapse_file_charge(file, nr_none)) {
		result = SCAN_FAIL;
		nr_none = 0;
		goto rollback;
	}
	collapse_file_copy(new_folio, start, pagelist, nr_old);
	/* one multi-index entry over the range: host memory only, the array is unchanged on failure */
	if (xa_store_order(&mapping->i_pages, start, HPAGE_PMD_ORDER, new_folio)) {
		result = SCAN_STORE_FAILED;
		goto rollback;
	}
	shmem_update_stats(new_folio, HPAGE_PMD_NR);
	folio_set_uptodate(new_folio);
	folio_ref_add(new_folio, HPAGE_PMD_NR - 1);	/* the cache's 512 */
	folio_set_dirty(new_folio);
	folio_add_lru(new_folio);
	cc->new_pfn = folio_pfn(new_folio);
	KNOTE("folio pfn %#lx order 9 caches index %#lx: %d folios and %ld holes replaced",
	      folio_pfn(new_folio), start, nr_old, nr_none);

	retract_page_tables(mapping, start);
	/* MADV_COLLAPSE maps it in its own mm at once */
	if (!cc->is_khugepaged)
		result = SCAN_PTE_MAPPED_HUGEPAGE;
	folio_unlock(new_folio);

	for (i = 0; i < nr_old; i++) {
		folio = pagelist[i];
		folio->mapping = 0;
		shmem_update_stats(folio, -folio_nr_pages(folio));
		folio_unlock(folio);
		folio_put_refs(folio, 2 + folio_nr_pages(folio));
	}
	goto out;

rollback:
	if (nr_none)
		shmem_uncharge(file, nr_none);
	for (i = 0; i < nr_old; i++) {
		folio_unlock(pagelist[i]);
		folio_putback_lru(pagelist[i]);
		folio_put(pagelist[i]);
	}
	new_folio->mapping = 0;
	folio_unlock(new_folio);
	folio_put(new_folio);
out:
	/* new_folio is NULL when none could be allocated and charged */
	trace_mm_khugepaged_collapse_file(mm, new_folio, index, addr, file, result);
	return result;
}

/*
 * Read the page cache of the PMD range at @addr (page offset @start):
 * how many pages it holds, and whether each small folio could go into
 * a THP.  A THP there already leaves only its mapping to do
 * (SCAN_PTE_MAPPED_HUGEPAGE).  Collapses if the holes are within
 * max_ptes_none and the pages on swap within max_ptes_swap (khugepaged
 * only; collapse_file reads them back, FACTS.md "shmem swap").  No young bits: nobody would move
 * them from the PTEs to the folios for it.
 */
static enum scan_result hpage_collapse_scan_file(struct mm_struct *mm, unsigned long addr,
						 struct shmem_file *file, unsigned long start,
						 struct collapse_control *cc)
{
	const unsigned int max_ptes_none = collapse_limit(cc, khugepaged_max_ptes_none);
	struct address_space *mapping = &file->f_mapping;
	unsigned long index = start, end = start + HPAGE_PMD_NR;
	enum scan_result result = SCAN_SUCCEED;
	const unsigned int max_ptes_swap = collapse_limit(cc, khugepaged_max_ptes_swap);
	struct folio *folio = NULL;
	int present = 0, swap = 0;

	KFUNC(addr, NULL);
	cc->address = addr;
	cc->scan_pte = -1;
	cc->scan_folio = NULL;
	cc->new_pfn = 0;
	memset(cc->node_load, 0, sizeof(cc->node_load));
	while (index < end && (folio = xa_find(&mapping->i_pages, &index, end - 1))) {
		cc->scan_pte = (int)(index - start);
		/* a page on swap: collapse_file reads it back, within max_ptes_swap */
		if (xa_is_value(folio)) {
			folio = NULL;
			index++;
			if (++swap > (int)max_ptes_swap) {
				result = SCAN_EXCEED_SWAP_PTE;
				count_vm_event(THP_SCAN_EXCEED_SWAP_PTE);
				break;
			}
			continue;
		}
		cc->scan_folio = folio;
		if (folio_order(folio) == HPAGE_PMD_ORDER) {
			result = SCAN_PTE_MAPPED_HUGEPAGE;
			break;
		}
		cc->node_load[folio_nid(folio)]++;
		if (!folio_test_lru(folio)) {
			result = SCAN_PAGE_LRU;
			break;
		}
		if (folio_expected_ref_count(folio) != folio_ref_count(folio)) {
			result = SCAN_PAGE_COUNT;
			break;
		}
		present += folio_nr_pages(folio);
		index = folio->index + folio_nr_pages(folio);
		folio = NULL;
	}
	if (result == SCAN_SUCCEED) {
		if (present < (int)(HPAGE_PMD_NR - max_ptes_none)) {
			result = SCAN_EXCEED_NONE_PTE;
			count_vm_event(THP_SCAN_EXCEED_NONE_PTE);
		} else {
			result = collapse_file(mm, addr, file, start, cc);
		}
	}
	trace_mm_khugepaged_scan_file(mm, cc, folio, file, present, swap, result);
	return result;
}

/* Map the locked page-cache THP @folio by the PMD at @addr, allocating the levels above. */
static enum scan_result set_huge_pmd(struct vm_area_struct *vma, unsigned long addr,
				     pmd_t *pmdp, struct folio *folio)
{
	struct mm_struct *mm = vma->vm_mm;
	struct vm_fault vmf = { .vma = vma, .address = addr, .flags = 0 };

	if (!pmdp) {
		pud_t *pudp = pud_alloc(mm, p4d_offset(pgd_offset(mm, addr), addr), addr);

		pmdp = pudp ? pmd_alloc(mm, pudp, addr) : NULL;
		if (!pmdp)
			return SCAN_FAIL;
	}
	vmf.pmd = pmdp;
	if (do_set_pmd(&vmf, folio, folio_page(folio, 0)))
		return SCAN_FAIL;
	folio_get(folio);
	return SCAN_SUCCEED;
}

/*
 * The page cache holds a THP at @addr: if the PTEs there map nothing
 * but its pages, zap them and free the table; with @install_pmd map
 * the THP by the PMD now (MADV_COLLAPSE), else leave it to the next
 * fault (khugepaged).  SCAN_SUCCEED, SCAN_PMD_MAPPED, or why not.
 */
static enum scan_result collapse_pte_mapped_thp(struct mm_struct *mm, unsigned long addr,
						bool install_pmd)
{
	unsigned long haddr = addr & HPAGE_PMD_MASK;
	struct vm_area_struct *vma = find_vma(mm, haddr);
	enum scan_result result;
	int nr_mapped_ptes = 0, i;
	struct folio *folio;
	pte_t *start_pte;
	pmd_t *pmd, pgt_pmd;
	spinlock_t *pml;

	KFUNC(haddr, NULL);
	if (!vma || !vma->vm_file || !range_in_vma(vma, haddr, haddr + HPAGE_PMD_SIZE))
		return SCAN_VMA_CHECK;
	result = find_pmd_or_thp_or_none(mm, haddr, &pmd);
	if (result == SCAN_PMD_MAPPED)
		return result;
	/* The cache holds a THP: a fault would map it by PMD whatever sysfs says. */
	if (!thp_vma_allowable_order(vma, vma->vm_flags, TVA_FORCED_COLLAPSE, PMD_ORDER))
		return SCAN_VMA_CHECK;
	folio = filemap_get_entry(&vma->vm_file->f_mapping, linear_page_index(vma, haddr));
	if (!folio)
		return SCAN_PAGE_NULL;
	folio_lock(folio);
	if (folio_order(folio) != HPAGE_PMD_ORDER) {
		result = SCAN_PAGE_COMPOUND;
		goto drop_folio;
	}
	switch (result) {
	case SCAN_SUCCEED:
		break;
	case SCAN_PMD_NULL:
	case SCAN_PMD_NONE:
		/* no PTE table left (retracted): only the PMD to set */
		goto maybe_install_pmd;
	default:
		goto drop_folio;
	}

	/* step 1: every PTE maps its own page of the THP, or nothing */
	result = SCAN_FAIL;
	start_pte = pte_offset_map(pmd, haddr);
	for (i = 0; i < HPAGE_PMD_NR; i++) {
		pte_t ptent = ptep_get(start_pte + i);

		if (pte_none(ptent))
			continue;
		if (!pte_present(ptent)) {
			result = SCAN_PTE_NON_PRESENT;
			goto drop_folio;
		}
		if (vm_normal_page(vma, haddr + i * PAGE_SIZE, ptent) != folio_page(folio, i))
			goto drop_folio;
	}
	/* step 2: clear them and their rmap */
	for (i = 0; i < HPAGE_PMD_NR; i++) {
		pte_t ptent = ptep_get(start_pte + i);

		if (pte_none(ptent))
			continue;
		pte_clear(mm, haddr + i * PAGE_SIZE, start_pte + i);
		folio_remove_rmap_pte(folio, folio_page(folio, i), vma);
		nr_mapped_ptes++;
	}
	/* step 3: their references and rss */
	if (nr_mapped_ptes) {
		folio_ref_sub(folio, nr_mapped_ptes);
		add_mm_counter(mm, folio_test_swapbacked(folio) ? MM_SHMEMPAGES : MM_FILEPAGES,
			       -nr_mapped_ptes);
	}
	/* step 4: the empty table goes */
	pml = pmd_lock(mm, pmd);
	pgt_pmd = pmdp_collapse_flush(vma, haddr, pmd);
	spin_unlock(pml);
	mm_dec_nr_ptes(mm);
	pte_free(mm, pmd_pgtable(pgt_pmd));
	KNOTE("%d ptes of folio pfn %#lx cleared, the table freed", nr_mapped_ptes,
	      folio_pfn(folio));
maybe_install_pmd:
	/* step 5 */
	result = install_pmd ? set_huge_pmd(vma, haddr, pmd, folio) : SCAN_SUCCEED;
drop_folio:
	folio_unlock(folio);
	folio_put(folio);
	return result;
}

/* ---- khugepaged ---- */

/* An exited mm leaves the list. */
static void collect_mm_slot(struct mm_slot *slot)
{
	lockdep_assert_held(&khugepaged_mm_lock);
	if (hpage_collapse_test_exit(slot->mm)) {
		list_del_init(&slot->mm_node);
		kfree(slot);
	}
}

/*
 * khugepaged skips a VMA no THP may go into, or one it cannot collapse;
 * the report leaves out the VMAs too small for any THP.
 */
static bool khugepaged_skip_vma(struct vm_area_struct *vma, struct collapse_control *cc)
{
	if (!thp_vma_allowable_order(vma, vma->vm_flags, TVA_KHUGEPAGED, PMD_ORDER)) {
		if (thp_vma_suitable_order(vma, vma->vm_end - HPAGE_PMD_SIZE, PMD_ORDER))
			collapse_report_vma(vma, vma->vm_start, vma->vm_end, cc,
					    thp_vma_refusal(vma, cc));
		return true;
	}
	return false;
}

/*
 * khugepaged on a shmem VMA: collapse the page cache behind the PMD
 * range, or, if it holds a THP already, retract this mm's page table
 * so the next fault maps it by PMD.  The mmap_lock is dropped for it,
 * so the scan starts over afterwards.  A THP already mapped or
 * retracted counts as a collapse again (khugepaged/pages_collapsed
 * grows at every pass, FACTS.md "shmem collapse").
 */
static enum scan_result khugepaged_scan_file(struct mm_struct *mm, struct vm_area_struct *vma,
					     unsigned long address, bool *mmap_locked,
					     struct collapse_control *cc)
{
	enum scan_result result;

	result = hpage_collapse_scan_file(mm, address, vma->vm_file,
					  linear_page_index(vma, address), cc);
	*mmap_locked = false;
	if (result == SCAN_PTE_MAPPED_HUGEPAGE) {
		if (hpage_collapse_test_exit_or_disable(mm))
			return result;
		result = collapse_pte_mapped_thp(mm, address, false);
		collapse_report_then(result);
		if (result == SCAN_PMD_MAPPED)
			result = SCAN_SUCCEED;
	}
	return result;
}

/*
 * Scan the VMAs of the cursor's mm, from the cursor's address, until
 * @pages are accounted for or a collapse was tried; move the cursor to
 * the next mm when this one is done.  Returns the pages accounted for.
 * Called with khugepaged_mm_lock held; drops it meanwhile.
 */
static unsigned int khugepaged_scan_mm_slot(unsigned int pages, enum scan_result *result,
					    struct collapse_control *cc)
{
	struct vm_area_struct *vma = NULL;
	unsigned int progress = 0;
	struct mm_struct *mm;
	struct mm_slot *slot;

	KFUNC(0, NULL);
	lockdep_assert_held(&khugepaged_mm_lock);
	*result = SCAN_FAIL;
	if (!khugepaged_scan.mm_slot) {
		khugepaged_scan.mm_slot = list_first_entry(&khugepaged_scan.mm_head,
							   struct mm_slot, mm_node);
		khugepaged_scan.address = 0;
	}
	slot = khugepaged_scan.mm_slot;
	spin_unlock(&khugepaged_mm_lock);

	mm = slot->mm;
	progress++;
	if (hpage_collapse_test_exit_or_disable(mm))
		goto breakouterloop;
	for (vma = find_vma(mm, khugepaged_scan.address); vma; vma = vma_next(vma)) {
		unsigned long hstart, hend;

		if (khugepaged_skip_vma(vma, cc)) {
			progress++;
			continue;
		}
		hstart = ALIGN(vma->vm_start, HPAGE_PMD_SIZE);
		hend = ALIGN_DOWN(vma->vm_end, HPAGE_PMD_SIZE);
		if (khugepaged_scan.address > hend) {
			progress++;
			continue;
		}
		if (khugepaged_scan.address < hstart)
			khugepaged_scan.address = hstart;
		while (khugepaged_scan.address < hend) {
			bool mmap_locked = true;

			if (vma_is_anonymous(vma))
				*result = hpage_collapse_scan_pmd(mm, vma, khugepaged_scan.address,
								  &mmap_locked, cc);
			else
				*result = khugepaged_scan_file(mm, vma, khugepaged_scan.address,
							       &mmap_locked, cc);
			if (*result == SCAN_SUCCEED)
				++khugepaged_pages_collapsed;
			khugepaged_scan.address += HPAGE_PMD_SIZE;
			progress += HPAGE_PMD_NR;
			/* a collapse dropped the mmap_lock: the kernel starts over */
			if (!mmap_locked)
				goto breakouterloop;
			if (progress >= pages)
				goto breakouterloop;
		}
	}
breakouterloop:
	spin_lock(&khugepaged_mm_lock);
	VM_BUG_ON(khugepaged_scan.mm_slot != slot);
	/* This mm is done (or dying): on to the next, or a full scan is over. */
	if (hpage_collapse_test_exit(mm) || !vma) {
		if (!mm_slot_is_last(slot)) {
			khugepaged_scan.mm_slot = mm_slot_next(slot);
			khugepaged_scan.address = 0;
		} else {
			khugepaged_scan.mm_slot = NULL;
			khugepaged_full_scans++;
		}
		collect_mm_slot(slot);
	}
	return progress;
}

/*
 * One wake-up of khugepaged: scan until @pages pages are accounted for,
 * going through the head of the list at most twice.  A failed THP
 * allocation ends it (the kernel sleeps alloc_sleep_millisecs first).
 */
unsigned int khugepaged_do_scan(unsigned int pages)
{
	struct collapse_control cc = { .is_khugepaged = true };
	unsigned int progress = 0, pass_through_head = 0;
	enum scan_result result = SCAN_SUCCEED;

	KFUNC(0, NULL);
	lru_add_drain_all();
	while (progress < pages) {
		spin_lock(&khugepaged_mm_lock);
		if (!khugepaged_scan.mm_slot)
			pass_through_head++;
		if (khugepaged_has_work() && pass_through_head < 2)
			progress += khugepaged_scan_mm_slot(pages - progress, &result, &cc);
		else
			progress = pages;
		spin_unlock(&khugepaged_mm_lock);
		if (result == SCAN_ALLOC_HUGE_PAGE_FAIL)
			break;
	}
	return progress;
}

/* ---- MADV_COLLAPSE ---- */

/* How MADV_COLLAPSE reports the last failure (6.18's madvise_collapse_errno). */
static int madvise_collapse_errno(enum scan_result r)
{
	switch (r) {
	case SCAN_ALLOC_HUGE_PAGE_FAIL:
		return -ENOMEM;
	case SCAN_CGROUP_CHARGE_FAIL:
		return -EBUSY;
	/* temporary: trying again may succeed */
	case SCAN_PAGE_COUNT:
	case SCAN_PAGE_LOCK:
	case SCAN_PAGE_LRU:
	case SCAN_DEL_PAGE_LRU:
	case SCAN_PAGE_FILLED:
		return -EAGAIN;
	default:
		return -EINVAL;
	}
}

/* Results after which MADV_COLLAPSE goes on with the next PMD range. */
static bool madvise_collapse_continues(enum scan_result r)
{
	switch (r) {
	case SCAN_PMD_NULL:
	case SCAN_PTE_NON_PRESENT:
	case SCAN_PTE_UFFD_WP:
	case SCAN_LACK_REFERENCED_PAGE:
	case SCAN_PAGE_NULL:
	case SCAN_PAGE_COUNT:
	case SCAN_PAGE_LOCK:
	case SCAN_PAGE_COMPOUND:
	case SCAN_PAGE_LRU:
	case SCAN_DEL_PAGE_LRU:
		return true;
	default:
		return false;
	}
}

/*
 * Collapse every whole PMD range of [start, end) in @vma, ignoring the
 * sysfs "enabled" mode and khugepaged's limits.  0 if each one is (or
 * already was) a huge PMD, else the errno of the last failure.
 */
int madvise_collapse(struct vm_area_struct *vma, unsigned long start, unsigned long end)
{
	struct collapse_control cc = { .is_khugepaged = false };
	enum scan_result last_fail = SCAN_FAIL;
	unsigned long hstart, hend, addr;
	unsigned long thps = 0;

	KFUNC(start, NULL);
	BUG_ON(vma->vm_start > start || vma->vm_end < end);
	if (!thp_vma_allowable_order(vma, vma->vm_flags, TVA_FORCED_COLLAPSE, PMD_ORDER)) {
		collapse_report_vma(vma, start, end, &cc, thp_vma_refusal(vma, &cc));
		return -EINVAL;
	}
	/* folios waiting in a CPU's batch hold a reference: SCAN_PAGE_COUNT */
	lru_add_drain_all();
	hstart = ALIGN(start, HPAGE_PMD_SIZE);
	hend = ALIGN_DOWN(end, HPAGE_PMD_SIZE);
	for (addr = hstart; addr < hend; addr += HPAGE_PMD_SIZE) {
		bool mmap_locked = true;
		enum scan_result result;

		if (vma_is_anonymous(vma))
			result = hpage_collapse_scan_pmd(vma->vm_mm, vma, addr, &mmap_locked, &cc);
		else
			result = hpage_collapse_scan_file(vma->vm_mm, addr, vma->vm_file,
							  linear_page_index(vma, addr), &cc);
		/* the page cache holds a THP now: map it here by the PMD */
		if (result == SCAN_PTE_MAPPED_HUGEPAGE) {
			result = collapse_pte_mapped_thp(vma->vm_mm, addr, true);
			collapse_report_then(result);
		}
		if (result == SCAN_SUCCEED || result == SCAN_PMD_MAPPED) {
			thps++;
			continue;
		}
		last_fail = result;
		if (!madvise_collapse_continues(result))
			break;
	}
	return thps == (hend - hstart) >> PMD_SHIFT ? 0 : madvise_collapse_errno(last_fail);
}
