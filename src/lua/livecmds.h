/*
 * livecmds.h - the Lua commands of the live-kernel backend (thpsh
 * --kernel): the same names, arguments and return shapes as the
 * simulated commands of machine.h, carried out by live processes on the
 * running kernel (src/live/).
 *
 *	live.c       the session: processes, regions, sysfs, shrink,
 *	             events, and the installation of the commands
 *	livemem.c    mmap, munmap, mprotect, madvise, mremap, fault,
 *	             touch, read, write, pin, unpin
 *	liveviews.c  vmstat, meminfo, mthp_stats, smaps, pagemap,
 *	             kpageflags, kpagecount, page, folio
 *	liveshmem.c  tmpfs, truncate, and the paths of tmpfs files
 */
#ifndef THPSH_LIVECMDS_H
#define THPSH_LIVECMDS_H

#include "live/live.h"	/* first: it asks for _GNU_SOURCE */

#include <lua.h>

/*
 * Start a live session in @L and make its globals the live commands;
 * the commands the live kernel cannot carry out raise "<cmd>: not
 * available on the live kernel (...)".  Writes to /sys are refused
 * unless @allow_sysfs.  Raises an error saying why when the live kernel
 * cannot be used (not root, no THP, no /proc/kpageflags).  The session
 * ends, leaving the machine as found, when @L is closed.
 */
void thp_live_open(lua_State *L, int allow_sysfs);

/* NULL if this machine's kernel can be driven, else why not. */
const char *thp_live_unusable(void);

/* The current live process (raising if the session has ended). */
struct live_agent *thp_live_current(lua_State *L, const char *cmd);

/* The live process named by opts.pid at @arg (a table or none), or the current one. */
struct live_agent *thp_live_task(lua_State *L, int arg, const char *cmd);

/* Every live process of the session: *n of them. */
struct live_agent *thp_live_agents(int *n);

/* The script mapped [start, start + len) (mmap, mremap). */
void thp_live_add_region(unsigned long start, unsigned long len);

/* Whether [start, end) overlaps a range the script mapped. */
int thp_live_in_regions(unsigned long start, unsigned long end);

/* The ranges the script mapped, merged and sorted, at most @max: how many. */
int thp_live_regions(unsigned long (*out)[2], int max);

/* Counters at the start of the session, for deltas. */
const struct live_stats *thp_live_base_vmstat(void);
const struct live_stats *thp_live_base_mthp(const char *size);

/* The real path of tmpfs file @path (liveshmem.c), or -ENOENT off every mount. */
int thp_live_tmpfs_file(const char *path, char *real, size_t len);

/* Forget the mounts: the session ended (the guard unmounted them). */
void thp_live_tmpfs_forget(void);

int livecmd_tmpfs(lua_State *L);
int livecmd_truncate(lua_State *L);
int livecmd_mmap(lua_State *L);
int livecmd_munmap(lua_State *L);
int livecmd_mprotect(lua_State *L);
int livecmd_madvise(lua_State *L);
int livecmd_mremap(lua_State *L);
int livecmd_fault(lua_State *L);
int livecmd_touch(lua_State *L);
int livecmd_read(lua_State *L);
int livecmd_write(lua_State *L);
int livecmd_pin(lua_State *L);
int livecmd_unpin(lua_State *L);

int livecmd_vmstat(lua_State *L);
int livecmd_meminfo(lua_State *L);
int livecmd_mthp_stats(lua_State *L);
int livecmd_smaps(lua_State *L);
int livecmd_pagemap(lua_State *L);
int livecmd_kpageflags(lua_State *L);
int livecmd_kpagecount(lua_State *L);
int livecmd_page(lua_State *L);
int livecmd_folio(lua_State *L);

#endif /* THPSH_LIVECMDS_H */
