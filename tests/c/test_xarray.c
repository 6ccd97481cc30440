/*
 * test_xarray.c - the page-cache index (src/mm/xarray.c): multi-index
 * entries found at every index they cover, a store over part of one
 * (what a folio split does), erasure freeing the tree, far indices,
 * and thousands of random stores and erasures checked against a plain
 * array.
 */
#include "tap.h"

#include <stdint.h>
#include <stdlib.h>

#include "mm/xarray.h"

#define SPAN	4096		/* indices the random test uses */

static void *entry(unsigned long n)
{
	return (void *)(uintptr_t)(n * 8 + 8);
}

/* Every index loads what the model holds; xa_find from it finds the next one. */
static int check_model(struct xarray *xa, void **model)
{
	unsigned long i, found, next = SPAN;

	for (i = SPAN; i-- > 0;) {
		if (model[i])
			next = i;
		if (xa_load(xa, i) != model[i])
			return 0;
		found = i;
		if (xa_find(xa, &found, SPAN - 1) != (next < SPAN ? model[next] : NULL) ||
		    (next < SPAN && found != next))
			return 0;
	}
	return 1;
}

static void random_ops(void)
{
	static void *model[SPAN];
	struct xarray xa = { NULL };
	int op, good = 1;

	srand(1);
	for (op = 0; op < 3000 && good; op++) {
		unsigned int order = rand() % 10;
		unsigned long index = (rand() % SPAN) & ~((1UL << order) - 1), i;
		void *e = rand() % 3 ? entry(op) : NULL;

		if (xa_store_order(&xa, index, order, e))
			good = 0;
		for (i = 0; i < 1UL << order; i++)
			model[index + i] = e;
		if (op % 100 == 0)
			good = check_model(&xa, model);
	}
	ok(good && check_model(&xa, model), "3000 random stores and erasures match an array");
	xa_destroy(&xa);
	ok(!xa.head && !xa_load(&xa, 0), "xa_destroy empties it");
}

int main(void)
{
	struct xarray xa = { NULL };
	unsigned long index = 0;

	ok(!xa_load(&xa, 0) && !xa_find(&xa, &index, ~0UL), "an empty array holds nothing");
	ok(!xa_store_order(&xa, 5, 0, entry(1)), "store at index 5");
	ok(xa_load(&xa, 5) == entry(1) && !xa_load(&xa, 4) && !xa_load(&xa, 6),
	   "index 5 holds it, 4 and 6 nothing");
	ok(!xa_store_order(&xa, 512, 9, entry(2)), "store an order-9 entry at 512");
	ok(xa_load(&xa, 512) == entry(2) && xa_load(&xa, 1023) == entry(2) &&
	   !xa_load(&xa, 1024) && !xa_load(&xa, 511), "it covers exactly 512..1023");
	index = 600;
	ok(xa_find(&xa, &index, ~0UL) == entry(2) && index == 600,
	   "xa_find inside it finds it at the index asked");
	index = 6;
	ok(xa_find(&xa, &index, ~0UL) == entry(2) && index == 512,
	   "xa_find from 6 finds it at 512");
	index = 6;
	ok(!xa_find(&xa, &index, 511), "...not when the range ends before it");
	ok(!xa_store_order(&xa, 768, 8, entry(3)), "store an order-8 entry over its upper half");
	ok(xa_load(&xa, 700) == entry(2) && xa_load(&xa, 768) == entry(3) &&
	   xa_load(&xa, 1023) == entry(3), "the lower half keeps the old entry, the upper the new");
	ok(!xa_store_order(&xa, 1UL << 40, 0, entry(4)), "store at index 2^40");
	index = 1024;
	ok(xa_find(&xa, &index, ~0UL) == entry(4) && index == 1UL << 40,
	   "xa_find from 1024 reaches it");
	xa_store_order(&xa, 512, 8, NULL);
	xa_store_order(&xa, 768, 8, NULL);
	xa_store_order(&xa, 5, 0, NULL);
	xa_store_order(&xa, 1UL << 40, 0, NULL);
	ok(!xa.head, "erasing every entry frees every node");
	random_ops();
	return done_testing();
}
