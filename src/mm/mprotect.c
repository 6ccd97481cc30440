/*
 * mprotect.c - changing protections (mm/mprotect.c).
 *
 * The VMA is split at the range's edges first, which splits any THP
 * straddling them; PMDs wholly inside are rewritten in place
 * (change_huge_pmd), PTEs one by one.
 */
#include "internal.h"

#include "huge_mm.h"
#include "rmap.h"

#define MM_CP_TRY_CHANGE_WRITABLE	0x1

/* A private anonymous page mapped exclusively may be writable at once. */
static bool can_change_pte_writable(struct vm_area_struct *vma, unsigned long addr,
				    pte_t pte)
{
	struct page *page;

	if (!(vma->vm_flags & VM_WRITE) || pte_protnone(pte))
		return false;
	if (vma->vm_flags & VM_SHARED)
		return pte_dirty(pte);
	page = vm_normal_page(vma, addr, pte);
	return page && folio_test_anon(page_folio(page)) && PageAnonExclusive(page);
}

static long change_pte_range(struct vm_area_struct *vma, pmd_t *pmd,
			     unsigned long addr, unsigned long end, pgprot_t newprot,
			     unsigned long cp_flags)
{
	struct mm_struct *mm = vma->vm_mm;
	spinlock_t *ptl;
	long pages = 0;
	pte_t *pte;

	KFUNC(addr, NULL);
	pte = pte_offset_map_lock(mm, pmd, addr, &ptl);
	if (!pte)
		return 0;
	do {
		pte_t oldpte = ptep_get(pte), ptent;

		if (!pte_present(oldpte)) {
			/* A writable migration entry would let a write through. */
			if (is_pte_migration_entry(oldpte) &&
			    is_writable_migration_entry(pte_to_swp_entry(oldpte))) {
				swp_entry_t e = pte_to_swp_entry(oldpte);
				struct folio *folio = page_folio(pfn_to_page(swp_offset_pfn(e)));

				e = folio_test_anon(folio) ?
				    make_readable_exclusive_migration_entry(swp_offset(e)) :
				    make_readable_migration_entry(swp_offset(e));
				set_pte_at(mm, addr, pte, swp_entry_to_pte(e));
				pages++;
			}
			continue;
		}
		ptent = pte_modify(oldpte, newprot);
		if ((cp_flags & MM_CP_TRY_CHANGE_WRITABLE) && !pte_write(ptent) &&
		    !pte_special(ptent) && can_change_pte_writable(vma, addr, ptent))
			ptent = pte_mkwrite(ptent);
		set_pte_at(mm, addr, pte, ptent);
		pages++;
	} while (pte++, addr += PAGE_SIZE, addr != end);
	spin_unlock(ptl);
	KNOTE("%ld ptes rewritten", pages);
	return pages;
}

static long change_pmd_range(struct mmu_gather *tlb, struct vm_area_struct *vma,
			     pud_t *pud, unsigned long addr, unsigned long end,
			     pgprot_t newprot, unsigned long cp_flags)
{
	unsigned long next;
	long pages = 0;
	pmd_t *pmd;

	KFUNC(addr, NULL);
	pmd = pmd_offset(pud, addr);
	do {
		next = pmd_addr_end(addr, end);
		if (is_swap_pmd(*pmd) || pmd_trans_huge(*pmd)) {
			if (next - addr != HPAGE_PMD_SIZE) {
				__split_huge_pmd(vma, pmd, addr, false);
			} else {
				int ret = change_huge_pmd(tlb, vma, pmd, addr, newprot, cp_flags);

				if (ret) {
					pages += ret == HPAGE_PMD_NR ? HPAGE_PMD_NR : 0;
					continue;
				}
			}
		}
		if (pmd_none(*pmd))
			continue;
		pages += change_pte_range(vma, pmd, addr, next, newprot, cp_flags);
	} while (pmd++, addr = next, addr != end);
	return pages;
}

long change_protection(struct mmu_gather *tlb, struct vm_area_struct *vma,
		       unsigned long start, unsigned long end, unsigned long cp_flags)
{
	unsigned long addr = start, next;
	long pages = 0;

	KFUNC(start, NULL);
	do {
		pgd_t *pgd = pgd_offset(vma->vm_mm, addr);
		pud_t *pud;
		unsigned long pnext;

		next = pgd_addr_end(addr, end);
		if (pgd_none(*pgd))
			continue;
		pud = pud_offset(p4d_offset(pgd, addr), addr);
		for (; addr != next; pud++, addr = pnext) {
			pnext = pud_addr_end(addr, next);
			if (!pud_none(*pud))
				pages += change_pmd_range(tlb, vma, pud, addr, pnext,
							  vma->vm_page_prot, cp_flags);
		}
	} while (addr = next, addr != end);
	return pages;
}

static int mprotect_fixup(struct mmu_gather *tlb, struct vm_area_struct *vma,
			  unsigned long start, unsigned long end,
			  unsigned long newflags)
{
	unsigned long oldflags = vma->vm_flags;
	unsigned long cp_flags = 0;

	KFUNC(start, NULL);
	if (newflags == oldflags)
		return 0;
	/* Private memory becoming writable is charged (VM_ACCOUNT). */
	if (newflags & VM_WRITE) {
		if (!(oldflags & (VM_ACCOUNT | VM_WRITE | VM_SHARED | VM_NORESERVE)))
			newflags |= VM_ACCOUNT;
	} else if ((oldflags & VM_ACCOUNT) && !vma->anon_vma) {
		newflags &= ~VM_ACCOUNT;
	}
	vma = vma_modify_flags(vma, start, end, newflags);
	if (!vma)
		return -ENOMEM;
	if (!(vma->vm_flags & VM_SHARED) && (vma->vm_flags & VM_WRITE))
		cp_flags |= MM_CP_TRY_CHANGE_WRITABLE;
	change_protection(tlb, vma, start, end, cp_flags);
	return 0;
}

/*
 * mprotect(2).  The whole range must be mapped: the kernel would change
 * the mapped part and return ENOMEM; thpsh refuses and changes nothing.
 * -EINVAL (unaligned), -ENOMEM (hole), -EACCES (beyond VM_MAY*).
 */
int do_mprotect(struct mm_struct *mm, unsigned long start, size_t len, unsigned long prot)
{
	unsigned long end, addr;
	struct vm_area_struct *vma;
	struct mmu_gather tlb;
	unsigned long newbits = (prot & PROT_READ ? VM_READ : 0) |
				(prot & PROT_WRITE ? VM_WRITE : 0) |
				(prot & PROT_EXEC ? VM_EXEC : 0);
	int err = 0;

	KFUNC(start, NULL);
	if (start & ~PAGE_MASK)
		return -EINVAL;
	if (!len)
		return 0;
	end = start + ALIGN(len, PAGE_SIZE);
	if (end <= start)
		return -ENOMEM;
	for (addr = start; addr < end; addr = vma->vm_end) {
		vma = vma_lookup(mm, addr);
		if (!vma)
			return -ENOMEM;
		if ((newbits & ~(vma->vm_flags >> 4)) & VM_ACCESS_FLAGS)
			return -EACCES;
	}
	tlb_gather_mmu(&tlb, mm);
	for (addr = start; addr < end && !err; ) {
		unsigned long tmp;

		vma = vma_lookup(mm, addr);
		tmp = min(vma->vm_end, end);
		err = mprotect_fixup(&tlb, vma, addr, tmp,
				     (vma->vm_flags & ~VM_ACCESS_FLAGS) | newbits);
		addr = tmp;
	}
	tlb_finish_mmu(&tlb);
	return err;
}
