-- MADV_COLLAPSE of private tmpfs mappings (FACTS.md "shmem private
-- mappings"): with every page only read, the page cache is collapsed and
-- the THP mapped by PMD as in a shared mapping; with one page copied
-- first (the VMA has an anon_vma) the cache is collapsed all the same,
-- but the file PTEs are zapped and the page table kept for the copy, so
-- the call fails with EINVAL (collapse_pte_mapped_thp meets the copy);
-- reads then map the new THP by PTEs and the copy keeps its value.
tmpfs("/shp", "huge=never,size=64m")
local w = mmap("4M", { file = "/shp/f", shared = true })
for i = 0, 1023 do
	write(w + i * 4096, i + 0x5100)
end
munmap(w, "4M")
local a = mmap("2M", { file = "/shp/f", nohuge = true, addr = 0x200000000000 })
touch(a, "2M", "r")
madvise(a, "2M", "hugepage")
print((madvise(a, "2M", "collapse")))
smaps(a)
print(read(a + 5 * 4096))
local b = mmap("2M", { file = "/shp/f", offset = "2M", nohuge = true, addr = 0x200000400000 })
touch(b, "2M", "r")
write(b + 4096, 0x77)
madvise(b, "2M", "hugepage")
local r, err = madvise(b, "2M", "collapse")
print(r, err)
smaps(b)
pagemap(b)
pagemap(b + 4096)
print(read(b), read(b + 4096), read(b + 2 * 4096))
smaps(b)
check()
