/*
 * tracecmds.c - watching the simulated kernel: trace(), events(),
 * breakpoints, and kallsyms().
 *
 * A breakpoint set without a function stops at a nested prompt
 * (prompt_loop) while the kernel function is mid-way; with a function,
 * it calls it with a context table.  Either way the simulated kernel
 * waits on the C stack below, and mutating commands are refused until
 * it resumes.
 */
#include "machine.h"

#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "prompt.h"
#include "util.h"
#include "mm/huge_mm.h"
#include "mm/internal.h"

static lua_State *hook_L;
static int output_ref = LUA_NOREF;	/* trace{output = fn}, or stdout */

static void trace_line(const char *line, void *arg)
{
	(void)arg;
	if (output_ref == LUA_NOREF) {
		puts(line);
		fflush(stdout);
		return;
	}
	lua_rawgeti(hook_L, LUA_REGISTRYINDEX, output_ref);
	lua_pushstring(hook_L, line);
	if (lua_pcall(hook_L, 1, 0, 0) != LUA_OK) {
		fprintf(stderr, "thpsh: trace output: %s\n", lua_tostring(hook_L, -1));
		lua_pop(hook_L, 1);
	}
}

static void set_output(lua_State *L, int arg)
{
	luaL_unref(L, LUA_REGISTRYINDEX, output_ref);
	output_ref = LUA_NOREF;
	if (lua_isnoneornil(L, arg))
		return;
	luaL_checktype(L, arg, LUA_TFUNCTION);
	lua_pushvalue(L, arg);
	output_ref = luaL_ref(L, LUA_REGISTRYINDEX);
}

static int trace_state(lua_State *L)
{
	int i;

	lua_newtable(L);
	thp_setbool(L, "on", ftrace_graph_on());
	lua_newtable(L);
	for (i = 0; i < ftrace_filter_count(); i++) {
		lua_pushstring(L, ftrace_filter(i));
		lua_rawseti(L, -2, i + 1);
	}
	lua_setfield(L, -2, "filter");
	return 1;
}

static void set_filter(lua_State *L, int arg)
{
	const char *pats[64];
	int n = 0;

	if (lua_isstring(L, arg)) {
		pats[n++] = lua_tostring(L, arg);
	} else {
		int i, len = (int)luaL_len(L, arg);

		if (len > 64)
			thp_errorf(L, "trace: at most 64 filter patterns");
		for (i = 1; i <= len; i++) {
			lua_rawgeti(L, arg, i);
			if (!lua_isstring(L, -1))
				thp_errorf(L, "trace: filter patterns are strings");
			pats[n++] = lua_tostring(L, -1);
			lua_pop(L, 1);
		}
	}
	if (ftrace_set_filter(pats, n))
		thp_errorf(L, "trace: out of memory");
}

/* trace{on =, filter =, output =}: the table form. */
static void trace_table(lua_State *L)
{
	int on = 1;

	if (lua_getfield(L, 1, "filter") != LUA_TNIL) {
		if (!lua_isstring(L, -1) && !lua_istable(L, -1))
			thp_argerror(L, 1, "trace", "filter is a pattern or a list of patterns");
		set_filter(L, lua_gettop(L));
	} else {
		ftrace_set_filter(NULL, 0);
	}
	if (lua_getfield(L, 1, "output") != LUA_TNIL && !lua_isfunction(L, -1))
		thp_argerror(L, 1, "trace", "output is a function");
	set_output(L, lua_gettop(L));
	if (lua_getfield(L, 1, "on") != LUA_TNIL)
		on = lua_toboolean(L, -1);
	lua_pop(L, 3);
	if (on)
		ftrace_graph_start();
	else
		ftrace_graph_stop();
}

/*
 * trace(true|"on") / trace(false|"off") / trace(pattern) /
 * trace{on =, filter =, output =} / trace() -> { on =, filter = }.
 */
int cmd_trace(lua_State *L)
{
	thp_task(L);
	if (lua_isnoneornil(L, 1))
		return trace_state(L);
	if (lua_istable(L, 1)) {
		trace_table(L);
	} else if (lua_isboolean(L, 1)) {
		if (lua_toboolean(L, 1))
			ftrace_graph_start();
		else
			ftrace_graph_stop();
	} else if (lua_type(L, 1) == LUA_TSTRING && !strcmp(lua_tostring(L, 1), "on")) {
		ftrace_graph_start();
	} else if (lua_type(L, 1) == LUA_TSTRING && !strcmp(lua_tostring(L, 1), "off")) {
		ftrace_graph_stop();
	} else if (lua_type(L, 1) == LUA_TSTRING) {
		set_filter(L, 1);
		ftrace_graph_start();
	} else {
		return thp_argerror(L, 1, "trace", "true, false, \"on\", \"off\", a pattern or a table");
	}
	return trace_state(L);
}

static void push_event(lua_State *L, const struct tp_event *ev)
{
	int i;

	lua_newtable(L);
	thp_setstr(L, "name", ev->name);
	for (i = 0; i < ev->nfields; i++) {
		if (ev->f[i].str)
			thp_setstr(L, ev->f[i].key, ev->f[i].str);
		else
			thp_setint(L, ev->f[i].key, ev->f[i].val);
	}
}

/* events(true): clear and record; events(false): stop; events(): the list. */
int cmd_events(lua_State *L)
{
	size_t i, n;

	thp_task(L);
	if (!lua_isnoneornil(L, 1)) {
		luaL_checktype(L, 1, LUA_TBOOLEAN);
		trace_events_record(lua_toboolean(L, 1));
		return 0;
	}
	n = trace_events_count();
	lua_createtable(L, (int)n, 0);
	for (i = 0; i < n; i++) {
		push_event(L, trace_events_get(i));
		lua_rawseti(L, -2, (int)i + 1);
	}
	return 1;
}

static void push_context(lua_State *L, const struct kframe *kf, const struct kbreak *bp)
{
	lua_newtable(L);
	thp_setstr(L, "func", kf->func);
	thp_setstr(L, "at", bp->at_exit ? "exit" : "entry");
	if (kf->addr)
		thp_setint(L, "addr", (long long)kf->addr);
	if (kf->folio)
		thp_setint(L, "folio", (long long)folio_pfn(kf->folio));
}

/* The simulated kernel reached a breakpoint. */
static void breakpoint_hit(const struct kframe *kf, const struct kbreak *bp, void *arg)
{
	lua_State *L = hook_L;
	int top = lua_gettop(L);
	char where[160];

	(void)arg;
	if (bp->cookie == LUA_NOREF) {
		snprintf(where, sizeof(where), "%s%s", kf->func, bp->at_exit ? " exit" : "");
		push_context(L, kf, bp);
		lua_setglobal(L, "bp");
		printf("breakpoint: %s() %s", kf->func, bp->at_exit ? "returning" : "entered");
		if (kf->addr)
			printf(", addr %#lx", kf->addr);
		if (kf->folio)
			printf(", folio pfn %#lx", folio_pfn(kf->folio));
		printf(" (inspect, then continue; the context is in bp)\n");
		prompt_loop(L, where);
	} else {
		lua_rawgeti(L, LUA_REGISTRYINDEX, bp->cookie);
		push_context(L, kf, bp);
		if (lua_pcall(L, 1, 0, 0) != LUA_OK)
			fprintf(stderr, "thpsh: breakpoint %s: %s\n", kf->func,
				lua_tostring(L, -1));
	}
	lua_settop(L, top);
}

static bool check_when(lua_State *L, int arg)
{
	static const char *const when[] = { "entry", "exit", NULL };

	return luaL_checkoption(L, arg, "entry", when) == 1;
}

/*
 * breakpoint(func [, "entry"|"exit"] [, fn]): stop in a simulated
 * kernel function; fn(ctx) is called there, or a nested prompt opens.
 */
int cmd_breakpoint(lua_State *L)
{
	const char *func = luaL_checkstring(L, 1);
	int fn_arg = 2, cookie = LUA_NOREF, err;
	bool at_exit = false;

	thp_task(L);
	if (lua_type(L, 2) == LUA_TSTRING) {
		at_exit = check_when(L, 2);
		fn_arg = 3;
	}
	if (!lua_isnoneornil(L, fn_arg)) {
		luaL_checktype(L, fn_arg, LUA_TFUNCTION);
		lua_pushvalue(L, fn_arg);
		cookie = luaL_ref(L, LUA_REGISTRYINDEX);
	}
	err = kbreak_add(func, at_exit, cookie);
	if (err) {
		luaL_unref(L, LUA_REGISTRYINDEX, cookie);
		if (err == -EINVAL)
			return thp_errorf(L, "breakpoint: no simulated kernel function %s "
					  "(kallsyms() lists them)", func);
		if (err == -EEXIST)
			return thp_errorf(L, "breakpoint: %s already has one at %s", func,
					  at_exit ? "exit" : "entry");
		return thp_errorf(L, "breakpoint: too many breakpoints");
	}
	return 0;
}

/* breakpoints() -> { { func =, at = }, ... } */
int cmd_breakpoints(lua_State *L)
{
	size_t i;

	thp_task(L);
	lua_newtable(L);
	for (i = 0; i < kbreak_count(); i++) {
		const struct kbreak *bp = kbreak_get(i);

		lua_newtable(L);
		thp_setstr(L, "func", bp->func);
		thp_setstr(L, "at", bp->at_exit ? "exit" : "entry");
		thp_setbool(L, "callback", bp->cookie != LUA_NOREF);
		lua_rawseti(L, -2, (int)i + 1);
	}
	return 1;
}

/* clear(func [, "entry"|"exit"]) -> true if a breakpoint was removed; clear() removes all. */
int cmd_clear(lua_State *L)
{
	int cookie;

	thp_task(L);
	if (lua_isnoneornil(L, 1)) {
		while (kbreak_count()) {
			const struct kbreak *bp = kbreak_get(0);

			kbreak_del(bp->func, bp->at_exit, &cookie);
			luaL_unref(L, LUA_REGISTRYINDEX, cookie);
		}
		return 0;
	}
	if (kbreak_del(luaL_checkstring(L, 1), check_when(L, 2), &cookie)) {
		lua_pushboolean(L, 0);
		return 1;
	}
	luaL_unref(L, LUA_REGISTRYINDEX, cookie);
	lua_pushboolean(L, 1);
	return 1;
}

/* kallsyms() -> { { name =, file = }, ... } every simulated kernel function. */
int cmd_kallsyms(lua_State *L)
{
	size_t i;

	lua_createtable(L, (int)nr_ksyms, 0);
	for (i = 0; i < nr_ksyms; i++) {
		lua_newtable(L);
		thp_setstr(L, "name", ksyms[i].name);
		thp_setstr(L, "file", ksyms[i].file);
		lua_rawseti(L, -2, (int)i + 1);
	}
	return 1;
}

void thp_tracecmds_open(lua_State *L)
{
	hook_L = L;
	kbreak_set_hook(breakpoint_hit, NULL);
	ftrace_set_output(trace_line, NULL);
}
