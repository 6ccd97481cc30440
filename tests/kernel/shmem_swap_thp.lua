-- options: --allow-sysfs
-- Swapping shmem THPs out to zram and back (FACTS.md "shmem swap"):
-- MADV_PAGEOUT of a shared anonymous THP (shmem_enabled=always) zaps its
-- PMD (thp_split_pmd) and swaps it whole (thp_swpout, 2048kB swpout,
-- pswpout +512): smaps Swap 2048, nothing mapped, no swap entry in the
-- page table.  One read fault reads it back whole (2048kB swpin, pswpin
-- +512, pgmajfault +1) and maps it by PMD.  A tmpfs huge=always file
-- does the same; truncating it while swapped frees the slots.
swapon("1G")
sysfs("transparent_hugepage/shmem_enabled", "always")
local a = mmap("2M", { shared = true })
for i = 0, 511 do
	write(a + i * 4096, i + 11)
end
madvise(a, "2M", "pageout")
smaps(a)
pagemap(a + 3 * 4096)
print(read(a + 3 * 4096))
smaps(a)
kpageflags(page(a + 5 * 4096).pfn)
print(read(a + 300 * 4096))
munmap(a, "2M")
tmpfs("/thp", "huge=always,size=64m")
local b = mmap("2M", { file = "/thp/f", shared = true })
for i = 0, 511 do
	write(b + i * 4096, i + 12)
end
madvise(b, "2M", "pageout")
smaps(b)
truncate("/thp/f", 0)
meminfo()
check()
