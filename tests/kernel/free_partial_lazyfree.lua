-- MADV_FREE of the first 1 MiB of a THP (FACTS.md "MADV_FREE"): the
-- folio is split at once and its pages in the range become lazyfree
-- through the per-CPU lru_lazyfree batch of 31: when madvise returns 248
-- are (LazyFree 992 kB) and 8 still wait, swap-backed.  One 4 KiB page
-- waits alone (LazyFree 0).
local a = mmap("2M", { huge = true })
for i = 0, 511 do
	write(a + i * 4096, i + 6)
end
madvise(a, "1M", "free")
smaps(a)
local b = mmap("2M", { huge = true })
for i = 0, 511 do
	write(b + i * 4096, i + 5)
end
madvise(b + 3 * 4096, "4K", "free")
smaps(b)
check()
