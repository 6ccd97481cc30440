/*
 * sp_fork_madvise.c - madvise advice on a THP and fork: MADV_PAGEOUT and
 * MADV_FREE of a THP that a fork child still shares, and what a child
 * gets of a MADV_DONTFORK and a MADV_WIPEONFORK region.
 *
 * Each case faults a fresh 2 MiB aligned MADV_HUGEPAGE THP filled with a
 * per-page value pattern, then:
 *   pageout-shared : fork (the child waits), MADV_PAGEOUT of the whole
 *                    2 MiB in the parent
 *   free-shared    : fork (the child waits), MADV_FREE of the whole 2 MiB
 *                    in the parent
 *   dontfork       : MADV_DONTFORK, fork; the child reads page 0
 *   wipeonfork     : MADV_WIPEONFORK, fork; the child reads page 5
 * Prints counter deltas, smaps, and what the child saw.
 *
 *   cc -O2 -Wall -o /tmp/sp_fork_madvise tests/kernel/probes/sp_fork_madvise.c
 *   /tmp/sp_fork_madvise [runs]        (root)
 */
#include "sp_common.h"

#include <sys/wait.h>

#ifndef MADV_WIPEONFORK
#define MADV_WIPEONFORK 18
#endif

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

/* A child that keeps the mapping until the parent writes to @fd[1]. */
static pid_t waiting_child(int fd[2])
{
	pid_t pid;
	char c;

	if (pipe(fd))
		sp_die("pipe");
	pid = fork();
	if (pid < 0)
		sp_die("fork");
	if (pid == 0) {
		close(fd[1]);
		if (read(fd[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(fd[0]);
	return pid;
}

static void release(pid_t pid, int fd[2])
{
	int status;

	if (write(fd[1], "x", 1) != 1)
		sp_die("write");
	close(fd[1]);
	waitpid(pid, &status, 0);
}

static void shared(int r, int adv, const char *name)
{
	uint64_t tag = 0xb000 + r;
	char *p = thp(tag);
	struct sp_snap a, b;
	int fd[2], ret;
	pid_t pid;

	printf("== %s run %d\n", name, r);
	pid = waiting_child(fd);
	sp_snap_take(&a);
	ret = madvise(p, SP_PMD, adv);
	sp_snap_take(&b);
	printf("  madvise -> %d\n", ret);
	sp_snap_print_delta(name, &a, &b);
	sp_smaps_print("parent", getpid(), (unsigned long)p);
	sp_page_print("parent p[3]", getpid(), (unsigned long)p + 3 * SP_PAGE);
	printf("  values bad=%d (expect 0)\n", sp_check(p, SP_PMD, tag));
	release(pid, fd);
	munmap(p, SP_PMD);
}

/* Fork after @adv; the child reads page @idx and reports how it went. */
static void forked_read(int r, int adv, int idx, const char *name)
{
	uint64_t tag = 0xc000 + r;
	char *p = thp(tag);
	int status;
	pid_t pid;

	printf("== %s run %d\n", name, r);
	if (madvise(p, SP_PMD, adv))
		sp_die("madvise");
	pid = fork();
	if (pid < 0)
		sp_die("fork");
	if (pid == 0) {
		uint64_t v = *(volatile uint64_t *)(p + idx * SP_PAGE + 8);

		_exit(v == 0 ? 10 : v == (tag ^ (uint64_t)idx) ? 11 : 12);
	}
	waitpid(pid, &status, 0);
	if (WIFSIGNALED(status))
		printf("  child: killed by signal %d (%s)\n", WTERMSIG(status),
		       strsignal(WTERMSIG(status)));
	else
		printf("  child: read %s\n", WEXITSTATUS(status) == 10 ? "zero" :
		       WEXITSTATUS(status) == 11 ? "the parent's value" : "something else");
	printf("  parent values bad=%d (expect 0)\n", sp_check(p, SP_PMD, tag));
	munmap(p, SP_PMD);
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 3, r;

	sp_init();
	for (r = 1; r <= runs; r++) {
		shared(r, MADV_PAGEOUT, "pageout-shared");
		shared(r, MADV_FREE, "free-shared");
		forked_read(r, MADV_DONTFORK, 0, "dontfork");
		forked_read(r, MADV_WIPEONFORK, 5, "wipeonfork");
	}
	return 0;
}
