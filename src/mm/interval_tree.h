/*
 * interval_tree.h - intervals [start, last] in a balanced tree, found by
 * overlap in O(log n) (include/linux/interval_tree_generic.h).
 *
 * The kernel uses an augmented red-black tree; thpsh uses an augmented
 * treap (a randomized balanced tree, much shorter), which answers the
 * same queries in the same order: by start, then by insertion identity.
 * It indexes the VMAs of an mm and the anon_vma_chains of an anon_vma.
 */
#ifndef THPSH_MM_INTERVAL_TREE_H
#define THPSH_MM_INTERVAL_TREE_H

#include "types.h"

struct itnode {
	struct itnode *left, *right;
	struct itnode *parent;		/* NULL at the root: it_iter_next climbs */
	unsigned int prio;		/* heap order: balances the tree */
	unsigned long start, last;	/* the interval, inclusive */
	unsigned long subtree_last;	/* max last in this subtree */
};

struct itroot {
	struct itnode *node;
};

/* A node in no tree, as RB_CLEAR_NODE leaves it: it_insert never draws priority 0. */
static inline void it_clear_node(struct itnode *node) { node->prio = 0; }
static inline bool it_node_empty(const struct itnode *node) { return !node->prio; }

void it_insert(struct itroot *root, struct itnode *node);
void it_remove(struct itroot *root, struct itnode *node);
/* The first interval overlapping [start, last], in (start, node) order. */
struct itnode *it_iter_first(struct itroot *root, unsigned long start, unsigned long last);
/* The one after @prev overlapping [start, last]. */
struct itnode *it_iter_next(struct itroot *root, struct itnode *prev,
			    unsigned long start, unsigned long last);

#endif /* THPSH_MM_INTERVAL_TREE_H */
