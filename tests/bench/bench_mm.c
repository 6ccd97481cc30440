/*
 * bench_mm.c - how fast and how small the simulated kernel is, against
 * the targets of SPEC.md:
 *
 *   THP fault < 1 us, PMD split < 5 us, deferred split < 10 us a folio,
 *   <= 48 bytes of host memory per resident base page, and a 64 GiB
 *   machine with 32 GiB of THPs faulted, every PMD split and shrunk in
 *   < 5 s and < 2 GiB.
 *
 * Also the cost of the tracing hooks when tracing is off, and the same
 * scenario on the live kernel when it can be run (root, THP madvise).
 * Prints figures; asserts nothing (make check does the asserting).
 * bench_mm fault|split|deferred|hooks|scale|live runs one part.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "mm/huge_mm.h"
#include "mm/internal.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long rss_kb(void)
{
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
			resident = 0;
		fclose(f);
	}
	return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static unsigned long map_huge(unsigned long len)
{
	return (unsigned long)do_mmap(current->mm, 0, len, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS, VM_HUGEPAGE, NULL, 0);
}

static void fault_range(unsigned long a, unsigned long len, unsigned long step)
{
	unsigned long off;
	struct page *page;
	const char *o;

	for (off = 0; off < len; off += step)
		if (access_user_page(current->mm, a + off, true, &page, &o)) {
			fprintf(stderr, "fault failed at %#lx\n", a + off);
			exit(1);
		}
}

/* The scale run: faults, PMD splits and deferred splits of @nr THPs. */
static void scale(unsigned long mem, unsigned long thp_bytes)
{
	unsigned long a, nr = thp_bytes / PMD_SIZE, i;
	unsigned long free0, used;
	long rss0, rss1;
	double t0, t1, t2, t3;

	mm_boot(mem, 1);
	free0 = nr_free_pages_node(0);
	rss0 = rss_kb();
	a = map_huge(thp_bytes);
	t0 = now();
	fault_range(a, thp_bytes, PMD_SIZE);
	t1 = now();
	rss1 = rss_kb();
	used = free0 - nr_free_pages_node(0);
	for (i = 0; i < nr; i++)
		do_vmi_munmap(current->mm, a + i * PMD_SIZE + PAGE_SIZE, PAGE_SIZE);
	t2 = now();
	drop_slab();
	t3 = now();
	printf("scale: %lu GiB machine, %lu GiB of THPs (%lu):\n", mem >> 30, thp_bytes >> 30, nr);
	printf("  THP fault (cold host memory) %5.3f us each\n", (t1 - t0) / nr * 1e6);
	printf("  munmap 4K (PMD split)     %8.3f us each\n", (t2 - t1) / nr * 1e6);
	printf("  deferred split (shrink)   %8.3f us a folio\n", (t3 - t2) / nr * 1e6);
	printf("  total                     %8.3f s\n", t3 - t0);
	/* resident: the THPs and the page tables, deposited ones included */
	printf("  host memory per resident base page: %.1f bytes (%lu pages)\n",
	       (rss1 - rss0) * 1024.0 / used, used);
	printf("  peak host RSS             %8.1f MiB\n", rss_kb() / 1024.0);
	printf("  vmstat: thp_fault_alloc %lu, thp_split_pmd %lu, thp_split_page %lu\n",
	       vm_events[THP_FAULT_ALLOC], vm_events[THP_SPLIT_PMD], vm_events[THP_SPLIT_PAGE]);
}

/*
 * THP faults on memory the host has already materialized: the best of
 * five rounds of faulting and unmapping @nr THPs, in us a fault.
 */
static double warm_faults(unsigned long nr)
{
	double t0, t, best = 1e9;
	unsigned long a;
	int round;

	for (round = 0; round < 6; round++) {
		a = map_huge(nr * PMD_SIZE);
		t0 = now();
		fault_range(a, nr * PMD_SIZE, PMD_SIZE);
		t = now() - t0;
		if (round && t < best)	/* round 0 warms the host */
			best = t;
		do_vmi_munmap(current->mm, a, nr * PMD_SIZE);
	}
	return best / nr * 1e6;
}

static void warm_fault(unsigned long nr)
{
	mm_boot(16UL << 30, 1);
	printf("THP fault (warm host memory)  %8.3f us each over %lu\n", warm_faults(nr), nr);
}

/* PMD split alone: split_huge_pmd_address on fresh THPs. */
static void pmd_split(unsigned long nr)
{
	unsigned long a, i;
	double t0, t1;

	mm_boot(16UL << 30, 1);
	a = map_huge(nr * PMD_SIZE);
	fault_range(a, nr * PMD_SIZE, PMD_SIZE);
	t0 = now();
	for (i = 0; i < nr; i++)
		split_huge_pmd_address(vma_lookup(current->mm, a), a + i * PMD_SIZE, false);
	t1 = now();
	printf("PMD split (__split_huge_pmd)  %8.3f us each over %lu\n", (t1 - t0) / nr * 1e6, nr);
}

/*
 * The deferred split alone, in one VMA: MADV_DONTNEED of one page per THP
 * queues each folio without splitting the VMA; the shrinker then splits
 * them all (remap_page walks the rmap once per new folio: 512 times).
 * With @data every page holds a value; without, every page is zero-filled
 * and 6.18 maps the 511 pieces to the shared zero page and frees them
 * (RMP_USE_SHARED_ZEROPAGE for a partially mapped folio).
 */
static void deferred_split(unsigned long nr, bool data)
{
	unsigned long a, i, off;
	struct page *page;
	const char *o;
	double t0;

	mm_boot(16UL << 30, 1);
	a = map_huge(nr * PMD_SIZE);
	fault_range(a, nr * PMD_SIZE, PMD_SIZE);
	for (off = 0; data && off < nr * PMD_SIZE; off += PAGE_SIZE)
		if (!access_user_page(current->mm, a + off, true, &page, &o))
			set_page_value(page, off | 1);
	for (i = 0; i < nr; i++)
		do_madvise(current->mm, a + i * PMD_SIZE + PAGE_SIZE, PAGE_SIZE, MADV_DONTNEED);
	t0 = now();
	drop_slab();
	printf("deferred split (shrink), one VMA, %s %5.3f us a folio over %lu\n",
	       data ? "pages with data " : "zero-filled pages", (now() - t0) / nr * 1e6, nr);
}

static void count_line(const char *line, void *arg)
{
	(void)line;
	++*(unsigned long *)arg;
}

/*
 * What watching costs a THP fault: nothing watching (a store and two
 * branches per simulated call), a breakpoint set on a function the fault
 * never calls (every call looks it up), and the graph tracer on with
 * its lines formatted and thrown away.
 */
static void trace_cost(unsigned long nr)
{
	unsigned long lines = 0;
	double off, hooks, graph;

	mm_boot(16UL << 30, 1);
	off = warm_faults(nr);
	kbreak_add("zap_pte_range", false, 0);
	hooks = warm_faults(nr);
	kbreak_del("zap_pte_range", false, &(int){ 0 });
	ftrace_set_output(count_line, &lines);
	ftrace_graph_start();
	graph = warm_faults(nr);
	ftrace_graph_stop();
	ftrace_set_output(NULL, NULL);
	printf("THP fault: tracing off %.3f us, a breakpoint elsewhere %.3f us, "
	       "graph tracer on %.3f us (%lu lines per fault and unmap, discarded)\n",
	       off, hooks, graph, lines / (6 * nr));
}

/* The same scenario on the live kernel: fault, munmap 4K, drop_caches. */
static void live(unsigned long nr)
{
	char *p, *a;
	unsigned long i, len = nr * PMD_SIZE;
	double t0, t1, t2, t3;
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);

	if (fd < 0 || geteuid() != 0) {
		printf("live kernel: skipped (needs root)\n");
		if (fd >= 0)
			close(fd);
		return;
	}
	p = mmap(NULL, len + PMD_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	a = (char *)ALIGN((unsigned long)p, PMD_SIZE);
	madvise(a, len, 14 /* MADV_HUGEPAGE */);
	t0 = now();
	for (i = 0; i < len; i += PMD_SIZE)
		a[i] = 1;
	t1 = now();
	for (i = 0; i < nr; i++)
		munmap(a + i * PMD_SIZE + PAGE_SIZE, PAGE_SIZE);
	t2 = now();
	if (write(fd, "2", 1) != 1)
		perror("drop_caches");
	t3 = now();
	close(fd);
	munmap(p, len + PMD_SIZE);
	printf("live kernel, %lu THPs: fault %.3f us, munmap 4K %.3f us, drop_caches %.3f us a folio\n",
	       nr, (t1 - t0) / nr * 1e6, (t2 - t1) / nr * 1e6, (t3 - t2) / nr * 1e6);
}

/* With an argument, runs only that part (for perf record). */
int main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;

#define PART(name, call) do { if (!only || !strcmp(only, name)) call; } while (0)
	PART("fault", warm_fault(4096));
	PART("split", pmd_split(4096));
	PART("deferred", (deferred_split(4096, true), deferred_split(4096, false)));
	PART("hooks", trace_cost(4096));
	PART("scale", (scale(4UL << 30, 2UL << 30), scale(64UL << 30, 32UL << 30)));
	PART("live", live(512));
#undef PART
	return 0;
}
