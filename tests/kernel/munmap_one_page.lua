-- munmap of one 4 KiB page inside a PMD-mapped THP (FACTS.md A5), at the
-- start, the middle and the end: the PMD is split, the folio is queued
-- for the deferred split (thp_deferred_split_page, split_deferred,
-- nr_anon_partially_mapped), the VMA is cut; the other 511 pages still
-- form one order-9 folio, and the unmapped page's frame has kpagecount 0.
for _, index in ipairs({ 0, 256, 511 }) do
	local a = mmap("2M", { huge = true })
	for i = 0, 511 do
		write(a + i * 4096, i + 1)
	end
	local gone = page(a + index * 4096).pfn
	munmap(a + index * 4096, "4K")
	smaps()
	kpagecount(gone)
	local other = index == 0 and 1 or 0
	pagemap(a + other * 4096)
	kpageflags(page(a + other * 4096).pfn)
	folio(a + other * 4096)
	print("values", read(a + other * 4096), read(a + 300 * 4096))
	munmap(a, "2M")
end
check()
