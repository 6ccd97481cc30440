/*
 * test_swap.c - the swap device below what Lua reaches: the x86-64
 * encoding of swap PTEs, the cluster allocator's rules (one order per
 * cluster, no large entries on a swap file), and fork when a slot can
 * count no more references (swap_duplicate's -ENOMEM, which no script
 * reaches: it takes 32767 processes).  check() runs after every step.
 * The scenarios of tests/lua/swap.lua cover the rest.
 */
#include "tap.h"

#include "mm/check.h"
#include "mm/huge_mm.h"
#include "mm/swap.h"

static void checked(const char *step)
{
	char msg[512];

	if (!ok(mm_check(msg, sizeof(msg)) == 0, "check() after %s", step))
		printf("#   %s\n", msg);
}

/* arch/x86/include/asm/pgtable_64.h: type in 63..59, offset inverted in 58..9. */
static void test_encoding(void)
{
	pte_t ptes[4];
	int i;

	is_int((long long)pte_val(swp_entry_to_pte(swp_entry(0, 0x200))), 0x07fffffffffbfe00LL,
	       "offset 0x200 of type 0: the offset bits inverted");
	is_int((long long)swp_offset(pte_to_swp_entry(pte_swp_mkexclusive(
		swp_entry_to_pte(swp_entry(0, 0x200))))), 0x200,
	       "the exclusive bit (PWT) is not part of the offset");
	for (i = 0; i < 4; i++)
		ptes[i] = pte_swp_mkexclusive(swp_entry_to_pte(swp_entry(0, 100 + i)));
	is_int(swap_pte_batch(ptes, 4, ptes[0]), 4, "four consecutive entries make one batch");
	ptes[2] = swp_entry_to_pte(swp_entry(0, 102));
	is_int(swap_pte_batch(ptes, 4, ptes[0]), 2, "an entry not exclusive ends it");
	ptes[2] = pte_swp_mkexclusive(swp_entry_to_pte(swp_entry(0, 103)));
	is_int(swap_pte_batch(ptes, 4, ptes[0]), 2, "so does a gap in the offsets");
}

/* A locked anonymous-to-be folio of @order in the swap cache, or NULL. */
static struct folio *swapped_folio(unsigned int order, long *offset)
{
	struct folio *folio = folio_alloc(order ? GFP_TRANSHUGE : GFP_HIGHUSER_MOVABLE, order);

	folio_lock(folio);
	if (folio_alloc_swap(folio)) {
		*offset = -1;
		folio_unlock(folio);
		folio_put(folio);
		return NULL;
	}
	*offset = (long)swp_offset(folio_swap_entry(folio));
	return folio;
}

static void release(struct folio *folio)
{
	swap_cache_del_folio(folio);
	folio_unlock(folio);
	folio_put(folio);
}

/* 4 MiB: clusters 0 (slot 0 the header) and 1. */
static void test_allocator(void)
{
	struct folio *small, *small2, *thp, *none;
	long off;

	sys_swapon(4UL << 20, false);
	small = swapped_folio(0, &off);
	is_int(off, 1, "a page takes slot 1: cluster 0 holds the header");
	thp = swapped_folio(HPAGE_PMD_ORDER, &off);
	is_int(off, 512, "a THP takes the free cluster 1 whole");
	none = swapped_folio(4, &off);
	ok(!none && off == -1, "no 64K entry: no cluster is free, and cluster 0 holds order 0");
	small2 = swapped_folio(0, &off);
	is_int(off, 2, "a page still fits in cluster 0");
	is_int(get_nr_swap_pages(), 1023 - 514, "SwapFree: 514 slots in use");
	release(small);
	release(small2);
	release(thp);
	is_int(get_nr_swap_pages(), 1023, "every slot free again");
	checked("the allocations");
	sys_swapoff();
	sys_swapon(4UL << 20, true);
	none = swapped_folio(2, &off);
	ok(!none && off == -1, "a swap file holds no large entries");
	sys_swapoff();
	checked("the swap file");
}

/* fork fails cleanly when a slot's count is full; nothing is left behind. */
static void test_count_full(void)
{
	unsigned long a;
	unsigned short *map;
	struct page *page;
	const char *outcome;
	int pid;

	sys_swapon(4UL << 20, false);
	a = (unsigned long)do_mmap(current->mm, 0, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, 0, NULL, 0);
	access_user_page(current->mm, a, true, &page, &outcome);
	access_user_page(current->mm, a + PAGE_SIZE, true, &page, &outcome);
	do_madvise(current->mm, a, 2 * PAGE_SIZE, MADV_PAGEOUT);
	checked("two pages swapped out");
	map = &swap_info->swap_map[2];
	*map = SWAP_MAP_MAX;
	pid = kernel_clone(current);
	is_int(pid, -ENOMEM, "fork: -ENOMEM when the second slot counts no more");
	is_int(swap_info->swap_map[1], 1, "the first slot's count is back to 1");
	*map = 1;
	checked("the failed fork");
	do_vmi_munmap(current->mm, a, 4 * PAGE_SIZE);
	is_int(get_nr_swap_pages(), 1023, "munmap frees both slots");
	checked("munmap");
}

int main(void)
{
	void (*tests[])(void) = { test_encoding, test_allocator, test_count_full };
	size_t i;

	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		mm_boot(1UL << 30, 1);
		tests[i]();
	}
	return done_testing();
}
