-- options: --allow-sysfs
-- The THP knobs a fault obeys: with enabled=never a MADV_HUGEPAGE region
-- faults 4 KiB pages, yet MADV_COLLAPSE still makes a THP of it (it
-- ignores the sysfs mode, FACTS.md "MADV_COLLAPSE"); with
-- hugepages-2048kB/enabled=never the PMD size is off whatever the
-- top-level mode; with use_zero_page=0 a read fault allocates a THP
-- instead of mapping the huge zero page.  (enabled=always is not tried:
-- it would give every process on the machine THPs while the counters
-- are watched.)
sysfs("transparent_hugepage/enabled", "never")
local a = mmap("2M", { huge = true })
print(fault(a, "w"))
smaps(a)
for i = 1, 511 do
	write(a + i * 4096, i)
end
print((madvise(a, "2M", "collapse")))
smaps(a)
print(read(a + 511 * 4096))
munmap(a, "2M")
sysfs("transparent_hugepage/enabled", "madvise")
sysfs("transparent_hugepage/hugepages-2048kB/enabled", "never")
local b = mmap("2M", { huge = true })
print(fault(b, "w"))
smaps(b)
-- gone before the size is on again: writing a knob wakes khugepaged,
-- which would collapse it
munmap(b, "2M")
sysfs("transparent_hugepage/hugepages-2048kB/enabled", "inherit")
sysfs("transparent_hugepage/use_zero_page", "0")
local c = mmap("2M", { huge = true })
print(fault(c))
smaps(c)
print(read(c + 4096))
print(sysfs("transparent_hugepage/use_zero_page"), sysfs("transparent_hugepage/enabled"))
check()
