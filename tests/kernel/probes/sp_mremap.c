/*
 * sp_mremap.c - mremap of a PMD-mapped anonymous THP.
 *
 * Cases (each on a fresh 2 MiB aligned MADV_HUGEPAGE THP filled with a
 * per-page value pattern):
 *   aligned  : move all 2 MiB to a 2 MiB aligned destination (MAYMOVE|FIXED)
 *   unaligned: move all 2 MiB to a destination 2 MiB aligned + 4 KiB
 *   half     : move the first 1 MiB to a 2 MiB aligned destination
 *   grow     : grow in place 2 MiB -> 4 MiB (room reserved behind it),
 *              then write-fault the new second 2 MiB
 *   shrink   : shrink in place by 4 KiB (2 MiB -> 2 MiB - 4 KiB), then
 *              drop_caches 2
 * Prints counter deltas, smaps at the destination, a pagemap range summary
 * and a value check.
 *
 *   cc -O2 -Wall -o /tmp/sp_mremap tests/kernel/probes/sp_mremap.c
 *   /tmp/sp_mremap [runs]        (root)
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

static char *do_mremap(char *old, size_t olen, size_t nlen, int flags,
		       char *dst, const char *label)
{
	struct sp_snap a, b;
	char *q;

	sp_snap_take(&a);
	q = mremap(old, olen, nlen, flags, dst);
	sp_snap_take(&b);
	if (q == MAP_FAILED)
		sp_die("mremap %s", label);
	sp_snap_print_delta(label, &a, &b);
	return q;
}

static void move_case(int r, const char *name, size_t dst_off, size_t len)
{
	uint64_t tag = 0x3000 + r;
	char *p = thp(tag), *dst = sp_reserve_aligned(4 * SP_PMD, SP_PMD), *q;
	struct sp_snap a, b;

	printf("== %s run %d: move %zu KiB to dst+%#zx (dst 2 MiB aligned)\n",
	       name, r, len >> 10, dst_off);
	q = do_mremap(p, len, len, MREMAP_MAYMOVE | MREMAP_FIXED,
		      dst + SP_PMD + dst_off, "mremap");
	sp_smaps_print("dst", getpid(), (unsigned long)q);
	sp_page_print("dst[0]", getpid(), (unsigned long)q);
	sp_range_print("dst", getpid(), (unsigned long)q, len);
	printf("  dst values bad=%d (expect 0)\n", sp_check(q, len, tag));
	if (len < SP_PMD) {
		sp_smaps_print("src rest", getpid(), (unsigned long)p + len);
		sp_range_print("src rest", getpid(), (unsigned long)p + len,
			       SP_PMD - len);
		printf("  src rest values bad=%d (expect 0)\n",
		       sp_check(p + len, SP_PMD - len, tag ^ (len / SP_PAGE)));
	}
	sp_snap_take(&a);
	sp_drop_caches2();
	sp_snap_take(&b);
	sp_snap_print_delta("drop_caches 2", &a, &b);
	munmap(dst, 4 * SP_PMD);
	munmap(p, SP_PMD);
}

static void grow_case(int r)
{
	uint64_t tag = 0x4000 + r;
	char *base = sp_reserve_aligned(2 * SP_PMD, SP_PMD), *p, *q;
	struct sp_snap a, b;

	printf("== grow run %d: 2 MiB -> 4 MiB in place\n", r);
	p = mmap(base, SP_PMD, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (p == MAP_FAILED)
		sp_die("mmap");
	munmap(base + SP_PMD, SP_PMD);	/* room to grow */
	if (madvise(p, SP_PMD, MADV_HUGEPAGE))
		sp_die("madvise");
	sp_fill(p, SP_PMD, tag);
	q = do_mremap(p, SP_PMD, 2 * SP_PMD, 0, NULL, "mremap grow");
	printf("  same address: %s\n", q == p ? "yes" : "no");
	sp_smaps_print("grown", getpid(), (unsigned long)q);
	sp_snap_take(&a);
	q[SP_PMD] = 1;
	sp_snap_take(&b);
	sp_snap_print_delta("write fault in new part", &a, &b);
	sp_smaps_print("grown", getpid(), (unsigned long)q);
	printf("  values bad=%d (expect 0)\n", sp_check(q, SP_PMD, tag));
	munmap(q, 2 * SP_PMD);
}

static void shrink_case(int r)
{
	uint64_t tag = 0x5000 + r;
	char *p = thp(tag), *q;
	struct sp_snap a, b;

	printf("== shrink run %d: 2 MiB -> 2 MiB - 4 KiB in place\n", r);
	q = do_mremap(p, SP_PMD, SP_PMD - SP_PAGE, 0, NULL, "mremap shrink");
	sp_smaps_print("shrunk", getpid(), (unsigned long)q);
	sp_range_print("shrunk", getpid(), (unsigned long)q, SP_PMD - SP_PAGE);
	sp_snap_take(&a);
	sp_drop_caches2();
	sp_snap_take(&b);
	sp_snap_print_delta("drop_caches 2", &a, &b);
	sp_range_print("shrunk", getpid(), (unsigned long)q, SP_PMD - SP_PAGE);
	printf("  values bad=%d (expect 0)\n", sp_check(q, SP_PMD - SP_PAGE, tag));
	munmap(q, SP_PMD);
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 3, r;

	sp_init();
	for (r = 1; r <= runs; r++) {
		move_case(r, "aligned", 0, SP_PMD);
		move_case(r, "unaligned", SP_PAGE, SP_PMD);
		move_case(r, "half", 0, SP_PMD / 2);
		grow_case(r);
		shrink_case(r);
	}
	return 0;
}
