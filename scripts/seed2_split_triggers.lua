#!/usr/bin/env thpsh
-- seed2_split_triggers.lua - the second seed: what triggers a THP split.
--   1. the debugfs file split_huge_pages, "PID,0xSTART,0xEND[,NEW_ORDER]"
--   2. the deferred split shrinker (deferred_split_count/_scan)
--   3. thp_underused: a fully mapped THP of mostly zero pages
-- and __folio_split's own steps, stopped at each one.
--
--   thpsh scripts/seed2_split_triggers.lua

local function title(s) print(("\n== %s "):format(s) .. ("="):rep(60 - #s)) end

local function thp(fill)
	local a = mmap("2M", { huge = true })
	fault(a, "w")
	if fill then for i = 0, 511 do write(a + i * 4096, i + 1) end end
	return a
end

title("1. split_huge_pages: PID,0xSTART,0xEND,NEW_ORDER")
local a = thp(true)
local line = ("1,0x%x,0x%x,4"):format(a, a + 2 * MB)
print(("echo %s > /sys/kernel/debug/split_huge_pages"):format(line))
local n, err, stats = split_huge_pages(line)
print(("-> %d bytes (%s); %d of %d THPs split"):format(n, err, stats.split, stats.total))
print(folio(a))
print(folio(a + 16 * 4096))
assert(folio(a).order == 4 and stats.split == 1)

title("2. __folio_split, one step at a time")
local b = thp(true)
munmap(b + 4096, 4096)
local stops = {
	{ "unmap_folio", "entry" }, { "unmap_folio", "exit" },
	{ "__split_unmapped_folio", "entry" }, { "remap_page", "exit" },
}
for _, s in ipairs(stops) do
	breakpoint(s[1], s[2], function(ctx)
		local f = folio({ pfn = ctx.folio })
		local w = walk(b)
		print(("  %-22s %-5s folio refcount %3d mapcount %3d order %d, pte[0] %s")
			:format(ctx.func, ctx.at, f.refcount, f.mapcount, f.order,
				w.migration and "migration entry" or "present"))
	end)
end
print("deferred_split_count ->", #deferred_list(), "queued")
print("deferred_split_scan (shrink) ->", shrink(), "split")
clear()

title("3. thp_underused: mostly zero pages")
print("max_ptes_none is", sysfs("transparent_hugepage/khugepaged/max_ptes_none"),
	"- at 511 thp_underused() is always false (FACTS.md A10)")
local c = thp(false)
print("shrink() ->", shrink(), "split (kept)")
sysfs("transparent_hugepage/khugepaged/max_ptes_none", 409)
munmap(c, "2M")
c = thp(false)
write(c + 100 * 4096, 42)
local before = vmstat("thp_underused_split_page")
print("with max_ptes_none 409, a THP with one nonzero page: shrink() ->", shrink())
print("thp_underused_split_page +" .. vmstat("thp_underused_split_page") - before)
local resident = 0
for i = 0, 511 do
	if not page(c + i * 4096).zero then resident = resident + 1 end
end
print(("pages of its own left: %d (the others map the shared zero page now)"):format(resident))

title("4. what became of the underused THP: split_history")
local tree = split_history(c + 100 * 4096)
print(("folio 0x%x order %d, split #%d by %s(): %d pieces"):format(tree.pfn, tree.order,
	tree.seq, tree.cause, #tree.children))
for _, p in ipairs(tree.children) do
	if p.target then
		print(("  the piece holding the value: pfn 0x%x, %s, refcount %d, mapcount %d"):format(
			p.pfn, p.state, p.refcount, p.mapcount))
	end
end
print("split_history{addr = c, format = \"svg\", file = \"splits.svg\"} draws it")

title("checks")
assert(resident == 1 and read(c + 100 * 4096) == 42)
assert(tree.cause == "shrink" and #tree.children == 512)
for i = 0, 511 do
	assert(read(a + i * 4096) == i + 1)
	if i ~= 1 then assert(read(b + i * 4096) == i + 1) end
end
assert(check())
print("values intact, check() passes")
