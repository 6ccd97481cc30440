-- MADV_COLLAPSE (FACTS.md "MADV_COLLAPSE"): 512 small pages faulted under
-- MADV_NOHUGEPAGE collapse into a new PMD THP once the region is
-- MADV_HUGEPAGE (thp_collapse_alloc, events isolate/collapse/scan_pmd
-- succeeded), values intact; a range already PMD-mapped collapses to 0
-- (page_pmd_mapped); with 100 pages faulted the other 412 are filled
-- with zero (max_ptes_none does not apply to MADV_COLLAPSE).
local a = mmap("2M", { nohuge = true })
for i = 0, 511 do
	write(a + i * 4096, i + 1)
end
smaps(a)
madvise(a, "2M", "hugepage")
events(true)
print((madvise(a, "2M", "collapse")))
events(false)
events()
smaps(a)
folio(a)
print(read(a), read(a + 511 * 4096))
events(true)
print((madvise(a, "2M", "collapse")))
events(false)
events()
local b = mmap("2M", { nohuge = true })
for i = 0, 99 do
	write(b + i * 4096, i + 1)
end
madvise(b, "2M", "hugepage")
print((madvise(b, "2M", "collapse")))
smaps(b)
print(read(b + 99 * 4096), read(b + 100 * 4096))
check()
