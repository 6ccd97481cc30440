-- MADV_FREE of part of a THP splits it at once; MADV_PAGEOUT then
-- discards the lazily freed pieces (FACTS.md "MADV_FREE then
-- MADV_PAGEOUT").  The first 1 MiB: 248 pieces were marked by the free,
-- the last 8 waited in the per-CPU lru_lazyfree batch, and pageout
-- drains it first, so all 256 go; a page written in between stays; the
-- other half is not lazyfree and stays (no swap device).  One page the
-- same.
local a = mmap("2M", { huge = true })
for i = 0, 511 do
	write(a + i * 4096, i + 6)
end
madvise(a, "1M", "free")
smaps(a)
write(a + 5 * 4096, 55)
madvise(a, "2M", "pageout")
smaps(a)
pagemap(a)
pagemap(a + 5 * 4096)
print(read(a), read(a + 5 * 4096), read(a + 255 * 4096), read(a + 256 * 4096))
local b = mmap("2M", { huge = true })
for i = 0, 511 do
	write(b + i * 4096, i + 5)
end
madvise(b + 3 * 4096, "4K", "free")
smaps(b)
madvise(b + 3 * 4096, "4K", "pageout")
smaps(b)
print(read(b + 2 * 4096), read(b + 3 * 4096), read(b + 4 * 4096))
check()
