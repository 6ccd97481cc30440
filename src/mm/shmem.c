/*
 * shmem.c - tmpfs and shared anonymous memory (mm/shmem.c).
 *
 * tmpfs(path, "huge=always,size=64m") mounts a shmem_sb_info; a file
 * on it, or MAP_SHARED|MAP_ANONYMOUS memory (an unlinked "dev/zero"
 * file on shm_mnt, shmem_zero_setup), faults through shmem_fault():
 *
 *   do_fault -> do_shared_fault / do_read_fault -> __do_fault
 *     -> shmem_fault -> shmem_get_folio_gfp: the folio in the page cache,
 *          or shmem_alloc_and_add_folio: the highest order that
 *          shmem_allowable_huge_orders() allows, the VMA fits and the
 *          cache has room for (a 2 MiB folio at a 2 MiB offset: a THP)
 *     -> finish_fault -> do_set_pmd (one PMD, no deposited table)
 *                        or set_pte_range (PTEs)
 *
 * Which orders: a tmpfs mount follows its huge= option alone, and in
 * 6.18 that means PMD-sized folios or pages; shmem on shm_mnt follows
 * transparent_hugepage/shmem_enabled (its huge=) and, for every size,
 * hugepages-<size>kB/shmem_enabled.  Truncation (shmem_setattr_size)
 * and hole punching unmap and drop whole folios and split the partial
 * ones (truncate.c); a split puts the pieces back in the cache and
 * drops those beyond EOF (shmem_split_folio_cache).
 *
 * Swap (shmem_fs.h): reclaim writes a folio out through shmem_writeout
 * and leaves value entries in the cache, a fault swaps them back in
 * through shmem_swapin_folio (a whole THP from zram, as 6.18 does),
 * truncation frees them, swapoff brings them back (shmem_unuse).
 *
 * Not simulated: fallocate but for punching holes, memfd and SysV shm
 * (shared anonymous memory is their twin), the unused-huge shrinker,
 * directories (files live at the root of their mount), unlink.
 */
#include "shmem_fs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "huge_mm.h"
#include "memcontrol.h"
#include "rmap.h"
#include "slab.h"
#include "swap.h"

int shmem_huge;
unsigned long huge_shmem_orders_always;
unsigned long huge_shmem_orders_madvise;
unsigned long huge_shmem_orders_inherit;
unsigned long huge_shmem_orders_within_size;
struct list_head shmem_inodes;

static struct list_head shmem_mounts;
static unsigned long last_ino;		/* get_next_ino()'s counter */
static struct shmem_sb_info shm_mnt;	/* the internal mount: huge follows shmem_enabled */

/* Kconfig defaults: TRANSPARENT_HUGEPAGE_SHMEM_HUGE_NEVER, PMD size inherits. */
void shmem_reset(void)
{
	INIT_LIST_HEAD(&shmem_inodes);
	INIT_LIST_HEAD(&shmem_mounts);
	last_ino = 0;
	memset(&shm_mnt, 0, sizeof(shm_mnt));
	INIT_LIST_HEAD(&shm_mnt.files);
	shmem_huge = SHMEM_HUGE_NEVER;
	shm_mnt.huge = SHMEM_HUGE_NEVER;
	huge_shmem_orders_always = 0;
	huge_shmem_orders_madvise = 0;
	huge_shmem_orders_within_size = 0;
	huge_shmem_orders_inherit = BIT(HPAGE_PMD_ORDER);
}

static int highest_order(unsigned long orders)
{
	return 63 - __builtin_clzl(orders);
}

static int next_order(unsigned long *orders, int prev)
{
	*orders &= ~BIT(prev);
	return *orders ? highest_order(*orders) : 0;
}

static unsigned long size_to_pages(long long size)
{
	return ((unsigned long long)size + PAGE_SIZE - 1) >> PAGE_SHIFT;
}

static unsigned long folio_next_index(const struct folio *folio)
{
	return folio->index + folio_nr_pages(folio);
}

/* ---- mounting ---- */

static const char *const huge_names[] = { "never", "always", "within_size", "advise",
					  "deny", "force" };
static const int huge_values[] = { SHMEM_HUGE_NEVER, SHMEM_HUGE_ALWAYS,
				   SHMEM_HUGE_WITHIN_SIZE, SHMEM_HUGE_ADVISE,
				   SHMEM_HUGE_DENY, SHMEM_HUGE_FORCE };

/* shmem_parse_huge(): a SHMEM_HUGE_* value, or -EINVAL. */
static int shmem_parse_huge(const char *str)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(huge_names); i++)
		if (!strcmp(str, huge_names[i]))
			return huge_values[i];
	return -EINVAL;
}

static const char *shmem_format_huge(int huge)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(huge_values); i++)
		if (huge_values[i] == huge)
			return huge_names[i];
	return "bad_val";
}

/* memparse(): a number with an optional K/M/G/T suffix (any case). */
static int memparse(const char *s, unsigned long long *val, const char **rest)
{
	unsigned long long v;
	char *end;
	int shift = 0;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	v = strtoull(s, &end, 0);
	switch (*end) {
	case 'T': case 't': shift = 40; break;
	case 'G': case 'g': shift = 30; break;
	case 'M': case 'm': shift = 20; break;
	case 'K': case 'k': shift = 10; break;
	}
	if (shift) {
		if (v > ~0ULL >> shift)
			return -EINVAL;
		v <<= shift;
		end++;
	}
	*val = v;
	*rest = end;
	return 0;
}

struct shmem_options {
	unsigned long blocks;		/* size= / nr_blocks= in pages */
	int huge;			/* huge= */
};

/* size=N[KMGT] or size=N%: percent of RAM; nr_blocks=N[KMGT] pages. */
static int shmem_parse_size(const char *key, const char *val, struct shmem_options *ctx)
{
	unsigned long long size;
	const char *rest;

	if (memparse(val, &size, &rest))
		return -EINVAL;
	if (!strcmp(key, "nr_blocks")) {
		if (*rest)
			return -EINVAL;
		ctx->blocks = size;
		return 0;
	}
	if (*rest == '%') {
		size = size * totalram_pages() / 100 * PAGE_SIZE;
		rest++;
	}
	if (*rest)
		return -EINVAL;
	ctx->blocks = size_to_pages(size);
	return 0;
}

/* shmem_parse_one(): one option.  0, or -EINVAL with the kernel's complaint. */
static int shmem_parse_one(char *opt, struct shmem_options *ctx, const char **why)
{
	static const char *const unsimulated[] = { "nr_inodes", "mode", "uid", "gid", "mpol",
		"inode32", "inode64", "noswap", "quota", "usrquota", "grpquota",
		"usrquota_block_hardlimit", "usrquota_inode_hardlimit",
		"grpquota_block_hardlimit", "grpquota_inode_hardlimit", "casefold",
		"strict_encoding" };
	char *val = strchr(opt, '=');
	size_t i;

	if (val)
		*val++ = '\0';
	if (!strcmp(opt, "huge")) {
		ctx->huge = val ? shmem_parse_huge(val) : -EINVAL;
		/* the mount option knows never, always, within_size and advise */
		if (ctx->huge < SHMEM_HUGE_NEVER) {
			*why = "bad value for 'huge' (never, always, within_size or advise)";
			return -EINVAL;
		}
		return 0;
	}
	if (!strcmp(opt, "size") || !strcmp(opt, "nr_blocks")) {
		if (!val || shmem_parse_size(opt, val, ctx)) {
			*why = "bad value for 'size' (bytes with k, m, g or t, or a percentage of RAM)";
			return -EINVAL;
		}
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(unsimulated); i++)
		if (!strcmp(opt, unsimulated[i])) {
			*why = "only the huge= and size= options are simulated";
			return -EINVAL;
		}
	*why = "unknown parameter";
	return -EINVAL;
}

static int shmem_parse_options(const char *options, struct shmem_options *ctx,
			       const char **why)
{
	char buf[256], *opt, *save = NULL;

	if (strlen(options) >= sizeof(buf)) {
		*why = "the options are too long";
		return -EINVAL;
	}
	snprintf(buf, sizeof(buf), "%s", options);
	for (opt = strtok_r(buf, ",", &save); opt; opt = strtok_r(NULL, ",", &save))
		if (shmem_parse_one(opt, ctx, why))
			return -EINVAL;
	return 0;
}

struct shmem_sb_info *shmem_mount_iter(struct shmem_sb_info *prev)
{
	struct list_head *next = prev ? prev->mounts.next : shmem_mounts.next;

	return next == &shmem_mounts ? NULL : list_entry(next, struct shmem_sb_info, mounts);
}

struct shmem_sb_info *shmem_mount_lookup(const char *path)
{
	struct shmem_sb_info *sb = NULL;

	while ((sb = shmem_mount_iter(sb)))
		if (!strcmp(sb->path, path))
			return sb;
	return NULL;
}

/* Is @a the same as @b or a directory above it? */
static bool path_covers(const char *a, const char *b)
{
	size_t n = strlen(a);

	return !strncmp(a, b, n) && (b[n] == '\0' || b[n] == '/');
}

/*
 * Mount a tmpfs at @path (absolute, no trailing slash) with the mount
 * options @options.  0; -EINVAL with *@why for a bad option; -EBUSY if
 * @path is a mount, or inside or above one (no directories here).
 */
int shmem_mount(const char *path, const char *options, const char **why)
{
	struct shmem_options ctx = { .blocks = totalram_pages() / 2,
				     .huge = SHMEM_HUGE_NEVER };
	struct shmem_sb_info *sb = NULL;

	if (shmem_parse_options(options, &ctx, why))
		return -EINVAL;
	while ((sb = shmem_mount_iter(sb)))
		if (path_covers(sb->path, path) || path_covers(path, sb->path)) {
			*why = strcmp(sb->path, path) ? "a tmpfs is mounted above or below it "
				"(directories are not simulated)" : "a tmpfs is mounted there already";
			return -EBUSY;
		}
	sb = kzalloc(sizeof(*sb));
	if (!sb) {
		*why = "out of host memory";
		return -ENOMEM;
	}
	snprintf(sb->path, sizeof(sb->path), "%s", path);
	sb->huge = ctx.huge;
	sb->max_blocks = ctx.blocks;
	INIT_LIST_HEAD(&sb->files);
	list_add_tail(&sb->mounts, &shmem_mounts);
	return 0;
}

/* ---- files ---- */

/* The mount a file path lies in: its directory must be the mount point. */
static struct shmem_sb_info *shmem_path_mount(const char *path)
{
	const char *slash = strrchr(path, '/');
	struct shmem_sb_info *sb = NULL;

	if (!slash || !slash[1])
		return NULL;
	while ((sb = shmem_mount_iter(sb)))
		if (strlen(sb->path) == (size_t)(slash - path) &&
		    !strncmp(sb->path, path, slash - path))
			return sb;
	return NULL;
}

struct shmem_file *shmem_file_lookup(const char *path)
{
	struct shmem_sb_info *sb = shmem_path_mount(path);
	struct shmem_file *file;

	if (!sb)
		return NULL;
	list_for_each_entry(file, &sb->files, sb_list)
		if (!strcmp(file->name, path))
			return file;
	return NULL;
}

/* shmem_get_inode(): a new empty file of @size on @sb, with one reference. */
static struct shmem_file *shmem_get_inode(struct shmem_sb_info *sb, const char *name,
					  long long size)
{
	struct shmem_file *file = kzalloc(sizeof(*file));

	if (!file)
		return NULL;
	file->f_mapping.host = file;
	file->i_ino = ++last_ino;
	snprintf(file->name, sizeof(file->name), "%s", name);
	file->sb = sb;
	file->i_size = size;
	file->f_count = 1;
	list_add_tail(&file->sb_list, &sb->files);
	list_add_tail(&file->all, &shmem_inodes);
	return file;
}

/*
 * open(path, O_CREAT|O_RDWR): the file, with a reference for the caller
 * (fput when done).  A new one is @size bytes long.  NULL and *@err:
 * -ENOENT (no tmpfs mounted at its directory), -ENOMEM.
 */
struct shmem_file *shmem_file_open(const char *path, long long size, int *err)
{
	struct shmem_sb_info *sb = shmem_path_mount(path);
	struct shmem_file *file = shmem_file_lookup(path);

	*err = 0;
	if (file)
		return get_file(file);
	if (!sb) {
		*err = -ENOENT;
		return NULL;
	}
	file = shmem_get_inode(sb, path, size);
	if (!file) {
		*err = -ENOMEM;
		return NULL;
	}
	file->linked = true;
	file->f_count++;	/* the directory entry's */
	return file;
}

/* The name goes; the file goes when nothing maps it any more. */
void shmem_unlink(struct shmem_file *file)
{
	VM_BUG_ON(!file->linked);
	file->linked = false;
	list_del_init(&file->sb_list);
	fput(file);
}

struct shmem_file *get_file(struct shmem_file *file)
{
	file->f_count++;
	return file;
}

static void shmem_truncate_range(struct shmem_file *file, long long lstart, long long lend);

/* shmem_evict_inode(): the last reference went: free its pages and it. */
static void shmem_evict_inode(struct shmem_file *file)
{
	KFUNC(0, NULL);
	VM_BUG_ON(file->f_mapping.i_mmap.node);
	file->i_size = 0;
	shmem_truncate_range(file, 0, -1);
	VM_BUG_ON(file->f_mapping.nrpages || file->alloced);
	list_del_init(&file->sb_list);
	list_del_init(&file->all);
	kfree(file);
}

void fput(struct shmem_file *file)
{
	VM_BUG_ON(file->f_count <= 0);
	if (--file->f_count == 0)
		shmem_evict_inode(file);
}

/*
 * MAP_SHARED|MAP_ANONYMOUS: give @vma an unlinked file on shm_mnt as
 * large as the mapping; the VMA holds its only reference.  0 or -ENOMEM.
 */
int shmem_zero_setup(struct vm_area_struct *vma)
{
	struct shmem_file *file;

	KFUNC(vma->vm_start, NULL);
	file = shmem_get_inode(&shm_mnt, "dev/zero", vma->vm_end - vma->vm_start);
	if (!file)
		return -ENOMEM;
	if (vma->vm_file)
		fput(vma->vm_file);
	vma->vm_file = file;
	return 0;
}

/* ---- accounting of a mount's blocks ---- */

/* shmem_inode_acct_blocks(): charge @pages to the mount; -ENOSPC when full. */
static int shmem_inode_acct_blocks(struct shmem_file *file, long pages)
{
	struct shmem_sb_info *sb = file->sb;

	if (sb->max_blocks && sb->used_blocks + pages > sb->max_blocks)
		return -ENOSPC;
	sb->used_blocks += pages;
	return 0;
}

/*
 * shmem_recalc_inode(): give back the blocks of pages that left the
 * cache and are not on swap either (a swapped page keeps its block).
 */
void shmem_recalc_inode(struct shmem_file *file)
{
	long freed = file->alloced - file->swapped - file->f_mapping.nrpages;

	if (freed <= 0)
		return;
	file->alloced -= freed;
	file->sb->used_blocks -= freed;
}

/*
 * shmem_charge(): @pages more pages in @file's cache than it allocated
 * (the holes a collapse filled): charge them to the mount.  False when
 * it is full.
 */
bool shmem_charge(struct shmem_file *file, long pages)
{
	if (shmem_inode_acct_blocks(file, pages))
		return false;
	file->alloced += pages;
	file->f_mapping.nrpages += pages;
	return true;
}

/* shmem_uncharge(): undo shmem_charge() of @pages. */
void shmem_uncharge(struct shmem_file *file, long pages)
{
	file->f_mapping.nrpages -= pages;
	shmem_recalc_inode(file);
}

/* ---- which folio sizes ---- */

/* The orders whose folio at @index would lie within i_size (or @write_end). */
static unsigned long shmem_get_orders_within_size(struct shmem_file *file,
						  unsigned long within_size_orders,
						  unsigned long index, long long write_end)
{
	unsigned long orders = within_size_orders;
	int order;

	if (!orders)
		return 0;
	for (order = highest_order(orders); orders; order = next_order(&orders, order)) {
		unsigned long aligned_index = ALIGN(index + 1, 1UL << order);
		long long i_size = max(write_end, file->i_size);

		if (size_to_pages(i_size) >= aligned_index)
			return orders;
	}
	return 0;
}

/*
 * The orders the mount's huge= option (or shmem_enabled for shm_mnt)
 * gives: PMD-sized only in 6.18 (FACTS.md "shmem THP, more": a hole in
 * a huge=always file refaults by 4K pages; the newer tree also falls
 * back to smaller large folios there).
 */
static unsigned long shmem_huge_global_enabled(struct shmem_file *file, unsigned long index,
					       long long write_end, bool shmem_huge_force,
					       unsigned long vm_flags)
{
	const unsigned long maybe_pmd_order = BIT(HPAGE_PMD_ORDER);

	if (shmem_huge == SHMEM_HUGE_DENY)
		return 0;
	if (shmem_huge_force || shmem_huge == SHMEM_HUGE_FORCE)
		return maybe_pmd_order;
	switch (file->sb->huge) {
	case SHMEM_HUGE_ALWAYS:
		return maybe_pmd_order;
	case SHMEM_HUGE_WITHIN_SIZE:
		return shmem_get_orders_within_size(file, maybe_pmd_order, index, write_end);
	case SHMEM_HUGE_ADVISE:
		return vm_flags & VM_HUGEPAGE ? maybe_pmd_order : 0;
	default:
		return 0;
	}
}

/*
 * The folio orders a fault at @index may allocate: tmpfs by its mount
 * option alone; anonymous shmem by the per-size shmem_enabled too.
 */
unsigned long shmem_allowable_huge_orders(struct shmem_file *file,
					  struct vm_area_struct *vma, unsigned long index,
					  long long write_end, bool shmem_huge_force)
{
	unsigned long mask = huge_shmem_orders_always;
	unsigned long vm_flags = vma ? vma->vm_flags : 0;
	unsigned long global_orders;

	if (vma && vma_thp_disabled(vma, vm_flags))
		return 0;
	global_orders = shmem_huge_global_enabled(file, index, write_end,
						  shmem_huge_force, vm_flags);
	if (!vma || !vma_is_anon_shmem(vma) || shmem_huge_force)
		return global_orders;
	if (shmem_huge == SHMEM_HUGE_DENY)
		return 0;
	if (shmem_huge == SHMEM_HUGE_FORCE)
		return huge_shmem_orders_inherit;
	mask |= shmem_get_orders_within_size(file, huge_shmem_orders_within_size, index, 0);
	if (vm_flags & VM_HUGEPAGE)
		mask |= huge_shmem_orders_madvise;
	if (global_orders)
		mask |= huge_shmem_orders_inherit;
	return THP_ORDERS_ALL_FILE_DEFAULT & mask;
}

/* Of @orders, those the VMA fits and whose range in the cache is empty. */
static unsigned long shmem_suitable_orders(struct vm_fault *vmf,
					   struct address_space *mapping,
					   unsigned long index, unsigned long orders)
{
	int order;

	orders = thp_vma_suitable_orders(vmf->vma, vmf->address, orders);
	if (!orders)
		return 0;
	for (order = highest_order(orders); orders; order = next_order(&orders, order)) {
		unsigned long aligned_index = ALIGN_DOWN(index, 1UL << order);

		if (!xa_find(&mapping->i_pages, &aligned_index,
			     aligned_index + (1UL << order) - 1))
			break;
	}
	return orders;
}

/* ---- the page cache of a file ---- */

/* Do the indices of [@index, @index + @nr) hold the swap entries from @swap, one each? */
static bool shmem_confirm_swap(struct address_space *mapping, unsigned long index, long nr,
			       swp_entry_t swap)
{
	long i;

	for (i = 0; i < nr; i++)
		if (xa_load(&mapping->i_pages, index + i) !=
		    swp_to_radix_entry((swp_entry_t){ swap.val + i }))
			return false;
	return true;
}

/*
 * Insert the locked folio at @index, where the range is empty, or holds
 * the swap entries from @expected (a swap-in; .val 0: none): the cache
 * takes nr_pages references.  0, -EEXIST (something else is there),
 * -ENOMEM.
 */
static int shmem_add_to_page_cache(struct folio *folio, struct address_space *mapping,
				   unsigned long index, swp_entry_t expected)
{
	long nr = folio_nr_pages(folio);
	unsigned long first = index;
	int err;

	KFUNC(0, folio);
	VM_BUG_ON_FOLIO(index & (nr - 1), folio);
	VM_BUG_ON_FOLIO(!folio_test_locked(folio), folio);
	if (expected.val ? !shmem_confirm_swap(mapping, index, nr, expected) :
	    !!xa_find(&mapping->i_pages, &first, index + nr - 1))
		return -EEXIST;
	folio->mapping = (unsigned long)mapping;
	folio->index = index;
	err = xa_store_order(&mapping->i_pages, index, folio_order(folio), folio);
	if (err) {
		folio->mapping = 0;
		return err;
	}
	folio_ref_add(folio, nr);
	shmem_update_stats(folio, nr);
	mapping->nrpages += nr;
	KNOTE("folio pfn %#lx order %u at index %#lx: refcount %d", folio_pfn(folio),
	      folio_order(folio), index, folio_ref_count(folio));
	return 0;
}

static struct folio *shmem_alloc_folio(gfp_t gfp, int order)
{
	return folio_alloc(gfp, order);
}

/*
 * Allocate the largest folio of @orders (or a page) for @index, charge
 * it and add it to the cache, locked.  0 and *@foliop, or -ENOMEM,
 * -EEXIST (lost a race for the range), -ENOSPC (the mount is full).
 */
static int shmem_alloc_and_add_folio(struct vm_fault *vmf, struct shmem_file *file,
				     unsigned long index, unsigned long orders,
				     struct folio **foliop)
{
	struct address_space *mapping = &file->f_mapping;
	struct folio *folio = NULL;
	unsigned long suitable = 0, first;
	long pages = 1;
	int error, order;

	KFUNC(vmf->address, NULL);
	if (orders)
		suitable = shmem_suitable_orders(vmf, mapping, index, orders);
	for (order = suitable ? highest_order(suitable) : 0; suitable;
	     order = next_order(&suitable, order)) {
		pages = 1L << order;
		folio = shmem_alloc_folio(GFP_TRANSHUGE, order);
		if (folio) {
			index = ALIGN_DOWN(index, pages);
			break;
		}
		if (pages == HPAGE_PMD_NR)
			count_vm_event(THP_FILE_FALLBACK);
		count_mthp_stat(order, MTHP_STAT_SHMEM_FALLBACK);
	}
	if (!orders) {
		pages = 1;
		folio = shmem_alloc_folio(GFP_HIGHUSER_MOVABLE, 0);
	}
	if (!folio)
		return -ENOMEM;
	folio_set_locked(folio);
	folio_set_swapbacked(folio);
	error = mem_cgroup_charge(folio, vmf->vma->vm_mm);
	if (error) {
		first = index;
		if (xa_find(&mapping->i_pages, &first, index + pages - 1)) {
			error = -EEXIST;
		} else if (pages > 1) {
			if (pages == HPAGE_PMD_NR) {
				count_vm_event(THP_FILE_FALLBACK);
				count_vm_event(THP_FILE_FALLBACK_CHARGE);
			}
			count_mthp_stat(folio_order(folio), MTHP_STAT_SHMEM_FALLBACK);
			count_mthp_stat(folio_order(folio), MTHP_STAT_SHMEM_FALLBACK_CHARGE);
		}
		goto unlock;
	}
	error = shmem_add_to_page_cache(folio, mapping, index, (swp_entry_t){ 0 });
	if (error)
		goto unlock;
	/* Simplification: no unused-huge shrinker to split large folios beyond EOF first. */
	error = shmem_inode_acct_blocks(file, pages);
	if (error) {
		KNOTE("tmpfs %s full: %lu of %lu pages used", file->sb->path,
		      file->sb->used_blocks, file->sb->max_blocks);
		filemap_remove_folio(folio);
		goto unlock;
	}
	file->alloced += pages;
	folio_add_lru(folio);
	*foliop = folio;
	return 0;
unlock:
	folio_unlock(folio);
	folio_put(folio);
	return error;
}

/* The faulting index's folio: new ones are zero-filled, then uptodate. */
static void shmem_clear_folio(struct folio *folio)
{
	long i;

	if (folio_test_uptodate(folio))
		return;
	for (i = 0; i < folio_nr_pages(folio); i++)
		set_page_value(folio_page(folio, i), 0);
	folio_set_uptodate(folio);
}

/*
 * shmem_get_folio_gfp() for a fault (SGP_CACHE, the only mode thpsh
 * needs): the folio caching @index, locked and with a reference for
 * the caller; swapped in if it is on swap, allocated if the cache has
 * none.  0, or -EINVAL (beyond
 * EOF), -EFBIG, -ENOMEM, -ENOSPC.
 */
static int shmem_get_folio_gfp(struct shmem_file *file, unsigned long index,
			       struct folio **foliop, struct vm_fault *vmf)
{
	struct address_space *mapping = &file->f_mapping;
	unsigned long orders;
	struct folio *folio;
	int error;

	KFUNC(vmf->address, NULL);
	if (index > (unsigned long)(MAX_LFS_FILESIZE >> PAGE_SHIFT))
		return -EFBIG;
repeat:
	if ((long long)index << PAGE_SHIFT >= file->i_size)
		return -EINVAL;
	if (xa_is_value(xa_load(&mapping->i_pages, index))) {
		error = shmem_swapin_folio(file, index, foliop, vmf, vmf->vma->vm_mm);
		if (error == -EEXIST)
			goto repeat;
		return error;
	}
	folio = filemap_get_entry(mapping, index);
	if (folio) {
		folio_lock(folio);
		*foliop = folio;
		return 0;
	}
	orders = shmem_allowable_huge_orders(file, vmf->vma, index, 0, false);
	if (orders) {
		error = shmem_alloc_and_add_folio(vmf, file, index, orders, &folio);
		if (!error) {
			if (folio_test_pmd_mappable(folio))
				count_vm_event(THP_FILE_ALLOC);
			count_mthp_stat(folio_order(folio), MTHP_STAT_SHMEM_ALLOC);
			goto alloced;
		}
		if (error == -EEXIST)
			goto repeat;
	}
	error = shmem_alloc_and_add_folio(vmf, file, index, 0, &folio);
	if (error == -EEXIST)
		goto repeat;
	if (error)
		return error;
alloced:
	shmem_clear_folio(folio);
	/* Simplification: a large folio reaching past EOF is not queued for the unused-huge shrinker. */
	*foliop = folio;
	return 0;
}

/* ---- swap ---- */

/*
 * shmem_delete_from_page_cache(): the locked, unmapped @folio leaves the
 * cache, each of its indices now holding its page's entry from @swap;
 * the cache's references go.
 */
static void shmem_delete_from_page_cache(struct folio *folio, swp_entry_t swap)
{
	struct address_space *mapping = folio_mapping(folio);
	long i, nr = folio_nr_pages(folio);

	for (i = 0; i < nr; i++)
		BUG_ON(xa_store_order(&mapping->i_pages, folio->index + i, 0,
				      swp_to_radix_entry((swp_entry_t){ swap.val + i })));
	folio->mapping = 0;
	mapping->nrpages -= nr;
	shmem_update_stats(folio, -nr);
	folio_put_refs(folio, nr);
}

/*
 * shmem_writeout(): reclaim met the locked, unmapped, dirty shmem
 * @folio.  It gets swap slots and goes to the swap cache, its cache
 * indices hold its swap entries (each counting one on its slot), and
 * it is written: 0, the folio unlocked.  A large folio goes whole when
 * the device has room for it (6.18 with CONFIG_THP_SWAP: thp_swpout),
 * else, or when it straddles EOF, it is split first and the pieces
 * after the first join @list (thp_swpout_fallback).  With no swap, or
 * no room for a page: AOP_WRITEPAGE_ACTIVATE, still locked and dirty.
 */
int shmem_writeout(struct folio *folio, struct folio **list, int *nr)
{
	struct shmem_file *file = folio_mapping(folio)->host;
	unsigned long end = size_to_pages(file->i_size);
	swp_entry_t swap;
	long i, nr_pages;
	int order;

	KFUNC(0, folio);
	if (!total_swap_pages())
		goto redirty;
	/* shrinking past EOF does not split swap entries: split a folio across it now */
	if (folio_test_large(folio) && end > folio->index && end < folio_next_index(folio))
		goto try_split;
	for (;;) {
		nr_pages = folio_nr_pages(folio);
		if (!folio_alloc_swap(folio))
			break;
		if (nr_pages == 1)
			goto redirty;
try_split:
		order = folio_order(folio);
		/* the pieces must stay dirty to be written in their turn */
		folio_set_dirty(folio);
		if (split_folio_to_list(folio, list, nr))
			goto redirty;
		if (order >= HPAGE_PMD_ORDER)
			count_vm_event(THP_SWPOUT_FALLBACK);
		count_mthp_stat(order, MTHP_STAT_SWPOUT_FALLBACK);
		folio_clear_dirty(folio);
		KNOTE("order %d folio split: its pages go to swap one by one", order);
	}
	swap = folio_swap_entry(folio);
	file->swapped += nr_pages;
	/* the page cache's entries hold the slots now (swap_duplicate_nr) */
	for (i = 0; i < nr_pages; i++)
		swap_duplicate((swp_entry_t){ swap.val + i });
	shmem_delete_from_page_cache(folio, swap);
	VM_BUG_ON_FOLIO(folio_mapped(folio), folio);
	KNOTE("%s: index %#lx..%#lx on swap from slot %#llx", file->name, folio->index,
	      folio->index + nr_pages - 1, (unsigned long long)swp_offset(swap));
	return swap_writeout(folio);
redirty:
	folio_set_dirty(folio);
	return AOP_WRITEPAGE_ACTIVATE;
}

/*
 * The order of the swapped folio @index's entry @swap belongs to: the
 * order of the cluster its slot lies in, when the aligned range of
 * indices holds that cluster's aligned run of entries, else 0.  (6.18
 * reads the multi-index entry's order; see shmem_fs.h.)
 */
static int shmem_swap_order(struct address_space *mapping, unsigned long index,
			    swp_entry_t swap)
{
	struct swap_info_struct *si = swp_swap_info(swap);
	unsigned int order = si->cluster_info[swp_offset(swap) / SWAPFILE_CLUSTER].order;
	unsigned long nr = 1UL << order, aligned = ALIGN_DOWN(index, nr);
	swp_entry_t first = { swap.val - (index - aligned) };

	if (!order || swp_offset(first) & (nr - 1) ||
	    !shmem_confirm_swap(mapping, aligned, nr, first))
		return 0;
	return order;
}

/*
 * The order to read @index's swapped folio back in, straight from a
 * zram device: its whole order when none of its slots is cached, each
 * is held by the cache alone, and all are zero-filled or none are.
 */
static int shmem_swapin_order(struct address_space *mapping, unsigned long index,
			      swp_entry_t swap)
{
	unsigned int order = shmem_swap_order(mapping, index, swap);
	unsigned long nr = 1UL << order, i;
	swp_entry_t first = { swap.val - (index & (nr - 1)) };

	if (!order || non_swapcache_batch(first, nr) != (int)nr ||
	    swap_zeromap_batch(first, nr, NULL) != (int)nr)
		return 0;
	for (i = 0; i < nr; i++)
		if (__swap_count((swp_entry_t){ first.val + i }) != 1)
			return 0;
	return order;
}

/*
 * shmem_swap_alloc_folio(): a new folio for the swapped folio at
 * @index, bypassing the swap cache: the whole swapped folio when memory
 * allows, else its one page; *@swap becomes the folio's first entry.
 * Charged to the group its slots were, locked, read.  NULL: no memory.
 */
static struct folio *shmem_swap_alloc_folio(struct address_space *mapping,
					    unsigned long index, swp_entry_t *swap,
					    struct mm_struct *fault_mm)
{
	int order = shmem_swapin_order(mapping, index, *swap);
	struct folio *folio = NULL;
	long i;

	if (order) {
		folio = folio_alloc(GFP_TRANSHUGE, order);
		if (folio)
			swap->val -= index & ((1UL << order) - 1);
	}
	if (!folio)
		folio = folio_alloc(GFP_HIGHUSER_MOVABLE, 0);
	if (!folio)
		return NULL;
	if (mem_cgroup_swapin_charge_folio(folio, fault_mm, *swap)) {
		folio_put(folio);
		return NULL;
	}
	/* the slots' cache mark keeps anyone else from reading them meanwhile */
	for (i = 0; i < folio_nr_pages(folio); i++)
		swapcache_prepare((swp_entry_t){ swap->val + i });
	folio_set_locked(folio);
	folio_set_swapbacked(folio);
	swap_read_folio(folio, *swap);
	return folio;
}

/* shmem_swapin_cluster() without readahead: one page read through the swap cache, locked. */
static struct folio *shmem_swapin_cluster(swp_entry_t swap, struct mm_struct *fault_mm)
{
	struct folio *folio = folio_alloc(GFP_HIGHUSER_MOVABLE, 0);

	if (!folio)
		return NULL;
	if (mem_cgroup_swapin_charge_folio(folio, fault_mm, swap)) {
		folio_put(folio);
		return NULL;
	}
	swapcache_prepare(swap);
	folio_set_locked(folio);
	folio_set_swapbacked(folio);
	swap_cache_add_folio(folio, swap);
	swap_read_folio(folio, swap);
	return folio;
}

/*
 * shmem_swapin_folio(): bring the swapped page at @index back into the
 * cache: from the swap cache, or read from the device (on zram straight
 * into a new folio, the whole swapped THP at once, FACTS.md "shmem
 * swap").  The folio replaces the entries, dirty, locked and with a
 * reference for the caller; the slots are freed.  @vmf is the fault's
 * (NULL for swapoff, collapse, truncation), @fault_mm whom to charge
 * when the slot remembers no memcg.  0 or -ENOMEM.
 */
int shmem_swapin_folio(struct shmem_file *file, unsigned long index, struct folio **foliop,
		       struct vm_fault *vmf, struct mm_struct *fault_mm)
{
	struct address_space *mapping = &file->f_mapping;
	swp_entry_t swap = radix_to_swp_entry(xa_load(&mapping->i_pages, index));
	struct swap_info_struct *si = swp_swap_info(swap);
	bool skip_swapcache = false;
	struct folio *folio;
	long nr;

	KFUNC(vmf ? vmf->address : 0, NULL);
	VM_BUG_ON(!xa_is_value(xa_load(&mapping->i_pages, index)) || !si);
	folio = swap_cache_get_folio(swap);
	if (folio) {
		folio_lock(folio);
		swap = folio_swap_entry(folio);
	} else {
		if ((si->flags & SWP_SYNCHRONOUS_IO) && __swap_count(swap) == 1) {
			folio = shmem_swap_alloc_folio(mapping, index, &swap, fault_mm);
			skip_swapcache = true;
		} else {
			folio = shmem_swapin_cluster(swap, fault_mm);
		}
		if (!folio)
			return -ENOMEM;
		if (vmf)
			count_vm_event(PGMAJFAULT);
	}
	nr = folio_nr_pages(folio);
	index = ALIGN_DOWN(index, nr);
	BUG_ON(shmem_add_to_page_cache(folio, mapping, index, swap));
	file->swapped -= nr;
	if (skip_swapcache)
		put_swap_folio(folio, swap);	/* swapcache_clear() */
	else
		swap_cache_del_folio(folio);
	/* its only copy is in memory again */
	folio_set_dirty(folio);
	swap_free_nr(swap, nr);
	folio_add_lru(folio);
	KNOTE("%s: index %#lx: order %u folio pfn %#lx back from slot %#llx", file->name,
	      index, folio_order(folio), folio_pfn(folio), (unsigned long long)swp_offset(swap));
	*foliop = folio;
	return 0;
}

/*
 * shmem_free_swap(): the swapped page at @index is dropped, its slot
 * freed, unless it belongs to a swapped folio reaching outside [@start,
 * @end): that one is left whole, for the partial-folio step to read back
 * and cut (6.18 frees a multi-index entry only whole).  True if freed.
 */
static bool shmem_free_swap(struct shmem_file *file, unsigned long index, void *radswap,
			    unsigned long start, unsigned long end)
{
	swp_entry_t swap = radix_to_swp_entry(radswap);
	unsigned long nr = 1UL << shmem_swap_order(&file->f_mapping, index, swap);
	unsigned long first = ALIGN_DOWN(index, nr);

	if (first < start || first + nr - 1 > end - 1)
		return false;
	xa_store_order(&file->f_mapping.i_pages, index, 0, NULL);
	file->swapped--;
	free_swap_and_cache_nr(swap, 1);
	return true;
}

/*
 * shmem_unuse(): swapoff's pass over the files (try_to_unuse() calls it
 * before walking the page tables): every swapped page back in the
 * cache, unmapped until a fault maps it.  0 or -ENOMEM.
 */
int shmem_unuse(void)
{
	struct shmem_file *file;

	KFUNC(0, NULL);
	list_for_each_entry(file, &shmem_inodes, all) {
		unsigned long index = 0;
		void *entry;

		while (file->swapped && (entry = xa_find(&file->f_mapping.i_pages, &index, ~0UL))) {
			struct folio *folio = entry;

			if (xa_is_value(entry)) {
				int err = shmem_swapin_folio(file, index, &folio, NULL, NULL);

				if (err)
					return err;
				folio_unlock(folio);
				folio_put(folio);
			}
			index = folio->index + folio_nr_pages(folio);
		}
	}
	return 0;
}

/* shmem_partial_swap_usage(): swapped pages at indices [@start, @end). */
unsigned long shmem_partial_swap_usage(struct address_space *mapping, unsigned long start,
				       unsigned long end)
{
	unsigned long swapped = 0;
	void *entry;

	while (start < end && (entry = xa_find(&mapping->i_pages, &start, end - 1))) {
		if (xa_is_value(entry)) {
			swapped++;
			start++;
		} else {
			start = ((struct folio *)entry)->index +
				folio_nr_pages((struct folio *)entry);
		}
	}
	return swapped;
}

/* shmem_swap_usage(): the swapped pages of @vma's range of its file. */
unsigned long shmem_swap_usage(struct vm_area_struct *vma)
{
	struct shmem_file *file = vma->vm_file;
	unsigned long start = vma->vm_pgoff;

	if (!file->swapped)
		return 0;
	/* the mapping covers the whole file: no need to look */
	if (!start && vma->vm_end - vma->vm_start >= (unsigned long)file->i_size)
		return file->swapped;
	return shmem_partial_swap_usage(&file->f_mapping, start,
					start + vma_pages(vma));
}

/* vmf_error(): how a fault reports an errno. */
static vm_fault_t vmf_error(int err)
{
	return err == -ENOMEM ? VM_FAULT_OOM : VM_FAULT_SIGBUS;
}

/* vm_ops->fault of every shmem mapping: vmf->page, its folio locked and held. */
vm_fault_t shmem_fault(struct vm_fault *vmf)
{
	struct folio *folio;
	int err;

	KFUNC(vmf->address, NULL);
	err = shmem_get_folio_gfp(vmf->vma->vm_file, vmf->pgoff, &folio, vmf);
	if (err) {
		KNOTE("index %#lx: %s", vmf->pgoff, err == -EINVAL ? "beyond EOF" :
		      err == -ENOSPC ? "the tmpfs is full" : "no memory");
		return vmf_error(err);
	}
	vmf->page = folio_page(folio, vmf->pgoff - folio->index);
	KNOTE("index %#lx: folio pfn %#lx order %u", vmf->pgoff, folio_pfn(folio),
	      folio_order(folio));
	return VM_FAULT_LOCKED;
}

/*
 * Where to map @len bytes of @file (NULL: shared anonymous memory):
 * top-down as usual, but aligned so that page offsets and addresses
 * agree modulo the largest folio the mount may use, when it may use
 * huge ones (a 2 MiB mapping of a huge=always tmpfs lands 2 MiB aligned).
 */
unsigned long shmem_get_unmapped_area(struct mm_struct *mm, struct shmem_file *file,
				      unsigned long uaddr, unsigned long len,
				      unsigned long pgoff, unsigned long flags)
{
	unsigned long addr, offset, inflated_len, inflated_addr, inflated_offset;
	unsigned long hpage_size = HPAGE_PMD_SIZE;

	if (len > TASK_SIZE)
		return -ENOMEM;
	if (flags & MAP_FIXED)
		return uaddr;
	addr = mm_get_unmapped_area(mm, len);
	if (IS_ERR_VALUE_ULONG(addr) || shmem_huge == SHMEM_HUGE_DENY)
		return addr;
	if (shmem_huge != SHMEM_HUGE_FORCE) {
		struct shmem_sb_info *sb = file ? file->sb : &shm_mnt;
		unsigned long hpage_orders = 0;

		if (!file) {
			hpage_orders = huge_shmem_orders_always | huge_shmem_orders_within_size |
				       huge_shmem_orders_madvise;
			if (sb->huge != SHMEM_HUGE_NEVER)
				hpage_orders |= huge_shmem_orders_inherit;
			if (hpage_orders)
				hpage_size = PAGE_SIZE << highest_order(hpage_orders);
		}
		if (sb->huge == SHMEM_HUGE_NEVER && !hpage_orders)
			return addr;
	}
	if (len < hpage_size)
		return addr;
	offset = (pgoff << PAGE_SHIFT) & (hpage_size - 1);
	if (offset && offset + len < 2 * hpage_size)
		return addr;
	if ((addr & (hpage_size - 1)) == offset)
		return addr;
	inflated_len = len + hpage_size - PAGE_SIZE;
	if (inflated_len > TASK_SIZE)
		return addr;
	inflated_addr = mm_get_unmapped_area(mm, inflated_len);
	if (IS_ERR_VALUE_ULONG(inflated_addr))
		return addr;
	inflated_offset = inflated_addr & (hpage_size - 1);
	inflated_addr += offset - inflated_offset;
	if (inflated_offset > offset)
		inflated_addr += hpage_size;
	if (inflated_addr > TASK_SIZE - len)
		return addr;
	return inflated_addr;
}

/* ---- truncation and hole punching ---- */

/* The locked folio caching @index (swapped in if on swap), with a reference, or NULL. */
static struct folio *shmem_get_partial_folio(struct shmem_file *file, unsigned long index)
{
	struct folio *folio;

	if (xa_is_value(xa_load(&file->f_mapping.i_pages, index)))
		return shmem_swapin_folio(file, index, &folio, NULL, NULL) ? NULL : folio;
	folio = filemap_get_entry(&file->f_mapping, index);

	if (folio)
		folio_lock(folio);
	return folio;
}

/* The folios wholly inside [start, end): unmapped and removed (find_lock_entries). */
static void shmem_undo_whole_folios(struct address_space *mapping, unsigned long start,
				    unsigned long end)
{
	unsigned long index = start;
	struct folio *folio;

	while (index < end && (folio = xa_find(&mapping->i_pages, &index, end - 1))) {
		if (xa_is_value(folio)) {
			shmem_free_swap(mapping->host, index, folio, start, end);
			index++;
			continue;
		}
		index = folio_next_index(folio);
		if (folio->index < start || index - 1 > end - 1)
			continue;
		folio_get(folio);
		folio_lock(folio);
		truncate_inode_folio(mapping, folio);
		folio_unlock(folio);
		folio_put(folio);
	}
}

/*
 * What the partial folios left in [start, end): whole ones removed,
 * large ones split or removed; a split to small pieces rescans.
 */
static void shmem_undo_remaining(struct address_space *mapping, unsigned long start,
				 unsigned long end, long long lstart, long long lend)
{
	unsigned long index = start;
	struct folio *folio;

	while (index < end && (folio = xa_find(&mapping->i_pages, &index, end - 1))) {
		/* one across the border was read back and cut by the partial step */
		if (xa_is_value(folio)) {
			shmem_free_swap(mapping->host, index, folio, start, end);
			index++;
			continue;
		}
		folio_get(folio);
		folio_lock(folio);
		if (!folio_test_large(folio)) {
			truncate_inode_folio(mapping, folio);
		} else if (truncate_inode_partial_folio(folio, lstart, lend) &&
			   !folio_test_large(folio)) {
			folio_unlock(folio);
			folio_put(folio);
			index = start;
			continue;
		}
		index = folio_next_index(folio);
		folio_unlock(folio);
		folio_put(folio);
	}
}

/*
 * shmem_undo_range(): remove the pages of [@lstart, @lend] (bytes,
 * @lend -1 for EOF) from the cache: whole folios first, then the
 * folios straddling either end are zeroed there and split.
 */
static void shmem_undo_range(struct shmem_file *file, long long lstart, long long lend)
{
	struct address_space *mapping = &file->f_mapping;
	unsigned long start = (lstart + PAGE_SIZE - 1) >> PAGE_SHIFT;
	unsigned long end = lend == -1 ? ~0UL : (unsigned long)(lend + 1) >> PAGE_SHIFT;
	bool same_folio;
	struct folio *folio;

	KFUNC(0, NULL);
	shmem_undo_whole_folios(mapping, start, end);
	same_folio = (lstart >> PAGE_SHIFT) == (lend >> PAGE_SHIFT);
	folio = shmem_get_partial_folio(file, lstart >> PAGE_SHIFT);
	if (folio) {
		same_folio = lend < (long long)folio_next_index(folio) << PAGE_SHIFT;
		folio_set_dirty(folio);
		if (!truncate_inode_partial_folio(folio, lstart, lend))
			start = folio_next_index(folio);
		folio_unlock(folio);
		folio_put(folio);
		folio = NULL;
	}
	if (!same_folio)
		folio = shmem_get_partial_folio(file, (unsigned long)(lend >> PAGE_SHIFT));
	if (folio) {
		folio_set_dirty(folio);
		truncate_inode_partial_folio(folio, lstart, lend);
		folio_unlock(folio);
		folio_put(folio);
	}
	shmem_undo_remaining(mapping, start, end, lstart, lend);
	shmem_recalc_inode(file);
}

static void shmem_truncate_range(struct shmem_file *file, long long lstart, long long lend)
{
	shmem_undo_range(file, lstart, lend);
}

/*
 * ftruncate(): the new size; shrinking unmaps the pages past it from
 * every process, then drops them (splitting the folio that straddles
 * the new EOF).  0, -EINVAL (negative), -EFBIG.
 */
int shmem_setattr_size(struct shmem_file *file, long long newsize)
{
	long long oldsize = file->i_size, holebegin;

	KFUNC(0, NULL);
	if (newsize < 0)
		return -EINVAL;
	if (newsize > MAX_LFS_FILESIZE)
		return -EFBIG;
	file->i_size = newsize;
	if (newsize > oldsize)
		return 0;
	holebegin = ALIGN(newsize, PAGE_SIZE);
	/* Only shared mappings exist here: no COWed private pages to unmap again after. */
	if (oldsize > holebegin)
		unmap_mapping_range(&file->f_mapping, holebegin, 0, true);
	if (file->alloced)	/* cached or swapped pages */
		shmem_truncate_range(file, newsize, -1);
	KNOTE("%s: size %lld -> %lld, %lu pages cached", file->name, oldsize, newsize,
	      file->f_mapping.nrpages);
	return 0;
}

/*
 * fallocate(FALLOC_FL_PUNCH_HOLE) (madvise "remove"): unmap and drop
 * the pages of [@offset, @offset + @len); the size stays.  0.
 */
int shmem_fallocate_punch_hole(struct shmem_file *file, long long offset, long long len)
{
	long long unmap_start = ALIGN(offset, PAGE_SIZE);
	long long unmap_end = ALIGN_DOWN(offset + len, PAGE_SIZE) - 1;

	KFUNC(0, NULL);
	if (unmap_end > unmap_start)
		unmap_mapping_range(&file->f_mapping, unmap_start,
				    1 + unmap_end - unmap_start, false);
	shmem_truncate_range(file, offset, offset + len - 1);
	return 0;
}

/* ---- the rmap and the folio split ---- */

/* rmap_walk_file(): every VMA of the folio's file that maps its page offsets. */
void rmap_walk_file(struct folio *folio, struct rmap_walk_control *rwc)
{
	struct address_space *mapping = folio_mapping(folio);
	unsigned long nr = folio_nr_pages(folio);
	unsigned long pgoff_start = folio->index, pgoff_end = pgoff_start + nr - 1;
	struct itnode *node;

	if (!mapping)
		return;
	for (node = it_iter_first(&mapping->i_mmap, pgoff_start, pgoff_end); node;
	     node = it_iter_next(&mapping->i_mmap, node, pgoff_start, pgoff_end)) {
		struct vm_area_struct *vma = container_of(node, struct vm_area_struct, shared);
		unsigned long address = vma_address(vma, pgoff_start, nr);

		if (address == (unsigned long)-EFAULT)
			continue;
		if (!rwc->rmap_one(folio, vma, address, rwc->arg))
			break;
		if (rwc->done && rwc->done(folio))
			break;
	}
}

/*
 * __folio_split()'s page-cache side: the pieces [@folio, @end_folio)
 * of a frozen file folio take its place in the cache, each at its
 * index, except those wholly beyond EOF, which leave the cache and
 * lose its references (their pages are freed when the split lets go).
 */
void shmem_split_folio_cache(struct folio *folio, struct folio *end_folio)
{
	struct address_space *mapping = folio_mapping(folio);
	struct shmem_file *file = mapping->host;
	unsigned long end = size_to_pages(file->i_size);
	struct folio *piece, *next;
	long dropped = 0;

	for (piece = folio; piece != end_folio; piece = next) {
		next = folio_next(piece);
		if (piece == folio || piece->index < end) {
			filemap_set_folio(mapping, piece);
			continue;
		}
		dropped += folio_nr_pages(piece);
		__filemap_remove_folio(piece);
		folio_put_refs(piece, folio_nr_pages(piece));
	}
	if (dropped) {
		shmem_recalc_inode(file);
		KNOTE("%ld pages beyond EOF (index %#lx) dropped", dropped, end);
	}
}

/*
 * "/PATH,0xOFF_START,0xOFF_END[,NEW_ORDER[,IN_FOLIO_OFFSET]]" in
 * split_huge_pages: split each large folio cached in the page-offset
 * range.  0, or -EINVAL when no tmpfs file has that path.
 */
int split_huge_pages_in_file(const char *path, unsigned long off_start,
			     unsigned long off_end, unsigned int new_order,
			     long in_folio_offset, struct split_stats *stats)
{
	struct shmem_file *file = shmem_file_lookup(path);
	struct address_space *mapping;
	unsigned long index, nr_pages = 1;

	KFUNC(0, NULL);
	if (!file)
		return -EINVAL;
	mapping = &file->f_mapping;
	for (index = off_start; index < off_end; index += nr_pages) {
		struct folio *folio = filemap_get_entry(mapping, index);

		nr_pages = 1;
		if (!folio)
			continue;
		if (!folio_test_large(folio))
			goto next;
		stats->total++;
		nr_pages = folio_nr_pages(folio);
		if (new_order >= folio_order(folio) || !folio_trylock(folio))
			goto next;
		if (folio->mapping == (unsigned long)mapping) {
			int ret = in_folio_offset < 0 || in_folio_offset >= (long)nr_pages ?
				  split_folio_to_order(folio, new_order) :
				  folio_split(folio, new_order,
					      folio_page(folio, in_folio_offset), NULL);
			if (!ret)
				stats->split++;
		}
		folio_unlock(folio);
next:
		folio_put(folio);
	}
	return 0;
}

/* ---- sysfs: shmem_enabled ---- */

int shmem_enabled_show(char *buf, size_t len)
{
	static const int order[] = { SHMEM_HUGE_ALWAYS, SHMEM_HUGE_WITHIN_SIZE,
				     SHMEM_HUGE_ADVISE, SHMEM_HUGE_NEVER,
				     SHMEM_HUGE_DENY, SHMEM_HUGE_FORCE };
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(order) && off < len; i++)
		off += snprintf(buf + off, len - off, shmem_huge == order[i] ? "%s[%s]" : "%s%s",
				i ? " " : "", shmem_format_huge(order[i]));
	return 0;
}

/* A value as sysfs gives it: one trailing newline allowed. */
static int sysfs_value(const char *buf, char *out, size_t len)
{
	size_t n = strcspn(buf, "\n");

	if (n >= len || (buf[n] && buf[n + 1]))
		return -EINVAL;
	memcpy(out, buf, n);
	out[n] = '\0';
	return 0;
}

int shmem_enabled_store(const char *buf)
{
	char tmp[16];
	int huge;

	if (sysfs_value(buf, tmp, sizeof(tmp)))
		return -EINVAL;
	huge = shmem_parse_huge(tmp);
	if (huge == -EINVAL)
		return -EINVAL;
	/* Do not override huge allocation policy with non-PMD sized mTHP */
	if (huge == SHMEM_HUGE_FORCE && huge_shmem_orders_inherit != BIT(HPAGE_PMD_ORDER))
		return -EINVAL;
	shmem_huge = huge;
	if (shmem_huge > SHMEM_HUGE_DENY)
		shm_mnt.huge = shmem_huge;
	return 0;
}

static const char *const huge_mode_strings[] = { "always", "inherit", "within_size",
						 "advise", "never" };
static unsigned long *const huge_mode_orders[] = { &huge_shmem_orders_always,
						   &huge_shmem_orders_inherit,
						   &huge_shmem_orders_within_size,
						   &huge_shmem_orders_madvise };

int thpsize_shmem_enabled_show(int order, char *buf, size_t len)
{
	size_t i, off = 0;
	size_t active = ARRAY_SIZE(huge_mode_orders);

	for (i = 0; i < ARRAY_SIZE(huge_mode_orders); i++)
		if (*huge_mode_orders[i] & BIT(order)) {
			active = i;
			break;
		}
	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(huge_mode_strings) && off < len; i++)
		off += snprintf(buf + off, len - off, i == active ? "%s[%s]" : "%s%s",
				i ? " " : "", huge_mode_strings[i]);
	return 0;
}

int thpsize_shmem_enabled_store(int order, const char *buf)
{
	char tmp[16];
	size_t mode, i;

	if (sysfs_value(buf, tmp, sizeof(tmp)))
		return -EINVAL;
	for (mode = 0; mode < ARRAY_SIZE(huge_mode_strings); mode++)
		if (!strcmp(tmp, huge_mode_strings[mode]))
			break;
	if (mode == ARRAY_SIZE(huge_mode_strings))
		return -EINVAL;
	/* Do not override huge allocation policy with non-PMD sized mTHP */
	if (mode == 1 && shmem_huge == SHMEM_HUGE_FORCE && order != HPAGE_PMD_ORDER)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(huge_mode_orders); i++) {
		if (i == mode)
			*huge_mode_orders[i] |= BIT(order);
		else
			*huge_mode_orders[i] &= ~BIT(order);
	}
	return 0;
}
