/*
 * page_vma_mapped.c - find the entries that map a range of pfns in one
 * VMA (mm/page_vma_mapped.c).
 *
 * Each call returns true standing on one mapping: a PMD (pvmw->pte is
 * NULL) or a PTE, with the page-table lock held; the next call moves on.
 * With PVMW_MIGRATION it looks for migration entries instead of present
 * ones.
 */
#include "rmap.h"

#include "huge_mm.h"

void page_vma_mapped_walk_done(struct page_vma_mapped_walk *pvmw)
{
	if (pvmw->ptl)
		spin_unlock(pvmw->ptl);
	pvmw->ptl = NULL;
}

static bool not_found(struct page_vma_mapped_walk *pvmw)
{
	page_vma_mapped_walk_done(pvmw);
	return false;
}

void page_vma_mapped_walk_restart(struct page_vma_mapped_walk *pvmw)
{
	page_vma_mapped_walk_done(pvmw);
	pvmw->pmd = NULL;
	pvmw->pte = NULL;
}

static __always_inline bool check_pte(const struct page_vma_mapped_walk *pvmw)
{
	pte_t pte = ptep_get(pvmw->pte);
	unsigned long pfn;

	if (pvmw->flags & PVMW_MIGRATION) {
		if (!is_pte_migration_entry(pte))
			return false;
		pfn = swp_offset_pfn(pte_to_swp_entry(pte));
	} else {
		if (!pte_present(pte))
			return false;
		pfn = pte_pfn(pte);
	}
	return pfn - pvmw->pfn < pvmw->nr_pages;
}

static bool check_pmd(unsigned long pfn, const struct page_vma_mapped_walk *pvmw)
{
	return pfn + HPAGE_PMD_NR - 1 >= pvmw->pfn &&
	       pfn <= pvmw->pfn + pvmw->nr_pages - 1;
}

static unsigned long vma_address_end(const struct page_vma_mapped_walk *pvmw)
{
	const struct vm_area_struct *vma = pvmw->vma;
	unsigned long address;

	if (pvmw->nr_pages == 1)
		return pvmw->address + PAGE_SIZE;
	address = vma->vm_start +
		  ((pvmw->pgoff + pvmw->nr_pages - vma->vm_pgoff) << PAGE_SHIFT);
	if (address < vma->vm_start || address > vma->vm_end)
		address = vma->vm_end;
	return address;
}

static void step_forward(struct page_vma_mapped_walk *pvmw, unsigned long size)
{
	pvmw->address = (pvmw->address + size) & ~(size - 1);
	if (!pvmw->address)
		pvmw->address = ~0UL;
}

/*
 * Scan the PTE table from pvmw->pte on; false when it is left behind.
 * Inline: its two callers are one walk step each, for every PTE of a split.
 */
static __always_inline bool scan_ptes(struct page_vma_mapped_walk *pvmw,
				      unsigned long end, bool advance)
{
	struct mm_struct *mm = pvmw->vma->vm_mm;

	for (;;) {
		if (advance) {
			pvmw->address += PAGE_SIZE;
			if (pvmw->address >= end || !(pvmw->address & ~PMD_MASK)) {
				page_vma_mapped_walk_done(pvmw);
				pvmw->pte = NULL;
				return false;
			}
			pvmw->pte++;
		}
		advance = true;
		if (check_pte(pvmw)) {
			if (!pvmw->ptl) {
				pvmw->ptl = pte_lockptr(mm, pvmw->pmd);
				spin_lock(pvmw->ptl);
			}
			return true;
		}
	}
}

/*
 * From pvmw->address down the page tables, and on through the tables of
 * [address, end).  Out of line: most steps of a walk stay in the PTE
 * table they stand on, and page_vma_mapped_walk() needs no registers
 * saved for them.
 */
static __attribute__((noinline)) bool walk_page_tables(struct page_vma_mapped_walk *pvmw,
						       unsigned long end)
{
	struct mm_struct *mm = pvmw->vma->vm_mm;

	while (pvmw->address < end) {
		pgd_t *pgd = pgd_offset(mm, pvmw->address);
		pud_t *pud;
		pmd_t pmde;

		if (pgd_none(*pgd)) {
			step_forward(pvmw, PGDIR_SIZE);
			continue;
		}
		pud = pud_offset(p4d_offset(pgd, pvmw->address), pvmw->address);
		if (pud_none(*pud)) {
			step_forward(pvmw, PUD_SIZE);
			continue;
		}
		pvmw->pmd = pmd_offset(pud, pvmw->address);
		pmde = pmdp_get(pvmw->pmd);
		if (pmd_trans_huge(pmde) || is_pmd_migration_entry(pmde)) {
			pvmw->ptl = pmd_lock(mm, pvmw->pmd);
			if (!pmd_present(pmde)) {
				if (!(pvmw->flags & PVMW_MIGRATION) ||
				    !check_pmd(swp_offset_pfn(pmd_to_swp_entry(pmde)), pvmw))
					return not_found(pvmw);
				return true;
			}
			if ((pvmw->flags & PVMW_MIGRATION) || !check_pmd(pmd_pfn(pmde), pvmw))
				return not_found(pvmw);
			return true;
		}
		if (pmd_none(pmde) || !pmd_present(pmde)) {
			step_forward(pvmw, PMD_SIZE);
			continue;
		}
		pvmw->pte = pte_offset_map(pvmw->pmd, pvmw->address);
		if (scan_ptes(pvmw, end, false))
			return true;
		if (pvmw->address >= end)
			break;
	}
	return not_found(pvmw);
}

bool page_vma_mapped_walk(struct page_vma_mapped_walk *pvmw)
{
	unsigned long end;

	/* A PMD maps the whole range: there is nothing after it. */
	if (pvmw->pmd && !pvmw->pte)
		return not_found(pvmw);
	end = vma_address_end(pvmw);
	if (pvmw->pte && scan_ptes(pvmw, end, true))
		return true;
	/* The end of a one-page walk, the second step of every remap. */
	if (pvmw->address >= end)
		return not_found(pvmw);
	return walk_page_tables(pvmw, end);
}
