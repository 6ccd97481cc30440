/*
 * memcgcmds.c - memory cgroups and NUMA placement: memcg, memcg_attach,
 * set_mempolicy.
 *
 * A group has a memory.max and its own deferred split queue (6.18's
 * CONFIG_MEMCG branch of get_deferred_split_queue); a THP fault whose
 * charge would exceed memory.max falls back to a 4 KiB page
 * (thp_fault_fallback_charge).
 */
#include "machine.h"

#include <string.h>

#include <lauxlib.h>

#include "util.h"
#include "mm/internal.h"
#include "mm/memcontrol.h"

static struct mem_cgroup *check_memcg(lua_State *L, int arg, const char *cmd)
{
	const char *name = luaL_checkstring(L, arg);
	struct mem_cgroup *memcg = mem_cgroup_lookup(name);

	if (!memcg)
		thp_errorf(L, "%s: no memory cgroup %s (memcg(\"%s\") creates it)", cmd, name, name);
	return memcg;
}

static void push_memcg(lua_State *L, struct mem_cgroup *memcg)
{
	struct task_struct *t;
	int n = 0;

	lua_newtable(L);
	thp_setstr(L, "name", memcg->name);
	thp_setint(L, "id", memcg->id);
	if (memcg->max == ~0UL)
		thp_setstr(L, "max", "max");
	else
		thp_setint(L, "max", (long long)(memcg->max * PAGE_SIZE));
	thp_setint(L, "usage", (long long)(memcg->usage * PAGE_SIZE));
	thp_setint(L, "deferred_split_queue", (long long)memcg->deferred_split_queue.split_queue_len);
	lua_newtable(L);
	list_for_each_entry(t, &task_list, tasks) {
		if (t->memcg != memcg)
			continue;
		lua_pushinteger(L, t->pid);
		lua_rawseti(L, -2, ++n);
	}
	lua_setfield(L, -2, "procs");
}

/*
 * memcg(name [, { max = size | "max" }]) -> the group: created if new,
 * memory.max set if given.
 */
int cmd_memcg(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1);
	struct mem_cgroup *memcg;
	unsigned long max = 0;
	bool set_max = false;

	thp_task(L);
	if (!*name || strchr(name, '/') || strlen(name) >= MEMCG_NAME_MAX)
		return thp_argerror(L, 1, "memcg", "a name of 1 to 31 characters, without /");
	if (!lua_isnoneornil(L, 2)) {
		luaL_checktype(L, 2, LUA_TTABLE);
		if (lua_getfield(L, 2, "max") != LUA_TNIL) {
			set_max = true;
			if (lua_type(L, -1) == LUA_TSTRING && !strcmp(lua_tostring(L, -1), "max"))
				max = ~0UL;
			else
				max = (unsigned long)thp_checksize(L, lua_gettop(L), "memcg") / PAGE_SIZE;
		}
		lua_pop(L, 1);
	}
	memcg = mem_cgroup_lookup(name);
	if (!memcg || set_max)
		thp_check_mutable(L, "memcg");
	if (!memcg && !(memcg = mem_cgroup_create(name)))
		return thp_errorf(L, "memcg: no room for another group (at most %d)", MAX_MEMCGS - 1);
	if (set_max)
		memcg->max = max;
	push_memcg(L, memcg);
	return 1;
}

/* memcg_attach(name, pid): move a process into a group (new charges go there). */
int cmd_memcg_attach(lua_State *L)
{
	struct mem_cgroup *memcg;
	struct task_struct *t;
	lua_Integer pid;

	thp_task(L);
	memcg = check_memcg(L, 1, "memcg_attach");
	pid = luaL_checkinteger(L, 2);
	t = pid > 0 && pid <= 0x7fffffff ? find_task_by_vpid((int)pid) : NULL;
	if (!t)
		return thp_errorf(L, "memcg_attach: no process %lld", (long long)pid);
	thp_check_mutable(L, "memcg_attach");
	t->memcg = memcg;
	return 0;
}

/* set_mempolicy(node [, opts]): the node a process allocates from first. */
int cmd_set_mempolicy(lua_State *L)
{
	lua_Integer nid = luaL_checkinteger(L, 1);
	struct task_struct *t = thp_opt_task(L, 2, "set_mempolicy");

	if (nid < 0 || nid >= nr_node_ids)
		return thp_errorf(L, "set_mempolicy: no node %lld (the machine has %d)",
				  (long long)nid, nr_node_ids);
	thp_check_mutable(L, "set_mempolicy");
	t->nid = (int)nid;
	return 0;
}
