/*
 * slab.c - a zeroing allocator that remembers its objects.
 *
 * Simplification: the kernel has slab caches; thpsh uses malloc with a
 * header linking every live object, so kfree_all() can drop a whole
 * simulated machine at once.
 */
#include "slab.h"

#include <stdlib.h>

#include "types.h"

struct kobj {
	struct list_head all;
	max_align_t data[];
};

static LIST_HEAD(all_objects);
static size_t nr_objects;

void *kzalloc(size_t size)
{
	struct kobj *o = calloc(1, sizeof(*o) + size);

	if (!o)
		return NULL;
	list_add(&o->all, &all_objects);
	nr_objects++;
	return o->data;
}

void kfree(void *p)
{
	struct kobj *o;

	if (!p)
		return;
	o = container_of(p, struct kobj, data);
	list_del_init(&o->all);
	nr_objects--;
	free(o);
}

void kfree_all(void)
{
	while (!list_empty(&all_objects))
		kfree(list_first_entry(&all_objects, struct kobj, all)->data);
}

size_t slab_objects(void)
{
	return nr_objects;
}
