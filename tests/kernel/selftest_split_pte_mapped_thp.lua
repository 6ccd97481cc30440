-- Port of split_huge_page_test.c's split_pte_mapped_thp: four PMD THPs;
-- page i of THP i is moved elsewhere by mremap, which splits the PMD but
-- not the folio: each THP is then PTE-mapped, its moved page still a
-- page of an order-9 folio.  The selftest then splits the folios through
-- debugfs (refused here); user space unmaps one page of each, which
-- queues them, and the shrinker splits them: the moved pages become
-- order-0 folios, and every value is intact.
local a = mmap("8M", { huge = true })
for i = 0, 4 * 512 - 1 do
	write(a + i * 4096, i + 1)
end
local moved = mmap("8M")
for t = 0, 3 do
	mremap(a + t * 2 * MB + t * 4096, "4K", "4K", moved + t * 2 * MB)
end
smaps(a + 4096)
for t = 0, 3 do
	folio(moved + t * 2 * MB)
	page(moved + t * 2 * MB)
end
for t = 0, 3 do
	munmap(a + t * 2 * MB + 300 * 4096, "4K")
end
events(true)
print(shrink())
events(false)
events()
for t = 0, 3 do
	folio(moved + t * 2 * MB)
	print(read(moved + t * 2 * MB), read(a + t * 2 * MB + 100 * 4096))
end
check()
