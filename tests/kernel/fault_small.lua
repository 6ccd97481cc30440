-- With THP enabled=madvise (the live default; the simulation starts from
-- the live settings), a region without MADV_HUGEPAGE faults 4 KiB pages:
-- a write maps a new page, a read the shared 4 KiB zero page (ZERO_PAGE,
-- kpagecount 0, present but neither exclusive nor file); a write to the
-- zero page copies it.  MADV_NOHUGEPAGE does the same under any mode.
print(sysfs("transparent_hugepage/enabled"))
local a = mmap("2M")
print(fault(a, "w"))
print(fault(a + 4096))
pagemap(a)
pagemap(a + 4096)
kpageflags(page(a).pfn)
kpageflags(page(a + 4096).pfn)
page(a + 4096)
print(fault(a + 4096, "w"))
page(a + 4096)
smaps(a)
local b = mmap("2M", { nohuge = true })
print(fault(b, "w"))
smaps(b)
check()
