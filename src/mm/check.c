/*
 * check.c - every invariant of the simulated machine, checked from
 * scratch (what CONFIG_DEBUG_VM checks piecemeal, all at once).
 *
 * The page tables of every process are walked to count, for each page,
 * the PTEs and PMDs that map it, and the GUP pins recorded on gup_pins
 * and the folios waiting in the lru_lazyfree batch are counted too; then
 * every frame is visited and its struct page compared with the counts:
 * mapcounts, refcounts (one per mapping, plus pins and batch), _pincount, the large-folio counters, the rmap (anon_vma and
 * index), the counters of /proc/vmstat and the mTHP stats, the page
 * tables themselves (none leaked, deposits matching THPs), the buddy
 * allocator and the deferred split queues.  The page cache of every
 * shmem file is walked too: each cached folio at its index, holding
 * nr_pages references, and every file folio in memory reachable so;
 * its swap entries (swapped-out shmem pages) against info->swapped, and
 * cached + swapped pages against the blocks it holds.
 * So is the swap device: each slot's count against the swap PTEs and
 * page-cache entries that hold it, its cache mark against the swap cache folio that stands for
 * it, and the free and cached page counts.
 */
#include "check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "huge_mm.h"
#include "khugepaged.h"
#include "memcontrol.h"
#include "rmap.h"
#include "shmem_fs.h"
#include "swap.h"

struct check {
	char *msg;
	size_t len;
	int *pte_maps;		/* per pfn: PTEs mapping it */
	int *pmd_maps;		/* per head pfn: PMDs mapping the folio */
	int *pins;		/* per pfn: FOLL_PIN pins recorded on gup_pins */
	unsigned char *batched;	/* per pfn: references the lru_lazyfree batch holds */
	long pinned[MAX_NUMNODES];	/* expected nr_foll_pin_acquired - _released */
	unsigned char *is_table;	/* per pfn: a reachable or deposited table */
	long anon_mapped[MAX_NUMNODES];	/* expected NR_ANON_MAPPED */
	long anon_thps[MAX_NUMNODES];	/* expected NR_ANON_THPS */
	long tables[MAX_NUMNODES];	/* expected NR_PAGETABLE */
	long nr_anon[NR_PAGE_ORDERS];
	long nr_partial[NR_PAGE_ORDERS];
	unsigned long memcg_usage[MAX_MEMCGS];	/* pages charged to each group */
	unsigned char *cached;		/* per head pfn: in a page cache */
	long file_vmas;			/* VMAs with a vm_file */
	long file_mapped[MAX_NUMNODES];	/* expected NR_FILE_MAPPED */
	long shmem_pmdmapped[MAX_NUMNODES];	/* expected NR_SHMEM_PMDMAPPED */
	long shmem[MAX_NUMNODES];	/* expected NR_SHMEM (= NR_FILE_PAGES here) */
	long shmem_thps[MAX_NUMNODES];	/* expected NR_SHMEM_THPS */
	int *swap_ptes;			/* per swap slot: swap PTEs and cache entries holding it */
	long swapcache[MAX_NUMNODES];	/* expected NR_SWAPCACHE */
};

static int fail(struct check *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->msg, c->len, fmt, ap);
	va_end(ap);
	return -1;
}

static bool vma_has_anon_vma(struct vm_area_struct *vma, struct anon_vma *anon_vma)
{
	struct anon_vma_chain *avc;

	list_for_each_entry(avc, &vma->anon_vma_chain, same_vma)
		if (avc->anon_vma == anon_vma)
			return true;
	return false;
}

static int check_table_page(struct check *c, struct page *page, const char *what)
{
	unsigned long pfn = page_to_pfn(page);

	if (page->page_type != (unsigned int)PGTY_table << PAGE_TYPE_SHIFT)
		return fail(c, "%s pfn %#lx is not a page table", what, pfn);
	if (c->is_table[pfn])
		return fail(c, "%s pfn %#lx is used twice", what, pfn);
	if (page->ptl.held)
		return fail(c, "%s pfn %#lx: page-table lock left held", what, pfn);
	c->is_table[pfn] = 1;
	c->tables[pfn_to_nid(pfn)]++;
	return 0;
}

/* A mapping of @page at @addr: it must be in a VMA that the folio's rmap finds. */
static int check_rmap(struct check *c, struct mm_struct *mm, unsigned long addr,
		      struct page *page)
{
	struct folio *folio = page_folio(page);
	struct vm_area_struct *vma = vma_lookup(mm, addr);
	unsigned long idx = page - folio_page(folio, 0);

	if (!vma)
		return fail(c, "pid %d: %#lx is mapped outside any VMA", mm->owner->pid, addr);
	if (folio->_refcount <= 0)
		return fail(c, "pid %d: %#lx maps pfn %#lx, whose folio is free",
			    mm->owner->pid, addr, page_to_pfn(page));
	if (!folio_test_anon(folio)) {
		if (!vma->vm_file || folio_mapping(folio) != &vma->vm_file->f_mapping)
			return fail(c, "pid %d: page-cache folio pfn %#lx at %#lx is not of the "
				    "VMA's file", mm->owner->pid, folio_pfn(folio), addr);
		if (folio->index + idx != linear_page_index(vma, addr))
			return fail(c, "pid %d: folio pfn %#lx at %#lx: index %#lx, expected %#lx",
				    mm->owner->pid, folio_pfn(folio), addr, folio->index + idx,
				    linear_page_index(vma, addr));
		return 0;
	}
	if (!vma_has_anon_vma(vma, folio_anon_vma(folio)))
		return fail(c, "pid %d: folio pfn %#lx at %#lx: its anon_vma is not linked to the VMA",
			    mm->owner->pid, folio_pfn(folio), addr);
	if (folio->index + idx != linear_page_index(vma, addr))
		return fail(c, "pid %d: folio pfn %#lx at %#lx: index %#lx, expected %#lx",
			    mm->owner->pid, folio_pfn(folio), addr, folio->index + idx,
			    linear_page_index(vma, addr));
	return 0;
}

/* A swap PTE at @addr: in an anonymous VMA, for a slot of the device in use. */
static int check_swap_pte(struct check *c, struct mm_struct *mm, unsigned long addr,
			  pte_t pte, long *rss)
{
	swp_entry_t entry = pte_to_swp_entry(pte);
	struct vm_area_struct *vma = vma_lookup(mm, addr);

	if (is_migration_entry(entry))
		return fail(c, "pid %d: %#lx holds migration entry %#llx at rest",
			    mm->owner->pid, addr, (unsigned long long)pte_val(pte));
	if (!swp_swap_info(entry) || !swp_offset(entry))
		return fail(c, "pid %d: %#lx holds swap entry %#llx of no device slot",
			    mm->owner->pid, addr, (unsigned long long)pte_val(pte));
	/* a private file VMA's anonymous copies may go to swap too */
	if (!vma || (vma->vm_flags & VM_SHARED) || !vma->anon_vma)
		return fail(c, "pid %d: swap entry at %#lx outside a private VMA with an anon_vma",
			    mm->owner->pid, addr);
	c->swap_ptes[swp_offset(entry)]++;
	rss[MM_SWAPENTS]++;
	return 0;
}

static int check_pte_table(struct check *c, struct mm_struct *mm, pmd_t *pmd,
			   unsigned long base, long *rss)
{
	pte_t *pte = pte_offset_map(pmd, base);
	int i;

	if (check_table_page(c, pfn_to_page(pmd_pfn(*pmd)), "pte table"))
		return -1;
	for (i = 0; i < PTRS_PER_PTE; i++) {
		unsigned long addr = base + i * PAGE_SIZE;
		struct page *page;

		if (pte_none(pte[i]))
			continue;
		if (!pte_present(pte[i])) {
			if (check_swap_pte(c, mm, addr, pte[i], rss))
				return -1;
			continue;
		}
		if (!vma_lookup(mm, addr))
			return fail(c, "pid %d: %#lx is mapped outside any VMA", mm->owner->pid, addr);
		if (pte_special(pte[i])) {
			if (pte_pfn(pte[i]) != zero_pfn)
				return fail(c, "pid %d: %#lx: special pte %#llx is not the zero page",
					    mm->owner->pid, addr, (unsigned long long)pte_val(pte[i]));
			continue;
		}
		page = pfn_to_page(pte_pfn(pte[i]));
		if (check_rmap(c, mm, addr, page))
			return -1;
		c->pte_maps[page_to_pfn(page)]++;
		if (folio_test_anon(page_folio(page)))
			rss[MM_ANONPAGES]++;
		else
			rss[folio_test_swapbacked(page_folio(page)) ? MM_SHMEMPAGES : MM_FILEPAGES]++;
	}
	return 0;
}

static int check_deposits(struct check *c, struct mm_struct *mm, struct page *pmd_table,
			  int expected, long *nr_tables)
{
	struct page *t;
	int n = 0;

	for (t = pmd_table->pmd_huge_pte; t; t = t->pt_deposit_next, n++) {
		u64 *e = page_table_entries(t);
		int i;

		if (check_table_page(c, t, "deposited table"))
			return -1;
		for (i = 0; i < PTRS_PER_PTE; i++)
			if (e[i])
				return fail(c, "deposited table pfn %#lx is not empty", page_to_pfn(t));
		(*nr_tables)++;
	}
	if (n != expected)
		return fail(c, "pid %d: PMD table pfn %#lx holds %d deposited tables for %d huge PMDs",
			    mm->owner->pid, page_to_pfn(pmd_table), n, expected);
	return 0;
}

static int check_pmd_leaf(struct check *c, struct mm_struct *mm, pmd_t pmd,
			  unsigned long addr, long *rss, int *deposits)
{
	struct vm_area_struct *vma = vma_lookup(mm, addr);
	struct folio *folio;

	if (!vma || vma->vm_end < addr + PMD_SIZE)
		return fail(c, "pid %d: huge PMD at %#lx is not inside one VMA", mm->owner->pid, addr);
	if (is_huge_zero_pmd(pmd)) {
		*deposits += vma_is_anonymous(vma);
		return 0;
	}
	folio = page_folio(pfn_to_page(pmd_pfn(pmd)));
	if (folio_page(folio, 0) != pfn_to_page(pmd_pfn(pmd)) ||
	    folio_order(folio) != HPAGE_PMD_ORDER)
		return fail(c, "pid %d: huge PMD at %#lx does not map an order-9 folio",
			    mm->owner->pid, addr);
	if (check_rmap(c, mm, addr, folio_page(folio, 0)))
		return -1;
	c->pmd_maps[folio_pfn(folio)]++;
	if (folio_test_anon(folio)) {
		rss[MM_ANONPAGES] += HPAGE_PMD_NR;
		(*deposits)++;
	} else {
		rss[folio_test_swapbacked(folio) ? MM_SHMEMPAGES : MM_FILEPAGES] += HPAGE_PMD_NR;
	}
	return 0;
}

static int check_pmd_table(struct check *c, struct mm_struct *mm, pud_t *pud,
			   unsigned long base, long *rss, long *nr_tables)
{
	pmd_t *pmd = pmd_offset(pud, base);
	int i, deposits = 0;

	if (check_table_page(c, pfn_to_page(pud_pfn(*pud)), "pmd table"))
		return -1;
	(*nr_tables)++;
	for (i = 0; i < PTRS_PER_PMD; i++) {
		unsigned long addr = base + i * PMD_SIZE;

		if (pmd_none(pmd[i]))
			continue;
		if (is_swap_pmd(pmd[i]))
			return fail(c, "pid %d: %#lx holds PMD migration entry at rest",
				    mm->owner->pid, addr);
		if (pmd_trans_huge(pmd[i])) {
			if (check_pmd_leaf(c, mm, pmd[i], addr, rss, &deposits))
				return -1;
			continue;
		}
		(*nr_tables)++;
		if (check_pte_table(c, mm, pmd + i, addr, rss))
			return -1;
	}
	return check_deposits(c, mm, entry_table_page(pmd), deposits, nr_tables);
}

/* A file VMA: in its file's i_mmap, by its page offsets. */
static int check_file_vma(struct check *c, struct vm_area_struct *vma)
{
	struct itroot *i_mmap = &vma->vm_file->f_mapping.i_mmap;
	struct itnode *n;

	c->file_vmas++;
	for (n = it_iter_first(i_mmap, vma->vm_pgoff, vma->vm_pgoff); n;
	     n = it_iter_next(i_mmap, n, vma->vm_pgoff, vma->vm_pgoff))
		if (n == &vma->shared)
			break;
	if (!n || n->last != vma->vm_pgoff + vma_pages(vma) - 1)
		return fail(c, "pid %d: VMA %#lx of %s is not in its i_mmap at its offsets",
			    vma->vm_mm->owner->pid, vma->vm_start, vma->vm_file->name);
	return 0;
}

static int check_vmas(struct check *c, struct mm_struct *mm)
{
	struct vm_area_struct *vma, *prev = NULL;
	int n = 0;

	for_each_vma(mm, vma) {
		n++;
		if (vma->vm_start >= vma->vm_end || (vma->vm_start | vma->vm_end) & ~PAGE_MASK ||
		    vma->vm_mm != mm)
			return fail(c, "pid %d: bad VMA [%#lx, %#lx)", mm->owner->pid,
				    vma->vm_start, vma->vm_end);
		if (prev && prev->vm_end > vma->vm_start)
			return fail(c, "pid %d: VMAs [%#lx, %#lx) and [%#lx, %#lx) overlap",
				    mm->owner->pid, prev->vm_start, prev->vm_end,
				    vma->vm_start, vma->vm_end);
		if (find_vma(mm, vma->vm_start) != vma)
			return fail(c, "pid %d: the VMA index misses [%#lx, %#lx)", mm->owner->pid,
				    vma->vm_start, vma->vm_end);
		if (vma->anon_vma && !vma_has_anon_vma(vma, vma->anon_vma))
			return fail(c, "pid %d: VMA %#lx is not on its own anon_vma",
				    mm->owner->pid, vma->vm_start);
		if (vma->vm_file && check_file_vma(c, vma))
			return -1;
		prev = vma;
	}
	if (n != mm->map_count)
		return fail(c, "pid %d: map_count %d, but %d VMAs", mm->owner->pid, mm->map_count, n);
	return 0;
}

static int check_mm(struct check *c, struct mm_struct *mm)
{
	long rss[NR_MM_COUNTERS] = { 0 }, nr_tables = 1;
	unsigned long addr;
	int i;

	if (check_vmas(c, mm) || check_table_page(c, mm->pgd, "pgd"))
		return -1;
	for (i = 0; i < PTRS_PER_PGD; i++) {
		pgd_t *pgd = (pgd_t *)&page_table_entries(mm->pgd)[i];
		pud_t *pud;
		int j;

		if (pgd_none(*pgd))
			continue;
		addr = (unsigned long)i << PGDIR_SHIFT;
		if (check_table_page(c, pfn_to_page(pgd_pfn(*pgd)), "pud table"))
			return -1;
		nr_tables++;
		pud = pud_offset(p4d_offset(pgd, addr), addr);
		for (j = 0; j < PTRS_PER_PUD; j++)
			if (!pud_none(pud[j]) &&
			    check_pmd_table(c, mm, pud + j, addr + ((unsigned long)j << PUD_SHIFT),
					    rss, &nr_tables))
				return -1;
	}
	if (mm->pgtables_bytes != nr_tables * (long)PAGE_SIZE)
		return fail(c, "pid %d: pgtables_bytes %ld, but %ld tables", mm->owner->pid,
			    mm->pgtables_bytes, nr_tables);
	for (i = 0; i < NR_MM_COUNTERS; i++)
		if (rss[i] != get_mm_counter(mm, i))
			return fail(c, "pid %d: rss counter %d is %ld, page tables map %ld",
				    mm->owner->pid, i, get_mm_counter(mm, i), rss[i]);
	return 0;
}

/* A swap cache folio: anonymous, and each of its slots points back to it. */
static int check_swapcache_folio(struct check *c, struct folio *folio)
{
	swp_entry_t entry = folio_swap_entry(folio);
	struct swap_info_struct *si = swp_swap_info(entry);
	long i, nr = folio_nr_pages(folio);

	if (!folio_test_anon(folio) && folio->mapping)
		return fail(c, "swap cache folio pfn %#lx has a file mapping", folio_pfn(folio));
	if (!si || !swp_offset(entry) || swp_offset(entry) + nr > si->max)
		return fail(c, "swap cache folio pfn %#lx: bad swap entry %#llx", folio_pfn(folio),
			    (unsigned long long)entry.val);
	for (i = 0; i < nr; i++)
		if (si->swap_cache[swp_offset(entry) + i] != folio)
			return fail(c, "swap cache folio pfn %#lx: slot %#llx does not point to it",
				    folio_pfn(folio), (unsigned long long)swp_offset(entry) + i);
	c->swapcache[folio_nid(folio)] += nr;
	return 0;
}

/* The mappings, refcount and counters of one folio (head at @pfn). */
static int check_folio(struct check *c, struct folio *folio)
{
	unsigned long pfn = folio_pfn(folio);
	long i, nr = folio_nr_pages(folio), ptes = 0, pages_mapped = 0;
	int pmds = c->pmd_maps[pfn], nid = pfn_to_nid(pfn), expected_ref, pins = 0;

	if (is_huge_zero_folio(folio))
		return folio->_refcount == 1 ? 0 :
		       fail(c, "huge zero folio refcount %d", folio->_refcount);
	for (i = 0; i < nr; i++) {
		struct page *p = folio_page(folio, i);

		if (i && (!PageTail(p) || compound_head(p) != folio_page(folio, 0) || p->_refcount))
			return fail(c, "folio pfn %#lx: tail %ld is not a proper tail", pfn, i);
		if (p->_mapcount + 1 != c->pte_maps[pfn + i])
			return fail(c, "pfn %#lx: _mapcount %d, but %d PTEs map it",
				    pfn + i, p->_mapcount, c->pte_maps[pfn + i]);
		ptes += c->pte_maps[pfn + i];
		pages_mapped += c->pte_maps[pfn + i] > 0;
		pins += c->pins[pfn + i];
	}
	if (folio_test_large(folio) && folio->_pincount != pins)
		return fail(c, "folio pfn %#lx: _pincount %d, but %d pins recorded",
			    pfn, folio->_pincount, pins);
	if (folio_test_large(folio)) {
		if (folio->_entire_mapcount + 1 != pmds)
			return fail(c, "folio pfn %#lx: _entire_mapcount %d, but %d PMDs map it",
				    pfn, folio->_entire_mapcount, pmds);
		if (folio->_large_mapcount + 1 != ptes + pmds)
			return fail(c, "folio pfn %#lx: _large_mapcount %d, but %ld mappings",
				    pfn, folio->_large_mapcount, ptes + pmds);
		if (folio->_nr_pages_mapped != pages_mapped + (pmds ? ENTIRELY_MAPPED : 0))
			return fail(c, "folio pfn %#lx: _nr_pages_mapped %#x, expected %#lx",
				    pfn, folio->_nr_pages_mapped,
				    pages_mapped + (pmds ? ENTIRELY_MAPPED : 0));
	}
	expected_ref = ptes + pmds + pins * (folio_test_large(folio) ? 1 : GUP_PIN_COUNTING_BIAS) +
		       c->batched[pfn];
	/* a page cache holds nr_pages references (none once truncated under a pin) */
	if ((!folio_test_anon(folio) && folio->mapping) || folio_test_swapcache(folio))
		expected_ref += nr;
	if (folio->_refcount != expected_ref)
		return fail(c, "folio pfn %#lx: refcount %d, expected %d (mappings%s)",
			    pfn, folio->_refcount, expected_ref,
			    folio_test_anon(folio) ? " + pins + lru_lazyfree batch" :
			    " + pins + page cache");
	if (folio_test_locked(folio))
		return fail(c, "folio pfn %#lx left locked", pfn);
	if (folio_test_swapcache(folio) && check_swapcache_folio(c, folio))
		return -1;
	if (!folio_test_anon(folio)) {
		/* a shmem folio written to a swap file waits in the swap cache, unmapped */
		if (folio->mapping ? !c->cached[pfn] :
		    folio_test_swapcache(folio) ? ptes || pmds : !pins || ptes || pmds)
			return fail(c, "folio pfn %#lx: not anonymous, and neither in a page cache, "
				    "nor unmapped in the swap cache, nor truncated and held by pins "
				    "alone", pfn);
		c->file_mapped[nid] += pmds ? nr : pages_mapped;
		c->shmem_pmdmapped[nid] += pmds ? nr : 0;
	}
	if (folio_test_anon(folio)) {
		c->anon_mapped[nid] += pmds ? nr : pages_mapped;
		c->anon_thps[nid] += pmds ? nr : 0;
		if (folio_test_large(folio))
			c->nr_anon[folio_order(folio)]++;
	}
	if (folio_test_partially_mapped(folio))
		c->nr_partial[folio_order(folio)]++;
	if (folio_memcg_id(folio) >= MAX_MEMCGS || (folio_memcg_id(folio) &&
	    !mem_cgroup_from_id(folio_memcg_id(folio))))
		return fail(c, "folio pfn %#lx is charged to a memcg that does not exist", pfn);
	c->memcg_usage[folio_memcg_id(folio)] += nr;
	return 0;
}

/* Every frame of every node: free, table, or folio. */
static int check_frames(struct check *c, unsigned long *nr_free_seen)
{
	int nid;

	for (nid = 0; nid < nr_node_ids; nid++) {
		struct pglist_data *pgdat = NODE_DATA(nid);
		unsigned long pfn = pgdat->node_start_pfn, free = 0;

		while (pfn < pgdat->init_pfn) {
			struct page *page = pfn_to_page(pfn);

			if (page->page_type == (unsigned int)PGTY_buddy << PAGE_TYPE_SHIFT) {
				if (pfn & ((1UL << page->buddy_order) - 1))
					return fail(c, "free block pfn %#lx misaligned for order %lu",
						    pfn, page->buddy_order);
				free += 1UL << page->buddy_order;
				pfn += 1UL << page->buddy_order;
				continue;
			}
			if (page->page_type == (unsigned int)PGTY_table << PAGE_TYPE_SHIFT) {
				if (!c->is_table[pfn])
					return fail(c, "page table pfn %#lx is leaked", pfn);
				pfn++;
				continue;
			}
			if (page->flags & BIT(PG_reserved)) {
				pfn++;
				continue;
			}
			if (PageTail(page) || !page->_refcount)
				return fail(c, "pfn %#lx: neither free nor in use", pfn);
			if (check_folio(c, (struct folio *)page))
				return -1;
			pfn += folio_nr_pages((struct folio *)page);
		}
		free += pgdat->node_start_pfn + pgdat->node_spanned_pages - pgdat->init_pfn;
		if (free != pgdat->nr_free)
			return fail(c, "node %d: %lu pages free in the lists, nr_free %lu",
				    nid, free, pgdat->nr_free);
		*nr_free_seen += free;
	}
	return 0;
}

static int check_queue(struct check *c, struct deferred_split *q, const char *name)
{
	struct folio *folio;
	unsigned long n = 0;

	if (q->split_queue_lock.held)
		return fail(c, "%s deferred split queue left locked", name);
	list_for_each_entry(folio, &q->split_queue, _deferred_list) {
		n++;
		if (!folio_test_large(folio) || folio_order(folio) < 2 || folio->_refcount <= 0)
			return fail(c, "%s deferred split queue holds a bad folio pfn %#lx",
				    name, folio_pfn(folio));
		if (get_deferred_split_queue(folio) != q)
			return fail(c, "folio pfn %#lx is on the wrong deferred split queue",
				    folio_pfn(folio));
	}
	if (n != q->split_queue_len)
		return fail(c, "%s deferred split queue: split_queue_len %lu, %lu on the list",
			    name, q->split_queue_len, n);
	return 0;
}

static int check_counters(struct check *c)
{
	struct mem_cgroup *memcg = NULL;
	int nid, order;

	for (nid = 0; nid < nr_node_ids; nid++) {
		long *st = NODE_DATA(nid)->vm_stat;
		char name[32];

		if (st[NR_ANON_MAPPED] != c->anon_mapped[nid])
			return fail(c, "node %d: nr_anon_pages %ld, mapped anon pages %ld", nid,
				    st[NR_ANON_MAPPED], c->anon_mapped[nid]);
		if (st[NR_ANON_THPS] != c->anon_thps[nid])
			return fail(c, "node %d: NR_ANON_THPS %ld pages, PMD-mapped %ld", nid,
				    st[NR_ANON_THPS], c->anon_thps[nid]);
		if (st[NR_FOLL_PIN_ACQUIRED] - st[NR_FOLL_PIN_RELEASED] != c->pinned[nid])
			return fail(c, "node %d: %ld pins acquired and not released, %ld recorded",
				    nid, st[NR_FOLL_PIN_ACQUIRED] - st[NR_FOLL_PIN_RELEASED],
				    c->pinned[nid]);
		if (st[NR_FILE_MAPPED] != c->file_mapped[nid] ||
		    st[NR_SHMEM_PMDMAPPED] != c->shmem_pmdmapped[nid] ||
		    st[NR_SHMEM] != c->shmem[nid] || st[NR_FILE_PAGES] != c->shmem[nid] ||
		    st[NR_SHMEM_THPS] != c->shmem_thps[nid])
			return fail(c, "node %d: nr_mapped %ld, nr_shmem_pmdmapped %ld, nr_shmem "
				    "%ld, nr_file_pages %ld, nr_shmem_hugepages %ld pages; the page "
				    "caches say %ld, %ld, %ld, %ld, %ld", nid, st[NR_FILE_MAPPED],
				    st[NR_SHMEM_PMDMAPPED], st[NR_SHMEM], st[NR_FILE_PAGES],
				    st[NR_SHMEM_THPS], c->file_mapped[nid], c->shmem_pmdmapped[nid],
				    c->shmem[nid], c->shmem[nid], c->shmem_thps[nid]);
		if (st[NR_PAGETABLE] != c->tables[nid])
			return fail(c, "node %d: nr_page_table_pages %ld, tables in use %ld", nid,
				    st[NR_PAGETABLE], c->tables[nid]);
		snprintf(name, sizeof(name), "node %d", nid);
		if (check_queue(c, &NODE_DATA(nid)->deferred_split_queue, name))
			return -1;
	}
	while ((memcg = mem_cgroup_iter(memcg))) {
		if (check_queue(c, &memcg->deferred_split_queue, memcg->name))
			return -1;
		if (memcg->usage != c->memcg_usage[memcg->id])
			return fail(c, "memcg %s: usage %lu pages, charged folios %lu", memcg->name,
				    memcg->usage, c->memcg_usage[memcg->id]);
	}
	for (order = 2; order < NR_PAGE_ORDERS; order++) {
		if (mthp_stats[order][MTHP_STAT_NR_ANON] != c->nr_anon[order])
			return fail(c, "order %d: mTHP nr_anon %ld, anon folios %ld", order,
				    mthp_stats[order][MTHP_STAT_NR_ANON], c->nr_anon[order]);
		if (mthp_stats[order][MTHP_STAT_NR_ANON_PARTIALLY_MAPPED] != c->nr_partial[order])
			return fail(c, "order %d: nr_anon_partially_mapped %ld, flagged folios %ld",
				    order, mthp_stats[order][MTHP_STAT_NR_ANON_PARTIALLY_MAPPED],
				    c->nr_partial[order]);
	}
	return 0;
}

/* A process: its own mm (no threads here), a parent that is alive. */
static int check_task(struct check *c, struct task_struct *t)
{
	struct task_struct *u;

	if (!t->mm || t->mm->owner != t)
		return fail(c, "pid %d: its mm is missing or owned by another task", t->pid);
	if (t->pid == 1 ? t->ppid != 0 : !find_task_by_vpid(t->ppid))
		return fail(c, "pid %d: parent %d is not a process", t->pid, t->ppid);
	list_for_each_entry(u, &task_list, tasks)
		if (u != t && (u->pid == t->pid || u->mm->mm_id == t->mm->mm_id))
			return fail(c, "pids %d and %d share a pid or an mm id", t->pid, u->pid);
	return 0;
}

/* One cached folio at @index of @file's cache: where it says, and only there. */
static int check_cached_folio(struct check *c, struct shmem_file *file, struct folio *folio,
			      unsigned long index)
{
	unsigned long pfn = folio_pfn(folio), nr = folio_nr_pages(folio), i;

	if (PageTail(page_folio_page(folio)) || folio->_refcount <= 0 || c->cached[pfn])
		return fail(c, "%s: index %#lx holds a bad or twice-cached folio pfn %#lx",
			    file->name, index, pfn);
	if (folio_mapping(folio) != &file->f_mapping || folio->index != index ||
	    index & (nr - 1))
		return fail(c, "%s: index %#lx holds folio pfn %#lx of index %#lx or another "
			    "mapping", file->name, index, pfn, folio->index);
	for (i = 1; i < nr; i++)
		if (xa_load(&file->f_mapping.i_pages, index + i) != folio)
			return fail(c, "%s: index %#lx does not hold folio pfn %#lx",
				    file->name, index + i, pfn);
	if (folio_test_large(folio) && !folio_test_large_rmappable(folio))
		return fail(c, "%s: large folio pfn %#lx is not large_rmappable", file->name, pfn);
	if (index >= (unsigned long)((file->i_size + PAGE_SIZE - 1) >> PAGE_SHIFT))
		return fail(c, "%s: folio pfn %#lx at index %#lx lies wholly past EOF (%lld)",
			    file->name, pfn, index, file->i_size);
	c->cached[pfn] = 1;
	c->shmem[folio_nid(folio)] += nr;
	if (folio_test_pmd_mappable(folio))
		c->shmem_thps[folio_nid(folio)] += nr;
	return 0;
}

/* A swap entry at @index of @file's cache: a slot in use, inside the file; it counts on the slot. */
static int check_cached_swap(struct check *c, struct shmem_file *file, void *radswap,
			     unsigned long index)
{
	swp_entry_t entry = radix_to_swp_entry(radswap);

	if (!swp_swap_info(entry) || !swp_offset(entry))
		return fail(c, "%s: index %#lx holds swap entry %#llx of no device slot",
			    file->name, index, (unsigned long long)entry.val);
	if (index >= (unsigned long)((file->i_size + PAGE_SIZE - 1) >> PAGE_SHIFT))
		return fail(c, "%s: swap entry at index %#lx lies past EOF (%lld)", file->name,
			    index, file->i_size);
	c->swap_ptes[swp_offset(entry)]++;
	return 0;
}

/* A file: its cache, its page count, its swapped pages, its blocks, its references. */
static int check_file(struct check *c, struct shmem_file *file, long *vmas)
{
	unsigned long index = 0, nrpages = 0, swapped = 0;
	struct folio *folio;
	struct itnode *n;
	long refs = file->linked;

	while ((folio = xa_find(&file->f_mapping.i_pages, &index, ~0UL))) {
		if (xa_is_value(folio)) {
			if (check_cached_swap(c, file, folio, index))
				return -1;
			swapped++;
			index++;
			continue;
		}
		if (check_cached_folio(c, file, folio, index))
			return -1;
		nrpages += folio_nr_pages(folio);
		index += folio_nr_pages(folio);
	}
	if (swapped != file->swapped)
		return fail(c, "%s: %lu swap entries cached, info->swapped %lu", file->name,
			    swapped, file->swapped);
	if (nrpages != file->f_mapping.nrpages || nrpages + swapped != file->alloced)
		return fail(c, "%s: %lu pages cached and %lu swapped, nrpages %lu, alloced %lu",
			    file->name, nrpages, swapped, file->f_mapping.nrpages, file->alloced);
	for (n = it_iter_first(&file->f_mapping.i_mmap, 0, ~0UL); n;
	     n = it_iter_next(&file->f_mapping.i_mmap, n, 0, ~0UL))
		refs++;
	if (file->f_count != refs)
		return fail(c, "%s: f_count %d, but %ld VMAs and directory entries", file->name,
			    file->f_count, refs);
	*vmas += refs - file->linked;
	return 0;
}

static int check_page_caches(struct check *c)
{
	struct shmem_sb_info *sb = NULL;
	struct shmem_file *file;
	long vmas = 0;

	list_for_each_entry(file, &shmem_inodes, all)
		if (check_file(c, file, &vmas))
			return -1;
	if (vmas != c->file_vmas)
		return fail(c, "%ld VMAs map files, but the files' i_mmap trees hold %ld",
			    c->file_vmas, vmas);
	while ((sb = shmem_mount_iter(sb))) {
		unsigned long used = 0;

		list_for_each_entry(file, &sb->files, sb_list)
			used += file->alloced;
		if (used != sb->used_blocks || (sb->max_blocks && used > sb->max_blocks))
			return fail(c, "tmpfs %s: %lu pages used, the files hold %lu (size %lu)",
				    sb->path, sb->used_blocks, used, sb->max_blocks);
	}
	return 0;
}

/* One slot: its count is its swap PTEs, its cache mark a cached folio. */
static int check_swap_slot(struct check *c, struct swap_info_struct *si,
			   unsigned long offset, unsigned long *inuse)
{
	unsigned short map = si->swap_map[offset];
	struct folio *folio = si->swap_cache[offset];

	if (!map)
		return folio ? fail(c, "swap slot %#lx is free but cached by pfn %#lx", offset,
				    folio_pfn(folio)) : 0;
	(*inuse)++;
	if ((map & ~SWAP_HAS_CACHE) != c->swap_ptes[offset])
		return fail(c, "swap slot %#lx: count %d, but %d swap PTEs and page-cache "
			    "entries hold it", offset,
			    map & ~SWAP_HAS_CACHE, c->swap_ptes[offset]);
	if (!(map & SWAP_HAS_CACHE) != !folio)
		return fail(c, "swap slot %#lx: cache mark %d, cached folio %s", offset,
			    !!(map & SWAP_HAS_CACHE), folio ? "present" : "none");
	if (folio && (folio->_refcount <= 0 || !folio_test_swapcache(folio)))
		return fail(c, "swap slot %#lx is cached by pfn %#lx, which is free or not in "
			    "the swap cache", offset, folio_pfn(folio));
	return 0;
}

/* The device: every slot, the in-use count, the clusters' counts. */
static int check_swap(struct check *c)
{
	struct swap_info_struct *si = swap_info;
	unsigned long offset, inuse = 0, nr_clusters, ci;
	int nid;

	if (!si) {
		for (nid = 0; nid < nr_node_ids; nid++)
			if (c->swapcache[nid] || NODE_DATA(nid)->vm_stat[NR_SWAPCACHE])
				return fail(c, "swap cache pages without a swap device");
		return 0;
	}
	for (offset = 1; offset < si->max; offset++)
		if (check_swap_slot(c, si, offset, &inuse))
			return -1;
	if (inuse != si->inuse_pages)
		return fail(c, "swap: %lu slots in use, inuse_pages %lu", inuse, si->inuse_pages);
	nr_clusters = (si->max + SWAPFILE_CLUSTER - 1) / SWAPFILE_CLUSTER;
	for (ci = 0; ci < nr_clusters; ci++) {
		unsigned long n = 0;

		for (offset = ci * SWAPFILE_CLUSTER; offset < (ci + 1) * SWAPFILE_CLUSTER; offset++)
			n += offset >= si->max || si->swap_map[offset];
		if (n != si->cluster_info[ci].count)
			return fail(c, "swap cluster %lu: count %u, %lu slots used", ci,
				    si->cluster_info[ci].count, n);
	}
	for (nid = 0; nid < nr_node_ids; nid++)
		if (NODE_DATA(nid)->vm_stat[NR_SWAPCACHE] != c->swapcache[nid])
			return fail(c, "node %d: nr_swapcached %ld, swap cache folios hold %ld pages",
				    nid, NODE_DATA(nid)->vm_stat[NR_SWAPCACHE], c->swapcache[nid]);
	return 0;
}

/* Count the pins the driver thpsh plays holds: each on a live page of a live process. */
static int count_pins(struct check *c)
{
	struct gup_pin *pin;

	list_for_each_entry(pin, &gup_pins, list) {
		unsigned long pfn = page_to_pfn(pin->page);
		struct task_struct *t;

		list_for_each_entry(t, &task_list, tasks)
			if (t == pin->owner)
				break;
		if (&t->tasks == &task_list)
			return fail(c, "a pin at %#lx belongs to a process that exited", pin->addr);
		if (!(t->mm->flags & BIT(MMF_HAS_PINNED)))
			return fail(c, "pid %d pinned %#lx without MMF_HAS_PINNED", t->pid, pin->addr);
		if (page_folio(pin->page)->_refcount <= 0)
			return fail(c, "pid %d: pinned pfn %#lx (at %#lx) is free", pin->owner->pid,
				    pfn, pin->addr);
		c->pins[pfn]++;
		c->pinned[pfn_to_nid(pfn)]++;
	}
	return 0;
}

/*
 * The lru_lazyfree batch: fewer than PAGEVEC_SIZE small anonymous folios
 * in use, each holding one reference there.
 */
static int count_batched(struct check *c)
{
	unsigned int i;

	if (lru_lazyfree.nr >= PAGEVEC_SIZE)
		return fail(c, "lru_lazyfree batch holds %u folios, but moves at %d",
			    lru_lazyfree.nr, PAGEVEC_SIZE);
	for (i = 0; i < lru_lazyfree.nr; i++) {
		struct folio *folio = lru_lazyfree.folios[i];
		unsigned long pfn = folio_pfn(folio);

		if (PageTail(page_folio_page(folio)) || folio->_refcount <= 0 ||
		    folio_test_large(folio) || !folio_test_anon(folio))
			return fail(c, "lru_lazyfree batch holds a bad folio pfn %#lx", pfn);
		c->batched[pfn]++;
	}
	return 0;
}

int mm_check(char *msg, size_t len)
{
	struct check c = { .msg = msg, .len = len };
	struct task_struct *t;
	unsigned long nr_free = 0;
	int ret = -1;

	c.pte_maps = calloc(max_pfn, sizeof(int));
	c.pmd_maps = calloc(max_pfn, sizeof(int));
	c.is_table = calloc(max_pfn, 1);
	c.pins = calloc(max_pfn, sizeof(int));
	c.batched = calloc(max_pfn, 1);
	c.cached = calloc(max_pfn, 1);
	c.swap_ptes = calloc(swap_info ? swap_info->max : 1, sizeof(int));
	if (!c.pte_maps || !c.pmd_maps || !c.is_table || !c.pins || !c.batched || !c.cached || !c.swap_ptes) {
		snprintf(msg, len, "out of host memory");
		goto out;
	}
	if (kframe_top) {
		fail(&c, "inside %s(): the machine is mid-operation", kframe_top->func);
		goto out;
	}
	list_for_each_entry(t, &task_list, tasks)
		if (check_task(&c, t) || check_mm(&c, t->mm))
			goto out;
	if (khugepaged_check(msg, len))
		goto out;
	if (count_pins(&c) || count_batched(&c) || check_page_caches(&c))
		goto out;
	if (check_frames(&c, &nr_free) || check_counters(&c) || check_swap(&c))
		goto out;
	ret = 0;
out:
	free(c.pte_maps);
	free(c.pmd_maps);
	free(c.is_table);
	free(c.pins);
	free(c.batched);
	free(c.cached);
	free(c.swap_ptes);
	return ret;
}
