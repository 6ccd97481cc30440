/*
 * pgtable.c - page-table pages and the primitive entry writes
 * (arch/x86/mm/pgtable.c, asm/pgalloc.h, asm/pgtable.h).
 *
 * A page-table page is a simulated page: it is allocated from the buddy
 * allocator, counts in PageTables and can run out like any other.  Its
 * 512 entries are the frame's contents in phys_tables.
 */
#include "internal.h"

#include <string.h>
#include <sys/mman.h>

u64 *phys_tables;
static size_t phys_tables_bytes;

int pagetable_init(void)
{
	void *p;

	phys_tables_bytes = max_pfn * PAGE_SIZE;
	p = mmap(NULL, phys_tables_bytes, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -ENOMEM;
	phys_tables = p;
	return 0;
}

void pagetable_exit(void)
{
	if (phys_tables)
		munmap(phys_tables, phys_tables_bytes);
	phys_tables = NULL;
}

struct page *pagetable_alloc(struct mm_struct *mm)
{
	struct page *page = alloc_pages_node(current ? current->nid : 0, GFP_KERNEL, 0);

	(void)mm;
	if (!page)
		return NULL;
	page->pmd_huge_pte = NULL;
	page->pt_deposit_next = NULL;
	page->ptl.held = false;
	page->page_type = (unsigned int)PGTY_table << PAGE_TYPE_SHIFT;
	mod_node_page_state(pfn_to_nid(page_to_pfn(page)), NR_PAGETABLE, 1);
	return page;
}

void pagetable_free(struct page *page)
{
	VM_BUG_ON(page->ptl.held || page->pmd_huge_pte);
	memset(page_table_entries(page), 0, PAGE_SIZE);
	mod_node_page_state(pfn_to_nid(page_to_pfn(page)), NR_PAGETABLE, -1);
	page->pmd_huge_pte = NULL;
	page->pt_deposit_next = NULL;
	page->private = 0;
	page->_mapcount = -1;
	page->_refcount = 0;
	__free_pages(page, 0);
}

struct page *pte_alloc_one(struct mm_struct *mm)
{
	return pagetable_alloc(mm);
}

void pte_free(struct mm_struct *mm, struct page *pte_table)
{
	(void)mm;
	pagetable_free(pte_table);
}

pte_t *pte_offset_map_lock(struct mm_struct *mm, pmd_t *pmd,
			   unsigned long addr, spinlock_t **ptlp)
{
	pte_t *pte = pte_offset_map(pmd, addr);

	if (!pte)
		return NULL;
	*ptlp = pte_lockptr(mm, pmd);
	spin_lock(*ptlp);
	return pte;
}

void pmd_populate(struct mm_struct *mm, pmd_t *pmd, struct page *pte_table)
{
	(void)mm;
	*pmd = __pmd(((u64)page_to_pfn(pte_table) << PAGE_SHIFT) | _PAGE_TABLE);
}
