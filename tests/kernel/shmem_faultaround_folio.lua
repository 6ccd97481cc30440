-- todo: 6.18's fault-around maps a whole large page-cache folio when it fits the VMA and the PMD (filemap_map_pages, "map entire large folio"); the simulation's do_fault_around maps 16 pages of it
-- A read fault on a tmpfs file whose page cache holds a large folio
-- that no PMD maps (here the order-8 folio ftruncate left): fault-around
-- maps the folio's pages around the address.
tmpfs("/thp", "huge=always,size=64m")
local a = mmap("2M", { file = "/thp/f", shared = true })
write(a, 1)
truncate("/thp/f", "1M")
print(fault(a + 4096))
folio(a + 4096)
smaps(a)
print(fault(a + 200 * 4096))
folio(a + 4096)
