/*
 * vmstat.c - the event counters and the mTHP per-size stats.
 *
 * The kernel keeps these per CPU and sums them when read; thpsh has
 * one CPU, so a plain array is the sum.
 */
#include "vmstat.h"

#include <string.h>

#define X_NAME(id, name) name,
const char *const vm_event_names[NR_VM_EVENT_ITEMS] = { VM_EVENT_ITEMS(X_NAME) };
const char *const node_stat_names[NR_VM_NODE_STAT_ITEMS] = { NODE_STAT_ITEMS(X_NAME) };
const char *const mthp_stat_names[__MTHP_STAT_COUNT] = { MTHP_STAT_ITEMS(X_NAME) };
#undef X_NAME

unsigned long vm_events[NR_VM_EVENT_ITEMS];
long mthp_stats[NR_PAGE_ORDERS][__MTHP_STAT_COUNT];

bool vmstat_item_print_in_thp(enum node_stat_item item)
{
	return item == NR_ANON_THPS || item == NR_FILE_THPS ||
	       item == NR_SHMEM_THPS || item == NR_SHMEM_PMDMAPPED ||
	       item == NR_FILE_PMDMAPPED;
}

void vmstat_reset(void)
{
	memset(vm_events, 0, sizeof(vm_events));
	memset(mthp_stats, 0, sizeof(mthp_stats));
}
