/*
 * mmap.c - creating and destroying mappings (mm/mmap.c, mm/vma.c's
 * munmap, arch/x86/kernel/sys_x86_64.c's top-down placement).
 *
 * Placement is top-down from mmap_base, without randomization: the
 * highest gap that fits.  An anonymous private mapping whose length is
 * a multiple of 2 MiB asks for 2 MiB more and is aligned inside that
 * (thp_get_unmapped_area), which the live kernel does too (FACTS.md A1).
 */
#include "internal.h"

#include "huge_mm.h"
#include "khugepaged.h"
#include "rmap.h"
#include "shmem_fs.h"

/* mmap_base with ADDR_NO_RANDOMIZE: TASK_SIZE minus the 128 MiB stack gap. */
#define MMAP_BASE	(TASK_SIZE - 128 * 1024 * 1024)

/* unmapped_area_topdown(): the highest gap of @len below @high. */
static unsigned long unmapped_area_topdown(struct mm_struct *mm, unsigned long len,
					   unsigned long low, unsigned long high)
{
	struct vm_area_struct *vma;
	unsigned long gap_end = high;

	list_for_each_entry_reverse(vma, &mm->mmap, vm_list) {
		if (vma->vm_start >= gap_end)
			continue;
		if (vma->vm_end <= gap_end && gap_end - vma->vm_end >= len)
			return gap_end - len;
		gap_end = min(gap_end, vma->vm_start);
	}
	if (gap_end >= low + len)
		return gap_end - len;
	return -ENOMEM;
}

unsigned long mm_get_unmapped_area(struct mm_struct *mm, unsigned long len)
{
	return unmapped_area_topdown(mm, len, PAGE_SIZE, mm->mmap_base);
}

/*
 * Ask for len + 2 MiB and place the mapping at the 2 MiB boundary inside;
 * when the padded area happens to be aligned, top-down takes its top.
 */
unsigned long thp_get_unmapped_area(struct mm_struct *mm, unsigned long len)
{
	unsigned long ret, off_sub;

	ret = mm_get_unmapped_area(mm, len + PMD_SIZE);
	if (IS_ERR_VALUE_ULONG(ret))
		return mm_get_unmapped_area(mm, len);
	off_sub = (0 - ret) & (PMD_SIZE - 1);
	if (!off_sub)
		return ret + PMD_SIZE;
	return ret + off_sub;
}

unsigned long get_unmapped_area(struct mm_struct *mm, unsigned long addr,
				unsigned long len, unsigned long pgoff,
				unsigned long flags)
{
	(void)pgoff;
	if (flags & MAP_FIXED)
		return addr;
	if (!(flags & MAP_SHARED) && IS_ALIGNED(len, PMD_SIZE))
		return thp_get_unmapped_area(mm, len);
	return mm_get_unmapped_area(mm, len);
}

/*
 * Map [addr, addr + len) in @mm: a new VMA, merged into its neighbours
 * where the rules allow.  Returns the address or -errno.
 */
static long mmap_region(struct mm_struct *mm, unsigned long addr, unsigned long len,
			unsigned long vm_flags, struct shmem_file *file,
			unsigned long pgoff)
{
	struct vm_area_struct *vma;

	KFUNC(addr, NULL);
	if (find_vma(mm, addr) && find_vma(mm, addr)->vm_start < addr + len) {
		int err = do_vmi_munmap(mm, addr, len);	/* MAP_FIXED over old */

		if (err)
			return err;
	}
	vma = vm_area_dup(&(struct vm_area_struct){
		.vm_start = addr, .vm_end = addr + len, .vm_mm = mm,
		.vm_flags = vm_flags, .vm_file = file, .vm_pgoff = pgoff,
	});
	if (!vma)
		return -ENOMEM;
	if (!file && (vm_flags & VM_SHARED) && shmem_zero_setup(vma)) {
		vm_area_free(vma);
		return -ENOMEM;
	}
	vma->vm_page_prot = vm_get_page_prot(vm_flags);
	vma_link(mm, vma);
	KNOTE("new vma [%#lx, %#lx)", addr, addr + len);
	/*
	 * A shmem VMA may be khugepaged's from the start (mm/vma.c
	 * __mmap_new_vma), as mapped: before the madvise that the
	 * VM_HUGEPAGE or VM_NOHUGEPAGE of @vm_flags stands for.
	 */
	if (!vma_is_anonymous(vma)) {
		vma->vm_flags &= ~(VM_HUGEPAGE | VM_NOHUGEPAGE);
		khugepaged_enter_vma(vma, vma->vm_flags);
		vma->vm_flags = vm_flags;
	}
	vma_merge_neighbours(vma);
	return addr;
}

static unsigned long calc_vm_flags(unsigned long prot, unsigned long flags)
{
	unsigned long vm_flags = VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;

	if (prot & PROT_READ)
		vm_flags |= VM_READ;
	if (prot & PROT_WRITE)
		vm_flags |= VM_WRITE;
	if (prot & PROT_EXEC)
		vm_flags |= VM_EXEC;
	if (flags & MAP_SHARED)
		vm_flags |= VM_SHARED | VM_MAYSHARE;
	else if (vm_flags & VM_WRITE)
		vm_flags |= VM_ACCOUNT;	/* private writable memory is accounted */
	return vm_flags;
}

/*
 * mmap(2) for anonymous memory (and shmem files, @file): place, then
 * map.  @vm_extra adds VM_HUGEPAGE/VM_NOHUGEPAGE as an madvise would.
 */
long do_mmap(struct mm_struct *mm, unsigned long addr, unsigned long len,
	     unsigned long prot, unsigned long flags, unsigned long vm_extra,
	     struct shmem_file *file, unsigned long pgoff)
{
	unsigned long vm_flags = calc_vm_flags(prot, flags) | vm_extra;

	KFUNC(addr, NULL);
	len = ALIGN(len, PAGE_SIZE);
	if (!len || len > TASK_SIZE)
		return -ENOMEM;
	/* Shared anonymous memory is a shmem file at offset 0 (shmem_zero_setup). */
	if (!file && (flags & MAP_SHARED))
		pgoff = 0;
	if (file || (flags & MAP_SHARED))
		addr = shmem_get_unmapped_area(mm, file, addr, len, pgoff, flags);
	else
		addr = get_unmapped_area(mm, addr, len, pgoff, flags);
	if (IS_ERR_VALUE_ULONG(addr))
		return (long)addr;
	if (!file && !(flags & MAP_SHARED))
		pgoff = addr >> PAGE_SHIFT;
	return mmap_region(mm, addr, len, vm_flags, file, pgoff);
}

/* The VMAs that will stay around a hole: floor and ceiling for free_pgtables. */
static void munmap_neighbours(struct mm_struct *mm, unsigned long start,
			      unsigned long end, unsigned long *floor,
			      unsigned long *ceiling)
{
	struct vm_area_struct *next = find_vma(mm, end);
	struct vm_area_struct *prev;

	*ceiling = next ? next->vm_start : 0;
	prev = next ? vma_prev(next) : (list_empty(&mm->mmap) ? NULL :
		list_entry(mm->mmap.prev, struct vm_area_struct, vm_list));
	*floor = prev && prev->vm_end <= start ? prev->vm_end : 0;
}

/*
 * do_vmi_align_munmap(): split the VMAs at @start and @end, detach the
 * ones in between, zap their pages and free their page tables.
 */
static int do_vmi_align_munmap(struct mm_struct *mm, struct vm_area_struct *vma,
			       unsigned long start, unsigned long end)
{
	struct vm_area_struct *next, *tmp;
	struct mmu_gather tlb;
	unsigned long floor, ceiling;
	LIST_HEAD(detached);

	KFUNC(start, NULL);
	if (start > vma->vm_start && __split_vma(vma, start, 1))
		return -ENOMEM;
	next = vma;
	while (next && next->vm_start < end) {
		if (next->vm_end > end && __split_vma(next, end, 0))
			return -ENOMEM;
		tmp = vma_next(next);
		vma_unlink(mm, next);
		list_add_tail(&next->vm_list, &detached);
		next = tmp;
	}
	munmap_neighbours(mm, start, end, &floor, &ceiling);
	tlb_gather_mmu(&tlb, mm);
	unmap_vmas(&tlb, &detached, start, end);
	free_pgtables(&tlb, &detached, floor, ceiling);
	tlb_finish_mmu(&tlb);
	list_for_each_entry_safe(next, tmp, &detached, vm_list)
		vm_area_free(next);
	return 0;
}

/* munmap(2): unmap [start, start + len); a hole is not an error. */
int do_vmi_munmap(struct mm_struct *mm, unsigned long start, size_t len)
{
	unsigned long end;
	struct vm_area_struct *vma;

	KFUNC(start, NULL);
	if ((start & ~PAGE_MASK) || start > TASK_SIZE || len > TASK_SIZE - start)
		return -EINVAL;
	end = start + ALIGN(len, PAGE_SIZE);
	if (end == start)
		return -EINVAL;
	vma = find_vma(mm, start);
	if (!vma || vma->vm_start >= end)
		return 0;
	return do_vmi_align_munmap(mm, vma, start, end);
}

/* Tear down a whole address space (a process exits). */
void exit_mmap(struct mm_struct *mm)
{
	struct vm_area_struct *vma, *tmp;
	struct mmu_gather tlb;
	LIST_HEAD(all);

	KFUNC(0, NULL);
	list_splice_tail_init(&mm->mmap, &all);
	mm->mm_mt.node = NULL;
	mm->map_count = 0;
	tlb_gather_mmu_fullmm(&tlb, mm);
	unmap_vmas(&tlb, &all, 0, TASK_SIZE);
	mm_put_huge_zero_folio(mm);
	free_pgtables(&tlb, &all, 0, 0);
	tlb_finish_mmu(&tlb);
	list_for_each_entry_safe(vma, tmp, &all, vm_list)
		vm_area_free(vma);
}

/*
 * fork: give the new @mm a copy of each VMA of @oldmm and of its page
 * tables.  A MADV_DONTFORK VMA (VM_DONTCOPY) is left out; a
 * MADV_WIPEONFORK one arrives empty.  0 or -ENOMEM (the caller then
 * tears @mm down: what was copied so far unmaps like any mm).
 */
int dup_mmap(struct mm_struct *mm, struct mm_struct *oldmm)
{
	struct vm_area_struct *mpnt, *tmp;

	KFUNC(0, NULL);
	khugepaged_fork(mm, oldmm);
	for_each_vma(oldmm, mpnt) {
		if (mpnt->vm_flags & VM_DONTCOPY)
			continue;
		tmp = vm_area_dup(mpnt);
		if (!tmp)
			return -ENOMEM;
		tmp->vm_mm = mm;
		if (tmp->vm_flags & VM_WIPEONFORK) {
			tmp->anon_vma = NULL;
		} else if (anon_vma_fork(tmp, mpnt)) {
			vm_area_free(tmp);
			return -ENOMEM;
		}
		tmp->vm_flags &= ~VM_LOCKED;
		vma_link(mm, tmp);
		if (!(tmp->vm_flags & VM_WIPEONFORK) && copy_page_range(tmp, mpnt))
			return -ENOMEM;
	}
	KNOTE("%d VMAs copied", mm->map_count);
	return 0;
}
