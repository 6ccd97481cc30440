-- swap.lua - a swap device: swapon, swapoff, swap(); MADV_PAGEOUT
-- swapping a THP out whole (zram) or split (a swap file), pagemap and
-- smaps of swapped pages, the faults that bring them back (order 0, an
-- mTHP, through the swap cache), munmap, fork, MADV_COLLAPSE and
-- khugepaged over swap PTEs, MADV_FREE, mremap, exit, swapoff, and bad
-- input.  Every kernel figure asserted was measured on the live 6.18
-- kernel (tests/kernel/FACTS.md "Swap", probe sp_swap.c) unless a
-- comment names the kernel source instead.  check() runs after every
-- step, and after every refused command.
local t = require "thpsh.test"

local step = t.step

-- The usual counters, plus the swap ones and the 64kB mTHP stats.
local function more(s)
	local v, m = vmstat(), meminfo()
	for _, k in ipairs { "pswpin", "pswpout", "pgmajfault", "swpin_zero", "swpout_zero",
			     "nr_swapcached" } do
		s[k] = v[k]
	end
	s.SwapFree, s.SwapCached = m.SwapFree, m.SwapCached
	for k, x in pairs(mthp_stats("64kB")) do s["64kB." .. k] = x end
end
local function snap() return t.snap(more) end
local function delta(v) return t.delta(v, more) end

local P = 4096

local function fill(a, n, tag)
	for i = 0, n - 1 do write(a + i * P, tag ~ i) end
end

local function bad(a, n, tag)
	local k = 0
	for i = 0, n - 1 do
		if read(a + i * P) ~= tag ~ i then k = k + 1 end
	end
	return k
end

local function thp(tag)
	local a = mmap("2M", { huge = true })
	fill(a, 512, tag)
	return a
end

local function has(list, x)
	for _, v in ipairs(list) do if v == x then return true end end
	return false
end

-- Do pages [i, i + n) hold consecutive swap offsets from @first?
local function swapped_run(a, i, n, first)
	for k = 0, n - 1 do
		local pm = pagemap(a + (i + k) * P)
		if not pm.swapped or pm.swap_offset ~= first + k then return false end
	end
	return true
end

-- The kind of every entry dump_pagetable shows over [a, a + len).
local function kinds(a, len)
	local out = {}
	local function walk(node)
		if type(node) ~= "table" then return end
		if node.level == "pte" and node.count then out[#out + 1] = node.kind .. "x" .. node.count end
		for _, v in pairs(node) do walk(v) end
	end
	walk(dump_pagetable(a, len))
	table.sort(out)
	return out
end

-- ---- no device -------------------------------------------------------

local s = swap()
t.is({ s.total, s.free, s.cached, #s.entries, s.filename }, { 0, 0, 0, 0, nil },
	"no swap device at boot: swap() is empty")
t.is(tostring(s), "no swap device", "swap() says so")
local m = meminfo()
t.is({ m.SwapTotal, m.SwapFree, m.SwapCached }, { 0, 0, 0 }, "meminfo: no swap")

-- ---- bad input: refused, nothing changed -----------------------------

t.raises(function() swapon(12345) end, "not a multiple of 4K", "swapon of a size not in pages")
t.raises(function() swapon("36K") end, "mkswap needs at least 40K", "swapon below mkswap's minimum")
t.raises(function() swapon("65G") end, "at most 64G", "swapon of an absurd size")
t.raises(function() swapon(-4096) end, "bad argument #1 to 'swapon'", "swapon of a negative size")
t.raises(function() swapon("1G", "disk") end, "invalid option 'disk'", "swapon of an unknown kind")
t.raises(function() swapoff() end, "swapoff: no swap device is on (EINVAL)", "swapoff of nothing")
t.is(swap().total, 0, "still no device")
step("the refused swapons and swapoff")

swapon("1G")
s = swap()
-- FACTS.md "Swap": /proc/swaps "/dev/zram0 partition 1048572 0 -2"; SwapTotal the same.
t.is({ s.filename, s.type, s.size, s.used, s.priority, s.total, s.free },
	{ "/dev/zram0", "partition", 1048572, 0, -2, 1048572, 1048572 },
	"swapon(\"1G\"): /proc/swaps and SwapTotal of a 1 GiB zram device")
t.raises(function() swapon("1G") end, "EBUSY", "a second swapon")
t.is(swap().total, 1048572, "the first device stays")
step("swapon, and a second one refused")

-- ---- zram: MADV_PAGEOUT of a whole THP goes out whole ----------------

-- FACTS.md "Swap", zram, "MADV_PAGEOUT of a whole THP".
local a = thp(0x5000)
local v = snap()
madvise(a, "2M", "pageout")
t.is(delta(v), { thp_split_pmd = 1, thp_swpout = 1, ["2048kB.swpout"] = 1, pswpout = 512,
	["2048kB.nr_anon"] = -1, nr_anon_transparent_hugepages = -1, SwapFree = -2048 },
	"pageout of a THP: thp_swpout +1, pswpout +512, no split of the folio")
s = smaps(a)
t.is({ s.Rss, s.AnonHugePages, s.Swap, s.SwapPss }, { 0, 0, 2048, 2048 }, "smaps Rss 0, Swap 2048")
local pm = pagemap(a)
t.is({ pm.raw, pm.swapped, pm.present, pm.exclusive, pm.swap_type, pm.swap_offset },
	{ 0x4000000000004000, true, false, false, 0, 512 },
	"pagemap of page 0: swapped, type 0, offset 512 (the first free cluster), not exclusive")
t.ok(swapped_run(a, 0, 512, 512), "pages 0..511 at offsets 512..1023")
t.is(swap().entries, { { offset = 512, nr = 512, count = 1, zero = false } },
	"swap(): one run of 512 slots, one PTE each")
t.is(kinds(a, "2M"), { "swapx512" }, "dump_pagetable: one run of 512 swap entries")
t.like(dump_pagetable { addr = a, len = "2M", format = "dot" }, "swap slot 0x200",
	"the DOT drawing shows the slots")
t.ok(has(walk(a).flags, "exclusive"), "the swap PTE of an exclusive page is exclusive")
t.is({ walk(a).swap_offset, walk(a).pte }, { 512, 0x07fffffffffbfe08 },
	"walk: offset 512, stored inverted in bits 58..9, exclusive in bit 3")
t.raises(function() folio(a) end, "is swapped out (swap offset 0x200)", "folio() of a swapped-out page")
step("pageout of a THP to zram")

-- FACTS.md "Swap", zram, "Read fault on page 3".
v = snap()
t.is(fault(a + 3 * P), "swapin", "a read of page 3 swaps it in")
t.is(delta(v), { pswpin = 1, pgmajfault = 1, SwapFree = 4 }, "pswpin +1, pgmajfault +1, SwapFree +4")
local f = folio(a + 3 * P)
t.is({ f.order, has(f.flags, "swapcache"), has(f.flags, "active"), pagemap(a + 3 * P).exclusive },
	{ 0, false, true, true }, "an order-0 page, active, not in the swap cache, exclusive")
t.is({ pagemap(a + 2 * P).swap_offset, pagemap(a + 4 * P).swap_offset }, { 514, 516 },
	"pages 2 and 4 stay swapped")
s = smaps(a)
t.is({ s.Rss, s.Swap, s.Private_Clean, s.Private_Dirty }, { 4, 2044, 4, 0 },
	"smaps Rss 4, Swap 2044, the page clean")
t.is(read(a + 3 * P), 0x5000 ~ 3, "page 3 reads its value")
step("the read fault")
v = snap()
t.is(bad(a, 512, 0x5000), 0, "every value reads back")
t.is(delta(v), { pswpin = 511, pgmajfault = 511, SwapFree = 2044 }, "the other 511 come back")
s = smaps(a)
t.is({ s.Rss, s.AnonHugePages, s.Swap, s.Private_Clean }, { 2048, 0, 0, 2048 },
	"512 clean 4K pages, nothing swapped")
step("reading every page back")
v = snap()
munmap(a, "2M")
t.is(delta(v).SwapFree, nil, "munmap of the swapped-in pages: SwapFree unchanged")
step("munmap")

-- FACTS.md "Swap", zram, "Write fault on page 3".
a = thp(0x5100)
madvise(a, "2M", "pageout")
v = snap()
write(a + 3 * P, 0x5100 ~ 3)
t.is(delta(v), { pswpin = 1, pgmajfault = 1, SwapFree = 4 }, "a write fault: pswpin +1, SwapFree +4")
s = smaps(a)
t.is({ s.Rss, s.Private_Dirty, s.Swap }, { 4, 4, 2044 }, "smaps: the page is dirty")
t.is(walk(a + 3 * P).flags[1], "present", "mapped again")
t.ok(has(walk(a + 3 * P).flags, "rw"), "writable: the page is ours alone")
t.is(bad(a, 512, 0x5100), 0, "values intact")
step("the write fault")
munmap(a, "2M")

-- FACTS.md "Swap", zram, "munmap of swapped-out ranges".
a = thp(0x5200)
madvise(a, "2M", "pageout")
v = snap()
munmap(a, "1M")
t.is(delta(v), { SwapFree = 1024 }, "munmap of the first 1 MiB frees 256 slots")
v = snap()
munmap(a + MB, "1M")
t.is(delta(v), { SwapFree = 1024 }, "and of the second")
t.is(#swap().entries, 0, "no slot in use")
step("munmap of swapped-out ranges")

-- FACTS.md "Swap", zram, "MADV_PAGEOUT of the first 1 MiB of a THP".
a = thp(0x5300)
v = snap()
madvise(a, "1M", "pageout")
t.is(delta(v), { thp_split_pmd = 1, thp_split_page = 1, ["2048kB.split"] = 1, pswpout = 256,
	["2048kB.nr_anon"] = -1, nr_anon_transparent_hugepages = -1, SwapFree = -1024 },
	"pageout of half a THP: split first, 256 4K pages out")
t.ok(swapped_run(a, 0, 256, 1), "offsets 1..256")
s = smaps(a)
t.is({ s.Rss, s.Swap, s.Private_Dirty }, { 1024, 1024, 1024 }, "smaps Rss 1024, Swap 1024")
t.is(bad(a, 512, 0x5300), 0, "values intact")
step("pageout of half a THP")
munmap(a, "2M")

-- ---- fork ------------------------------------------------------------

-- FACTS.md "Swap", zram, "fork with 512 pages swapped out".  Simplification:
-- thpsh reads no readahead, where the live kernel read 8 pages (swap_ra +7).
a = thp(0x5400)
madvise(a, "2M", "pageout")
v = snap()
local c = fork()
t.is(delta(v), {}, "fork moves no counter")
local off = pagemap(a + 3 * P).swap_offset
t.is({ pagemap(a + 3 * P, { pid = c }).swap_offset, pagemap(a + 3 * P, { pid = c }).exclusive,
	walk(a + 3 * P).flags[2] }, { off, false, nil },
	"the child holds the same entry; the parent's is not exclusive any more")
s = smaps(a)
t.is({ s.Swap, s.SwapPss }, { 2048, 1024 }, "smaps Swap 2048, SwapPss 1024: each slot shared")
t.is(swap().entries[1].count, 2, "two PTEs hold each slot")
step("fork with swapped-out pages")
proc(c)
v = snap()
t.is(fault(a + 3 * P), "swapin", "the child's read swaps page 3 in")
t.is(delta(v), { pswpin = 1, pgmajfault = 1, nr_swapcached = 1, SwapCached = 4 },
	"through the swap cache: the entry is shared")
local cpfn = pagemap(a + 3 * P).pfn
t.is({ has(folio(a + 3 * P).flags, "swapcache"), kpagecount(cpfn) }, { true, 1 },
	"the child's page is in the swap cache")
step("the child's read")
proc(1)
v = snap()
t.is(fault(a + 3 * P), "swapcache", "the parent's read finds it in the swap cache")
t.is(delta(v), {}, "a minor fault: nothing read")
t.is({ pagemap(a + 3 * P).pfn, kpagecount(cpfn), pagemap(a + 3 * P).exclusive },
	{ cpfn, 2, false }, "the same page, mapped twice, not exclusive")
t.is({ smaps(a).Swap, smaps(a).SwapPss, smaps(a, { pid = c }).Swap }, { 2044, 1022, 2044 },
	"smaps Swap 2044, SwapPss 1022 on both sides")
step("the parent's read")
proc(c)
v = snap()
t.is(fault(a + 5 * P, "w"), "cow", "the child's write copies the cached page")
t.is(delta(v), { pswpin = 1, pgmajfault = 1, nr_swapcached = 1, SwapCached = 4 },
	"read into the swap cache first (live: read ahead already, swap_ra_hit +1)")
local p5 = pagemap(a + 5 * P).pfn
t.is({ kpagecount(p5), has(folio(a + 5 * P).flags, "swapcache") }, { 1, false },
	"a new page of the child's own")
t.is(bad(a, 512, 0x5400), 0, "the child's values intact")
step("the child's write")
proc(1)
t.is(bad(a, 512, 0x5400), 0, "the parent's values intact")
exit(c)
step("the child's exit")
v = snap()
munmap(a, "2M")
t.is({ swap().free, swap().cached, #swap().entries }, { 1048572, 0, 0 },
	"munmap in the parent: every slot and cached page freed")
step("munmap after fork")

-- ---- mTHP swap-in ----------------------------------------------------

-- FACTS.md "Swap", zram, "mTHP swap-in".
sysfs("transparent_hugepage/hugepages-64kB/enabled", "always")
a = thp(0x5500)
madvise(a, "2M", "pageout")
v = snap()
t.is(fault(a + 3 * P), "swapin-64K", "a read of page 3 brings pages 0..15 back as one 64K folio")
t.is(delta(v), { ["64kB.swpin"] = 1, ["64kB.nr_anon"] = 1, pswpin = 16, pgmajfault = 1,
	SwapFree = 64 }, "64kB.swpin +1, pswpin +16")
t.is({ folio(a).order, folio(a + 15 * P).pfn, pagemap(a + 16 * P).swapped },
	{ 4, folio(a).pfn, true }, "pages 0..15 one order-4 folio; page 16 still swapped")
t.is(bad(a, 512, 0x5500), 0, "values intact")
step("64K swap-in of a THP")
munmap(a, "2M")
-- A 64K mTHP of its own, in the 64K-aligned middle of a 128K mapping.
local r = mmap("128K")
local q = (r + 0xffff) & ~0xffff
fill(q, 16, 0x5580)
t.is(folio(q).order, 4, "a 64K mTHP")
v = snap()
madvise(q, "64K", "pageout")
t.is(delta(v), { ["64kB.swpout"] = 1, ["64kB.nr_anon"] = -1, pswpout = 16, SwapFree = -64 },
	"pageout of a 64K mTHP: 64kB.swpout +1, pswpout +16")
off = pagemap(q).swap_offset
t.ok(off % 16 == 0 and swapped_run(q, 0, 16, off), "16 consecutive offsets, 64K-aligned")
v = snap()
t.is(fault(q + 3 * P), "swapin-64K", "read back whole")
t.is(delta(v), { ["64kB.swpin"] = 1, ["64kB.nr_anon"] = 1, pswpin = 16, pgmajfault = 1,
	SwapFree = 64 }, "64kB.swpin +1, pswpin +16")
t.is(bad(q, 16, 0x5580), 0, "values intact")
step("64K mTHP out and in")
munmap(r, "128K")
sysfs("transparent_hugepage/hugepages-64kB/enabled", "never")

-- ---- a zero-filled THP: nothing written ------------------------------

-- FACTS.md "Swap", zram, "A THP whose pages are all zero".
a = mmap("2M", { huge = true })
fault(a, "w")
v = snap()
madvise(a, "2M", "pageout")
t.is(delta(v), { thp_split_pmd = 1, swpout_zero = 512, ["2048kB.nr_anon"] = -1,
	nr_anon_transparent_hugepages = -1, SwapFree = -2048 },
	"pageout of an all-zero THP: swpout_zero +512, no thp_swpout, no pswpout")
t.is(swap().entries[1].zero, true, "its slots are in the zeromap")
v = snap()
t.is(read(a + 3 * P), 0, "page 3 reads 0")
t.is(delta(v), { swpin_zero = 1, pgmajfault = 1, SwapFree = 4 }, "swpin_zero +1, no pswpin")
step("a zero-filled THP")
munmap(a, "2M")

-- ---- MADV_COLLAPSE and khugepaged over swap PTEs ---------------------

-- FACTS.md "Swap", zram, "MADV_COLLAPSE over swap PTEs".
a = thp(0x5600)
madvise(a, "2M", "pageout")
read(a + 3 * P)
v = snap()
local rc = madvise(a, "2M", "collapse")
t.is(rc, 0, "MADV_COLLAPSE succeeds")
t.is(delta(v), { pswpin = 511, pgmajfault = 511, SwapFree = 2044, thp_collapse_alloc = 1,
	nr_anon_transparent_hugepages = 1, ["2048kB.nr_anon"] = 1 },
	"the 511 swapped pages come back first, then the collapse")
s = smaps(a)
t.is({ s.AnonHugePages, s.Swap }, { 2048, 0 }, "a PMD THP again")
t.is(bad(a, 512, 0x5600), 0, "values intact")
step("MADV_COLLAPSE over swap PTEs")
munmap(a, "2M")

-- FACTS.md "Swap", zram, "khugepaged over swap PTEs": 32 swapped collapse.
local function pte_mapped(tag)
	local b = mmap("2M", { nohuge = true })
	fill(b, 512, tag)
	return b
end
local function named(evs, name)
	local out = {}
	for _, e in ipairs(evs) do if e.name == name then out[#out + 1] = e end end
	return out
end
a = pte_mapped(0x5700)
v = snap()
madvise(a, "128K", "pageout")
t.is(delta(v), { pswpout = 32, SwapFree = -128 }, "32 4K pages paged out")
madvise(a, "2M", "hugepage")
events(true)
v = snap()
t.is(khugepaged(), 1, "khugepaged collapses the range")
events(false)
t.is(delta(v), { pswpin = 32, pgmajfault = 32, SwapFree = 128, thp_collapse_alloc = 1,
	nr_anon_transparent_hugepages = 1, ["2048kB.nr_anon"] = 1 },
	"after swapping the 32 in")
local e = named(events(), "mm_collapse_huge_page_swapin")[1]
t.is({ e and e.swapped_in, e and e.referenced, e and e.ret }, { 32, 480, 1 },
	"mm_collapse_huge_page_swapin: swapped_in=32, referenced=480, ret=1")
e = named(events(), "mm_khugepaged_scan_pmd")[1]
t.is({ e and e.status, e and e.unmapped, e and e.referenced }, { "succeeded", 32, 480 },
	"mm_khugepaged_scan_pmd: succeeded, unmapped=32, referenced=480")
t.is(bad(a, 512, 0x5700), 0, "values intact")
step("khugepaged over 32 swap PTEs")
munmap(a, "2M")

-- ... 100 swapped: more than max_ptes_swap (64) refuse it.
a = pte_mapped(0x5800)
madvise(a, "400K", "pageout")
madvise(a, "2M", "hugepage")
events(true)
v = snap()
local r = khugepaged({ explain = true })
events(false)
t.is(r.collapsed, 0, "no collapse")
t.is(delta(v), { thp_scan_exceed_swap_pte = 1 }, "thp_scan_exceed_swap_pte +1, nothing swapped in")
e = named(events(), "mm_khugepaged_scan_pmd")[1]
t.is({ e and e.status, e and e.unmapped, e and e.referenced, e and e.scan_pfn },
	{ "exceed_swap_pte", 65, 0, -1 },
	"mm_khugepaged_scan_pmd: exceed_swap_pte, unmapped=65 (max_ptes_swap + 1), referenced=0")
local found
for _, sc in ipairs(r.scans) do
	if sc.addr == a then found = sc end
end
t.is(found and found.result, "SCAN_EXCEED_SWAP_PTE", "explain: SCAN_EXCEED_SWAP_PTE")
t.like(found and found.why or "", "swap PTEs > max_ptes_swap 64", "explain says why")
t.is(bad(a, 512, 0x5800), 0, "values intact")
step("khugepaged refusing 100 swap PTEs")
munmap(a, "2M")

-- ---- what else meets swap PTEs ---------------------------------------

-- MADV_FREE drops swapped-out pages at once (madvise_free_pte_range:
-- free_swap_and_cache_nr on every swap entry), so they read 0.
a = thp(0x5900)
madvise(a, "2M", "pageout")
v = snap()
madvise(a, "1M", "free")
t.is(delta(v), { SwapFree = 1024 }, "MADV_FREE of 256 swapped pages frees their slots")
t.is({ read(a), read(a + MB) }, { 0, 0x5900 ~ 256 }, "the freed pages read 0, the rest their values")
step("MADV_FREE over swap PTEs")
munmap(a, "2M")

-- mremap moves swap PTEs as they are (move_ptes); the values follow.
a = thp(0x5a00)
madvise(a, "2M", "pageout")
local b = mremap(a, "2M", "4M")
t.is({ pagemap(b).swapped, pagemap(b + 511 * P).swapped, smaps(b).Swap },
	{ true, true, 2048 }, "mremap: the swap entries moved")
step("mremap of swapped-out pages")
t.is(bad(b, 512, 0x5a00), 0, "values intact at the new address")
step("reading them at the new address")
munmap(b, "4M")

-- A process's exit frees its slots (zap_nonpresent_ptes).
c = fork()
proc(c)
a = thp(0x5b00)
madvise(a, "2M", "pageout")
proc(1)
t.is(swap().free, 1048572 - 2048, "the child's THP is swapped out")
exit(c)
t.is(swap().free, 1048572, "its exit frees the slots")
step("exit with swapped-out pages")

-- A pin faults the page back in.
a = thp(0x5c00)
madvise(a, "2M", "pageout")
t.is(pin(a), 1, "pin of a swapped-out page")
t.is({ pagemap(a).present, page(a).refcount }, { true, 1025 }, "swapped in and pinned")
unpin(a)
step("pin of a swapped-out page")
munmap(a, "2M")

-- Shmem pages go to swap through shmem_writeout (tests/lua/swap_shmem.lua
-- has the rest; FACTS.md "shmem swap"): no swap entry in the page table.
local sh = mmap("2M", { shared = true })
write(sh, 1)
madvise(sh, "2M", "pageout")
t.is({ pagemap(sh).present, pagemap(sh).swap or false, smaps(sh).Swap }, { false, false, 4 },
	"pageout of shared memory with swap on: unmapped, its page on swap")
t.is(read(sh), 1, "read back")
step("shmem pageout")
munmap(sh, "2M")

-- ---- swapoff ---------------------------------------------------------

-- FACTS.md "Swap", zram, "swapoff with a THP's 512 pages swapped out".
a = thp(0x5d00)
madvise(a, "2M", "pageout")
v = snap()
swapoff()
t.is(delta(v), { pswpin = 512, SwapFree = -1046524 }, "swapoff: pswpin +512, the device goes")
s = smaps(a)
t.is({ s.Rss, s.AnonHugePages, s.Swap, s.Private_Dirty }, { 2048, 0, 2048 - 2048, 2048 },
	"512 dirty 4K pages, nothing swapped")
t.is({ folio(a).order, has(folio(a).flags, "dirty"), pagemap(a).exclusive }, { 0, true, true },
	"order 0, dirty, exclusive")
t.is({ swap().total, meminfo().SwapTotal }, { 0, 0 }, "no device left")
t.is(bad(a, 512, 0x5d00), 0, "values intact")
step("swapoff")
munmap(a, "2M")

-- swapoff must fit the pages back: refused when memory.max cannot take them.
swapon("64M")
memcg("s", { max = "4M" })
memcg_attach("s", 1)
a = thp(0x5e00)
madvise(a, "2M", "pageout")
local other = mmap("3M")
touch(other, "3M", "w")
t.raises(function() swapoff() end, "ENOMEM", "swapoff when the memcg cannot take the pages")
t.is({ swap().total, smaps(a).Swap }, { 65532, 2048 }, "nothing changed")
step("the refused swapoff")
munmap(other, "3M")
swapoff()
t.is(bad(a, 512, 0x5e00), 0, "swapoff once there is room: values intact")
step("swapoff after the memcg has room")
munmap(a, "2M")

-- A device too small for a THP: fallback to 4K pages, as many as fit.
swapon("1M")
a = thp(0x5f00)
v = snap()
madvise(a, "2M", "pageout")
t.is(delta(v), { thp_split_pmd = 1, thp_split_page = 1, thp_swpout_fallback = 1,
	["2048kB.swpout_fallback"] = 1, ["2048kB.split"] = 1, ["2048kB.nr_anon"] = -1,
	nr_anon_transparent_hugepages = -1, pswpout = 255, SwapFree = -1020 },
	"no cluster for a THP: split, the 255 slots filled, the other pages stay")
t.is({ smaps(a).Swap, smaps(a).Rss }, { 1020, 1028 }, "1020 kB swapped, 1028 kB in memory")
t.is(bad(a, 512, 0x5f00), 0, "values intact")
step("a THP on a full device")
munmap(a, "2M")
swapoff()

-- ---- a swap file -----------------------------------------------------

-- FACTS.md "Swap", the file.  SwapCached is exact here (the live
-- kernel showed +2000 kB for 512 pages through its per-CPU counters).
swapon("1G", "file")
t.is({ swap().filename, swap().type }, { "/swapfile", "file" }, "a swap file")
a = thp(0x6000)
v = snap()
madvise(a, "2M", "pageout")
t.is(delta(v), { thp_split_pmd = 1, thp_split_page = 1, thp_swpout_fallback = 1,
	["2048kB.swpout_fallback"] = 1, ["2048kB.split"] = 1, ["2048kB.nr_anon"] = -1,
	nr_anon_transparent_hugepages = -1, pswpout = 512, SwapFree = -2048,
	nr_swapcached = 512, SwapCached = 2048 },
	"pageout to a file: no large entries, split; the pages stay in the swap cache")
t.is(smaps(a).Swap, 2048, "all 512 swapped")
v = snap()
t.is(fault(a + 3 * P), "swapcache", "a read maps the cached page")
t.is(delta(v), {}, "a minor fault")
t.is({ has(folio(a + 3 * P).flags, "swapcache"), pagemap(a + 3 * P).exclusive }, { true, true },
	"still in the swap cache, exclusive")
v = snap()
write(a + 4 * P, 0x6000 ~ 4)
t.is(delta(v), { SwapFree = 4, nr_swapcached = -1, SwapCached = -4 },
	"a write fault drops the page from the swap cache")
step("pageout to a swap file and the faults")
v = snap()
munmap(a, "2M")
t.is({ swap().cached, swap().free }, { 0, 1048572 }, "munmap: cache and slots freed")
step("munmap on a swap file")
a = mmap("2M", { huge = true })
fault(a, "w")
v = snap()
madvise(a, "2M", "pageout")
t.is({ delta(v).pswpout, delta(v).thp_swpout_fallback, page(a + 5 * P).zero }, { nil, 1, true },
	"an all-zero THP on a file: split to the shared zero page, nothing swapped")
step("an all-zero THP on a swap file")
munmap(a, "2M")
a = thp(0x6100)
madvise(a, "2M", "pageout")
v = snap()
t.is(madvise(a, "2M", "collapse"), 0, "MADV_COLLAPSE over cached swap PTEs")
t.is({ delta(v).pswpin, delta(v).SwapCached, delta(v).SwapFree }, { nil, -2048, 2048 },
	"no pswpin: the pages were cached")
t.is(bad(a, 512, 0x6100), 0, "values intact")
step("MADV_COLLAPSE on a swap file")
madvise(a, "2M", "pageout")
v = snap()
swapoff()
t.is({ delta(v).pswpin, meminfo().SwapCached }, { nil, 0 }, "swapoff of a file: nothing to read")
t.is(bad(a, 512, 0x6100), 0, "values intact")
step("swapoff of a swap file")
munmap(a, "2M")

-- reset() comes without swap.
swapon("8M")
reset()
t.is(swap().total, 0, "reset: no swap device")
step("reset")

t.done()
