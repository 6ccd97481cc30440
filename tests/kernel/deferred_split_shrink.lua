-- The deferred split shrinker (FACTS.md A6): a THP with one page
-- unmapped is split by echo 2 > drop_caches (deferred_split_scan ->
-- split_folio): thp_split_page, and, every page holding data, 511
-- set_migration_pte events of order 9 then 511 remove_migration_pte of
-- order 0.  The pages become order-0 folios at the same frames, values
-- intact; a second shrink finds nothing.
local a = mmap("2M", { huge = true })
for i = 0, 511 do
	write(a + i * 4096, 1000 + i)
end
local head = page(a).pfn
munmap(a + 4096, "4K")
events(true)
print(shrink())
events(false)
events()
folio(a)
folio(a + 2 * 4096)
kpageflags(page(a + 2 * 4096).pfn)
print("same frames", page(a + 300 * 4096).pfn == head + 300)
local intact = 0
for i = 2, 511 do
	if read(a + i * 4096) == 1000 + i then
		intact = intact + 1
	end
end
print("intact", intact)
smaps(a)
print(shrink())
check()
