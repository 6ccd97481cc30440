/*
 * compare.c - thpsh --compare: run a script on both backends, each in a
 * fresh Lua state, and diff what they observed.
 *
 * The recording, the normalisation and the diff are Lua
 * (lua/thpsh/compare.lua); this file makes the states: one with the
 * simulated commands, one (or two: a disagreeing live run is repeated
 * once) with the live ones, runs the script in each with its output
 * discarded, and hands the logs to the comparison in the caller's state.
 * Closing a live state ends its session, which restores every setting
 * the script wrote before the next run begins.
 */
#include "live/live.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lualib.h>

#include "compare.h"
#include "livecmds.h"
#include "prompt.h"

static struct {
	const char *path;		/* the script */
	int nargs;
	char **args;			/* its arguments */
	int allow_sysfs;
	void (*open_libraries)(lua_State *L);
} run_cfg;

/* The global arg, as lua.c makes it: arg[0] the script, then its arguments. */
static void push_args(lua_State *L)
{
	int i;

	lua_createtable(L, run_cfg.nargs, 1);
	lua_pushstring(L, run_cfg.path);
	lua_rawseti(L, -2, 0);
	for (i = 0; i < run_cfg.nargs; i++) {
		lua_pushstring(L, run_cfg.args[i]);
		lua_rawseti(L, -2, i + 1);
	}
	lua_setglobal(L, "arg");
}

/* In a fresh state: the backend, the recorder, the script; returns the log. */
static int record_run(lua_State *L)
{
	int live = lua_toboolean(L, 1), status, i;

	run_cfg.open_libraries(L);
	if (live)
		thp_live_open(L, run_cfg.allow_sysfs);
	push_args(L);
	lua_getglobal(L, "require");
	lua_pushstring(L, "thpsh.compare");
	lua_call(L, 1, 1);
	lua_getfield(L, -1, "start");
	lua_pushboolean(L, live);
	lua_call(L, 1, 0);
	if (luaL_loadfile(L, run_cfg.path) != LUA_OK)
		return lua_error(L);
	for (i = 0; i < run_cfg.nargs; i++)
		lua_pushstring(L, run_cfg.args[i]);
	status = prompt_docall(L, run_cfg.nargs, 0);
	lua_getfield(L, -2 + (status == LUA_OK), "finish");
	lua_pushboolean(L, status == LUA_OK);
	if (status == LUA_OK)
		lua_pushnil(L);
	else
		lua_pushvalue(L, -3);
	lua_call(L, 2, 1);
	return 1;
}

/* Send standard output to /dev/null (@quiet) or back; the saved descriptor. */
static int silence(int quiet, int saved)
{
	int null;

	fflush(stdout);
	if (!quiet) {
		dup2(saved, STDOUT_FILENO);
		close(saved);
		return -1;
	}
	saved = dup(STDOUT_FILENO);
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, STDOUT_FILENO);
		close(null);
	}
	return saved;
}

/* run(backend) in the comparing state: the log of one run, "sim" or "live". */
static int run_backend(lua_State *M)
{
	static const char *const backends[] = { "sim", "live", NULL };
	int live = luaL_checkoption(M, 1, NULL, backends), status, saved;
	lua_State *L = luaL_newstate();

	if (!L)
		return luaL_error(M, "--compare: not enough memory");
	saved = silence(1, -1);
	lua_pushcfunction(L, record_run);
	lua_pushboolean(L, live);
	status = lua_pcall(L, 1, 1, 0);
	silence(0, saved);
	if (status == LUA_OK)
		lua_pushstring(M, lua_tostring(L, -1));
	else
		lua_pushfstring(M, "--compare: the %s run failed: %s",
				live ? "live" : "simulated", lua_tostring(L, -1));
	lua_close(L);
	return status == LUA_OK ? 1 : lua_error(M);
}

int thp_compare(lua_State *L, const char *path, int nargs, char **args, int allow_sysfs,
		void (*open_libraries)(lua_State *L))
{
	const char *why = thp_live_unusable();

	if (!strcmp(path, "-"))
		return luaL_error(L, "--compare runs the script twice: give a file, not "
				  "standard input");
	if (why)
		return luaL_error(L, "--compare: the live kernel cannot be used: %s", why);
	run_cfg.path = path;
	run_cfg.nargs = nargs;
	run_cfg.args = args;
	run_cfg.allow_sysfs = allow_sysfs;
	run_cfg.open_libraries = open_libraries;
	open_libraries(L);
	lua_getglobal(L, "require");
	lua_pushstring(L, "thpsh.compare");
	lua_call(L, 1, 1);
	lua_getfield(L, -1, "main");
	lua_pushcfunction(L, run_backend);
	lua_pushstring(L, path);
	lua_call(L, 2, 1);
	return lua_toboolean(L, -1);
}
