/*
 * shadow.c - the record of what each process must read back (see
 * shadow.h), and check()'s comparison of it with the machine.
 *
 * One hash table per owner - a process (by pid) for its private
 * anonymous memory, a file (by inode number) for shared memory - maps a
 * page to its value:
 *
 *   pid 1:  0x7ffff7e00 -> 42 (written)      key: address >> PAGE_SHIFT
 *           0x7ffff7e05 -> 7 (written, lazy)
 *   pid 2:  0x7ffff7e00 -> 42 (forked)
 *   ino 3:  0x10 -> 5 (written)              key: page index in the file
 *
 * A private mapping of a file reads the file's record until a write
 * (or a write fault) gives it its own copy: from then on the page is in
 * the process's record, by address, marked SV_PRIVATE and kept even
 * when its value is 0 (the file may change under the mapping, the copy
 * does not).
 *
 * Open addressing with linear probing, at most half full, with
 * backward-shift deletion (no tombstones): 24 bytes per written page,
 * one or two probes per lookup.  Zero is never stored: a page absent
 * from its table reads 0.  A range operation (munmap, mremap, truncate)
 * visits either each key of the range or each slot of the table,
 * whichever is fewer, so unmapping 64 GiB costs what the table holds.
 */
#include "shadow.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mm/huge_mm.h"
#include "mm/internal.h"
#include "mm/shmem_fs.h"
#include "mm/swap.h"

#define SV_FREE		(~0ULL)		/* the key of an empty slot */
#define SV_MIN_CAP	16

/* How a value came to be at its page, for check()'s messages. */
#define SV_WRITTEN	0		/* stored there by write() */
#define SV_FORKED	1		/* copied to a child by fork() */
#define SV_MOVED	2		/* moved there by mremap() */
#define SV_COPIED	3		/* copied from the file by a write fault */
#define SV_HOW		3
#define SV_LAZY		4		/* madvise "free" since: reclaim may discard it */
#define SV_MAYBE	8		/* ...and reclaim ran over it: reads the value or 0 */
#define SV_PAST_EOF	16		/* written past EOF: a split of its THP drops it */
#define SV_PRIVATE	32		/* a private file mapping's own copy: kept even if 0 */

struct sv {
	u64 key;		/* page number or page index; SV_FREE if the slot is empty */
	u64 value;		/* what a read returns, never 0 */
	unsigned int how;	/* SV_WRITTEN.. | SV_LAZY | SV_MAYBE | SV_PAST_EOF */
};

struct svmap {
	struct sv *slot;	/* cap slots, or NULL */
	size_t cap;		/* a power of two, or 0 */
	size_t used;		/* slots holding a value */
};

struct svowner {
	unsigned long id;	/* pid or inode number */
	struct svmap map;	/* its pages */
};

struct svowners {
	struct svowner **v;	/* n owners, in no order */
	size_t n, cap;
};

static struct svowners procs;	/* private anonymous memory, by pid */
static struct svowners files;	/* shared memory, by inode number */
static bool lost;		/* host memory ran out: the record is incomplete */

/* ---- the hash table ---- */

static size_t sv_home(const struct svmap *m, u64 key)
{
	return (key * 0x9e3779b97f4a7c15ULL) >> (64 - __builtin_ctzl(m->cap));
}

static struct sv *sv_find(const struct svmap *m, u64 key)
{
	size_t i;

	if (!m || !m->used)
		return NULL;
	for (i = sv_home(m, key); m->slot[i].key != SV_FREE; i = (i + 1) & (m->cap - 1))
		if (m->slot[i].key == key)
			return &m->slot[i];
	return NULL;
}

/* Store @e, whose key is absent, in a table with room for it. */
static void sv_insert(struct svmap *m, const struct sv *e)
{
	size_t i = sv_home(m, e->key);

	while (m->slot[i].key != SV_FREE)
		i = (i + 1) & (m->cap - 1);
	m->slot[i] = *e;
	m->used++;
}

/* Rehash into @cap slots; false (and the record lost) without host memory. */
static bool sv_resize(struct svmap *m, size_t cap)
{
	struct svmap n = { .slot = malloc(cap * sizeof(struct sv)), .cap = cap };
	size_t i;

	if (!n.slot) {
		lost = true;
		return false;
	}
	for (i = 0; i < cap; i++)
		n.slot[i].key = SV_FREE;
	for (i = 0; i < m->cap; i++)
		if (m->slot[i].key != SV_FREE)
			sv_insert(&n, &m->slot[i]);
	free(m->slot);
	*m = n;
	return true;
}

/* Give back memory once a table is mostly empty (after a large munmap). */
static void sv_shrink(struct svmap *m)
{
	size_t cap = m->cap;

	while (cap > SV_MIN_CAP && 8 * m->used < cap)
		cap /= 2;
	if (cap != m->cap)
		sv_resize(m, cap);
}

/*
 * Backward-shift deletion: each entry after the hole that may move
 * into it (its home is not cyclically between the hole and it) does.
 */
static void sv_del(struct svmap *m, u64 key)
{
	struct sv *e = sv_find(m, key);
	size_t i, j, mask = m->cap - 1;

	if (!e)
		return;
	i = (size_t)(e - m->slot);
	for (j = (i + 1) & mask; m->slot[j].key != SV_FREE; j = (j + 1) & mask) {
		if (((j - sv_home(m, m->slot[j].key)) & mask) >= ((j - i) & mask)) {
			m->slot[i] = m->slot[j];
			i = j;
		}
	}
	m->slot[i].key = SV_FREE;
	m->used--;
}

static void sv_put(struct svmap *m, u64 key, u64 value, unsigned int how)
{
	struct sv *e;

	if (!value && !(how & SV_PRIVATE)) {
		sv_del(m, key);
		return;
	}
	e = sv_find(m, key);
	if (e) {
		e->value = value;
		e->how = how;
		return;
	}
	if (2 * (m->used + 1) > m->cap && !sv_resize(m, m->cap ? 2 * m->cap : SV_MIN_CAP))
		return;
	sv_insert(m, &(struct sv){ .key = key, .value = value, .how = how });
}

/* The entries with lo <= key < hi, by key or by slot, whichever is fewer. */
struct sv_iter {
	struct svmap *m;
	u64 lo, hi, next;
	bool by_key;
};

static struct sv_iter sv_range(struct svmap *m, u64 lo, u64 hi)
{
	bool by_key = m && hi - lo <= m->cap;

	return (struct sv_iter){ .m = m, .lo = lo, .hi = hi, .next = by_key ? lo : 0,
				 .by_key = by_key };
}

/* The next entry of the range (which may be changed, not deleted), or NULL. */
static struct sv *sv_next(struct sv_iter *it)
{
	struct sv *e;

	if (!it->m)
		return NULL;
	if (it->by_key) {
		while (it->next < it->hi)
			if ((e = sv_find(it->m, it->next++)))
				return e;
		return NULL;
	}
	while (it->next < it->m->cap) {
		e = &it->m->slot[it->next++];
		if (e->key != SV_FREE && e->key >= it->lo && e->key < it->hi)
			return e;
	}
	return NULL;
}

/*
 * Remove the entries with lo <= key < hi.  With @out, a malloc'd copy
 * of them is returned in *@out (*@n of them) for the caller to free.
 */
static void sv_take(struct svmap *m, u64 lo, u64 hi, struct sv **out, size_t *n)
{
	struct sv_iter it = sv_range(m, lo, hi);
	struct sv *taken, *e;
	size_t i, nr = 0;

	if (out)
		*out = NULL;
	if (n)
		*n = 0;
	if (!m || !m->used)
		return;
	taken = malloc(min((u64)m->used, hi - lo) * sizeof(*taken));
	if (!taken) {
		lost = true;
		return;
	}
	while ((e = sv_next(&it)))
		taken[nr++] = *e;
	for (i = 0; i < nr; i++)
		sv_del(m, taken[i].key);
	sv_shrink(m);
	if (out) {
		*out = taken;
		*n = nr;
	} else {
		free(taken);
	}
}

/* Set @set on the entries of [lo, hi) that have every bit of @need. */
static void sv_mark(struct svmap *m, u64 lo, u64 hi, unsigned int need, unsigned int set)
{
	struct sv_iter it = sv_range(m, lo, hi);
	struct sv *e;

	while ((e = sv_next(&it)))
		if ((e->how & need) == need)
			e->how |= set;
}

/* ---- owners ---- */

static struct svowner *owner_find(struct svowners *o, unsigned long id, size_t *index)
{
	size_t i;

	for (i = 0; i < o->n; i++) {
		if (o->v[i]->id == id) {
			if (index)
				*index = i;
			return o->v[i];
		}
	}
	return NULL;
}

/* The table of @id, NULL if it has none; created (empty) with @create. */
static struct svmap *owner_map(struct svowners *o, unsigned long id, bool create)
{
	struct svowner *w = owner_find(o, id, NULL), **v;

	if (w || !create)
		return w ? &w->map : NULL;
	if (o->n == o->cap) {
		size_t cap = o->cap ? 2 * o->cap : 8;

		v = realloc(o->v, cap * sizeof(*v));
		if (!v)
			goto lost;
		o->v = v;
		o->cap = cap;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		goto lost;
	w->id = id;
	o->v[o->n++] = w;
	return &w->map;
lost:
	lost = true;
	return NULL;
}

static void owner_drop(struct svowners *o, unsigned long id)
{
	size_t i;
	struct svowner *w = owner_find(o, id, &i);

	if (!w)
		return;
	free(w->map.slot);
	free(w);
	o->v[i] = o->v[--o->n];
}

static void owners_free(struct svowners *o)
{
	while (o->n)
		owner_drop(o, o->v[0]->id);
	free(o->v);
	*o = (struct svowners){ 0 };
}

static bool file_alive(unsigned long ino)
{
	struct shmem_file *file;

	list_for_each_entry(file, &shmem_inodes, all)
		if (file->i_ino == ino)
			return true;
	return false;
}

/* Shared anonymous memory goes with its last mapping: forget its values. */
static void forget_dead_files(void)
{
	size_t i = 0;

	while (i < files.n) {
		if (file_alive(files.v[i]->id))
			i++;
		else
			owner_drop(&files, files.v[i]->id);
	}
}

static struct svmap *proc_map(struct task_struct *t, bool create)
{
	return owner_map(&procs, (unsigned long)t->pid, create);
}

static struct svmap *file_map(const struct shmem_file *file, bool create)
{
	return owner_map(&files, file->i_ino, create);
}

/* ---- the hooks ---- */

/* The page numbers of [start, start + len): [first, end). */
static u64 first_page(unsigned long start) { return start >> PAGE_SHIFT; }
static u64 end_page(unsigned long start, unsigned long len)
{
	return ALIGN(start + len, PAGE_SIZE) >> PAGE_SHIFT;
}

void shadow_reset(void)
{
	owners_free(&procs);
	owners_free(&files);
	lost = false;
}

/* How many pages @file's size covers: a page from there on is past EOF. */
static u64 file_pages(const struct shmem_file *file)
{
	return end_page(0, (unsigned long)file->i_size);
}

static bool private_file(const struct vm_area_struct *vma)
{
	return vma->vm_file && !(vma->vm_flags & VM_SHARED);
}

/*
 * The table that says what @addr of @t reads, and its key there: a
 * private file mapping's page is the process's once copied (@create:
 * it is being written), the file's until then.
 */
static struct svmap *record_of(struct task_struct *t, struct vm_area_struct *vma,
			       unsigned long addr, bool create, u64 *key)
{
	struct svmap *own;

	if (private_file(vma)) {
		*key = first_page(addr);
		own = proc_map(t, create);
		if (create || (own && sv_find(own, *key)))
			return own;
	}
	if (vma->vm_file) {
		*key = linear_page_index(vma, addr);
		return file_map(vma->vm_file, create);
	}
	*key = first_page(addr);
	return proc_map(t, create);
}

/*
 * A write past EOF succeeds where a tmpfs THP straddling EOF is mapped
 * by its PMD (6.18 keeps that exception for shmem), but lasts only as
 * long as the THP: a split drops the pages past EOF.
 */
void shadow_write(struct task_struct *t, unsigned long addr, u64 value)
{
	struct vm_area_struct *vma = vma_lookup(t->mm, addr);
	unsigned int how = SV_WRITTEN;
	struct svmap *m;
	u64 key;

	if (!vma || !(m = record_of(t, vma, addr, true, &key)))
		return;
	if (private_file(vma))
		how |= SV_PRIVATE;
	else if (vma->vm_file && key >= file_pages(vma->vm_file))
		how |= SV_PAST_EOF;
	sv_put(m, key, value, how);
}

/*
 * A write access to [start, start + len) succeeded: each page of a
 * private file mapping that still read the file is a copy of the file's
 * value now.
 */
void shadow_copy(struct task_struct *t, unsigned long start, unsigned long len)
{
	unsigned long addr;

	for (addr = start & PAGE_MASK; addr < start + len; addr += PAGE_SIZE) {
		struct vm_area_struct *vma = vma_lookup(t->mm, addr);
		struct svmap *own, *file;
		struct sv *e;
		u64 value = 0;

		if (!vma || !private_file(vma))
			continue;
		if (!(own = proc_map(t, true)) || sv_find(own, first_page(addr)))
			continue;
		file = file_map(vma->vm_file, false);
		if (file && (e = sv_find(file, linear_page_index(vma, addr))))
			value = e->value;
		sv_put(own, first_page(addr), value, SV_COPIED | SV_PRIVATE);
	}
}

void shadow_read(struct task_struct *t, unsigned long addr, u64 value)
{
	struct vm_area_struct *vma = vma_lookup(t->mm, addr);
	struct svmap *m;
	struct sv *e;
	u64 key;

	if (!vma || !(m = record_of(t, vma, addr, false, &key)) || !(e = sv_find(m, key)) ||
	    !(e->how & (SV_MAYBE | SV_PAST_EOF)))
		return;
	if (value == 0) {
		sv_del(m, key);			/* discarded or dropped: 0 until written */
	} else if (value == e->value) {
		e->how &= ~SV_MAYBE;		/* still there, still lazyfree */
		if (vma->vm_file && key < file_pages(vma->vm_file))
			e->how &= ~SV_PAST_EOF;	/* and the file has grown over it */
	}
}

void shadow_unmap(struct task_struct *t, unsigned long start, unsigned long len)
{
	sv_take(proc_map(t, false), first_page(start), end_page(start, len), NULL, NULL);
	forget_dead_files();
}

void shadow_lazyfree(struct task_struct *t, unsigned long start, unsigned long len)
{
	sv_mark(proc_map(t, false), first_page(start), end_page(start, len), 0, SV_LAZY);
}

void shadow_reclaim(struct task_struct *t, unsigned long start, unsigned long len)
{
	sv_mark(proc_map(t, false), first_page(start), end_page(start, len), SV_LAZY, SV_MAYBE);
}

void shadow_punch_hole(struct task_struct *t, unsigned long start, unsigned long len)
{
	unsigned long end = ALIGN(start + len, PAGE_SIZE);
	struct vm_area_struct *vma;

	for_each_vma(t->mm, vma) {
		unsigned long from = max(start, vma->vm_start), to = min(end, vma->vm_end);

		if (vma->vm_file && from < to)
			sv_take(file_map(vma->vm_file, false), linear_page_index(vma, from),
				linear_page_index(vma, to), NULL, NULL);
	}
}

void shadow_mremap(struct task_struct *t, unsigned long addr, unsigned long old_len,
		   unsigned long new_len, unsigned long new_addr)
{
	struct svmap *m = proc_map(t, false);
	u64 old_pg = first_page(addr), new_pg = first_page(new_addr);
	u64 old_nr = end_page(0, old_len), new_nr = end_page(0, new_len);
	struct sv *moved;
	size_t i, n;

	if (new_addr == addr) {
		if (new_nr < old_nr)
			sv_take(m, old_pg + new_nr, old_pg + old_nr, NULL, NULL);
	} else {
		/* What fits moves; the rest of the old range, and what the new one held, go. */
		sv_take(m, old_pg, old_pg + min(old_nr, new_nr), &moved, &n);
		sv_take(m, old_pg, old_pg + old_nr, NULL, NULL);
		sv_take(m, new_pg, new_pg + new_nr, NULL, NULL);
		for (i = 0; i < n; i++)
			sv_put(m, moved[i].key - old_pg + new_pg, moved[i].value,
			       SV_MOVED | (moved[i].how & ~SV_HOW));
		free(moved);
	}
	forget_dead_files();
}

/* A copy of @from, every value marked as copied by fork. */
static void sv_copy_forked(struct svmap *to, const struct svmap *from)
{
	size_t i;

	if (!from->cap || !sv_resize(to, from->cap))
		return;
	for (i = 0; i < from->cap; i++) {
		to->slot[i] = from->slot[i];
		to->slot[i].how = SV_FORKED | (from->slot[i].how & ~SV_HOW);
	}
	to->used = from->used;
}

void shadow_fork(struct task_struct *parent, struct task_struct *child)
{
	struct svmap *from = proc_map(parent, false), *to;
	struct vm_area_struct *vma;

	if (!from || !(to = proc_map(child, true)))
		return;
	sv_copy_forked(to, from);
	for_each_vma(parent->mm, vma)
		if (vma->vm_flags & (VM_DONTCOPY | VM_WIPEONFORK))
			sv_take(to, first_page(vma->vm_start), first_page(vma->vm_end), NULL, NULL);
}

void shadow_exit(int pid)
{
	owner_drop(&procs, (unsigned long)pid);
	forget_dead_files();
}

/*
 * Truncation unmaps the pages past the new end from every mapping of
 * the file, private copies too (truncate_pagecache: even_cows).
 */
void shadow_truncate(struct shmem_file *file, long long old_size, long long new_size)
{
	u64 eof = end_page(0, (unsigned long)new_size);
	struct vm_area_struct *vma;
	struct task_struct *t;

	if (new_size >= old_size)
		return;
	sv_take(file_map(file, false), eof, SV_FREE, NULL, NULL);
	list_for_each_entry(t, &task_list, tasks)
		for_each_vma(t->mm, vma) {
			unsigned long from;

			if (vma->vm_file != file || !private_file(vma) ||
			    vma->vm_pgoff + vma_pages(vma) <= eof)
				continue;
			from = vma->vm_start + (max(eof, (u64)vma->vm_pgoff) - vma->vm_pgoff) *
				PAGE_SIZE;
			sv_take(proc_map(t, false), first_page(from), first_page(vma->vm_end),
				NULL, NULL);
		}
}

/* ---- check() ---- */

struct vcheck {
	bool anon_page;			/* the page checked is anonymous (private) */
	char *msg;
	size_t len;
	struct task_struct *t;		/* the process walked */
	struct svmap *anon;		/* its record, or NULL */
	size_t anon_seen;		/* entries of it met in its page tables */
	struct vm_area_struct *vma;	/* the VMA walked */
	struct svmap *map;		/* the record it reads: anon or its file's */
};

__attribute__((format(printf, 2, 3)))
static int fail(struct vcheck *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->msg, c->len, fmt, ap);
	va_end(ap);
	return -1;
}

static bool accepts(const struct sv *e, u64 got)
{
	if (!e)
		return got == 0;
	return got == e->value || (got == 0 && (e->how & (SV_MAYBE | SV_PAST_EOF)));
}

/* "42 (written by write)": what @e says a read returns, and why. */
static const char *expected(const struct sv *e, char *buf, size_t len)
{
	static const char *const how[] = { "written by write", "written by write, copied by fork",
					   "written by write, moved by mremap",
					   "copied from the file by a write fault" };

	if (!e)
		snprintf(buf, len, "0 (not written)");
	else if (e->how & SV_MAYBE)
		snprintf(buf, len, "%lld or 0 (%s; freed by madvise \"free\", then reclaimed)",
			 (long long)e->value, how[e->how & SV_HOW]);
	else if (e->how & SV_PAST_EOF)
		snprintf(buf, len, "%lld or 0 (%s past the end of the file, which a split of "
			 "its huge page drops)", (long long)e->value, how[e->how & SV_HOW]);
	else
		snprintf(buf, len, "%lld (%s%s)", (long long)e->value, how[e->how & SV_HOW],
			 e->how & SV_LAZY ? "; freed by madvise \"free\", not reclaimed since" : "");
	return buf;
}

static const char *file_name(const struct shmem_file *file)
{
	return file->linked ? file->name : "shared anonymous memory";
}

/* The page at @addr of the VMA walked reads @got: does the record agree? */
static int check_page(struct vcheck *c, unsigned long addr, u64 got)
{
	u64 key = c->vma->vm_file ? linear_page_index(c->vma, addr) : addr >> PAGE_SHIFT;
	const struct sv *e = sv_find(c->map, key);
	char buf[160];

	if (private_file(c->vma)) {
		/* its own copy (anonymous), or the file's page while it has none */
		const struct sv *own = sv_find(c->anon, addr >> PAGE_SHIFT);

		if (own)
			c->anon_seen++;
		if (own && !c->anon_page)
			return fail(c, "pid %d %#lx maps %s index %#llx, expected its private copy "
				    "reading %s", c->t->pid, addr, file_name(c->vma->vm_file),
				    (unsigned long long)key, expected(own, buf, sizeof(buf)));
		if (c->anon_page) {
			if (accepts(own, got))
				return 0;
			return fail(c, "pid %d %#lx (private copy of %s index %#llx) reads %lld, "
				    "expected %s", c->t->pid, addr, file_name(c->vma->vm_file),
				    (unsigned long long)key, (long long)got,
				    expected(own, buf, sizeof(buf)));
		}
	}
	if (e && c->map == c->anon)
		c->anon_seen++;
	if (accepts(e, got))
		return 0;
	if (c->vma->vm_file)
		return fail(c, "pid %d %#lx (%s index %#llx) reads %lld, expected %s", c->t->pid,
			    addr, file_name(c->vma->vm_file), (unsigned long long)key,
			    (long long)got, expected(e, buf, sizeof(buf)));
	return fail(c, "pid %d %#lx reads %lld, expected %s", c->t->pid, addr, (long long)got,
		    expected(e, buf, sizeof(buf)));
}

/*
 * The frame behind a PMD-level swap-type entry: a migration entry names
 * it (pages go to a swap device by PTE only).
 */
static int swap_entry_pfn(struct vcheck *c, unsigned long addr, swp_entry_t entry,
			  unsigned long *pfn)
{
	if (!is_migration_entry(entry))
		return fail(c, "pid %d %#lx: PMD holds swap entry %#llx", c->t->pid, addr,
			    (unsigned long long)entry.val);
	*pfn = swp_offset_pfn(entry);
	return 0;
}

/*
 * What the page behind a PTE-level swap-type entry reads: a migration
 * entry names its frame, a swap entry's page is in the swap cache or
 * on the device.
 */
static int swap_entry_value(struct vcheck *c, unsigned long addr, swp_entry_t entry,
			    u64 *value)
{
	if (is_migration_entry(entry)) {
		*value = page_values[swp_offset_pfn(entry)];
		return 0;
	}
	if (!swp_swap_info(entry))
		return fail(c, "pid %d %#lx holds swap entry %#llx of no swap device", c->t->pid,
			    addr, (unsigned long long)entry.val);
	*value = swp_entry_value(entry);
	return 0;
}

static int check_pte_range(struct vcheck *c, pmd_t *pmd, unsigned long addr, unsigned long end)
{
	pte_t *pte = pte_offset_map(pmd, addr);
	u64 value = 0;

	for (; addr < end; addr += PAGE_SIZE, pte++) {
		if (pte_none(*pte))
			continue;
		c->anon_page = true;	/* swap entries hold anonymous pages */
		if (pte_present(*pte)) {
			value = page_values[pte_pfn(*pte)];
			c->anon_page = !pte_special(*pte) &&
				       folio_test_anon(page_folio(pfn_to_page(pte_pfn(*pte))));
		} else if (is_migration_entry(pte_to_swp_entry(*pte))) {
			c->anon_page = folio_test_anon(page_folio(pfn_to_page(
				swp_offset_pfn(pte_to_swp_entry(*pte)))));
		}
		if (!pte_present(*pte) && swap_entry_value(c, addr, pte_to_swp_entry(*pte), &value))
			return -1;
		if (check_page(c, addr, value))
			return -1;
	}
	return 0;
}

/* A huge PMD (or a PMD migration entry): the 512 pages of its folio in a row. */
static int check_huge_pmd(struct vcheck *c, pmd_t pmd, unsigned long addr, unsigned long end)
{
	unsigned long pfn = 0;

	if (pmd_present(pmd))
		pfn = pmd_pfn(pmd);
	else if (swap_entry_pfn(c, addr, pmd_to_swp_entry(pmd), &pfn))
		return -1;
	pfn += pte_index(addr);
	c->anon_page = folio_test_anon(page_folio(pfn_to_page(pfn)));
	for (; addr < end; addr += PAGE_SIZE, pfn++) {
		/* Nothing recorded for the VMA: only a nonzero page needs a closer look. */
		if ((!c->map || !c->map->used) && !page_values[pfn] &&
		    !(private_file(c->vma) && c->anon && c->anon->used))
			continue;
		if (check_page(c, addr, page_values[pfn]))
			return -1;
	}
	return 0;
}

static int check_pmd_range(struct vcheck *c, pud_t *pud, unsigned long addr, unsigned long end)
{
	unsigned long next;

	for (; addr < end; addr = next) {
		pmd_t *pmd = pmd_offset(pud, addr);

		next = pmd_addr_end(addr, end);
		if (pmd_none(*pmd))
			continue;
		if (pmd_trans_huge(*pmd) || !pmd_present(*pmd)) {
			if (check_huge_pmd(c, *pmd, addr, next))
				return -1;
		} else if (check_pte_range(c, pmd, addr, next)) {
			return -1;
		}
	}
	return 0;
}

/* Every page the VMA's page tables map, skipping empty tables at every level. */
static int check_vma(struct vcheck *c, struct vm_area_struct *vma)
{
	unsigned long addr, next, pnext, end = vma->vm_end;

	c->vma = vma;
	c->map = vma->vm_file ? file_map(vma->vm_file, false) : c->anon;
	for (addr = vma->vm_start; addr < end; addr = next) {
		pgd_t *pgd = pgd_offset(c->t->mm, addr);

		next = pgd_addr_end(addr, end);
		if (pgd_none(*pgd))
			continue;
		for (; addr < next; addr = pnext) {
			pud_t *pud = pud_offset(p4d_offset(pgd, addr), addr);

			pnext = pud_addr_end(addr, next);
			if (!pud_none(*pud) && check_pmd_range(c, pud, addr, pnext))
				return -1;
		}
	}
	return 0;
}

/* Is anything (a page, or a swap-type entry) mapped at @addr? */
static bool mapped(struct mm_struct *mm, unsigned long addr)
{
	struct addr_walk w;

	mm_walk_addr(mm, addr, &w);
	return (w.level == 3 && w.pmd) || (w.level == 4 && w.pte);
}

/*
 * The process's values at pages nothing maps: a fault would give a
 * zero page, so they must be lazyfree pages that may have gone.  Only
 * needed when the walk did not meet every value.
 */
static int check_unmapped(struct vcheck *c)
{
	struct sv_iter it = sv_range(c->anon, 0, SV_FREE);
	struct sv *e;
	char buf[160];

	if (!c->anon || c->anon_seen == c->anon->used)
		return 0;
	while ((e = sv_next(&it))) {
		unsigned long addr = e->key << PAGE_SHIFT;
		struct vm_area_struct *vma = vma_lookup(c->t->mm, addr);

		if (!vma)
			return fail(c, "pid %d %#lx is not mapped, expected %s", c->t->pid, addr,
				    expected(e, buf, sizeof(buf)));
		if (vma->vm_file && !private_file(vma))
			return fail(c, "pid %d %#lx maps %s, expected private memory reading %s",
				    c->t->pid, addr, file_name(vma->vm_file),
				    expected(e, buf, sizeof(buf)));
		if (private_file(vma) && !mapped(c->t->mm, addr))
			return fail(c, "pid %d %#lx reads %s (its private copy is gone), "
				    "expected %s", c->t->pid, addr, file_name(vma->vm_file),
				    expected(e, buf, sizeof(buf)));
		if (!mapped(c->t->mm, addr) && !accepts(e, 0))
			return fail(c, "pid %d %#lx reads 0 (nothing mapped), expected %s",
				    c->t->pid, addr, expected(e, buf, sizeof(buf)));
	}
	return 0;
}

static int check_process(struct vcheck *c, struct task_struct *t)
{
	struct vm_area_struct *vma;

	c->t = t;
	c->anon = proc_map(t, false);
	c->anon_seen = 0;
	for_each_vma(t->mm, vma)
		if (check_vma(c, vma))
			return -1;
	return check_unmapped(c);
}

/* What @index of @file reads: its cached page's value, or its swap slot's. */
static u64 cached_value(struct shmem_file *file, unsigned long index)
{
	struct folio *folio = xa_load(&file->f_mapping.i_pages, index);

	if (xa_is_value(folio))
		return swp_entry_value(radix_to_swp_entry(folio));
	return folio ? page_value(folio_page(folio, index - folio->index)) : 0;
}

/* A file's values, in its page cache: a page not cached reads 0. */
static int check_file(struct vcheck *c, struct shmem_file *file)
{
	struct svmap *m = file_map(file, false);
	struct sv_iter it = sv_range(m, 0, SV_FREE);
	unsigned long index = 0;
	struct folio *folio;
	struct sv *e;
	char buf[160];
	long i;

	while ((e = sv_next(&it)))
		if (!accepts(e, cached_value(file, e->key)))
			return fail(c, "%s index %#llx reads %lld, expected %s", file_name(file),
				    (unsigned long long)e->key, (long long)cached_value(file, e->key),
				    expected(e, buf, sizeof(buf)));
	while ((folio = xa_find(&file->f_mapping.i_pages, &index, ~0UL))) {
		if (xa_is_value(folio)) {
			if (cached_value(file, index) && !sv_find(m, index))
				return fail(c, "%s index %#lx reads %lld from swap, expected 0 "
					    "(not written)", file_name(file), index,
					    (long long)cached_value(file, index));
			index++;
			continue;
		}
		for (i = 0; i < folio_nr_pages(folio); i++)
			if (page_value(folio_page(folio, i)) && !sv_find(m, folio->index + i))
				return fail(c, "%s index %#lx reads %lld, expected 0 (not written)",
					    file_name(file), folio->index + i,
					    (long long)page_value(folio_page(folio, i)));
		index = folio->index + folio_nr_pages(folio);
		if (!index)
			break;
	}
	return 0;
}

int shadow_check(char *msg, size_t len)
{
	struct vcheck c = { .msg = msg, .len = len };
	struct shmem_file *file;
	struct task_struct *t;

	if (lost)
		return fail(&c, "the record of written values ran out of host memory: values "
			    "are not checked until reset()");
	forget_dead_files();
	list_for_each_entry(t, &task_list, tasks)
		if (check_process(&c, t))
			return -1;
	list_for_each_entry(file, &shmem_inodes, all)
		if (check_file(&c, file))
			return -1;
	return 0;
}
