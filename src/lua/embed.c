/*
 * embed.c - require for the Lua files compiled into the binary.
 */
#include <lua.h>
#include <lauxlib.h>

#include "embed.h"

/* package.preload loader: run the embedded file at index upvalue 1. */
static int load_embedded(lua_State *L)
{
	const struct thp_luafile *f =
		&thp_luafiles[lua_tointeger(L, lua_upvalueindex(1))];

	lua_pushfstring(L, "@%s", f->path);
	if (luaL_loadbuffer(L, (const char *)f->text, f->len,
			    lua_tostring(L, -1)) != LUA_OK)
		return luaL_error(L, "error loading module '%s' from %s:\n\t%s",
				  f->module, f->path, lua_tostring(L, -1));
	lua_pushstring(L, f->module);
	lua_pushstring(L, f->path);
	lua_call(L, 2, 1);
	return 1;
}

void thp_luafiles_open(lua_State *L)
{
	const struct thp_luafile *f;

	luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
	for (f = thp_luafiles; f->module != NULL; f++) {
		lua_pushinteger(L, f - thp_luafiles);
		lua_pushcclosure(L, load_embedded, 1);
		lua_setfield(L, -2, f->module);
	}
	lua_pop(L, 1);
}
