/*
 * mremap.c - moving and resizing a mapping (mm/mremap.c).
 *
 * Shrinking unmaps the tail; growing extends the VMA in place when
 * nothing lies behind it; otherwise the VMA moves: copy_vma() makes
 * the new VMA, move_page_tables() carries the entries over, and the old
 * range is unmapped.  The entries move at the largest level the
 * alignment of both addresses allows (FACTS.md "mremap of a PMD-mapped
 * THP"):
 *
 *   whole PMD, both ends 2 MiB aligned   move_huge_pmd: the THP's PMD
 *                                        and its deposited table move,
 *                                        no split, no counter
 *   anything else inside a THP           split_huge_pmd, then move_ptes:
 *                                        thp_split_pmd +1, the folio is
 *                                        not split and not queued
 *   a whole PTE table, both aligned      move_normal_pmd: the table moves
 *
 * Pages never change: every value stays where its page goes.  The
 * folios' rmap still finds them, since the new VMA keeps the page offset
 * (vm_pgoff) and the anon_vmas of the old one.
 *
 * shmem VMAs (tmpfs files, shared anonymous memory, private tmpfs
 * mappings) move the same way (FACTS.md "mremap of shmem mappings"):
 * the new VMA enters the file's i_mmap at the same vm_pgoff, so the
 * page cache's rmap follows; a file PMD moves without a deposited table
 * (move_huge_pmd deposits for anon only), and split_huge_pmd of a file
 * PMD just zaps it: the pages stay in the cache and refault by PTE.  A
 * private mapping's anonymous copies move as PTEs like any anon page.
 * A shared mapping grown past the end of its file (or of its shared
 * anonymous object, sized at mmap) faults SIGBUS there.
 *
 * Simplification: one VMA at a time (the range must lie inside one;
 * 6.18 moves several with MREMAP_FIXED); no MREMAP_DONTUNMAP.
 */
#include "internal.h"

#include "huge_mm.h"
#include "rmap.h"
#include "shmem_fs.h"

/* How far one step may go: to the next @size boundary of either side. */
static unsigned long get_extent(unsigned long size, unsigned long old_addr,
				unsigned long old_end, unsigned long new_addr)
{
	unsigned long mask = ~(size - 1), next, extent;

	next = (old_addr + size) & mask;
	extent = next - old_addr;
	if (extent > old_end - old_addr)
		extent = old_end - old_addr;
	next = (new_addr + size) & mask;
	if (extent > next - new_addr)
		extent = next - new_addr;
	return extent;
}

static pmd_t *get_old_pmd(struct mm_struct *mm, unsigned long addr)
{
	pmd_t *pmd = mm_find_pmd(mm, addr);

	return pmd && !pmd_none(*pmd) ? pmd : NULL;
}

static pmd_t *alloc_new_pmd(struct mm_struct *mm, unsigned long addr)
{
	pud_t *pud = pud_alloc(mm, p4d_offset(pgd_offset(mm, addr), addr), addr);

	return pud ? pmd_alloc(mm, pud, addr) : NULL;
}

/* The PTEs of [old_addr, old_addr + extent) move to @new_pmd's table. */
static void move_ptes(struct vm_area_struct *vma, pmd_t *old_pmd, unsigned long old_addr,
		      unsigned long extent, pmd_t *new_pmd, unsigned long new_addr)
{
	struct mm_struct *mm = vma->vm_mm;
	unsigned long old_end = old_addr + extent;
	spinlock_t *old_ptl, *new_ptl;
	pte_t *old_pte, *new_pte;
	int moved = 0;

	KFUNC(old_addr, NULL);
	old_pte = pte_offset_map_lock(mm, old_pmd, old_addr, &old_ptl);
	new_pte = pte_offset_map(new_pmd, new_addr);
	new_ptl = pte_lockptr(mm, new_pmd);
	if (new_ptl != old_ptl)
		spin_lock(new_ptl);
	for (; old_addr < old_end; old_pte++, old_addr += PAGE_SIZE,
	     new_pte++, new_addr += PAGE_SIZE) {
		VM_WARN_ON(!pte_none(ptep_get(new_pte)));
		if (pte_none(ptep_get(old_pte)))
			continue;
		set_pte_at(mm, new_addr, new_pte, ptep_get_and_clear(mm, old_addr, old_pte));
		moved++;
	}
	if (new_ptl != old_ptl)
		spin_unlock(new_ptl);
	spin_unlock(old_ptl);
	KNOTE("%d ptes moved", moved);
}

/* A whole PTE table moves: only the PMD entry pointing to it changes. */
static bool move_normal_pmd(struct vm_area_struct *vma, unsigned long old_addr,
			    pmd_t *old_pmd, pmd_t *new_pmd)
{
	struct mm_struct *mm = vma->vm_mm;
	spinlock_t *old_ptl, *new_ptl;
	struct page *table;

	KFUNC(old_addr, NULL);
	if (!pmd_none(*new_pmd))
		return false;
	old_ptl = pmd_lock(mm, old_pmd);
	new_ptl = pmd_lockptr(mm, new_pmd);
	if (new_ptl != old_ptl)
		spin_lock(new_ptl);
	table = pfn_to_page(pmd_pfn(*old_pmd));
	pmd_clear(old_pmd);
	pmd_populate(mm, new_pmd, table);
	if (new_ptl != old_ptl)
		spin_unlock(new_ptl);
	spin_unlock(old_ptl);
	KNOTE("pte table pfn %#lx moved", page_to_pfn(table));
	return true;
}

/* Would aligning @addr down to @mask eat into another mapping? */
static bool can_align_down(struct vm_area_struct *vma, unsigned long addr, unsigned long mask)
{
	struct vm_area_struct *prev;

	if (vma->vm_start != addr)
		return false;
	prev = vma_prev(vma);
	return !prev || prev->vm_end <= (addr & mask);
}

/*
 * try_realign_addr(): when both ranges start at the same offset inside
 * a PMD, begin the move at the PMD boundary (no mapping lies below
 * either start), so whole tables can move.
 */
static void try_realign_addr(struct vm_area_struct *vma, unsigned long *old_addr,
			     struct vm_area_struct *new_vma, unsigned long *new_addr,
			     unsigned long len)
{
	unsigned long old_align = *old_addr & ~PMD_MASK;

	if (len < PMD_SIZE - old_align || !old_align ||
	    old_align != (*new_addr & ~PMD_MASK) ||
	    !can_align_down(vma, *old_addr, PMD_MASK) ||
	    !can_align_down(new_vma, *new_addr, PMD_MASK))
		return;
	*old_addr &= PMD_MASK;
	*new_addr &= PMD_MASK;
}

/*
 * Move the entries of [old_addr, old_addr + len) of @vma to @new_addr
 * in @new_vma.  Returns how many bytes were moved (less only if a table
 * could not be allocated).
 */
static unsigned long move_page_tables(struct vm_area_struct *vma, unsigned long old_addr,
				      struct vm_area_struct *new_vma, unsigned long new_addr,
				      unsigned long len)
{
	struct mm_struct *mm = vma->vm_mm;
	unsigned long old_end = old_addr + len, start = old_addr, extent;

	KFUNC(old_addr, NULL);
	if (!len)
		return 0;
	try_realign_addr(vma, &old_addr, new_vma, &new_addr, len);
	for (; old_addr < old_end; old_addr += extent, new_addr += extent) {
		pmd_t *old_pmd, *new_pmd;

		extent = get_extent(PMD_SIZE, old_addr, old_end, new_addr);
		old_pmd = get_old_pmd(mm, old_addr);
		if (!old_pmd)
			continue;
		new_pmd = alloc_new_pmd(mm, new_addr);
		if (!new_pmd)
			break;
		if (pmd_trans_huge(*old_pmd) || is_swap_pmd(*old_pmd)) {
			if (extent == HPAGE_PMD_SIZE &&
			    move_huge_pmd(vma, old_addr, new_addr, old_pmd, new_pmd))
				continue;
			__split_huge_pmd(vma, old_pmd, old_addr, false);
		} else if (extent == PMD_SIZE &&
			   move_normal_pmd(vma, old_addr, old_pmd, new_pmd)) {
			continue;
		}
		if (pmd_none(*old_pmd))
			continue;
		if (pmd_none(*new_pmd) && __pte_alloc(mm, new_pmd))
			break;
		move_ptes(vma, old_pmd, old_addr, extent, new_pmd, new_addr);
	}
	return old_addr < start ? 0 : min(old_addr, old_end) - start;
}

/*
 * Move [addr, addr + old_len) of @vma to a new VMA of @new_len at
 * @new_addr, then unmap the old range.  The new address or -ENOMEM.
 */
static long move_vma(struct vm_area_struct *vma, unsigned long addr,
		     unsigned long old_len, unsigned long new_len, unsigned long new_addr)
{
	struct mm_struct *mm = vma->vm_mm;
	unsigned long pgoff = vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
	struct vm_area_struct *new_vma;
	unsigned long moved;

	KFUNC(addr, NULL);
	new_vma = copy_vma(vma, new_addr, new_len, pgoff);
	if (!new_vma)
		return -ENOMEM;
	moved = move_page_tables(vma, addr, new_vma, new_addr, old_len);
	if (moved < old_len) {
		/* Put back what moved and drop the new VMA instead. */
		move_page_tables(new_vma, new_addr, vma, addr, moved);
		do_vmi_munmap(mm, new_addr, new_len);
		return -ENOMEM;
	}
	/* old_len 0 made a second mapping of a shared one: nothing to unmap. */
	if (old_len)
		do_vmi_munmap(mm, addr, old_len);
	vma_merge_neighbours(new_vma);
	return new_addr;
}

/*
 * Where a moving VMA goes without MREMAP_FIXED: a file or shmem VMA
 * asks its file (shmem_get_unmapped_area) with the page offset it will
 * keep, so a huge tmpfs mapping lands where its THPs can be mapped by
 * PMD again (FACTS.md "mremap of shmem mappings": 2 MiB aligned).
 */
static unsigned long vrm_set_new_addr(struct vm_area_struct *vma, unsigned long addr,
				      unsigned long new_len)
{
	unsigned long pgoff = vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
	unsigned long map_flags = (vma->vm_flags & VM_MAYSHARE) ? MAP_SHARED : 0;

	KFUNC(addr, NULL);
	if (vma->vm_file)
		return shmem_get_unmapped_area(vma->vm_mm, vma->vm_file, 0, new_len, pgoff,
					       map_flags);
	return get_unmapped_area(vma->vm_mm, 0, new_len, pgoff, map_flags);
}

/* Nothing is mapped in [vma->vm_end, + delta): the VMA may grow there. */
static bool vma_expandable(struct vm_area_struct *vma, unsigned long delta)
{
	struct vm_area_struct *next = vma_next(vma);
	unsigned long end = vma->vm_end + delta;

	return end > vma->vm_end && end <= TASK_SIZE && (!next || next->vm_start >= end);
}

/*
 * mremap(2) of [addr, addr + old_len) to @new_len bytes: at @new_addr
 * with MREMAP_FIXED, else in place if it can, else (MREMAP_MAYMOVE)
 * wherever get_unmapped_area() finds room.  An @old_len of 0 maps the
 * pages of a shared mapping a second time and unmaps nothing (the
 * "duplicate shm area" case check_prep_vma() keeps; a private mapping
 * gets -EINVAL).  Returns the address or -EINVAL (unaligned,
 * overlapping, flags), -EFAULT (not one mapping), -ENOMEM (no room, or
 * not allowed to move).
 */
long do_mremap(struct mm_struct *mm, unsigned long addr, unsigned long old_len,
	       unsigned long new_len, unsigned long flags, unsigned long new_addr)
{
	struct vm_area_struct *vma;
	long ret;

	KFUNC(addr, NULL);
	old_len = ALIGN(old_len, PAGE_SIZE);
	new_len = ALIGN(new_len, PAGE_SIZE);
	if ((addr & ~PAGE_MASK) || !new_len ||
	    (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED)) ||
	    ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE)))
		return -EINVAL;
	vma = vma_lookup(mm, addr);
	if (!vma || old_len > vma->vm_end - addr)
		return -EFAULT;
	if (!old_len && !(vma->vm_flags & (VM_SHARED | VM_MAYSHARE)))
		return -EINVAL;
	if (flags & MREMAP_FIXED) {
		if ((new_addr & ~PAGE_MASK) || new_len > TASK_SIZE - new_addr ||
		    (addr < new_addr + new_len && new_addr < addr + old_len))
			return -EINVAL;
		ret = do_vmi_munmap(mm, new_addr, new_len);
		if (!ret && old_len > new_len)
			ret = do_vmi_munmap(mm, addr + new_len, old_len - new_len);
		if (ret)
			return ret;
		return move_vma(vma_lookup(mm, addr), addr, min(old_len, new_len), new_len,
				new_addr);
	}
	if (old_len >= new_len) {
		if (old_len > new_len && (ret = do_vmi_munmap(mm, addr + new_len, old_len - new_len)))
			return ret;
		return addr;
	}
	if (vma->vm_end == addr + old_len && vma_expandable(vma, new_len - old_len)) {
		vma_merge_extend(vma, new_len - old_len);
		return addr;
	}
	if (!(flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	new_addr = vrm_set_new_addr(vma, addr, new_len);
	if (IS_ERR_VALUE_ULONG(new_addr))
		return (long)new_addr;
	return move_vma(vma, addr, old_len, new_len, new_addr);
}
