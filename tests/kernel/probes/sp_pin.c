/*
 * sp_pin.c - long-term GUP pins on a THP (io_uring registered buffers,
 * i.e. pin_user_pages(FOLL_WRITE | FOLL_LONGTERM)), raw syscalls, no liburing.
 *
 * Scenario F: fault a PMD THP, register it as an io_uring fixed buffer,
 *   fork: is the pinned THP copied for the child?  (pagemap pfns, smaps,
 *   counters), then unregister.
 * Scenario M: fault a PMD THP, pin it, munmap one 4K page, then
 *   drop_caches 2 twice (does the deferred split fail and the folio stay
 *   queued?), unpin, drop_caches 2 again.
 * Scenario U: as M without a pin (control).
 *
 *   cc -O2 -Wall -o /tmp/sp_pin tests/kernel/probes/sp_pin.c
 *   /tmp/sp_pin [runs]        (root)
 */
#include "sp_common.h"
#include <linux/io_uring.h>
#include <sys/syscall.h>
#include <sys/uio.h>

static int ring_pin(void *p, size_t len)
{
	struct io_uring_params prm;
	struct iovec iov = { p, len };
	int fd;

	memset(&prm, 0, sizeof(prm));
	fd = syscall(__NR_io_uring_setup, 4, &prm);
	if (fd < 0)
		sp_die("io_uring_setup");
	if (syscall(__NR_io_uring_register, fd, IORING_REGISTER_BUFFERS, &iov, 1))
		sp_die("IORING_REGISTER_BUFFERS");
	return fd;
}

static void ring_unpin(int fd)
{
	if (syscall(__NR_io_uring_register, fd, IORING_UNREGISTER_BUFFERS, NULL, 0))
		sp_die("IORING_UNREGISTER_BUFFERS");
	close(fd);
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

static void show(const char *who, pid_t pid, char *p)
{
	char l[32];

	sp_smaps_print(who, pid, (unsigned long)p);
	snprintf(l, sizeof(l), "%s[0]", who);
	sp_page_print(l, pid, (unsigned long)p);
	snprintf(l, sizeof(l), "%s[1]", who);
	sp_page_print(l, pid, (unsigned long)p + SP_PAGE);
	snprintf(l, sizeof(l), "%s[511]", who);
	sp_page_print(l, pid, (unsigned long)p + 511 * SP_PAGE);
	sp_range_print(who, pid, (unsigned long)p, SP_PMD);
}

static void scenario_f(int r)
{
	struct sp_snap a, b;
	uint64_t tag = 0xf00 + r;
	int go[2], done[2], fd;
	char *p, c = 0;
	pid_t pid;

	printf("== F run %d: pinned THP, fork\n", r);
	p = thp(tag);
	show("parent", getpid(), p);
	sp_snap_take(&a);
	fd = ring_pin(p, SP_PMD);
	sp_snap_take(&b);
	sp_snap_print_delta("io_uring register (pin)", &a, &b);
	show("parent", getpid(), p);

	if (pipe(go) || pipe(done))
		sp_die("pipe");
	sp_snap_take(&a);
	pid = fork();
	if (pid < 0)
		sp_die("fork");
	if (!pid) {
		char bad = (char)sp_check(p, SP_PMD, tag);

		if (write(done[1], &bad, 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(1);
		_exit(0);
	}
	if (read(done[0], &c, 1) != 1)
		sp_die("child");
	sp_snap_take(&b);
	sp_snap_print_delta("fork (child checked values)", &a, &b);
	printf("  child values bad=%d (expect 0)\n", c);
	show("parent", getpid(), p);
	show("child", pid, p);
	printf("  parent values bad=%d\n", sp_check(p, SP_PMD, tag));

	sp_snap_take(&a);
	if (write(go[1], &c, 1) != 1)
		sp_die("go");
	waitpid(pid, NULL, 0);
	sp_snap_take(&b);
	sp_snap_print_delta("child exit", &a, &b);
	sp_snap_take(&a);
	ring_unpin(fd);
	sp_snap_take(&b);
	sp_snap_print_delta("unregister (unpin)", &a, &b);
	sp_snap_take(&a);
	sp_drop_caches2();
	sp_snap_take(&b);
	sp_snap_print_delta("drop_caches 2", &a, &b);
	show("parent", getpid(), p);
	close(go[0]);
	close(go[1]);
	close(done[0]);
	close(done[1]);
	munmap(p, SP_PMD);
}

static void scenario_m(int r, int pinned)
{
	struct sp_snap a, b;
	uint64_t tag = 0xe00 + r;
	int fd = -1;
	char *p;

	printf("== %s run %d: %s THP, munmap 4K, drop_caches 2\n",
	       pinned ? "M" : "U", r, pinned ? "pinned" : "unpinned");
	p = thp(tag);
	if (pinned)
		fd = ring_pin(p, SP_PMD);
	sp_snap_take(&a);
	munmap(p + 100 * SP_PAGE, SP_PAGE);
	sp_snap_take(&b);
	sp_snap_print_delta("munmap page 100", &a, &b);
	show("after munmap", getpid(), p);
	sp_snap_take(&a);
	sp_drop_caches2();
	sp_snap_take(&b);
	sp_snap_print_delta("drop_caches 2 #1", &a, &b);
	sp_snap_take(&a);
	sp_drop_caches2();
	sp_snap_take(&b);
	sp_snap_print_delta("drop_caches 2 #2", &a, &b);
	sp_range_print("after drops", getpid(), (unsigned long)p, 100 * SP_PAGE);
	if (pinned) {
		sp_snap_take(&a);
		ring_unpin(fd);
		sp_snap_take(&b);
		sp_snap_print_delta("unregister (unpin)", &a, &b);
		sp_snap_take(&a);
		sp_drop_caches2();
		sp_snap_take(&b);
		sp_snap_print_delta("drop_caches 2 #3", &a, &b);
		sp_range_print("after unpin", getpid(), (unsigned long)p,
			       100 * SP_PAGE);
	}
	printf("  values bad=%d (first 100 pages, expect 0)\n",
	       sp_check(p, 100 * SP_PAGE, tag));
	munmap(p, SP_PMD);
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 3, r;

	sp_init();
	for (r = 1; r <= runs; r++) {
		scenario_f(r);
		scenario_m(r, 1);
		scenario_m(r, 0);
	}
	return 0;
}
