-- collapse_shmem.lua - MADV_COLLAPSE and khugepaged on shmem: tmpfs
-- files and shared anonymous memory, collapsed in the page cache
-- (hpage_collapse_scan_file -> collapse_file -> retract_page_tables ->
-- collapse_pte_mapped_thp).  The numbers were measured on the live 6.18
-- kernel (tests/kernel/FACTS.md "shmem collapse", probe
-- sp_shmem_collapse.c) or follow from mm/khugepaged.c, as the comments
-- say.  check() runs after every step; page i of a region holds tag ~ i.
local t = require "thpsh.test"

local KH = "transparent_hugepage/khugepaged/"
local MNT = "/tmp/thpsh-shc"

local function more(s)
	for k, v in pairs(vmstat()) do
		if k:match("^nr_shmem_") or k == "nr_file_hugepages" then s[k] = v end
	end
	s.ShmemPmdMapped = meminfo().ShmemPmdMapped
	s.ShmemHugePages = meminfo().ShmemHugePages
	s["khugepaged.pages_collapsed"] = tonumber(sysfs(KH .. "pages_collapsed"))
end

local function snap() return t.snap(more) end
local function delta(before) return t.delta(before, more) end
local step = t.step

-- Where the next region goes: 2 MiB aligned, as the probe maps them.
local next_addr = 0x600000000000
local function place()
	next_addr = next_addr + 4 * MB
	return next_addr
end

-- A 2 MiB shared mapping of @file (nil: shared anonymous memory) whose
-- pages 0..n-1 are written while it is MADV_NOHUGEPAGE (4K folios in
-- the page cache whatever huge= says), then switched to @advice.
local function region(file, n, tag, advice)
	local a = mmap("2M", { file = file, shared = true, nohuge = true, addr = place() })
	for i = 0, n - 1 do write(a + i * 4096, tag ~ i) end
	madvise(a, "2M", advice or "hugepage")
	return a
end

local function bad(a, n, tag)
	local b = 0
	for i = 0, n - 1 do
		if read(a + i * 4096) ~= tag ~ i then b = b + 1 end
	end
	return b
end

local function zeros_after(a, n)
	local z = 0
	for i = n, 511 do
		if read(a + i * 4096) == 0 then z = z + 1 end
	end
	return z
end

-- The events without their mm and pfn fields.
local function event_list()
	local l = {}
	for _, e in ipairs(events()) do
		e.mm, e.hpage_pfn, e.addr = nil, nil, nil
		l[#l + 1] = e
	end
	return l
end

local function collapse(a)
	events(true)
	local ret, err, scans = madvise(a, "2M", "collapse")
	events(false)
	return ret, err, scans
end

-- MADV_COLLAPSE on a tmpfs file: the counters FACTS.md measured.
local COLLAPSED = { thp_collapse_alloc = 1, thp_file_mapped = 1, nr_shmem_hugepages = 1,
	nr_shmem_pmdmapped = 1, ShmemHugePages = 2048, ShmemPmdMapped = 2048 }

-- FACTS "shmem collapse", never: a tmpfs mounted huge=never collapses
-- too (MADV_COLLAPSE passes shmem_huge_force: thp_vma_allowable_order
-- with TVA_FORCED_COLLAPSE), and the caller's mm gets the PMD.
tmpfs(MNT .. "1", "huge=never,size=64m")
local a = region(MNT .. "1/f", 512, 0x7100)
local v = snap()
local ret, err, scans = collapse(a)
t.is({ ret, err, delta(v) }, { 0, "OK", COLLAPSED },
	"huge=never: 0, thp_collapse_alloc, thp_file_mapped, nr_shmem_hugepages, nr_shmem_pmdmapped +1")
t.is(event_list(), {
	{ name = "mm_khugepaged_collapse_file", index = 512, is_shmem = 1, filename = "f", nr = 512,
	  result = "pte_mapped_hugepage" },
	{ name = "mm_khugepaged_scan_file", scan_pfn = -1, filename = "f", present = 512, swap = 0,
	  result = "pte_mapped_hugepage" },
}, "events collapse_file then scan_file, both pte_mapped_hugepage (collapse_file's result for MADV_COLLAPSE)")
t.is({ smaps(a).ShmemPmdMapped, smaps(a).Rss, walk(a).huge, folio(a).order, folio(a).anon },
	{ 2048, 2048, true, 9, false }, "PMD-mapped page-cache THP: ShmemPmdMapped 2048, Rss 2048")
t.is({ scans[1].result, scans[1].present },
	{ "SCAN_PTE_MAPPED_HUGEPAGE", 512 }, "the report: SCAN_PTE_MAPPED_HUGEPAGE, 512 present")
t.is(scans[1]["then"], "SCAN_SUCCEED", "...then collapse_pte_mapped_thp mapped it")
t.is(bad(a, 512, 0x7100), 0, "values intact")
step("MADV_COLLAPSE of a huge=never tmpfs file")

-- ... and again: the cache holds the THP (scan_pfn its pfn, present 0),
-- the PMD is there: 0, nothing moves.
v = snap()
ret = collapse(a)
t.is({ ret, delta(v), event_list() }, { 0, {}, {
	{ name = "mm_khugepaged_scan_file", scan_pfn = folio(a).pfn, filename = "f", present = 0,
	  swap = 0, result = "pte_mapped_hugepage" } } },
	"again: 0, nothing moves, one scan_file event with the THP's pfn")
step("MADV_COLLAPSE of a collapsed file range")

-- FACTS "shmem collapse", holes: pages 0..99 written, 412 holes: 0 (no
-- max_ptes_none for MADV_COLLAPSE), the holes read 0 and are charged to
-- the mount (shmem_charge).
tmpfs(MNT .. "2", "huge=always,size=64m")
a = region(MNT .. "2/f", 100, 0x7200)
v = snap()
ret, err, scans = collapse(a)
t.is({ ret, delta(v), events()[2].present }, { 0, COLLAPSED, 100 }, "100 pages: collapsed, present=100")
t.is({ bad(a, 100, 0x7200), zeros_after(a, 100), smaps(a).Rss }, { 0, 412, 2048 },
	"values intact, the 412 holes read 0, Rss 2048")
step("MADV_COLLAPSE of a file range with holes")

-- FACTS "shmem collapse", empty: nothing cached: EINVAL after allocating
-- the THP (thp_collapse_alloc +1), result truncated in both events.
tmpfs(MNT .. "3", "huge=always,size=64m")
a = region(MNT .. "3/f", 0, 0)
v = snap()
ret, err, scans = collapse(a)
t.is({ ret, err, delta(v) }, { -22, "EINVAL", { thp_collapse_alloc = 1 } }, "empty: EINVAL, thp_collapse_alloc +1")
t.is(event_list(), {
	{ name = "mm_khugepaged_collapse_file", index = 0, is_shmem = 1, filename = "f", nr = 512,
	  result = "truncated" },
	{ name = "mm_khugepaged_scan_file", scan_pfn = -1, filename = "f", present = 0, swap = 0,
	  result = "truncated" },
}, "events: collapse_file and scan_file truncated")
t.is({ scans[1].result, smaps(a).Rss }, { "SCAN_TRUNCATED", 0 }, "SCAN_TRUNCATED, nothing mapped")
step("MADV_COLLAPSE of an empty file range")

-- FACTS "shmem collapse", nohuge: a VM_NOHUGEPAGE VMA: EINVAL, no event.
a = region(MNT .. "3/f", 512, 0x7300, "nohugepage")
v = snap()
ret, err, scans = collapse(a)
t.is({ ret, delta(v), #events(), scans[1].result }, { -22, {}, 0, "SCAN_VMA_CHECK" },
	"VM_NOHUGEPAGE: EINVAL, nothing moves, no event")
t.like(scans[1].why, "VM_NOHUGEPAGE", "...because of VM_NOHUGEPAGE")
t.is(bad(a, 512, 0x7300), 0, "values intact")
munmap(a, "2M")
step("MADV_COLLAPSE of a nohugepage shmem VMA")

-- FACTS "shmem collapse", thp: a THP faulted on huge=always: 0, nothing
-- moves.  Mapped again by PTEs (a fresh NOHUGEPAGE mapping read whole),
-- collapse_pte_mapped_thp zaps the PTEs and maps the same folio by PMD:
-- thp_file_mapped +1, nr_shmem_pmdmapped +1, no allocation.
tmpfs(MNT .. "4", "huge=always,size=64m")
local F4 = MNT .. "4/f"
a = mmap("2M", { file = F4, shared = true, addr = place() })
for i = 0, 511 do write(a + i * 4096, 0x7400 ~ i) end
local thp = folio(a).pfn
v = snap()
t.is({ collapse(a), delta(v), walk(a).huge }, { 0, {}, true }, "a THP already: 0, nothing moves")
munmap(a, "2M")
a = mmap("2M", { file = F4, shared = true, nohuge = true, addr = place() })
t.is(bad(a, 512, 0x7400), 0, "mapped afresh by PTEs: values intact")
madvise(a, "2M", "hugepage")
t.is({ walk(a).huge, smaps(a).Rss }, { false, 2048 }, "512 PTEs map the THP")
v = snap()
ret, err, scans = collapse(a)
t.is({ ret, delta(v), walk(a).huge, folio(a).pfn },
	{ 0, { thp_file_mapped = 1, nr_shmem_pmdmapped = 1, ShmemPmdMapped = 2048 }, true, thp },
	"PTE-mapped THP: 0, the same folio now PMD-mapped")
t.is({ event_list()[1].result, event_list()[1].present, #events() }, { "pte_mapped_hugepage", 0, 1 },
	"one scan_file event, pte_mapped_hugepage, present 0")
t.is(bad(a, 512, 0x7400), 0, "values intact")
step("MADV_COLLAPSE of a PTE-mapped shmem THP")

-- FACTS "shmem collapse", other: a child maps the same 512 pages by
-- PTEs; the parent's collapse retracts the child's page table (Rss 0
-- there), and the child's next fault maps the THP by PMD.
a = region(MNT .. "4/g", 512, 0x7500)
local child = fork()
proc(child)
t.is({ bad(a, 512, 0x7500), smaps(a).Rss }, { 0, 2048 }, "the child maps the 512 pages too")
proc(1)
v = snap()
t.is({ collapse(a), delta(v) }, { 0, COLLAPSED }, "the parent collapses: the same counters")
proc(child)
t.is({ smaps(a).Rss, walk(a).level ~= "pte" }, { 0, true }, "the child's page table was retracted: Rss 0")
t.is(bad(a, 512, 0x7500), 0, "the child reads its values back")
t.is({ smaps(a).ShmemPmdMapped, walk(a).huge }, { 2048, true }, "...mapped by a PMD")
proc(1)
exit(child)
step("MADV_COLLAPSE with another process mapping the pages")

-- A GUP pin on one page: SCAN_PAGE_COUNT (hpage_collapse_scan_file:
-- folio_expected_ref_count() + 1 != folio_ref_count()), EAGAIN.
a = region(MNT .. "4/h", 512, 0x7600)
pin(a + 7 * 4096)
v = snap()
ret, err, scans = collapse(a)
t.is({ ret, err, delta(v), scans[1].result, events()[1].result },
	{ -11, "EAGAIN", {}, "SCAN_PAGE_COUNT", "not_suitable_page_count" },
	"a pinned page: EAGAIN, nothing moves, not_suitable_page_count")
unpin(a + 7 * 4096)
t.is({ collapse(a), bad(a, 512, 0x7600) }, { 0, 0 }, "unpinned: collapsed, values intact")
step("MADV_COLLAPSE of a pinned shmem page")

-- FACTS "shmem collapse", anon-never: shared anonymous memory collapses
-- whatever shmem_enabled says; the event's file is "dev/zero".
a = region(nil, 512, 0x7700)
v = snap()
t.is({ collapse(a), delta(v), events()[1].filename }, { 0, COLLAPSED, "dev/zero" },
	"shared anonymous, shmem_enabled never: collapsed, filename dev/zero")
t.is(bad(a, 512, 0x7700), 0, "values intact")
step("MADV_COLLAPSE of shared anonymous memory")

-- shmem_enabled "deny" refuses even MADV_COLLAPSE
-- (shmem_huge_global_enabled() returns 0 before looking at the force).
sysfs("transparent_hugepage/shmem_enabled", "deny")
a = region(nil, 512, 0x7800)
ret, err, scans = collapse(a)
t.is({ ret, #events(), scans[1].result }, { -22, 0, "SCAN_VMA_CHECK" }, "shmem_enabled deny: EINVAL, no event")
t.like(scans[1].why, "deny", "...because of deny")
sysfs("transparent_hugepage/shmem_enabled", "never")
step("MADV_COLLAPSE under shmem_enabled deny")

-- FACTS "shmem collapse", kh-fresh: shmem_enabled advise, shared
-- anonymous memory MADV_HUGEPAGE'd in a process khugepaged does not
-- know: it is not registered (khugepaged_enter_vma asks
-- shmem_allowable_huge_orders, which reads the VMA's old flags, before
-- madvise sets VM_HUGEPAGE), so nothing is collapsed.
reset()
sysfs("transparent_hugepage/shmem_enabled", "advise")
a = region(nil, 512, 0x7900)
local r = khugepaged({ explain = true })
t.is({ r.collapsed, r.mm_slots }, { 0, {} }, "shared anonymous + MADV_HUGEPAGE alone: not on khugepaged's list")
-- FACTS "shmem collapse", kh-registered: once an anonymous THP fault
-- has put the mm on the list, khugepaged collapses the page cache and
-- retracts the page table without mapping the THP: Rss 0 until the
-- next fault maps it by PMD.
local b = mmap("2M", { huge = true })
fault(b, "w")
v = snap()
events(true)
r = khugepaged({ explain = true })
events(false)
t.is({ r.collapsed, delta(v) }, { 1, { thp_collapse_alloc = 1, nr_shmem_hugepages = 1,
	ShmemHugePages = 2048, ["khugepaged.pages_collapsed"] = 1 } },
	"khugepaged: collapsed, no thp_file_mapped, nothing PMD-mapped")
t.is({ event_list()[1].result, event_list()[2].result }, { "succeeded", "succeeded" },
	"collapse_file and scan_file succeeded")
t.is(smaps(a).Rss, 0, "the page table is retracted: Rss 0")
-- The next pass finds the THP in the cache: pte_mapped_hugepage, then
-- collapse_pte_mapped_thp(install_pmd=false) on the none PMD succeeds,
-- and pages_collapsed counts it again (FACTS: +1 at every pass).
v = snap()
events(true)
khugepaged()
events(false)
t.is({ delta(v), event_list()[1].result }, { { ["khugepaged.pages_collapsed"] = 1 }, "pte_mapped_hugepage" },
	"next pass: pages_collapsed +1 again, nothing else")
t.is(bad(a, 512, 0x7900), 0, "values intact")
t.is({ smaps(a).ShmemPmdMapped, walk(a).huge }, { 2048, true }, "the fault maps the THP by PMD")
step("khugepaged on shared anonymous memory")

-- khugepaged retracts every process's page table over the range, as
-- MADV_COLLAPSE does (retract_page_tables walks the file's i_mmap): a
-- child that maps the pages too is left with Rss 0, and refaults by PMD.
munmap(a, "2M")
a = region(nil, 512, 0x7980)
child = fork()
proc(child)
t.is(bad(a, 512, 0x7980), 0, "the child maps the 512 pages")
proc(1)
repeat r = khugepaged() until smaps(a).Rss == 0 or tonumber(sysfs(KH .. "full_scans")) > 50
proc(child)
t.is({ smaps(a).Rss, bad(a, 512, 0x7980), walk(a).huge }, { 0, 0, true },
	"the child's table was retracted too; its reads map the THP by PMD")
proc(1)
exit(child)
step("khugepaged with two processes mapping the range")

-- FACTS "shmem collapse", kh-holes0: 100 pages, max_ptes_none 0:
-- exceed_none_pte, present 100, thp_scan_exceed_none_pte +1.
sysfs(KH .. "max_ptes_none", "0")
munmap(a, "2M")
munmap(b, "2M")	-- the mm stays on the list, with this region alone
a = region(nil, 100, 0x7a00)
v = snap()
events(true)
r = khugepaged({ explain = true })
events(false)
local last = r.scans[#r.scans]
t.is({ r.collapsed, delta(v), last.result, last.present, event_list()[#events()].scan_pfn },
	{ 0, { thp_scan_exceed_none_pte = 1 }, "SCAN_EXCEED_NONE_PTE", 100, -1 },
	"max_ptes_none 0: exceed_none_pte, present 100")
t.like(last.why, "412 holes > max_ptes_none 0", "...412 holes")
sysfs(KH .. "max_ptes_none", "511")
-- with 511 it collapses, holes and all
v = snap()
repeat r = khugepaged() until r == 1 or tonumber(sysfs(KH .. "full_scans")) > 20
t.is({ bad(a, 100, 0x7a00), zeros_after(a, 100) }, { 0, 412 }, "max_ptes_none 511: collapsed, holes read 0")
step("khugepaged and max_ptes_none on shmem")
sysfs("transparent_hugepage/shmem_enabled", "never")

-- FACTS "shmem collapse", kh-tmpfs-never: a huge=never tmpfs is not
-- khugepaged's (thp_vma_allowable_order(TVA_KHUGEPAGED) asks the mount):
-- MADV_HUGEPAGE does not even register the mm; no scan, no event.
reset()
tmpfs(MNT, "huge=never,size=64m")
a = region(MNT .. "/f", 512, 0x7b00)
v = snap()
events(true)
r = khugepaged({ explain = true })
events(false)
t.is({ r.collapsed, #r.mm_slots, #events(), delta(v) }, { 0, 0, 0, {} },
	"huge=never tmpfs: not on khugepaged's list, no event, nothing moves")
-- another VMA puts the mm on the list: the tmpfs VMA is skipped, saying why
local b = mmap("2M", { huge = true })
fault(b, "w")
r = khugepaged({ explain = true })
local skipped
for _, s in ipairs(r.scans) do
	if s.addr == a then skipped = s end
end
t.is({ r.mm_slots, skipped and skipped.result }, { { 1 }, "SCAN_VMA_CHECK" },
	"on the list for its anonymous THP: the tmpfs VMA is skipped")
t.like(skipped and skipped.why or "", "huge= option", "...because of the mount's huge= option")
step("khugepaged and a huge=never tmpfs")

-- FACTS "shmem private mappings", MADV_COLLAPSE: a private mapping whose
-- pages were only read collapses like a shared one; one with a copied
-- page (an anon_vma) gets EINVAL, yet the cache is collapsed: its file
-- PTEs are zapped, its page table kept (retract_page_tables skips a VMA
-- with an anon_vma, collapse_pte_mapped_thp meets the copy: SCAN_FAIL).
tmpfs(MNT .. "p", "huge=never,size=64m")
local w = mmap("4M", { file = MNT .. "p/f", shared = true })
for i = 0, 1023 do write(w + i * 4096, 0x7c00 ~ i) end
munmap(w, "4M")
a = mmap("2M", { file = MNT .. "p/f", nohuge = true, addr = place() })
touch(a, "2M", "r")
madvise(a, "2M", "hugepage")
v = snap()
t.is({ madvise(a, "2M", "collapse"), delta(v), walk(a).huge, bad(a, 512, 0x7c00) },
	{ 0, COLLAPSED, true, 0 }, "private, only read: collapsed and PMD-mapped, values intact")
step("MADV_COLLAPSE of a private mapping")
b = mmap("2M", { file = MNT .. "p/f", offset = "2M", nohuge = true, addr = place() })
touch(b, "2M", "r")
write(b + 4096, 0x77)
madvise(b, "2M", "hugepage")
v = snap()
ret, err, scans = madvise(b, "2M", "collapse")
t.is({ ret, err, delta(v), scans[1]["then"] },
	{ -22, "EINVAL", { thp_collapse_alloc = 1, nr_shmem_hugepages = 1, ShmemHugePages = 2048 }, "SCAN_FAIL" },
	"private with a copy: EINVAL, the cache collapsed all the same, nothing PMD-mapped")
t.is({ smaps(b).Rss, smaps(b).Anonymous }, { 4, 4 }, "only the copy is mapped")
t.is({ read(b), read(b + 4096), read(b + 2 * 4096), walk(b).huge }, { 0x7c00 ~ 512, 0x77, 0x7c00 ~ 514, false },
	"reads map the new THP by PTEs, the copy keeps its value")
step("MADV_COLLAPSE of a private mapping with a copy")

-- An order-8 folio in the range (a THP truncated to 1 MiB, extended
-- again, its upper half refaulted by 4K pages) is collapsed like small
-- ones: only a PMD-sized folio stops hpage_collapse_scan_file (scenario
-- shmem_collapse_mthp agrees with the live kernel).
tmpfs(MNT .. "8", "huge=always,size=64m")
a = mmap("2M", { file = MNT .. "8/f", shared = true, addr = place() })
for i = 0, 511 do write(a + i * 4096, 0x7d00 ~ i) end
truncate(MNT .. "8/f", "1M")
truncate(MNT .. "8/f", "2M")
for i = 256, 511 do write(a + i * 4096, 0x7d00 ~ i) end
read(a)
t.is({ folio(a).order, folio(a + 300 * 4096).order }, { 8, 0 }, "an order-8 folio and 256 small ones")
v = snap()
ret, err, scans = madvise(a, "2M", "collapse")
t.is({ ret, delta(v), scans[1].present, folio(a).order, bad(a, 512, 0x7d00) },
	{ 0, COLLAPSED, 512, 9, 0 }, "collapsed into a THP, present 512, values intact")
step("MADV_COLLAPSE over an order-8 folio")

-- Bad input changes nothing: a range outside any mapping.
t.raises(function() madvise(0x10000, "2M", "collapse") end, "madvise", "unmapped range: an error naming madvise")
step("bad input")

t.done()
