/*
 * live.c - the live-kernel backend's session, and the installation of
 * its commands in place of the simulated ones.
 *
 * A session (one per Lua state) owns the live processes (agents, see
 * src/live/agent.c) that the script knows by thpsh's pid numbers
 * (1, 2, ... as the simulation counts them), the address ranges the
 * script mapped (so that smaps(), ps() and events() report the
 * script's memory and not the agents' own), and the counters at its
 * start (vmstat() and mthp_stats() are deltas since then: other
 * processes move the global counters too).  It ends, leaving the
 * machine as found, when the Lua state is closed; src/live/guard.c
 * covers the other ways thpsh can end.
 */
#include "livecmds.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/swap.h>
#include <unistd.h>

#include <lauxlib.h>

#include "commands.h"
#include "machine.h"
#include "util.h"

#define NR_BUDDY_ORDERS 11

#define LIVE_PROCS	64
#define LIVE_REGIONS	512
#define LIVE_PIDS	256
#define LIVE_MTHP_SIZES	16

/*
 * One live session at a time on the machine: a session's settings (and
 * its THPs) would disturb another's observations, for instance while
 * two `make check` runs go at once.
 */
#define LIVE_LOCK	"/run/lock/thpsh-live.lock"

static struct {
	int active;
	int lock;			/* LIVE_LOCK, held with flock */
	int allow_sysfs;		/* --allow-sysfs */
	struct live_agent procs[LIVE_PROCS];
	int nprocs;
	int current;			/* index into procs */
	int last_vpid;
	struct {
		unsigned long start, end;
	} regions[LIVE_REGIONS];	/* what mmap and mremap returned */
	int nregions;
	pid_t pids[LIVE_PIDS];		/* every process of the session, and thpsh */
	int npids;
	struct live_stats vmstat0;
	struct live_stats mthp0[LIVE_MTHP_SIZES];
} S;

/* --- the session ----------------------------------------------------- */

const char *thp_live_unusable(void)
{
	static char why[160];
	uint64_t e;
	int fd;

	if (geteuid() != 0)
		return "it needs root (pfns in pagemap, /proc/kpageflags, tracefs)";
	if (access(LIVE_THP "/enabled", R_OK))
		return "this kernel has no transparent huge pages (" LIVE_THP ")";
	if (live_kpageflags(0, &e, 1)) {
		snprintf(why, sizeof(why), "/proc/kpageflags is not readable (%s)",
			 strerror(errno));
		return why;
	}
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || live_scan_page(fd, (unsigned long)&e & ~(LIVE_PAGE_SIZE - 1), &e)) {
		if (fd >= 0)
			close(fd);
		return "this kernel lacks the PAGEMAP_SCAN ioctl (Linux 6.7 or later)";
	}
	close(fd);
	return NULL;
}

static void add_pid(pid_t pid)
{
	if (S.npids < LIVE_PIDS)
		S.pids[S.npids++] = pid;
}

static int session_end(lua_State *L)
{
	(void)L;
	while (S.nprocs > 0)
		live_agent_exit(&S.procs[--S.nprocs]);
	live_trace_end();
	thp_live_tmpfs_forget();
	live_guard_undo_all();
	live_procfs_close();
	if (S.lock > 0)
		close(S.lock);		/* lets the next session in */
	memset(&S, 0, sizeof(S));
	return 0;
}

/* Wait until no other thpsh drives the live kernel. */
static void take_lock(lua_State *L)
{
	const char *path = access("/run/lock", W_OK) ? "/tmp/thpsh-live.lock" : LIVE_LOCK;

	S.lock = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (S.lock < 0)
		luaL_error(L, "cannot open %s (%s)", path, strerror(errno));
	if (flock(S.lock, LOCK_EX | LOCK_NB) == 0)
		return;
	fprintf(stderr, "thpsh: waiting for another thpsh on the live kernel (%s)\n", path);
	while (flock(S.lock, LOCK_EX) && errno == EINTR)
		;
}

static void take_baselines(void)
{
	const char *size;
	int i;

	live_vmstat(&S.vmstat0);
	for (i = 0; (size = live_mthp_size(i)) && i < LIVE_MTHP_SIZES; i++)
		live_mthp_stats(size, &S.mthp0[i]);
}

static void session_start(lua_State *L, int allow_sysfs)
{
	const char *why = thp_live_unusable();
	int err;

	if (why)
		luaL_error(L, "the live kernel cannot be used: %s", why);
	if (S.active)
		luaL_error(L, "a live session is already running");
	take_lock(L);
	if ((err = live_guard_start()))
		luaL_error(L, "cannot start the guardian that restores settings (%s)",
			   strerror(-err));
	/* orphaned agents (their parent exited) come back to us to be reaped */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	/*
	 * thpsh's own faults (its Lua heap) must not allocate THPs of any
	 * size while the script's counters are watched; the live processes
	 * undo this for themselves (agent.c).
	 */
	prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
	/* before the first agent: it must see what thpsh mounts (tmpfs) */
	if ((err = live_private_mounts()))
		luaL_error(L, "cannot make a mount namespace of its own (%s)", strerror(-err));
	S.allow_sysfs = allow_sysfs;
	take_baselines();
	add_pid(getpid());
	if ((err = live_agent_spawn(&S.procs[0])))
		luaL_error(L, "cannot start a live process (%s)", strerror(-err));
	S.nprocs = 1;
	S.last_vpid = 1;
	S.active = 1;
	add_pid(S.procs[0].pid);
}

struct live_agent *thp_live_agents(int *n)
{
	*n = S.nprocs;
	return S.procs;
}

static struct live_agent *find_vpid(lua_Integer vpid)
{
	int i;

	for (i = 0; i < S.nprocs; i++)
		if (S.procs[i].vpid == vpid)
			return &S.procs[i];
	return NULL;
}

struct live_agent *thp_live_current(lua_State *L, const char *cmd)
{
	if (!S.active)
		thp_errorf(L, "%s: the live session has ended", cmd);
	return &S.procs[S.current];
}

struct live_agent *thp_live_task(lua_State *L, int arg, const char *cmd)
{
	struct live_agent *a;
	lua_Integer pid;

	if (lua_isnoneornil(L, arg))
		return thp_live_current(L, cmd);
	luaL_checktype(L, arg, LUA_TTABLE);
	if (lua_getfield(L, arg, "pid") == LUA_TNIL) {
		lua_pop(L, 1);
		return &S.procs[S.current];
	}
	pid = luaL_checkinteger(L, -1);
	lua_pop(L, 1);
	thp_live_current(L, cmd);
	if (!(a = find_vpid(pid)))
		thp_errorf(L, "%s: no process %lld", cmd, (long long)pid);
	return a;
}

void thp_live_add_region(unsigned long start, unsigned long len)
{
	int i;

	for (i = 0; i < S.nregions; i++)
		if (S.regions[i].start == start && S.regions[i].end == start + len)
			return;
	if (S.nregions < LIVE_REGIONS) {
		S.regions[S.nregions].start = start;
		S.regions[S.nregions++].end = start + len;
	}
}

int thp_live_in_regions(unsigned long start, unsigned long end)
{
	int i;

	for (i = 0; i < S.nregions; i++)
		if (start < S.regions[i].end && S.regions[i].start < end)
			return 1;
	return 0;
}

static int by_start(const void *a, const void *b)
{
	const unsigned long *x = a, *y = b;

	return x[0] < y[0] ? -1 : x[0] > y[0];
}

int thp_live_regions(unsigned long (*out)[2], int max)
{
	int i, n = 0;

	for (i = 0; i < S.nregions && i < max; i++) {
		out[i][0] = S.regions[i].start;
		out[i][1] = S.regions[i].end;
	}
	qsort(out, (size_t)i, sizeof(out[0]), by_start);
	for (n = 0, max = i, i = 0; i < max; i++) {
		if (n > 0 && out[i][0] <= out[n - 1][1]) {
			if (out[i][1] > out[n - 1][1])
				out[n - 1][1] = out[i][1];
			continue;
		}
		out[n][0] = out[i][0];
		out[n++][1] = out[i][1];
	}
	return n;
}

const struct live_stats *thp_live_base_vmstat(void)
{
	return &S.vmstat0;
}

const struct live_stats *thp_live_base_mthp(const char *size)
{
	const char *s;
	int i;

	for (i = 0; (s = live_mthp_size(i)) && i < LIVE_MTHP_SIZES; i++)
		if (!strcmp(s, size))
			return &S.mthp0[i];
	return NULL;
}

/* --- processes ------------------------------------------------------- */

/* The process named by the integer at @arg, or the current one if none. */
static struct live_agent *opt_pid(lua_State *L, int arg, const char *cmd)
{
	struct live_agent *a;

	if (lua_isnoneornil(L, arg))
		return thp_live_current(L, cmd);
	if (!(a = find_vpid(luaL_checkinteger(L, arg))))
		thp_errorf(L, "%s: no process %lld", cmd, (long long)lua_tointeger(L, arg));
	return a;
}

/* fork([pid]) -> the child's pid. */
static int live_fork(lua_State *L)
{
	struct live_agent *parent = opt_pid(L, 1, "fork");
	int err;

	if (S.nprocs == LIVE_PROCS)
		return thp_errorf(L, "fork: at most %d live processes", LIVE_PROCS);
	err = live_agent_fork(parent, &S.procs[S.nprocs], S.last_vpid + 1);
	if (err)
		return thp_errorf(L, "fork: failed (%s)", thp_errname(err));
	add_pid(S.procs[S.nprocs].pid);
	S.last_vpid++;
	lua_pushinteger(L, S.procs[S.nprocs++].vpid);
	return 1;
}

/* proc(pid): make pid the current process. */
static int live_proc(lua_State *L)
{
	luaL_checkinteger(L, 1);
	S.current = (int)(opt_pid(L, 1, "proc") - S.procs);
	return 0;
}

/* exit([pid]): the process exits; its children go to pid 1. */
static int live_exit(lua_State *L)
{
	struct live_agent *a = opt_pid(L, 1, "exit");
	int i = (int)(a - S.procs), vpid = a->vpid, vppid = a->vppid, j;

	if (vpid == 1)
		return thp_errorf(L, "exit: pid 1 is init, which never exits (the kernel would "
				  "panic); reset() gives a fresh machine");
	live_agent_exit(a);
	memmove(a, a + 1, (size_t)(S.nprocs - i - 1) * sizeof(*a));
	S.nprocs--;
	for (j = 0; j < S.nprocs; j++)
		if (S.procs[j].vppid == vpid)
			S.procs[j].vppid = 1;
	if (S.current == i)
		S.current = (int)((find_vpid(vppid) ? find_vpid(vppid) : find_vpid(1)) - S.procs);
	else if (S.current > i)
		S.current--;
	return 0;
}

struct rss_sum {
	long rss;		/* kB */
	int vmas;
};

static int add_vma_rss(const struct live_vma *v, void *arg)
{
	struct rss_sum *sum = arg;
	int i;

	if (!thp_live_in_regions(v->start, v->end))
		return 0;
	sum->vmas++;
	for (i = 0; i < v->nfields; i++)
		if (!strcmp(v->f[i].name, "Rss"))
			sum->rss += v->f[i].value;
	return 0;
}

/* ps(): the live processes; rss and vmas count the script's mappings. */
static int live_ps(lua_State *L)
{
	int i;

	lua_createtable(L, S.nprocs, 0);
	for (i = 0; i < S.nprocs; i++) {
		struct rss_sum sum = { 0, 0 };

		live_vmas(S.procs[i].pid, 1, add_vma_rss, &sum);
		lua_newtable(L);
		thp_setint(L, "pid", S.procs[i].vpid);
		thp_setint(L, "ppid", S.procs[i].vppid);
		thp_setstr(L, "comm", S.procs[i].vpid == 1 ? "init" : "task");
		thp_setint(L, "os_pid", S.procs[i].pid);
		thp_setint(L, "rss", sum.rss);
		thp_setint(L, "vmas", sum.vmas);
		thp_setbool(L, "current", i == S.current);
		lua_rawseti(L, -2, i + 1);
	}
	return 1;
}

/* --- sysfs and the shrinkers ----------------------------------------- */

static void sysfs_path(lua_State *L, const char *rel, char *path, size_t len)
{
	if (!strncmp(rel, "/sys/kernel/mm/", 15))
		rel += 15;
	if (strstr(rel, ".."))
		thp_errorf(L, "sysfs: %s leaves /sys/kernel/mm", rel);
	snprintf(path, len, "/sys/kernel/mm/%s", rel);
}

/* Write @value, the first write of @path remembering what to restore. */
static void sysfs_store(lua_State *L, const char *rel, const char *path, const char *value)
{
	char old[256], choice[128];
	int err;

	if (!S.allow_sysfs)
		thp_errorf(L, "sysfs: writing %s needs --allow-sysfs (the live kernel's "
			   "settings are everyone's; thpsh restores them when the script ends)", rel);
	if (live_guard_find(LIVE_UNDO_SETTING, path) < 0) {
		if ((err = live_read(path, old, sizeof(old))) < 0)
			thp_errorf(L, "sysfs: no attribute %s under /sys/kernel/mm", rel);
		live_choice(old, choice, sizeof(choice));
		if (live_guard_push(LIVE_UNDO_SETTING, path, choice) < 0)
			thp_errorf(L, "sysfs: too many settings changed to restore them all");
	}
	err = live_write(path, value);
	if (err == -ENOENT)
		thp_errorf(L, "sysfs: no attribute %s under /sys/kernel/mm", rel);
	if (err == -EACCES || err == -EPERM)
		thp_errorf(L, "sysfs: %s is read-only", rel);
	if (err)
		thp_errorf(L, "sysfs: %s rejects %s (%s)", rel, value, thp_errname(err));
}

/* --- swap: zram0 for the length of the script ------------------------ */

#define LIVE_ZRAM	"/dev/zram0"
#define LIVE_ZRAM_SYS	"/sys/block/zram0/"

/* mkswap without mkswap: a version-1 header in the device's first page. */
static int live_mkswap(unsigned long long bytes)
{
	unsigned char page[LIVE_PAGE_SIZE] = { 0 };
	unsigned int version = 1, last_page = (unsigned int)(bytes / LIVE_PAGE_SIZE - 1);
	int fd = open(LIVE_ZRAM, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	memcpy(page + 1024, &version, 4);	/* swap_header.info.version */
	memcpy(page + 1028, &last_page, 4);	/* .last_page; nr_badpages 0 */
	memcpy(page + LIVE_PAGE_SIZE - 10, "SWAPSPACE2", 10);
	n = write(fd, page, sizeof(page));
	n = n == (ssize_t)sizeof(page) && !fsync(fd) ? 0 : -EIO;
	close(fd);
	return (int)n;
}

/*
 * swapon(size [, "zram"]): /dev/zram0 of @size, mkswap'ed and swapped
 * on, as the probes set it up; swapped off and reset when the script
 * ends however it ends (the guard).  Needs --allow-sysfs, and a zram0
 * nobody uses.
 */
static int live_swapon(lua_State *L)
{
	static const char *const kinds[] = { "zram", "file", NULL };
	lua_Integer size = thp_checksize(L, 1, "swapon");
	int kind = luaL_checkoption(L, 2, "zram", kinds), id, err;
	char buf[64];

	if (kind)
		return thp_errorf(L, "swapon: a swap file is not available on the live kernel "
				  "(thpsh swaps to /dev/zram0 there)");
	if (size % (lua_Integer)LIVE_PAGE_SIZE || size < 10 * (lua_Integer)LIVE_PAGE_SIZE)
		return thp_errorf(L, "swapon: size %lld is not a multiple of 4K of at least 40K",
				  (long long)size);
	if (!S.allow_sysfs)
		return thp_errorf(L, "swapon: needs --allow-sysfs (it sets up /dev/zram0; thpsh "
				  "swaps it off and resets it when the script ends)");
	if (live_guard_find(LIVE_UNDO_SWAP, LIVE_ZRAM) >= 0)
		return thp_errorf(L, "swapon: %s is on already (EBUSY): swapoff() it first",
				  LIVE_ZRAM);
	if (live_read(LIVE_ZRAM_SYS "disksize", buf, sizeof(buf)) < 0)
		return thp_errorf(L, "swapon: this machine has no %s (modprobe zram)", LIVE_ZRAM);
	if (strtoull(buf, NULL, 10))
		return thp_errorf(L, "swapon: %s is in use by someone else (disksize %s)",
				  LIVE_ZRAM, buf);
	id = live_guard_push(LIVE_UNDO_SWAP, LIVE_ZRAM, LIVE_ZRAM_SYS "reset");
	if (id < 0)
		return thp_errorf(L, "swapon: too many changes to undo them all");
	snprintf(buf, sizeof(buf), "%lld", (long long)size);
	err = live_write(LIVE_ZRAM_SYS "disksize", buf);
	if (!err)
		err = live_mkswap((unsigned long long)size);
	if (!err && swapon(LIVE_ZRAM, 0))
		err = -errno;
	if (err) {
		live_guard_undo(id);
		return thp_errorf(L, "swapon: setting up %s failed (%s)", LIVE_ZRAM,
				  thp_errname(err));
	}
	return 0;
}

/* swapoff(): everything swapped to zram0 comes back, then the device is reset. */
static int live_swapoff(lua_State *L)
{
	int id = live_guard_find(LIVE_UNDO_SWAP, LIVE_ZRAM);

	if (id < 0)
		return thp_errorf(L, "swapoff: no swap device is on (EINVAL)");
	if (swapoff(LIVE_ZRAM))
		return thp_errorf(L, "swapoff: %s (%s)", LIVE_ZRAM, thp_errname(-errno));
	live_guard_undo(id);
	return 0;
}

/* sysfs(path [, value]): read, or (with --allow-sysfs) write, under /sys/kernel/mm. */
static int live_sysfs(lua_State *L)
{
	const char *rel = luaL_checkstring(L, 1);
	char path[320], buf[4096];

	sysfs_path(L, rel, path, sizeof(path));
	if (!lua_isnoneornil(L, 2)) {
		sysfs_store(L, rel, path, luaL_tolstring(L, 2, NULL));
		return 0;
	}
	if (live_read(path, buf, sizeof(buf)) < 0)
		return thp_errorf(L, "sysfs: no attribute %s under /sys/kernel/mm", rel);
	lua_pushstring(L, buf);
	return 1;
}

/* Folios split so far, as the mTHP stats of every size count them. */
static long long splits_so_far(void)
{
	struct live_stats st;
	const char *size;
	long long n = 0;
	int i;

	for (i = 0; (size = live_mthp_size(i)); i++)
		if (!live_mthp_stats(size, &st))
			n += live_stats_get(&st, "split", NULL);
	return n;
}

/* shrink(): echo 2 > /proc/sys/vm/drop_caches -> folios split (by anyone). */
static int live_shrink(lua_State *L)
{
	long long before;
	int err;

	if (!lua_isnoneornil(L, 1))
		return thp_errorf(L, "shrink: nr_to_scan is not available on the live kernel "
				  "(drop_caches runs every shrinker in full)");
	before = splits_so_far();
	if ((err = live_write("/proc/sys/vm/drop_caches", "2")))
		return thp_errorf(L, "shrink: cannot write /proc/sys/vm/drop_caches (%s)",
				  thp_errname(err));
	lua_pushinteger(L, splits_so_far() - before);
	return 1;
}

/* Free 2 MiB blocks in /proc/buddyinfo (order 9, two per order 10) of @node, or all. */
static long long buddy_free_2m(int node)
{
	char line[512];
	long long n = 0;
	FILE *f = fopen("/proc/buddyinfo", "r");

	while (f && fgets(line, sizeof(line), f)) {
		long long c[NR_BUDDY_ORDERS];
		int nid, off = 0, i;

		if (sscanf(line, "Node %d, zone %*s%n", &nid, &off) < 1 || !off)
			continue;
		if (node >= 0 && nid != node)
			continue;
		for (i = 0; i < NR_BUDDY_ORDERS; i++) {
			int used = 0;

			if (sscanf(line + off, "%lld%n", &c[i], &used) != 1)
				break;
			off += used;
		}
		if (i == NR_BUDDY_ORDERS)
			n += c[9] + 2 * c[10];
	}
	if (f)
		fclose(f);
	return n;
}

/*
 * compact([node]): echo 1 > /proc/sys/vm/compact_memory (or the node's
 * compact file) -> the vmstat deltas, which count every process's pages.
 */
static int live_compact(lua_State *L)
{
	static const char *const fields[][2] = {
		{ "migrated", "pgmigrate_success" }, { "failed", "pgmigrate_fail" },
		{ "migrate_scanned", "compact_migrate_scanned" },
		{ "free_scanned", "compact_free_scanned" }, { "isolated", "compact_isolated" },
	};
	static struct live_stats a, b;
	lua_Integer node = -1;
	char path[96];
	long long before;
	size_t i;
	int err;

	if (!lua_isnoneornil(L, 1)) {
		if (!lua_isinteger(L, 1))
			return thp_argerror(L, 1, "compact", "node must be an integer");
		node = lua_tointeger(L, 1);
		if (node < 0 || node > 4096)
			return thp_errorf(L, "compact: no node %lld", (long long)node);
	}
	if (node < 0)
		snprintf(path, sizeof(path), "/proc/sys/vm/compact_memory");
	else
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/compact", (int)node);
	if (node >= 0 && access(path, F_OK))
		return thp_errorf(L, "compact: no node %lld", (long long)node);
	if (geteuid() != 0)
		return thp_errorf(L, "compact: writing %s needs root", path);
	before = buddy_free_2m((int)node);
	if (live_vmstat(&a))
		return thp_errorf(L, "compact: cannot read /proc/vmstat");
	if ((err = live_write(path, "1")))
		return thp_errorf(L, "compact: cannot write %s (%s)", path, thp_errname(err));
	if (live_vmstat(&b))
		return thp_errorf(L, "compact: cannot read /proc/vmstat");
	lua_createtable(L, 0, 7);
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		thp_setint(L, fields[i][0], live_stats_get(&b, fields[i][1], NULL) -
					   live_stats_get(&a, fields[i][1], NULL));
	thp_setint(L, "free_2M_before", before);
	thp_setint(L, "free_2M_after", buddy_free_2m((int)node));
	return 1;
}

/* --- khugepaged ------------------------------------------------------ */

#define KHUGEPAGED	LIVE_THP "/khugepaged/"

static long long khugepaged_count(const char *file)
{
	char path[128], buf[32];

	snprintf(path, sizeof(path), KHUGEPAGED "%s", file);
	return live_read(path, buf, sizeof(buf)) < 0 ? -1 : atoll(buf);
}

/*
 * khugepaged() -> THPs it made: the live khugepaged runs on its own
 * timer, so thpsh shortens its sleep for a moment and waits for two
 * full scans to end, the second wholly after the call, then puts the
 * sleep back.  It scans every process of the machine, and the count is
 * everyone's.
 */
static int live_khugepaged(lua_State *L)
{
	static const char sleep_file[] = KHUGEPAGED "scan_sleep_millisecs";
	long long scans = khugepaged_count("full_scans"), made = khugepaged_count("pages_collapsed");
	char old[32];
	int i;

	if (!lua_isnoneornil(L, 1))
		return thp_errorf(L, "khugepaged: pages_to_scan and explain are not available on the "
				  "live kernel (khugepaged scans on its own)");
	if (!S.allow_sysfs)
		return thp_errorf(L, "khugepaged: waking the live khugepaged writes "
				  "khugepaged/scan_sleep_millisecs: it needs --allow-sysfs");
	if (scans < 0 || made < 0 || live_read(sleep_file, old, sizeof(old)) < 0)
		return thp_errorf(L, "khugepaged: cannot read %s", KHUGEPAGED);
	sysfs_store(L, "transparent_hugepage/khugepaged/scan_sleep_millisecs", sleep_file, "1");
	for (i = 0; i < 5000 && khugepaged_count("full_scans") < scans + 2; i++)
		usleep(1000);
	live_write(sleep_file, old);
	if (i == 5000)
		return thp_errorf(L, "khugepaged: no full scan in 5 s");
	lua_pushinteger(L, khugepaged_count("pages_collapsed") - made);
	return 1;
}

/* --- events ---------------------------------------------------------- */

static int session_pid(pid_t pid)
{
	int i;

	for (i = 0; i < S.npids; i++)
		if (S.pids[i] == pid)
			return 1;
	return 0;
}

/* Push the value of one "key=value" field of a trace line. */
static void push_field(lua_State *L, const char *key, const char *val, size_t len)
{
	char buf[64], *end;
	long long v;
	int hex = !strcmp(key, "addr") || !strcmp(key, "pte") || !strcmp(key, "pmd");

	snprintf(buf, sizeof(buf), "%.*s", (int)len, val);
	errno = 0;
	v = (long long)strtoull(buf, &end, hex || !strncmp(buf, "0x", 2) ? 16 : 10);
	if (*end == '\0' && end != buf && !errno)
		lua_pushinteger(L, v);
	else
		lua_pushstring(L, buf);
	lua_setfield(L, -2, key);
}

/*
 * Push the event of one trace line ("comm-pid [cpu] flags ts: name:
 * key=value, ...") as { name =, key = value ... }; false if the line is
 * not one of this session's.  mm= is a hashed pointer and is left out.
 */
static int push_event(lua_State *L, const char *line)
{
	const char *p = strstr(line, " ["), *name, *f;
	char key[32];
	pid_t pid;

	if (line[0] == '#' || !p)
		return 0;
	while (p > line && p[-1] == ' ')
		p--;
	while (p > line && p[-1] >= '0' && p[-1] <= '9')
		p--;
	pid = (pid_t)atoi(p);
	if (!session_pid(pid) || !(name = strstr(p, ": ")) || !(f = strstr(name + 2, ": ")))
		return 0;
	name += 2;
	lua_newtable(L);
	lua_pushlstring(L, name, (size_t)(f - name));
	lua_setfield(L, -2, "name");
	for (f += 2; *f;) {
		size_t klen = strcspn(f, "="), vlen;

		if (f[klen] != '=' || klen >= sizeof(key))
			break;
		snprintf(key, sizeof(key), "%.*s", (int)klen, f);
		f += klen + 1;
		vlen = strcspn(f, ", ");
		if (strcmp(key, "mm"))
			push_field(L, key, f, vlen);
		f += vlen;
		f += strspn(f, ", ");
	}
	return 1;
}

/* Whether the event at the top of the stack concerns the script's memory. */
static int event_ours(lua_State *L)
{
	lua_Integer addr;
	int ours;

	if (lua_getfield(L, -1, "addr") != LUA_TNUMBER) {
		lua_pop(L, 1);
		return 1;	/* no address: the pid decided */
	}
	addr = lua_tointeger(L, -1);
	lua_pop(L, 1);
	ours = thp_live_in_regions((unsigned long)addr, (unsigned long)addr + 1);
	return ours;
}

static int events_list(lua_State *L)
{
	char *text = live_trace_read(), *line, *save = NULL;
	int n = 0;

	if (!text)
		return thp_errorf(L, "events: cannot read the trace (%s)", strerror(errno));
	lua_newtable(L);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!push_event(L, line))
			continue;
		if (event_ours(L))
			lua_rawseti(L, -2, ++n);
		else
			lua_pop(L, 1);
	}
	free(text);
	return 1;
}

/* events(true): clear and record; events(false): stop; events(): the list. */
static int live_events(lua_State *L)
{
	int err;

	if (lua_isnoneornil(L, 1))
		return events_list(L);
	luaL_checktype(L, 1, LUA_TBOOLEAN);
	err = lua_toboolean(L, 1) ? live_trace_start() : live_trace_stop();
	if (err)
		return thp_errorf(L, "events: cannot record the live tracepoints (%s)",
				  strerror(-err));
	return 0;
}

/* --- installation ---------------------------------------------------- */

static const struct {
	const char *name;
	lua_CFunction fn;
} live_table[] = {
	{ "compact", live_compact },
	{ "events", live_events },	{ "exit", live_exit },
	{ "fault", livecmd_fault },	{ "folio", livecmd_folio },
	{ "fork", live_fork },		{ "kpagecount", livecmd_kpagecount },
	{ "khugepaged", live_khugepaged }, { "kpageflags", livecmd_kpageflags },
	{ "madvise", livecmd_madvise },
	{ "meminfo", livecmd_meminfo },	{ "mmap", livecmd_mmap },
	{ "mprotect", livecmd_mprotect }, { "mremap", livecmd_mremap },
	{ "mthp_stats", livecmd_mthp_stats }, { "munmap", livecmd_munmap },
	{ "page", livecmd_page },	{ "pagemap", livecmd_pagemap },
	{ "pin", livecmd_pin },		{ "proc", live_proc },
	{ "ps", live_ps },		{ "read", livecmd_read },
	{ "shrink", live_shrink },	{ "smaps", livecmd_smaps },
	{ "swapoff", live_swapoff },	{ "swapon", live_swapon },
	{ "sysfs", live_sysfs },	{ "tmpfs", livecmd_tmpfs },
	{ "touch", livecmd_touch },	{ "truncate", livecmd_truncate },
	{ "unpin", livecmd_unpin },	{ "vmstat", livecmd_vmstat },
	{ "write", livecmd_write },
};

/* Commands about thpsh itself, the same on either backend. */
static const char *const neutral[] = {
	"commands", "continue", "help", "inspect", "json", "prompt", "size",
};

/* Why a command has no live version. */
static const struct {
	const char *name;
	const char *why;
} unavailable[] = {
	{ "breakpoint", "it stops the simulated kernel" },
	{ "breakpoints", "it lists stops in the simulated kernel" },
	{ "check", "the kernel's invariants are not visible from user space" },
	{ "clear", "it removes stops in the simulated kernel" },
	{ "deferred_list", "the deferred split queues are not visible from user space" },
	{ "dump_pagetable", "page-table entries are not visible from user space" },
	{ "kallsyms", "it lists the simulated kernel's functions" },
	{ "memcg", "thpsh makes no memory cgroups on the live kernel" },
	{ "memcg_attach", "thpsh makes no memory cgroups on the live kernel" },
	{ "pagecache", "a file's page cache is not visible from user space" },
	{ "reset", "the machine is real" },
	{ "set_mempolicy", "thpsh sets no NUMA policy on the live kernel" },
	{ "split_folio", "no user interface splits one folio on demand" },
	{ "split_huge_pages", "thpsh does not write debugfs split_huge_pages" },
	{ "split_history", "it is the simulation's record of its splits" },
	{ "split_pmd", "no user interface splits one PMD on demand" },
	{ "trace", "it traces the simulated kernel's functions" },
	{ "walk", "page-table entries are not visible from user space" },
};

static int not_available(lua_State *L)
{
	return thp_errorf(L, "%s: not available on the live kernel (%s)",
			  lua_tostring(L, lua_upvalueindex(1)),
			  lua_tostring(L, lua_upvalueindex(2)));
}

static lua_CFunction live_version(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(live_table) / sizeof(live_table[0]); i++)
		if (!strcmp(live_table[i].name, name))
			return live_table[i].fn;
	return NULL;
}

static int is_neutral(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(neutral) / sizeof(neutral[0]); i++)
		if (!strcmp(neutral[i], name))
			return 1;
	return 0;
}

static const char *why_unavailable(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(unavailable) / sizeof(unavailable[0]); i++)
		if (!strcmp(unavailable[i].name, name))
			return unavailable[i].why;
	return "the live backend does not have it yet";
}

/* Every command of the table becomes its live version, or says why not. */
static void install(lua_State *L)
{
	const struct thp_command *c;
	lua_CFunction fn;

	for (c = thp_commands; c->name; c++) {
		if (is_neutral(c->name))
			continue;
		if ((fn = live_version(c->name))) {
			lua_pushcfunction(L, fn);
		} else {
			lua_pushstring(L, c->name);
			lua_pushstring(L, why_unavailable(c->name));
			lua_pushcclosure(L, not_available, 2);
		}
		lua_setglobal(L, c->name);
	}
}

void thp_live_open(lua_State *L, int allow_sysfs)
{
	/* the session ends when the state is closed, even half started */
	lua_newuserdatauv(L, 0, 0);
	lua_newtable(L);
	lua_pushcfunction(L, session_end);
	lua_setfield(L, -2, "__gc");
	lua_setmetatable(L, -2);
	lua_setfield(L, LUA_REGISTRYINDEX, "thpsh.live");
	session_start(L, allow_sysfs);
	install(L);
}
