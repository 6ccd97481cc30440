/*
 * shmem_fs.h - tmpfs, shared anonymous memory and their page caches
 * (include/linux/shmem_fs.h, fs.h's address_space, pagemap.h).
 *
 *   shmem_sb_info   a tmpfs mount, or shm_mnt: the internal mount behind
 *        | files    MAP_SHARED|MAP_ANONYMOUS memory (and memfd, SysV shm)
 *        v
 *   shmem_file      inode, address_space and open file in one
 *     f_mapping.i_pages   page offset -> folio (xarray.h)
 *     f_mapping.i_mmap    the VMAs mapping the file, by page offset
 *
 * A folio in a page cache has folio->mapping = &file->f_mapping and
 * folio->index = its first page offset, and the cache holds nr_pages
 * references on it: refcount = nr_pages + one per PTE or PMD mapping
 * (+ pins).  A PMD maps a shmem THP without a deposited page table
 * (x86-64 needs none: arch_needs_pgtable_deposit() is false).
 *
 * Reclaim swaps a shmem folio out through shmem_writeout(): each of its
 * indices then holds a value entry, the swap entry of its page (the
 * slot's count includes it), and file->swapped counts them; a fault
 * reads them back (shmem_swapin_folio), truncation frees their slots
 * (shmem_free_swap), swapoff brings them back (shmem_unuse).  A page
 * table never holds a swap entry for a shmem page: reclaim just unmaps.
 * Simplification: one value entry per page where the kernel stores one
 * multi-index entry per swapped folio; the folio's order is read from
 * its slots (consecutive, in a cluster of that order).
 */
#ifndef THPSH_MM_SHMEM_FS_H
#define THPSH_MM_SHMEM_FS_H

#include "internal.h"
#include "swapops.h"
#include "xarray.h"

/* AOP_WRITEPAGE_ACTIVATE: writeout kept the folio, locked; reclaim activates it. */
#define AOP_WRITEPAGE_ACTIVATE	0x80000

/* A swap entry as a page cache value entry, and back (swp_to_radix_entry()). */
static inline void *swp_to_radix_entry(swp_entry_t entry)
{
	return xa_mk_value(entry.val);
}

static inline swp_entry_t radix_to_swp_entry(const void *arg)
{
	return (swp_entry_t){ xa_to_value(arg) };
}

/* The huge= mount option; DENY and FORCE only in shmem_enabled. */
#define SHMEM_HUGE_NEVER	0
#define SHMEM_HUGE_ALWAYS	1
#define SHMEM_HUGE_WITHIN_SIZE	2
#define SHMEM_HUGE_ADVISE	3
#define SHMEM_HUGE_DENY		(-1)
#define SHMEM_HUGE_FORCE	(-2)

#define MAX_LFS_FILESIZE	((long long)(~0ULL >> 1))
#define SHMEM_PATH_MAX		128

struct shmem_file;

struct address_space {
	struct xarray i_pages;		/* page offset -> folio */
	unsigned long nrpages;		/* pages in i_pages */
	struct itroot i_mmap;		/* VMAs mapping it, by page offset */
	struct shmem_file *host;	/* the file whose cache it is */
};

struct shmem_sb_info {
	char path[SHMEM_PATH_MAX];	/* mount point; "" for shm_mnt */
	int huge;			/* SHMEM_HUGE_*, the huge= option */
	unsigned long max_blocks;	/* size= in pages; 0: no limit */
	unsigned long used_blocks;	/* pages its files hold */
	struct list_head files;		/* its files, on shmem_file.sb_list */
	struct list_head mounts;	/* on shmem_mounts */
};

struct shmem_file {
	struct address_space f_mapping;	/* its page cache */
	char name[SHMEM_PATH_MAX];	/* the full path; "dev/zero" when anonymous */
	unsigned long i_ino;		/* inode number, never reused (get_next_ino()) */
	struct shmem_sb_info *sb;	/* the mount it lives on */
	long long i_size;		/* size in bytes */
	unsigned long alloced;		/* pages charged to the mount: cached + swapped */
	unsigned long swapped;		/* info->swapped: value entries in the cache */
	int f_count;			/* one per VMA, plus the directory entry */
	bool linked;			/* i_nlink: has a name (else anon shmem) */
	struct list_head sb_list;	/* on sb->files */
	struct list_head all;		/* on shmem_inodes */
};

extern int shmem_huge;			/* shmem_enabled */
extern unsigned long huge_shmem_orders_always;
extern unsigned long huge_shmem_orders_madvise;
extern unsigned long huge_shmem_orders_inherit;
extern unsigned long huge_shmem_orders_within_size;
extern struct list_head shmem_inodes;	/* every file, for check() */

void shmem_reset(void);

static inline struct address_space *folio_mapping(const struct folio *folio)
{
	return folio_test_anon(folio) ? NULL : (struct address_space *)folio->mapping;
}

static inline bool vma_is_anon_shmem(const struct vm_area_struct *vma)
{
	return vma->vm_file && !vma->vm_file->linked;
}

/* Mounts and files (shmem.c).  Paths are absolute; a file sits right in its mount. */
int shmem_mount(const char *path, const char *options, const char **why);
struct shmem_sb_info *shmem_mount_lookup(const char *path);
struct shmem_sb_info *shmem_mount_iter(struct shmem_sb_info *prev);
struct shmem_file *shmem_file_lookup(const char *path);
struct shmem_file *shmem_file_open(const char *path, long long size, int *err);
void shmem_unlink(struct shmem_file *file);
struct shmem_file *get_file(struct shmem_file *file);
void fput(struct shmem_file *file);
int shmem_setattr_size(struct shmem_file *file, long long newsize);
int shmem_fallocate_punch_hole(struct shmem_file *file, long long offset, long long len);
int shmem_zero_setup(struct vm_area_struct *vma);
unsigned long shmem_get_unmapped_area(struct mm_struct *mm, struct shmem_file *file,
				      unsigned long uaddr, unsigned long len,
				      unsigned long pgoff, unsigned long flags);
unsigned long shmem_allowable_huge_orders(struct shmem_file *file,
					  struct vm_area_struct *vma, unsigned long index,
					  long long write_end, bool shmem_huge_force);
vm_fault_t shmem_fault(struct vm_fault *vmf);
void shmem_recalc_inode(struct shmem_file *file);
int shmem_writeout(struct folio *folio, struct folio **list, int *nr);
int shmem_swapin_folio(struct shmem_file *file, unsigned long index, struct folio **foliop,
		       struct vm_fault *vmf, struct mm_struct *fault_mm);
int shmem_unuse(void);
unsigned long shmem_partial_swap_usage(struct address_space *mapping, unsigned long start,
				       unsigned long end);
unsigned long shmem_swap_usage(struct vm_area_struct *vma);
bool shmem_charge(struct shmem_file *file, long pages);
void shmem_uncharge(struct shmem_file *file, long pages);

/* sysfs: transparent_hugepage/shmem_enabled and hugepages-<size>kB/shmem_enabled. */
int shmem_enabled_show(char *buf, size_t len);
int shmem_enabled_store(const char *buf);
int thpsize_shmem_enabled_show(int order, char *buf, size_t len);
int thpsize_shmem_enabled_store(int order, const char *buf);

/* The page cache (filemap.c). */
struct folio *filemap_get_entry(struct address_space *mapping, unsigned long index);
void filemap_set_folio(struct address_space *mapping, struct folio *folio);
void __filemap_remove_folio(struct folio *folio);
void filemap_remove_folio(struct folio *folio);
vm_fault_t filemap_map_pages(struct vm_fault *vmf, unsigned long start_pgoff, unsigned long end_pgoff);
void folio_add_lru(struct folio *folio);
void shmem_update_stats(struct folio *folio, long nr_pages);

/* Truncation (truncate.c). */
int truncate_inode_folio(struct address_space *mapping, struct folio *folio);
bool truncate_inode_partial_folio(struct folio *folio, long long start, long long end);

/* Unmapping a file's pages from every process (memory.c). */
void unmap_mapping_range(struct address_space *mapping, long long holebegin,
			 long long holelen, bool even_cows);
void unmap_mapping_folio(struct folio *folio);

#endif /* THPSH_MM_SHMEM_FS_H */
