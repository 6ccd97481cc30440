-- ftruncate of a tmpfs file inside a THP (FACTS.md "shmem THP"):
-- truncate to 1 MiB drops the THP past EOF whole, splits the one across
-- it (thp_split_page, 2048kB split; nr_shmem_hugepages -2) without any
-- migration event (file folios are unmapped, not migration-entried), so
-- its mapped page is no longer present; the first MiB keeps its data
-- (what a read maps of its order-8 folio: shmem_faultaround_folio.lua).
tmpfs("/thp", "huge=always,size=64m")
local a = mmap("4M", { file = "/thp/f", shared = true })
write(a + 4096, 11)
write(a + 100 * 4096, 12)
write(a + 2 * MB, 13)
events(true)
truncate("/thp/f", "1M")
events(false)
events()
tmpfs()
smaps(a)
pagemap(a + 4096)
print(read(a + 4096), read(a + 100 * 4096))
page(a + 100 * 4096)
print(pcall(read, a + 2 * MB))
check()
