/*
 * test_fork.c - the simulated kernel with several processes: fork and
 * copy-on-write of a THP, exit, long-term GUP pins, mremap.
 *
 * Every counter expected here was measured on the live 6.18 kernel;
 * the comments name the section of tests/kernel/FACTS.md ("# Sharing
 * and variants" and A12).  What comes from the kernel source says so.
 * check() runs after every step, across all processes.
 */
#include "tap.h"

#include <stdarg.h>
#include <string.h>

#include "mm/check.h"
#include "mm/huge_mm.h"
#include "mm/internal.h"

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

static void checked(const char *step)
{
	char msg[512];

	if (!ok(mm_check(msg, sizeof(msg)) == 0, "check() after %s", step))
		printf("#   %s\n", msg);
}

static unsigned long mmap_huge(struct mm_struct *mm, unsigned long len)
{
	return (unsigned long)do_mmap(mm, 0, len, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS, VM_HUGEPAGE, NULL, 0);
}

static struct page *touch(struct mm_struct *mm, unsigned long addr, bool write)
{
	struct page *page = NULL;
	const char *outcome;

	if (access_user_page(mm, addr, write, &page, &outcome))
		return NULL;
	return page;
}

/* Page i of [a, a + 2M) holds i + 1: the probes' "filled" THP. */
static void fill(struct mm_struct *mm, unsigned long a)
{
	int i;

	for (i = 0; i < HPAGE_PMD_NR; i++)
		set_page_value(touch(mm, a + i * PAGE_SIZE, true), i + 1);
}

static int bad_values(struct mm_struct *mm, unsigned long a)
{
	int i, bad = 0;

	for (i = 0; i < HPAGE_PMD_NR; i++)
		bad += page_value(touch(mm, a + i * PAGE_SIZE, false)) != (u64)i + 1;
	return bad;
}

static pmd_t pmd_at(struct mm_struct *mm, unsigned long a)
{
	pmd_t *pmd = mm_find_pmd(mm, a);

	return pmd ? *pmd : __pmd(0);
}

static struct folio *folio_at(struct mm_struct *mm, unsigned long a)
{
	return page_folio(touch(mm, a, false));
}

static struct mm_struct *fork_current(void)
{
	int pid = kernel_clone(current);

	return pid > 0 ? find_task_by_vpid(pid)->mm : NULL;
}

static void test_fork_shares_thp(void)
{
	unsigned long a = mmap_huge(current->mm, PMD_SIZE);
	struct mm_struct *child;
	struct folio *folio;
	unsigned long pfn;

	fill(current->mm, a);
	folio = folio_at(current->mm, a);
	pfn = folio_pfn(folio);
	child = fork_current();
	/* "Fork after a THP write fault": fork moves no counter, shares one folio. */
	ok(child != NULL, "fork");
	expect(vm_events[THP_SPLIT_PMD], 0, "fork: no thp_split_pmd");
	expect(vm_events[THP_FAULT_ALLOC], 1, "fork: no thp_fault_alloc");
	ok(pmd_trans_huge(pmd_at(child, a)) && pmd_pfn(pmd_at(child, a)) == pfn,
	   "the child maps the same THP by a PMD");
	expect(folio_ref_count(folio), 2, "refcount 2: one per PMD");
	expect(folio_entire_mapcount(folio), 2, "entire mapcount 2");
	expect(folio_precise_page_mapcount(folio, folio_page(folio, 5)), 2,
	       "kpagecount 2 on every page");
	ok(!PageAnonExclusive(folio_page(folio, 0)), "PageAnonExclusive cleared");
	ok(folio_maybe_mapped_shared(folio), "MM_ID: mapped by two mms");
	/* Kernel source, copy_huge_pmd: both write-protected, the child's old. */
	ok(!pmd_write(pmd_at(current->mm, a)) && !pmd_write(pmd_at(child, a)),
	   "both PMDs write-protected");
	ok(!pmd_young(pmd_at(child, a)), "the child's PMD is old");
	expect(global_node_page_state(NR_ANON_THPS), HPAGE_PMD_NR, "AnonHugePages still 2048");
	checked("fork of a THP");

	/* Child write: thp_split_pmd +1, one 4K page copied, parent's PMD intact. */
	set_page_value(touch(child, a + 5 * PAGE_SIZE, true), 1000);
	expect(vm_events[THP_SPLIT_PMD], 1, "child write: thp_split_pmd +1");
	expect(vm_events[THP_FAULT_ALLOC], 1, "child write: no new THP");
	expect(vm_events[THP_DEFERRED_SPLIT_PAGE], 0, "child write: no deferred split");
	ok(pmd_trans_huge(pmd_at(current->mm, a)), "the parent keeps its PMD");
	ok(folio_at(child, a + 5 * PAGE_SIZE) != folio, "the child's page 5 is a copy");
	expect(page_value(touch(current->mm, a + 5 * PAGE_SIZE, false)), 6,
	       "the parent does not see the child's write");
	checked("the child's write");

	/* Parent write while the child lives: its PMD is split too. */
	set_page_value(touch(current->mm, a + 7 * PAGE_SIZE, true), 2000);
	expect(vm_events[THP_SPLIT_PMD], 2, "parent write: thp_split_pmd +1");
	expect(global_node_page_state(NR_ANON_THPS), 0, "no PMD maps the THP any more");
	expect(vm_events[THP_DEFERRED_SPLIT_PAGE], 0, "every page still mapped: not queued");
	expect(page_value(touch(child, a + 7 * PAGE_SIZE, false)), 8,
	       "the child does not see the parent's write");
	checked("the parent's write");

	/* Child exits: page 7 is mapped by nobody now -> deferred split. */
	do_exit(find_task_by_vpid(2));
	expect(vm_events[THP_DEFERRED_SPLIT_PAGE], 1, "child exit: thp_deferred_split_page +1");
	ok(folio_test_partially_mapped(folio), "the folio is partially mapped");
	checked("the child's exit");
	/* A parent write to page 9 reuses it in place. */
	touch(current->mm, a + 9 * PAGE_SIZE, true);
	ok(folio_at(current->mm, a + 9 * PAGE_SIZE) == folio,
	   "parent write after exit: page 9 reused (wp_can_reuse_anon_folio)");
	checked("the reuse");
}

static void test_exit_then_reuse_thp(void)
{
	unsigned long a = mmap_huge(current->mm, PMD_SIZE);
	struct folio *folio;

	fill(current->mm, a);
	folio = folio_at(current->mm, a);
	fork_current();
	do_exit(find_task_by_vpid(2));
	/* Scenario C: the child exits unwritten, the parent's write reuses the THP. */
	expect(folio_ref_count(folio), 1, "child exit: refcount back to 1");
	touch(current->mm, a, true);
	ok(pmd_trans_huge(pmd_at(current->mm, a)) && pmd_write(pmd_at(current->mm, a)),
	   "the write made the PMD writable again");
	ok(folio_at(current->mm, a) == folio, "same THP: reused, not copied");
	ok(PageAnonExclusive(folio_page(folio, 0)), "exclusive again");
	expect(vm_events[THP_SPLIT_PMD] + vm_events[THP_FAULT_ALLOC], 1,
	       "no split, no allocation after the first fault");
	checked("reuse after the child's exit");
}

static void test_pinned_fork(void)
{
	unsigned long a = mmap_huge(current->mm, PMD_SIZE);
	struct mm_struct *child;
	struct folio *folio;
	int copies = 0, i;

	fill(current->mm, a);
	folio = folio_at(current->mm, a);
	/* Kernel source, try_grab_folio: a large folio counts pins in _pincount. */
	expect(gup_pin_register(current, a, PMD_SIZE), HPAGE_PMD_NR, "pin 512 pages");
	expect(folio->_pincount, HPAGE_PMD_NR, "_pincount 512");
	expect(folio_ref_count(folio), 1 + HPAGE_PMD_NR, "refcount 1 + 512");
	expect(folio_mapcount(folio), 1, "pins are not mapcounts");
	ok(current->mm->flags & BIT(MMF_HAS_PINNED), "MMF_HAS_PINNED");
	checked("the pin");

	/* "fork with the THP pinned": parent PMD split, 512 copies for the child. */
	child = fork_current();
	expect(vm_events[THP_SPLIT_PMD], 1, "pinned fork: thp_split_pmd +1");
	expect(vm_events[THP_FAULT_ALLOC], 1, "pinned fork: no thp_fault_alloc");
	expect(vm_events[THP_SPLIT_PAGE], 0, "pinned fork: no thp_split_page");
	expect(folio_order(folio), 9, "the parent's folio stays order 9");
	for (i = 0; i < HPAGE_PMD_NR; i++)
		copies += folio_at(child, a + i * PAGE_SIZE) != folio;
	expect(copies, HPAGE_PMD_NR, "the child got 512 copies");
	expect(bad_values(child, a), 0, "the copies hold the values");
	ok(PageAnonExclusive(folio_page(folio, 100)), "the parent's pages stay exclusive");
	checked("the pinned fork");
	do_exit(find_task_by_vpid(2));
	checked("exit of the child");

	/* "munmap of one 4K page of the pinned THP": the split fails, it stays queued. */
	do_vmi_munmap(current->mm, a + 100 * PAGE_SIZE, PAGE_SIZE);
	expect(vm_events[THP_DEFERRED_SPLIT_PAGE], 1, "thp_deferred_split_page +1");
	drop_slab();
	ok(vm_events[THP_SPLIT_PAGE_FAILED] >= 1, "shrink: thp_split_page_failed");
	expect(vm_events[THP_SPLIT_PAGE], 0, "shrink: no thp_split_page");
	ok(!list_empty(&folio->_deferred_list), "the folio stays queued");
	checked("the failed split");
	/* The unmapped page stays pinned: a pin is not a mapping. */
	expect(gup_pin_unregister(current, a, PMD_SIZE), HPAGE_PMD_NR,
	       "unpin all 512 pages, the unmapped one too");
	drop_slab();
	expect(vm_events[THP_SPLIT_PAGE], 1, "unpinned: the shrinker splits it");
}

static void test_mremap(void)
{
	unsigned long a = mmap_huge(current->mm, PMD_SIZE), dst, b;
	struct folio *folio;

	fill(current->mm, a);
	folio = folio_at(current->mm, a);
	dst = mmap_huge(current->mm, 2 * PMD_SIZE);
	do_vmi_munmap(current->mm, dst, 2 * PMD_SIZE);
	/* "mremap of a PMD-mapped THP": an aligned move is move_huge_pmd. */
	b = (unsigned long)do_mremap(current->mm, a, PMD_SIZE, PMD_SIZE,
				     MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	expect(b, dst, "moved to the fixed address");
	expect(vm_events[THP_SPLIT_PMD], 0, "aligned move: no thp_split_pmd");
	ok(pmd_trans_huge(pmd_at(current->mm, b)) && pmd_pfn(pmd_at(current->mm, b)) ==
	   folio_pfn(folio), "the same THP, still PMD-mapped");
	expect(bad_values(current->mm, b), 0, "values intact");
	checked("the aligned move");
	/* ... and at 2 MiB + 4 KiB: thp_split_pmd +1, the folio is not split. */
	b = (unsigned long)do_mremap(current->mm, b, PMD_SIZE, PMD_SIZE,
				     MREMAP_MAYMOVE | MREMAP_FIXED, a + PAGE_SIZE);
	expect(vm_events[THP_SPLIT_PMD], 1, "unaligned move: thp_split_pmd +1");
	expect(folio_order(folio), 9, "the folio stays order 9");
	ok(!folio_test_partially_mapped(folio), "not partially mapped");
	expect(bad_values(current->mm, b), 0, "values intact");
	checked("the unaligned move");
}

int main(void)
{
	mm_boot(4UL << 30, 1);
	test_fork_shares_thp();
	mm_boot(4UL << 30, 1);
	test_exit_then_reuse_thp();
	mm_boot(4UL << 30, 1);
	test_pinned_fork();
	checked("unpin");
	mm_boot(4UL << 30, 1);
	test_mremap();
	mm_machine_destroy();
	return done_testing();
}
