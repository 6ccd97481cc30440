/*
 * sp_shmem_private.c - private (MAP_PRIVATE) mappings of a tmpfs file.
 *
 * Every case mounts its own tmpfs (huge=always, or huge=never for the 4K
 * cases) under /tmp, unmounted on every exit path, creates a 2 MiB file
 * whose page i holds 0x5100+i at offset 8 (written through write(2)),
 * maps it MAP_PRIVATE at a 2 MiB aligned address, and prints the counter
 * deltas of each step, the smaps fields of the VMA, pagemap of pages and
 * the values the process and the file (pread) see:
 *   read      read page 0: PMD-mapped (do_set_pmd) or not
 *   cowpmd    read page 0, then write page 1: split of the file PMD, COW
 *   cowfirst  a fresh file (empty cache): write page 0 first (do_cow_fault)
 *   small     huge=never: read page 5 (fault-around), write page 5
 *             (do_wp_page -> wp_page_copy), write page 40 (do_cow_fault)
 *   follow    huge=never: page 3 read, page 4 COWed; the file is written
 *             through pwrite at 3 and 4: what the process reads
 *   fork      huge=never: page 1 COWed, page 2 read; fork: the child's
 *             smaps; a PMD-mapped VMA without anon_vma forked too
 *   forkpmd   huge=always, 4 MiB: page 0 read (PMD), a page of the second
 *             2 MiB written (anon_vma); fork: the child's smaps
 *   collapse  huge=never: every page read, then MADV_COLLAPSE (a) as is,
 *             (b) with page 1 written (a copy) first: result, deltas,
 *             smaps, values (for the shmem collapse work: not simulated
 *             here)
 *   truncate  huge=never: page 1 COWed, page 2 read; ftruncate 0: SIGBUS?
 *             smaps; ftruncate 2 MiB again: what pages 1 and 2 read
 *   punch     huge=never: page 1 COWed, page 2 read; PUNCH_HOLE over both
 *   dontneed  huge=never: page 1 COWed; MADV_DONTNEED; read page 1
 *
 *   cc -O2 -Wall -o /tmp/sp_shmem_private tests/kernel/probes/sp_shmem_private.c
 *   /tmp/sp_shmem_private [runs]        (root)
 */
#define _GNU_SOURCE
#include "sp_common.h"

#include <setjmp.h>

#define TAG 0x5100UL

static sigjmp_buf bus_jmp;

static void on_bus(int sig)
{
	(void)sig;
	siglongjmp(bus_jmp, 1);
}

/* The value at page i of p, or -1 on SIGBUS. */
static long peek(char *p, int i)
{
	long v;

	signal(SIGBUS, on_bus);
	if (sigsetjmp(bus_jmp, 1)) {
		signal(SIGBUS, sp_sig);
		return -1;
	}
	v = (long)*(volatile uint64_t *)(p + i * SP_PAGE + 8);
	signal(SIGBUS, sp_sig);
	return v;
}

static long file_value(int fd, int i)
{
	uint64_t v = 0;

	if (pread(fd, &v, 8, i * SP_PAGE + 8) != 8)
		return -1;
	return (long)v;
}

static int make_file(const char *mnt, int fill)
{
	char path[256];
	static char buf[SP_PMD];
	unsigned long i;
	int fd;

	snprintf(path, sizeof(path), "%s/f", mnt);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	if (fd < 0 || ftruncate(fd, SP_PMD))
		sp_die("create %s", path);
	if (fill) {
		memset(buf, 0, sizeof(buf));
		for (i = 0; i < SP_PMD / SP_PAGE; i++)
			*(uint64_t *)(buf + i * SP_PAGE + 8) = TAG + i;
		if (pwrite(fd, buf, SP_PMD, 0) != (ssize_t)SP_PMD)
			sp_die("pwrite");
	}
	return fd;
}

static char *map_private(int fd)
{
	char *p = sp_reserve_aligned(SP_PMD, SP_PMD);

	if (mmap(p, SP_PMD, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, 0) == MAP_FAILED)
		sp_die("mmap private");
	return p;
}

static void smaps(const char *label, pid_t pid, char *p)
{
	static const char *const f[] = { "Rss", "Anonymous", "AnonHugePages",
		"FilePmdMapped", "ShmemPmdMapped", "Shared_Clean", "Private_Clean",
		"Private_Dirty", NULL };
	int i;

	printf("  smaps %-14s:", label);
	for (i = 0; f[i]; i++)
		printf(" %s=%ld", f[i], sp_smaps(pid, (unsigned long)p, f[i]));
	printf("\n");
}

static void pages(const char *label, char *p, int first, int last)
{
	int i;

	printf("  pages %-14s:", label);
	for (i = first; i <= last; i++) {
		uint64_t e = sp_pagemap(getpid(), (unsigned long)p + i * SP_PAGE);

		printf(" %d:%s%s%s", i, SP_PM_PRESENT(e) ? "P" : "-", SP_PM_FILE(e) ? "F" : "",
		       SP_PM_EXCL(e) ? "X" : "");
	}
	printf("\n");
}

#define STEP(label, stmt) do { struct sp_snap a_, b_; sp_snap_take(&a_); stmt; \
	sp_snap_take(&b_); sp_snap_print_delta(label, &a_, &b_); } while (0)

static void case_read(int r)
{
	const char *mnt = sp_mount("/tmp/thpsh-shp.XXXXXX", "tmpfs", "huge=always");
	int fd = make_file(mnt, 1);
	char *p = map_private(fd);
	long v = 0;

	printf("== read run %d\n", r);
	STEP("read page 0", v = peek(p, 0));
	printf("  value page 0 = %#lx\n", v);
	smaps("after read", getpid(), p);
	pages("after read", p, 0, 2);
	munmap(p, SP_PMD);
	close(fd);
	sp_umount(mnt);
}

static void case_cowpmd(int r)
{
	const char *mnt = sp_mount("/tmp/thpsh-shp.XXXXXX", "tmpfs", "huge=always");
	int fd = make_file(mnt, 1);
	char *p = map_private(fd);

	printf("== cowpmd run %d\n", r);
	(void)peek(p, 0);
	smaps("read", getpid(), p);
	STEP("write page 1", *(volatile uint64_t *)(p + SP_PAGE + 8) = 0x77);
	smaps("write", getpid(), p);
	pages("write", p, 0, 17);
	printf("  values: private p1=%#lx p2=%#lx file p1=%#lx\n", peek(p, 1), peek(p, 2),
	       file_value(fd, 1));
	smaps("reads", getpid(), p);
	pages("reads", p, 0, 17);
	STEP("munmap", munmap(p, SP_PMD));
	close(fd);
	sp_umount(mnt);
}

static void case_cowfirst(int r)
{
	const char *mnt = sp_mount("/tmp/thpsh-shp.XXXXXX", "tmpfs", "huge=always");
	int fd = make_file(mnt, 0);
	char *p = map_private(fd);

	printf("== cowfirst run %d\n", r);
	STEP("write page 0", *(volatile uint64_t *)(p + 8) = 0x77);
	smaps("write", getpid(), p);
	pages("write", p, 0, 17);
	STEP("read page 1", (void)peek(p, 1));
	smaps("read", getpid(), p);
	pages("read", p, 0, 17);
	printf("  values: private p0=%#lx file p0=%#lx\n", peek(p, 0), file_value(fd, 0));
	munmap(p, SP_PMD);
	close(fd);
	sp_umount(mnt);
}

static void case_small(int r)
{
	const char *mnt = sp_mount("/tmp/thpsh-shp.XXXXXX", "tmpfs", "huge=never");
	int fd = make_file(mnt, 1);
	char *p = map_private(fd);

	printf("== small run %d\n", r);
	STEP("read page 5", (void)peek(p, 5));
	smaps("read", getpid(), p);
	pages("read", p, 0, 17);
	STEP("write page 5", *(volatile uint64_t *)(p + 5 * SP_PAGE + 8) = 0x77);
	smaps("write 5", getpid(), p);
	pages("write 5", p, 0, 17);
	STEP("write page 40", *(volatile uint64_t *)(p + 40 * SP_PAGE + 8) = 0x78);
	smaps("write 40", getpid(), p);
	pages("write 40", p, 32, 48);
	printf("  values: private p5=%#lx p40=%#lx p6=%#lx file p5=%#lx p40=%#lx\n",
	       peek(p, 5), peek(p, 40), peek(p, 6), file_value(fd, 5), file_value(fd, 40));
	STEP("munmap", munmap(p, SP_PMD));
	close(fd);
	sp_umount(mnt);
}

static void case_follow(int r)
{
	const char *mnt = sp_mount("/tmp/thpsh-shp.XXXXXX", "tmpfs", "huge=never");
	int fd = make_file(mnt, 1);
	char *p = map_private(fd);
	uint64_t v = 0x99;

	printf("== follow run %d\n", r);
	(void)peek(p, 3);
	*(volatile uint64_t *)(p + 4 * SP_PAGE + 8) = 0x77;
	if (pwrite(fd, &v, 8, 3 * SP_PAGE + 8) != 8 || pwrite(fd, &v, 8, 4 * SP_PAGE + 8) != 8)
		sp_die("pwrite");
	printf("  values after pwrite 0x99 at 3, 4: private p3=%#lx p4=%#lx\n", peek(p, 3),
	       peek(p, 4));
	munmap(p, SP_PMD);
	close(fd);
	sp_umount(mnt);
}

static void case_fork(int r)
{
	const char *mnt = sp_mount("/tmp/thpsh-shp.XXXXXX", "tmpfs", "huge=never");
	const char *mnt2 = sp_mount("/tmp/thpsh-shp.XXXXXX", "tmpfs", "huge=always");
	int fd = make_file(mnt, 1), fd2 = make_file(mnt2, 1);
	char *p = map_private(fd), *q = map_private(fd2);
	int pipefd[2], status;
	pid_t pid;
	char c;

	printf("== fork run %d\n", r);
	*(volatile uint64_t *)(p + SP_PAGE + 8) = 0x77;
	(void)peek(p, 2);
	(void)peek(q, 0);
	smaps("parent p", getpid(), p);
	smaps("parent q (PMD)", getpid(), q);
	if (pipe(pipefd))
		sp_die("pipe");
	pid = fork();
	if (pid == 0) {
		close(pipefd[1]);
		if (read(pipefd[0], &c, 1) != 1)
			_exit(1);
		*(volatile uint64_t *)(p + SP_PAGE + 8) = 0x88;
		*(volatile uint64_t *)(p + 2 * SP_PAGE + 8) = 0x89;
		if (read(pipefd[0], &c, 1) != 1)
			_exit(1);
		_exit(0);
	}
	close(pipefd[0]);
	usleep(20000);
	smaps("child p", pid, p);
	smaps("child q", pid, q);
	smaps("parent p", getpid(), p);
	STEP("child writes p1, p2", if (write(pipefd[1], "x", 1) != 1) sp_die("w"); usleep(50000));
	smaps("child p", pid, p);
	smaps("parent p", getpid(), p);
	printf("  values: parent p1=%#lx p2=%#lx file p1=%#lx p2=%#lx\n", peek(p, 1),
	       peek(p, 2), file_value(fd, 1), file_value(fd, 2));
	if (write(pipefd[1], "x", 1) != 1)
		sp_die("w");
	waitpid(pid, &status, 0);
	close(pipefd[1]);
	munmap(p, SP_PMD);
	munmap(q, SP_PMD);
	close(fd);
	close(fd2);
	sp_umount(mnt2);
	sp_umount(mnt);
}

static void case_forkpmd(int r)
{
	const char *mnt = sp_mount("/tmp/thpsh-shp.XXXXXX", "tmpfs", "huge=always");
	char path[256], *p;
	int fd, status;
	pid_t pid;

	printf("== forkpmd run %d\n", r);
	snprintf(path, sizeof(path), "%s/g", mnt);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	if (fd < 0 || ftruncate(fd, 2 * SP_PMD))
		sp_die("create %s", path);
	p = sp_reserve_aligned(2 * SP_PMD, SP_PMD);
	if (mmap(p, 2 * SP_PMD, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, 0) == MAP_FAILED)
		sp_die("mmap");
	(void)peek(p, 0);
	*(volatile uint64_t *)(p + SP_PMD + SP_PAGE + 8) = 0x77;
	smaps("parent", getpid(), p);
	pid = fork();
	if (pid == 0) {
		usleep(100000);
		_exit(0);
	}
	usleep(20000);
	smaps("child", pid, p);
	waitpid(pid, &status, 0);
	munmap(p, 2 * SP_PMD);
	close(fd);
	sp_umount(mnt);
}

static void case_collapse(int r, int cow)
{
	const char *mnt = sp_mount("/tmp/thpsh-shp.XXXXXX", "tmpfs", "huge=never");
	int fd = make_file(mnt, 1), ret, err, i;
	char *p = map_private(fd);
	struct sp_snap a, b;

	printf("== collapse%s run %d\n", cow ? "-cow" : "", r);
	for (i = 0; i < 512; i++)
		(void)peek(p, i);
	if (cow)
		*(volatile uint64_t *)(p + SP_PAGE + 8) = 0x77;
	sp_snap_take(&a);
	ret = madvise(p, SP_PMD, MADV_COLLAPSE);
	err = errno;
	sp_snap_take(&b);
	printf("  MADV_COLLAPSE = %d (%s)\n", ret, ret ? strerror(err) : "ok");
	sp_snap_print_delta("collapse", &a, &b);
	smaps("after", getpid(), p);
	pages("after", p, 0, 3);
	printf("  values: p0=%#lx p1=%#lx p2=%#lx\n", peek(p, 0), peek(p, 1), peek(p, 2));
	smaps("reads", getpid(), p);
	munmap(p, SP_PMD);
	close(fd);
	sp_umount(mnt);
}

static void case_truncate(int r)
{
	const char *mnt = sp_mount("/tmp/thpsh-shp.XXXXXX", "tmpfs", "huge=never");
	int fd = make_file(mnt, 1);
	char *p = map_private(fd);

	printf("== truncate run %d\n", r);
	*(volatile uint64_t *)(p + SP_PAGE + 8) = 0x77;
	(void)peek(p, 2);
	smaps("before", getpid(), p);
	STEP("ftruncate 0", if (ftruncate(fd, 0)) sp_die("ftruncate"));
	smaps("after", getpid(), p);
	pages("after", p, 0, 3);
	printf("  access p1 after ftruncate 0: %s\n", peek(p, 1) == -1 ? "SIGBUS" : "reads");
	if (ftruncate(fd, SP_PMD))
		sp_die("ftruncate");
	printf("  after ftruncate 2M: p1=%#lx p2=%#lx\n", peek(p, 1), peek(p, 2));
	smaps("regrown", getpid(), p);
	munmap(p, SP_PMD);
	close(fd);
	sp_umount(mnt);
}

static void case_punch(int r)
{
	const char *mnt = sp_mount("/tmp/thpsh-shp.XXXXXX", "tmpfs", "huge=never");
	int fd = make_file(mnt, 1);
	char *p = map_private(fd);

	printf("== punch run %d\n", r);
	*(volatile uint64_t *)(p + SP_PAGE + 8) = 0x77;
	(void)peek(p, 2);
	STEP("punch [4K, 12K)", if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
					      SP_PAGE, 2 * SP_PAGE)) sp_die("punch"));
	smaps("after", getpid(), p);
	pages("after", p, 0, 3);
	printf("  values: p1=%#lx p2=%#lx file p1=%#lx\n", peek(p, 1), peek(p, 2),
	       file_value(fd, 1));
	munmap(p, SP_PMD);
	close(fd);
	sp_umount(mnt);
}

static void case_dontneed(int r)
{
	const char *mnt = sp_mount("/tmp/thpsh-shp.XXXXXX", "tmpfs", "huge=always");
	int fd = make_file(mnt, 1);
	char *p = map_private(fd);

	printf("== dontneed run %d\n", r);
	(void)peek(p, 0);
	*(volatile uint64_t *)(p + SP_PAGE + 8) = 0x77;
	smaps("before", getpid(), p);
	STEP("dontneed p1", madvise(p + SP_PAGE, SP_PAGE, MADV_DONTNEED));
	smaps("after", getpid(), p);
	printf("  values: p1=%#lx\n", peek(p, 1));
	pages("after read", p, 0, 3);
	munmap(p, SP_PMD);
	close(fd);
	sp_umount(mnt);
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 1, r;

	sp_init();
	for (r = 0; r < runs; r++) {
		case_read(r);
		case_cowpmd(r);
		case_cowfirst(r);
		case_small(r);
		case_follow(r);
		case_fork(r);
		case_forkpmd(r);
		case_collapse(r, 0);
		case_collapse(r, 1);
		case_truncate(r);
		case_punch(r);
		case_dontneed(r);
	}
	return 0;
}
