/*
 * sp_fork_zero.c - fork with the huge zero page mapped.
 *
 * A 2 MiB aligned MADV_HUGEPAGE region is read-faulted (huge zero page,
 * use_zero_page=1), then the process forks.  Steps: read fault, fork,
 * child write (one byte), parent write, child exit.  Each step prints
 * vmstat/meminfo/mTHP deltas, smaps and pagemap/kpageflags of both sides.
 *
 *   cc -O2 -Wall -o /tmp/sp_fork_zero tests/kernel/probes/sp_fork_zero.c
 *   /tmp/sp_fork_zero [runs]        (root)
 */
#include "sp_common.h"

static int to_child[2], to_parent[2];

static void child_loop(char *p)
{
	unsigned long off;
	char ack = 'k';

	while (read(to_child[0], &off, sizeof(off)) == sizeof(off)) {
		if (off == ~0UL)
			_exit(0);
		*(volatile char *)(p + off) = 0x5a;
		if (write(to_parent[1], &ack, 1) != 1)
			_exit(1);
	}
	_exit(0);
}

static void child_write(unsigned long off)
{
	char ack;

	if (write(to_child[1], &off, sizeof(off)) != sizeof(off) ||
	    read(to_parent[0], &ack, 1) != 1)
		sp_die("child_write");
}

static void show(const char *who, pid_t pid, char *p)
{
	char l[32];

	sp_smaps_print(who, pid, (unsigned long)p);
	snprintf(l, sizeof(l), "%s[0]", who);
	sp_page_print(l, pid, (unsigned long)p);
	snprintf(l, sizeof(l), "%s[1]", who);
	sp_page_print(l, pid, (unsigned long)p + SP_PAGE);
	snprintf(l, sizeof(l), "%s[5]", who);
	sp_page_print(l, pid, (unsigned long)p + 5 * SP_PAGE);
	sp_range_print(who, pid, (unsigned long)p, SP_PMD);
}

static void run(int r)
{
	struct sp_snap a, b;
	char *p = sp_mmap_aligned(SP_PMD, SP_PMD);
	volatile char sink;
	unsigned long off = ~0UL;
	pid_t pid;
	int i, nz = 0;

	printf("== run %d\n", r);
	if (madvise(p, SP_PMD, MADV_HUGEPAGE))
		sp_die("madvise");
	sp_snap_take(&a);
	sink = *(volatile char *)p;
	sp_snap_take(&b);
	(void)sink;
	sp_snap_print_delta("read fault", &a, &b);
	show("parent", getpid(), p);

	if (pipe(to_child) || pipe(to_parent))
		sp_die("pipe");
	sp_snap_take(&a);
	pid = fork();
	if (pid < 0)
		sp_die("fork");
	if (!pid) {
		close(to_child[1]);
		close(to_parent[0]);
		child_loop(p);
	}
	close(to_child[0]);
	close(to_parent[1]);
	sp_snap_take(&b);
	sp_snap_print_delta("fork", &a, &b);
	show("parent", getpid(), p);
	show("child", pid, p);

	sp_snap_take(&a);
	child_write(5 * SP_PAGE);
	sp_snap_take(&b);
	sp_snap_print_delta("child writes page 5", &a, &b);
	show("child", pid, p);
	show("parent", getpid(), p);

	sp_snap_take(&a);
	p[7 * SP_PAGE] = 1;
	sp_snap_take(&b);
	sp_snap_print_delta("parent writes page 7", &a, &b);
	show("parent", getpid(), p);
	for (i = 0; i < (int)SP_PMD; i++)
		nz += p[i] != 0;
	printf("  parent non-zero bytes=%d (expect 1)\n", nz);

	sp_snap_take(&a);
	if (write(to_child[1], &off, sizeof(off)) != sizeof(off))
		sp_die("exit child");
	waitpid(pid, NULL, 0);
	close(to_child[1]);
	close(to_parent[0]);
	sp_snap_take(&b);
	sp_snap_print_delta("child exit", &a, &b);
	munmap(p, SP_PMD);
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 3, r;

	sp_init();
	printf("use_zero_page=%ld\n", sp_read_long(SP_THP "/use_zero_page"));
	for (r = 1; r <= runs; r++)
		run(r);
	return 0;
}
