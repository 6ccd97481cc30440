/*
 * prompt.c - the interactive prompt (see prompt.h).
 *
 * Lines come from GNU readline or libedit, through the readline API both
 * offer, chosen at build time: -DTHPSH_LIBEDIT selects libedit.  Lines
 * are read with the callback interface, not readline(), so that Ctrl-C
 * at the prompt can abandon the line: readline() itself only returns at
 * Enter.  When standard input is not a terminal, neither is used.
 */
#define _GNU_SOURCE		/* ppoll() */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lua.h>
#include <lauxlib.h>

#ifdef THPSH_LIBEDIT
#include <editline/readline.h>
#else
#include <readline/readline.h>
#include <readline/history.h>
#endif

#include "prompt.h"
#include "lua/commands.h"
#include "lua/show.h"

#define PROGNAME	"thpsh"
#define PROMPT1		"thpsh> "
#define PROMPT2		">> "
#define CHUNKNAME	"=stdin"
#define EOFMARK		"<eof>"		/* ends the message of incomplete input */
#define HISTORY_FILE	".thpsh_history"
#define HISTORY_MAX	1000		/* entries kept */

/* Ctrl-C: which chunk to interrupt, and whether one runs. */
static lua_State *sigint_L;
static volatile sig_atomic_t chunk_running;	/* Ctrl-C raises in the chunk */
static volatile sig_atomic_t sigint_pending;	/* Ctrl-C while none ran */

/* The stack of open prompts. */
static int depth;		/* prompts open, 0 when none */
static const char *level_name;	/* name of the innermost; NULL: top level */
static int leave_depth;		/* `continue` asked this depth to return */

/* Line editing, set up at the first read from a terminal. */
static int tty_ready;
static lua_State *complete_L;	/* the state Tab completes from */
static char *history_path;	/* NULL: history is not kept on disk */
static char *rl_line;		/* the line on_line() was handed */
static int rl_got_line;		/* on_line() was called */

/* --- running chunks -------------------------------------------------- */

/* The hook Ctrl-C sets: raise in the running chunk (lua.c's lstop). */
static void lstop(lua_State *L, lua_Debug *ar)
{
	(void)ar;
	lua_sethook(L, NULL, 0, 0);
	luaL_error(L, "interrupted!");
}

static void on_sigint(int sig)
{
	(void)sig;
	if (chunk_running)
		lua_sethook(sigint_L, lstop,
			    LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
	else
		sigint_pending = 1;
}

/* Route SIGINT to on_sigint(); no SA_RESTART, so reads return EINTR. */
static void catch_sigint(struct sigaction *old)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, old);
}

/* Message handler: add a traceback to the error (lua.c's msghandler). */
static int msghandler(lua_State *L)
{
	const char *msg = lua_tostring(L, 1);

	if (msg == NULL) {
		if (luaL_callmeta(L, 1, "__tostring") &&
		    lua_type(L, -1) == LUA_TSTRING)
			return 1;
		msg = lua_pushfstring(L, "(error object is a %s value)",
				      luaL_typename(L, 1));
	}
	luaL_traceback(L, L, msg, 1);
	return 1;
}

int prompt_docall(lua_State *L, int narg, int nres)
{
	int base = lua_gettop(L) - narg, status;
	sig_atomic_t was_running = chunk_running;
	struct sigaction old;

	lua_pushcfunction(L, msghandler);
	lua_insert(L, base);
	sigint_L = L;
	catch_sigint(&old);
	chunk_running = 1;
	if (sigint_pending) {	/* Ctrl-C since the line was read */
		sigint_pending = 0;
		on_sigint(SIGINT);
	}
	status = lua_pcall(L, narg, nres, base);
	chunk_running = was_running;
	sigaction(SIGINT, &old, NULL);
	if (lua_gethook(L) == lstop)	/* Ctrl-C came as the chunk ended */
		lua_sethook(L, NULL, 0, 0);
	lua_remove(L, base);
	return status;
}

int prompt_report(lua_State *L, int status)
{
	const char *msg;

	if (status != LUA_OK) {
		msg = lua_tostring(L, -1);
		fprintf(stderr, "%s: %s\n", PROGNAME,
			msg ? msg : "(error object is not a string)");
		fflush(stderr);
		lua_pop(L, 1);
	}
	return status;
}

/* Write the arguments readably or, with upvalue 1 true, as JSON. */
static int print_values(lua_State *L)
{
	int json = lua_toboolean(L, lua_upvalueindex(1));
	int i, n = lua_gettop(L);
	size_t len;
	const char *s;

	for (i = 1; i <= n; i++) {
		s = json ? thp_tojson(L, i) : thp_show(L, i);
		len = lua_rawlen(L, -1);
		fwrite(s, 1, len, stdout);
		if (i < n)
			fputc(json ? '\n' : '\t', stdout);
		lua_pop(L, 1);
	}
	fputc('\n', stdout);
	fflush(stdout);
	return 0;
}

int prompt_print(lua_State *L, int n, int json)
{
	if (n == 0)
		return LUA_OK;
	luaL_checkstack(L, LUA_MINSTACK, "too many results to print");
	lua_pushboolean(L, json);
	lua_pushcclosure(L, print_values, 1);
	lua_insert(L, -(n + 1));
	return prompt_docall(L, n, 0);
}

/* --- history --------------------------------------------------------- */

/* Write @entry as one line of the history file: \n and \\ escaped. */
static void history_write(FILE *f, const char *entry)
{
	for (; *entry != '\0'; entry++) {
		if (*entry == '\\')
			fputs("\\\\", f);
		else if (*entry == '\n')
			fputs("\\n", f);
		else
			fputc(*entry, f);
	}
	fputc('\n', f);
}

/* Undo history_write() on @line, in place. */
static void history_unescape(char *line)
{
	char *out = line;

	for (; *line != '\0'; line++) {
		if (*line == '\\' && (line[1] == 'n' || line[1] == '\\'))
			*out++ = *++line == 'n' ? '\n' : '\\';
		else if (*line != '\n')
			*out++ = *line;
	}
	*out = '\0';
}

static FILE *history_open(const char *path, int flags)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0600);

	return fd < 0 ? NULL : fdopen(fd, "w");
}

/* Keep only @n lines (escaped entries) in the history file. */
static void history_rewrite(char **lines, size_t n)
{
	size_t i, len = strlen(history_path) + sizeof ".new";
	char *tmp = malloc(len);
	FILE *f;

	if (tmp == NULL)
		return;
	snprintf(tmp, len, "%s.new", history_path);
	if ((f = history_open(tmp, O_TRUNC)) != NULL) {
		for (i = 0; i < n; i++)
			fputs(lines[i], f);
		if (fclose(f) == 0)
			rename(tmp, history_path);
	}
	free(tmp);
}

/* Load the history file; trim it when it has grown to twice the limit. */
static void history_load(void)
{
	FILE *f = fopen(history_path, "r");
	char **lines = NULL, **grown, *line = NULL;
	size_t n = 0, cap = 0, linecap = 0, i, first;

	if (f == NULL)
		return;
	while (getline(&line, &linecap, f) >= 0) {
		if (n == cap) {
			cap = cap ? 2 * cap : 256;
			if ((grown = realloc(lines, cap * sizeof *lines)) == NULL)
				break;
			lines = grown;
		}
		lines[n++] = line;
		line = NULL;
		linecap = 0;
	}
	free(line);
	fclose(f);
	first = n > HISTORY_MAX ? n - HISTORY_MAX : 0;
	if (n > 2 * HISTORY_MAX)
		history_rewrite(lines + first, n - first);
	for (i = 0; i < n; i++) {
		if (i >= first) {
			history_unescape(lines[i]);
			add_history(lines[i]);
		}
		free(lines[i]);
	}
	free(lines);
}

static void history_init(void)
{
	const char *env = getenv("THPSH_HISTORY"), *home = getenv("HOME");
	size_t len;

	using_history();
	stifle_history(HISTORY_MAX);
	if (env != NULL) {
		history_path = *env != '\0' ? strdup(env) : NULL;
	} else if (home != NULL && *home != '\0') {
		len = strlen(home) + sizeof "/" HISTORY_FILE;
		if ((history_path = malloc(len)) != NULL)
			snprintf(history_path, len, "%s/%s", home, HISTORY_FILE);
	}
	if (history_path != NULL)
		history_load();
}

/* Remember a complete chunk, in readline and in the history file. */
static void history_save(const char *entry)
{
	FILE *f;

	if (*entry == '\0')
		return;
	add_history(entry);
	if (history_path == NULL ||
	    (f = history_open(history_path, O_APPEND)) == NULL)
		return;
	history_write(f, entry);
	fclose(f);
}

/* --- completion ------------------------------------------------------ */

/* Where a word to complete starts: not at '.', ':', '/', '-' or '_'. */
static char word_breaks[] = " \t\n\"'`@$><=;|&{(,)}[]+*%^~#";

/* Is the end of @s inside a quoted string literal (not a comment)? */
static int in_string(const char *s)
{
	char quote = 0;

	for (; *s != '\0'; s++) {
		if (quote) {
			if (*s == '\\' && s[1] != '\0')
				s++;
			else if (*s == quote)
				quote = 0;
		} else if (*s == '"' || *s == '\'') {
			quote = *s;
		} else if (s[0] == '-' && s[1] == '-') {
			return 0;
		}
	}
	return quote != 0;
}

/* Length of the name at the start of @s. */
static size_t name_len(const char *s)
{
	static const char chars[] = "abcdefghijklmnopqrstuvwxyz"
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789";
	size_t n = strspn(s, chars);

	return n > 0 && !(s[0] >= '0' && s[0] <= '9') ? n : 0;
}

/* The command that line @s starts with, as a shell-style line, or NULL. */
static const struct thp_command *shell_command(const char *s)
{
	char name[64];
	size_t n;

	s += strspn(s, " \t");
	n = name_len(s);
	if (n == 0 || n >= sizeof name)
		return NULL;
	if (s[n] != '\0' && s[n] != ' ' && s[n] != '\t')
		return NULL;
	memcpy(name, s, n);
	name[n] = '\0';
	return thp_command_find(name);
}

/* Is the word after @before an argument of a shell-style line? */
static int shell_argument(const char *before)
{
	const char *s = before + strspn(before, " \t");

	return shell_command(before) != NULL &&
	       strpbrk(s + name_len(s), "()=\"'{") == NULL;
}

/* Set key @s of the candidate set at index 3 when it starts with @word. */
static void add_candidate(lua_State *L, const char *s, size_t len,
			  const char *word)
{
	size_t wlen = strlen(word);

	if (len >= wlen && memcmp(s, word, wlen) == 0) {
		lua_pushlstring(L, s, len);
		lua_pushboolean(L, 1);
		lua_rawset(L, 3);
	}
}

/* Candidates inside a string: command names and _COMPLETE_STRINGS. */
static void add_strings(lua_State *L, const char *word)
{
	const struct thp_command *c;
	lua_Integer i;

	for (c = thp_commands; c->name != NULL; c++)
		add_candidate(L, c->name, strlen(c->name), word);
	if (lua_getglobal(L, "_COMPLETE_STRINGS") == LUA_TTABLE) {
		for (i = 1; lua_rawgeti(L, -1, i) != LUA_TNIL; i++) {
			if (lua_type(L, -1) == LUA_TSTRING)
				add_candidate(L, lua_tostring(L, -1),
					      lua_rawlen(L, -1), word);
			lua_pop(L, 1);
		}
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
}

/* Candidates @prefix..name for the names that are keys of table @t. */
static void add_fields(lua_State *L, int t, const char *prefix,
		       const char *word)
{
	size_t len;
	const char *key;

	lua_pushnil(L);
	while (lua_next(L, t) != 0) {
		lua_pop(L, 1);
		if (lua_type(L, -1) != LUA_TSTRING)
			continue;
		key = lua_tolstring(L, -1, &len);
		if (name_len(key) != len)
			continue;
		lua_pushfstring(L, "%s%s", prefix, key);
		add_candidate(L, lua_tostring(L, -1), lua_rawlen(L, -1), word);
		lua_pop(L, 1);
	}
}

/*
 * Push the value that the dotted path @path (up to @len) names, looked
 * up raw from the globals; nil when a step is not a table.
 */
static void push_path(lua_State *L, const char *path, size_t len)
{
	size_t n;

	lua_pushglobaltable(L);
	while (len > 0) {
		n = strcspn(path, ".:");
		if (n > len)
			n = len;
		if (lua_type(L, -1) != LUA_TTABLE) {
			lua_pop(L, 1);
			lua_pushnil(L);
			return;
		}
		lua_pushlstring(L, path, n);
		lua_rawget(L, -2);
		lua_remove(L, -2);
		path += n + (n < len);
		len -= n + (n < len);
	}
}

/* Candidates for `a.b.fi`: fields of a.b and of its metatable's __index. */
static void add_path(lua_State *L, const char *word, size_t sep)
{
	int v;

	push_path(L, word, sep);
	v = lua_gettop(L);
	lua_pushlstring(L, word, sep + 1);
	if (lua_type(L, v) == LUA_TTABLE)
		add_fields(L, v, lua_tostring(L, -1), word);
	if (luaL_getmetafield(L, v, "__index") == LUA_TTABLE)
		add_fields(L, lua_gettop(L), lua_tostring(L, -2), word);
	lua_settop(L, v - 1);
}

static void add_globals(lua_State *L, const char *word)
{
	static const char *const keywords[] = {
		"and", "break", "do", "else", "elseif", "end", "false", "for",
		"function", "goto", "if", "in", "local", "nil", "not", "or",
		"repeat", "return", "then", "true", "until", "while",
	};
	size_t i;

	for (i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
		add_candidate(L, keywords[i], strlen(keywords[i]), word);
	lua_pushglobaltable(L);
	add_fields(L, lua_gettop(L), "", word);
	lua_pop(L, 1);
}

/*
 * collect(before, word): the set of completions of @word, given the line
 * @before it.  Run protected: it touches only raw fields, but may still
 * run out of memory.
 */
static int collect(lua_State *L)
{
	const char *before = luaL_checkstring(L, 1);
	const char *word = luaL_checkstring(L, 2);
	size_t sep = strlen(word);

	lua_settop(L, 2);
	lua_newtable(L);
	while (sep > 0 && word[sep - 1] != '.' && word[sep - 1] != ':')
		sep--;
	if (in_string(before) || shell_argument(before))
		add_strings(L, word);
	else if (sep > 0)
		add_path(L, word, sep - 1);
	else
		add_globals(L, word);
	return 1;
}

/* The completions being handed to readline, sorted. */
static char **matches;
static size_t nmatches, next_match;

static int match_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_matches(void)
{
	while (nmatches > 0)
		free(matches[--nmatches]);
	free(matches);
	matches = NULL;
}

/* Copy the candidate set on top of the stack into matches[]. */
static void take_matches(lua_State *L)
{
	size_t n = 0;

	lua_pushnil(L);
	while (lua_next(L, -2) != 0) {
		lua_pop(L, 1);
		n++;
	}
	if ((matches = calloc(n ? n : 1, sizeof *matches)) == NULL)
		return;
	lua_pushnil(L);
	while (lua_next(L, -2) != 0) {
		lua_pop(L, 1);
		if ((matches[nmatches] = strdup(lua_tostring(L, -1))) != NULL)
			nmatches++;
	}
	qsort(matches, nmatches, sizeof *matches, match_cmp);
}

/* readline's generator: hand out matches[] one by one. */
static char *next_completion(const char *text, int state)
{
	(void)text;
	if (state == 0)
		next_match = 0;
	return next_match < nmatches ? strdup(matches[next_match++]) : NULL;
}

static char **complete(const char *text, int start, int end)
{
	lua_State *L = complete_L;
	int top = lua_gettop(L);
	char **result = NULL;

	(void)end;
	rl_attempted_completion_over = 1;	/* never complete file names */
	rl_completion_append_character = '\0';
	lua_pushcfunction(L, collect);
	lua_pushlstring(L, rl_line_buffer, (size_t)start);
	lua_pushstring(L, text);
	if (lua_pcall(L, 2, 1, 0) == LUA_OK) {
		take_matches(L);
		if (nmatches > 0)
			result = rl_completion_matches(text, next_completion);
		free_matches();
	}
	lua_settop(L, top);
	return result;
}

/* --- reading lines --------------------------------------------------- */

enum read_status { READ_LINE, READ_EOF, READ_INTR };

static void tty_init(lua_State *L)
{
	complete_L = L;
	rl_readline_name = PROGNAME;
#ifndef THPSH_LIBEDIT
	/*
	 * Lines one at a time, as libedit and lua.c read them: a pasted
	 * chunk continues on the second prompt.  (Bracketed paste would
	 * also emit a carriage return whenever the terminal is restored.)
	 */
	rl_initialize();
	rl_variable_bind("enable-bracketed-paste", "off");
#endif
	rl_catch_signals = 0;	/* SIGINT is ours: see read_tty() */
	rl_attempted_completion_function = complete;
	rl_basic_word_break_characters = word_breaks;
	rl_completer_word_break_characters = word_breaks;
	history_init();
	tty_ready = 1;
}

static void on_line(char *line)
{
	rl_line = line;
	rl_got_line = 1;
	rl_callback_handler_remove();
}

/* Wait for input on the terminal: READ_LINE when there is some. */
static enum read_status wait_input(void)
{
	struct pollfd p = { .fd = fileno(rl_instream ? rl_instream : stdin),
			    .events = POLLIN };
	sigset_t block, old;
	int n;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &old);	/* no Ctrl-C lost before ppoll */
	do {
		n = sigint_pending ? -1 : ppoll(&p, 1, NULL, &old);
	} while (n < 0 && errno == EINTR && !sigint_pending);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (sigint_pending)
		return READ_INTR;
	if (n < 0 || (p.revents & (POLLHUP | POLLERR | POLLNVAL) &&
		      !(p.revents & POLLIN)))
		return READ_EOF;
	return READ_LINE;
}

/*
 * Abandon the line being typed after Ctrl-C, as a shell does: leave it
 * on the screen, marked ^C where the cursor can be put after it, and
 * clear it for the next read.
 */
static void cancel_line(void)
{
	sigint_pending = 0;
#ifdef THPSH_LIBEDIT	/* whose rl_redisplay() would queue a ^R instead */
	rl_replace_line("", 0);
	rl_free_line_state();
	rl_cleanup_after_signal();
	rl_callback_handler_remove();
	fputs("\n", stdout);
#else
	rl_point = rl_end;
	rl_redisplay();
	rl_free_line_state();
	rl_callback_sigcleanup();
	rl_cleanup_after_signal();
	rl_callback_handler_remove();
	fputs("^C\n", stdout);
#endif
	fflush(stdout);
}

static enum read_status read_tty(lua_State *L, const char *prompt,
				 char **line)
{
	enum read_status st;

	if (!tty_ready)
		tty_init(L);
	sigint_pending = 0;
	rl_got_line = 0;
	rl_callback_handler_install(prompt, on_line);
	while (!rl_got_line) {
		st = wait_input();
		if (st == READ_INTR) {
			cancel_line();
			return st;
		}
		if (st == READ_EOF) {
			rl_callback_handler_remove();
			return st;
		}
		rl_callback_read_char();
	}
	*line = rl_line;
	return rl_line != NULL ? READ_LINE : READ_EOF;
}

static enum read_status read_plain(char **line)
{
	size_t cap = 0;
	ssize_t n;

	*line = NULL;
	errno = 0;
	n = getline(line, &cap, stdin);
	if (n < 0) {
		free(*line);
		if (errno == EINTR && sigint_pending) {
			clearerr(stdin);
			sigint_pending = 0;
			return READ_INTR;
		}
		return READ_EOF;
	}
	if (n > 0 && (*line)[n - 1] == '\n')
		(*line)[n - 1] = '\0';
	return READ_LINE;
}

/*
 * Read one line into *@line (free() it), prompting with the prompt of
 * the current level, the second prompt when @more.
 */
static enum read_status read_line(lua_State *L, int more, char **line)
{
	enum read_status st;
	const char *prompt;

	if (!isatty(STDIN_FILENO))
		return read_plain(line);
	if (level_name != NULL && !more) {
		prompt = lua_pushfstring(L, "thpsh [%s]> ", level_name);
	} else {
		lua_getglobal(L, more ? "_PROMPT2" : "_PROMPT");
		prompt = lua_tostring(L, -1);
		if (prompt == NULL)
			prompt = more ? PROMPT2 : PROMPT1;
	}
	st = read_tty(L, prompt, line);
	lua_pop(L, 1);
	return st;
}

/* --- compiling input ------------------------------------------------- */

/* Is the load error on top of the stack only a premature end of input? */
static int incomplete(lua_State *L, int status)
{
	size_t len, marklen = sizeof EOFMARK - 1;
	const char *msg;

	if (status != LUA_ERRSYNTAX)
		return 0;
	msg = lua_tolstring(L, -1, &len);
	return len >= marklen && strcmp(msg + len - marklen, EOFMARK) == 0;
}

/* Add the shell-style word @w (@n bytes) to @b as a Lua value. */
static void add_word(lua_State *L, luaL_Buffer *b, const char *w, size_t n)
{
	static const char *const literals[] = { "true", "false", "nil" };
	int literal = 0;
	size_t i;

	for (i = 0; i < sizeof literals / sizeof literals[0]; i++)
		if (strlen(literals[i]) == n && memcmp(literals[i], w, n) == 0)
			literal = 1;
	lua_pushlstring(L, w, n);
	if (lua_stringtonumber(L, lua_tostring(L, -1)) != 0) {
		lua_pop(L, 1);
		literal = 1;
	}
	lua_pop(L, 1);
	if (literal) {
		luaL_addlstring(b, w, n);
		return;
	}
	luaL_addchar(b, '"');
	for (i = 0; i < n; i++) {
		if (w[i] == '"' || w[i] == '\\')
			luaL_addchar(b, '\\');
		luaL_addchar(b, w[i]);
	}
	luaL_addchar(b, '"');
}

/* Length of the word at @s: a quoted string whole, else up to a blank. */
static size_t word_len(const char *s)
{
	const char *p = s + 1;

	if (*s != '"' && *s != '\'')
		return strcspn(s, " \t");
	while (*p != '\0' && *p != *s)
		p += p[0] == '\\' && p[1] != '\0' ? 2 : 1;
	return (size_t)(p - s) + (*p != '\0');
}

/* Push "return cmd(arg, ...)" for the shell-style line @line. */
static void push_shell_call(lua_State *L, const char *line)
{
	luaL_Buffer b;
	size_t n;
	int nargs = 0;

	line += strspn(line, " \t");
	n = name_len(line);
	luaL_buffinit(L, &b);
	luaL_addstring(&b, "return ");
	luaL_addlstring(&b, line, n);
	luaL_addchar(&b, '(');
	for (line += n; *(line += strspn(line, " \t")) != '\0'; line += n) {
		if (nargs++ > 0)
			luaL_addstring(&b, ", ");
		n = word_len(line);
		if (*line == '"' || *line == '\'')
			luaL_addlstring(&b, line, n);
		else
			add_word(L, &b, line, n);
	}
	luaL_addchar(&b, ')');
	luaL_pushresult(&b);
}

static int load_string(lua_State *L, const char *s)
{
	return luaL_loadbuffer(L, s, strlen(s), CHUNKNAME);
}

/* Does @line start with a command that is still the global of its name? */
static int starts_with_command(lua_State *L, const char *line)
{
	const struct thp_command *c = shell_command(line);
	int still;

	if (c == NULL)
		return 0;
	lua_pushglobaltable(L);
	lua_pushstring(L, c->name);
	lua_rawget(L, -2);
	still = thp_command_is(L, -1, c);
	lua_pop(L, 2);
	return still;
}

/* Is @line a command's name alone: `help`, `continue`? */
static int command_alone(lua_State *L, const char *line)
{
	const char *s = line + strspn(line, " \t");

	s += name_len(s);
	return s[strspn(s, " \t")] == '\0' && starts_with_command(L, line);
}

/*
 * Compile the input on top of the stack (lines joined by \n), replacing
 * it by the function or the error message.  Returns the load status;
 * *@more is set when the input is incomplete.  A single line tries, in
 * order: a command alone, `return <line>`, <line>, a shell-style call.
 */
static int compile(lua_State *L, int single, int *more)
{
	const char *input = lua_tostring(L, -1);
	int status;

	*more = 0;
	if (single && command_alone(L, input)) {
		push_shell_call(L, input);
		status = load_string(L, lua_tostring(L, -1));
		lua_remove(L, -2);
	} else {
		lua_pushfstring(L, "return %s", input);
		status = load_string(L, lua_tostring(L, -1));
		lua_remove(L, -2);
		if (status != LUA_OK) {
			lua_pop(L, 1);
			status = load_string(L, input);
		}
		*more = incomplete(L, status);
		if (status != LUA_OK && !*more && single &&
		    starts_with_command(L, input)) {
			push_shell_call(L, input);
			if (load_string(L, lua_tostring(L, -1)) == LUA_OK) {
				lua_replace(L, -3);	/* over the Lua error */
				lua_pop(L, 1);
				status = LUA_OK;
			} else {
				lua_pop(L, 2);	/* the Lua error says more */
			}
		}
	}
	lua_remove(L, -2);	/* the input */
	return status;
}

/*
 * Read a chunk - a line, and more lines while it is incomplete - and
 * compile it: push the function, or the message of its syntax error,
 * and set *@status.  Returns READ_EOF or READ_INTR when no chunk was
 * read, pushing nothing.
 */
static enum read_status read_chunk(lua_State *L, int *status)
{
	enum read_status st;
	char *line;
	int more = 0, nlines = 0;

	do {
		st = read_line(L, nlines > 0, &line);
		if (st != READ_LINE) {
			if (nlines == 0)
				return st;
			if (st == READ_INTR) {
				lua_pop(L, 2);	/* the input and its error */
				return st;
			}
			break;	/* end of input inside a chunk: its error stands */
		}
		if (nlines++ == 0) {
			lua_pushstring(L, line);
		} else {
			lua_pop(L, 1);	/* the error that asked for more */
			lua_pushfstring(L, "%s\n%s", lua_tostring(L, -1), line);
			lua_remove(L, -2);
		}
		free(line);
		lua_pushvalue(L, -1);
		*status = compile(L, nlines == 1, &more);
	} while (more);
	if (!more && tty_ready && isatty(STDIN_FILENO))
		history_save(lua_tostring(L, -2));
	lua_remove(L, -2);
	return READ_LINE;
}

/* --- the loop -------------------------------------------------------- */

/* Run the compiled chunk on top of the stack and print its values. */
static void run_chunk(lua_State *L)
{
	int base = lua_gettop(L) - 1;
	int status = prompt_docall(L, 0, LUA_MULTRET);

	if (status == LUA_OK)
		status = prompt_print(L, lua_gettop(L) - base, 0);
	prompt_report(L, status);
	lua_settop(L, base);
}

int prompt_loop(lua_State *L, const char *name)
{
	const char *outer_name = level_name;
	sig_atomic_t was_running = chunk_running;
	enum prompt_end end = PROMPT_EOF;
	struct sigaction old;
	int top = lua_gettop(L), status = LUA_OK;

	luaL_checkstack(L, LUA_MINSTACK, "no room for a prompt");
	depth++;
	level_name = name;
	chunk_running = 0;
	sigint_L = L;
	catch_sigint(&old);
	for (;;) {
		enum read_status st = read_chunk(L, &status);

		if (st == READ_EOF)
			break;
		if (st == READ_INTR)
			continue;
		if (status == LUA_OK)
			run_chunk(L);
		else
			prompt_report(L, status);
		lua_settop(L, top);
		if (leave_depth == depth) {
			end = PROMPT_CONTINUE;
			break;
		}
	}
	if (end == PROMPT_EOF && isatty(STDIN_FILENO))
		fputc('\n', stdout);
	fflush(stdout);
	sigaction(SIGINT, &old, NULL);
	if (leave_depth >= depth)
		leave_depth = 0;
	chunk_running = was_running;
	level_name = outer_name;
	depth--;
	lua_settop(L, top);
	return end;
}

/* --- commands -------------------------------------------------------- */

int cmd_continue(lua_State *L)
{
	if (depth == 0 || level_name == NULL)
		return luaL_error(L, "continue: not at a nested prompt");
	leave_depth = depth;
	return 0;
}

int cmd_prompt(lua_State *L)
{
	const char *name = luaL_optstring(L, 1, NULL);
	size_t len;

	if (name == NULL) {	/* after the caller: "script.lua:12: " less ": " */
		luaL_where(L, 1);
		name = lua_tolstring(L, -1, &len);
		name = len > 2 ? lua_pushlstring(L, name, len - 2) : "prompt";
	}
	prompt_loop(L, name);
	return 0;
}

const char *prompt_lineedit(void)
{
#ifdef THPSH_LIBEDIT
	return "libedit";
#else
	static char version[32];

	snprintf(version, sizeof version, "GNU readline %s",
		 rl_library_version);
	return version;
#endif
}
