/*
 * test_khugepaged.c - collapse in the simulated kernel: what the Lua
 * tests cannot reach from the prompt.  A swap entry planted in a page
 * table for max_ptes_swap (thpsh has no swap device), a THP allocation
 * that fails, a memory cgroup that cannot take the new THP, the scan
 * cursor across wake-ups and an exit under it, the refcounts of a
 * collapse, MADV_COLLAPSE of ranges smaller than a PMD, and check()'s
 * view of khugepaged's list.
 *
 * Expected results come from mm/khugepaged.c (6.18) where the comments
 * say so, else from tests/kernel/FACTS.md ("MADV_COLLAPSE",
 * "khugepaged").  check() runs after every step.
 */
#include "tap.h"

#include <stdarg.h>
#include <string.h>

#include "mm/check.h"
#include "mm/huge_mm.h"
#include "mm/internal.h"
#include "mm/khugepaged.h"
#include "mm/memcontrol.h"

static void checked(const char *step)
{
	char msg[512];

	if (!ok(mm_check(msg, sizeof(msg)) == 0, "check() after %s", step))
		printf("#   %s\n", msg);
}

static struct page *touch(struct mm_struct *mm, unsigned long addr, bool write)
{
	struct page *page = NULL;
	const char *outcome;

	if (access_user_page(mm, addr, write, &page, &outcome))
		return NULL;
	return page;
}

/*
 * A 2 MiB region whose first @n pages hold i + 1, faulted as 4K pages
 * (VM_NOHUGEPAGE), then made MADV_HUGEPAGE, which puts the mm on
 * khugepaged's list.  A PROT_NONE page below keeps regions apart.
 */
static unsigned long region(struct mm_struct *mm, int n)
{
	unsigned long a = (unsigned long)do_mmap(mm, 0, PMD_SIZE, PROT_READ | PROT_WRITE,
						 MAP_PRIVATE | MAP_ANONYMOUS, VM_NOHUGEPAGE,
						 NULL, 0);
	int i;

	do_mmap(mm, a - PAGE_SIZE, PAGE_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		0, NULL, 0);
	for (i = 0; i < n; i++)
		set_page_value(touch(mm, a + i * PAGE_SIZE, true), i + 1);
	do_madvise(mm, a, PMD_SIZE, MADV_HUGEPAGE);
	return a;
}

static int bad_values(struct mm_struct *mm, unsigned long a, int n)
{
	int i, bad = 0;

	for (i = 0; i < HPAGE_PMD_NR; i++)
		bad += page_value(touch(mm, a + i * PAGE_SIZE, false)) !=
		       (i < n ? (u64)i + 1 : 0);
	return bad;
}

static bool pmd_huge_at(struct mm_struct *mm, unsigned long a)
{
	pmd_t *pmd = mm_find_pmd(mm, a);

	return pmd && pmd_trans_huge(*pmd);
}

static enum scan_result only_result(void)
{
	return collapse_report_count() == 1 ? collapse_report_get(0)->result : SCAN_FAIL;
}

/* max_ptes_swap: a planted swap entry counts as unmapped (the scan's first test). */
static void test_max_ptes_swap(void)
{
	struct mm_struct *mm = current->mm;
	unsigned long a = region(mm, HPAGE_PMD_NR), before;
	pte_t *pte = pte_offset_map(mm_find_pmd(mm, a), a + 5 * PAGE_SIZE);
	pte_t saved = *pte;

	khugepaged_max_ptes_swap = 0;
	before = vm_events[THP_SCAN_EXCEED_SWAP_PTE];
	*pte = swp_entry_to_pte(swp_entry(3, 0x1234));	/* a swap slot, type 3 */
	collapse_report_start();
	khugepaged_do_scan(khugepaged_pages_to_scan);
	collapse_report_stop();
	*pte = saved;
	is_int(only_result(), SCAN_EXCEED_SWAP_PTE, "one swap PTE > max_ptes_swap 0: SCAN_EXCEED_SWAP_PTE");
	is_int(collapse_report_get(0)->unmapped, 1, "unmapped 1");
	ok(strstr(collapse_report_get(0)->why, "pte 5: 1 swap PTEs > max_ptes_swap 0") != NULL,
	   "why: %s", collapse_report_get(0)->why);
	is_int(vm_events[THP_SCAN_EXCEED_SWAP_PTE] - before, 1, "thp_scan_exceed_swap_pte +1");
	ok(!pmd_huge_at(mm, a), "not collapsed");
	khugepaged_max_ptes_swap = HPAGE_PMD_NR / 8;
	checked("a swap PTE over max_ptes_swap");
}

/* The refcounts and counters of one collapse (kernel source, collapse_huge_page). */
static void test_collapse_state(void)
{
	struct mm_struct *mm = current->mm;
	unsigned long a = region(mm, 100);
	long anon = get_mm_counter(mm, MM_ANONPAGES), tables = mm->pgtables_bytes;
	struct page *table = pfn_to_page(pmd_pfn(*mm_find_pmd(mm, a)));
	struct folio *folio;

	is_int(madvise_collapse(find_vma(mm, a), a, a + PMD_SIZE), 0, "MADV_COLLAPSE of 100 pages: 0");
	folio = page_folio(pfn_to_page(pmd_pfn(*mm_find_pmd(mm, a))));
	is_int(folio_order(folio), HPAGE_PMD_ORDER, "an order-9 folio");
	is_int(folio_ref_count(folio), 1, "refcount 1: the PMD's");
	is_int(folio_entire_mapcount(folio), 1, "entire mapcount 1");
	ok(PageAnonExclusive(folio_page(folio, 0)), "anon-exclusive");
	ok(!list_empty(&folio->_deferred_list), "queued for the thp_underused shrinker");
	is_int(get_mm_counter(mm, MM_ANONPAGES) - anon, HPAGE_PMD_NR - 100, "MM_ANONPAGES +412");
	is_int(mm->pgtables_bytes, tables, "page tables unchanged: the PTE table is deposited");
	ok(entry_table_page(mm_find_pmd(mm, a))->pmd_huge_pte == table,
	   "the deposited table is the old PTE table");
	is_int(bad_values(mm, a, 100), 0, "values intact, the rest zero");
	checked("MADV_COLLAPSE of 100 pages");
}

/* SCAN_ALLOC_HUGE_PAGE_FAIL: thp_collapse_alloc_failed, -ENOMEM, the wake-up ends. */
static void test_alloc_fail(void)
{
	struct mm_struct *mm = current->mm;
	unsigned long a = region(mm, HPAGE_PMD_NR), before = vm_events[THP_COLLAPSE_ALLOC_FAILED];
	struct page *held[64];
	int n = 0;

	while (n < 64 && (held[n] = alloc_pages_node(0, GFP_TRANSHUGE, HPAGE_PMD_ORDER)))
		n++;
	ok(n < 64, "every free order-9 block taken (%d)", n);
	collapse_report_start();
	is_int(madvise_collapse(find_vma(mm, a), a, a + PMD_SIZE), -ENOMEM,
	       "no order-9 block: MADV_COLLAPSE returns ENOMEM");
	is_int(only_result(), SCAN_ALLOC_HUGE_PAGE_FAIL, "SCAN_ALLOC_HUGE_PAGE_FAIL");
	collapse_report_start();
	khugepaged_do_scan(khugepaged_pages_to_scan);
	collapse_report_stop();
	is_int(only_result(), SCAN_ALLOC_HUGE_PAGE_FAIL, "khugepaged: the wake-up ends at the failure");
	is_int(vm_events[THP_COLLAPSE_ALLOC_FAILED] - before, 2, "thp_collapse_alloc_failed +2");
	while (n--)
		folio_put(page_folio(held[n]));
	is_int(madvise_collapse(find_vma(mm, a), a, a + PMD_SIZE), 0, "memory back: collapsed");
	checked("a failed THP allocation");
}

/* SCAN_CGROUP_CHARGE_FAIL: the new THP is allocated (thp_collapse_alloc) but not charged. */
static void test_charge_fail(void)
{
	struct mem_cgroup *memcg = mem_cgroup_create("small");
	unsigned long a, alloc;

	current->memcg = memcg;
	a = region(current->mm, HPAGE_PMD_NR);
	memcg->max = memcg->usage + 100;
	alloc = vm_events[THP_COLLAPSE_ALLOC];
	collapse_report_start();
	is_int(madvise_collapse(find_vma(current->mm, a), a, a + PMD_SIZE), -EBUSY,
	       "memory.max too small: MADV_COLLAPSE returns EBUSY");
	collapse_report_stop();
	is_int(only_result(), SCAN_CGROUP_CHARGE_FAIL, "SCAN_CGROUP_CHARGE_FAIL");
	is_int(vm_events[THP_COLLAPSE_ALLOC] - alloc, 1, "thp_collapse_alloc +1 before the charge");
	is_int(bad_values(current->mm, a, HPAGE_PMD_NR), 0, "values intact");
	memcg->max = ~0UL;
	checked("a failed memcg charge");
}

/*
 * The cursor: a wake-up of 1 page scans one PMD range and stops, the
 * next goes on from there; the lists ends with a full scan.
 */
static void test_cursor(void)
{
	struct mm_struct *mm = current->mm;
	unsigned long a = region(mm, HPAGE_PMD_NR), b = region(mm, HPAGE_PMD_NR);
	int pid = kernel_clone(current), pids[4];
	unsigned int full = khugepaged_full_scans, progress;

	progress = khugepaged_do_scan(1);
	ok(progress > HPAGE_PMD_NR && progress < 2 * HPAGE_PMD_NR,
	   "pages_to_scan 1: one PMD range scanned (progress %u)", progress);
	ok(!pmd_huge_at(mm, a) && !pmd_huge_at(mm, b), "shared with the child: not collapsed");
	is_int(khugepaged_mm_pids(pids, 4), 2, "parent and child on the list");
	do_exit(find_task_by_vpid(pid));
	is_int(khugepaged_mm_pids(pids, 4), 1, "the child left it at exit");
	khugepaged_do_scan(1);
	ok(pmd_huge_at(mm, a) && !pmd_huge_at(mm, b),
	   "the next wake-up goes on with the next range (b is below a)");
	is_int(khugepaged_full_scans, full, "no full scan yet");
	khugepaged_do_scan(HPAGE_PMD_NR * 8);
	ok(pmd_huge_at(mm, b), "past the end of the list and round again: b collapsed");
	is_int(khugepaged_full_scans - full, 2, "full_scans +2");
	is_int(bad_values(mm, a, HPAGE_PMD_NR) + bad_values(mm, b, HPAGE_PMD_NR), 0, "values intact");
	checked("the scan cursor");
}

/* check() knows the list: a listed mm must carry MMF_VM_HUGEPAGE. */
static void test_check_sees_the_list(void)
{
	char msg[512];

	region(current->mm, 1);
	current->mm->flags &= ~BIT(MMF_VM_HUGEPAGE);
	ok(mm_check(msg, sizeof(msg)) != 0 && strstr(msg, "without MMF_VM_HUGEPAGE"),
	   "check() finds a listed mm without MMF_VM_HUGEPAGE: %s", msg);
	current->mm->flags |= BIT(MMF_VM_HUGEPAGE);
	checked("MMF_VM_HUGEPAGE restored");
}

/*
 * MADV_COLLAPSE of less than a PMD: kernel source, madvise_collapse()
 * compares thps with (hend - hstart) >> HPAGE_PMD_SHIFT, which for an
 * unaligned start within one PMD range wraps around: EINVAL.  A range
 * from an aligned start is 0 ranges long: success, nothing done.
 */
static void test_small_ranges(void)
{
	struct mm_struct *mm = current->mm;
	unsigned long a = region(mm, HPAGE_PMD_NR);
	struct vm_area_struct *vma = find_vma(mm, a);

	is_int(madvise_collapse(vma, a + PAGE_SIZE, a + 3 * PAGE_SIZE), -EINVAL,
	       "unaligned start inside one PMD range: EINVAL");
	is_int(madvise_collapse(vma, a, a + 3 * PAGE_SIZE), 0, "aligned start, 12K: 0");
	ok(!pmd_huge_at(mm, a), "...and nothing collapsed");
	checked("MADV_COLLAPSE of small ranges");
}

int main(void)
{
	mm_boot(1UL << 30, 1);
	test_max_ptes_swap();
	test_collapse_state();
	test_small_ranges();
	test_charge_fail();
	mm_boot(64UL << 20, 1);
	test_alloc_fail();
	mm_boot(1UL << 30, 1);
	test_cursor();
	mm_boot(1UL << 30, 1);
	test_check_sees_the_list();
	mm_machine_destroy();
	return done_testing();
}
