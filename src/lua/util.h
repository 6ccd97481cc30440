/*
 * util.h - argument helpers shared by the command bindings.
 *
 * Commands take sizes as integers or as strings with a unit ("4K", "2M",
 * "1G", "0x1000"), and addresses as Lua integers.  These helpers check
 * such arguments the way lauxlib's luaL_check* do, and on misuse raise
 * the same message shape:
 *
 *	bad argument #2 to 'munmap' (invalid size "4Q")
 *
 * naming @cmd explicitly, so the message is right even when the check
 * runs in a helper or the command was reached through a shell-style line.
 */
#ifndef THPSH_UTIL_H
#define THPSH_UTIL_H

#include <stddef.h>

#include <lua.h>

/*
 * The size at @arg in bytes: a non-negative integer, or a string holding
 * a decimal or 0x-hex number with an optional unit K, M or G (also KB,
 * KiB, ...; any case), each a power of 1024.  Raises on anything else,
 * on negative sizes and on sizes beyond LUA_MAXINTEGER.
 */
lua_Integer thp_checksize(lua_State *L, int arg, const char *cmd);

/* As thp_checksize, but @def when @arg is none or nil. */
lua_Integer thp_optsize(lua_State *L, int arg, const char *cmd,
			lua_Integer def);

/*
 * The address at @arg: a non-negative integer (or a string Lua converts
 * to one, as luaL_checkinteger allows).  Alignment is the caller's
 * business: it is part of each command's kernel semantics.
 */
lua_Integer thp_checkaddr(lua_State *L, int arg, const char *cmd);

/* Raise "bad argument #@arg to '@cmd' (@msg)", as luaL_argerror does. */
int thp_argerror(lua_State *L, int arg, const char *cmd, const char *msg);

/* Where x86-64 user space ends (TASK_SIZE), and its page size: both backends'. */
#define THP_TASK_SIZE	0x7ffffffff000UL
#define THP_PAGE_SIZE	4096UL

/* An address argument that must be page aligned, as @cmd says when not. */
unsigned long thp_check_page_addr(lua_State *L, int arg, const char *cmd);

/* The fields of the /proc/PID/pagemap entry @v, into the table on top. */
void thp_set_pagemap_fields(lua_State *L, unsigned long long v);

/* The field @key of the table at @t, as a boolean (absent: false). */
int thp_optbool(lua_State *L, int t, const char *key);

/* The access at @arg: "r" (the default) or "w"; 1 for a write. */
int thp_checkmode(lua_State *L, int arg);

/* The protection at @arg: "none" or letters of "rwx" (and "-"): PROT_* bits. */
int thp_checkprot(lua_State *L, int arg, const char *cmd);

/* The length at @arg: nonzero, within the address space, rounded up to pages. */
unsigned long thp_checklen(lua_State *L, int arg, const char *cmd);

/*
 * mremap's oldlen at @arg: as thp_checklen, but 0 is allowed (a second
 * mapping of a shared one); a private mapping then gets this error.
 */
unsigned long thp_mremap_old_len(lua_State *L, int arg);
/*
 * mremap's optional newaddr at @arg for the mapping [@addr, +@old_len)
 * growing to @new_len: page aligned, inside the address space, not
 * overlapping the old range; 0 when absent.
 */
unsigned long thp_mremap_new_addr(lua_State *L, int arg, unsigned long addr,
				  unsigned long old_len, unsigned long new_len);
#define THP_MREMAP_DUP_PRIVATE \
	"mremap: oldlen 0 maps a shared mapping again, and %#lx is private (EINVAL)"

/*
 * The pages covered by the address at @arg and the optional length after
 * it (a page by default), which must lie in the address space.
 */
void thp_pagerange(lua_State *L, int arg, const char *cmd, unsigned long *start,
		   unsigned long *len);

/* The absolute path at @arg, shorter than @max; no "//" and no trailing "/". */
const char *thp_checkpath(lua_State *L, int arg, const char *cmd, size_t max);

/* Define the globals KB, MB and GB. */
void thp_util_open(lua_State *L);

/* The `size` command: size(v) -> bytes. */
int cmd_size(lua_State *L);

#endif /* THPSH_UTIL_H */
