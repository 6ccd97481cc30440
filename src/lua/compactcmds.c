/*
 * compactcmds.c - compact(): echo 1 > /proc/sys/vm/compact_memory.
 */
#include "machine.h"

#include <lauxlib.h>

#include "util.h"
#include "mm/compaction.h"
#include "mm/internal.h"

/* Free 2 MiB blocks of @nid: order 9, and two per order 10. */
static long long free_2m_blocks(int nid)
{
	return (long long)free_blocks_of_order(nid, 9) + 2 * (long long)free_blocks_of_order(nid, 10);
}

/* The node argument at @arg: -1 for every node. */
static int compact_node_arg(lua_State *L, int arg)
{
	lua_Integer node;

	if (lua_isnoneornil(L, arg))
		return -1;
	if (!lua_isinteger(L, arg))
		return thp_argerror(L, arg, "compact", "node must be an integer");
	node = lua_tointeger(L, arg);
	if (node < 0 || node >= nr_node_ids)
		return thp_errorf(L, "compact: no node %lld (the machine has %d)",
				  (long long)node, nr_node_ids);
	return (int)node;
}

/*
 * compact([node]) -> { migrated, failed, migrate_scanned, free_scanned,
 * isolated, free_2M_before, free_2M_after }: compact_nodes() (or
 * compact_node() of one node), full compaction with MIGRATE_SYNC.
 */
int cmd_compact(lua_State *L)
{
	struct compact_stats sum = { 0 };
	long long before = 0, after = 0;
	int node, nid;

	thp_task(L);
	node = compact_node_arg(L, 1);
	thp_check_mutable(L, "compact");
	lru_add_drain_all();
	for (nid = 0; nid < nr_node_ids; nid++) {
		struct compact_stats st;

		if (node != -1 && nid != node)
			continue;
		before += free_2m_blocks(nid);
		compact_node(nid, &st);
		after += free_2m_blocks(nid);
		sum.migrated += st.migrated;
		sum.failed += st.failed;
		sum.migrate_scanned += st.migrate_scanned;
		sum.free_scanned += st.free_scanned;
		sum.isolated += st.isolated;
	}
	lua_createtable(L, 0, 7);
	thp_setint(L, "migrated", (long long)sum.migrated);
	thp_setint(L, "failed", (long long)sum.failed);
	thp_setint(L, "migrate_scanned", (long long)sum.migrate_scanned);
	thp_setint(L, "free_scanned", (long long)sum.free_scanned);
	thp_setint(L, "isolated", (long long)sum.isolated);
	thp_setint(L, "free_2M_before", before);
	thp_setint(L, "free_2M_after", after);
	return 1;
}
