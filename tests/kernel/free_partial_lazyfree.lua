-- todo: the live kernel marks small folios lazyfree through the per-CPU lru_lazyfree batch (31 a time), so smaps shows 992 of 1024 kB and 0 of 4 kB lazyfree when madvise returns; the simulation marks them at once
-- MADV_FREE of the first 1 MiB of a THP (FACTS.md "MADV_FREE"): the
-- folio is split at once and its pages in the range become lazyfree;
-- smaps LazyFree shows how many were marked when madvise returns.  One
-- 4 KiB page the same.
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
