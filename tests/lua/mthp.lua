-- mthp.lua - anonymous multi-size THPs (hugepages-<size>kB/enabled):
-- which order a fault picks, the per-size stats, partial munmap and the
-- deferred split of a PTE-mapped large folio.  Facts measured on the
-- live 6.18 kernel: tests/kernel/FACTS.md "mTHP, anonymous".
local t = require "thpsh.test"

-- The live machine runs THP in madvise mode; so does this test.
sysfs("transparent_hugepage/enabled", "madvise")
sysfs("transparent_hugepage/hugepages-64kB/enabled", "always")
t.like(sysfs("transparent_hugepage/hugepages-64kB/enabled"), "%[always%]", "64kB is always")

local function stat(size, name) return mthp_stats(size)[name] end

-- A region fenced by PROT_NONE so that it cannot merge, placed as the probe
-- sp_mthp.c places it: at a 2 MiB boundary, plus @odd bytes so that its
-- start is aligned to @odd but not to 2 * @odd.
local function fenced(len, odd, opts)
	local base = mmap("4M", { prot = "none" }) -- 4M: 2 MiB aligned
	opts = opts or {}
	opts.addr = base + 2 * MB + odd
	return mmap(len, opts)
end

-- A 2 MiB region without MADV_HUGEPAGE: each write maps a 64K folio.
local a = mmap("2M")
t.is(fault(a, "w"), "mthp-64K", "a write fault maps a 64K folio")
t.is(fault(a + 100 * KB, "w"), "mthp-64K", "and another at +100K")
t.is(stat("64kB", "anon_fault_alloc"), 2, "64kB anon_fault_alloc +2")
t.is(stat("64kB", "nr_anon"), 2, "64kB nr_anon 2")
t.is(vmstat("thp_fault_alloc"), 0, "no thp_* counter moves")
t.is(walk(a + 15 * 4096).level, "pte", "16 pages are mapped by PTEs")
t.ok(not pagemap(a + 32 * 4096).present, "page 32 is not present")
local f = folio(a)
t.is({ f.order, f.nr_pages, f.mapcount }, { 4, 16, 16 }, "order 4, 16 pages, 16 PTE mappings")
local kpf = kpageflags(f.pfn + 3).flags
t.ok(table.concat(kpf, " "):find("COMPOUND_TAIL") and table.concat(kpf, " "):find("THP"),
	"kpageflags: compound tail and THP")
t.is({ smaps(a).Rss, smaps(a).AnonHugePages }, { 128, 0 }, "Rss 128 kB, AnonHugePages 0")
t.ok(check(), "check() after the mTHP faults")

-- MADV_HUGEPAGE on a 2 MiB region: 2048kB inherits madvise, order 9 wins.
local b = mmap("2M", { huge = true })
t.is(fault(b, "w"), "thp", "MADV_HUGEPAGE on 2 MiB: a PMD THP")
-- ...on 256 KiB (no PMD fits): 64K.
local c = fenced(256 * KB, 0, { huge = true })
t.is(fault(c, "w"), "mthp-64K", "MADV_HUGEPAGE on 256K: a 64K folio")

-- munmap one page of the first 64K folio: deferred, but only per size.
for i = 0, 15 do write(a + i * 4096, 0) end
write(a, 7)
local deferred = vmstat("thp_deferred_split_page")
munmap(a + 5 * 4096, 4096)
t.is(stat("64kB", "split_deferred"), 1, "64kB split_deferred +1")
t.is(stat("64kB", "nr_anon_partially_mapped"), 1, "64kB nr_anon_partially_mapped +1")
t.is(vmstat("thp_deferred_split_page"), deferred, "no thp_deferred_split_page (PMD order only)")
t.ok(folio(a).partially_mapped, "the folio is partially mapped")
t.ok(check(), "check() after the partial munmap")

-- The shrinker splits it; never-written pages go to the shared zero page.
local split_page = vmstat("thp_split_page")
t.is(shrink(), 1, "shrink() splits it")
t.is(stat("64kB", "split"), 1, "64kB split +1")
t.is(stat("64kB", "nr_anon_partially_mapped"), 0, "nr_anon_partially_mapped -1")
t.is(vmstat("thp_split_page"), split_page, "no thp_split_page (PMD order only)")
t.is({ folio(a).order, read(a) }, { 0, 7 }, "page 0 is a plain page, value kept")
local zero = 0
for i = 1, 15 do
	if i ~= 5 and page(a + i * 4096).zero then zero = zero + 1 end
end
t.is(zero, 14, "the 14 other pages map the shared zero page")
t.is(folio(a + 100 * KB).order, 4, "the second 64K folio is untouched")
t.ok(check(), "check() after the split")

-- Small VMAs: the highest enabled order whose aligned block fits.
sysfs("transparent_hugepage/hugepages-16kB/enabled", "always")
sysfs("transparent_hugepage/hugepages-32kB/enabled", "always")
local r32 = fenced(32 * KB, 0)
t.is(fault(r32, "w"), "mthp-32K", "a 32K region, 32K aligned: 32K")
local r16 = fenced(48 * KB, 16 * KB)
t.is(fault(r16, "w"), "mthp-16K", "48K, 16K- but not 32K-aligned: 16K")
local r8 = fenced(24 * KB, 8 * KB)
t.is(fault(r8, "w"), "pte", "24K, 8K- but not 16K-aligned: order 0")
t.ok(check(), "check() after the small regions")
t.ok(not pcall(sysfs, "transparent_hugepage/hugepages-8kB/enabled"), "no anonymous order 1")
t.done()
