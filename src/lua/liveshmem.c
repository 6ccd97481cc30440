/*
 * liveshmem.c - tmpfs on the live kernel: tmpfs() mounts a real tmpfs
 * with the script's options, in thpsh's own mount namespace on a fresh
 * directory under /tmp, and remembers the path the script gave it; the
 * script's file paths (opts.file of mmap, truncate) are translated to
 * that directory.  The mounts go when the session ends (the guard
 * unmounts them) and are never seen by other processes.
 */
#include "livecmds.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <lauxlib.h>

#include "machine.h"
#include "util.h"

#define LIVE_MOUNTS	16
#define LIVE_PATH	128

static struct {
	char path[LIVE_PATH];		/* as the script names it: "/t" */
	char dir[64];			/* where it is: /tmp/thpsh-tmpfs.XXXXXX */
	char huge[16];			/* its huge= option */
} mounts[LIVE_MOUNTS];
static int nmounts;

void thp_live_tmpfs_forget(void)
{
	nmounts = 0;
}

int thp_live_tmpfs_file(const char *path, char *real, size_t len)
{
	const char *name = strrchr(path, '/');
	int i;

	for (i = 0; name && i < nmounts; i++) {
		if ((size_t)(name - path) == strlen(mounts[i].path) &&
		    !strncmp(path, mounts[i].path, (size_t)(name - path))) {
			snprintf(real, len, "%s%s", mounts[i].dir, name);
			return 0;
		}
	}
	return -ENOENT;
}

static void push_files(lua_State *L, int m)
{
	struct dirent **names;
	int n = scandir(mounts[m].dir, &names, NULL, alphasort), i, k = 0;

	lua_newtable(L);
	for (i = 0; i < n; i++) {
		char real[320];
		struct stat st;

		snprintf(real, sizeof(real), "%s/%s", mounts[m].dir, names[i]->d_name);
		if (names[i]->d_name[0] != '.' && !stat(real, &st)) {
			lua_newtable(L);
			lua_pushfstring(L, "%s/%s", mounts[m].path, names[i]->d_name);
			lua_setfield(L, -2, "name");
			thp_setint(L, "size", (long long)st.st_size);
			thp_setint(L, "nrpages", (long long)st.st_blocks * 512 / LIVE_PAGE_SIZE);
			lua_rawseti(L, -2, ++k);
		}
		free(names[i]);
	}
	free(names);
}

/* { path, huge, size, used, files } of mount @m, statfs telling the sizes. */
static void push_mount(lua_State *L, int m)
{
	struct statfs sf;

	if (statfs(mounts[m].dir, &sf))
		memset(&sf, 0, sizeof(sf));
	lua_newtable(L);
	thp_setstr(L, "path", mounts[m].path);
	thp_setstr(L, "huge", mounts[m].huge);
	thp_setint(L, "size", (long long)(sf.f_blocks * (unsigned long)sf.f_bsize));
	thp_setint(L, "used", (long long)((sf.f_blocks - sf.f_bfree) * (unsigned long)sf.f_bsize));
	push_files(L, m);
	lua_setfield(L, -2, "files");
}

/* The huge= of @options, "never" without one. */
static void huge_option(const char *options, char *out, size_t len)
{
	const char *h = strstr(options, "huge=");

	if (h && (h == options || h[-1] == ','))
		snprintf(out, len, "%.*s", (int)strcspn(h + 5, ","), h + 5);
	else
		snprintf(out, len, "never");
}

/* tmpfs([path [, options]]) -> the mount, or every mount. */
int livecmd_tmpfs(lua_State *L)
{
	const char *path, *options;
	int i, id;

	thp_live_current(L, "tmpfs");
	if (lua_isnoneornil(L, 1)) {
		lua_newtable(L);
		for (i = 0; i < nmounts; i++) {
			push_mount(L, i);
			lua_rawseti(L, -2, i + 1);
		}
		return 1;
	}
	path = thp_checkpath(L, 1, "tmpfs", LIVE_PATH);
	options = luaL_optstring(L, 2, "");
	for (i = 0; i < nmounts; i++)
		if (!strcmp(mounts[i].path, path))
			return thp_errorf(L, "tmpfs: cannot mount at %s: a tmpfs is mounted there "
					  "already (EBUSY)", path);
	if (nmounts == LIVE_MOUNTS)
		return thp_errorf(L, "tmpfs: at most %d mounts", LIVE_MOUNTS);
	id = live_mount("tmpfs", options, mounts[nmounts].dir, sizeof(mounts[0].dir));
	if (id == -EINVAL)
		return thp_errorf(L, "tmpfs: mount options \"%s\": the kernel refuses them "
				  "(EINVAL)", options);
	if (id < 0)
		return thp_errorf(L, "tmpfs: cannot mount at %s (%s)", path, thp_errname(id));
	snprintf(mounts[nmounts].path, sizeof(mounts[0].path), "%s", path);
	huge_option(options, mounts[nmounts].huge, sizeof(mounts[0].huge));
	push_mount(L, nmounts++);
	return 1;
}

/* truncate(file, len): ftruncate(2) of the file on its real mount. */
int livecmd_truncate(lua_State *L)
{
	const char *path = thp_checkpath(L, 1, "truncate", LIVE_PATH);
	lua_Integer len = thp_checksize(L, 2, "truncate");
	char real[320];

	thp_live_current(L, "truncate");
	if (thp_live_tmpfs_file(path, real, sizeof(real)) || access(real, F_OK))
		return thp_errorf(L, "truncate: no file %s on a tmpfs (ENOENT)", path);
	if (truncate(real, (off_t)len))
		return thp_errorf(L, "truncate: %s: length %lld is refused (%s)", path,
				  (long long)len, thp_errname(-errno));
	return 0;
}
