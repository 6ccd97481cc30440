/*
 * interval_tree.c - an augmented treap of intervals (mm/interval_tree.c
 * and lib/interval_tree.c in purpose; see interval_tree.h).
 *
 * Nodes are ordered by (start, address); each keeps the largest last of
 * its subtree, so a search skips subtrees that end before the query.
 */
#include "interval_tree.h"

static unsigned int it_seed = 2463534242u;

/* xorshift: the priorities need only look random, and be repeatable. */
static unsigned int it_random(void)
{
	it_seed ^= it_seed << 13;
	it_seed ^= it_seed >> 17;
	it_seed ^= it_seed << 5;
	return it_seed;
}

static bool it_less(const struct itnode *a, const struct itnode *b)
{
	return a->start < b->start || (a->start == b->start && a < b);
}

static void it_update(struct itnode *n)
{
	unsigned long m = n->last;

	if (n->left && n->left->subtree_last > m)
		m = n->left->subtree_last;
	if (n->right && n->right->subtree_last > m)
		m = n->right->subtree_last;
	n->subtree_last = m;
}

/* Child links keep the parent links (the caller sets the subtree root's). */
static void set_left(struct itnode *n, struct itnode *child)
{
	n->left = child;
	if (child)
		child->parent = n;
}

static void set_right(struct itnode *n, struct itnode *child)
{
	n->right = child;
	if (child)
		child->parent = n;
}

static struct itnode *rotate_right(struct itnode *n)
{
	struct itnode *l = n->left;

	set_left(n, l->right);
	set_right(l, n);
	it_update(n);
	it_update(l);
	return l;
}

static struct itnode *rotate_left(struct itnode *n)
{
	struct itnode *r = n->right;

	set_right(n, r->left);
	set_left(r, n);
	it_update(n);
	it_update(r);
	return r;
}

static struct itnode *insert(struct itnode *t, struct itnode *node)
{
	if (!t)
		return node;
	if (it_less(node, t)) {
		set_left(t, insert(t->left, node));
		if (t->left->prio > t->prio)
			t = rotate_right(t);
	} else {
		set_right(t, insert(t->right, node));
		if (t->right->prio > t->prio)
			t = rotate_left(t);
	}
	it_update(t);
	return t;
}

static void set_root(struct itroot *root, struct itnode *node)
{
	root->node = node;
	if (node)
		node->parent = NULL;
}

void it_insert(struct itroot *root, struct itnode *node)
{
	node->left = node->right = NULL;
	node->prio = it_random();
	node->subtree_last = node->last;
	set_root(root, insert(root->node, node));
}

/* Join two treaps whose keys are all ordered (every @a < every @b). */
static struct itnode *merge(struct itnode *a, struct itnode *b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	if (a->prio > b->prio) {
		set_right(a, merge(a->right, b));
		it_update(a);
		return a;
	}
	set_left(b, merge(a, b->left));
	it_update(b);
	return b;
}

static struct itnode *remove_node(struct itnode *t, struct itnode *node)
{
	BUG_ON(!t);
	if (t == node)
		return merge(t->left, t->right);
	if (it_less(node, t))
		set_left(t, remove_node(t->left, node));
	else
		set_right(t, remove_node(t->right, node));
	it_update(t);
	return t;
}

void it_remove(struct itroot *root, struct itnode *node)
{
	set_root(root, remove_node(root->node, node));
	node->left = node->right = NULL;
}

/*
 * The leftmost interval overlapping [start, last] in the subtree of
 * @node, without recursion: if the left subtree reaches @start, the
 * leftmost candidate is there, and if it does not overlap nothing
 * further right can.
 */
static struct itnode *subtree_first(struct itnode *node, unsigned long start,
				    unsigned long last)
{
	for (;;) {
		if (node->left && node->left->subtree_last >= start) {
			node = node->left;
			continue;
		}
		if (node->start > last)
			return NULL;
		if (node->last >= start)
			return node;
		node = node->right;
		if (!node || node->subtree_last < start)
			return NULL;
	}
}

struct itnode *it_iter_first(struct itroot *root, unsigned long start, unsigned long last)
{
	struct itnode *node = root->node;

	if (!node || node->subtree_last < start)
		return NULL;
	return subtree_first(node, start, last);
}

/*
 * The in-order successors of @prev, as interval_tree_iter_next() finds
 * them: its right subtree first, if that reaches @start, else up the
 * parent links to the first ancestor @prev is left of.  A walk goes on
 * from where it is instead of searching down from the root again: the
 * same nodes in the same order, in amortized O(1) for the rmap walks of
 * an anon_vma with thousands of VMAs.
 */
struct itnode *it_iter_next(struct itroot *root, struct itnode *prev,
			    unsigned long start, unsigned long last)
{
	struct itnode *node = prev, *from;

	(void)root;
	for (;;) {
		if (node->right && node->right->subtree_last >= start)
			return subtree_first(node->right, start, last);
		do {
			from = node;
			node = node->parent;
			if (!node)
				return NULL;
		} while (from == node->right);
		if (node->start > last)
			return NULL;
		if (node->last >= start)
			return node;
	}
}
