/*
 * machine.h - the bindings' view of the simulated machine: booting it,
 * the current process, errors from the simulated kernel, and the Lua
 * commands that drive and inspect it (the cmd_* functions of
 * machine.c, memcmds.c, views.c, swapcmds.c and tracecmds.c).
 */
#ifndef THPSH_MACHINE_H
#define THPSH_MACHINE_H

#include <stdbool.h>

#include <lua.h>

struct mm_struct;
struct task_struct;

/*
 * The current task, booting the default machine (4 GiB, one node) on
 * first use.  Also makes a simulator BUG in what follows raise a Lua
 * error instead of aborting.
 */
struct task_struct *thp_task(lua_State *L);

/* The task named by opts.pid at @arg (a table or none), or the current one. */
struct task_struct *thp_opt_task(lua_State *L, int arg, const char *cmd);

/*
 * Raise an error as luaL_error does (with the caller's position), but
 * formatted by vsnprintf: %#lx and friends work.
 */
int thp_errorf(lua_State *L, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Refuse a command that changes the machine while a breakpoint holds it. */
void thp_check_mutable(lua_State *L, const char *cmd);

/* "EAGAIN" for -11 and so on; "E?" for an errno thpsh does not use. */
const char *thp_errname(int err);

/* Push a fresh table with the metatable @name whose __tostring is @fn. */
void thp_new_view(lua_State *L, const char *name, lua_CFunction tostring);

/* Fields of a table at the top of the stack. */
void thp_setint(lua_State *L, const char *key, long long v);
void thp_setbool(lua_State *L, const char *key, int v);
void thp_setstr(lua_State *L, const char *key, const char *v);

int cmd_reset(lua_State *L);
int cmd_ps(lua_State *L);
int cmd_fork(lua_State *L);
int cmd_proc(lua_State *L);
int cmd_exit(lua_State *L);
int cmd_check(lua_State *L);
int cmd_sysfs(lua_State *L);

int cmd_mmap(lua_State *L);
int cmd_munmap(lua_State *L);
int cmd_mprotect(lua_State *L);
int cmd_madvise(lua_State *L);
int cmd_fault(lua_State *L);
int cmd_touch(lua_State *L);
int cmd_write(lua_State *L);
int cmd_read(lua_State *L);
int cmd_pin(lua_State *L);
int cmd_unpin(lua_State *L);
int cmd_mremap(lua_State *L);
int cmd_split_pmd(lua_State *L);
int cmd_split_folio(lua_State *L);
int cmd_split_huge_pages(lua_State *L);
int cmd_shrink(lua_State *L);
int cmd_compact(lua_State *L);
int cmd_khugepaged(lua_State *L);
/* madvise(addr, len, "collapse") after its checks: returns 3 values. */
int thp_madvise_collapse(lua_State *L, struct mm_struct *mm, unsigned long addr,
			 unsigned long len);

int cmd_walk(lua_State *L);
int cmd_folio(lua_State *L);
int cmd_page(lua_State *L);
int cmd_dump_pagetable(lua_State *L);
int cmd_split_history(lua_State *L);
int cmd_vmstat(lua_State *L);
int cmd_meminfo(lua_State *L);
int cmd_smaps(lua_State *L);
int cmd_mthp_stats(lua_State *L);
int cmd_deferred_list(lua_State *L);
int cmd_pagemap(lua_State *L);
int cmd_kpageflags(lua_State *L);
int cmd_kpagecount(lua_State *L);

int cmd_tmpfs(lua_State *L);
int cmd_truncate(lua_State *L);
int cmd_pagecache(lua_State *L);
struct shmem_file;
struct shmem_file *thp_mmap_open(lua_State *L, int arg, long long size, bool *created);

int cmd_memcg(lua_State *L);
int cmd_memcg_attach(lua_State *L);
int cmd_set_mempolicy(lua_State *L);

int cmd_swapon(lua_State *L);
int cmd_swapoff(lua_State *L);
int cmd_swap(lua_State *L);

int cmd_trace(lua_State *L);
int cmd_events(lua_State *L);
int cmd_breakpoint(lua_State *L);
int cmd_breakpoints(lua_State *L);
int cmd_clear(lua_State *L);
int cmd_kallsyms(lua_State *L);

/* Register machine-wide Lua state (breakpoint hook, sysfs completion list). */
void thp_machine_open(lua_State *L);
void thp_tracecmds_open(lua_State *L);

#endif /* THPSH_MACHINE_H */
