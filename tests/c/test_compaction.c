/*
 * test_compaction.c - migrate_pages() and compaction at the C level:
 * what a move must preserve (the value, the mapping, PG_anon_exclusive,
 * the dirty bit, the counters) and what a failed move must leave as it
 * was (an extra reference: folio_migrate_mapping's -EAGAIN puts the
 * migration entries back).  check() runs after every step.
 */
#include "tap.h"

#include "mm/check.h"
#include "mm/compaction.h"
#include "mm/huge_mm.h"
#include "mm/internal.h"

static void checked(const char *step)
{
	char msg[512];

	if (!ok(mm_check(msg, sizeof(msg)) == 0, "check() after %s", step))
		printf("#   %s\n", msg);
}

static struct page *touch_page(unsigned long addr, bool write)
{
	struct page *page = NULL;
	const char *o;

	if (access_user_page(current->mm, addr, write, &page, &o))
		return NULL;
	return page;
}

static u64 pte_at(unsigned long addr)
{
	struct addr_walk w;

	mm_walk_addr(current->mm, addr, &w);
	return w.pte;
}

/* get_new_folio for the tests: any free page. */
static struct folio *new_page(struct folio *src, unsigned long private)
{
	(void)private;
	return folio_alloc(GFP_TRANSHUGE, folio_order(src));
}

static void free_page_cb(struct folio *dst, unsigned long private)
{
	(void)private;
	folio_put(dst);
}

static void test_move(void)
{
	unsigned long a = (unsigned long)do_mmap(current->mm, 0, 4 * PAGE_SIZE,
						 PROT_READ | PROT_WRITE,
						 MAP_PRIVATE | MAP_ANONYMOUS, VM_NOHUGEPAGE, NULL, 0);
	struct page *old = touch_page(a, true), *new;
	unsigned long free_before, old_pfn = page_to_pfn(old);
	struct folio *list[1];
	unsigned int nr = 0;
	u64 pte_before;

	set_page_value(old, 4242);
	pte_before = pte_at(a);
	ok(PageAnonExclusive(old), "a written private page is PG_anon_exclusive");
	free_before = global_free_pages();
	list[0] = page_folio(old);
	ok(folio_isolate_lru(list[0]), "isolated from the LRU");
	is_int(migrate_pages(list, 1, new_page, free_page_cb, 0, MIGRATE_SYNC, MR_COMPACTION, &nr),
	       0, "migrate_pages: nothing left");
	is_int(nr, 1, "one page moved");
	ok(!list[0], "the list is empty");
	new = touch_page(a, false);
	ok(page_to_pfn(new) != old_pfn, "the address maps another frame");
	is_int((long long)page_value(new), 4242, "the value moved with it");
	ok(PageAnonExclusive(new), "PG_anon_exclusive too (a readable-exclusive or writable entry)");
	is_int((long long)(pte_at(a) & ~PTE_PFN_MASK), (long long)(pte_before & ~PTE_PFN_MASK),
	       "the PTE has the same bits (write, dirty, young) on the new pfn");
	is_int(folio_ref_count(page_folio(new)), 1, "refcount 1: the mapping");
	is_int(folio_mapcount(page_folio(new)), 1, "mapcount 1");
	is_int(old->_refcount, 0, "the old frame is free");
	is_int(global_free_pages(), free_before, "one page freed for one taken");
	is_int(vm_events[PGMIGRATE_SUCCESS], 1, "pgmigrate_success +1");
	checked("a move");
}

static void test_extra_ref(void)
{
	unsigned long a = (unsigned long)do_mmap(current->mm, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
						 MAP_PRIVATE | MAP_ANONYMOUS, VM_NOHUGEPAGE, NULL, 0);
	struct page *page = touch_page(a, true);
	struct folio *folio = page_folio(page), *list[1] = { folio };
	unsigned long fail = vm_events[PGMIGRATE_FAIL], free_before;
	u64 pte_before = pte_at(a);
	unsigned int nr = 0;

	set_page_value(page, 7);
	folio_isolate_lru(folio);
	folio_get(folio);	/* someone else holds it */
	free_before = global_free_pages();
	is_int(migrate_pages(list, 1, new_page, free_page_cb, 0, MIGRATE_SYNC, MR_COMPACTION, &nr),
	       1, "an extra reference: one folio not migrated (-EAGAIN)");
	ok(list[0] == folio, "it stays on the list for the caller");
	is_int((long long)pte_at(a), (long long)pte_before, "its PTE is back as it was");
	ok(PageAnonExclusive(page), "still PG_anon_exclusive");
	is_int(vm_events[PGMIGRATE_FAIL] - fail, 1, "pgmigrate_fail +1");
	is_int(global_free_pages(), free_before, "the new page went back");
	putback_movable_pages(list, 1);
	folio_put(folio);
	is_int(folio_ref_count(folio), 1, "putback: refcount 1 again");
	ok(folio_test_lru(folio), "and on the LRU");
	checked("a failed move");
}

static void test_compact(void)
{
	unsigned long n = 3000, i, a;
	struct compact_stats st;
	int bad = 0;

	mm_boot(16UL << 20, 1);
	a = (unsigned long)do_mmap(current->mm, 0, n * PAGE_SIZE, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, VM_NOHUGEPAGE, NULL, 0);
	for (i = 0; i < n; i += HPAGE_PMD_NR)
		touch_page(a + i * PAGE_SIZE, true);	/* page tables first, together */
	for (i = 0; i < n; i++)
		set_page_value(touch_page(a + i * PAGE_SIZE, true), i + 1);
	for (i = 1; i < n; i += 2)
		do_madvise(current->mm, a + i * PAGE_SIZE, PAGE_SIZE, MADV_DONTNEED);
	checked("fragmenting 16 MiB");
	compact_node(0, &st);
	ok(st.migrated > 0, "compact_node moved pages: %lu", st.migrated);
	is_int(st.result, COMPACT_COMPLETE, "the scanners met: COMPACT_COMPLETE");
	for (i = 0; i < n; i += 2)
		bad += page_value(touch_page(a + i * PAGE_SIZE, false)) != i + 1;
	is_int(bad, 0, "every kept page holds its value");
	ok(free_blocks_of_order(0, 9) + free_blocks_of_order(0, 10) > 0, "a free 2 MiB block");
	checked("compact_node");
}

int main(void)
{
	mm_boot(64UL << 20, 1);
	test_move();
	test_extra_ref();
	test_compact();
	mm_machine_destroy();
	return done_testing();
}
