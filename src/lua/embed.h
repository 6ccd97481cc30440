/*
 * embed.h - the Lua files of lua/, compiled into the binary.
 *
 * The Makefile turns every lua/<dir>/<name>.lua into a byte array of
 * $(O)/luafiles.c, so `require "<dir>.<name>"` works wherever thpsh is
 * run from, with nothing installed beside it.
 */
#ifndef THPSH_EMBED_H
#define THPSH_EMBED_H

#include <stddef.h>

#include <lua.h>

struct thp_luafile {
	const char *module;		/* require name: "thpsh.test" */
	const char *path;		/* source path: "lua/thpsh/test.lua" */
	const unsigned char *text;	/* the file's bytes */
	size_t len;			/* their number */
};

/* All embedded files, ended by a row whose module is NULL (generated). */
extern const struct thp_luafile thp_luafiles[];

/* Make every embedded file loadable by require (package.preload). */
void thp_luafiles_open(lua_State *L);

#endif /* THPSH_EMBED_H */
