/*
 * khugepaged.h - collapsing small pages into a PMD THP: khugepaged and
 * MADV_COLLAPSE (include/linux/khugepaged.h, mm/khugepaged.c).
 */
#ifndef THPSH_MM_KHUGEPAGED_H
#define THPSH_MM_KHUGEPAGED_H

#include "internal.h"

/* enum scan_result, numbered as the live 6.18 kernel's BTF numbers it. */
enum scan_result {
	SCAN_FAIL,
	SCAN_SUCCEED,
	SCAN_PMD_NULL,
	SCAN_PMD_NONE,
	SCAN_PMD_MAPPED,
	SCAN_EXCEED_NONE_PTE,
	SCAN_EXCEED_SWAP_PTE,
	SCAN_EXCEED_SHARED_PTE,
	SCAN_PTE_NON_PRESENT,
	SCAN_PTE_UFFD_WP,
	SCAN_PTE_MAPPED_HUGEPAGE,
	SCAN_LACK_REFERENCED_PAGE,
	SCAN_PAGE_NULL,
	SCAN_SCAN_ABORT,
	SCAN_PAGE_COUNT,
	SCAN_PAGE_LRU,
	SCAN_PAGE_LOCK,
	SCAN_PAGE_ANON,
	SCAN_PAGE_COMPOUND,
	SCAN_ANY_PROCESS,
	SCAN_VMA_NULL,
	SCAN_VMA_CHECK,
	SCAN_ADDRESS_RANGE,
	SCAN_DEL_PAGE_LRU,
	SCAN_ALLOC_HUGE_PAGE_FAIL,
	SCAN_CGROUP_CHARGE_FAIL,
	SCAN_TRUNCATED,
	SCAN_PAGE_HAS_PRIVATE,
	SCAN_STORE_FAILED,
	SCAN_COPY_MC,
	SCAN_PAGE_FILLED,
	NR_SCAN_RESULTS
};

/* "SCAN_EXCEED_NONE_PTE": the enumerator's name. */
const char *scan_result_name(enum scan_result result);
/* "exceed_none_pte": what the huge_memory tracepoints print for it. */
const char *scan_result_status(enum scan_result result);

/* khugepaged/pages_collapsed and khugepaged/full_scans */
extern unsigned int khugepaged_pages_collapsed;
extern unsigned int khugepaged_full_scans;

void khugepaged_enter_vma(struct vm_area_struct *vma, unsigned long vm_flags);
void khugepaged_fork(struct mm_struct *mm, struct mm_struct *oldmm);
void khugepaged_exit(struct mm_struct *mm);
void khugepaged_reset(void);

/* One wake-up of khugepaged: up to @pages pages scanned.  Returns them. */
unsigned int khugepaged_do_scan(unsigned int pages);

/*
 * MADV_COLLAPSE of [start, end) inside @vma, anonymous or shmem.  0,
 * -EINVAL, -EAGAIN, -ENOMEM, -EBUSY as the kernel returns them.
 */
int madvise_collapse(struct vm_area_struct *vma, unsigned long start, unsigned long end);

/* check(): 0, or -1 with what is wrong with khugepaged's list in @msg. */
int khugepaged_check(char *msg, size_t len);

/* The pids of the mms on khugepaged's list, in scan order; returns how many. */
int khugepaged_mm_pids(int *pids, int max);

/*
 * thpsh: why each PMD range was (not) collapsed.  While reporting is on,
 * every hpage_collapse_scan_pmd or hpage_collapse_scan_file adds one
 * report (the facts its mm_khugepaged_scan_pmd/_file event prints, plus
 * the PTE or page index that decided and the reason in words; for a
 * page-cache THP, what collapse_pte_mapped_thp did then), and every VMA that khugepaged skips or MADV_COLLAPSE
 * refuses before scanning adds one with SCAN_VMA_CHECK.
 */
struct collapse_report {
	int pid;			/* the process */
	unsigned long start, end;	/* the PMD range, or the VMA part refused */
	enum scan_result result;
	bool by_khugepaged;		/* khugepaged, or MADV_COLLAPSE */
	bool traced;			/* mm_khugepaged_scan_pmd/_file fired for it */
	bool file;			/* a page-cache range (hpage_collapse_scan_file) */
	int present;			/* file: pages the cache held */
	enum scan_result then;		/* file: collapse_pte_mapped_thp's result, or SCAN_FAIL */
	int none_or_zero;		/* as the tracepoint counts them */
	int referenced;
	int unmapped;
	long pfn;			/* scan_pfn; on success the new THP's pfn */
	char why[200];			/* the reason, in words */
};

void collapse_report_start(void);	/* clear, and report from now on */
void collapse_report_stop(void);
size_t collapse_report_count(void);
const struct collapse_report *collapse_report_get(size_t i);

#endif /* THPSH_MM_KHUGEPAGED_H */
