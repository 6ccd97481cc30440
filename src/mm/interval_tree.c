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

static struct itnode *rotate_right(struct itnode *n)
{
	struct itnode *l = n->left;

	n->left = l->right;
	l->right = n;
	it_update(n);
	it_update(l);
	return l;
}

static struct itnode *rotate_left(struct itnode *n)
{
	struct itnode *r = n->right;

	n->right = r->left;
	r->left = n;
	it_update(n);
	it_update(r);
	return r;
}

static struct itnode *insert(struct itnode *t, struct itnode *node)
{
	if (!t)
		return node;
	if (it_less(node, t)) {
		t->left = insert(t->left, node);
		if (t->left->prio > t->prio)
			t = rotate_right(t);
	} else {
		t->right = insert(t->right, node);
		if (t->right->prio > t->prio)
			t = rotate_left(t);
	}
	it_update(t);
	return t;
}

void it_insert(struct itroot *root, struct itnode *node)
{
	node->left = node->right = NULL;
	node->prio = it_random();
	node->subtree_last = node->last;
	root->node = insert(root->node, node);
}

/* Join two treaps whose keys are all ordered (every @a < every @b). */
static struct itnode *merge(struct itnode *a, struct itnode *b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	if (a->prio > b->prio) {
		a->right = merge(a->right, b);
		it_update(a);
		return a;
	}
	b->left = merge(a, b->left);
	it_update(b);
	return b;
}

static struct itnode *remove_node(struct itnode *t, struct itnode *node)
{
	BUG_ON(!t);
	if (t == node)
		return merge(t->left, t->right);
	if (it_less(node, t))
		t->left = remove_node(t->left, node);
	else
		t->right = remove_node(t->right, node);
	it_update(t);
	return t;
}

void it_remove(struct itroot *root, struct itnode *node)
{
	root->node = remove_node(root->node, node);
	node->left = node->right = NULL;
}

/* Leftmost node overlapping [start, last] whose key is after @after (or any). */
static struct itnode *first_after(struct itnode *t, const struct itnode *after,
				  unsigned long start, unsigned long last)
{
	struct itnode *found;

	if (!t || t->subtree_last < start)
		return NULL;
	if (!after || it_less(after, t)) {
		found = first_after(t->left, after, start, last);
		if (found)
			return found;
		if (t->start <= last && t->last >= start && (!after || it_less(after, t)))
			return t;
	}
	if (t->start > last)
		return NULL;
	return first_after(t->right, after, start, last);
}

/*
 * The leftmost interval overlapping [start, last], without recursion:
 * if the left subtree reaches @start, the leftmost candidate is there,
 * and if it does not overlap nothing further right can.
 */
struct itnode *it_iter_first(struct itroot *root, unsigned long start, unsigned long last)
{
	struct itnode *node = root->node;

	if (!node || node->subtree_last < start)
		return NULL;
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

struct itnode *it_iter_next(struct itroot *root, struct itnode *prev,
			    unsigned long start, unsigned long last)
{
	return first_after(root->node, prev, start, last);
}
