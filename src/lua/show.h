/*
 * show.h - how thpsh writes values: readably for people, as JSON for
 * programs.
 *
 * The readable form is what the prompt prints for an expression:
 *
 *	thpsh> { addr = 0x7f0000000000, len = 2097152, flags = { "rw" } }
 *	{ addr = 0x7f0000000000, flags = { "rw" }, len = 2097152 }
 *
 * - a table with a __tostring metamethod is shown by it (inspection
 *   commands return such tables: a human view for the prompt, plain
 *   fields for scripts);
 * - other tables are shown nested, array part first as a list, then the
 *   other keys sorted (numbers, strings, then the rest); a table that
 *   does not fit on one line is broken one entry per line; tables nested
 *   deeper than 16 levels, entries past the 50th and cycles are elided;
 * - integers that look like addresses are hex: those stored under the
 *   keys in hex_keys[] (show.c: addr, start, end, pfn, pte, pmd, ...),
 *   elements of a list stored under such a key, and any integer of at
 *   least 2^32; other integers are decimal;
 * - a string is written raw at the top level and quoted inside a table.
 *
 * The JSON form holds the same data with nothing elided: integers as
 * JSON numbers (decimal), keys sorted, a table whose keys are exactly
 * 1..n as an array, an empty table as [].  __tostring is ignored: JSON is
 * for programs, which want the fields.
 */
#ifndef THPSH_SHOW_H
#define THPSH_SHOW_H

#include <lua.h>

/*
 * Push the readable text of the value at @idx and return it.  May raise
 * the error of a failing __tostring.
 */
const char *thp_show(lua_State *L, int idx);

/*
 * Push the JSON text of the value at @idx and return it.  Raises
 * "json: ..." for what JSON cannot hold: functions, userdata, threads,
 * NaN and infinities, cycles, table keys that are neither strings nor
 * numbers.
 */
const char *thp_tojson(lua_State *L, int idx);

/* The `inspect` command: inspect(v) -> the readable text of v. */
int cmd_inspect(lua_State *L);

/* The `json` command: json(v) -> the JSON text of v. */
int cmd_json(lua_State *L);

#endif /* THPSH_SHOW_H */
