/*
 * sp_khugepaged.c - khugepaged collapses, provoked by a short scan sleep.
 *
 * Temporarily sets khugepaged/scan_sleep_millisecs to 100 (and, for one
 * case, max_ptes_none to 0 or max_ptes_shared to 0); every value is
 * restored on exit, on signals and between cases.
 *   full512 : 512 4K pages written under MADV_NOHUGEPAGE, then MADV_HUGEPAGE
 *   part100 : pages 0..99 written (412 none PTEs <= max_ptes_none 511)
 *   none0   : part100 with max_ptes_none=0           (expect exceed_none_pte)
 *   unref   : full512, then clear_refs 1 (young bits cleared)
 *   shared  : full512, then fork (child sleeps): all 512 PTEs shared
 *             (max_ptes_shared 256 -> expect exceed_shared_pte)
 *   free    : full512, then MADV_FREE (young and dirty bits cleared, the
 *             folios lazyfree)
 *   ptethp  : a PMD THP written under MADV_HUGEPAGE, its PMD split by
 *             mprotect(4K RO) and back: 512 PTEs of one order-9 folio
 * Each case waits up to 20 s for AnonHugePages to become 2048 kB (polling
 * every 20 ms) and reports the time, counter deltas (pages_collapsed,
 * full_scans, thp_collapse_alloc, ...) and the huge_memory trace events by
 * status (all mms, not only ours).
 *
 *   cc -O2 -Wall -o /tmp/sp_khugepaged tests/kernel/probes/sp_khugepaged.c
 *   /tmp/sp_khugepaged [runs]        (root)
 */
#include "sp_common.h"
#include <time.h>

#define KH SP_THP "/khugepaged/"

static const char *const ev[] = { "huge_memory/mm_khugepaged_scan_pmd",
	"huge_memory/mm_collapse_huge_page",
	"huge_memory/mm_collapse_huge_page_isolate", NULL };

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

enum kcase { FULL, PART, NONE0, UNREF, SHARED, FREE, PTETHP };

static void one(const char *name, enum kcase k, int r, double wait_s)
{
	uint64_t tag = 0x7000 + r;
	char *p = sp_mmap_aligned(SP_PMD, SP_PMD);
	size_t n = (k == PART || k == NONE0) ? 100 : 512;
	struct sp_snap a, b;
	double t0, t = -1;
	pid_t child = -1;

	printf("== %s run %d\n", name, r);
	if (madvise(p, SP_PMD, k == PTETHP ? MADV_HUGEPAGE : MADV_NOHUGEPAGE))
		sp_die("madvise");
	sp_fill(p, n * SP_PAGE, tag);
	if (k == PTETHP && (mprotect(p + SP_PAGE, SP_PAGE, PROT_READ) ||
			    mprotect(p + SP_PAGE, SP_PAGE, PROT_READ | PROT_WRITE)))
		sp_die("mprotect");
	if (k == FREE && madvise(p, SP_PMD, MADV_FREE))
		sp_die("madvise free");
	if (k == NONE0)
		sp_set(KH "max_ptes_none", "0");
	if (k == UNREF)
		sp_write_file("/proc/self/clear_refs", "1");
	if (k == SHARED) {
		child = fork();
		if (child == 0) {
			pause();
			_exit(0);
		}
	}
	sp_trace_start(ev);
	sp_snap_take(&a);
	t0 = now();
	if (madvise(p, SP_PMD, MADV_HUGEPAGE))
		sp_die("madvise hugepage");
	while (now() - t0 < wait_s) {
		if (sp_smaps(getpid(), (unsigned long)p, "AnonHugePages") == 2048) {
			t = now() - t0;
			break;
		}
		usleep(20000);
	}
	sp_snap_take(&b);
	sp_trace_stop(6, NULL);
	if (t >= 0)
		printf("  collapsed after %.2f s\n", t);
	else
		printf("  not collapsed within %.0f s\n", wait_s);
	sp_snap_print_delta("MADV_HUGEPAGE..end", &a, &b);
	sp_smaps_print("after", getpid(), (unsigned long)p);
	sp_range_print("after", getpid(), (unsigned long)p, SP_PMD);
	printf("  values bad=%d in the %zu written pages (expect 0)\n",
	       sp_check(p, n * SP_PAGE, tag), n);
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	sp_restore_all();
	sp_set(KH "scan_sleep_millisecs", "100");
	munmap(p, SP_PMD);
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 3, r;
	const char *const files[] = { "pages_collapsed", "full_scans",
		"scan_sleep_millisecs", "alloc_sleep_millisecs", "pages_to_scan",
		"max_ptes_none", "max_ptes_shared", "max_ptes_swap", "defrag",
		NULL };
	char path[256], buf[64];
	int i;

	sp_init();
	for (i = 0; files[i]; i++) {
		snprintf(path, sizeof(path), KH "%s", files[i]);
		sp_read_file(path, buf, sizeof(buf));
		printf("khugepaged/%s = %s\n", files[i], buf);
	}
	sp_set(KH "scan_sleep_millisecs", "100");
	for (r = 1; r <= runs; r++) {
		one("full512", FULL, r, 20);
		one("part100", PART, r, 20);
		one("none0", NONE0, r, 3);
		one("unref", UNREF, r, 3);
		one("shared", SHARED, r, 3);
		one("free", FREE, r, 3);
		one("ptethp", PTETHP, r, 20);
	}
	sp_restore_all();
	for (i = 0; files[i]; i++) {
		snprintf(path, sizeof(path), KH "%s", files[i]);
		sp_read_file(path, buf, sizeof(buf));
		printf("after: khugepaged/%s = %s\n", files[i], buf);
	}
	return 0;
}
