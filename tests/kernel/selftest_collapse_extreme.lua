-- Port of khugepaged.c's collapse_compound_extreme: a PMD range whose
-- PTE table maps one page of each of 512 different THPs, built as the
-- selftest builds it: a mapping that grows by mremap over a fresh THP,
-- is cut back by mremap to its old pages plus the THP's first page, and
-- moved back.  MADV_COLLAPSE then copies the 512 pages into one THP,
-- values intact.
local room = mmap("12M")
munmap(room, "12M")
local base = room + 2 * MB
mmap("2M", { addr = base })
for i = 0, 511 do
	madvise(base, "2M", "hugepage")
	print(i, fault(base, "w"))
	write(base, i + 1)
	madvise(base, "2M", "nohugepage")
	mremap(base - i * 4096, i * 4096 + 2 * MB, (i + 1) * 4096, base + 4 * MB)
	mremap(base + 4 * MB, (i + 1) * 4096, (i + 1) * 4096 + 2 * MB, base - (i + 1) * 4096)
end
munmap(base, "2M")
local p = base - 512 * 4096
smaps(p)
folio(p)
folio(p + 300 * 4096)
madvise(p, "2M", "hugepage")
print((madvise(p, "2M", "collapse")))
smaps(p)
folio(p)
local good = 0
for i = 0, 511 do
	good = good + (read(p + i * 4096) == i + 1 and 1 or 0)
end
print("intact", good)
check()
