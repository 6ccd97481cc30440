/*
 * prompt.h - the interactive prompt, and running chunks the way it does.
 *
 * The prompt follows lua.c: a line is compiled as `return <line>` first,
 * so an expression prints its values (show.h); input whose only syntax
 * error is at its end continues on the second prompt; chunks run under
 * a traceback handler; an error prints its message and traceback and
 * the prompt goes on.  Beyond lua.c:
 *
 * - Shell-style lines.  A line whose first word is a command (commands.h)
 *   and that is not valid Lua, or is that word alone, is a call:
 *   `munmap 0x7f0000001000 4K` runs `return munmap(0x7f0000001000, "4K")`.
 *   Numbers, true, false, nil and quoted strings stay what they are;
 *   other words become strings.
 * - Ctrl-C while a chunk runs raises "interrupted!" in it, through a hook
 *   set only then; Ctrl-C at the prompt discards the input being typed.
 *   A long computation inside one C function ends before the hook fires.
 * - Tab completes global names, keywords and table fields (`string.fo`);
 *   inside a string literal, or after the first word of a shell-style
 *   line, it completes command names and the strings of the global list
 *   _COMPLETE_STRINGS.
 * - History is kept in $THPSH_HISTORY, else ~/.thpsh_history (empty
 *   THPSH_HISTORY: none), one entry per line with \n and \\ escaped,
 *   appended as each complete chunk is read; only the last 1000 are kept.
 * - When standard input is not a terminal, lines are read plainly: no
 *   prompts, no line editing, no history, no escape codes.
 *
 * One lua_State, one thread: the prompt keeps its state in statics.
 */
#ifndef THPSH_PROMPT_H
#define THPSH_PROMPT_H

#include <lua.h>

/* Why prompt_loop() returned. */
enum prompt_end {
	PROMPT_EOF,		/* end of input (Ctrl-D) */
	PROMPT_CONTINUE,	/* `continue` was called at a nested prompt */
};

/*
 * Read, run and print until end of input or, for a nested prompt, until
 * `continue`.  @name NULL is the top-level prompt, shown as _PROMPT
 * ("thpsh> " when unset); any other name opens a nested prompt shown as
 * "thpsh [name]> ", where `continue` returns.
 *
 * Re-entrant: a C function running under a prompt (a breakpoint inside
 * a simulated kernel function) may call prompt_loop() to stop there and
 * let the user inspect, then carry on when it returns.  It leaves the
 * stack as it found it and raises nothing: errors of the lines read are
 * reported and the prompt goes on.  Returns an enum prompt_end.
 */
int prompt_loop(lua_State *L, const char *name);

/*
 * Call the function below the @narg arguments on top of the stack, as
 * lua_pcall(L, narg, nres, handler) with a handler that adds a traceback,
 * and with Ctrl-C raising "interrupted!" in it (lua.c's docall).
 * Returns the lua_pcall status; on error the message is on the stack.
 */
int prompt_docall(lua_State *L, int narg, int nres);

/*
 * Print the @n values on top of the stack as the prompt does - readably,
 * separated by tabs, on one line - or, when @json, as JSON, one value a
 * line; pop them.  Returns a lua_pcall status: a failing __tostring or
 * a value JSON cannot hold leaves its message on the stack.
 */
int prompt_print(lua_State *L, int n, int json);

/*
 * If @status is an error, print the message on top of the stack to
 * stderr as "thpsh: message" and pop it.  Returns @status.
 */
int prompt_report(lua_State *L, int status);

/* The line-editing library built in, for --version: "GNU readline 8.2". */
const char *prompt_lineedit(void);

/* The `continue` command: leave the innermost nested prompt. */
int cmd_continue(lua_State *L);

/* The `prompt` command: prompt([name]) opens a nested prompt. */
int cmd_prompt(lua_State *L);

#endif /* THPSH_PROMPT_H */
