/*
 * filemap.c - the page cache: finding a file's folios, taking them
 * out, and mapping the cached ones around a read fault (mm/filemap.c).
 *
 * Every page cache here belongs to a shmem file (shmem_fs.h), so the
 * statistics are the shmem ones: NR_FILE_PAGES and NR_SHMEM count the
 * cached pages, NR_SHMEM_THPS those in PMD-sized folios.
 */
#include "shmem_fs.h"

#include "huge_mm.h"
#include "rmap.h"

/* NR_FILE_PAGES, NR_SHMEM and NR_SHMEM_THPS as a folio enters or leaves the cache. */
void shmem_update_stats(struct folio *folio, long nr_pages)
{
	if (folio_test_pmd_mappable(folio))
		lruvec_stat_mod_folio(folio, NR_SHMEM_THPS, nr_pages);
	lruvec_stat_mod_folio(folio, NR_FILE_PAGES, nr_pages);
	lruvec_stat_mod_folio(folio, NR_SHMEM, nr_pages);
}

/*
 * filemap_get_entry(): the folio caching @index, with a reference, or
 * NULL.  Unlike the kernel's, never a swap entry: the callers that care
 * (shmem_get_folio_gfp, truncation) look for those themselves.
 */
struct folio *filemap_get_entry(struct address_space *mapping, unsigned long index)
{
	struct folio *folio = xa_load(&mapping->i_pages, index);

	if (xa_is_value(folio))
		return NULL;
	if (folio && !folio_try_get(folio))
		return NULL;	/* frozen mid-split */
	return folio;
}

/*
 * The cache slots of @folio's indices point to it: after a split each
 * piece takes its own range over.  The slots exist already (the whole
 * folio's), so this needs host memory only to split a multi-index
 * entry; running out of that is a thpsh failure, not a kernel one.
 */
void filemap_set_folio(struct address_space *mapping, struct folio *folio)
{
	int err = xa_store_order(&mapping->i_pages, folio->index, folio_order(folio), folio);

	BUG_ON(err);
}

/* page_cache_delete() and filemap_unaccount_folio(): the cache forgets @folio. */
void __filemap_remove_folio(struct folio *folio)
{
	struct address_space *mapping = folio_mapping(folio);
	long nr = folio_nr_pages(folio);

	KFUNC(0, folio);
	VM_BUG_ON_FOLIO(folio_mapped(folio), folio);
	xa_store_order(&mapping->i_pages, folio->index, folio_order(folio), NULL);
	folio->mapping = 0;
	mapping->nrpages -= nr;
	shmem_update_stats(folio, -nr);
	KNOTE("folio pfn %#lx order %u left the cache at index %#lx", folio_pfn(folio),
	      folio_order(folio), folio->index);
}

/* Remove a locked, unmapped folio from its cache and drop the cache's references. */
void filemap_remove_folio(struct folio *folio)
{
	long nr = folio_nr_pages(folio);

	KFUNC(0, folio);
	__filemap_remove_folio(folio);
	folio_put_refs(folio, nr);
}

void folio_add_lru(struct folio *folio)
{
	folio_set_lru(folio);
}

/*
 * next_uptodate_folio(): from *@index on, the next cached folio that
 * can be mapped without waiting (uptodate, unlocked), locked and with
 * a reference; *@index moves past it.  NULL when none is left.
 */
static struct folio *next_uptodate_folio(struct address_space *mapping,
					 unsigned long *index, unsigned long end_pgoff)
{
	struct folio *folio;

	while ((folio = xa_find(&mapping->i_pages, index, end_pgoff))) {
		unsigned long at = *index;

		/* a swapped page: only a fault on it reads it back */
		if (xa_is_value(folio)) {
			*index = at + 1;
			continue;
		}
		*index = folio->index + folio_nr_pages(folio);
		if (!folio_test_uptodate(folio) || folio_test_locked(folio) ||
		    !folio_try_get(folio))
			continue;
		folio_lock(folio);
		*index = at;
		return folio;
	}
	return NULL;
}

/* A PMD-sized first folio may map whole (filemap_map_pmd); true if done. */
static bool filemap_map_pmd(struct vm_fault *vmf, struct folio *folio, unsigned long start)
{
	struct mm_struct *mm = vmf->vma->vm_mm;

	if (pmd_trans_huge(*vmf->pmd)) {
		folio_unlock(folio);
		folio_put(folio);
		return true;
	}
	if (pmd_none(*vmf->pmd) && folio_test_pmd_mappable(folio) &&
	    !do_set_pmd(vmf, folio, folio_page(folio, start - folio->index))) {
		folio_unlock(folio);	/* the reference is the PMD's now */
		return true;
	}
	if (pmd_none(*vmf->pmd) && __pte_alloc(mm, vmf->pmd)) {
		folio_unlock(folio);
		folio_put(folio);
		return true;
	}
	return false;
}

/* folio_within_vma(): does the whole folio lie inside @vma's range? */
static bool folio_within_vma(const struct folio *folio, const struct vm_area_struct *vma)
{
	unsigned long pgoff = folio->index;

	return pgoff >= vma->vm_pgoff &&
	       pgoff - vma->vm_pgoff + folio_nr_pages(folio) <= vma_pages(vma);
}

/*
 * Map @nr pages of @folio from page @start at @addr, whose PTEs start
 * at @ptep, skipping PTEs in use: each mapped run takes one reference
 * per PTE.  A large folio inside the VMA and one PTE table is mapped
 * whole, window or not (as finish_fault() would).  VM_FAULT_NOPAGE if
 * the faulting address got its page.
 */
static vm_fault_t filemap_map_folio_range(struct vm_fault *vmf, struct folio *folio,
					  unsigned long start, unsigned long addr,
					  pte_t *ptep, unsigned long nr, long *rss)
{
	unsigned long i, first, run = 0, addr0 = addr - start * PAGE_SIZE;
	vm_fault_t ret = 0;

	if (folio_within_vma(folio, vmf->vma) &&
	    (addr0 & PMD_MASK) == ((addr0 + folio_nr_pages(folio) * PAGE_SIZE - 1) & PMD_MASK)) {
		ptep -= start;
		addr = addr0;
		nr = folio_nr_pages(folio);
		start = 0;
	}
	for (i = 0; i <= nr; i++) {
		if (i < nr && pte_none(ptep_get(ptep + i))) {
			run++;
			continue;
		}
		if (!run)
			continue;
		first = i - run;
		vmf->pte = ptep + first;
		set_pte_range(vmf, folio, folio_page(folio, start + first), run,
			      addr + first * PAGE_SIZE);
		folio_ref_add(folio, run);
		*rss += run;
		if (vmf->address - (addr + first * PAGE_SIZE) < run * PAGE_SIZE)
			ret = VM_FAULT_NOPAGE;
		run = 0;
	}
	return ret;
}

/*
 * vm_ops->map_pages, do_fault_around(): map the cached pages of page
 * offsets [@start_pgoff, @end_pgoff] that are ready, up to EOF, under
 * one PTE-table lock.  VM_FAULT_NOPAGE if the faulting page was mapped.
 */
vm_fault_t filemap_map_pages(struct vm_fault *vmf, unsigned long start_pgoff,
			     unsigned long end_pgoff)
{
	struct vm_area_struct *vma = vmf->vma;
	struct shmem_file *file = vma->vm_file;
	struct address_space *mapping = &file->f_mapping;
	unsigned long index = start_pgoff, file_end, addr;
	vm_fault_t ret = 0;
	struct folio *folio;
	long rss = 0;
	pte_t *ptep;

	KFUNC(vmf->address, NULL);
	file_end = (file->i_size + PAGE_SIZE - 1) >> PAGE_SHIFT;
	if (!file_end)
		return 0;
	end_pgoff = min(end_pgoff, file_end - 1);
	folio = next_uptodate_folio(mapping, &index, end_pgoff);
	if (!folio)
		return 0;
	if (filemap_map_pmd(vmf, folio, start_pgoff))
		return VM_FAULT_NOPAGE;
	addr = vma->vm_start + ((start_pgoff - vma->vm_pgoff) << PAGE_SHIFT);
	ptep = pte_offset_map_lock(vma->vm_mm, vmf->pmd, addr, &vmf->ptl);
	do {
		unsigned long first = max(index, folio->index);
		unsigned long last = min(folio->index + folio_nr_pages(folio) - 1, end_pgoff);

		ret |= filemap_map_folio_range(vmf, folio, first - folio->index,
					       addr + ((first - start_pgoff) << PAGE_SHIFT),
					       ptep + (first - start_pgoff), last - first + 1, &rss);
		index = last + 1;
		folio_unlock(folio);
		folio_put(folio);
	} while (index <= end_pgoff && (folio = next_uptodate_folio(mapping, &index, end_pgoff)));
	vmf->pte = NULL;
	add_mm_counter(vma->vm_mm, MM_SHMEMPAGES, rss);
	spin_unlock(vmf->ptl);
	KNOTE("fault-around [%#lx, %#lx]: %ld pages mapped", start_pgoff, end_pgoff, rss);
	return ret;
}
