/*
 * access.c - the CPU's side of memory: a user load or store walks the
 * page tables like the MMU, sets the accessed and dirty bits as the
 * hardware does, and takes a page fault (arch/x86/mm/fault.c's
 * do_user_addr_fault) when the entry does not allow the access.
 */
#include "internal.h"

#include "huge_mm.h"

/* Look up @addr in @mm's page tables without changing anything. */
void mm_walk_addr(struct mm_struct *mm, unsigned long addr, struct addr_walk *w)
{
	pgd_t *pgd = pgd_offset(mm, addr);

	*w = (struct addr_walk){ .pgd = pgd_val(*pgd), .p4d = pgd_val(*pgd), .level = 1 };
	if (pgd_none(*pgd))
		return;
	w->pudp = pud_offset(p4d_offset(pgd, addr), addr);
	w->pud = pud_val(*w->pudp);
	w->level = 2;
	if (pud_none(*w->pudp))
		return;
	w->pmdp = pmd_offset(w->pudp, addr);
	w->pmd = pmd_val(*w->pmdp);
	w->level = 3;
	if (pmd_none(*w->pmdp) || pmd_trans_huge(*w->pmdp) || !pmd_present(*w->pmdp))
		return;
	w->ptep = pte_offset_map(w->pmdp, addr);
	w->pte = pte_val(*w->ptep);
	w->level = 4;
}

static bool access_error(bool write, const struct vm_area_struct *vma)
{
	if (write)
		return !(vma->vm_flags & VM_WRITE);
	return !(vma->vm_flags & (VM_READ | VM_WRITE | VM_EXEC));
}

/*
 * A page fault at @address.  0, -EFAULT (no VMA: SIGSEGV), -EACCES
 * (protection: SIGSEGV), -ENOMEM (VM_FAULT_OOM), -EIO (VM_FAULT_SIGBUS).
 */
int do_user_addr_fault(struct mm_struct *mm, unsigned long address, bool write,
		       const char **outcome)
{
	struct vm_area_struct *vma = vma_lookup(mm, address);
	vm_fault_t fault;

	KFUNC(address, NULL);
	*outcome = "none";
	if (!vma)
		return -EFAULT;
	if (access_error(write, vma))
		return -EACCES;
	fault = handle_mm_fault(vma, address, write ? FAULT_FLAG_WRITE : 0, outcome);
	if (fault & VM_FAULT_OOM)
		return -ENOMEM;
	if (fault & (VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV))
		return -EIO;
	return 0;
}

/* What the MMU does with a leaf that allows the access: set A (and D). */
static struct page *hw_access(struct mm_struct *mm, unsigned long addr, bool write)
{
	struct addr_walk w;

	mm_walk_addr(mm, addr, &w);
	if (w.level == 3 && pmd_trans_huge(*w.pmdp) && (pmd_val(*w.pmdp) & _PAGE_PRESENT)) {
		pmd_t pmd = *w.pmdp;

		if (write && !pmd_write(pmd))
			return NULL;
		pmd = pmd_set_flags(pmd, _PAGE_ACCESSED | (write ? _PAGE_DIRTY : 0));
		*w.pmdp = pmd;
		return pfn_to_page(pmd_pfn(pmd) + ((addr & ~PMD_MASK) >> PAGE_SHIFT));
	}
	if (w.level == 4 && (pte_val(*w.ptep) & _PAGE_PRESENT)) {
		pte_t pte = *w.ptep;

		if (write && !pte_write(pte))
			return NULL;
		*w.ptep = pte_set_flags(pte, _PAGE_ACCESSED | (write ? _PAGE_DIRTY : 0));
		return pfn_to_page(pte_pfn(pte));
	}
	return NULL;
}

/*
 * A user access to @addr: returns the page it reaches in *pagep, after
 * at most one fault (whose outcome is reported), or an error as
 * do_user_addr_fault().
 */
int access_user_page(struct mm_struct *mm, unsigned long addr, bool write,
		     struct page **pagep, const char **outcome)
{
	struct page *page = hw_access(mm, addr, write);
	int err;

	*outcome = "none";
	if (!page) {
		err = do_user_addr_fault(mm, addr, write, outcome);
		if (err)
			return err;
		page = hw_access(mm, addr, write);
		if (!page)
			return -EIO;
	}
	*pagep = page;
	return 0;
}
