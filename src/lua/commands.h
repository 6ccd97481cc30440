/*
 * commands.h - the one table of thpsh commands.
 *
 * Every Lua global that thpsh offers as a command has one row in
 * thp_commands[] (commands.c).  The row drives registration of the
 * global, `help`, `help "name"`, usage errors, Tab completion and the
 * test that checks the man page lists every command (SQLite's shell
 * keeps its dot-commands the same way).
 *
 * The simulated kernel (src/mm/) never includes this file or lua.h;
 * the binding files in src/lua/ are the thin layer between the two.
 */
#ifndef THPSH_COMMANDS_H
#define THPSH_COMMANDS_H

#include <lua.h>

/* Row flags. */
#define CMD_MUTATES	0x1	/* changes simulated state: refused inside a breakpoint */
#define CMD_PROMPT	0x2	/* prints its result when called for effect at the prompt */

struct thp_command {
	const char *name;	/* the Lua global, e.g. "munmap" */
	lua_CFunction fn;	/* its implementation */
	const char *args;	/* argument list as shown in usage: "addr, len" */
	const char *returns;	/* what it returns, one phrase: "nothing", "addr" */
	const char *summary;	/* one line for `help` */
	const char *help;	/* the full description for `help "name"` */
	const char *example;	/* one line of Lua that runs as written */
	unsigned int flags;	/* CMD_* */
};

/* All commands, sorted by name, ended by a row whose name is NULL. */
extern const struct thp_command thp_commands[];

/* The row for @name, or NULL. */
const struct thp_command *thp_command_find(const char *name);
/* Is the value at @idx the function thp_commands_open() made for @c? */
int thp_command_is(lua_State *L, int idx, const struct thp_command *c);

/* Register every command as a global of @L. */
void thp_commands_open(lua_State *L);

#endif /* THPSH_COMMANDS_H */
