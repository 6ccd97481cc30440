/*
 * truncate.c - taking pages out of a page cache (mm/truncate.c).
 *
 * A folio wholly inside the truncated range is unmapped from every
 * process and removed.  One that straddles an end of the range is
 * zeroed inside it and split there (a non-uniform split: the piece
 * holding the cut page goes down to order 0, the rest keep the largest
 * orders that fit), so that the pieces inside can go; the split itself
 * drops the pieces beyond EOF.
 */
#include "shmem_fs.h"

#include "huge_mm.h"
#include "rmap.h"

/* truncate_cleanup_folio(): no process may map it any more. */
static void truncate_cleanup_folio(struct folio *folio)
{
	if (folio_mapped(folio))
		unmap_mapping_folio(folio);
	folio_clear_dirty(folio);
}

/* Unmap and remove a locked folio of @mapping.  0, or -EIO if it left already. */
int truncate_inode_folio(struct address_space *mapping, struct folio *folio)
{
	KFUNC(0, folio);
	if (folio_mapping(folio) != mapping)
		return -EIO;
	truncate_cleanup_folio(folio);
	filemap_remove_folio(folio);
	return 0;
}

/* folio_zero_range(): zero the pages wholly inside [@offset, @offset + @length). */
static void folio_zero_range(struct folio *folio, size_t offset, size_t length)
{
	size_t first = ALIGN(offset, PAGE_SIZE) / PAGE_SIZE;
	size_t end = (offset + length) / PAGE_SIZE, i;

	/* Simplification: a page holds one value, so a partly zeroed page keeps it. */
	for (i = first; i < end; i++)
		set_page_value(folio_page(folio, i), 0);
}

/*
 * try_folio_split_to_order(): a non-uniform split at @page where the
 * folio supports one (folio_split_supported()), else a uniform one.
 * Every folio here is a shmem one, which supports it.
 */
static int try_folio_split_to_order(struct folio *folio, struct page *page,
				    unsigned int new_order)
{
	return folio_split(folio, new_order, page, NULL);
}

/*
 * Split @folio at @split_at.  A file that is not shmem would be
 * unmapped on failure (to refault by PTEs and keep SIGBUS past EOF);
 * shmem keeps PMDs across i_size, so nothing more happens here.
 */
static int try_folio_split_or_unmap(struct folio *folio, struct page *split_at,
				    unsigned long min_order)
{
	KFUNC(0, folio);
	return try_folio_split_to_order(folio, split_at, min_order);
}

/*
 * The locked @folio straddles [@start, @end] (bytes, @end -1 for EOF):
 * zero its part inside, then split it at the first page inside and,
 * if the range ends inside too, split the piece holding that end, so
 * that the pieces inside the range can be dropped.  A folio wholly
 * inside is removed.  false if a needed split failed on a dirty folio
 * (the caller then keeps it).
 */
bool truncate_inode_partial_folio(struct folio *folio, long long start, long long end)
{
	long long pos = (long long)folio->index << PAGE_SHIFT;
	size_t size = folio_nr_pages(folio) * PAGE_SIZE, offset, length;
	struct folio *folio2;
	struct page *split_at2;

	KFUNC(0, folio);
	offset = pos < start ? start - pos : 0;
	if (end == -1 || pos + (long long)size <= end)
		length = size - offset;
	else
		length = end + 1 - pos - offset;
	if (length == size) {
		truncate_inode_folio(folio_mapping(folio), folio);
		return true;
	}
	folio_zero_range(folio, offset, length);
	if (!folio_test_large(folio))
		return true;
	if (try_folio_split_or_unmap(folio, folio_page(folio, offset / PAGE_SIZE), 0)) {
		if (folio_test_dirty(folio))
			return false;
		truncate_inode_folio(folio_mapping(folio), folio);
		return true;
	}
	/* Split at the end of the range too, so the folios inside can go. */
	if (offset + length == size)
		return true;
	split_at2 = folio_page(folio, (offset + length) / PAGE_SIZE);
	folio2 = page_folio(split_at2);
	if (!folio_try_get(folio2))
		return true;
	if (folio_test_large(folio2) && folio_trylock(folio2)) {
		if (folio2->mapping == folio->mapping)
			try_folio_split_or_unmap(folio2, split_at2, 0);
		folio_unlock(folio2);
	}
	folio_put(folio2);
	return true;
}
