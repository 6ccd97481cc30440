/*
 * sp_fork_cow.c - fork after a THP write fault, and COW afterwards.
 *
 * Scenario A: parent faults a PMD THP (MADV_HUGEPAGE, 2 MiB aligned), forks;
 *   the child writes one 4K page, then the parent writes (child alive),
 *   then the child exits; finally drop_caches 2 (deferred split shrinker).
 * Scenario B: fork, the parent writes first while the child is alive.
 * Scenario C: fork, the child exits without writing, then the parent writes
 *   (is the THP reused?).
 * For each step: vmstat/meminfo/mTHP-stat deltas, smaps of both processes,
 * pagemap (present, exclusive bit 56, pfn), kpagecount/kpageflags.
 *
 *   cc -O2 -Wall -o /tmp/sp_fork_cow tests/kernel/probes/sp_fork_cow.c
 *   /tmp/sp_fork_cow [runs]        (root)
 */
#include "sp_common.h"

struct cmd {
	char op;		/* 'w' write, 'x' exit */
	unsigned long off;
	uint64_t val;
};

static int to_child[2], to_parent[2];

static void child_loop(char *p)
{
	struct cmd c;
	char ack = 'k';

	while (read(to_child[0], &c, sizeof(c)) == sizeof(c)) {
		if (c.op == 'x')
			_exit(0);
		if (c.op == 'w')
			*(volatile uint64_t *)(p + c.off) = c.val;
		if (write(to_parent[1], &ack, 1) != 1)
			_exit(1);
	}
	_exit(0);
}

static pid_t spawn(char *p)
{
	pid_t pid;

	if (pipe(to_child) || pipe(to_parent))
		sp_die("pipe");
	pid = fork();
	if (pid < 0)
		sp_die("fork");
	if (pid == 0) {
		close(to_child[1]);
		close(to_parent[0]);
		child_loop(p);
	}
	close(to_child[0]);
	close(to_parent[1]);
	return pid;
}

static void tell(char op, unsigned long off, uint64_t val)
{
	struct cmd c = { op, off, val };
	char ack;

	if (write(to_child[1], &c, sizeof(c)) != sizeof(c))
		sp_die("write cmd");
	if (op == 'x')
		return;
	if (read(to_parent[0], &ack, 1) != 1)
		sp_die("read ack");
}

static void finish(pid_t pid)
{
	tell('x', 0, 0);
	waitpid(pid, NULL, 0);
	close(to_child[1]);
	close(to_parent[0]);
}

static char *fault_thp(struct sp_snap *a, struct sp_snap *b, uint64_t tag)
{
	char *p = sp_mmap_aligned(SP_PMD, SP_PMD);

	if (madvise(p, SP_PMD, MADV_HUGEPAGE))
		sp_die("madvise");
	sp_snap_take(a);
	*(volatile char *)p = 1;	/* the THP write fault */
	sp_snap_take(b);
	sp_snap_print_delta("write fault", a, b);
	sp_fill(p, SP_PMD, tag);
	return p;
}

static void show(const char *who, pid_t pid, char *p)
{
	char l[32];

	snprintf(l, sizeof(l), "%s", who);
	sp_smaps_print(l, pid, (unsigned long)p);
	snprintf(l, sizeof(l), "%s[0]", who);
	sp_page_print(l, pid, (unsigned long)p);
	snprintf(l, sizeof(l), "%s[1]", who);
	sp_page_print(l, pid, (unsigned long)p + SP_PAGE);
	snprintf(l, sizeof(l), "%s[5]", who);
	sp_page_print(l, pid, (unsigned long)p + 5 * SP_PAGE);
	snprintf(l, sizeof(l), "%s[7]", who);
	sp_page_print(l, pid, (unsigned long)p + 7 * SP_PAGE);
	snprintf(l, sizeof(l), "%s[9]", who);
	sp_page_print(l, pid, (unsigned long)p + 9 * SP_PAGE);
	snprintf(l, sizeof(l), "%s[511]", who);
	sp_page_print(l, pid, (unsigned long)p + 511 * SP_PAGE);
	sp_range_print(who, pid, (unsigned long)p, SP_PMD);
}

static void scenario_a(int run)
{
	struct sp_snap a, b;
	uint64_t tag = 0xa000 + run;
	char *p;
	pid_t pid;

	printf("== A run %d: fork, child writes, parent writes, child exits\n",
	       run);
	p = fault_thp(&a, &b, tag);
	show("parent", getpid(), p);

	sp_snap_take(&a);
	pid = spawn(p);
	sp_snap_take(&b);
	sp_snap_print_delta("fork", &a, &b);
	show("parent", getpid(), p);
	show("child", pid, p);

	sp_snap_take(&a);
	tell('w', 5 * SP_PAGE + 8, 0xc0ffee);
	sp_snap_take(&b);
	sp_snap_print_delta("child writes page 5", &a, &b);
	show("parent", getpid(), p);
	show("child", pid, p);
	printf("  parent values bad=%d (expect 0)\n", sp_check(p, SP_PMD, tag));

	sp_snap_take(&a);
	*(volatile uint64_t *)(p + 7 * SP_PAGE + 8) = tag ^ 7;
	sp_snap_take(&b);
	sp_snap_print_delta("parent writes page 7", &a, &b);
	show("parent", getpid(), p);
	show("child", pid, p);

	sp_snap_take(&a);
	finish(pid);
	sp_snap_take(&b);
	sp_snap_print_delta("child exit", &a, &b);
	show("parent", getpid(), p);

	sp_snap_take(&a);
	*(volatile uint64_t *)(p + 9 * SP_PAGE + 8) = tag ^ 9;
	sp_snap_take(&b);
	sp_snap_print_delta("parent writes page 9", &a, &b);
	show("parent", getpid(), p);

	sp_snap_take(&a);
	sp_drop_caches2();
	sp_snap_take(&b);
	sp_snap_print_delta("drop_caches 2", &a, &b);
	show("parent", getpid(), p);
	printf("  parent values bad=%d (expect 0)\n", sp_check(p, SP_PMD, tag));
	munmap(p, SP_PMD);
}

static void scenario_b(int run)
{
	struct sp_snap a, b;
	uint64_t tag = 0xb000 + run;
	char *p;
	pid_t pid;

	printf("== B run %d: fork, parent writes first (child alive)\n", run);
	p = fault_thp(&a, &b, tag);
	pid = spawn(p);
	sp_snap_take(&a);
	*(volatile uint64_t *)(p + 3 * SP_PAGE + 8) = 0xdead;
	sp_snap_take(&b);
	sp_snap_print_delta("parent writes page 3", &a, &b);
	show("parent", getpid(), p);
	show("child", pid, p);

	sp_snap_take(&a);
	tell('w', 4 * SP_PAGE + 8, 0xbeef);
	sp_snap_take(&b);
	sp_snap_print_delta("child writes page 4", &a, &b);
	show("child", pid, p);

	sp_snap_take(&a);
	finish(pid);
	sp_snap_take(&b);
	sp_snap_print_delta("child exit", &a, &b);
	sp_snap_take(&a);
	sp_drop_caches2();
	sp_snap_take(&b);
	sp_snap_print_delta("drop_caches 2", &a, &b);
	show("parent", getpid(), p);
	munmap(p, SP_PMD);
}

static void scenario_c(int run)
{
	struct sp_snap a, b;
	uint64_t tag = 0xc000 + run;
	char *p;
	pid_t pid;

	printf("== C run %d: fork, child exits untouched, parent writes\n", run);
	p = fault_thp(&a, &b, tag);
	pid = spawn(p);
	show("parent", getpid(), p);
	sp_snap_take(&a);
	finish(pid);
	sp_snap_take(&b);
	sp_snap_print_delta("child exit", &a, &b);
	show("parent", getpid(), p);
	sp_snap_take(&a);
	*(volatile uint64_t *)(p + 3 * SP_PAGE + 8) = 0xdead;
	sp_snap_take(&b);
	sp_snap_print_delta("parent writes page 3", &a, &b);
	show("parent", getpid(), p);
	munmap(p, SP_PMD);
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 3, r;

	sp_init();
	for (r = 1; r <= runs; r++) {
		scenario_a(r);
		scenario_b(r);
		scenario_c(r);
	}
	return 0;
}
