-- options: --allow-sysfs
-- smaps THPeligible of a 1 MiB MADV_HUGEPAGE VMA with hugepages-64kB
-- enabled=madvise: no PMD fits, a 64 KiB folio does.
sysfs("transparent_hugepage/hugepages-64kB/enabled", "madvise")
local a = mmap("2M", { huge = true })
mprotect(a + 1 * MB, "1M", "none")
smaps(a)
print(fault(a, "w"))
smaps(a)
check()
