/*
 * sp_shmem_collapse.c - MADV_COLLAPSE and khugepaged on shmem: tmpfs
 * files and MAP_SHARED|MAP_ANONYMOUS memory.
 *
 * Every region is 2 MiB, mapped MAP_SHARED at a 2 MiB aligned address;
 * its pages are written while the VMA is MADV_NOHUGEPAGE (so the page
 * cache gets 4K folios whatever the huge= option), then the VMA is
 * switched to MADV_HUGEPAGE (unless said otherwise) and:
 *   never/advise/always : tmpfs huge=<x>, 512 pages written, MADV_COLLAPSE
 *   holes               : huge=always, pages 0..99 written, MADV_COLLAPSE
 *   empty               : huge=always, nothing written, MADV_COLLAPSE
 *   nohuge              : huge=always, 512 written, VMA left NOHUGEPAGE
 *   thp                 : huge=always, a THP faulted, MADV_COLLAPSE twice
 *   other               : huge=always, 512 written; a forked child maps
 *                         them too; the parent collapses; the child's
 *                         smaps before and after it touches the range
 *   anon-never/advise   : shared anonymous memory, shmem_enabled never /
 *                         advise, 512 written, MADV_COLLAPSE
 *   kh-anon             : shmem_enabled=advise, shared anonymous, 512
 *                         written: khugepaged (scan_sleep 100 ms, 3 s)
 *   kh-holes            : the same with 100 pages, max_ptes_none 511 then 0
 *   kh-tmpfs-never      : huge=never tmpfs, 512 written, MADV_HUGEPAGE:
 *                         khugepaged (3 s)
 * "fresh" as the first argument runs kh-anon alone, first, in a process
 * that no earlier case put on khugepaged's list, then the same after an
 * anonymous THP fault has put it there.
 * Prints return/errno, counter deltas, smaps, value check, huge_memory
 * trace events.  Restores every setting, unmounts every tmpfs.
 *
 *   cc -O2 -Wall -o /tmp/sp_shmem_collapse tests/kernel/probes/sp_shmem_collapse.c
 *   /tmp/sp_shmem_collapse [runs]        (root)
 */
#include "sp_common.h"

static const char *const ev[] = { "huge_memory", NULL };

static void print_formats(void)
{
	static const char *const n[] = { "mm_khugepaged_scan_file",
		"mm_khugepaged_collapse_file", NULL };
	char p[512], buf[4096];
	int i;

	for (i = 0; n[i]; i++) {
		char *f;

		snprintf(p, sizeof(p), "%s/events/huge_memory/%s/format",
			 sp_trace_inst, n[i]);
		if (sp_read_file(p, buf, sizeof(buf)))
			continue;
		f = strstr(buf, "print fmt:");
		printf("format %s: %s\n", n[i], f ? f : "?");
	}
}

/* A 2 MiB shared mapping of fd (or anonymous when fd < 0), 2 MiB aligned. */
static char *map2m(int fd)
{
	char *p = sp_reserve_aligned(SP_PMD, SP_PMD);
	int flags = MAP_SHARED | MAP_FIXED | (fd < 0 ? MAP_ANONYMOUS : 0);

	if (mmap(p, SP_PMD, PROT_READ | PROT_WRITE, flags, fd, 0) == MAP_FAILED)
		sp_die("mmap shared");
	return p;
}

static int tmpfs_file(const char *mnt)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/f", mnt);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	if (fd < 0 || ftruncate(fd, SP_PMD))
		sp_die("create %s", path);
	return fd;
}

static void collapse(const char *label, char *p)
{
	struct sp_snap a, b;
	int ret, err;

	sp_trace_start(ev);
	sp_snap_take(&a);
	ret = madvise(p, SP_PMD, MADV_COLLAPSE);
	err = errno;
	sp_snap_take(&b);
	printf("  %s: MADV_COLLAPSE -> %d%s%s\n", label, ret, ret ? " errno=" : "",
	       ret ? strerrorname_np(err) : "");
	sp_snap_print_delta(label, &a, &b);
	sp_trace_stop(12, NULL);
	sp_smaps_print("after", getpid(), (unsigned long)p);
	sp_page_print("after[0]", getpid(), (unsigned long)p);
	sp_range_print("after", getpid(), (unsigned long)p, SP_PMD);
}

static void prepare(char *p, int n, uint64_t tag, int advise)
{
	if (madvise(p, SP_PMD, MADV_NOHUGEPAGE))
		sp_die("madvise nohugepage");
	sp_fill(p, n * SP_PAGE, tag);
	if (advise && madvise(p, SP_PMD, MADV_HUGEPAGE))
		sp_die("madvise hugepage");
	sp_smaps_print("before", getpid(), (unsigned long)p);
}

static void values(char *p, int n, uint64_t tag)
{
	int i, nz = 0;

	for (i = n * SP_PAGE; i < (int)SP_PMD; i++)
		nz += p[i] != 0;
	printf("  values bad=%d in the %d written pages, non-zero bytes after=%d\n",
	       sp_check(p, n * SP_PAGE, tag), n, nz);
}

static void tmpfs_case(const char *name, const char *huge, int n, int advise, int r)
{
	char opts[64];
	const char *mnt;
	uint64_t tag = 0x7100 + r;
	char *p;
	int fd;

	printf("== %s run %d (huge=%s, %d pages%s)\n", name, r, huge, n,
	       advise ? ", MADV_HUGEPAGE" : ", MADV_NOHUGEPAGE");
	snprintf(opts, sizeof(opts), "huge=%s,size=64m", huge);
	mnt = sp_mount("/tmp/thpsh-shmc.XXXXXX", "tmpfs", opts);
	fd = tmpfs_file(mnt);
	p = map2m(fd);
	prepare(p, n, tag, advise);
	collapse("collapse", p);
	values(p, n, tag);
	if (!strcmp(name, "holes") || !strcmp(name, "always"))
		collapse("again", p);
	munmap(p, SP_PMD);
	close(fd);
	sp_umount(mnt);
}

static void thp_case(int r)
{
	const char *mnt = sp_mount("/tmp/thpsh-shmc.XXXXXX", "tmpfs",
				   "huge=always,size=64m");
	int fd = tmpfs_file(mnt);
	char *p = map2m(fd);

	printf("== thp run %d (huge=always, a THP faulted)\n", r);
	sp_fill(p, SP_PMD, 0x7200 + r);
	sp_smaps_print("before", getpid(), (unsigned long)p);
	collapse("collapse", p);
	/* PTE-map it: munmap zaps the PMD; refault the pages by PTE */
	munmap(p, SP_PMD);
	p = map2m(fd);
	madvise(p, SP_PMD, MADV_NOHUGEPAGE);
	printf("  values bad=%d after remap NOHUGEPAGE\n", sp_check(p, SP_PMD, 0x7200 + r));
	sp_smaps_print("pte-mapped", getpid(), (unsigned long)p);
	madvise(p, SP_PMD, MADV_HUGEPAGE);
	collapse("pte-mapped", p);
	munmap(p, SP_PMD);
	close(fd);
	sp_umount(mnt);
}

static void other_case(int r)
{
	const char *mnt = sp_mount("/tmp/thpsh-shmc.XXXXXX", "tmpfs",
				   "huge=always,size=64m");
	int fd = tmpfs_file(mnt), go[2], done[2];
	char *p = map2m(fd), c;
	uint64_t tag = 0x7300 + r;
	pid_t child;

	printf("== other run %d (huge=always, a child maps the pages too)\n", r);
	prepare(p, 512, tag, 1);
	if (pipe(go) || pipe(done))
		sp_die("pipe");
	child = fork();
	if (child == 0) {
		int bad;

		/* the child's PTEs map the same 512 page-cache pages */
		bad = sp_check(p, SP_PMD, tag);
		if (write(done[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(1);
		bad += sp_check(p, SP_PMD, tag);
		if (write(done[1], bad ? "b" : "g", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(1);
		_exit(0);
	}
	if (read(done[0], &c, 1) != 1)
		sp_die("child");
	sp_smaps_print("child before", child, (unsigned long)p);
	collapse("parent collapse", p);
	sp_smaps_print("child after", child, (unsigned long)p);
	sp_page_print("child[0]", child, (unsigned long)p);
	if (write(go[1], "g", 1) != 1 || read(done[0], &c, 1) != 1)
		sp_die("child");
	printf("  child read all 512 pages: %s\n", c == 'g' ? "values intact" : "BAD");
	sp_smaps_print("child touched", child, (unsigned long)p);
	sp_range_print("child touched", child, (unsigned long)p, SP_PMD);
	if (write(go[1], "g", 1) != 1)
		sp_die("child");
	waitpid(child, NULL, 0);
	munmap(p, SP_PMD);
	close(fd);
	sp_umount(mnt);
}

static void anon_case(const char *enabled, int r)
{
	uint64_t tag = 0x7400 + r;
	char *p;

	printf("== anon-%s run %d (MAP_SHARED|MAP_ANONYMOUS, shmem_enabled=%s)\n",
	       enabled, r, enabled);
	sp_set(SP_THP "/shmem_enabled", enabled);
	p = map2m(-1);
	prepare(p, 512, tag, 1);
	collapse("collapse", p);
	values(p, 512, tag);
	munmap(p, SP_PMD);
	sp_restore_all();
}

/* Wait up to 3 s for khugepaged.pages_collapsed to move. */
static void wait_khugepaged(const char *label, char *p)
{
	long before = sp_read_long(SP_THP "/khugepaged/pages_collapsed");
	struct sp_snap a, b;
	int i;

	sp_trace_start(ev);
	sp_snap_take(&a);
	for (i = 0; i < 30; i++) {
		usleep(100000);
		if (sp_read_long(SP_THP "/khugepaged/pages_collapsed") != before)
			break;
	}
	usleep(200000);
	sp_snap_take(&b);
	printf("  %s: %s after %.1f s\n", label, i < 30 ? "collapsed" : "no collapse",
	       i * 0.1);
	sp_snap_print_delta(label, &a, &b);
	sp_trace_stop(6, NULL);
	sp_smaps_print("after", getpid(), (unsigned long)p);
	sp_range_print("after", getpid(), (unsigned long)p, SP_PMD);
}

static void kh_case(const char *name, int n, const char *max_none, int tmpfs_never, int r)
{
	uint64_t tag = 0x7500 + r;
	const char *mnt = NULL;
	int fd = -1;
	char *p;

	printf("== %s run %d (%d pages, max_ptes_none %s)\n", name, r, n, max_none);
	sp_set(SP_THP "/khugepaged/scan_sleep_millisecs", "100");
	sp_set(SP_THP "/khugepaged/max_ptes_none", max_none);
	if (tmpfs_never) {
		mnt = sp_mount("/tmp/thpsh-shmc.XXXXXX", "tmpfs", "huge=never,size=64m");
		fd = tmpfs_file(mnt);
	} else {
		sp_set(SP_THP "/shmem_enabled", "advise");
	}
	p = map2m(fd);
	prepare(p, n, tag, 1);
	wait_khugepaged("khugepaged", p);
	values(p, n, tag);
	sp_smaps_print("touched", getpid(), (unsigned long)p);
	sp_page_print("touched[0]", getpid(), (unsigned long)p);
	munmap(p, SP_PMD);
	if (fd >= 0)
		close(fd);
	if (mnt)
		sp_umount(mnt);
	sp_restore_all();
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 3, r;
	char buf[256];

	sp_init();
	if (argc > 1 && !strcmp(argv[1], "fresh")) {
		char *q;

		kh_case("kh-fresh", 512, "511", 0, 1);
		q = sp_mmap_aligned(SP_PMD, SP_PMD);
		madvise(q, SP_PMD, MADV_HUGEPAGE);
		*(volatile char *)q = 1;	/* a THP fault: khugepaged_enter_vma */
		kh_case("kh-registered", 512, "511", 0, 1);
		return 0;
	}
	sp_trace_start(ev);
	sp_trace_stop(0, NULL);
	print_formats();
	sp_read_file(SP_THP "/shmem_enabled", buf, sizeof(buf));
	printf("shmem_enabled: %s\n", buf);
	for (r = 1; r <= runs; r++) {
		tmpfs_case("never", "never", 512, 1, r);
		tmpfs_case("advise", "advise", 512, 1, r);
		tmpfs_case("always", "always", 512, 1, r);
		tmpfs_case("holes", "always", 100, 1, r);
		tmpfs_case("empty", "always", 0, 1, r);
		tmpfs_case("nohuge", "always", 512, 0, r);
		thp_case(r);
		other_case(r);
		anon_case("never", r);
		anon_case("advise", r);
		kh_case("kh-anon", 512, "511", 0, r);
		kh_case("kh-holes", 100, "511", 0, r);
		kh_case("kh-holes0", 100, "0", 0, r);
		kh_case("kh-tmpfs-never", 512, "511", 1, r);
	}
	sp_read_file(SP_THP "/shmem_enabled", buf, sizeof(buf));
	printf("shmem_enabled after: %s\n", buf);
	return 0;
}
