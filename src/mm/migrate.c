/*
 * migrate.c - removing migration entries (mm/migrate.c).
 *
 * After a folio split, remap_page() calls remove_migration_ptes() for
 * every new folio: each migration entry that points into it becomes a
 * present PTE again, with the write, young, dirty and exclusive bits the
 * entry remembered.  A page that held nothing but zeroes is mapped to
 * the shared zero page instead and its memory freed.
 */
#include "rmap.h"

#include "huge_mm.h"

struct rmap_walk_arg {
	struct folio *folio;
	bool map_unused_to_zeropage;
};

static int compound_order(const struct page *page)
{
	return PageHead(page) ? folio_order((const struct folio *)page) : 0;
}

/* A zero-filled subpage of an anonymous folio maps the zero page instead. */
static bool try_to_map_unused_to_zeropage(struct page_vma_mapped_walk *pvmw,
					  struct folio *folio, unsigned long idx)
{
	struct page *page = folio_page(folio, idx);
	pte_t old = ptep_get(pvmw->pte), newpte;

	if (PageHead(page) || PageTail(page) || folio_test_mlocked(folio) ||
	    (pvmw->vma->vm_flags & VM_LOCKED))
		return false;
	if (!pages_identical(page, ZERO_PAGE(0)))
		return false;
	newpte = pte_mkspecial(pfn_pte(zero_pfn, pvmw->vma->vm_page_prot));
	if (pte_swp_soft_dirty(old))
		newpte = pte_mksoft_dirty(newpte);
	if (pte_swp_uffd_wp(old))
		newpte = pte_mkuffd_wp(newpte);
	set_pte_at(pvmw->vma->vm_mm, pvmw->address, pvmw->pte, newpte);
	add_mm_counter(pvmw->vma->vm_mm, MM_ANONPAGES, -1);
	KNOTE("zero-filled page pfn %#lx -> the zero page", page_to_pfn(page));
	return true;
}

static bool remove_migration_pte(struct folio *folio, struct vm_area_struct *vma,
				 unsigned long addr, void *arg)
{
	struct rmap_walk_arg *rwa = arg;
	struct page_vma_mapped_walk pvmw = {
		.pfn = folio_pfn(rwa->folio), .nr_pages = folio_nr_pages(rwa->folio),
		.pgoff = rwa->folio->index, .vma = vma, .address = addr,
		.flags = PVMW_SYNC | PVMW_MIGRATION,
	};

	KFUNC(addr, folio);
	while (page_vma_mapped_walk(&pvmw)) {
		unsigned long idx = 0;
		swp_entry_t entry;
		struct page *new;
		rmap_t rmap_flags = RMAP_NONE;
		pte_t pte, old_pte;

		if (folio_test_large(folio))
			idx = linear_page_index(vma, pvmw.address) - pvmw.pgoff;
		new = folio_page(folio, idx);
		if (!pvmw.pte) {
			remove_migration_pmd(&pvmw, folio);
			continue;
		}
		if (rwa->map_unused_to_zeropage &&
		    try_to_map_unused_to_zeropage(&pvmw, folio, idx))
			continue;
		folio_get(folio);
		pte = pfn_pte(page_to_pfn(new), vma->vm_page_prot);
		old_pte = ptep_get(pvmw.pte);
		entry = pte_to_swp_entry(old_pte);
		if (!is_migration_entry_young(entry))
			pte = pte_mkold(pte);
		if (folio_test_dirty(folio) && is_migration_entry_dirty(entry))
			pte = pte_mkdirty(pte);
		if (pte_swp_soft_dirty(old_pte))
			pte = pte_mksoft_dirty(pte);
		if (is_writable_migration_entry(entry))
			pte = pte_mkwrite(pte);
		else if (pte_swp_uffd_wp(old_pte))
			pte = pte_mkuffd_wp(pte);
		if (folio_test_anon(folio) && !is_readable_migration_entry(entry))
			rmap_flags |= RMAP_EXCLUSIVE;
		if (folio_test_anon(folio))
			folio_add_anon_rmap_pte(folio, new, vma, pvmw.address, rmap_flags);
		else
			folio_add_file_rmap_ptes(folio, new, 1, vma);
		set_pte_at(vma->vm_mm, pvmw.address, pvmw.pte, pte);
		TP_EMIT({ "remove_migration_pte", 3, { { "addr", NULL, (long long)pvmw.address },
			  { "pte", NULL, (long long)pte_val(pte) },
			  { "order", NULL, compound_order(new) } } });
	}
	return true;
}

/*
 * Put back the mappings of @dst that unmap_folio() made migration
 * entries (@src == @dst for a split).  TTU_USE_SHARED_ZEROPAGE maps
 * zero-filled pages to the shared zero page.
 */
void remove_migration_ptes(struct folio *src, struct folio *dst, int flags)
{
	struct rmap_walk_arg arg = {
		.folio = src,
		.map_unused_to_zeropage = flags & TTU_USE_SHARED_ZEROPAGE,
	};
	struct rmap_walk_control rwc = {
		.rmap_one = remove_migration_pte,
		.arg = &arg,
	};

	KFUNC(0, dst);
	rmap_walk(dst, &rwc);
}
