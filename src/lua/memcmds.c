/*
 * memcmds.c - the commands that change memory: mmap, munmap, mprotect,
 * madvise, mremap, faults and user accesses, GUP pins, and the THP split
 * entry points.
 *
 * Each checks its arguments completely before calling into the
 * simulated kernel, so a rejected command changes nothing.  Outcomes
 * the kernel reports as values (a split failing with -EAGAIN) are
 * returned as values; misuse raises an error naming the command.
 */
#include "machine.h"

#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "shadow.h"
#include "util.h"
#include "mm/huge_mm.h"
#include "mm/internal.h"
#include "mm/memcontrol.h"
#include "mm/shmem_fs.h"
#include "mm/swap.h"

static int raise_errno(lua_State *L, const char *cmd, int err, const char *what)
{
	return thp_errorf(L, "%s: %s (%s)", cmd, what, thp_errname(err));
}

struct mmap_opts {
	unsigned long addr, prot, flags, vm_extra;
	unsigned long offset;		/* in the file, bytes */
	int file;			/* stack index of opts.file, or 0 */
};

/* opts.file and opts.offset: a tmpfs file, mapped from offset, shared or private. */
static void check_mmap_file(lua_State *L, unsigned long len, struct mmap_opts *o)
{
	bool shared = thp_optbool(L, 2, "shared");

	if (lua_getfield(L, 2, "offset") != LUA_TNIL) {
		o->offset = (unsigned long)thp_checksize(L, -1, "mmap");
		if (o->offset & ~PAGE_MASK)
			thp_errorf(L, "mmap: offset %#lx is not page aligned", o->offset);
		if (o->offset > (unsigned long)MAX_LFS_FILESIZE - len)
			thp_errorf(L, "mmap: offset + length is past the largest file (EOVERFLOW)");
	}
	if (lua_getfield(L, 2, "file") != LUA_TNIL) {
		if (lua_type(L, -1) != LUA_TSTRING)
			thp_errorf(L, "mmap: opts.file is the path of a tmpfs file");
		o->file = lua_gettop(L);
	} else if (o->offset) {
		thp_errorf(L, "mmap: offset is for a file mapping (opts.file)");
	}
	if (shared)
		o->flags = (o->flags & ~MAP_PRIVATE) | MAP_SHARED;
	if (o->file)
		o->flags &= ~MAP_ANONYMOUS;
}

/* Every option checked before anything changes; opts.file stays on the stack. */
static void check_mmap_opts(lua_State *L, unsigned long len, struct mmap_opts *o)
{
	if (!lua_istable(L, 2))
		return;
	if (lua_getfield(L, 2, "addr") != LUA_TNIL) {
		o->addr = thp_check_page_addr(L, -1, "mmap");
		if (o->addr + len > TASK_SIZE || o->addr + len < o->addr)
			thp_errorf(L, "mmap: [%#lx, +%#lx) is outside the address space",
				   o->addr, len);
		o->flags |= MAP_FIXED;
	}
	if (lua_getfield(L, 2, "prot") != LUA_TNIL)
		o->prot = thp_checkprot(L, lua_gettop(L), "mmap");
	if (thp_optbool(L, 2, "huge") && thp_optbool(L, 2, "nohuge"))
		thp_errorf(L, "mmap: huge and nohuge exclude each other");
	o->vm_extra = thp_optbool(L, 2, "huge") ? VM_HUGEPAGE :
		      thp_optbool(L, 2, "nohuge") ? VM_NOHUGEPAGE : 0;
	check_mmap_file(L, len, o);
}

/*
 * mmap(len [, opts]) -> addr.  opts: addr (fixed), prot ("rw"), shared,
 * file (a tmpfs path, created len + offset bytes long if new), offset,
 * huge (MADV_HUGEPAGE), nohuge, pid.
 */
int cmd_mmap(lua_State *L)
{
	struct task_struct *t = thp_opt_task(L, 2, "mmap");
	unsigned long len = thp_checklen(L, 1, "mmap");
	struct mmap_opts o = { .prot = PROT_READ | PROT_WRITE,
			       .flags = MAP_PRIVATE | MAP_ANONYMOUS };
	struct shmem_file *file = NULL;
	bool created = false;
	long ret;

	thp_check_mutable(L, "mmap");
	check_mmap_opts(L, len, &o);
	if (o.file)
		file = thp_mmap_open(L, o.file, o.offset + len, &created);
	ret = do_mmap(t->mm, o.addr, len, o.prot, o.flags, o.vm_extra, file,
		      o.offset >> PAGE_SHIFT);
	if (file) {
		if (ret < 0 && created)
			shmem_unlink(file);	/* a failed mmap creates nothing */
		fput(file);
	}
	if (ret < 0)
		return raise_errno(L, "mmap", (int)ret, "no room for the mapping");
	shadow_unmap(t, (unsigned long)ret, len);	/* what a fixed mapping replaced */
	lua_pushinteger(L, ret);
	return 1;
}

/* munmap(addr, len): a range with nothing mapped is not an error. */
int cmd_munmap(lua_State *L)
{
	unsigned long addr = thp_check_page_addr(L, 1, "munmap");
	unsigned long len = thp_checklen(L, 2, "munmap");
	struct task_struct *t = thp_opt_task(L, 3, "munmap");
	int err;

	thp_check_mutable(L, "munmap");
	if (addr + len > TASK_SIZE || addr + len < addr)
		return thp_errorf(L, "munmap: range is outside the address space");
	err = do_vmi_munmap(t->mm, addr, len);
	if (err)
		return raise_errno(L, "munmap", err, "failed");
	shadow_unmap(t, addr, len);
	return 0;
}

static void check_mapped(lua_State *L, struct mm_struct *mm, unsigned long addr,
			 unsigned long len, const char *cmd)
{
	unsigned long a;

	if (addr + len > TASK_SIZE || addr + len < addr)
		thp_errorf(L, "%s: range is outside the address space", cmd);
	for (a = addr; a < addr + len; ) {
		struct vm_area_struct *vma = vma_lookup(mm, a);

		if (!vma)
			thp_errorf(L, "%s: %#lx is not mapped", cmd, a);
		a = vma->vm_end;
	}
}

/* mprotect(addr, len, prot) */
int cmd_mprotect(lua_State *L)
{
	unsigned long addr = thp_check_page_addr(L, 1, "mprotect");
	unsigned long len = thp_checklen(L, 2, "mprotect");
	unsigned long prot = thp_checkprot(L, 3, "mprotect");
	struct task_struct *t = thp_opt_task(L, 4, "mprotect");
	int err;

	thp_check_mutable(L, "mprotect");
	check_mapped(L, t->mm, addr, len, "mprotect");
	err = do_mprotect(t->mm, addr, len, prot);
	if (err == -EACCES)
		return thp_errorf(L, "mprotect: the mapping may not get that access (EACCES)");
	if (err)
		return raise_errno(L, "mprotect", err, "failed");
	return 0;
}

/* The folio mapped at @addr of @mm (PMD or PTE), or NULL. */
static struct folio *mapped_folio(struct mm_struct *mm, unsigned long addr)
{
	struct addr_walk w;

	mm_walk_addr(mm, addr, &w);
	if (w.level == 3 && pmd_trans_huge(__pmd(w.pmd)) && pmd_present(__pmd(w.pmd)))
		return page_folio(pfn_to_page(pmd_pfn(__pmd(w.pmd))));
	if (w.level == 4 && pte_present(__pte(w.pte)) && !pte_special(__pte(w.pte)))
		return page_folio(pfn_to_page(pte_pfn(__pte(w.pte))));
	return NULL;
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

/*
 * "free" and "remove" act VMA by VMA and fail at the first that does
 * not fit: refuse before the first instead, so that nothing changes.
 */
static void check_advice_vmas(lua_State *L, struct mm_struct *mm, unsigned long addr,
			      unsigned long len, int advice)
{
	struct vm_area_struct *vma;
	unsigned long a;

	for (a = addr; a < addr + len; a = vma->vm_end) {
		vma = vma_lookup(mm, a);
		if (advice == MADV_FREE && vma->vm_file)
			thp_errorf(L, "madvise: \"free\" is for private anonymous memory, and %#lx "
				   "is a shared mapping (EINVAL)", a);
		if (advice == MADV_REMOVE && !vma->vm_file)
			thp_errorf(L, "madvise: \"remove\" needs a shared file mapping; for "
				   "private anonymous memory the kernel returns EINVAL");
		/* madvise_remove: !vma_is_shared_maywrite(), after punching the VMAs before */
		if (advice == MADV_REMOVE && !(vma->vm_flags & VM_SHARED))
			thp_errorf(L, "madvise: \"remove\" needs a shared file mapping, and "
				   "%#lx maps a file privately (EACCES)", a);
	}
}

/*
 * The pages of [addr, addr + len) swapped out, as a bitmap (NULL: none,
 * or no memory to tell): "free" drops them at once, slots and all
 * (madvise_free_pte_range), so they read 0 afterwards.
 */
static unsigned char *swapped_pages(struct mm_struct *mm, unsigned long addr, unsigned long len)
{
	unsigned long i, n = len >> PAGE_SHIFT;
	unsigned char *map;

	if (!swap_info || !(map = calloc((n + 7) / 8, 1)))
		return NULL;
	for (i = 0; i < n; i++) {
		struct addr_walk w;

		mm_walk_addr(mm, addr + i * PAGE_SIZE, &w);
		if (w.level == 4 && is_swap_pte(__pte(w.pte)))
			map[i / 8] |= 1 << (i % 8);
	}
	return map;
}

/* What the advice did to the values a process reads back (shadow.h). */
static void shadow_madvise(struct task_struct *t, unsigned long addr, unsigned long len,
			   int advice, const unsigned char *swapped)
{
	unsigned long i;

	for (i = 0; swapped && i < len >> PAGE_SHIFT; i++)
		if (swapped[i / 8] & (1 << (i % 8)))
			shadow_unmap(t, addr + i * PAGE_SIZE, PAGE_SIZE);
	if (advice == MADV_DONTNEED)
		shadow_unmap(t, addr, len);
	else if (advice == MADV_FREE)
		shadow_lazyfree(t, addr, len);
	else if (advice == MADV_PAGEOUT)
		shadow_reclaim(t, addr, len);
	else if (advice == MADV_REMOVE)
		shadow_punch_hole(t, addr, len);
}

/* madvise(addr, len, advice); "collapse" returns values (see collapsecmds.c) */
int cmd_madvise(lua_State *L)
{
	unsigned long addr = thp_check_page_addr(L, 1, "madvise");
	unsigned long len = thp_checklen(L, 2, "madvise");
	int advice = advice_values[luaL_checkoption(L, 3, NULL, advice_names)];
	struct task_struct *t = thp_opt_task(L, 4, "madvise");
	unsigned char *swapped;
	int err;

	thp_check_mutable(L, "madvise");
	check_mapped(L, t->mm, addr, len, "madvise");
	if (advice == MADV_COLLAPSE)
		return thp_madvise_collapse(L, t->mm, addr, len);
	check_advice_vmas(L, t->mm, addr, len, advice);
	swapped = advice == MADV_FREE ? swapped_pages(t->mm, addr, len) : NULL;
	err = do_madvise(t->mm, addr, len, advice);
	if (!err)
		shadow_madvise(t, addr, len, advice, swapped);
	free(swapped);
	if (err)
		return raise_errno(L, "madvise", err, "failed");
	return 0;
}

static const char *access_error(int err)
{
	switch (-err) {
	case EFAULT: return "SIGSEGV: no mapping";
	case EACCES: return "SIGSEGV: the mapping forbids the access";
	case ENOMEM: return "out of memory (VM_FAULT_OOM)";
	default: return "SIGBUS";
	}
}

/* "mthp" -> "mthp-64K": name the size the fault allocated. */
static void push_outcome(lua_State *L, struct mm_struct *mm, unsigned long addr,
			 const char *outcome)
{
	struct addr_walk w;

	if (strcmp(outcome, "mthp") == 0) {
		mm_walk_addr(mm, addr, &w);
		if (w.level == 4 && pte_present(__pte(w.pte))) {
			struct folio *folio = page_folio(pfn_to_page(pte_pfn(__pte(w.pte))));

			lua_pushfstring(L, "mthp-%dK", (int)(folio_nr_pages(folio) * 4));
			return;
		}
	}
	lua_pushstring(L, outcome);
}

/* fault(addr [, "r"|"w"]) -> what the fault did, "none" if the access needed none. */
int cmd_fault(lua_State *L)
{
	unsigned long addr = (unsigned long)thp_checkaddr(L, 1, "fault");
	bool write = thp_checkmode(L, 2);
	struct task_struct *t = thp_opt_task(L, 3, "fault");
	struct page *page;
	const char *outcome;
	int err;

	thp_check_mutable(L, "fault");
	if (addr >= TASK_SIZE)
		return thp_errorf(L, "fault: %#lx is outside the address space", addr);
	err = access_user_page(t->mm, addr, write, &page, &outcome);
	if (err)
		return thp_errorf(L, "fault: %s at %#lx", access_error(err), addr);
	if (write)
		shadow_copy(t, addr, 1);
	push_outcome(L, t->mm, addr, outcome);
	return 1;
}

/* touch(addr, len [, mode]) -> { outcome = count, ... } for every page. */
int cmd_touch(lua_State *L)
{
	unsigned long addr = thp_check_page_addr(L, 1, "touch");
	unsigned long len = thp_checklen(L, 2, "touch");
	bool write = thp_checkmode(L, 3);
	struct task_struct *t = thp_opt_task(L, 4, "touch");
	unsigned long a;

	thp_check_mutable(L, "touch");
	check_mapped(L, t->mm, addr, len, "touch");
	lua_newtable(L);
	for (a = addr; a < addr + len; a += PAGE_SIZE) {
		struct page *page;
		const char *outcome;
		int err = access_user_page(t->mm, a, write, &page, &outcome);

		if (err) {
			if (write)	/* the pages before it were written */
				shadow_copy(t, addr, a - addr);
			return thp_errorf(L, "touch: %s at %#lx", access_error(err), a);
		}
		push_outcome(L, t->mm, a, outcome);
		lua_pushvalue(L, -1);
		lua_gettable(L, -3);
		lua_pushinteger(L, lua_tointeger(L, -1) + 1);
		lua_remove(L, -2);
		lua_settable(L, -3);
	}
	if (write)
		shadow_copy(t, addr, len);
	return 1;
}

/* write(addr, value): store a 64-bit value in the page at addr. */
int cmd_write(lua_State *L)
{
	unsigned long addr = (unsigned long)thp_checkaddr(L, 1, "write");
	lua_Integer value = luaL_checkinteger(L, 2);
	struct task_struct *t = thp_opt_task(L, 3, "write");
	struct page *page;
	const char *outcome;
	int err;

	thp_check_mutable(L, "write");
	if (addr >= TASK_SIZE)
		return thp_errorf(L, "write: %#lx is outside the address space", addr);
	err = access_user_page(t->mm, addr, true, &page, &outcome);
	if (err)
		return thp_errorf(L, "write: %s at %#lx", access_error(err), addr);
	set_page_value(page, (u64)value);
	shadow_write(t, addr, (u64)value);
	return 0;
}

/* read(addr) -> the value stored in the page at addr (0 if never written). */
int cmd_read(lua_State *L)
{
	unsigned long addr = (unsigned long)thp_checkaddr(L, 1, "read");
	struct task_struct *t = thp_opt_task(L, 2, "read");
	struct page *page;
	const char *outcome;
	int err;

	thp_check_mutable(L, "read");
	if (addr >= TASK_SIZE)
		return thp_errorf(L, "read: %#lx is outside the address space", addr);
	err = access_user_page(t->mm, addr, false, &page, &outcome);
	if (err)
		return thp_errorf(L, "read: %s at %#lx", access_error(err), addr);
	shadow_read(t, addr, page_value(page));
	lua_pushinteger(L, (lua_Integer)page_value(page));
	return 1;
}

/* split_pmd(addr) -> true if a huge PMD was split (split_huge_pmd_address). */
int cmd_split_pmd(lua_State *L)
{
	unsigned long addr = (unsigned long)thp_checkaddr(L, 1, "split_pmd");
	struct task_struct *t = thp_opt_task(L, 2, "split_pmd");
	struct vm_area_struct *vma;
	pmd_t *pmd;

	thp_check_mutable(L, "split_pmd");
	vma = addr < TASK_SIZE ? vma_lookup(t->mm, addr) : NULL;
	if (!vma)
		return thp_errorf(L, "split_pmd: %#lx is not mapped", addr);
	pmd = mm_find_pmd(t->mm, addr);
	if (!pmd || !(pmd_trans_huge(*pmd) || is_pmd_migration_entry(*pmd))) {
		lua_pushboolean(L, 0);
		return 1;
	}
	split_huge_pmd_address(vma, addr, false);
	lua_pushboolean(L, 1);
	return 1;
}

/*
 * split_folio(addr [, new_order]) -> 0, or -errno and its name: the
 * folio mapped at addr, split as split_folio_to_order() would.
 */
int cmd_split_folio(lua_State *L)
{
	unsigned long addr = (unsigned long)thp_checkaddr(L, 1, "split_folio");
	lua_Integer order = luaL_optinteger(L, 2, 0);
	struct task_struct *t = thp_opt_task(L, 3, "split_folio");
	struct folio *folio;
	int ret;

	thp_check_mutable(L, "split_folio");
	if (order < 0 || order > HPAGE_PMD_ORDER)
		return thp_argerror(L, 2, "split_folio", "new_order is 0..9");
	if (addr >= TASK_SIZE || !vma_lookup(t->mm, addr))
		return thp_errorf(L, "split_folio: %#lx is not mapped", addr);
	folio = mapped_folio(t->mm, addr);
	if (!folio)
		return thp_errorf(L, "split_folio: no folio is mapped at %#lx", addr);
	if (!folio_test_large(folio)) {
		ret = -EINVAL;	/* split_folio() on a small folio: nothing to split */
	} else if (!folio_trylock(folio)) {
		ret = -EAGAIN;
	} else {
		folio_get(folio);
		ret = split_folio_to_order(folio, (int)order);
		folio_unlock(page_folio(folio_page(folio, 0)));
		folio_put(page_folio(folio_page(folio, 0)));
	}
	lua_pushinteger(L, ret);
	lua_pushstring(L, thp_errname(ret));
	return 2;
}

/*
 * split_huge_pages(line) -> bytes written (or -errno, name) and
 * { split =, total = } as the kernel's pr_debug counts them.
 */
int cmd_split_huge_pages(lua_State *L)
{
	size_t len;
	const char *line = luaL_checklstring(L, 1, &len);
	struct split_stats stats = { 0, 0 };
	int ret;

	thp_task(L);
	thp_check_mutable(L, "split_huge_pages");
	ret = split_huge_pages_write(line, &stats);
	lua_pushinteger(L, ret ? ret : (lua_Integer)len);
	lua_pushstring(L, thp_errname(ret));
	lua_newtable(L);
	thp_setint(L, "split", (long long)stats.split);
	thp_setint(L, "total", (long long)stats.total);
	return 3;
}

static long splits_so_far(void)
{
	long n = 0;
	int order;

	for (order = 2; order < NR_PAGE_ORDERS; order++)
		n += mthp_stats[order][MTHP_STAT_SPLIT];
	return n;
}

/* One deferred_split_count + deferred_split_scan of a queue. */
static void shrink_queue(int nid, struct mem_cgroup *memcg, unsigned long nr)
{
	struct shrink_control sc = { .nid = nid, .memcg = memcg, .nr_to_scan = nr };

	if (deferred_split_count(&deferred_split_shrinker, &sc))
		deferred_split_scan(&deferred_split_shrinker, &sc);
}

/* shrink{ nr_to_scan =, node =, memcg = }: which queues, how far. */
static void shrink_table(lua_State *L)
{
	lua_Integer nr = 128, node = -1;
	struct mem_cgroup *memcg = NULL;
	int nid;

	if (lua_getfield(L, 1, "nr_to_scan") != LUA_TNIL)
		nr = luaL_checkinteger(L, -1);
	if (lua_getfield(L, 1, "node") != LUA_TNIL)
		node = luaL_checkinteger(L, -1);
	if (lua_getfield(L, 1, "memcg") != LUA_TNIL &&
	    !(memcg = mem_cgroup_lookup(luaL_checkstring(L, -1))))
		thp_errorf(L, "shrink: no memory cgroup %s", lua_tostring(L, -1));
	if (nr <= 0)
		thp_argerror(L, 1, "shrink", "nr_to_scan must be positive");
	if (node >= nr_node_ids || (node < 0 && node != -1))
		thp_errorf(L, "shrink: no node %lld", (long long)node);
	for (nid = 0; nid < nr_node_ids; nid++) {
		if (node != -1 && nid != node)
			continue;
		shrink_queue(nid, memcg, (unsigned long)nr);
		if (memcg)
			break;	/* a memcg has one queue for every node */
	}
}

/*
 * shrink([nr_to_scan]) -> folios split.  Without an argument it is
 * "echo 2 > /proc/sys/vm/drop_caches": every shrinker, repeated while it
 * frees.  With a number, one deferred_split_count + deferred_split_scan
 * of every queue with that nr_to_scan; with a table, of the queues it
 * names: shrink{ node = 1 }, shrink{ memcg = "a", nr_to_scan = 8 }.
 */
int cmd_shrink(lua_State *L)
{
	long before;

	thp_task(L);
	if (lua_istable(L, 1)) {
		thp_check_mutable(L, "shrink");
		before = splits_so_far();
		shrink_table(L);
	} else if (lua_isnoneornil(L, 1)) {
		thp_check_mutable(L, "shrink");
		before = splits_so_far();
		drop_slab();
	} else {
		lua_Integer nr = luaL_checkinteger(L, 1);
		struct mem_cgroup *memcg = NULL;
		int nid;

		if (nr <= 0)
			return thp_argerror(L, 1, "shrink", "nr_to_scan must be positive");
		thp_check_mutable(L, "shrink");
		before = splits_so_far();
		for (nid = 0; nid < nr_node_ids; nid++)
			shrink_queue(nid, NULL, (unsigned long)nr);
		while ((memcg = mem_cgroup_iter(memcg)))
			shrink_queue(0, memcg, (unsigned long)nr);
	}
	lua_pushinteger(L, splits_so_far() - before);
	return 1;
}

/*
 * pin(addr [, len [, opts]]) -> pages pinned: a long-term FOLL_WRITE pin
 * of every page, as an io_uring fixed buffer takes it (faults them in
 * first, COWing shared ones).
 */
int cmd_pin(lua_State *L)
{
	unsigned long start, len, a;
	struct task_struct *t;
	long ret;

	thp_pagerange(L, 1, "pin", &start, &len);
	t = thp_opt_task(L, 3, "pin");
	thp_check_mutable(L, "pin");
	check_mapped(L, t->mm, start, len, "pin");
	for (a = start; a < start + len; a = vma_lookup(t->mm, a)->vm_end)
		if (!(vma_lookup(t->mm, a)->vm_flags & VM_WRITE))
			return thp_errorf(L, "pin: %#lx is not writable: the pin is FOLL_WRITE, "
					  "and GUP refuses it (EFAULT)", a);
	ret = gup_pin_register(t, start, len);
	if (ret < 0)
		return raise_errno(L, "pin", (int)ret, "could not pin every page");
	shadow_copy(t, start, len);	/* FOLL_WRITE: a private file page is copied */
	lua_pushinteger(L, ret);
	return 1;
}

/* unpin(addr [, len [, opts]]) -> pages unpinned: the pins taken at those addresses. */
int cmd_unpin(lua_State *L)
{
	unsigned long start, len;
	struct task_struct *t;
	long n;

	thp_pagerange(L, 1, "unpin", &start, &len);
	t = thp_opt_task(L, 3, "unpin");
	thp_check_mutable(L, "unpin");
	n = gup_pin_unregister(t, start, len);
	if (!n)
		return thp_errorf(L, "unpin: pid %d pinned nothing in [%#lx, %#lx)", t->pid,
				  start, start + len);
	lua_pushinteger(L, n);
	return 1;
}

/*
 * mremap(addr, oldlen, newlen [, newaddr] [, opts]) -> the new address:
 * MREMAP_MAYMOVE, and MREMAP_FIXED when newaddr is given.  Anonymous
 * and shmem mappings alike; the record of values moves with the
 * process's own pages (shmem pages are recorded by file offset, which
 * the VMA keeps).  oldlen 0 maps a shared mapping a second time.
 */
int cmd_mremap(lua_State *L)
{
	unsigned long addr = thp_check_page_addr(L, 1, "mremap");
	unsigned long old_len = thp_mremap_old_len(L, 2);
	unsigned long new_len = thp_checklen(L, 3, "mremap");
	unsigned long flags = MREMAP_MAYMOVE, new_addr = 0;
	int opts = lua_istable(L, 4) ? 4 : 5;
	struct vm_area_struct *vma;
	struct task_struct *t;
	long ret;

	if (opts == 5)
		new_addr = thp_mremap_new_addr(L, 4, addr, old_len, new_len);
	if (new_addr)
		flags |= MREMAP_FIXED;
	t = thp_opt_task(L, opts, "mremap");
	thp_check_mutable(L, "mremap");
	vma = addr < TASK_SIZE ? vma_lookup(t->mm, addr) : NULL;
	if (!vma || old_len > vma->vm_end - addr)
		return thp_errorf(L, "mremap: [%#lx, %#lx) is not inside one mapping (EFAULT)",
				  addr, addr + old_len);
	if (!old_len && !(vma->vm_flags & VM_MAYSHARE))
		return thp_errorf(L, THP_MREMAP_DUP_PRIVATE, addr);
	ret = do_mremap(t->mm, addr, old_len, new_len, flags, new_addr);
	if (ret < 0)
		return raise_errno(L, "mremap", (int)ret, "no room to grow or move the mapping");
	shadow_mremap(t, addr, old_len, new_len, (unsigned long)ret);
	lua_pushinteger(L, ret);
	return 1;
}
