/*
 * mprotect.c - mprotect(PROT_READ) of one 4 KiB page inside a PMD-mapped
 * THP: counters, VMAs, PTE flags, deferred split?, then drop_caches 2.
 *
 *   cc -O2 -Wall -o /tmp/mprotect probe.c mprotect.c && /tmp/mprotect [runs]
 *
 * Every subpage holds a nonzero value (thp_underused cannot apply).
 */
#include "probe.h"

#include <stdlib.h>
#include <sys/mman.h>

#define TAGV 0x7a11000000000000ULL

static int one(int run, int idx)
{
	long long mark0 = collapse_mark(), dm;
	int kept, clean;
	struct snap s0, s1;
	char tag[64], t[96];
	char *a = thp_area(HPSZ);
	unsigned long lo = (unsigned long)a, hi = lo + HPSZ;
	uint64_t head;

	snprintf(tag, sizeof(tag), "run%d mprotect idx%d", run, idx);
	fill_pages(a, HPNR, TAGV);
	head = pagemap_entry(a) & PM_PFN_MASK;
	printf("== %s: area %#lx head pfn 0x%llx\n", tag, lo, (unsigned long long)head);
	snap_take(&s0);
	if (mprotect(a + (size_t)idx * PSZ, PSZ, PROT_READ))
		die("mprotect");
	snap_take(&s1);
	snprintf(t, sizeof(t), "%s after", tag);
	snap_delta(t, &s0, &s1);
	maps_print(t, lo, hi);
	smaps_print(t, a + (size_t)idx * PSZ);
	smaps_print(t, a + (size_t)(idx ? 0 : 1) * PSZ);
	page_runs(t, a, HPNR);

	shrink_traced(tag, lo, hi);
	snprintf(t, sizeof(t), "%s after-shrink", tag);
	page_runs(t, a, HPNR);
	printf("%s: values intact %d/512\n", t, check_pages(a, HPNR, TAGV, -1, -1));
	dm = collapse_mark() - mark0;
	kept = pfns_match(a, HPNR, head, -1);
	clean = !dm && kept == 512;
	printf("%s guard: collapse counters %+lld, pfns kept %d/512 -> %s\n", tag, dm,
	       kept, clean ? "CLEAN" : "DISTURBED (khugepaged/collapse?) - repeated");
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
		while (!one(r, 256) && ++tries < 3)
			;
		tries = 0;
		while (!one(r, 0) && ++tries < 3)
			;
	}
	probe_restore_all();
	print_thp_settings("settings after");
	return 0;
}
