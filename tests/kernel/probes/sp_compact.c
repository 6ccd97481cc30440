/*
 * sp_compact.c - memory compaction and the THP fault's defrag policy on
 * the live kernel.
 *
 *   counters : which compaction/migration counters /proc/vmstat has
 *   compact  : 256 MiB of MADV_NOHUGEPAGE pages, filled, every other 4K
 *              page MADV_DONTNEED'd; then echo 1 > /proc/sys/vm/compact_memory:
 *              counter deltas, how many of the kept pages changed pfn,
 *              whether they stayed exclusive, values, trace event counts
 *   thp      : 8 PMD THPs, compact_memory: do they move?
 *   mthp     : 64 64K folios (hugepages-64kB/enabled=always, restored),
 *              compact_memory: do they move, whole?
 *   pinned   : a page pinned with vmsplice? no: an io_uring buffer is not
 *              needed; MAP_LOCKED is not a pin.  Left out (see FACTS.md).
 *   fault    : defrag = always/defer/defer+madvise/madvise/never x VMA
 *              madvised or not: one 2 MiB write fault with free order-9
 *              blocks available: compact_* / thp_fault_* deltas
 *
 * Memory stays far below 25% of MemAvailable (at most 256 MiB at once).
 * The counters are global: compact_memory also moves other processes'
 * pages, so pgmigrate_* deltas are the whole machine's.
 *
 *   cc -O2 -Wall -o /tmp/sp_compact tests/kernel/probes/sp_compact.c
 *   /tmp/sp_compact [runs]        (root)
 */
#include "sp_common.h"

#include <time.h>

#define SP_FRAG (256UL << 20)

static const char *const cvm[] = {
	"pgmigrate_success", "pgmigrate_fail", "compact_migrate_scanned",
	"compact_free_scanned", "compact_isolated", "compact_stall",
	"compact_fail", "compact_success", "compact_daemon_wake",
	"compact_daemon_migrate_scanned", "compact_daemon_free_scanned",
	"numa_pages_migrated", NULL };

static void snap(struct sp_snap *s)
{
	sp_snap_take(s);
	sp_snap_extra(s, cvm, NULL);
}

static void buddy_normal(const char *label)
{
	char buf[4096], *l;

	if (sp_read_file("/proc/buddyinfo", buf, sizeof(buf)))
		return;
	for (l = strtok(buf, "\n"); l; l = strtok(NULL, "\n"))
		if (strstr(l, "Normal"))
			printf("  buddyinfo %-8s: %s\n", label, strstr(l, "Normal"));
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void compact_memory(const char *label)
{
	static const char *const ev[] = { "compaction/mm_compaction_begin",
		"compaction/mm_compaction_end", "migrate/mm_migrate_pages",
		"migrate/mm_migrate_pages_start", NULL };
	struct sp_snap a, b;
	double t;

	sp_trace_start(ev);
	snap(&a);
	t = now();
	if (sp_write_file("/proc/sys/vm/compact_memory", "1"))
		sp_die("compact_memory");
	t = now() - t;
	snap(&b);
	printf("  compact_memory took %.3f s\n", t);
	sp_snap_print_delta(label, &a, &b);
	sp_trace_stop(3, "mm_migrate_pages:");
}

static void pfns(pid_t pid, char *p, size_t len, size_t step, uint64_t *out)
{
	size_t i;

	for (i = 0; i < len / step; i++)
		out[i] = sp_pagemap(pid, (unsigned long)p + i * step);
}

static void case_compact(void)
{
	size_t n = SP_FRAG / SP_PAGE, i, moved = 0, excl = 0, present = 0;
	char *p = sp_mmap_aligned(SP_FRAG, SP_PMD);
	uint64_t *before = calloc(n, 8), *after = calloc(n, 8);

	if (madvise(p, SP_FRAG, MADV_NOHUGEPAGE))
		sp_die("madvise");
	sp_fill(p, SP_FRAG, 0xc0ffee);
	for (i = 1; i < n; i += 2)
		if (madvise(p + i * SP_PAGE, SP_PAGE, MADV_DONTNEED))
			sp_die("dontneed");
	buddy_normal("before");
	pfns(getpid(), p, SP_FRAG, SP_PAGE, before);
	compact_memory("compact_memory");
	buddy_normal("after");
	pfns(getpid(), p, SP_FRAG, SP_PAGE, after);
	for (i = 0; i < n; i += 2) {
		present += SP_PM_PRESENT(after[i]);
		excl += SP_PM_EXCL(after[i]);
		moved += SP_PM_PFN(after[i]) != SP_PM_PFN(before[i]);
	}
	printf("  kept pages %zu: present %zu, exclusive %zu, moved %zu\n",
	       n / 2, present, excl, moved);
	for (i = 0, moved = 0; i < n; i += 2)
		if (*(volatile uint64_t *)(p + i * SP_PAGE + 8) != (0xc0ffee ^ i))
			moved++;
	printf("  values: %zu bad of the kept pages\n", moved);
	for (i = 1, moved = 0; i < n; i += 2)
		moved += SP_PM_PRESENT(after[i]);
	printf("  dontneed'd pages present after: %zu\n", moved);
	munmap(p, SP_FRAG);
	free(before);
	free(after);
}

static void case_large(const char *label, size_t len, size_t step)
{
	char *p = sp_mmap_aligned(len, SP_PMD);
	size_t n = len / step, i, moved = 0, whole = 0;
	uint64_t *before = calloc(n, 8), *after = calloc(n, 8);

	if (madvise(p, len, MADV_HUGEPAGE))
		sp_die("madvise");
	sp_fill(p, len, 0xbeef);
	pfns(getpid(), p, len, step, before);
	printf("  %s: AnonHugePages %ld kB before\n", label,
	       sp_smaps(getpid(), (unsigned long)p, "AnonHugePages"));
	compact_memory(label);
	pfns(getpid(), p, len, step, after);
	for (i = 0; i < n; i++) {
		uint64_t last = sp_pagemap(getpid(), (unsigned long)p + i * step + step - SP_PAGE);

		moved += SP_PM_PFN(after[i]) != SP_PM_PFN(before[i]);
		whole += SP_PM_PFN(last) == SP_PM_PFN(after[i]) + step / SP_PAGE - 1 &&
			 !(SP_PM_PFN(after[i]) & (step / SP_PAGE - 1));
	}
	printf("  %s: %zu folios, %zu moved, %zu still whole and aligned; values %d bad; AnonHugePages %ld kB\n",
	       label, n, moved, whole, sp_check(p, len, 0xbeef),
	       sp_smaps(getpid(), (unsigned long)p, "AnonHugePages"));
	munmap(p, len);
	free(before);
	free(after);
}

static void case_fault(void)
{
	static const char *const modes[] = { "always", "defer", "defer+madvise",
					     "madvise", "never" };
	int m, adv;

	for (m = 0; m < 5; m++)
		for (adv = 0; adv < 2; adv++) {
			struct sp_snap a, b;
			char *p = sp_mmap_aligned(SP_PMD, SP_PMD);
			char l[64];

			sp_set(SP_THP "/defrag", modes[m]);
			if (madvise(p, SP_PMD, adv ? MADV_HUGEPAGE : MADV_NORMAL))
				sp_die("madvise");
			snap(&a);
			p[0] = 1;
			snap(&b);
			snprintf(l, sizeof(l), "%s %s", modes[m], adv ? "madvised" : "plain");
			sp_snap_print_delta(l, &a, &b);
			munmap(p, SP_PMD);
		}
	sp_restore_all();
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 1, r;
	const char *only = argc > 2 ? argv[2] : NULL;
	char buf[256];

	sp_init();
	if (sp_read_file(SP_THP "/defrag", buf, sizeof(buf)) == 0)
		printf("defrag: %s\n", buf);
	for (r = 0; r < runs; r++) {
		printf("== run %d\n", r + 1);
		if (!only || !strcmp(only, "counters")) {
			struct sp_snap s;
			int i;

			snap(&s);
			printf("counters:");
			for (i = 0; cvm[i]; i++) {
				int j, found = 0;
				FILE *f = fopen("/proc/vmstat", "r");
				char line[256], name[80];
				long v;

				while (f && fgets(line, sizeof(line), f))
					if (sscanf(line, "%79s %ld", name, &v) == 2 &&
					    !strcmp(name, cvm[i]))
						found = 1;
				if (f)
					fclose(f);
				for (j = 0; j < 0; j++)
					;
				printf(" %s%s", cvm[i], found ? "" : "(MISSING)");
			}
			printf("\n");
		}
		if (!only || !strcmp(only, "compact")) {
			printf("-- compact\n");
			case_compact();
		}
		if (!only || !strcmp(only, "thp")) {
			printf("-- thp\n");
			case_large("thp", 8 * SP_PMD, SP_PMD);
		}
		if (!only || !strcmp(only, "mthp")) {
			printf("-- mthp\n");
			sp_set(SP_THP "/hugepages-64kB/enabled", "always");
			sp_set(SP_THP "/hugepages-2048kB/enabled", "never");
			case_large("mthp", 64 * 65536, 65536);
			sp_restore_all();
		}
		if (!only || !strcmp(only, "fault")) {
			printf("-- fault\n");
			case_fault();
		}
	}
	if (sp_read_file(SP_THP "/defrag", buf, sizeof(buf)) == 0)
		printf("defrag after: %s\n", buf);
	return 0;
}
