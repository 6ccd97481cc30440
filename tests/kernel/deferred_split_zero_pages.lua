-- A deferred split of a THP whose pages are mostly zero (FACTS.md A6,
-- "sparse"): the split unmaps all 511 pages (511 set_migration_pte) but
-- maps the zero-filled ones to the shared zero page instead of back
-- (try_to_map_unused_to_zeropage): one remove_migration_pte, for the only
-- page with data; Rss drops to 4 kB.
local a = mmap("2M", { huge = true })
write(a + 5 * 4096, 42)
munmap(a, "4K")
events(true)
shrink()
events(false)
events()
smaps(a + 4096)
page(a + 5 * 4096)
print(read(a + 5 * 4096))
pagemap(a + 6 * 4096)
page(a + 6 * 4096)
kpageflags(page(a + 6 * 4096).pfn)
print(read(a + 6 * 4096))
check()
