-- A read fault on a tmpfs file whose page cache holds a large folio
-- that no PMD maps (here the order-8 folio ftruncate left): 6.18's
-- fault-around maps the whole folio when it lies inside the VMA and one
-- page table (filemap_map_pages), not only the 16 pages around the
-- address; a later read in it needs no fault.
tmpfs("/thp", "huge=always,size=64m")
local a = mmap("2M", { file = "/thp/f", shared = true })
write(a, 1)
truncate("/thp/f", "1M")
print(fault(a + 4096))
folio(a + 4096)
smaps(a)
print(fault(a + 200 * 4096))
folio(a + 4096)
check()
