/*
 * gup.c - pinning user pages for DMA: pin_user_pages_fast() and
 * unpin_user_pages() with FOLL_PIN (mm/gup.c).
 *
 * A pin is a reference that says "a device may be writing here".  It
 * is counted so that folio_maybe_dma_pinned() can see it:
 *
 *   large folio   _pincount += 1 and _refcount += 1 per pinned page
 *   small folio   _refcount += GUP_PIN_COUNTING_BIAS (1024) per pin
 *
 * and it changes what the rest of mm does with the folio (FACTS.md,
 * "Long-term GUP pin (io_uring fixed buffer) and fork / partial munmap"):
 * can_split_folio() fails (a split is -EAGAIN, thp_split_page_failed,
 * and a partially mapped folio stays on the deferred split queue), fork
 * copies a pinned exclusive page for the child instead of sharing it
 * (copy_huge_pmd splits the parent's PMD first), and a pinned page is
 * never replaced by COW, since it stays PageAnonExclusive.
 *
 * The pins thpsh takes are the ones io_uring's fixed buffers take
 * (IORING_REGISTER_BUFFERS, measured on the live kernel):
 * FOLL_WRITE | FOLL_PIN | FOLL_LONGTERM through pin_user_pages_fast():
 * first the lockless walk (gup_fast), then, for what it could not pin,
 * the walk that faults pages in (__get_user_pages).
 *
 * Simplification: the kernel leaves it to the pinning driver to remember
 * its pages.  thpsh plays that driver: each pinned page is recorded on
 * gup_pins with its process and address, so that unpin(), the process's
 * exit (closing its files releases the buffers) and check() find it.
 */
#include "internal.h"

#include "huge_mm.h"
#include "slab.h"

LIST_HEAD(gup_pins);

void gup_reset(void);
void gup_reset(void)
{
	INIT_LIST_HEAD(&gup_pins);
}

/* MMF_HAS_PINNED: from now on fork must look for pinned pages. */
static void mm_set_has_pinned_flag(struct mm_struct *mm)
{
	mm->flags |= BIT(MMF_HAS_PINNED);
}

/* Take @refs pins on @folio (one per page pinned). */
static void try_grab_folio(struct folio *folio, int refs)
{
	KFUNC(0, folio);
	if (folio_test_large(folio)) {
		folio_ref_add(folio, refs);
		folio->_pincount += refs;
	} else {
		folio_ref_add(folio, refs * GUP_PIN_COUNTING_BIAS);
	}
	lruvec_stat_mod_folio(folio, NR_FOLL_PIN_ACQUIRED, refs);
	KNOTE("+%d pins on folio pfn %#lx: refcount %d, pincount %d", refs,
	      folio_pfn(folio), folio_ref_count(folio),
	      folio_test_large(folio) ? folio->_pincount : 0);
}

/* Drop @refs pins; the last reference frees the folio. */
static void gup_put_folio(struct folio *folio, int refs)
{
	lruvec_stat_mod_folio(folio, NR_FOLL_PIN_RELEASED, refs);
	if (folio_test_large(folio))
		folio->_pincount -= refs;
	else
		refs *= GUP_PIN_COUNTING_BIAS;
	folio_put_refs(folio, refs);
}

/* The entry allows the access without a fault: present, user, writable if asked. */
static bool entry_access_permitted(u64 val, bool write)
{
	if (!(val & _PAGE_PRESENT) || !(val & _PAGE_USER))
		return false;
	return !write || (val & _PAGE_RW);
}

/* Pin [addr, end) of the THP behind @orig; 0 if the PMD does not allow it. */
static long gup_fast_pmd_leaf(pmd_t orig, unsigned long addr, unsigned long end,
			      unsigned int flags, struct page **pages)
{
	long refs = (end - addr) >> PAGE_SHIFT, i;
	struct folio *folio;
	struct page *page;

	if (!entry_access_permitted(pmd_val(orig), flags & FOLL_WRITE) || pmd_special(orig))
		return 0;
	page = pfn_to_page(pmd_pfn(orig)) + ((addr & ~PMD_MASK) >> PAGE_SHIFT);
	folio = page_folio(page);
	try_grab_folio(folio, refs);
	for (i = 0; i < refs; i++)
		pages[i] = page + i;
	folio_set_referenced(folio);
	return refs;
}

/* Pin the page behind one PTE; 0 if the PTE does not allow it. */
static long gup_fast_pte(pte_t pte, unsigned int flags, struct page **pages)
{
	struct folio *folio;

	if (!entry_access_permitted(pte_val(pte), flags & FOLL_WRITE) || pte_special(pte))
		return 0;
	pages[0] = pfn_to_page(pte_pfn(pte));
	folio = page_folio(pages[0]);
	try_grab_folio(folio, 1);
	folio_set_referenced(folio);
	return 1;
}

/*
 * gup_fast(): pin what the page tables already allow, without a fault,
 * from @start on; stop at the first entry that is missing, read-only
 * for FOLL_WRITE, or special (a zero page).  Returns the pages pinned.
 */
static long gup_fast(struct mm_struct *mm, unsigned long start, long nr_pages,
		     unsigned int flags, struct page **pages)
{
	unsigned long end = start + nr_pages * PAGE_SIZE, addr = start;

	KFUNC(start, NULL);
	while (addr < end) {
		struct addr_walk w;
		long got = 0;

		mm_walk_addr(mm, addr, &w);
		if (w.level == 3 && pmd_trans_huge(__pmd(w.pmd)))
			got = gup_fast_pmd_leaf(__pmd(w.pmd), addr, min(pmd_addr_end(addr, end), end),
						flags, pages + ((addr - start) >> PAGE_SHIFT));
		else if (w.level == 4)
			got = gup_fast_pte(__pte(w.pte), flags,
					   pages + ((addr - start) >> PAGE_SHIFT));
		if (!got)
			break;
		addr += got * PAGE_SIZE;
	}
	KNOTE("%ld of %ld pages pinned without a fault", (long)((addr - start) >> PAGE_SHIFT),
	      nr_pages);
	return (addr - start) >> PAGE_SHIFT;
}

/* check_vma_flags(): may GUP touch @vma this way at all? */
static int check_vma_flags(struct vm_area_struct *vma, unsigned int gup_flags)
{
	if (vma->vm_flags & (VM_IO | VM_PFNMAP))
		return -EFAULT;
	if ((gup_flags & FOLL_WRITE) && !(vma->vm_flags & VM_WRITE))
		return -EFAULT;
	if (!(vma->vm_flags & VM_READ))
		return -EFAULT;
	return 0;
}

/*
 * follow_page_mask(): the page mapped at @addr if its entry allows the
 * access, else NULL (a fault is needed).  *@page_mask tells how many
 * pages after it the same PMD maps.
 */
static struct page *follow_page_mask(struct vm_area_struct *vma, unsigned long addr,
				     unsigned int flags, unsigned int *page_mask)
{
	struct mm_struct *mm = vma->vm_mm;
	struct addr_walk w;
	struct page *page;

	*page_mask = 0;
	mm_walk_addr(mm, addr, &w);
	if (w.level == 3 && pmd_trans_huge(__pmd(w.pmd)) && pmd_present(__pmd(w.pmd))) {
		if ((flags & FOLL_WRITE) && !pmd_write(__pmd(w.pmd)))
			return NULL;
		page = vm_normal_page_pmd(vma, addr, __pmd(w.pmd));
		if (!page)
			return NULL;
		if (flags & FOLL_TOUCH) {	/* touch_pmd() */
			pmd_t entry = pmd_mkyoung(*w.pmdp);

			*w.pmdp = (flags & FOLL_WRITE) ? pmd_mkdirty(entry) : entry;
		}
		*page_mask = HPAGE_PMD_NR - 1;
		return page + ((addr & ~PMD_MASK) >> PAGE_SHIFT);
	}
	if (w.level != 4 || !pte_present(__pte(w.pte)))
		return NULL;
	if ((flags & FOLL_WRITE) && !pte_write(__pte(w.pte)))
		return NULL;
	page = vm_normal_page(vma, addr, __pte(w.pte));
	if (page && (flags & FOLL_TOUCH)) {
		struct folio *folio = page_folio(page);

		if ((flags & FOLL_WRITE) && !pte_dirty(__pte(w.pte)))
			folio_set_dirty(folio);
		folio_mark_accessed(folio);
	}
	return page;
}

/* faultin_page(): fault @addr in as the access would: 0, -ENOMEM, -EFAULT. */
static int faultin_page(struct vm_area_struct *vma, unsigned long addr, unsigned int flags)
{
	const char *outcome;
	vm_fault_t ret;

	ret = handle_mm_fault(vma, addr, (flags & FOLL_WRITE) ? FAULT_FLAG_WRITE : 0, &outcome);
	if (ret & VM_FAULT_OOM)
		return -ENOMEM;
	if (ret & VM_FAULT_ERROR)
		return -EFAULT;
	return 0;
}

/*
 * __get_user_pages(): pin @nr_pages from @start, faulting each in as
 * needed (a write fault COWs a shared page first).  Returns the number
 * pinned, or -errno if none could be.
 */
static long __get_user_pages(struct mm_struct *mm, unsigned long start, long nr_pages,
			     unsigned int gup_flags, struct page **pages)
{
	unsigned long faulted = ~0UL;
	long i = 0;

	KFUNC(start, NULL);
	while (i < nr_pages) {
		unsigned long addr = start + i * PAGE_SIZE;
		struct vm_area_struct *vma = vma_lookup(mm, addr);
		unsigned int page_mask;
		long page_increm, j;
		struct page *page;
		int err = vma ? check_vma_flags(vma, gup_flags) : -EFAULT;

		if (err)
			return i ? i : err;
		page = follow_page_mask(vma, addr, gup_flags, &page_mask);
		if (!page) {
			/* A fault that leaves no usable entry would loop. */
			err = addr == faulted ? -EFAULT : faultin_page(vma, addr, gup_flags);
			if (err)
				return i ? i : err;
			faulted = addr;
			continue;
		}
		page_increm = min(1 + (~(addr >> PAGE_SHIFT) & page_mask), (unsigned long)(nr_pages - i));
		try_grab_folio(page_folio(page), (int)page_increm);
		for (j = 0; j < page_increm; j++)
			pages[i + j] = page + j;
		i += page_increm;
	}
	return i;
}

/*
 * Pin @nr_pages user pages of @mm from @start into @pages.  Returns how
 * many were pinned (all, or a prefix), or -errno (-EFAULT: unmapped or
 * not writable for FOLL_WRITE; -ENOMEM).  Simplification: the kernel
 * walks current's mm; thpsh passes the mm.
 */
long pin_user_pages_fast(struct mm_struct *mm, unsigned long start, long nr_pages,
			 unsigned int gup_flags, struct page **pages)
{
	long nr, ret;

	KFUNC(start, NULL);
	gup_flags |= FOLL_PIN;
	mm_set_has_pinned_flag(mm);
	nr = gup_fast(mm, start, nr_pages, gup_flags, pages);
	if (nr < nr_pages) {
		ret = __get_user_pages(mm, start + nr * PAGE_SIZE, nr_pages - nr,
				       gup_flags | FOLL_TOUCH, pages + nr);
		if (ret < 0)
			return nr ? nr : ret;
		nr += ret;
	}
	/*
	 * FOLL_LONGTERM would now migrate pinned folios out of ZONE_MOVABLE
	 * and CMA (check_and_migrate_movable_folios); thpsh has neither, so
	 * nothing moves, as on the live kernel.
	 */
	return nr;
}

void unpin_user_pages(struct page **pages, long npages)
{
	long i;

	KFUNC(0, NULL);
	for (i = 0; i < npages; i++)
		gup_put_folio(page_folio(pages[i]), 1);
	KNOTE("%ld pins dropped", npages);
}

/* ---- the driver thpsh plays: buffers pinned by a process ---- */

/*
 * Register [start, start + len) of @tsk as a pinned buffer, as io_uring
 * does: FOLL_WRITE | FOLL_PIN | FOLL_LONGTERM, all pages or none.
 * Returns the number of pages, -EFAULT or -ENOMEM (nothing stays pinned).
 */
long gup_pin_register(struct task_struct *tsk, unsigned long start, unsigned long len)
{
	long nr_pages = len >> PAGE_SHIFT, got, i;
	struct page **pages = kzalloc(nr_pages * sizeof(*pages));
	struct gup_pin **pins = kzalloc(nr_pages * sizeof(*pins));

	for (i = 0; pins && i < nr_pages; i++)
		if (!(pins[i] = kzalloc(sizeof(**pins))))
			break;
	if (!pages || !pins || i < nr_pages) {
		got = -ENOMEM;
		goto out;
	}
	got = pin_user_pages_fast(tsk->mm, start, nr_pages,
				  FOLL_WRITE | FOLL_LONGTERM, pages);
	if (got >= 0 && got < nr_pages) {
		unpin_user_pages(pages, got);
		got = -EFAULT;
	}
	for (i = 0; got > 0 && i < nr_pages; i++) {
		*pins[i] = (struct gup_pin){ .owner = tsk, .addr = start + i * PAGE_SIZE,
					     .page = pages[i] };
		list_add_tail(&pins[i]->list, &gup_pins);
		pins[i] = NULL;
	}
out:
	for (i = 0; pins && i < nr_pages; i++)
		kfree(pins[i]);
	kfree(pins);
	kfree(pages);
	return got;
}

/* Unpin @tsk's pages that were pinned at an address in [start, start + len). */
long gup_pin_unregister(struct task_struct *tsk, unsigned long start, unsigned long len)
{
	struct gup_pin *pin, *next;
	long n = 0;

	list_for_each_entry_safe(pin, next, &gup_pins, list) {
		if (pin->owner != tsk || pin->addr < start || pin->addr - start >= len)
			continue;
		unpin_user_pages(&pin->page, 1);
		list_del_init(&pin->list);
		kfree(pin);
		n++;
	}
	return n;
}

/* A process exits: closing its files releases its buffers' pins. */
void gup_pin_release_task(struct task_struct *tsk)
{
	gup_pin_unregister(tsk, 0, ~0UL);
}
