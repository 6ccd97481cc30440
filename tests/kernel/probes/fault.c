/*
 * fault.c - anonymous THP write fault in a 2 MiB aligned MADV_HUGEPAGE VMA.
 *
 *   cc -O2 -Wall -o /tmp/fault probe.c fault.c && /tmp/fault [runs]
 *
 * Per run: counters around a one-byte write, smaps of the VMA, pagemap /
 * kpageflags / kpagecount of head, tails and all 512 pages (run-length),
 * then counters around munmap of the whole 2 MiB.
 */
#include "probe.h"

#include <stdlib.h>
#include <sys/mman.h>

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 3, r;

	probe_init();
	print_thp_settings("settings");
	for (r = 1; r <= runs; r++) {
		struct snap s0, s1, s2;
		char tag[64];
		char *a = thp_area(HPSZ);

		printf("== run %d: area %p..%p\n", r, (void *)a, (void *)(a + HPSZ));
		snprintf(tag, sizeof(tag), "run%d before", r);
		smaps_print(tag, a);
		page_line(tag, a);

		snap_take(&s0);
		a[0x12345] = 1; /* one byte, in page 18 */
		snap_take(&s1);
		snprintf(tag, sizeof(tag), "run%d write-fault", r);
		snap_delta(tag, &s0, &s1);
		smaps_print(tag, a);
		page_line(tag, a);
		page_line(tag, a + PSZ);
		page_line(tag, a + 18 * PSZ);
		page_line(tag, a + 511 * PSZ);
		page_runs(tag, a, HPNR);
		{
			uint64_t pfn = pagemap_entry(a) & PM_PFN_MASK;
			printf("%s: head pfn 0x%llx %s 512-aligned; byte read back %d\n",
			       tag, (unsigned long long)pfn,
			       pfn % 512 ? "NOT" : "is", a[0x12345]);
		}

		snap_take(&s0);
		munmap(a, HPSZ);
		snap_take(&s2);
		snprintf(tag, sizeof(tag), "run%d munmap-2M", r);
		snap_delta(tag, &s0, &s2);
	}
	print_thp_settings("settings after");
	return 0;
}
