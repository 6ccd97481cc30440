/*
 * madvise.c - madvise(2) (mm/madvise.c).
 *
 * MADV_HUGEPAGE/NOHUGEPAGE change VM flags (splitting and merging VMAs
 * as needed); MADV_DONTNEED zaps a range without touching the VMAs, the
 * path the first seed walks through: zap_pmd_range -> __split_huge_pmd
 * -> zap_pte_range -> deferred_split_folio.
 */
#include "internal.h"

#include "huge_mm.h"

static int hugepage_madvise(struct vm_area_struct *vma, unsigned long start,
			    unsigned long end, int advice)
{
	unsigned long flags = vma->vm_flags;

	if (advice == MADV_HUGEPAGE)
		flags = (flags & ~VM_NOHUGEPAGE) | VM_HUGEPAGE;
	else
		flags = (flags & ~VM_HUGEPAGE) | VM_NOHUGEPAGE;
	return vma_modify_flags(vma, start, end, flags) ? 0 : -ENOMEM;
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
