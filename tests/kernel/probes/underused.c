/*
 * underused.c - the deferred-split shrinker's thp_underused() path.
 *
 *   cc -O2 -Wall -o /tmp/underused probe.c underused.c && /tmp/underused [runs]
 *
 * A fully PMD-mapped THP is queued on the deferred split list at fault
 * time (not partially mapped); deferred_split_scan() splits it only if
 * thp_underused(): more than khugepaged/max_ptes_none subpages are
 * zero-filled. Cases, each on a fresh THP, each followed by
 * echo 2 > drop_caches with counters and trace events:
 *   zero:    one byte written then zeroed again (all 512 subpages zero)
 *   one:     exactly one subpage (index 100) nonzero
 *   n102/n103: the first 102 / 103 subpages nonzero (boundary at 409)
 *   n300:    the first 300 subpages nonzero
 * Phase 1 with the live max_ptes_none (511), phase 2 with 409, phase 3
 * with 409 and shrink_underused=0. Settings are restored on every exit
 * path (atexit and signal handlers in probe.c) and printed at the end.
 */
#include "probe.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define TAGV 0x0b5e000000000000ULL

static int one(const char *phase, int run, const char *name, int first, int count)
{
	char tag[96], t[128];
	char *a = thp_area(HPSZ);
	unsigned long lo = (unsigned long)a, hi = lo + HPSZ;
	long long mark0 = collapse_mark(), dm;
	struct smaps sm;
	uint64_t head;
	int i, ok = 0, zero_ok = 0;

	snprintf(tag, sizeof(tag), "%s run%d %s", phase, run, name);
	a[0] = 1;       /* THP fault */
	a[0] = 0;
	for (i = first; i < first + count; i++)
		*(volatile uint64_t *)(a + (size_t)i * PSZ) = TAGV ^ (uint64_t)i;
	head = pagemap_entry(a) & PM_PFN_MASK;
	smaps_get(a, &sm);
	printf("== %s: area %#lx head pfn 0x%llx nonzero pages [%d,%d) Rss=%ld AnonHugePages=%ld\n",
	       tag, lo, (unsigned long long)head, first, first + count,
	       smaps_field(&sm, "Rss"), smaps_field(&sm, "AnonHugePages"));

	shrink_watch_pfn = head + 511; /* a zero-filled subpage in every case */
	shrink_traced(tag, lo, hi);
	shrink_watch_pfn = 0;

	snprintf(t, sizeof(t), "%s after-shrink", tag);
	smaps_print(t, a);
	page_runs(t, a, HPNR);
	for (i = 0; i < HPNR; i++) {
		uint64_t v = *(volatile uint64_t *)(a + (size_t)i * PSZ);
		if (i >= first && i < first + count)
			ok += v == (TAGV ^ (uint64_t)i);
		else
			zero_ok += v == 0 && !memchr(a + (size_t)i * PSZ, 1, 0);
	}
	printf("%s: values: %d/%d nonzero pages intact, %d/%d zero pages read 0\n",
	       t, ok, count, zero_ok, HPNR - count);
	/* reading the values above must not have changed the mapping */
	smaps_print(t, a);
	dm = collapse_mark() - mark0;
	printf("%s guard: collapse counters %+lld -> %s\n", tag, dm,
	       dm ? "DISTURBED (khugepaged/collapse?) - repeated" : "CLEAN");
	munmap(a, HPSZ);
	return !dm;
}

static void phase(const char *name, int runs)
{
	static const struct { const char *n; int first, count; } C[] = {
		{ "zero", 0, 0 }, { "one", 100, 1 }, { "n102", 0, 102 },
		{ "n103", 0, 103 }, { "n300", 0, 300 } };
	char p[64];
	int r;
	unsigned c;

	snprintf(p, sizeof(p), "%s(max_ptes_none=%ld,shrink_underused=%ld)", name,
		 read_file_long(THP_SYSFS "/khugepaged/max_ptes_none"),
		 read_file_long(THP_SYSFS "/shrink_underused"));
	for (r = 1; r <= runs; r++)
		for (c = 0; c < sizeof(C) / sizeof(C[0]); c++) {
			int tries = 0;
			while (!one(p, r, C[c].n, C[c].first, C[c].count) && ++tries < 3)
				;
		}
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 3;

	probe_init();
	print_thp_settings("settings");
	drop_caches(2);
	phase("P1", runs);
	if (probe_set(THP_SYSFS "/khugepaged/max_ptes_none", "409"))
		die("set max_ptes_none");
	phase("P2", runs);
	if (probe_set(THP_SYSFS "/shrink_underused", "0"))
		die("set shrink_underused");
	phase("P3", runs);
	probe_restore_all();
	print_thp_settings("settings after restore");
	return 0;
}
