/*
 * madvise.c - madvise(2) (mm/madvise.c).
 *
 * MADV_HUGEPAGE/NOHUGEPAGE and the fork advice (DONTFORK, DOFORK,
 * WIPEONFORK, KEEPONFORK) change VM flags (splitting and merging VMAs as
 * needed); MADV_DONTNEED zaps a range without touching the VMAs, the
 * path the first seed walks through: zap_pmd_range -> __split_huge_pmd
 * -> zap_pte_range -> deferred_split_folio.  MADV_FREE and MADV_PAGEOUT
 * walk the PMDs: a THP wholly inside the range is handled whole, a THP
 * only partly inside is split first (FACTS.md "MADV_FREE",
 * "MADV_PAGEOUT without swap", "Swap").  Both drain this CPU's LRU
 * batches first; the other commands do not (FACTS.md "MADV_FREE then
 * MADV_PAGEOUT").  MADV_COLLAPSE is madvise_collapse()
 * of khugepaged.c.
 */
#include "internal.h"

#include "huge_mm.h"
#include "khugepaged.h"
#include "rmap.h"
#include "shmem_fs.h"
#include "swap.h"

static int hugepage_madvise(struct vm_area_struct *vma, unsigned long start,
			    unsigned long end, int advice)
{
	unsigned long flags = vma->vm_flags;

	if (advice == MADV_HUGEPAGE) {
		flags = (flags & ~VM_NOHUGEPAGE) | VM_HUGEPAGE;
		/* khugepaged may scan it now, without waiting for a fault */
		khugepaged_enter_vma(vma, flags);
	} else {
		flags = (flags & ~VM_HUGEPAGE) | VM_NOHUGEPAGE;
	}
	return vma_modify_flags(vma, start, end, flags) ? 0 : -ENOMEM;
}

/* The fork advice: which VMAs a child gets, and whether with their pages. */
static int madvise_fork_flags(struct vm_area_struct *vma, unsigned long start,
			      unsigned long end, int behavior)
{
	unsigned long flags = vma->vm_flags;

	switch (behavior) {
	case MADV_DONTFORK:
		flags |= VM_DONTCOPY;
		break;
	case MADV_DOFORK:
		if (flags & VM_IO)
			return -EINVAL;
		flags &= ~VM_DONTCOPY;
		break;
	case MADV_WIPEONFORK:
		if (vma->vm_file || (flags & VM_SHARED))
			return -EINVAL;
		flags |= VM_WIPEONFORK;
		break;
	default:
		flags &= ~VM_WIPEONFORK;
		break;
	}
	return vma_modify_flags(vma, start, end, flags) ? 0 : -ENOMEM;
}

/* walk_page_range_vma() with only a pmd_entry: each PMD of [start, end) in use. */
static void walk_pmds(struct mmu_gather *tlb, struct vm_area_struct *vma,
		      unsigned long start, unsigned long end,
		      void (*pmd_entry)(struct mmu_gather *tlb, struct vm_area_struct *vma,
					pmd_t *pmd, unsigned long addr, unsigned long next))
{
	unsigned long addr, next;

	for (addr = start; addr < end; addr = next) {
		pmd_t *pmd = mm_find_pmd(vma->vm_mm, addr);

		next = pmd_addr_end(addr, end);
		if (pmd && !pmd_none(*pmd))
			pmd_entry(tlb, vma, pmd, addr, next);
	}
}

/*
 * A large folio that the range covers only in part is split, unlocked
 * PTE table and all; @*ptep and @*ptlp are taken again afterwards.
 * True if it was split (the caller looks at the same PTE again).
 */
static bool madvise_split_folio(struct folio *folio, pmd_t *pmd, unsigned long addr,
				pte_t **ptep, spinlock_t **ptlp, struct mm_struct *mm)
{
	int err;

	if (folio_maybe_mapped_shared(folio) || !folio_trylock(folio))
		return false;
	folio_get(folio);
	spin_unlock(*ptlp);
	err = split_folio(folio);
	folio_unlock(folio);
	folio_put(folio);
	*ptep = pte_offset_map_lock(mm, pmd, addr, ptlp);
	return !err;
}

/* The folio @ptent maps, or NULL: none, not present, or the zero page. */
static struct folio *pte_folio(struct vm_area_struct *vma, unsigned long addr, pte_t ptent)
{
	struct page *page;

	if (!pte_present(ptent))
		return NULL;
	page = vm_normal_page(vma, addr, ptent);
	return page ? page_folio(page) : NULL;
}

/* Swap PTEs from @pte on: their contents may go, so their slots go now. */
static int madvise_free_swap_ptes(struct mm_struct *mm, pte_t *pte, pte_t ptent,
				  unsigned long addr, unsigned long end)
{
	int nr, i;

	/* migration entries only exist inside a folio split */
	VM_BUG_ON(is_pte_migration_entry(ptent));
	nr = swap_pte_batch(pte, (end - addr) / PAGE_SIZE, ptent);
	add_mm_counter(mm, MM_SWAPENTS, -nr);
	free_swap_and_cache_nr(pte_to_swp_entry(ptent), nr);
	for (i = 0; i < nr; i++)
		pte_clear(mm, addr + i * PAGE_SIZE, pte + i);
	return nr;
}

/*
 * MADV_FREE of the PTEs of [addr, end): each folio mapped only here
 * becomes lazily freeable, its PTEs clean and old (a small folio
 * through the lru_lazyfree batch); swapped-out pages are dropped at
 * once, slots and all.  Reclaim (MADV_PAGEOUT) discards what is still
 * clean then.
 */
static void madvise_free_pte_range(struct mmu_gather *tlb, struct vm_area_struct *vma,
				   pmd_t *pmd, unsigned long addr, unsigned long end)
{
	struct mm_struct *mm = vma->vm_mm;
	spinlock_t *ptl;
	pte_t *pte;
	int nr, i;

	KFUNC(addr, NULL);
	if (pmd_trans_huge(*pmd) && madvise_free_huge_pmd(tlb, vma, pmd, addr, end))
		return;
	pte = pte_offset_map_lock(mm, pmd, addr, &ptl);
	if (!pte)
		return;		/* still huge: the split failed */
	for (; addr != end; pte += nr, addr += nr * PAGE_SIZE) {
		pte_t ptent = ptep_get(pte);
		struct folio *folio = pte_folio(vma, addr, ptent);

		nr = 1;
		if (is_swap_pte(ptent)) {
			nr = madvise_free_swap_ptes(mm, pte, ptent, addr, end);
			continue;
		}
		if (!folio)
			continue;
		if (folio_test_large(folio)) {
			nr = folio_pte_batch(folio, pte, ptent, (end - addr) / PAGE_SIZE);
			if (nr < folio_nr_pages(folio)) {
				if (madvise_split_folio(folio, pmd, addr, &pte, &ptl, mm))
					nr = 0;
				continue;
			}
		}
		if (folio_test_swapcache(folio) || folio_test_dirty(folio)) {
			if (!folio_trylock(folio))
				continue;
			if (folio_mapcount(folio) != folio_nr_pages(folio)) {
				folio_unlock(folio);	/* mapped elsewhere too */
				continue;
			}
			folio_clear_dirty(folio);
			folio_unlock(folio);
		}
		for (i = 0; i < nr; i++)
			if (pte_young(ptep_get(pte + i)) || pte_dirty(ptep_get(pte + i)))
				set_pte_at(mm, addr + i * PAGE_SIZE, pte + i,
					   pte_mkclean(pte_mkold(ptep_get(pte + i))));
		folio_mark_lazyfree(folio);
	}
	spin_unlock(ptl);
}

static int madvise_free_single_vma(struct vm_area_struct *vma, unsigned long start,
				   unsigned long end)
{
	struct mmu_gather tlb;

	KFUNC(start, NULL);
	if (!vma_is_anonymous(vma))
		return -EINVAL;
	lru_add_drain();
	tlb_gather_mmu(&tlb, vma->vm_mm);
	walk_pmds(&tlb, vma, start, end, madvise_free_pte_range);
	tlb_finish_mmu(&tlb);
	return 0;
}

/* Isolate @folio for reclaim, forgetting that it was used recently. */
static void madvise_isolate(struct folio *folio, struct folio **list, int *nr)
{
	folio_clear_referenced(folio);
	folio_clear_young(folio);
	if (folio_isolate_lru(folio))
		list[(*nr)++] = folio;
}

/*
 * MADV_PAGEOUT of [addr, end) inside one PMD: the folios mapped only
 * here are isolated and handed to reclaim.  A THP mapped by this PMD
 * goes whole; one only partly inside the range is split first.
 */
static void madvise_cold_or_pageout_pte_range(struct mmu_gather *tlb,
					      struct vm_area_struct *vma, pmd_t *pmd,
					      unsigned long addr, unsigned long end)
{
	struct folio *folio_list[HPAGE_PMD_NR];
	struct mm_struct *mm = vma->vm_mm;
	spinlock_t *ptl;
	int nr_list = 0, nr;
	pte_t *pte;

	KFUNC(addr, NULL);
	(void)tlb;
	if (pmd_trans_huge(*pmd)) {
		struct page *page;
		struct folio *folio;

		ptl = pmd_lock(mm, pmd);
		page = pmd_present(*pmd) ? vm_normal_page_pmd(vma, addr, *pmd) : NULL;
		folio = page ? page_folio(page) : NULL;
		if (!folio || folio_maybe_mapped_shared(folio)) {
			spin_unlock(ptl);
			return;
		}
		if (end - addr != HPAGE_PMD_SIZE) {
			int err;

			folio_get(folio);
			spin_unlock(ptl);
			folio_lock(folio);
			err = split_folio(folio);
			folio_unlock(folio);
			folio_put(folio);
			if (err)
				return;
			goto regular_folio;
		}
		madvise_isolate(folio, folio_list, &nr_list);
		spin_unlock(ptl);
		reclaim_pages(folio_list, nr_list);
		return;
	}
regular_folio:
	pte = pte_offset_map_lock(mm, pmd, addr, &ptl);
	if (!pte)
		return;
	for (; addr < end; pte += nr, addr += nr * PAGE_SIZE) {
		pte_t ptent = ptep_get(pte);
		struct folio *folio = pte_folio(vma, addr, ptent);

		nr = 1;
		if (!folio)
			continue;
		if (folio_test_large(folio)) {
			nr = folio_pte_batch(folio, pte, ptent, (end - addr) / PAGE_SIZE);
			if (nr < folio_nr_pages(folio)) {
				if (madvise_split_folio(folio, pmd, addr, &pte, &ptl, mm))
					nr = 0;
				continue;
			}
		}
		/* Mapped elsewhere too, or not on the LRU: leave it. */
		if (!folio_test_lru(folio) || folio_mapcount(folio) != folio_nr_pages(folio))
			continue;
		madvise_isolate(folio, folio_list, &nr_list);
	}
	spin_unlock(ptl);
	reclaim_pages(folio_list, nr_list);
}

static int madvise_pageout(struct vm_area_struct *vma, unsigned long start,
			   unsigned long end)
{
	struct mmu_gather tlb;

	KFUNC(start, NULL);
	if (vma->vm_flags & (VM_LOCKED | VM_PFNMAP | VM_HUGETLB))
		return -EINVAL;
	/* what MADV_FREE left in the batch becomes lazyfree first */
	lru_add_drain();
	tlb_gather_mmu(&tlb, vma->vm_mm);
	walk_pmds(&tlb, vma, start, end, madvise_cold_or_pageout_pte_range);
	tlb_finish_mmu(&tlb);
	return 0;
}

/*
 * MADV_REMOVE punches a hole in the file behind a shared mapping
 * (vfs_fallocate(FALLOC_FL_PUNCH_HOLE)): anonymous private memory has
 * none (EINVAL, as the kernel says).
 */
static int madvise_remove(struct vm_area_struct *vma, unsigned long start,
			  unsigned long end)
{
	long long offset;

	KFUNC(start, NULL);
	if ((vma->vm_flags & VM_LOCKED) || !vma->vm_file)
		return -EINVAL;
	if (!(vma->vm_flags & VM_SHARED) || !(vma->vm_flags & VM_MAYWRITE))
		return -EACCES;
	offset = (long long)(start - vma->vm_start) + ((long long)vma->vm_pgoff << PAGE_SHIFT);
	return shmem_fallocate_punch_hole(vma->vm_file, offset, end - start);
}

static int madvise_dontneed_single_vma(struct vm_area_struct *vma,
				       unsigned long start, unsigned long end)
{
	struct zap_details details = { .reclaim_pt = true, .even_cows = true };

	KFUNC(start, NULL);
	zap_page_range_single(vma, start, end - start, &details);
	return 0;
}

static int madvise_vma_behavior(struct vm_area_struct *vma, unsigned long start,
				unsigned long end, int behavior)
{
	switch (behavior) {
	case MADV_DONTNEED:
		return madvise_dontneed_single_vma(vma, start, end);
	case MADV_HUGEPAGE:
	case MADV_NOHUGEPAGE:
		return hugepage_madvise(vma, start, end, behavior);
	case MADV_DONTFORK:
	case MADV_DOFORK:
	case MADV_WIPEONFORK:
	case MADV_KEEPONFORK:
		return madvise_fork_flags(vma, start, end, behavior);
	case MADV_FREE:
		return madvise_free_single_vma(vma, start, end);
	case MADV_PAGEOUT:
		return madvise_pageout(vma, start, end);
	case MADV_REMOVE:
		return madvise_remove(vma, start, end);
	case MADV_COLLAPSE:
		return madvise_collapse(vma, start, end);
	default:
		return -EINVAL;
	}
}

/*
 * madvise(2) over [start, start + len).  The whole range must be mapped
 * (the kernel would act on the mapped parts and return ENOMEM; thpsh
 * refuses and changes nothing).  -EINVAL, -ENOMEM.
 */
int do_madvise(struct mm_struct *mm, unsigned long start, size_t len, int behavior)
{
	struct vm_area_struct *vma;
	unsigned long end, addr;
	int err = 0;

	KFUNC(start, NULL);
	if (start & ~PAGE_MASK)
		return -EINVAL;
	end = start + ALIGN(len, PAGE_SIZE);
	if (end < start)
		return -EINVAL;
	if (end == start)
		return 0;
	for (addr = start; addr < end; addr = vma->vm_end)
		if (!(vma = vma_lookup(mm, addr)))
			return -ENOMEM;
	for (addr = start; addr < end && !err; ) {
		unsigned long tmp;

		vma = vma_lookup(mm, addr);
		tmp = min(vma->vm_end, end);
		err = madvise_vma_behavior(vma, addr, tmp, behavior);
		addr = tmp;
	}
	return err;
}
