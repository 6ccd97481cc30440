-- MADV_COLLAPSE of tmpfs files (FACTS.md "shmem collapse"): 512 small
-- page-cache pages (written under MADV_NOHUGEPAGE) are replaced by one
-- new THP in the page cache and mapped by a PMD in the caller
-- (thp_collapse_alloc, thp_file_mapped, nr_shmem_hugepages,
-- nr_shmem_pmdmapped; events scan_file and collapse_file, both
-- pte_mapped_hugepage), values intact; a second call finds the THP and
-- changes nothing; 100 pages and 412 holes collapse too (no
-- max_ptes_none for MADV_COLLAPSE), the holes read 0; a range with
-- nothing cached fails with EINVAL after allocating (truncated); a
-- MADV_NOHUGEPAGE VMA is refused without an event; a huge=never mount
-- collapses as well.  huge=advise keeps khugepaged away (its VMAs are
-- not registered while they lack VM_HUGEPAGE).
tmpfs("/shc", "huge=advise,size=64m")
local a = mmap("2M", { file = "/shc/f", shared = true, nohuge = true })
for i = 0, 511 do
	write(a + i * 4096, i + 1)
end
madvise(a, "2M", "hugepage")
smaps(a)
events(true)
print((madvise(a, "2M", "collapse")))
events(false)
events()
smaps(a)
folio(a)
print(read(a), read(a + 511 * 4096))
events(true)
print((madvise(a, "2M", "collapse")))
events(false)
events()
local b = mmap("2M", { file = "/shc/g", shared = true, nohuge = true })
for i = 0, 99 do
	write(b + i * 4096, i + 1)
end
madvise(b, "2M", "hugepage")
print((madvise(b, "2M", "collapse")))
smaps(b)
print(read(b + 99 * 4096), read(b + 100 * 4096), read(b + 511 * 4096))
local c = mmap("2M", { file = "/shc/h", shared = true, nohuge = true })
madvise(c, "2M", "hugepage")
events(true)
local r, err = madvise(c, "2M", "collapse")
print(r, err)
events(false)
events()
local d = mmap("2M", { file = "/shc/i", shared = true, nohuge = true })
for i = 0, 511 do
	write(d + i * 4096, i + 1)
end
events(true)
r, err = madvise(d, "2M", "collapse")
print(r, err)
events(false)
events()
smaps(d)
tmpfs("/shn", "huge=never,size=64m")
local e = mmap("2M", { file = "/shn/f", shared = true, nohuge = true, addr = 0x200000000000 })
for i = 0, 511 do
	write(e + i * 4096, i + 1)
end
madvise(e, "2M", "hugepage")
print((madvise(e, "2M", "collapse")))
smaps(e)
print(read(e + 300 * 4096))
check()
