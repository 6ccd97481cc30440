-- trace.lua - watching the simulated kernel: the function_graph trace,
-- breakpoints inside kernel functions, trace events.  The call paths
-- are those of the 6.18 source (mm/memory.c, mm/vma.c, mm/huge_memory.c).
local t = require "thpsh.test"

local function capture(fn, filter)
	local lines = {}
	trace { filter = filter, output = function(line) lines[#lines + 1] = line end }
	fn()
	trace(false)
	return lines
end

-- The functions entered, in order (leaf lines "f();" and "f() {").
local function calls(lines)
	local names = {}
	for _, l in ipairs(lines) do
		local name = l:match("|%s+([%w_]+)%(%)")
		if name then names[#names + 1] = name end
	end
	return names
end

-- Is @want a subsequence of @names?
local function in_order(names, want)
	local i = 1
	for _, n in ipairs(names) do
		if n == want[i] then i = i + 1 end
		if i > #want then return true end
	end
	io.write("# missing from position ", i, ": ", tostring(want[i]), "\n")
	return false
end

local function thp()
	local a = mmap("2M", { huge = true })
	touch(a, "2M", "w")
	return a
end

-- MADV_DONTNEED of one page: the first seed's walk exactly.
local a = thp()
local lines = capture(function() madvise(a + 8192, 4096, "dontneed") end)
t.ok(in_order(calls(lines), { "unmap_page_range", "zap_p4d_range", "zap_pud_range",
	"zap_pmd_range", "__split_huge_pmd", "__split_huge_pmd_locked",
	"pgtable_trans_huge_withdraw", "zap_pte_range", "deferred_split_folio" }),
	"dontneed of one page: zap_pmd_range splits the PMD, zap_pte_range queues the folio")
local layout = true
for _, l in ipairs(lines) do
	if not l:match("^ 0%)               |  ") then layout = false end
end
t.ok(layout and #lines > 20, "function_graph layout")
t.ok(table.concat(lines, "\n"):find("withdraw pte table pfn 0x", 1, true),
	"the withdrawal is annotated")
local known = {}
for _, s in ipairs(kallsyms()) do known[s.name] = true end
local all_known = true
for _, n in ipairs(calls(lines)) do
	if not known[n] then all_known = false; io.write("# unknown: ", n, "\n") end
end
t.ok(all_known, "every traced function is in kallsyms()")
munmap(a, "2M")

-- munmap of one page: in 6.18 __split_vma splits the PMD first
-- (vma_adjust_trans_huge), so zap_pmd_range finds a PTE table.
a = thp()
lines = capture(function() munmap(a + 8192, 4096) end)
local names = calls(lines)
t.ok(in_order(names, { "__split_vma", "vma_adjust_trans_huge", "__split_huge_pmd",
	"__split_huge_pmd_locked", "pgtable_trans_huge_withdraw", "unmap_page_range",
	"zap_p4d_range", "zap_pud_range", "zap_pmd_range", "zap_pte_range",
	"deferred_split_folio" }), "munmap of one page: the VMA split splits the PMD")
local pmd_split_in_zap = false
for i, n in ipairs(names) do
	if n == "zap_pmd_range" and names[i + 1] == "__split_huge_pmd" then pmd_split_in_zap = true end
end
t.ok(not pmd_split_in_zap, "...and zap_pmd_range has nothing left to split")

-- A filter shows the matching functions and their callees only.
lines = capture(function() shrink() end, "__folio_split")
names = calls(lines)
t.is(names[1], "__folio_split", "filtered trace starts at __folio_split")
local only = true
for _, n in ipairs(names) do
	if n == "deferred_split_scan" or n == "drop_slab" then only = false end
end
t.ok(only, "callers are filtered out")
t.ok(check(), "check() after tracing")
munmap(a, "2M")

-- A breakpoint inside the folio split: migration entries and a frozen
-- refcount are visible; changing the machine is refused.
a = thp()
for i = 0, 511 do write(a + i * 4096, i) end
munmap(a + 4096, 4096)
local seen = {}
breakpoint("__split_unmapped_folio", function(ctx)
	seen.func = ctx.func
	seen.folio = folio({ pfn = ctx.folio })
	seen.walk = walk(a + 8192)
	seen.by_addr = folio(a + 8192)
	seen.refused = select(2, pcall(munmap, a, 4096))
	seen.check = select(2, pcall(check))
end)
breakpoint("unmap_folio", "exit", function(ctx) seen.after_unmap = folio({ pfn = ctx.folio }).refcount end)
t.is(#breakpoints(), 2, "two breakpoints")
t.is(shrink(), 1, "the shrinker splits the folio")
t.is(seen.func, "__split_unmapped_folio", "the breakpoint was hit")
t.is(seen.after_unmap, 1, "after unmap_folio only the caller's reference is left")
t.is(seen.folio.refcount, 0, "inside __split_unmapped_folio the refcount is frozen at 0")
t.is(seen.folio.mapcount, 0, "and nothing maps the folio")
t.ok(seen.walk.migration and seen.walk.level == "pte", "its PTEs hold migration entries")
t.is(seen.by_addr.pfn, seen.folio.pfn, "folio(addr) follows the migration entry to the folio")
t.ok(tostring(seen.refused):find("refused inside a breakpoint", 1, true), "munmap is refused there")
t.ok(tostring(seen.check):find("mid-operation", 1, true), "check() says the machine is mid-operation")
t.is(clear("__split_unmapped_folio"), true, "clear() removes one")
clear()
t.is(#breakpoints(), 0, "clear() removes all")
t.ok(not walk(a + 8192).migration, "after the split the PTE is present again")
t.is(read(a + 8192), 2, "and the value is back")
t.ok(check(), "check() after the breakpoints")
t.done()
