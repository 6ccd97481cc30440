/*
 * views.c - the inspection commands: page tables, folios and pages, and
 * the files of /proc that describe them (vmstat, meminfo, smaps,
 * pagemap, kpageflags, kpagecount), in the kernel's formats.
 *
 * Each returns a table of plain fields for scripts; the ones worth a
 * picture carry a __tostring that renders it at the prompt.  None of
 * them changes anything (they are safe inside a breakpoint).
 */
#include "machine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>

#include "util.h"
#include "mm/huge_mm.h"
#include "mm/internal.h"
#include "mm/memcontrol.h"
#include "mm/shmem_fs.h"
#include "mm/swap.h"

/* ---- decoding ---- */

static const struct { u64 bit; const char *name; } entry_bits[] = {
	{ _PAGE_PRESENT, "present" }, { _PAGE_RW, "rw" }, { _PAGE_USER, "user" },
	{ _PAGE_PWT, "pwt" }, { _PAGE_PCD, "pcd" }, { _PAGE_ACCESSED, "accessed" },
	{ _PAGE_DIRTY, "dirty" }, { _PAGE_PSE, "pse" }, { _PAGE_GLOBAL, "global" },
	{ _PAGE_SPECIAL, "special" }, { _PAGE_UFFD_WP, "uffd_wp" },
	{ _PAGE_SAVED_DIRTY, "saved_dirty" }, { _PAGE_NX, "nx" },
};

/* Short forms for the one-line rendering. */
static const char *const entry_short[] = {
	"P", "RW", "U", "PWT", "PCD", "A", "D", "PSE", "G", "SP", "UW", "SD", "NX"
};

static const char *swap_type_name(swp_entry_t e)
{
	switch (swp_type(e)) {
	case SWP_MIGRATION_READ: return "migration-read";
	case SWP_MIGRATION_READ_EXCLUSIVE: return "migration-read-exclusive";
	case SWP_MIGRATION_WRITE: return "migration-write";
	default: return "swap";
	}
}

/* Push the list of flag names of a present entry, or a swap entry's fields. */
static void push_entry_flags(lua_State *L, u64 v)
{
	size_t i;
	int n = 0;

	lua_newtable(L);
	if (v && !(v & (_PAGE_PRESENT | _PAGE_PSE | _PAGE_PROTNONE))) {
		swp_entry_t e = __val_to_swp_entry(v & ~_PAGE_SWP_FLAGS);

		lua_pushstring(L, swap_type_name(e));
		lua_rawseti(L, -2, ++n);
		if (is_migration_entry(e) && swp_offset(e) & SWP_MIG_YOUNG)
			lua_pushstring(L, "young"), lua_rawseti(L, -2, ++n);
		if (is_migration_entry(e) && swp_offset(e) & SWP_MIG_DIRTY)
			lua_pushstring(L, "dirty"), lua_rawseti(L, -2, ++n);
		if (v & _PAGE_SWP_EXCLUSIVE)
			lua_pushstring(L, "exclusive"), lua_rawseti(L, -2, ++n);
		return;
	}
	for (i = 0; i < ARRAY_SIZE(entry_bits); i++) {
		if (!(v & entry_bits[i].bit))
			continue;
		lua_pushstring(L, (entry_bits[i].bit == _PAGE_GLOBAL && !(v & _PAGE_PRESENT)) ?
			       "protnone" : entry_bits[i].name);
		lua_rawseti(L, -2, ++n);
	}
}

static void short_flags(char *buf, size_t len, u64 v)
{
	size_t i, off = 0;

	buf[0] = '\0';
	if (v && !(v & (_PAGE_PRESENT | _PAGE_PSE | _PAGE_PROTNONE))) {
		swp_entry_t e = __val_to_swp_entry(v & ~_PAGE_SWP_FLAGS);

		if (!is_migration_entry(e)) {
			snprintf(buf, len, "swap type %u offset %#llx%s", swp_type(e),
				 (unsigned long long)swp_offset(e),
				 (v & _PAGE_SWP_EXCLUSIVE) ? " exclusive" : "");
			return;
		}
		snprintf(buf, len, "%s pfn %#lx%s%s", swap_type_name(e), swp_offset_pfn(e),
			 (swp_offset(e) & SWP_MIG_YOUNG) ? " young" : "",
			 (swp_offset(e) & SWP_MIG_DIRTY) ? " dirty" : "");
		return;
	}
	for (i = 0; i < ARRAY_SIZE(entry_bits) && off < len; i++)
		if (v & entry_bits[i].bit)
			off += snprintf(buf + off, len - off, "%s%s", off ? "|" : "",
					entry_short[i]);
}

static const char *const page_flag_names[__NR_PAGEFLAGS] = {
	"locked", "writeback", "referenced", "uptodate", "dirty", "lru", "head",
	"waiters", "active", "workingset", "swapcache", "anon_exclusive", "arch_1",
	"reserved", "private", "private_2", "reclaim", "swapbacked", "unevictable",
	"dropbehind", "mlocked", "young", "idle", "arch_2",
};

static void push_page_flags(lua_State *L, unsigned long flags)
{
	int i, n = 0;

	lua_newtable(L);
	for (i = 0; i < __NR_PAGEFLAGS; i++) {
		if (!(flags & BIT(i)))
			continue;
		lua_pushstring(L, page_flag_names[i]);
		lua_rawseti(L, -2, ++n);
	}
}

/* ---- which page ---- */

/*
 * The page at @arg: an address mapped by the task (the zero page counts;
 * a migration entry leads to its page) or {pfn=N}.
 */
static struct page *arg_page(lua_State *L, int arg, const char *cmd,
			     struct task_struct *t)
{
	struct addr_walk w;
	unsigned long addr;

	if (lua_istable(L, arg)) {
		lua_Integer pfn;

		if (lua_getfield(L, arg, "pfn") == LUA_TNIL)
			thp_errorf(L, "%s: give an address or {pfn = N}", cmd);
		pfn = luaL_checkinteger(L, -1);
		lua_pop(L, 1);
		if (pfn < 0 || (unsigned long)pfn >= max_pfn)
			thp_errorf(L, "%s: pfn %#llx is beyond memory (max_pfn %#lx)", cmd,
				   (long long)pfn, max_pfn);
		return pfn_to_page((unsigned long)pfn);
	}
	addr = (unsigned long)thp_checkaddr(L, arg, cmd);
	if (addr >= TASK_SIZE || !vma_lookup(t->mm, addr))
		thp_errorf(L, "%s: %#lx is not mapped", cmd, addr);
	mm_walk_addr(t->mm, addr, &w);
	if (w.level == 3 && pmd_trans_huge(__pmd(w.pmd)) && pmd_present(__pmd(w.pmd)))
		return pfn_to_page(pmd_pfn(__pmd(w.pmd)) + ((addr & ~PMD_MASK) >> PAGE_SHIFT));
	if (w.level == 4 && pte_present(__pte(w.pte)))
		return pfn_to_page(pte_pfn(__pte(w.pte)));
	/* mid-split (inside a breakpoint): the migration entry names the page */
	if (w.level == 4 && is_pte_migration_entry(__pte(w.pte)))
		return pfn_to_page(swp_offset_pfn(pte_to_swp_entry(__pte(w.pte))));
	if (w.level == 3 && is_pmd_migration_entry(__pmd(w.pmd)))
		return pfn_to_page(swp_offset_pfn(pmd_to_swp_entry(__pmd(w.pmd))) +
				   ((addr & ~PMD_MASK) >> PAGE_SHIFT));
	if (w.level == 4 && is_swap_pte(__pte(w.pte)) && !is_pte_migration_entry(__pte(w.pte)))
		thp_errorf(L, "%s: %#lx is swapped out (swap offset %#llx): fault it back first",
			   cmd, addr, (unsigned long long)swp_offset(pte_to_swp_entry(__pte(w.pte))));
	thp_errorf(L, "%s: nothing is mapped at %#lx yet (fault it first)", cmd, addr);
	return NULL;
}

static bool page_is_free(const struct page *page)
{
	unsigned long pfn = page_to_pfn(page);
	int nid = pfn_to_nid(pfn);
	int order;

	if (pfn >= NODE_DATA(nid)->init_pfn)
		return true;
	for (order = 0; order < NR_PAGE_ORDERS; order++) {
		const struct page *head = pfn_to_page(pfn & ~((1UL << order) - 1));

		if (head->page_type == (unsigned int)PGTY_buddy << PAGE_TYPE_SHIFT &&
		    head->buddy_order >= (unsigned long)order)
			return true;
	}
	return false;
}

static bool page_is_table(const struct page *page)
{
	return page->page_type == (unsigned int)PGTY_table << PAGE_TYPE_SHIFT;
}

/* The mappings of one page as kpagecount counts them (0 for page types). */
static int page_mapcount_of(const struct page *page)
{
	if (page_is_free(page) || page_is_table(page) || (page->flags & BIT(PG_reserved)))
		return 0;
	return folio_precise_page_mapcount(page_folio(page), page);
}

/* ---- folio() and page() ---- */

static long long field_int(lua_State *L, const char *key)
{
	long long v;

	lua_getfield(L, 1, key);
	v = lua_tointeger(L, -1);
	lua_pop(L, 1);
	return v;
}

static int field_bool(lua_State *L, const char *key)
{
	int v;

	lua_getfield(L, 1, key);
	v = lua_toboolean(L, -1);
	lua_pop(L, 1);
	return v;
}

static int folio_tostring(lua_State *L)
{
	char buf[320];

	snprintf(buf, sizeof(buf), "folio pfn %#llx order %lld: refcount %lld, "
		 "mapcount %lld (entire %lld), pincount %lld%s%s%s",
		 field_int(L, "pfn"), field_int(L, "order"), field_int(L, "refcount"),
		 field_int(L, "mapcount"), field_int(L, "entire_mapcount"),
		 field_int(L, "pincount"), field_bool(L, "anon") ? ", anon" : "",
		 field_bool(L, "partially_mapped") ? ", partially mapped" : "",
		 field_bool(L, "deferred") ? ", on the deferred split queue" : "");
	lua_pushstring(L, buf);
	return 1;
}

static void push_folio(lua_State *L, struct folio *folio)
{
	bool large = folio_test_large(folio);

	thp_new_view(L, "thpsh.folio", folio_tostring);
	thp_setint(L, "pfn", (long long)folio_pfn(folio));
	thp_setint(L, "order", folio_order(folio));
	thp_setint(L, "nr_pages", folio_nr_pages(folio));
	thp_setint(L, "refcount", folio_ref_count(folio));
	thp_setint(L, "mapcount", is_huge_zero_folio(folio) ? 0 : folio_mapcount(folio));
	thp_setint(L, "entire_mapcount", large ? folio_entire_mapcount(folio) : 0);
	thp_setint(L, "large_mapcount", large ? folio_large_mapcount(folio) : 0);
	thp_setint(L, "nr_pages_mapped", large ? folio->_nr_pages_mapped & FOLIO_PAGES_MAPPED : 0);
	thp_setbool(L, "entirely_mapped", large && folio->_nr_pages_mapped >= ENTIRELY_MAPPED);
	thp_setint(L, "pincount", large ? folio->_pincount : 0);
	thp_setbool(L, "anon", folio_test_anon(folio));
	thp_setbool(L, "partially_mapped", folio_test_partially_mapped(folio));
	thp_setbool(L, "deferred", large && folio_order(folio) > 1 &&
		    !list_empty(&folio->_deferred_list));
	thp_setbool(L, "zero", is_huge_zero_folio(folio));
	thp_setbool(L, "maybe_mapped_shared", folio_maybe_mapped_shared(folio));
	if (folio_memcg_id(folio))
		thp_setstr(L, "memcg", mem_cgroup_from_id(folio_memcg_id(folio))->name);
	push_page_flags(L, folio->flags);
	if (folio_test_large_rmappable(folio)) {
		lua_pushstring(L, "large_rmappable");
		lua_rawseti(L, -2, (int)luaL_len(L, -2) + 1);
	}
	if (folio_test_partially_mapped(folio)) {
		lua_pushstring(L, "partially_mapped");
		lua_rawseti(L, -2, (int)luaL_len(L, -2) + 1);
	}
	lua_setfield(L, -2, "flags");
}

static void check_folio_page(lua_State *L, const char *cmd, struct page *page)
{
	unsigned long pfn = page_to_pfn(page);

	if (page->flags & BIT(PG_reserved) && pfn != zero_pfn)
		thp_errorf(L, "%s: pfn %#lx is reserved (kernel memory)", cmd, pfn);
	if (page_is_free(page))
		thp_errorf(L, "%s: pfn %#lx is free", cmd, pfn);
	if (page_is_table(page))
		thp_errorf(L, "%s: pfn %#lx is a page table", cmd, pfn);
}

/* folio(addr | {pfn=N}) -> the folio's counters and flags. */
int cmd_folio(lua_State *L)
{
	struct task_struct *t = thp_opt_task(L, 2, "folio");
	struct page *page = arg_page(L, 1, "folio", t);

	if (page_to_pfn(page) == zero_pfn)
		return thp_errorf(L, "folio: that is the shared zero page, not a folio");
	check_folio_page(L, "folio", page);
	push_folio(L, page_folio(page));
	return 1;
}

static int page_tostring(lua_State *L)
{
	char buf[200];

	snprintf(buf, sizeof(buf), "page pfn %#llx: refcount %lld, mapcount %lld, value %lld%s",
		 field_int(L, "pfn"), field_int(L, "refcount"), field_int(L, "mapcount"),
		 field_int(L, "value"), field_bool(L, "zero") ? " (zero page)" : "");
	lua_pushstring(L, buf);
	return 1;
}

/* page(addr | {pfn=N}) -> one base page. */
int cmd_page(lua_State *L)
{
	struct task_struct *t = thp_opt_task(L, 2, "page");
	struct page *page = arg_page(L, 1, "page", t);
	unsigned long pfn = page_to_pfn(page);
	bool zero = pfn == zero_pfn || (huge_zero_folio && page_folio(page) == huge_zero_folio);

	if (!zero)
		check_folio_page(L, "page", page);
	thp_new_view(L, "thpsh.page", page_tostring);
	thp_setint(L, "pfn", (long long)pfn);
	thp_setint(L, "refcount", page->_refcount);
	thp_setint(L, "mapcount", zero ? 0 : page_mapcount_of(page));
	thp_setbool(L, "anon_exclusive", PageAnonExclusive(page));
	thp_setbool(L, "zero", zero);
	thp_setbool(L, "head", PageHead(page));
	thp_setbool(L, "tail", PageTail(page));
	thp_setint(L, "folio", (long long)page_to_pfn(compound_head(page)));
	thp_setint(L, "value", (long long)page_value(page));
	push_page_flags(L, page->flags & ~BIT(PG_tail) & (PageTail(page) ? BIT(PG_anon_exclusive) : ~0UL));
	lua_setfield(L, -2, "flags");
	return 1;
}

/* ---- walk() ---- */

static int walk_tostring(lua_State *L)
{
	static const char *const keys[] = { "pgd", "p4d", "pud", "pmd", "pte" };
	luaL_Buffer b;
	size_t i;

	luaL_buffinit(L, &b);
	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		char line[160];

		if (lua_getfield(L, 1, keys[i]) == LUA_TNIL) {
			lua_pop(L, 1);
			break;
		}
		snprintf(line, sizeof(line), "%s%-3s %#018llx", i ? "\n" : "", keys[i],
			 (unsigned long long)lua_tointeger(L, -1));
		lua_pop(L, 1);
		luaL_addstring(&b, line);
	}
	lua_getfield(L, 1, "level");
	lua_getfield(L, 1, "pfn");
	lua_getfield(L, 1, "swap_offset");
	luaL_addstring(&b, "\nleaf at ");
	luaL_addstring(&b, lua_tostring(L, -3) ? lua_tostring(L, -3) : "none");
	if (!lua_isnil(L, -2) || !lua_isnil(L, -1)) {
		char line[64];

		snprintf(line, sizeof(line), lua_isnil(L, -1) ? ", pfn %#llx" : ", swap offset %#llx",
			 (unsigned long long)lua_tointeger(L, lua_isnil(L, -1) ? -2 : -1));
		luaL_addstring(&b, line);
	}
	lua_pop(L, 3);
	luaL_pushresult(&b);
	return 1;
}

/* walk(addr) -> the entries on the way down, raw, and the leaf decoded. */
int cmd_walk(lua_State *L)
{
	unsigned long addr = (unsigned long)thp_checkaddr(L, 1, "walk");
	struct task_struct *t = thp_opt_task(L, 2, "walk");
	static const char *const level_names[] = { "", "pgd", "pud", "pmd", "pte" };
	struct addr_walk w;
	u64 leaf = 0;
	const char *level = NULL;
	bool huge = false;

	if (addr >= TASK_SIZE)
		return thp_errorf(L, "walk: %#lx is outside the address space", addr);
	mm_walk_addr(t->mm, addr, &w);
	thp_new_view(L, "thpsh.walk", walk_tostring);
	thp_setint(L, "pgd", (long long)w.pgd);
	thp_setint(L, "p4d", (long long)w.p4d);
	if (w.level >= 2)
		thp_setint(L, "pud", (long long)w.pud);
	if (w.level >= 3)
		thp_setint(L, "pmd", (long long)w.pmd);
	if (w.level >= 4)
		thp_setint(L, "pte", (long long)w.pte);
	if (w.level == 3 && !pmd_none(__pmd(w.pmd))) {
		leaf = w.pmd;
		level = "pmd";
		huge = true;
	} else if (w.level == 4 && !pte_none(__pte(w.pte))) {
		leaf = w.pte;
		level = "pte";
	}
	(void)level_names;
	if (level) {
		thp_setstr(L, "level", level);
		swp_entry_t e = __val_to_swp_entry(leaf & ~_PAGE_SWP_FLAGS);

		if (leaf & (_PAGE_PRESENT | _PAGE_PSE | _PAGE_PROTNONE))
			thp_setint(L, "pfn", (long long)(huge ? pmd_pfn(__pmd(leaf)) +
					    ((addr & ~PMD_MASK) >> PAGE_SHIFT) : pte_pfn(__pte(leaf))));
		else if (is_migration_entry(e))
			thp_setint(L, "pfn", (long long)swp_offset_pfn(e));
		else
			thp_setint(L, "swap_offset", (long long)swp_offset(e));
		thp_setbool(L, "migration", is_migration_entry(__val_to_swp_entry(leaf & ~_PAGE_SWP_FLAGS)) &&
			    !(leaf & (_PAGE_PRESENT | _PAGE_PSE)));
	}
	thp_setbool(L, "huge", huge);
	push_entry_flags(L, leaf);
	lua_setfield(L, -2, "flags");
	return 1;
}

/* ---- dump_pagetable() ---- */

struct dump {
	lua_State *L;
	struct mm_struct *mm;
	unsigned long start, end;
};

static void push_entry_common(lua_State *L, const char *level, int index,
			      unsigned long addr, u64 raw)
{
	lua_newtable(L);
	thp_setstr(L, "level", level);
	thp_setint(L, "index", index);
	thp_setint(L, "addr", (long long)addr);
	thp_setint(L, "raw", (long long)raw);
	push_entry_flags(L, raw);
	lua_setfield(L, -2, "flags");
}

static void push_folio_brief(lua_State *L, struct folio *folio)
{
	lua_newtable(L);
	thp_setint(L, "pfn", (long long)folio_pfn(folio));
	thp_setint(L, "order", folio_order(folio));
	thp_setint(L, "refcount", folio_ref_count(folio));
	thp_setint(L, "mapcount", is_huge_zero_folio(folio) ? 0 : folio_mapcount(folio));
	thp_setint(L, "entire_mapcount", folio_test_large(folio) ?
		   folio_entire_mapcount(folio) : 0);
	lua_setfield(L, -2, "folio");
}

/* A run of PTEs mapping consecutive pages of one folio with the same bits. */
static int pte_run(pte_t *pte, int i)
{
	u64 ignore = _PAGE_DIRTY_BITS | _PAGE_ACCESSED, base = pte_val(pte[i]);
	int n = 1;

	if (pte_present(pte[i]) && !pte_special(pte[i])) {
		struct folio *folio = page_folio(pfn_to_page(pte_pfn(pte[i])));

		while (i + n < PTRS_PER_PTE && pte_present(pte[i + n]) &&
		       ((pte_val(pte[i + n]) ^ (base + (u64)n * PAGE_SIZE)) & ~ignore) == 0 &&
		       page_folio(pfn_to_page(pte_pfn(pte[i + n]))) == folio)
			n++;
		return n;
	}
	if (is_pte_migration_entry(pte[i])) {
		swp_entry_t e = pte_to_swp_entry(pte[i]);

		while (i + n < PTRS_PER_PTE && is_pte_migration_entry(pte[i + n])) {
			swp_entry_t f = pte_to_swp_entry(pte[i + n]);

			if (swp_type(f) != swp_type(e) ||
			    swp_offset_pfn(f) != swp_offset_pfn(e) + n ||
			    (swp_offset(f) & ~SWP_PFN_MASK) != (swp_offset(e) & ~SWP_PFN_MASK))
				break;
			n++;
		}
		return n;
	}
	if (is_swap_pte(pte[i])) {
		swp_entry_t e = pte_to_swp_entry(pte[i]);

		while (i + n < PTRS_PER_PTE && is_swap_pte(pte[i + n]) &&
		       !is_pte_migration_entry(pte[i + n]) &&
		       (pte_val(pte[i + n]) & _PAGE_SWP_FLAGS) == (base & _PAGE_SWP_FLAGS) &&
		       pte_to_swp_entry(pte[i + n]).val == e.val + n)
			n++;
		return n;
	}
	while (i + n < PTRS_PER_PTE && pte_val(pte[i + n]) == base)
		n++;	/* the zero page: the same entry repeated */
	return n;
}

static void dump_pte_table(struct dump *d, pmd_t *pmd, unsigned long base)
{
	lua_State *L = d->L;
	pte_t *pte = pte_offset_map(pmd, base);
	int i, n, k = 0;

	luaL_checkstack(L, 12, "dump_pagetable");
	lua_newtable(L);
	for (i = 0; i < PTRS_PER_PTE; i += n) {
		unsigned long addr = base + i * PAGE_SIZE;

		n = 1;
		if (pte_none(pte[i]) || addr + PAGE_SIZE <= d->start || addr >= d->end)
			continue;
		n = pte_run(pte, i);
		push_entry_common(L, "pte", i, addr, pte_val(pte[i]));
		thp_setint(L, "count", n);
		if (pte_present(pte[i])) {
			thp_setint(L, "pfn", (long long)pte_pfn(pte[i]));
			if (pte_special(pte[i])) {
				thp_setstr(L, "kind", "zero");
			} else {
				thp_setstr(L, "kind", "page");
				push_folio_brief(L, page_folio(pfn_to_page(pte_pfn(pte[i]))));
			}
		} else {
			swp_entry_t e = pte_to_swp_entry(pte[i]);

			if (is_migration_entry(e)) {
				thp_setstr(L, "kind", "migration");
				thp_setint(L, "pfn", (long long)swp_offset_pfn(e));
			} else {
				thp_setstr(L, "kind", "swap");
				thp_setint(L, "swap_offset", (long long)swp_offset(e));
			}
		}
		lua_rawseti(L, -2, ++k);
	}
	lua_setfield(L, -2, "entries");
}

static void dump_pmd_table(struct dump *d, pud_t *pud, unsigned long base)
{
	lua_State *L = d->L;
	pmd_t *pmd = pmd_offset(pud, base);
	struct page *t, *table = entry_table_page(pmd);
	int i, k = 0;

	luaL_checkstack(L, 12, "dump_pagetable");
	lua_newtable(L);
	for (t = table->pmd_huge_pte; t; t = t->pt_deposit_next) {
		lua_pushinteger(L, (lua_Integer)page_to_pfn(t));
		lua_rawseti(L, -2, ++k);
	}
	lua_setfield(L, -2, "deposited");
	lua_newtable(L);
	for (i = 0, k = 0; i < PTRS_PER_PMD; i++) {
		unsigned long addr = base + i * PMD_SIZE;
		pmd_t e = pmd[i];

		if (pmd_none(e) || addr + PMD_SIZE <= d->start || addr >= d->end)
			continue;
		push_entry_common(L, "pmd", i, addr, pmd_val(e));
		if (is_swap_pmd(e)) {
			thp_setstr(L, "kind", "migration");
			thp_setint(L, "pfn", (long long)swp_offset_pfn(pmd_to_swp_entry(e)));
		} else if (pmd_trans_huge(e)) {
			thp_setint(L, "pfn", (long long)pmd_pfn(e));
			thp_setstr(L, "kind", is_huge_zero_pmd(e) ? "huge-zero" : "thp");
			push_folio_brief(L, page_folio(pfn_to_page(pmd_pfn(e))));
		} else {
			thp_setstr(L, "kind", "table");
			thp_setint(L, "pfn", (long long)pmd_pfn(e));
			lua_newtable(L);
			thp_setstr(L, "level", "pte");
			thp_setint(L, "pfn", (long long)pmd_pfn(e));
			dump_pte_table(d, pmd + i, addr);
			lua_setfield(L, -2, "table");
		}
		lua_rawseti(L, -2, ++k);
	}
	lua_setfield(L, -2, "entries");
}

static void dump_pud_table(struct dump *d, pgd_t *pgd, unsigned long base)
{
	lua_State *L = d->L;
	pud_t *pud = pud_offset(p4d_offset(pgd, base), base);
	int i, k = 0;

	luaL_checkstack(L, 12, "dump_pagetable");
	lua_newtable(L);
	for (i = 0; i < PTRS_PER_PUD; i++) {
		unsigned long addr = base + ((unsigned long)i << PUD_SHIFT);

		if (pud_none(pud[i]) || addr + PUD_SIZE <= d->start || addr >= d->end)
			continue;
		push_entry_common(L, "pud", i, addr, pud_val(pud[i]));
		thp_setstr(L, "kind", "table");
		thp_setint(L, "pfn", (long long)pud_pfn(pud[i]));
		lua_newtable(L);
		thp_setstr(L, "level", "pmd");
		thp_setint(L, "pfn", (long long)pud_pfn(pud[i]));
		dump_pmd_table(d, pud + i, addr);
		lua_setfield(L, -2, "table");
		lua_rawseti(L, -2, ++k);
	}
	lua_setfield(L, -2, "entries");
}

/* Render one table and everything below it, indented by level. */
static void render_table(lua_State *L, int tbl, luaL_Buffer *b, int depth)
{
	int i, n;

	luaL_checkstack(L, 24, "dump_pagetable");
	lua_getfield(L, tbl, "entries");
	n = (int)luaL_len(L, -1);
	for (i = 1; i <= n; i++) {
		char line[400], flags[160];
		long long raw, addr, count, pfn;
		const char *kind, *level;
		int e;

		lua_rawgeti(L, -1, i);
		e = lua_gettop(L);
		lua_getfield(L, e, "raw");
		lua_getfield(L, e, "addr");
		lua_getfield(L, e, "count");
		lua_getfield(L, e, "pfn");
		lua_getfield(L, e, "kind");
		lua_getfield(L, e, "level");
		lua_getfield(L, e, "index");
		raw = lua_tointeger(L, e + 1);
		addr = lua_tointeger(L, e + 2);
		count = lua_isnil(L, e + 3) ? 1 : lua_tointeger(L, e + 3);
		pfn = lua_tointeger(L, e + 4);
		kind = lua_tostring(L, e + 5);
		level = lua_tostring(L, e + 6);
		short_flags(flags, sizeof(flags), (u64)raw);
		if (count > 1)
			snprintf(line, sizeof(line), "%*s%s[%lld-%lld] %#014llx %#018llx %s",
				 depth * 2, "", level, lua_tointeger(L, e + 7),
				 lua_tointeger(L, e + 7) + count - 1, addr, raw, flags);
		else
			snprintf(line, sizeof(line), "%*s%s[%lld] %#014llx %#018llx %s",
				 depth * 2, "", level, lua_tointeger(L, e + 7), addr, raw, flags);
		luaL_addstring(b, line);
		if (!strcmp(kind, "table")) {
			snprintf(line, sizeof(line), "  -> %s table pfn %#llx",
				 !strcmp(level, "pud") ? "PMD" : !strcmp(level, "pmd") ? "PTE" : "PUD",
				 pfn);
			luaL_addstring(b, line);
		} else if (!strcmp(kind, "zero") || !strcmp(kind, "huge-zero")) {
			luaL_addstring(b, !strcmp(kind, "zero") ? "  zero page" : "  huge zero page");
		} else if (!strcmp(kind, "migration") || !strcmp(kind, "swap")) {
			snprintf(line, sizeof(line), count > 1 ? "  (x%lld)" : "", count);
			luaL_addstring(b, line);
		} else if (lua_getfield(L, e, "folio") == LUA_TTABLE) {
			int f = lua_gettop(L);

			lua_getfield(L, f, "pfn");
			lua_getfield(L, f, "order");
			lua_getfield(L, f, "refcount");
			lua_getfield(L, f, "mapcount");
			lua_getfield(L, f, "entire_mapcount");
			snprintf(line, sizeof(line), "  %s folio pfn %#llx order %lld ref %lld map %lld%s",
				 !strcmp(kind, "thp") ? "THP" : "", lua_tointeger(L, f + 1),
				 lua_tointeger(L, f + 2), lua_tointeger(L, f + 3),
				 lua_tointeger(L, f + 4),
				 lua_tointeger(L, f + 5) ? " (entire)" : "");
			luaL_addstring(b, line);
			lua_pop(L, 6);
		} else {
			lua_pop(L, 1);
		}
		luaL_addchar(b, '\n');
		if (lua_getfield(L, e, "table") == LUA_TTABLE) {
			int sub = lua_gettop(L);

			if (lua_getfield(L, sub, "deposited") == LUA_TTABLE && luaL_len(L, -1) > 0) {
				int j, m = (int)luaL_len(L, -1);

				snprintf(line, sizeof(line), "%*sdeposited:", (depth + 1) * 2, "");
				luaL_addstring(b, line);
				for (j = 1; j <= m; j++) {
					lua_rawgeti(L, -1, j);
					snprintf(line, sizeof(line), " pfn %#llx",
						 (unsigned long long)lua_tointeger(L, -1));
					lua_pop(L, 1);
					luaL_addstring(b, line);
				}
				luaL_addchar(b, '\n');
			}
			lua_pop(L, 1);
			render_table(L, sub, b, depth + 1);
		}
		lua_settop(L, e - 1);
	}
	lua_pop(L, 1);
}

static int dump_tostring(lua_State *L)
{
	luaL_Buffer b;
	char line[160];

	lua_settop(L, 1);
	lua_getfield(L, 1, "pid");
	lua_getfield(L, 1, "pfn");
	snprintf(line, sizeof(line), "pid %lld: pgd pfn %#llx\n",
		 (long long)lua_tointeger(L, 2), (unsigned long long)lua_tointeger(L, 3));
	lua_settop(L, 1);
	luaL_buffinit(L, &b);
	luaL_addstring(&b, line);
	render_table(L, 1, &b, 1);
	luaL_pushresult(&b);
	return 1;
}

/* The tree of @d as a table: the root (PGD) with nested tables. */
static void push_dump(lua_State *L, struct dump *d, struct task_struct *t)
{
	pgd_t *pgd;
	int i, k = 0;

	thp_new_view(L, "thpsh.pagetable", dump_tostring);
	thp_setint(L, "pid", t->pid);
	thp_setstr(L, "level", "pgd");
	thp_setint(L, "pfn", (long long)page_to_pfn(t->mm->pgd));
	lua_newtable(L);
	for (i = 0; i < PTRS_PER_PGD; i++) {
		unsigned long addr = (unsigned long)i << PGDIR_SHIFT;

		pgd = (pgd_t *)&page_table_entries(t->mm->pgd)[i];
		if (pgd_none(*pgd) || addr + PGDIR_SIZE <= d->start || addr >= d->end)
			continue;
		push_entry_common(L, "pgd", i, addr, pgd_val(*pgd));
		thp_setstr(L, "kind", "table");
		thp_setint(L, "pfn", (long long)pgd_pfn(*pgd));
		lua_newtable(L);
		thp_setstr(L, "level", "pud");
		thp_setint(L, "pfn", (long long)pgd_pfn(*pgd));
		dump_pud_table(d, pgd, addr);
		lua_setfield(L, -2, "table");
		lua_rawseti(L, -2, ++k);
	}
	lua_setfield(L, -2, "entries");
}

/* Replace the value on top of the stack by thpsh.<module>.<fn>(value). */
static void lua_module_call(lua_State *L, const char *module, const char *fn)
{
	lua_getglobal(L, "require");
	lua_pushstring(L, module);
	lua_call(L, 1, 1);
	lua_getfield(L, -1, fn);
	lua_pushvalue(L, -3);
	lua_call(L, 1, 1);
	lua_replace(L, -3);
	lua_pop(L, 1);
}

/* Pipe the DOT text on top of the stack through Graphviz: SVG text. */
static void to_svg(lua_State *L, const char *cmd)
{
	char tmp[] = "/tmp/thpsh-dot.XXXXXX", shell[64];
	luaL_Buffer b;
	size_t len;
	const char *dot = lua_tolstring(L, -1, &len);
	int fd = mkstemp(tmp);
	FILE *out;
	char buf[4096];
	size_t n;

	if (fd < 0 || write(fd, dot, len) != (ssize_t)len) {
		if (fd >= 0)
			close(fd), unlink(tmp);
		thp_errorf(L, "%s: cannot write a temporary file", cmd);
	}
	close(fd);
	snprintf(shell, sizeof(shell), "dot -Tsvg %s 2>/dev/null", tmp);
	out = popen(shell, "r");
	luaL_buffinit(L, &b);
	while (out && (n = fread(buf, 1, sizeof(buf), out)) > 0)
		luaL_addlstring(&b, buf, n);
	if (!out || pclose(out)) {
		unlink(tmp);
		thp_errorf(L, "%s: format \"svg\" needs Graphviz's dot, which failed or is missing",
			   cmd);
	}
	unlink(tmp);
	luaL_pushresult(&b);
}

static void write_file(lua_State *L, const char *path, const char *cmd)
{
	size_t len;
	const char *text = lua_tolstring(L, -1, &len);
	FILE *f = fopen(path, "w");

	if (!f || fwrite(text, 1, len, f) != len || fclose(f))
		thp_errorf(L, "%s: cannot write %s", cmd, path);
}

/* The options format = "table"|"dot"|"svg" and file of table @arg. */
static int picture_opts(lua_State *L, int arg, const char **file)
{
	static const char *const formats[] = { "table", "dot", "svg", NULL };
	int format = 0;

	*file = NULL;
	if (!lua_istable(L, arg))
		return 0;
	if (lua_getfield(L, arg, "format") != LUA_TNIL)
		format = luaL_checkoption(L, -1, NULL, formats);
	if (lua_getfield(L, arg, "file") != LUA_TNIL)
		*file = luaL_checkstring(L, -1);
	lua_pop(L, 2);
	return format;
}

/* Turn the tree on top of the stack into the picture asked for. */
static void picture(lua_State *L, const char *cmd, const char *module, int format,
		    const char *file)
{
	if (format >= 1)
		lua_module_call(L, module, "render");
	if (format == 2)
		to_svg(L, cmd);
	if (file)
		write_file(L, file, cmd);
}

/*
 * dump_pagetable([addr [, len]]) or dump_pagetable{addr =, len =,
 * format = "dot"|"svg", file =} -> the tables of the current process
 * (over [addr, addr+len), else everything): each table's entries with
 * index, address, raw value and flags, the folio behind each leaf, and
 * the PTE tables deposited beside huge PMDs.  With format, the DOT or
 * SVG text instead (also written to file when given).
 */
int cmd_dump_pagetable(lua_State *L)
{
	struct task_struct *t = thp_task(L);
	struct dump d = { L, t->mm, 0, TASK_SIZE };
	const char *file;
	int format = picture_opts(L, 1, &file), arg_addr = 1, arg_len = 2;

	if (lua_istable(L, 1)) {
		lua_getfield(L, 1, "addr");
		lua_getfield(L, 1, "len");
		arg_addr = lua_gettop(L) - 1;
		arg_len = lua_gettop(L);
	}
	if (!lua_isnoneornil(L, arg_addr)) {
		d.start = (unsigned long)thp_checkaddr(L, arg_addr, "dump_pagetable") & PAGE_MASK;
		d.end = lua_isnoneornil(L, arg_len) ? d.start + PAGE_SIZE :
			d.start + (unsigned long)thp_checksize(L, arg_len, "dump_pagetable");
		if (d.end > TASK_SIZE || d.end <= d.start)
			return thp_errorf(L, "dump_pagetable: range is outside the address space");
	}
	push_dump(L, &d, t);
	picture(L, "dump_pagetable", "thpsh.dot", format, file);
	return 1;
}

/* ---- split_history() ---- */

/* history_now(pfn) -> the folio holding pfn now ({pfn, order, refcount, mapcount}), or nil if free. */
static int history_now(lua_State *L)
{
	lua_Integer pfn = luaL_checkinteger(L, 1);
	struct page *page;
	struct folio *folio;

	if (pfn < 0 || (unsigned long)pfn >= max_pfn)
		return 0;
	page = pfn_to_page((unsigned long)pfn);
	if (page_is_free(page))
		return 0;
	folio = page_folio(page);
	lua_newtable(L);
	thp_setint(L, "pfn", (long long)folio_pfn(folio));
	thp_setint(L, "order", folio_order(folio));
	thp_setint(L, "refcount", folio_ref_count(folio));
	thp_setint(L, "mapcount", page_is_table(page) || page->flags & BIT(PG_reserved) ?
		   0 : folio_mapcount(folio));
	thp_setbool(L, "table", page_is_table(page));
	return 1;
}

static void push_split_record(lua_State *L, const struct split_record *r)
{
	int o, n = 0;

	lua_createtable(L, 0, 8);
	thp_setint(L, "seq", (long long)r->seq);
	thp_setint(L, "pfn", (long long)r->pfn);
	thp_setint(L, "order", r->order);
	thp_setint(L, "split_at", (long long)r->split_at);
	thp_setbool(L, "anon", r->anon);
	if (r->cause)
		thp_setstr(L, "cause", r->cause);
	lua_newtable(L);
	for (o = r->order - 1; o >= 0; o--)
		if (r->orders & (1U << o)) {
			lua_pushinteger(L, o);
			lua_rawseti(L, -2, ++n);
		}
	lua_setfield(L, -2, "orders");
	thp_setint(L, "new_order", __builtin_ctz(r->orders | 1U << r->order));
}

/*
 * split_history([addr | {addr =, pfn =, pid =, format =, file =}]) ->
 * every folio split recorded since boot; with a page (mapped at addr,
 * or a pfn), the tree of the splits that made the folio holding it now,
 * built by lua/thpsh/history.lua; with format, its DOT or SVG.
 */
int cmd_split_history(lua_State *L)
{
	struct task_struct *t = lua_istable(L, 1) ? thp_opt_task(L, 1, "split_history") :
				thp_task(L);
	const char *file;
	int format = picture_opts(L, 1, &file), arg = 1;
	unsigned long pfn;
	size_t i, n = split_history_count();

	if (lua_istable(L, 1) && lua_getfield(L, 1, "pfn") == LUA_TNIL) {
		if (lua_getfield(L, 1, "addr") == LUA_TNIL && format)
			return thp_errorf(L, "split_history: a picture needs addr or pfn");
		arg = lua_gettop(L);
	}
	lua_settop(L, arg);
	lua_createtable(L, (int)n, 0);
	for (i = 0; i < n; i++) {
		push_split_record(L, split_history_get(i));
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	if (lua_isnil(L, arg) || lua_isnone(L, arg))
		return 1;
	pfn = page_to_pfn(arg_page(L, arg, "split_history", t));
	if (pfn == zero_pfn)
		return thp_errorf(L, "split_history: that address maps the shared zero page; "
				  "give {pfn = N}");
	lua_getglobal(L, "require");
	lua_pushliteral(L, "thpsh.history");
	lua_call(L, 1, 1);
	lua_getfield(L, -1, "tree");
	lua_pushvalue(L, -3);
	lua_pushinteger(L, (lua_Integer)pfn);
	lua_pushcfunction(L, history_now);
	lua_call(L, 3, 1);
	picture(L, "split_history", "thpsh.history", format, file);
	return 1;
}

/* ---- /proc files ---- */

static long node_item(enum node_stat_item item)
{
	return (long)global_node_page_state(item);
}

/* vmstat([name]) -> every counter, or one; the kernel's names and units. */
int cmd_vmstat(lua_State *L)
{
	const char *name = luaL_optstring(L, 1, NULL);
	int i;

	thp_task(L);
	lua_newtable(L);
	thp_setint(L, "nr_free_pages", (long long)global_free_pages());
	for (i = 0; i < NR_VM_NODE_STAT_ITEMS; i++)
		thp_setint(L, node_stat_names[i], node_item(i) /
			   (vmstat_item_print_in_thp(i) ? HPAGE_PMD_NR : 1));
	for (i = 0; i < NR_VM_EVENT_ITEMS; i++)
		thp_setint(L, vm_event_names[i], (long long)vm_events[i]);
	if (!name)
		return 1;
	if (lua_getfield(L, -1, name) == LUA_TNIL)
		return thp_errorf(L, "vmstat: no counter %s", name);
	return 1;
}

/* meminfo() -> the THP-related lines of /proc/meminfo, in kB. */
int cmd_meminfo(lua_State *L)
{
	const long kb = PAGE_SIZE / 1024;

	thp_task(L);
	lua_newtable(L);
	thp_setint(L, "MemTotal", (long long)totalram_pages() * kb);
	thp_setint(L, "MemFree", (long long)global_free_pages() * kb);
	thp_setint(L, "AnonPages", node_item(NR_ANON_MAPPED) * kb);
	thp_setint(L, "Mapped", node_item(NR_FILE_MAPPED) * kb);
	thp_setint(L, "Shmem", node_item(NR_SHMEM) * kb);
	thp_setint(L, "PageTables", node_item(NR_PAGETABLE) * kb);
	thp_setint(L, "AnonHugePages", node_item(NR_ANON_THPS) * kb);
	thp_setint(L, "ShmemHugePages", node_item(NR_SHMEM_THPS) * kb);
	thp_setint(L, "ShmemPmdMapped", node_item(NR_SHMEM_PMDMAPPED) * kb);
	thp_setint(L, "FileHugePages", node_item(NR_FILE_THPS) * kb);
	thp_setint(L, "FilePmdMapped", node_item(NR_FILE_PMDMAPPED) * kb);
	thp_setint(L, "SwapTotal", total_swap_pages() * kb);
	thp_setint(L, "SwapFree", get_nr_swap_pages() * kb);
	thp_setint(L, "SwapCached", node_item(NR_SWAPCACHE) * kb);
	return 1;
}

struct smaps {
	unsigned long rss, pss, shared_clean, shared_dirty, private_clean,
		      private_dirty, referenced, anonymous, lazyfree, anon_thp, shmem_thp,
		      file_thp, swap, swap_pss;
};

/* A swap PTE: its page counts whole in Swap, shared out in SwapPss. */
static void smaps_swap(struct smaps *s, pte_t pte)
{
	swp_entry_t entry = pte_to_swp_entry(pte);
	int count;

	if (is_migration_entry(entry))
		return;
	count = __swap_count(entry);
	s->swap += PAGE_SIZE;
	s->swap_pss += PAGE_SIZE / (count > 1 ? count : 1);
}

/* smaps_account(): one page mapped @mapcount times. */
static void smaps_account(struct smaps *s, struct folio *folio, struct page *page,
			  bool young, bool dirty)
{
	int mapcount = folio_precise_page_mapcount(folio, page);

	dirty = dirty || folio_test_dirty(folio);
	s->rss += PAGE_SIZE;
	if (folio_test_anon(folio))
		s->anonymous += PAGE_SIZE;
	/* MADV_FREE'd and not written since */
	if (folio_test_anon(folio) && !folio_test_swapbacked(folio) && !dirty)
		s->lazyfree += PAGE_SIZE;
	if (young || folio_test_referenced(folio))
		s->referenced += PAGE_SIZE;
	if (mapcount >= 2) {
		s->pss += PAGE_SIZE / mapcount;
		if (dirty)
			s->shared_dirty += PAGE_SIZE;
		else
			s->shared_clean += PAGE_SIZE;
	} else {
		s->pss += PAGE_SIZE;
		if (dirty)
			s->private_dirty += PAGE_SIZE;
		else
			s->private_clean += PAGE_SIZE;
	}
}

static void smaps_walk(struct vm_area_struct *vma, struct smaps *s)
{
	unsigned long addr = vma->vm_start;

	while (addr < vma->vm_end) {
		pmd_t *pmd = mm_find_pmd(vma->vm_mm, addr);
		unsigned long next = pmd_addr_end(addr, vma->vm_end);

		if (pmd && pmd_trans_huge(*pmd) && pmd_present(*pmd)) {
			struct page *page = vm_normal_page_pmd(vma, addr, *pmd);

			if (page) {
				struct folio *folio = page_folio(page);
				long i;

				for (i = 0; i < folio_nr_pages(folio); i++)
					smaps_account(s, folio, page + i, pmd_young(*pmd),
						      pmd_dirty(*pmd));
				if (folio_test_anon(folio))
					s->anon_thp += HPAGE_PMD_SIZE;
				else if (folio_test_swapbacked(folio))
					s->shmem_thp += HPAGE_PMD_SIZE;
				else
					s->file_thp += HPAGE_PMD_SIZE;
			}
		} else if (pmd && !pmd_none(*pmd) && pmd_present(*pmd)) {
			pte_t *pte = pte_offset_map(pmd, addr);
			unsigned long a;

			for (a = addr; a < next; a += PAGE_SIZE, pte++) {
				struct page *page;

				if (is_swap_pte(*pte))
					smaps_swap(s, *pte);
				if (!pte_present(*pte) || !(page = vm_normal_page(vma, a, *pte)))
					continue;
				smaps_account(s, page_folio(page), page, pte_young(*pte),
					      pte_dirty(*pte));
			}
		}
		addr = next;
	}
}

/* Is anything (a page, a swap entry, a THP) mapped at @addr of @vma? */
static bool smaps_mapped(struct vm_area_struct *vma, unsigned long addr)
{
	pmd_t *pmd = mm_find_pmd(vma->vm_mm, addr);
	pte_t *pte;

	if (!pmd || pmd_none(*pmd))
		return false;
	if (pmd_trans_huge(*pmd) || !pmd_present(*pmd))
		return true;
	pte = pte_offset_map(pmd, addr);
	return pte && !pte_none(*pte);
}

/*
 * The shmem pages of @vma's range on swap, in Swap (not SwapPss): all
 * of them for a shared or read-only mapping (shmem_swap_usage), only
 * those under holes for a private writable one, whose anonymous copies
 * count as swap PTEs already (smaps_pte_hole).
 */
static void smaps_shmem_swap(struct smaps *s, struct vm_area_struct *vma)
{
	unsigned long addr;

	if (!vma->vm_file || !vma->vm_file->swapped)
		return;
	if ((vma->vm_flags & VM_SHARED) || !(vma->vm_flags & VM_WRITE)) {
		s->swap += shmem_swap_usage(vma) * PAGE_SIZE;
		return;
	}
	for (addr = vma->vm_start; addr < vma->vm_end; addr += PAGE_SIZE)
		if (!smaps_mapped(vma, addr))
			s->swap += shmem_partial_swap_usage(&vma->vm_file->f_mapping,
							    linear_page_index(vma, addr),
							    linear_page_index(vma, addr) + 1) *
				   PAGE_SIZE;
}

static void push_vmflags(lua_State *L, unsigned long flags)
{
	static const struct { unsigned long flag; const char *mn; } mn[] = {
		{ VM_READ, "rd" }, { VM_WRITE, "wr" }, { VM_EXEC, "ex" }, { VM_SHARED, "sh" },
		{ VM_MAYREAD, "mr" }, { VM_MAYWRITE, "mw" }, { VM_MAYEXEC, "me" },
		{ VM_MAYSHARE, "ms" }, { VM_GROWSDOWN, "gd" }, { VM_PFNMAP, "pf" },
		{ VM_LOCKED, "lo" }, { VM_IO, "io" }, { VM_DONTCOPY, "dc" },
		{ VM_DONTEXPAND, "de" }, { VM_ACCOUNT, "ac" }, { VM_NORESERVE, "nr" },
		{ VM_HUGETLB, "ht" }, { VM_WIPEONFORK, "wf" }, { VM_DONTDUMP, "dd" },
		{ VM_MIXEDMAP, "mm" }, { VM_HUGEPAGE, "hg" }, { VM_NOHUGEPAGE, "nh" },
		{ VM_MERGEABLE, "mg" },
	};
	char buf[128];
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(mn); i++)
		if (flags & mn[i].flag)
			off += snprintf(buf + off, sizeof(buf) - off, "%s%s", off ? " " : "",
					mn[i].mn);
	lua_pushstring(L, buf);
}

static void push_smaps(lua_State *L, struct vm_area_struct *vma)
{
	struct smaps s = { 0 };

	smaps_walk(vma, &s);
	smaps_shmem_swap(&s, vma);
	lua_newtable(L);
	thp_setint(L, "start", (long long)vma->vm_start);
	thp_setint(L, "end", (long long)vma->vm_end);
	thp_setint(L, "Size", (long long)(vma->vm_end - vma->vm_start) / 1024);
	thp_setint(L, "KernelPageSize", 4);
	thp_setint(L, "MMUPageSize", 4);
	thp_setint(L, "Rss", (long long)s.rss / 1024);
	thp_setint(L, "Pss", (long long)s.pss / 1024);
	thp_setint(L, "Shared_Clean", (long long)s.shared_clean / 1024);
	thp_setint(L, "Shared_Dirty", (long long)s.shared_dirty / 1024);
	thp_setint(L, "Private_Clean", (long long)s.private_clean / 1024);
	thp_setint(L, "Private_Dirty", (long long)s.private_dirty / 1024);
	thp_setint(L, "Referenced", (long long)s.referenced / 1024);
	thp_setint(L, "Anonymous", (long long)s.anonymous / 1024);
	thp_setint(L, "LazyFree", (long long)s.lazyfree / 1024);
	thp_setint(L, "AnonHugePages", (long long)s.anon_thp / 1024);
	thp_setint(L, "ShmemPmdMapped", (long long)s.shmem_thp / 1024);
	thp_setint(L, "FilePmdMapped", (long long)s.file_thp / 1024);
	thp_setint(L, "Swap", (long long)s.swap / 1024);
	thp_setint(L, "SwapPss", (long long)s.swap_pss / 1024);
	thp_setint(L, "Locked", 0);
	/* show_smap(): any order, mTHP sizes included */
	thp_setint(L, "THPeligible",
		   !!thp_vma_allowable_orders(vma, vma->vm_flags, TVA_SMAPS, THP_ORDERS_ALL));
	push_vmflags(L, vma->vm_flags);
	lua_setfield(L, -2, "VmFlags");
}

/* smaps([addr]) -> the VMA containing addr, or a list of every VMA. */
int cmd_smaps(lua_State *L)
{
	struct task_struct *t = thp_opt_task(L, 2, "smaps");
	struct vm_area_struct *vma;
	int i = 0;

	if (!lua_isnoneornil(L, 1)) {
		unsigned long addr = (unsigned long)thp_checkaddr(L, 1, "smaps");

		vma = addr < TASK_SIZE ? vma_lookup(t->mm, addr) : NULL;
		if (!vma)
			return thp_errorf(L, "smaps: %#lx is not mapped", addr);
		push_smaps(L, vma);
		return 1;
	}
	lua_newtable(L);
	for_each_vma(t->mm, vma) {
		push_smaps(L, vma);
		lua_rawseti(L, -2, ++i);
	}
	return 1;
}

/* mthp_stats(size) -> hugepages-<size>kB/stats, size as "64kB", "64K" or 65536. */
int cmd_mthp_stats(lua_State *L)
{
	const char *s = lua_tostring(L, 1);
	lua_Integer bytes;
	int order, i;

	thp_task(L);
	if (s && (bytes = 0, sscanf(s, "%lldkB", (long long *)&bytes) == 1) && strstr(s, "kB"))
		bytes *= 1024;
	else
		bytes = thp_checksize(L, 1, "mthp_stats");
	for (order = 2; order <= PMD_ORDER; order++)
		if ((PAGE_SIZE << order) == (unsigned long)bytes)
			break;
	if (order > PMD_ORDER)
		return thp_errorf(L, "mthp_stats: no hugepages-%lldkB (16kB..2048kB)",
				  (long long)bytes / 1024);
	lua_newtable(L);
	for (i = 0; i < __MTHP_STAT_COUNT; i++)
		thp_setint(L, mthp_stat_names[i], mthp_stats[order][i]);
	return 1;
}

static void push_queue(lua_State *L, struct deferred_split *q, const char *name, int *n)
{
	struct folio *folio;

	list_for_each_entry(folio, &q->split_queue, _deferred_list) {
		push_folio(L, folio);
		thp_setstr(L, "queue", name);
		lua_rawseti(L, -2, ++*n);
	}
}

/* deferred_list() -> the folios on every deferred split queue, in order. */
int cmd_deferred_list(lua_State *L)
{
	struct mem_cgroup *memcg = NULL;
	char name[48];
	int nid, n = 0;

	thp_task(L);
	lua_newtable(L);
	for (nid = 0; nid < nr_node_ids; nid++) {
		snprintf(name, sizeof(name), "node%d", nid);
		push_queue(L, &NODE_DATA(nid)->deferred_split_queue, name, &n);
	}
	while ((memcg = mem_cgroup_iter(memcg))) {
		snprintf(name, sizeof(name), "memcg:%s", memcg->name);
		push_queue(L, &memcg->deferred_split_queue, name, &n);
	}
	return 1;
}

/* /proc/PID/pagemap bits, as src/live/live.h has them for the live kernel. */
#define PM_PFN_MASK		((1ULL << 55) - 1)
#define PM_MMAP_EXCLUSIVE	(1ULL << 56)
#define PM_UFFD_WP		(1ULL << 57)
#define PM_FILE			(1ULL << 61)
#define PM_SWAP			(1ULL << 62)
#define PM_PRESENT		(1ULL << 63)

/* The /proc/PID/pagemap entry of @addr, as pagemap_pmd_range computes it. */
static u64 pagemap_entry(struct mm_struct *mm, unsigned long addr)
{
	struct vm_area_struct *vma = vma_lookup(mm, addr);
	struct addr_walk w;
	u64 flags = 0;

	if (!vma)
		return 0;
	mm_walk_addr(mm, addr, &w);
	if (w.level == 3 && pmd_trans_huge(__pmd(w.pmd)) && pmd_present(__pmd(w.pmd))) {
		pmd_t pmd = __pmd(w.pmd);
		struct page *head = pfn_to_page(pmd_pfn(pmd));
		struct folio *folio = page_folio(head);

		flags = PM_PRESENT | (pmd_pfn(pmd) + ((addr & ~PMD_MASK) >> PAGE_SHIFT));
		if (!folio_test_anon(folio))
			flags |= PM_FILE;
		if (!is_huge_zero_folio(folio) &&
		    folio_precise_page_mapcount(folio, head) == 1)
			flags |= PM_MMAP_EXCLUSIVE;
		return flags;
	}
	if (w.level == 4 && pte_present(__pte(w.pte))) {
		pte_t pte = __pte(w.pte);
		struct page *page = vm_normal_page(vma, addr, pte);

		flags = PM_PRESENT | pte_pfn(pte);
		if (page && !folio_test_anon(page_folio(page)))
			flags |= PM_FILE;
		if (page && folio_precise_page_mapcount(page_folio(page), page) == 1)
			flags |= PM_MMAP_EXCLUSIVE;
		if (pte_uffd_wp(pte))
			flags |= PM_UFFD_WP;
		return flags;
	}
	if (w.level == 4 && !pte_none(__pte(w.pte))) {
		swp_entry_t e = pte_to_swp_entry(__pte(w.pte));
		u64 offset = is_migration_entry(e) ? swp_offset_pfn(e) : swp_offset(e);

		/* no PM_MMAP_EXCLUSIVE, whatever the entry says (FACTS.md "Swap") */
		return PM_SWAP | swp_type(e) | (offset << MAX_SWAPFILES_SHIFT);
	}
	return 0;
}

/* pagemap(addr) -> the 64-bit /proc/self/pagemap entry and its bits. */
int cmd_pagemap(lua_State *L)
{
	unsigned long addr = (unsigned long)thp_checkaddr(L, 1, "pagemap");
	struct task_struct *t = thp_opt_task(L, 2, "pagemap");
	u64 v;

	if (addr >= TASK_SIZE)
		return thp_errorf(L, "pagemap: %#lx is outside the address space", addr);
	v = pagemap_entry(t->mm, addr);
	lua_newtable(L);
	thp_set_pagemap_fields(L, v);
	if (v & PM_SWAP) {
		thp_setint(L, "swap_type", (long long)(v & ((1 << MAX_SWAPFILES_SHIFT) - 1)));
		thp_setint(L, "swap_offset", (long long)((v & PM_PFN_MASK) >> MAX_SWAPFILES_SHIFT));
	}
	return 1;
}

enum {
	KPF_LOCKED = 0, KPF_REFERENCED = 2, KPF_UPTODATE = 3, KPF_DIRTY = 4, KPF_LRU = 5,
	KPF_ACTIVE = 6, KPF_WRITEBACK = 8, KPF_RECLAIM = 9, KPF_BUDDY = 10, KPF_MMAP = 11,
	KPF_ANON = 12, KPF_SWAPCACHE = 13, KPF_SWAPBACKED = 14, KPF_COMPOUND_HEAD = 15,
	KPF_COMPOUND_TAIL = 16, KPF_UNEVICTABLE = 18, KPF_NOPAGE = 20, KPF_THP = 22,
	KPF_ZERO_PAGE = 24, KPF_PGTABLE = 26, KPF_RESERVED = 32, KPF_MLOCKED = 33,
	KPF_OWNER_2 = 34, KPF_PRIVATE = 35,
};

static const char *const kpf_names[64] = {
	[KPF_LOCKED] = "LOCKED", [KPF_REFERENCED] = "REFERENCED",
	[KPF_UPTODATE] = "UPTODATE", [KPF_DIRTY] = "DIRTY", [KPF_LRU] = "LRU",
	[KPF_ACTIVE] = "ACTIVE", [KPF_WRITEBACK] = "WRITEBACK", [KPF_RECLAIM] = "RECLAIM",
	[KPF_BUDDY] = "BUDDY", [KPF_MMAP] = "MMAP", [KPF_ANON] = "ANON",
	[KPF_SWAPCACHE] = "SWAPCACHE", [KPF_SWAPBACKED] = "SWAPBACKED",
	[KPF_COMPOUND_HEAD] = "COMPOUND_HEAD", [KPF_COMPOUND_TAIL] = "COMPOUND_TAIL",
	[KPF_UNEVICTABLE] = "UNEVICTABLE", [KPF_NOPAGE] = "NOPAGE", [KPF_THP] = "THP",
	[KPF_ZERO_PAGE] = "ZERO_PAGE", [KPF_PGTABLE] = "PGTABLE",
	[KPF_RESERVED] = "RESERVED", [KPF_MLOCKED] = "MLOCKED", [KPF_OWNER_2] = "OWNER_2",
	[KPF_PRIVATE] = "PRIVATE",
};

static u64 kpf_bit(unsigned long flags, int pg, int kpf)
{
	return (flags & BIT(pg)) ? 1ULL << kpf : 0;
}

/* stable_page_flags() of fs/proc/page.c. */
static u64 stable_page_flags(struct page *page)
{
	unsigned long pfn = page_to_pfn(page);
	struct folio *folio;
	unsigned long k;
	u64 u = 0;

	if (page_is_free(page)) {
		struct page *head = page;
		int order;

		for (order = 0; order < NR_PAGE_ORDERS; order++) {
			head = pfn_to_page(pfn & ~((1UL << order) - 1));
			if (head->page_type == (unsigned int)PGTY_buddy << PAGE_TYPE_SHIFT)
				break;
		}
		return head == page ? 1ULL << KPF_BUDDY : 0;
	}
	if (page_is_table(page))
		return 1ULL << KPF_PGTABLE;
	folio = page_folio(page);
	k = folio->flags;
	if (!(page->flags & BIT(PG_reserved)) && folio_mapped(folio) &&
	    !is_huge_zero_folio(folio))
		u |= 1ULL << KPF_MMAP;
	if (folio_test_anon(folio))
		u |= 1ULL << KPF_ANON;
	if (folio_test_large(folio))
		u |= 1ULL << ((struct page *)folio == page ? KPF_COMPOUND_HEAD : KPF_COMPOUND_TAIL);
	if (folio_test_large(folio) && folio_test_large_rmappable(folio))
		u |= 1ULL << KPF_THP;
	else if (is_huge_zero_folio(folio))
		u |= 1ULL << KPF_ZERO_PAGE | 1ULL << KPF_THP;
	else if (pfn == zero_pfn)
		u |= 1ULL << KPF_ZERO_PAGE;
	u |= kpf_bit(k, PG_locked, KPF_LOCKED) | kpf_bit(k, PG_dirty, KPF_DIRTY) |
	     kpf_bit(k, PG_uptodate, KPF_UPTODATE) | kpf_bit(k, PG_writeback, KPF_WRITEBACK) |
	     kpf_bit(k, PG_lru, KPF_LRU) | kpf_bit(k, PG_referenced, KPF_REFERENCED) |
	     kpf_bit(k, PG_active, KPF_ACTIVE) | kpf_bit(k, PG_swapbacked, KPF_SWAPBACKED) |
	     kpf_bit(k, PG_unevictable, KPF_UNEVICTABLE) | kpf_bit(k, PG_mlocked, KPF_MLOCKED) |
	     kpf_bit(k, PG_reserved, KPF_RESERVED) | kpf_bit(k, PG_owner_2, KPF_OWNER_2) |
	     kpf_bit(k, PG_private, KPF_PRIVATE);
	if ((k & (BIT(PG_swapbacked) | BIT(PG_swapcache))) ==
	    (BIT(PG_swapbacked) | BIT(PG_swapcache)))
		u |= 1ULL << KPF_SWAPCACHE;
	return u;
}

static unsigned long check_pfn(lua_State *L, int arg, const char *cmd)
{
	lua_Integer pfn = luaL_checkinteger(L, arg);

	if (pfn < 0 || (unsigned long)pfn >= max_pfn)
		thp_errorf(L, "%s: pfn %#llx is beyond memory (max_pfn %#lx)", cmd,
			   (long long)pfn, max_pfn);
	return (unsigned long)pfn;
}

/* kpageflags(pfn) -> the /proc/kpageflags word and its flag names. */
int cmd_kpageflags(lua_State *L)
{
	unsigned long pfn;
	u64 v;
	int i, n = 0;

	thp_task(L);
	pfn = check_pfn(L, 1, "kpageflags");
	v = stable_page_flags(pfn_to_page(pfn));
	lua_newtable(L);
	thp_setint(L, "raw", (long long)v);
	lua_newtable(L);
	for (i = 0; i < 64; i++) {
		if (!(v & (1ULL << i)))
			continue;
		lua_pushstring(L, kpf_names[i] ? kpf_names[i] : "?");
		lua_rawseti(L, -2, ++n);
	}
	lua_setfield(L, -2, "flags");
	return 1;
}

/* kpagecount(pfn) -> the /proc/kpagecount value: the page's mappings. */
int cmd_kpagecount(lua_State *L)
{
	unsigned long pfn;

	thp_task(L);
	pfn = check_pfn(L, 1, "kpagecount");
	lua_pushinteger(L, page_mapcount_of(pfn_to_page(pfn)));
	return 1;
}
