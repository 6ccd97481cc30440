/*
 * util.c - argument helpers shared by the command bindings.
 */
#include "live/live.h"	/* the /proc ABI (pagemap bits); first: _GNU_SOURCE */

#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>

#include <lua.h>
#include <lauxlib.h>

#include "util.h"
#include "machine.h"

enum size_status { SIZE_OK, SIZE_INVALID, SIZE_TOOBIG };

/* The shift of unit @u ("", "K", "kB", "KiB", "M", ...), or -1. */
static int unit_shift(const char *u)
{
	static const char units[] = "kmg";
	const char *hit;

	if (*u == '\0')
		return 0;
	hit = strchr(units, tolower((unsigned char)*u));
	if (hit == NULL)
		return -1;
	u++;
	if (*u != '\0' && strcasecmp(u, "b") != 0 && strcasecmp(u, "ib") != 0)
		return -1;
	return 10 * (int)(hit - units + 1);
}

static int digit_value(int c)
{
	if (isdigit(c))
		return c - '0';
	return tolower(c) - 'a' + 10;
}

/* Parse "4096", "0x1000", "4K", "2MB", ... into *out. */
static enum size_status parse_size(const char *s, lua_Integer *out)
{
	uint64_t v = 0;
	int base = 10, ndigits = 0, shift;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (; isxdigit((unsigned char)*s); s++, ndigits++) {
		int d = digit_value((unsigned char)*s);

		if (d >= base)
			break;
		if (v > ((uint64_t)LUA_MAXINTEGER - (uint64_t)d) / (uint64_t)base)
			return SIZE_TOOBIG;
		v = v * (uint64_t)base + (uint64_t)d;
	}
	if (ndigits == 0 || (shift = unit_shift(s)) < 0)
		return SIZE_INVALID;
	if (v > (uint64_t)LUA_MAXINTEGER >> shift)
		return SIZE_TOOBIG;
	*out = (lua_Integer)(v << shift);
	return SIZE_OK;
}

int thp_argerror(lua_State *L, int arg, const char *cmd, const char *msg)
{
	return luaL_error(L, "bad argument #%d to '%s' (%s)", arg, cmd, msg);
}

static lua_Integer checksize_string(lua_State *L, int arg, const char *cmd)
{
	const char *s = lua_tostring(L, arg);
	lua_Integer size = 0;

	switch (parse_size(s, &size)) {
	case SIZE_OK:
		return size;
	case SIZE_TOOBIG:
		lua_pushfstring(L, "size \"%s\" too large", s);
		break;
	case SIZE_INVALID:
		lua_pushfstring(L, s[0] == '-' ? "negative size \"%s\"" :
				"invalid size \"%s\"", s);
		break;
	}
	return thp_argerror(L, arg, cmd, lua_tostring(L, -1));
}

lua_Integer thp_checksize(lua_State *L, int arg, const char *cmd)
{
	lua_Integer size;
	int isint;

	switch (lua_type(L, arg)) {
	case LUA_TSTRING:
		return checksize_string(L, arg, cmd);
	case LUA_TNUMBER:
		size = lua_tointegerx(L, arg, &isint);
		if (!isint)
			thp_argerror(L, arg, cmd,
				     "number has no integer representation");
		if (size < 0)
			thp_argerror(L, arg, cmd, "negative size");
		return size;
	default:
		lua_pushfstring(L, "size expected, got %s",
				luaL_typename(L, arg));
		return thp_argerror(L, arg, cmd, lua_tostring(L, -1));
	}
}

lua_Integer thp_optsize(lua_State *L, int arg, const char *cmd,
			lua_Integer def)
{
	return lua_isnoneornil(L, arg) ? def : thp_checksize(L, arg, cmd);
}

lua_Integer thp_checkaddr(lua_State *L, int arg, const char *cmd)
{
	lua_Integer addr;
	int isint;

	addr = lua_tointegerx(L, arg, &isint);
	if (!isint) {
		if (lua_isnumber(L, arg))
			return thp_argerror(L, arg, cmd,
				"number has no integer representation");
		lua_pushfstring(L, "address expected, got %s",
				luaL_typename(L, arg));
		return thp_argerror(L, arg, cmd, lua_tostring(L, -1));
	}
	if (addr < 0)
		thp_argerror(L, arg, cmd, "negative address");
	return addr;
}

int cmd_size(lua_State *L)
{
	lua_pushinteger(L, thp_checksize(L, 1, "size"));
	return 1;
}

void thp_util_open(lua_State *L)
{
	static const struct {
		const char *name;
		lua_Integer value;
	} units[] = {
		{ "KB", (lua_Integer)1 << 10 },
		{ "MB", (lua_Integer)1 << 20 },
		{ "GB", (lua_Integer)1 << 30 },
	};
	size_t i;

	for (i = 0; i < sizeof units / sizeof units[0]; i++) {
		lua_pushinteger(L, units[i].value);
		lua_setglobal(L, units[i].name);
	}
}

int thp_optbool(lua_State *L, int t, const char *key)
{
	int v;

	lua_getfield(L, t, key);
	v = lua_toboolean(L, -1);
	lua_pop(L, 1);
	return v;
}

int thp_checkmode(lua_State *L, int arg)
{
	static const char *const modes[] = { "r", "w", NULL };

	return luaL_checkoption(L, arg, "r", modes) == 1;
}

int thp_checkprot(lua_State *L, int arg, const char *cmd)
{
	const char *s = luaL_checkstring(L, arg);
	int prot = 0;

	if (strcmp(s, "none") == 0)
		return PROT_NONE;
	for (; *s; s++) {
		switch (*s) {
		case 'r': prot |= PROT_READ; break;
		case 'w': prot |= PROT_WRITE; break;
		case 'x': prot |= PROT_EXEC; break;
		case '-': break;
		default:
			thp_argerror(L, arg, cmd, "prot is \"none\" or letters of \"rwx\"");
		}
	}
	return prot;
}

static unsigned long page_align(unsigned long v)
{
	return (v + THP_PAGE_SIZE - 1) & ~(THP_PAGE_SIZE - 1);
}

unsigned long thp_checklen(lua_State *L, int arg, const char *cmd)
{
	lua_Integer len = thp_checksize(L, arg, cmd);

	if (len == 0)
		thp_errorf(L, "%s: length is 0", cmd);
	if ((unsigned long)len > THP_TASK_SIZE)
		thp_errorf(L, "%s: length %#llx is larger than the address space", cmd,
			   (long long)len);
	return page_align((unsigned long)len);
}

unsigned long thp_mremap_old_len(lua_State *L, int arg)
{
	return thp_checksize(L, arg, "mremap") ? thp_checklen(L, arg, "mremap") : 0;
}

unsigned long thp_mremap_new_addr(lua_State *L, int arg, unsigned long addr,
				  unsigned long old_len, unsigned long new_len)
{
	unsigned long new_addr;

	if (lua_isnoneornil(L, arg))
		return 0;
	new_addr = thp_check_page_addr(L, arg, "mremap");
	if (new_addr >= THP_TASK_SIZE || new_len > THP_TASK_SIZE - new_addr)
		thp_errorf(L, "mremap: the new range is outside the address space");
	if (addr < new_addr + new_len && new_addr < addr + old_len)
		thp_errorf(L, "mremap: the new range overlaps the old one (EINVAL)");
	return new_addr;
}

unsigned long thp_check_page_addr(lua_State *L, int arg, const char *cmd)
{
	lua_Integer addr = thp_checkaddr(L, arg, cmd);

	if (addr & (lua_Integer)(THP_PAGE_SIZE - 1))
		thp_errorf(L, "%s: address %#llx is not page aligned", cmd, (long long)addr);
	return (unsigned long)addr;
}

void thp_set_pagemap_fields(lua_State *L, unsigned long long v)
{
	thp_setint(L, "raw", (long long)v);
	thp_setbool(L, "present", (v & PM_PRESENT) != 0);
	thp_setbool(L, "swapped", (v & PM_SWAP) != 0);
	thp_setbool(L, "file", (v & PM_FILE) != 0);
	thp_setbool(L, "exclusive", (v & PM_MMAP_EXCLUSIVE) != 0);
	thp_setbool(L, "soft_dirty", (v & PM_SOFT_DIRTY) != 0);
	thp_setbool(L, "uffd_wp", (v & PM_UFFD_WP) != 0);
	if (v & PM_PRESENT)
		thp_setint(L, "pfn", (long long)(v & PM_PFN_MASK));
}

void thp_pagerange(lua_State *L, int arg, const char *cmd, unsigned long *start,
		   unsigned long *len)
{
	unsigned long addr = (unsigned long)thp_checkaddr(L, arg, cmd);
	unsigned long n = (unsigned long)thp_optsize(L, arg + 1, cmd, THP_PAGE_SIZE);

	if (n == 0)
		thp_errorf(L, "%s: length is 0", cmd);
	if (addr >= THP_TASK_SIZE || n > THP_TASK_SIZE - addr)
		thp_errorf(L, "%s: range is outside the address space", cmd);
	*start = addr & ~(THP_PAGE_SIZE - 1);
	*len = page_align(addr + n) - *start;
}

const char *thp_checkpath(lua_State *L, int arg, const char *cmd, size_t max)
{
	size_t len;
	const char *path = luaL_checklstring(L, arg, &len);

	if (path[0] != '/' || strstr(path, "//") || (len > 1 && path[len - 1] == '/') ||
	    len == 1)
		thp_errorf(L, "%s: \"%s\" is not an absolute path to a file or directory "
			   "(like \"/tmp/thp\")", cmd, path);
	if (len >= max)
		thp_errorf(L, "%s: \"%s\" is too long (at most %zu characters)", cmd, path,
			   max - 1);
	return path;
}
