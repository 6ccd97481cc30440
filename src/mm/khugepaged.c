/*
 * khugepaged.c - the khugepaged tunables (mm/khugepaged.c).
 *
 * max_ptes_none also steers the deferred split shrinker's thp_underused
 * check.  The collapse itself (khugepaged scans, MADV_COLLAPSE) is not
 * simulated yet.
 */
#include "huge_mm.h"

unsigned int khugepaged_max_ptes_none;
unsigned int khugepaged_max_ptes_swap;
unsigned int khugepaged_max_ptes_shared;
unsigned int khugepaged_pages_to_scan;

void khugepaged_reset(void);
void khugepaged_reset(void)
{
	khugepaged_max_ptes_none = HPAGE_PMD_NR - 1;
	khugepaged_max_ptes_swap = HPAGE_PMD_NR / 8;
	khugepaged_max_ptes_shared = HPAGE_PMD_NR / 2;
	khugepaged_pages_to_scan = HPAGE_PMD_NR * 8;
}
