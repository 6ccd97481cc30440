/*
 * memcontrol.c - memory cgroups (mm/memcontrol.c), reduced to what THPs
 * need: charging a folio against memory.max at fault time, and one
 * deferred split queue per group.
 *
 * Simplification: groups are flat (no hierarchy) and only user pages
 * are charged; the root group is "no group", whose folios use the
 * per-node queues.
 */
#include "memcontrol.h"

#include <string.h>

#include "huge_mm.h"
#include "internal.h"
#include "slab.h"

static struct mem_cgroup *memcgs[MAX_MEMCGS];

void mem_cgroup_reset(void)
{
	memset(memcgs, 0, sizeof(memcgs));	/* the objects go with kfree_all() */
}

struct mem_cgroup *mem_cgroup_from_id(unsigned int id)
{
	return id && id < MAX_MEMCGS ? memcgs[id] : NULL;
}

struct mem_cgroup *mem_cgroup_lookup(const char *name)
{
	unsigned int id;

	for (id = 1; id < MAX_MEMCGS; id++)
		if (memcgs[id] && !strcmp(memcgs[id]->name, name))
			return memcgs[id];
	return NULL;
}

/* The next group after @prev (NULL: the first), for shrinking all. */
struct mem_cgroup *mem_cgroup_iter(struct mem_cgroup *prev)
{
	unsigned int id;

	for (id = prev ? prev->id + 1 : 1; id < MAX_MEMCGS; id++)
		if (memcgs[id])
			return memcgs[id];
	return NULL;
}

struct mem_cgroup *mem_cgroup_create(const char *name)
{
	struct mem_cgroup *memcg;
	unsigned int id;

	if (strlen(name) >= MEMCG_NAME_MAX || mem_cgroup_lookup(name))
		return NULL;
	for (id = 1; id < MAX_MEMCGS && memcgs[id]; id++)
		;
	if (id == MAX_MEMCGS || !(memcg = kzalloc(sizeof(*memcg))))
		return NULL;
	memcg->id = id;
	strcpy(memcg->name, name);
	memcg->max = ~0UL;
	INIT_LIST_HEAD(&memcg->deferred_split_queue.split_queue);
	memcgs[id] = memcg;
	return memcg;
}

/* Charge a new folio to the current task's group.  0 or -ENOMEM. */
int mem_cgroup_charge(struct folio *folio, struct mm_struct *mm)
{
	struct mem_cgroup *memcg = mm->owner ? mm->owner->memcg : NULL;
	long nr = folio_nr_pages(folio);

	KFUNC(0, folio);
	if (!memcg)
		return 0;
	if (memcg->usage + nr > memcg->max) {
		KNOTE("memcg %s: %lu + %ld pages > memory.max %lu", memcg->name,
		      memcg->usage, nr, memcg->max);
		return -ENOMEM;
	}
	memcg->usage += nr;
	folio_set_memcg_id(folio, memcg->id);
	return 0;
}

void mem_cgroup_uncharge(struct folio *folio)
{
	struct mem_cgroup *memcg = mem_cgroup_from_id(folio_memcg_id(folio));

	if (!memcg)
		return;
	memcg->usage -= folio_nr_pages(folio);
	folio_set_memcg_id(folio, 0);
}

struct deferred_split *memcg_deferred_split_queue(struct folio *folio)
{
	struct mem_cgroup *memcg = mem_cgroup_from_id(folio_memcg_id(folio));

	return memcg ? &memcg->deferred_split_queue : NULL;
}

struct deferred_split *memcg_shrink_queue(struct mem_cgroup *memcg)
{
	return &memcg->deferred_split_queue;
}
