-- fork of a PTE-mapped THP (the PMD split by a partial mprotect): the
-- child shares every page (kpagecount 2); each side's write copies one
-- 4 KiB page (cow) and leaves the folio whole; after the child exits,
-- the parent's writes reuse pages in place, the large folio included
-- (wp_can_reuse_anon_folio).
local a = mmap("2M", { huge = true })
for i = 0, 511 do
	write(a + i * 4096, i)
end
mprotect(a, "4K", "r")
mprotect(a, "4K", "rw")
smaps(a)
local child = fork()
page(a + 10 * 4096)
print(fault(a + 10 * 4096, "w", { pid = child }))
print(fault(a + 11 * 4096, "w"))
page(a + 10 * 4096)
page(a + 11 * 4096)
folio(a + 12 * 4096)
exit(child)
print(fault(a + 12 * 4096, "w"))
print(fault(a + 10 * 4096, "w"))
folio(a + 12 * 4096)
print(read(a + 10 * 4096), read(a + 11 * 4096), read(a + 12 * 4096))
check()
