/*
 * munmap.c - munmap of one 4 KiB page inside a PMD-mapped THP, then the
 * deferred-split shrinker; and munmap of the whole 2 MiB THP.
 *
 *   cc -O2 -Wall -o /tmp/munmap probe.c munmap.c && /tmp/munmap [runs]
 *
 * For page index 0, 256, 511 (first, middle, last) and each run:
 *   1. fault a THP and write a distinct nonzero value into every subpage
 *      (so thp_underused cannot be the reason for a split);
 *   2. munmap the one page: counters, VMAs, smaps, pagemap/kpageflags;
 *   3. echo 2 > drop_caches with trace events recorded: counters,
 *      migration entries (count, order, raw pte decoded), kpageflags after,
 *      whether the unmapped subpage was freed, values intact, Rss.
 * Then: munmap of a whole 2 MiB THP (counters), and drop_caches after it.
 * Then ("sparse"): only subpage 5 written nonzero, page 0 unmapped, shrink:
 *   after a successful anon split remap_page() maps zero-filled subpages to
 *   the shared zero page (RMP_USE_SHARED_ZEROPAGE), whatever the trigger.
 */
#include "probe.h"

#include <stdlib.h>
#include <sys/mman.h>

#define TAGV 0x5eed000000000000ULL

static int one(int run, int idx)
{
	long long mark0 = collapse_mark(), dm;
	int kept, clean;
	struct snap s0, s1;
	struct smaps sm;
	char tag[64];
	char *a = thp_area(HPSZ);
	unsigned long lo = (unsigned long)a, hi = lo + HPSZ;
	uint64_t head;
	long rss_before, rss_after;
	char *probe_addr = idx == 0 ? a + PSZ : a;

	snprintf(tag, sizeof(tag), "run%d idx%d", run, idx);
	fill_pages(a, HPNR, TAGV);
	head = pagemap_entry(a) & PM_PFN_MASK;
	printf("== %s: area %#lx head pfn 0x%llx (AnonHugePages=%ld)\n", tag, lo,
	       (unsigned long long)head,
	       (smaps_get(a, &sm), smaps_field(&sm, "AnonHugePages")));

	snap_take(&s0);
	if (munmap(a + (size_t)idx * PSZ, PSZ))
		die("munmap");
	snap_take(&s1);
	{
		char t[96];
		snprintf(t, sizeof(t), "%s munmap-4K", tag);
		snap_delta(t, &s0, &s1);
		maps_print(t, lo, hi);
		if (idx > 0)
			smaps_print(t, a);
		if (idx < 511)
			smaps_print(t, a + (size_t)(idx + 1) * PSZ);
		page_runs(t, a, HPNR);
		printf("%s: unmapped subpage pfn 0x%llx:\n", t,
		       (unsigned long long)(head + (uint64_t)idx));
		pfn_runs(t, head, HPNR);
	}
	rss_before = 0;
	if (idx > 0 && !smaps_get(a, &sm))
		rss_before += smaps_field(&sm, "Rss");
	if (idx < 511 && !smaps_get(a + (size_t)(idx + 1) * PSZ, &sm))
		rss_before += smaps_field(&sm, "Rss");

	shrink_watch_pfn = head + (uint64_t)idx;
	shrink_traced(tag, lo, hi);
	shrink_watch_pfn = 0;
	{
		char t[96];
		snprintf(t, sizeof(t), "%s after-shrink", tag);
		maps_print(t, lo, hi);
		page_runs(t, a, HPNR);
		pfn_runs(t, head, HPNR);
		printf("%s: unmapped subpage pfn 0x%llx kpageflags=0x%llx kpagecount=%llu\n",
		       t, (unsigned long long)(head + (uint64_t)idx),
		       (unsigned long long)kpageflags(head + (uint64_t)idx),
		       (unsigned long long)kpagecount(head + (uint64_t)idx));
		rss_after = 0;
		if (idx > 0 && !smaps_get(a, &sm))
			rss_after += smaps_field(&sm, "Rss");
		if (idx < 511 && !smaps_get(a + (size_t)(idx + 1) * PSZ, &sm))
			rss_after += smaps_field(&sm, "Rss");
		printf("%s: values intact %d/511; Rss %ld kB -> %ld kB\n", t,
		       check_pages(a, HPNR, TAGV, idx, idx), rss_before, rss_after);
		smaps_print(t, probe_addr);
	}
	dm = collapse_mark() - mark0;
	kept = pfns_match(a, HPNR, head, idx);
	clean = !dm && kept == 511;
	printf("%s guard: collapse counters %+lld, pfns kept %d/511 -> %s\n", tag, dm,
	       kept, clean ? "CLEAN" : "DISTURBED (khugepaged/collapse?) - repeated");
	munmap(a, HPSZ);
	return clean;
}

static void whole(int run)
{
	struct snap s0, s1;
	char tag[64];
	char *a = thp_area(HPSZ);

	snprintf(tag, sizeof(tag), "run%d whole", run);
	fill_pages(a, HPNR, TAGV);
	snap_take(&s0);
	munmap(a, HPSZ);
	snap_take(&s1);
	snprintf(tag, sizeof(tag), "run%d munmap-2M", run);
	snap_delta(tag, &s0, &s1);
	shrink_traced(tag, (unsigned long)a, (unsigned long)a + HPSZ);
}

static int sparse(int run)
{
	struct snap s0, s1;
	struct smaps sm;
	char tag[64], t[96];
	char *a = thp_area(HPSZ);
	unsigned long lo = (unsigned long)a, hi = lo + HPSZ;
	long long mark0 = collapse_mark(), dm;
	uint64_t head;

	snprintf(tag, sizeof(tag), "run%d sparse", run);
	a[0] = 1;
	a[0] = 0;
	*(volatile uint64_t *)(a + 5 * PSZ) = TAGV ^ 5;
	head = pagemap_entry(a) & PM_PFN_MASK;
	printf("== %s: area %#lx head pfn 0x%llx, only subpage 5 nonzero\n", tag, lo,
	       (unsigned long long)head);
	snap_take(&s0);
	munmap(a, PSZ);
	snap_take(&s1);
	snprintf(t, sizeof(t), "%s munmap-4K", tag);
	snap_delta(t, &s0, &s1);
	smaps_print(t, a + PSZ);
	shrink_traced(tag, lo, hi);
	snprintf(t, sizeof(t), "%s after-shrink", tag);
	smaps_get(a + PSZ, &sm);
	smaps_print(t, a + PSZ);
	page_runs(t, a, HPNR);
	printf("%s: subpage 5 value %s, others read 0: %d/510\n", t,
	       *(volatile uint64_t *)(a + 5 * PSZ) == (TAGV ^ 5) ? "intact" : "LOST",
	       ({ int i, z = 0; for (i = 1; i < HPNR; i++) if (i != 5) z += *(volatile uint64_t *)(a + (size_t)i * PSZ) == 0; z; }));
	dm = collapse_mark() - mark0;
	printf("%s guard: collapse counters %+lld -> %s\n", tag, dm,
	       dm ? "DISTURBED (khugepaged/collapse?) - repeated" : "CLEAN");
	munmap(a, HPSZ);
	return !dm;
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 3, r;
	static const int idxs[] = { 0, 256, 511 };
	unsigned i;

	probe_init();
	print_thp_settings("settings");
	/* start from an empty-ish deferred split queue */
	drop_caches(2);
	for (r = 1; r <= runs; r++) {
		for (i = 0; i < sizeof(idxs) / sizeof(idxs[0]); i++) {
			int tries = 0;
			while (!one(r, idxs[i]) && ++tries < 3)
				;
		}
		whole(r);
		{
			int tries = 0;
			while (!sparse(r) && ++tries < 3)
				;
		}
	}
	probe_restore_all();
	print_thp_settings("settings after");
	return 0;
}
