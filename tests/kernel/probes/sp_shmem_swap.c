/*
 * sp_shmem_swap.c - shmem (shared anonymous memory, tmpfs files) and
 * swap: MADV_PAGEOUT of shmem pages and THPs with a zram swap device,
 * the fault that brings them back, smaps/meminfo, swapoff, truncate of
 * a swapped file, MADV_COLLAPSE and khugepaged over swapped shmem pages,
 * and the private tmpfs mapping (page cache pages and anonymous copies).
 *
 * The zram device exists only while the probe runs (disksize 1 GiB,
 * mkswap, swapon; swapoff and reset on every exit path), the tmpfs
 * mounts are private under /tmp, every /sys knob goes through sp_set()
 * and is restored; the probe holds thpsh's live-session lock meanwhile.
 * Cases:
 *   anon4k   : 64 pages of MAP_SHARED|MAP_ANONYMOUS (shmem_enabled never),
 *              written, MADV_PAGEOUT, read page 3, read all
 *   clean    : 16 shared anonymous pages only read (zero), MADV_PAGEOUT
 *   anonthp  : shmem_enabled=always, a 2 MiB shared anonymous THP,
 *              MADV_PAGEOUT, read page 3, read all
 *   tmpfsthp : tmpfs huge=always, a 2 MiB file THP, MADV_PAGEOUT, read
 *              page 3, then truncate to 0
 *   truncate : tmpfs huge=never, 16 pages, MADV_PAGEOUT, ftruncate 8 pages,
 *              hole punch of pages 2..3
 *   swapoff  : tmpfs huge=never, 16 pages, MADV_PAGEOUT, swapoff (swapon again)
 *   collapse : tmpfs huge=never, 512 pages, the first 32 paged out,
 *              MADV_COLLAPSE
 *   khuge32 / khuge100 : tmpfs huge=always, 512 4K pages (MADV_NOHUGEPAGE),
 *              32 / 100 paged out, MADV_HUGEPAGE, khugepaged for 5 s
 *   private  : tmpfs huge=never file of 8 pages written through a shared
 *              mapping, mapped privately, read all, pages 0..3 written
 *              (copies), MADV_PAGEOUT of the private mapping, read all
 *
 *   cc -O2 -Wall -o /tmp/sp_shmem_swap tests/kernel/probes/sp_shmem_swap.c
 *   noswap   : no swap device: 16 written shared anonymous pages and a
 *              shmem THP (shmem_enabled=always), MADV_PAGEOUT
 *
 *   /tmp/sp_shmem_swap [runs [clean|noswap]]   (root; that case alone)
 */
#include "sp_common.h"
#include <linux/falloc.h>
#include <time.h>

#define KH SP_THP "/khugepaged/"
/* The counters sp_snap_take() leaves out, added under their own names. */
static void snap(struct sp_snap *s)
{
	static const char *const vm[] = { "pswpin", "pswpout", "pgmajfault",
		"swap_ra", "swap_ra_hit", "swpin_zero", "swpout_zero",
		"nr_swapcached", "nr_anon_pages", "nr_shmem", "nr_file_pages", NULL };
	static const char *const mi[] = { "SwapCached", "SwapFree", "AnonPages", "Shmem", NULL };

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

static void smaps(const char *label, char *p)
{
	static const char *const f[] = { "Rss", "Shared_Dirty", "Private_Dirty",
		"Anonymous", "ShmemPmdMapped", "FilePmdMapped", "Swap", "SwapPss", NULL };
	int i;

	printf("  smaps %-10s:", label);
	for (i = 0; f[i]; i++)
		printf(" %s=%ld", f[i], sp_smaps(getpid(), (unsigned long)p, f[i]));
	printf(" (kB)\n");
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

/* The folio behind page i: order from kpageflags (THP/compound) and pfn. */
static void pg(const char *label, char *p, int i)
{
	uint64_t e = sp_pagemap(getpid(), (unsigned long)p + i * SP_PAGE);

	printf("  page %-8s p[%d]: present=%d swap=%d file=%d", label, i,
	       (int)SP_PM_PRESENT(e), (int)SP_PM_SWAP(e), (int)SP_PM_FILE(e));
	if (SP_PM_PRESENT(e))
		printf(" pfn=%#llx kpagecount=%llu kpageflags=%s",
		       (unsigned long long)SP_PM_PFN(e),
		       (unsigned long long)sp_kpagecount(SP_PM_PFN(e)),
		       sp_kpf_str(sp_kpageflags(SP_PM_PFN(e))));
	printf("\n");
}

static char *shared_anon(size_t len)
{
	char *r = sp_reserve_aligned(len, SP_PMD);
	char *p = mmap(r, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);

	if (p == MAP_FAILED)
		sp_die("mmap shared");
	return p;
}

static char *file_map(const char *mnt, const char *name, size_t len, int *fdp, int flags)
{
	char path[256], *r, *p;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", mnt, name);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	if (fd < 0 || ftruncate(fd, len))
		sp_die("open %s", path);
	r = sp_reserve_aligned(len, SP_PMD);
	p = mmap(r, len, PROT_READ | PROT_WRITE, flags | MAP_FIXED, fd, 0);
	if (p == MAP_FAILED)
		sp_die("mmap file");
	*fdp = fd;
	return p;
}

/* Read page 3, then every page; the values and what came back. */
static void readback(char *p, size_t len, uint64_t tag)
{
	int bad;

	step_begin();
	bad = rd(p, 3) != (tag ^ 3);
	step_end("read p[3]");
	pg("read", p, 3);
	pg("read", p, 2);
	pg("read", p, 4);
	smaps("read p[3]", p);
	step_begin();
	bad += sp_check(p, len, tag);
	step_end("read all");
	smaps("read all", p);
	printf("  values bad=%d\n", bad);
}

static void case_anon4k(int r)
{
	uint64_t tag = 0x6100 + r;
	size_t len = 64 * SP_PAGE;
	char *p = shared_anon(len);

	printf("== anon4k run %d\n", r);
	sp_fill(p, len, tag);
	smaps("before", p);
	pageout(p, len, "MADV_PAGEOUT 64 pages");
	smaps("after", p);
	pg("after", p, 3);
	readback(p, len, tag);
	step_begin();
	munmap(p, len);
	step_end("munmap");
}

/* mincore(): how many pages of the shmem range the page cache holds. */
static void incore(const char *label, char *p, int n)
{
	unsigned char v[512];
	int i, c = 0;

	if (mincore(p, n * SP_PAGE, v))
		sp_die("mincore");
	for (i = 0; i < n; i++)
		c += v[i] & 1;
	printf("  mincore %-8s: %d of %d pages in the page cache\n", label, c, n);
}

static void case_clean(int r)
{
	size_t len = 16 * SP_PAGE;
	char *p = shared_anon(len);
	int i, bad = 0;

	printf("== clean run %d\n", r);
	for (i = 0; i < 16; i++)
		bad += rd(p, i) != 0;
	smaps("before", p);
	incore("before", p, 16);
	pageout(p, len, "MADV_PAGEOUT 16 read pages");
	smaps("after", p);
	incore("after", p, 16);
	step_begin();
	for (i = 0; i < 16; i++)
		bad += rd(p, i) != 0;
	step_end("read all");
	printf("  values bad=%d\n", bad);
	munmap(p, len);
}

/* No swap device: 16 written shared anonymous pages and a shmem THP paged out. */
static void case_noswap(int r)
{
	uint64_t tag = 0x6900 + r;
	size_t len = 16 * SP_PAGE;
	char *p = shared_anon(len);

	printf("== noswap run %d\n", r);
	sp_fill(p, len, tag);
	pageout(p, len, "MADV_PAGEOUT 16 pages, no swap");
	smaps("after", p);
	incore("after", p, 16);
	printf("  values bad=%d\n", sp_check(p, len, tag));
	munmap(p, len);
	sp_set(SP_THP "/shmem_enabled", "always");
	p = shared_anon(SP_PMD);
	sp_fill(p, SP_PMD, tag);
	pageout(p, SP_PMD, "MADV_PAGEOUT 2M THP, no swap");
	smaps("after", p);
	incore("after", p, 512);
	pg("after", p, 3);
	printf("  values bad=%d\n", sp_check(p, SP_PMD, tag));
	munmap(p, SP_PMD);
	sp_set(SP_THP "/shmem_enabled", "never");
}

static void case_anonthp(int r)
{
	uint64_t tag = 0x6200 + r;
	char *p;

	printf("== anonthp run %d\n", r);
	sp_set(SP_THP "/shmem_enabled", "always");
	p = shared_anon(SP_PMD);
	sp_fill(p, SP_PMD, tag);
	smaps("before", p);
	pg("before", p, 3);
	pageout(p, SP_PMD, "MADV_PAGEOUT 2M");
	smaps("after", p);
	readback(p, SP_PMD, tag);
	step_begin();
	munmap(p, SP_PMD);
	step_end("munmap");
	sp_set(SP_THP "/shmem_enabled", "never");
}

static void case_tmpfsthp(int r)
{
	uint64_t tag = 0x6300 + r;
	const char *mnt = sp_mount("/tmp/thpsh-ss.XXXXXX", "tmpfs", "huge=always,size=64m");
	int fd;
	char *p = file_map(mnt, "f", SP_PMD, &fd, MAP_SHARED);

	printf("== tmpfsthp run %d\n", r);
	sp_fill(p, SP_PMD, tag);
	smaps("before", p);
	pageout(p, SP_PMD, "MADV_PAGEOUT 2M");
	smaps("after", p);
	readback(p, SP_PMD, tag);
	pageout(p, SP_PMD, "MADV_PAGEOUT 2M again");
	step_begin();
	if (ftruncate(fd, 0))
		sp_die("ftruncate");
	step_end("ftruncate 0");
	munmap(p, SP_PMD);
	close(fd);
	sp_umount(mnt);
}

static void case_truncate(int r)
{
	uint64_t tag = 0x6400 + r;
	const char *mnt = sp_mount("/tmp/thpsh-ss.XXXXXX", "tmpfs", "huge=never,size=64m");
	size_t len = 16 * SP_PAGE;
	int fd;
	char *p = file_map(mnt, "f", len, &fd, MAP_SHARED);

	printf("== truncate run %d\n", r);
	sp_fill(p, len, tag);
	pageout(p, len, "MADV_PAGEOUT 16 pages");
	step_begin();
	if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 2 * SP_PAGE, 2 * SP_PAGE))
		sp_die("punch");
	step_end("punch pages 2..3");
	step_begin();
	if (ftruncate(fd, 8 * SP_PAGE))
		sp_die("ftruncate");
	step_end("ftruncate 8 pages");
	smaps("after", p);
	printf("  p[5] %s\n", rd(p, 5) == (tag ^ 5) ? "ok" : "BAD");
	printf("  p[2] %s\n", rd(p, 2) == 0 ? "zero" : "BAD");
	munmap(p, len);
	close(fd);
	sp_umount(mnt);
}

static void case_swapoff(int r)
{
	uint64_t tag = 0x6500 + r;
	const char *mnt = sp_mount("/tmp/thpsh-ss.XXXXXX", "tmpfs", "huge=never,size=64m");
	size_t len = 16 * SP_PAGE;
	int fd;
	char *p = file_map(mnt, "f", len, &fd, MAP_SHARED);

	printf("== swapoff run %d\n", r);
	sp_fill(p, len, tag);
	pageout(p, len, "MADV_PAGEOUT 16 pages");
	step_begin();
	sp_swapoff();
	step_end("swapoff");
	smaps("after", p);
	pg("after", p, 3);
	step_begin();
	printf("  values bad=%d\n", sp_check(p, len, tag));
	step_end("read all");
	smaps("read all", p);
	munmap(p, len);
	close(fd);
	sp_umount(mnt);
	sp_swapon();
}

static void case_collapse(int r)
{
	uint64_t tag = 0x6600 + r;
	const char *mnt = sp_mount("/tmp/thpsh-ss.XXXXXX", "tmpfs", "huge=never,size=64m");
	int fd, ret;
	char *p = file_map(mnt, "f", SP_PMD, &fd, MAP_SHARED);

	printf("== collapse run %d\n", r);
	sp_fill(p, SP_PMD, tag);
	pageout(p, 32 * SP_PAGE, "MADV_PAGEOUT 32 pages");
	smaps("after", p);
	step_begin();
	ret = madvise(p, SP_PMD, MADV_COLLAPSE);
	step_end("MADV_COLLAPSE");
	printf("  MADV_COLLAPSE -> %d %s\n", ret, ret ? strerror(errno) : "");
	smaps("after", p);
	pg("after", p, 3);
	printf("  values bad=%d\n", sp_check(p, SP_PMD, tag));
	munmap(p, SP_PMD);
	close(fd);
	sp_umount(mnt);
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void case_khuge(int r, int nswap)
{
	uint64_t tag = 0x6700 + r;
	const char *mnt = sp_mount("/tmp/thpsh-ss.XXXXXX", "tmpfs", "huge=always,size=64m");
	int fd;
	char *p = file_map(mnt, "f", SP_PMD, &fd, MAP_SHARED);
	double t0;

	printf("== khuge%d run %d\n", nswap, r);
	if (madvise(p, SP_PMD, MADV_NOHUGEPAGE))
		sp_die("madvise");
	sp_fill(p, SP_PMD, tag);
	pageout(p, nswap * SP_PAGE, "MADV_PAGEOUT");
	smaps("after", p);
	step_begin();
	if (madvise(p, SP_PMD, MADV_HUGEPAGE))
		sp_die("madvise");
	for (t0 = now(); now() - t0 < 5; usleep(20000))
		if (sp_smaps(getpid(), (unsigned long)p, "ShmemPmdMapped") == 2048 ||
		    sp_read_long("/proc/meminfo") < -1)
			break;
	step_end("MADV_HUGEPAGE..5s");
	smaps("after", p);
	pg("after", p, 40);
	printf("  values bad=%d\n", sp_check(p, SP_PMD, tag));
	munmap(p, SP_PMD);
	close(fd);
	sp_umount(mnt);
}

static void case_private(int r)
{
	uint64_t tag = 0x6800 + r;
	const char *mnt = sp_mount("/tmp/thpsh-ss.XXXXXX", "tmpfs", "huge=never,size=64m");
	size_t len = 8 * SP_PAGE;
	int fd, i, bad = 0;
	char *s = file_map(mnt, "f", len, &fd, MAP_SHARED), *p;

	printf("== private run %d\n", r);
	sp_fill(s, len, tag);
	munmap(s, len);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		sp_die("mmap private");
	bad += sp_check(p, len, tag);
	for (i = 0; i < 4; i++)
		*(volatile uint64_t *)(p + i * SP_PAGE + 8) = tag ^ i ^ 0xc0;
	smaps("before", p);
	pageout(p, len, "MADV_PAGEOUT private 8 pages");
	smaps("after", p);
	pg("after", p, 1);
	pg("after", p, 6);
	step_begin();
	for (i = 0; i < 8; i++)
		bad += rd(p, i) != (tag ^ i ^ (i < 4 ? 0xc0 : 0));
	step_end("read all");
	smaps("read all", p);
	printf("  values bad=%d\n", bad);
	munmap(p, len);
	close(fd);
	sp_umount(mnt);
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 3, r;
	const char *only = argc > 2 ? argv[2] : NULL;
	char buf[512];

	sp_init();
	sp_read_file("/proc/swaps", buf, sizeof(buf));
	printf("/proc/swaps before: %s\n", buf);
	if (only && !strcmp(only, "noswap")) {
		for (r = 1; r <= runs; r++)
			case_noswap(r);
		return 0;
	}
	sp_live_lock();
	sp_swap_setup("zram");
	sp_read_file("/proc/swaps", buf, sizeof(buf));
	printf("/proc/swaps:\n%s\n", buf);
	sp_set(KH "scan_sleep_millisecs", "100");
	sp_set(SP_THP "/shmem_enabled", "never");
	for (r = 1; r <= runs; r++) {
		if (only) {	/* one case: "clean" ("noswap" runs without swap, above) */
			case_clean(r);
			continue;
		}
		case_anon4k(r);
		case_clean(r);
		case_anonthp(r);
		case_tmpfsthp(r);
		case_truncate(r);
		case_swapoff(r);
		case_collapse(r);
		case_khuge(r, 32);
		case_khuge(r, 100);
		case_private(r);
	}
	sp_swap_cleanup();
	sp_read_file("/proc/swaps", buf, sizeof(buf));
	printf("/proc/swaps after: %s\n", buf);
	return 0;
}
