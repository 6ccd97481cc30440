/*
 * page_io.c - writing folios to the swap device and reading them back
 * (mm/page_io.c).
 *
 * The device is an array of values, one per slot.  A folio whose pages
 * are all zero is not written: the zeromap remembers its slots and a
 * read gives zeros (swpout_zero, swpin_zero).  Simplification: every
 * I/O completes before it returns, so PG_writeback is never seen; what
 * a swap file's asynchronous write changes is left to reclaim
 * (vmscan.c).
 */
#include "swap.h"

static bool is_folio_zero_filled(struct folio *folio)
{
	long i;

	for (i = 0; i < folio_nr_pages(folio); i++)
		if (page_value(folio_page(folio, i)))
			return false;
	return true;
}

/* count_swpout_vm_event(): pswpout per page, thp_swpout and swpout per folio. */
static void count_swpout_vm_event(struct folio *folio)
{
	if (folio_test_pmd_mappable(folio))
		count_vm_event(THP_SWPOUT);
	count_mthp_stat(folio_order(folio), MTHP_STAT_SWPOUT);
	count_vm_events(PSWPOUT, folio_nr_pages(folio));
}

static void __swap_writepage(struct folio *folio)
{
	struct swap_info_struct *si = swp_swap_info(folio_swap_entry(folio));
	unsigned long offset = swp_offset(folio_swap_entry(folio));
	long i;

	KFUNC(0, folio);
	for (i = 0; i < folio_nr_pages(folio); i++)
		si->data[offset + i] = page_value(folio_page(folio, i));
	count_swpout_vm_event(folio);
	KNOTE("%ld page(s) written at offset %#lx", folio_nr_pages(folio), offset);
}

/*
 * Write a locked swap cache folio to its slots and unlock it.  A folio
 * no PTE needs on swap any more just leaves the cache instead.
 */
int swap_writeout(struct folio *folio)
{
	KFUNC(0, folio);
	if (folio_free_swap(folio)) {
		folio_unlock(folio);
		return 0;
	}
	if (is_folio_zero_filled(folio)) {
		swap_zeromap_folio_set(folio);
		KNOTE("zero-filled: nothing written, the zeromap marks its slots");
		folio_unlock(folio);
		return 0;
	}
	swap_zeromap_folio_clear(folio);
	__swap_writepage(folio);
	folio_unlock(folio);
	return 0;
}

/*
 * Fill the locked @folio from the slots starting at @entry (which it
 * may not cache): zeros for zeromap slots, else what was written there.
 */
void swap_read_folio(struct folio *folio, swp_entry_t entry)
{
	struct swap_info_struct *si = swp_swap_info(entry);
	unsigned long offset = swp_offset(entry);
	long i, nr = folio_nr_pages(folio);
	bool is_zeromap;
	int alike;

	KFUNC(0, folio);
	VM_BUG_ON_FOLIO(!folio_test_locked(folio), folio);
	/* do_swap_page() reads a large folio only when its slots are alike */
	alike = swap_zeromap_batch(entry, nr, &is_zeromap);
	VM_BUG_ON_FOLIO(alike != nr, folio);
	if (is_zeromap) {
		for (i = 0; i < nr; i++)
			set_page_value(folio_page(folio, i), 0);
		count_vm_events(SWPIN_ZERO, nr);
	} else {
		for (i = 0; i < nr; i++)
			set_page_value(folio_page(folio, i), si->data[offset + i]);
		count_vm_events(PSWPIN, nr);
		count_mthp_stat(folio_order(folio), MTHP_STAT_SWPIN);
	}
	folio_set_uptodate(folio);
	KNOTE("%ld page(s) read from offset %#lx%s", nr, offset, is_zeromap ? " (zeromap)" : "");
}
