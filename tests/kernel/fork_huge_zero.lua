-- The huge zero page across fork (FACTS.md "Fork with the huge zero
-- page"): the child maps the same zero pages; a write by the child gets
-- a fresh zero-filled THP (thp_fault_alloc, no thp_split_pmd), the
-- parent keeps the huge zero page, and the other way round.
local a = mmap("2M", { huge = true })
print(fault(a))
local child = fork()
print("same zero pages", page(a).pfn == page(a, { pid = child }).pfn)
pagemap(a, { pid = child })
print(fault(a + 5 * 4096, "w", { pid = child }))
write(a + 5 * 4096, 5, { pid = child })
smaps(a)
smaps(a, { pid = child })
page(a)
page(a, { pid = child })
print(read(a + 5 * 4096), read(a + 5 * 4096, { pid = child }))
print(fault(a + 7 * 4096, "w"))
smaps(a)
exit(child)
smaps(a)
check()
