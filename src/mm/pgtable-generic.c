/*
 * pgtable-generic.c - the generic page-table helpers x86 uses as they
 * are: depositing a PTE table for a THP, invalidating a huge PMD.
 *
 * Deposit/withdraw: every PMD-mapped anonymous THP keeps one PTE table
 * in reserve, so that splitting its PMD later never needs memory.  The
 * reserve hangs off the PMD table's descriptor (pmd_huge_pte), a LIFO
 * list, since one PMD table holds up to 512 THPs:
 *
 *    PMD table page                   deposited PTE tables
 *    +--------------+                 +---------+    +---------+
 *    | pmd_huge_pte |---------------->| table B |--->| table A |---> NULL
 *    +--------------+ pt_deposit_next +---------+    +---------+
 */
#include "internal.h"

/* Caller holds the PMD lock. */
void pgtable_trans_huge_deposit(struct mm_struct *mm, pmd_t *pmdp,
				struct page *pgtable)
{
	struct page *pmd_table = entry_table_page(pmdp);

	KFUNC(0, NULL);
	(void)mm;
	lockdep_assert_held(&pmd_table->ptl);
	pgtable->pt_deposit_next = pmd_table->pmd_huge_pte;
	pmd_table->pmd_huge_pte = pgtable;
	KNOTE("deposit pte table pfn %#lx", page_to_pfn(pgtable));
}

/* Caller holds the PMD lock.  Returns the most recently deposited table. */
struct page *pgtable_trans_huge_withdraw(struct mm_struct *mm, pmd_t *pmdp)
{
	struct page *pmd_table = entry_table_page(pmdp);
	struct page *pgtable = pmd_table->pmd_huge_pte;

	KFUNC(0, NULL);
	(void)mm;
	lockdep_assert_held(&pmd_table->ptl);
	VM_BUG_ON(!pgtable);
	pmd_table->pmd_huge_pte = pgtable->pt_deposit_next;
	pgtable->pt_deposit_next = NULL;
	KNOTE("withdraw pte table pfn %#lx", page_to_pfn(pgtable));
	return pgtable;
}

/*
 * Mark a huge PMD not present while keeping it huge, so nobody can use
 * it while it is being split.  Returns the old value.
 */
pmd_t pmdp_invalidate(struct vm_area_struct *vma, unsigned long address, pmd_t *pmdp)
{
	pmd_t old = *pmdp;

	KFUNC(address, NULL);
	(void)vma;
	VM_WARN_ON_ONCE(!pmd_present(old));
	set_pmd_at(vma->vm_mm, address, pmdp, pmd_mkinvalid(old));
	KNOTE("pmd %#llx -> %#llx", (unsigned long long)pmd_val(old),
	      (unsigned long long)pmd_val(*pmdp));
	return old;
}

pmd_t pmdp_huge_clear_flush(struct vm_area_struct *vma, unsigned long address,
			    pmd_t *pmdp)
{
	return pmdp_huge_get_and_clear(vma->vm_mm, address, pmdp);
}

/* Unhook the PTE table under @pmdp (a collapse); returns the old PMD. */
pmd_t pmdp_collapse_flush(struct vm_area_struct *vma, unsigned long address, pmd_t *pmdp)
{
	pmd_t pmd;

	KFUNC(address, NULL);
	pmd = pmdp_huge_get_and_clear(vma->vm_mm, address, pmdp);
	VM_BUG_ON(pmd_trans_huge(pmd));
	KNOTE("pmd %#llx -> 0: the PTE table is unhooked", (unsigned long long)pmd_val(pmd));
	return pmd;
}

void pmdp_set_wrprotect(struct mm_struct *mm, unsigned long addr, pmd_t *pmdp)
{
	set_pmd_at(mm, addr, pmdp, pmd_wrprotect(*pmdp));
}

int pmdp_set_access_flags(struct vm_area_struct *vma, unsigned long address,
			  pmd_t *pmdp, pmd_t entry, int dirty)
{
	int changed = pmd_val(*pmdp) != pmd_val(entry);

	(void)dirty;
	if (changed)
		set_pmd_at(vma->vm_mm, address, pmdp, entry);
	return changed;
}

int ptep_set_access_flags(struct vm_area_struct *vma, unsigned long address,
			  pte_t *ptep, pte_t entry, int dirty)
{
	int changed = pte_val(*ptep) != pte_val(entry);

	(void)dirty;
	if (changed)
		set_pte_at(vma->vm_mm, address, ptep, entry);
	return changed;
}
