-- compaction.lua - memory compaction: compact() (echo 1 >
-- /proc/sys/vm/compact_memory), migrate_pages() of small anonymous
-- folios, and direct compaction / kcompactd on the THP fault path as
-- transparent_hugepage/defrag decides (vma_thp_gfp_mask).  Kernel
-- figures cite tests/kernel/FACTS.md "Compaction" (probe sp_compact.c)
-- or, where the live kernel could not be fragmented safely, the kernel
-- source (mm/compaction.c, mm/page_alloc.c, mm/huge_memory.c).
-- check() runs after every step and after every refused command.
local t = require "thpsh.test"

local step = t.step
local P, M2 = 4096, 2 * 1024 * 1024

local function more(s)
	local v = vmstat()
	for k, x in pairs(v) do
		if k:match("^compact_") or k:match("^pgmigrate_") then s[k] = x end
	end
end
local function snap() return t.snap(more) end
local function delta(v) return t.delta(v, more) end

-- A fragmented 64 MiB machine: @n 4K pages (MADV_NOHUGEPAGE) written
-- with i + 1, then every other one dropped.  One page per 2 MiB is
-- touched first so that the page tables sit together at the bottom:
-- thpsh has no migrate types (FACTS.md "Compaction", caveat), and a
-- pageblock holding a page table can never be freed.
local N = 14000
local function fragment(mem)
	reset { mem = mem or "64M" }
	local a = mmap(N * P, { nohuge = true })
	for off = 0, N * P - 1, M2 do touch(a + off, P, "w") end
	for i = 0, N - 1 do write(a + i * P, i + 1) end
	for i = 1, N - 1, 2 do madvise(a + i * P, P, "dontneed") end
	return a
end

local function kept_intact(a)
	for i = 0, N - 1, 2 do
		if read(a + i * P) ~= i + 1 then return false end
	end
	return true
end

-- Use up the free 2 MiB blocks left above the fragmented pages (THP
-- faults under defrag=never, which never compacts), so that the next
-- THP needs compaction.  Returns the THPs.
local function eat_blocks()
	local was = sysfs("transparent_hugepage/defrag"):match("%[(.-)%]")
	local list = {}
	sysfs("transparent_hugepage/defrag", "never")
	while true do
		local b = mmap("2M", { huge = true })
		if fault(b, "w") ~= "thp" then
			munmap(b, "2M")
			break
		end
		list[#list + 1] = b
	end
	sysfs("transparent_hugepage/defrag", was)
	return list
end

-- ---- the counters ------------------------------------------------------

-- FACTS.md "Compaction": every one of these is in the live /proc/vmstat
local v = vmstat()
for _, k in ipairs { "pgmigrate_success", "pgmigrate_fail", "thp_migration_success",
		     "thp_migration_fail", "thp_migration_split", "compact_migrate_scanned",
		     "compact_free_scanned", "compact_isolated", "compact_stall", "compact_fail",
		     "compact_success", "compact_daemon_wake", "compact_daemon_migrate_scanned",
		     "compact_daemon_free_scanned" } do
	t.is(v[k], 0, "vmstat has " .. k .. ", 0 at boot")
end

-- ---- compact() on a fragmented machine ---------------------------------

local a = fragment()
step("fragmenting")
local thps = eat_blocks()
step("using up the free 2 MiB blocks")
t.ok(#thps >= 1, "some free 2 MiB blocks were left above the pages: " .. #thps)
sysfs("transparent_hugepage/defrag", "never")
local b = mmap("2M", { huge = true })
local s = snap()
t.is(fault(b, "w"), "pte", "defrag=never: no free 2 MiB block, the THP fault falls back")
local d = delta(s)
t.is({ d.thp_fault_fallback, d.compact_stall, d.compact_daemon_wake, d.compact_migrate_scanned },
	{ 1, nil, nil, nil }, "defrag=never: thp_fault_fallback, no compaction (vma_thp_gfp_mask)")
munmap(b, "2M")
step("the fallback")

local pfn0, pfn2 = page(a).pfn, page(a + 2 * P).pfn
local excl = page(a + 2 * P).anon_exclusive
s = snap()
local r = compact()
d = delta(s)
step("compact()")
t.ok(r.migrated > 3000, "compact() migrated the kept pages of the low blocks: " .. r.migrated)
t.is(d.pgmigrate_success, r.migrated, "pgmigrate_success counts them")
-- FACTS.md "Compaction": compact_memory counted pgmigrate_fail on every run
-- (the last folio, for which the free scanner found no page: -ENOMEM)
t.is({ d.pgmigrate_fail or 0, r.failed }, { r.failed, r.failed }, "pgmigrate_fail = failed")
t.ok(r.failed <= 1, "at most the -ENOMEM folio failed: " .. r.failed)
t.is(d.compact_isolated, r.isolated, "compact_isolated: folios and free pages isolated")
-- FACTS.md: compact_isolated about 2 x pgmigrate_success (each move
-- isolates the folio and one free page)
t.ok(r.isolated >= 2 * r.migrated, "isolated >= 2 x migrated")
t.is({ d.compact_migrate_scanned, d.compact_free_scanned },
	{ r.migrate_scanned, r.free_scanned }, "compact_migrate_scanned, compact_free_scanned")
t.is({ d.compact_stall, d.compact_success, d.compact_fail, d.compact_daemon_wake },
	{ nil, nil, nil, nil }, "compact_memory is no stall, success or fail (those are direct compaction's)")
t.is(r.free_2M_before, 0, "no free 2 MiB block before")
t.ok(r.free_2M_after >= 10, "free 2 MiB blocks after: " .. r.free_2M_after)
t.ok(kept_intact(a), "every kept page still holds its value")
t.ok(page(a + 2 * P).pfn ~= pfn2 or page(a).pfn ~= pfn0, "pages moved to new frames")
t.is(page(a + 2 * P).anon_exclusive, excl, "PG_anon_exclusive moved with the page (FACTS.md: all exclusive after)")
t.is(smaps(a).Rss, (N // 2) * 4, "Rss unchanged")

-- Now the THP fault finds a block, even without compaction.
b = mmap("2M", { huge = true })
t.is(fault(b, "w"), "thp", "after compact(), the THP fault gets a THP")
step("the THP fault")

-- ---- direct compaction on the THP fault, per defrag ----------------------
-- vma_thp_gfp_mask() (mm/huge_memory.c) and __alloc_pages_slowpath()
-- (mm/page_alloc.c).  The live kernel could not be fragmented safely
-- (FACTS.md "Compaction"): with free blocks, no mode compacted there,
-- which thpsh agrees with below; the rest follows the source.

-- One THP fault on a freshly fragmented machine with no free 2 MiB block.
local function fault_fragmented(mode, huge)
	fragment()
	eat_blocks()
	sysfs("transparent_hugepage/defrag", mode)
	local c = mmap("2M", { huge = huge })
	local s0 = snap()
	local out = fault(c, "w")
	return out, delta(s0), c
end

local direct = { "always", "defer+madvise", "madvise" }
for _, mode in ipairs(direct) do
	local out, dd = fault_fragmented(mode, true)
	t.is({ out, dd.compact_stall, dd.compact_success, dd.compact_fail, dd.thp_fault_alloc,
	       dd.thp_fault_fallback, dd.compact_daemon_wake },
	     { "thp", 1, 1, nil, 1, nil, nil },
	     "defrag=" .. mode .. ", MADV_HUGEPAGE: direct compaction, compact_stall + compact_success, a THP")
	t.ok(dd.pgmigrate_success > 0 and dd.compact_migrate_scanned > 0,
	     "defrag=" .. mode .. ": pages were migrated for it: " .. tostring(dd.pgmigrate_success))
	step("the direct compaction of defrag=" .. mode)
end

local out, dd = fault_fragmented("always", false)
t.is({ out, dd.compact_stall, dd.compact_success },
     { "thp", 1, 1 }, "defrag=always without MADV_HUGEPAGE: direct compaction too (__GFP_NORETRY)")
step("defrag=always, not madvised")

for _, mode in ipairs { "defer", "defer+madvise" } do
	local c
	out, dd, c = fault_fragmented(mode, mode == "defer")
	t.is({ out, dd.compact_stall, dd.compact_daemon_wake, dd.thp_fault_fallback },
	     { "pte", nil, 1, 1 },
	     "defrag=" .. mode .. (mode == "defer" and "" or ", not madvised") ..
	     ": kcompactd is woken, the fault falls back at once")
	t.is({ dd.compact_daemon_migrate_scanned, dd.compact_daemon_free_scanned },
	     { dd.compact_migrate_scanned, dd.compact_free_scanned },
	     "kcompactd's scans count as compact_daemon_*_scanned too")
	local c2 = mmap("2M", { huge = true })
	t.is(fault(c2, "w"), "thp", "kcompactd (run at once in thpsh) left a block: the next fault gets a THP")
	step("defrag=" .. mode .. " and kcompactd")
end

out, dd = fault_fragmented("madvise", false)
t.is({ out, dd.compact_stall, dd.compact_daemon_wake, dd.thp_fault_fallback },
     { "pte", nil, nil, 1 }, "defrag=madvise, not madvised: no compaction, thp_fault_fallback")
out, dd = fault_fragmented("never", true)
t.is({ out, dd.compact_stall, dd.compact_daemon_wake, dd.thp_fault_fallback },
     { "pte", nil, nil, 1 }, "defrag=never, even MADV_HUGEPAGE: no compaction")
step("defrag=madvise and never")

-- An mTHP fault compacts too (alloc_anon_folio asks vma_thp_gfp_mask,
-- mm/memory.c): 64K is a costly order (> PAGE_ALLOC_COSTLY_ORDER).
fragment()
eat_blocks()
sysfs("transparent_hugepage/hugepages-2048kB/enabled", "never")
sysfs("transparent_hugepage/hugepages-64kB/enabled", "always")
sysfs("transparent_hugepage/defrag", "never")
local got
repeat
	got = fault(mmap("2M", { huge = true }), "w")
until got ~= "mthp-64K"
t.is(got, "pte", "defrag=never: once the 64K blocks are gone, the mTHP fault falls back")
sysfs("transparent_hugepage/defrag", "madvise")
s = snap()
got = fault(mmap("2M", { huge = true }), "w")
d = delta(s)
t.is({ got, d.compact_stall, d.compact_success }, { "mthp-64K", 1, 1 },
     "defrag=madvise, MADV_HUGEPAGE: the 64K fault compacts and gets its mTHP")
sysfs("transparent_hugepage/hugepages-64kB/enabled", "never")
sysfs("transparent_hugepage/hugepages-2048kB/enabled", "inherit")
step("the mTHP fault's compaction")

-- khugepaged's allocation compacts only with khugepaged/defrag 1
-- (alloc_hugepage_khugepaged_gfpmask, mm/khugepaged.c).
fragment()
eat_blocks()
sysfs("transparent_hugepage/defrag", "never")
local c = mmap("2M", { huge = true })
t.is(fault(c, "w"), "pte", "a 2 MiB region faulted with 4K pages (defrag=never)")
touch(c, "2M", "w")
sysfs("transparent_hugepage/khugepaged/defrag", 0)
s = snap()
t.is(khugepaged(), 0, "khugepaged/defrag 0: no collapse")
d = delta(s)
t.is({ d.thp_collapse_alloc_failed, d.compact_stall }, { 1, nil },
     "thp_collapse_alloc_failed, no compaction")
step("khugepaged without defrag")
sysfs("transparent_hugepage/khugepaged/defrag", 1)
s = snap()
t.is(khugepaged(), 1, "khugepaged/defrag 1: it compacts and collapses")
d = delta(s)
t.is({ d.thp_collapse_alloc, d.compact_stall, d.compact_success, folio(c).order },
     { 1, 1, 1, 9 }, "thp_collapse_alloc, compact_stall, compact_success, an order-9 folio")
step("khugepaged with defrag")

-- ---- compaction that cannot help: pinned pages, deferral ----------------

a = fragment()
eat_blocks()
for i = 0, N - 1, 2 do pin(a + i * P, P) end
step("pinning every kept page")
sysfs("transparent_hugepage/defrag", "madvise")
local falls = {}
for k = 1, 3 do
	local c = mmap("2M", { huge = true })
	s = snap()
	falls[k] = { fault(c, "w"), delta(s) }
end
d = falls[1][2]
-- __alloc_pages_slowpath: async compaction, then (no __GFP_NORETRY for a
-- madvised VMA) sync-light compaction: two stalls, two failures
t.is({ falls[1][1], d.compact_stall, d.compact_fail, d.compact_success, d.pgmigrate_success,
       d.thp_fault_fallback },
     { "pte", 2, 2, nil, nil, 1 }, "every page pinned: two compactions fail, the fault falls back")
t.ok((d.compact_migrate_scanned or 0) > 0, "the pinned pages were scanned, not isolated")
-- defer_compaction() after the failed sync run: the third fault's two
-- attempts are both deferred (compact_considered < 1 << compact_defer_shift)
d = falls[3][2]
t.is({ falls[3][1], d.compact_stall, d.compact_fail, d.compact_migrate_scanned },
     { "pte", 2, 2, nil }, "deferred: compact_stall and compact_fail count, nothing is scanned")
step("faults over pinned pages")
r = compact()
t.is({ r.migrated, r.free_2M_after }, { 0, 0 }, "compact() moves no pinned page")
t.ok(kept_intact(a), "values intact")
step("compact() over pinned pages")

-- ---- what moves and what does not ----------------------------------------

-- A page shared with a child after fork moves for both; a THP does not
-- (FACTS.md "Compaction": 8 THPs, 0 moved by compact_memory).
a = fragment()
local thp = mmap("2M", { huge = true })
fault(thp, "w")
write(thp + 5 * P, 77)
local thp_pfn = folio(thp).pfn
local parent = 1
local child = fork()
step("fork")
local before = page(a + 2 * P).pfn
r = compact()
step("compact() with a child")
local pg = page(a + 2 * P)
t.ok(pg.pfn ~= before, "the shared page moved")
t.is(pg.mapcount, 2, "mapped by both processes, mapcount 2")
t.is(page(a + 2 * P, { pid = child }).pfn, pg.pfn, "the child maps the new frame too")
t.is(read(a + 2 * P, { pid = child }), 3, "the child reads the value")
t.is(folio(thp).pfn, thp_pfn, "the THP stayed (order 9 >= pageblock_order: never isolated)")
t.is(read(thp + 5 * P), 77, "its value too")
exit(child)
step("the child's exit")

-- mTHPs move too; with only order-0 free pages taken by the free
-- scanner there is no block of their order, so each is split and its
-- pages moved (FACTS.md "Compaction": 64kB mTHPs moved or split,
-- mm_migrate_pages nr_split=1, split_deferred from the unmap).
reset { mem = "64M" }
sysfs("transparent_hugepage/hugepages-64kB/enabled", "always")
sysfs("transparent_hugepage/hugepages-2048kB/enabled", "never")
local K64 = 65536
local m = mmap(64 * K64)
for i = 0, 63 do write(m + i * K64 + P, i + 100) end
t.is(folio(m + P).order, 4, "64K mTHPs at the bottom of memory")
a = mmap(12000 * P, { nohuge = true })
for off = 0, 12000 * P - 1, M2 do touch(a + off, P, "w") end
for i = 0, 11999 do write(a + i * P, i + 1) end
for i = 1, 11999, 2 do madvise(a + i * P, P, "dontneed") end
for i = 1, 63, 2 do munmap(m + i * K64, K64) end
step("32 mTHPs among fragmented pages")
local mpfn = {}
for i = 0, 63, 2 do mpfn[i] = page(m + i * K64 + P).pfn end
s = snap()
events(true)
r = compact()
events(false)
d = delta(s)
step("compact() over mTHPs")
local moved, whole, vals = 0, 0, 0
for i = 0, 63, 2 do
	if page(m + i * K64 + P).pfn ~= mpfn[i] then moved = moved + 1 end
	if folio(m + i * K64 + P).order == 4 then whole = whole + 1 end
	if read(m + i * K64 + P) == i + 100 then vals = vals + 1 end
end
t.is({ moved, whole, vals }, { 32, 0, 32 }, "every mTHP was split and its written page moved, values intact")
t.is({ mthp_stats("64kB").split, mthp_stats("64kB").nr_anon }, { 32, 0 }, "64kB split +32, nr_anon 0")
local splits = 0
for _, e in ipairs(events()) do
	if e.name == "mm_migrate_pages" then splits = splits + e.nr_split end
end
t.is(splits, 32, "mm_migrate_pages counts them in nr_split")
t.is(page(m + 2 * K64).zero, true, "a page of zeroes is mapped to the zero page by the split")
sysfs("transparent_hugepage/hugepages-64kB/enabled", "never")

-- With free 64K blocks among the free pages above it, an mTHP moves whole.
reset { mem = "64M" }
sysfs("transparent_hugepage/hugepages-64kB/enabled", "always")
sysfs("transparent_hugepage/hugepages-2048kB/enabled", "never")
m = mmap("2M")
write(m + P, 5)
local f1 = mmap(600 * P, { nohuge = true })
touch(f1, 600 * P, "w")		-- fills the rest of the first pageblock, and more
local hole = mmap("2M")
touch(hole, K64, "w")
local f2 = mmap(64 * P, { nohuge = true })
touch(f2, 64 * P, "w")
munmap(hole, "2M")		-- a free order-4 block in the second pageblock
local old = folio(m + P).pfn
t.is(folio(m + P).order, 4, "a 64K mTHP in the first pageblock")
s = snap()
r = compact()
d = delta(s)
step("compact() of one mTHP")
t.is({ folio(m + P).order, read(m + P), mthp_stats("64kB").split },
     { 4, 5, 0 }, "the mTHP moved whole (order 4, not split), value intact")
t.ok(folio(m + P).pfn ~= old and folio(m + P).pfn % 16 == 0,
     "to an aligned block elsewhere: pfn " .. folio(m + P).pfn)
sysfs("transparent_hugepage/hugepages-64kB/enabled", "never")

-- ---- trace events ---------------------------------------------------------

a = fragment()
events(true)
r = compact()
events(false)
local count = {}
for _, e in ipairs(events()) do count[e.name] = (count[e.name] or 0) + 1 end
t.is({ count.mm_compaction_begin, count.mm_compaction_end }, { 1, 1 },
     "mm_compaction_begin and mm_compaction_end, once per zone")
t.ok((count.mm_migrate_pages or 0) > 0 and count.mm_migrate_pages == count.mm_migrate_pages_start,
     "mm_migrate_pages_start / mm_migrate_pages around each batch: " .. tostring(count.mm_migrate_pages))
-- each moved page: one set_migration_pte (try_to_migrate) and one
-- remove_migration_pte (onto the new folio)
t.is({ count.set_migration_pte, count.remove_migration_pte }, { r.migrated, r.migrated },
     "a set_migration_pte and a remove_migration_pte per page moved")
local last
for _, e in ipairs(events()) do if e.name == "mm_migrate_pages" then last = e end end
t.is({ last.mode, last.reason }, { "MIGRATE_SYNC", "compaction" }, "mm_migrate_pages: mode=MIGRATE_SYNC reason=compaction")
step("tracing compact()")

-- In the middle of a migration: the old page's PTE is a migration entry.
a = fragment()
local old_pfn = page(a).pfn
local seen
breakpoint("move_to_new_folio", function(ctx)
	if not seen then seen = { ctx.folio, pagemap(a), page(a) } end
end)
compact()
clear("move_to_new_folio")
t.is(seen[1], old_pfn, "the first folio migrated is the lowest movable one, page 0's")
t.is({ seen[2].present, seen[2].swapped, seen[2].swap_offset }, { false, true, old_pfn },
     "its PTE is a migration entry naming the old pfn (pagemap: a swap entry)")
t.is({ seen[3].refcount, seen[3].mapcount }, { 1, 0 },
     "the old page: unmapped, only the isolation reference left (folio_migrate_mapping's expected count)")
t.ok(page(a).pfn ~= old_pfn and read(a) == 1, "afterwards page 0 is on a new frame, value intact")
step("a breakpoint in move_to_new_folio")

-- ---- bad input --------------------------------------------------------------

for _, bad in ipairs { { "x", "node must be an integer" }, { 1.5, "node must be an integer" },
		       { 3, "compact: no node 3" }, { -1, "compact: no node -1" } } do
	local s0 = snap()
	t.raises(function() compact(bad[1]) end, bad[2], "compact(" .. tostring(bad[1]) .. ") is refused")
	t.is(delta(s0), {}, "and nothing moved")
	step("a refused compact")
end
reset { nodes = 2, mem = "64M" }
r = compact(1)
t.is(r.migrated, 0, "compact(1) on a two-node machine")
step("compact of one node")

t.done()
