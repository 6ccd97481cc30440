-- A write fault in a fresh 2 MiB-aligned MADV_HUGEPAGE region maps a PMD
-- THP (do_huge_pmd_anonymous_page): thp_fault_alloc, the mTHP
-- anon_fault_alloc and nr_anon of 2048kB, AnonHugePages 2048 kB; every
-- page present and exclusive, head and tails flagged COMPOUND_HEAD/TAIL
-- and THP, each mapped once (FACTS.md A2).
local a = mmap("2M", { huge = true })
print("aligned", a % (2 * MB) == 0)
smaps(a)
print(fault(a + 0x12345, "w"))
smaps(a)
pagemap(a)
pagemap(a + 511 * 4096)
kpageflags(page(a).pfn)
kpageflags(page(a + 100 * 4096).pfn)
kpagecount(page(a + 100 * 4096).pfn)
folio(a + 0x12345)
print("contiguous", page(a + 511 * 4096).pfn - page(a).pfn)
meminfo()
vmstat()
mthp_stats("2048kB")
check()
