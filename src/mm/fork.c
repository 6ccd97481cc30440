/*
 * fork.c - processes and their address spaces (kernel/fork.c, exit.c).
 *
 * A task is little more than a pid and an mm here.  mm ids, like the
 * kernel's IDA, are the smallest free number from 1; pids count up.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

#include "huge_mm.h"
#include "khugepaged.h"
#include "slab.h"

struct task_struct *current;
LIST_HEAD(task_list);
static int last_pid;

#define MAX_MM_IDS	4096
static unsigned char mm_id_used[MAX_MM_IDS];

static unsigned int mm_id_alloc(void)
{
	unsigned int id;

	for (id = 1; id < MAX_MM_IDS; id++) {
		if (!mm_id_used[id]) {
			mm_id_used[id] = 1;
			return id;
		}
	}
	return 0;
}

void fork_reset(void);
void fork_reset(void)
{
	memset(mm_id_used, 0, sizeof(mm_id_used));
	INIT_LIST_HEAD(&task_list);
	current = NULL;
	last_pid = 0;
}

/* A new, empty address space: a PGD and nothing mapped. */
struct mm_struct *mm_alloc(void)
{
	struct mm_struct *mm = kzalloc(sizeof(*mm));

	if (!mm)
		return NULL;
	mm->pgd = pagetable_alloc(mm);
	mm->mm_id = mm_id_alloc();
	if (!mm->pgd || !mm->mm_id) {
		if (mm->pgd)
			pagetable_free(mm->pgd);
		if (mm->mm_id)
			mm_id_used[mm->mm_id] = 0;
		kfree(mm);
		return NULL;
	}
	mm->pgtables_bytes = PAGE_SIZE;
	INIT_LIST_HEAD(&mm->mmap);
	mm->mmap_base = TASK_SIZE - 128 * 1024 * 1024;
	mm->mm_users = 1;
	return mm;
}

/* Drop a user of @mm; the last one tears it down. */
void mmput(struct mm_struct *mm)
{
	if (--mm->mm_users)
		return;
	khugepaged_exit(mm);	/* before exit_mmap, as __mmput does */
	exit_mmap(mm);
	pagetable_free(mm->pgd);
	mm_id_used[mm->mm_id] = 0;
	kfree(mm);
}

unsigned long mm_rss(const struct mm_struct *mm)
{
	return get_mm_counter(mm, MM_ANONPAGES) + get_mm_counter(mm, MM_FILEPAGES) +
	       get_mm_counter(mm, MM_SHMEMPAGES);
}

struct task_struct *find_task_by_vpid(int pid)
{
	struct task_struct *t;

	list_for_each_entry(t, &task_list, tasks)
		if (t->pid == pid)
			return t;
	return NULL;
}

/* A task with a fresh mm; the first one is pid 1, "init". */
struct task_struct *task_create_init(void)
{
	struct task_struct *t = kzalloc(sizeof(*t));

	if (!t)
		return NULL;
	t->mm = mm_alloc();
	if (!t->mm) {
		kfree(t);
		return NULL;
	}
	t->pid = ++last_pid;
	t->mm->owner = t;
	snprintf(t->comm, sizeof(t->comm), "%s", t->pid == 1 ? "init" : "task");
	list_add_tail(&t->tasks, &task_list);
	return t;
}

/* ---- fork(2) and exit(2) ---- */

/* dup_mm(): the child's address space, a copy of @oldmm's. */
static struct mm_struct *dup_mm(struct task_struct *tsk, struct mm_struct *oldmm)
{
	struct mm_struct *mm;

	KFUNC(0, NULL);
	mm = mm_alloc();
	if (!mm)
		return NULL;
	mm->owner = tsk;
	mm->flags = oldmm->flags & MMF_INIT_MASK;
	mm->mmap_base = oldmm->mmap_base;
	if (dup_mmap(mm, oldmm)) {
		mmput(mm);
		return NULL;
	}
	return mm;
}

/* copy_process(): a new task like @parent, with a copy of its mm. */
static struct task_struct *copy_process(struct task_struct *parent)
{
	struct task_struct *p = kzalloc(sizeof(*p));

	KFUNC(0, NULL);
	if (!p)
		return NULL;
	p->mm = dup_mm(p, parent->mm);
	if (!p->mm) {
		kfree(p);
		return NULL;
	}
	p->pid = ++last_pid;
	p->ppid = parent->pid;
	p->nid = parent->nid;
	p->memcg = parent->memcg;
	memcpy(p->comm, parent->comm, sizeof(p->comm));
	list_add_tail(&p->tasks, &task_list);
	return p;
}

/* fork(2) of @parent: the child's pid, or -ENOMEM (nothing is left behind). */
int kernel_clone(struct task_struct *parent)
{
	struct task_struct *p;

	KFUNC(0, NULL);
	p = copy_process(parent);
	if (!p)
		return -ENOMEM;
	KNOTE("pid %d forked pid %d", parent->pid, p->pid);
	return p->pid;
}

/* exit_mm(): the task lets go of its mm; the last user tears it down. */
static void exit_mm(struct task_struct *tsk)
{
	struct mm_struct *mm = tsk->mm;

	KFUNC(0, NULL);
	tsk->mm = NULL;
	mmput(mm);
}

/*
 * do_exit() of @tsk (never init): its mm is torn down, then its files
 * are closed, which releases the pins its buffers hold, then it leaves
 * the task list and its children go to init.  The shell's current
 * process becomes its parent.
 */
void do_exit(struct task_struct *tsk)
{
	struct task_struct *t;

	KFUNC(0, NULL);
	VM_BUG_ON(tsk->pid == 1);
	exit_mm(tsk);
	gup_pin_release_task(tsk);	/* exit_files() */
	list_for_each_entry(t, &task_list, tasks)
		if (t->ppid == tsk->pid)
			t->ppid = 1;
	list_del_init(&tsk->tasks);
	if (current == tsk) {
		current = find_task_by_vpid(tsk->ppid);
		if (!current)
			current = find_task_by_vpid(1);
	}
	KNOTE("pid %d exited", tsk->pid);
	kfree(tsk);
}
