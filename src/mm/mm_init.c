/*
 * mm_init.c - booting a simulated machine: memory, the THP defaults,
 * and pid 1 (mm/mm_init.c, init/main.c in spirit).
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>

#include "huge_mm.h"
#include "memcontrol.h"
#include "shmem_fs.h"
#include "slab.h"
#include "swap.h"
#include "thp_sysfs.h"

bool swap_migration_ad_supported = true;

void fork_reset(void);
void gup_reset(void);
void khugepaged_reset(void);
void shrinkers_reset(void);

static mm_bug_handler_t bug_handler;

void mm_set_bug_handler(mm_bug_handler_t fn)
{
	bug_handler = fn;
}

__attribute__((noreturn)) void mm_bug(const char *file, int line, const char *what)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "kernel BUG at %s:%d: %s", file, line, what);
	if (bug_handler)
		bug_handler(msg);
	fprintf(stderr, "%s\n", msg);
	abort();
}

/*
 * Replace the machine by a fresh one of @mem_bytes over @nr_nodes nodes,
 * with pid 1 current.  0, -EINVAL (size), -ENOMEM.
 */
int mm_boot(unsigned long mem_bytes, int nr_nodes)
{
	int err;

	ktrace_unwind();
	split_history_clear();
	mm_machine_destroy();
	fork_reset();
	gup_reset();
	lru_lazyfree_reset();
	mem_cgroup_reset();
	thp_reset();
	shmem_reset();
	khugepaged_reset();
	shrinkers_reset();
	swap_reset();
	thp_sysfs_reset();
	err = mm_machine_init(mem_bytes, nr_nodes);
	if (err)
		return err;
	current = task_create_init();
	return current ? 0 : -ENOMEM;
}
