/*
 * xarray.h - the index of a page cache: page offset -> folio
 * (include/linux/xarray.h, lib/xarray.c).
 *
 * A radix tree of 64-slot nodes, as the kernel's.  A folio of order n
 * is a multi-index entry: it fills the slots covering its 2^n indices
 * at the highest level where whole slots fit, so an order-9 folio at
 * index 512 takes slots 8..15 of a node whose slots cover 64 indices:
 *
 *   head -> node shift 6: [0..7]=folio A  [8..15]=folio B  [16]=node --+
 *                                                                       |
 *           node shift 0 (indices 1024..1087): [0]=C [1]=D ...  <------+
 *
 * A value entry (bit 0 set) stands for a swapped-out shmem page: the
 * swap entry of the page at that index (shmem_fs.h).
 *
 * Simplification: no sibling entries, marks or RCU; every slot of a
 * multi-index entry holds the folio pointer itself.
 */
#ifndef THPSH_MM_XARRAY_H
#define THPSH_MM_XARRAY_H

#include "types.h"

#define XA_CHUNK_SHIFT	6
#define XA_CHUNK_SIZE	(1 << XA_CHUNK_SHIFT)

struct xa_node {
	unsigned char shift;		/* each slot covers 2^shift indices */
	unsigned char count;		/* slots in use */
	void *slots[XA_CHUNK_SIZE];	/* entries, or child nodes (tagged) */
};

struct xarray {
	struct xa_node *head;		/* the root node; NULL when empty */
};

/* Value entries: an integer of 63 bits in an entry, as xa_mk_value() makes it. */
static inline void *xa_mk_value(unsigned long v)
{
	return (void *)((v << 1) | 1);
}

static inline bool xa_is_value(const void *entry)
{
	return (unsigned long)entry & 1;
}

static inline unsigned long xa_to_value(const void *entry)
{
	return (unsigned long)entry >> 1;
}

/* The entry at @index, or NULL. */
void *xa_load(const struct xarray *xa, unsigned long index);
/*
 * Make the 2^@order indices from @index (aligned) hold @entry; NULL
 * erases them.  0, or -ENOMEM (the array is unchanged then).
 */
int xa_store_order(struct xarray *xa, unsigned long index, unsigned int order,
		   void *entry);
/*
 * The first entry covering an index in [*@indexp, @max]; *@indexp
 * becomes the first such index.  NULL if none.
 */
void *xa_find(const struct xarray *xa, unsigned long *indexp, unsigned long max);
void xa_destroy(struct xarray *xa);

#endif /* THPSH_MM_XARRAY_H */
