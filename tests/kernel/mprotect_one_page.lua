-- mprotect(PROT_READ) of one 4 KiB page of a PMD-mapped THP (FACTS.md
-- A8): the VMA is cut in three (or two at the edge), the PMD split
-- (thp_split_pmd, nr_anon_transparent_hugepages -1), but every page is
-- still mapped: no deferred split, the folio stays one order-9 folio
-- mapped by 512 PTEs, and a shrink finds nothing to split.  A write to
-- the read-only page is a SIGSEGV; mprotect back to rw allows it.
local a = mmap("2M", { huge = true })
for i = 0, 511 do
	write(a + i * 4096, i)
end
mprotect(a + 256 * 4096, "4K", "r")
smaps()
folio(a)
folio(a + 300 * 4096)
kpageflags(page(a + 256 * 4096).pfn)
pagemap(a + 256 * 4096)
print(pcall(write, a + 256 * 4096, 7))
print(read(a + 256 * 4096))
print(shrink())
folio(a)
mprotect(a + 256 * 4096, "4K", "rw")
smaps()
write(a + 256 * 4096, 7)
print(read(a + 256 * 4096))
local b = mmap("2M", { huge = true })
touch(b, "2M", "w")
mprotect(b, "4K", "r")
smaps(b)
smaps(b + 4096)
folio(b + 4096)
check()
