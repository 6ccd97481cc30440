-- fork() of a process with a PMD-mapped THP shares it (copy_huge_pmd):
-- no counter moves, both map the same frames twice (kpagecount 2, not
-- exclusive, Shared_Dirty 2048).  A write by the child splits only the
-- child's PMD and copies one 4 KiB page (thp_split_pmd +1, no new THP);
-- the parent keeps its PMD and its value.  A write by the parent then
-- splits its PMD too (nr_anon_transparent_hugepages -1); the folio is
-- still wholly mapped, so nothing is queued.  When the child exits the
-- page only it mapped is gone: the folio is partially mapped and queued
-- (FACTS.md "Fork after a THP write fault").
local a = mmap("2M", { huge = true })
for i = 0, 511 do
	write(a + i * 4096, i + 100)
end
local child = fork()
smaps(a)
smaps(a, { pid = child })
page(a + 5 * 4096)
page(a + 5 * 4096, { pid = child })
pagemap(a + 5 * 4096, { pid = child })
print("shared frames", page(a + 5 * 4096).pfn == page(a + 5 * 4096, { pid = child }).pfn)
folio(a)
print(fault(a + 5 * 4096, "w", { pid = child }))
write(a + 5 * 4096, 1, { pid = child })
print(read(a + 5 * 4096), read(a + 5 * 4096, { pid = child }))
smaps(a)
smaps(a, { pid = child })
page(a + 5 * 4096)
page(a + 5 * 4096, { pid = child })
pagemap(a + 5 * 4096)
kpageflags(page(a + 5 * 4096, { pid = child }).pfn)
folio(a)
print(fault(a + 7 * 4096, "w"))
smaps(a)
folio(a)
exit(child)
folio(a)
pagemap(a + 9 * 4096)
print(fault(a + 9 * 4096, "w"))
events(true)
print(shrink())
events(false)
events()
print(read(a + 9 * 4096), read(a + 400 * 4096))
check()
