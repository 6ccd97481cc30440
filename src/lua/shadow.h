/*
 * shadow.h - what each process must read back: thpsh's own record of
 * the values that write() stored, kept beside the simulated kernel by
 * the commands, and compared by check() with what the page tables map.
 *
 * The record follows the user's view only - addresses, mappings, files
 * and the documented effect of each command - never the kernel's
 * internals (folios, COW state, splits), so that a kernel path that
 * loses or mixes up a value shows as a difference.  Each hook is called
 * after its command succeeded; a failed command changes nothing here.
 *
 *   private memory (anonymous  per process: page address -> value
 *   memory, and the copies
 *   private file mappings made)
 *   shared memory (tmpfs files per file (inode number): page index
 *   and shared anonymous)      -> value, whoever writes it
 *
 * A page absent from the record reads 0.  After madvise "free" a page
 * is lazily freed: once reclaim ran over it (madvise "pageout") it may
 * read its value or 0, as the kernel may have discarded it; a read
 * tells which, a write makes it an ordinary page again.  So does a page
 * written past the end of a tmpfs file (through a huge page straddling
 * it, mapped by its PMD): a split of that huge page drops it.
 *
 * Pure C over src/mm/, without Lua: the bindings and the C tests use it.
 */
#ifndef THPSH_SHADOW_H
#define THPSH_SHADOW_H

#include <stddef.h>

#include "mm/types.h"

struct task_struct;
struct shmem_file;

/* Forget everything: a fresh machine. */
void shadow_reset(void);

/* write(addr, value) stored @value at @addr of @t. */
void shadow_write(struct task_struct *t, unsigned long addr, u64 value);

/* read(addr) returned @value: settles whether a reclaimed lazyfree page was discarded. */
void shadow_read(struct task_struct *t, unsigned long addr, u64 value);

/*
 * A write access (fault "w", touch "w", pin) to [start, start + len)
 * succeeded: the pages of private file mappings there that read their
 * file until now hold a copy of its value from now on.
 */
void shadow_copy(struct task_struct *t, unsigned long start, unsigned long len);

/*
 * [start, start + len) of @t's private anonymous memory reads 0 from
 * now on: munmap, mmap over it, madvise "dontneed".  Shared memory
 * keeps its values in its file.
 */
void shadow_unmap(struct task_struct *t, unsigned long start, unsigned long len);

/* madvise "free" of [start, start + len): the written pages become lazyfree. */
void shadow_lazyfree(struct task_struct *t, unsigned long start, unsigned long len);

/* Reclaim ran over [start, start + len) (madvise "pageout"): lazyfree pages may read 0. */
void shadow_reclaim(struct task_struct *t, unsigned long start, unsigned long len);

/* madvise "remove" of [start, start + len): a hole punched in the files mapped there. */
void shadow_punch_hole(struct task_struct *t, unsigned long start, unsigned long len);

/* mremap(addr, old_len, new_len) succeeded, returning @new_addr. */
void shadow_mremap(struct task_struct *t, unsigned long addr, unsigned long old_len,
		   unsigned long new_len, unsigned long new_addr);

/*
 * @child was forked from @parent: it reads what the parent does, but
 * for MADV_DONTFORK ranges (not inherited) and MADV_WIPEONFORK ones (0).
 */
void shadow_fork(struct task_struct *parent, struct task_struct *child);

/* Process @pid exited. */
void shadow_exit(int pid);

/*
 * truncate(file, size) took @file from @old_size to @new_size bytes:
 * shrinking drops the pages from ceil(@new_size / 4K) on; growing drops
 * nothing (a page written past the old end may still be there).
 */
void shadow_truncate(struct shmem_file *file, long long old_size, long long new_size);

/*
 * Compare the record with the machine at rest: every page the page
 * tables map (present, or behind a migration entry), every page the
 * record holds a value for, and every page of every page cache.
 * 0, or -1 with the first difference in @msg ("pid 2 0x7f... reads 0,
 * expected 42 (written by write)").  Reads nothing that a fault would
 * change, and costs one lookup per mapped or cached page.
 */
int shadow_check(char *msg, size_t len);

#endif /* THPSH_SHADOW_H */
