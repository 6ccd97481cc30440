-- MADV_COLLAPSE of a THP that lost its PMD (split by mprotect of one
-- page read-only and back): the data is copied into a new THP, whose
-- frames are not the old folio's, and the old folio is freed
-- (thp_collapse_alloc, nr_anon_transparent_hugepages +1).
local a = mmap("2M", { huge = true })
for i = 0, 511 do
	write(a + i * 4096, 2 * i)
end
mprotect(a + 4096, "4K", "r")
mprotect(a + 4096, "4K", "rw")
local old = page(a).pfn
smaps(a)
print((madvise(a, "2M", "collapse")))
smaps(a)
folio(a)
print("new frames", page(a).pfn ~= old, read(a + 511 * 4096))
check()
