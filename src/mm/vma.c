/*
 * vma.c - VMAs: the sorted list, splitting and merging (mm/vma.c).
 *
 * Splits happen exactly at the boundaries the caller asks for, and a
 * split through a PMD THP first splits that PMD (vma_adjust_trans_huge):
 * this is where munmap and mprotect of part of a THP split it.  Merging
 * follows the kernel's rules: same flags and file, contiguous page
 * offsets, and anon_vmas that can be shared.
 *
 * Simplification: the kernel keeps VMAs in a maple tree; thpsh keeps a
 * sorted list for walking and an interval tree (interval_tree.c) for
 * lookups, which changes nothing anyone can observe.
 */
#include "internal.h"

#include "huge_mm.h"
#include "rmap.h"
#include "shmem_fs.h"
#include "slab.h"

/* protection_map[] of arch/x86/mm/pgprot.c, by VM_READ|WRITE|EXEC|SHARED. */
pgprot_t vm_get_page_prot(unsigned long vm_flags)
{
	unsigned long f = vm_flags & (VM_READ | VM_WRITE | VM_EXEC | VM_SHARED);
	u64 prot;

	if (!(f & (VM_READ | VM_WRITE | VM_EXEC)))
		return PAGE_NONE;
	prot = _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED;
	if ((f & VM_SHARED) && (f & VM_WRITE))
		prot |= _PAGE_RW;
	if (!(f & VM_EXEC))
		prot |= _PAGE_NX;
	return __pgprot(prot);
}

/* The first VMA ending above @addr. */
struct vm_area_struct *find_vma(struct mm_struct *mm, unsigned long addr)
{
	struct itnode *n = it_iter_first(&mm->mm_mt, addr, ~0UL);

	return n ? container_of(n, struct vm_area_struct, vm_rb) : NULL;
}

struct vm_area_struct *vma_lookup(struct mm_struct *mm, unsigned long addr)
{
	struct vm_area_struct *vma = find_vma(mm, addr);

	return vma && vma->vm_start <= addr ? vma : NULL;
}

struct vm_area_struct *vma_prev(struct vm_area_struct *vma)
{
	if (vma->vm_list.prev == &vma->vm_mm->mmap)
		return NULL;
	return list_entry(vma->vm_list.prev, struct vm_area_struct, vm_list);
}

struct vm_area_struct *vma_next(struct vm_area_struct *vma)
{
	if (vma->vm_list.next == &vma->vm_mm->mmap)
		return NULL;
	return list_entry(vma->vm_list.next, struct vm_area_struct, vm_list);
}

static void vma_index(struct mm_struct *mm, struct vm_area_struct *vma)
{
	vma->vm_rb.start = vma->vm_start;
	vma->vm_rb.last = vma->vm_end - 1;
	it_insert(&mm->mm_mt, &vma->vm_rb);
}

/* A file VMA in its mapping's i_mmap, by page offset (vma_interval_tree_insert). */
static void vma_interval_tree_insert(struct vm_area_struct *vma)
{
	vma->shared.start = vma->vm_pgoff;
	vma->shared.last = vma->vm_pgoff + vma_pages(vma) - 1;
	it_insert(&vma->vm_file->f_mapping.i_mmap, &vma->shared);
}

static void vma_interval_tree_remove(struct vm_area_struct *vma)
{
	it_remove(&vma->vm_file->f_mapping.i_mmap, &vma->shared);
	it_clear_node(&vma->shared);
}

/*
 * Linking a VMA puts it in its file's i_mmap too; it stays there until
 * vm_area_free(), as the kernel keeps a VMA being unmapped in i_mmap
 * until free_pgtables() has run.
 */
void vma_link(struct mm_struct *mm, struct vm_area_struct *vma)
{
	struct vm_area_struct *next = find_vma(mm, vma->vm_start);

	list_add_tail(&vma->vm_list, next ? &next->vm_list : &mm->mmap);
	vma_index(mm, vma);
	mm->map_count++;
	if (vma->vm_file)
		vma_interval_tree_insert(vma);
}

void vma_unlink(struct mm_struct *mm, struct vm_area_struct *vma)
{
	list_del_init(&vma->vm_list);
	it_remove(&mm->mm_mt, &vma->vm_rb);
	mm->map_count--;
}

/* Change the range of a linked VMA, keeping both indexes right. */
void vma_set_range(struct vm_area_struct *vma, unsigned long start,
		   unsigned long end, unsigned long pgoff)
{
	bool in_i_mmap = vma->vm_file && !it_node_empty(&vma->shared);

	anon_vma_interval_tree_pre_update_vma(vma);
	if (in_i_mmap)
		vma_interval_tree_remove(vma);
	it_remove(&vma->vm_mm->mm_mt, &vma->vm_rb);
	vma->vm_start = start;
	vma->vm_end = end;
	vma->vm_pgoff = pgoff;
	vma_index(vma->vm_mm, vma);
	if (in_i_mmap)
		vma_interval_tree_insert(vma);
	anon_vma_interval_tree_post_update_vma(vma);
}

struct vm_area_struct *vm_area_dup(struct vm_area_struct *orig)
{
	struct vm_area_struct *new = kzalloc(sizeof(*new));

	if (!new)
		return NULL;
	*new = *orig;
	INIT_LIST_HEAD(&new->anon_vma_chain);
	INIT_LIST_HEAD(&new->vm_list);
	it_clear_node(&new->shared);
	if (new->vm_file)
		get_file(new->vm_file);
	return new;
}

/* A VMA holds a reference on its file from vm_area_dup() to here (remove_vma). */
void vm_area_free(struct vm_area_struct *vma)
{
	if (vma->vm_file) {
		if (!it_node_empty(&vma->shared))
			vma_interval_tree_remove(vma);
		fput(vma->vm_file);
	}
	kfree(vma);
}

/*
 * Split @vma at @addr; with @new_below the new VMA is the part below
 * @addr, else the part from @addr up.  Returns 0 or -ENOMEM.
 */
int __split_vma(struct vm_area_struct *vma, unsigned long addr, int new_below)
{
	struct vm_area_struct *new;

	KFUNC(addr, NULL);
	VM_BUG_ON(addr <= vma->vm_start || addr >= vma->vm_end);
	new = vm_area_dup(vma);
	if (!new)
		return -ENOMEM;
	if (new_below) {
		new->vm_end = addr;
	} else {
		new->vm_start = addr;
		new->vm_pgoff += (addr - vma->vm_start) >> PAGE_SHIFT;
	}
	if (anon_vma_clone(new, vma)) {
		vm_area_free(new);
		return -ENOMEM;
	}
	/* Get rid of huge pages straddling the split boundary. */
	vma_adjust_trans_huge(vma, vma->vm_start, addr, NULL);
	if (new_below)
		vma_set_range(vma, addr, vma->vm_end,
			      vma->vm_pgoff + ((addr - new->vm_start) >> PAGE_SHIFT));
	else
		vma_set_range(vma, vma->vm_start, addr, vma->vm_pgoff);
	vma_link(vma->vm_mm, new);
	KNOTE("[%#lx, %#lx) + [%#lx, %#lx)", min(vma->vm_start, new->vm_start),
	      min(vma->vm_end, new->vm_end), max(vma->vm_start, new->vm_start),
	      max(vma->vm_end, new->vm_end));
	return 0;
}

static bool vma_had_uncowed_parents(const struct vm_area_struct *vma)
{
	return vma && vma->anon_vma &&
	       vma->anon_vma_chain.next != vma->anon_vma_chain.prev;
}

/* Can @b (just above @a) be merged into one VMA with @a? */
static bool can_vma_merge(const struct vm_area_struct *a, const struct vm_area_struct *b)
{
	if (a->vm_end != b->vm_start || a->vm_flags != b->vm_flags ||
	    a->vm_file != b->vm_file ||
	    a->vm_pgoff + vma_pages(a) != b->vm_pgoff)
		return false;
	if (!a->anon_vma && b->anon_vma)
		return !vma_had_uncowed_parents(b);
	if (a->anon_vma && !b->anon_vma)
		return !vma_had_uncowed_parents(a);
	return a->anon_vma == b->anon_vma;
}

/* Merge @b into @a, which grows over it.  @b is freed. */
static int vma_merge_pair(struct vm_area_struct *a, struct vm_area_struct *b)
{
	KFUNC(a->vm_start, NULL);
	if (!a->anon_vma && b->anon_vma) {
		a->anon_vma = b->anon_vma;
		if (anon_vma_clone(a, b)) {
			a->anon_vma = NULL;
			return -ENOMEM;
		}
	}
	vma_adjust_trans_huge(a, a->vm_start, b->vm_end, NULL);
	vma_unlink(a->vm_mm, b);
	vma_set_range(a, a->vm_start, b->vm_end, a->vm_pgoff);
	unlink_anon_vmas(b);
	vm_area_free(b);
	KNOTE("merged into [%#lx, %#lx)", a->vm_start, a->vm_end);
	return 0;
}

/* Merge @vma with its neighbours where the rules allow; returns the result. */
struct vm_area_struct *vma_merge_neighbours(struct vm_area_struct *vma)
{
	struct vm_area_struct *prev = vma_prev(vma), *next = vma_next(vma);

	if (next && can_vma_merge(vma, next))
		vma_merge_pair(vma, next);
	if (prev && can_vma_merge(prev, vma) && !vma_merge_pair(prev, vma))
		vma = prev;
	return vma;
}

/*
 * Give [start, end) of @vma the flags @new_flags (madvise, mprotect):
 * split off the parts outside the range, change the flags, then merge
 * with the neighbours.  Returns the VMA now covering the range, or NULL
 * if a split failed (nothing changed then).
 */
struct vm_area_struct *vma_modify_flags(struct vm_area_struct *vma,
					unsigned long start, unsigned long end,
					unsigned long new_flags)
{
	KFUNC(start, NULL);
	if (vma->vm_flags == new_flags)
		return vma;
	if (start > vma->vm_start) {
		if (__split_vma(vma, start, 1))
			return NULL;
	}
	if (end < vma->vm_end) {
		if (__split_vma(vma, end, 0))
			return NULL;
	}
	vma->vm_flags = new_flags;
	vma->vm_page_prot = vm_get_page_prot(new_flags);
	return vma_merge_neighbours(vma);
}

/*
 * mremap: a VMA like @vma for [addr, addr + len) at page offset @pgoff,
 * on all of @vma's anon_vmas, so the rmap finds the pages that will
 * move into it.  Simplification: the kernel first tries to merge it
 * into a neighbour; move_vma merges once the pages are in place.
 */
struct vm_area_struct *copy_vma(struct vm_area_struct *vma, unsigned long addr,
				unsigned long len, unsigned long pgoff)
{
	struct vm_area_struct *new_vma;

	KFUNC(addr, NULL);
	new_vma = vm_area_dup(vma);
	if (!new_vma)
		return NULL;
	new_vma->vm_start = addr;
	new_vma->vm_end = addr + len;
	new_vma->vm_pgoff = pgoff;
	if (anon_vma_clone(new_vma, vma)) {
		vm_area_free(new_vma);
		return NULL;
	}
	vma_link(vma->vm_mm, new_vma);
	KNOTE("new vma [%#lx, %#lx) pgoff %#lx", addr, addr + len, pgoff);
	return new_vma;
}

/* mremap growing in place: @vma gains @delta bytes, then merges if it can. */
struct vm_area_struct *vma_merge_extend(struct vm_area_struct *vma, unsigned long delta)
{
	KFUNC(vma->vm_end, NULL);
	vma_set_range(vma, vma->vm_start, vma->vm_end + delta, vma->vm_pgoff);
	KNOTE("[%#lx, %#lx)", vma->vm_start, vma->vm_end);
	return vma_merge_neighbours(vma);
}
