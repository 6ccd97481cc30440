/*
 * swap.h - the swap device, its slots and the swap cache
 * (include/linux/swap.h, mm/swap.h, mm/swap_table.h in one place).
 *
 * One device at most (the kernel allows MAX_SWAPFILES), of one of two
 * kinds that the live machine showed apart (FACTS.md "Swap"):
 *
 *   "zram"  a block device with SWP_SYNCHRONOUS_IO: a THP gets a whole
 *           cluster of 512 slots, writes complete at once (reclaim frees
 *           the folio in the same pass), and a fault on an entry only
 *           one PTE holds reads straight into a new folio, an mTHP if
 *           hugepages-<size>kB allows, bypassing the swap cache;
 *   "file"  a swap file: no large entries (a THP is split first), the
 *           write is left to complete (the folio stays in the swap
 *           cache), and faults go through the swap cache.
 *
 * A THP swapped out, slots 512..1023 of a fresh device (slot 0 is the
 * header, so cluster 0 can never hold a THP):
 *
 *   PTE table (after the PMD split)     swap_map[]          data[]
 *   +-------------------------------+   +------+            +--------+
 *   | swap type 0 offset 512  excl  |-->| 512: 1 |  ------> | value  |
 *   | swap type 0 offset 513  excl  |-->| 513: 1 |          | value  |
 *   |  ...                          |   |  ...   |          |  ...   |
 *   +-------------------------------+   +--------+          +--------+
 *
 * A slot's count is the number of swap PTEs that hold its entry (fork
 * adds one per child: swap_duplicate), plus SWAP_HAS_CACHE while a folio
 * in the swap cache holds it (folio->private is then the folio's first
 * entry, PG_swapcache is set, and the cache holds nr_pages references).
 * A slot is free when both are gone.  data[] is the device: the value
 * each page had when written; zeromap marks slots written as a
 * zero-filled page, which nothing is written for (swpout_zero).
 *
 * Simplifications: counts are kept whole (no swap_count_continued), no
 * swap readahead (the live kernel read 8 pages for one fault on a shared
 * entry, FACTS.md), no zswap, no discard, no priorities, no per-CPU
 * clusters: a request takes the lowest cluster that fits.
 */
#ifndef THPSH_MM_SWAP_H
#define THPSH_MM_SWAP_H

#include "internal.h"

/* swap_info_struct.flags, the kernel's values */
#define SWP_WRITEOK		BIT(1)	/* slots may be allocated */
#define SWP_BLKDEV		BIT(6)	/* a block device: large entries allowed */
#define SWP_SYNCHRONOUS_IO	BIT(12)	/* I/O completes before it returns */

#define SWAPFILE_CLUSTER	HPAGE_PMD_NR	/* slots per cluster (CONFIG_THP_SWAP) */
#define SWAP_HAS_CACHE		0x8000	/* in swap_map: a swap cache folio holds the slot */
#define SWAP_MAP_MAX		0x7ffe	/* most swap PTEs one slot counts */

/* mkswap refuses less than 10 pages; thpsh keeps its tables in host memory. */
#define SWAP_MIN_BYTES		(10 * PAGE_SIZE)
#define SWAP_MAX_BYTES		(64UL << 30)

struct swap_cluster_info {
	unsigned int count;		/* slots in use */
	unsigned int order;		/* the order its entries are of, while count > 0 */
};

struct swap_info_struct {
	unsigned long flags;		/* SWP_* */
	signed short prio;		/* -2: swapon without a priority */
	unsigned int type;		/* the entries' type: 0, the first device */
	const char *name;		/* /proc/swaps Filename */
	const char *kind;		/* /proc/swaps Type: partition or file */
	unsigned long max;		/* slots, the header's included */
	unsigned long pages;		/* usable slots: max - 1 */
	unsigned long inuse_pages;	/* slots allocated */
	unsigned short *swap_map;	/* per slot: swap PTEs | SWAP_HAS_CACHE */
	struct swap_cluster_info *cluster_info;	/* per SWAPFILE_CLUSTER slots */
	struct folio **swap_cache;	/* per slot: the folio caching it, or NULL */
	u64 *data;			/* per slot: the value written there */
	unsigned long *zeromap;		/* per slot: written as a zero-filled page */
	unsigned short *memcg_ids;	/* per slot: the memcg it was charged to (swap_cgroup) */
};

/* The swap device, or NULL: swap_info[0] of the kernel. */
extern struct swap_info_struct *swap_info;

static inline swp_entry_t page_swap_entry(struct page *page)
{
	struct folio *folio = page_folio(page);

	return (swp_entry_t){ folio->private + (page - folio_page(folio, 0)) };
}

static inline swp_entry_t folio_swap_entry(const struct folio *folio)
{
	return (swp_entry_t){ folio->private };
}

/* The device an entry belongs to: NULL for a migration entry or no device. */
static inline struct swap_info_struct *swp_swap_info(swp_entry_t entry)
{
	if (!swap_info || swp_type(entry) != swap_info->type ||
	    swp_offset(entry) >= swap_info->max)
		return NULL;
	return swap_info;
}

/* swapfile.c */
int sys_swapon(unsigned long bytes, bool file);
int sys_swapoff(void);
void swap_reset(void);
bool vm_swap_full(void);
long get_nr_swap_pages(void);
long total_swap_pages(void);
int folio_alloc_swap(struct folio *folio);
void put_swap_folio(struct folio *folio, swp_entry_t entry);
int swap_duplicate(swp_entry_t entry);
void swap_free_nr(swp_entry_t entry, int nr_pages);
void free_swap_and_cache_nr(swp_entry_t entry, int nr);
int __swap_count(swp_entry_t entry);
bool folio_free_swap(struct folio *folio);
int swap_pte_batch(pte_t *start_ptep, int max_nr, pte_t pte);
void swapcache_prepare(swp_entry_t entry);
void swap_zeromap_folio_set(struct folio *folio);
void swap_zeromap_folio_clear(struct folio *folio);
int swap_zeromap_batch(swp_entry_t entry, int max_nr, bool *is_zeromap);
u64 swp_entry_value(swp_entry_t entry);

/* swap_state.c */
struct folio *swap_cache_get_folio(swp_entry_t entry);
void swap_cache_add_folio(struct folio *folio, swp_entry_t entry);
void __swap_cache_del_folio(struct folio *folio);
void swap_cache_del_folio(struct folio *folio);
void free_swap_cache(struct folio *folio);
struct folio *swapin_readahead(swp_entry_t entry, struct vm_fault *vmf);
int non_swapcache_batch(swp_entry_t entry, int max_nr);

/* page_io.c */
int swap_writeout(struct folio *folio);
void swap_read_folio(struct folio *folio, swp_entry_t entry);

/* vmscan.c */
int split_folio_to_list(struct folio *folio, struct folio **list, int *nr);

/* memcontrol.c */
int mem_cgroup_swapin_charge_folio(struct folio *folio, struct mm_struct *mm,
				   swp_entry_t entry);

#endif /* THPSH_MM_SWAP_H */
