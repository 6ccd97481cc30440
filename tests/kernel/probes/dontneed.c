/*
 * dontneed.c - madvise(MADV_DONTNEED) of one 4 KiB page inside a
 * PMD-mapped THP, and of the whole 2 MiB; then drop_caches 2.
 *
 *   cc -O2 -Wall -o /tmp/dontneed probe.c dontneed.c && /tmp/dontneed [runs]
 */
#include "probe.h"

#include <stdlib.h>
#include <sys/mman.h>

#define TAGV 0xd0d0000000000000ULL

static int one(int run, int idx, size_t len)
{
	long long mark0 = collapse_mark(), dm;
	int kept = 0, clean;
	struct snap s0, s1;
	char tag[64], t[96];
	char *a = thp_area(HPSZ);
	unsigned long lo = (unsigned long)a, hi = lo + HPSZ;
	uint64_t head;
	volatile char *v = a;

	snprintf(tag, sizeof(tag), "run%d dontneed idx%d len%zuK", run, idx, len >> 10);
	fill_pages(a, HPNR, TAGV);
	head = pagemap_entry(a) & PM_PFN_MASK;
	printf("== %s: area %#lx head pfn 0x%llx\n", tag, lo, (unsigned long long)head);
	snap_take(&s0);
	if (madvise(a + (size_t)idx * PSZ, len, MADV_DONTNEED))
		die("madvise");
	snap_take(&s1);
	snprintf(t, sizeof(t), "%s after", tag);
	snap_delta(t, &s0, &s1);
	maps_print(t, lo, hi);
	smaps_print(t, a);
	page_runs(t, a, HPNR);
	pfn_runs(t, head, HPNR);

	shrink_watch_pfn = head + (uint64_t)idx;
	shrink_traced(tag, lo, hi);
	shrink_watch_pfn = 0;
	snprintf(t, sizeof(t), "%s after-shrink", tag);
	smaps_print(t, a);
	page_runs(t, a, HPNR);
	printf("%s: values intact %d/%d; dropped page reads %d\n", t,
	       check_pages(a, HPNR, TAGV, idx, idx + (int)(len / PSZ) - 1),
	       HPNR - (int)(len / PSZ), v[(size_t)idx * PSZ]);
	dm = collapse_mark() - mark0;
	if (len == PSZ)
		kept = pfns_match(a, HPNR, head, idx);
	clean = !dm && (len != PSZ || kept == 511);
	printf("%s guard: collapse counters %+lld, pfns kept %d -> %s\n", tag, dm,
	       kept, clean ? "CLEAN" : "DISTURBED (khugepaged/collapse?) - repeated");
	snap_take(&s0);
	(void)v[(size_t)idx * PSZ];
	snap_take(&s1);
	snprintf(t, sizeof(t), "%s re-read", tag);
	snap_delta(t, &s0, &s1);
	page_line(t, a + (size_t)idx * PSZ);
	munmap(a, HPSZ);
	return clean;
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 3, r;

	probe_init();
	print_thp_settings("settings");
	drop_caches(2);
	for (r = 1; r <= runs; r++) {
		int tries = 0;
		while (!one(r, 256, PSZ) && ++tries < 3)
			;
		tries = 0;
		while (!one(r, 0, PSZ) && ++tries < 3)
			;
		tries = 0;
		while (!one(r, 0, HPSZ) && ++tries < 3)
			;
	}
	probe_restore_all();
	print_thp_settings("settings after");
	return 0;
}
