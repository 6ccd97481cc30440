/*
 * sp_shmem.c - shmem (tmpfs) THP: fault, partial munmap, truncate.
 *
 * Mounts a private tmpfs (huge=always,size=64m) under /tmp (unmounted on
 * every exit path), creates a file, ftruncate 4 MiB, mmap MAP_SHARED at a
 * 2 MiB aligned address and:
 *   1. write fault one byte at +0, then one at +2 MiB
 *   2. fill the first 2 MiB with a per-page value pattern
 *   3. munmap one 4K page at +8 KiB, then touch +64 KiB (refault)
 *   4. ftruncate the file to 1 MiB (inside the first THP), with the
 *      migrate/thp trace events on; check the values below 1 MiB
 * Then memfd (internal shm_mnt, governed by shmem_enabled, '[never]' here):
 *   5. memfd 2 MiB + MADV_HUGEPAGE, write fault: THP or not?
 *   6. same with shmem_enabled temporarily 'advise' (restored after)
 * Prints counter deltas (vmstat, meminfo, per-size stats), smaps,
 * pagemap/kpageflags.
 *
 *   cc -O2 -Wall -o /tmp/sp_shmem tests/kernel/probes/sp_shmem.c
 *   /tmp/sp_shmem [runs]        (root)
 */
#include "sp_common.h"

static const char *const ev[] = { "migrate/set_migration_pte",
	"migrate/remove_migration_pte", "thp/set_migration_pmd",
	"thp/remove_migration_pmd", NULL };

static void show(const char *label, char *p)
{
	char l[48];

	sp_smaps_print(label, getpid(), (unsigned long)p);
	snprintf(l, sizeof(l), "%s[0]", label);
	sp_page_print(l, getpid(), (unsigned long)p);
	snprintf(l, sizeof(l), "%s[1]", label);
	sp_page_print(l, getpid(), (unsigned long)p + SP_PAGE);
	snprintf(l, sizeof(l), "%s[16]", label);
	sp_page_print(l, getpid(), (unsigned long)p + 16 * SP_PAGE);
	sp_range_print(label, getpid(), (unsigned long)p, SP_PMD);
}

static void tmpfs_run(int r)
{
	const char *mnt = sp_mount("/tmp/thpsh-shm.XXXXXX", "tmpfs",
				   "huge=always,size=64m");
	char path[256], *p;
	struct sp_snap a, b;
	uint64_t tag = 0x8000 + r;
	int fd, i, bad;

	printf("== tmpfs run %d (%s, huge=always,size=64m)\n", r, mnt);
	snprintf(path, sizeof(path), "%s/f", mnt);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	if (fd < 0 || ftruncate(fd, 2 * SP_PMD))
		sp_die("create %s", path);
	p = sp_reserve_aligned(2 * SP_PMD, SP_PMD);
	if (mmap(p, 2 * SP_PMD, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 fd, 0) == MAP_FAILED)
		sp_die("mmap shared");

	sp_snap_take(&a);
	*(volatile char *)p = 1;
	sp_snap_take(&b);
	sp_snap_print_delta("write fault +0", &a, &b);
	show("f+0", p);
	sp_snap_take(&a);
	*(volatile char *)(p + SP_PMD) = 1;
	sp_snap_take(&b);
	sp_snap_print_delta("write fault +2M", &a, &b);
	sp_fill(p, SP_PMD, tag);

	sp_snap_take(&a);
	munmap(p + 2 * SP_PAGE, SP_PAGE);
	sp_snap_take(&b);
	sp_snap_print_delta("munmap 4K at +8K", &a, &b);
	show("f+0", p);
	sp_snap_take(&a);
	*(volatile char *)(p + 16 * SP_PAGE + 100) = 2;
	sp_snap_take(&b);
	sp_snap_print_delta("write +64K (refault)", &a, &b);
	show("f+0", p);
	sp_snap_take(&a);
	sp_drop_caches2();
	sp_snap_take(&b);
	sp_snap_print_delta("drop_caches 2", &a, &b);

	sp_trace_start(ev);
	sp_snap_take(&a);
	if (ftruncate(fd, SP_PMD / 2))
		sp_die("ftruncate 1M");
	sp_snap_take(&b);
	sp_trace_stop(4, NULL);
	sp_snap_print_delta("ftruncate 1M", &a, &b);
	show("f+0", p);
	for (i = 0, bad = 0; i < 256; i++)
		if (i != 2 && *(volatile uint64_t *)(p + i * SP_PAGE + 8) !=
		    (tag ^ i))
			bad++;
	printf("  values bad=%d in the first 1 MiB except page 2 (expect 0)\n",
	       bad);
	/* after the reads above refaulted them: what folios back them now? */
	sp_page_print("f[0]", getpid(), (unsigned long)p);
	sp_page_print("f[1]", getpid(), (unsigned long)p + SP_PAGE);
	sp_page_print("f[128]", getpid(), (unsigned long)p + 128 * SP_PAGE);
	sp_page_print("f[255]", getpid(), (unsigned long)p + 255 * SP_PAGE);
	sp_range_print("f 0..1M", getpid(), (unsigned long)p + 3 * SP_PAGE,
		       SP_PMD / 2 - 3 * SP_PAGE);
	sp_snap_take(&a);
	munmap(p, 2 * SP_PMD);
	close(fd);
	unlink(path);
	sp_snap_take(&b);
	sp_snap_print_delta("munmap+unlink", &a, &b);
	sp_umount(mnt);
}

static void memfd_run(int r, const char *shmem_enabled)
{
	struct sp_snap a, b;
	char *p;
	int fd;

	printf("== memfd run %d (shmem_enabled=%s, MADV_HUGEPAGE)\n", r,
	       shmem_enabled);
	if (strcmp(shmem_enabled, "never"))
		sp_set(SP_THP "/shmem_enabled", shmem_enabled);
	fd = memfd_create("sp_shmem", 0);
	if (fd < 0 || ftruncate(fd, SP_PMD))
		sp_die("memfd");
	p = sp_reserve_aligned(SP_PMD, SP_PMD);
	if (mmap(p, SP_PMD, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd,
		 0) == MAP_FAILED)
		sp_die("mmap memfd");
	madvise(p, SP_PMD, MADV_HUGEPAGE);
	sp_snap_take(&a);
	*(volatile char *)p = 1;
	sp_snap_take(&b);
	sp_snap_print_delta("write fault +0", &a, &b);
	show("memfd", p);
	munmap(p, SP_PMD);
	close(fd);
	sp_restore_all();
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 3, r;
	char buf[256];

	sp_init();
	sp_read_file(SP_THP "/shmem_enabled", buf, sizeof(buf));
	printf("shmem_enabled: %s\n", buf);
	sp_read_file(SP_THP "/hugepages-2048kB/shmem_enabled", buf, sizeof(buf));
	printf("hugepages-2048kB/shmem_enabled: %s\n", buf);
	for (r = 1; r <= runs; r++) {
		tmpfs_run(r);
		memfd_run(r, "never");
		memfd_run(r, "advise");
	}
	sp_read_file(SP_THP "/shmem_enabled", buf, sizeof(buf));
	printf("shmem_enabled after: %s\n", buf);
	return 0;
}
