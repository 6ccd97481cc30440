/*
 * huge_memory.c - Transparent Huge Pages (mm/huge_memory.c).
 *
 * A PMD THP is an order-9 folio mapped by one PMD leaf, with a PTE table
 * deposited beside it.  Splitting has two levels:
 *
 *   __split_huge_pmd_locked   PMD -> 512 PTEs; the folio stays order 9.
 *   __folio_split             the folio -> smaller folios; every mapping
 *                             is first replaced by a migration entry
 *                             (unmap_folio), the folio is frozen and cut
 *                             (__split_unmapped_folio), then the entries
 *                             are restored (remap_page).
 *
 * One PMD split, worked through (anonymous, not frozen):
 *
 *   before:  PMD = pfn P | PSE|D|A|U|RW|P     folio: refcount 1,
 *            deposited: PTE table T             entire_mapcount 0 (1 map),
 *                                              nr_pages_mapped ENTIRELY_MAPPED
 *   1. pmdp_invalidate: PMD not present (still PSE), TLB flushed
 *   2. folio_ref_add(511): one reference per future PTE -> refcount 512
 *   3. folio_add_anon_rmap_ptes(512): each page _mapcount -1 -> 0,
 *      nr_pages_mapped += 512, large_mapcount 1 -> 513
 *   4. withdraw T, fill T[i] = pfn P+i with the PMD's RW/D/A bits
 *   5. folio_remove_rmap_pmd: entire_mapcount 0 -> -1, nr_pages_mapped
 *      -= ENTIRELY_MAPPED (= 512 left), large_mapcount 513 -> 512
 *   6. pmd_populate: PMD = pfn T | table bits
 *   after:   refcount 512 = mapcount 512: one reference per mapping.
 */
#include "huge_mm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "khugepaged.h"
#include "memcontrol.h"
#include "rmap.h"
#include "shmem_fs.h"

/* Upstream Kconfig defaults: TRANSPARENT_HUGEPAGE_ALWAYS, defrag madvise. */
unsigned long transparent_hugepage_flags;
unsigned long huge_anon_orders_always;
unsigned long huge_anon_orders_madvise;
unsigned long huge_anon_orders_inherit;
bool split_underused_thp;
struct folio *huge_zero_folio;
unsigned long huge_zero_pfn = ~0UL;
static int huge_zero_refcount;

void thp_reset(void)
{
	transparent_hugepage_flags = BIT(TRANSPARENT_HUGEPAGE_FLAG) |
		BIT(TRANSPARENT_HUGEPAGE_DEFRAG_REQ_MADV_FLAG) |
		BIT(TRANSPARENT_HUGEPAGE_DEFRAG_KHUGEPAGED_FLAG) |
		BIT(TRANSPARENT_HUGEPAGE_USE_ZERO_PAGE_FLAG);
	huge_anon_orders_always = 0;
	huge_anon_orders_madvise = 0;
	huge_anon_orders_inherit = BIT(PMD_ORDER);
	split_underused_thp = true;
	huge_zero_folio = NULL;
	huge_zero_pfn = ~0UL;
	huge_zero_refcount = 0;
}

/* ---- which orders a VMA may use ---- */

bool thp_vma_suitable_order(struct vm_area_struct *vma, unsigned long addr, int order)
{
	unsigned long hpage_size = PAGE_SIZE << order;
	unsigned long haddr = ALIGN_DOWN(addr, hpage_size);

	if (!vma_is_anonymous(vma) &&
	    !IS_ALIGNED((vma->vm_start >> PAGE_SHIFT) - vma->vm_pgoff, hpage_size >> PAGE_SHIFT))
		return false;
	return haddr >= vma->vm_start && haddr + hpage_size <= vma->vm_end;
}

unsigned long thp_vma_suitable_orders(struct vm_area_struct *vma,
				      unsigned long addr, unsigned long orders)
{
	int order;

	for (order = PMD_ORDER; order > 0; order--)
		if ((orders & BIT(order)) && !thp_vma_suitable_order(vma, addr, order))
			orders &= ~BIT(order);
	return orders;
}

bool vma_thp_disabled(struct vm_area_struct *vma, unsigned long vm_flags)
{
	return (vm_flags & VM_NOHUGEPAGE) ||
	       (vma->vm_mm->flags & BIT(MMF_DISABLE_THP));
}

/*
 * The sysfs policy for an anonymous VMA: hugepages-<size>/enabled per
 * order, "inherit" following transparent_hugepage/enabled.
 */
unsigned long thp_vma_allowable_orders(struct vm_area_struct *vma,
				       unsigned long vm_flags, enum tva_type type,
				       unsigned long orders)
{
	bool in_pf = type == TVA_PAGEFAULT;

	if (vma_is_anonymous(vma)) {
		unsigned long mask = huge_anon_orders_always;

		if (vm_flags & VM_HUGEPAGE)
			mask |= huge_anon_orders_madvise;
		if (hugepage_global_always() ||
		    ((vm_flags & VM_HUGEPAGE) && hugepage_global_enabled()))
			mask |= huge_anon_orders_inherit;
		/* MADV_COLLAPSE ignores them (FACTS.md "MADV_COLLAPSE", nomadv) */
		if (type == TVA_FORCED_COLLAPSE)
			mask = THP_ORDERS_ALL_ANON;
		orders &= mask & THP_ORDERS_ALL_ANON;
	} else {
		orders &= THP_ORDERS_ALL_FILE_DEFAULT;
	}
	if (!orders || vma_thp_disabled(vma, vm_flags))
		return 0;
	/* shmem has no ->huge_fault: shmem_fault() picks the folio size */
	if (!vma_is_anonymous(vma) && in_pf)
		return 0;
	if (!in_pf) {
		/* drop the orders too big for the VMA, from the highest down */
		int order;

		for (order = PMD_ORDER; order > 0 && orders; order--) {
			if (!(orders & BIT(order)))
				continue;
			if (thp_vma_suitable_order(vma, vma->vm_end - (PAGE_SIZE << order), order))
				break;
			orders &= ~BIT(order);
		}
		if (!orders)
			return 0;
	}
	if (!vma_is_anonymous(vma))
		return orders & shmem_allowable_huge_orders(vma->vm_file, vma, vma->vm_pgoff, 0,
							    type == TVA_FORCED_COLLAPSE);
	if (!vma->anon_vma)
		return (type == TVA_SMAPS || in_pf) ? orders : 0;
	return orders;
}

/* ---- the huge zero page ---- */

static bool get_huge_zero_folio(void)
{
	struct folio *zero_folio;

	if (huge_zero_refcount) {
		huge_zero_refcount++;
		return true;
	}
	zero_folio = folio_alloc(GFP_TRANSHUGE | __GFP_ZERO, HPAGE_PMD_ORDER);
	if (!zero_folio) {
		count_vm_event(THP_ZERO_PAGE_ALLOC_FAILED);
		return false;
	}
	folio_clear_large_rmappable(zero_folio);	/* explicitly not rmappable */
	huge_zero_folio = zero_folio;
	huge_zero_pfn = folio_pfn(zero_folio);
	huge_zero_refcount = 2;		/* +1 for the shrinker's pin */
	count_vm_event(THP_ZERO_PAGE_ALLOC);
	KNOTE("allocated the huge zero folio, pfn %#lx", huge_zero_pfn);
	return true;
}

/* Each mm that maps it holds one reference, dropped at exit_mmap. */
struct folio *mm_get_huge_zero_folio(struct mm_struct *mm)
{
	if (mm->flags & BIT(MMF_HUGE_ZERO_FOLIO))
		return huge_zero_folio;
	if (!get_huge_zero_folio())
		return NULL;
	mm->flags |= BIT(MMF_HUGE_ZERO_FOLIO);
	return huge_zero_folio;
}

void mm_put_huge_zero_folio(struct mm_struct *mm)
{
	if (mm->flags & BIT(MMF_HUGE_ZERO_FOLIO)) {
		VM_BUG_ON(huge_zero_refcount <= 1);
		huge_zero_refcount--;
	}
}

static unsigned long shrink_huge_zero_folio_count(struct shrinker *shrink,
						  struct shrink_control *sc)
{
	(void)shrink;
	(void)sc;
	return huge_zero_refcount == 1 ? HPAGE_PMD_NR : 0;
}

/* Free the huge zero folio once no mm uses it any more. */
static unsigned long shrink_huge_zero_folio_scan(struct shrinker *shrink,
						 struct shrink_control *sc)
{
	struct folio *zero_folio = huge_zero_folio;

	(void)shrink;
	(void)sc;
	if (huge_zero_refcount != 1)
		return 0;
	huge_zero_refcount = 0;
	huge_zero_folio = NULL;
	huge_zero_pfn = ~0UL;
	folio_put(zero_folio);
	return HPAGE_PMD_NR;
}

struct shrinker huge_zero_folio_shrinker = {
	.name = "thp-zero",
	.count_objects = shrink_huge_zero_folio_count,
	.scan_objects = shrink_huge_zero_folio_scan,
	.seeks = 2,
	.batch = 0,
};

/* ---- faults ---- */

static pmd_t maybe_pmd_mkwrite(pmd_t pmd, struct vm_area_struct *vma)
{
	if (vma->vm_flags & VM_WRITE)
		pmd = pmd_mkwrite(pmd);
	return pmd;
}

/*
 * vma_thp_gfp_mask(): how hard a THP fault tries, per
 * transparent_hugepage/defrag (thpsh's GFP_TRANSHUGE is the kernel's
 * GFP_TRANSHUGE_LIGHT: no reclaim, no compaction):
 *   always         direct compaction; __GFP_NORETRY unless MADV_HUGEPAGE
 *   defer          wake kcompactd, fail at once
 *   defer+madvise  direct for MADV_HUGEPAGE VMAs, else wake kcompactd
 *   madvise        direct for MADV_HUGEPAGE VMAs, else nothing
 *   never          nothing
 */
gfp_t vma_thp_gfp_mask(struct vm_area_struct *vma)
{
	const bool vma_madvised = vma && (vma->vm_flags & VM_HUGEPAGE);
	unsigned long f = transparent_hugepage_flags;

	if (f & BIT(TRANSPARENT_HUGEPAGE_DEFRAG_DIRECT_FLAG))
		return GFP_TRANSHUGE | __GFP_DIRECT_RECLAIM | (vma_madvised ? 0 : __GFP_NORETRY);
	if (f & BIT(TRANSPARENT_HUGEPAGE_DEFRAG_KSWAPD_FLAG))
		return GFP_TRANSHUGE | __GFP_KSWAPD_RECLAIM;
	if (f & BIT(TRANSPARENT_HUGEPAGE_DEFRAG_KSWAPD_OR_MADV_FLAG))
		return GFP_TRANSHUGE | (vma_madvised ? __GFP_DIRECT_RECLAIM : __GFP_KSWAPD_RECLAIM);
	if (f & BIT(TRANSPARENT_HUGEPAGE_DEFRAG_REQ_MADV_FLAG))
		return GFP_TRANSHUGE | (vma_madvised ? __GFP_DIRECT_RECLAIM : 0);
	return GFP_TRANSHUGE;
}

static struct folio *vma_alloc_anon_folio_pmd(struct vm_area_struct *vma,
					      unsigned long addr)
{
	struct folio *folio;

	KFUNC(addr, NULL);
	folio = vma_alloc_folio(vma_thp_gfp_mask(vma) | __GFP_ZERO, HPAGE_PMD_ORDER, vma,
				addr & HPAGE_PMD_MASK);
	if (!folio) {
		count_vm_event(THP_FAULT_FALLBACK);
		count_mthp_stat(HPAGE_PMD_ORDER, MTHP_STAT_ANON_FAULT_FALLBACK);
		KNOTE("no free order-9 block: fall back to 4K pages");
		return NULL;
	}
	if (mem_cgroup_charge(folio, vma->vm_mm)) {
		folio_put(folio);
		count_vm_event(THP_FAULT_FALLBACK);
		count_vm_event(THP_FAULT_FALLBACK_CHARGE);
		count_mthp_stat(HPAGE_PMD_ORDER, MTHP_STAT_ANON_FAULT_FALLBACK);
		count_mthp_stat(HPAGE_PMD_ORDER, MTHP_STAT_ANON_FAULT_FALLBACK_CHARGE);
		return NULL;
	}
	folio_set_uptodate(folio);
	KNOTE("order-9 folio pfn %#lx", folio_pfn(folio));
	return folio;
}

static void map_anon_folio_pmd_nopf(struct folio *folio, pmd_t *pmd,
				    struct vm_area_struct *vma, unsigned long haddr)
{
	pmd_t entry = folio_mk_pmd(folio, vma->vm_page_prot);

	KFUNC(haddr, folio);
	entry = maybe_pmd_mkwrite(pmd_mkdirty(entry), vma);
	folio_add_new_anon_rmap(folio, vma, haddr, RMAP_EXCLUSIVE);
	folio_set_lru(folio);
	set_pmd_at(vma->vm_mm, haddr, pmd, entry);
	KNOTE("pmd %#llx", (unsigned long long)pmd_val(entry));
	/* queued whole, for the thp_underused shrinker */
	deferred_split_folio(folio, false);
}

static void map_anon_folio_pmd_pf(struct folio *folio, pmd_t *pmd,
				  struct vm_area_struct *vma, unsigned long haddr)
{
	map_anon_folio_pmd_nopf(folio, pmd, vma, haddr);
	add_mm_counter(vma->vm_mm, MM_ANONPAGES, HPAGE_PMD_NR);
	count_vm_event(THP_FAULT_ALLOC);
	count_mthp_stat(HPAGE_PMD_ORDER, MTHP_STAT_ANON_FAULT_ALLOC);
}

static vm_fault_t __do_huge_pmd_anonymous_page(struct vm_fault *vmf)
{
	unsigned long haddr = vmf->address & HPAGE_PMD_MASK;
	struct vm_area_struct *vma = vmf->vma;
	struct folio *folio;
	struct page *pgtable;

	KFUNC(haddr, NULL);
	folio = vma_alloc_anon_folio_pmd(vma, vmf->address);
	if (!folio)
		return VM_FAULT_FALLBACK;
	pgtable = pte_alloc_one(vma->vm_mm);
	if (!pgtable) {
		folio_put(folio);
		return VM_FAULT_OOM;
	}
	vmf->ptl = pmd_lock(vma->vm_mm, vmf->pmd);
	if (!pmd_none(*vmf->pmd)) {
		spin_unlock(vmf->ptl);
		pte_free(vma->vm_mm, pgtable);
		folio_put(folio);
		return 0;
	}
	pgtable_trans_huge_deposit(vma->vm_mm, vmf->pmd, pgtable);
	map_anon_folio_pmd_pf(folio, vmf->pmd, vma, haddr);
	mm_inc_nr_ptes(vma->vm_mm);
	spin_unlock(vmf->ptl);
	vmf->outcome = "thp";
	return 0;
}

/* Caller holds the PMD lock. */
static void set_huge_zero_folio(struct page *pgtable, struct mm_struct *mm,
				struct vm_area_struct *vma, unsigned long haddr,
				pmd_t *pmd, struct folio *zero_folio)
{
	pmd_t entry = pmd_mkspecial(folio_mk_pmd(zero_folio, vma->vm_page_prot));

	KFUNC(haddr, zero_folio);
	pgtable_trans_huge_deposit(mm, pmd, pgtable);
	set_pmd_at(mm, haddr, pmd, entry);
	mm_inc_nr_ptes(mm);
	KNOTE("pmd %#llx: the huge zero page", (unsigned long long)pmd_val(entry));
}

/*
 * A fault on an empty PMD of an anonymous VMA that may use THPs: a read
 * maps the huge zero page, a write allocates an order-9 folio.
 */
vm_fault_t do_huge_pmd_anonymous_page(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	unsigned long haddr = vmf->address & HPAGE_PMD_MASK;
	struct folio *zero_folio;
	struct page *pgtable;

	KFUNC(haddr, NULL);
	if (!thp_vma_suitable_order(vma, haddr, PMD_ORDER))
		return VM_FAULT_FALLBACK;
	if (vmf_anon_prepare(vmf))
		return VM_FAULT_OOM;
	khugepaged_enter_vma(vma, vma->vm_flags);
	if ((vmf->flags & FAULT_FLAG_WRITE) || !transparent_hugepage_use_zero_page())
		return __do_huge_pmd_anonymous_page(vmf);
	pgtable = pte_alloc_one(vma->vm_mm);
	if (!pgtable)
		return VM_FAULT_OOM;
	zero_folio = mm_get_huge_zero_folio(vma->vm_mm);
	if (!zero_folio) {
		pte_free(vma->vm_mm, pgtable);
		count_vm_event(THP_FAULT_FALLBACK);
		return VM_FAULT_FALLBACK;
	}
	vmf->ptl = pmd_lock(vma->vm_mm, vmf->pmd);
	if (pmd_none(*vmf->pmd)) {
		set_huge_zero_folio(pgtable, vma->vm_mm, vma, haddr, vmf->pmd, zero_folio);
		pgtable = NULL;
		vmf->outcome = "huge-zero";
	}
	spin_unlock(vmf->ptl);
	if (pgtable)
		pte_free(vma->vm_mm, pgtable);
	return 0;
}

/*
 * fork: share the THP (or the huge zero page) at @addr with the child.
 * Both PMDs end write-protected, the child's old, and the child gets a
 * deposited table of its own.  A THP that may be pinned is not shared:
 * the parent's PMD is split and -EAGAIN makes copy_pmd_range copy the
 * PTEs instead (FACTS.md "Long-term GUP pin ... and fork").
 * 0, -EAGAIN (not huge, or split), -ENOMEM.
 */
int copy_huge_pmd(struct mm_struct *dst_mm, struct mm_struct *src_mm,
		  pmd_t *dst_pmd, pmd_t *src_pmd, unsigned long addr,
		  struct vm_area_struct *dst_vma, struct vm_area_struct *src_vma)
{
	spinlock_t *dst_ptl, *src_ptl;
	struct folio *src_folio;
	struct page *pgtable;
	pmd_t pmd;
	int ret = -EAGAIN;

	KFUNC(addr, NULL);
	if (!vma_is_anonymous(dst_vma))
		return 0;	/* a file PMD is refilled by the child's faults */
	pgtable = pte_alloc_one(dst_mm);
	if (!pgtable)
		return -ENOMEM;
	dst_ptl = pmd_lock(dst_mm, dst_pmd);
	src_ptl = pmd_lockptr(src_mm, src_pmd);
	spin_lock(src_ptl);
	pmd = *src_pmd;
	/* PMD migration entries only exist inside a split. */
	VM_BUG_ON(is_swap_pmd(pmd));
	if (!pmd_trans_huge(pmd)) {
		pte_free(dst_mm, pgtable);
		goto out_unlock;
	}
	if (is_huge_zero_pmd(pmd)) {
		mm_get_huge_zero_folio(dst_mm);	/* exists: only takes a reference */
		goto out_zero_page;
	}
	src_folio = page_folio(pfn_to_page(pmd_pfn(pmd)));
	folio_get(src_folio);
	if (folio_try_dup_anon_rmap_pmd(src_folio, folio_page(src_folio, 0), dst_vma, src_vma)) {
		/* Page maybe pinned: split and retry on PTEs. */
		folio_put(src_folio);
		pte_free(dst_mm, pgtable);
		spin_unlock(src_ptl);
		spin_unlock(dst_ptl);
		KNOTE("folio pfn %#lx may be pinned: split the parent's pmd", folio_pfn(src_folio));
		__split_huge_pmd(src_vma, src_pmd, addr, false);
		return -EAGAIN;
	}
	add_mm_counter(dst_mm, MM_ANONPAGES, HPAGE_PMD_NR);
out_zero_page:
	mm_inc_nr_ptes(dst_mm);
	pgtable_trans_huge_deposit(dst_mm, dst_pmd, pgtable);
	pmdp_set_wrprotect(src_mm, addr, src_pmd);
	pmd = pmd_mkold(pmd_wrprotect(pmd));
	set_pmd_at(dst_mm, addr, dst_pmd, pmd);
	KNOTE("pmd %#llx shared with the child: refcount %d", (unsigned long long)pmd_val(pmd),
	      is_huge_zero_pmd(pmd) ? 0 : folio_ref_count(page_folio(pfn_to_page(pmd_pfn(pmd)))));
	ret = 0;
out_unlock:
	spin_unlock(src_ptl);
	spin_unlock(dst_ptl);
	return ret;
}

bool huge_pmd_set_accessed(struct vm_fault *vmf)
{
	pmd_t entry = pmd_mkyoung(*vmf->pmd);

	if (vmf->flags & FAULT_FLAG_WRITE)
		entry = pmd_mkdirty(entry);
	return pmdp_set_access_flags(vmf->vma, vmf->address & HPAGE_PMD_MASK,
				     vmf->pmd, entry, vmf->flags & FAULT_FLAG_WRITE);
}

/* A write to the huge zero page: a fresh THP replaces it (6.18). */
static vm_fault_t do_huge_zero_wp_pmd(struct vm_fault *vmf)
{
	unsigned long haddr = vmf->address & HPAGE_PMD_MASK;
	struct vm_area_struct *vma = vmf->vma;
	struct folio *folio;

	KFUNC(haddr, NULL);
	folio = vma_alloc_anon_folio_pmd(vma, vmf->address);
	if (!folio)
		return VM_FAULT_FALLBACK;
	vmf->ptl = pmd_lock(vma->vm_mm, vmf->pmd);
	if (pmd_val(*vmf->pmd) != pmd_val(vmf->orig_pmd)) {
		spin_unlock(vmf->ptl);
		folio_put(folio);
		return 0;
	}
	pmdp_huge_clear_flush(vma, haddr, vmf->pmd);
	map_anon_folio_pmd_pf(folio, vmf->pmd, vma, haddr);
	spin_unlock(vmf->ptl);
	vmf->outcome = "thp";
	return 0;
}

/*
 * A write to a write-protected PMD THP: reuse it if exclusive, else
 * split the PMD and let the PTE fault path copy one page.
 */
vm_fault_t do_huge_pmd_wp_page(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	unsigned long haddr = vmf->address & HPAGE_PMD_MASK;
	pmd_t orig_pmd = vmf->orig_pmd;
	struct folio *folio;
	struct page *page;
	pmd_t entry;

	KFUNC(haddr, NULL);
	vmf->ptl = pmd_lockptr(vma->vm_mm, vmf->pmd);
	if (is_huge_zero_pmd(orig_pmd)) {
		if (!(do_huge_zero_wp_pmd(vmf) & VM_FAULT_FALLBACK))
			return 0;
		goto fallback;
	}
	spin_lock(vmf->ptl);
	page = pfn_to_page(pmd_pfn(orig_pmd));
	folio = page_folio(page);
	if (!PageAnonExclusive(page)) {
		if (!folio_trylock(folio))
			goto unlock_fallback;
		if (folio_ref_count(folio) != 1) {
			folio_unlock(folio);
			goto unlock_fallback;
		}
		folio_move_anon_rmap(folio, vma);
		SetPageAnonExclusive(page);
		folio_unlock(folio);
	}
	entry = maybe_pmd_mkwrite(pmd_mkdirty(pmd_mkyoung(orig_pmd)), vma);
	pmdp_set_access_flags(vma, haddr, vmf->pmd, entry, 1);
	spin_unlock(vmf->ptl);
	vmf->outcome = "reuse";
	KNOTE("pmd %#llx -> %#llx (reused)", (unsigned long long)pmd_val(orig_pmd),
	      (unsigned long long)pmd_val(entry));
	return 0;
unlock_fallback:
	spin_unlock(vmf->ptl);
fallback:
	__split_huge_pmd(vma, vmf->pmd, vmf->address, false);
	return VM_FAULT_FALLBACK;
}

/* ---- MADV_FREE and mremap of a whole PMD ---- */

/*
 * MADV_FREE of [addr, next) inside one huge PMD: a THP that only this
 * mm maps becomes lazily freeable, clean and old, without a split; for
 * part of one the folio is split at once, so that the PTE walk frees
 * just those pages.  True if the whole PMD was handled here.
 */
bool madvise_free_huge_pmd(struct mmu_gather *tlb, struct vm_area_struct *vma,
			   pmd_t *pmd, unsigned long addr, unsigned long next)
{
	struct mm_struct *mm = tlb->mm;
	struct folio *folio;
	bool ret = false;
	spinlock_t *ptl;
	pmd_t orig_pmd;

	KFUNC(addr, NULL);
	ptl = pmd_lock(mm, pmd);
	orig_pmd = *pmd;
	if (!pmd_trans_huge(orig_pmd) || !pmd_present(orig_pmd) || is_huge_zero_pmd(orig_pmd))
		goto out;
	folio = page_folio(pfn_to_page(pmd_pfn(orig_pmd)));
	/* Other processes map it too: they did not ask for this. */
	if (folio_maybe_mapped_shared(folio) || !folio_trylock(folio))
		goto out;
	if (next - addr != HPAGE_PMD_SIZE) {
		folio_get(folio);
		spin_unlock(ptl);
		split_folio(folio);
		folio_unlock(folio);
		folio_put(folio);
		return false;
	}
	folio_clear_dirty(folio);
	folio_unlock(folio);
	if (pmd_young(orig_pmd) || pmd_dirty(orig_pmd)) {
		pmdp_invalidate(vma, addr, pmd);
		orig_pmd = pmd_mkclean(pmd_mkold(orig_pmd));
		set_pmd_at(mm, addr, pmd, orig_pmd);
	}
	folio_mark_lazyfree(folio);
	KNOTE("folio pfn %#lx lazyfree, pmd %#llx", folio_pfn(folio),
	      (unsigned long long)pmd_val(orig_pmd));
	ret = true;
out:
	spin_unlock(ptl);
	return ret;
}

/* The deposit moves along only to another PMD table (its lock differs). */
static bool pmd_move_must_withdraw(spinlock_t *new_pmd_ptl, spinlock_t *old_pmd_ptl,
				   struct vm_area_struct *vma)
{
	return new_pmd_ptl != old_pmd_ptl && vma_is_anonymous(vma);
}

/*
 * mremap: move the huge PMD at @old_addr, whole, to the empty @new_pmd
 * at @new_addr; nothing is split.  False if @new_pmd is in use.
 */
bool move_huge_pmd(struct vm_area_struct *vma, unsigned long old_addr,
		   unsigned long new_addr, pmd_t *old_pmd, pmd_t *new_pmd)
{
	struct mm_struct *mm = vma->vm_mm;
	spinlock_t *old_ptl, *new_ptl;
	pmd_t pmd;

	KFUNC(old_addr, NULL);
	if (!pmd_none(*new_pmd)) {
		VM_BUG_ON(pmd_trans_huge(*new_pmd));
		return false;
	}
	old_ptl = pmd_lock(mm, old_pmd);
	if (!pmd_trans_huge(*old_pmd) && !is_swap_pmd(*old_pmd)) {
		spin_unlock(old_ptl);
		return false;
	}
	new_ptl = pmd_lockptr(mm, new_pmd);
	if (new_ptl != old_ptl)
		spin_lock(new_ptl);
	pmd = pmdp_huge_get_and_clear(mm, old_addr, old_pmd);
	if (pmd_move_must_withdraw(new_ptl, old_ptl, vma))
		pgtable_trans_huge_deposit(mm, new_pmd, pgtable_trans_huge_withdraw(mm, old_pmd));
	set_pmd_at(mm, new_addr, new_pmd, pmd);
	KNOTE("pmd %#llx moved to %#lx", (unsigned long long)pmd_val(pmd), new_addr);
	if (new_ptl != old_ptl)
		spin_unlock(new_ptl);
	spin_unlock(old_ptl);
	return true;
}

/* ---- unmapping a whole PMD ---- */

static void zap_deposited_table(struct mm_struct *mm, pmd_t *pmd)
{
	struct page *pgtable = pgtable_trans_huge_withdraw(mm, pmd);

	pte_free(mm, pgtable);
	mm_dec_nr_ptes(mm);
}

/*
 * Zap a PMD-sized range mapped by one PMD: the THP loses its PMD mapping
 * and its deposited table goes with it.  Returns true if it did.
 */
bool zap_huge_pmd(struct mmu_gather *tlb, struct vm_area_struct *vma,
		  pmd_t *pmd, unsigned long addr)
{
	struct mm_struct *mm = tlb->mm;
	struct folio *folio = NULL;
	bool has_deposit;
	spinlock_t *ptl;
	pmd_t orig_pmd;

	KFUNC(addr, NULL);
	ptl = pmd_lock(mm, pmd);
	if (!pmd_trans_huge(*pmd) && !is_swap_pmd(*pmd)) {
		spin_unlock(ptl);
		return false;
	}
	orig_pmd = pmdp_huge_get_and_clear(mm, addr, pmd);
	KNOTE("pmd %#llx -> 0", (unsigned long long)pmd_val(orig_pmd));
	if (pmd_present(orig_pmd))
		folio = page_folio(pfn_to_page(pmd_pfn(orig_pmd)));
	else
		folio = page_folio(pfn_to_page(swp_offset_pfn(pmd_to_swp_entry(orig_pmd))));
	if (is_huge_zero_pmd(orig_pmd)) {
		has_deposit = vma_is_anonymous(vma);
		folio = NULL;
	} else {
		has_deposit = folio_test_anon(folio);
	}
	if (folio) {
		if (pmd_present(orig_pmd))
			folio_remove_rmap_pmd(folio, folio_page(folio, 0), vma);
		add_mm_counter(mm, folio_test_anon(folio) ? MM_ANONPAGES :
			       folio_test_swapbacked(folio) ? MM_SHMEMPAGES : MM_FILEPAGES,
			       -HPAGE_PMD_NR);
	}
	if (has_deposit)
		zap_deposited_table(mm, pmd);
	spin_unlock(ptl);
	if (folio && pmd_present(orig_pmd))
		__tlb_remove_folio_pages(tlb, folio, 1);
	return true;
}

/* mprotect of a whole PMD THP: rewrite the leaf, no split. */
int change_huge_pmd(struct mmu_gather *tlb, struct vm_area_struct *vma,
		    pmd_t *pmd, unsigned long addr, pgprot_t newprot,
		    unsigned long cp_flags)
{
	struct mm_struct *mm = vma->vm_mm;
	spinlock_t *ptl;
	pmd_t oldpmd, entry;

	KFUNC(addr, NULL);
	(void)tlb;
	(void)cp_flags;
	ptl = pmd_lock(mm, pmd);
	if (!pmd_trans_huge(*pmd)) {
		spin_unlock(ptl);
		return 0;
	}
	oldpmd = pmdp_invalidate(vma, addr, pmd);
	entry = pmd_modify(oldpmd, newprot);
	/* A private exclusive THP may become writable at once. */
	if ((vma->vm_flags & VM_WRITE) && !pmd_write(entry) && !is_huge_zero_pmd(oldpmd) &&
	    !(vma->vm_flags & VM_SHARED) &&
	    PageAnonExclusive(pfn_to_page(pmd_pfn(oldpmd))))
		entry = pmd_mkwrite(entry);
	set_pmd_at(mm, addr, pmd, entry);
	spin_unlock(ptl);
	KNOTE("pmd %#llx -> %#llx", (unsigned long long)pmd_val(oldpmd),
	      (unsigned long long)pmd_val(entry));
	return HPAGE_PMD_NR;
}

/* ---- splitting a PMD ---- */

static void __split_huge_zero_page_pmd(struct vm_area_struct *vma,
				       unsigned long haddr, pmd_t *pmd)
{
	struct mm_struct *mm = vma->vm_mm;
	struct page *pgtable;
	pmd_t _pmd;
	pte_t *pte;
	int i;

	KFUNC(haddr, NULL);
	pmdp_huge_clear_flush(vma, haddr, pmd);
	pgtable = pgtable_trans_huge_withdraw(mm, pmd);
	pmd_populate(mm, &_pmd, pgtable);
	pte = pte_offset_map(&_pmd, haddr);
	for (i = 0; i < HPAGE_PMD_NR; i++) {
		VM_BUG_ON(!pte_none(pte[i]));
		set_pte_at(mm, haddr + i * PAGE_SIZE, pte + i,
			   pte_mkspecial(pfn_pte(zero_pfn, vma->vm_page_prot)));
	}
	pmd_populate(mm, pmd, pgtable);
	KNOTE("512 ptes -> the 4K zero page, pmd %#llx", (unsigned long long)pmd_val(*pmd));
}

/* File and shmem PMDs are not split: they are unmapped (the cache keeps the folio). */
static void __split_huge_file_pmd(struct vm_area_struct *vma, unsigned long haddr,
				  pmd_t *pmd)
{
	struct mm_struct *mm = vma->vm_mm;
	pmd_t old_pmd = pmdp_huge_clear_flush(vma, haddr, pmd);
	struct folio *folio;

	if (is_huge_zero_pmd(old_pmd))
		return;
	if (is_pmd_migration_entry(old_pmd)) {
		folio = page_folio(pfn_to_page(swp_offset_pfn(pmd_to_swp_entry(old_pmd))));
	} else {
		folio = page_folio(pfn_to_page(pmd_pfn(old_pmd)));
		if (pmd_dirty(old_pmd))
			folio_set_dirty(folio);
		if (pmd_young(old_pmd))
			folio_set_referenced(folio);
		folio_remove_rmap_pmd(folio, folio_page(folio, 0), vma);
		folio_put(folio);
	}
	add_mm_counter(mm, folio_test_swapbacked(folio) ? MM_SHMEMPAGES : MM_FILEPAGES,
		       -HPAGE_PMD_NR);
	KNOTE("file pmd %#llx unmapped, not split", (unsigned long long)pmd_val(old_pmd));
}

/* What a PMD (present or migration entry) tells about its pages. */
struct pmd_state {
	struct page *page;
	bool write, young, dirty, soft_dirty, uffd_wp, anon_exclusive;
};

static void fill_migration_ptes(struct mm_struct *mm, unsigned long haddr, pte_t *pte,
				const struct pmd_state *st)
{
	int i;

	for (i = 0; i < HPAGE_PMD_NR; i++) {
		unsigned long pfn = page_to_pfn(st->page + i);
		swp_entry_t swp;
		pte_t entry;

		if (st->write)
			swp = make_writable_migration_entry(pfn);
		else if (st->anon_exclusive)
			swp = make_readable_exclusive_migration_entry(pfn);
		else
			swp = make_readable_migration_entry(pfn);
		if (st->young)
			swp = make_migration_entry_young(swp);
		if (st->dirty)
			swp = make_migration_entry_dirty(swp);
		entry = swp_entry_to_pte(swp);
		if (st->soft_dirty)
			entry = pte_swp_mksoft_dirty(entry);
		if (st->uffd_wp)
			entry = pte_swp_mkuffd_wp(entry);
		VM_WARN_ON(!pte_none(pte[i]));
		set_pte_at(mm, haddr + i * PAGE_SIZE, pte + i, entry);
	}
}

static void fill_present_ptes(struct vm_area_struct *vma, unsigned long haddr,
			      pte_t *pte, const struct pmd_state *st)
{
	pte_t entry = pfn_pte(page_to_pfn(st->page), vma->vm_page_prot);
	int i;

	if (st->write)
		entry = pte_mkwrite(entry);
	if (!st->young)
		entry = pte_mkold(entry);
	if (st->dirty)
		entry = pte_mkdirty(entry);
	if (st->soft_dirty)
		entry = pte_mksoft_dirty(entry);
	if (st->uffd_wp)
		entry = pte_mkuffd_wp(entry);
	for (i = 0; i < HPAGE_PMD_NR; i++)
		VM_WARN_ON(!pte_none(pte[i]));
	set_ptes(vma->vm_mm, haddr, pte, entry, HPAGE_PMD_NR);
}

/*
 * Turn the PMD at @haddr into a PTE table (the deposited one) mapping
 * the same 512 pages.  With @freeze the PTEs are migration entries and
 * the folio loses this mapping's reference (folio split's unmap_folio).
 * Caller holds the PMD lock.
 */
static void __split_huge_pmd_locked(struct vm_area_struct *vma, pmd_t *pmd,
				    unsigned long haddr, bool freeze)
{
	struct mm_struct *mm = vma->vm_mm;
	bool pmd_migration = is_pmd_migration_entry(*pmd);
	struct pmd_state st = { 0 };
	struct page *pgtable;
	struct folio *folio;
	pmd_t old_pmd, _pmd;
	pte_t *pte;

	KFUNC(haddr, NULL);
	VM_BUG_ON(haddr & ~HPAGE_PMD_MASK);
	VM_BUG_ON_VMA(vma->vm_start > haddr, vma);
	VM_BUG_ON_VMA(vma->vm_end < haddr + HPAGE_PMD_SIZE, vma);
	VM_BUG_ON(!pmd_migration && !pmd_trans_huge(*pmd));
	count_vm_event(THP_SPLIT_PMD);

	if (!vma_is_anonymous(vma)) {
		__split_huge_file_pmd(vma, haddr, pmd);
		return;
	}
	if (is_huge_zero_pmd(*pmd)) {
		__split_huge_zero_page_pmd(vma, haddr, pmd);
		return;
	}

	if (pmd_migration) {
		swp_entry_t entry = pmd_to_swp_entry(*pmd);

		old_pmd = *pmd;
		st.page = pfn_to_page(swp_offset_pfn(entry));
		folio = page_folio(st.page);
		st.soft_dirty = pmd_swp_soft_dirty(old_pmd);
		st.uffd_wp = pmd_swp_uffd_wp(old_pmd);
		st.write = is_writable_migration_entry(entry);
		st.anon_exclusive = is_readable_exclusive_migration_entry(entry);
		st.young = is_migration_entry_young(entry);
		st.dirty = is_migration_entry_dirty(entry);
	} else {
		/* Not present first: no TLB may hold a huge and a small entry. */
		old_pmd = pmdp_invalidate(vma, haddr, pmd);
		st.page = pfn_to_page(pmd_pfn(old_pmd));
		folio = page_folio(st.page);
		if (pmd_dirty(old_pmd)) {
			st.dirty = true;
			folio_set_dirty(folio);
		}
		st.write = pmd_write(old_pmd);
		st.young = pmd_young(old_pmd);
		st.soft_dirty = pmd_soft_dirty(old_pmd);
		st.uffd_wp = pmd_uffd_wp(old_pmd);
		VM_WARN_ON_FOLIO(!folio_ref_count(folio), folio);
		/*
		 * Freezing needs PageAnonExclusive cleared: a pinned page
		 * keeps it, so the PMD is only split and the folio split
		 * fails later in try_to_migrate_one.
		 */
		st.anon_exclusive = PageAnonExclusive(st.page);
		if (freeze && st.anon_exclusive &&
		    folio_try_share_anon_rmap_pmd(folio, st.page))
			freeze = false;
		if (!freeze) {
			folio_ref_add(folio, HPAGE_PMD_NR - 1);
			folio_add_anon_rmap_ptes(folio, st.page, HPAGE_PMD_NR, vma, haddr,
						 st.anon_exclusive ? RMAP_EXCLUSIVE : RMAP_NONE);
		}
	}

	/* Withdraw the table only after the PMD is marked invalid. */
	pgtable = pgtable_trans_huge_withdraw(mm, pmd);
	pmd_populate(mm, &_pmd, pgtable);
	pte = pte_offset_map(&_pmd, haddr);
	if (freeze || pmd_migration)
		fill_migration_ptes(mm, haddr, pte, &st);
	else
		fill_present_ptes(vma, haddr, pte, &st);
	KNOTE("512 ptes %#llx .. %#llx%s", (unsigned long long)pte_val(pte[0]),
	      (unsigned long long)pte_val(pte[HPAGE_PMD_NR - 1]),
	      freeze || pmd_migration ? " (migration entries)" : "");
	if (!pmd_migration)
		folio_remove_rmap_pmd(folio, st.page, vma);
	if (freeze)
		put_page(st.page);
	pmd_populate(mm, pmd, pgtable);
	KNOTE("pmd %#llx -> %#llx; folio refcount %d mapcount %d",
	      (unsigned long long)pmd_val(old_pmd), (unsigned long long)pmd_val(*pmd),
	      folio_ref_count(folio), folio_mapcount(folio));
}

void split_huge_pmd_locked(struct vm_area_struct *vma, unsigned long address,
			   pmd_t *pmd, bool freeze)
{
	VM_WARN_ON_ONCE(!IS_ALIGNED(address, HPAGE_PMD_SIZE));
	if (pmd_trans_huge(*pmd) || is_pmd_migration_entry(*pmd))
		__split_huge_pmd_locked(vma, pmd, address, freeze);
}

void __split_huge_pmd(struct vm_area_struct *vma, pmd_t *pmd,
		      unsigned long address, bool freeze)
{
	spinlock_t *ptl;

	KFUNC(address, NULL);
	ptl = pmd_lock(vma->vm_mm, pmd);
	split_huge_pmd_locked(vma, address & HPAGE_PMD_MASK, pmd, freeze);
	spin_unlock(ptl);
}

void split_huge_pmd_address(struct vm_area_struct *vma, unsigned long address,
			    bool freeze)
{
	pmd_t *pmd = mm_find_pmd(vma->vm_mm, address);

	KFUNC(address, NULL);
	if (pmd)
		__split_huge_pmd(vma, pmd, address, freeze);
}

static void split_huge_pmd_if_needed(struct vm_area_struct *vma, unsigned long address)
{
	/* An unaligned boundary cutting through a PMD range: split it. */
	if (!IS_ALIGNED(address, HPAGE_PMD_SIZE) &&
	    range_in_vma(vma, ALIGN_DOWN(address, HPAGE_PMD_SIZE),
			 ALIGN(address, HPAGE_PMD_SIZE)))
		split_huge_pmd_address(vma, address, false);
}

/* A VMA is about to get new boundaries: no PMD may straddle them. */
void vma_adjust_trans_huge(struct vm_area_struct *vma, unsigned long start,
			   unsigned long end, struct vm_area_struct *next)
{
	KFUNC(start, NULL);
	split_huge_pmd_if_needed(vma, start);
	split_huge_pmd_if_needed(vma, end);
	if (next)
		split_huge_pmd_if_needed(next, end);
}

/* ---- PMD migration entries ---- */

/* Replace a PMD mapping by a PMD migration entry (THP migration). */
int set_pmd_migration_entry(struct page_vma_mapped_walk *pvmw, struct page *page)
{
	struct folio *folio = page_folio(page);
	struct vm_area_struct *vma = pvmw->vma;
	struct mm_struct *mm = vma->vm_mm;
	unsigned long address = pvmw->address;
	bool anon_exclusive;
	swp_entry_t entry;
	pmd_t pmdval, pmdswp;

	KFUNC(address, folio);
	if (!(pvmw->pmd && !pvmw->pte))
		return 0;
	pmdval = pmdp_invalidate(vma, address, pvmw->pmd);
	anon_exclusive = folio_test_anon(folio) && PageAnonExclusive(page);
	if (anon_exclusive && folio_try_share_anon_rmap_pmd(folio, page)) {
		set_pmd_at(mm, address, pvmw->pmd, pmdval);
		return -EBUSY;
	}
	if (pmd_write(pmdval))
		entry = make_writable_migration_entry(page_to_pfn(page));
	else if (anon_exclusive)
		entry = make_readable_exclusive_migration_entry(page_to_pfn(page));
	else
		entry = make_readable_migration_entry(page_to_pfn(page));
	if (pmd_young(pmdval))
		entry = make_migration_entry_young(entry);
	if (pmd_dirty(pmdval)) {
		folio_set_dirty(folio);
		entry = make_migration_entry_dirty(entry);
	}
	pmdswp = swp_entry_to_pmd(entry);
	if (pmd_soft_dirty(pmdval))
		pmdswp = pmd_swp_mksoft_dirty(pmdswp);
	if (pmd_uffd_wp(pmdval))
		pmdswp = pmd_swp_mkuffd_wp(pmdswp);
	set_pmd_at(mm, address, pvmw->pmd, pmdswp);
	folio_remove_rmap_pmd(folio, page, vma);
	folio_put(folio);
	TP_EMIT({ "set_migration_pmd", 2, { { "addr", NULL, (long long)address },
		  { "pmd", NULL, (long long)pmd_val(pmdswp) } } });
	return 0;
}

void remove_migration_pmd(struct page_vma_mapped_walk *pvmw, struct folio *folio)
{
	struct vm_area_struct *vma = pvmw->vma;
	unsigned long haddr = pvmw->address & HPAGE_PMD_MASK;
	swp_entry_t entry;
	pmd_t pmde;

	KFUNC(haddr, folio);
	if (!(pvmw->pmd && !pvmw->pte))
		return;
	entry = pmd_to_swp_entry(*pvmw->pmd);
	folio_get(folio);
	pmde = folio_mk_pmd(folio, vma->vm_page_prot);
	if (pmd_swp_soft_dirty(*pvmw->pmd))
		pmde = pmd_mksoft_dirty(pmde);
	if (is_writable_migration_entry(entry))
		pmde = pmd_mkwrite(pmde);
	if (!is_migration_entry_young(entry))
		pmde = pmd_mkold(pmde);
	if (folio_test_dirty(folio) && is_migration_entry_dirty(entry))
		pmde = pmd_mkdirty(pmde);
	if (folio_test_anon(folio))
		folio_add_anon_rmap_pmd(folio, folio_page(folio, 0), vma, haddr,
					is_readable_migration_entry(entry) ? RMAP_NONE :
					RMAP_EXCLUSIVE);
	else
		folio_add_file_rmap_pmd(folio, folio_page(folio, 0), vma);
	set_pmd_at(vma->vm_mm, haddr, pvmw->pmd, pmde);
	TP_EMIT({ "remove_migration_pmd", 2, { { "addr", NULL, (long long)pvmw->address },
		  { "pmd", NULL, (long long)pmd_val(pmde) } } });
}

/* ---- splitting a folio ---- */

/*
 * Can @folio be split?  Every reference must be accounted for by its
 * mappings, the page/swap cache (@pextra_pins) and the caller's own
 * (@caller_pins): anything else, a GUP pin say, makes it -EAGAIN.
 */
bool can_split_folio(struct folio *folio, int caller_pins, int *pextra_pins)
{
	int extra_pins;

	if (folio_test_anon(folio))
		extra_pins = folio_test_swapcache(folio) ? folio_nr_pages(folio) : 0;
	else
		extra_pins = folio_nr_pages(folio);
	if (pextra_pins)
		*pextra_pins = extra_pins;
	return folio_mapcount(folio) == folio_ref_count(folio) - extra_pins - caller_pins;
}

/* Replace every mapping of @folio: migration entries (anon) or nothing (file). */
static void unmap_folio(struct folio *folio)
{
	int ttu_flags = TTU_RMAP_LOCKED | TTU_SYNC | TTU_BATCH_FLUSH;

	KFUNC(0, folio);
	VM_BUG_ON_FOLIO(!folio_test_large(folio), folio);
	if (folio_test_pmd_mappable(folio))
		ttu_flags |= TTU_SPLIT_HUGE_PMD;
	if (folio_test_anon(folio))
		try_to_migrate(folio, ttu_flags);
	else
		try_to_unmap(folio, ttu_flags | TTU_IGNORE_MLOCK);
}

/* Restore the mappings unmap_folio() turned into migration entries. */
static void remap_page(struct folio *folio, unsigned long nr, int flags)
{
	unsigned long i = 0;

	KFUNC(0, folio);
	if (!folio_test_anon(folio))
		return;
	for (;;) {
		remove_migration_ptes(folio, folio, TTU_RMAP_LOCKED | flags);
		i += folio_nr_pages(folio);
		if (i >= nr)
			break;
		folio = folio_next(folio);
	}
}

#define SPLIT_COPY_FLAGS (BIT(PG_referenced) | BIT(PG_swapbacked) | BIT(PG_swapcache) | \
			  BIT(PG_mlocked) | BIT(PG_uptodate) | BIT(PG_active) |	\
			  BIT(PG_workingset) | BIT(PG_locked) | BIT(PG_unevictable) | \
			  BIT(PG_dirty) | BIT(PG_dropbehind) | BIT(PG_lru))

/* Cut a frozen, unmapped @folio of @old_order into folios of @new_order. */
static void __split_folio_to_order(struct folio *folio, int old_order, int new_order)
{
	long new_nr_pages = 1L << new_order, nr_pages = 1L << old_order, i;
	unsigned int memcg_id = folio_memcg_id(folio);

	for (i = new_nr_pages; i < nr_pages; i += new_nr_pages) {
		struct page *new_head = folio_page(folio, i);
		struct folio *new_folio = (struct folio *)new_head;

		VM_BUG_ON_PAGE(new_head->_mapcount != -1, new_head);
		new_head->flags = folio->flags & SPLIT_COPY_FLAGS;
		clear_compound_head(new_head);
		new_folio->mapping = folio->mapping;
		new_folio->index = folio->index + i;
		new_folio->private = 0;
		folio_set_memcg_id(new_folio, memcg_id);
		if (new_order) {
			prep_compound_page(new_head, new_order);
			folio_set_large_rmappable(new_folio);
		}
	}
	if (new_order)
		folio_set_order(folio, new_order);
	else
		folio->flags &= ~BIT(PG_head);
}

/*
 * Uniform split: every piece gets @new_order.  Non-uniform (buddy-like)
 * split: halve repeatedly, always the half holding @split_at, so only
 * that piece reaches @new_order.  Order-1 anonymous folios are skipped.
 * The split is logged for split_history() (thpsh's, not the kernel's).
 */
static int __split_unmapped_folio(struct folio *folio, int new_order,
				  struct page *split_at, bool uniform_split)
{
	const bool is_anon = folio_test_anon(folio);
	const unsigned long pfn = folio_pfn(folio);
	int old_order = folio_order(folio), orig_order = old_order;
	unsigned int orders = 0;
	int split_order;

	KFUNC(0, folio);
	for (split_order = uniform_split ? new_order : old_order - 1;
	     split_order >= new_order; split_order--) {
		int nr_new_folios = 1 << (old_order - split_order);

		if (split_order == 1)
			continue;	/* no order-1 folios, see mm_types.h */
		__split_folio_to_order(folio, old_order, split_order);
		orders |= 1U << split_order;
		if (is_anon) {
			mod_mthp_stat(old_order, MTHP_STAT_NR_ANON, -1);
			mod_mthp_stat(split_order, MTHP_STAT_NR_ANON, nr_new_folios);
		}
		KNOTE("order %d -> %d folios of order %d", old_order,
		      nr_new_folios, split_order);
		folio = page_folio(split_at);
		old_order = split_order;
	}
	split_history_add(pfn, orig_order, page_to_pfn(split_at), orders, is_anon);
	return 0;
}

/*
 * The folio is off the deferred split queue while frozen; the
 * partially-mapped flag does not survive the split.
 */
static void folio_reset_deferred_split(struct folio *folio)
{
	struct deferred_split *ds_queue = get_deferred_split_queue(folio);

	spin_lock(&ds_queue->split_queue_lock);
	if (folio_order(folio) > 1 && !list_empty(&folio->_deferred_list)) {
		ds_queue->split_queue_len--;
		list_del_init(&folio->_deferred_list);
	}
	if (folio_test_partially_mapped(folio)) {
		folio_clear_partially_mapped(folio);
		mod_mthp_stat(folio_order(folio), MTHP_STAT_NR_ANON_PARTIALLY_MAPPED, -1);
	}
	spin_unlock(&ds_queue->split_queue_lock);
}

/*
 * Freeze @folio (only the expected references may remain), split it,
 * and give every new folio its references back.  -EAGAIN if someone
 * holds an unexpected reference.
 */
static int __folio_freeze_and_split_unmapped(struct folio *folio, unsigned int new_order,
					     struct page *split_at, bool uniform_split,
					     int extra_pins)
{
	struct folio *end_folio = folio_next(folio), *new_folio, *next;
	int old_order = folio_order(folio);
	bool file = !folio_test_anon(folio);

	if (!folio_ref_freeze(folio, 1 + extra_pins))
		return -EAGAIN;
	KNOTE("folio pfn %#lx frozen: refcount %d -> 0", folio_pfn(folio), 1 + extra_pins);
	folio_reset_deferred_split(folio);
	if (file && old_order >= HPAGE_PMD_ORDER && new_order < HPAGE_PMD_ORDER)
		lruvec_stat_mod_folio(folio, folio_test_swapbacked(folio) ?
				      NR_SHMEM_THPS : NR_FILE_THPS, -folio_nr_pages(folio));
	__split_unmapped_folio(folio, new_order, split_at, uniform_split);
	for (new_folio = folio_next(folio); new_folio != end_folio; new_folio = next) {
		next = folio_next(new_folio);
		folio_ref_unfreeze(new_folio, 1 + (file ? (int)folio_nr_pages(new_folio) : 0));
	}
	if (file)
		shmem_split_folio_cache(folio, end_folio);
	folio_ref_unfreeze(folio, 1 + (file ? (int)folio_nr_pages(folio) : 0));
	return 0;
}

/*
 * Split a locked large folio into folios of @new_order; the folio
 * holding @lock_at stays locked and keeps the caller's reference.
 * 0, -EINVAL (order), -EBUSY (zero page, writeback, no anon_vma or
 * mapping), -EAGAIN (unexpected references: pinned, or mapped in a way
 * unmap_folio could not undo).
 */
static int __folio_split(struct folio *folio, unsigned int new_order,
			 struct page *split_at, struct page *lock_at,
			 bool uniform_split)
{
	struct folio *end_folio = folio_next(folio), *new_folio, *next, *lock_folio;
	bool is_anon = folio_test_anon(folio);
	struct anon_vma *anon_vma = NULL;
	int old_order = folio_order(folio);
	int extra_pins, ret;

	KFUNC(0, folio);
	VM_WARN_ON_ONCE_FOLIO(!folio_test_locked(folio), folio);
	VM_WARN_ON_ONCE_FOLIO(!folio_test_large(folio), folio);
	if (folio != page_folio(split_at) || folio != page_folio(lock_at) ||
	    new_order >= (unsigned int)old_order ||
	    new_order == 1) {	/* no order-1 folios, see mm_types.h */
		ret = -EINVAL;
		goto out;
	}
	if (is_huge_zero_folio(folio) || folio_test_writeback(folio)) {
		ret = -EBUSY;
		goto out;
	}
	if (is_anon) {
		anon_vma = folio_get_anon_vma(folio);
		if (!anon_vma) {
			ret = -EBUSY;
			goto out;
		}
		anon_vma_lock_write(anon_vma);
	} else if (!folio->mapping) {
		ret = -EBUSY;
		goto out;
	}
	if (!can_split_folio(folio, 1, &extra_pins)) {
		KNOTE("refcount %d != mapcount %d + %d cache + 1 caller: unexpected pin",
		      folio_ref_count(folio), folio_mapcount(folio), extra_pins);
		ret = -EAGAIN;
		goto out_unlock;
	}
	unmap_folio(folio);
	ret = __folio_freeze_and_split_unmapped(folio, new_order, split_at,
						uniform_split, extra_pins);
	remap_page(folio, 1UL << old_order,
		   !ret && is_anon ? TTU_USE_SHARED_ZEROPAGE : 0);
	/*
	 * Unlock and drop the pieces, except the caller's: unmapped ones are
	 * freed.  The split is done, so the folio of @lock_at is known once:
	 * dropping the other pieces leaves it as it is.
	 */
	lock_folio = page_folio(lock_at);
	for (new_folio = folio; new_folio != end_folio; new_folio = next) {
		next = folio_next(new_folio);
		if (new_folio == lock_folio)
			continue;
		folio_unlock(new_folio);
		folio_put(new_folio);
	}
out_unlock:
	if (anon_vma) {
		anon_vma_unlock_write(anon_vma);
		put_anon_vma(anon_vma);
	}
out:
	if (old_order == HPAGE_PMD_ORDER)
		count_vm_event(!ret ? THP_SPLIT_PAGE : THP_SPLIT_PAGE_FAILED);
	count_mthp_stat(old_order, !ret ? MTHP_STAT_SPLIT : MTHP_STAT_SPLIT_FAILED);
	return ret;
}

int split_huge_page_to_list_to_order(struct page *page, struct list_head *list,
				     unsigned int new_order)
{
	struct folio *folio = page_folio(page);

	KFUNC(0, folio);
	(void)list;
	return __folio_split(folio, new_order, folio_page(folio, 0), page, true);
}

int split_folio_to_order(struct folio *folio, int new_order)
{
	return split_huge_page_to_list_to_order(folio_page(folio, 0), NULL, new_order);
}

/* Non-uniform split: only the piece holding @split_at gets @new_order. */
int folio_split(struct folio *folio, unsigned int new_order, struct page *split_at,
		struct list_head *list)
{
	KFUNC(0, folio);
	(void)list;
	return __folio_split(folio, new_order, split_at, folio_page(folio, 0), false);
}

/* ---- the deferred split queue and its shrinker ---- */

/* The folio's memcg queue, or its node's when it is charged to the root. */
struct deferred_split *get_deferred_split_queue(struct folio *folio)
{
	struct deferred_split *ds_queue = memcg_deferred_split_queue(folio);

	return ds_queue ? ds_queue : &NODE_DATA(folio_nid(folio))->deferred_split_queue;
}

/*
 * Queue @folio for the shrinker: a partially mapped one to be split, a
 * whole PMD THP (@partially_mapped false) to be checked by thp_underused.
 */
void deferred_split_folio(struct folio *folio, bool partially_mapped)
{
	struct deferred_split *ds_queue;

	KFUNC(0, folio);
	if (folio_order(folio) <= 1)
		return;
	if (!partially_mapped && !split_underused_thp)
		return;
	if (folio_test_swapcache(folio))
		return;
	ds_queue = get_deferred_split_queue(folio);
	spin_lock(&ds_queue->split_queue_lock);
	if (partially_mapped) {
		if (!folio_test_partially_mapped(folio)) {
			folio_set_partially_mapped(folio);
			if (folio_test_pmd_mappable(folio))
				count_vm_event(THP_DEFERRED_SPLIT_PAGE);
			count_mthp_stat(folio_order(folio), MTHP_STAT_SPLIT_DEFERRED);
			mod_mthp_stat(folio_order(folio), MTHP_STAT_NR_ANON_PARTIALLY_MAPPED, 1);
			KNOTE("folio pfn %#lx is partially mapped now", folio_pfn(folio));
		}
	} else {
		VM_WARN_ON_FOLIO(folio_test_partially_mapped(folio), folio);
	}
	if (list_empty(&folio->_deferred_list)) {
		list_add_tail(&folio->_deferred_list, &ds_queue->split_queue);
		ds_queue->split_queue_len++;
		KNOTE("folio pfn %#lx queued%s, queue length %lu", folio_pfn(folio),
		      partially_mapped ? " (partially mapped)" : "",
		      ds_queue->split_queue_len);
	}
	spin_unlock(&ds_queue->split_queue_lock);
}

/* A folio being freed leaves its queue. */
bool __folio_unqueue_deferred_split(struct folio *folio)
{
	struct deferred_split *ds_queue = get_deferred_split_queue(folio);
	bool unqueued = false;

	VM_WARN_ON_ONCE(folio_ref_count(folio));
	spin_lock(&ds_queue->split_queue_lock);
	if (!list_empty(&folio->_deferred_list)) {
		ds_queue->split_queue_len--;
		if (folio_test_partially_mapped(folio)) {
			folio_clear_partially_mapped(folio);
			mod_mthp_stat(folio_order(folio), MTHP_STAT_NR_ANON_PARTIALLY_MAPPED, -1);
		}
		list_del_init(&folio->_deferred_list);
		unqueued = true;
	}
	spin_unlock(&ds_queue->split_queue_lock);
	return unqueued;
}

static struct deferred_split *sc_split_queue(struct shrink_control *sc)
{
	if (sc->memcg)
		return memcg_shrink_queue(sc->memcg);
	return &NODE_DATA(sc->nid)->deferred_split_queue;
}

unsigned long deferred_split_count(struct shrinker *shrink, struct shrink_control *sc)
{
	KFUNC(0, NULL);
	(void)shrink;
	return sc_split_queue(sc)->split_queue_len;
}

/*
 * A fully mapped THP whose pages are mostly zero-filled: more than
 * khugepaged/max_ptes_none of them.  At the default 511 never.
 */
static bool thp_underused(struct folio *folio)
{
	int num_zero_pages = 0, num_filled_pages = 0;
	long i;

	KFUNC(0, folio);
	if (khugepaged_max_ptes_none == HPAGE_PMD_NR - 1)
		return false;
	for (i = 0; i < folio_nr_pages(folio); i++) {
		if (pages_identical(folio_page(folio, i), ZERO_PAGE(0))) {
			if (++num_zero_pages > (int)khugepaged_max_ptes_none) {
				KNOTE("%d zero-filled pages > max_ptes_none %u: underused",
				      num_zero_pages, khugepaged_max_ptes_none);
				return true;
			}
		} else if (++num_filled_pages >= HPAGE_PMD_NR - (int)khugepaged_max_ptes_none) {
			return false;
		}
	}
	return false;
}

/*
 * Take up to sc->nr_to_scan folios off the queue (each pinned with
 * folio_try_get, so it cannot be freed meanwhile), split the partially
 * mapped and the underused ones, put back the partially mapped ones
 * that did not split.  The scan moves them to a private list linked by
 * the same _deferred_list, so a split still finds them "queued".
 */
unsigned long deferred_split_scan(struct shrinker *shrink, struct shrink_control *sc)
{
	struct deferred_split *ds_queue = sc_split_queue(sc);
	struct folio *folio, *next;
	unsigned long removed = 0;
	int split = 0;
	LIST_HEAD(list);

	KFUNC(0, NULL);
	(void)shrink;
	spin_lock(&ds_queue->split_queue_lock);
	list_for_each_entry_safe(folio, next, &ds_queue->split_queue, _deferred_list) {
		if (folio_try_get(folio)) {
			list_move_tail(&folio->_deferred_list, &list);
		} else {
			/* lost the race with folio_put() */
			if (folio_test_partially_mapped(folio)) {
				folio_clear_partially_mapped(folio);
				mod_mthp_stat(folio_order(folio),
					      MTHP_STAT_NR_ANON_PARTIALLY_MAPPED, -1);
			}
			list_del_init(&folio->_deferred_list);
			ds_queue->split_queue_len--;
		}
		if (!--sc->nr_to_scan)
			break;
	}
	spin_unlock(&ds_queue->split_queue_lock);

	list_for_each_entry_safe(folio, next, &list, _deferred_list) {
		bool did_split = false, underused = false;

		if (!folio_test_partially_mapped(folio)) {
			underused = thp_underused(folio);
			if (!underused)
				goto next;
		}
		if (!folio_trylock(folio))
			goto next;
		if (!split_folio(folio)) {
			did_split = true;
			if (underused)
				count_vm_event(THP_UNDERUSED_SPLIT_PAGE);
			split++;
		}
		folio_unlock(folio);
next:
		/* split_folio() took it off the list; a used one is dropped */
		if (!did_split && !folio_test_partially_mapped(folio)) {
			list_del_init(&folio->_deferred_list);
			removed++;
		}
		folio_put(folio);
	}

	spin_lock(&ds_queue->split_queue_lock);
	list_splice_tail_init(&list, &ds_queue->split_queue);
	ds_queue->split_queue_len -= removed;
	spin_unlock(&ds_queue->split_queue_lock);
	KNOTE("split %d, dropped %lu, queue length %lu", split, removed,
	      ds_queue->split_queue_len);
	if (!split && list_empty(&ds_queue->split_queue))
		return SHRINK_STOP;
	return split;
}

struct shrinker deferred_split_shrinker = {
	.name = "thp-deferred_split",
	.count_objects = deferred_split_count,
	.scan_objects = deferred_split_scan,
	.seeks = 2,
	.batch = 0,
};

/* ---- debugfs: split_huge_pages ---- */

static bool is_transparent_hugepage(struct folio *folio)
{
	return folio_test_large(folio) &&
	       (is_huge_zero_folio(folio) || folio_test_large_rmappable(folio));
}

/* folio_walk_start(): the normal folio mapped at @addr, or NULL. */
static struct folio *folio_walk_start(struct vm_area_struct *vma, unsigned long addr)
{
	pmd_t *pmd = mm_find_pmd(vma->vm_mm, addr);
	struct page *page;
	pte_t *pte;

	if (!pmd || pmd_none(*pmd) || !pmd_present(*pmd))
		return NULL;
	if (pmd_trans_huge(*pmd)) {
		page = vm_normal_page_pmd(vma, addr, *pmd);
		return page ? page_folio(page) : NULL;
	}
	pte = pte_offset_map(pmd, addr);
	if (!pte_present(*pte))
		return NULL;
	page = vm_normal_page(vma, addr, *pte);
	return page ? page_folio(page) : NULL;
}

static int split_one(struct folio *folio, unsigned int order, long in_folio_offset)
{
	if (in_folio_offset < 0 || in_folio_offset >= folio_nr_pages(folio))
		return split_folio_to_order(folio, order);
	return folio_split(folio, order, folio_page(folio, in_folio_offset), NULL);
}

static int split_huge_pages_pid(int pid, unsigned long vaddr_start,
				unsigned long vaddr_end, unsigned int new_order,
				long in_folio_offset, struct split_stats *stats)
{
	struct task_struct *task = find_task_by_vpid(pid);
	unsigned long addr;

	KFUNC(vaddr_start, NULL);
	if (!task)
		return -ESRCH;
	if (!task->mm)
		return -EINVAL;
	vaddr_start &= PAGE_MASK;
	vaddr_end &= PAGE_MASK;
	/* One page at a time: a PTE table may hold many small THPs. */
	for (addr = vaddr_start; addr < vaddr_end; addr += PAGE_SIZE) {
		struct vm_area_struct *vma = vma_lookup(task->mm, addr);
		unsigned int target_order = new_order;
		struct folio *folio;

		if (!vma)
			break;
		folio = folio_walk_start(vma, addr);
		if (!folio || !is_transparent_hugepage(folio))
			continue;
		if (target_order >= folio_order(folio))
			continue;
		stats->total++;
		if (!can_split_folio(folio, 0, NULL) || !folio_trylock(folio))
			continue;
		folio_get(folio);
		if (!split_one(folio, target_order, in_folio_offset))
			stats->split++;
		folio_unlock(folio);
		folio_put(folio);
	}
	return 0;
}

/* pid 1 alone: every THP in the machine (split_huge_pages_all). */
static void split_huge_pages_all(struct split_stats *stats)
{
	int nid;

	for (nid = 0; nid < nr_node_ids; nid++) {
		struct pglist_data *pgdat = NODE_DATA(nid);
		unsigned long pfn;

		for (pfn = pgdat->node_start_pfn; pfn < pgdat->init_pfn; pfn++) {
			struct page *page = pfn_to_page(pfn);
			struct folio *folio;
			long nr;

			if (PageTail(page) || page->_refcount == 0)
				continue;
			folio = page_folio(page);
			if (!folio_test_large(folio) || !folio_test_lru(folio) ||
			    !folio_try_get(folio))
				continue;
			stats->total++;
			nr = folio_nr_pages(folio);
			if (folio_trylock(folio)) {
				if (!split_folio(folio))
					stats->split++;
				folio_unlock(folio);
			}
			folio_put(folio);
			pfn += nr - 1;
		}
	}
}

/*
 * A write to /sys/kernel/debug/split_huge_pages, parsed as the kernel
 * parses it: "PID,0xSTART,0xEND[,NEW_ORDER[,IN_FOLIO_OFFSET]]",
 * "/PATH,0xOFF_START,0xOFF_END[,NEW_ORDER[,IN_FOLIO_OFFSET]]", or "1"
 * (everything).  Returns 0 or -errno; @stats counts like its pr_debug.
 */
int split_huge_pages_write(const char *buf, struct split_stats *stats)
{
	char input[255], path[255], *comma;
	unsigned long start = 0, end = 0;
	unsigned int new_order = 0;
	long in_folio_offset = -1;
	int pid, ret;

	KFUNC(0, NULL);
	snprintf(input, sizeof(input), "%s", buf);
	if (input[0] == '/') {
		comma = strchr(input, ',');
		if (!comma)
			return -EINVAL;
		*comma = '\0';
		snprintf(path, sizeof(path), "%s", input);
		ret = sscanf(comma + 1, "0x%lx,0x%lx,%u,%ld", &start, &end,
			     &new_order, &in_folio_offset);
		if (ret < 2)
			return -EINVAL;
		return split_huge_pages_in_file(path, start, end, new_order,
						in_folio_offset, stats);
	}
	ret = sscanf(input, "%d,0x%lx,0x%lx,%u,%ld", &pid, &start, &end,
		     &new_order, &in_folio_offset);
	if (ret == 1 && pid == 1) {
		split_huge_pages_all(stats);
		return 0;
	}
	if (ret < 3)
		return -EINVAL;
	return split_huge_pages_pid(pid, start, end, new_order, in_folio_offset, stats);
}
