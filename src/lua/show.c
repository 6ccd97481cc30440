/*
 * show.c - the readable and the JSON form of Lua values (see show.h).
 *
 * Both forms are written into a growing buffer that lives in a userdata
 * on the Lua stack rather than in malloc'd memory: writing calls back
 * into Lua (__tostring, lua_next) and may raise, and a raise must not
 * leak the buffer.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lua.h>
#include <lauxlib.h>

#include "show.h"

#define SHOW_WIDTH	72	/* a table fits on one line up to this column */
#define SHOW_ITEMS	50	/* entries shown per table; the rest are counted */
#define SHOW_DEPTH	16	/* nesting shown; deeper tables are elided */
#define JSON_DEPTH	200	/* nesting encoded; deeper is an error */
#define HEX_FROM	((lua_Integer)1 << 32)	/* bare integers from here are hex */

/* Keys whose integer values are addresses, PFNs or raw entries: shown hex. */
static const char *const hex_keys[] = {
	"addr", "end", "entry", "p4d", "pfn", "pgd", "pmd", "pte", "pud",
	"raw", "scan_pfn", "split_at", "start", "vm_end", "vm_start",
};

struct out {
	lua_State *L;
	int box;		/* stack slot of the userdata holding the text */
	int seen;		/* stack slot of the set of tables being written */
	char *p;		/* the text so far */
	size_t len;		/* its length */
	size_t cap;		/* size of the userdata */
	size_t line;		/* offset where the current line starts */
	int flat;		/* writing a table on one line: fail past the width */
	int overflow;		/* that attempt failed; writes are ignored */
};

/* One key of a table, as sorted for writing. */
struct key {
	int type;		/* LUA_T* */
	int rank;		/* numbers, strings, booleans, the rest by type */
	int isint;		/* an integer number */
	lua_Integer i;		/* the integer, or the boolean */
	lua_Number n;		/* the number as a float */
	const char *s;		/* the string (kept alive by the key list) */
	size_t len;		/* its length */
	const void *ptr;	/* identity of any other value */
	int slot;		/* index of the key in the key list */
};

static void out_open(struct out *o, lua_State *L)
{
	memset(o, 0, sizeof *o);
	o->L = L;
	o->cap = 256;
	o->p = lua_newuserdatauv(L, o->cap, 0);
	o->box = lua_gettop(L);
	lua_newtable(L);
	o->seen = lua_gettop(L);
}

/* Replace the buffer and the seen-set by the text; return it. */
static const char *out_close(struct out *o)
{
	lua_pushlstring(o->L, o->p, o->len);
	lua_replace(o->L, o->box);
	lua_settop(o->L, o->box);
	return lua_tostring(o->L, -1);
}

static void out_grow(struct out *o, size_t n)
{
	size_t cap = o->cap;
	char *p;

	while (cap - o->len < n) {
		if (cap > SIZE_MAX / 2)
			luaL_error(o->L, "not enough memory");
		cap *= 2;
	}
	p = lua_newuserdatauv(o->L, cap, 0);
	memcpy(p, o->p, o->len);
	lua_replace(o->L, o->box);
	o->p = p;
	o->cap = cap;
}

static void out_add(struct out *o, const char *s, size_t n)
{
	size_t i;

	if (o->overflow)
		return;
	if (o->flat && (memchr(s, '\n', n) != NULL ||
			o->len + n - o->line > SHOW_WIDTH)) {
		o->overflow = 1;
		return;
	}
	if (n > o->cap - o->len)
		out_grow(o, n);
	memcpy(o->p + o->len, s, n);
	for (i = n; i > 0; i--) {
		if (s[i - 1] == '\n') {
			o->line = o->len + i;
			break;
		}
	}
	o->len += n;
}

static void out_str(struct out *o, const char *s)
{
	out_add(o, s, strlen(s));
}

/* Start a new line indented for nesting @depth. */
static void out_newline(struct out *o, int depth)
{
	out_add(o, "\n", 1);
	while (depth-- > 0)
		out_add(o, "  ", 2);
}

/* Add text that may span lines, indenting each line after the first. */
static void out_indented(struct out *o, const char *s, size_t n, int depth)
{
	const char *nl;

	while ((nl = memchr(s, '\n', n)) != NULL) {
		out_add(o, s, (size_t)(nl - s));
		out_newline(o, depth);
		n -= (size_t)(nl - s) + 1;
		s = nl + 1;
	}
	out_add(o, s, n);
}

/* Mark the table at @t as being written; false if it already was. */
static int enter_table(struct out *o, int t)
{
	lua_State *L = o->L;
	int cycle;

	lua_pushvalue(L, t);
	cycle = lua_rawget(L, o->seen) != LUA_TNIL;
	lua_pop(L, 1);
	if (cycle)
		return 0;
	lua_pushvalue(L, t);
	lua_pushboolean(L, 1);
	lua_rawset(L, o->seen);
	return 1;
}

static void leave_table(struct out *o, int t)
{
	lua_pushvalue(o->L, t);
	lua_pushnil(o->L);
	lua_rawset(o->L, o->seen);
}

/* --- keys ------------------------------------------------------------ */

/* Length of the list part of table @t: t[1] .. t[n] all non-nil. */
static lua_Integer list_len(lua_State *L, int t)
{
	lua_Integer n = 0;

	while (lua_rawgeti(L, t, n + 1) != LUA_TNIL) {
		lua_pop(L, 1);
		n++;
	}
	lua_pop(L, 1);
	return n;
}

static void key_fill(lua_State *L, struct key *k, int slot)
{
	memset(k, 0, sizeof *k);
	k->slot = slot;
	k->type = lua_type(L, -1);
	switch (k->type) {
	case LUA_TNUMBER:
		k->rank = 0;
		k->isint = lua_isinteger(L, -1);
		k->i = lua_tointeger(L, -1);
		k->n = lua_tonumber(L, -1);
		break;
	case LUA_TSTRING:
		k->rank = 1;
		k->s = lua_tolstring(L, -1, &k->len);
		break;
	case LUA_TBOOLEAN:
		k->rank = 2;
		k->i = lua_toboolean(L, -1);
		break;
	default:
		k->rank = 3 + k->type;
		k->ptr = lua_topointer(L, -1);
		break;
	}
}

static int key_cmp(const void *a, const void *b)
{
	const struct key *x = a, *y = b;
	size_t n;
	int c;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	switch (x->rank) {
	case 0:
		if (x->isint && y->isint)
			return (x->i > y->i) - (x->i < y->i);
		return (x->n > y->n) - (x->n < y->n);
	case 1:
		n = x->len < y->len ? x->len : y->len;
		c = memcmp(x->s, y->s, n);
		if (c != 0)
			return c;
		return (x->len > y->len) - (x->len < y->len);
	case 2:
		return (int)(x->i - y->i);
	default:
		return ((uintptr_t)x->ptr > (uintptr_t)y->ptr) -
		       ((uintptr_t)x->ptr < (uintptr_t)y->ptr);
	}
}

/*
 * Push the keys of table @t other than 1..@nlist as a list, and after it
 * a userdata holding them sorted as struct key; return that array.
 */
static struct key *sorted_keys(lua_State *L, int t, lua_Integer nlist,
			       size_t *nkeys)
{
	struct key *keys;
	int list, n = 0, i;

	lua_newtable(L);
	list = lua_gettop(L);
	lua_pushnil(L);
	while (lua_next(L, t) != 0) {
		lua_pop(L, 1);
		if (lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 1 &&
		    lua_tointeger(L, -1) <= nlist)
			continue;
		lua_pushvalue(L, -1);
		lua_rawseti(L, list, ++n);
	}
	keys = lua_newuserdatauv(L, (size_t)n * sizeof *keys, 0);
	for (i = 0; i < n; i++) {
		lua_rawgeti(L, list, i + 1);
		key_fill(L, &keys[i], i + 1);
		lua_pop(L, 1);
	}
	qsort(keys, (size_t)n, sizeof *keys, key_cmp);
	*nkeys = (size_t)n;
	return keys;
}

/* Push t[key] for the key at @slot of the key list at @list. */
static void push_field(lua_State *L, int t, int list, int slot)
{
	lua_rawgeti(L, list, slot);
	lua_rawget(L, t);
}

/* --- the readable form ----------------------------------------------- */

static void show_value(struct out *o, int idx, int hex, int depth);

static int is_hex_key(const struct key *k)
{
	size_t i;

	if (k->rank != 1)
		return 0;
	for (i = 0; i < sizeof hex_keys / sizeof hex_keys[0]; i++)
		if (strlen(hex_keys[i]) == k->len &&
		    memcmp(hex_keys[i], k->s, k->len) == 0)
			return 1;
	return 0;
}

static int is_name_char(int c, int first)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (!first && c >= '0' && c <= '9');
}

/* Can @s be written bare as a table key: a name that is not reserved? */
static int is_identifier(const char *s, size_t len)
{
	static const char *const reserved[] = {
		"and", "break", "do", "else", "elseif", "end", "false", "for",
		"function", "goto", "if", "in", "local", "nil", "not", "or",
		"repeat", "return", "then", "true", "until", "while",
	};
	size_t i;

	if (len == 0 || strlen(s) != len)
		return 0;
	for (i = 0; i < len; i++)
		if (!is_name_char((unsigned char)s[i], i == 0))
			return 0;
	for (i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
		if (strcmp(s, reserved[i]) == 0)
			return 0;
	return 1;
}

static void show_integer(struct out *o, lua_Integer v, int hex)
{
	char buf[32];

	if (hex || v >= HEX_FROM)
		snprintf(buf, sizeof buf, "0x%llx", (unsigned long long)v);
	else
		snprintf(buf, sizeof buf, LUA_INTEGER_FMT, (LUAI_UACINT)v);
	out_str(o, buf);
}

static void show_quoted(struct out *o, const char *s, size_t len)
{
	char esc[8];
	size_t i;

	out_add(o, "\"", 1);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '"':  out_add(o, "\\\"", 2); break;
		case '\\': out_add(o, "\\\\", 2); break;
		case '\n': out_add(o, "\\n", 2); break;
		case '\t': out_add(o, "\\t", 2); break;
		case '\r': out_add(o, "\\r", 2); break;
		default:
			if (c < 0x20 || c == 0x7f) {
				snprintf(esc, sizeof esc, "\\%u", c);
				out_str(o, esc);
			} else {
				out_add(o, s + i, 1);
			}
		}
	}
	out_add(o, "\"", 1);
}

/* Write the value at @idx as tostring() does, honouring __tostring. */
static void show_tostring(struct out *o, int idx, int depth)
{
	size_t len;
	const char *s = luaL_tolstring(o->L, idx, &len);

	out_indented(o, s, len, depth);
	lua_pop(o->L, 1);
}

static void show_key(struct out *o, const struct key *k, int list)
{
	if (k->rank == 1 && is_identifier(k->s, k->len)) {
		out_add(o, k->s, k->len);
		return;
	}
	out_add(o, "[", 1);
	if (k->rank == 1) {
		show_quoted(o, k->s, k->len);
	} else if (k->rank == 0 && k->isint) {
		show_integer(o, k->i, 0);
	} else {
		lua_rawgeti(o->L, list, k->slot);
		show_tostring(o, lua_gettop(o->L), 0);
		lua_pop(o->L, 1);
	}
	out_add(o, "]", 1);
}

/* Separate entries: on one line, or each on its own line. */
static void show_sep(struct out *o, size_t nth, int depth)
{
	if (!o->flat)
		out_newline(o, depth + 1);
	else
		out_str(o, nth == 0 ? " " : ", ");
}

/*
 * Write the entries of table @t: its list part (@nlist elements), then
 * the sorted keys in the key list at @list and array @keys; on one line
 * when o->flat, else one entry per line.
 */
static void show_entries(struct out *o, int t, lua_Integer nlist, int list,
			 const struct key *keys, size_t nkeys, int hex,
			 int depth)
{
	lua_State *L = o->L;
	size_t total = (size_t)nlist + nkeys, shown = 0, i;
	char more[48];

	out_add(o, "{", 1);
	for (i = 0; i < total && shown < SHOW_ITEMS && !o->overflow; i++) {
		show_sep(o, shown++, depth);
		if (i < (size_t)nlist) {
			lua_rawgeti(L, t, (lua_Integer)i + 1);
			show_value(o, lua_gettop(L), hex, depth + 1);
		} else {
			const struct key *k = &keys[i - (size_t)nlist];

			show_key(o, k, list);
			out_str(o, " = ");
			push_field(L, t, list, k->slot);
			show_value(o, lua_gettop(L),
				   is_hex_key(k) || (k->rank == 0 && hex),
				   depth + 1);
		}
		lua_pop(L, 1);
		if (!o->flat)
			out_add(o, ",", 1);
	}
	if (shown < total) {
		show_sep(o, shown, depth);
		snprintf(more, sizeof more, "... %zu more", total - shown);
		out_str(o, more);
	}
	if (o->flat)
		out_str(o, total > 0 ? " }" : "}");
	else {
		out_newline(o, depth);
		out_add(o, "}", 1);
	}
}

/* Write table @t on one line if it fits, else one entry per line. */
static void show_table(struct out *o, int t, int hex, int depth)
{
	lua_State *L = o->L;
	lua_Integer nlist;
	struct key *keys;
	size_t nkeys, mark, line;

	if (depth >= SHOW_DEPTH) {
		out_str(o, "{...}");
		return;
	}
	luaL_checkstack(L, 8, "tables nested too deep");
	if (!enter_table(o, t)) {
		out_str(o, "<cycle>");
		return;
	}
	nlist = list_len(L, t);
	keys = sorted_keys(L, t, nlist, &nkeys);
	if (o->flat) {
		show_entries(o, t, nlist, lua_gettop(L) - 1, keys, nkeys, hex,
			     depth);
	} else {
		mark = o->len;
		line = o->line;
		o->flat = 1;
		show_entries(o, t, nlist, lua_gettop(L) - 1, keys, nkeys, hex,
			     depth);
		o->flat = 0;
		if (o->overflow) {
			o->overflow = 0;
			o->len = mark;
			o->line = line;
			show_entries(o, t, nlist, lua_gettop(L) - 1, keys,
				     nkeys, hex, depth);
		}
	}
	lua_pop(L, 2);
	leave_table(o, t);
}

static void show_value(struct out *o, int idx, int hex, int depth)
{
	lua_State *L = o->L;
	const char *s;
	size_t len;

	switch (lua_type(L, idx)) {
	case LUA_TNUMBER:
		if (!lua_isinteger(L, idx))
			break;
		show_integer(o, lua_tointeger(L, idx), hex);
		return;
	case LUA_TSTRING:
		if (depth == 0)
			break;
		s = lua_tolstring(L, idx, &len);
		show_quoted(o, s, len);
		return;
	case LUA_TTABLE:
		if (luaL_getmetafield(L, idx, "__tostring") != LUA_TNIL) {
			lua_pop(L, 1);
			break;
		}
		show_table(o, idx, hex, depth);
		return;
	}
	show_tostring(o, idx, depth);
}

const char *thp_show(lua_State *L, int idx)
{
	struct out o;

	idx = lua_absindex(L, idx);
	out_open(&o, L);
	show_value(&o, idx, 0, 0);
	return out_close(&o);
}

/* --- JSON ------------------------------------------------------------ */

static void json_value(struct out *o, int idx, int depth);

static void json_string(struct out *o, const char *s, size_t len)
{
	char esc[8];
	size_t i;

	out_add(o, "\"", 1);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '"':  out_add(o, "\\\"", 2); break;
		case '\\': out_add(o, "\\\\", 2); break;
		case '\n': out_add(o, "\\n", 2); break;
		case '\t': out_add(o, "\\t", 2); break;
		case '\r': out_add(o, "\\r", 2); break;
		default:
			if (c < 0x20) {
				snprintf(esc, sizeof esc, "\\u%04x", c);
				out_str(o, esc);
			} else {
				out_add(o, s + i, 1);
			}
		}
	}
	out_add(o, "\"", 1);
}

static void json_number(struct out *o, int idx)
{
	char buf[48];
	lua_Number n;

	if (lua_isinteger(o->L, idx)) {
		snprintf(buf, sizeof buf, LUA_INTEGER_FMT,
			 (LUAI_UACINT)lua_tointeger(o->L, idx));
	} else {
		n = lua_tonumber(o->L, idx);
		if (!isfinite(n))
			luaL_error(o->L, "json: cannot encode %s",
				   lua_tostring(o->L, idx));
		snprintf(buf, sizeof buf, "%.17g", (double)n);
	}
	out_str(o, buf);
}

static void json_key(struct out *o, const struct key *k)
{
	char buf[48];

	switch (k->rank) {
	case 0:
		if (k->isint)
			snprintf(buf, sizeof buf, "\"" LUA_INTEGER_FMT "\"",
				 (LUAI_UACINT)k->i);
		else
			snprintf(buf, sizeof buf, "\"%.17g\"", (double)k->n);
		out_str(o, buf);
		break;
	case 1:
		json_string(o, k->s, k->len);
		break;
	default:
		luaL_error(o->L, "json: cannot encode a table key of type %s",
			   lua_typename(o->L, k->type));
	}
}

static void json_array(struct out *o, int t, lua_Integer n, int depth)
{
	lua_Integer i;

	out_add(o, "[", 1);
	for (i = 1; i <= n; i++) {
		if (i > 1)
			out_add(o, ",", 1);
		lua_rawgeti(o->L, t, i);
		json_value(o, lua_gettop(o->L), depth + 1);
		lua_pop(o->L, 1);
	}
	out_add(o, "]", 1);
}

static void json_object(struct out *o, int t, int depth)
{
	lua_State *L = o->L;
	struct key *keys;
	size_t nkeys, i;
	int list;

	keys = sorted_keys(L, t, 0, &nkeys);
	list = lua_gettop(L) - 1;
	out_add(o, "{", 1);
	for (i = 0; i < nkeys; i++) {
		if (i > 0)
			out_add(o, ",", 1);
		json_key(o, &keys[i]);
		out_add(o, ":", 1);
		push_field(L, t, list, keys[i].slot);
		json_value(o, lua_gettop(L), depth + 1);
		lua_pop(L, 1);
	}
	out_add(o, "}", 1);
	lua_pop(L, 2);
}

/* Does table @t hold nothing but its list part t[1] .. t[@nlist]? */
static int is_list(lua_State *L, int t, lua_Integer nlist)
{
	lua_Integer n = 0;

	lua_pushnil(L);
	while (lua_next(L, t) != 0) {
		lua_pop(L, 1);
		n++;
	}
	return n == nlist;
}

/* A table whose keys are exactly 1..n is an array; any other an object. */
static void json_table(struct out *o, int t, int depth)
{
	lua_State *L = o->L;
	lua_Integer nlist;

	if (depth >= JSON_DEPTH)
		luaL_error(L, "json: tables nested too deep");
	luaL_checkstack(L, 8, "tables nested too deep");
	if (!enter_table(o, t))
		luaL_error(L, "json: cannot encode a table that contains itself");
	nlist = list_len(L, t);
	if (is_list(L, t, nlist))
		json_array(o, t, nlist, depth);
	else
		json_object(o, t, depth);
	leave_table(o, t);
}

static void json_value(struct out *o, int idx, int depth)
{
	lua_State *L = o->L;
	const char *s;
	size_t len;

	switch (lua_type(L, idx)) {
	case LUA_TNIL:
		out_str(o, "null");
		break;
	case LUA_TBOOLEAN:
		out_str(o, lua_toboolean(L, idx) ? "true" : "false");
		break;
	case LUA_TNUMBER:
		json_number(o, idx);
		break;
	case LUA_TSTRING:
		s = lua_tolstring(L, idx, &len);
		json_string(o, s, len);
		break;
	case LUA_TTABLE:
		json_table(o, idx, depth);
		break;
	default:
		luaL_error(L, "json: cannot encode a %s value",
			   luaL_typename(L, idx));
	}
}

const char *thp_tojson(lua_State *L, int idx)
{
	struct out o;

	idx = lua_absindex(L, idx);
	out_open(&o, L);
	json_value(&o, idx, 0);
	return out_close(&o);
}

/* --- commands -------------------------------------------------------- */

int cmd_inspect(lua_State *L)
{
	luaL_checkany(L, 1);
	thp_show(L, 1);
	return 1;
}

int cmd_json(lua_State *L)
{
	luaL_checkany(L, 1);
	thp_tojson(L, 1);
	return 1;
}
