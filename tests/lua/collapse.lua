-- collapse.lua - MADV_COLLAPSE and khugepaged: what each collapses, the
-- counters and trace events they move, the values they keep, and the
-- scan result each refusal reports.  The expected numbers were measured
-- on the live 6.18 kernel (tests/kernel/FACTS.md "MADV_COLLAPSE",
-- "khugepaged"; probes sp_collapse.c and sp_khugepaged.c) or come from
-- mm/khugepaged.c, as the comments say.  check() runs after every step.
local t = require "thpsh.test"

local KH = "transparent_hugepage/khugepaged/"

local function more(s)
	s["khugepaged.pages_collapsed"] = tonumber(sysfs(KH .. "pages_collapsed"))
	s["khugepaged.full_scans"] = tonumber(sysfs(KH .. "full_scans"))
end

local function snap() return t.snap(more) end
local function delta(before) return t.delta(before, more) end
local step = t.step

-- Pages 0..n-1 hold tag ~ i, written while the VMA is MADV_NOHUGEPAGE
-- (so they are 4K pages), then the VMA is switched to MADV_HUGEPAGE, as
-- the probes do.  A PROT_NONE page below keeps the next region from
-- merging with it.
local function region(n, tag, advice)
	local a = mmap("2M", { nohuge = true })
	mmap("4K", { addr = a - 4096, prot = "none" })
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

-- The events, without their mm field, and names only where the rest varies.
local function event_list()
	local l = {}
	for _, e in ipairs(events()) do
		e.mm = nil
		e.scan_pfn = nil
		l[#l + 1] = e
	end
	return l
end

local COLLAPSED = { thp_collapse_alloc = 1, nr_anon_transparent_hugepages = 1,
	["2048kB.nr_anon"] = 1 }

-- FACTS "MADV_COLLAPSE", full512: 0, thp_collapse_alloc +1, a new PMD THP.
local a = region(512, 0x6100)
local v = snap()
events(true)
local ret, err, scans = madvise(a, "2M", "collapse")
events(false)
t.is({ ret, err }, { 0, "OK" }, "collapse of 512 4K pages returns 0")
t.is(delta(v), COLLAPSED, "thp_collapse_alloc +1, nr_anon_transparent_hugepages +1, 2048kB.nr_anon +1")
t.is({ walk(a).huge, folio(a).order, smaps(a).AnonHugePages }, { true, 9, 2048 },
	"PMD-mapped order-9 folio, AnonHugePages 2048")
t.is(bad(a, 512, 0x6100), 0, "values intact")
t.is(event_list(), {
	{ name = "mm_collapse_huge_page_isolate", none_or_zero = 0, referenced = 0,
	  status = "succeeded" },
	{ name = "mm_collapse_huge_page", isolated = 1, status = "succeeded" },
	{ name = "mm_khugepaged_scan_pmd", referenced = 0, none_or_zero = 0,
	  status = "succeeded", unmapped = 0 },
}, "events: isolate, collapse_huge_page, scan_pmd; referenced 0 for MADV_COLLAPSE")
t.is({ #scans, scans[1].result, scans[1].by, scans[1].pfn }, { 1, "SCAN_SUCCEED", "madvise", folio(a).pfn },
	"the report: SCAN_SUCCEED, the new THP's pfn")
step("MADV_COLLAPSE of 512 pages")

-- ... and again: already a PMD THP, SCAN_PMD_MAPPED counts as success.
v = snap()
events(true)
ret, err, scans = madvise(a, "2M", "collapse")
events(false)
t.is({ ret, delta(v), event_list()[1].status, scans[1].result }, { 0, {}, "page_pmd_mapped", "SCAN_PMD_MAPPED" },
	"a THP already: 0, nothing moves, status page_pmd_mapped")
step("MADV_COLLAPSE of a THP")

-- part100: 412 none PTEs; MADV_COLLAPSE ignores max_ptes_none, even at 0
-- (collapse_max_ptes_none() gives HPAGE_PMD_NR when !cc->is_khugepaged).
sysfs(KH .. "max_ptes_none", "0")
a = region(100, 0x6200)
v = snap()
events(true)
ret = madvise(a, "2M", "collapse")
events(false)
t.is({ ret, delta(v) }, { 0, COLLAPSED }, "100 pages, max_ptes_none 0: MADV_COLLAPSE collapses")
t.is({ events()[1].none_or_zero, events()[3].none_or_zero }, { 412, 412 },
	"none_or_zero 412 in the isolate and scan_pmd events")
t.is({ bad(a, 100, 0x6200), zeros_after(a, 100) }, { 0, 412 }, "values intact, the 412 new pages read 0")
sysfs(KH .. "max_ptes_none", "511")
step("MADV_COLLAPSE of 100 pages")

-- Never faulted, and 512 read faults (4K zero page): EINVAL and no event,
-- the VMA has no anon_vma (thp_vma_allowable_order(TVA_FORCED_COLLAPSE)).
for _, how in ipairs({ "never faulted", "read-faulted" }) do
	a = mmap("2M", { huge = true })
	mmap("4K", { addr = a - 4096, prot = "none" })
	if how == "read-faulted" then
		madvise(a, "2M", "nohugepage")
		touch(a, "2M", "r")
		madvise(a, "2M", "hugepage")
	end
	v = snap()
	events(true)
	ret, err, scans = madvise(a, "2M", "collapse")
	events(false)
	t.is({ ret, err, delta(v), #events() }, { -22, "EINVAL", {}, 0 }, how .. ": EINVAL, no event")
	t.is({ scans[1].result, scans[1].event }, { "SCAN_VMA_CHECK", false }, how .. ": reported as SCAN_VMA_CHECK")
	t.like(scans[1].why, "no anon_vma", how .. ": no anon_vma")
	step("MADV_COLLAPSE, " .. how)
end

-- zapped: 512 written then MADV_DONTNEED, the PTE table is freed:
-- EINVAL, one event status=pmd_none, scan_pfn -1.
a = region(512, 0x6300)
madvise(a, "2M", "dontneed")
events(true)
ret, err, scans = madvise(a, "2M", "collapse")
events(false)
t.is({ ret, #events(), events()[1].status, events()[1].scan_pfn }, { -22, 1, "pmd_none", -1 },
	"zapped: EINVAL, one event pmd_none, scan_pfn -1")
t.is(scans[1].result, "SCAN_PMD_NONE", "reported as SCAN_PMD_NONE")
step("MADV_COLLAPSE of a zapped range")

-- The huge zero page (read fault under MADV_HUGEPAGE): 0, page_pmd_mapped.
a = mmap("2M", { huge = true })
fault(a, "r")
v = snap()
events(true)
ret = madvise(a, "2M", "collapse")
events(false)
t.is({ ret, delta(v), events()[1].status, walk(a).huge, page(a).zero },
	{ 0, {}, "page_pmd_mapped", true, true }, "huge zero page: 0, unchanged, page_pmd_mapped")
step("MADV_COLLAPSE of the huge zero page")

-- nomadv: neither VM_HUGEPAGE nor VM_NOHUGEPAGE, enabled=madvise: it
-- collapses anyway (MADV_COLLAPSE ignores the sysfs mode).
sysfs("transparent_hugepage/enabled", "madvise")
a = mmap("2M")
mmap("4K", { addr = a - 4096, prot = "none" })
for i = 0, 511 do write(a + i * 4096, 0x6400 ~ i) end
v = snap()
t.is({ madvise(a, "2M", "collapse"), delta(v), bad(a, 512, 0x6400) }, { 0, COLLAPSED, 0 },
	"enabled=madvise, no VM_HUGEPAGE: collapsed anyway")
sysfs("transparent_hugepage/enabled", "always")
step("MADV_COLLAPSE without VM_HUGEPAGE")

-- nohuge: the VMA stays MADV_NOHUGEPAGE: EINVAL, no event.
a = region(512, 0x6500, "nohugepage")
events(true)
ret, err, scans = madvise(a, "2M", "collapse")
events(false)
t.is({ ret, #events(), scans[1].result }, { -22, 0, "SCAN_VMA_CHECK" }, "VM_NOHUGEPAGE: EINVAL, no event")
t.like(scans[1].why, "VM_NOHUGEPAGE", "...because of VM_NOHUGEPAGE")
step("MADV_COLLAPSE of a nohugepage VMA")

-- ptethp: a THP PTE-mapped by mprotect of one page and back: copied into
-- a new THP, the old folio freed (2048kB.nr_anon unchanged).
a = mmap("2M", { huge = true })
for i = 0, 511 do write(a + i * 4096, 0x6600 ~ i) end
local old = folio(a).pfn
mprotect(a + 4096, "4K", "r")
mprotect(a + 4096, "4K", "rw")
t.is({ walk(a).huge, folio(a).order }, { false, 9 }, "the THP is PTE-mapped")
v = snap()
t.is(madvise(a, "2M", "collapse"), 0, "PTE-mapped THP: 0")
t.is(delta(v), { thp_collapse_alloc = 1, nr_anon_transparent_hugepages = 1 },
	"thp_collapse_alloc +1, nr_anon_transparent_hugepages +1, 2048kB.nr_anon +-0")
t.is({ walk(a).huge, folio(a).pfn ~= old, bad(a, 512, 0x6600) }, { true, true, 0 },
	"a new THP, values intact")
t.raises(function() page({ pfn = old }) end, "is free", "the old folio is freed")
step("MADV_COLLAPSE of a PTE-mapped THP")

-- FACTS "MADV_COLLAPSE", freed: MADV_FREE'd pages collapse
-- like any others: 0, a dirty THP, LazyFree 0, values intact.
a = region(512, 0x6700)
madvise(a, "2M", "free")
v = snap()
t.is({ madvise(a, "2M", "collapse"), delta(v) }, { 0, COLLAPSED }, "lazyfree pages: collapsed")
t.is({ smaps(a).LazyFree, smaps(a).Private_Dirty, bad(a, 512, 0x6700) }, { 0, 2048, 0 },
	"LazyFree 0, Private_Dirty 2048, values intact")
step("MADV_COLLAPSE of lazyfree pages")

-- FACTS "MADV_COLLAPSE", pinned: EAGAIN, one event not_suitable_page_count
-- (folio_expected_ref_count() != folio_ref_count()); unpinned, it collapses.
a = region(512, 0x6800)
pin(a + 7 * 4096)
events(true)
ret, err, scans = madvise(a, "2M", "collapse")
events(false)
t.is({ ret, err, #events(), events()[1].status, scans[1].result },
	{ -11, "EAGAIN", 1, "not_suitable_page_count", "SCAN_PAGE_COUNT" },
	"a GUP pin: EAGAIN, one event not_suitable_page_count")
t.is(events()[1].scan_pfn, pagemap(a + 7 * 4096).pfn, "scan_pfn is the pinned page's")
t.like(scans[1].why, "^pte 7: folio pfn 0x%x+ has refcount 1025, its mappings explain 1", "why: pte 7, refcount 1025")
unpin(a + 7 * 4096)
t.is(madvise(a, "2M", "collapse"), 0, "unpinned: collapsed")
t.is(bad(a, 512, 0x6800), 0, "values intact")
step("MADV_COLLAPSE of a pinned page")

-- khugepaged ------------------------------------------------------------

reset()

-- FACTS "khugepaged", full512: collapsed, pages_collapsed +1, full_scans +1,
-- events referenced=512.
a = region(512, 0x7100)
v = snap()
events(true)
t.is(khugepaged(), 1, "khugepaged() collapses 512 written pages")
events(false)
local d = { thp_collapse_alloc = 1, nr_anon_transparent_hugepages = 1, ["2048kB.nr_anon"] = 1,
	["khugepaged.pages_collapsed"] = 1, ["khugepaged.full_scans"] = 1 }
t.is(delta(v), d, "pages_collapsed +1, full_scans +1, thp_collapse_alloc +1")
t.is(event_list(), {
	{ name = "mm_collapse_huge_page_isolate", none_or_zero = 0, referenced = 512,
	  status = "succeeded" },
	{ name = "mm_collapse_huge_page", isolated = 1, status = "succeeded" },
	{ name = "mm_khugepaged_scan_pmd", referenced = 512, none_or_zero = 0,
	  status = "succeeded", unmapped = 0 },
}, "events: referenced 512")
t.is({ walk(a).huge, bad(a, 512, 0x7100) }, { true, 0 }, "a THP, values intact")
step("khugepaged of 512 pages")
munmap(a, "2M")

-- part100: none_or_zero 412 <= max_ptes_none 511, referenced 100.
a = region(100, 0x7200)
events(true)
t.is(khugepaged(), 1, "100 pages: collapsed")
events(false)
t.is({ events()[3].none_or_zero, events()[3].referenced }, { 412, 100 }, "none_or_zero 412, referenced 100")
t.is({ bad(a, 100, 0x7200), zeros_after(a, 100) }, { 0, 412 }, "values intact, the rest reads 0")
step("khugepaged of 100 pages")
munmap(a, "2M")

-- none0: max_ptes_none 0 stops at the first none PTE: exceed_none_pte,
-- none_or_zero 1, thp_scan_exceed_none_pte +1, full_scans +1.
sysfs(KH .. "max_ptes_none", "0")
a = region(100, 0x7300)
v = snap()
events(true)
local r = khugepaged { explain = true }
events(false)
t.is(r.collapsed, 0, "max_ptes_none 0: not collapsed")
t.is(delta(v), { thp_scan_exceed_none_pte = 1, ["khugepaged.full_scans"] = 1 },
	"thp_scan_exceed_none_pte +1, full_scans +1")
t.is(event_list(), { { name = "mm_khugepaged_scan_pmd", referenced = 100, none_or_zero = 1,
	status = "exceed_none_pte", unmapped = 0 } }, "one event: none_or_zero 1, exceed_none_pte")
t.is({ #r.scans, r.scans[1].result, r.scans[1].why },
	{ 1, "SCAN_EXCEED_NONE_PTE", "pte 100: 1 none or zero-page PTEs > max_ptes_none 0" },
	"explain: SCAN_EXCEED_NONE_PTE at pte 100")
sysfs(KH .. "max_ptes_none", "511")
step("khugepaged with max_ptes_none 0")
munmap(a, "2M")

-- FACTS "khugepaged", free (like "unref", clear_refs): MADV_FREE leaves no
-- PTE young and no page referenced: lack_referenced_page, referenced 0,
-- no counter but full_scans.
a = region(512, 0x7400)
madvise(a, "2M", "free")
v = snap()
r = khugepaged { explain = true }
t.is({ r.collapsed, delta(v) }, { 0, { ["khugepaged.full_scans"] = 1 } }, "lazyfree: not collapsed, no counter")
t.is({ r.scans[1].result, r.scans[1].status, r.scans[1].referenced },
	{ "SCAN_LACK_REFERENCED_PAGE", "lack_referenced_page", 0 }, "lack_referenced_page, referenced 0")
step("khugepaged of lazyfree pages")
munmap(a, "2M")

-- shared: 512 written, fork (the child keeps VM_NOHUGEPAGE), then
-- MADV_HUGEPAGE in the parent: exceed_shared_pte at the 257th shared PTE,
-- referenced 256, thp_scan_exceed_share_pte +1.
a = mmap("2M", { nohuge = true })
mmap("4K", { addr = a - 4096, prot = "none" })
for i = 0, 511 do write(a + i * 4096, 0x7500 ~ i) end
local child = fork()
madvise(a, "2M", "hugepage")
v = snap()
events(true)
r = khugepaged { explain = true }
events(false)
t.is({ r.collapsed, delta(v) }, { 0, { thp_scan_exceed_share_pte = 1, ["khugepaged.full_scans"] = 1 } },
	"shared over fork: not collapsed, thp_scan_exceed_share_pte +1")
t.is(event_list(), { { name = "mm_khugepaged_scan_pmd", referenced = 256, none_or_zero = 0,
	status = "exceed_shared_pte", unmapped = 0 } }, "exceed_shared_pte, referenced 256")
t.like(r.scans[1].why, "^pte 256: more than max_ptes_shared 256", "explain: pte 256")
t.is({ r.scans[2].pid, r.scans[2].result }, { child, "SCAN_VMA_CHECK" },
	"the child joined at fork, its VMA is still VM_NOHUGEPAGE")
step("khugepaged of pages shared over fork")
-- MADV_COLLAPSE has no max_ptes_shared: the parent gets a copy.
t.is(madvise(a, "2M", "collapse"), 0, "MADV_COLLAPSE collapses them anyway")
t.is({ bad(a, 512, 0x7500), read(a + 5 * 4096, { pid = child }) }, { 0, 0x7500 ~ 5 },
	"both processes keep their values")
step("MADV_COLLAPSE of shared pages")
exit(child)
munmap(a, "2M")

-- FACTS "khugepaged", ptethp: collapsed, referenced 512.
a = mmap("2M", { huge = true })
for i = 0, 511 do write(a + i * 4096, 0x7600 ~ i) end
mprotect(a + 4096, "4K", "r")
mprotect(a + 4096, "4K", "rw")
v = snap()
events(true)
t.is(khugepaged(), 1, "PTE-mapped THP: khugepaged collapses it")
events(false)
t.is(delta(v), { thp_collapse_alloc = 1, nr_anon_transparent_hugepages = 1,
	["khugepaged.pages_collapsed"] = 1, ["khugepaged.full_scans"] = 1 }, "2048kB.nr_anon +-0")
t.is({ events()[1].referenced, bad(a, 512, 0x7600) }, { 512, 0 }, "referenced 512, values intact")
step("khugepaged of a PTE-mapped THP")
munmap(a, "2M")

-- pages_to_scan: each PMD range accounts for 512 pages, and a collapse
-- ends the mm's turn; khugepaged(512) makes one THP at a time.
a = region(512, 0x7700)
local b = region(512, 0x7800)
t.is({ khugepaged(512), khugepaged(512), khugepaged(512) }, { 1, 1, 0 }, "pages_to_scan 512: one THP per wake-up")
t.is({ walk(a).huge, walk(b).huge }, { true, true }, "both collapsed")
step("khugepaged with pages_to_scan 512")

-- Who is scanned: a process joins at MADV_HUGEPAGE (or a THP fault), its
-- child at fork, and leaves at exit; a NOHUGEPAGE VMA is skipped.
reset()
t.is(khugepaged { explain = true }.mm_slots, {}, "a fresh machine: nobody on the list")
a = region(10, 0x7900)
child = fork()
r = khugepaged { explain = true }
t.is(r.mm_slots, { 1, child }, "the process and its child")
exit(child)
t.is(khugepaged { explain = true }.mm_slots, { 1 }, "the child left at exit")
b = region(10, 0x7a00, "nohugepage")
r = khugepaged { explain = true }
t.is({ r.scans[1].result, r.scans[1].event, r.scans[1].addr },
	{ "SCAN_VMA_CHECK", false, b }, "a NOHUGEPAGE VMA (the lower one): skipped, no event")
t.like(r.scans[1].why, "VM_NOHUGEPAGE", "...because of VM_NOHUGEPAGE")
step("khugepaged's list")

-- enabled=never: khugepaged has no work (khugepaged_has_work()).
b = region(512, 0x7b00)
sysfs("transparent_hugepage/enabled", "never")
t.is(khugepaged { explain = true }.scans, {}, "enabled=never: nothing scanned")
sysfs("transparent_hugepage/enabled", "always")
t.is(khugepaged(), 1, "enabled=always again: collapsed")
step("khugepaged with enabled=never")

-- Bad input.
t.raises(function() khugepaged(0) end, "pages_to_scan must be", "pages_to_scan 0")
t.raises(function() khugepaged { pages_to_scan = -1 } end, "pages_to_scan must be", "pages_to_scan -1")
step("the bad input")

t.done()
