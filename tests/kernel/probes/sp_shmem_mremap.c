/*
 * sp_shmem_mremap.c - mremap of shmem mappings: shared tmpfs files,
 * shared anonymous memory and private tmpfs mappings with COW copies.
 *
 * Every tmpfs case mounts its own tmpfs under /tmp (unmounted on every
 * exit path); the file's page i holds tag ^ i at offset 8.  Each step
 * prints its counter deltas, smaps of the VMA, a pagemap summary taken
 * before any value is read back (reads refault), then the values.
 *   aligned    huge=always, 2 MiB shared, PMD-mapped: move to a 2 MiB
 *              aligned destination (MAYMOVE|FIXED)
 *   unaligned  the same to a destination 2 MiB + 4 KiB
 *   grow       grow in place 2 -> 4 MiB (4 MiB file), write at +2 MiB
 *   growmove   grow 2 -> 4 MiB with a page mapped right behind it
 *              (MAYMOVE): where it lands, what moved
 *   shrink     shrink 2 MiB -> 1 MiB in place through the THP
 *   eof        2 MiB file, grow the mapping in place to 4 MiB: an
 *              access at +2 MiB (SIGBUS?)
 *   anon       MAP_SHARED|MAP_ANONYMOUS 2 MiB (machine's shmem_enabled):
 *              move to an unaligned destination, grow in place to 4 MiB,
 *              access past the old end; then shmem_enabled=advise with
 *              MADV_HUGEPAGE (restored): move aligned, and grow by move
 *   private    huge=never, MAP_PRIVATE 2 MiB: pages 0-15 read, pages 1
 *              and 40 written (copies); move to an unaligned destination;
 *              the file written at pages 1 and 2 afterwards
 *   privpmd    huge=always, MAP_PRIVATE: page 0 read (PMD), move aligned;
 *              then page 1 written (split, copy), every page read, move
 *              aligned again (the PTE table moves)
 *   dup        old_len 0: a second mapping of a shared tmpfs THP (MAYMOVE,
 *              then MAYMOVE|FIXED), of shared anonymous memory, and of a
 *              private mapping (EINVAL?)
 *
 *   cc -O2 -Wall -o /tmp/sp_shmem_mremap tests/kernel/probes/sp_shmem_mremap.c
 *   /tmp/sp_shmem_mremap [runs]        (root)
 */
#define _GNU_SOURCE
#include "sp_common.h"

#include <setjmp.h>

static sigjmp_buf bus_jmp;

static void on_bus(int sig)
{
	(void)sig;
	siglongjmp(bus_jmp, 1);
}

/* Read (or write @v when @w) the value of page @i of @p; -1 on SIGBUS. */
static long touch(char *p, long i, int w, uint64_t v)
{
	long r;

	signal(SIGBUS, on_bus);
	if (sigsetjmp(bus_jmp, 1)) {
		signal(SIGBUS, sp_sig);
		return -1;
	}
	if (w)
		*(volatile uint64_t *)(p + i * SP_PAGE + 8) = v;
	r = (long)*(volatile uint64_t *)(p + i * SP_PAGE + 8);
	signal(SIGBUS, sp_sig);
	return r;
}

static int make_file(const char *mnt, size_t size, uint64_t tag, size_t fill)
{
	char path[256];
	uint64_t v;
	size_t i;
	int fd;

	snprintf(path, sizeof(path), "%s/f", mnt);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	if (fd < 0 || ftruncate(fd, size))
		sp_die("create %s", path);
	for (i = 0; i < fill / SP_PAGE; i++) {
		v = tag ^ i;
		if (pwrite(fd, &v, 8, i * SP_PAGE + 8) != 8)
			sp_die("pwrite");
	}
	return fd;
}

static long file_value(int fd, long i)
{
	uint64_t v = 0;

	if (pread(fd, &v, 8, i * SP_PAGE + 8) != 8)
		return -1;
	return (long)v;
}

static char *map_at(char *where, size_t len, int flags, int fd)
{
	char *p = mmap(where, len, PROT_READ | PROT_WRITE, flags | MAP_FIXED, fd, 0);

	if (p == MAP_FAILED)
		sp_die("mmap");
	return p;
}

static void smaps(const char *label, char *p)
{
	static const char *const f[] = { "Rss", "Anonymous", "AnonHugePages",
		"ShmemPmdMapped", "FilePmdMapped", "Shared_Clean", "Shared_Dirty",
		"Private_Clean", "Private_Dirty", NULL };
	int i;

	printf("  smaps %-14s:", label);
	for (i = 0; f[i]; i++)
		printf(" %s=%ld", f[i], sp_smaps(getpid(), (unsigned long)p, f[i]));
	printf("\n");
}

static char *remap(char *old, size_t olen, size_t nlen, int flags, char *dst,
		   const char *label)
{
	struct sp_snap a, b;
	char *q;

	sp_snap_take(&a);
	q = mremap(old, olen, nlen, flags, dst);
	sp_snap_take(&b);
	if (q == MAP_FAILED)
		sp_die("mremap %s", label);
	sp_snap_print_delta(label, &a, &b);
	printf("  new address %p: %s, 2 MiB aligned %s\n", (void *)q,
	       q == old ? "same" : "moved", ((unsigned long)q & (SP_PMD - 1)) ? "no" : "yes");
	return q;
}

#define STEP(label, stmt) do { struct sp_snap a_, b_; sp_snap_take(&a_); stmt; \
	sp_snap_take(&b_); sp_snap_print_delta(label, &a_, &b_); } while (0)

/* A PMD-mapped THP of a huge=always tmpfs file of @fsize at a 2 MiB aligned @p. */
static char *shared_thp(const char *mnt, size_t fsize, uint64_t tag, int *fd)
{
	char *p = sp_reserve_aligned(SP_PMD, SP_PMD);

	*fd = make_file(mnt, fsize, tag, 0);
	p = map_at(p, SP_PMD, MAP_SHARED, *fd);
	sp_fill(p, SP_PMD, tag);
	smaps("filled", p);
	return p;
}

static void case_move(int r, const char *name, size_t dst_off)
{
	const char *mnt = sp_mount("/tmp/thpsh-shmr.XXXXXX", "tmpfs", "huge=always");
	uint64_t tag = 0x6100 + r;
	char *dst = sp_reserve_aligned(4 * SP_PMD, SP_PMD), *p, *q;
	int fd;

	printf("== %s run %d: move 2 MiB shared THP to dst+%#zx\n", name, r, dst_off);
	p = shared_thp(mnt, 2 * SP_PMD, tag, &fd);
	q = remap(p, SP_PMD, SP_PMD, MREMAP_MAYMOVE | MREMAP_FIXED, dst + SP_PMD + dst_off,
		  "mremap");
	smaps("moved", q);
	sp_range_print("moved", getpid(), (unsigned long)q, SP_PMD);
	STEP("read back", printf("  values bad=%d\n", sp_check(q, SP_PMD, tag)));
	smaps("read back", q);
	sp_range_print("read back", getpid(), (unsigned long)q, SP_PMD);
	munmap(dst, 4 * SP_PMD);
	munmap(p, SP_PMD);
	close(fd);
	sp_umount(mnt);
}

static void case_grow(int r)
{
	const char *mnt = sp_mount("/tmp/thpsh-shmr.XXXXXX", "tmpfs", "huge=always");
	uint64_t tag = 0x6200 + r;
	char *base = sp_reserve_aligned(2 * SP_PMD, SP_PMD), *p, *q;
	int fd = make_file(mnt, 2 * SP_PMD, tag, 0);

	printf("== grow run %d: 2 -> 4 MiB in place, 4 MiB file\n", r);
	munmap(base + SP_PMD, SP_PMD);
	p = map_at(base, SP_PMD, MAP_SHARED, fd);
	sp_fill(p, SP_PMD, tag);
	q = remap(p, SP_PMD, 2 * SP_PMD, 0, NULL, "mremap grow");
	smaps("grown", q);
	STEP("write +2 MiB", touch(q, 512, 1, 0x77));
	smaps("written", q);
	printf("  values bad=%d, +2 MiB reads %#lx, file there %#lx\n", sp_check(q, SP_PMD, tag),
	       touch(q, 512, 0, 0), file_value(fd, 512));
	munmap(q, 2 * SP_PMD);
	close(fd);
	sp_umount(mnt);
}

static void case_growmove(int r)
{
	const char *mnt = sp_mount("/tmp/thpsh-shmr.XXXXXX", "tmpfs", "huge=always");
	uint64_t tag = 0x6300 + r;
	char *base = sp_reserve_aligned(2 * SP_PMD, SP_PMD), *p, *q;
	int fd = make_file(mnt, 2 * SP_PMD, tag, 0);

	printf("== growmove run %d: 2 -> 4 MiB, a page mapped behind it\n", r);
	munmap(base + SP_PMD + SP_PAGE, SP_PMD - SP_PAGE);	/* base+2M: the blocker stays */
	p = map_at(base, SP_PMD, MAP_SHARED, fd);
	sp_fill(p, SP_PMD, tag);
	q = remap(p, SP_PMD, 2 * SP_PMD, MREMAP_MAYMOVE, NULL, "mremap grow/move");
	smaps("moved", q);
	sp_range_print("moved", getpid(), (unsigned long)q, SP_PMD);
	printf("  old range mapped: %s\n", sp_smaps(getpid(), (unsigned long)p, "Rss") < 0 ?
	       "no" : "yes");
	printf("  values bad=%d\n", sp_check(q, SP_PMD, tag));
	STEP("write +2 MiB", touch(q, 512, 1, 0x77));
	smaps("written", q);
	munmap(q, 2 * SP_PMD);
	munmap(base + SP_PMD, SP_PAGE);
	close(fd);
	sp_umount(mnt);
}

static void case_shrink(int r)
{
	const char *mnt = sp_mount("/tmp/thpsh-shmr.XXXXXX", "tmpfs", "huge=always");
	uint64_t tag = 0x6400 + r;
	int fd;
	char *p = shared_thp(mnt, SP_PMD, tag, &fd), *q;

	printf("== shrink run %d: 2 MiB -> 1 MiB in place\n", r);
	q = remap(p, SP_PMD, SP_PMD / 2, 0, NULL, "mremap shrink");
	smaps("shrunk", q);
	sp_range_print("shrunk", getpid(), (unsigned long)q, SP_PMD / 2);
	STEP("read back", printf("  values bad=%d\n", sp_check(q, SP_PMD / 2, tag)));
	smaps("read back", q);
	sp_range_print("read back", getpid(), (unsigned long)q, SP_PMD / 2);
	printf("  file beyond the mapping: page 300 %#lx (expect %#lx)\n", file_value(fd, 300),
	       (long)(tag ^ 300));
	munmap(q, SP_PMD / 2);
	close(fd);
	sp_umount(mnt);
}

static void case_eof(int r)
{
	const char *mnt = sp_mount("/tmp/thpsh-shmr.XXXXXX", "tmpfs", "huge=always");
	uint64_t tag = 0x6500 + r;
	char *base = sp_reserve_aligned(2 * SP_PMD, SP_PMD), *p, *q;
	int fd = make_file(mnt, SP_PMD, tag, 0);
	long v;

	printf("== eof run %d: 2 MiB file, mapping grown to 4 MiB\n", r);
	munmap(base + SP_PMD, SP_PMD);
	p = map_at(base, SP_PMD, MAP_SHARED, fd);
	sp_fill(p, SP_PMD, tag);
	q = remap(p, SP_PMD, 2 * SP_PMD, 0, NULL, "mremap grow");
	STEP("read +2 MiB", v = touch(q, 512, 0, 0));
	printf("  read +2 MiB: %s\n", v < 0 ? "SIGBUS" : "ok");
	STEP("write +3 MiB", v = touch(q, 768, 1, 0x77));
	printf("  write +3 MiB: %s\n", v < 0 ? "SIGBUS" : "ok");
	if (ftruncate(fd, 2 * SP_PMD))
		sp_die("ftruncate");
	printf("  after ftruncate 4 MiB: +2 MiB reads %ld, values bad=%d\n", touch(q, 512, 0, 0),
	       sp_check(q, SP_PMD, tag));
	munmap(q, 2 * SP_PMD);
	close(fd);
	sp_umount(mnt);
}

static void case_anon(int r)
{
	uint64_t tag = 0x6600 + r;
	char *dst = sp_reserve_aligned(4 * SP_PMD, SP_PMD), *base, *p, *q;
	char cur[64], val[64];
	long v;

	sp_read_file(SP_THP "/shmem_enabled", cur, sizeof(cur));
	printf("== anon run %d: MAP_SHARED|MAP_ANONYMOUS, shmem_enabled %s\n", r, cur);
	base = sp_reserve_aligned(2 * SP_PMD, SP_PMD);
	munmap(base + SP_PMD, SP_PMD);
	p = map_at(base, SP_PMD, MAP_SHARED | MAP_ANONYMOUS, -1);
	sp_fill(p, SP_PMD, tag);
	smaps("filled", p);
	q = remap(p, SP_PMD, SP_PMD, MREMAP_MAYMOVE | MREMAP_FIXED, dst + SP_PMD + SP_PAGE,
		  "mremap move");
	smaps("moved", q);
	sp_range_print("moved", getpid(), (unsigned long)q, SP_PMD);
	printf("  values bad=%d\n", sp_check(q, SP_PMD, tag));
	/* back to base (room behind it), then grow in place past the object's end */
	q = remap(q, SP_PMD, SP_PMD, MREMAP_MAYMOVE | MREMAP_FIXED, base, "mremap back");
	q = remap(q, SP_PMD, 2 * SP_PMD, 0, NULL, "mremap grow");
	STEP("read +2 MiB", v = touch(q, 512, 0, 0));
	printf("  read +2 MiB: %s; values bad=%d\n", v < 0 ? "SIGBUS" : "ok",
	       sp_check(q, SP_PMD, tag));
	munmap(q, 2 * SP_PMD);

	sp_current_value(cur, val, sizeof(val));
	sp_set(SP_THP "/shmem_enabled", "advise");
	printf("-- anon THP run %d: shmem_enabled advise, MADV_HUGEPAGE\n", r);
	p = map_at(base, SP_PMD, MAP_SHARED | MAP_ANONYMOUS, -1);
	if (madvise(p, SP_PMD, MADV_HUGEPAGE))
		sp_die("madvise");
	STEP("fill", sp_fill(p, SP_PMD, tag));
	smaps("filled", p);
	q = remap(p, SP_PMD, SP_PMD, MREMAP_MAYMOVE | MREMAP_FIXED, dst + SP_PMD, "mremap aligned");
	smaps("moved", q);
	printf("  values bad=%d\n", sp_check(q, SP_PMD, tag));
	p = remap(q, SP_PMD, SP_PMD, MREMAP_MAYMOVE | MREMAP_FIXED, base, "mremap back");
	q = mmap(base + SP_PMD, SP_PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	q = remap(p, SP_PMD, 2 * SP_PMD, MREMAP_MAYMOVE, NULL, "mremap grow/move");
	smaps("moved", q);
	printf("  values bad=%d\n", sp_check(q, SP_PMD, tag));
	munmap(q, 2 * SP_PMD);
	munmap(base, 2 * SP_PMD);
	munmap(dst, 4 * SP_PMD);
	sp_set(SP_THP "/shmem_enabled", val);
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

static void case_private(int r)
{
	const char *mnt = sp_mount("/tmp/thpsh-shmr.XXXXXX", "tmpfs", "huge=never");
	uint64_t tag = 0x6700 + r, v;
	char *dst = sp_reserve_aligned(4 * SP_PMD, SP_PMD), *p, *q;
	int fd = make_file(mnt, SP_PMD, tag, SP_PMD), i;

	printf("== private run %d: huge=never, 2 copies, move unaligned\n", r);
	p = map_at(sp_reserve_aligned(SP_PMD, SP_PMD), SP_PMD, MAP_PRIVATE, fd);
	for (i = 0; i < 16; i++)
		touch(p, i, 0, 0);
	touch(p, 1, 1, 0x77);
	touch(p, 40, 1, 0x78);
	smaps("before", p);
	q = remap(p, SP_PMD, SP_PMD, MREMAP_MAYMOVE | MREMAP_FIXED, dst + SP_PMD + SP_PAGE,
		  "mremap move");
	smaps("moved", q);
	pages("moved", q, 0, 17);
	pages("moved", q, 39, 41);
	printf("  values: p0=%#lx p1=%#lx p2=%#lx p40=%#lx p41=%#lx\n", touch(q, 0, 0, 0),
	       touch(q, 1, 0, 0), touch(q, 2, 0, 0), touch(q, 40, 0, 0), touch(q, 41, 0, 0));
	v = 0x99;
	if (pwrite(fd, &v, 8, 1 * SP_PAGE + 8) != 8 || pwrite(fd, &v, 8, 2 * SP_PAGE + 8) != 8)
		sp_die("pwrite");
	printf("  after pwrite 0x99 at 1, 2: p1=%#lx p2=%#lx file p1=%#lx\n", touch(q, 1, 0, 0),
	       touch(q, 2, 0, 0), file_value(fd, 1));
	smaps("after", q);
	munmap(dst, 4 * SP_PMD);
	munmap(q, SP_PMD);
	close(fd);
	sp_umount(mnt);
}

static void case_privpmd(int r)
{
	const char *mnt = sp_mount("/tmp/thpsh-shmr.XXXXXX", "tmpfs", "huge=always");
	uint64_t tag = 0x6800 + r;
	char *dst = sp_reserve_aligned(4 * SP_PMD, SP_PMD), *p, *q;
	int fd = make_file(mnt, SP_PMD, tag, SP_PMD), i;

	printf("== privpmd run %d: huge=always, private, PMD then copies\n", r);
	p = map_at(sp_reserve_aligned(SP_PMD, SP_PMD), SP_PMD, MAP_PRIVATE, fd);
	touch(p, 0, 0, 0);
	smaps("read", p);
	q = remap(p, SP_PMD, SP_PMD, MREMAP_MAYMOVE | MREMAP_FIXED, dst, "mremap aligned");
	smaps("moved", q);
	STEP("write page 1", touch(q, 1, 1, 0x77));
	for (i = 0; i < 512; i++)
		touch(q, i, 0, 0);
	smaps("copied+read", q);
	p = remap(q, SP_PMD, SP_PMD, MREMAP_MAYMOVE | MREMAP_FIXED, dst + 2 * SP_PMD,
		  "mremap aligned 2");
	smaps("moved 2", p);
	pages("moved 2", p, 0, 3);
	printf("  values: p0=%#lx p1=%#lx p2=%#lx file p1=%#lx\n", touch(p, 0, 0, 0),
	       touch(p, 1, 0, 0), touch(p, 2, 0, 0), file_value(fd, 1));
	q = remap(p, SP_PMD, SP_PMD, MREMAP_MAYMOVE | MREMAP_FIXED, dst + SP_PAGE,
		  "mremap unaligned");
	smaps("moved 3", q);
	pages("moved 3", q, 0, 3);
	printf("  values: p0=%#lx p1=%#lx p2=%#lx\n", touch(q, 0, 0, 0), touch(q, 1, 0, 0),
	       touch(q, 2, 0, 0));
	munmap(dst, 4 * SP_PMD);
	close(fd);
	sp_umount(mnt);
}

static void case_dup(int r)
{
	const char *mnt = sp_mount("/tmp/thpsh-shmr.XXXXXX", "tmpfs", "huge=always");
	uint64_t tag = 0x6900 + r;
	char *dst = sp_reserve_aligned(4 * SP_PMD, SP_PMD), *q, *x;
	int fd;
	char *p = shared_thp(mnt, SP_PMD, tag, &fd);

	printf("== dup run %d: old_len 0\n", r);
	q = remap(p, 0, SP_PMD, MREMAP_MAYMOVE, NULL, "mremap dup");
	smaps("dup", q);
	smaps("original", p);
	STEP("read dup", printf("  dup values bad=%d\n", sp_check(q, SP_PMD, tag)));
	smaps("dup read", q);
	touch(q, 3, 1, 0x77);
	printf("  written through the dup: original reads %#lx, file %#lx\n", touch(p, 3, 0, 0),
	       file_value(fd, 3));
	x = remap(p, 0, SP_PMD / 2, MREMAP_MAYMOVE | MREMAP_FIXED, dst + SP_PMD + SP_PAGE,
		  "mremap dup fixed");
	printf("  fixed dup page 5 reads %#lx (expect %#lx)\n", touch(x, 5, 0, 0), (long)(tag ^ 5));
	x = mremap(p + SP_PAGE, 0, SP_PAGE, MREMAP_MAYMOVE);
	printf("  dup of page 1: %s, reads %#lx (expect %#lx)\n", x == MAP_FAILED ? "failed" : "ok",
	       x == MAP_FAILED ? -1L : touch(x, 0, 0, 0), (long)(tag ^ 1));
	x = mremap(p, 0, SP_PMD, 0);
	printf("  without MAYMOVE: %s errno %d\n", x == MAP_FAILED ? "failed" : "ok", errno);
	munmap(dst, 4 * SP_PMD);
	munmap(q, SP_PMD);
	munmap(p, SP_PMD);

	p = mmap(NULL, SP_PMD, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	sp_fill(p, SP_PMD, tag);
	q = remap(p, 0, SP_PMD, MREMAP_MAYMOVE, NULL, "mremap dup shared anon");
	printf("  shared anon dup values bad=%d\n", sp_check(q, SP_PMD, tag));
	munmap(q, SP_PMD);
	munmap(p, SP_PMD);

	p = mmap(NULL, SP_PMD, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	touch(p, 0, 0, 0);
	q = mremap(p, 0, SP_PMD, MREMAP_MAYMOVE);
	printf("  private dup: %s errno %d\n", q == MAP_FAILED ? "failed" : "ok", errno);
	munmap(p, SP_PMD);
	close(fd);
	sp_umount(mnt);
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 3, r;

	sp_live_lock();
	sp_init();
	for (r = 1; r <= runs; r++) {
		case_move(r, "aligned", 0);
		case_move(r, "unaligned", SP_PAGE);
		case_grow(r);
		case_growmove(r);
		case_shrink(r);
		case_eof(r);
		case_anon(r);
		case_private(r);
		case_privpmd(r);
		case_dup(r);
	}
	return 0;
}
