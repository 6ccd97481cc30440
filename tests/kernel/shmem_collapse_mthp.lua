-- MADV_COLLAPSE over a large folio smaller than a THP: a tmpfs THP
-- truncated to 1 MiB keeps its first half as one order-8 folio (FACTS.md
-- "shmem THP"); extended again and its upper half refaulted by 4K pages,
-- the range collapses into a new THP on 6.18: hpage_collapse_scan_file
-- counts the order-8 folio's 256 pages as present and collapse_file
-- copies it like the small ones (only a PMD-sized folio stops the scan,
-- with pte_mapped_hugepage).
tmpfs("/shm8", "huge=always,size=64m")
local a = mmap("2M", { file = "/shm8/f", shared = true })
for i = 0, 511 do
	write(a + i * 4096, i + 1)
end
truncate("/shm8/f", "1M")
truncate("/shm8/f", "2M")
print(read(a))
folio(a)
print(read(a + 300 * 4096))
folio(a + 300 * 4096)
for i = 256, 511 do
	write(a + i * 4096, i + 1)
end
folio(a + 300 * 4096)
events(true)
local r, e = madvise(a, "2M", "collapse")
print(r, e)
events(false)
events()
smaps(a)
print(read(a))
folio(a)
print(read(a + 5 * 4096), read(a + 400 * 4096))
check()
