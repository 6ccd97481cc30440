/*
 * test_interval_tree.c - the interval tree that indexes VMAs and
 * anon_vma chains: random inserts and removals, checked against a
 * brute-force search for overlap queries (results and their order).
 */
#include "tap.h"

#include <stdlib.h>

#include "mm/interval_tree.h"

enum { N = 2000, ROUNDS = 200000 };

static struct itnode nodes[N];
static int present[N];

/* Compare one query's answer with the truth; 0 on the first mismatch. */
static int query_ok(struct itroot *root, unsigned long start, unsigned long last)
{
	struct itnode *x, *prev = NULL;
	int found = 0, expected = 0, i;

	for (x = it_iter_first(root, start, last); x; x = it_iter_next(root, x, start, last)) {
		if (x->start > last || x->last < start)
			return 0;
		if (prev && prev->start > x->start)
			return 0;
		prev = x;
		found++;
	}
	for (i = 0; i < N; i++)
		expected += present[i] && nodes[i].start <= last && nodes[i].last >= start;
	return found == expected;
}

int main(void)
{
	struct itroot root = { NULL };
	int round, good = 1, queries = 0;

	srand(1);
	for (round = 0; round < ROUNDS && good; round++) {
		int i = rand() % N;

		if (present[i]) {
			it_remove(&root, &nodes[i]);
			present[i] = 0;
		} else {
			nodes[i].start = rand() % 10000;
			nodes[i].last = nodes[i].start + rand() % 50;
			it_insert(&root, &nodes[i]);
			present[i] = 1;
		}
		if (round % 500 == 0) {
			unsigned long start = rand() % 10000;

			good = query_ok(&root, start, start + rand() % 100);
			queries++;
		}
	}
	ok(good, "%d overlap queries after random inserts and removals", queries);
	ok(query_ok(&root, 0, ~0UL), "a query covering everything finds every node, in order");
	ok(it_iter_first(&root, 20000, 30000) == NULL, "a query past every interval finds none");
	return done_testing();
}
