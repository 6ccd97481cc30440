/*
 * collapsecmds.c - collapsing small pages into THPs: khugepaged() and
 * the "collapse" advice of madvise().
 *
 * Both can say, PMD range by PMD range, why a range was or was not
 * collapsed (anonymous memory by its PTEs, shmem by its page cache):
 * the kernel's scan result (SCAN_EXCEED_NONE_PTE, ...), the
 * status its tracepoints print for it (exceed_none_pte), the counts the
 * scan made and the reason in words ("pte 100: 1 none or zero-page PTEs
 * > max_ptes_none 0").
 */
#include "machine.h"

#include <lauxlib.h>

#include "mm/khugepaged.h"
#include "mm/huge_mm.h"

/* One collapse_report as a table. */
static void push_report(lua_State *L, const struct collapse_report *r)
{
	lua_createtable(L, 0, 11);
	thp_setint(L, "pid", r->pid);
	thp_setint(L, "addr", (long long)r->start);
	thp_setint(L, "len", (long long)(r->end - r->start));
	thp_setstr(L, "by", r->by_khugepaged ? "khugepaged" : "madvise");
	thp_setstr(L, "result", scan_result_name(r->result));
	thp_setstr(L, "status", scan_result_status(r->result));
	thp_setbool(L, "event", r->traced);
	if (r->traced && r->file) {
		thp_setint(L, "present", r->present);
		thp_setint(L, "swap", 0);
		if (r->then != NR_SCAN_RESULTS)
			thp_setstr(L, "then", scan_result_name(r->then));
	} else if (r->traced) {
		thp_setint(L, "none_or_zero", r->none_or_zero);
		thp_setint(L, "referenced", r->referenced);
		thp_setint(L, "unmapped", r->unmapped);
	}
	if (r->pfn >= 0)
		thp_setint(L, "pfn", r->pfn);
	thp_setstr(L, "why", r->why);
}

/* The reports made since collapse_report_start(), as a list; stops reporting. */
static void push_reports(lua_State *L)
{
	size_t i, n = collapse_report_count();

	collapse_report_stop();
	lua_createtable(L, (int)n, 0);
	for (i = 0; i < n; i++) {
		push_report(L, collapse_report_get(i));
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
}

/*
 * madvise(addr, len, "collapse") -> 0 or -errno, its name, and the
 * report of every PMD range (the caller has checked the range).
 */
int thp_madvise_collapse(lua_State *L, struct mm_struct *mm, unsigned long addr,
			 unsigned long len)
{
	int err;

	collapse_report_start();
	err = do_madvise(mm, addr, len, MADV_COLLAPSE);
	lua_pushinteger(L, err);
	lua_pushstring(L, thp_errname(err));
	push_reports(L);
	return 3;
}

static void push_mm_slots(lua_State *L)
{
	int pids[64], i, n = khugepaged_mm_pids(pids, (int)(sizeof(pids) / sizeof(pids[0])));

	lua_createtable(L, n, 0);
	for (i = 0; i < n; i++) {
		lua_pushinteger(L, pids[i]);
		lua_rawseti(L, -2, i + 1);
	}
}

static unsigned int check_pages(lua_State *L, int idx)
{
	lua_Integer n = luaL_checkinteger(L, idx);

	if (n <= 0 || n > (lua_Integer)~0U)
		thp_errorf(L, "khugepaged: pages_to_scan must be 1..%u", ~0U);
	return (unsigned int)n;
}

/*
 * khugepaged([pages_to_scan | { pages_to_scan =, explain = }]): one
 * wake-up of khugepaged.  Returns the number of THPs it made or, with
 * explain, { collapsed, progress, full_scans, mm_slots, scans }.
 */
int cmd_khugepaged(lua_State *L)
{
	unsigned int pages = khugepaged_pages_to_scan, collapsed = khugepaged_pages_collapsed;
	unsigned int full_scans = khugepaged_full_scans, progress;
	int explain = 0;

	thp_task(L);
	thp_check_mutable(L, "khugepaged");
	if (lua_istable(L, 1)) {
		if (lua_getfield(L, 1, "pages_to_scan") != LUA_TNIL)
			pages = check_pages(L, -1);
		lua_getfield(L, 1, "explain");
		explain = lua_toboolean(L, -1);
		lua_pop(L, 2);
	} else if (!lua_isnoneornil(L, 1)) {
		pages = check_pages(L, 1);
	}
	if (explain)
		collapse_report_start();
	else
		collapse_report_stop();
	progress = khugepaged_do_scan(pages);
	collapsed = khugepaged_pages_collapsed - collapsed;
	if (!explain) {
		lua_pushinteger(L, collapsed);
		return 1;
	}
	lua_createtable(L, 0, 5);
	thp_setint(L, "collapsed", collapsed);
	thp_setint(L, "progress", progress);
	thp_setint(L, "full_scans", khugepaged_full_scans - full_scans);
	push_mm_slots(L);
	lua_setfield(L, -2, "mm_slots");
	push_reports(L);
	lua_setfield(L, -2, "scans");
	return 1;
}
