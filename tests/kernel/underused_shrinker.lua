-- options: --allow-sysfs
-- The underused-THP shrinker (FACTS.md A10): a THP faulted whole is
-- queued at fault time; with max_ptes_none below 511 the shrinker splits
-- it when more than max_ptes_none of its pages are zero-filled
-- (thp_underused_split_page, thp_split_page), mapping the zero pages to
-- the shared zero page and keeping the rest (one remove_migration_pte
-- each, no set_migration_pte: the frozen PMD split writes the entries);
-- at 103 non-zero pages of 512 with max_ptes_none 409 it is kept.
sysfs("transparent_hugepage/khugepaged/max_ptes_none", 409)
for _, nonzero in ipairs({ 0, 1, 102, 103 }) do
	local a = mmap("2M", { huge = true })
	fault(a, "w")
	for i = 1, nonzero do
		write(a + (99 + i) * 4096, i)
	end
	events(true)
	print(nonzero, shrink())
	events(false)
	events()
	smaps(a)
	page(a + 100 * 4096)
	page(a + 4096)
	print(read(a + 100 * 4096), read(a + 4096))
	munmap(a, "2M")
end
check()
