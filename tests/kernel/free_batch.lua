-- The per-CPU lru_lazyfree batch (FACTS.md "MADV_FREE then MADV_PAGEOUT",
-- drain cases): MADV_FREE of 40 small folios marks 31 at once (LazyFree
-- 124 kB) and leaves 9 waiting, still swap-backed; munmap and mprotect
-- elsewhere do not drain it, the next MADV_FREE does.  Then MADV_PAGEOUT
-- of the 40: all discarded, read 0.
local a = mmap("2M", { nohuge = true })
for i = 0, 63 do
	write(a + i * 4096, i + 3)
end
madvise(a, 40 * 4096, "free")
smaps(a)
kpageflags(page(a + 35 * 4096).pfn)
munmap(a + 63 * 4096, "4K")
mprotect(a + 60 * 4096, "4K", "r")
smaps(a)
madvise(a + 50 * 4096, "4K", "free")
smaps(a)
kpageflags(page(a + 35 * 4096).pfn)
madvise(a, 40 * 4096, "pageout")
smaps(a)
print(read(a), read(a + 39 * 4096), read(a + 40 * 4096))
check()
