/*
 * liveviews.c - the live versions of the inspection commands: vmstat,
 * meminfo, mthp_stats, smaps, pagemap, kpageflags, kpagecount, page and
 * folio, as far as /proc and /sys tell.
 *
 * vmstat() and mthp_stats() are deltas since the session started (the
 * counters are global; other processes move them too); meminfo() and
 * smaps() are as the kernel prints them.  page() and folio() are built
 * from pagemap, kpageflags and kpagecount: the order of a folio from the
 * compound flags of its pages, a page's mapcount from kpagecount, and a
 * folio's mapcounts from the pagemaps of every live process (only they
 * map the script's memory), PAGEMAP_SCAN telling PMD mappings from PTE
 * ones.  What no file shows (refcount, pincount, the deferred split
 * queue) is not in the tables.
 */
#include "livecmds.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>

#include "machine.h"
#include "util.h"

#define PMD_PAGES	512UL

/* --- counters -------------------------------------------------------- */

/* vmstat([name]) -> every counter of /proc/vmstat, as a delta since the start. */
int livecmd_vmstat(lua_State *L)
{
	const char *name = luaL_optstring(L, 1, NULL);
	static struct live_stats st;
	int i;

	if (live_vmstat(&st))
		return thp_errorf(L, "vmstat: cannot read /proc/vmstat");
	lua_createtable(L, 0, st.n);
	for (i = 0; i < st.n; i++)
		thp_setint(L, st.s[i].name,
			   st.s[i].value - live_stats_get(thp_live_base_vmstat(), st.s[i].name, NULL));
	if (!name)
		return 1;
	if (lua_getfield(L, -1, name) == LUA_TNIL)
		return thp_errorf(L, "vmstat: no counter %s", name);
	return 1;
}

/* meminfo() -> the THP-related lines of /proc/meminfo, in kB. */
int livecmd_meminfo(lua_State *L)
{
	static const char *const keys[] = {
		"MemTotal", "MemFree", "AnonPages", "Mapped", "Shmem", "PageTables",
		"AnonHugePages", "ShmemHugePages", "ShmemPmdMapped", "FileHugePages",
		"FilePmdMapped",
	};
	static struct live_stats st;
	size_t i;

	if (live_meminfo(&st))
		return thp_errorf(L, "meminfo: cannot read /proc/meminfo");
	lua_newtable(L);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		thp_setint(L, keys[i], live_stats_get(&st, keys[i], NULL));
	return 1;
}

/* mthp_stats(size) -> hugepages-<size>kB/stats, as deltas since the start. */
int livecmd_mthp_stats(lua_State *L)
{
	const char *s = lua_tostring(L, 1);
	static struct live_stats st;
	const struct live_stats *base;
	long long bytes = 0;
	char name[32];
	int i;

	if (s && sscanf(s, "%lldkB", &bytes) == 1 && strstr(s, "kB"))
		bytes *= 1024;
	else
		bytes = thp_checksize(L, 1, "mthp_stats");
	snprintf(name, sizeof(name), "%lldkB", bytes / 1024);
	base = thp_live_base_mthp(name);
	if (bytes < 16384 || !base || live_mthp_stats(name, &st))
		return thp_errorf(L, "mthp_stats: no hugepages-%lldkB (16kB..2048kB)",
				  bytes / 1024);
	lua_createtable(L, 0, st.n);
	for (i = 0; i < st.n; i++)
		thp_setint(L, st.s[i].name,
			   st.s[i].value - live_stats_get(base, st.s[i].name, NULL));
	return 1;
}

/* --- smaps ----------------------------------------------------------- */

static void push_vma(lua_State *L, const struct live_vma *v)
{
	int i;

	lua_newtable(L);
	thp_setint(L, "start", (long long)v->start);
	thp_setint(L, "end", (long long)v->end);
	for (i = 0; i < v->nfields; i++)
		thp_setint(L, v->f[i].name, v->f[i].value);
	thp_setstr(L, "VmFlags", v->vmflags);
}

struct smaps_walk {
	lua_State *L;
	unsigned long addr;		/* the VMA holding it; 0: the script's VMAs */
	int n;				/* VMAs pushed */
};

static int smaps_vma(const struct live_vma *v, void *arg)
{
	struct smaps_walk *w = arg;

	if (w->addr) {
		if (v->start > w->addr || w->addr >= v->end)
			return 0;
		push_vma(w->L, v);
		w->n++;
		return 1;
	}
	if (thp_live_in_regions(v->start, v->end)) {
		push_vma(w->L, v);
		lua_rawseti(w->L, -2, ++w->n);
	}
	return 0;
}

/* smaps([addr]) -> the VMA holding addr, or the list of the script's VMAs. */
int livecmd_smaps(lua_State *L)
{
	struct live_agent *a = thp_live_task(L, 2, "smaps");
	struct smaps_walk w = { L, 0, 0 };

	if (!lua_isnoneornil(L, 1)) {
		w.addr = (unsigned long)thp_checkaddr(L, 1, "smaps");
		if (live_vmas(a->pid, 1, smaps_vma, &w) < 0 || !w.n)
			return thp_errorf(L, "smaps: %#lx is not mapped", w.addr);
		return 1;
	}
	lua_newtable(L);
	if (live_vmas(a->pid, 1, smaps_vma, &w) < 0)
		return thp_errorf(L, "smaps: cannot read the smaps of pid %d", a->vpid);
	return 1;
}

/* --- pagemap, kpageflags, kpagecount --------------------------------- */

static uint64_t pagemap_entry(lua_State *L, struct live_agent *a, unsigned long addr,
			      const char *cmd)
{
	uint64_t e;

	if (live_pread64(a->pagemap, addr / LIVE_PAGE_SIZE, &e, 1))
		thp_errorf(L, "%s: cannot read the pagemap of pid %d", cmd, a->vpid);
	return e;
}

/* pagemap(addr) -> the 64-bit /proc/PID/pagemap entry and its bits. */
int livecmd_pagemap(lua_State *L)
{
	unsigned long addr = (unsigned long)thp_checkaddr(L, 1, "pagemap");
	struct live_agent *a = thp_live_task(L, 2, "pagemap");
	uint64_t v;

	if (addr >= THP_TASK_SIZE)
		return thp_errorf(L, "pagemap: %#lx is outside the address space", addr);
	v = pagemap_entry(L, a, addr, "pagemap");
	lua_newtable(L);
	thp_set_pagemap_fields(L, v);
	return 1;
}

static uint64_t check_pfn(lua_State *L, int arg, const char *cmd)
{
	lua_Integer pfn = luaL_checkinteger(L, arg);

	if (pfn < 0)
		thp_errorf(L, "%s: pfn %#llx is beyond memory", cmd, (long long)pfn);
	return (uint64_t)pfn;
}

static uint64_t pfn_flags(lua_State *L, uint64_t pfn, const char *cmd)
{
	uint64_t v;

	if (live_kpageflags(pfn, &v, 1))
		thp_errorf(L, "%s: pfn %#llx is beyond memory", cmd, (unsigned long long)pfn);
	return v;
}

static uint64_t pfn_count(lua_State *L, uint64_t pfn, const char *cmd)
{
	uint64_t v;

	if (live_kpagecount(pfn, &v, 1))
		thp_errorf(L, "%s: pfn %#llx is beyond memory", cmd, (unsigned long long)pfn);
	return v;
}

/* kpageflags(pfn) -> the /proc/kpageflags word and its flag names. */
int livecmd_kpageflags(lua_State *L)
{
	uint64_t v = pfn_flags(L, check_pfn(L, 1, "kpageflags"), "kpageflags");
	int i, n = 0;

	lua_newtable(L);
	thp_setint(L, "raw", (long long)v);
	lua_newtable(L);
	for (i = 0; i < 64; i++) {
		if (!(v & (1ULL << i)))
			continue;
		lua_pushstring(L, live_kpf_name(i) ? live_kpf_name(i) : "?");
		lua_rawseti(L, -2, ++n);
	}
	lua_setfield(L, -2, "flags");
	return 1;
}

/* kpagecount(pfn) -> the /proc/kpagecount value: the page's mappings. */
int livecmd_kpagecount(lua_State *L)
{
	lua_pushinteger(L, (lua_Integer)pfn_count(L, check_pfn(L, 1, "kpagecount"),
						  "kpagecount"));
	return 1;
}

/* --- page() and folio() ---------------------------------------------- */

static int holds_addr(const struct live_vma *v, void *arg)
{
	unsigned long addr = *(unsigned long *)arg;

	return v->start <= addr && addr < v->end;
}

/* The pfn at @arg: {pfn = N}, or the page mapped at an address (*addr set). */
static uint64_t arg_pfn(lua_State *L, int arg, const char *cmd, struct live_agent *a,
			unsigned long *addr)
{
	uint64_t e;

	*addr = 0;
	if (lua_istable(L, arg)) {
		if (lua_getfield(L, arg, "pfn") == LUA_TNIL)
			thp_errorf(L, "%s: give an address or {pfn = N}", cmd);
		return check_pfn(L, -1, cmd);
	}
	*addr = (unsigned long)thp_checkaddr(L, arg, cmd);
	if (*addr >= THP_TASK_SIZE || live_vmas(a->pid, 0, holds_addr, addr) <= 0)
		thp_errorf(L, "%s: %#lx is not mapped", cmd, *addr);
	e = pagemap_entry(L, a, *addr, cmd);
	if (!(e & PM_PRESENT))
		thp_errorf(L, "%s: nothing is mapped at %#lx yet (fault it first)", cmd, *addr);
	return e & PM_PFN_MASK;
}

static long long field(lua_State *L, const char *key)
{
	long long v;

	lua_getfield(L, 1, key);
	v = lua_tointeger(L, -1);
	lua_pop(L, 1);
	return v;
}

static int page_tostring(lua_State *L)
{
	char buf[160];
	int zero;

	lua_getfield(L, 1, "zero");
	zero = lua_toboolean(L, -1);
	snprintf(buf, sizeof(buf), "page pfn %#llx: mapcount %lld, value %lld%s",
		 field(L, "pfn"), field(L, "mapcount"), field(L, "value"),
		 zero ? " (zero page)" : "");
	lua_pushstring(L, buf);
	return 1;
}

static void keep_access(const struct live_access *acc, void *arg)
{
	*(struct live_access *)arg = *acc;
}

/*
 * The first 8 bytes of the present page at @addr, loaded by the process
 * itself: reading /proc/PID/mem instead would mark the page accessed and
 * could leave it in a per-CPU LRU batch, whose reference turns a later
 * write fault from reuse into a copy.  False if the load is refused.
 */
static int page_value(struct live_agent *a, unsigned long addr, uint64_t *value)
{
	struct live_access acc = { 0 };

	if (live_agent_access(a, addr, 1, LIVE_LOAD, 0, keep_access, &acc) != 1 || acc.sig)
		return 0;
	*value = acc.value;
	return 1;
}

/* page(addr | {pfn=N}) -> one base page, as kpageflags and kpagecount show it. */
int livecmd_page(lua_State *L)
{
	struct live_agent *a = thp_live_task(L, 2, "page");
	unsigned long addr;
	uint64_t pfn = arg_pfn(L, 1, "page", a, &addr), flags = pfn_flags(L, pfn, "page");
	struct live_folio f;
	uint64_t value;

	if (live_folio_of(pfn, &f))
		f.pfn = pfn;
	thp_new_view(L, "thpsh.livepage", page_tostring);
	thp_setint(L, "pfn", (long long)pfn);
	thp_setint(L, "mapcount", (long long)pfn_count(L, pfn, "page"));
	thp_setbool(L, "zero", (flags >> KPF_ZERO_PAGE) & 1);
	thp_setbool(L, "head", (flags >> KPF_COMPOUND_HEAD) & 1);
	thp_setbool(L, "tail", (flags >> KPF_COMPOUND_TAIL) & 1);
	thp_setint(L, "folio", (long long)f.pfn);
	if (addr && page_value(a, addr, &value))
		thp_setint(L, "value", (long long)value);
	return 1;
}

/* How the live processes map one folio. */
struct folio_maps {
	uint64_t head;			/* its pfns: [head, head + nr) */
	unsigned long nr;
	long entire;			/* PMD mappings */
	long ptes;			/* PTE mappings */
	unsigned char *mapped;		/* per page: mapped by some PTE */
};

/* Count the mappings of the folio in [start, end) of process @a. */
static void count_range(struct live_agent *a, unsigned long start, unsigned long end,
			struct folio_maps *fm)
{
	uint64_t e[PMD_PAGES], cats;
	unsigned long addr, i, n;

	for (addr = start; addr < end; addr += n * LIVE_PAGE_SIZE) {
		n = (end - addr) / LIVE_PAGE_SIZE;
		if (n > PMD_PAGES)
			n = PMD_PAGES;
		if (live_pread64(a->pagemap, addr / LIVE_PAGE_SIZE, e, n))
			return;
		for (i = 0; i < n; i++) {
			uint64_t pfn = e[i] & PM_PFN_MASK;
			unsigned long va = addr + i * LIVE_PAGE_SIZE;

			if (!(e[i] & PM_PRESENT) || pfn < fm->head || pfn >= fm->head + fm->nr)
				continue;
			/* a PMD maps the head at a PMD-aligned address, and the rest */
			if (pfn == fm->head && fm->nr == PMD_PAGES &&
			    !(va & (PMD_PAGES * LIVE_PAGE_SIZE - 1)) &&
			    !live_scan_page(a->pagemap, va, &cats) && (cats & LIVE_PAGE_IS_HUGE)) {
				fm->entire++;
				i += PMD_PAGES - 1;
				continue;
			}
			fm->ptes++;
			fm->mapped[pfn - fm->head] = 1;
		}
	}
}

/* The mapcounts of folio @f over every live process and range of the script. */
static void count_mappings(const struct live_folio *f, struct folio_maps *fm)
{
	static unsigned long regions[512][2];
	static unsigned char mapped[PMD_PAGES];
	struct live_agent *agents;
	int n, i, j, nr = thp_live_regions(regions, 512);

	memset(fm, 0, sizeof(*fm));
	memset(mapped, 0, sizeof(mapped));
	fm->head = f->pfn;
	fm->nr = 1UL << f->order;
	fm->mapped = mapped;
	agents = thp_live_agents(&n);
	for (i = 0; i < n; i++)
		for (j = 0; j < nr; j++)
			count_range(&agents[i], regions[j][0], regions[j][1], fm);
}

static int folio_tostring(lua_State *L)
{
	char buf[200];

	snprintf(buf, sizeof(buf), "folio pfn %#llx order %lld: mapcount %lld (entire %lld)",
		 field(L, "pfn"), field(L, "order"), field(L, "mapcount"),
		 field(L, "entire_mapcount"));
	lua_pushstring(L, buf);
	return 1;
}

/* folio(addr | {pfn=N}) -> the folio as the compound flags and the pagemaps show it. */
int livecmd_folio(lua_State *L)
{
	struct live_agent *a = thp_live_task(L, 2, "folio");
	unsigned long addr, i, pages = 0;
	uint64_t pfn = arg_pfn(L, 1, "folio", a, &addr);
	struct folio_maps fm;
	struct live_folio f;
	int zero, large;

	if (live_folio_of(pfn, &f))
		return thp_errorf(L, "folio: pfn %#llx changed while it was read",
				  (unsigned long long)pfn);
	zero = (f.flags >> KPF_ZERO_PAGE) & 1;
	if (zero && f.order == 0)
		return thp_errorf(L, "folio: that is the shared zero page, not a folio");
	large = f.order > 0;
	count_mappings(&f, &fm);
	for (i = 0; i < fm.nr; i++)
		pages += fm.mapped[i];
	thp_new_view(L, "thpsh.livefolio", folio_tostring);
	thp_setint(L, "pfn", (long long)f.pfn);
	thp_setint(L, "order", f.order);
	thp_setint(L, "nr_pages", 1LL << f.order);
	thp_setint(L, "mapcount", zero ? 0 : fm.entire + fm.ptes);
	thp_setint(L, "entire_mapcount", zero ? 0 : fm.entire);
	thp_setint(L, "large_mapcount", large && !zero ? fm.entire + fm.ptes : 0);
	thp_setint(L, "nr_pages_mapped", large && !zero ? (long long)pages : 0);
	thp_setbool(L, "entirely_mapped", large && !zero && fm.entire > 0);
	thp_setbool(L, "anon", (f.flags >> KPF_ANON) & 1);
	thp_setbool(L, "zero", zero);
	return 1;
}
