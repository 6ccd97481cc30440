/*
 * vmstat.h - the counters of /proc/vmstat, /proc/meminfo and the mTHP
 * per-size stats (include/linux/vm_event_item.h, mmzone.h, huge_mm.h).
 *
 * Only the items thpsh moves are listed; their printed names are the
 * kernel's.  Node items are kept in pages, as the kernel does; the THP
 * ones print divided by HPAGE_PMD_NR in /proc/vmstat (vmstat_text's
 * "print in THP units" rule).
 */
#ifndef THPSH_MM_VMSTAT_H
#define THPSH_MM_VMSTAT_H

#include "types.h"

#define VM_EVENT_ITEMS(X)						\
	X(PSWPIN, "pswpin")						\
	X(PSWPOUT, "pswpout")						\
	X(PGALLOC_NORMAL, "pgalloc_normal")				\
	X(PGFREE, "pgfree")						\
	X(PGLAZYFREE, "pglazyfree")					\
	X(PGFAULT, "pgfault")						\
	X(PGMAJFAULT, "pgmajfault")					\
	X(PGLAZYFREED, "pglazyfreed")					\
	X(SLABS_SCANNED, "slabs_scanned")				\
	X(PGMIGRATE_SUCCESS, "pgmigrate_success")			\
	X(PGMIGRATE_FAIL, "pgmigrate_fail")				\
	X(THP_MIGRATION_SUCCESS, "thp_migration_success")		\
	X(THP_MIGRATION_FAIL, "thp_migration_fail")			\
	X(THP_MIGRATION_SPLIT, "thp_migration_split")			\
	X(COMPACTMIGRATE_SCANNED, "compact_migrate_scanned")		\
	X(COMPACTFREE_SCANNED, "compact_free_scanned")			\
	X(COMPACTISOLATED, "compact_isolated")				\
	X(COMPACTSTALL, "compact_stall")				\
	X(COMPACTFAIL, "compact_fail")					\
	X(COMPACTSUCCESS, "compact_success")				\
	X(KCOMPACTD_WAKE, "compact_daemon_wake")			\
	X(KCOMPACTD_MIGRATE_SCANNED, "compact_daemon_migrate_scanned")	\
	X(KCOMPACTD_FREE_SCANNED, "compact_daemon_free_scanned")	\
	X(THP_FAULT_ALLOC, "thp_fault_alloc")				\
	X(THP_FAULT_FALLBACK, "thp_fault_fallback")			\
	X(THP_FAULT_FALLBACK_CHARGE, "thp_fault_fallback_charge")	\
	X(THP_COLLAPSE_ALLOC, "thp_collapse_alloc")			\
	X(THP_COLLAPSE_ALLOC_FAILED, "thp_collapse_alloc_failed")	\
	X(THP_FILE_ALLOC, "thp_file_alloc")				\
	X(THP_FILE_FALLBACK, "thp_file_fallback")			\
	X(THP_FILE_FALLBACK_CHARGE, "thp_file_fallback_charge")		\
	X(THP_FILE_MAPPED, "thp_file_mapped")				\
	X(THP_SPLIT_PAGE, "thp_split_page")				\
	X(THP_SPLIT_PAGE_FAILED, "thp_split_page_failed")		\
	X(THP_DEFERRED_SPLIT_PAGE, "thp_deferred_split_page")		\
	X(THP_UNDERUSED_SPLIT_PAGE, "thp_underused_split_page")		\
	X(THP_SPLIT_PMD, "thp_split_pmd")				\
	X(THP_SCAN_EXCEED_NONE_PTE, "thp_scan_exceed_none_pte")		\
	X(THP_SCAN_EXCEED_SWAP_PTE, "thp_scan_exceed_swap_pte")		\
	X(THP_SCAN_EXCEED_SHARED_PTE, "thp_scan_exceed_share_pte")	\
	X(THP_SPLIT_PUD, "thp_split_pud")				\
	X(THP_ZERO_PAGE_ALLOC, "thp_zero_page_alloc")			\
	X(THP_ZERO_PAGE_ALLOC_FAILED, "thp_zero_page_alloc_failed")	\
	X(THP_SWPOUT, "thp_swpout")					\
	X(THP_SWPOUT_FALLBACK, "thp_swpout_fallback")			\
	X(SWPIN_ZERO, "swpin_zero")					\
	X(SWPOUT_ZERO, "swpout_zero")

#define NODE_STAT_ITEMS(X)						\
	X(NR_ANON_MAPPED, "nr_anon_pages")				\
	X(NR_FILE_MAPPED, "nr_mapped")					\
	X(NR_FILE_PAGES, "nr_file_pages")				\
	X(NR_SWAPCACHE, "nr_swapcached")				\
	X(NR_SHMEM, "nr_shmem")						\
	X(NR_SHMEM_THPS, "nr_shmem_hugepages")				\
	X(NR_SHMEM_PMDMAPPED, "nr_shmem_pmdmapped")			\
	X(NR_FILE_THPS, "nr_file_hugepages")				\
	X(NR_FILE_PMDMAPPED, "nr_file_pmdmapped")			\
	X(NR_ANON_THPS, "nr_anon_transparent_hugepages")		\
	X(NR_PAGETABLE, "nr_page_table_pages")				\
	X(NR_FOLL_PIN_ACQUIRED, "nr_foll_pin_acquired")			\
	X(NR_FOLL_PIN_RELEASED, "nr_foll_pin_released")

#define MTHP_STAT_ITEMS(X)						\
	X(MTHP_STAT_ANON_FAULT_ALLOC, "anon_fault_alloc")		\
	X(MTHP_STAT_ANON_FAULT_FALLBACK, "anon_fault_fallback")		\
	X(MTHP_STAT_ANON_FAULT_FALLBACK_CHARGE, "anon_fault_fallback_charge") \
	X(MTHP_STAT_ANON_FAULT_DECLINED, "anon_fault_declined")		\
	X(MTHP_STAT_ZSWPOUT, "zswpout")					\
	X(MTHP_STAT_SWPIN, "swpin")					\
	X(MTHP_STAT_SWPIN_FALLBACK, "swpin_fallback")			\
	X(MTHP_STAT_SWPIN_FALLBACK_CHARGE, "swpin_fallback_charge")	\
	X(MTHP_STAT_SWPOUT, "swpout")					\
	X(MTHP_STAT_SWPOUT_FALLBACK, "swpout_fallback")			\
	X(MTHP_STAT_SHMEM_ALLOC, "shmem_alloc")				\
	X(MTHP_STAT_SHMEM_FALLBACK, "shmem_fallback")			\
	X(MTHP_STAT_SHMEM_FALLBACK_CHARGE, "shmem_fallback_charge")	\
	X(MTHP_STAT_SPLIT, "split")					\
	X(MTHP_STAT_SPLIT_FAILED, "split_failed")			\
	X(MTHP_STAT_SPLIT_DEFERRED, "split_deferred")			\
	X(MTHP_STAT_NR_ANON, "nr_anon")					\
	X(MTHP_STAT_NR_ANON_PARTIALLY_MAPPED, "nr_anon_partially_mapped")

#define X_ENUM(id, name) id,
enum vm_event_item { VM_EVENT_ITEMS(X_ENUM) NR_VM_EVENT_ITEMS };
enum node_stat_item { NODE_STAT_ITEMS(X_ENUM) NR_VM_NODE_STAT_ITEMS };
enum mthp_stat_item { MTHP_STAT_ITEMS(X_ENUM) __MTHP_STAT_COUNT };
#undef X_ENUM

#define MAX_PAGE_ORDER	10
#define NR_PAGE_ORDERS	(MAX_PAGE_ORDER + 1)

extern const char *const vm_event_names[NR_VM_EVENT_ITEMS];
extern const char *const node_stat_names[NR_VM_NODE_STAT_ITEMS];
extern const char *const mthp_stat_names[__MTHP_STAT_COUNT];

extern unsigned long vm_events[NR_VM_EVENT_ITEMS];
extern long mthp_stats[NR_PAGE_ORDERS][__MTHP_STAT_COUNT];

static inline void count_vm_event(enum vm_event_item item)
{
	vm_events[item]++;
}

static inline void count_vm_events(enum vm_event_item item, long delta)
{
	vm_events[item] += delta;
}

static inline void count_mthp_stat(int order, enum mthp_stat_item item)
{
	if (order > 0 && order < NR_PAGE_ORDERS)
		mthp_stats[order][item]++;
}

static inline void mod_mthp_stat(int order, enum mthp_stat_item item, int delta)
{
	if (order > 0 && order < NR_PAGE_ORDERS)
		mthp_stats[order][item] += delta;
}

/* Node counters live in pglist_data (page_alloc.c). */
void mod_node_page_state(int nid, enum node_stat_item item, long delta);
unsigned long global_node_page_state(enum node_stat_item item);

/* The vmstat_text rule: THP counters print in units of THPs. */
bool vmstat_item_print_in_thp(enum node_stat_item item);

void vmstat_reset(void);

#endif /* THPSH_MM_VMSTAT_H */
