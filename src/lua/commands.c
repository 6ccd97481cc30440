/*
 * commands.c - the one table of thpsh commands, and the commands that
 * read it: help and commands.
 *
 * To add a command, add its row below, in name order.  Its function is
 * named cmd_<name> and declared in the header of the file that
 * implements it.  Nothing else is needed for it to be a global, to be
 * listed and explained by help, completed by Tab and callable as a
 * shell-style line; tests/cli/man.sh then demands its entry in the
 * COMMANDS section of man/thpsh.1, and tests/cli/commands.sh that its
 * help text be filled and its example run at the prompt.
 */
#include <stdio.h>
#include <string.h>

#include <lua.h>
#include <lauxlib.h>

#include "commands.h"
#include "prompt.h"
#include "show.h"
#include "util.h"

static int cmd_commands(lua_State *L);
static int cmd_help(lua_State *L);

const struct thp_command thp_commands[] = {
	{ "commands", cmd_commands, "", "list of tables",
	  "the command table, as data",
	  "Returns one table per command, sorted by name, with the fields "
	  "name, args, returns, summary, help and example (strings) and "
	  "mutates and prompt (booleans): what help prints, for scripts.",
	  "#commands() > 0", 0 },
	{ "continue", cmd_continue, "", "nothing",
	  "leave a nested prompt and resume",
	  "Returns from the nested prompt that a breakpoint or prompt() "
	  "opened, once the current line has run; what was stopped "
	  "goes on.  The word alone is enough: continue.  At the top "
	  "level there is nothing to continue and it raises an error.",
	  "continue()", 0 },
	{ "help", cmd_help, "[name]", "nothing",
	  "list the commands, or explain one",
	  "Without a name, lists every command with a one-line summary. "
	  "With one, prints its usage, what it returns, its description "
	  "and an example.  At the prompt, help munmap is the same as "
	  "help(\"munmap\").",
	  "help(\"size\")", 0 },
	{ "inspect", cmd_inspect, "value", "string",
	  "the readable text of a value",
	  "Returns value written as the prompt prints it: tables nested "
	  "with sorted keys, addresses, PFNs and entries in hex, long "
	  "tables elided, objects by their __tostring.  For scripts that "
	  "want to print a value the way the prompt does.",
	  "print(inspect({ addr = 0x7f0000000000, len = 4096 }))", 0 },
	{ "json", cmd_json, "value", "string",
	  "the JSON text of a value",
	  "Returns value encoded as JSON on one line: integers as numbers, "
	  "keys sorted, a table with keys 1..n as an array, an empty table "
	  "as [].  Objects are encoded by their fields, not their "
	  "__tostring.  Raises an error for functions, userdata, NaN, "
	  "infinities and cycles.",
	  "print(json({ pfn = 512, flags = { \"head\", \"lru\" } }))", 0 },
	{ "prompt", cmd_prompt, "[name]", "nothing",
	  "open a nested prompt",
	  "Reads and runs lines at a nested prompt, thpsh [name]>, until "
	  "continue or end of input, then returns to the caller: "
	  "a script can stop to let you look around.",
	  "prompt(\"here\")", 0 },
	{ "size", cmd_size, "size", "integer",
	  "a size in bytes",
	  "Returns size in bytes.  Every command that takes a size accepts "
	  "an integer or a string: a decimal or 0x-hex number with an "
	  "optional unit K, M or G (also KB, KiB, any case), each a power "
	  "of 1024.  The globals KB, MB and GB hold the units.",
	  "size(\"2M\") == 2 * MB", 0 },
	{ NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0 }
};

static size_t ncommands(void)
{
	static size_t n;

	if (n == 0)
		while (thp_commands[n].name != NULL)
			n++;
	return n;
}

const struct thp_command *thp_command_find(const char *name)
{
	size_t lo = 0, hi = ncommands();

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, thp_commands[mid].name);

		if (c == 0)
			return &thp_commands[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

void thp_commands_open(lua_State *L)
{
	const struct thp_command *c;

	for (c = thp_commands; c->name != NULL; c++) {
		lua_pushcfunction(L, c->fn);
		lua_setglobal(L, c->name);
	}
}

/* --- help ------------------------------------------------------------ */

#define HELP_WIDTH 72

/* help lists the commands in these groups, by their flags. */
static const struct {
	unsigned int mask;	/* flags looked at */
	unsigned int value;	/* ...and the value they must have */
	const char *title;
} help_groups[] = {
	{ CMD_MUTATES, CMD_MUTATES, "Change the simulated machine" },
	{ CMD_MUTATES | CMD_PROMPT, CMD_PROMPT, "Inspect it" },
	{ CMD_MUTATES | CMD_PROMPT, 0, "Shell and scripting" },
};

static void help_list(void)
{
	const struct thp_command *c;
	size_t g, width = 0;

	for (c = thp_commands; c->name != NULL; c++)
		if (strlen(c->name) > width)
			width = strlen(c->name);
	for (g = 0; g < sizeof help_groups / sizeof help_groups[0]; g++) {
		int title = 0;

		for (c = thp_commands; c->name != NULL; c++) {
			if ((c->flags & help_groups[g].mask) !=
			    help_groups[g].value)
				continue;
			if (!title++)
				printf("%s:\n", help_groups[g].title);
			printf("  %-*s  %s\n", (int)width, c->name, c->summary);
		}
	}
	printf("\nhelp \"name\" explains one; at the prompt, "
	       "help name does too.\n");
}

/* Print @text indented by two spaces, wrapped at HELP_WIDTH columns. */
static void help_wrap(const char *text)
{
	size_t col = 0;

	while (*text != '\0') {
		size_t n = strcspn(text, " \n");

		if (col > 0 && col + 1 + n > HELP_WIDTH) {
			putchar('\n');
			col = 0;
		}
		printf("%s%.*s", col > 0 ? " " : "  ", (int)n, text);
		col += n + (col > 0 ? 1 : 2);
		text += n;
		if (*text == '\n') {
			putchar('\n');
			col = 0;
		}
		text += strspn(text, " \n");
	}
	if (col > 0)
		putchar('\n');
}

static void help_one(const struct thp_command *c)
{
	printf("%s(%s) -> %s\n", c->name, c->args, c->returns);
	help_wrap(c->help);
	printf("Example:\n  %s\n", c->example);
}

static int cmd_help(lua_State *L)
{
	const char *name = luaL_optstring(L, 1, NULL);
	const struct thp_command *c;

	if (name == NULL) {
		help_list();
		return 0;
	}
	c = thp_command_find(name);
	if (c == NULL)
		return luaL_error(L, "help: no command '%s' (help lists them)",
				  name);
	help_one(c);
	return 0;
}

/* --- commands -------------------------------------------------------- */

static void set_string(lua_State *L, const char *field, const char *value)
{
	lua_pushstring(L, value);
	lua_setfield(L, -2, field);
}

static void set_boolean(lua_State *L, const char *field, int value)
{
	lua_pushboolean(L, value);
	lua_setfield(L, -2, field);
}

static int cmd_commands(lua_State *L)
{
	size_t i, n = ncommands();

	lua_createtable(L, (int)n, 0);
	for (i = 0; i < n; i++) {
		const struct thp_command *c = &thp_commands[i];

		lua_createtable(L, 0, 8);
		set_string(L, "name", c->name);
		set_string(L, "args", c->args);
		set_string(L, "returns", c->returns);
		set_string(L, "summary", c->summary);
		set_string(L, "help", c->help);
		set_string(L, "example", c->example);
		set_boolean(L, "mutates", (c->flags & CMD_MUTATES) != 0);
		set_boolean(L, "prompt", (c->flags & CMD_PROMPT) != 0);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	return 1;
}
