-- options: --allow-sysfs
-- Shared anonymous memory is shmem on the internal mount, which follows
-- transparent_hugepage/shmem_enabled, not enabled (FACTS.md "shmem
-- THP"): with shmem_enabled=never a write maps a 4 KiB page even under
-- MADV_HUGEPAGE; with advise it maps a shmem THP by PMD.
print(sysfs("transparent_hugepage/shmem_enabled"))
local a = mmap("2M", { shared = true, huge = true })
print(fault(a, "w"))
smaps(a)
kpageflags(page(a).pfn)
sysfs("transparent_hugepage/shmem_enabled", "advise")
local b = mmap("2M", { shared = true, huge = true })
print(fault(b, "w"))
smaps(b)
folio(b)
local c = mmap("2M", { shared = true })
print(fault(c, "w"))
check()
