-- A fork child that exits without writing gives the THP back to the
-- parent alone (FACTS.md scenario C): every page exclusive again, and
-- the parent's write reuses the THP in place (do_huge_pmd_wp_page ->
-- reuse): no allocation, no split, the same frames.
local a = mmap("2M", { huge = true })
write(a, 1)
local child = fork()
pagemap(a)
folio(a)
print(fault(a, "w"))
exit(child)
print(fault(a + 8192, "w"))
local p = page(a)
pagemap(a)
folio(a)
smaps(a)
print(fault(a + 4096, "w"))
print("same frame", page(a).pfn == p.pfn)
check()
