/*
 * swapfile.c - the swap device: swapon, swapoff, allocating slots and
 * counting the references to them (mm/swapfile.c).
 *
 * See swap.h for the picture.  Slots come in clusters of 512; a
 * cluster in use holds entries of one order only, as the kernel's
 * cluster allocator keeps it, so a THP needs a wholly free cluster and
 * fails over to 4K pages when none is left (thp_swpout_fallback).
 */
#include "swap.h"

#include <stdlib.h>

#include "memcontrol.h"
#include "rmap.h"
#include "shmem_fs.h"

#define SWAP_MAP_BAD		0x7fff	/* the header slot: never allocated */
#define TTRS_UNMAPPED		0x2	/* reclaim the swap cache folio if no page table maps it */
#define TTRS_FULL		0x4	/* ... or if swap is more than half full */

struct swap_info_struct *swap_info;

static void swap_info_free(struct swap_info_struct *si)
{
	free(si->swap_map);
	free(si->cluster_info);
	free(si->swap_cache);
	free(si->data);
	free(si->zeromap);
	free(si->memcg_ids);
	free(si);
}

/* A new machine has no swap: whatever the old one swapped dies with it. */
void swap_reset(void)
{
	if (swap_info)
		swap_info_free(swap_info);
	swap_info = NULL;
}

static struct swap_cluster_info *offset_cluster(struct swap_info_struct *si,
					       unsigned long offset)
{
	return &si->cluster_info[offset / SWAPFILE_CLUSTER];
}

/* The header slot and the slots past the end are counted as in use for good. */
static void setup_clusters(struct swap_info_struct *si, unsigned long nr_clusters)
{
	unsigned long past_end = nr_clusters * SWAPFILE_CLUSTER - si->max;

	si->swap_map[0] = SWAP_MAP_BAD;
	si->cluster_info[0].count = 1;
	si->cluster_info[nr_clusters - 1].count += past_end;
}

/*
 * swapon(2) of a freshly mkswap'ed device of @bytes: a zram-like block
 * device, or a swap file.  The first page holds the header, so
 * SwapTotal is @bytes less 4K.  0, -EBUSY (one is on), -EINVAL (size),
 * -ENOMEM.
 */
int sys_swapon(unsigned long bytes, bool file)
{
	struct swap_info_struct *si;
	unsigned long max = bytes >> PAGE_SHIFT;
	unsigned long nr_clusters = (max + SWAPFILE_CLUSTER - 1) / SWAPFILE_CLUSTER;

	KFUNC(0, NULL);
	if (swap_info)
		return -EBUSY;
	if (bytes < SWAP_MIN_BYTES || bytes > SWAP_MAX_BYTES || bytes & ~PAGE_MASK)
		return -EINVAL;
	si = calloc(1, sizeof(*si));
	if (!si)
		return -ENOMEM;
	si->swap_map = calloc(max, sizeof(*si->swap_map));
	si->cluster_info = calloc(nr_clusters, sizeof(*si->cluster_info));
	si->swap_cache = calloc(max, sizeof(*si->swap_cache));
	si->data = calloc(max, sizeof(*si->data));
	si->zeromap = calloc((max + 63) / 64, sizeof(*si->zeromap));
	si->memcg_ids = calloc(max, sizeof(*si->memcg_ids));
	if (!si->swap_map || !si->cluster_info || !si->swap_cache || !si->data ||
	    !si->zeromap || !si->memcg_ids) {
		swap_info_free(si);
		return -ENOMEM;
	}
	si->max = max;
	si->pages = max - 1;
	si->prio = -2;
	si->flags = SWP_WRITEOK;
	if (!file)
		si->flags |= SWP_BLKDEV | SWP_SYNCHRONOUS_IO;
	si->name = file ? "/swapfile" : "/dev/zram0";
	si->kind = file ? "file" : "partition";
	setup_clusters(si, nr_clusters);
	swap_info = si;
	KNOTE("%s: %lu slots of 4K, %lu clusters", si->name, si->pages, nr_clusters);
	return 0;
}

long total_swap_pages(void)
{
	return swap_info ? (long)swap_info->pages : 0;
}

/* SwapFree, in pages. */
long get_nr_swap_pages(void)
{
	return swap_info ? (long)(swap_info->pages - swap_info->inuse_pages) : 0;
}

/* More than half of swap in use: reclaim and faults then drop cached copies. */
bool vm_swap_full(void)
{
	return get_nr_swap_pages() * 2 < total_swap_pages();
}

/* ---- allocating slots ---- */

static bool swap_range_free(struct swap_info_struct *si, unsigned long offset,
			    unsigned long nr)
{
	unsigned long i;

	if (offset + nr > si->max)
		return false;
	for (i = 0; i < nr; i++)
		if (si->swap_map[offset + i])
			return false;
	return true;
}

/* The first naturally aligned free run of 1 << @order slots in cluster @ci. */
static unsigned long alloc_swap_scan_cluster(struct swap_info_struct *si,
					     unsigned long ci, unsigned int order)
{
	unsigned long nr = 1UL << order, offset = ci * SWAPFILE_CLUSTER;
	unsigned long end = offset + SWAPFILE_CLUSTER;

	for (; offset < end; offset += nr)
		if (swap_range_free(si, offset, nr))
			return offset;
	return 0;
}

/*
 * cluster_alloc_swap_entry(): a cluster already holding entries of
 * @order, else a free one, else (order 0 only) any with room.  Only a
 * block device can hold large entries ("Swapfile is not block device so
 * unable to allocate large entries").  0 when nothing fits.
 */
static unsigned long cluster_alloc_swap_entry(struct swap_info_struct *si, unsigned int order)
{
	unsigned long nr_clusters = (si->max + SWAPFILE_CLUSTER - 1) / SWAPFILE_CLUSTER;
	unsigned long ci, offset;
	int pass;

	if (order && !(si->flags & SWP_BLKDEV))
		return 0;
	for (pass = 0; pass < (order ? 2 : 3); pass++) {
		for (ci = 0; ci < nr_clusters; ci++) {
			struct swap_cluster_info *c = &si->cluster_info[ci];

			if ((pass == 0 && (!c->count || c->order != order)) ||
			    (pass == 1 && c->count) ||
			    c->count + (1U << order) > SWAPFILE_CLUSTER)
				continue;
			offset = alloc_swap_scan_cluster(si, ci, order);
			if (offset)
				return offset;
		}
	}
	return 0;
}

static void swap_range_alloc(struct swap_info_struct *si, unsigned long offset,
			     unsigned int order, unsigned short memcg_id)
{
	struct swap_cluster_info *c = offset_cluster(si, offset);
	unsigned long i, nr = 1UL << order;

	if (!c->count)
		c->order = order;
	c->count += nr;
	si->inuse_pages += nr;
	for (i = 0; i < nr; i++) {
		si->swap_map[offset + i] = SWAP_HAS_CACHE;
		si->memcg_ids[offset + i] = memcg_id;
	}
}

/*
 * Give @folio (locked, anonymous, not in the swap cache) one slot per
 * page, consecutive and aligned to its size, and put it in the swap
 * cache.  0, or -ENOMEM: no device, or no room for a folio that big.
 */
int folio_alloc_swap(struct folio *folio)
{
	struct swap_info_struct *si = swap_info;
	unsigned int order = folio_order(folio);
	unsigned long offset;

	KFUNC(0, folio);
	VM_BUG_ON_FOLIO(!folio_test_locked(folio) || folio_test_swapcache(folio), folio);
	if (!si || !(si->flags & SWP_WRITEOK))
		return -ENOMEM;
	offset = cluster_alloc_swap_entry(si, order);
	if (!offset) {
		KNOTE("no room for %ld slots in a row", folio_nr_pages(folio));
		return -ENOMEM;
	}
	swap_range_alloc(si, offset, order, folio_memcg_id(folio));
	swap_cache_add_folio(folio, swp_entry(si->type, offset));
	KNOTE("slots %#lx..%#lx", offset, offset + folio_nr_pages(folio) - 1);
	return 0;
}

static void swap_entry_free(struct swap_info_struct *si, unsigned long offset)
{
	si->swap_map[offset] = 0;
	si->memcg_ids[offset] = 0;
	si->zeromap[offset / 64] &= ~BIT(offset % 64);
	offset_cluster(si, offset)->count--;
	si->inuse_pages--;
}

/* Drop a slot's cache mark, or its last count: free when neither is left. */
static void swap_entry_put(struct swap_info_struct *si, unsigned long offset, bool cache)
{
	unsigned short *map = &si->swap_map[offset];

	VM_BUG_ON(cache ? !(*map & SWAP_HAS_CACHE) : !(*map & ~SWAP_HAS_CACHE));
	*map -= cache ? SWAP_HAS_CACHE : 1;
	if (!*map)
		swap_entry_free(si, offset);
}

/* The swap cache lets go of @folio's slots (from @entry): unused ones are freed. */
void put_swap_folio(struct folio *folio, swp_entry_t entry)
{
	struct swap_info_struct *si = swp_swap_info(entry);
	long i;

	for (i = 0; i < folio_nr_pages(folio); i++)
		swap_entry_put(si, swp_offset(entry) + i, true);
}

/* One more swap PTE holds @entry (fork, try_to_unmap).  0 or -ENOMEM (count full). */
int swap_duplicate(swp_entry_t entry)
{
	struct swap_info_struct *si = swp_swap_info(entry);
	unsigned short *map;

	VM_BUG_ON(!si);
	map = &si->swap_map[swp_offset(entry)];
	VM_BUG_ON(!*map || *map == SWAP_MAP_BAD);
	if ((*map & ~SWAP_HAS_CACHE) == SWAP_MAP_MAX)
		return -ENOMEM;
	(*map)++;
	return 0;
}

/* @nr_pages swap PTEs from @entry are gone (swapped in). */
void swap_free_nr(swp_entry_t entry, int nr_pages)
{
	struct swap_info_struct *si = swp_swap_info(entry);
	int i;

	for (i = 0; i < nr_pages; i++)
		swap_entry_put(si, swp_offset(entry) + i, false);
}

/* How many swap PTEs hold @entry. */
int __swap_count(swp_entry_t entry)
{
	return swp_swap_info(entry)->swap_map[swp_offset(entry)] & ~SWAP_HAS_CACHE;
}

/* Does any PTE still hold one of @folio's slots? */
static bool folio_swapped(struct folio *folio)
{
	swp_entry_t entry = folio_swap_entry(folio);
	long i;

	for (i = 0; i < folio_nr_pages(folio); i++)
		if (__swap_count((swp_entry_t){ entry.val + i }))
			return true;
	return false;
}

/*
 * A locked swap cache folio that no PTE needs on swap any more leaves
 * the swap cache and gives its slots back; it is dirty from now on (its
 * only copy is in memory).  True if it did.
 */
bool folio_free_swap(struct folio *folio)
{
	KFUNC(0, folio);
	VM_BUG_ON_FOLIO(!folio_test_locked(folio), folio);
	if (!folio_test_swapcache(folio) || folio_test_writeback(folio) ||
	    folio_swapped(folio))
		return false;
	swap_cache_del_folio(folio);
	folio_set_dirty(folio);
	return true;
}

/*
 * __try_to_reclaim_swap(): the folio caching @offset, if @flags allow,
 * leaves the swap cache (and is freed if nothing else holds it).
 */
static void __try_to_reclaim_swap(struct swap_info_struct *si, unsigned long offset,
				  int flags)
{
	struct folio *folio = si->swap_cache[offset];

	if (!folio)
		return;
	if (!((flags & TTRS_UNMAPPED) && !folio_mapped(folio)) &&
	    !((flags & TTRS_FULL) && vm_swap_full()))
		return;
	folio_get(folio);
	if (folio_trylock(folio)) {
		folio_free_swap(folio);
		folio_unlock(folio);
	}
	folio_put(folio);
}

/*
 * @nr swap PTEs from @entry were zapped: drop their counts, and a slot
 * left with only an unmapped swap cache folio frees that folio too.
 */
void free_swap_and_cache_nr(swp_entry_t entry, int nr)
{
	struct swap_info_struct *si = swp_swap_info(entry);
	unsigned long offset = swp_offset(entry), i;

	KFUNC(0, NULL);
	for (i = 0; i < (unsigned long)nr; i++)
		swap_entry_put(si, offset + i, false);
	for (i = 0; i < (unsigned long)nr; i++)
		if (si->swap_map[offset + i] == SWAP_HAS_CACHE)
			__try_to_reclaim_swap(si, offset + i, TTRS_UNMAPPED | TTRS_FULL);
	KNOTE("%d swap entries from offset %#lx dropped", nr, offset);
}

/* How many PTEs from @start_ptep hold @pte's entry, the next, ..., flags alike. */
int swap_pte_batch(pte_t *start_ptep, int max_nr, pte_t pte)
{
	swp_entry_t entry = pte_to_swp_entry(pte);
	u64 flags = pte_val(pte) & _PAGE_SWP_FLAGS;
	int nr;

	for (nr = 1; nr < max_nr; nr++) {
		swp_entry_t next = swp_entry(swp_type(entry), swp_offset(entry) + nr);

		if (pte_val(ptep_get(start_ptep + nr)) != (pte_val(swp_entry_to_pte(next)) | flags))
			break;
	}
	return nr;
}

/* The slot of @entry, which PTEs hold and no folio caches, gets its cache mark. */
void swapcache_prepare(swp_entry_t entry)
{
	unsigned short *map = &swp_swap_info(entry)->swap_map[swp_offset(entry)];

	VM_BUG_ON((*map & SWAP_HAS_CACHE) || !*map);
	*map |= SWAP_HAS_CACHE;
}

/* ---- the zeromap: slots written as zero-filled pages ---- */

static bool zeromap_test(struct swap_info_struct *si, unsigned long offset)
{
	return si->zeromap[offset / 64] & BIT(offset % 64);
}

/*
 * What a swap-in of @entry would read: the swap cache page's value, 0
 * for a zero-filled slot, else what was written there.  thpsh's own,
 * for check(): the kernel has no such function.
 */
u64 swp_entry_value(swp_entry_t entry)
{
	struct swap_info_struct *si = swp_swap_info(entry);
	unsigned long offset = swp_offset(entry);
	struct folio *folio = si->swap_cache[offset];

	if (folio)
		return page_value(folio_page(folio, offset - swp_offset(folio_swap_entry(folio))));
	return zeromap_test(si, offset) ? 0 : si->data[offset];
}

static void zeromap_assign(struct swap_info_struct *si, unsigned long offset, bool zero)
{
	if (zero)
		si->zeromap[offset / 64] |= BIT(offset % 64);
	else
		si->zeromap[offset / 64] &= ~BIT(offset % 64);
}

void swap_zeromap_folio_set(struct folio *folio)
{
	unsigned long offset = swp_offset(folio_swap_entry(folio));
	long i;

	for (i = 0; i < folio_nr_pages(folio); i++)
		zeromap_assign(swap_info, offset + i, true);
	count_vm_events(SWPOUT_ZERO, folio_nr_pages(folio));
}

void swap_zeromap_folio_clear(struct folio *folio)
{
	unsigned long offset = swp_offset(folio_swap_entry(folio));
	long i;

	for (i = 0; i < folio_nr_pages(folio); i++)
		zeromap_assign(swap_info, offset + i, false);
}

/* How many slots from @entry are alike in the zeromap; *@is_zeromap says which. */
int swap_zeromap_batch(swp_entry_t entry, int max_nr, bool *is_zeromap)
{
	struct swap_info_struct *si = swp_swap_info(entry);
	unsigned long offset = swp_offset(entry);
	bool first = zeromap_test(si, offset);
	int nr = 1;

	while (nr < max_nr && zeromap_test(si, offset + nr) == first)
		nr++;
	if (is_zeromap)
		*is_zeromap = first;
	return nr;
}

/* ---- swapoff ---- */

/*
 * unuse_pte(): map @folio (locked, holding @entry) at the swap PTE, as
 * do_swap_page would but read-only and old; the swap PTE's count goes.
 */
static void unuse_pte(struct vm_area_struct *vma, pmd_t *pmd, unsigned long addr,
		      swp_entry_t entry, struct folio *folio)
{
	struct page *page = folio_page(folio, swp_offset(entry) -
				       swp_offset(folio_swap_entry(folio)));
	struct mm_struct *mm = vma->vm_mm;
	rmap_t rmap_flags = RMAP_NONE;
	spinlock_t *ptl;
	pte_t *pte, old_pte;

	KFUNC(addr, folio);
	pte = pte_offset_map_lock(mm, pmd, addr, &ptl);
	old_pte = ptep_get(pte);
	add_mm_counter(mm, MM_SWAPENTS, -1);
	add_mm_counter(mm, MM_ANONPAGES, 1);
	folio_get(folio);
	if (pte_swp_exclusive(old_pte))
		rmap_flags = RMAP_EXCLUSIVE;
	if (!folio_test_anon(folio)) {
		folio_add_new_anon_rmap(folio, vma, addr, rmap_flags);
		folio_set_lru(folio);
	} else {
		folio_add_anon_rmap_pte(folio, page, vma, addr, rmap_flags);
	}
	set_pte_at(mm, addr, pte, pte_mkold(pfn_pte(page_to_pfn(page), vma->vm_page_prot)));
	swap_free_nr(entry, 1);
	spin_unlock(ptl);
}

/* Every swap PTE of @vma's PTE table at @pmd, over [addr, end), swapped in. */
static void unuse_pte_range(struct vm_area_struct *vma, pmd_t *pmd, unsigned long addr,
			    unsigned long end)
{
	pte_t *pte = pte_offset_map(pmd, addr);

	for (; addr < end; addr += PAGE_SIZE, pte++) {
		struct vm_fault vmf = { .vma = vma, .address = addr, .pmd = pmd };
		swp_entry_t entry;
		struct folio *folio;

		if (!is_swap_pte(ptep_get(pte)) || is_pte_migration_entry(ptep_get(pte)))
			continue;
		entry = pte_to_swp_entry(ptep_get(pte));
		folio = swap_cache_get_folio(entry);
		if (!folio)
			folio = swapin_readahead(entry, &vmf);
		/* sys_swapoff() made sure the memory is there */
		BUG_ON(!folio);
		folio_lock(folio);
		unuse_pte(vma, pmd, addr, entry, folio);
		folio_free_swap(folio);
		folio_unlock(folio);
		folio_put(folio);
	}
}

static void unuse_vma(struct vm_area_struct *vma)
{
	unsigned long addr, next;

	for (addr = vma->vm_start; addr < vma->vm_end; addr = next) {
		pmd_t *pmd = mm_find_pmd(vma->vm_mm, addr);

		next = pmd_addr_end(addr, vma->vm_end);
		if (pmd && !pmd_none(*pmd) && pmd_present(*pmd) && !pmd_trans_huge(*pmd))
			unuse_pte_range(vma, pmd, addr, next);
	}
}

/* Bring every page back from @si: the shmem files', each mm's, then the swap cache's. */
static void try_to_unuse(struct swap_info_struct *si)
{
	struct task_struct *t;
	struct vm_area_struct *vma;
	unsigned long offset;

	KFUNC(0, NULL);
	/* sys_swapoff() made sure the memory is there */
	BUG_ON(shmem_unuse());
	list_for_each_entry(t, &task_list, tasks)
		for_each_vma(t->mm, vma)
			if (vma->anon_vma)
				unuse_vma(vma);
	for (offset = 1; offset < si->max; offset++) {
		struct folio *folio = si->swap_cache[offset];

		if (!folio)
			continue;
		folio_get(folio);
		folio_lock(folio);
		folio_free_swap(folio);
		folio_unlock(folio);
		folio_put(folio);
	}
	VM_BUG_ON(si->inuse_pages);
}

/* Pages swapoff must allocate: slots held by PTEs or page caches and by no cached folio. */
static unsigned long swapoff_pages_needed(struct swap_info_struct *si,
					  unsigned long *per_memcg)
{
	unsigned long offset, n = 0;

	for (offset = 1; offset < si->max; offset++) {
		unsigned short map = si->swap_map[offset];

		if (!(map & ~SWAP_HAS_CACHE) || (map & SWAP_HAS_CACHE))
			continue;
		n++;
		per_memcg[si->memcg_ids[offset]]++;
	}
	return n;
}

/*
 * swapoff(2): stop allocating, swap everything in (try_to_unuse) and
 * take the device away.  0, -EINVAL (none on), -ENOMEM (the pages or a
 * memcg's memory.max cannot take them: nothing is changed).
 * Simplification: the kernel finds out half-way and leaves what it
 * swapped in; thpsh counts first, so a refused swapoff changes nothing.
 */
int sys_swapoff(void)
{
	struct swap_info_struct *si = swap_info;
	unsigned long per_memcg[MAX_MEMCGS] = { 0 };
	struct mem_cgroup *memcg = NULL;

	KFUNC(0, NULL);
	if (!si)
		return -EINVAL;
	if (swapoff_pages_needed(si, per_memcg) > global_free_pages())
		return -ENOMEM;
	while ((memcg = mem_cgroup_iter(memcg)))
		if (memcg->max != ~0UL && memcg->usage + per_memcg[memcg->id] > memcg->max)
			return -ENOMEM;
	si->flags &= ~SWP_WRITEOK;
	try_to_unuse(si);
	swap_reset();
	return 0;
}
