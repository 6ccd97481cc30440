/*
 * zero.c - the huge zero page: read fault, write after read, lifetime.
 *
 *   cc -O2 -Wall -o /tmp/zero probe.c zero.c && /tmp/zero [runs]
 *
 * Part L (lifetime, run first, in forked children so that this process
 *   never holds a huge-zero reference): child read-faults a region and
 *   exits; the parent then checks whether the next child allocates the
 *   huge zero folio again (thp_zero_page_alloc), with and without an
 *   "echo 2 > drop_caches" (shrink_huge_zero_folio_scan) in between.
 * Part R (per run): read fault -> counters, smaps, pagemap of all 512
 *   pages, kpageflags/kpagecount of the 512 zero pfns; a second region
 *   read-faulted by the same mm; then a one-byte write to the first region.
 */
#include "probe.h"

#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static uint64_t child_read_fault(const char *why)
{
	int pfd[2];
	pid_t pid;
	uint64_t pfn = 0;

	if (pipe(pfd))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		struct snap s0, s1;
		volatile char *a = thp_area(HPSZ);
		char tag[96];
		uint64_t p;

		snap_take(&s0);
		(void)a[0];
		snap_take(&s1);
		snprintf(tag, sizeof(tag), "L child(%s) read-fault", why);
		snap_delta(tag, &s0, &s1);
		p = pagemap_entry((const void *)a) & PM_PFN_MASK;
		printf("%s: zero pfn 0x%llx\n", tag, (unsigned long long)p);
		if (write(pfd[1], &p, sizeof(p)) != sizeof(p))
			_exit(1);
		_exit(0);
	}
	close(pfd[1]);
	if (read(pfd[0], &pfn, sizeof(pfn)) != sizeof(pfn))
		pfn = 0;
	close(pfd[0]);
	waitpid(pid, NULL, 0);
	return pfn;
}

static void part_lifetime(void)
{
	struct snap s0, s1;
	uint64_t p1, p2, p3;

	printf("L: thp_zero_page_alloc now %lld (since boot)\n",
	       (long long)({ struct vmstat v; vmstat_snap(&v); vmstat_get(&v, "thp_zero_page_alloc"); }));
	snap_take(&s0);
	drop_caches(2);
	snap_take(&s1);
	snap_delta("L initial drop_caches2", &s0, &s1);

	p1 = child_read_fault("first");
	printf("L: after child exit, zero pfn 0x%llx kpageflags:\n", (unsigned long long)p1);
	pfn_runs("L after-exit", p1 & ~511ULL, 512);
	p2 = child_read_fault("second, no shrink in between");
	printf("L: same pfn as first: %s\n", p1 == p2 ? "yes" : "NO");

	snap_take(&s0);
	drop_caches(2);
	snap_take(&s1);
	snap_delta("L drop_caches2 after children", &s0, &s1);
	pfn_runs("L old zero pfns after shrink", p2 & ~511ULL, 512);
	p3 = child_read_fault("third, after shrink");
	printf("L: third pfn 0x%llx, %s as before\n", (unsigned long long)p3,
	       p3 == p2 ? "same" : "different");
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 3, r;

	probe_init();
	print_thp_settings("settings");
	part_lifetime();

	for (r = 1; r <= runs; r++) {
		struct snap s0, s1;
		char tag[64];
		char *a = thp_area(HPSZ), *b = thp_area(HPSZ);
		volatile char *va = a;
		uint64_t zpfn;

		printf("== run %d: a=%p b=%p\n", r, (void *)a, (void *)b);
		snap_take(&s0);
		(void)va[0x12345];
		snap_take(&s1);
		snprintf(tag, sizeof(tag), "run%d read-fault a", r);
		snap_delta(tag, &s0, &s1);
		smaps_print(tag, a);
		page_runs(tag, a, HPNR);
		zpfn = pagemap_entry(a) & PM_PFN_MASK;
		printf("%s: zero pfn 0x%llx pfn%%512=%llu\n", tag,
		       (unsigned long long)zpfn, (unsigned long long)(zpfn % 512));
		pfn_runs(tag, zpfn, HPNR);

		snap_take(&s0);
		(void)((volatile char *)b)[7];
		snap_take(&s1);
		snprintf(tag, sizeof(tag), "run%d read-fault b (same mm)", r);
		snap_delta(tag, &s0, &s1);
		printf("%s: b zero pfn 0x%llx (same as a: %d)\n", tag,
		       (unsigned long long)(pagemap_entry(b) & PM_PFN_MASK),
		       (pagemap_entry(b) & PM_PFN_MASK) == zpfn);

		snap_take(&s0);
		a[0x12345] = 1;
		snap_take(&s1);
		snprintf(tag, sizeof(tag), "run%d write-after-read a", r);
		snap_delta(tag, &s0, &s1);
		smaps_print(tag, a);
		page_runs(tag, a, HPNR);
		printf("%s: values a[0x12345]=%d a[0]=%d a[0x1fffff]=%d\n", tag,
		       a[0x12345], a[0], a[0x1fffff]);
		pfn_runs("after write: old zero pfns", zpfn, 2);

		snap_take(&s0);
		munmap(a, HPSZ);
		munmap(b, HPSZ);
		snap_take(&s1);
		snprintf(tag, sizeof(tag), "run%d munmap a,b", r);
		snap_delta(tag, &s0, &s1);
	}
	print_thp_settings("settings after");
	return 0;
}
