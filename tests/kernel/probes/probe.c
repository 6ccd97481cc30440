/*
 * probe.c - shared helpers for the live-kernel THP probes (see probe.h).
 */
#include "probe.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* bounded string copy that gcc's -Wformat-truncation does not flag */
static void scpy(char *d, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i + 1 < n && s[i]; i++)
		d[i] = s[i];
	d[i] = 0;
}

/* Signals are blocked while a sysfs/tracefs file is open, so that the
 * restore handler never runs with one of our fds open (an open file in a
 * tracing instance makes its rmdir fail with EBUSY). */
static void sig_block(sigset_t *old)
{
	sigset_t all;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, old);
}

static void sig_restore(const sigset_t *old)
{
	sigprocmask(SIG_SETMASK, old, NULL);
}

/* ------------------------------------------------------------------ */
/* settings restore                                                    */

#define MAX_SAVED 16
static struct {
	char path[256];
	char orig[128];
	int used;
} saved[MAX_SAVED];
static int nsaved;

static char dbg_dir[64];        /* private debugfs mount point */
static char inst_dir[160];      /* tracing instance */
static int dbg_mounted;
static int inst_made;
static char enabled_ev[16][256]; /* enable files written with 1 */
static int nenabled;
static volatile int trace_fd = -1; /* open trace file, closed on teardown */

static void guard_send(const char *kind, const char *a, const char *b);

static void raw_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0)
		return;
	if (write(fd, val, strlen(val)) < 0) {
		/* nothing sensible to do in a restore path */
	}
	close(fd);
}

void trace_teardown(void)
{
	int i;

	if (trace_fd >= 0) {
		close(trace_fd);
		trace_fd = -1;
	}
	for (i = 0; i < nenabled; i++)
		raw_write(enabled_ev[i], "0");
	nenabled = 0;
	if (inst_made) {
		/* rmdir of a tracefs instance fails with EBUSY while any of its
		 * files is open; retry briefly */
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		for (i = 0; i < 50 && rmdir(inst_dir) && errno == EBUSY; i++)
			nanosleep(&ts, NULL);
		inst_made = 0;
		guard_send("i", "-", NULL);
	}
	if (dbg_mounted) {
		umount2(dbg_dir, MNT_DETACH);
		dbg_mounted = 0;
	}
	if (dbg_dir[0]) {
		rmdir(dbg_dir);
		dbg_dir[0] = 0;
	}
}

/* ------------------------------------------------------------------ */
/* guardian: a child that restores settings and removes the tracing
 * instance if this process dies without running its own handlers
 * (SIGKILL). It learns what to undo through a pipe and acts when the
 * pipe reaches EOF; entries this process undid itself are removed first,
 * so it never rewrites a value someone else set later. */

static int guard_fd = -1;

static void guard_send(const char *kind, const char *a, const char *b)
{
	char line[512];
	int n;

	if (guard_fd < 0)
		return;
	n = snprintf(line, sizeof(line), "%s\t%s\t%s\n", kind, a, b ? b : "");
	if (n > 0 && n < (int)sizeof(line) && write(guard_fd, line, (size_t)n) < 0) {
		/* guardian gone: nothing to do */
	}
}

static void guardian_main(int rfd)
{
	static char buf[65536];
	char paths[MAX_SAVED][256], origs[MAX_SAVED][128], inst[64] = "", dir[64] = "";
	int live[MAX_SAVED] = { 0 }, n = 0, i;
	size_t len = 0;
	ssize_t r;

	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	while ((r = read(rfd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)r;
	buf[len] = 0;
	{
		char *line = buf, *nl;
		for (; line && *line; line = nl ? nl + 1 : NULL) {
			char *f1, *f2;
			nl = strchr(line, '\n');
			if (nl)
				*nl = 0;
			f1 = strchr(line, '\t');
			if (!f1)
				continue;
			*f1++ = 0;
			f2 = strchr(f1, '\t');
			if (f2)
				*f2++ = 0;
			if (!strcmp(line, "S") && n < MAX_SAVED && f2) {
				scpy(paths[n], sizeof(paths[n]), f1);
				scpy(origs[n], sizeof(origs[n]), f2);
				live[n++] = 1;
			} else if (!strcmp(line, "R")) {
				for (i = 0; i < n; i++)
					if (live[i] && !strcmp(paths[i], f1))
						live[i] = 0;
			} else if (!strcmp(line, "I")) {
				scpy(inst, sizeof(inst), f1);
				if (f2)
					scpy(dir, sizeof(dir), f2);
			} else if (!strcmp(line, "i")) {
				inst[0] = 0;
				dir[0] = 0;
			}
		}
	}
	for (i = n - 1; i >= 0; i--)
		if (live[i])
			raw_write(paths[i], origs[i]);
	if (inst[0]) {
		char mp[64], ip[200];
		scpy(mp, sizeof(mp), "/tmp/thpsh-guard.XXXXXX");
		if (!unshare(CLONE_NEWNS) &&
		    !mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) && mkdtemp(mp)) {
			if (!mount("none", mp, "debugfs", 0, NULL)) {
				snprintf(ip, sizeof(ip), "%s/tracing/instances/%s", mp, inst);
				rmdir(ip);
				umount2(mp, MNT_DETACH);
			}
			rmdir(mp);
		}
		if (dir[0])
			rmdir(dir);
	}
	_exit(0);
}

static void guardian_start(void)
{
	int pfd[2];
	pid_t pid;

	if (pipe(pfd))
		die("pipe");
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		int fd;
		close(pfd[1]);
		/* drop every other inherited fd so the pipe is our only link */
		for (fd = 3; fd < 256; fd++)
			if (fd != pfd[0])
				close(fd);
		setsid();
		guardian_main(pfd[0]);
	}
	close(pfd[0]);
	guard_fd = pfd[1];
	fcntl(guard_fd, F_SETFD, FD_CLOEXEC);
}

void probe_restore_all(void)
{
	int i;

	/* settings first: they matter most */
	for (i = nsaved - 1; i >= 0; i--) {
		if (!saved[i].used)
			continue;
		raw_write(saved[i].path, saved[i].orig);
		saved[i].used = 0;
		guard_send("R", saved[i].path, NULL);
	}
	trace_teardown();
}

static void on_signal(int sig)
{
	probe_restore_all();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void on_exit_restore(void)
{
	probe_restore_all();
}

void probe_init(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGSEGV,
				    SIGBUS, SIGABRT, SIGFPE, SIGILL, SIGPIPE };
	struct sigaction sa;
	unsigned i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	if (geteuid() != 0)
		die("probes must run as root (kpageflags, pagemap pfns, debugfs)");
	guardian_start();
	atexit(on_exit_restore);
	{
		/* warm up: the first snapshot grows this process's heap (stdio,
		 * opendir); do it once here so that it is not counted in the
		 * first measured delta */
		static struct snap warm;
		snap_take(&warm);
		snap_take(&warm);
	}
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "probe: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, " (errno %d: %s)\n", errno, strerror(errno));
	va_end(ap);
	exit(2);
}

/* ------------------------------------------------------------------ */
/* files                                                               */

int read_file_str(const char *path, char *buf, size_t n)
{
	sigset_t old;
	int fd;
	ssize_t r;

	sig_block(&old);
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		sig_restore(&old);
		return -1;
	}
	r = read(fd, buf, n - 1);
	close(fd);
	sig_restore(&old);
	if (r < 0)
		return -1;
	buf[r] = 0;
	while (r > 0 && (buf[r - 1] == '\n' || buf[r - 1] == ' '))
		buf[--r] = 0;
	return (int)r;
}

int write_file_str(const char *path, const char *val)
{
	sigset_t old;
	int fd, e = 0;
	ssize_t r;

	sig_block(&old);
	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0) {
		e = errno;
		sig_restore(&old);
		return -e;
	}
	r = write(fd, val, strlen(val));
	if (r < 0)
		e = errno;
	close(fd);
	sig_restore(&old);
	return -e;
}

long read_file_long(const char *path)
{
	char b[64];

	if (read_file_str(path, b, sizeof(b)) < 0)
		return -1;
	return strtol(b, NULL, 10);
}

/* "always [madvise] never" -> "madvise"; "511" -> "511" */
static void current_choice(const char *text, char *out, size_t n)
{
	const char *lb = strchr(text, '['), *rb;

	if (lb && (rb = strchr(lb, ']')) != NULL) {
		size_t l = (size_t)(rb - lb - 1);
		if (l >= n)
			l = n - 1;
		memcpy(out, lb + 1, l);
		out[l] = 0;
	} else {
		scpy(out, n, text);
	}
}

int probe_set(const char *path, const char *val)
{
	char cur[256];
	int i;

	for (i = 0; i < nsaved; i++)
		if (saved[i].used && !strcmp(saved[i].path, path))
			break;
	if (i == nsaved) {
		if (nsaved == MAX_SAVED)
			die("too many saved settings");
		if (read_file_str(path, cur, sizeof(cur)) < 0)
			die("read %s", path);
		scpy(saved[i].path, sizeof(saved[i].path), path);
		current_choice(cur, saved[i].orig, sizeof(saved[i].orig));
		saved[i].used = 1;
		nsaved++;
		guard_send("S", saved[i].path, saved[i].orig);
	}
	return write_file_str(path, val);
}

void print_thp_settings(const char *tag)
{
	static const char *files[] = {
		"enabled", "defrag", "use_zero_page", "shrink_underused",
		"khugepaged/max_ptes_none", "khugepaged/max_ptes_swap",
		"khugepaged/max_ptes_shared", "hugepages-2048kB/enabled",
		"hugepages-64kB/enabled", NULL };
	char path[256], buf[256];
	int i;

	for (i = 0; files[i]; i++) {
		snprintf(path, sizeof(path), THP_SYSFS "/%s", files[i]);
		if (read_file_str(path, buf, sizeof(buf)) < 0)
			snprintf(buf, sizeof(buf), "(unreadable)");
		printf("%s: setting %s = %s\n", tag, files[i], buf);
	}
}

void drop_caches(int how)
{
	char v[8];
	int r;

	snprintf(v, sizeof(v), "%d", how);
	r = write_file_str("/proc/sys/vm/drop_caches", v);
	if (r)
		die("drop_caches %d: %s", how, strerror(-r));
}

/* ------------------------------------------------------------------ */
/* vmstat / meminfo / mthp                                             */

void vmstat_snap(struct vmstat *s)
{
	char line[256];
	FILE *f;

	/* fold per-cpu deltas so node counters are exact */
	write_file_str("/proc/sys/vm/stat_refresh", "1");
	f = fopen("/proc/vmstat", "r");
	if (!f)
		die("open /proc/vmstat");
	s->n = 0;
	while (fgets(line, sizeof(line), f) && s->n < VMSTAT_MAX) {
		char name[64];
		long long v;
		if (sscanf(line, "%63s %lld", name, &v) == 2) {
			scpy(s->name[s->n], sizeof(s->name[0]), name);
			s->v[s->n++] = v;
		}
	}
	fclose(f);
}

long long vmstat_get(const struct vmstat *s, const char *name)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->name[i], name))
			return s->v[i];
	return -1;
}

int vmstat_thp_related(const char *n)
{
	static const char *extra[] = {
		"nr_anon_transparent_hugepages", "nr_anon_pages",
		"nr_shmem_hugepages", "nr_file_hugepages", "nr_page_table_pages",
		"numa_huge_pte_updates", "pgscan_khugepaged", "pgsteal_khugepaged",
		"pgdemote_khugepaged", "nr_anon_partially_mapped", NULL };
	int i;

	if (!strncmp(n, "thp_", 4))
		return 1;
	for (i = 0; extra[i]; i++)
		if (!strcmp(n, extra[i]))
			return 1;
	return 0;
}

int vmstat_delta(const char *tag, const struct vmstat *a, const struct vmstat *b)
{
	int i, printed = 0;

	printf("%s: vmstat", tag);
	for (i = 0; i < b->n; i++) {
		long long va = vmstat_get(a, b->name[i]);
		if (!vmstat_thp_related(b->name[i]) || va < 0)
			continue;
		if (b->v[i] != va) {
			printf(" %s=%+lld", b->name[i], b->v[i] - va);
			printed++;
		}
	}
	if (!printed)
		printf(" (no THP-related counter moved)");
	printf("\n");
	return printed;
}

long meminfo_kb(const char *field)
{
	char line[256];
	size_t l = strlen(field);
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		die("open /proc/meminfo");
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, field, l) && line[l] == ':') {
			v = strtol(line + l + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

void mthp_snap(struct mthp *s)
{
	DIR *d = opendir(THP_SYSFS);
	struct dirent *e;

	s->n = 0;
	if (!d)
		die("opendir " THP_SYSFS);
	while ((e = readdir(d)) != NULL) {
		char sdir[300];
		DIR *sd;
		struct dirent *f;

		if (strncmp(e->d_name, "hugepages-", 10))
			continue;
		snprintf(sdir, sizeof(sdir), THP_SYSFS "/%s/stats", e->d_name);
		sd = opendir(sdir);
		if (!sd)
			continue;
		while ((f = readdir(sd)) != NULL && s->n < MTHP_MAX) {
			char p[600];
			if (f->d_name[0] == '.')
				continue;
			snprintf(p, sizeof(p), "%s/%s", sdir, f->d_name);
			{
				char nm[600];
				snprintf(nm, sizeof(nm), "%s/%s", e->d_name + 10, f->d_name);
				scpy(s->name[s->n], sizeof(s->name[0]), nm);
			}
			s->v[s->n++] = read_file_long(p);
		}
		closedir(sd);
	}
	closedir(d);
}

long long mthp_get(const struct mthp *s, const char *name)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->name[i], name))
			return s->v[i];
	return -1;
}

int mthp_delta(const char *tag, const struct mthp *a, const struct mthp *b)
{
	int i, printed = 0;

	printf("%s: mthp", tag);
	for (i = 0; i < b->n; i++) {
		long long va = mthp_get(a, b->name[i]);
		if (va >= 0 && va != b->v[i]) {
			printf(" %s=%+lld", b->name[i], b->v[i] - va);
			printed++;
		}
	}
	if (!printed)
		printf(" (no mTHP stat moved)");
	printf("\n");
	return printed;
}

void snap_take(struct snap *s)
{
	vmstat_snap(&s->vm);
	mthp_snap(&s->mt);
	s->anon_huge_kb = meminfo_kb("AnonHugePages");
	s->anon_kb = meminfo_kb("AnonPages");
}

void snap_delta(const char *tag, const struct snap *a, const struct snap *b)
{
	vmstat_delta(tag, &a->vm, &b->vm);
	mthp_delta(tag, &a->mt, &b->mt);
	printf("%s: meminfo AnonHugePages=%+ldkB AnonPages=%+ldkB\n", tag,
	       b->anon_huge_kb - a->anon_huge_kb, b->anon_kb - a->anon_kb);
}

/* ------------------------------------------------------------------ */
/* smaps / maps                                                        */

int smaps_get(const void *addr, struct smaps *s)
{
	unsigned long a = (unsigned long)addr;
	char line[512];
	int in = 0;
	FILE *f = fopen("/proc/self/smaps", "r");

	memset(s, 0, sizeof(*s));
	if (!f)
		die("open smaps");
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		char perms[8];
		char key[64];
		long v;

		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			if (in)
				break;
			if (a >= lo && a < hi) {
				in = 1;
				s->found = 1;
				s->start = lo;
				s->end = hi;
				scpy(s->perms, sizeof(s->perms), perms);
			}
			continue;
		}
		if (!in)
			continue;
		if (!strncmp(line, "VmFlags:", 8)) {
			char *p = line + 8;
			while (*p == ' ')
				p++;
			p[strcspn(p, "\n")] = 0;
			scpy(s->vmflags, sizeof(s->vmflags), p);
			continue;
		}
		if (sscanf(line, "%63[^:]: %ld", key, &v) == 2 && s->n < SMAPS_MAX) {
			scpy(s->name[s->n], sizeof(s->name[0]), key);
			s->v[s->n++] = v;
		}
	}
	fclose(f);
	return s->found ? 0 : -1;
}

long smaps_field(const struct smaps *s, const char *name)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->name[i], name))
			return s->v[i];
	return -1;
}

void smaps_print(const char *tag, const void *addr)
{
	struct smaps s;
	int i;

	if (smaps_get(addr, &s)) {
		printf("%s: smaps: no VMA at %p\n", tag, addr);
		return;
	}
	printf("%s: smaps %lx-%lx %s", tag, s.start, s.end, s.perms);
	for (i = 0; i < s.n; i++) {
		/* print every nonzero field, plus the ones tests care about */
		if (s.v[i] || !strcmp(s.name[i], "Rss") ||
		    !strcmp(s.name[i], "AnonHugePages") ||
		    !strcmp(s.name[i], "Anonymous") ||
		    !strcmp(s.name[i], "THPeligible"))
			printf(" %s=%ld", s.name[i], s.v[i]);
	}
	printf(" VmFlags=[%s]\n", s.vmflags);
}

static int maps_walk(const char *tag, unsigned long lo, unsigned long hi)
{
	char line[512];
	int n = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		die("open maps");
	while (fgets(line, sizeof(line), f)) {
		unsigned long a, b;
		if (sscanf(line, "%lx-%lx", &a, &b) != 2)
			continue;
		if (b <= lo || a >= hi)
			continue;
		n++;
		if (tag)
			printf("%s: vma %s", tag, line);
	}
	fclose(f);
	return n;
}

int maps_print(const char *tag, unsigned long lo, unsigned long hi)
{
	int n = maps_walk(tag, lo, hi);
	printf("%s: %d VMA(s) intersect [%lx,%lx)\n", tag, n, lo, hi);
	return n;
}

int maps_count(unsigned long lo, unsigned long hi)
{
	return maps_walk(NULL, lo, hi);
}

/* ------------------------------------------------------------------ */
/* pagemap / kpage*                                                    */

static int fd_pagemap = -1, fd_kpf = -1, fd_kpc = -1;

static uint64_t pread64_at(int *fd, const char *path, uint64_t idx)
{
	uint64_t v = 0;

	if (*fd < 0) {
		*fd = open(path, O_RDONLY);
		if (*fd < 0)
			die("open %s", path);
	}
	if (pread(*fd, &v, 8, (off_t)(idx * 8)) != 8)
		return 0;
	return v;
}

uint64_t pagemap_entry(const void *addr)
{
	/* /proc/self/pagemap is bound to the mm of the opener: a forked
	 * child must not reuse its parent's descriptor */
	static pid_t opener;

	if (fd_pagemap >= 0 && opener != getpid()) {
		close(fd_pagemap);
		fd_pagemap = -1;
	}
	opener = getpid();
	return pread64_at(&fd_pagemap, "/proc/self/pagemap",
			  (uint64_t)addr / PSZ);
}

uint64_t kpageflags(uint64_t pfn)
{
	return pread64_at(&fd_kpf, "/proc/kpageflags", pfn);
}

uint64_t kpagecount(uint64_t pfn)
{
	return pread64_at(&fd_kpc, "/proc/kpagecount", pfn);
}

void pagemap_decode(uint64_t e, char *buf, size_t n)
{
	size_t o = 0;

	buf[0] = 0;
#define PMB(bit, s) if (e & (bit)) o += (size_t)snprintf(buf + o, n - o, "%s%s", o ? "|" : "", s)
	PMB(PM_PRESENT, "present(63)");
	PMB(PM_SWAP, "swap(62)");
	PMB(PM_FILE, "file/shared-anon(61)");
	PMB(PM_GUARD_REGION, "guard(58)");
	PMB(PM_UFFD_WP, "uffd-wp(57)");
	PMB(PM_MMAP_EXCLUSIVE, "exclusive(56)");
	PMB(PM_SOFT_DIRTY, "soft-dirty(55)");
#undef PMB
	if (!o)
		snprintf(buf, n, "none");
}

static const char *kpf_names[64] = {
	[0] = "LOCKED", [1] = "ERROR", [2] = "REFERENCED", [3] = "UPTODATE",
	[4] = "DIRTY", [5] = "LRU", [6] = "ACTIVE", [7] = "SLAB",
	[8] = "WRITEBACK", [9] = "RECLAIM", [10] = "BUDDY", [11] = "MMAP",
	[12] = "ANON", [13] = "SWAPCACHE", [14] = "SWAPBACKED",
	[15] = "COMPOUND_HEAD", [16] = "COMPOUND_TAIL", [17] = "HUGE",
	[18] = "UNEVICTABLE", [19] = "HWPOISON", [20] = "NOPAGE", [21] = "KSM",
	[22] = "THP", [23] = "OFFLINE", [24] = "ZERO_PAGE", [25] = "IDLE",
	[26] = "PGTABLE",
	/* kernel-internal bits (include/linux/kernel-page-flags.h) */
	[32] = "RESERVED", [33] = "MLOCKED", [34] = "OWNER_2(anon_exclusive)",
	[35] = "PRIVATE", [36] = "PRIVATE_2", [37] = "OWNER_PRIVATE",
	[38] = "ARCH", [39] = "UNCACHED", [40] = "SOFTDIRTY", [41] = "ARCH_2",
	[42] = "ARCH_3",
};

void kpf_decode(uint64_t f, char *buf, size_t n)
{
	size_t o = 0;
	int b;

	buf[0] = 0;
	for (b = 0; b < 64; b++) {
		if (!(f & (1ULL << b)))
			continue;
		if (kpf_names[b])
			o += (size_t)snprintf(buf + o, n - o, "%s%s", o ? "|" : "", kpf_names[b]);
		else
			o += (size_t)snprintf(buf + o, n - o, "%sbit%d", o ? "|" : "", b);
		if (o >= n)
			break;
	}
	if (!o)
		snprintf(buf, n, "0");
}

void page_line(const char *tag, const void *addr)
{
	uint64_t e = pagemap_entry(addr), pfn = e & PM_PFN_MASK;
	char pm[128], kf[512];

	pagemap_decode(e, pm, sizeof(pm));
	if ((e & PM_PRESENT) && pfn) {
		uint64_t f = kpageflags(pfn);
		kpf_decode(f, kf, sizeof(kf));
		printf("%s: va=%p pagemap=0x%016llx [%s] pfn=0x%llx (pfn%%512=%llu) "
		       "kpageflags=0x%llx [%s] kpagecount=%llu\n", tag, addr,
		       (unsigned long long)e, pm, (unsigned long long)pfn,
		       (unsigned long long)(pfn % 512), (unsigned long long)f, kf,
		       (unsigned long long)kpagecount(pfn));
	} else {
		printf("%s: va=%p pagemap=0x%016llx [%s]\n", tag, addr,
		       (unsigned long long)e, pm);
	}
}

struct pginfo {
	uint64_t pmflags, pfn, kpf, kpc;
};

static void print_run(const char *tag, int i0, int i1, const struct pginfo *p0,
		      long long step, const char *unit)
{
	char pm[128], kf[512];

	pagemap_decode(p0->pmflags, pm, sizeof(pm));
	kpf_decode(p0->kpf, kf, sizeof(kf));
	printf("%s: %s[%d..%d] n=%d pm=[%s] pfn=0x%llx", tag, unit, i0, i1,
	       i1 - i0 + 1, pm, (unsigned long long)p0->pfn);
	if (i1 > i0)
		printf(" step=%lld", step);
	printf(" kpf=0x%llx [%s] kpc=%llu\n", (unsigned long long)p0->kpf, kf,
	       (unsigned long long)p0->kpc);
}

static void runs(const char *tag, const struct pginfo *pi, int n, const char *unit)
{
	int i0 = 0, i;
	long long step = 0;

	for (i = 1; i <= n; i++) {
		long long st = i < n ? (long long)pi[i].pfn - (long long)pi[i - 1].pfn : 0;
		int same = i < n && pi[i].pmflags == pi[i0].pmflags &&
			   pi[i].kpf == pi[i0].kpf && pi[i].kpc == pi[i0].kpc &&
			   (i == i0 + 1 || st == step);
		if (same) {
			if (i == i0 + 1)
				step = st;
			continue;
		}
		print_run(tag, i0, i - 1, &pi[i0], step, unit);
		i0 = i;
		step = 0;
	}
}

void page_runs(const char *tag, const void *addr, int npages)
{
	struct pginfo *pi = calloc((size_t)npages, sizeof(*pi));
	int i;

	if (!pi)
		die("calloc");
	for (i = 0; i < npages; i++) {
		uint64_t e = pagemap_entry((const char *)addr + (size_t)i * PSZ);
		pi[i].pmflags = e & ~PM_PFN_MASK;
		pi[i].pfn = e & PM_PFN_MASK;
		if ((e & PM_PRESENT) && pi[i].pfn) {
			pi[i].kpf = kpageflags(pi[i].pfn);
			pi[i].kpc = kpagecount(pi[i].pfn);
		}
	}
	runs(tag, pi, npages, "page");
	free(pi);
}

void pfn_runs(const char *tag, uint64_t pfn, int n)
{
	struct pginfo *pi = calloc((size_t)n, sizeof(*pi));
	int i;

	if (!pi)
		die("calloc");
	for (i = 0; i < n; i++) {
		pi[i].pfn = pfn + (uint64_t)i;
		pi[i].kpf = kpageflags(pfn + (uint64_t)i);
		pi[i].kpc = kpagecount(pfn + (uint64_t)i);
	}
	runs(tag, pi, n, "pfn");
	free(pi);
}

/* ------------------------------------------------------------------ */
/* tracing                                                             */

const char *trace_dir(void)
{
	static char p[96];
	snprintf(p, sizeof(p), "%s/tracing", dbg_dir);
	return p;
}

int trace_mount(void)
{
	if (dbg_mounted)
		return 0;
	/* private mount namespace: the mount dies with the process even on
	 * SIGKILL, and nobody else sees it */
	if (unshare(CLONE_NEWNS))
		die("unshare(CLONE_NEWNS)");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		die("make / rprivate");
	snprintf(dbg_dir, sizeof(dbg_dir), "/tmp/thpsh-dbg.XXXXXX");
	if (!mkdtemp(dbg_dir))
		die("mkdtemp");
	if (mount("none", dbg_dir, "debugfs", 0, NULL))
		die("mount debugfs on %s", dbg_dir);
	dbg_mounted = 1;
	return 0;
}

int trace_begin(const char *const *events)
{
	char p[300];
	int i;

	trace_mount();
	if (!inst_made) {
		snprintf(inst_dir, sizeof(inst_dir), "%s/tracing/instances/thpsh-%d",
			 dbg_dir, (int)getpid());
		if (mkdir(inst_dir, 0700))
			die("mkdir %s", inst_dir);
		inst_made = 1;
		{
			char nm[64];
			snprintf(nm, sizeof(nm), "thpsh-%d", (int)getpid());
			guard_send("I", nm, dbg_dir);
		}
		snprintf(p, sizeof(p), "%s/buffer_size_kb", inst_dir);
		write_file_str(p, "16384");
	}
	for (i = 0; events[i]; i++) {
		snprintf(p, sizeof(p), "%s/events/%s/enable", inst_dir, events[i]);
		if (nenabled < 16) {
			scpy(enabled_ev[nenabled], sizeof(enabled_ev[0]), p);
			nenabled++;
		}
		if (write_file_str(p, "1"))
			die("enable %s", p);
	}
	snprintf(p, sizeof(p), "%s/trace", inst_dir);
	write_file_str(p, "");
	snprintf(p, sizeof(p), "%s/tracing_on", inst_dir);
	write_file_str(p, "1");
	return 0;
}

char *trace_end(void)
{
	sigset_t old;
	char p[300];
	size_t cap = 1 << 20, len = 0;
	char *buf;
	ssize_t r;
	int fd, i;

	for (i = 0; i < nenabled; i++)
		write_file_str(enabled_ev[i], "0");
	nenabled = 0;
	snprintf(p, sizeof(p), "%s/trace", inst_dir);
	sig_block(&old);
	fd = open(p, O_RDONLY);
	if (fd < 0)
		die("open %s", p);
	trace_fd = fd;
	buf = malloc(cap);
	if (!buf)
		die("malloc");
	while ((r = read(fd, buf + len, cap - len - 1)) > 0) {
		len += (size_t)r;
		if (cap - len < 65536) {
			cap *= 2;
			buf = realloc(buf, cap);
			if (!buf)
				die("realloc");
		}
	}
	trace_fd = -1;
	close(fd);
	sig_restore(&old);
	buf[len] = 0;
	return buf;
}

int trace_parse(const char *text, struct tev **out)
{
	static const char *names[] = { "set_migration_pte", "remove_migration_pte",
				       "set_migration_pmd", "remove_migration_pmd", NULL };
	int cap = 1024, n = 0;
	struct tev *v = malloc(sizeof(*v) * (size_t)cap);
	const char *line = text;

	if (!v)
		die("malloc");
	while (line && *line) {
		const char *nl = strchr(line, '\n');
		int k;

		if (line[0] != '#') {
			for (k = 0; names[k]; k++) {
				char pat[64];
				const char *at;
				snprintf(pat, sizeof(pat), " %s: ", names[k]);
				at = strstr(line, pat);
				if (!at || (nl && at > nl))
					continue;
				if (n == cap) {
					cap *= 2;
					v = realloc(v, sizeof(*v) * (size_t)cap);
					if (!v)
						die("realloc");
				}
				memset(&v[n], 0, sizeof(v[n]));
				scpy(v[n].name, sizeof(v[n].name), names[k]);
				v[n].order = -1;
				{
					/* "<comm>-<pid> [cpu]" : pid is before " [" */
					const char *br = strstr(line, " [");
					const char *q = br;
					while (q && q > line && q[-1] != '-')
						q--;
					if (q && q > line)
						v[n].pid = atoi(q);
				}
				at += strlen(pat);
				if (strstr(names[k], "pmd")) {
					v[n].is_pmd = 1;
					sscanf(at, "addr=%lx, pmd=%llx", &v[n].addr, &v[n].val);
				} else {
					sscanf(at, "addr=%lx, pte=%llx order=%d", &v[n].addr,
					       &v[n].val, &v[n].order);
				}
				n++;
				break;
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	*out = v;
	return n;
}

int trace_count(const char *text, const char *event)
{
	char pat[96];
	const char *p = text;
	int n = 0;

	snprintf(pat, sizeof(pat), " %s: ", event);
	while ((p = strstr(p, pat)) != NULL) {
		n++;
		p += strlen(pat);
	}
	return n;
}

/* x86-64 (4-level, MAX_PHYSMEM_BITS 46 -> SWP_PFN_BITS 34) */
void pte_decode(uint64_t pte, char *buf, size_t n)
{
	size_t o = 0;

	if (pte & 1) {
		static const struct { int bit; const char *s; } fl[] = {
			{0, "P"}, {1, "RW"}, {2, "USER"}, {3, "PWT"}, {4, "PCD"},
			{5, "ACCESSED"}, {6, "DIRTY"}, {7, "PSE/PAT"}, {8, "GLOBAL"},
			{9, "SPECIAL(SW1)"}, {10, "UFFD_WP(SW2)"}, {11, "SOFT_DIRTY(SW3)"},
			{57, "SW4"}, {58, "SAVED_DIRTY(SW5)"}, {63, "NX"}, {-1, NULL} };
		int i;
		o += (size_t)snprintf(buf + o, n - o, "present pfn=0x%llx flags=",
				      (unsigned long long)((pte >> 12) & ((1ULL << 40) - 1)));
		for (i = 0; fl[i].s; i++)
			if (pte & (1ULL << fl[i].bit))
				o += (size_t)snprintf(buf + o, n - o, "%s%s",
						      i ? "|" : "", fl[i].s);
		snprintf(buf + o, n - o, " (low12=0x%03llx)",
			 (unsigned long long)(pte & 0xfff));
	} else if (pte == 0) {
		snprintf(buf, n, "none");
	} else {
		unsigned type = (unsigned)(pte >> 59);
		/* __swp_offset: ~val << 5 >> 14 */
		uint64_t off = (~pte << 5) >> 14;
		uint64_t pfn = off & ((1ULL << 34) - 1);
		const char *tn = type == 28 ? "MIGRATION_READ" :
				 type == 29 ? "MIGRATION_READ_EXCLUSIVE" :
				 type == 30 ? "MIGRATION_WRITE" :
				 type == 31 ? "PTE_MARKER" : "swapfile";
		snprintf(buf, n, "swp type=%u(%s) offset=0x%llx pfn=0x%llx young(A,off bit34)=%d "
			 "dirty(D,off bit35)=%d resv(off bits36..49)=0x%llx "
			 "swp_soft_dirty(bit1)=%d swp_uffd_wp(bit2)=%d swp_exclusive(bit3)=%d "
			 "protnone(bit8)=%d",
			 type, tn, (unsigned long long)off, (unsigned long long)pfn,
			 (int)((off >> 34) & 1), (int)((off >> 35) & 1),
			 (unsigned long long)(off >> 36), (int)((pte >> 1) & 1),
			 (int)((pte >> 2) & 1), (int)((pte >> 3) & 1),
			 (int)((pte >> 8) & 1));
	}
}

/* ------------------------------------------------------------------ */
/* memory                                                              */

void *thp_area(size_t len)
{
	size_t big = len + HPSZ;
	char *p = mmap(NULL, big, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *a;

	if (p == MAP_FAILED)
		die("mmap %zu", big);
	a = (char *)(((unsigned long)p + HPSZ - 1) & ~(HPSZ - 1));
	if (a > p)
		munmap(p, (size_t)(a - p));
	if (a + len < p + big)
		munmap(a + len, (size_t)(p + big - (a + len)));
	if (madvise(a, len, MADV_HUGEPAGE))
		die("madvise(MADV_HUGEPAGE)");
	return a;
}

void fill_pages(void *addr, int npages, uint64_t tag)
{
	int i;

	for (i = 0; i < npages; i++)
		*(volatile uint64_t *)((char *)addr + (size_t)i * PSZ) = tag ^ (uint64_t)i;
}

int check_pages(const void *addr, int npages, uint64_t tag, int skip_lo, int skip_hi)
{
	int i, ok = 0;

	for (i = 0; i < npages; i++) {
		if (i >= skip_lo && i <= skip_hi)
			continue;
		if (*(const volatile uint64_t *)((const char *)addr + (size_t)i * PSZ) ==
		    (tag ^ (uint64_t)i))
			ok++;
	}
	return ok;
}

/* ------------------------------------------------------------------ */
/* trace summary                                                       */

/* value with the pfn removed: present pte -> bits 12..51 cleared;
 * swap entry -> the 34 pfn bits of the (inverted) offset cleared */
static uint64_t pattern_of(uint64_t v)
{
	if (v & 1)
		return v & ~(((1ULL << 40) - 1) << 12);
	return v & ~(((1ULL << 34) - 1) << 9);
}

int trace_report(const char *tag, const char *text, unsigned long lo, unsigned long hi)
{
	static const char *names[] = { "set_migration_pte", "remove_migration_pte",
				       "set_migration_pmd", "remove_migration_pmd", NULL };
	struct tev *ev;
	int n = trace_parse(text, &ev), k, i, in_total = 0;

	for (k = 0; names[k]; k++) {
		int cnt = 0, out = 0, ord[16] = { 0 }, ordother = 0;
		int first = -1, last = -1, second = -1;
		uint64_t pats[8];
		int patn[8], np = 0, j;
		int pids[4], npid = 0;

		for (i = 0; i < n; i++) {
			if (strcmp(ev[i].name, names[k]))
				continue;
			if (ev[i].addr < lo || ev[i].addr >= hi) {
				out++;
				continue;
			}
			cnt++;
			if (ev[i].order >= 0 && ev[i].order < 16)
				ord[ev[i].order]++;
			else if (ev[i].order >= 16)
				ordother++;
			if (first < 0)
				first = i;
			else if (second < 0)
				second = i;
			last = i;
			for (j = 0; j < npid; j++)
				if (pids[j] == ev[i].pid)
					break;
			if (j == npid && npid < 4)
				pids[npid++] = ev[i].pid;
			{
				uint64_t p = pattern_of(ev[i].val);
				for (j = 0; j < np; j++)
					if (pats[j] == p)
						break;
				if (j == np && np < 8) {
					pats[np] = p;
					patn[np++] = 0;
				}
				if (j < np)
					patn[j]++;
			}
		}
		in_total += cnt;
		printf("%s: event %s: %d in range, %d outside", tag, names[k], cnt, out);
		if (cnt) {
			printf("; orders:");
			for (j = 0; j < 16; j++)
				if (ord[j])
					printf(" %d x%d", j, ord[j]);
			if (ordother)
				printf(" other x%d", ordother);
			printf("; pids:");
			for (j = 0; j < npid; j++)
				printf(" %d", pids[j]);
		}
		printf("\n");
		for (j = 0; j < np; j++) {
			char d[400];
			pte_decode(pats[j], d, sizeof(d));
			printf("%s:   %s pattern#%d x%d: raw&~pfn=0x%016llx -> %s\n", tag,
			       names[k], j, patn[j], (unsigned long long)pats[j], d);
		}
		{
			int idx[3] = { first, second, last };
			for (j = 0; j < 3; j++) {
				char d[400];
				if (idx[j] < 0 || (j == 2 && (idx[2] == idx[1] || idx[2] == idx[0])))
					continue;
				pte_decode(ev[idx[j]].val, d, sizeof(d));
				printf("%s:   %s %s addr=%#lx (page %ld) %s=0x%016llx -> %s\n", tag,
				       names[k], j == 0 ? "first" : j == 1 ? "second" : "last",
				       ev[idx[j]].addr, (long)((ev[idx[j]].addr - lo) / PSZ),
				       ev[idx[j]].is_pmd ? "pmd" : "pte",
				       (unsigned long long)ev[idx[j]].val, d);
			}
		}
	}
	free(ev);
	return in_total;
}

uint64_t shrink_watch_pfn;

int shrink_traced(const char *tag, unsigned long lo, unsigned long hi)
{
	static const char *const ev[] = {
		"migrate/set_migration_pte", "migrate/remove_migration_pte",
		"thp/set_migration_pmd", "thp/remove_migration_pmd",
		"huge_memory", NULL };
	static const char *const hm[] = {
		"mm_khugepaged_scan_pmd", "mm_collapse_huge_page",
		"mm_collapse_huge_page_isolate", "mm_collapse_huge_page_swapin",
		"mm_khugepaged_scan_file", "mm_khugepaged_collapse_file", NULL };
	struct snap s0, s1;
	char *text, t2[96];
	int n, i;

	trace_begin(ev);
	snap_take(&s0);
	drop_caches(2);
	if (shrink_watch_pfn) {
		uint64_t f = kpageflags(shrink_watch_pfn), c = kpagecount(shrink_watch_pfn);
		char d[512];
		kpf_decode(f, d, sizeof(d));
		printf("%s: right after drop_caches: pfn 0x%llx kpageflags=0x%llx [%s] "
		       "kpagecount=%llu\n", tag, (unsigned long long)shrink_watch_pfn,
		       (unsigned long long)f, d, (unsigned long long)c);
	}
	snap_take(&s1);
	text = trace_end();
	snprintf(t2, sizeof(t2), "%s drop_caches2", tag);
	snap_delta(t2, &s0, &s1);
	n = trace_report(t2, text, lo, hi);
	printf("%s: huge_memory events (any address):", t2);
	for (i = 0; hm[i]; i++)
		printf(" %s=%d", hm[i], trace_count(text, hm[i]));
	printf("\n");
	free(text);
	return n;
}

long long collapse_mark(void)
{
	struct vmstat v;

	vmstat_snap(&v);
	return vmstat_get(&v, "thp_collapse_alloc") +
	       read_file_long(THP_SYSFS "/khugepaged/pages_collapsed");
}

int pfns_match(const void *addr, int npages, uint64_t head, int skip)
{
	int i, n = 0;

	for (i = 0; i < npages; i++) {
		uint64_t e;
		if (i == skip)
			continue;
		e = pagemap_entry((const char *)addr + (size_t)i * PSZ);
		if ((e & PM_PRESENT) && (e & PM_PFN_MASK) == head + (uint64_t)i)
			n++;
	}
	return n;
}
