#!/usr/bin/env thpsh
-- shmem_thp.lua - a THP of a tmpfs file, step by step: the fault maps it
-- by one PMD with no deposited table; munmap of one page unmaps the
-- whole PMD and leaves the folio whole in the page cache; ftruncate
-- splits it at the new EOF (non-uniformly) and drops what lies past it.
-- The same steps as the live-kernel probe of tests/kernel/FACTS.md,
-- "shmem THP".
--
--   thpsh scripts/shmem_thp.lua

local function title(s) print(("\n== %s "):format(s) .. ("="):rep(60 - #s)) end

local function cache(file)
	local parts = {}
	for _, f in ipairs(pagecache(file)) do
		parts[#parts + 1] = ("%d:order %d"):format(f.index, f.order)
	end
	return table.concat(parts, ", ")
end

title("1. tmpfs -o huge=always: a write fault")
tmpfs("/tmp/thp", "huge=always,size=64m")
local a = mmap("4M", { file = "/tmp/thp/f", shared = true })
trace { filter = { "shmem_fault", "finish_fault" } }
print("fault ->", fault(a, "w"))
trace(false)
local pmd_table = dump_pagetable(a).entries[1].table.entries[1].table
print("page cache:", cache("/tmp/thp/f"))
print("deposited tables beside the PMD:", #(pmd_table.deposited or {}))
print(folio(a))
assert(folio(a).refcount == 513 and not (pmd_table.deposited and #pmd_table.deposited > 0))

title("2. munmap of one 4K page inside it")
fault(a + (2 << 20), "w")
for i = 0, 1023 do write(a + i * 4096, i + 1) end
trace { filter = { "__split_huge_pmd_locked" } }
munmap(a + 8192, 4096)
trace(false)
print("page cache:", cache("/tmp/thp/f"))
print("the first 2 MiB present?", pagemap(a).present, "- deferred split queue:", #deferred_list())
assert(not pagemap(a).present and #deferred_list() == 0)

title("3. ftruncate to 1 MiB")
trace { filter = { "truncate_inode_partial_folio", "__split_unmapped_folio" } }
truncate("/tmp/thp/f", "1M")
trace(false)
print("page cache:", cache("/tmp/thp/f"))
assert(cache("/tmp/thp/f") == "0:order 8")
for i = 0, 255 do
	if i ~= 2 then assert(read(a + i * 4096) == i + 1) end
end
print("values of the first MiB intact; vmstat thp_split_page =", vmstat("thp_split_page"))
check()
