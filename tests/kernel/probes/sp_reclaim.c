/*
 * sp_reclaim.c - MADV_PAGEOUT and MADV_FREE on a PMD-mapped anonymous THP
 * (this machine has no swap device).
 *
 * Each case faults a fresh 2 MiB aligned MADV_HUGEPAGE THP filled with a
 * per-page value pattern, then:
 *   pageout-all  : MADV_PAGEOUT of the whole 2 MiB
 *   pageout-half : MADV_PAGEOUT of the first 1 MiB
 *   free-all     : MADV_FREE of the whole 2 MiB, then drop_caches 2, then
 *                  read the values, then write one page
 *   free-half    : MADV_FREE of the first 1 MiB, then drop_caches 2
 *   free-4k      : MADV_FREE of one 4K page (page 3), then drop_caches 2
 * Prints counter deltas, smaps (incl. LazyFree), pagemap/kpageflags and how
 * many pages still hold their value.
 *
 *   cc -O2 -Wall -o /tmp/sp_reclaim tests/kernel/probes/sp_reclaim.c
 *   /tmp/sp_reclaim [runs]        (root)
 */
#include "sp_common.h"

static char *thp(uint64_t tag)
{
	char *p = sp_mmap_aligned(SP_PMD, SP_PMD);

	if (madvise(p, SP_PMD, MADV_HUGEPAGE))
		sp_die("madvise");
	sp_fill(p, SP_PMD, tag);
	if (sp_smaps(getpid(), (unsigned long)p, "AnonHugePages") != 2048)
		printf("  WARNING: no PMD THP\n");
	return p;
}

static void show(char *p)
{
	sp_smaps_print("region", getpid(), (unsigned long)p);
	sp_page_print("p[0]", getpid(), (unsigned long)p);
	sp_page_print("p[3]", getpid(), (unsigned long)p + 3 * SP_PAGE);
	sp_page_print("p[300]", getpid(), (unsigned long)p + 300 * SP_PAGE);
	sp_range_print("region", getpid(), (unsigned long)p, SP_PMD);
}

static void advise(char *p, size_t off, size_t len, int adv, const char *l)
{
	struct sp_snap a, b;
	int ret;

	sp_snap_take(&a);
	ret = madvise(p + off, len, adv);
	sp_snap_take(&b);
	printf("  madvise(%s) -> %d%s%s\n", l, ret, ret ? " " : "",
	       ret ? strerrorname_np(errno) : "");
	sp_snap_print_delta(l, &a, &b);
}

static void drop(void)
{
	struct sp_snap a, b;

	sp_snap_take(&a);
	sp_drop_caches2();
	sp_snap_take(&b);
	sp_snap_print_delta("drop_caches 2", &a, &b);
}

static void pageout(int r, size_t len, const char *name)
{
	uint64_t tag = 0x9000 + r;
	char *p = thp(tag);

	printf("== %s run %d\n", name, r);
	advise(p, 0, len, MADV_PAGEOUT, "MADV_PAGEOUT");
	show(p);
	drop();
	show(p);
	printf("  values bad=%d (expect 0)\n", sp_check(p, SP_PMD, tag));
	munmap(p, SP_PMD);
}

static void madvfree(int r, size_t off, size_t len, const char *name)
{
	uint64_t tag = 0xa000 + r;
	char *p = thp(tag);
	struct sp_snap a, b;

	printf("== %s run %d\n", name, r);
	advise(p, off, len, MADV_FREE, "MADV_FREE");
	show(p);
	drop();
	show(p);
	printf("  values bad=%d (pages whose value is gone; no memory "
	       "pressure here)\n", sp_check(p, SP_PMD, tag));
	sp_snap_take(&a);
	*(volatile uint64_t *)(p + off + 8) = tag ^ (off / SP_PAGE);
	sp_snap_take(&b);
	sp_snap_print_delta("write first freed page", &a, &b);
	show(p);
	munmap(p, SP_PMD);
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 3, r;
	char buf[256];

	sp_init();
	sp_read_file("/proc/swaps", buf, sizeof(buf));
	printf("/proc/swaps: %s\n", buf);
	for (r = 1; r <= runs; r++) {
		pageout(r, SP_PMD, "pageout-all");
		pageout(r, SP_PMD / 2, "pageout-half");
		madvfree(r, 0, SP_PMD, "free-all");
		madvfree(r, 0, SP_PMD / 2, "free-half");
		madvfree(r, 3 * SP_PAGE, SP_PAGE, "free-4k");
	}
	return 0;
}
