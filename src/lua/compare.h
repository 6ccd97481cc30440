/*
 * compare.h - thpsh --compare: one script, run on the simulation and on
 * the live kernel, and every observation that differs (the rules are
 * those of lua/thpsh/compare.lua and of the man page).
 */
#ifndef THPSH_COMPARE_H
#define THPSH_COMPARE_H

#include <lua.h>

/*
 * Run the script at @path with the @nargs arguments @args on both
 * backends, each in a fresh state opened by @open_libraries (the
 * script's output is discarded), and report the differences on standard
 * output; @L runs the comparison.  Writes to /sys need @allow_sysfs.
 * Returns 1 when the backends agree; raises an error when the script
 * cannot be run at all.
 */
int thp_compare(lua_State *L, const char *path, int nargs, char **args, int allow_sysfs,
		void (*open_libraries)(lua_State *L));

#endif /* THPSH_COMPARE_H */
