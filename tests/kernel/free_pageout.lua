-- MADV_FREE, then MADV_PAGEOUT (FACTS.md "MADV_FREE then MADV_PAGEOUT"):
-- reclaim discards lazily freed memory instead of swapping it out.  A
-- whole THP: its PMD is split (thp_split_pmd, no thp_split_page) and the
-- folio is freed whole through its PTEs; the pages read 0.  One written
-- again in between is swap-backed again and stays whole, values intact.
-- A THP mapped by PTEs goes the same way, without the PMD split.
local a = mmap("2M", { huge = true })
for i = 0, 511 do
	write(a + i * 4096, i + 7)
end
madvise(a, "2M", "free")
madvise(a, "2M", "pageout")
smaps(a)
pagemap(a + 5 * 4096)
print(read(a + 5 * 4096), read(a + 300 * 4096))
local b = mmap("2M", { huge = true })
for i = 0, 511 do
	write(b + i * 4096, i + 8)
end
madvise(b, "2M", "free")
write(b + 5 * 4096, 99)
madvise(b, "2M", "pageout")
smaps(b)
folio(b)
kpageflags(page(b).pfn)
print(read(b + 5 * 4096), read(b + 300 * 4096))
local c = mmap("2M", { huge = true })
for i = 0, 511 do
	write(c + i * 4096, i + 9)
end
mprotect(c, "4K", "r")
mprotect(c, "4K", "rw")
madvise(c, "2M", "free")
madvise(c, "2M", "pageout")
smaps(c)
print(read(c + 4096))
check()
