/*
 * test_values.c - check()'s "stored values intact" (src/lua/shadow.c):
 * that it catches a value the machine lost, changed or mixed up, which
 * only C can do behind the record's back (the scenarios of
 * tests/lua/values.lua show it agreeing with every command).
 *
 * The commands are played as the bindings play them: the simulated
 * kernel's call, then the record's hook.  Each corruption is undone
 * after check() has named it.
 */
#include "tap.h"

#include <string.h>

#include "lua/shadow.h"
#include "mm/check.h"
#include "mm/huge_mm.h"
#include "mm/internal.h"
#include "mm/shmem_fs.h"
#include "mm/swap.h"

static char msg[512];

/* Pass when check() fails with a message holding @text. */
static void caught(const char *text, const char *name)
{
	int err = shadow_check(msg, sizeof(msg));

	if (!ok(err && strstr(msg, text), "%s", name))
		printf("#   check: %s\n#   expected: %s\n", err ? msg : "(passed)", text);
}

static void passes(const char *step)
{
	int err = mm_check(msg, sizeof(msg)) || shadow_check(msg, sizeof(msg));

	if (!ok(!err, "check() after %s", step))
		printf("#   %s\n", msg);
}

static struct page *page_at(struct mm_struct *mm, unsigned long addr, bool write)
{
	struct page *page = NULL;
	const char *outcome;

	access_user_page(mm, addr, write, &page, &outcome);
	return page;
}

static void write_value(struct task_struct *t, unsigned long addr, u64 v)
{
	set_page_value(page_at(t->mm, addr, true), v);
	shadow_write(t, addr, v);
}

static unsigned long mmap_huge(unsigned long len)
{
	return (unsigned long)do_mmap(current->mm, 0, len, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS, VM_HUGEPAGE, NULL, 0);
}

/* Page i of the THP at @a holds i + 1. */
static unsigned long written_thp(void)
{
	unsigned long a = mmap_huge(PMD_SIZE);
	int i;

	for (i = 0; i < HPAGE_PMD_NR; i++)
		write_value(current, a + i * PAGE_SIZE, i + 1);
	return a;
}

static void test_anon(void)
{
	unsigned long a = written_thp(), pfn;
	char text[128];
	u64 *v;

	passes("512 values written");
	pfn = page_to_pfn(page_at(current->mm, a + 3 * PAGE_SIZE, false));
	v = &page_values[pfn];
	*v = 999;
	snprintf(text, sizeof(text), "pid 1 %#lx reads 999, expected 4 (written by write)",
		 a + 3 * PAGE_SIZE);
	caught(text, "a changed value is named with its address");
	*v = 0;
	caught("reads 0, expected 4", "a value lost to 0");
	*v = 4;
	passes("the value put back");

	/* A PTE that maps the wrong page: rmap aside, values tell. */
	split_huge_pmd_address(vma_lookup(current->mm, a), a, false);
	{
		pte_t *pte = pte_offset_map(mm_find_pmd(current->mm, a), a), saved = pte[1];

		pte[1] = pte[2];
		caught("reads 3, expected 2", "two pages mixed up");
		pte[1] = saved;
	}
	passes("the PTE put back");

	/* Zapped behind the record's back: the page reads 0 now. */
	do_madvise(current->mm, a + 7 * PAGE_SIZE, PAGE_SIZE, MADV_DONTNEED);
	caught("reads 0 (nothing mapped), expected 8", "a page dropped without munmap");
	shadow_unmap(current, a + 7 * PAGE_SIZE, PAGE_SIZE);
	passes("dontneed, recorded");
	do_vmi_munmap(current->mm, a + 9 * PAGE_SIZE, PAGE_SIZE);
	caught("is not mapped, expected 10", "a page unmapped behind the record's back");
	shadow_unmap(current, a + 9 * PAGE_SIZE, PAGE_SIZE);
	passes("munmap, recorded");

	/* A page never written must read 0: here, the shared zero page. */
	a = (unsigned long)do_mmap(current->mm, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, VM_NOHUGEPAGE, NULL, 0);
	ok(page_at(current->mm, a, false) == ZERO_PAGE(a), "a read fault maps the zero page");
	page_values[zero_pfn] = 7;
	caught("reads 7, expected 0 (not written)", "an unwritten page reading nonzero");
	page_values[zero_pfn] = 0;
	passes("the zero page put back");
}

static void test_fork_and_mremap(void)
{
	unsigned long a = written_thp(), b;
	struct task_struct *child = find_task_by_vpid(kernel_clone(current));

	shadow_fork(current, child);
	passes("fork");
	write_value(child, a, 1000);
	passes("the child writes (COW)");
	page_values[page_to_pfn(page_at(child->mm, a, false))] = 5;
	caught("pid 2 0x", "the child's own page changed");
	caught("reads 5, expected 1000 (written by write)", "... with what it wrote");
	page_values[page_to_pfn(page_at(child->mm, a, false))] = 1000;
	do_vmi_munmap(current->mm, a, PMD_SIZE);
	shadow_unmap(current, a, PMD_SIZE);
	page_values[page_to_pfn(page_at(child->mm, a + PAGE_SIZE, false))] = 5;
	caught("reads 5, expected 2 (written by write, copied by fork)",
	       "a value the child inherited changed");
	page_values[page_to_pfn(page_at(child->mm, a + PAGE_SIZE, false))] = 2;
	passes("the parent unmapped it");
	a = written_thp();
	b = (unsigned long)do_mremap(current->mm, a, PMD_SIZE, PMD_SIZE,
				     MREMAP_MAYMOVE | MREMAP_FIXED, a + 64 * PMD_SIZE);
	shadow_mremap(current, a, PMD_SIZE, PMD_SIZE, b);
	passes("mremap");
	page_values[page_to_pfn(page_at(current->mm, b + 2 * PAGE_SIZE, false))] = 0;
	caught("moved by mremap", "a moved value lost");
}

/* MADV_FREE then reclaim: the value or 0, until a read settles which. */
static void test_lazyfree(void)
{
	unsigned long a = written_thp();
	u64 *v = &page_values[page_to_pfn(page_at(current->mm, a, false))];

	shadow_lazyfree(current, a, PMD_SIZE);
	*v = 0;
	caught("reads 0, expected 1 (written by write; freed by madvise \"free\", not reclaimed",
	       "lazyfree without reclaim: still its value");
	shadow_reclaim(current, a, PMD_SIZE);
	passes("lazyfree, reclaimed: 0 is allowed");
	*v = 5;
	caught("reads 5, expected 1 or 0", "lazyfree, reclaimed: nothing else");
	*v = 0;
	shadow_read(current, a, 0);
	*v = 1;
	caught("reads 1, expected 0 (not written)", "once a read saw 0, it stays 0");
	*v = 0;
	passes("discarded");
}

static void test_file(void)
{
	const char *why;
	int err;
	struct shmem_file *file;
	unsigned long a;

	shmem_mount("/mnt", "huge=always", &why);
	file = shmem_file_open("/mnt/f", 2 * PMD_SIZE, &err);
	a = (unsigned long)do_mmap(current->mm, 0, 2 * PMD_SIZE, PROT_READ | PROT_WRITE,
				   MAP_SHARED, 0, file, 0);
	fput(file);
	write_value(current, a + 2 * PAGE_SIZE, 3);
	passes("a tmpfs file written");
	page_values[page_to_pfn(page_at(current->mm, a + 2 * PAGE_SIZE, false))] = 4;
	caught("(/mnt/f index 0x2) reads 4, expected 3", "a file page, through its mapping");
	do_vmi_munmap(current->mm, a, 2 * PMD_SIZE);
	shadow_unmap(current, a, 2 * PMD_SIZE);
	caught("/mnt/f index 0x2 reads 4, expected 3", "a file page, in the page cache");
	page_values[page_to_pfn(folio_page(xa_load(&file->f_mapping.i_pages, 2), 2))] = 3;
	passes("unmapped: the page cache keeps the value");
	shmem_setattr_size(file, PAGE_SIZE);
	caught("index 0x2 reads 0, expected 3", "truncated behind the record's back");
	shadow_truncate(file, 2 * PMD_SIZE, PAGE_SIZE);
	passes("truncate, recorded");
}

/*
 * A private mapping of a file: a page reads the file until written, the
 * copy then keeps its value.  Caught: a copy that changed, a write that
 * went into the page cache instead of a copy, a copy replaced by the
 * file's page again.
 */
static void test_private_file(void)
{
	const char *why;
	int err;
	struct shmem_file *file;
	unsigned long s, p;
	pte_t *pte, saved;
	struct page *cache;

	shmem_mount("/mnt", "huge=never", &why);
	file = shmem_file_open("/mnt/f", PMD_SIZE, &err);
	s = (unsigned long)do_mmap(current->mm, 0, PMD_SIZE, PROT_READ | PROT_WRITE,
				   MAP_SHARED, 0, file, 0);
	p = (unsigned long)do_mmap(current->mm, 0, PMD_SIZE, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE, 0, file, 0);
	fput(file);
	write_value(current, s + PAGE_SIZE, 5);
	write_value(current, s + 2 * PAGE_SIZE, 6);
	ok(page_value(page_at(current->mm, p + PAGE_SIZE, false)) == 5,
	   "a private mapping reads the file");
	write_value(current, p + PAGE_SIZE, 7);
	page_at(current->mm, p + 2 * PAGE_SIZE, true);	/* a write fault: a copy of 6 */
	shadow_copy(current, p + 2 * PAGE_SIZE, PAGE_SIZE);
	write_value(current, s + 2 * PAGE_SIZE, 8);
	passes("a private copy written, one copied, the file written");
	ok(page_value(page_at(current->mm, s + PAGE_SIZE, false)) == 5 &&
	   page_value(page_at(current->mm, p + 2 * PAGE_SIZE, false)) == 6,
	   "the file keeps 5, the copy keeps 6");
	page_values[page_to_pfn(page_at(current->mm, p + 2 * PAGE_SIZE, false))] = 9;
	caught("(private copy of /mnt/f index 0x2) reads 9, expected 6", "a copy that changed");
	page_values[page_to_pfn(page_at(current->mm, p + 2 * PAGE_SIZE, false))] = 6;
	cache = page_at(current->mm, s + PAGE_SIZE, false);
	page_values[page_to_pfn(cache)] = 7;
	caught("/mnt/f index 0x1) reads 7, expected 5", "a private write that reached the file");
	page_values[page_to_pfn(cache)] = 5;
	pte = pte_offset_map(mm_find_pmd(current->mm, p + PAGE_SIZE), p + PAGE_SIZE);
	saved = *pte;
	*pte = pfn_pte(page_to_pfn(cache), __pgprot(pte_val(saved) & ~PTE_PFN_MASK));
	caught("maps /mnt/f index 0x1, expected its private copy", "a copy replaced by the file's page");
	*pte = saved;
	passes("the entries restored");
	shmem_setattr_size(file, 0);
	shadow_truncate(file, PMD_SIZE, 0);
	passes("truncate: the copies go too");
}

/* Many values in, ranges out, by key and by slot: the table stays right. */
static void test_table(void)
{
	unsigned long a = mmap_huge(8 * PMD_SIZE), off;
	int i;

	for (i = 0; i < 3000; i++)
		write_value(current, a + ((i * 7919UL) % 4096) * PAGE_SIZE, i + 1);
	passes("3000 writes over 8 THPs");
	for (off = 0; off < 8 * PMD_SIZE; off += 37 * PAGE_SIZE) {
		do_vmi_munmap(current->mm, a + off, 3 * PAGE_SIZE);
		shadow_unmap(current, a + off, 3 * PAGE_SIZE);
	}
	passes("small munmaps (each key looked up)");
	do_vmi_munmap(current->mm, a, 6 * PMD_SIZE);
	shadow_unmap(current, a, 6 * PMD_SIZE);
	passes("a large munmap (every slot visited)");
}

/*
 * A swapped-out page reads what its slot holds (or its swap cache page):
 * a value lost on the device is caught, and a swap entry of no device
 * is named, not misread.
 */
static void test_swap_entry(void)
{
	unsigned long a = written_thp();
	unsigned long offset;
	pte_t *pte, saved;

	sys_swapon(64UL << 20, false);
	do_madvise(current->mm, a, PMD_SIZE, MADV_PAGEOUT);
	shadow_reclaim(current, a, PMD_SIZE);
	passes("a THP swapped out");
	pte = pte_offset_map(mm_find_pmd(current->mm, a), a + 5 * PAGE_SIZE);
	offset = swp_offset(pte_to_swp_entry(*pte));
	swap_info->data[offset] = 99;
	caught("reads 99, expected 6", "a value lost on the swap device");
	swap_info->data[offset] = 6;
	saved = *pte;
	*pte = swp_entry_to_pte(swp_entry(0, 1UL << 40));
	caught("of no swap device", "a swap entry of no device");
	*pte = saved;
	passes("the entries restored");
}

/* Pass when mm_check() fails with a message holding @text. */
static void caught_mm(const char *text, const char *name)
{
	int err = mm_check(msg, sizeof(msg));

	if (!ok(err && strstr(msg, text), "%s", name))
		printf("#   check: %s\n#   expected: %s\n", err ? msg : "(passed)", text);
}

/*
 * Swapped-out shmem pages: the page cache holds their swap entries.  A
 * value lost on the device is caught; so are info->swapped and a slot's
 * count that disagree with the entries, and the blocks they hold.
 */
static void test_shmem_swap(void)
{
	struct shmem_file *file;
	unsigned long a, offset;
	const char *why;
	void *entry;
	int err, i;

	shmem_mount("/mnt", "huge=never", &why);
	file = shmem_file_open("/mnt/s", 4 * PAGE_SIZE, &err);
	a = (unsigned long)do_mmap(current->mm, 0, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE,
				   MAP_SHARED, 0, file, 0);
	fput(file);
	for (i = 0; i < 4; i++)
		write_value(current, a + i * PAGE_SIZE, i + 1);
	sys_swapon(64UL << 20, false);
	do_madvise(current->mm, a, 4 * PAGE_SIZE, MADV_PAGEOUT);
	shadow_reclaim(current, a, 4 * PAGE_SIZE);
	passes("shmem pages swapped out");
	entry = xa_load(&file->f_mapping.i_pages, 2);
	ok(xa_is_value(entry) && file->swapped == 4, "the cache holds swap entries");
	offset = swp_offset(radix_to_swp_entry(entry));
	swap_info->data[offset] = 99;
	caught("reads 99, expected 3", "a shmem value lost on the swap device");
	swap_info->data[offset] = 3;
	file->swapped--;
	caught_mm("4 swap entries cached, info->swapped 3", "info->swapped off by one");
	file->swapped++;
	swap_info->swap_map[offset]++;
	caught_mm("count 2, but 1 swap PTEs and page-cache entries", "a slot counted twice");
	swap_info->swap_map[offset]--;
	file->alloced--;
	caught_mm("0 pages cached and 4 swapped", "blocks of swapped pages lost");
	file->alloced++;
	passes("restored");
}

int main(void)
{
	void (*tests[])(void) = { test_anon, test_fork_and_mremap, test_lazyfree, test_file,
				  test_private_file, test_table, test_swap_entry,
				  test_shmem_swap };
	size_t i;

	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		mm_boot(4UL << 30, 1);
		shadow_reset();
		tests[i]();
	}
	shadow_reset();
	mm_machine_destroy();
	return done_testing();
}
