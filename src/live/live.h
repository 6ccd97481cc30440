/*
 * live.h - the live-kernel backend's core: the running kernel seen
 * through /proc, /sys and tracefs, and the live processes that thpsh
 * drives.  No Lua here: src/lua/live*.c are the bindings, as src/lua/
 * is for the simulated kernel in src/mm/.
 *
 *	guard.c    leave the machine as found: every setting written, trace
 *	           instance made and file system mounted is undone at exit,
 *	           on a fatal signal, and by a guardian process on SIGKILL
 *	procfs.c   /proc and /sys: counters, smaps, maps, pagemap,
 *	           kpageflags, kpagecount, PAGEMAP_SCAN
 *	agent.c    the live processes: children driven over a socket,
 *	           which mmap, fault, fork and exit when told to
 *	tracefs.c  tracepoints, from a tracing instance of a debugfs
 *	           mounted in thpsh's own mount namespace
 *
 * Functions return 0 (or a count) on success and a negative errno on
 * failure, as the kernel does.
 */
#ifndef THPSH_LIVE_H
#define THPSH_LIVE_H

/* unshare, pipe2, close_range, mremap: every file here includes this first */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define LIVE_THP	"/sys/kernel/mm/transparent_hugepage"
#define LIVE_PAGE_SIZE	4096UL

/* ---- guard.c ------------------------------------------------------- */

enum live_undo {
	LIVE_UNDO_SETTING,	/* write arg back to the file at path */
	LIVE_UNDO_INSTANCE,	/* rmdir the tracing instance at path (named arg) */
	LIVE_UNDO_MOUNT,	/* unmount path, then rmdir it */
	LIVE_UNDO_SWAP,		/* swapoff the device at path, then write 1 to arg (zram reset) */
};

/*
 * Install, once per process, what undoes the registered items when
 * thpsh ends however it ends: an atexit handler, handlers for the fatal
 * signals (which then re-raise them), and a guardian child that undoes
 * what is left when thpsh dies without running either (SIGKILL).
 */
int live_guard_start(void);

/* Register an item to undo; returns its id (>= 0) or -ENOSPC. */
int live_guard_push(enum live_undo kind, const char *path, const char *arg);

/* The id of the registered item of @kind at @path, or -1. */
int live_guard_find(enum live_undo kind, const char *path);

/* Undo item @id now. */
void live_guard_undo(int id);

/* Undo every registered item, newest first.  Async-signal-safe. */
void live_guard_undo_all(void);

/* ---- procfs.c ------------------------------------------------------ */

/* The text of a file, trailing newlines cut: its length, or -errno. */
int live_read(const char *path, char *buf, size_t len);

/* Write @text to the file at @path: 0 or -errno. */
int live_write(const char *path, const char *text);

/* "always [madvise] never" -> "madvise"; anything else unchanged. */
void live_choice(const char *text, char *out, size_t len);

/* A set of named counters, as a /proc or /sys file lists them. */
#define LIVE_STATS_MAX 400
struct live_stats {
	int n;				/* entries used */
	struct {
		char name[48];		/* the kernel's name */
		long long value;
	} s[LIVE_STATS_MAX];
};

int live_vmstat(struct live_stats *st);			/* /proc/vmstat */
int live_meminfo(struct live_stats *st);		/* /proc/meminfo, kB */
/* hugepages-<size>/stats/ for @size as sysfs names it ("2048kB"). */
int live_mthp_stats(const char *size, struct live_stats *st);
/* The sizes that have stats, "16kB" ... "2048kB", NULL after the last. */
const char *live_mthp_size(int i);
/* The value of @name in @st; *found (if not NULL) says whether it is there. */
long long live_stats_get(const struct live_stats *st, const char *name, int *found);
/* Close the files kept open for fast re-reading. */
void live_procfs_close(void);

/* /proc/PID/pagemap bits (Documentation/admin-guide/mm/pagemap.rst). */
#define PM_PFN_MASK		((1ULL << 55) - 1)
#define PM_SOFT_DIRTY		(1ULL << 55)
#define PM_MMAP_EXCLUSIVE	(1ULL << 56)
#define PM_UFFD_WP		(1ULL << 57)
#define PM_FILE			(1ULL << 61)
#define PM_SWAP			(1ULL << 62)
#define PM_PRESENT		(1ULL << 63)

/* /proc/kpageflags bits (include/uapi/linux/kernel-page-flags.h). */
#define KPF_ANON		12
#define KPF_COMPOUND_HEAD	15
#define KPF_COMPOUND_TAIL	16
#define KPF_ZERO_PAGE		24

/* PAGEMAP_SCAN categories (include/uapi/linux/fs.h, 6.7+). */
#define LIVE_PAGE_IS_PRESENT	(1 << 3)
#define LIVE_PAGE_IS_PFNZERO	(1 << 5)
#define LIVE_PAGE_IS_HUGE	(1 << 6)

/* @n 64-bit entries of a pagemap-like file from entry @index. */
int live_pread64(int fd, uint64_t index, uint64_t *out, size_t n);
int live_kpageflags(uint64_t pfn, uint64_t *out, size_t n);
int live_kpagecount(uint64_t pfn, uint64_t *out, size_t n);
/* The name of kpageflags bit @bit, or NULL. */
const char *live_kpf_name(int bit);

/* A folio as the compound flags of /proc/kpageflags describe it. */
struct live_folio {
	uint64_t pfn;			/* its head */
	int order;			/* 0 for a small folio */
	uint64_t flags;			/* kpageflags of the head */
};
int live_folio_of(uint64_t pfn, struct live_folio *f);

/* PAGEMAP_SCAN categories of the page at @addr, through a pagemap fd. */
int live_scan_page(int pagemap_fd, unsigned long addr, uint64_t *categories);

/* One VMA of /proc/PID/smaps (or maps: nfields 0). */
#define LIVE_SMAPS_FIELDS 40
struct live_vma {
	unsigned long start, end;
	char perms[8];			/* "rw-p" */
	int nfields;
	struct {
		char name[32];		/* "Rss" */
		long value;		/* kB, or the number THPeligible shows */
	} f[LIVE_SMAPS_FIELDS];
	char vmflags[160];		/* "rd wr mr mw me ac hg" */
};

/* Call @fn for every VMA of process @pid, from smaps (@full) or maps. */
int live_vmas(pid_t pid, int full, int (*fn)(const struct live_vma *, void *),
	      void *arg);

/* ---- agent.c ------------------------------------------------------- */

struct live_agent {
	int vpid;			/* thpsh's pid: 1, 2, ... as the simulation counts */
	int vppid;			/* the parent's, 0 for pid 1 */
	pid_t pid;			/* the system's */
	int chan;			/* our end of the socket to it */
	int pagemap;			/* /proc/<pid>/pagemap */
};

enum live_op {
	LIVE_MMAP,		/* addr, len, prot, flags, offset; a file at path,
				   created offset + len bytes long if new */
	LIVE_MUNMAP,		/* addr, len */
	LIVE_MPROTECT,		/* addr, len, prot */
	LIVE_MADVISE,		/* addr, len, advice */
	LIVE_MREMAP,		/* addr, old_len, new_len, flags, new_addr */
	LIVE_PIN,		/* addr, len: register as an io_uring buffer */
	LIVE_UNPIN,		/* addr, len: unregister what lies inside */
};

/* Start the first live process (pid 1): 0 or -errno. */
int live_agent_spawn(struct live_agent *a);

/* Fork @parent: @child gets the next vpid.  0 or -errno. */
int live_agent_fork(struct live_agent *parent, struct live_agent *child, int vpid);

/* The process exits; reaped when it is ours. */
void live_agent_exit(struct live_agent *a);

/* Run a system call in the process: its result, or -errno. */
long live_agent_call(struct live_agent *a, enum live_op op, const uint64_t args[5],
		     const char *path);

/* What one user access did (LIVE_ACCESS). */
struct live_access {
	unsigned long addr;		/* the page */
	uint64_t before, after;		/* its pagemap entries around the access */
	uint64_t categories;		/* PAGEMAP_SCAN after it */
	uint64_t value;			/* the first 8 bytes of the page after it */
	int faulted;			/* the access took a page fault */
	int cached;			/* mincore: in memory (the page cache) before it */
	int mapped;			/* pages of its 2 MiB block it made present */
	int sig, code;			/* SIGSEGV/SIGBUS and si_code, or 0 */
};

enum live_mode {
	LIVE_LOAD,		/* read the first 8 bytes */
	LIVE_TOUCH_WRITE,	/* write access that keeps the value (lock add 0) */
	LIVE_STORE,		/* store a value in the first 8 bytes */
};

/*
 * Access @npages pages from @addr in @mode (LIVE_STORE stores @value),
 * calling @fn with what each access did; stops at the first signal.
 * Returns the number of pages accessed or -errno.
 */
long live_agent_access(struct live_agent *a, unsigned long addr, unsigned long npages,
		       enum live_mode mode, uint64_t value,
		       void (*fn)(const struct live_access *, void *), void *arg);

/* ---- tracefs.c ----------------------------------------------------- */

/*
 * Make the mount namespace of thpsh its own, once: what it mounts from
 * then on (debugfs, tmpfs) is seen by nobody else and goes when it does.
 */
int live_private_mounts(void);

/* Mount a file system of @type on a fresh directory under /tmp; *dir gets it. */
int live_mount(const char *type, const char *options, char *dir, size_t len);

/* Clear the record and record the THP tracepoints from now on. */
int live_trace_start(void);
/* Stop recording. */
int live_trace_stop(void);
/* The recorded text (malloc'd), or NULL with errno set. */
char *live_trace_read(void);
/* Remove the tracing instance and the debugfs mount. */
void live_trace_end(void);

#endif /* THPSH_LIVE_H */
