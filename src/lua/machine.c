/*
 * machine.c - bindings for the machine as a whole: reset, processes,
 * sysfs knobs, check(), and the helpers every mm binding uses.
 *
 * The simulated kernel never sees Lua.  Its BUGs reach us through
 * mm_set_bug_handler(): the handler forgets the kernel call frames the
 * longjmp skips and raises a Lua error, so the shell survives a
 * simulator bug (reset() then gives a clean machine).
 */
#include "machine.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "shadow.h"
#include "util.h"
#include "mm/check.h"
#include "mm/internal.h"
#include "mm/thp_sysfs.h"

static lua_State *bug_L;
static int booted;

static void raise_bug(const char *msg)
{
	ktrace_unwind();
	thp_errorf(bug_L, "%s (the simulated machine may be inconsistent: reset())", msg);
}

static void boot(lua_State *L, unsigned long mem, int nodes)
{
	int err = mm_boot(mem, nodes);

	if (err)
		thp_errorf(L, "reset: cannot build a machine of %lu bytes on %d nodes (%s)",
			   mem, nodes, thp_errname(err));
	shadow_reset();
	booted = 1;
}

struct task_struct *thp_task(lua_State *L)
{
	bug_L = L;
	mm_set_bug_handler(raise_bug);
	if (!booted)
		boot(L, 4UL << 30, 1);
	return current;
}

struct task_struct *thp_opt_task(lua_State *L, int arg, const char *cmd)
{
	struct task_struct *t = thp_task(L);
	int pid;

	if (lua_isnoneornil(L, arg))
		return t;
	luaL_checktype(L, arg, LUA_TTABLE);
	if (lua_getfield(L, arg, "pid") == LUA_TNIL) {
		lua_pop(L, 1);
		return t;
	}
	pid = (int)luaL_checkinteger(L, -1);
	lua_pop(L, 1);
	t = find_task_by_vpid(pid);
	if (!t)
		thp_errorf(L, "%s: no process %d", cmd, pid);
	return t;
}

int thp_errorf(lua_State *L, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	luaL_where(L, 1);
	lua_pushstring(L, msg);
	lua_concat(L, 2);
	return lua_error(L);
}

void thp_check_mutable(lua_State *L, const char *cmd)
{
	if (kbreak_depth > 0)
		thp_errorf(L, "%s: refused inside a breakpoint (the machine is mid-operation; "
			   "inspect, then continue)", cmd);
}

const char *thp_errname(int err)
{
	switch (-err) {
	case 0: return "OK";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case ESRCH: return "ESRCH";
	case EIO: return "EIO";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case EINVAL: return "EINVAL";
	case ENOSPC: return "ENOSPC";
	default: return "E?";
	}
}

void thp_new_view(lua_State *L, const char *name, lua_CFunction tostring)
{
	lua_newtable(L);
	if (luaL_newmetatable(L, name)) {
		lua_pushcfunction(L, tostring);
		lua_setfield(L, -2, "__tostring");
	}
	lua_setmetatable(L, -2);
}

void thp_setint(lua_State *L, const char *key, long long v)
{
	lua_pushinteger(L, v);
	lua_setfield(L, -2, key);
}

void thp_setbool(lua_State *L, const char *key, int v)
{
	lua_pushboolean(L, v);
	lua_setfield(L, -2, key);
}

void thp_setstr(lua_State *L, const char *key, const char *v)
{
	lua_pushstring(L, v);
	lua_setfield(L, -2, key);
}

/* reset([opts]): opts.mem (size, default 4G), opts.nodes (1..8). */
int cmd_reset(lua_State *L)
{
	unsigned long mem = 4UL << 30;
	int nodes = 1;

	thp_check_mutable(L, "reset");
	if (!lua_isnoneornil(L, 1)) {
		luaL_checktype(L, 1, LUA_TTABLE);
		if (lua_getfield(L, 1, "mem") != LUA_TNIL)
			mem = (unsigned long)thp_checksize(L, -1, "reset");
		if (lua_getfield(L, 1, "nodes") != LUA_TNIL)
			nodes = (int)luaL_checkinteger(L, -1);
		lua_pop(L, 2);
	}
	if (nodes < 1 || nodes > MAX_NUMNODES)
		return thp_errorf(L, "reset: nodes must be 1..%d, not %d", MAX_NUMNODES, nodes);
	if (mem < 8UL << 20 || mem > 1UL << 40 || mem % ((4UL << 20) * nodes))
		return thp_errorf(L, "reset: mem must be a multiple of %d MiB between 8M and 1T",
				  4 * nodes);
	bug_L = L;
	mm_set_bug_handler(raise_bug);
	boot(L, mem, nodes);
	return 0;
}

/* ps(): the processes, with RSS in kB as ps reports it. */
int cmd_ps(lua_State *L)
{
	struct task_struct *t;
	int i = 0;

	thp_task(L);
	lua_newtable(L);
	list_for_each_entry(t, &task_list, tasks) {
		lua_newtable(L);
		thp_setint(L, "pid", t->pid);
		thp_setint(L, "ppid", t->ppid);
		thp_setstr(L, "comm", t->comm);
		thp_setint(L, "rss", mm_rss(t->mm) * (PAGE_SIZE / 1024));
		thp_setint(L, "vmas", t->mm->map_count);
		thp_setbool(L, "current", t == current);
		lua_rawseti(L, -2, ++i);
	}
	return 1;
}

/*
 * check(): true, or an error naming the first broken invariant: the
 * kernel's (mm_check), then the values each process must read back.
 */
int cmd_check(lua_State *L)
{
	char msg[512];

	thp_task(L);
	if (mm_check(msg, sizeof(msg)) || shadow_check(msg, sizeof(msg)))
		return thp_errorf(L, "check: %s", msg);
	lua_pushboolean(L, 1);
	return 1;
}

/* sysfs(path [, value]): a THP knob, by its path under /sys/kernel/mm/. */
int cmd_sysfs(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	char buf[256];
	int err;

	thp_task(L);
	if (strncmp(path, "/sys/kernel/mm/", 15) == 0)
		path += 15;
	if (lua_isnoneornil(L, 2)) {
		err = thp_sysfs_read(path, buf, sizeof(buf));
		if (err)
			return thp_errorf(L, "sysfs: no attribute %s under /sys/kernel/mm", path);
		lua_pushstring(L, buf);
		return 1;
	}
	thp_check_mutable(L, "sysfs");
	err = thp_sysfs_write(path, luaL_tolstring(L, 2, NULL));
	if (err == -ENOENT)
		return thp_errorf(L, "sysfs: no attribute %s under /sys/kernel/mm", path);
	if (err == -EPERM)
		return thp_errorf(L, "sysfs: %s is read-only", path);
	if (err)
		return thp_errorf(L, "sysfs: %s rejects %s (EINVAL)", path, lua_tostring(L, -1));
	return 0;
}

/* _COMPLETE_STRINGS: the sysfs paths, for Tab inside a string. */
static void add_completions(lua_State *L)
{
	const char *p;
	size_t i;
	int n;

	if (lua_getglobal(L, "_COMPLETE_STRINGS") != LUA_TTABLE) {
		lua_pop(L, 1);
		lua_newtable(L);
		lua_pushvalue(L, -1);
		lua_setglobal(L, "_COMPLETE_STRINGS");
	}
	n = (int)luaL_len(L, -1);
	for (i = 0; (p = thp_sysfs_path(i)); i++) {
		lua_pushstring(L, p);
		lua_rawseti(L, -2, ++n);
	}
	lua_pop(L, 1);
}

void thp_machine_open(lua_State *L)
{
	add_completions(L);
	thp_tracecmds_open(L);
}
