-- MADV_PAGEOUT and MADV_FREE of a THP that a fork child still maps do
-- nothing (folio_maybe_mapped_shared: "do not interfere with other
-- mappings"): no counter moves, the PMD stays, no LazyFree.
local a = mmap("2M", { huge = true })
for i = 0, 511 do
	write(a + i * 4096, i * 3)
end
local child = fork()
madvise(a, "2M", "pageout")
smaps(a)
madvise(a, "2M", "free")
smaps(a)
page(a + 3 * 4096)
print(read(a + 3 * 4096), read(a + 3 * 4096, { pid = child }))
check()
