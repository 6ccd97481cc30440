/*
 * thp_sysfs.c - /sys/kernel/mm/transparent_hugepage: the attributes of
 * mm/huge_memory.c (enabled, defrag, use_zero_page, shrink_underused,
 * hugepages-<size>kB/enabled and stats), mm/shmem.c (shmem_enabled,
 * hugepages-<size>kB/shmem_enabled) and mm/khugepaged.c (the
 * khugepaged directory), read and written as the kernel's show/store do.
 * (hugepages-8kB, which has only shmem_enabled, is absent: thpsh has
 * no order-1 folios.)
 *
 * Paths are relative to /sys/kernel/mm/.  Reads give the text without
 * its trailing newline.
 */
#include "thp_sysfs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "huge_mm.h"
#include "shmem_fs.h"
#include "khugepaged.h"

#define THP_DIR "transparent_hugepage/"

static unsigned int khugepaged_scan_sleep_millisecs = 10000;
static unsigned int khugepaged_alloc_sleep_millisecs = 60000;

/* Parse a decimal unsigned long the way kstrtoul(buf, 10) does. */
static int kstrtoul(const char *buf, unsigned long *res)
{
	char *end;

	if (!*buf || *buf == '-' || *buf == '+')
		return -EINVAL;
	*res = strtoul(buf, &end, 10);
	if (*end == '\n')
		end++;
	return *end ? -EINVAL : 0;
}

/* sysfs_match_string(): an exact option, a trailing newline allowed. */
static int match_string(const char *const *options, int n, const char *buf)
{
	size_t len = strcspn(buf, "\n");
	int i;

	if (buf[len] && buf[len + 1])
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (strlen(options[i]) == len && !strncmp(options[i], buf, len))
			return i;
	return -EINVAL;
}

/* "a [b] c": the options with the active one bracketed. */
static void show_options(char *out, size_t len, const char *const *options,
			 int n, int active)
{
	size_t off = 0;
	int i;

	out[0] = '\0';
	for (i = 0; i < n && off < len; i++)
		off += snprintf(out + off, len - off, i == active ? "%s[%s]" : "%s%s",
				i ? " " : "", options[i]);
}

static const char *const enabled_opts[] = { "always", "madvise", "never" };
static const char *const defrag_opts[] = { "always", "defer", "defer+madvise",
					   "madvise", "never" };
static const char *const anon_opts[] = { "always", "inherit", "madvise", "never" };
static const enum transparent_hugepage_flag defrag_flags[] = {
	TRANSPARENT_HUGEPAGE_DEFRAG_DIRECT_FLAG,
	TRANSPARENT_HUGEPAGE_DEFRAG_KSWAPD_FLAG,
	TRANSPARENT_HUGEPAGE_DEFRAG_KSWAPD_OR_MADV_FLAG,
	TRANSPARENT_HUGEPAGE_DEFRAG_REQ_MADV_FLAG,
};

static int enabled_show(char *buf, size_t len)
{
	int active = hugepage_global_always() ? 0 :
		     (transparent_hugepage_flags & BIT(TRANSPARENT_HUGEPAGE_REQ_MADV_FLAG)) ? 1 : 2;

	show_options(buf, len, enabled_opts, 3, active);
	return 0;
}

static int enabled_store(const char *buf)
{
	int mode = match_string(enabled_opts, 3, buf);

	if (mode < 0)
		return mode;
	transparent_hugepage_flags &= ~(BIT(TRANSPARENT_HUGEPAGE_FLAG) |
					BIT(TRANSPARENT_HUGEPAGE_REQ_MADV_FLAG));
	if (mode == 0)
		transparent_hugepage_flags |= BIT(TRANSPARENT_HUGEPAGE_FLAG);
	else if (mode == 1)
		transparent_hugepage_flags |= BIT(TRANSPARENT_HUGEPAGE_REQ_MADV_FLAG);
	return 0;
}

static int defrag_show(char *buf, size_t len)
{
	int active = 4;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(defrag_flags); i++) {
		if (transparent_hugepage_flags & BIT(defrag_flags[i])) {
			active = i;
			break;
		}
	}
	show_options(buf, len, defrag_opts, 5, active);
	return 0;
}

static int defrag_store(const char *buf)
{
	int mode = match_string(defrag_opts, 5, buf);
	size_t i;

	if (mode < 0)
		return mode;
	for (i = 0; i < ARRAY_SIZE(defrag_flags); i++)
		transparent_hugepage_flags &= ~BIT(defrag_flags[i]);
	if (mode < 4)
		transparent_hugepage_flags |= BIT(defrag_flags[mode]);
	return 0;
}

static int flag_store(const char *buf, enum transparent_hugepage_flag flag)
{
	unsigned long v;

	if (kstrtoul(buf, &v) || v > 1)
		return -EINVAL;
	if (v)
		transparent_hugepage_flags |= BIT(flag);
	else
		transparent_hugepage_flags &= ~BIT(flag);
	return 0;
}

/* kstrtobool(): 1/0, y/n, on/off, case-insensitive first letters. */
static int kstrtobool(const char *buf, bool *res)
{
	switch (buf[0]) {
	case 'y': case 'Y': case '1':
		*res = true;
		return 0;
	case 'n': case 'N': case '0':
		*res = false;
		return 0;
	case 'o': case 'O':
		if (buf[1] == 'n' || buf[1] == 'N') {
			*res = true;
			return 0;
		}
		if (buf[1] == 'f' || buf[1] == 'F') {
			*res = false;
			return 0;
		}
		break;
	}
	return -EINVAL;
}

/* khugepaged/<name>: unsigned values with the kernel's bounds. */
struct uint_attr {
	const char *name;
	unsigned int *val;
	unsigned long min, max;
	bool ro;
};

static unsigned int khugepaged_defrag = 1;

static const struct uint_attr khugepaged_attrs[] = {
	{ "alloc_sleep_millisecs", &khugepaged_alloc_sleep_millisecs, 0, ~0U, false },
	{ "defrag", &khugepaged_defrag, 0, 1, false },
	{ "full_scans", &khugepaged_full_scans, 0, 0, true },
	{ "max_ptes_none", &khugepaged_max_ptes_none, 0, HPAGE_PMD_NR - 1, false },
	{ "max_ptes_shared", &khugepaged_max_ptes_shared, 0, HPAGE_PMD_NR - 1, false },
	{ "max_ptes_swap", &khugepaged_max_ptes_swap, 0, HPAGE_PMD_NR - 1, false },
	{ "pages_collapsed", &khugepaged_pages_collapsed, 0, 0, true },
	{ "pages_to_scan", &khugepaged_pages_to_scan, 1, ~0U, false },
	{ "scan_sleep_millisecs", &khugepaged_scan_sleep_millisecs, 0, ~0U, false },
};

/* khugepaged/defrag: whether khugepaged's allocation may compact (khugepaged_defrag()). */
bool thp_khugepaged_defrag(void)
{
	return khugepaged_defrag;
}

void thp_sysfs_reset(void)
{
	khugepaged_scan_sleep_millisecs = 10000;
	khugepaged_alloc_sleep_millisecs = 60000;
	khugepaged_defrag = 1;
}

/* "hugepages-64kB/..." -> order 4, and the rest of the path; -1 if none. */
static int parse_hugepages_dir(const char *path, const char **rest)
{
	unsigned long kb;
	char *end;
	int order;

	if (strncmp(path, "hugepages-", 10))
		return -1;
	kb = strtoul(path + 10, &end, 10);
	if (strncmp(end, "kB/", 3))
		return -1;
	for (order = 2; order <= PMD_ORDER; order++)
		if ((PAGE_SIZE << order) / 1024 == kb) {
			*rest = end + 3;
			return order;
		}
	return -1;
}

static int anon_enabled_show(int order, char *buf, size_t len)
{
	int active = (huge_anon_orders_always & BIT(order)) ? 0 :
		     (huge_anon_orders_inherit & BIT(order)) ? 1 :
		     (huge_anon_orders_madvise & BIT(order)) ? 2 : 3;

	show_options(buf, len, anon_opts, 4, active);
	return 0;
}

static int anon_enabled_store(int order, const char *buf)
{
	unsigned long *sets[] = { &huge_anon_orders_always, &huge_anon_orders_inherit,
				  &huge_anon_orders_madvise };
	int mode = match_string(anon_opts, 4, buf), m;

	if (mode < 0)
		return mode;
	for (m = 0; m < 3; m++) {
		if (m == mode)
			*sets[m] |= BIT(order);
		else
			*sets[m] &= ~BIT(order);
	}
	return 0;
}

static int mthp_stat_index(const char *name)
{
	int i;

	for (i = 0; i < __MTHP_STAT_COUNT; i++)
		if (!strcmp(mthp_stat_names[i], name))
			return i;
	return -1;
}

static int hugepages_access(int order, const char *rest, const char *wbuf,
			    char *buf, size_t len)
{
	int item;

	if (!strcmp(rest, "enabled"))
		return wbuf ? anon_enabled_store(order, wbuf) : anon_enabled_show(order, buf, len);
	if (!strcmp(rest, "shmem_enabled"))
		return wbuf ? thpsize_shmem_enabled_store(order, wbuf) :
			      thpsize_shmem_enabled_show(order, buf, len);
	if (strncmp(rest, "stats/", 6) || (item = mthp_stat_index(rest + 6)) < 0)
		return -ENOENT;
	if (wbuf)
		return -EPERM;
	snprintf(buf, len, "%ld", mthp_stats[order][item]);
	return 0;
}

static int khugepaged_access(const char *name, const char *wbuf, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(khugepaged_attrs); i++) {
		const struct uint_attr *a = &khugepaged_attrs[i];
		unsigned long v;

		if (strcmp(a->name, name))
			continue;
		if (!wbuf) {
			snprintf(buf, len, "%u", *a->val);
			return 0;
		}
		if (a->ro)
			return -EPERM;
		if (kstrtoul(wbuf, &v) || v < a->min || v > a->max)
			return -EINVAL;
		*a->val = v;
		return 0;
	}
	return -ENOENT;
}

/* Read (@wbuf NULL, text into @buf) or write @wbuf.  0 or -errno. */
static int thp_sysfs_access(const char *path, const char *wbuf, char *buf, size_t len)
{
	const char *name, *rest;
	bool b;
	int order;

	if (strncmp(path, THP_DIR, strlen(THP_DIR)))
		return -ENOENT;
	name = path + strlen(THP_DIR);
	if (!strcmp(name, "enabled"))
		return wbuf ? enabled_store(wbuf) : enabled_show(buf, len);
	if (!strcmp(name, "defrag"))
		return wbuf ? defrag_store(wbuf) : defrag_show(buf, len);
	if (!strcmp(name, "shmem_enabled"))
		return wbuf ? shmem_enabled_store(wbuf) : shmem_enabled_show(buf, len);
	if (!strcmp(name, "use_zero_page")) {
		if (wbuf)
			return flag_store(wbuf, TRANSPARENT_HUGEPAGE_USE_ZERO_PAGE_FLAG);
		snprintf(buf, len, "%d", transparent_hugepage_use_zero_page());
		return 0;
	}
	if (!strcmp(name, "hpage_pmd_size")) {
		if (wbuf)
			return -EPERM;
		snprintf(buf, len, "%lu", HPAGE_PMD_SIZE);
		return 0;
	}
	if (!strcmp(name, "shrink_underused")) {
		if (!wbuf) {
			snprintf(buf, len, "%d", split_underused_thp);
			return 0;
		}
		if (kstrtobool(wbuf, &b))
			return -EINVAL;
		split_underused_thp = b;
		return 0;
	}
	if (!strncmp(name, "khugepaged/", 11))
		return khugepaged_access(name + 11, wbuf, buf, len);
	order = parse_hugepages_dir(name, &rest);
	if (order < 0)
		return -ENOENT;
	return hugepages_access(order, rest, wbuf, buf, len);
}

int thp_sysfs_read(const char *path, char *buf, size_t len)
{
	return thp_sysfs_access(path, NULL, buf, len);
}

int thp_sysfs_write(const char *path, const char *value)
{
	return thp_sysfs_access(path, value, NULL, 0);
}

/* Every attribute path, for listing and Tab completion; NULL past the end. */
const char *thp_sysfs_path(size_t i)
{
	static char path[96];
	static const char *const top[] = { "enabled", "defrag", "use_zero_page",
					   "hpage_pmd_size", "shrink_underused", "shmem_enabled" };
	size_t per_size = 2 + __MTHP_STAT_COUNT;

	if (i < ARRAY_SIZE(top)) {
		snprintf(path, sizeof(path), THP_DIR "%s", top[i]);
		return path;
	}
	i -= ARRAY_SIZE(top);
	if (i < ARRAY_SIZE(khugepaged_attrs)) {
		snprintf(path, sizeof(path), THP_DIR "khugepaged/%s", khugepaged_attrs[i].name);
		return path;
	}
	i -= ARRAY_SIZE(khugepaged_attrs);
	if (i < per_size * (PMD_ORDER - 1)) {
		int order = 2 + i / per_size;
		size_t k = i % per_size;
		unsigned long kb = (PAGE_SIZE << order) / 1024;

		if (k < 2)
			snprintf(path, sizeof(path), THP_DIR "hugepages-%lukB/%s", kb,
				 k ? "shmem_enabled" : "enabled");
		else
			snprintf(path, sizeof(path), THP_DIR "hugepages-%lukB/stats/%s", kb,
				 mthp_stat_names[k - 2]);
		return path;
	}
	return NULL;
}
