/*
 * sp_collapse.c - MADV_COLLAPSE (25) on anonymous memory.
 *
 * Each case builds a 2 MiB aligned region, faults some 4K pages while the
 * VMA is MADV_NOHUGEPAGE (so they are PTE-mapped small pages), switches the
 * VMA (MADV_HUGEPAGE unless said otherwise) and calls MADV_COLLAPSE.
 *   full512   : all 512 pages written
 *   part100   : pages 0..99 written, 412 PTEs none
 *   none      : nothing faulted (no page table)
 *   zapped    : all 512 written, then MADV_DONTNEED (page table, all none)
 *   zero512   : all 512 read-faulted (4K zero page PTEs)
 *   hzp       : MADV_HUGEPAGE read fault = huge zero page PMD
 *   thp       : already a PMD THP
 *   nomadv    : all 512 written, VMA flags cleared to default (neither
 *               MADV_HUGEPAGE nor NOHUGEPAGE; THP enabled=madvise)
 *   nohuge    : all 512 written, VMA stays MADV_NOHUGEPAGE
 *   ptethp    : a PMD THP whose PMD was split by mprotect(4K RO) and
 *               mprotect back (VMA merged again): one VMA, 512 PTEs
 *               mapping one order-9 folio
 *   freed     : all 512 written, then MADV_FREE (lazyfree, PTEs old and
 *               clean)
 *   pinned    : all 512 written, page 7 pinned as an io_uring fixed
 *               buffer (FOLL_PIN|FOLL_LONGTERM); MADV_COLLAPSE, then
 *               again after unregistering
 * Prints the return value/errno, counter deltas, smaps, value check, and
 * the huge_memory trace events (private debugfs mount, own instance).
 *
 *   cc -O2 -Wall -o /tmp/sp_collapse tests/kernel/probes/sp_collapse.c
 *   /tmp/sp_collapse [runs]        (root)
 */
#include "sp_common.h"
#include <linux/io_uring.h>
#include <sys/syscall.h>
#include <sys/uio.h>

static const char *const ev[] = { "huge_memory", NULL };

static void print_formats(void)
{
	static const char *const n[] = { "mm_khugepaged_scan_pmd",
		"mm_collapse_huge_page", "mm_collapse_huge_page_isolate", NULL };
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

enum prep { FULL, PART, NONE, ZAPPED, ZERO, HZP, THP, NOMADV, NOHUGE, PTETHP, FREED, PINNED };

/* A long-term pin of [p, p + len): an io_uring registered buffer. */
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

static void one(const char *name, enum prep how, int r)
{
	uint64_t tag = 0x6000 + r;
	char *p = sp_mmap_aligned(SP_PMD, SP_PMD);
	struct sp_snap a, b, z;
	volatile char sink;
	int ret, err, i, nz, ring = -1;
	size_t n = 0;

	printf("== %s run %d\n", name, r);
	if (madvise(p, SP_PMD, (how == HZP || how == THP || how == PTETHP) ?
		    MADV_HUGEPAGE :
		    MADV_NOHUGEPAGE))
		sp_die("madvise");
	switch (how) {
	case FULL: case ZAPPED: case NOMADV: case NOHUGE: case THP: case FREED: case PINNED:
		n = 512;
		sp_fill(p, SP_PMD, tag);
		break;
	case PTETHP:
		n = 512;
		sp_fill(p, SP_PMD, tag);
		if (mprotect(p + SP_PAGE, SP_PAGE, PROT_READ) ||
		    mprotect(p + SP_PAGE, SP_PAGE, PROT_READ | PROT_WRITE))
			sp_die("mprotect");
		break;
	case PART:
		n = 100;
		sp_fill(p, n * SP_PAGE, tag);
		break;
	case ZERO:
		for (i = 0; i < 512; i++)
			sink = p[i * SP_PAGE];
		(void)sink;
		break;
	case HZP:
		sink = p[0];
		(void)sink;
		break;
	case NONE:
		break;
	}
	if (how == ZAPPED) {
		madvise(p, SP_PMD, MADV_DONTNEED);
		n = 0;
	}
	if (how == FREED && madvise(p, SP_PMD, MADV_FREE))
		sp_die("madvise free");
	if (how == PINNED)
		ring = ring_pin(p + 7 * SP_PAGE, SP_PAGE);
	sp_snap_take(&z);
	if (how == NOMADV) {
		/* MADV_HUGEPAGE then MADV_NOHUGEPAGE... neither: there is no
		 * "clear" advice, so map a fresh VMA and copy instead. */
		char *q = sp_mmap_aligned(SP_PMD, SP_PMD);

		for (i = 0; i < 512; i++)	/* 4K faults: not 2M-madvised */
			*(volatile uint64_t *)(q + i * SP_PAGE + 8) = tag ^ i;
		munmap(p, SP_PMD);
		p = q;
	} else if (how != NOHUGE && how != HZP && how != THP &&
		   how != PTETHP) {
		if (madvise(p, SP_PMD, MADV_HUGEPAGE))
			sp_die("madvise hugepage");
	}
	sp_smaps_print("before", getpid(), (unsigned long)p);
	sp_range_print("before", getpid(), (unsigned long)p, SP_PMD);
	sp_trace_start(ev);
	sp_snap_take(&a);
	sp_snap_print_delta("switch..before collapse", &z, &a);
	ret = madvise(p, SP_PMD, MADV_COLLAPSE);
	err = errno;
	sp_snap_take(&b);
	printf("  MADV_COLLAPSE -> %d%s%s\n", ret, ret ? " errno=" : "",
	       ret ? strerrorname_np(err) : "");
	sp_snap_print_delta("MADV_COLLAPSE", &a, &b);
	sp_trace_stop(12, NULL);
	if (ring >= 0) {
		if (syscall(__NR_io_uring_register, ring, IORING_UNREGISTER_BUFFERS, NULL, 0))
			sp_die("IORING_UNREGISTER_BUFFERS");
		close(ring);
		sp_trace_start(ev);
		sp_snap_take(&a);
		ret = madvise(p, SP_PMD, MADV_COLLAPSE);
		err = errno;
		sp_snap_take(&b);
		printf("  unpinned: MADV_COLLAPSE -> %d%s%s\n", ret, ret ? " errno=" : "",
		       ret ? strerrorname_np(err) : "");
		sp_snap_print_delta("MADV_COLLAPSE unpinned", &a, &b);
		sp_trace_stop(12, NULL);
	}
	sp_smaps_print("after", getpid(), (unsigned long)p);
	sp_page_print("after[0]", getpid(), (unsigned long)p);
	sp_range_print("after", getpid(), (unsigned long)p, SP_PMD);
	if (how != ZERO && how != HZP && how != NONE)
		printf("  values bad=%d in the %zu written pages (expect 0)\n",
		       n ? sp_check(p, n * SP_PAGE, tag) : 0, n);
	for (nz = 0, i = n * SP_PAGE; i < (int)SP_PMD; i++)
		nz += p[i] != 0 && (i % SP_PAGE) != 8;
	printf("  non-zero bytes outside written values=%d (expect 0)\n", nz);
	munmap(p, SP_PMD);
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 3, r;

	sp_init();
	sp_trace_start(ev);
	sp_trace_stop(0, NULL);
	print_formats();
	for (r = 1; r <= runs; r++) {
		one("full512", FULL, r);
		one("part100", PART, r);
		one("none", NONE, r);
		one("zapped", ZAPPED, r);
		one("zero512", ZERO, r);
		one("hzp", HZP, r);
		one("thp", THP, r);
		one("nomadv", NOMADV, r);
		one("nohuge", NOHUGE, r);
		one("ptethp", PTETHP, r);
		one("freed", FREED, r);
		one("pinned", PINNED, r);
	}
	return 0;
}
