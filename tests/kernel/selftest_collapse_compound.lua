-- Ports of khugepaged.c's collapse_single_pte_entry_compound and
-- collapse_full_of_compound: a THP made by MADV_COLLAPSE, its VMA set
-- MADV_NOHUGEPAGE and all but its first page zapped, collapses again
-- from a single PTE of a large folio (page 0 intact); a THP whose PMD
-- was split by MADV_NOHUGEPAGE on its first page then on all of it (the
-- VMA split and merged back) collapses from a table full of its own
-- subpages into a new THP (a copy).
local a = mmap("2M", { nohuge = true })
for i = 0, 511 do
	write(a + i * 4096, i + 0xdead0000)
end
madvise(a, "2M", "hugepage")
print((madvise(a, "2M", "collapse")))
madvise(a, "2M", "nohugepage")
madvise(a + 4096, 2 * MB - 4096, "dontneed")
smaps(a)
folio(a)
madvise(a, "2M", "hugepage")
print((madvise(a, "2M", "collapse")))
smaps(a)
print(read(a), read(a + 4096))
local b = mmap("2M", { huge = true })
for i = 0, 511 do
	write(b + i * 4096, i + 0xdead0000)
end
local old = page(b).pfn
madvise(b, "4K", "nohugepage")
madvise(b, "2M", "nohugepage")
smaps(b)
folio(b + 4096)
madvise(b, "2M", "hugepage")
print((madvise(b, "2M", "collapse")))
smaps(b)
print("a copy", page(b).pfn ~= old, read(b + 511 * 4096))
check()
