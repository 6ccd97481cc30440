#!/usr/bin/env thpsh
-- seed1_munmap.lua - the first seed, step by step: a process unmaps one
-- 4 KiB page of a transparent huge page.  What splits the PMD, what
-- queues the folio, and what the deferred split shrinker does later.
--
--   thpsh scripts/seed1_munmap.lua
--
-- Every step prints the kernel call path (trace) and the state after it;
-- the script ends with the checks that make it a test.

local function title(s) print(("\n== %s "):format(s) .. ("="):rep(60 - #s)) end

local function show_trace(fn, filter)
	trace { filter = filter }
	fn()
	trace(false)
end

title("1. A THP: mmap 2M with MADV_HUGEPAGE, write every page")
local a = mmap("2M", { huge = true })
print(("mmap -> 0x%x (2 MiB aligned: the length is a multiple of 2 MiB)"):format(a))
show_trace(function() print("fault ->", fault(a, "w")) end,
	{ "do_huge_pmd_anonymous_page" })
for i = 0, 511 do write(a + i * 4096, 0x1000 + i) end
print(dump_pagetable(a))
print(folio(a))
print("The folio is already on the deferred split queue, whole: thp_underused")
print("may split it one day (FACTS.md A10).  deferred_list():", #deferred_list())

title("2. munmap one page in the middle")
print("In 6.18 the VMA is split first (__split_vma -> vma_adjust_trans_huge)")
print("and that splits the PMD; unmap_page_range then finds 512 PTEs.")
show_trace(function() munmap(a + 256 * 4096, 4096) end,
	{ "__split_vma", "unmap_page_range" })
print(dump_pagetable(a, "2M"))
local f = folio(a)
print(f)
assert(f.partially_mapped and f.deferred, "the folio is queued as partially mapped")

title("3. The seed's own path: MADV_DONTNEED of one page")
print("Without a VMA split, zap_pmd_range meets the huge PMD with a partial")
print("range and calls __split_huge_pmd itself:")
local b = mmap("2M", { huge = true })
touch(b, "2M", "w")
show_trace(function() madvise(b + 4096, 4096, "dontneed") end, { "unmap_page_range" })
assert(folio(b).partially_mapped)

title("4. The deferred split shrinker (echo 2 > /proc/sys/vm/drop_caches)")
print("Stopping inside the split, after unmap_folio, while the folio is frozen:")
breakpoint("__split_unmapped_folio", function(ctx)
	local w = walk(a)
	print(("  in %s: folio pfn 0x%x refcount %d, pte of page 0: 0x%x (migration: %s)")
		:format(ctx.func, ctx.folio, folio({ pfn = ctx.folio }).refcount, w.pte,
			tostring(w.migration)))
end)
events(true)
local split = shrink()
events(false)
clear()
local sets, removes = 0, 0
for _, e in ipairs(events()) do
	if e.name == "set_migration_pte" then sets = sets + 1 end
	if e.name == "remove_migration_pte" then removes = removes + 1 end
end
print(("shrink() split %d folios; trace events: %d set_migration_pte, %d remove_migration_pte")
	:format(split, sets, removes))
print("(the second folio held only zeroes: its pages went to the shared zero page,")
print(" remove_migration_pte -> try_to_map_unused_to_zeropage, with no event)")
print(folio(a))
print(vmstat("thp_split_page"), "thp_split_page")

title("checks")
assert(split == 2, "both partially mapped folios were split")
assert(folio(a).order == 0)
for i = 0, 511 do
	if i ~= 256 then assert(read(a + i * 4096) == 0x1000 + i, "value " .. i) end
end
assert(check())
print("all values intact, check() passes")
