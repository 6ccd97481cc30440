-- split.lua - the ways a THP gets split (the second seed): the debugfs
-- split_huge_pages file, split to a new order, the deferred split
-- shrinker's nr_to_scan, and the thp_underused shrinker.  Expected
-- numbers are measured on the live 6.18 kernel (tests/kernel/FACTS.md,
-- section named) or read in mm/huge_memory.c where the live machine
-- refuses the experiment (writes to debugfs split_huge_pages are).
local t = require "thpsh.test"

local function thp(values)
	local a = mmap("2M", { huge = true })
	fault(a, "w")
	for i = 0, 511 do
		if values == nil or values[i] then write(a + i * 4096, i + 1) end
	end
	return a
end

local function counters(names)
	local v, r = vmstat(), {}
	for _, n in ipairs(names) do r[n] = v[n] end
	return r
end

local function delta(before)
	local now, d = vmstat(), {}
	for k, v in pairs(before) do d[k] = now[k] - v end
	return d
end

-- debugfs split_huge_pages, "PID,0xSTART,0xEND": a PMD-mapped THP is
-- split by unmap_folio -> split_huge_pmd_locked(freeze) and then cut
-- (mm/huge_memory.c: THP_SPLIT_PMD in __split_huge_pmd_locked,
-- THP_SPLIT_PAGE in __folio_split; A10 measured the same pair for a
-- shrinker split of a PMD-mapped THP).
local a = thp()
local before = counters { "thp_split_pmd", "thp_split_page" }
local n, err, stats = split_huge_pages(string.format("1,0x%x,0x%x", a, a + 2 * MB))
t.is(err, "OK", "split_huge_pages accepts the PID form")
t.is(n, #string.format("1,0x%x,0x%x", a, a + 2 * MB), "and returns the bytes written")
t.is(delta(before), { thp_split_pmd = 1, thp_split_page = 1 }, "thp_split_pmd and thp_split_page +1")
t.is({ stats.split, stats.total }, { 1, 1 }, "one THP walked and split")
t.is(folio(a + 4096).order, 0, "its pages are order 0")
t.is(read(a + 100 * 4096), 101, "values kept")
t.ok(check(), "check() after split_huge_pages")
munmap(a, "2M")

-- The kernel's sscanf rules: "0x" is required, a bad form is -EINVAL;
-- but "1,..." that stops matching after the 1 means "split everything".
t.is(select(2, split_huge_pages("2,100,200")), "EINVAL", "split_huge_pages wants 0x addresses")
t.is(select(2, split_huge_pages("1,100,200")), "OK", "a lone pid 1 splits every THP")
t.is(select(2, split_huge_pages("99,0x0,0x1000")), "ESRCH", "an unknown pid is -ESRCH")
t.is(select(2, split_huge_pages("/tmp/x,0x0,0x10")), "EINVAL", "no such file: -EINVAL")

-- NEW_ORDER: a split to order 4 leaves 32 order-4 folios.
a = thp()
n, err = split_huge_pages(string.format("1,0x%x,0x%x,4", a, a + 2 * MB))
local orders = {}
for i = 0, 511, 16 do orders[#orders + 1] = folio(a + i * 4096).order end
t.is(#orders, 32, "32 pieces")
t.ok(select("#", table.unpack(orders)) == 32 and orders[1] == 4 and orders[32] == 4,
	"each of order 4")
t.is(mthp_stats("64kB").nr_anon, 32, "64kB nr_anon counts them")
t.is(split_folio(a, 1), -22, "order 1 is refused for anonymous folios (EINVAL)")
t.is({ split_folio(a, 0) }, { 0, "OK" }, "an order-4 folio splits further to 0")
t.ok(check(), "check() after the splits to order 4 and 0")
munmap(a, "2M")

-- nr_to_scan: deferred_split_scan stops after that many queue entries.
local addrs = {}
for i = 1, 3 do
	addrs[i] = thp()
	munmap(addrs[i] + 4096, 4096)
end
t.is(#deferred_list(), 3, "three partially mapped folios queued")
t.is(shrink(1), 1, "shrink(1) splits one")
t.is(#deferred_list(), 2, "two stay queued")
t.is(shrink(), 2, "shrink() splits the rest")
t.ok(check(), "check() after the shrinks")
for i = 1, 3 do munmap(addrs[i], "2M") end

-- A10: thp_underused.  At the default max_ptes_none=511 nothing splits.
local function underused_case(values)
	local x = thp(values)
	local b = counters { "thp_underused_split_page", "thp_split_page", "thp_split_pmd" }
	events(true)
	shrink()
	events(false)
	local d, removes = delta(b), 0
	for _, e in ipairs(events()) do
		if e.name == "remove_migration_pte" then removes = removes + 1 end
	end
	local rss = smaps(x).Rss
	local intact = true
	for i = 0, 511 do
		local want = (values == nil or values[i]) and i + 1 or 0
		if read(x + i * 4096) ~= want then intact = false end
	end
	t.ok(check(), "check() after the underused case")
	munmap(x, "2M")
	return d, removes, rss, intact
end

local one, many, more = { [100] = true }, {}, {}
for i = 0, 101 do many[i] = true end
for i = 0, 102 do more[i] = true end

local d = underused_case({})
t.is(d.thp_underused_split_page, 0, "max_ptes_none 511: an all-zero THP is kept")

sysfs("transparent_hugepage/khugepaged/max_ptes_none", 409)
local removes, rss, intact
d, removes, rss, intact = underused_case({})
t.is(d, { thp_underused_split_page = 1, thp_split_page = 1, thp_split_pmd = 1 },
	"409: all zero -> split (underused, split_page, split_pmd +1)")
t.is({ removes, rss, intact }, { 0, 0, true }, "no remove_migration_pte, Rss 0, values kept")
d, removes, rss, intact = underused_case(one)
t.is(d.thp_underused_split_page, 1, "409: one nonzero page -> split")
t.is({ removes, rss, intact }, { 1, 4, true }, "one remove_migration_pte, Rss 4 kB")
d, removes, rss, intact = underused_case(many)
t.is(d.thp_underused_split_page, 1, "409: 102 nonzero pages -> split")
t.is({ removes, rss, intact }, { 102, 408, true }, "102 remove_migration_pte, Rss 408 kB")
d = underused_case(more)
t.is(d.thp_underused_split_page, 0, "409: 103 nonzero pages -> kept")
sysfs("transparent_hugepage/shrink_underused", 0)
d = underused_case({})
t.is(d.thp_underused_split_page, 0, "shrink_underused 0: kept")
t.is(#deferred_list(), 0, "and never queued")
t.done()
