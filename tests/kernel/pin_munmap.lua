-- todo: a pinned THP's deferred split fails at every shrinker call, and drop_caches makes a varying number of them on the live kernel (thp_split_page_failed +N, N = 3..14), the simulation one
-- A pinned THP with one page unmapped (FACTS.md "Long-term GUP pin"):
-- queued as usual, but the shrinker cannot split it while pinned
-- (split_folio -> -EAGAIN, thp_split_page_failed) and keeps it queued;
-- once unpinned, the next shrink splits it.
local a = mmap("2M", { huge = true })
for i = 0, 511 do
	write(a + i * 4096, i + 1)
end
pin(a, "2M")
munmap(a + 100 * 4096, "4K")
print(shrink())
folio(a)
unpin(a, "2M")
print(shrink())
folio(a)
check()
