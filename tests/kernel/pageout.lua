-- MADV_PAGEOUT of a THP with no swap device (FACTS.md "MADV_PAGEOUT"):
-- reclaim cannot swap it, so the whole THP is split into 512 pages that
-- stay mapped (thp_split_pmd, thp_split_page, thp_swpout_fallback); for
-- the first 1 MiB only, the madvise path splits the folio itself first
-- (no swpout_fallback).  Values intact, the same frames.
local a = mmap("2M", { huge = true })
for i = 0, 511 do
	write(a + i * 4096, i + 2)
end
local frame = page(a + 7 * 4096).pfn
madvise(a, "2M", "pageout")
smaps(a)
folio(a)
print("same frame", page(a + 7 * 4096).pfn == frame, read(a + 7 * 4096))
local b = mmap("2M", { huge = true })
for i = 0, 511 do
	write(b + i * 4096, i + 3)
end
madvise(b, "1M", "pageout")
smaps(b)
folio(b + 1 * MB)
print(read(b + 4096), read(b + 1 * MB))
check()
