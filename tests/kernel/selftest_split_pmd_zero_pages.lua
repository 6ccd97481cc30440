-- Port of split_huge_page_test.c's split_pmd_zero_pages: four PMD THPs
-- written with zeroes are split, every byte stays zero, no AnonHugePages
-- is left and the anonymous RSS drops, the zero-filled subpages being
-- freed and mapped to the shared zero page.  The selftest splits through
-- debugfs split_huge_pages, which is refused here; user space splits the
-- same folios by zapping one page of each (MADV_DONTNEED) and running
-- the deferred split shrinker.
local a = mmap("8M", { huge = true })
for i = 0, 4 * 512 - 1 do
	write(a + i * 4096, 0)
end
smaps(a)
for t = 0, 3 do
	madvise(a + t * 2 * MB + 511 * 4096, "4K", "dontneed")
end
events(true)
print(shrink())
events(false)
events()
smaps(a)
local nonzero = 0
for i = 0, 4 * 512 - 1, 7 do
	if read(a + i * 4096) ~= 0 then
		nonzero = nonzero + 1
	end
end
print("nonzero pages", nonzero)
page(a + 4096)
check()
