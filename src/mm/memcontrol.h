/*
 * memcontrol.h - memory cgroups, as far as THPs care: a charge that can
 * fail (memory.max) and a deferred split queue per group.
 */
#ifndef THPSH_MM_MEMCONTROL_H
#define THPSH_MM_MEMCONTROL_H

#include "mm.h"

#define MEMCG_NAME_MAX	32
#define MAX_MEMCGS	64

struct mem_cgroup {
	unsigned int id;		/* 1..; 0 means the root (no group) */
	char name[MEMCG_NAME_MAX];	/* as given to memcg() */
	unsigned long max;		/* memory.max in pages, ~0UL = "max" */
	unsigned long usage;		/* charged pages */
	struct deferred_split deferred_split_queue;
	unsigned long thp_fault_alloc;	/* memory.stat thp_fault_alloc */
};

struct mem_cgroup *mem_cgroup_create(const char *name);
struct mem_cgroup *mem_cgroup_lookup(const char *name);
struct mem_cgroup *mem_cgroup_from_id(unsigned int id);
struct mem_cgroup *mem_cgroup_iter(struct mem_cgroup *prev);
int mem_cgroup_charge(struct folio *folio, struct mm_struct *mm);
void mem_cgroup_uncharge(struct folio *folio);
void mem_cgroup_reset(void);
struct deferred_split *memcg_deferred_split_queue(struct folio *folio);
struct deferred_split *memcg_shrink_queue(struct mem_cgroup *memcg);

#endif /* THPSH_MM_MEMCONTROL_H */
