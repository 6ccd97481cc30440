/*
 * swapcmds.c - the swap device: swapon, swapoff, swap.
 *
 * swapon(size [, kind]) is mkswap and swapon(8) of a fresh device in
 * one: "zram" (the default) or "file", the two kinds the live machine
 * told apart (src/mm/swap.h).  swap() is /proc/swaps, the Swap lines of
 * /proc/meminfo and, beyond what the kernel shows, the slots in use.
 */
#include "machine.h"

#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "util.h"
#include "mm/swap.h"

/* swapon(size [, "zram"|"file"]) */
int cmd_swapon(lua_State *L)
{
	static const char *const kinds[] = { "zram", "file", NULL };
	lua_Integer size = thp_checksize(L, 1, "swapon");
	int file = luaL_checkoption(L, 2, "zram", kinds);
	int err;

	thp_task(L);
	thp_check_mutable(L, "swapon");
	if (size % PAGE_SIZE)
		return thp_argerror(L, 1, "swapon", "not a multiple of 4K");
	if ((unsigned long)size < SWAP_MIN_BYTES)
		return thp_argerror(L, 1, "swapon", "mkswap needs at least 40K");
	if ((unsigned long)size > SWAP_MAX_BYTES)
		return thp_argerror(L, 1, "swapon", "thpsh swaps to at most 64G");
	err = sys_swapon(size, file);
	if (err == -EBUSY)
		return thp_errorf(L, "swapon: %s is on already (EBUSY): thpsh has one swap "
				  "device, swapoff() it first", swap_info->name);
	if (err)
		return thp_errorf(L, "swapon: no host memory for the device's tables (ENOMEM)");
	return 0;
}

/* swapoff(): everything swapped out comes back, then the device goes. */
int cmd_swapoff(lua_State *L)
{
	int err;

	thp_task(L);
	thp_check_mutable(L, "swapoff");
	if (!swap_info)
		return thp_errorf(L, "swapoff: no swap device is on (EINVAL)");
	err = sys_swapoff();
	if (err)
		return thp_errorf(L, "swapoff: the swapped-out pages do not fit in free memory "
				  "or in their memcg's memory.max (ENOMEM); nothing changed");
	return 0;
}

static long long field(lua_State *L, int t, const char *key)
{
	long long v;

	lua_getfield(L, t, key);
	v = lua_tointeger(L, -1);
	lua_pop(L, 1);
	return v;
}

/* One line for the device, one per run of slots. */
static int swap_tostring(lua_State *L)
{
	luaL_Buffer b;
	lua_Integer i, n;
	char line[200];

	lua_getfield(L, 1, "filename");
	lua_getfield(L, 1, "type");
	if (lua_isnil(L, -2)) {
		lua_pushliteral(L, "no swap device");
		return 1;
	}
	snprintf(line, sizeof(line), "%s (%s): SwapTotal %lld kB, SwapFree %lld kB, "
		 "SwapCached %lld kB", lua_tostring(L, -2), lua_tostring(L, -1),
		 field(L, 1, "total"), field(L, 1, "free"), field(L, 1, "cached"));
	lua_pop(L, 2);
	lua_getfield(L, 1, "entries");
	n = luaL_len(L, -1);
	luaL_buffinit(L, &b);
	luaL_addstring(&b, line);
	for (i = 1; i <= n; i++) {
		int t;

		lua_rawgeti(L, 2, i);
		t = lua_gettop(L);
		lua_getfield(L, t, "cached");
		lua_getfield(L, t, "zero");
		snprintf(line, sizeof(line), "\n  slots %#llx..%#llx (%lld): count %lld%s%s",
			 field(L, t, "offset"), field(L, t, "offset") + field(L, t, "nr") - 1,
			 field(L, t, "nr"), field(L, t, "count"),
			 lua_isnil(L, -2) ? "" : ", in the swap cache",
			 lua_toboolean(L, -1) ? ", zero-filled" : "");
		lua_pop(L, 3);
		luaL_addstring(&b, line);
	}
	luaL_pushresult(&b);
	return 1;
}

/* Do slots @a and @b belong to one run: same count, cache and zeromap state? */
static bool same_run(const struct swap_info_struct *si, unsigned long a, unsigned long b)
{
	return si->swap_map[a] == si->swap_map[b] &&
	       !si->swap_cache[a] == !si->swap_cache[b] &&
	       !!(si->zeromap[a / 64] & BIT(a % 64)) == !!(si->zeromap[b / 64] & BIT(b % 64));
}

/* The slots in use, as runs of consecutive slots alike. */
static void push_entries(lua_State *L, const struct swap_info_struct *si)
{
	unsigned long offset = 1, end;
	int k = 0;

	lua_newtable(L);
	while (offset < si->max) {
		if (!si->swap_map[offset]) {
			offset++;
			continue;
		}
		for (end = offset + 1; end < si->max && same_run(si, offset, end); end++)
			;
		lua_newtable(L);
		thp_setint(L, "offset", (long long)offset);
		thp_setint(L, "nr", (long long)(end - offset));
		thp_setint(L, "count", si->swap_map[offset] & ~SWAP_HAS_CACHE);
		if (si->swap_cache[offset])
			thp_setint(L, "cached", (long long)folio_pfn(si->swap_cache[offset]));
		thp_setbool(L, "zero", !!(si->zeromap[offset / 64] & BIT(offset % 64)));
		lua_rawseti(L, -2, ++k);
		offset = end;
	}
	lua_setfield(L, -2, "entries");
}

/* swap() -> /proc/swaps and the Swap lines of /proc/meminfo, kB; the slots in use. */
int cmd_swap(lua_State *L)
{
	const struct swap_info_struct *si = swap_info;
	const long kb = PAGE_SIZE / 1024;

	thp_task(L);
	thp_new_view(L, "thpsh.swap", swap_tostring);
	thp_setint(L, "total", total_swap_pages() * kb);
	thp_setint(L, "free", get_nr_swap_pages() * kb);
	thp_setint(L, "cached", (long long)global_node_page_state(NR_SWAPCACHE) * kb);
	if (!si) {
		lua_newtable(L);
		lua_setfield(L, -2, "entries");
		return 1;
	}
	thp_setstr(L, "filename", si->name);
	thp_setstr(L, "type", si->kind);
	thp_setint(L, "size", (long long)si->pages * kb);
	thp_setint(L, "used", (long long)si->inuse_pages * kb);
	thp_setint(L, "priority", si->prio);
	push_entries(L, si);
	return 1;
}
