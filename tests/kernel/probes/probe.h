/*
 * probe.h - shared helpers for the live-kernel THP probes of thpsh.
 *
 * Each probe under tests/kernel/probes/ is built as
 *     cc -O2 -Wall -o /tmp/x probe.c <topic>.c
 * and run as root on the machine whose kernel is being measured.
 *
 * The helpers read /proc/vmstat, /proc/meminfo, the mTHP per-size stats,
 * /proc/self/smaps and /proc/self/maps, /proc/self/pagemap,
 * /proc/kpageflags and /proc/kpagecount, and record trace events in a
 * private tracefs instance of a privately mounted debugfs.
 *
 * Every sysfs/procfs setting changed through probe_set() is restored at
 * exit, on SIGINT/SIGTERM/SIGHUP/SIGQUIT and on SIGSEGV/SIGBUS/SIGABRT;
 * the debugfs mount and trace instance are removed on the same paths.
 */
#ifndef THPSH_PROBE_H
#define THPSH_PROBE_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PSZ 4096UL
#define HPSZ (2UL << 20)
#define HPNR 512

#define THP_SYSFS "/sys/kernel/mm/transparent_hugepage"

/* ---- lifetime ----------------------------------------------------- */
void probe_init(void);          /* atexit + signal handlers; call first */
void probe_restore_all(void);   /* restore settings, tear down tracing */
void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* ---- sysfs / procfs files ----------------------------------------- */
int read_file_str(const char *path, char *buf, size_t n); /* -1 on error */
int write_file_str(const char *path, const char *val);    /* -errno on error */
long read_file_long(const char *path);
/* Write a setting, remembering the original (bracketed choice or plain
 * value) so that probe_restore_all() writes it back. */
int probe_set(const char *path, const char *val);
/* Print the THP knobs (one line each) - used to check restoration. */
void print_thp_settings(const char *tag);
void drop_caches(int how);      /* echo how > /proc/sys/vm/drop_caches */

/* ---- /proc/vmstat -------------------------------------------------- */
#define VMSTAT_MAX 512
struct vmstat {
	int n;
	char name[VMSTAT_MAX][48];
	long long v[VMSTAT_MAX];
};
/* Folds per-cpu diffs (/proc/sys/vm/stat_refresh) then reads. */
void vmstat_snap(struct vmstat *s);
long long vmstat_get(const struct vmstat *s, const char *name);
int vmstat_thp_related(const char *name);
/* Prints "tag: name=+d ..." for THP-related counters that moved; returns
 * the number printed. */
int vmstat_delta(const char *tag, const struct vmstat *a, const struct vmstat *b);

/* ---- /proc/meminfo ------------------------------------------------- */
long meminfo_kb(const char *field);

/* ---- mTHP per-size stats ------------------------------------------ */
#define MTHP_MAX 256
struct mthp {
	int n;
	char name[MTHP_MAX][64];        /* "2048kB/anon_fault_alloc" */
	long long v[MTHP_MAX];
};
void mthp_snap(struct mthp *s);
long long mthp_get(const struct mthp *s, const char *name);
int mthp_delta(const char *tag, const struct mthp *a, const struct mthp *b);

/* All counters at once. */
struct snap {
	struct vmstat vm;
	struct mthp mt;
	long anon_huge_kb;      /* meminfo AnonHugePages */
	long anon_kb;           /* meminfo AnonPages */
};
void snap_take(struct snap *s);
void snap_delta(const char *tag, const struct snap *a, const struct snap *b);

/* ---- /proc/self/smaps, /proc/self/maps ----------------------------- */
#define SMAPS_MAX 40
struct smaps {
	int found;
	unsigned long start, end;
	char perms[8];
	int n;
	char name[SMAPS_MAX][32];
	long v[SMAPS_MAX];
	char vmflags[160];
};
int smaps_get(const void *addr, struct smaps *s);
long smaps_field(const struct smaps *s, const char *name);
void smaps_print(const char *tag, const void *addr);
/* Prints the VMAs intersecting [lo,hi); returns how many. */
int maps_print(const char *tag, unsigned long lo, unsigned long hi);
int maps_count(unsigned long lo, unsigned long hi);

/* ---- pagemap / kpageflags / kpagecount ------------------------------ */
#define PM_PFN_MASK ((1ULL << 55) - 1)
#define PM_SOFT_DIRTY (1ULL << 55)
#define PM_MMAP_EXCLUSIVE (1ULL << 56)
#define PM_UFFD_WP (1ULL << 57)
#define PM_GUARD_REGION (1ULL << 58)
#define PM_FILE (1ULL << 61)
#define PM_SWAP (1ULL << 62)
#define PM_PRESENT (1ULL << 63)
uint64_t pagemap_entry(const void *addr);
void pagemap_decode(uint64_t e, char *buf, size_t n);
uint64_t kpageflags(uint64_t pfn);
uint64_t kpagecount(uint64_t pfn);
void kpf_decode(uint64_t f, char *buf, size_t n);
/* One line for one virtual page: pagemap, pfn, kpageflags, kpagecount. */
void page_line(const char *tag, const void *addr);
/* Run-length summary of npages virtual pages starting at addr:
 * groups consecutive pages with identical (pagemap flags, kpageflags,
 * kpagecount, pfn-step) into runs. */
void page_runs(const char *tag, const void *addr, int npages);
/* Same for physical frames pfn..pfn+n-1 (no pagemap). */
void pfn_runs(const char *tag, uint64_t pfn, int n);

/* ---- trace events --------------------------------------------------- */
/* Mounts debugfs on a fresh /tmp/thpsh-dbg.XXXXXX in a private mount
 * namespace, creates a tracing instance, enables the given events
 * ("migrate/set_migration_pte", "huge_memory", ...), clears the buffer. */
int trace_begin(const char *const *events);
/* Disables the events and returns the buffer text (malloc'd). */
char *trace_end(void);
/* Removes the instance, unmounts. Idempotent; also run at exit. */
void trace_teardown(void);
/* Path of tracing/ in the private mount (valid between begin and
 * teardown); trace_mount() mounts without starting an instance. */
const char *trace_dir(void);
int trace_mount(void);

struct tev {
	char name[40];
	int pid;
	unsigned long addr;
	unsigned long long val; /* pte= or pmd= */
	int is_pmd;
	int order;              /* -1 if absent */
};
/* Parses migrate/thp events of a trace text; returns count, *out malloc'd. */
int trace_parse(const char *text, struct tev **out);
/* Counts lines mentioning an event name (for events we do not parse). */
int trace_count(const char *text, const char *event);

/* x86-64 decoding of a raw PTE value (present or swap/migration). */
void pte_decode(uint64_t pte, char *buf, size_t n);

/* ---- memory ---------------------------------------------------------- */
/* mmap(len + 2M), cut to a 2 MiB aligned VMA of exactly len bytes,
 * MADV_HUGEPAGE on it. */
void *thp_area(size_t len);
/* Fill the first 8 bytes of every 4 KiB page with tag ^ index. */
void fill_pages(void *addr, int npages, uint64_t tag);
/* Count pages whose first 8 bytes still hold tag ^ index. */
int check_pages(const void *addr, int npages, uint64_t tag, int skip_lo, int skip_hi);

/* Summarise parsed migrate/thp events whose addr lies in [lo,hi):
 * counts per event and order, pids, events outside the range, the first
 * and last raw values decoded, and the distinct flag patterns (value with
 * the pfn masked out). Returns the number of in-range events. */
int trace_report(const char *tag, const char *text, unsigned long lo, unsigned long hi);
/* echo 2 > drop_caches with counters and trace events (migrate:*migration*,
 * thp:*, huge_memory:*) recorded around it; prints deltas and
 * trace_report() for [lo,hi). Returns in-range migration events. */
int shrink_traced(const char *tag, unsigned long lo, unsigned long hi);
/* If nonzero, shrink_traced() prints kpageflags/kpagecount of this pfn
 * right after drop_caches returns (before it allocates anything). */
extern uint64_t shrink_watch_pfn;
/* khugepaged guard: thp_collapse_alloc + khugepaged/pages_collapsed.
 * A probe records it before a scenario and compares after; a change
 * means khugepaged (or someone's MADV_COLLAPSE) may have collapsed our
 * PTE-mapped range, and the run is reported as disturbed and repeated. */
long long collapse_mark(void);
/* Number of the npages pages at addr (skipping index skip) whose pfn is
 * head + index, i.e. still the frames of the original THP. */
int pfns_match(const void *addr, int npages, uint64_t head, int skip);
#endif
