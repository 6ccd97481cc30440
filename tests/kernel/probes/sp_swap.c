/*
 * sp_swap.c - anonymous THPs and swap: MADV_PAGEOUT with a swap device,
 * pagemap of swapped pages, the fault that brings them back, munmap,
 * fork, mTHP swap-in, zero-filled THPs, khugepaged and MADV_COLLAPSE
 * over swap PTEs, swapoff.
 *
 * The swap device exists only while the probe runs: "zram" sets
 * /sys/block/zram0/disksize to 1 GiB (a synchronous block device,
 * SWP_SYNCHRONOUS_IO), "file" makes a 1 GiB file under /var/tmp (ext4:
 * not a block device); both get mkswap and swapon, and swapoff, zram
 * reset or unlink on every exit path.  While swap is on the probe holds
 * thpsh's live-session lock, so no thpsh --kernel run sees the swap.
 * Cases (every region 2 MiB aligned and MADV_HUGEPAGE unless said):
 *   pageout   : THP, MADV_PAGEOUT of 2 MiB, read page 3, read all
 *   write     : THP, MADV_PAGEOUT, write page 3
 *   munmap    : THP, MADV_PAGEOUT, munmap of the first 1 MiB, then the rest
 *   half      : THP, MADV_PAGEOUT of the first 1 MiB
 *   fork      : THP, MADV_PAGEOUT, fork; the child reads page 3, then the
 *               parent reads page 3, the child writes page 5
 *   mthp      : hugepages-64kB/enabled=always: a PMD THP swapped out and
 *               read back; a 64K mTHP (no MADV_HUGEPAGE) swapped out and
 *               read back
 *   zero      : a THP whose pages are all zero, MADV_PAGEOUT, read page 3
 *   collapse  : THP, MADV_PAGEOUT, read page 3, MADV_COLLAPSE
 *   khuge32 / khuge100 : 512 4K pages (MADV_NOHUGEPAGE), the first 32 /
 *               100 swapped out by MADV_PAGEOUT, then MADV_HUGEPAGE and
 *               khugepaged (scan_sleep_millisecs=100) for 5 s
 *   swapoff   : THP, MADV_PAGEOUT, swapoff (and swapon again)
 *
 *   cc -O2 -Wall -o /tmp/sp_swap tests/kernel/probes/sp_swap.c
 *   /tmp/sp_swap zram|file [runs]        (root)
 */
#include "sp_common.h"
#include <time.h>

#define KH SP_THP "/khugepaged/"
/* The counters sp_snap_take() leaves out, added under their own names. */
static void snap(struct sp_snap *s)
{
	static const char *const vm[] = { "pswpin", "pswpout", "pgmajfault",
		"swap_ra", "swap_ra_hit", "swpin_zero", "swpout_zero",
		"nr_swapcached", "nr_anon_pages", "zswpout", "zswpin", NULL };
	static const char *const mi[] = { "SwapCached", "SwapFree", "AnonPages", NULL };

	sp_snap_take(s);
	sp_snap_extra(s, vm, mi);
}

static struct sp_snap sa, sb;

static void step_begin(void)
{
	snap(&sa);
}

static void step_end(const char *label)
{
	snap(&sb);
	sp_snap_print_delta(label, &sa, &sb);
}

/* pagemap of one page: present with pfn, or swapped with type and offset. */
static void pm(const char *label, pid_t pid, char *p, int i)
{
	uint64_t e = sp_pagemap(pid, (unsigned long)p + i * SP_PAGE);

	printf("  pagemap %-8s p[%d]: raw=%#llx present=%d swap=%d excl=%d", label, i,
	       (unsigned long long)e, (int)SP_PM_PRESENT(e), (int)SP_PM_SWAP(e),
	       (int)SP_PM_EXCL(e));
	if (SP_PM_SWAP(e))
		printf(" type=%llu offset=%llu", (unsigned long long)(e & 31),
		       (unsigned long long)((e & ((1ULL << 55) - 1)) >> 5));
	else if (SP_PM_PRESENT(e))
		printf(" pfn=%#llx kpagecount=%llu kpageflags=%s",
		       (unsigned long long)SP_PM_PFN(e),
		       (unsigned long long)sp_kpagecount(SP_PM_PFN(e)),
		       sp_kpf_str(sp_kpageflags(SP_PM_PFN(e))));
	printf("\n");
}

/* How many of the 512 pages are present, swapped, and the offsets' shape. */
static void pm_range(const char *label, pid_t pid, char *p, int n)
{
	int i, present = 0, swapped = 0, contig = 1;
	uint64_t first = 0;

	for (i = 0; i < n; i++) {
		uint64_t e = sp_pagemap(pid, (unsigned long)p + i * SP_PAGE);
		uint64_t off = (e & ((1ULL << 55) - 1)) >> 5;

		present += SP_PM_PRESENT(e);
		if (!SP_PM_SWAP(e))
			continue;
		if (!swapped)
			first = off - i;
		else if (off != first + i)
			contig = 0;
		swapped++;
	}
	printf("  pagemap %-8s %d pages: present=%d swapped=%d swap offsets %s (page 0 at %llu)\n",
	       label, n, present, swapped, contig ? "consecutive" : "NOT consecutive",
	       (unsigned long long)first);
}

static void smaps(const char *label, char *p)
{
	static const char *const f[] = { "Rss", "AnonHugePages", "Swap", "SwapPss",
		"Private_Dirty", "Private_Clean", NULL };
	int i;

	printf("  smaps %-10s:", label);
	for (i = 0; f[i]; i++)
		printf(" %s=%ld", f[i], sp_smaps(getpid(), (unsigned long)p, f[i]));
	printf(" (kB)\n");
}

static char *thp(uint64_t tag)
{
	char *p = sp_mmap_aligned(SP_PMD, SP_PMD);

	if (madvise(p, SP_PMD, MADV_HUGEPAGE))
		sp_die("madvise");
	sp_fill(p, SP_PMD, tag);
	if (sp_smaps(getpid(), (unsigned long)p, "AnonHugePages") != 2048)
		printf("  WARNING: no PMD THP\n");
	return p;
}

static void pageout(char *p, size_t len, const char *label)
{
	int ret;

	step_begin();
	ret = madvise(p, len, MADV_PAGEOUT);
	step_end(label);
	if (ret)
		printf("  madvise(MADV_PAGEOUT) -> %d %s\n", ret, strerror(errno));
}

static uint64_t rd(char *p, int i)
{
	return *(volatile uint64_t *)(p + i * SP_PAGE + 8);
}

static void case_pageout(int r)
{
	uint64_t tag = 0x5000 + r;
	char *p = thp(tag);
	int bad = 0, i;

	printf("== pageout run %d\n", r);
	pageout(p, SP_PMD, "MADV_PAGEOUT 2M");
	smaps("after", p);
	pm("after", getpid(), p, 0);
	pm("after", getpid(), p, 1);
	pm("after", getpid(), p, 511);
	pm_range("after", getpid(), p, 512);
	step_begin();
	bad += rd(p, 3) != (tag ^ 3);
	step_end("read p[3]");
	pm("read", getpid(), p, 3);
	pm("read", getpid(), p, 2);
	pm("read", getpid(), p, 4);
	pm_range("read", getpid(), p, 512);
	smaps("read p[3]", p);
	step_begin();
	for (i = 0; i < 512; i++)
		bad += rd(p, i) != (tag ^ i);
	step_end("read all");
	smaps("read all", p);
	printf("  values bad=%d\n", bad);
	step_begin();
	munmap(p, SP_PMD);
	step_end("munmap");
}

static void case_write(int r)
{
	uint64_t tag = 0x5100 + r;
	char *p = thp(tag);

	printf("== write run %d\n", r);
	pageout(p, SP_PMD, "MADV_PAGEOUT 2M");
	step_begin();
	*(volatile uint64_t *)(p + 3 * SP_PAGE + 8) = tag ^ 3;
	step_end("write p[3]");
	pm("write", getpid(), p, 3);
	smaps("write p[3]", p);
	printf("  values bad=%d\n", sp_check(p, SP_PMD, tag));
	munmap(p, SP_PMD);
}

static void case_munmap(int r)
{
	uint64_t tag = 0x5200 + r;
	char *p = thp(tag);

	printf("== munmap run %d\n", r);
	pageout(p, SP_PMD, "MADV_PAGEOUT 2M");
	step_begin();
	munmap(p, SP_PMD / 2);
	step_end("munmap first 1M");
	step_begin();
	munmap(p + SP_PMD / 2, SP_PMD / 2);
	step_end("munmap second 1M");
}

static void case_half(int r)
{
	uint64_t tag = 0x5300 + r;
	char *p = thp(tag);

	printf("== half run %d\n", r);
	pageout(p, SP_PMD / 2, "MADV_PAGEOUT 1M");
	smaps("after", p);
	pm_range("after", getpid(), p, 512);
	pm("after", getpid(), p, 0);
	pm("after", getpid(), p, 300);
	printf("  values bad=%d\n", sp_check(p, SP_PMD, tag));
	munmap(p, SP_PMD);
}

static void case_fork(int r)
{
	uint64_t tag = 0x5400 + r;
	char *p = thp(tag);
	int go[2], done[2];
	char c;
	pid_t child;

	printf("== fork run %d\n", r);
	pageout(p, SP_PMD, "MADV_PAGEOUT 2M");
	if (pipe(go) || pipe(done))
		sp_die("pipe");
	step_begin();
	child = fork();
	if (child == 0) {
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		pm("child", getpid(), p, 3);
		step_begin();
		c = rd(p, 3) == (tag ^ 3) ? 'y' : 'n';
		step_end("child reads p[3]");
		pm("child", getpid(), p, 3);
		smaps("child", p);
		if (write(done[1], &c, 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(1);
		step_begin();
		*(volatile uint64_t *)(p + 5 * SP_PAGE + 8) = tag ^ 5;
		step_end("child writes p[5]");
		pm("child", getpid(), p, 5);
		c = sp_check(p, SP_PMD, tag) ? 'n' : 'y';
		if (write(done[1], &c, 1) != 1)
			_exit(1);
		_exit(0);
	}
	step_end("fork");
	smaps("parent", p);
	pm("parent", getpid(), p, 3);
	if (write(go[1], "x", 1) != 1 || read(done[0], &c, 1) != 1)
		sp_die("pipe");
	printf("  child value p[3] ok=%c\n", c);
	step_begin();
	printf("  parent value p[3] ok=%d\n", rd(p, 3) == (tag ^ 3));
	step_end("parent reads p[3]");
	pm("parent", getpid(), p, 3);
	smaps("parent", p);
	if (write(go[1], "x", 1) != 1 || read(done[0], &c, 1) != 1)
		sp_die("pipe");
	printf("  child values ok=%c\n", c);
	waitpid(child, NULL, 0);
	pm("parent", getpid(), p, 5);
	step_begin();
	printf("  parent values bad=%d\n", sp_check(p, SP_PMD, tag));
	step_end("parent reads all");
	smaps("parent", p);
	step_begin();
	munmap(p, SP_PMD);
	step_end("munmap");
	close(go[0]); close(go[1]); close(done[0]); close(done[1]);
}

static void case_mthp(int r)
{
	uint64_t tag = 0x5500 + r;
	char *p, *q;

	printf("== mthp run %d\n", r);
	sp_set(SP_THP "/hugepages-64kB/enabled", "always");
	p = thp(tag);
	pageout(p, SP_PMD, "MADV_PAGEOUT 2M THP");
	step_begin();
	rd(p, 3);
	step_end("read p[3]");
	pm_range("read", getpid(), p, 512);
	pm("read", getpid(), p, 0);
	pm("read", getpid(), p, 15);
	pm("read", getpid(), p, 16);
	printf("  values bad=%d\n", sp_check(p, SP_PMD, tag));
	munmap(p, SP_PMD);
	/* a 64K mTHP: 64K-aligned, not 2M-aligned, no MADV_HUGEPAGE */
	q = sp_mmap_aligned(SP_PMD, SP_PMD);
	munmap(q + 0x10000 * 2, SP_PMD - 0x10000 * 2);
	q += 0x10000;
	munmap(q - 0x10000, 0x10000);
	sp_fill(q, 0x10000, tag);
	pm("fault", getpid(), q, 0);
	pageout(q, 0x10000, "MADV_PAGEOUT 64K mTHP");
	pm_range("after", getpid(), q, 16);
	step_begin();
	rd(q, 3);
	step_end("read q[3]");
	pm("read", getpid(), q, 0);
	pm_range("read", getpid(), q, 16);
	printf("  values bad=%d\n", sp_check(q, 0x10000, tag));
	munmap(q, 0x10000);
	sp_restore_all();
	sp_set(KH "scan_sleep_millisecs", "100");
}

static void case_zero(int r)
{
	char *p = sp_mmap_aligned(SP_PMD, SP_PMD);
	int bad = 0, i;

	printf("== zero run %d\n", r);
	if (madvise(p, SP_PMD, MADV_HUGEPAGE))
		sp_die("madvise");
	*(volatile char *)p = 0;
	smaps("faulted", p);
	pageout(p, SP_PMD, "MADV_PAGEOUT 2M zero THP");
	pm("after", getpid(), p, 3);
	step_begin();
	bad += rd(p, 3) != 0;
	step_end("read p[3]");
	for (i = 0; i < 512; i++)
		bad += rd(p, i) != 0;
	printf("  values bad=%d\n", bad);
	munmap(p, SP_PMD);
}

static void case_collapse(int r)
{
	uint64_t tag = 0x5600 + r;
	char *p = thp(tag);
	int ret;

	printf("== collapse run %d\n", r);
	pageout(p, SP_PMD, "MADV_PAGEOUT 2M");
	rd(p, 3);
	step_begin();
	ret = madvise(p, SP_PMD, MADV_COLLAPSE);
	step_end("MADV_COLLAPSE");
	printf("  MADV_COLLAPSE -> %d %s\n", ret, ret ? strerror(errno) : "");
	smaps("after", p);
	printf("  values bad=%d\n", sp_check(p, SP_PMD, tag));
	munmap(p, SP_PMD);
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void case_khuge(int r, int nswap)
{
	static const char *const ev[] = { "huge_memory/mm_khugepaged_scan_pmd",
		"huge_memory/mm_collapse_huge_page",
		"huge_memory/mm_collapse_huge_page_swapin", NULL };
	uint64_t tag = 0x5700 + r;
	char *p = sp_mmap_aligned(SP_PMD, SP_PMD);
	double t0;

	printf("== khuge%d run %d\n", nswap, r);
	if (madvise(p, SP_PMD, MADV_NOHUGEPAGE))
		sp_die("madvise");
	sp_fill(p, SP_PMD, tag);
	pageout(p, nswap * SP_PAGE, "MADV_PAGEOUT");
	pm_range("after", getpid(), p, 512);
	sp_trace_start(ev);
	step_begin();
	if (madvise(p, SP_PMD, MADV_HUGEPAGE))
		sp_die("madvise");
	for (t0 = now(); now() - t0 < 5; usleep(20000))
		if (sp_smaps(getpid(), (unsigned long)p, "AnonHugePages") == 2048)
			break;
	step_end("MADV_HUGEPAGE..5s");
	sp_trace_stop(8, NULL);
	smaps("after", p);
	pm_range("after", getpid(), p, 512);
	printf("  values bad=%d\n", sp_check(p, SP_PMD, tag));
	munmap(p, SP_PMD);
}

static void case_swapoff(int r)
{
	uint64_t tag = 0x5800 + r;
	char *p = thp(tag);

	printf("== swapoff run %d\n", r);
	pageout(p, SP_PMD, "MADV_PAGEOUT 2M");
	step_begin();
	sp_swapoff();
	step_end("swapoff");
	smaps("after", p);
	pm("after", getpid(), p, 3);
	pm_range("after", getpid(), p, 512);
	printf("  values bad=%d\n", sp_check(p, SP_PMD, tag));
	munmap(p, SP_PMD);
	sp_swapon();
}

int main(int argc, char **argv)
{
	int runs = argc > 2 ? atoi(argv[2]) : 3, r;
	char buf[512];

	if (argc < 2 || (strcmp(argv[1], "zram") && strcmp(argv[1], "file")))
		sp_die("usage: sp_swap zram|file [runs]");
	sp_init();
	sp_read_file("/proc/swaps", buf, sizeof(buf));
	printf("/proc/swaps before: %s\n", buf);
	sp_live_lock();
	sp_swap_setup(argv[1]);
	sp_read_file("/proc/swaps", buf, sizeof(buf));
	printf("/proc/swaps:\n%s\n", buf);
	sp_set(KH "scan_sleep_millisecs", "100");
	for (r = 1; r <= runs; r++) {
		case_pageout(r);
		case_write(r);
		case_munmap(r);
		case_half(r);
		case_fork(r);
		case_mthp(r);
		case_zero(r);
		case_collapse(r);
		case_khuge(r, 32);
		case_khuge(r, 100);
		case_swapoff(r);
	}
	sp_swap_cleanup();
	sp_read_file("/proc/swaps", buf, sizeof(buf));
	printf("/proc/swaps after: %s\n", buf);
	return 0;
}
