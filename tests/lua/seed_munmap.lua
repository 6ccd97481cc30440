-- seed_munmap.lua - the first seed end to end, through the commands:
-- a THP write fault, munmap of one 4 KiB page inside it, the deferred
-- split by the shrinker.  Every expected number was measured on the
-- live 6.18 kernel: the comment names the tests/kernel/FACTS.md section.
-- check() runs after every step.
local t = require "thpsh.test"

local function delta(before)
	local now, d = vmstat(), {}
	for k, v in pairs(now) do
		if v ~= before[k] then d[k] = v - before[k] end
	end
	return d
end

local function step(name)
	t.ok(check(), "check() after " .. name)
end

-- A1: a length that is a multiple of 2 MiB is placed 2 MiB aligned;
-- other lengths are not (here: 3M ends up 4K-aligned only).
local a = mmap("4M", { huge = true })
t.is(a % (2 * MB), 0, "a 4M mapping is 2 MiB aligned")
local b = mmap("3M")
t.ok(b % (2 * MB) ~= 0, "a 3M mapping is not")
munmap(b, "3M")
munmap(a, "4M")
step("placement")

-- A2: the write fault
a = mmap("2M", { huge = true })
local v = vmstat()
t.is(fault(a, "w"), "thp", "a write fault maps a THP")
local d = delta(v)
t.is(d.thp_fault_alloc, 1, "thp_fault_alloc +1")
t.is(d.nr_anon_transparent_hugepages, 1, "nr_anon_transparent_hugepages +1")
t.is(d.nr_anon_pages, 512, "nr_anon_pages +512")
t.is(meminfo().AnonHugePages, 2048, "AnonHugePages 2048 kB")
local s = smaps(a)
t.is({ s.Rss, s.Anonymous, s.AnonHugePages }, { 2048, 2048, 2048 }, "smaps Rss, Anonymous, AnonHugePages")
local w = walk(a)
t.ok(w.huge and w.level == "pmd", "the leaf is a PMD")
local f = folio(a)
t.is({ f.order, f.refcount, f.mapcount, f.entire_mapcount }, { 9, 1, 1, 1 },
	"order-9 folio, refcount 1, mapcount 1 (entire)")
t.is(mthp_stats("2048kB").anon_fault_alloc, 1, "2048kB anon_fault_alloc +1")
-- A2: kpageflags of head and tail, kpagecount 1, pagemap present+exclusive
t.is(kpageflags(f.pfn).raw, 0x40040d828, "kpageflags of the head")
t.is(kpageflags(f.pfn + 1).raw, 0x400415828, "kpageflags of a tail")
t.is(kpagecount(f.pfn + 7), 1, "kpagecount 1")
local pm = pagemap(a + 4096)
t.ok(pm.present and pm.exclusive and pm.pfn == f.pfn + 1, "pagemap: present, exclusive, pfn")
step("the THP fault")

for i = 0, 511 do write(a + i * 4096, 1000 + i) end
step("filling it")

-- A5: munmap of one 4 KiB page in the middle
v = vmstat()
munmap(a + 256 * 4096, "4K")
d = delta(v)
t.is(d.thp_split_pmd, 1, "thp_split_pmd +1")
t.is(d.thp_deferred_split_page, 1, "thp_deferred_split_page +1")
t.is(d.nr_anon_transparent_hugepages, -1, "nr_anon_transparent_hugepages -1")
t.is(meminfo().AnonHugePages, 0, "AnonHugePages 0")
t.is(#smaps(), 2, "two VMAs")
local mapped = 0
for i = 0, 511 do
	if walk(a + i * 4096).level == "pte" then mapped = mapped + 1 end
end
t.is(mapped, 511, "511 PTEs left")
f = folio(a)
t.ok(f.partially_mapped and f.deferred, "the folio is partially mapped and queued")
t.is(mthp_stats("2048kB").nr_anon_partially_mapped, 1, "nr_anon_partially_mapped +1")
t.is(#deferred_list(), 1, "one folio on the deferred split queue")
step("munmap of one page")

-- A6: the deferred split shrinker
local hole = f.pfn + 256
v = vmstat()
events(true)
t.is(shrink(), 1, "shrink() splits one folio")
events(false)
d = delta(v)
t.is(d.thp_split_page, 1, "thp_split_page +1")
local ev = events()
t.is(#ev, 1022, "1022 trace events")
local sets, removes = 0, 0
for i, e in ipairs(ev) do
	if i <= 511 and e.name == "set_migration_pte" and e.order == 9 then sets = sets + 1 end
	if i > 511 and e.name == "remove_migration_pte" and e.order == 0 then removes = removes + 1 end
end
t.is({ sets, removes }, { 511, 511 }, "511 set_migration_pte (order 9), then 511 remove (order 0)")
t.is(folio(a).order, 0, "the pages are order 0 now")
t.is(kpagecount(hole), 0, "the unmapped page is free")
-- A6 saw kpageflags 0: the page sat on a per-CPU list or inside a buddy
-- block.  thpsh has no per-CPU lists, so it may be a block head (BUDDY).
t.is(kpageflags(hole).raw & ~(1 << 10), 0, "...with no flags but BUDDY")
t.is(smaps(a).Rss + smaps(a + 257 * 4096).Rss, 2044, "Rss unchanged")
local intact = true
for i = 0, 511 do
	if i ~= 256 and read(a + i * 4096) ~= 1000 + i then intact = false end
end
t.ok(intact, "every other value intact")
step("the deferred split")

t.done()
