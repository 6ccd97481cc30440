/*
 * mmu_gather.c - batching the frees that must wait for the TLB flush
 * (mm/mmu_gather.c).
 *
 * Unmapping first clears entries and only then, after the (simulated)
 * TLB flush, drops the mapping references and frees emptied page
 * tables.  So while zap_pte_range runs, the folios it unmapped are
 * still allocated; tlb_finish_mmu() is where memory comes back.
 */
#include "internal.h"

#include <stdlib.h>

#include "huge_mm.h"
#include "swap.h"

void tlb_gather_mmu(struct mmu_gather *tlb, struct mm_struct *mm)
{
	*tlb = (struct mmu_gather){ .mm = mm };
}

void tlb_gather_mmu_fullmm(struct mmu_gather *tlb, struct mm_struct *mm)
{
	tlb_gather_mmu(tlb, mm);
	tlb->fullmm = true;
}

static bool grow(void **array, int *cap, size_t elem)
{
	int n = *cap ? 2 * *cap : 64;
	void *p = realloc(*array, n * elem);

	if (!p)
		return false;
	*array = p;
	*cap = n;
	return true;
}

/* Remember @nr mapping references of @folio to drop after the flush. */
void __tlb_remove_folio_pages(struct mmu_gather *tlb, struct folio *folio, int nr)
{
	if (tlb->nr == tlb->cap) {
		int cap = tlb->cap;

		if (!grow((void **)&tlb->folios, &cap, sizeof(*tlb->folios)) ||
		    !grow((void **)&tlb->refs, &tlb->cap, sizeof(*tlb->refs))) {
			tlb->cap = tlb->nr;
			folio_put_refs(folio, nr);	/* no memory: flush-less put */
			return;
		}
	}
	tlb->folios[tlb->nr] = folio;
	tlb->refs[tlb->nr++] = nr;
}

void tlb_remove_table(struct mmu_gather *tlb, struct page *table)
{
	if (tlb->nr_tables == tlb->cap_tables &&
	    !grow((void **)&tlb->tables, &tlb->cap_tables, sizeof(*tlb->tables))) {
		pagetable_free(table);
		return;
	}
	tlb->tables[tlb->nr_tables++] = table;
}

/* Drop the mapping references; a folio no longer mapped leaves the swap cache too. */
static void free_pages_and_swap_cache(struct mmu_gather *tlb)
{
	int i;

	KFUNC(0, NULL);
	for (i = 0; i < tlb->nr; i++) {
		free_swap_cache(tlb->folios[i]);
		folio_put_refs(tlb->folios[i], tlb->refs[i]);
	}
	if (tlb->nr)
		KNOTE("dropped the mapping references of %d folios", tlb->nr);
	tlb->nr = 0;
}

static void tlb_table_flush(struct mmu_gather *tlb)
{
	int i;

	for (i = 0; i < tlb->nr_tables; i++)
		pagetable_free(tlb->tables[i]);
	if (tlb->nr_tables)
		KNOTE("freed %d page tables", tlb->nr_tables);
	tlb->nr_tables = 0;
}

void tlb_flush_mmu(struct mmu_gather *tlb)
{
	KFUNC(0, NULL);
	tlb_table_flush(tlb);
	free_pages_and_swap_cache(tlb);
}

void tlb_finish_mmu(struct mmu_gather *tlb)
{
	KFUNC(0, NULL);
	tlb_flush_mmu(tlb);
	free(tlb->folios);
	free(tlb->refs);
	free(tlb->tables);
	tlb->folios = NULL;
	tlb->refs = NULL;
	tlb->tables = NULL;
	tlb->cap = tlb->cap_tables = 0;
}
