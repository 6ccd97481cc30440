-- mremap of a PMD-mapped THP (FACTS.md "mremap"): moved whole to a
-- 2 MiB-aligned place the PMD moves with its deposited table
-- (move_huge_pmd): no counter, the same frames; moved to an unaligned
-- place the PMD is split first (thp_split_pmd) but the folio is whole;
-- values intact either way.
local a = mmap("2M", { huge = true })
for i = 0, 511 do
	write(a + i * 4096, i + 5)
end
local frame = page(a).pfn
local dest = mmap("4M")
local b = mremap(a, "2M", "2M", dest)
print("moved to dest", b == dest)
smaps(b)
folio(b)
print("same frames", page(b).pfn == frame, read(b + 100 * 4096))
print(pcall(read, a))
local c = mremap(b, "2M", "2M", dest + 2 * MB + 4096)
smaps(c)
folio(c)
page(c)
print("same frames", page(c).pfn == frame, read(c + 100 * 4096))
print(shrink())
check()
