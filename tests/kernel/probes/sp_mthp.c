/*
 * sp_mthp.c - multi-size THP (mTHP) for anonymous memory.
 *
 * Temporarily sets hugepages-64kB/enabled to "always" (and 16kB/32kB for
 * the small-VMA case); every changed knob is restored to its original value
 * on exit, on signals, and after each case.  Regions are mapped RW inside a
 * PROT_NONE reservation so they never merge with a neighbouring VMA.
 *   plain64   : 2 MiB region without MADV_HUGEPAGE, write one byte at +0
 *               and one at +100 KiB; then munmap one 4K page of the first
 *               64K folio; then drop_caches 2
 *   madv2m    : 2 MiB region with MADV_HUGEPAGE, one byte (which order?)
 *   madv256k  : 256 KiB region with MADV_HUGEPAGE, one byte
 *   small     : 16K, 32K, 64K = always; write one byte into a 32 KiB region
 *               (32K aligned), a 48 KiB region (16K aligned, not 32K) and a
 *               24 KiB region
 * Prints counter deltas (vmstat thp_*, per-size stats of every size),
 * smaps, and pagemap/kpageflags of the pages around the fault.
 *
 *   cc -O2 -Wall -o /tmp/sp_mthp tests/kernel/probes/sp_mthp.c
 *   /tmp/sp_mthp [runs]        (root)
 */
#include "sp_common.h"

#define HP(sz) SP_THP "/hugepages-" sz "/enabled"

/* RW anonymous region of len bytes at an address aligned to align (and not
 * aligned to 2*align when odd is set), fenced by PROT_NONE. */
static char *region(size_t len, size_t align, int odd)
{
	char *res = sp_reserve_aligned(2 * SP_PMD + len + 2 * align, SP_PMD);
	char *p = res + SP_PMD + (odd ? align : 0);

	if (mmap(p, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
		sp_die("mmap fixed");
	return p;
}

static void pages(const char *label, char *p, int from, int to)
{
	int i;
	char l[48];

	for (i = from; i < to; i++) {
		snprintf(l, sizeof(l), "%s[%d]", label, i);
		sp_page_print(l, getpid(), (unsigned long)p + i * SP_PAGE);
	}
}

static void fault(const char *label, char *p)
{
	struct sp_snap a, b;

	sp_snap_take(&a);
	*(volatile char *)p = 1;
	sp_snap_take(&b);
	sp_snap_print_delta(label, &a, &b);
}

static void plain64(int r)
{
	char *p = region(SP_PMD, SP_PMD, 0);
	struct sp_snap a, b;

	printf("== plain64 run %d (64kB=always, no madvise, region %p)\n", r,
	       (void *)p);
	fault("write fault +0", p);
	fault("write fault +100K", p + 100 * 1024);
	sp_smaps_print("region", getpid(), (unsigned long)p);
	pages("p", p, 0, 17);
	pages("p", p, 24, 33);
	sp_range_print("region", getpid(), (unsigned long)p, SP_PMD);

	sp_snap_take(&a);
	munmap(p + 5 * SP_PAGE, SP_PAGE);
	sp_snap_take(&b);
	sp_snap_print_delta("munmap page 5", &a, &b);
	pages("p", p, 0, 2);
	sp_snap_take(&a);
	sp_drop_caches2();
	sp_snap_take(&b);
	sp_snap_print_delta("drop_caches 2", &a, &b);
	pages("p", p, 0, 2);
	pages("p", p, 15, 17);
	sp_range_print("region", getpid(), (unsigned long)p, SP_PMD);
	munmap(p, SP_PMD);
}

static void madv(int r, size_t len, const char *name)
{
	char *p = region(len, len >= SP_PMD ? SP_PMD : 64 * 1024, 0);

	printf("== %s run %d (64kB=always, MADV_HUGEPAGE, %zu KiB)\n", name, r,
	       len >> 10);
	if (madvise(p, len, MADV_HUGEPAGE))
		sp_die("madvise");
	fault("write fault +0", p);
	sp_smaps_print("region", getpid(), (unsigned long)p);
	pages("p", p, 0, 2);
	pages("p", p, 15, 17);
	sp_range_print("region", getpid(), (unsigned long)p, len);
	munmap(p, len);
}

static void small(int r, size_t len, size_t align, int odd)
{
	char *p = region(len, align, odd);
	char l[64];

	printf("== small run %d: %zu KiB region at %p (aligned %zu KiB%s)\n", r,
	       len >> 10, (void *)p, align >> 10, odd ? ", not to twice that" : "");
	snprintf(l, sizeof(l), "write fault %zuK", len >> 10);
	fault(l, p);
	sp_range_print("region", getpid(), (unsigned long)p, len);
	pages("p", p, 0, 1);
	munmap(p, len);
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 3, r;
	char buf[128];

	sp_init();
	for (r = 1; r <= runs; r++) {
		sp_set(HP("64kB"), "always");
		plain64(r);
		madv(r, SP_PMD, "madv2m");
		madv(r, 256 * 1024, "madv256k");
		sp_set(HP("16kB"), "always");
		sp_set(HP("32kB"), "always");
		small(r, 32 * 1024, 32 * 1024, 0);
		small(r, 48 * 1024, 16 * 1024, 1);
		small(r, 24 * 1024, 8 * 1024, 1);
		sp_restore_all();
	}
	sp_read_file(HP("64kB"), buf, sizeof(buf));
	printf("restored 64kB: %s\n", buf);
	sp_read_file(HP("32kB"), buf, sizeof(buf));
	printf("restored 32kB: %s\n", buf);
	sp_read_file(HP("16kB"), buf, sizeof(buf));
	printf("restored 16kB: %s\n", buf);
	return 0;
}
