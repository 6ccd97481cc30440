-- munmap of a range across the boundary of two PMD-mapped THPs: both
-- PMDs are split and both folios queued (two thp_deferred_split_page);
-- the VMA keeps the two ends; the shrinker splits both folios, the pages
-- left keep their values.  A munmap of a range of whole pages inside one
-- THP does the same to that one only.
local a = mmap("6M", { huge = true })
for i = 0, 3 * 512 - 1 do
	write(a + i * 4096, i + 3)
end
munmap(a + 1 * MB, "2M")
smaps()
print(#smaps(), ps()[1].vmas)
folio(a)
folio(a + 3 * MB)
munmap(a + 4 * MB + 64 * 4096, 64 * 4096)
smaps()
events(true)
print(shrink())
events(false)
events()
print(read(a + 1 * MB - 4096), read(a + 3 * MB), read(a + 4 * MB + 128 * 4096))
folio(a + 4 * MB)
check()
