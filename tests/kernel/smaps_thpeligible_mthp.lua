-- options: --allow-sysfs
-- todo: the simulation's smaps THPeligible asks about the PMD order only; 6.18's show_smap asks thp_vma_allowable_orders(..., THP_ORDERS_ALL), so a MADV_HUGEPAGE VMA too small for a PMD but fit for an enabled mTHP size shows 1 on the live kernel
-- smaps THPeligible of a 1 MiB MADV_HUGEPAGE VMA with hugepages-64kB
-- enabled=madvise: no PMD fits, a 64 KiB folio does.
sysfs("transparent_hugepage/hugepages-64kB/enabled", "madvise")
local a = mmap("2M", { huge = true })
mprotect(a + 1 * MB, "1M", "none")
smaps(a)
print(fault(a, "w"))
smaps(a)
check()
