/*
 * proccmds.c - the commands that make and end processes: fork, proc,
 * exit (ps is in machine.c).
 *
 * pid 1 (init) is there from boot and never exits: on Linux the kernel
 * panics when init does, so exit(1) is refused and reset() is the way
 * to a fresh machine.  Any other process may exit; its children are
 * reparented to init, and if it was the current process its parent
 * becomes current.
 */
#include "machine.h"

#include <lauxlib.h>

#include "shadow.h"
#include "mm/internal.h"

/* The process named by the integer at @arg, or the current one if none. */
static struct task_struct *opt_pid(lua_State *L, int arg, const char *cmd)
{
	struct task_struct *t = thp_task(L);
	lua_Integer pid;

	if (lua_isnoneornil(L, arg))
		return t;
	pid = luaL_checkinteger(L, arg);
	t = pid > 0 && pid <= 0x7fffffff ? find_task_by_vpid((int)pid) : NULL;
	if (!t)
		thp_errorf(L, "%s: no process %lld", cmd, (long long)pid);
	return t;
}

/* fork([pid]) -> the child's pid: a copy of the process, sharing its pages COW. */
int cmd_fork(lua_State *L)
{
	struct task_struct *parent = opt_pid(L, 1, "fork");
	int pid;

	thp_check_mutable(L, "fork");
	pid = kernel_clone(parent);
	if (pid < 0)
		return thp_errorf(L, "fork: out of memory (%s)", thp_errname(pid));
	shadow_fork(parent, find_task_by_vpid(pid));
	lua_pushinteger(L, pid);
	return 1;
}

/* proc(pid): make pid the current process, the one commands act on. */
int cmd_proc(lua_State *L)
{
	struct task_struct *t;

	luaL_checkinteger(L, 1);
	t = opt_pid(L, 1, "proc");
	thp_check_mutable(L, "proc");
	current = t;
	return 0;
}

/* exit([pid]): the process (default: the current one) exits. */
int cmd_exit(lua_State *L)
{
	struct task_struct *t = opt_pid(L, 1, "exit");
	int pid = t->pid;

	thp_check_mutable(L, "exit");
	if (t->pid == 1)
		return thp_errorf(L, "exit: pid 1 is init, which never exits (the kernel would "
				  "panic); reset() gives a fresh machine");
	do_exit(t);
	shadow_exit(pid);
	return 0;
}
