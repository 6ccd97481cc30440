/*
 * livemem.c - the live versions of the commands that change memory:
 * mmap, munmap, mprotect, madvise, mremap, fault, touch, read, write,
 * pin and unpin.
 *
 * Each checks its arguments as its simulated twin in memcmds.c does,
 * with the same messages, then has the current live process (or
 * opts.pid) make the system call or the access.  The script may only
 * touch what it mapped: a range holding memory of the live process
 * itself (its program, its libraries) is refused, so a stray address
 * cannot break the process that runs the script's requests.
 *
 * What a fault did is read from outside: the process counts its page
 * faults (getrusage) around the access and reads its pagemap entry
 * before and after, and PAGEMAP_SCAN says whether a PMD maps the page
 * and whether it is a zero page; for a file, mincore says whether its
 * page cache held the page.  That tells "none", "reuse"/"present",
 * "thp", "huge-zero", "zero", "cow", "mthp-<size>", "pte", "file-pmd",
 * "file-pte(s)" and "fault-around" apart as the simulation names them.
 */
#include "livecmds.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include <lauxlib.h>

#include "machine.h"
#include "util.h"

/* x86-64 with 4-level paging: the top of user space */

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE	25
#endif

/* --- arguments ------------------------------------------------------- */

static void check_range(lua_State *L, unsigned long addr, unsigned long len, const char *cmd)
{
	if (addr + len > THP_TASK_SIZE || addr + len < addr)
		thp_errorf(L, "%s: range is outside the address space", cmd);
}

/* --- the VMAs a range meets ------------------------------------------ */

struct span {
	unsigned long start, end;	/* the range looked at */
	unsigned long next;		/* the first address not yet seen mapped */
	unsigned long gap;		/* the first unmapped address, or 0 */
	unsigned long foreign;		/* the first address the script did not map, or 0 */
	unsigned long readonly;		/* the first address not writable, or 0 */
	unsigned long vma_end;		/* the end of the VMA holding start, or 0 */
};

static int span_vma(const struct live_vma *v, void *arg)
{
	struct span *s = arg;
	unsigned long from = v->start > s->start ? v->start : s->start;

	if (v->end <= s->start || v->start >= s->end)
		return 0;
	if (!s->foreign && !thp_live_in_regions(v->start, v->end))
		s->foreign = from;
	if (!s->gap && v->start > s->next)
		s->gap = s->next;
	if (!s->readonly && v->perms[1] != 'w')
		s->readonly = from;
	if (v->start <= s->start)
		s->vma_end = v->end;
	if (v->end > s->next)
		s->next = v->end;
	return 0;
}

/* Walk the VMAs of @a over [start, end); refuse memory the script did not map. */
static void span_walk(lua_State *L, struct live_agent *a, unsigned long start,
		      unsigned long end, const char *cmd, struct span *s)
{
	memset(s, 0, sizeof(*s));
	s->start = s->next = start;
	s->end = end;
	if (live_vmas(a->pid, 0, span_vma, s))
		thp_errorf(L, "%s: cannot read the maps of pid %d", cmd, a->vpid);
	if (!s->gap && s->next < end)
		s->gap = s->next;
	if (s->foreign)
		thp_errorf(L, "%s: %#lx is memory of the live process itself, not a "
			   "mapping of the script", cmd, s->foreign);
}

/* As span_walk, and every page of [start, end) must be mapped. */
static void check_mapped(lua_State *L, struct live_agent *a, unsigned long start,
			 unsigned long end, const char *cmd, struct span *s)
{
	span_walk(L, a, start, end, cmd, s);
	if (s->gap)
		thp_errorf(L, "%s: %#lx is not mapped", cmd, s->gap);
}

static int raise_errno(lua_State *L, const char *cmd, long err, const char *what)
{
	return thp_errorf(L, "%s: %s (%s)", cmd, what, thp_errname((int)err));
}

static long call(struct live_agent *a, enum live_op op, uint64_t a0, uint64_t a1,
		 uint64_t a2, uint64_t a3, uint64_t a4)
{
	const uint64_t args[5] = { a0, a1, a2, a3, a4 };

	return live_agent_call(a, op, args, NULL);
}

/* --- mappings -------------------------------------------------------- */

/* What mmap's opts ask for, checked before anything changes. */
struct mmap_opts {
	unsigned long addr;		/* MAP_FIXED there, or 0 */
	int prot, flags, advice;
	unsigned long offset;		/* in the file */
	char path[320];			/* the tmpfs file, on its real mount, or "" */
};

/* opts.file, opts.offset and opts.shared, as memcmds.c checks them. */
static void check_mmap_file(lua_State *L, unsigned long len, struct mmap_opts *o)
{
	int shared = thp_optbool(L, 2, "shared");
	const char *file;

	if (lua_getfield(L, 2, "offset") != LUA_TNIL) {
		o->offset = (unsigned long)thp_checksize(L, -1, "mmap");
		if (o->offset & (LIVE_PAGE_SIZE - 1))
			thp_errorf(L, "mmap: offset %#lx is not page aligned", o->offset);
		if (o->offset > LONG_MAX - len)
			thp_errorf(L, "mmap: offset + length is past the largest file (EOVERFLOW)");
	}
	if (lua_getfield(L, 2, "file") != LUA_TNIL) {
		if (!(file = lua_tostring(L, -1)))
			thp_errorf(L, "mmap: opts.file is the path of a tmpfs file");
		if (thp_live_tmpfs_file(file, o->path, sizeof(o->path)))
			thp_errorf(L, "mmap: %s is not on a tmpfs: mount one at its directory "
				   "with tmpfs(path)", file);
	} else if (o->offset) {
		thp_errorf(L, "mmap: offset is for a file mapping (opts.file)");
	}
	lua_pop(L, 2);
	if (shared)
		o->flags = (o->flags & MAP_FIXED) | MAP_SHARED | (o->path[0] ? 0 : MAP_ANONYMOUS);
	else if (o->path[0])
		o->flags = (o->flags & MAP_FIXED) | MAP_PRIVATE;
}

static void check_mmap_opts(lua_State *L, struct live_agent *a, unsigned long len,
			    struct mmap_opts *o)
{
	struct span s;

	if (lua_getfield(L, 2, "addr") != LUA_TNIL) {
		o->addr = thp_check_page_addr(L, -1, "mmap");
		if (o->addr + len > THP_TASK_SIZE || o->addr + len < o->addr)
			thp_errorf(L, "mmap: [%#lx, +%#lx) is outside the address space",
				   o->addr, len);
		span_walk(L, a, o->addr, o->addr + len, "mmap", &s);
		o->flags |= MAP_FIXED;
	}
	if (lua_getfield(L, 2, "prot") != LUA_TNIL)
		o->prot = thp_checkprot(L, lua_gettop(L), "mmap");
	lua_pop(L, 2);
	check_mmap_file(L, len, o);
	if (thp_optbool(L, 2, "huge") && thp_optbool(L, 2, "nohuge"))
		thp_errorf(L, "mmap: huge and nohuge exclude each other");
	o->advice = thp_optbool(L, 2, "huge") ? MADV_HUGEPAGE :
		    thp_optbool(L, 2, "nohuge") ? MADV_NOHUGEPAGE : 0;
}

/*
 * mmap(len [, opts]) -> addr.  opts: addr, prot, shared, file (a tmpfs
 * path, created offset + len bytes long if new), offset, huge, nohuge, pid.
 */
int livecmd_mmap(lua_State *L)
{
	struct live_agent *a = thp_live_task(L, 2, "mmap");
	unsigned long len = thp_checklen(L, 1, "mmap");
	struct mmap_opts o = { .prot = PROT_READ | PROT_WRITE,
			       .flags = MAP_PRIVATE | MAP_ANONYMOUS };
	uint64_t args[5];
	long ret;

	if (lua_istable(L, 2))
		check_mmap_opts(L, a, len, &o);
	args[0] = o.addr;
	args[1] = len;
	args[2] = (uint64_t)o.prot;
	args[3] = (uint64_t)o.flags;
	args[4] = o.offset;
	ret = live_agent_call(a, LIVE_MMAP, args, o.path[0] ? o.path : NULL);
	if (ret < 0)
		return raise_errno(L, "mmap", ret, ret == -ENOMEM ? "no room for the mapping" :
				   "failed");
	thp_live_add_region((unsigned long)ret, len);
	if (o.advice && call(a, LIVE_MADVISE, (uint64_t)ret, len, (uint64_t)o.advice, 0, 0) < 0)
		return thp_errorf(L, "mmap: the advice on the new mapping failed");
	lua_pushinteger(L, ret);
	return 1;
}

/* munmap(addr, len): a range with nothing mapped is not an error. */
int livecmd_munmap(lua_State *L)
{
	unsigned long addr = thp_check_page_addr(L, 1, "munmap");
	unsigned long len = thp_checklen(L, 2, "munmap");
	struct live_agent *a = thp_live_task(L, 3, "munmap");
	struct span s;
	long err;

	check_range(L, addr, len, "munmap");
	span_walk(L, a, addr, addr + len, "munmap", &s);
	if ((err = call(a, LIVE_MUNMAP, addr, len, 0, 0, 0)) < 0)
		return raise_errno(L, "munmap", err, "failed");
	return 0;
}

/* mprotect(addr, len, prot) */
int livecmd_mprotect(lua_State *L)
{
	unsigned long addr = thp_check_page_addr(L, 1, "mprotect");
	unsigned long len = thp_checklen(L, 2, "mprotect");
	int prot = thp_checkprot(L, 3, "mprotect");
	struct live_agent *a = thp_live_task(L, 4, "mprotect");
	struct span s;
	long err;

	check_range(L, addr, len, "mprotect");
	check_mapped(L, a, addr, addr + len, "mprotect", &s);
	err = call(a, LIVE_MPROTECT, addr, len, (uint64_t)prot, 0, 0);
	if (err == -EACCES)
		return thp_errorf(L, "mprotect: the mapping may not get that access (EACCES)");
	if (err < 0)
		return raise_errno(L, "mprotect", err, "failed");
	return 0;
}

static const char *const advice_names[] = {
	"dontneed", "hugepage", "nohugepage", "collapse", "pageout", "free",
	"remove", "dontfork", "dofork", "wipeonfork", "keeponfork", NULL
};
static const int advice_values[] = {
	MADV_DONTNEED, MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_COLLAPSE, MADV_PAGEOUT,
	MADV_FREE, MADV_REMOVE, MADV_DONTFORK, MADV_DOFORK, MADV_WIPEONFORK,
	MADV_KEEPONFORK
};

/* madvise(addr, len, advice) */
int livecmd_madvise(lua_State *L)
{
	unsigned long addr = thp_check_page_addr(L, 1, "madvise");
	unsigned long len = thp_checklen(L, 2, "madvise");
	int advice = advice_values[luaL_checkoption(L, 3, NULL, advice_names)];
	struct live_agent *a = thp_live_task(L, 4, "madvise");
	struct span s;
	long err;

	check_range(L, addr, len, "madvise");
	check_mapped(L, a, addr, addr + len, "madvise", &s);
	err = call(a, LIVE_MADVISE, addr, len, (uint64_t)advice, 0, 0);
	if (advice == MADV_COLLAPSE) {
		/* an outcome, as in the simulation; its per-range report is not visible */
		lua_pushinteger(L, err);
		lua_pushstring(L, thp_errname((int)err));
		return 2;
	}
	if (err < 0)
		return raise_errno(L, "madvise", err, "failed");
	return 0;
}

/* mremap(addr, oldlen, newlen [, newaddr] [, opts]) -> the new address. */
int livecmd_mremap(lua_State *L)
{
	unsigned long addr = thp_check_page_addr(L, 1, "mremap");
	unsigned long old_len = thp_mremap_old_len(L, 2);
	unsigned long new_len = thp_checklen(L, 3, "mremap");
	unsigned long flags = MREMAP_MAYMOVE, new_addr = 0;
	int opts = lua_istable(L, 4) ? 4 : 5;
	struct live_agent *a;
	struct span s;
	long ret;

	if (opts == 5)
		new_addr = thp_mremap_new_addr(L, 4, addr, old_len, new_len);
	if (new_addr)
		flags |= MREMAP_FIXED;
	a = thp_live_task(L, opts, "mremap");
	check_range(L, addr, old_len ? old_len : LIVE_PAGE_SIZE, "mremap");
	/* oldlen 0 still names a mapping: the one holding addr */
	span_walk(L, a, addr, addr + (old_len ? old_len : LIVE_PAGE_SIZE), "mremap", &s);
	if (s.gap || s.vma_end < addr + old_len)
		return thp_errorf(L, "mremap: [%#lx, %#lx) is not inside one mapping (EFAULT)",
				  addr, addr + old_len);
	if (new_addr)
		span_walk(L, a, new_addr, new_addr + new_len, "mremap", &s);
	ret = call(a, LIVE_MREMAP, addr, old_len, new_len, flags, new_addr);
	if (ret == -EINVAL && !old_len)
		return thp_errorf(L, THP_MREMAP_DUP_PRIVATE, addr);
	if (ret < 0)
		return raise_errno(L, "mremap", ret, "no room to grow or move the mapping");
	thp_live_add_region((unsigned long)ret, new_len);
	lua_pushinteger(L, ret);
	return 1;
}

/* --- accesses -------------------------------------------------------- */

#define OUTCOMES 16

/* What a run of accesses did, gathered as the process reports them. */
struct accesses {
	int write;
	int pid;				/* the process, for its maps */
	unsigned long vm_start, vm_end;		/* the VMA last looked up ... */
	int private_file;			/* ... is a private file mapping */
	int n;					/* distinct outcomes */
	char name[OUTCOMES][24];
	long count[OUTCOMES];
	struct live_access last;		/* the last access reported */
};

/*
 * What a fault that mapped a page of a file (shmem) did: a read of a
 * page the cache held is served by fault-around (do_read_fault); other
 * faults map the folio's pages, one or more (finish_fault).
 */
static const char *file_outcome(const struct live_access *acc, int write)
{
	if (!write && acc->cached)
		return "fault-around";
	return acc->mapped > 1 ? "file-ptes" : "file-pte";
}

/*
 * Is @addr in a private file mapping (/proc/PID/maps: "p" and an inode)?
 * The answer for the VMA is kept in @r for the next pages.
 */
static int in_private_file(struct accesses *r, unsigned long addr)
{
	char path[64], line[512], perms[8];
	unsigned long start, end, inode;
	FILE *f;

	if (addr >= r->vm_start && addr < r->vm_end)
		return r->private_file;
	r->vm_start = r->vm_end = 0;
	r->private_file = 0;
	snprintf(path, sizeof(path), "/proc/%d/maps", r->pid);
	if (!(f = fopen(path, "r")))
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %7s %*x %*s %lu", &start, &end, perms, &inode) == 4 &&
		    addr >= start && addr < end) {
			r->vm_start = start;
			r->vm_end = end;
			r->private_file = perms[3] == 'p' && inode != 0;
			break;
		}
	fclose(f);
	return r->private_file;
}

/*
 * Name what one access did, as the simulation's fault() names it.  A
 * write that put a new anonymous page where nothing was, in a private
 * file mapping, copied the file's page: do_cow_fault, "cow".
 */
static void outcome(const struct live_access *acc, struct accesses *r, char *buf, size_t len)
{
	int write = r->write;
	uint64_t pfn = acc->after & PM_PFN_MASK;
	int zero = acc->categories & LIVE_PAGE_IS_PFNZERO;
	int file = !zero && (acc->after & PM_FILE);
	struct live_folio f;

	if (!acc->faulted || !(acc->after & PM_PRESENT))
		snprintf(buf, len, "none");
	else if ((acc->before & PM_PRESENT) && (acc->before & PM_PFN_MASK) == pfn)
		snprintf(buf, len, write ? "reuse" : "present");
	else if (acc->categories & LIVE_PAGE_IS_HUGE)
		snprintf(buf, len, zero ? "huge-zero" : file ? "file-pmd" : "thp");
	else if (zero)
		snprintf(buf, len, "zero");
	else if (acc->before & PM_PRESENT)
		snprintf(buf, len, "cow");
	else if (file)
		snprintf(buf, len, "%s", file_outcome(acc, write));
	else if (write && in_private_file(r, acc->addr))
		snprintf(buf, len, "cow");
	else if (!live_folio_of(pfn, &f) && f.order > 0)
		snprintf(buf, len, "mthp-%dK", 4 << f.order);
	else
		snprintf(buf, len, "pte");
}

static void count_access(const struct live_access *acc, void *arg)
{
	struct accesses *r = arg;
	char name[24];
	int i;

	r->last = *acc;
	if (acc->sig)
		return;
	outcome(acc, r, name, sizeof(name));
	for (i = 0; i < r->n && strcmp(r->name[i], name); i++)
		;
	if (i == r->n && r->n < OUTCOMES)
		snprintf(r->name[r->n++], sizeof(r->name[0]), "%s", name);
	if (i < OUTCOMES)
		r->count[i]++;
}

/* The error of an access that raised a signal, as memcmds.c words it. */
static const char *signal_error(const struct live_access *acc)
{
	if (acc->sig == SIGSEGV)
		return acc->code == SEGV_ACCERR ? "SIGSEGV: the mapping forbids the access" :
						  "SIGSEGV: no mapping";
	return "SIGBUS";
}

/*
 * Access @npages pages from @addr as @cmd; raise the error of a signal.
 * The pages must not be the live process's own (unmapped is fine: that
 * is a SIGSEGV, as in the simulation).
 */
static void do_accesses(lua_State *L, struct live_agent *a, unsigned long addr,
			unsigned long npages, enum live_mode mode, uint64_t value,
			const char *cmd, struct accesses *r)
{
	long n;

	struct span s;

	if (!thp_live_in_regions(addr, addr + npages * LIVE_PAGE_SIZE))
		span_walk(L, a, addr, addr + npages * LIVE_PAGE_SIZE, cmd, &s);
	memset(r, 0, sizeof(*r));
	r->write = mode != LIVE_LOAD;
	r->pid = a->pid;
	n = live_agent_access(a, addr, npages, mode, value, count_access, r);
	if (n < 0)
		thp_errorf(L, "%s: the live process %d is gone (%s)", cmd, a->vpid,
			   thp_errname((int)n));
	if (r->last.sig)
		thp_errorf(L, "%s: %s at %#lx", cmd, signal_error(&r->last), r->last.addr);
}

static unsigned long check_user_addr(lua_State *L, int arg, const char *cmd)
{
	unsigned long addr = (unsigned long)thp_checkaddr(L, arg, cmd);

	if (addr >= THP_TASK_SIZE)
		thp_errorf(L, "%s: %#lx is outside the address space", cmd, addr);
	return addr & ~(LIVE_PAGE_SIZE - 1);
}

/* fault(addr [, "r"|"w"]) -> what the fault did, "none" if the access needed none. */
int livecmd_fault(lua_State *L)
{
	unsigned long addr = check_user_addr(L, 1, "fault");
	int write = thp_checkmode(L, 2);
	struct live_agent *a = thp_live_task(L, 3, "fault");
	struct accesses r;

	do_accesses(L, a, addr, 1, write ? LIVE_TOUCH_WRITE : LIVE_LOAD, 0, "fault", &r);
	lua_pushstring(L, r.n ? r.name[0] : "none");
	return 1;
}

/* touch(addr, len [, mode]) -> { outcome = count, ... } for every page. */
int livecmd_touch(lua_State *L)
{
	unsigned long addr = thp_check_page_addr(L, 1, "touch");
	unsigned long len = thp_checklen(L, 2, "touch");
	int write = thp_checkmode(L, 3), i;
	struct live_agent *a = thp_live_task(L, 4, "touch");
	struct accesses r;
	struct span s;

	check_range(L, addr, len, "touch");
	check_mapped(L, a, addr, addr + len, "touch", &s);
	do_accesses(L, a, addr, len / LIVE_PAGE_SIZE, write ? LIVE_TOUCH_WRITE : LIVE_LOAD,
		    0, "touch", &r);
	lua_newtable(L);
	for (i = 0; i < r.n; i++)
		thp_setint(L, r.name[i], r.count[i]);
	return 1;
}

/* write(addr, value): store a 64-bit value in the first 8 bytes of the page. */
int livecmd_write(lua_State *L)
{
	unsigned long addr = check_user_addr(L, 1, "write");
	lua_Integer value = luaL_checkinteger(L, 2);
	struct live_agent *a = thp_live_task(L, 3, "write");
	struct accesses r;

	do_accesses(L, a, addr, 1, LIVE_STORE, (uint64_t)value, "write", &r);
	return 0;
}

/* read(addr) -> the first 8 bytes of the page, loaded by the process. */
int livecmd_read(lua_State *L)
{
	unsigned long addr = check_user_addr(L, 1, "read");
	struct live_agent *a = thp_live_task(L, 2, "read");
	struct accesses r;

	do_accesses(L, a, addr, 1, LIVE_LOAD, 0, "read", &r);
	lua_pushinteger(L, (lua_Integer)r.last.value);
	return 1;
}

/* --- pins ------------------------------------------------------------ */

/* The pages of [addr, addr + len), rounded out to whole pages (as memcmds.c). */
/* pin(addr [, len [, opts]]) -> pages pinned: an io_uring fixed buffer. */
int livecmd_pin(lua_State *L)
{
	unsigned long start, len;
	struct live_agent *a;
	struct span s;
	long ret;

	thp_pagerange(L, 1, "pin", &start, &len);
	a = thp_live_task(L, 3, "pin");
	check_mapped(L, a, start, start + len, "pin", &s);
	if (s.readonly)
		return thp_errorf(L, "pin: %#lx is not writable: the pin is FOLL_WRITE, "
				  "and GUP refuses it (EFAULT)", s.readonly);
	if ((ret = call(a, LIVE_PIN, start, len, 0, 0, 0)) < 0)
		return raise_errno(L, "pin", ret, "could not pin every page");
	lua_pushinteger(L, ret);
	return 1;
}

/* unpin(addr [, len [, opts]]) -> pages unpinned: the buffers inside the range. */
int livecmd_unpin(lua_State *L)
{
	unsigned long start, len;
	struct live_agent *a;
	long n;

	thp_pagerange(L, 1, "unpin", &start, &len);
	a = thp_live_task(L, 3, "unpin");
	n = call(a, LIVE_UNPIN, start, len, 0, 0, 0);
	if (n <= 0)
		return thp_errorf(L, "unpin: pid %d pinned nothing in [%#lx, %#lx)", a->vpid,
				  start, start + len);
	lua_pushinteger(L, n);
	return 1;
}
