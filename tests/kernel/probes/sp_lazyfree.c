/*
 * sp_lazyfree.c - MADV_FREE, then MADV_PAGEOUT: reclaim discarding lazily
 * freed anonymous memory, and the per-CPU lru_lazyfree batch.
 *
 * The probe binds itself to CPU 0 (the batches are per CPU; thpsh has
 * one) and holds thpsh's live-session lock while it runs.  With "zram"
 * it turns a 1 GiB zram swap device on for the run (disksize, mkswap,
 * swapon; swapoff and reset on every exit path); "none" runs without
 * swap.  Regions are 2 MiB aligned, MADV_HUGEPAGE and filled with a
 * per-page value pattern unless said:
 *   all        : MADV_FREE 2 MiB, MADV_PAGEOUT 2 MiB
 *   all-write  : MADV_FREE 2 MiB, write page 5, MADV_PAGEOUT 2 MiB twice
 *   all-read   : MADV_FREE 2 MiB, read page 5, MADV_PAGEOUT 2 MiB
 *   half       : MADV_FREE first 1 MiB, MADV_PAGEOUT first 1 MiB
 *   half-write : MADV_FREE first 1 MiB, write page 5, MADV_PAGEOUT 1 MiB
 *   half-all   : MADV_FREE first 1 MiB, MADV_PAGEOUT 2 MiB
 *   one        : MADV_FREE page 3, MADV_PAGEOUT page 3
 *   small      : 512 4K pages (MADV_NOHUGEPAGE), MADV_FREE all, PAGEOUT all
 *   small-write: the same with page 5 written in between
 *   ptemapped  : a THP PTE-mapped by mprotect(4K RO) and back, FREE, PAGEOUT
 *   mthp       : hugepages-64kB/enabled=always, a 2 MiB region without
 *                MADV_HUGEPAGE (32 64K folios), FREE all, PAGEOUT all
 *   drain-<op> : 64 4K pages, MADV_FREE of the first 40 (31 move, 9 stay
 *                in the batch), then <op>; LazyFree and pglazyfree tell
 *                whether <op> drained the batch
 * Prints counter deltas (the THP ones, pglazyfree, pglazyfreed, pswpout,
 * pgactivate ...), smaps, pagemap and kpageflags, and what the pages
 * read back (the pattern, 0, or other).
 *
 *   cc -O2 -Wall -o /tmp/sp_lazyfree tests/kernel/probes/sp_lazyfree.c
 *   /tmp/sp_lazyfree none|zram [runs]        (root)
 */
#include "sp_common.h"
#include <sched.h>

/* On CPU 0 (the batches are per CPU), under the live lock, zram swap on if asked. */
static void setup(int zram)
{
	cpu_set_t cpus;

	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus))
		sp_die("sched_setaffinity");
	sp_live_lock();
	if (zram)
		sp_swap_setup("zram");
}

/* The counters sp_snap_take() leaves out, added under their own names. */
static void snap(struct sp_snap *s)
{
	static const char *const vm[] = { "pglazyfree", "pglazyfreed", "pswpin",
		"pswpout", "pgmajfault", "swpout_zero", "pgactivate", "pgdeactivate",
		NULL };
	static const char *const mi[] = { "SwapFree", NULL };

	sp_snap_take(s);
	sp_snap_extra(s, vm, mi);
}

static struct sp_snap sa, sb;

static int advise(char *p, size_t len, int adv, const char *label)
{
	int ret;

	snap(&sa);
	ret = madvise(p, len, adv);
	snap(&sb);
	sp_snap_print_delta(label, &sa, &sb);
	if (ret)
		printf("  %s -> %d %s\n", label, ret, strerror(errno));
	return ret;
}

static void smaps(const char *label, char *p)
{
	static const char *const f[] = { "Rss", "AnonHugePages", "Swap",
		"Private_Clean", "Private_Dirty", "LazyFree", NULL };
	int i;

	printf("  smaps %-10s:", label);
	for (i = 0; f[i]; i++)
		printf(" %s=%ld", f[i], sp_smaps(getpid(), (unsigned long)p, f[i]));
	printf(" (kB)\n");
}

/* Present, swapped and absent pages of [p, p + n pages). */
static void pm_range(const char *label, char *p, int n)
{
	int i, present = 0, swapped = 0;

	for (i = 0; i < n; i++) {
		uint64_t e = sp_pagemap(getpid(), (unsigned long)p + i * SP_PAGE);

		present += SP_PM_PRESENT(e);
		swapped += SP_PM_SWAP(e);
	}
	printf("  pagemap %-8s %d pages: present=%d swapped=%d none=%d\n", label, n,
	       present, swapped, n - present - swapped);
}

static void pages(const char *label, char *p, const int *idx)
{
	char l[32];

	for (; *idx >= 0; idx++) {
		snprintf(l, sizeof(l), "%s p[%d]", label, *idx);
		sp_page_print(l, getpid(), (unsigned long)p + *idx * SP_PAGE);
	}
}

/* What the pages read back, last (a read fault maps the zero page). */
static void values(char *p, int n, uint64_t tag)
{
	int i, same = 0, zero = 0, other = 0, first_zero = -1;

	for (i = 0; i < n; i++) {
		uint64_t v = *(volatile uint64_t *)(p + i * SP_PAGE + 8);

		if (v == (tag ^ i)) {
			same++;
		} else if (!v) {
			zero++;
			if (first_zero < 0)
				first_zero = i;
		} else {
			other++;
		}
	}
	printf("  values: %d intact, %d read 0 (first %d), %d other\n", same, zero,
	       first_zero, other);
}

static char *region(uint64_t tag, int huge)
{
	char *p = sp_mmap_aligned(SP_PMD, SP_PMD);

	if (madvise(p, SP_PMD, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE))
		sp_die("madvise");
	sp_fill(p, SP_PMD, tag);
	if (huge && sp_smaps(getpid(), (unsigned long)p, "AnonHugePages") != 2048)
		printf("  WARNING: no PMD THP\n");
	return p;
}

static void wr(char *p, int i, uint64_t tag)
{
	*(volatile uint64_t *)(p + i * SP_PAGE + 8) = tag ^ i;
}

/* FREE [off, off + flen), maybe touch page 5, PAGEOUT [poff, poff + plen) @times. */
static void lazy_case(const char *name, int r, int huge, size_t off, size_t flen,
		      int touch, size_t poff, size_t plen, int times)
{
	static const int idx[] = { 0, 3, 5, 300, -1 };
	uint64_t tag = 0xb000 + r * 16 + (uint64_t)flen / SP_PAGE;
	char *p = region(tag, huge);
	char l[48];
	int t;

	printf("== %s run %d\n", name, r);
	advise(p + off, flen, MADV_FREE, "MADV_FREE");
	smaps("free", p);
	pages("free", p, idx);
	if (touch == 'w')
		wr(p, 5, tag);
	else if (touch == 'r')
		(void)*(volatile uint64_t *)(p + 5 * SP_PAGE + 8);
	if (touch)
		smaps(touch == 'w' ? "written" : "read", p);
	for (t = 1; t <= times; t++) {
		snprintf(l, sizeof(l), "MADV_PAGEOUT #%d", t);
		advise(p + poff, plen, MADV_PAGEOUT, l);
		smaps("pageout", p);
		pages("pageout", p, idx);
		pm_range("pageout", p, 512);
	}
	values(p, 512, tag);
	munmap(p, SP_PMD);
}

/* A THP mapped by PTEs (its PMD split by mprotect and back), FREE, PAGEOUT. */
static void ptemapped_case(int r)
{
	static const int idx[] = { 0, 5, -1 };
	uint64_t tag = 0xc000 + r;
	char *p = region(tag, 1);

	printf("== ptemapped run %d\n", r);
	if (mprotect(p, SP_PAGE, PROT_READ) || mprotect(p, SP_PAGE, PROT_READ | PROT_WRITE))
		sp_die("mprotect");
	smaps("ptemapped", p);
	advise(p, SP_PMD, MADV_FREE, "MADV_FREE");
	smaps("free", p);
	advise(p, SP_PMD, MADV_PAGEOUT, "MADV_PAGEOUT");
	smaps("pageout", p);
	pages("pageout", p, idx);
	pm_range("pageout", p, 512);
	values(p, 512, tag);
	munmap(p, SP_PMD);
}

static void mthp_case(int r)
{
	static const int idx[] = { 0, 15, 16, -1 };
	uint64_t tag = 0xd000 + r;
	char *p;

	sp_set(SP_THP "/hugepages-64kB/enabled", "always");
	p = sp_mmap_aligned(SP_PMD, SP_PMD);
	sp_fill(p, SP_PMD, tag);
	printf("== mthp run %d\n", r);
	smaps("faulted", p);
	advise(p, SP_PMD, MADV_FREE, "MADV_FREE");
	smaps("free", p);
	advise(p, SP_PMD, MADV_PAGEOUT, "MADV_PAGEOUT");
	smaps("pageout", p);
	pages("pageout", p, idx);
	pm_range("pageout", p, 512);
	values(p, 512, tag);
	munmap(p, SP_PMD);
	sp_restore_all();
}

/* ---- drain points: what empties the batch ---- */

static char *other;	/* an unrelated 2 MiB region, faulted */

static void op_collapse(void)
{
	char *q = region(0x77, 1);

	snap(&sa);
	madvise(q, SP_PMD, MADV_COLLAPSE);
	munmap(q, SP_PMD);
}

static void run_op(const char *op, char *p)
{
	pid_t pid;
	int pfd[2];
	char c;

	if (!strcmp(op, "none")) {
		getpid();
	} else if (!strcmp(op, "munmap-other")) {
		munmap(other + SP_PMD - SP_PAGE, SP_PAGE);
	} else if (!strcmp(op, "mprotect-other")) {
		mprotect(other, SP_PAGE, PROT_READ);
	} else if (!strcmp(op, "mremap-other")) {
		/* cannot grow in place: moved, the old page unmapped */
		if (mremap(other + 100 * SP_PAGE, SP_PAGE, 2 * SP_PAGE, MREMAP_MAYMOVE) == MAP_FAILED)
			sp_die("mremap");
	} else if (!strcmp(op, "dontneed-other")) {
		madvise(other + SP_PAGE, SP_PAGE, MADV_DONTNEED);
	} else if (!strcmp(op, "free-other")) {
		madvise(other + 2 * SP_PAGE, SP_PAGE, MADV_FREE);
	} else if (!strcmp(op, "fault-other")) {
		other[20 * SP_PAGE] = 1;
	} else if (!strcmp(op, "write-batched")) {
		p[35 * SP_PAGE + 8]++;
		p[35 * SP_PAGE + 8]--;
	} else if (!strcmp(op, "fork-wait")) {
		if (pipe(pfd))
			sp_die("pipe");
		pid = fork();
		if (!pid) {
			close(pfd[1]);
			(void)!read(pfd[0], &c, 1);
			_exit(0);
		}
		close(pfd[0]);
		usleep(100000);
		smaps("forked", p);
		close(pfd[1]);
		waitpid(pid, NULL, 0);
	} else if (!strcmp(op, "drop-caches")) {
		sp_drop_caches2();
	} else if (!strcmp(op, "collapse-other")) {
		op_collapse();
	} else if (!strcmp(op, "munmap-self")) {
		munmap(p + 60 * SP_PAGE, SP_PAGE);
	} else if (!strcmp(op, "sleep")) {
		sleep(2);
	}
}

static void drain_case(const char *op, int r)
{
	static const int idx[] = { 30, 31, 39, -1 };
	uint64_t tag = 0xe000 + r;
	char *p = sp_mmap_aligned(64 * SP_PAGE, SP_PAGE);
	char l[48];

	other = region(0x55, 0);
	sp_fill(p, 64 * SP_PAGE, tag);
	printf("== drain-%s run %d\n", op, r);
	advise(p, 40 * SP_PAGE, MADV_FREE, "MADV_FREE 40 pages");
	smaps("free", p);
	pages("free", p, idx);
	snap(&sa);
	run_op(op, p);
	snap(&sb);
	snprintf(l, sizeof(l), "%s", op);
	sp_snap_print_delta(l, &sa, &sb);
	smaps(op, p);
	pages(op, p, idx);
	munmap(p, 64 * SP_PAGE);
	munmap(other, SP_PMD);
}

/* exit_mmap of a child that freed 40 pages: pglazyfree seen by the parent. */
static void exit_case(int r)
{
	pid_t pid;

	printf("== drain-exit run %d\n", r);
	snap(&sa);
	pid = fork();
	if (!pid) {
		char *p = sp_mmap_aligned(64 * SP_PAGE, SP_PAGE);

		sp_fill(p, 64 * SP_PAGE, 1);
		madvise(p, 40 * SP_PAGE, MADV_FREE);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	snap(&sb);
	sp_snap_print_delta("child free 40, exit", &sa, &sb);
}

int main(int argc, char **argv)
{
	static const char *const ops[] = { "none", "sleep", "munmap-other", "mprotect-other",
		"mremap-other", "dontneed-other", "free-other", "fault-other", "write-batched",
		"fork-wait", "drop-caches", "collapse-other", "munmap-self", NULL };
	int runs = argc > 2 ? atoi(argv[2]) : 3, r, i;
	char buf[512];

	if (argc < 2 || (strcmp(argv[1], "none") && strcmp(argv[1], "zram")))
		sp_die("usage: sp_lazyfree none|zram [runs]");
	sp_init();
	setup(!strcmp(argv[1], "zram"));
	sp_read_file("/proc/swaps", buf, sizeof(buf));
	printf("/proc/swaps:\n%s\n", buf);
	for (r = 1; r <= runs; r++) {
		lazy_case("all", r, 1, 0, SP_PMD, 0, 0, SP_PMD, 1);
		lazy_case("all-write", r, 1, 0, SP_PMD, 'w', 0, SP_PMD, 2);
		lazy_case("all-read", r, 1, 0, SP_PMD, 'r', 0, SP_PMD, 1);
		lazy_case("half", r, 1, 0, SP_PMD / 2, 0, 0, SP_PMD / 2, 1);
		lazy_case("half-write", r, 1, 0, SP_PMD / 2, 'w', 0, SP_PMD / 2, 1);
		lazy_case("half-all", r, 1, 0, SP_PMD / 2, 0, 0, SP_PMD, 1);
		lazy_case("one", r, 1, 3 * SP_PAGE, SP_PAGE, 0, 3 * SP_PAGE, SP_PAGE, 1);
		lazy_case("small", r, 0, 0, SP_PMD, 0, 0, SP_PMD, 1);
		lazy_case("small-write", r, 0, 0, SP_PMD, 'w', 0, SP_PMD, 1);
		ptemapped_case(r);
		mthp_case(r);
		for (i = 0; ops[i]; i++)
			drain_case(ops[i], r);
		exit_case(r);
	}
	return 0;
}
