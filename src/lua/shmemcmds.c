/*
 * shmemcmds.c - tmpfs: mounting one (tmpfs), shrinking or growing a
 * file (truncate), looking into a file's page cache (pagecache), and
 * opening the file an mmap with opts.file maps.
 *
 * Paths are checked here so that the simulated kernel only sees
 * well-formed ones: absolute, no trailing slash, no empty component.
 */
#include "machine.h"

#include <string.h>

#include <lauxlib.h>

#include "shadow.h"
#include "util.h"
#include "mm/shmem_fs.h"

/* Room left in a path for a file name under a mount point. */
#define MOUNT_PATH_MAX	(SHMEM_PATH_MAX / 2)

static void push_file(lua_State *L, const struct shmem_file *file)
{
	lua_newtable(L);
	thp_setstr(L, "name", file->name);
	thp_setint(L, "size", file->i_size);
	thp_setint(L, "nrpages", (long long)file->f_mapping.nrpages);
}

static void push_mount(lua_State *L, struct shmem_sb_info *sb)
{
	static const char *const huge[] = { "never", "always", "within_size", "advise" };
	struct shmem_file *file;
	int i = 0;

	lua_newtable(L);
	thp_setstr(L, "path", sb->path);
	thp_setstr(L, "huge", huge[sb->huge]);
	thp_setint(L, "size", (long long)(sb->max_blocks * PAGE_SIZE));
	thp_setint(L, "used", (long long)(sb->used_blocks * PAGE_SIZE));
	lua_newtable(L);
	list_for_each_entry(file, &sb->files, sb_list) {
		push_file(L, file);
		lua_rawseti(L, -2, ++i);
	}
	lua_setfield(L, -2, "files");
}

/*
 * tmpfs(path [, options]) -> the mount: { path, huge, size, used,
 * files }.  tmpfs() -> every mount.
 */
int cmd_tmpfs(lua_State *L)
{
	struct shmem_sb_info *sb = NULL;
	const char *path, *options, *why = "";
	int err, i = 0;

	thp_task(L);
	if (lua_isnoneornil(L, 1)) {
		lua_newtable(L);
		while ((sb = shmem_mount_iter(sb))) {
			push_mount(L, sb);
			lua_rawseti(L, -2, ++i);
		}
		return 1;
	}
	path = thp_checkpath(L, 1, "tmpfs", MOUNT_PATH_MAX);
	options = luaL_optstring(L, 2, "");
	thp_check_mutable(L, "tmpfs");
	err = shmem_mount(path, options, &why);
	if (err == -EINVAL)
		return thp_errorf(L, "tmpfs: mount options \"%s\": %s", options, why);
	if (err)
		return thp_errorf(L, "tmpfs: cannot mount at %s: %s (%s)", path, why,
				  thp_errname(err));
	push_mount(L, shmem_mount_lookup(path));
	return 1;
}

static struct shmem_file *check_file(lua_State *L, int arg, const char *cmd)
{
	const char *path = thp_checkpath(L, arg, cmd, SHMEM_PATH_MAX);
	struct shmem_file *file = shmem_file_lookup(path);

	if (!file)
		thp_errorf(L, "%s: no file %s on a tmpfs (ENOENT)", cmd, path);
	return file;
}

/* truncate(file, len): ftruncate(2), shrinking (unmapping, splitting) or growing. */
int cmd_truncate(lua_State *L)
{
	struct shmem_file *file;
	lua_Integer len;
	long long old_size;
	int err;

	thp_task(L);
	file = check_file(L, 1, "truncate");
	len = thp_checksize(L, 2, "truncate");
	thp_check_mutable(L, "truncate");
	old_size = file->i_size;
	err = shmem_setattr_size(file, len);
	if (err)
		return thp_errorf(L, "truncate: %s: length %lld refused (%s)", file->name,
				  (long long)len, thp_errname(err));
	shadow_truncate(file, old_size, len);
	return 0;
}

/* pagecache(file) -> the folios cached, by index: { index, pfn, order, ... }. */
int cmd_pagecache(lua_State *L)
{
	struct shmem_file *file;
	unsigned long index = 0;
	struct folio *folio;
	int i = 0;

	thp_task(L);
	file = check_file(L, 1, "pagecache");
	lua_newtable(L);
	while ((folio = xa_find(&file->f_mapping.i_pages, &index, ~0UL))) {
		if (xa_is_value(folio)) {	/* swapped out: listed by swap() */
			index++;
			continue;
		}
		lua_newtable(L);
		thp_setint(L, "index", (long long)folio->index);
		thp_setint(L, "pfn", (long long)folio_pfn(folio));
		thp_setint(L, "order", folio_order(folio));
		thp_setint(L, "refcount", folio_ref_count(folio));
		thp_setint(L, "mapcount", folio_mapcount(folio));
		thp_setbool(L, "dirty", folio_test_dirty(folio));
		lua_rawseti(L, -2, ++i);
		index = folio->index + folio_nr_pages(folio);
		if (!index)
			break;
	}
	return 1;
}

/*
 * The file opts.file of an mmap names, opened (created @size bytes
 * long if new) with a reference the caller drops with fput.  *@created
 * says whether it is new, for the caller to undo a failed mmap.
 */
struct shmem_file *thp_mmap_open(lua_State *L, int arg, long long size, bool *created)
{
	const char *path = thp_checkpath(L, arg, "mmap", SHMEM_PATH_MAX);
	struct shmem_file *file;
	int err;

	*created = !shmem_file_lookup(path);
	file = shmem_file_open(path, size, &err);
	if (err == -ENOENT)
		thp_errorf(L, "mmap: %s is not on a tmpfs: mount one at its directory with "
			   "tmpfs(path)", path);
	if (!file)
		thp_errorf(L, "mmap: cannot create %s (%s)", path, thp_errname(err));
	return file;
}
