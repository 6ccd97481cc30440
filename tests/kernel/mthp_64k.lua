-- options: --allow-sysfs
-- Anonymous mTHP (FACTS.md "mTHP"): with hugepages-64kB enabled=madvise,
-- a MADV_HUGEPAGE VMA too small for a PMD faults naturally aligned
-- 64 KiB folios (mthp-64K: 64kB anon_fault_alloc and nr_anon, no thp_*
-- counter, AnonHugePages 0; head and tails flagged THP).  munmap of one
-- page queues the folio (64kB split_deferred, no thp_deferred_split_page);
-- the shrink splits it (64kB split, no thp_split_page) and maps its
-- never-written pages to the zero page.  madvise, not always: other
-- processes' faults would allocate 64K folios too and move the counters.
sysfs("transparent_hugepage/hugepages-64kB/enabled", "madvise")
local a = mmap("2M", { huge = true })
mprotect(a + 1 * MB, "1M", "none")
print(fault(a, "w"))
print(fault(a + 100 * KB, "w"))
folio(a)
folio(a + 100 * KB)
page(a + 15 * 4096)
pagemap(a + 32 * 4096)
kpageflags(page(a).pfn)
kpageflags(page(a + 4096).pfn)
write(a, 10)
munmap(a + 5 * 4096, "4K")
folio(a)
events(true)
print(shrink())
events(false)
events()
folio(a)
page(a + 4096)
print(read(a), read(a + 4096))
print(smaps(a).Rss, smaps(a).AnonHugePages)
check()
