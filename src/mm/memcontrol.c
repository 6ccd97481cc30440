/*
 * memcontrol.c - memory cgroups (mm/memcontrol.c), reduced to what THPs
 * need: charging a folio against memory.max at fault time, and one
 * deferred split queue per group.
 *
 * Simplification: groups are flat (no hierarchy) and only user pages
 * are charged; the root group is "no group", whose folios use the
 * per-node queues.  Swapped-out pages are charged to no one
 * (memory.swap.current is not kept), but their slots remember the group
 * that a swap-in charges again.
 */
#include "memcontrol.h"

#include <string.h>

#include "huge_mm.h"
#include "internal.h"
#include "slab.h"
#include "swap.h"

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

static int charge_memcg(struct folio *folio, struct mem_cgroup *memcg)
{
	long nr = folio_nr_pages(folio);

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

/* Charge a new folio to the current task's group.  0 or -ENOMEM. */
int mem_cgroup_charge(struct folio *folio, struct mm_struct *mm)
{
	KFUNC(0, folio);
	return charge_memcg(folio, mm->owner ? mm->owner->memcg : NULL);
}

/*
 * A folio read back from swap is charged to the group its slot was
 * charged to when it went out (swap_cgroup), else to @mm's.  0 or -ENOMEM.
 */
int mem_cgroup_swapin_charge_folio(struct folio *folio, struct mm_struct *mm,
				   swp_entry_t entry)
{
	struct mem_cgroup *memcg = mem_cgroup_from_id(swap_info->memcg_ids[swp_offset(entry)]);

	KFUNC(0, folio);
	/* swapoff and collapse read shmem pages back for no process */
	if (!memcg && mm)
		memcg = mm->owner ? mm->owner->memcg : NULL;
	return charge_memcg(folio, memcg);
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
