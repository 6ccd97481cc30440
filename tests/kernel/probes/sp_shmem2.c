/*
 * sp_shmem2.c - more of shmem (tmpfs) THP: hole punch, huge=within_size
 * and huge=advise, read fault-around, a full mount, and the PATH form
 * (the PATH form of split_huge_pages is refused here).
 *
 * Every case mounts its own private tmpfs under /tmp (unmounted on every
 * exit path), maps a file MAP_SHARED at a 2 MiB aligned address, and
 * prints the counter deltas of one step and the folios behind the range
 * as "index:order" (read from pagemap and kpageflags after reading every
 * page, which maps it again):
 *   punch     huge=always, 2 MiB written: fallocate(PUNCH_HOLE|KEEP_SIZE)
 *             of [512K, 1.5M), values around the hole, zeros inside
 *   remove    the same hole through madvise(MADV_REMOVE)
 *   within    huge=within_size, file 1 MiB, 2 MiB mapping: write at 0;
 *             ftruncate 2 MiB; write at +1 MiB
 *   advise    huge=advise: write at 0 (a page), MADV_HUGEPAGE, ftruncate
 *             0 and back to 2 MiB, write at 0
 *   around    huge=never, 1 MiB written with write(2): read one byte at
 *             +5 pages of a fresh mapping: how many pages are mapped
 *   around8   huge=always: a THP written, ftruncate to 1 MiB (an order-8
 *             folio left), a fresh 2 MiB mapping read at +4 KiB
 *   full      huge=always,size=3m, 4 MiB file: write at 0, at +2 MiB,
 *             then page by page until SIGBUS
 * (The PATH form of split_huge_pages cannot be measured: debugfs writes
 * are refused on this machine, FACTS.md A15.)
 *
 *   cc -O2 -Wall -o /tmp/sp_shmem2 tests/kernel/probes/sp_shmem2.c
 *   /tmp/sp_shmem2 [runs]        (root)
 */
#define _GNU_SOURCE
#include "sp_common.h"

#include <setjmp.h>

#define KPF_COMPOUND_HEAD	15
#define KPF_COMPOUND_TAIL	16

/* Which page of [p, p + len) starts a folio, and its order (-1: not mapped). */
static void folios_scan(char *p, size_t len, int *order)
{
	unsigned long i, n = len / SP_PAGE, start = 0;

	for (i = 0; i < n; i++)
		(void)*(volatile char *)(p + i * SP_PAGE);
	for (i = 0; i < n; i++) {
		uint64_t e = sp_pagemap(getpid(), (unsigned long)p + i * SP_PAGE), f = 0;

		order[i] = -1;
		if (SP_PM_PRESENT(e) && SP_PM_PFN(e))
			f = sp_kpageflags(SP_PM_PFN(e));
		if ((f >> KPF_COMPOUND_TAIL) & 1) {
			int o = 0;

			while ((1UL << o) < i - start + 1)
				o++;
			order[start] = o;
			order[i] = -1;
		} else {
			start = i;
			order[i] = SP_PM_PRESENT(e) ? 0 : -1;
		}
	}
}

/* The folios behind [p, p + len) as "index:order", runs of small ones "a-b:0". */
static void folios_print(const char *label, char *p, size_t len)
{
	unsigned long i, n = len / SP_PAGE, run = 0;
	int *order = calloc(n, sizeof(int));

	folios_scan(p, len, order);
	printf("  folios %-8s:", label);
	for (i = 0; i < n; i++) {
		if (order[i] > 0)
			printf(" %lu:%d", i, order[i]);
		if (order[i])
			continue;
		for (run = i; run + 1 < n && order[run + 1] == 0; run++)
			;
		printf(run > i ? " %lu-%lu:0" : " %lu:0", i, run);
		i = run;
	}
	printf("\n");
	free(order);
}

static char *map_file(const char *mnt, const char *name, size_t size, size_t len, int *fdp)
{
	char path[256], *p;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", mnt, name);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	if (fd < 0 || ftruncate(fd, size))
		sp_die("create %s", path);
	p = sp_reserve_aligned(len, SP_PMD);
	if (mmap(p, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED)
		sp_die("mmap %s", path);
	*fdp = fd;
	return p;
}

static int zeros(const char *p, int first, int last)
{
	int i, n = 0;

	for (i = first; i <= last; i++)
		n += *(const volatile uint64_t *)(p + i * SP_PAGE + 8) == 0;
	return n;
}

static void punch(int r, int use_madvise)
{
	const char *mnt = sp_mount("/tmp/thpsh-shm2.XXXXXX", "tmpfs", "huge=always");
	uint64_t tag = 0x9100 + r;
	struct sp_snap a, b;
	int fd, bad;
	char *p = map_file(mnt, "f", SP_PMD, SP_PMD, &fd);

	printf("== %s run %d\n", use_madvise ? "remove" : "punch", r);
	sp_fill(p, SP_PMD, tag);
	sp_snap_take(&a);
	if (use_madvise ? madvise(p + SP_PMD / 4, SP_PMD / 2, MADV_REMOVE) :
	    fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, SP_PMD / 4, SP_PMD / 2))
		sp_die("punch");
	sp_snap_take(&b);
	sp_snap_print_delta(use_madvise ? "MADV_REMOVE [512K,1.5M)" :
			    "PUNCH_HOLE [512K,1.5M)", &a, &b);
	bad = sp_check(p, SP_PMD / 4, tag);
	bad += sp_check(p + 3 * SP_PMD / 4, SP_PMD / 4, tag ^ 384) ? 1 : 0;
	printf("  values bad below=%d above=%d zeros inside=%d of 256 size=%ld\n",
	       sp_check(p, SP_PMD / 4, tag), sp_check(p + 3 * SP_PMD / 4, SP_PMD / 4, tag ^ 384),
	       zeros(p, 128, 383), (long)lseek(fd, 0, SEEK_END));
	(void)bad;
	folios_print("after", p, SP_PMD);
	munmap(p, SP_PMD);
	close(fd);
	sp_umount(mnt);
}

static void within(int r)
{
	const char *mnt = sp_mount("/tmp/thpsh-shm2.XXXXXX", "tmpfs", "huge=within_size");
	struct sp_snap a, b;
	int fd;
	char *p = map_file(mnt, "f", SP_PMD / 2, SP_PMD, &fd);

	printf("== within run %d\n", r);
	sp_snap_take(&a);
	*(volatile char *)p = 1;
	sp_snap_take(&b);
	sp_snap_print_delta("i_size 1M, write +0", &a, &b);
	sp_range_print("0..1M", getpid(), (unsigned long)p, SP_PMD / 2);
	if (ftruncate(fd, SP_PMD))
		sp_die("ftruncate 2M");
	sp_snap_take(&a);
	*(volatile char *)(p + SP_PMD / 2) = 1;
	sp_snap_take(&b);
	sp_snap_print_delta("i_size 2M, write +1M", &a, &b);
	sp_smaps_print("within", getpid(), (unsigned long)p);
	folios_print("within", p, SP_PMD);
	munmap(p, SP_PMD);
	close(fd);
	sp_umount(mnt);
}

static void advise(int r)
{
	const char *mnt = sp_mount("/tmp/thpsh-shm2.XXXXXX", "tmpfs", "huge=advise");
	struct sp_snap a, b;
	int fd;
	char *p = map_file(mnt, "f", SP_PMD, SP_PMD, &fd);

	printf("== advise run %d\n", r);
	sp_snap_take(&a);
	*(volatile char *)p = 1;
	sp_snap_take(&b);
	sp_snap_print_delta("no MADV_HUGEPAGE, write +0", &a, &b);
	madvise(p, SP_PMD, MADV_HUGEPAGE);
	if (ftruncate(fd, 0) || ftruncate(fd, SP_PMD))
		sp_die("ftruncate");
	sp_snap_take(&a);
	*(volatile char *)p = 1;
	sp_snap_take(&b);
	sp_snap_print_delta("MADV_HUGEPAGE, after ftruncate 0 and 2M, write +0", &a, &b);
	sp_smaps_print("advise", getpid(), (unsigned long)p);
	sp_range_print("advise", getpid(), (unsigned long)p, SP_PMD);
	munmap(p, SP_PMD);
	close(fd);
	sp_umount(mnt);
}

static void around(int r)
{
	const char *mnt = sp_mount("/tmp/thpsh-shm2.XXXXXX", "tmpfs", "huge=never");
	static char buf[SP_PMD / 2];
	char path[256], *p;
	int fd;

	printf("== around run %d\n", r);
	snprintf(path, sizeof(path), "%s/f", mnt);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	memset(buf, 7, sizeof(buf));
	if (fd < 0 || write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
		sp_die("write %s", path);
	p = sp_reserve_aligned(SP_PMD / 2, SP_PMD);
	if (mmap(p, SP_PMD / 2, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED)
		sp_die("mmap");
	(void)*(volatile char *)(p + 5 * SP_PAGE);
	sp_range_print("read +5p", getpid(), (unsigned long)p, SP_PMD / 2);
	munmap(p, SP_PMD / 2);
	close(fd);
	sp_umount(mnt);
}

static void around_large(int r)
{
	const char *mnt = sp_mount("/tmp/thpsh-shm2.XXXXXX", "tmpfs", "huge=always");
	int fd;
	char *p = map_file(mnt, "f", SP_PMD, SP_PMD, &fd);

	printf("== around8 run %d\n", r);
	*(volatile char *)p = 1;
	if (ftruncate(fd, SP_PMD / 2))
		sp_die("ftruncate 1M");
	munmap(p, SP_PMD);
	p = sp_reserve_aligned(SP_PMD, SP_PMD);
	if (mmap(p, SP_PMD, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED)
		sp_die("mmap again");
	(void)*(volatile char *)(p + SP_PAGE);
	sp_range_print("read +4K", getpid(), (unsigned long)p, SP_PMD / 2);
	munmap(p, SP_PMD);
	close(fd);
	sp_umount(mnt);
}

static sigjmp_buf bus_jmp;

static void on_bus(int sig)
{
	(void)sig;
	siglongjmp(bus_jmp, 1);
}

static void full(int r)
{
	const char *mnt = sp_mount("/tmp/thpsh-shm2.XXXXXX", "tmpfs", "huge=always,size=3m");
	struct sp_snap a, b;
	volatile long i;
	int fd;
	char *p = map_file(mnt, "f", 2 * SP_PMD, 2 * SP_PMD, &fd);

	printf("== full run %d\n", r);
	*(volatile char *)p = 1;
	sp_snap_take(&a);
	*(volatile char *)(p + SP_PMD) = 1;
	sp_snap_take(&b);
	sp_snap_print_delta("size=3m, write +2M", &a, &b);
	sp_range_print("+2M", getpid(), (unsigned long)p + SP_PMD, SP_PMD);
	signal(SIGBUS, on_bus);
	for (i = 1; i < 512; i++) {
		if (sigsetjmp(bus_jmp, 1))
			break;
		*(volatile char *)(p + SP_PMD + i * SP_PAGE) = 1;
	}
	signal(SIGBUS, SIG_DFL);
	printf("  SIGBUS at page %ld after +2M (512 = none)\n", (long)i);
	munmap(p, 2 * SP_PMD);
	close(fd);
	sp_umount(mnt);
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 3, r;

	sp_init();
	for (r = 1; r <= runs; r++) {
		punch(r, 0);
		punch(r, 1);
		within(r);
		advise(r);
		around(r);
		around_large(r);
		full(r);
	}
	return 0;
}
