/*
 * main.c - thpsh's entry point.
 *
 * As lua.c: main() parses nothing itself; it creates the state and runs
 * pmain() in one protected call, which reads the command line, opens the
 * libraries, runs the -e chunks, then the script, then the prompt.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

#include "prompt.h"
#include "lua/commands.h"
#include "lua/machine.h"
#include "lua/compare.h"
#include "lua/embed.h"
#include "lua/livecmds.h"
#include "lua/util.h"

#ifndef THPSH_VERSION
#define THPSH_VERSION "unknown"	/* the Makefile sets it */
#endif

#define PROGNAME "thpsh"

/* Word for word the SYNOPSIS of man/thpsh.1 (tests/cli/man.sh checks). */
static const char synopsis[] =
	"usage: thpsh [-i] [-e chunk] [--json] [--kernel [--allow-sysfs]]\n"
	"             [script [arg ...]]\n"
	"       thpsh --compare [--allow-sysfs] script [arg ...]\n"
	"       thpsh --version\n"
	"       thpsh --help\n";

enum option_id {
	OPT_ALLOW_SYSFS,	/* --allow-sysfs */
	OPT_COMPARE,		/* --compare */
	OPT_EXEC,		/* -e chunk */
	OPT_HELP,		/* --help */
	OPT_INTERACTIVE,	/* -i */
	OPT_JSON,		/* --json */
	OPT_KERNEL,		/* --kernel */
	OPT_VERSION,		/* --version */
	OPT_END,		/* -- */
	OPT_STDIN,		/* - */
};

/*
 * The options, in the order --help and the man page's OPTIONS list them.
 * To add one: a row here, its id above, its field in struct settings and
 * its case in parse_option(); then the man page.
 */
static const struct option {
	const char *name;	/* as typed */
	const char *arg;	/* name of its argument, NULL if it takes none */
	enum option_id id;
	const char *help;	/* one line for --help */
} options[] = {
	{ "--allow-sysfs", NULL, OPT_ALLOW_SYSFS,
	  "let the script write /sys settings (restored at its end)" },
	{ "--compare", NULL, OPT_COMPARE,
	  "run script simulated and live; report what differs" },
	{ "-e", "chunk", OPT_EXEC,
	  "run chunk; print its values if it is an expression" },
	{ "--help", NULL, OPT_HELP, "print this help and exit" },
	{ "-i", NULL, OPT_INTERACTIVE, "open the prompt after running script" },
	{ "--json", NULL, OPT_JSON, "print the values of -e chunks as JSON" },
	{ "--kernel", NULL, OPT_KERNEL, "run on the live kernel, not the simulation" },
	{ "--version", NULL, OPT_VERSION, "print the version and exit" },
	{ "--", NULL, OPT_END, "stop handling options" },
	{ "-", NULL, OPT_STDIN, "stop handling options; run standard input" },
};

/* What the command line asks for. */
struct settings {
	int script;		/* argv index of the script, argc if none */
	int exec;		/* -e: chunks to run */
	int interactive;	/* -i */
	int json;		/* --json */
	int help;		/* --help */
	int version;		/* --version */
	int kernel;		/* --kernel */
	int compare;		/* --compare */
	int allow_sysfs;	/* --allow-sysfs */
};

/* thpsh's libraries, opened in order after Lua's own (linit.c style). */
static void (*const libraries[])(lua_State *L) = {
	thp_luafiles_open,	/* require for the files of lua/ */
	thp_util_open,		/* KB, MB, GB */
	thp_commands_open,	/* every command of the table, as a global */
	thp_machine_open,	/* breakpoint hook, trace output, sysfs completions */
};

/* --- the command line ------------------------------------------------ */

static void print_usage(FILE *f)
{
	fputs(synopsis, f);
}

static void print_help(void)
{
	size_t i;

	print_usage(stdout);
	printf("\n");
	for (i = 0; i < sizeof options / sizeof options[0]; i++) {
		const struct option *o = &options[i];
		char left[32];

		snprintf(left, sizeof left, "%s%s%s", o->name,
			 o->arg ? " " : "", o->arg ? o->arg : "");
		printf("  %-13s %s\n", left, o->help);
	}
	printf("\nWith neither script nor -e, thpsh opens the prompt when "
	       "standard input is a\nterminal and runs it as a script "
	       "otherwise.  At the prompt, help lists the\ncommands; "
	       "man thpsh describes them all.\n");
}

static void print_version(void)
{
	printf("thpsh %s (a Linux 6.18 THP simulator; %s; %s)\n",
	       THPSH_VERSION, LUA_RELEASE, prompt_lineedit());
}

static const struct option *find_option(const char *arg)
{
	size_t i;

	for (i = 0; i < sizeof options / sizeof options[0]; i++) {
		size_t n = strlen(options[i].name);

		/* -e takes its argument attached too: -e'print(1)' */
		if (strncmp(arg, options[i].name, n) == 0 &&
		    (arg[n] == '\0' || (options[i].arg && n == 2)))
			return &options[i];
	}
	return NULL;
}

/*
 * Read the options in @argv into @s.  Returns 0, after a message on
 * stderr, if they are wrong.
 */
static int parse_args(int argc, char **argv, struct settings *s)
{
	const struct option *o;
	int i;

	memset(s, 0, sizeof *s);
	s->script = argc;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if ((o = find_option(argv[i])) == NULL) {
			fprintf(stderr, "%s: unrecognized option '%s'\n",
				PROGNAME, argv[i]);
			return 0;
		}
		if (o->arg && argv[i][strlen(o->name)] == '\0' &&
		    ++i == argc) {
			fprintf(stderr, "%s: '%s' needs an argument\n",
				PROGNAME, o->name);
			return 0;
		}
		switch (o->id) {
		case OPT_ALLOW_SYSFS: s->allow_sysfs = 1; break;
		case OPT_COMPARE:     s->compare = 1; break;
		case OPT_EXEC:        s->exec = 1; break;
		case OPT_HELP:        s->help = 1; break;
		case OPT_INTERACTIVE: s->interactive = 1; break;
		case OPT_JSON:        s->json = 1; break;
		case OPT_KERNEL:      s->kernel = 1; break;
		case OPT_VERSION:     s->version = 1; break;
		case OPT_END:         s->script = i + 1; return 1;
		case OPT_STDIN:       s->script = i; return 1;
		}
	}
	s->script = i;
	return 1;
}

/* The backends the options pick must make sense together. */
static int check_backend(const struct settings *s, int argc)
{
	const char *msg = NULL;

	if (s->kernel && s->compare)
		msg = "--kernel and --compare exclude each other";
	else if (s->compare && (s->script == argc || s->exec || s->interactive))
		msg = "--compare runs a script, alone";
	else if (s->allow_sysfs && !s->kernel && !s->compare)
		msg = "--allow-sysfs is for --kernel and --compare";
	if (msg)
		fprintf(stderr, "%s: %s\n", PROGNAME, msg);
	return msg == NULL;
}

/* The global arg: arg[0] the script, arg[1..] its arguments (lua.c). */
static void create_arg_table(lua_State *L, char **argv, int argc, int script)
{
	int i;

	if (script == argc)
		script = 0;
	lua_createtable(L, argc - (script + 1), script + 1);
	for (i = 0; i < argc; i++) {
		lua_pushstring(L, argv[i]);
		lua_rawseti(L, -2, i - script);
	}
	lua_setglobal(L, "arg");
}

/* --- running --------------------------------------------------------- */

/* Run one -e chunk, printing its values as the prompt does. */
static int run_chunk(lua_State *L, const char *chunk, int json)
{
	static const char name[] = "=(command line)";
	int base = lua_gettop(L), status;
	const char *ret = lua_pushfstring(L, "return %s", chunk);

	status = luaL_loadbuffer(L, ret, strlen(ret), name);
	lua_remove(L, -2);
	if (status != LUA_OK) {
		lua_pop(L, 1);
		status = luaL_loadbuffer(L, chunk, strlen(chunk), name);
	}
	if (status == LUA_OK)
		status = prompt_docall(L, 0, LUA_MULTRET);
	if (status == LUA_OK)
		status = prompt_print(L, lua_gettop(L) - base, json);
	return prompt_report(L, status) == LUA_OK;
}

/* Run the -e chunks of argv[1 .. script-1], in order. */
static int run_chunks(lua_State *L, char **argv, const struct settings *s)
{
	const struct option *o;
	const char *chunk;
	int i;

	for (i = 1; i < s->script; i++) {
		o = find_option(argv[i]);
		if (o == NULL || o->id != OPT_EXEC) {
			i += o != NULL && o->arg != NULL &&
			     argv[i][strlen(o->name)] == '\0';
			continue;
		}
		chunk = argv[i][2] != '\0' ? argv[i] + 2 : argv[++i];
		if (!run_chunk(L, chunk, s->json))
			return 0;
	}
	return 1;
}

/* Run file @fname (NULL: standard input); with @args, arg[1..] as `...`. */
static int run_file(lua_State *L, const char *fname, int args)
{
	int status, n = 0, i;

	status = luaL_loadfile(L, fname);
	if (status == LUA_OK && args) {
		lua_getglobal(L, "arg");
		n = (int)luaL_len(L, -1);
		luaL_checkstack(L, n + 3, "too many arguments to script");
		for (i = 1; i <= n; i++)
			lua_rawgeti(L, -i, i);
		lua_remove(L, -i);
	}
	if (status == LUA_OK)
		status = prompt_docall(L, n, LUA_MULTRET);
	return prompt_report(L, status) == LUA_OK;
}

static void open_libraries(lua_State *L)
{
	size_t i;

	luaL_openlibs(L);
	for (i = 0; i < sizeof libraries / sizeof libraries[0]; i++)
		libraries[i](L);
}

static void run_prompt(lua_State *L)
{
	if (isatty(STDIN_FILENO)) {
		print_version();
		printf("Type help for the commands, Ctrl-D to leave.\n");
	}
	prompt_loop(L, NULL);
}

/*
 * Run what @s asks for: the -e chunks, the script, then the prompt when
 * -i asks for it or nothing else was given.  With nothing given and no
 * terminal, standard input is the script.
 */
static int run(lua_State *L, int argc, char **argv, const struct settings *s)
{
	int script = s->script < argc;
	const char *fname = script ? argv[s->script] : NULL;

	if (!run_chunks(L, argv, s))
		return 0;
	if (script) {
		if (strcmp(fname, "-") == 0 && strcmp(argv[s->script - 1], "--"))
			fname = NULL;
		if (!run_file(L, fname, 1))
			return 0;
	}
	if (s->interactive || (!script && !s->exec && isatty(STDIN_FILENO)))
		run_prompt(L);
	else if (!script && !s->exec)
		return run_file(L, NULL, 0);
	return 1;
}

/* Everything main() does, protected; returns true on success (lua.c). */
static int pmain(lua_State *L)
{
	int argc = (int)lua_tointeger(L, 1);
	char **argv = lua_touserdata(L, 2);
	struct settings s;
	int ok = 1;

	if (!parse_args(argc, argv, &s) || !check_backend(&s, argc)) {
		print_usage(stderr);
		ok = 0;
	} else if (s.help) {
		print_help();
	} else if (s.version) {
		print_version();
	} else if (s.compare) {
		ok = thp_compare(L, argv[s.script], argc - s.script - 1, argv + s.script + 1,
				 s.allow_sysfs, open_libraries);
	} else {
		luaL_checkversion(L);
		open_libraries(L);
		if (s.kernel)
			thp_live_open(L, s.allow_sysfs);
		create_arg_table(L, argv, argc, s.script);
		lua_gc(L, LUA_GCRESTART);
		lua_gc(L, LUA_GCGEN, 0, 0);
		ok = run(L, argc, argv, &s);
	}
	lua_pushboolean(L, ok);
	return 1;
}

int main(int argc, char **argv)
{
	lua_State *L = luaL_newstate();
	int status, ok;

	if (L == NULL) {
		fprintf(stderr, "%s: cannot create state: not enough memory\n",
			PROGNAME);
		return EXIT_FAILURE;
	}
	lua_gc(L, LUA_GCSTOP);	/* no collection during start-up */
	lua_pushcfunction(L, pmain);
	lua_pushinteger(L, argc);
	lua_pushlightuserdata(L, argv);
	status = lua_pcall(L, 2, 1, 0);
	ok = lua_toboolean(L, -1);
	prompt_report(L, status);
	lua_close(L);
	return ok && status == LUA_OK ? EXIT_SUCCESS : EXIT_FAILURE;
}
