/*
 * memory.c - page faults, unmapping and freeing page tables (mm/memory.c).
 *
 * The fault path walks down the four levels, allocating tables as it
 * goes, and at the PMD level decides between a huge mapping
 * (create_huge_pmd -> do_huge_pmd_anonymous_page) and the PTE path
 * (handle_pte_fault -> do_anonymous_page / do_wp_page, or for a tmpfs
 * file do_fault -> do_read_fault / do_shared_fault, and do_cow_fault
 * where a private mapping of the file is written).
 *
 * The unmap path mirrors it: unmap_page_range -> zap_p4d_range ->
 * zap_pud_range -> zap_pmd_range, which zaps a PMD-mapped THP whole
 * (zap_huge_pmd) or splits it first when only part of it goes
 * (__split_huge_pmd), then zap_pte_range.
 */
#include "internal.h"

#include "huge_mm.h"
#include "memcontrol.h"
#include "rmap.h"
#include "shmem_fs.h"
#include "swap.h"

/* ---- table allocation ---- */

int __pte_alloc(struct mm_struct *mm, pmd_t *pmd)
{
	struct page *new = pte_alloc_one(mm);
	spinlock_t *ptl;

	if (!new)
		return -ENOMEM;
	ptl = pmd_lock(mm, pmd);
	if (pmd_none(*pmd)) {
		mm_inc_nr_ptes(mm);
		pmd_populate(mm, pmd, new);
		new = NULL;
	}
	spin_unlock(ptl);
	if (new)
		pte_free(mm, new);
	return 0;
}

static int __table_alloc(struct mm_struct *mm, u64 *entry)
{
	struct page *new = pagetable_alloc(mm);

	if (!new)
		return -ENOMEM;
	spin_lock(&mm->page_table_lock);
	if (!*entry) {
		mm->pgtables_bytes += PAGE_SIZE;
		*entry = ((u64)page_to_pfn(new) << PAGE_SHIFT) | _PAGE_TABLE;
		new = NULL;
	}
	spin_unlock(&mm->page_table_lock);
	if (new)
		pagetable_free(new);
	return 0;
}

pud_t *pud_alloc(struct mm_struct *mm, p4d_t *p4d, unsigned long addr)
{
	if (p4d_none(*p4d) && __table_alloc(mm, &p4d->p4d))
		return NULL;
	return pud_offset(p4d, addr);
}

pmd_t *pmd_alloc(struct mm_struct *mm, pud_t *pud, unsigned long addr)
{
	if (pud_none(*pud) && __table_alloc(mm, &pud->pud))
		return NULL;
	return pmd_offset(pud, addr);
}

/* The PMD entry covering @addr, or NULL if the walk stops above it. */
pmd_t *mm_find_pmd(struct mm_struct *mm, unsigned long addr)
{
	pgd_t *pgd = pgd_offset(mm, addr);
	pud_t *pud;

	if (pgd_none(*pgd))
		return NULL;
	pud = pud_offset(p4d_offset(pgd, addr), addr);
	if (pud_none(*pud))
		return NULL;
	return pmd_offset(pud, addr);
}

/* ---- entries for folios ---- */

pte_t folio_mk_pte(struct folio *folio, pgprot_t prot)
{
	return pfn_pte(folio_pfn(folio), prot);
}

pmd_t folio_mk_pmd(struct folio *folio, pgprot_t prot)
{
	return pmd_mkhuge(pfn_pmd(folio_pfn(folio), prot));
}

pte_t maybe_mkwrite(pte_t pte, struct vm_area_struct *vma)
{
	if (vma->vm_flags & VM_WRITE)
		pte = pte_mkwrite(pte);
	return pte;
}

/* The page behind a PTE, or NULL for "special" mappings (the zero page). */
struct page *vm_normal_page(struct vm_area_struct *vma, unsigned long addr, pte_t pte)
{
	(void)vma;
	(void)addr;
	if (pte_special(pte))
		return NULL;
	return pfn_to_page(pte_pfn(pte));
}

struct page *vm_normal_page_pmd(struct vm_area_struct *vma, unsigned long addr, pmd_t pmd)
{
	(void)vma;
	(void)addr;
	if (pmd_special(pmd) || is_huge_zero_pmd(pmd))
		return NULL;
	return pfn_to_page(pmd_pfn(pmd));
}

/* ---- faults ---- */

/* An order-0 page for a user mapping, zeroed and charged, or NULL. */
static struct folio *vma_alloc_zeroed_movable_folio(struct vm_area_struct *vma,
						    unsigned long addr)
{
	struct folio *folio = vma_alloc_folio(GFP_HIGHUSER_MOVABLE | __GFP_ZERO, 0,
					      vma, addr);

	if (folio && mem_cgroup_charge(folio, vma->vm_mm)) {
		folio_put(folio);
		return NULL;
	}
	return folio;
}

vm_fault_t vmf_anon_prepare(struct vm_fault *vmf)
{
	return anon_vma_prepare(vmf->vma) ? VM_FAULT_OOM : 0;
}

/* The largest anonymous mTHP order allowed here whose PTEs are all none. */
static unsigned long anon_orders_for_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	unsigned long orders, remaining;
	int order;

	orders = thp_vma_allowable_orders(vma, vma->vm_flags, TVA_PAGEFAULT,
					  BIT(PMD_ORDER) - 1);
	orders = thp_vma_suitable_orders(vma, vmf->address, orders);
	if (!orders)
		return 0;
	remaining = orders;
	for (order = PMD_ORDER - 1; order > 0; order--) {
		unsigned long addr = ALIGN_DOWN(vmf->address, PAGE_SIZE << order);
		pte_t *pte;
		int i;

		if (!(remaining & BIT(order)))
			continue;
		pte = pte_offset_map(vmf->pmd, addr);
		for (i = 0; pte && i < (1 << order); i++)
			if (!pte_none(pte[i]))
				break;
		if (pte && i < (1 << order))
			remaining &= ~BIT(order);
	}
	return remaining;
}

/*
 * alloc_anon_folio(): the highest allowed mTHP order that fits, else a
 * single page.  Each order that cannot be allocated counts a fallback.
 */
static struct folio *alloc_anon_folio(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	unsigned long orders = anon_orders_for_fault(vmf);
	int order;

	KFUNC(vmf->address, NULL);
	for (order = PMD_ORDER - 1; order > 1; order--) {
		struct folio *folio;

		if (!(orders & BIT(order)))
			continue;
		/* as for a PMD THP: defrag decides whether an mTHP compacts */
		folio = vma_alloc_folio(vma_thp_gfp_mask(vma) | __GFP_ZERO, order, vma,
					ALIGN_DOWN(vmf->address, PAGE_SIZE << order));
		if (folio) {
			if (!mem_cgroup_charge(folio, vma->vm_mm)) {
				KNOTE("order-%d folio pfn %#lx", order, folio_pfn(folio));
				return folio;
			}
			folio_put(folio);
			count_mthp_stat(order, MTHP_STAT_ANON_FAULT_FALLBACK_CHARGE);
		}
		count_mthp_stat(order, MTHP_STAT_ANON_FAULT_FALLBACK);
	}
	return vma_alloc_zeroed_movable_folio(vma, vmf->address);
}

static bool pte_range_none(pte_t *pte, int nr)
{
	int i;

	for (i = 0; i < nr; i++)
		if (!pte_none(pte[i]))
			return false;
	return true;
}

/* A fault on a page that was never mapped, in private anonymous memory. */
static vm_fault_t do_anonymous_page(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	unsigned long addr = vmf->address;
	struct folio *folio;
	vm_fault_t ret;
	pte_t entry;
	int nr_pages;

	KFUNC(vmf->address, NULL);
	if (vma->vm_flags & VM_SHARED)
		return VM_FAULT_SIGBUS;
	if (pmd_none(*vmf->pmd) && __pte_alloc(vma->vm_mm, vmf->pmd))
		return VM_FAULT_OOM;
	/* Reads map the shared zero page. */
	if (!(vmf->flags & FAULT_FLAG_WRITE)) {
		entry = pte_mkspecial(pfn_pte(zero_pfn, vma->vm_page_prot));
		vmf->pte = pte_offset_map_lock(vma->vm_mm, vmf->pmd, addr, &vmf->ptl);
		if (pte_none(ptep_get(vmf->pte)))
			set_pte_at(vma->vm_mm, addr, vmf->pte, entry);
		spin_unlock(vmf->ptl);
		vmf->outcome = "zero";
		KNOTE("pte %#llx: the zero page", (unsigned long long)pte_val(entry));
		return 0;
	}
	ret = vmf_anon_prepare(vmf);
	if (ret)
		return ret;
	folio = alloc_anon_folio(vmf);
	if (!folio)
		return VM_FAULT_OOM;
	nr_pages = folio_nr_pages(folio);
	addr = ALIGN_DOWN(vmf->address, nr_pages * PAGE_SIZE);
	folio_set_uptodate(folio);
	entry = folio_mk_pte(folio, vma->vm_page_prot);
	if (vma->vm_flags & VM_WRITE)
		entry = pte_mkwrite(pte_mkdirty(entry));
	vmf->pte = pte_offset_map_lock(vma->vm_mm, vmf->pmd, addr, &vmf->ptl);
	if (!pte_range_none(vmf->pte, nr_pages)) {
		spin_unlock(vmf->ptl);
		folio_put(folio);
		return 0;
	}
	folio_ref_add(folio, nr_pages - 1);
	add_mm_counter(vma->vm_mm, MM_ANONPAGES, nr_pages);
	count_mthp_stat(folio_order(folio), MTHP_STAT_ANON_FAULT_ALLOC);
	folio_add_new_anon_rmap(folio, vma, addr, RMAP_EXCLUSIVE);
	folio_set_lru(folio);
	set_ptes(vma->vm_mm, addr, vmf->pte, entry, nr_pages);
	spin_unlock(vmf->ptl);
	vmf->outcome = nr_pages > 1 ? "mthp" : "pte";
	KNOTE("%d pte(s) from %#llx", nr_pages, (unsigned long long)pte_val(entry));
	return 0;
}

/* The faulting PTE is writable now: mark it young and, on write, dirty. */
static void wp_page_reuse(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	pte_t entry = pte_mkyoung(vmf->orig_pte);

	entry = maybe_mkwrite(pte_mkdirty(entry), vma);
	ptep_set_access_flags(vma, vmf->address, vmf->pte, entry, 1);
	spin_unlock(vmf->ptl);
	vmf->outcome = "reuse";
}

/*
 * CONFIG_MM_ID: a large folio is exclusive to this mm if every one of
 * its references is a mapping and every mapping is in this mm.
 */
static bool __wp_can_reuse_large_anon_folio(struct folio *folio,
					    struct vm_area_struct *vma)
{
	(void)vma;
	if (folio_large_mapcount(folio) <= 1)
		return false;
	if (folio->_mm_ids & FOLIO_MM_IDS_SHARED_BIT)
		return false;
	return folio_large_mapcount(folio) == folio_ref_count(folio);
}

/*
 * A small folio is ours alone if only our mapping holds it; a swap cache
 * copy that no other PTE needs is dropped to find out.
 */
static bool wp_can_reuse_anon_folio(struct folio *folio, struct vm_area_struct *vma)
{
	if (folio_test_large(folio))
		return __wp_can_reuse_large_anon_folio(folio, vma);
	if (folio_ref_count(folio) > 1 + folio_test_swapcache(folio) || !folio_trylock(folio))
		return false;
	if (folio_test_swapcache(folio))
		folio_free_swap(folio);
	if (folio_ref_count(folio) != 1) {
		folio_unlock(folio);
		return false;
	}
	folio_move_anon_rmap(folio, vma);
	folio_unlock(folio);
	return true;
}

static int mm_counter_file(struct folio *folio);

/*
 * Copy-on-write: give this mapping a private copy of the page - of an
 * anonymous page shared since fork, of the zero page, or of a page-cache
 * page that a private file mapping maps read-only.
 */
static vm_fault_t wp_page_copy(struct vm_fault *vmf, struct folio *old_folio,
			       struct page *old_page)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	bool pfn_is_zero = is_zero_pfn(pte_pfn(vmf->orig_pte));
	struct folio *new_folio;
	pte_t entry;

	KFUNC(vmf->address, old_folio);
	if (vmf_anon_prepare(vmf))
		goto oom;
	new_folio = vma_alloc_zeroed_movable_folio(vma, vmf->address);
	if (!new_folio)
		goto oom;
	if (!pfn_is_zero)
		copy_user_highpage(folio_page(new_folio, 0), old_page);
	folio_set_uptodate(new_folio);
	vmf->pte = pte_offset_map_lock(mm, vmf->pmd, vmf->address, &vmf->ptl);
	if (!old_folio || !folio_test_anon(old_folio)) {
		/* the zero page, or a page-cache page of a private file mapping */
		if (old_folio)
			add_mm_counter(mm, mm_counter_file(old_folio), -1);
		add_mm_counter(mm, MM_ANONPAGES, 1);
	}
	entry = folio_mk_pte(new_folio, vma->vm_page_prot);
	entry = maybe_mkwrite(pte_mkdirty(entry), vma);
	ptep_clear_flush(vma, vmf->address, vmf->pte);
	folio_add_new_anon_rmap(new_folio, vma, vmf->address, RMAP_EXCLUSIVE);
	folio_set_lru(new_folio);
	set_pte_at(mm, vmf->address, vmf->pte, entry);
	if (old_folio)
		folio_remove_rmap_pte(old_folio, old_page, vma);
	spin_unlock(vmf->ptl);
	KNOTE("pte %#llx -> %#llx (copied)", (unsigned long long)pte_val(vmf->orig_pte),
	      (unsigned long long)pte_val(entry));
	if (old_folio) {
		folio_put(old_folio);	/* the old mapping's reference */
		folio_put(old_folio);	/* do_wp_page's reference */
	}
	vmf->outcome = "cow";
	return 0;
oom:
	if (old_folio)
		folio_put(old_folio);
	return VM_FAULT_OOM;
}

/* A write to a present, write-protected PTE.  Called with the PTE locked. */
static vm_fault_t do_wp_page(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct page *page = vm_normal_page(vma, vmf->address, vmf->orig_pte);
	struct folio *folio = page ? page_folio(page) : NULL;

	KFUNC(vmf->address, folio);
	if (folio && folio_test_anon(folio) &&
	    (PageAnonExclusive(page) || wp_can_reuse_anon_folio(folio, vma))) {
		if (!PageAnonExclusive(page))
			SetPageAnonExclusive(page);
		wp_page_reuse(vmf);
		return 0;
	}
	if (folio)
		folio_get(folio);
	spin_unlock(vmf->ptl);
	return wp_page_copy(vmf, folio, page);
}

/* ---- faults on files: every file here is a shmem one ---- */

static int mm_counter_file(struct folio *folio)
{
	return folio_test_swapbacked(folio) ? MM_SHMEMPAGES : MM_FILEPAGES;
}

/*
 * Map a PMD-sized page-cache folio by one PMD at the fault's 2 MiB
 * range.  No page table is deposited: x86-64 has no
 * arch_needs_pgtable_deposit(), and a split just unmaps the PMD.
 * 0, or VM_FAULT_FALLBACK (THP disabled, unaligned, not PMD-sized, the
 * PMD in use) for the caller to map PTEs.
 */
vm_fault_t do_set_pmd(struct vm_fault *vmf, struct folio *folio, struct page *page)
{
	struct vm_area_struct *vma = vmf->vma;
	unsigned long haddr = vmf->address & HPAGE_PMD_MASK;
	pmd_t entry;

	KFUNC(haddr, folio);
	(void)page;	/* the whole folio is mapped, from its first page */
	if (vma_thp_disabled(vma, vma->vm_flags) ||
	    !thp_vma_suitable_order(vma, haddr, PMD_ORDER) ||
	    folio_order(folio) != HPAGE_PMD_ORDER)
		return VM_FAULT_FALLBACK;
	vmf->ptl = pmd_lock(vma->vm_mm, vmf->pmd);
	if (!pmd_none(*vmf->pmd)) {
		spin_unlock(vmf->ptl);
		return VM_FAULT_FALLBACK;
	}
	entry = folio_mk_pmd(folio, vma->vm_page_prot);
	if ((vmf->flags & FAULT_FLAG_WRITE) && (vma->vm_flags & VM_WRITE))
		entry = pmd_mkwrite(pmd_mkdirty(entry));
	add_mm_counter(vma->vm_mm, mm_counter_file(folio), HPAGE_PMD_NR);
	folio_add_file_rmap_pmd(folio, folio_page(folio, 0), vma);
	set_pmd_at(vma->vm_mm, haddr, vmf->pmd, entry);
	count_vm_event(THP_FILE_MAPPED);
	spin_unlock(vmf->ptl);
	vmf->outcome = "file-pmd";
	KNOTE("pmd %#llx: page-cache folio pfn %#lx, no deposited table",
	      (unsigned long long)pmd_val(entry), folio_pfn(folio));
	return 0;
}

/* PTEs for @nr pages of @folio from @page at @addr, at vmf->pte. */
void set_pte_range(struct vm_fault *vmf, struct folio *folio, struct page *page,
		   unsigned int nr, unsigned long addr)
{
	struct vm_area_struct *vma = vmf->vma;
	pte_t entry = pfn_pte(page_to_pfn(page), vma->vm_page_prot);

	KFUNC(addr, folio);
	/* x86-64: arch_wants_old_prefaulted_pte() is false, fault-around PTEs are young too */
	if (vmf->flags & FAULT_FLAG_WRITE)
		entry = maybe_mkwrite(pte_mkdirty(entry), vma);
	else if (pte_write(entry) && folio_test_dirty(folio))
		entry = pte_mkdirty(entry);
	if ((vmf->flags & FAULT_FLAG_WRITE) && !(vma->vm_flags & VM_SHARED)) {
		/* do_cow_fault's copy: a new anonymous page of the file VMA */
		VM_BUG_ON_FOLIO(nr != 1, folio);
		folio_add_new_anon_rmap(folio, vma, addr, RMAP_EXCLUSIVE);
		folio_set_lru(folio);
	} else {
		folio_add_file_rmap_ptes(folio, page, nr, vma);
	}
	set_ptes(vma->vm_mm, addr, vmf->pte, entry, nr);
	KNOTE("%u pte(s) from %#llx", nr, (unsigned long long)pte_val(entry));
}

/*
 * How many PTEs finish_fault() maps: a shmem large folio whole when it
 * lies inside the VMA and the PTE table, else only the faulting page.
 */
static unsigned int finish_fault_nr_pages(struct vm_fault *vmf, struct folio *folio,
					  bool needs_fallback)
{
	unsigned long idx = vmf->page - folio_page(folio, 0);
	unsigned long nr_pages = folio_nr_pages(folio);
	unsigned long vma_off = vmf->pgoff - vmf->vma->vm_pgoff;
	unsigned long pte_off = pte_index(vmf->address);

	if (needs_fallback || nr_pages == 1 || vma_off < idx ||
	    vma_off + (nr_pages - idx) > vma_pages(vmf->vma) ||
	    pte_off < idx || pte_off + (nr_pages - idx) > PTRS_PER_PTE)
		return 1;
	return nr_pages;
}

/*
 * Map vmf->page (its folio locked, one reference held for the mapping):
 * by PMD if it is a THP and the PMD is free, else by PTEs.  Shmem maps
 * PMDs across i_size (the kernel's long-standing exception), so no
 * fallback for EOF here.  0, VM_FAULT_NOPAGE (someone mapped it), OOM.
 */
static vm_fault_t finish_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	bool is_cow = (vmf->flags & FAULT_FLAG_WRITE) && !(vma->vm_flags & VM_SHARED);
	struct folio *folio = page_folio(is_cow ? vmf->cow_page : vmf->page);
	bool needs_fallback = false;
	unsigned long addr;
	unsigned int nr_pages;
	struct page *page;

	KFUNC(vmf->address, folio);
	if (is_cow) {
		if (pmd_none(*vmf->pmd) && __pte_alloc(vma->vm_mm, vmf->pmd))
			return VM_FAULT_OOM;
		vmf->pte = pte_offset_map_lock(vma->vm_mm, vmf->pmd, vmf->address, &vmf->ptl);
		if (!pte_none(ptep_get(vmf->pte))) {
			spin_unlock(vmf->ptl);
			return VM_FAULT_NOPAGE;
		}
		set_pte_range(vmf, folio, vmf->cow_page, 1, vmf->address);
		add_mm_counter(vma->vm_mm, MM_ANONPAGES, 1);
		spin_unlock(vmf->ptl);
		vmf->outcome = "cow";
		return 0;
	}
	if (pmd_none(*vmf->pmd)) {
		if (folio_test_pmd_mappable(folio) && !do_set_pmd(vmf, folio, vmf->page))
			return 0;
		if (__pte_alloc(vma->vm_mm, vmf->pmd))
			return VM_FAULT_OOM;
	}
fallback:
	nr_pages = finish_fault_nr_pages(vmf, folio, needs_fallback);
	page = nr_pages == 1 ? vmf->page : folio_page(folio, 0);
	addr = vmf->address - (vmf->page - page) * PAGE_SIZE;
	vmf->pte = pte_offset_map_lock(vma->vm_mm, vmf->pmd, addr, &vmf->ptl);
	if (!vmf->pte)
		return VM_FAULT_NOPAGE;
	if (nr_pages == 1 && !pte_none(ptep_get(vmf->pte))) {
		spin_unlock(vmf->ptl);
		return VM_FAULT_NOPAGE;
	}
	if (nr_pages > 1 && !pte_range_none(vmf->pte, nr_pages)) {
		spin_unlock(vmf->ptl);
		needs_fallback = true;
		goto fallback;
	}
	folio_ref_add(folio, nr_pages - 1);
	set_pte_range(vmf, folio, page, nr_pages, addr);
	add_mm_counter(vma->vm_mm, mm_counter_file(folio), nr_pages);
	spin_unlock(vmf->ptl);
	vmf->outcome = nr_pages > 1 ? "file-ptes" : "file-pte";
	return 0;
}

/* vm_ops->fault: shmem_fault() for every file mapping here. */
static vm_fault_t __do_fault(struct vm_fault *vmf)
{
	KFUNC(vmf->address, NULL);
	return shmem_fault(vmf);
}

/* fault_around_bytes, the debugfs default: 64 KiB. */
#define FAULT_AROUND_PAGES	16

/*
 * Map what the cache holds in the fault_around_bytes-aligned window
 * around the fault, within the VMA and the PTE table (->map_pages).
 */
static vm_fault_t do_fault_around(struct vm_fault *vmf)
{
	unsigned long pte_off = pte_index(vmf->address);
	unsigned long vma_off = vmf->pgoff - vmf->vma->vm_pgoff;
	unsigned long from_pte, to_pte;

	KFUNC(vmf->address, NULL);
	from_pte = max(ALIGN_DOWN(pte_off, FAULT_AROUND_PAGES), pte_off - min(pte_off, vma_off));
	to_pte = min(min(from_pte + FAULT_AROUND_PAGES, (unsigned long)PTRS_PER_PTE),
		     pte_off + vma_pages(vmf->vma) - vma_off) - 1;
	return filemap_map_pages(vmf, vmf->pgoff + from_pte - pte_off,
				 vmf->pgoff + to_pte - pte_off);
}

/* A read: map the cached neighbours first; fault the page in if that missed it. */
static vm_fault_t do_read_fault(struct vm_fault *vmf)
{
	struct folio *folio;
	vm_fault_t ret;

	KFUNC(vmf->address, NULL);
	ret = do_fault_around(vmf);
	if (ret) {
		if (!vmf->outcome)	/* not mapped by PMD (do_set_pmd says so) */
			vmf->outcome = "fault-around";
		return ret;
	}
	ret = __do_fault(vmf);
	if (ret & VM_FAULT_ERROR)
		return ret;
	ret = finish_fault(vmf);
	folio = page_folio(vmf->page);
	folio_unlock(folio);
	if (ret)
		folio_put(folio);
	return ret;
}

/* A write to a shared mapping: fault the page in, map it, dirty it. */
static vm_fault_t do_shared_fault(struct vm_fault *vmf)
{
	struct folio *folio;
	vm_fault_t ret;

	KFUNC(vmf->address, NULL);
	ret = __do_fault(vmf);
	if (ret & VM_FAULT_ERROR)
		return ret;
	folio = page_folio(vmf->page);
	/* shmem has no ->page_mkwrite */
	ret = finish_fault(vmf);
	if (ret) {
		folio_unlock(folio);
		folio_put(folio);
		return ret;
	}
	/* fault_dirty_shared_page() */
	folio_set_dirty(folio);
	folio_unlock(folio);
	return 0;
}

/*
 * A write to a private file mapping where nothing is mapped: the file's
 * page is faulted into the cache (a THP there if the mount says so) but
 * not mapped; a new anonymous page of the VMA gets a copy of its value
 * and is mapped writable (finish_fault -> set_pte_range).
 * Simplification: no userfaultfd, and the copy cannot fail on a poisoned
 * page (copy_mc_user_highpage) as the kernel's may.
 */
static vm_fault_t do_cow_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct folio *folio;
	vm_fault_t ret;

	KFUNC(vmf->address, NULL);
	ret = vmf_anon_prepare(vmf);
	if (ret)
		return ret;
	folio = vma_alloc_zeroed_movable_folio(vma, vmf->address);
	if (!folio)
		return VM_FAULT_OOM;
	vmf->cow_page = folio_page(folio, 0);
	ret = __do_fault(vmf);
	if (ret & VM_FAULT_ERROR)
		goto uncharge_out;
	copy_user_highpage(vmf->cow_page, vmf->page);
	folio_set_uptodate(folio);
	ret = finish_fault(vmf);
	folio_unlock(page_folio(vmf->page));
	folio_put(page_folio(vmf->page));	/* only the copy is mapped */
	if (ret)
		goto uncharge_out;
	KNOTE("pfn %#lx copied from the file's page pfn %#lx", folio_pfn(folio),
	      page_to_pfn(vmf->page));
	return 0;
uncharge_out:
	folio_put(folio);
	return ret;
}

static vm_fault_t do_fault(struct vm_fault *vmf)
{
	KFUNC(vmf->address, NULL);
	if (!(vmf->flags & FAULT_FLAG_WRITE))
		return do_read_fault(vmf);
	if (!(vmf->vma->vm_flags & VM_SHARED))
		return do_cow_fault(vmf);
	return do_shared_fault(vmf);
}

static vm_fault_t do_pte_missing(struct vm_fault *vmf)
{
	if (vma_is_anonymous(vmf->vma))
		return do_anonymous_page(vmf);
	return do_fault(vmf);
}

/* ---- faults on swap entries ---- */

/* @pte with its swap offset moved by @delta, its flags kept. */
static pte_t pte_move_swp_offset(pte_t pte, long delta)
{
	swp_entry_t entry = pte_to_swp_entry(pte);

	return __pte(pte_val(swp_entry_to_pte(swp_entry(swp_type(entry),
							swp_offset(entry) + delta))) |
		     (pte_val(pte) & _PAGE_SWP_FLAGS));
}

/*
 * can_swapin_thp(): the @nr_pages PTEs at @ptep, the fault's among them,
 * still hold the consecutive entries one folio went out to, alike in
 * the zeromap and none in the swap cache.
 */
static bool can_swapin_thp(struct vm_fault *vmf, pte_t *ptep, int nr_pages)
{
	unsigned long addr = ALIGN_DOWN(vmf->address, nr_pages * PAGE_SIZE);
	long idx = (vmf->address - addr) / PAGE_SIZE;
	pte_t pte = ptep_get(ptep);
	swp_entry_t entry = pte_to_swp_entry(pte);

	if (pte_val(pte) != pte_val(pte_move_swp_offset(vmf->orig_pte, -idx)) ||
	    swap_pte_batch(ptep, nr_pages, pte) != nr_pages)
		return false;
	return swap_zeromap_batch(entry, nr_pages, NULL) == nr_pages &&
	       non_swapcache_batch(entry, nr_pages) == nr_pages;
}

/* An order fits only if the swap offset is aligned as the address is. */
static unsigned long thp_swap_suitable_orders(unsigned long offset, unsigned long addr,
					      unsigned long orders)
{
	int order;

	for (order = PMD_ORDER - 1; order > 0; order--) {
		unsigned long nr = 1UL << order;

		if (!(orders & BIT(order)))
			continue;
		if ((addr >> PAGE_SHIFT) % nr == offset % nr)
			break;
		orders &= ~BIT(order);
	}
	return orders;
}

/* The largest mTHP order allowed here whose aligned range can swap in whole. */
static unsigned long swapin_orders(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	unsigned long orders;
	pte_t *pte;
	int order;

	orders = thp_vma_allowable_orders(vma, vma->vm_flags, TVA_PAGEFAULT,
					  BIT(PMD_ORDER) - 1);
	orders = thp_vma_suitable_orders(vma, vmf->address, orders);
	orders = thp_swap_suitable_orders(swp_offset(pte_to_swp_entry(vmf->orig_pte)),
					  vmf->address, orders);
	pte = pte_offset_map(vmf->pmd, vmf->address & PMD_MASK);
	for (order = PMD_ORDER - 1; order > 1; order--) {
		unsigned long addr = ALIGN_DOWN(vmf->address, PAGE_SIZE << order);

		if (!(orders & BIT(order)))
			continue;
		if (can_swapin_thp(vmf, pte + pte_index(addr), 1 << order))
			break;
		orders &= ~BIT(order);
	}
	return orders;
}

/*
 * alloc_swap_folio(): a new folio to read the fault's entry into, on a
 * zram device, bypassing the swap cache: the largest mTHP order that
 * swapin_orders() allows and memory has, else one page, charged to
 * the group the slots were charged to.  Never PMD-sized.  NULL: no
 * memory.
 */
static struct folio *alloc_swap_folio(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	swp_entry_t entry = pte_to_swp_entry(vmf->orig_pte);
	unsigned long orders = swapin_orders(vmf);
	struct folio *folio;
	int order;

	KFUNC(vmf->address, NULL);
	for (order = PMD_ORDER - 1; order > 1; order--) {
		if (!(orders & BIT(order)))
			continue;
		folio = vma_alloc_folio(GFP_TRANSHUGE, order, vma,
					ALIGN_DOWN(vmf->address, PAGE_SIZE << order));
		if (folio) {
			if (!mem_cgroup_swapin_charge_folio(folio, vma->vm_mm, entry))
				return folio;
			folio_put(folio);
			count_mthp_stat(order, MTHP_STAT_SWPIN_FALLBACK_CHARGE);
		}
		count_mthp_stat(order, MTHP_STAT_SWPIN_FALLBACK);
	}
	folio = vma_alloc_folio(GFP_HIGHUSER_MOVABLE, 0, vma, vmf->address);
	if (folio && mem_cgroup_swapin_charge_folio(folio, vma->vm_mm, entry)) {
		folio_put(folio);
		return NULL;
	}
	return folio;
}

/* Read @vmf's entry into a new folio outside the swap cache; it comes back locked. */
static struct folio *swapin_direct(struct vm_fault *vmf, swp_entry_t *entry)
{
	struct folio *folio = alloc_swap_folio(vmf);

	if (!folio)
		return NULL;
	folio_lock(folio);
	folio_set_swapbacked(folio);
	/* workingset_refault(): it went out moments ago */
	folio_set_active(folio);
	folio_set_lru(folio);
	entry->val = ALIGN_DOWN(entry->val, folio_nr_pages(folio));
	swap_read_folio(folio, *entry);
	return folio;
}

/*
 * Drop the swap cache copy when swap is more than half full, or when a
 * write makes the folio ours alone (no reference but the cache's and ours).
 */
static bool should_try_to_free_swap(struct folio *folio, struct vm_area_struct *vma,
				    unsigned int fault_flags)
{
	if (!folio_test_swapcache(folio))
		return false;
	if (vm_swap_full() || (vma->vm_flags & VM_LOCKED) || folio_test_mlocked(folio))
		return true;
	return (fault_flags & FAULT_FLAG_WRITE) &&
	       folio_ref_count(folio) == 1 + folio_nr_pages(folio);
}

static const char *const swapin_outcome[PMD_ORDER] = {
	"swapin", NULL, "swapin-16K", "swapin-32K", "swapin-64K", "swapin-128K",
	"swapin-256K", "swapin-512K", "swapin-1M",
};

/*
 * A fault on a swap PTE.  The folio is the swap cache's, or is read in:
 * on zram, an entry only this PTE holds goes straight into a new folio
 * (an mTHP when the whole aligned range went out together), otherwise
 * through the swap cache.  Its PTEs map it again, writable if the page
 * is certainly ours, and their entries' references are dropped; a write
 * to a page that may be shared goes on to do_wp_page().  Simplification:
 * no other thread runs, so the PTE cannot change under the fault.
 */
vm_fault_t do_swap_page(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	swp_entry_t entry = pte_to_swp_entry(vmf->orig_pte);
	struct swap_info_struct *si = swp_swap_info(entry);
	struct folio *folio, *swapcache;
	unsigned long address = vmf->address;
	rmap_t rmap_flags = RMAP_NONE;
	vm_fault_t ret = 0;
	int nr_pages = 1, page_idx = 0;
	struct page *page;
	bool exclusive;
	pte_t pte, *ptep;

	KFUNC(vmf->address, NULL);
	if (is_migration_entry(entry)) {
		/* a migration entry only exists mid-split */
		vmf->outcome = "migration entry (not supported yet)";
		return VM_FAULT_SIGBUS;
	}
	VM_BUG_ON(!si);		/* swapoff brings every entry back first */
	folio = swapcache = swap_cache_get_folio(entry);
	if (!folio) {
		if ((si->flags & SWP_SYNCHRONOUS_IO) && __swap_count(entry) == 1)
			folio = swapin_direct(vmf, &entry);
		else
			folio = swapcache = swapin_readahead(entry, vmf);
		if (!folio)
			return VM_FAULT_OOM;
		ret = VM_FAULT_MAJOR;
		count_vm_event(PGMAJFAULT);
	}
	if (folio == swapcache)
		folio_lock(folio);
	vmf->outcome = folio == swapcache && !ret ? "swapcache" :
		       swapin_outcome[folio_order(folio)];
	vmf->pte = pte_offset_map_lock(mm, vmf->pmd, vmf->address, &vmf->ptl);
	ptep = vmf->pte;
	page = folio_page(folio, 0);
	if (folio != swapcache) {
		/* swapin_direct() may have read the whole aligned range */
		nr_pages = folio_nr_pages(folio);
		page_idx = swp_offset(pte_to_swp_entry(vmf->orig_pte)) - swp_offset(entry);
		address -= page_idx * PAGE_SIZE;
		ptep -= page_idx;
		exclusive = true;	/* never exposed to the swap cache */
	} else {
		/* large folios leave the swap cache before reclaim lets go of them */
		VM_BUG_ON_FOLIO(folio_test_large(folio), folio);
		exclusive = pte_swp_exclusive(vmf->orig_pte);
	}
	add_mm_counter(mm, MM_ANONPAGES, nr_pages);
	add_mm_counter(mm, MM_SWAPENTS, -nr_pages);
	swap_free_nr(entry, nr_pages);
	if (should_try_to_free_swap(folio, vma, vmf->flags))
		folio_free_swap(folio);
	pte = pfn_pte(page_to_pfn(page), vma->vm_page_prot);
	if (exclusive || folio_ref_count(folio) == 1) {
		if (vma->vm_flags & VM_WRITE) {
			pte = pte_mkwrite(pte);
			if (vmf->flags & FAULT_FLAG_WRITE) {
				pte = pte_mkdirty(pte);
				vmf->flags &= ~FAULT_FLAG_WRITE;
			}
		}
		rmap_flags = RMAP_EXCLUSIVE;
	}
	folio_ref_add(folio, nr_pages - 1);
	if (!folio_test_anon(folio))
		folio_add_new_anon_rmap(folio, vma, address, rmap_flags);
	else
		folio_add_anon_rmap_ptes(folio, page, nr_pages, vma, address, rmap_flags);
	set_ptes(mm, address, ptep, pte, nr_pages);
	vmf->orig_pte = ptep_get(vmf->pte);
	folio_unlock(folio);
	KNOTE("%d pte(s) from %#llx, %s", nr_pages, (unsigned long long)pte_val(pte),
	      rmap_flags == RMAP_EXCLUSIVE ? "exclusive" : "maybe shared");
	if (vmf->flags & FAULT_FLAG_WRITE)
		return ret | do_wp_page(vmf);
	spin_unlock(vmf->ptl);
	return ret;
}

static vm_fault_t handle_pte_fault(struct vm_fault *vmf)
{
	pte_t entry;

	KFUNC(vmf->address, NULL);
	vmf->pte = pmd_none(*vmf->pmd) ? NULL : pte_offset_map(vmf->pmd, vmf->address);
	if (vmf->pte) {
		vmf->orig_pte = ptep_get(vmf->pte);
		if (pte_none(vmf->orig_pte))
			vmf->pte = NULL;
	}
	if (!vmf->pte)
		return do_pte_missing(vmf);
	if (!pte_present(vmf->orig_pte))
		return do_swap_page(vmf);
	vmf->ptl = pte_lockptr(vmf->vma->vm_mm, vmf->pmd);
	spin_lock(vmf->ptl);
	entry = vmf->orig_pte;
	if (vmf->flags & FAULT_FLAG_WRITE) {
		if (!pte_write(entry))
			return do_wp_page(vmf);
		entry = pte_mkdirty(entry);
	}
	entry = pte_mkyoung(entry);
	ptep_set_access_flags(vmf->vma, vmf->address, vmf->pte, entry,
			      vmf->flags & FAULT_FLAG_WRITE);
	spin_unlock(vmf->ptl);
	vmf->outcome = "present";
	return 0;
}

static vm_fault_t create_huge_pmd(struct vm_fault *vmf)
{
	if (vma_is_anonymous(vmf->vma))
		return do_huge_pmd_anonymous_page(vmf);
	return VM_FAULT_FALLBACK;
}

/*
 * A write to a write-protected huge PMD.  A file THP is never copied
 * whole: its PMD is zapped (shmem has no ->huge_fault here) and the PTE
 * fault that follows copies one page (private) or maps it (shared).
 */
static vm_fault_t wp_huge_pmd(struct vm_fault *vmf)
{
	KFUNC(vmf->address, NULL);
	if (vma_is_anonymous(vmf->vma))
		return do_huge_pmd_wp_page(vmf);
	__split_huge_pmd(vmf->vma, vmf->pmd, vmf->address, false);
	return VM_FAULT_FALLBACK;
}

static vm_fault_t __handle_mm_fault(struct vm_area_struct *vma,
				    unsigned long address, unsigned int flags,
				    const char **outcome)
{
	struct vm_fault vmf = {
		.vma = vma,
		.address = address & PAGE_MASK,
		.real_address = address,
		.flags = flags,
		.pgoff = linear_page_index(vma, address & PAGE_MASK),
	};
	struct mm_struct *mm = vma->vm_mm;
	vm_fault_t ret;
	p4d_t *p4d;

	KFUNC(address, NULL);
	p4d = p4d_offset(pgd_offset(mm, address), address);
	vmf.pud = pud_alloc(mm, p4d, address);
	if (!vmf.pud)
		return VM_FAULT_OOM;
	vmf.pmd = pmd_alloc(mm, vmf.pud, address);
	if (!vmf.pmd)
		return VM_FAULT_OOM;
	if (pmd_none(*vmf.pmd) &&
	    thp_vma_allowable_order(vma, vma->vm_flags, TVA_PAGEFAULT, PMD_ORDER)) {
		ret = create_huge_pmd(&vmf);
		if (!(ret & VM_FAULT_FALLBACK))
			goto out;
	} else {
		vmf.orig_pmd = pmdp_get(vmf.pmd);
		if (is_swap_pmd(vmf.orig_pmd)) {
			vmf.outcome = "migration entry (not supported yet)";
			ret = VM_FAULT_SIGBUS;
			goto out;
		}
		if (pmd_trans_huge(vmf.orig_pmd)) {
			if ((flags & FAULT_FLAG_WRITE) && !pmd_write(vmf.orig_pmd)) {
				ret = wp_huge_pmd(&vmf);
				if (!(ret & VM_FAULT_FALLBACK))
					goto out;
			} else {
				spin_lock(pmd_lockptr(mm, vmf.pmd));
				huge_pmd_set_accessed(&vmf);
				spin_unlock(pmd_lockptr(mm, vmf.pmd));
				vmf.outcome = "present";
				ret = 0;
				goto out;
			}
		}
	}
	ret = handle_pte_fault(&vmf);
out:
	*outcome = vmf.outcome;
	return ret;
}

/*
 * Resolve a fault at @address of @vma.  *outcome names what was done
 * ("thp", "huge-zero", "pte", "zero", "mthp", "cow", "reuse", ...).
 */
vm_fault_t handle_mm_fault(struct vm_area_struct *vma, unsigned long address,
			   unsigned int flags, const char **outcome)
{
	KFUNC(address, NULL);
	count_vm_event(PGFAULT);
	*outcome = "none";
	return __handle_mm_fault(vma, address, flags, outcome);
}

/* ---- unmapping ---- */

static bool should_zap_cows(struct zap_details *details);

/*
 * Truncation zaps one folio; a hole punch (even_cows false) leaves the
 * private copies that private file mappings made, truncate zaps them.
 */
static bool should_zap_folio(struct zap_details *details, struct folio *folio)
{
	if (details && details->single_folio)
		return details->single_folio == folio;
	if (should_zap_cows(details))
		return true;
	return !folio_test_anon(folio);
}

static int mm_counter(struct folio *folio)
{
	if (folio_test_anon(folio))
		return MM_ANONPAGES;
	return folio_test_swapbacked(folio) ? MM_SHMEMPAGES : MM_FILEPAGES;
}

/*
 * folio_pte_batch_flags(): consecutive PTEs mapping consecutive pages of
 * @folio, alike but for the bits in @ignore.
 */
static int folio_pte_batch_flags(struct folio *folio, pte_t *ptep, pte_t pte,
				 int max_nr, u64 ignore)
{
	unsigned long end_pfn = folio_pfn(folio) + folio_nr_pages(folio);
	u64 expected = pte_val(pte) & ~ignore;
	int nr;

	for (nr = 1; nr < max_nr; nr++) {
		pte_t next = ptep_get(ptep + nr);

		expected = pte_val(pte_advance_pfn(__pte(expected), 1));
		if (!pte_present(next) || (pte_val(next) & ~ignore) != expected ||
		    pte_pfn(next) >= end_pfn)
			break;
	}
	return nr;
}

/* folio_pte_batch(): the batch whose young and dirty bits may differ. */
int folio_pte_batch(struct folio *folio, pte_t *ptep, pte_t pte, int max_nr)
{
	return folio_pte_batch_flags(folio, ptep, pte, max_nr,
				     _PAGE_DIRTY_BITS | _PAGE_ACCESSED | _PAGE_SOFT_DIRTY);
}

static int zap_present_ptes(struct mmu_gather *tlb, struct vm_area_struct *vma,
			    pte_t *pte, pte_t ptent, int max_nr, unsigned long addr,
			    struct zap_details *details, long *rss, bool *any_skipped)
{
	struct mm_struct *mm = tlb->mm;
	struct page *page = vm_normal_page(vma, addr, ptent);
	struct folio *folio;
	int i, nr;

	if (!page) {
		ptep_get_and_clear(mm, addr, pte);	/* the zero page */
		return 1;
	}
	folio = page_folio(page);
	if (!should_zap_folio(details, folio)) {
		*any_skipped = true;
		return 1;
	}
	nr = folio_test_large(folio) ? folio_pte_batch(folio, pte, ptent, max_nr) : 1;
	for (i = 0; i < nr; i++)
		if (pte_dirty(ptep_get_and_clear(mm, addr + i * PAGE_SIZE, pte + i)) &&
		    !folio_test_anon(folio))
			folio_set_dirty(folio);
	rss[mm_counter(folio)] -= nr;
	folio_remove_rmap_ptes(folio, page, nr, vma);
	__tlb_remove_folio_pages(tlb, folio, nr);
	return nr;
}

/* Swap entries hold private anonymous pages: zapped unless the caller spares COWs. */
static bool should_zap_cows(struct zap_details *details)
{
	if (!details || details->reclaim_pt)
		return true;
	return details->even_cows;
}

static int zap_nonpresent_ptes(struct mmu_gather *tlb, struct vm_area_struct *vma,
			       pte_t *pte, pte_t ptent, int max_nr, unsigned long addr,
			       struct zap_details *details, long *rss, bool *any_skipped)
{
	swp_entry_t entry = pte_to_swp_entry(ptent);
	int nr = 1, i;

	(void)vma;
	if (is_migration_entry(entry)) {
		struct folio *folio = page_folio(pfn_to_page(swp_offset_pfn(entry)));

		if (!should_zap_folio(details, folio)) {
			*any_skipped = true;
			return 1;
		}
		rss[mm_counter(folio)]--;
	} else {
		if (!should_zap_cows(details))
			return 1;
		nr = swap_pte_batch(pte, max_nr, ptent);
		rss[MM_SWAPENTS] -= nr;
		free_swap_and_cache_nr(entry, nr);
	}
	for (i = 0; i < nr; i++)
		pte_clear(tlb->mm, addr + i * PAGE_SIZE, pte + i);
	return nr;
}

static int do_zap_pte_range(struct mmu_gather *tlb, struct vm_area_struct *vma,
			    pte_t *pte, unsigned long addr, unsigned long end,
			    struct zap_details *details, long *rss, bool *any_skipped)
{
	pte_t ptent = ptep_get(pte);
	int max_nr = (end - addr) / PAGE_SIZE;
	int nr = 0;

	/* Skip all consecutive none ptes. */
	if (pte_none(ptent)) {
		for (nr = 1; nr < max_nr; nr++) {
			ptent = ptep_get(pte + nr);
			if (!pte_none(ptent))
				break;
		}
		max_nr -= nr;
		if (!max_nr)
			return nr;
		pte += nr;
		addr += nr * PAGE_SIZE;
	}
	if (pte_present(ptent))
		return nr + zap_present_ptes(tlb, vma, pte, ptent, max_nr, addr,
					     details, rss, any_skipped);
	return nr + zap_nonpresent_ptes(tlb, vma, pte, ptent, max_nr, addr, details, rss,
					any_skipped);
}

/*
 * CONFIG_PT_RECLAIM: a MADV_DONTNEED zap that emptied a whole PTE table
 * frees it at once.
 */
static void try_to_free_pte(struct mmu_gather *tlb, pmd_t *pmd, unsigned long addr)
{
	struct mm_struct *mm = tlb->mm;
	pte_t *pte = pte_offset_map(pmd, addr & PMD_MASK);
	struct page *table;
	spinlock_t *ptl;

	if (!pte || !pte_range_none(pte, PTRS_PER_PTE))
		return;
	ptl = pmd_lock(mm, pmd);
	table = pfn_to_page(pmd_pfn(*pmd));
	pmd_clear(pmd);
	spin_unlock(ptl);
	mm_dec_nr_ptes(mm);
	tlb_remove_table(tlb, table);
	KNOTE("freed empty pte table pfn %#lx", page_to_pfn(table));
}

static unsigned long zap_pte_range(struct mmu_gather *tlb, struct vm_area_struct *vma,
				   pmd_t *pmd, unsigned long addr, unsigned long end,
				   struct zap_details *details)
{
	bool can_reclaim_pt = details && details->reclaim_pt && end - addr >= PMD_SIZE;
	long rss[NR_MM_COUNTERS] = { 0 };
	unsigned long start = addr;
	bool any_skipped = false;
	spinlock_t *ptl;
	pte_t *pte;
	int i, nr;

	KFUNC(addr, NULL);
	pte = pte_offset_map_lock(tlb->mm, pmd, addr, &ptl);
	if (!pte)
		return end;
	do {
		nr = do_zap_pte_range(tlb, vma, pte, addr, end, details, rss, &any_skipped);
	} while (pte += nr, addr += PAGE_SIZE * nr, addr != end);
	for (i = 0; i < NR_MM_COUNTERS; i++)
		add_mm_counter(tlb->mm, i, rss[i]);
	spin_unlock(ptl);
	if (can_reclaim_pt && !any_skipped)
		try_to_free_pte(tlb, pmd, start);
	return addr;
}

static unsigned long zap_pmd_range(struct mmu_gather *tlb, struct vm_area_struct *vma,
				   pud_t *pud, unsigned long addr, unsigned long end,
				   struct zap_details *details)
{
	unsigned long next;
	pmd_t *pmd;

	KFUNC(addr, NULL);
	pmd = pmd_offset(pud, addr);
	do {
		next = pmd_addr_end(addr, end);
		if (is_swap_pmd(*pmd) || pmd_trans_huge(*pmd)) {
			if (next - addr != HPAGE_PMD_SIZE)
				__split_huge_pmd(vma, pmd, addr, false);
			else if (zap_huge_pmd(tlb, vma, pmd, addr))
				continue;
			/* fall through: zap the PTEs the split left */
		}
		if (pmd_none(*pmd))
			continue;
		zap_pte_range(tlb, vma, pmd, addr, next, details);
	} while (pmd++, addr = next, addr != end);
	return addr;
}

static unsigned long zap_pud_range(struct mmu_gather *tlb, struct vm_area_struct *vma,
				   p4d_t *p4d, unsigned long addr, unsigned long end,
				   struct zap_details *details)
{
	unsigned long next;
	pud_t *pud;

	KFUNC(addr, NULL);
	pud = pud_offset(p4d, addr);
	do {
		next = pud_addr_end(addr, end);
		/*
		 * A PUD leaf (1 GiB) would be zapped or split here; 6.18 maps
		 * anonymous and shmem memory with PMDs at most, so thpsh
		 * never creates one.
		 */
		VM_BUG_ON(pud_trans_huge(*pud));
		if (pud_none(*pud))
			continue;
		next = zap_pmd_range(tlb, vma, pud, addr, next, details);
	} while (pud++, addr = next, addr != end);
	return addr;
}

static unsigned long zap_p4d_range(struct mmu_gather *tlb, struct vm_area_struct *vma,
				   pgd_t *pgd, unsigned long addr, unsigned long end,
				   struct zap_details *details)
{
	p4d_t *p4d = p4d_offset(pgd, addr);

	KFUNC(addr, NULL);
	/* 4-level paging: one P4D entry, folded into the PGD entry. */
	if (p4d_none(*p4d))
		return end;
	return zap_pud_range(tlb, vma, p4d, addr, end, details);
}

void unmap_page_range(struct mmu_gather *tlb, struct vm_area_struct *vma,
		      unsigned long addr, unsigned long end, struct zap_details *details)
{
	unsigned long next;
	pgd_t *pgd;

	KFUNC(addr, NULL);
	pgd = pgd_offset(vma->vm_mm, addr);
	do {
		next = pgd_addr_end(addr, end);
		if (pgd_none(*pgd))
			continue;
		next = zap_p4d_range(tlb, vma, pgd, addr, next, details);
	} while (pgd++, addr = next, addr != end);
}

void unmap_single_vma(struct mmu_gather *tlb, struct vm_area_struct *vma,
		      unsigned long start_addr, unsigned long end_addr,
		      struct zap_details *details)
{
	unsigned long start = max(vma->vm_start, start_addr);
	unsigned long end = min(vma->vm_end, end_addr);

	KFUNC(start, NULL);
	if (start < end)
		unmap_page_range(tlb, vma, start, end, details);
}

/* Zap every VMA on @vmas (a detached list) between @start and @end. */
void unmap_vmas(struct mmu_gather *tlb, struct list_head *vmas,
		unsigned long start, unsigned long end)
{
	struct zap_details details = { .even_cows = true };
	struct vm_area_struct *vma;

	KFUNC(start, NULL);
	list_for_each_entry(vma, vmas, vm_list)
		unmap_single_vma(tlb, vma, start, end, &details);
}

/* MADV_DONTNEED and friends: zap a range of one VMA, VMA untouched. */
void zap_page_range_single(struct vm_area_struct *vma, unsigned long address,
			   unsigned long size, struct zap_details *details)
{
	struct mmu_gather tlb;

	KFUNC(address, NULL);
	tlb_gather_mmu(&tlb, vma->vm_mm);
	unmap_single_vma(&tlb, vma, address, address + size, details);
	tlb_finish_mmu(&tlb);
}

/* ---- unmapping a file's pages from every process ---- */

/* Zap page offsets [@first, @last] of each VMA of @mapping that maps some. */
static void unmap_mapping_range_tree(struct address_space *mapping, unsigned long first,
				     unsigned long last, struct zap_details *details)
{
	struct itnode *node;

	for (node = it_iter_first(&mapping->i_mmap, first, last); node;
	     node = it_iter_next(&mapping->i_mmap, node, first, last)) {
		struct vm_area_struct *vma = container_of(node, struct vm_area_struct, shared);
		unsigned long vba = vma->vm_pgoff, vea = vba + vma_pages(vma) - 1;
		unsigned long zba = max(first, vba), zea = min(last, vea);

		zap_page_range_single(vma, vma->vm_start + ((zba - vba) << PAGE_SHIFT),
				      (zea - zba + 1) << PAGE_SHIFT, details);
	}
}

/*
 * Unmap the bytes [@holebegin, @holebegin + @holelen) of a file from
 * every process (@holelen 0: to EOF).  The pages stay in the cache.
 */
void unmap_mapping_range(struct address_space *mapping, long long holebegin,
			 long long holelen, bool even_cows)
{
	struct zap_details details = { .even_cows = even_cows };
	unsigned long first = holebegin >> PAGE_SHIFT;
	unsigned long last = ~0UL;

	KFUNC(0, NULL);
	if (holelen)
		last = first + ((holelen + PAGE_SIZE - 1) >> PAGE_SHIFT) - 1;
	unmap_mapping_range_tree(mapping, first, last, &details);
}

/* Unmap one locked page-cache folio from every process (truncation). */
void unmap_mapping_folio(struct folio *folio)
{
	struct zap_details details = { .single_folio = folio };

	KFUNC(0, folio);
	unmap_mapping_range_tree(folio_mapping(folio), folio->index,
				 folio->index + folio_nr_pages(folio) - 1, &details);
}

/* ---- freeing page tables ---- */

static void free_pte_range(struct mmu_gather *tlb, pmd_t *pmd)
{
	struct page *table = pfn_to_page(pmd_pfn(*pmd));

	pmd_clear(pmd);
	tlb_remove_table(tlb, table);
	mm_dec_nr_ptes(tlb->mm);
}

static void free_pmd_range(struct mmu_gather *tlb, pud_t *pud, unsigned long addr,
			   unsigned long end, unsigned long floor, unsigned long ceiling)
{
	unsigned long next, start = addr;
	pmd_t *pmd = pmd_offset(pud, addr);

	do {
		next = pmd_addr_end(addr, end);
		if (pmd_none(*pmd))
			continue;
		VM_BUG_ON(pmd_trans_huge(*pmd) || !pmd_present(*pmd));
		free_pte_range(tlb, pmd);
	} while (pmd++, addr = next, addr != end);

	start &= PUD_MASK;
	if (start < floor)
		return;
	if (ceiling) {
		ceiling &= PUD_MASK;
		if (!ceiling)
			return;
	}
	if (end - 1 > ceiling - 1)
		return;
	tlb_remove_table(tlb, pfn_to_page(pud_pfn(*pud)));
	*pud = __pud(0);
	tlb->mm->pgtables_bytes -= PAGE_SIZE;
}

static void free_pud_range(struct mmu_gather *tlb, p4d_t *p4d, unsigned long addr,
			   unsigned long end, unsigned long floor, unsigned long ceiling)
{
	unsigned long next, start = addr;
	pud_t *pud = pud_offset(p4d, addr);

	do {
		next = pud_addr_end(addr, end);
		if (pud_none(*pud))
			continue;
		free_pmd_range(tlb, pud, addr, next, floor, ceiling);
	} while (pud++, addr = next, addr != end);

	start &= PGDIR_MASK;
	if (start < floor)
		return;
	if (ceiling) {
		ceiling &= PGDIR_MASK;
		if (!ceiling)
			return;
	}
	if (end - 1 > ceiling - 1)
		return;
	tlb_remove_table(tlb, pfn_to_page((p4d->p4d & PTE_PFN_MASK) >> PAGE_SHIFT));
	p4d->p4d = 0;
	tlb->mm->pgtables_bytes -= PAGE_SIZE;
}

/*
 * Free the page tables of [addr, end), but only tables that lie wholly
 * between @floor and @ceiling (the neighbouring VMAs may share the rest).
 */
void free_pgd_range(struct mmu_gather *tlb, unsigned long addr, unsigned long end,
		    unsigned long floor, unsigned long ceiling)
{
	unsigned long next;
	pgd_t *pgd;

	KFUNC(addr, NULL);
	addr &= PMD_MASK;
	if (addr < floor) {
		addr += PMD_SIZE;
		if (!addr)
			return;
	}
	if (ceiling) {
		ceiling &= PMD_MASK;
		if (!ceiling)
			return;
	}
	if (end - 1 > ceiling - 1)
		end -= PMD_SIZE;
	if (addr > end - 1)
		return;
	pgd = pgd_offset(tlb->mm, addr);
	do {
		next = pgd_addr_end(addr, end);
		if (pgd_none(*pgd))
			continue;
		free_pud_range(tlb, p4d_offset(pgd, addr), addr, next, floor, ceiling);
	} while (pgd++, addr = next, addr != end);
}

/*
 * After unmapping the VMAs on @vmas: drop their anon_vma links and free
 * the page tables they no longer need.
 */
void free_pgtables(struct mmu_gather *tlb, struct list_head *vmas,
		   unsigned long floor, unsigned long ceiling)
{
	struct vm_area_struct *vma;

	KFUNC(floor, NULL);
	list_for_each_entry(vma, vmas, vm_list)
		unlink_anon_vmas(vma);
	if (list_empty(vmas))
		return;
	free_pgd_range(tlb, list_first_entry(vmas, struct vm_area_struct, vm_list)->vm_start,
		       container_of(vmas->prev, struct vm_area_struct, vm_list)->vm_end,
		       floor, ceiling);
}

/* ---- fork: copying the page tables (copy_page_range) ---- */

/* Private and writable-if-asked: fork shares its pages copy-on-write. */
static bool is_cow_mapping(unsigned long flags)
{
	return (flags & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE;
}

/* The page a pinned parent page is copied into, charged like the parent's. */
static struct folio *folio_prealloc(struct mm_struct *src_mm,
				    struct vm_area_struct *vma, unsigned long addr)
{
	struct folio *new_folio = vma_alloc_folio(GFP_HIGHUSER_MOVABLE, 0, vma, addr);

	if (new_folio && mem_cgroup_charge(new_folio, src_mm)) {
		folio_put(new_folio);
		return NULL;
	}
	return new_folio;
}

/*
 * The parent's page may be pinned (folio_try_dup_anon_rmap_pte refused):
 * the child gets its own copy now, so the pinned page is never replaced
 * under the pin by a later COW.  -EAGAIN asks for *@prealloc first.
 */
static int copy_present_page(struct vm_area_struct *dst_vma,
			     struct vm_area_struct *src_vma, pte_t *dst_pte,
			     unsigned long addr, long *rss, struct folio **prealloc,
			     struct page *page)
{
	struct folio *new_folio = *prealloc;
	pte_t pte;

	KFUNC(addr, page_folio(page));
	(void)src_vma;
	if (!new_folio)
		return -EAGAIN;
	*prealloc = NULL;
	copy_user_highpage(folio_page(new_folio, 0), page);
	folio_set_uptodate(new_folio);
	folio_add_new_anon_rmap(new_folio, dst_vma, addr, RMAP_EXCLUSIVE);
	folio_set_lru(new_folio);
	rss[MM_ANONPAGES]++;
	pte = maybe_mkwrite(pte_mkdirty(folio_mk_pte(new_folio, dst_vma->vm_page_prot)),
			    dst_vma);
	set_pte_at(dst_vma->vm_mm, addr, dst_pte, pte);
	KNOTE("pfn %#lx copied for the child into pfn %#lx", page_to_pfn(page),
	      folio_pfn(new_folio));
	return 0;
}

/*
 * copy_nonpresent_pte(): the child's PTE holds the same swap entry, one
 * more reference to the slot; an exclusive entry is exclusive no more,
 * in the parent too.  0, or -ENOMEM when the slot counts no more.
 */
static int copy_nonpresent_pte(struct mm_struct *dst_mm, struct mm_struct *src_mm,
			       pte_t *dst_pte, pte_t *src_pte, unsigned long addr, long *rss)
{
	pte_t pte = ptep_get(src_pte);

	KFUNC(addr, NULL);
	/* migration entries only exist inside a folio split */
	VM_BUG_ON(is_pte_migration_entry(pte));
	if (swap_duplicate(pte_to_swp_entry(pte)))
		return -ENOMEM;
	if (pte_swp_exclusive(pte)) {
		pte = pte_swp_clear_exclusive(pte);
		set_pte_at(src_mm, addr, src_pte, pte);
	}
	rss[MM_SWAPENTS]++;
	set_pte_at(dst_mm, addr, dst_pte, pte);
	KNOTE("swap entry %#llx shared with the child", (unsigned long long)pte_val(pte));
	return 0;
}

/* Write-protect both sides of a COW mapping; the child's copy is old. */
static void __copy_present_ptes(struct vm_area_struct *dst_vma,
				struct vm_area_struct *src_vma, pte_t *dst_pte,
				pte_t *src_pte, pte_t pte, unsigned long addr, int nr)
{
	int i;

	if (is_cow_mapping(src_vma->vm_flags)) {
		for (i = 0; i < nr; i++)
			if (pte_write(ptep_get(src_pte + i)))
				set_pte_at(src_vma->vm_mm, addr + i * PAGE_SIZE, src_pte + i,
					   pte_wrprotect(ptep_get(src_pte + i)));
		if (pte_write(pte))
			pte = pte_wrprotect(pte);
	}
	if (src_vma->vm_flags & VM_SHARED)
		pte = pte_mkclean(pte);
	set_ptes(dst_vma->vm_mm, addr, dst_pte, pte_mkold(pte), nr);
}

/*
 * A page-cache page in a private file VMA that has an anon_vma (so is
 * copied): the child maps it too, read-only like the parent.
 */
static int copy_present_file_ptes(struct vm_area_struct *dst_vma,
				  struct vm_area_struct *src_vma, pte_t *dst_pte,
				  pte_t *src_pte, pte_t pte, unsigned long addr, int max_nr,
				  long *rss, struct folio *folio)
{
	struct page *page = vm_normal_page(src_vma, addr, pte);
	int nr = 1;

	KFUNC(addr, folio);
	if (folio_test_large(folio) && max_nr != 1)
		nr = folio_pte_batch_flags(folio, src_pte, pte, max_nr,
					   _PAGE_ACCESSED | _PAGE_RW | _PAGE_SOFT_DIRTY);
	folio_ref_add(folio, nr);
	folio_dup_file_rmap_ptes(folio, page, nr, dst_vma);
	rss[mm_counter_file(folio)] += nr;
	__copy_present_ptes(dst_vma, src_vma, dst_pte, src_pte, pte, addr, nr);
	KNOTE("%d page-cache pte(s) shared with the child", nr);
	return nr;
}

/*
 * Copy the present PTE at @src_pte and the following ones that map the
 * rest of the same large folio alike (dirty bits equal; write bits may
 * differ, they go anyway).  Returns how many, or -EAGAIN when a pinned
 * page needs a preallocated copy.
 */
static int copy_present_ptes(struct vm_area_struct *dst_vma,
			     struct vm_area_struct *src_vma, pte_t *dst_pte,
			     pte_t *src_pte, pte_t pte, unsigned long addr, int max_nr,
			     long *rss, struct folio **prealloc)
{
	struct page *page = vm_normal_page(src_vma, addr, pte);
	struct folio *folio;
	int nr;

	KFUNC(addr, page ? page_folio(page) : NULL);
	if (!page)
		goto copy_pte;		/* the zero page */
	folio = page_folio(page);
	if (!folio_test_anon(folio))
		return copy_present_file_ptes(dst_vma, src_vma, dst_pte, src_pte, pte, addr,
					      max_nr, rss, folio);
	if (!*prealloc && folio_test_large(folio) && max_nr != 1) {
		nr = folio_pte_batch_flags(folio, src_pte, pte, max_nr,
					   _PAGE_ACCESSED | _PAGE_RW | _PAGE_SOFT_DIRTY);
		folio_ref_add(folio, nr);
		if (folio_try_dup_anon_rmap_ptes(folio, page, nr, dst_vma, src_vma)) {
			folio_ref_sub(folio, nr);
			return -EAGAIN;
		}
		rss[MM_ANONPAGES] += nr;
		__copy_present_ptes(dst_vma, src_vma, dst_pte, src_pte, pte, addr, nr);
		KNOTE("%d ptes shared with the child: mapcount %d", nr, folio_mapcount(folio));
		return nr;
	}
	folio_get(folio);
	if (folio_try_dup_anon_rmap_ptes(folio, page, 1, dst_vma, src_vma)) {
		int err;

		folio_put(folio);
		err = copy_present_page(dst_vma, src_vma, dst_pte, addr, rss, prealloc, page);
		return err ? err : 1;
	}
	rss[MM_ANONPAGES]++;
	KNOTE("pte shared with the child: mapcount %d", folio_mapcount(folio));
copy_pte:
	__copy_present_ptes(dst_vma, src_vma, dst_pte, src_pte, pte, addr, 1);
	return 1;
}

static int copy_pte_range(struct vm_area_struct *dst_vma, struct vm_area_struct *src_vma,
			  pmd_t *dst_pmd, pmd_t *src_pmd, unsigned long addr,
			  unsigned long end)
{
	struct mm_struct *dst_mm = dst_vma->vm_mm, *src_mm = src_vma->vm_mm;
	struct folio *prealloc = NULL;
	spinlock_t *src_ptl, *dst_ptl;
	pte_t *src_pte, *dst_pte;
	int i, nr, ret;

	KFUNC(addr, NULL);
again:
	{
		long rss[NR_MM_COUNTERS] = { 0 };

		ret = 0;
		if (pmd_none(*dst_pmd) && __pte_alloc(dst_mm, dst_pmd))
			goto oom;
		dst_pte = pte_offset_map_lock(dst_mm, dst_pmd, addr, &dst_ptl);
		src_pte = pte_offset_map(src_pmd, addr);
		src_ptl = pte_lockptr(src_mm, src_pmd);
		spin_lock(src_ptl);
		do {
			pte_t ptent = ptep_get(src_pte);

			nr = 1;
			if (pte_none(ptent))
				continue;
			if (!pte_present(ptent)) {
				ret = copy_nonpresent_pte(dst_mm, src_mm, dst_pte, src_pte, addr, rss);
				if (ret)
					break;
				continue;
			}
			ret = copy_present_ptes(dst_vma, src_vma, dst_pte, src_pte, ptent, addr,
						(end - addr) / PAGE_SIZE, rss, &prealloc);
			if (ret == -EAGAIN)
				break;
			if (prealloc) {		/* prepared for a pte that changed */
				folio_put(prealloc);
				prealloc = NULL;
			}
			nr = ret;
		} while (dst_pte += nr, src_pte += nr, addr += PAGE_SIZE * nr, addr != end);
		spin_unlock(src_ptl);
		for (i = 0; i < NR_MM_COUNTERS; i++)
			add_mm_counter(dst_mm, i, rss[i]);
		spin_unlock(dst_ptl);
	}
	if (ret == -ENOMEM)
		goto oom;
	if (ret == -EAGAIN) {
		prealloc = folio_prealloc(src_mm, src_vma, addr);
		if (!prealloc)
			goto oom;
	}
	if (addr != end)
		goto again;
	if (prealloc)
		folio_put(prealloc);
	return 0;
oom:
	return -ENOMEM;
}

static int copy_pmd_range(struct vm_area_struct *dst_vma, struct vm_area_struct *src_vma,
			  pud_t *dst_pud, pud_t *src_pud, unsigned long addr,
			  unsigned long end)
{
	struct mm_struct *dst_mm = dst_vma->vm_mm, *src_mm = src_vma->vm_mm;
	pmd_t *src_pmd, *dst_pmd;
	unsigned long next;

	KFUNC(addr, NULL);
	dst_pmd = pmd_alloc(dst_mm, dst_pud, addr);
	if (!dst_pmd)
		return -ENOMEM;
	src_pmd = pmd_offset(src_pud, addr);
	do {
		next = pmd_addr_end(addr, end);
		if (pmd_trans_huge(*src_pmd) || is_swap_pmd(*src_pmd)) {
			int err;

			VM_BUG_ON_VMA(next - addr != HPAGE_PMD_SIZE, src_vma);
			err = copy_huge_pmd(dst_mm, src_mm, dst_pmd, src_pmd, addr,
					    dst_vma, src_vma);
			if (err == -ENOMEM)
				return -ENOMEM;
			if (!err)
				continue;
			/* -EAGAIN: the PMD was split, copy its PTEs */
		}
		if (pmd_none(*src_pmd))
			continue;
		if (copy_pte_range(dst_vma, src_vma, dst_pmd, src_pmd, addr, next))
			return -ENOMEM;
	} while (dst_pmd++, src_pmd++, addr = next, addr != end);
	return 0;
}

static int copy_pud_range(struct vm_area_struct *dst_vma, struct vm_area_struct *src_vma,
			  p4d_t *dst_p4d, p4d_t *src_p4d, unsigned long addr,
			  unsigned long end)
{
	pud_t *src_pud, *dst_pud;
	unsigned long next;

	KFUNC(addr, NULL);
	dst_pud = pud_alloc(dst_vma->vm_mm, dst_p4d, addr);
	if (!dst_pud)
		return -ENOMEM;
	src_pud = pud_offset(src_p4d, addr);
	do {
		next = pud_addr_end(addr, end);
		VM_BUG_ON(pud_trans_huge(*src_pud));	/* see zap_pud_range */
		if (pud_none(*src_pud))
			continue;
		if (copy_pmd_range(dst_vma, src_vma, dst_pud, src_pud, addr, next))
			return -ENOMEM;
	} while (dst_pud++, src_pud++, addr = next, addr != end);
	return 0;
}

static int copy_p4d_range(struct vm_area_struct *dst_vma, struct vm_area_struct *src_vma,
			  pgd_t *dst_pgd, pgd_t *src_pgd, unsigned long addr,
			  unsigned long end)
{
	KFUNC(addr, NULL);
	/* 4-level paging: one P4D entry, folded into the PGD entry. */
	return copy_pud_range(dst_vma, src_vma, p4d_offset(dst_pgd, addr),
			      p4d_offset(src_pgd, addr), addr, end);
}

/* Only a VMA that has anonymous pages holds what a fault cannot refill. */
static bool vma_needs_copy(struct vm_area_struct *dst_vma, struct vm_area_struct *src_vma)
{
	if (dst_vma->vm_flags & (VM_PFNMAP | VM_MIXEDMAP))
		return true;
	return src_vma->anon_vma != NULL;
}

/*
 * fork: give @dst_vma (in the child) the entries of @src_vma, sharing
 * anonymous pages copy-on-write.  0 or -ENOMEM.
 */
int copy_page_range(struct vm_area_struct *dst_vma, struct vm_area_struct *src_vma)
{
	unsigned long addr = src_vma->vm_start, end = src_vma->vm_end, next;
	pgd_t *src_pgd, *dst_pgd;

	KFUNC(addr, NULL);
	if (!vma_needs_copy(dst_vma, src_vma))
		return 0;
	dst_pgd = pgd_offset(dst_vma->vm_mm, addr);
	src_pgd = pgd_offset(src_vma->vm_mm, addr);
	do {
		next = pgd_addr_end(addr, end);
		if (pgd_none(*src_pgd))
			continue;
		if (copy_p4d_range(dst_vma, src_vma, dst_pgd, src_pgd, addr, next))
			return -ENOMEM;
	} while (dst_pgd++, src_pgd++, addr = next, addr != end);
	return 0;
}
