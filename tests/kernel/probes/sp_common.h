/*
 * sp_common.h - helpers shared by the sharing/variants probes (sp_*.c):
 * fork/COW, GUP pins, mremap, collapse, mTHP, shmem, memcg.
 *
 * Header-only (static functions), so every probe builds alone with
 *   cc -O2 -Wall -o /tmp/sp_x tests/kernel/probes/sp_x.c
 * Must run as root on the live kernel.  Every /sys or /proc/sys value a
 * probe changes goes through sp_set(), which records the original value;
 * sp_cleanup() restores it (atexit and on SIGINT/TERM/HUP/QUIT/SEGV/BUS/
 * ABRT), unmounts what sp_mount_*() mounted and removes cgroups and trace
 * instances created here.  Only the process that installed the handlers
 * cleans up; forked children must leave with _exit().
 */
#ifndef SP_COMMON_H
#define SP_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define SP_PAGE 4096UL
#define SP_PMD (2UL << 20)
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

#define SP_THP "/sys/kernel/mm/transparent_hugepage"
/* every helper is static; not every probe uses every helper */
#define SP_FN static __attribute__((unused))

/* ---------- small file helpers ---------- */

SP_FN int sp_read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = 0;
	return 0;
}

SP_FN int sp_write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -1 : 0;
}

SP_FN long sp_read_long(const char *path)
{
	char buf[64];

	if (sp_read_file(path, buf, sizeof(buf)))
		return -1;
	return strtol(buf, NULL, 10);
}

SP_FN void sp_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "FATAL: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, " (errno %d %s)\n", errno, strerror(errno));
	va_end(ap);
	exit(2);
}

/* ---------- settings restore, mounts, cgroups, cleanup ---------- */

#define SP_MAX_SAVED 24
static struct {
	char path[256];
	char val[64];
} sp_saved[SP_MAX_SAVED];
static int sp_nsaved;
static char sp_mounts[4][128];
static int sp_nmounts;
static char sp_rmdirs[8][512];	/* cgroups, trace instances: rmdir'ed */
static int sp_nrmdirs;
static pid_t sp_owner;

/* The value shown in brackets ("always [madvise] never" -> "madvise"),
 * or the whole text for plain files. */
SP_FN void sp_current_value(const char *text, char *out, size_t len)
{
	const char *a = strchr(text, '['), *b = a ? strchr(a, ']') : NULL;
	size_t n;

	if (a && b) {
		text = a + 1;
		n = b - a - 1;
	} else {
		n = strlen(text);
	}
	if (n >= len)
		n = len - 1;
	memcpy(out, text, n);
	out[n] = 0;
}

SP_FN void sp_cleanup(void)
{
	int i;

	if (getpid() != sp_owner)
		return;
	for (i = sp_nrmdirs - 1; i >= 0; i--) {
		if (strstr(sp_rmdirs[i], "/instances/")) {
			char p[600];

			snprintf(p, sizeof(p), "%s/events/enable", sp_rmdirs[i]);
			sp_write_file(p, "0");
		}
		rmdir(sp_rmdirs[i]);
	}
	sp_nrmdirs = 0;
	for (i = sp_nsaved - 1; i >= 0; i--)
		sp_write_file(sp_saved[i].path, sp_saved[i].val);
	sp_nsaved = 0;
	for (i = sp_nmounts - 1; i >= 0; i--) {
		umount2(sp_mounts[i], MNT_DETACH);
		rmdir(sp_mounts[i]);
	}
	sp_nmounts = 0;
}

SP_FN void sp_sig(int sig)
{
	sp_cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

SP_FN void sp_init(void)
{
	int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGSEGV, SIGBUS,
		       SIGABRT, SIGALRM };
	unsigned i;

	sp_owner = getpid();
	atexit(sp_cleanup);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], sp_sig);
	setvbuf(stdout, NULL, _IOLBF, 0);
}

/* Set a sysfs/procfs knob, remembering its first-seen value for restore. */
SP_FN void sp_set(const char *path, const char *val)
{
	char text[256], cur[64];
	int i;

	for (i = 0; i < sp_nsaved; i++)
		if (!strcmp(sp_saved[i].path, path))
			break;
	if (i == sp_nsaved) {
		if (sp_nsaved == SP_MAX_SAVED)
			sp_die("too many saved settings");
		if (sp_read_file(path, text, sizeof(text)))
			sp_die("read %s", path);
		sp_current_value(text, cur, sizeof(cur));
		snprintf(sp_saved[i].path, sizeof(sp_saved[i].path), "%s", path);
		snprintf(sp_saved[i].val, sizeof(sp_saved[i].val), "%s", cur);
		sp_nsaved++;
	}
	if (sp_write_file(path, val))
		sp_die("write '%s' to %s", val, path);
}

SP_FN void sp_restore_all(void)
{
	int i;

	for (i = sp_nsaved - 1; i >= 0; i--)
		sp_write_file(sp_saved[i].path, sp_saved[i].val);
	sp_nsaved = 0;
}

/* mkdtemp + mount; the mount is undone by sp_cleanup() or sp_umount(). */
SP_FN const char *sp_mount(const char *tmpl, const char *fstype,
			    const char *opts)
{
	char *dir;

	if (sp_nmounts == 4)
		sp_die("too many mounts");
	snprintf(sp_mounts[sp_nmounts], sizeof(sp_mounts[0]), "%s", tmpl);
	dir = mkdtemp(sp_mounts[sp_nmounts]);
	if (!dir)
		sp_die("mkdtemp %s", tmpl);
	if (mount("none", dir, fstype, 0, opts)) {
		rmdir(dir);
		sp_die("mount -t %s -o %s %s", fstype, opts ? opts : "", dir);
	}
	return sp_mounts[sp_nmounts++];
}

SP_FN void sp_umount(const char *dir)
{
	int i;

	for (i = 0; i < sp_nmounts; i++) {
		if (strcmp(sp_mounts[i], dir))
			continue;
		if (umount2(sp_mounts[i], 0))
			umount2(sp_mounts[i], MNT_DETACH);
		rmdir(sp_mounts[i]);
		memmove(&sp_mounts[i], &sp_mounts[i + 1],
			(sp_nmounts - i - 1) * sizeof(sp_mounts[0]));
		sp_nmounts--;
		return;
	}
}

SP_FN void sp_mkdir_tracked(const char *path)
{
	if (mkdir(path, 0755))
		sp_die("mkdir %s", path);
	if (sp_nrmdirs == 8)
		sp_die("too many dirs");
	snprintf(sp_rmdirs[sp_nrmdirs++], sizeof(sp_rmdirs[0]), "%s", path);
}

SP_FN void sp_rmdir_tracked(const char *path)
{
	int i;

	for (i = 0; i < sp_nrmdirs; i++) {
		if (strcmp(sp_rmdirs[i], path))
			continue;
		rmdir(path);
		memmove(&sp_rmdirs[i], &sp_rmdirs[i + 1],
			(sp_nrmdirs - i - 1) * sizeof(sp_rmdirs[0]));
		sp_nrmdirs--;
		return;
	}
}

SP_FN void sp_drop_caches2(void)
{
	if (sp_write_file("/proc/sys/vm/drop_caches", "2"))
		sp_die("drop_caches");
}

/* ---------- counter snapshots: vmstat, meminfo, mTHP stats, khugepaged ---------- */

#define SP_MAXC 320
struct sp_snap {
	int n;
	char name[SP_MAXC][96];
	long v[SP_MAXC];
};

SP_FN void sp_snap_add(struct sp_snap *s, const char *name, long v)
{
	if (s->n == SP_MAXC)
		return;
	snprintf(s->name[s->n], sizeof(s->name[0]), "%s", name);
	s->v[s->n++] = v;
}

SP_FN int sp_vm_wanted(const char *n)
{
	static const char *const extra[] = {
		"nr_anon_transparent_hugepages", "nr_shmem_hugepages",
		"nr_file_hugepages", "nr_shmem_pmdmapped", "nr_file_pmdmapped",
		NULL };
	int i;

	if (!strncmp(n, "thp_", 4))
		return 1;
	for (i = 0; extra[i]; i++)
		if (!strcmp(n, extra[i]))
			return 1;
	return 0;
}

SP_FN void sp_snap_take(struct sp_snap *s)
{
	static const char *const mi[] = { "AnonHugePages", "ShmemHugePages",
		"ShmemPmdMapped", "FileHugePages", "FilePmdMapped", NULL };
	char line[256], name[80], path[512];
	long v;
	FILE *f;
	DIR *d;
	struct dirent *e;
	int i;

	s->n = 0;
	f = fopen("/proc/vmstat", "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%79s %ld", name, &v) == 2 && sp_vm_wanted(name))
			sp_snap_add(s, name, v);
	if (f)
		fclose(f);
	f = fopen("/proc/meminfo", "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%79[^:]: %ld", name, &v) != 2)
			continue;
		for (i = 0; mi[i]; i++)
			if (!strcmp(name, mi[i])) {
				char k[96];

				snprintf(k, sizeof(k), "meminfo.%.40s_kB", name);
				sp_snap_add(s, k, v);
			}
	}
	if (f)
		fclose(f);
	sp_snap_add(s, "khugepaged.pages_collapsed",
		    sp_read_long(SP_THP "/khugepaged/pages_collapsed"));
	sp_snap_add(s, "khugepaged.full_scans",
		    sp_read_long(SP_THP "/khugepaged/full_scans"));
	d = opendir(SP_THP);
	while (d && (e = readdir(d))) {
		DIR *sd;
		struct dirent *se;

		if (strncmp(e->d_name, "hugepages-", 10))
			continue;
		snprintf(path, sizeof(path), SP_THP "/%s/stats", e->d_name);
		sd = opendir(path);
		while (sd && (se = readdir(sd))) {
			char p2[800], k[96];

			if (se->d_name[0] == '.')
				continue;
			snprintf(p2, sizeof(p2), "%s/%s", path, se->d_name);
			snprintf(k, sizeof(k), "%.20s.%.60s", e->d_name + 10,
				 se->d_name);
			sp_snap_add(s, k, sp_read_long(p2));
		}
		if (sd)
			closedir(sd);
	}
	if (d)
		closedir(d);
}

/*
 * Add the /proc/vmstat counters named in @vm and the /proc/meminfo
 * fields named in @mi (as meminfo.NAME_kB) that sp_snap_take() leaves
 * out; either list may be NULL.
 */
SP_FN void sp_snap_extra(struct sp_snap *s, const char *const *vm, const char *const *mi)
{
	char line[256], name[80], k[96];
	long v;
	FILE *f;
	int i;

	f = vm ? fopen("/proc/vmstat", "r") : NULL;
	while (f && fgets(line, sizeof(line), f))
		for (i = 0; vm[i]; i++)
			if (sscanf(line, "%79s %ld", name, &v) == 2 && !strcmp(name, vm[i]))
				sp_snap_add(s, name, v);
	if (f)
		fclose(f);
	f = mi ? fopen("/proc/meminfo", "r") : NULL;
	while (f && fgets(line, sizeof(line), f))
		for (i = 0; mi[i]; i++)
			if (sscanf(line, "%79[^:]: %ld", name, &v) == 2 && !strcmp(name, mi[i])) {
				snprintf(k, sizeof(k), "meminfo.%.40s_kB", name);
				sp_snap_add(s, k, v);
			}
	if (f)
		fclose(f);
}

SP_FN long sp_snap_get(const struct sp_snap *s, const char *name)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->name[i], name))
			return s->v[i];
	return 0;
}

SP_FN long sp_delta(const struct sp_snap *a, const struct sp_snap *b,
		     const char *name)
{
	return sp_snap_get(b, name) - sp_snap_get(a, name);
}

/* Print every non-zero delta on one line: "label: a +1, b -2". */
SP_FN void sp_snap_print_delta(const char *label, const struct sp_snap *a,
				const struct sp_snap *b)
{
	int i, any = 0;

	printf("  delta %-28s:", label);
	for (i = 0; i < b->n; i++) {
		long d = b->v[i] - sp_snap_get(a, b->name[i]);

		if (!d)
			continue;
		printf("%s %s %+ld", any ? "," : "", b->name[i], d);
		any = 1;
	}
	printf("%s\n", any ? "" : " (none)");
}

/* ---------- smaps / pagemap / kpageflags / kpagecount ---------- */

/* Field (kB) of the VMA of pid containing addr; -1 if not found. */
SP_FN long sp_smaps(pid_t pid, unsigned long addr, const char *field)
{
	char path[64], line[512];
	unsigned long s, e;
	int in = 0;
	size_t fl = strlen(field);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &s, &e) == 2) {	/* VMA header */
			in = addr >= s && addr < e;
			continue;
		}
		if (in && !strncmp(line, field, fl) && line[fl] == ':') {
			v = strtol(line + fl + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

/* Print the THP-relevant smaps fields of the VMA containing addr. */
SP_FN void sp_smaps_print(const char *label, pid_t pid, unsigned long addr)
{
	static const char *const f[] = { "Rss", "Anonymous", "AnonHugePages",
		"ShmemPmdMapped", "FilePmdMapped", "Shared_Clean", "Shared_Dirty",
		"Private_Clean", "Private_Dirty", "LazyFree", NULL };
	int i;

	printf("  smaps %-12s:", label);
	for (i = 0; f[i]; i++)
		printf(" %s=%ld", f[i], sp_smaps(pid, addr, f[i]));
	printf(" (kB)\n");
}

SP_FN uint64_t sp_pagemap(pid_t pid, unsigned long addr)
{
	char path[64];
	uint64_t e = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		sp_die("open %s", path);
	if (pread(fd, &e, 8, (addr / SP_PAGE) * 8) != 8)
		sp_die("pread pagemap");
	close(fd);
	return e;
}

#define SP_PM_PRESENT(e) (((e) >> 63) & 1)
#define SP_PM_SWAP(e) (((e) >> 62) & 1)
#define SP_PM_FILE(e) (((e) >> 61) & 1)
#define SP_PM_EXCL(e) (((e) >> 56) & 1)
#define SP_PM_PFN(e) ((e) & ((1ULL << 55) - 1))

SP_FN uint64_t sp_kpage(const char *file, uint64_t pfn)
{
	uint64_t v = 0;
	int fd = open(file, O_RDONLY);

	if (fd < 0)
		sp_die("open %s", file);
	if (pread(fd, &v, 8, pfn * 8) != 8)
		v = ~0ULL;
	close(fd);
	return v;
}

SP_FN uint64_t sp_kpageflags(uint64_t pfn)
{
	return sp_kpage("/proc/kpageflags", pfn);
}

SP_FN uint64_t sp_kpagecount(uint64_t pfn)
{
	return sp_kpage("/proc/kpagecount", pfn);
}

/* Decode kpageflags bits (include/uapi/linux/kernel-page-flags.h). */
SP_FN const char *sp_kpf_str(uint64_t f)
{
	static const char *const n[] = { "LOCKED", "ERROR", "REFERENCED",
		"UPTODATE", "DIRTY", "LRU", "ACTIVE", "SLAB", "WRITEBACK",
		"RECLAIM", "BUDDY", "MMAP", "ANON", "SWAPCACHE", "SWAPBACKED",
		"COMPOUND_HEAD", "COMPOUND_TAIL", "HUGE", "UNEVICTABLE",
		"HWPOISON", "NOPAGE", "KSM", "THP", "OFFLINE", "ZERO_PAGE",
		"IDLE", "PGTABLE" };
	static char buf[400];
	unsigned i;

	buf[0] = 0;
	for (i = 0; i < sizeof(n) / sizeof(n[0]); i++)
		if (f & (1ULL << i)) {
			strcat(buf, buf[0] ? "|" : "");
			strcat(buf, n[i]);
		}
	return buf;
}

/* One line: pagemap bits of pid at addr + kpagecount/kpageflags of its pfn. */
SP_FN uint64_t sp_page_print(const char *label, pid_t pid, unsigned long addr)
{
	uint64_t e = sp_pagemap(pid, addr), pfn = SP_PM_PFN(e);

	printf("  page %-14s va=%#lx present=%d excl=%d file/shared=%d pfn=%#llx",
	       label, addr, (int)SP_PM_PRESENT(e), (int)SP_PM_EXCL(e),
	       (int)SP_PM_FILE(e), (unsigned long long)pfn);
	if (SP_PM_PRESENT(e) && pfn)
		printf(" kpagecount=%llu kpageflags=%s",
		       (unsigned long long)sp_kpagecount(pfn),
		       sp_kpf_str(sp_kpageflags(pfn)));
	printf("\n");
	return pfn;
}

/* ---------- memory ---------- */

/* Anonymous private RW mapping of len bytes aligned to align. */
SP_FN char *sp_mmap_aligned(size_t len, size_t align)
{
	char *p = mmap(NULL, len + align, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *a;

	if (p == MAP_FAILED)
		sp_die("mmap");
	a = (char *)(((unsigned long)p + align - 1) & ~(align - 1));
	if (a > p)
		munmap(p, a - p);
	if (a + len < p + len + align)
		munmap(a + len, (p + len + align) - (a + len));
	return a;
}

/* Reserve an aligned range (PROT_NONE) to map something MAP_FIXED into. */
SP_FN char *sp_reserve_aligned(size_t len, size_t align)
{
	char *p = mmap(NULL, len + align, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	char *a;

	if (p == MAP_FAILED)
		sp_die("mmap reserve");
	a = (char *)(((unsigned long)p + align - 1) & ~(align - 1));
	if (a > p)
		munmap(p, a - p);
	if (a + len < p + len + align)
		munmap(a + len, (p + len + align) - (a + len));
	return a;
}

/* Value pattern: every 4K page i of a test region holds tag ^ i at offset 8. */
SP_FN void sp_fill(char *p, size_t len, uint64_t tag)
{
	size_t i;

	for (i = 0; i < len / SP_PAGE; i++)
		*(volatile uint64_t *)(p + i * SP_PAGE + 8) = tag ^ i;
}

/* Number of pages whose value differs from the pattern. */
SP_FN int sp_check(const char *p, size_t len, uint64_t tag)
{
	size_t i;
	int bad = 0;

	for (i = 0; i < len / SP_PAGE; i++)
		if (*(const volatile uint64_t *)(p + i * SP_PAGE + 8) != (tag ^ i))
			bad++;
	return bad;
}

/* Count pages of [addr,addr+len) in pid whose pfn is consecutive with the
 * first one (a quick "still one physically contiguous folio" check) and how
 * many are present / exclusive. */
SP_FN void sp_range_print(const char *label, pid_t pid, unsigned long addr,
			   size_t len)
{
	uint64_t first = 0;
	unsigned long i, n = len / SP_PAGE, present = 0, excl = 0, contig = 0,
		      thp = 0, head = 0, zero = 0;
	char path[64];
	uint64_t *pm = malloc(n * 8);
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
	fd = open(path, O_RDONLY);
	if (fd < 0 || pread(fd, pm, n * 8, (addr / SP_PAGE) * 8) != (ssize_t)(n * 8))
		sp_die("pagemap range");
	close(fd);
	for (i = 0; i < n; i++) {
		uint64_t e = pm[i];

		if (!SP_PM_PRESENT(e))
			continue;
		present++;
		excl += SP_PM_EXCL(e);
		if (!first && SP_PM_PFN(e))
			first = SP_PM_PFN(e) - i;
		if (SP_PM_PFN(e) && SP_PM_PFN(e) == first + i)
			contig++;
		if (SP_PM_PFN(e)) {
			uint64_t f = sp_kpageflags(SP_PM_PFN(e));

			thp += (f >> 22) & 1;
			head += (f >> 15) & 1;
			zero += (f >> 24) & 1;
		}
	}
	printf("  range %-12s: pages=%lu present=%lu exclusive=%lu "
	       "pfn-contiguous=%lu kpf_THP=%lu kpf_HEAD=%lu kpf_ZERO=%lu\n",
	       label, n, present, excl, contig, thp, head, zero);
	free(pm);
}

/* ---------- tracing in a private debugfs mount and a private instance ---------- */

static char sp_trace_inst[256];

/* events: "sys/event" strings, NULL-terminated. */
SP_FN void sp_trace_start(const char *const *events)
{
	char p[400];
	const char *mnt;
	int i;

	if (!sp_trace_inst[0]) {
		mnt = sp_mount("/tmp/thpsh-dbg2.XXXXXX", "debugfs", NULL);
		snprintf(sp_trace_inst, sizeof(sp_trace_inst),
			 "%s/tracing/instances/thpsh_sp_%d", mnt, (int)getpid());
		sp_mkdir_tracked(sp_trace_inst);
		snprintf(p, sizeof(p), "%s/buffer_size_kb", sp_trace_inst);
		sp_write_file(p, "8192");
	}
	snprintf(p, sizeof(p), "%s/events/enable", sp_trace_inst);
	sp_write_file(p, "0");
	for (i = 0; events[i]; i++) {
		snprintf(p, sizeof(p), "%s/events/%s/enable", sp_trace_inst,
			 events[i]);
		if (sp_write_file(p, "1"))
			sp_die("enable %s", p);
	}
	snprintf(p, sizeof(p), "%s/trace", sp_trace_inst);
	close(open(p, O_WRONLY | O_TRUNC));
	snprintf(p, sizeof(p), "%s/tracing_on", sp_trace_inst);
	sp_write_file(p, "1");
}

/* Stop and print: per-event counts (per event[status] where the event has a
 * status= field), and the first max_lines lines whose text contains filter
 * (NULL: all).  Returns the number of event lines. */
SP_FN int sp_trace_stop(int max_lines, const char *filter)
{
	char p[400], line[1024];
	char names[32][96];
	int counts[32], nn = 0, total = 0, shown = 0, i;
	FILE *f;

	snprintf(p, sizeof(p), "%s/tracing_on", sp_trace_inst);
	sp_write_file(p, "0");
	snprintf(p, sizeof(p), "%s/trace", sp_trace_inst);
	f = fopen(p, "r");
	if (!f)
		sp_die("open trace");
	while (fgets(line, sizeof(line), f)) {
		char *c, *st, ev[64], stv[40];

		if (line[0] == '#')
			continue;
		/* "   task-pid  [cpu] flags  ts: event: fields" */
		c = strstr(line, ": ");
		if (!c || sscanf(c + 2, "%40[^:]:", ev) != 1)
			continue;
		/* events with a status= field are counted per status */
		st = strstr(c, "status=");
		if (st && sscanf(st + 7, "%39[a-z_]", stv) == 1) {
			strcat(ev, "[");
			strcat(ev, stv);
			strcat(ev, "]");
		}
		total++;
		for (i = 0; i < nn; i++)
			if (!strcmp(names[i], ev))
				break;
		if (i == nn && nn < 32) {
			snprintf(names[nn], sizeof(names[0]), "%s", ev);
			counts[nn++] = 0;
		}
		if (i < 32)
			counts[i]++;
		if (shown < max_lines && (!filter || strstr(line, filter))) {
			printf("    trace| %s", c + 2);
			shown++;
		}
	}
	fclose(f);
	printf("  trace events:");
	for (i = 0; i < nn; i++)
		printf(" %s=%d", names[i], counts[i]);
	printf("%s\n", nn ? "" : " (none)");
	return total;
}

/* ---------- thpsh's live-session lock, and a swap device for the run ---------- */

/*
 * Hold thpsh's live-session lock until exit, so that no thpsh --kernel
 * run measures the machine meanwhile.
 */
SP_FN void sp_live_lock(void)
{
	int fd = open("/run/lock/thpsh-live.lock", O_RDWR | O_CREAT, 0644);

	if (fd < 0 || flock(fd, LOCK_EX))
		sp_die("live lock");
}

#define SP_SWAP_SIZE (1UL << 30)
static char sp_swap_path[128];
static int sp_swap_is_zram, sp_swap_on, sp_swap_made;

SP_FN void sp_swap_cleanup(void)
{
	if (getpid() != sp_owner)
		return;
	if (sp_swap_on && swapoff(sp_swap_path))
		fprintf(stderr, "swapoff %s: %s\n", sp_swap_path, strerror(errno));
	sp_swap_on = 0;
	if (sp_swap_made) {
		if (sp_swap_is_zram)
			sp_write_file("/sys/block/zram0/reset", "1");
		else
			unlink(sp_swap_path);
	}
	sp_swap_made = 0;
}

SP_FN void sp_swap_sig(int sig)
{
	sp_swap_cleanup();
	sp_sig(sig);
}

SP_FN void sp_run(const char *cmd)
{
	if (system(cmd))
		sp_die("%s", cmd);
}

SP_FN void sp_swapon(void)
{
	if (swapon(sp_swap_path, 0))
		sp_die("swapon %s", sp_swap_path);
	sp_swap_on = 1;
}

SP_FN void sp_swapoff(void)
{
	if (swapoff(sp_swap_path))
		sp_die("swapoff");
	sp_swap_on = 0;
}

/*
 * A 1 GiB swap device for the run, "zram" (zram0, which must be unused)
 * or "file" (under /var/tmp): made, mkswap'd and on; swapped off and
 * reset or removed at exit and on a fatal signal.
 */
SP_FN void sp_swap_setup(const char *kind)
{
	int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGSEGV, SIGBUS,
		       SIGABRT, SIGALRM };
	char cmd[512], buf[64];
	unsigned i;

	atexit(sp_swap_cleanup);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], sp_swap_sig);
	sp_swap_is_zram = !strcmp(kind, "zram");
	if (sp_swap_is_zram) {
		snprintf(sp_swap_path, sizeof(sp_swap_path), "/dev/zram0");
		if (sp_read_long("/sys/block/zram0/disksize") != 0)
			sp_die("zram0 is in use");
		sp_swap_made = 1;
		snprintf(buf, sizeof(buf), "%lu", SP_SWAP_SIZE);
		if (sp_write_file("/sys/block/zram0/disksize", buf))
			sp_die("zram0 disksize");
	} else {
		snprintf(sp_swap_path, sizeof(sp_swap_path), "/var/tmp/thpsh-swap.%d",
			 (int)getpid());
		sp_swap_made = 1;
		snprintf(cmd, sizeof(cmd), "fallocate -l %lu %s && chmod 600 %s",
			 SP_SWAP_SIZE, sp_swap_path, sp_swap_path);
		sp_run(cmd);
	}
	snprintf(cmd, sizeof(cmd), "mkswap %s >/dev/null", sp_swap_path);
	sp_run(cmd);
	sp_swapon();
}

#endif /* SP_COMMON_H */
