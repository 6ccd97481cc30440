/*
 * xarray.c - the radix tree behind each page cache (lib/xarray.c).
 * See xarray.h for the layout.
 */
#include "xarray.h"

#include "slab.h"

/* Child nodes are tagged in their parent's slot, as xa_mk_node() does. */
static bool xa_is_node(const void *entry)
{
	return ((unsigned long)entry & 3) == 2;
}

static struct xa_node *xa_to_node(const void *entry)
{
	return (struct xa_node *)((unsigned long)entry - 2);
}

static void *xa_mk_node(const struct xa_node *node)
{
	return (void *)((unsigned long)node | 2);
}

/* The indices a node of @shift covers: 64 << shift of them. */
static unsigned long xa_node_span(unsigned int shift)
{
	return shift + XA_CHUNK_SHIFT >= 64 ? ~0UL : ((unsigned long)XA_CHUNK_SIZE << shift) - 1;
}

static struct xa_node *xa_node_alloc(unsigned int shift)
{
	struct xa_node *node = kzalloc(sizeof(*node));

	if (node)
		node->shift = shift;
	return node;
}

static void xa_free_node(struct xa_node *node)
{
	int i;

	for (i = 0; i < XA_CHUNK_SIZE; i++)
		if (xa_is_node(node->slots[i]))
			xa_free_node(xa_to_node(node->slots[i]));
	kfree(node);
}

void *xa_load(const struct xarray *xa, unsigned long index)
{
	struct xa_node *node = xa->head;
	void *entry;

	if (!node || index > xa_node_span(node->shift))
		return NULL;
	for (;;) {
		entry = node->slots[(index >> node->shift) & (XA_CHUNK_SIZE - 1)];
		if (!xa_is_node(entry))
			return entry;
		node = xa_to_node(entry);
	}
}

static void xa_set_slot(struct xa_node *node, int i, void *entry)
{
	void *old = node->slots[i];

	if (xa_is_node(old))
		xa_free_node(xa_to_node(old));
	node->count += !old - !entry;
	node->slots[i] = entry;
}

/* Grow the tree until its root covers @last (xas_expand). */
static int xa_expand(struct xarray *xa, unsigned long last)
{
	unsigned int shift = 0;
	struct xa_node *node;

	if (!xa->head) {
		while (last > xa_node_span(shift))
			shift += XA_CHUNK_SHIFT;
		xa->head = xa_node_alloc(shift);
		return xa->head ? 0 : -ENOMEM;
	}
	while (last > xa_node_span(xa->head->shift)) {
		node = xa_node_alloc(xa->head->shift + XA_CHUNK_SHIFT);
		if (!node)
			return -ENOMEM;
		node->slots[0] = xa_mk_node(xa->head);
		node->count = 1;
		xa->head = node;
	}
	return 0;
}

/*
 * Store @entry over @nr indices from @index inside @node: in whole
 * slots of this node if the range fills them, else one level down,
 * first splitting a multi-index entry that covered the slot.
 */
static int xa_store_node(struct xa_node *node, unsigned long index, unsigned long nr,
			 void *entry)
{
	unsigned int i = (index >> node->shift) & (XA_CHUNK_SIZE - 1), n;
	struct xa_node *child;
	void *slot;
	int err;

	if (nr >= 1UL << node->shift) {
		for (n = 0; n < nr >> node->shift; n++)
			xa_set_slot(node, i + n, entry);
		return 0;
	}
	slot = node->slots[i];
	if (!xa_is_node(slot)) {
		if (!slot && !entry)
			return 0;
		child = xa_node_alloc(node->shift - XA_CHUNK_SHIFT);
		if (!child)
			return -ENOMEM;
		for (n = 0; slot && n < XA_CHUNK_SIZE; n++)
			child->slots[n] = slot;
		child->count = slot ? XA_CHUNK_SIZE : 0;
		node->count += !slot;
		node->slots[i] = xa_mk_node(child);
	}
	child = xa_to_node(node->slots[i]);
	err = xa_store_node(child, index, nr, entry);
	if (!child->count)
		xa_set_slot(node, i, NULL);
	return err;
}

int xa_store_order(struct xarray *xa, unsigned long index, unsigned int order,
		   void *entry)
{
	unsigned long nr = 1UL << order;
	int err;

	BUG_ON(index & (nr - 1));
	if (!entry && (!xa->head || index > xa_node_span(xa->head->shift)))
		return 0;
	err = xa_expand(xa, index + nr - 1);
	if (err)
		return err;
	err = xa_store_node(xa->head, index, nr, entry);
	if (!xa->head->count) {
		kfree(xa->head);
		xa->head = NULL;
	}
	return err;
}

static void *xa_find_node(const struct xa_node *node, unsigned long base,
			  unsigned long *indexp, unsigned long max)
{
	unsigned int i = *indexp > base ? (*indexp - base) >> node->shift : 0;

	for (; i < XA_CHUNK_SIZE; i++) {
		unsigned long start = base + ((unsigned long)i << node->shift);
		void *entry = node->slots[i], *found;

		if (start > max)
			break;
		if (!entry)
			continue;
		if (!xa_is_node(entry)) {
			if (start > *indexp)
				*indexp = start;
			return entry;
		}
		found = xa_find_node(xa_to_node(entry), start, indexp, max);
		if (found)
			return found;
	}
	return NULL;
}

void *xa_find(const struct xarray *xa, unsigned long *indexp, unsigned long max)
{
	if (!xa->head || *indexp > max || *indexp > xa_node_span(xa->head->shift))
		return NULL;
	return xa_find_node(xa->head, 0, indexp, max);
}

void xa_destroy(struct xarray *xa)
{
	if (xa->head)
		xa_free_node(xa->head);
	xa->head = NULL;
}
