-- MADV_DONTNEED of one 4 KiB page of a THP (FACTS.md A9): the same split
-- as munmap (thp_split_pmd, thp_deferred_split_page, split_deferred,
-- nr_anon_partially_mapped) but the VMA stays whole and THP-eligible;
-- the shrink splits the folio with 511 + 511 migration events; the
-- dropped page reads as zero through the 4 KiB zero page.
local a = mmap("2M", { huge = true })
for i = 0, 511 do
	write(a + i * 4096, i + 7)
end
madvise(a + 256 * 4096, "4K", "dontneed")
smaps()
pagemap(a + 256 * 4096)
folio(a)
events(true)
print(shrink())
events(false)
events()
folio(a)
print(read(a + 255 * 4096), read(a + 257 * 4096))
print(read(a + 256 * 4096))
page(a + 256 * 4096)
pagemap(a + 256 * 4096)
smaps(a)
check()
