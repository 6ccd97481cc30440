/*
 * procfs.c - the live kernel's state as /proc and /sys show it.
 *
 * Counters are read often (around every step of a --compare run), so
 * the many small files of the mTHP stats stay open and are re-read with
 * pread at offset 0, which makes sysfs produce the current value again.
 */
#include "live.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int live_read(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	err = errno;
	close(fd);
	if (n < 0)
		return -err;
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	return (int)n;
}

int live_write(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) < 0)
		err = -errno;
	close(fd);
	return err;
}

void live_choice(const char *text, char *out, size_t len)
{
	const char *open_br = strchr(text, '['), *close_br;
	size_t n;

	if (open_br && (close_br = strchr(open_br, ']'))) {
		text = open_br + 1;
		n = (size_t)(close_br - text);
	} else {
		n = strlen(text);
	}
	if (n >= len)
		n = len - 1;
	memcpy(out, text, n);
	out[n] = '\0';
}

/* --- counters -------------------------------------------------------- */

static void stats_add(struct live_stats *st, const char *name, long long value)
{
	if (st->n == LIVE_STATS_MAX)
		return;
	snprintf(st->s[st->n].name, sizeof(st->s[0].name), "%s", name);
	st->s[st->n++].value = value;
}

/* Lines "name value" (vmstat) or "Name:   value kB" (meminfo). */
static int read_stat_file(const char *path, struct live_stats *st)
{
	static char buf[16384];
	char *line, *save = NULL;
	int n = live_read(path, buf, sizeof(buf));

	if (n < 0)
		return n;
	st->n = 0;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[48];
		long long v;

		if (sscanf(line, "%47[^: ]%*[: ]%lld", name, &v) == 2)
			stats_add(st, name, v);
	}
	return 0;
}

int live_vmstat(struct live_stats *st)
{
	return read_stat_file("/proc/vmstat", st);
}

int live_meminfo(struct live_stats *st)
{
	return read_stat_file("/proc/meminfo", st);
}

/* The stats of every mTHP size, each file kept open. */
static const char *const mthp_sizes[] = {
	"8kB", "16kB", "32kB", "64kB", "128kB", "256kB", "512kB", "1024kB", "2048kB", NULL
};
static const char *const mthp_stat_names[] = {
	"anon_fault_alloc", "anon_fault_fallback", "anon_fault_fallback_charge",
	"anon_fault_declined", "zswpout", "swpin", "swpin_fallback",
	"swpin_fallback_charge", "swpout", "swpout_fallback", "shmem_alloc",
	"shmem_fallback", "shmem_fallback_charge", "split", "split_failed",
	"split_deferred", "nr_anon", "nr_anon_partially_mapped", NULL
};
#define MTHP_NSIZES	(sizeof(mthp_sizes) / sizeof(mthp_sizes[0]) - 1)
#define MTHP_NSTATS	(sizeof(mthp_stat_names) / sizeof(mthp_stat_names[0]) - 1)

/* fd + 1 of each stats file: 0 not opened yet, -1 + 1 absent. */
static int mthp_fds[MTHP_NSIZES][MTHP_NSTATS];

const char *live_mthp_size(int i)
{
	return i >= 0 && (size_t)i < MTHP_NSIZES ? mthp_sizes[i] : NULL;
}

static int mthp_fd(size_t size, size_t stat)
{
	char path[160];

	if (mthp_fds[size][stat] == 0) {
		snprintf(path, sizeof(path), LIVE_THP "/hugepages-%s/stats/%s",
			 mthp_sizes[size], mthp_stat_names[stat]);
		mthp_fds[size][stat] = open(path, O_RDONLY | O_CLOEXEC) + 1;
	}
	return mthp_fds[size][stat] - 1;
}

int live_mthp_stats(const char *size, struct live_stats *st)
{
	size_t i, j;

	for (i = 0; i < MTHP_NSIZES && strcmp(mthp_sizes[i], size); i++)
		;
	if (i == MTHP_NSIZES)
		return -ENOENT;
	st->n = 0;
	for (j = 0; j < MTHP_NSTATS; j++) {
		char buf[32];
		int fd = mthp_fd(i, j);
		ssize_t n;

		if (fd < 0)
			continue;	/* hugepages-8kB has no anon stats */
		n = pread(fd, buf, sizeof(buf) - 1, 0);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		stats_add(st, mthp_stat_names[j], strtoll(buf, NULL, 10));
	}
	return st->n ? 0 : -ENOENT;
}

long long live_stats_get(const struct live_stats *st, const char *name, int *found)
{
	int i;

	for (i = 0; i < st->n; i++) {
		if (!strcmp(st->s[i].name, name)) {
			if (found)
				*found = 1;
			return st->s[i].value;
		}
	}
	if (found)
		*found = 0;
	return 0;
}

void live_procfs_close(void)
{
	size_t i, j;

	for (i = 0; i < MTHP_NSIZES; i++) {
		for (j = 0; j < MTHP_NSTATS; j++) {
			if (mthp_fds[i][j] > 0)
				close(mthp_fds[i][j] - 1);
			mthp_fds[i][j] = 0;
		}
	}
}

/* --- pages ----------------------------------------------------------- */

int live_pread64(int fd, uint64_t index, uint64_t *out, size_t n)
{
	ssize_t r = pread(fd, out, n * 8, (off_t)(index * 8));

	if (r < 0)
		return -errno;
	if ((size_t)r != n * 8)
		return -EIO;
	return 0;
}

static int pfn_file(const char *path, int *fd, uint64_t pfn, uint64_t *out, size_t n)
{
	if (*fd < 0 && (*fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	return live_pread64(*fd, pfn, out, n);
}

int live_kpageflags(uint64_t pfn, uint64_t *out, size_t n)
{
	static int fd = -1;

	return pfn_file("/proc/kpageflags", &fd, pfn, out, n);
}

int live_kpagecount(uint64_t pfn, uint64_t *out, size_t n)
{
	static int fd = -1;

	return pfn_file("/proc/kpagecount", &fd, pfn, out, n);
}

const char *live_kpf_name(int bit)
{
	static const char *const names[64] = {
		"LOCKED", "ERROR", "REFERENCED", "UPTODATE", "DIRTY", "LRU", "ACTIVE",
		"SLAB", "WRITEBACK", "RECLAIM", "BUDDY", "MMAP", "ANON", "SWAPCACHE",
		"SWAPBACKED", "COMPOUND_HEAD", "COMPOUND_TAIL", "HUGE", "UNEVICTABLE",
		"HWPOISON", "NOPAGE", "KSM", "THP", "OFFLINE", "ZERO_PAGE", "IDLE",
		"PGTABLE",
		[32] = "RESERVED", "MLOCKED", "OWNER_2", "PRIVATE", "PRIVATE_2",
		"OWNER_PRIVATE", "ARCH", "UNCACHED", "SOFTDIRTY", "ARCH_2", "ARCH_3",
	};

	return bit >= 0 && bit < 64 ? names[bit] : NULL;
}

#define KPF(f, bit)	(((f) >> (bit)) & 1)

/*
 * Folios are naturally aligned, so the head of the one holding @pfn is
 * the nearest COMPOUND_HEAD at or below it within 2^9 pages, and its
 * order is the log2 of head + following tails.
 */
int live_folio_of(uint64_t pfn, struct live_folio *f)
{
	enum { WINDOW = 512 };
	uint64_t flags[2 * WINDOW], base = pfn & ~(uint64_t)(WINDOW - 1);
	size_t i, head, n;
	int err = live_kpageflags(base, flags, 2 * WINDOW);

	if (err)
		return err;
	i = (size_t)(pfn - base);
	f->pfn = pfn;
	f->order = 0;
	f->flags = flags[i];
	if (!KPF(flags[i], KPF_COMPOUND_HEAD) && !KPF(flags[i], KPF_COMPOUND_TAIL))
		return 0;
	for (head = i; head > 0 && !KPF(flags[head], KPF_COMPOUND_HEAD); head--)
		;
	if (!KPF(flags[head], KPF_COMPOUND_HEAD))
		return -EAGAIN;		/* changed under us */
	for (n = 1; head + n < 2 * WINDOW && KPF(flags[head + n], KPF_COMPOUND_TAIL); n++)
		;
	f->pfn = base + head;
	f->flags = flags[head];
	while ((1UL << (f->order + 1)) <= n)
		f->order++;
	return 0;
}

/* The PAGEMAP_SCAN ioctl, declared here for C libraries older than 6.7. */
struct live_page_region {
	uint64_t start, end, categories;
};

struct live_pm_scan_arg {
	uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
	uint64_t category_inverted, category_mask, category_anyof_mask, return_mask;
};

#define LIVE_PAGEMAP_SCAN	_IOWR('f', 16, struct live_pm_scan_arg)

int live_scan_page(int pagemap_fd, unsigned long addr, uint64_t *categories)
{
	struct live_page_region r;
	struct live_pm_scan_arg arg = {
		.size = sizeof(arg),
		.start = addr,
		.end = addr + LIVE_PAGE_SIZE,
		.vec = (uint64_t)(uintptr_t)&r,
		.vec_len = 1,
		.category_anyof_mask = LIVE_PAGE_IS_PRESENT,
		.return_mask = LIVE_PAGE_IS_PRESENT | LIVE_PAGE_IS_PFNZERO | LIVE_PAGE_IS_HUGE,
	};
	int n = ioctl(pagemap_fd, LIVE_PAGEMAP_SCAN, &arg);

	if (n < 0)
		return -errno;
	*categories = n ? r.categories : 0;
	return 0;
}

/* --- VMAs ------------------------------------------------------------ */

static int vma_header(const char *line, struct live_vma *v)
{
	if (sscanf(line, "%lx-%lx %7s", &v->start, &v->end, v->perms) != 3)
		return 0;
	v->nfields = 0;
	v->vmflags[0] = '\0';
	return 1;
}

static void vma_field(const char *line, struct live_vma *v)
{
	char name[32];
	long value;

	if (!strncmp(line, "VmFlags:", 8)) {
		size_t n;

		line += 8 + strspn(line + 8, " ");
		for (n = strlen(line); n > 0 && (line[n - 1] == '\n' || line[n - 1] == ' '); n--)
			;
		snprintf(v->vmflags, sizeof(v->vmflags), "%.*s", (int)n, line);
		return;
	}
	if (v->nfields < LIVE_SMAPS_FIELDS &&
	    sscanf(line, "%31[^:]: %ld", name, &value) == 2) {
		snprintf(v->f[v->nfields].name, sizeof(v->f[0].name), "%s", name);
		v->f[v->nfields++].value = value;
	}
}

int live_vmas(pid_t pid, int full, int (*fn)(const struct live_vma *, void *), void *arg)
{
	struct live_vma v;
	char path[64], line[512];
	int have = 0, ret = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, full ? "smaps" : "maps");
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (!ret && fgets(line, sizeof(line), f)) {
		struct live_vma next;

		/* a header line starts with the range: "7f...-7f... rw-p" */
		if (strchr(line, '-') < strchr(line, ' ') && vma_header(line, &next)) {
			if (have)
				ret = fn(&v, arg);
			v = next;
			have = 1;
		} else if (have) {
			vma_field(line, &v);
		}
	}
	if (!ret && have)
		ret = fn(&v, arg);
	fclose(f);
	return ret;
}
