-- MADV_FREE (FACTS.md "MADV_FREE"): of a whole THP it marks the folio
-- lazyfree in place (LazyFree 2048, no counter) until a write dirties it
-- again; of part of a THP it splits the folio at once (thp_split_pmd,
-- thp_split_page).  No memory pressure here, so nothing is discarded.
-- (How many pages of a partial free are lazyfree at once: see
-- free_partial_lazyfree.lua.)
local a = mmap("2M", { huge = true })
for i = 0, 511 do
	write(a + i * 4096, i + 4)
end
madvise(a, "2M", "free")
smaps(a)
kpageflags(page(a).pfn)
write(a + 4096, 1)
smaps(a)
print(read(a), read(a + 4096))
local b = mmap("2M", { huge = true })
for i = 0, 511 do
	write(b + i * 4096, i + 5)
end
madvise(b + 3 * 4096, "4K", "free")
folio(b)
print(read(b + 3 * 4096), read(b + 4 * 4096))
check()
