/*
 * test_thp.c - the simulated kernel on the first seed's path: a THP
 * write fault, munmap of one page inside it, the deferred split.
 *
 * Each expected counter was measured on the live 6.18 kernel; the
 * comment names the tests/kernel/FACTS.md section.  check() runs after
 * every step.
 */
#include "tap.h"

#include <stdarg.h>
#include <string.h>

#include "mm/check.h"
#include "mm/huge_mm.h"
#include "mm/internal.h"

/* is_int() with a formatted name. */
__attribute__((format(printf, 3, 4)))
static void expect(long long got, long long want, const char *fmt, ...)
{
	char name[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	is_int(got, want, name);
}

static void is_str(const char *got, const char *want, const char *name)
{
	if (!ok(got && !strcmp(got, want), "%s", name))
		printf("#        got: %s\n#   expected: %s\n", got ? got : "NULL", want);
}

static void checked(const char *step)
{
	char msg[512];

	if (!ok(mm_check(msg, sizeof(msg)) == 0, "check() after %s", step))
		printf("#   %s\n", msg);
}

static unsigned long mmap_huge(unsigned long len)
{
	return (unsigned long)do_mmap(current->mm, 0, len, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS, VM_HUGEPAGE, NULL, 0);
}

static struct page *touch_page(unsigned long addr, bool write, const char **outcome)
{
	struct page *page = NULL;
	const char *o;

	if (access_user_page(current->mm, addr, write, &page, outcome ? outcome : &o))
		return NULL;
	return page;
}

/* Write value i + 1 into page i of [a, a + 2M). */
static void fill(unsigned long a)
{
	int i;

	for (i = 0; i < HPAGE_PMD_NR; i++)
		set_page_value(touch_page(a + i * PAGE_SIZE, true, NULL), i + 1);
}

static int values_intact(unsigned long a, int skip)
{
	int i;

	for (i = 0; i < HPAGE_PMD_NR; i++) {
		struct page *p;

		if (i == skip)
			continue;
		p = touch_page(a + i * PAGE_SIZE, false, NULL);
		if (!p || page_value(p) != (u64)i + 1)
			return 0;
	}
	return 1;
}

static void test_fault(void)
{
	unsigned long a = mmap_huge(2 * PMD_SIZE), free_before = global_free_pages();
	const char *outcome;
	struct folio *folio;
	struct addr_walk w;

	/* A1: a 2 MiB-multiple anonymous mapping is 2 MiB aligned. */
	ok(IS_ALIGNED(a, PMD_SIZE), "a 4 MiB mapping is 2 MiB aligned");
	touch_page(a, true, &outcome);
	is_str(outcome, "thp", "a write fault in a MADV_HUGEPAGE VMA maps a THP");
	mm_walk_addr(current->mm, a, &w);
	ok(w.level == 3 && pmd_trans_huge(__pmd(w.pmd)), "the PMD is a leaf");
	folio = page_folio(pfn_to_page(pmd_pfn(__pmd(w.pmd))));
	/* A2: thp_fault_alloc +1, one order-9 folio, refcount 1, mapcount 1. */
	expect(vm_events[THP_FAULT_ALLOC], 1, "thp_fault_alloc +1");
	expect(folio_order(folio), 9, "order 9");
	expect(folio_ref_count(folio), 1, "refcount 1");
	expect(folio_mapcount(folio), 1, "mapcount 1");
	expect(folio_entire_mapcount(folio), 1, "mapped entire by one PMD");
	/* A2: nr_anon_transparent_hugepages +1, nr_anon_pages +512, +1 page table */
	expect(global_node_page_state(NR_ANON_THPS), HPAGE_PMD_NR, "AnonHugePages 2048 kB");
	expect(global_node_page_state(NR_ANON_MAPPED), HPAGE_PMD_NR, "nr_anon_pages +512");
	expect(mthp_stats[PMD_ORDER][MTHP_STAT_ANON_FAULT_ALLOC], 1, "2048kB anon_fault_alloc +1");
	expect(mthp_stats[PMD_ORDER][MTHP_STAT_NR_ANON], 1, "2048kB nr_anon +1");
	/* 512 pages of folio, the deposited PTE table, PUD/PMD tables */
	expect(free_before - global_free_pages(), HPAGE_PMD_NR + 3,
	       "the folio, its deposited table and two upper tables");
	checked("the THP fault");
	do_vmi_munmap(current->mm, a, 2 * PMD_SIZE);
	/* A7: munmap of the whole THP frees it with its deposited table. */
	expect(global_node_page_state(NR_ANON_THPS), 0, "whole munmap: no AnonHugePages");
	expect(mthp_stats[PMD_ORDER][MTHP_STAT_NR_ANON], 0, "whole munmap: nr_anon -1");
	expect(vm_events[THP_SPLIT_PMD], 0, "whole munmap: no PMD split");
	expect(global_free_pages(), free_before, "every page comes back");
	checked("munmap of the whole THP");
}

static void test_read_fault(void)
{
	unsigned long a = mmap_huge(PMD_SIZE);
	const char *outcome;

	/* A3: a read fault maps the huge zero page. */
	touch_page(a, false, &outcome);
	is_str(outcome, "huge-zero", "a read fault maps the huge zero page");
	expect(vm_events[THP_ZERO_PAGE_ALLOC], 1, "thp_zero_page_alloc +1 (first use)");
	expect(global_node_page_state(NR_ANON_MAPPED), 0, "the zero page is not anon memory");
	checked("the huge zero page fault");
	/* A4: a write to it allocates a THP, no PMD split. */
	touch_page(a, true, &outcome);
	is_str(outcome, "thp", "a write to the huge zero page allocates a THP");
	expect(vm_events[THP_FAULT_ALLOC], 1, "thp_fault_alloc +1");
	expect(vm_events[THP_SPLIT_PMD], 0, "no PMD split");
	checked("the write to the huge zero page");
	do_vmi_munmap(current->mm, a, PMD_SIZE);
	/* A13: the huge zero folio is freed by its shrinker once unused. */
	mmput(current->mm);
	current->mm = mm_alloc();
	current->mm->owner = current;
	drop_slab();
	ok(huge_zero_folio == NULL, "the shrinker frees the unused huge zero folio");
	checked("freeing the huge zero page");
}

static void test_munmap_one_page(int idx)
{
	unsigned long a = mmap_huge(PMD_SIZE);
	struct folio *folio;
	unsigned long pfn;
	int splits;

	fill(a);
	folio = page_folio(touch_page(a, false, NULL));
	pfn = folio_pfn(folio) + idx;
	do_vmi_munmap(current->mm, a + idx * PAGE_SIZE, PAGE_SIZE);
	/* A5: thp_split_pmd +1, thp_deferred_split_page +1, AnonHugePages 0. */
	expect(vm_events[THP_SPLIT_PMD], 1, "page %d: thp_split_pmd +1", idx);
	expect(vm_events[THP_DEFERRED_SPLIT_PAGE], 1, "page %d: thp_deferred_split_page +1", idx);
	expect(mthp_stats[PMD_ORDER][MTHP_STAT_NR_ANON_PARTIALLY_MAPPED], 1,
	       "page %d: nr_anon_partially_mapped +1", idx);
	expect(global_node_page_state(NR_ANON_THPS), 0, "page %d: AnonHugePages 0", idx);
	expect(global_node_page_state(NR_ANON_MAPPED), 511, "page %d: 511 pages still mapped", idx);
	ok(folio_test_partially_mapped(folio) && !list_empty(&folio->_deferred_list),
	   "page %d: the folio is partially mapped and queued", idx);
	expect(folio_order(folio), 9, "page %d: still one order-9 folio", idx);
	/* A5: 1, 2 or 1 VMAs for the first, middle, last page. */
	expect(current->mm->map_count, idx == 0 || idx == 511 ? 1 : 2, "page %d: VMAs", idx);
	checked("munmap of one page");

	trace_events_record(true);
	splits = (int)mthp_stats[PMD_ORDER][MTHP_STAT_SPLIT];
	drop_slab();
	trace_events_record(false);
	/* A6: the shrinker splits it: 511 set (order 9), 511 remove (order 0). */
	expect(vm_events[THP_SPLIT_PAGE], 1, "page %d: thp_split_page +1", idx);
	expect(mthp_stats[PMD_ORDER][MTHP_STAT_SPLIT] - splits, 1, "page %d: 2048kB split +1", idx);
	expect(mthp_stats[PMD_ORDER][MTHP_STAT_NR_ANON_PARTIALLY_MAPPED], 0,
	       "page %d: nr_anon_partially_mapped -1", idx);
	expect(trace_events_count(), 1022, "page %d: 1022 trace events", idx);
	is_str(trace_events_get(0)->name, "set_migration_pte", "first: set_migration_pte");
	expect(trace_events_get(0)->f[2].val, 9, "set_migration_pte order=9");
	is_str(trace_events_get(511)->name, "remove_migration_pte", "then remove_migration_pte");
	expect(trace_events_get(511)->f[2].val, 0, "remove_migration_pte order=0");
	ok(pfn_to_page(pfn)->_refcount == 0, "page %d: the unmapped subpage is freed", idx);
	ok(values_intact(a, idx), "page %d: every other value intact", idx);
	expect(global_node_page_state(NR_ANON_MAPPED), 511, "page %d: Rss unchanged", idx);
	checked("the deferred split");
	do_vmi_munmap(current->mm, a, PMD_SIZE);
	checked("munmap of the rest");
}

static void test_dontneed_and_mprotect(void)
{
	unsigned long a = mmap_huge(PMD_SIZE);
	struct folio *folio;

	fill(a);
	folio = page_folio(touch_page(a, false, NULL));
	do_madvise(current->mm, a + 256 * PAGE_SIZE, PAGE_SIZE, MADV_DONTNEED);
	/* A9: as munmap, but the VMA is not split. */
	expect(vm_events[THP_SPLIT_PMD], 1, "dontneed: thp_split_pmd +1");
	expect(vm_events[THP_DEFERRED_SPLIT_PAGE], 1, "dontneed: thp_deferred_split_page +1");
	expect(current->mm->map_count, 1, "dontneed: one VMA");
	ok(folio_test_partially_mapped(folio), "dontneed: partially mapped");
	checked("MADV_DONTNEED of one page");
	do_vmi_munmap(current->mm, a, PMD_SIZE);

	a = mmap_huge(PMD_SIZE);
	fill(a);
	folio = page_folio(touch_page(a, false, NULL));
	do_mprotect(current->mm, a + 256 * PAGE_SIZE, PAGE_SIZE, PROT_READ);
	/* A8: thp_split_pmd +1, 3 VMAs, not partially mapped, not split. */
	expect(vm_events[THP_SPLIT_PMD], 2, "mprotect: thp_split_pmd +1");
	expect(vm_events[THP_DEFERRED_SPLIT_PAGE], 1, "mprotect: no deferred split");
	expect(current->mm->map_count, 3, "mprotect: 3 VMAs");
	ok(!folio_test_partially_mapped(folio), "mprotect: the folio stays fully mapped");
	drop_slab();
	expect(folio_order(folio), 9, "mprotect: the shrinker leaves it whole");
	checked("mprotect of one page");
}

static void test_fragmentation(void)
{
	unsigned long a, i, fallback = vm_events[THP_FAULT_FALLBACK];
	const char *outcome;

	/* Fill an 8 MiB machine with 4K pages, then free every other one. */
	mm_boot(8UL << 20, 1);
	a = (unsigned long)do_mmap(current->mm, 0, 4UL << 20, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, VM_NOHUGEPAGE, NULL, 0);
	for (i = 0; i < 1024 - 16; i++)
		touch_page(a + i * PAGE_SIZE, true, NULL);
	for (i = 0; i < 1024 - 16; i += 2)
		do_vmi_munmap(current->mm, a + i * PAGE_SIZE, PAGE_SIZE);
	a = mmap_huge(PMD_SIZE);
	fallback = vm_events[THP_FAULT_FALLBACK];
	touch_page(a, true, &outcome);
	/* mm/huge_memory.c vma_alloc_anon_folio_pmd: no order-9 block -> fallback */
	expect(vm_events[THP_FAULT_FALLBACK] - fallback, 1, "fragmented: thp_fault_fallback +1");
	is_str(outcome, "pte", "fragmented: the fault maps a 4K page");
	checked("the fallback");
}

int main(void)
{
	mm_boot(4UL << 30, 1);
	test_fault();
	mm_boot(4UL << 30, 1);
	test_read_fault();
	mm_boot(4UL << 30, 1);
	test_munmap_one_page(0);
	mm_boot(4UL << 30, 1);
	test_munmap_one_page(256);
	mm_boot(4UL << 30, 1);
	test_munmap_one_page(511);
	mm_boot(4UL << 30, 1);
	test_dontneed_and_mprotect();
	test_fragmentation();
	mm_machine_destroy();
	return done_testing();
}
