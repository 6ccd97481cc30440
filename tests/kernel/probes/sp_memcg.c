/*
 * sp_memcg.c - THP fault in a memory cgroup whose limit is below 2 MiB.
 *
 * On this machine cgroup v2 (/sys/fs/cgroup/unified) has no memory
 * controller (it is bound to the v1 hierarchy at /sys/fs/cgroup/memory), so
 * the probe uses cgroup v1: it creates a child of its own memory cgroup
 * (thpsh_sp_<pid>; removed on every exit path), sets memory.limit_in_bytes,
 * moves a forked child into it, and the child write-faults one byte of a
 * 2 MiB aligned MADV_HUGEPAGE region.
 *   limit 1M : expect the THP charge to fail and fall back to 4K
 *   limit 8M : control, the THP charge succeeds
 * Prints counter deltas around the child's fault and the child's smaps.
 *
 *   cc -O2 -Wall -o /tmp/sp_memcg tests/kernel/probes/sp_memcg.c
 *   /tmp/sp_memcg [runs]        (root)
 */
#include "sp_common.h"

static void own_memcg(char *out, size_t len)
{
	char line[512];
	FILE *f = fopen("/proc/self/cgroup", "r");

	snprintf(out, len, "/sys/fs/cgroup/memory");
	while (f && fgets(line, sizeof(line), f)) {
		char *m = strstr(line, ":memory:");

		if (m) {
			m[strcspn(m, "\n")] = 0;
			snprintf(out, len, "/sys/fs/cgroup/memory%s",
				 strcmp(m + 8, "/") ? m + 8 : "");
		}
	}
	if (f)
		fclose(f);
}

static void run(int r, const char *limit)
{
	char base[300], cg[400], path[512], buf[64], c;
	int go[2], done[2];
	struct sp_snap a, b;
	pid_t pid;

	own_memcg(base, sizeof(base));
	snprintf(cg, sizeof(cg), "%s/thpsh_sp_%d", base, (int)getpid());
	printf("== run %d: memory.limit_in_bytes=%s in %s\n", r, limit, cg);
	sp_mkdir_tracked(cg);
	snprintf(path, sizeof(path), "%s/memory.limit_in_bytes", cg);
	if (sp_write_file(path, limit))
		sp_die("set limit");
	if (pipe(go) || pipe(done))
		sp_die("pipe");
	pid = fork();
	if (pid < 0)
		sp_die("fork");
	if (pid == 0) {
		char *p;

		if (read(go[0], &c, 1) != 1)
			_exit(1);
		p = sp_mmap_aligned(SP_PMD, SP_PMD);
		madvise(p, SP_PMD, MADV_HUGEPAGE);
		if (write(done[1], &c, 1) != 1)	/* ready: parent snaps */
			_exit(1);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		*(volatile char *)p = 1;
		if (write(done[1], &p, sizeof(p)) != sizeof(p))
			_exit(1);
		pause();
		_exit(0);
	}
	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	if (sp_write_file(path, buf))
		sp_die("move child");
	if (write(go[1], &c, 1) != 1 || read(done[0], &c, 1) != 1)
		sp_die("sync");
	sp_snap_take(&a);
	if (write(go[1], &c, 1) != 1)
		sp_die("go");
	{
		char *p;

		if (read(done[0], &p, sizeof(p)) != sizeof(p))
			sp_die("done");
		sp_snap_take(&b);
		sp_snap_print_delta("child write fault", &a, &b);
		sp_smaps_print("child", pid, (unsigned long)p);
		sp_page_print("child[0]", pid, (unsigned long)p);
	}
	snprintf(path, sizeof(path), "%s/memory.usage_in_bytes", cg);
	sp_read_file(path, buf, sizeof(buf));
	printf("  memory.usage_in_bytes=%s", buf);
	snprintf(path, sizeof(path), "%s/memory.failcnt", cg);
	sp_read_file(path, buf, sizeof(buf));
	printf(" memory.failcnt=%s\n", buf);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(go[0]);
	close(go[1]);
	close(done[0]);
	close(done[1]);
	usleep(100000);
	sp_rmdir_tracked(cg);
	printf("  cgroup removed: %s\n", access(cg, F_OK) ? "yes" : "NO");
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 3, r;
	char buf[256];

	sp_init();
	if (!sp_read_file("/sys/fs/cgroup/unified/cgroup.controllers", buf,
			  sizeof(buf)))
		printf("cgroup v2 (/sys/fs/cgroup/unified) controllers: '%s'\n",
		       buf);
	for (r = 1; r <= runs; r++) {
		run(r, "1048576");
		run(r, "8388608");
	}
	return 0;
}
