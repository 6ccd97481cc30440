-- lazyfree.lua - MADV_FREE and what reclaim does with it: the per-CPU
-- lru_lazyfree batch (31 small folios, a reference each, drained by the
-- next "free", "pageout" or "collapse" and by khugepaged, not by munmap,
-- mprotect, mremap, dontneed, faults, fork or exit), and MADV_PAGEOUT
-- discarding lazily freed memory (a THP by its PTEs after a PMD split,
-- small folios, a PTE-mapped THP, 64K mTHPs) or keeping what was written
-- again, with and without a swap device.  Every figure asserted was
-- measured on the live 6.18 kernel (tests/kernel/FACTS.md "MADV_FREE"
-- and "MADV_FREE then MADV_PAGEOUT", probe sp_lazyfree.c) unless a
-- comment names the kernel source instead.  check() runs after every
-- step: it counts the batch's references and holds every value that
-- was written after the free to what it was.
local t = require "thpsh.test"

local step = t.step
local P = 4096

local function more(s)
	local v = vmstat()
	for _, k in ipairs { "pglazyfree", "pglazyfreed", "pswpout" } do s[k] = v[k] end
	for k, x in pairs(mthp_stats("64kB")) do s["64kB." .. k] = x end
end
local function snap() return t.snap(more) end
local function delta(v) return t.delta(v, more) end

local function fill(a, n, tag)
	for i = 0, n - 1 do write(a + i * P, tag ~ i) end
end

-- How many of n pages read their value, and how many read 0.
local function values(a, n, tag)
	local same, zero = 0, 0
	for i = 0, n - 1 do
		local x = read(a + i * P)
		if x == tag ~ i then same = same + 1 elseif x == 0 then zero = zero + 1 end
	end
	return { same, zero }
end

local function has(list, x)
	for _, v in ipairs(list) do if v == x then return true end end
	return false
end

local function flags(addr) return kpageflags(page(addr).pfn).flags end

local function thp(tag)
	local a = mmap("2M", { huge = true })
	fill(a, 512, tag)
	return a
end

-- ---- the lru_lazyfree batch ----

-- "MADV_FREE": of the first 1 MiB the 256 pieces go through the batch:
-- 248 marked when madvise returns, 8 still waiting.
local a = thp(0x100)
local v = snap()
madvise(a, "1M", "free")
local d = delta(v)
t.is({ d.pglazyfree, smaps(a).LazyFree }, { 248, 992 }, "free of 1 MiB: pglazyfree +248, LazyFree 992")
t.is({ folio(a + 255 * P).refcount, has(flags(a + 255 * P), "SWAPBACKED"), has(flags(a + 255 * P), "LRU") },
	{ 2, true, true }, "a waiting piece: refcount 2 (mapping + batch), still SWAPBACKED and LRU")
t.is({ folio(a).refcount, has(flags(a), "SWAPBACKED") }, { 1, false }, "a moved piece: refcount 1, not SWAPBACKED")
step("free of 1 MiB, 8 pieces waiting")
munmap(a, "2M")

local b, c
-- Drain cases: 40 small folios freed, 31 move, 9 wait; which commands drain.
local drains = {
	{ "munmap elsewhere", false, function(b) munmap(b + 63 * P, P) end },
	{ "mprotect elsewhere", false, function(b) mprotect(b + 62 * P, P, "r") end },
	{ "mremap elsewhere", false, function(b) mremap(b + 61 * P, P, 2 * P) end },
	{ "dontneed elsewhere", false, function(b) madvise(b + 60 * P, P, "dontneed") end },
	{ "a fault elsewhere", false, function(b) fault(b + 100 * P, "w") end },
	{ "a write to a waiting page", false, function(b) write(b + 35 * P, 0x235) end },
	{ "fork and the child's exit", false, function() exit(fork()) end },
	{ "free elsewhere", true, function(b) madvise(b + 50 * P, P, "free") end },
	{ "pageout elsewhere", true, function(b) madvise(b + 51 * P, P, "pageout") end },
	-- kernel source: madvise_collapse and khugepaged_do_scan call lru_add_drain_all()
	{ "collapse", true, function()
		local c = thp(0x250)
		madvise(c, "2M", "collapse")
		munmap(c, "2M")
	end },
	{ "khugepaged", true, function() khugepaged() end },
}
for _, c in ipairs(drains) do
	local name, drained, op = c[1], c[2], c[3]
	madvise(mmap("4K"), P, "free")	-- drain what an earlier case left
	local b = mmap("2M", { nohuge = true })
	fill(b, 64, 0x200)
	v = snap()
	madvise(b, 40 * P, "free")
	t.is({ delta(v).pglazyfree, smaps(b).LazyFree }, { 31, 124 }, name .. ": the free marks 31")
	v = snap()
	op(b)
	t.is((delta(v).pglazyfree or 0) >= 9, drained, name .. (drained and ": drains" or ": does not drain"))
	step(name)
	munmap(b, "2M")
end

-- munmap and exit do not drain: a waiting folio they unmap is held by the
-- batch alone, and the next drain frees it (counted lazyfree all the same).
b = mmap("2M", { nohuge = true })
fill(b, 40, 0x280)
madvise(b, 40 * P, "free")
munmap(b, "2M")
step("munmap of waiting pages")
-- One CPU, one batch: another process's free drains them (the live
-- kernel: +521 for a THP freed after a child left 9).
c = fork()
proc(c)
b = mmap("2M", { nohuge = true })
fill(b, 40, 0x290)
v = snap()
madvise(b, 40 * P, "free")
t.is(delta(v).pglazyfree, 40, "a child's free drains the 9 unmapped ones and marks 31")
proc(1)
exit(c)
step("exit of a process with waiting pages")
v = snap()
madvise(mmap("4K"), P, "free")
t.is(delta(v).pglazyfree, 9, "the parent's next free drains the child's 9")
step("the drain that frees them")

-- "a write to a waiting page" above: the page is written again before it
-- is marked; the drain makes it lazyfree anyway, and smaps and reclaim
-- see its dirty PTE (below: written pages stay).

-- Kernel source (wp_can_reuse_anon_folio): the batch's reference makes a
-- write-protected page look shared, so a write copies it.
b = mmap("4K")
write(b, 0x300)
exit(fork())
madvise(b, P, "free")
t.is({ fault(b, "w"), read(b) }, { "cow", 0x300 }, "write fault on a waiting page: copied, value kept")
step("copy of a waiting page")
madvise(mmap("4K"), P, "free")
step("the old page freed by the drain")
munmap(b, P)

-- ---- MADV_PAGEOUT of lazyfree memory ----

-- A whole clean THP: PMD split, folio discarded through its PTEs, pages read 0.
for _, touch in ipairs { "none", "read" } do
	a = thp(0x400)
	madvise(a, "2M", "free")
	if touch == "read" then read(a + 5 * P) end
	v = snap()
	madvise(a, "2M", "pageout")
	t.is(delta(v), { thp_split_pmd = 1, nr_anon_transparent_hugepages = -1, ["2048kB.nr_anon"] = -1,
		pglazyfreed = 512 }, "pageout of a freed THP (" .. touch .. "): split PMD, 512 discarded")
	t.is({ smaps(a).Rss, pagemap(a + 5 * P).present }, { 0, false }, "nothing mapped")
	step("pageout of a freed THP, " .. touch)
	t.is(values(a, 512, 0x400), { 0, 512 }, "every page reads 0")
	munmap(a, "2M")
end

-- Written again: swap-backed again, kept whole behind PTEs; no swap: a
-- second pageout splits it (swpout_fallback); with swap it goes out whole.
for _, dev in ipairs { "none", "zram" } do
	if dev == "zram" then swapon("64M") end
	a = thp(0x500)
	madvise(a, "2M", "free")
	write(a + 5 * P, 0x500 ~ 5)
	v = snap()
	madvise(a, "2M", "pageout")
	t.is(delta(v), { thp_split_pmd = 1, nr_anon_transparent_hugepages = -1 },
		dev .. ": written again: only the PMD split")
	local f = flags(a)
	t.is({ folio(a).order, smaps(a).Private_Dirty, has(f, "SWAPBACKED"), has(f, "DIRTY"), has(f, "ACTIVE") },
		{ 9, 2048, true, true, true }, dev .. ": the THP stays, dirty, swap-backed, active")
	step(dev .. ": pageout of a THP written after free")
	v = snap()
	madvise(a, "2M", "pageout")
	d = delta(v)
	if dev == "none" then
		t.is({ d.thp_split_page, d.thp_swpout_fallback, smaps(a).Rss }, { 1, 1, 2048 },
			"no swap: the second pageout splits it, nothing goes")
	else
		t.is({ d.thp_swpout, d.pswpout, smaps(a).Swap }, { 1, 512, 2048 },
			"zram: the second pageout swaps it out whole")
	end
	step(dev .. ": second pageout")
	t.is(values(a, 512, 0x500), { 512, 0 }, dev .. ": values intact")
	munmap(a, "2M")
	if dev == "zram" then swapoff() end
end

-- Part of a THP: the first 1 MiB freed (split at once), one page written
-- again; pageout drains the 8 waiting pieces first; the rest of the THP
-- was never freed: no swap keeps it, zram swaps it out.
for _, dev in ipairs { "none", "zram" } do
	if dev == "zram" then swapon("64M") end
	a = thp(0x600)
	madvise(a, "1M", "free")
	write(a + 5 * P, 0x600 ~ 5)
	v = snap()
	madvise(a, "2M", "pageout")
	d = delta(v)
	t.is({ d.pglazyfree, d.pglazyfreed, d.pswpout or 0 }, { 8, 255, dev == "zram" and 256 or 0 },
		dev .. ": 8 drained, 255 discarded, the written one stays")
	t.ok(has(flags(a + 5 * P), "SWAPBACKED") and has(flags(a + 5 * P), "ACTIVE"),
		dev .. ": the written page is swap-backed and active again")
	step(dev .. ": pageout after a partial free")
	t.is(values(a, 512, 0x600), { 257, 255 }, dev .. ": 255 read 0, the rest their values")
	munmap(a, "2M")
	if dev == "zram" then swapoff() end
end

-- One page: it waits in the batch; pageout drains and discards it.
a = thp(0x700)
madvise(a + 3 * P, P, "free")
v = snap()
madvise(a + 3 * P, P, "pageout")
d = delta(v)
t.is({ d.pglazyfree, d.pglazyfreed, smaps(a).Rss }, { 1, 1, 2044 }, "one page: drained, discarded")
step("pageout of one freed page")
t.is({ read(a + 2 * P), read(a + 3 * P) }, { 0x700 ~ 2, 0 }, "it reads 0, its neighbour its value")
munmap(a, "2M")

-- Small folios: 496 marked by the free, 16 drained by pageout; one
-- written in between stays.
for _, written in ipairs { false, true } do
	a = mmap("2M", { nohuge = true })
	fill(a, 512, 0x800)
	v = snap()
	madvise(a, "2M", "free")
	t.is(delta(v).pglazyfree, 496, "free of 512 small folios: 496 marked")
	if written then write(a + 5 * P, 0x800 ~ 5) end
	v = snap()
	madvise(a, "2M", "pageout")
	d = delta(v)
	t.is({ d.pglazyfree, d.pglazyfreed, smaps(a).Rss }, { 16, written and 511 or 512, written and 4 or 0 },
		"pageout of small folios" .. (written and ", one written again" or ""))
	step("pageout of small folios")
	t.is(values(a, 512, 0x800), { written and 1 or 0, written and 511 or 512 }, "what reads 0")
	munmap(a, "2M")
end

-- A THP mapped by PTEs: discarded whole in one batch, no PMD to split.
a = thp(0x900)
mprotect(a, P, "r")
mprotect(a, P, "rw")
madvise(a, "2M", "free")
v = snap()
madvise(a, "2M", "pageout")
t.is(delta(v), { ["2048kB.nr_anon"] = -1, pglazyfreed = 512 }, "PTE-mapped THP: discarded whole")
step("pageout of a freed PTE-mapped THP")
munmap(a, "2M")

-- 64K mTHPs (THP madvise mode, hugepages-64kB always): each discarded whole.
sysfs("transparent_hugepage/enabled", "madvise")
sysfs("transparent_hugepage/hugepages-64kB/enabled", "always")
a = mmap("2M")
fill(a, 512, 0xa00)
madvise(a, "2M", "free")
v = snap()
madvise(a, "2M", "pageout")
t.is(delta(v), { ["64kB.nr_anon"] = -32, pglazyfreed = 512 }, "32 64K mTHPs: discarded")
step("pageout of freed mTHPs")
munmap(a, "2M")
sysfs("transparent_hugepage/hugepages-64kB/enabled", "never")
sysfs("transparent_hugepage/enabled", "always")

-- Kernel source (try_to_unmap_one, "Additional reference"): a pinned
-- lazyfree page is not discarded; its PTE comes back, it stays lazyfree.
a = mmap("2M", { nohuge = true })
fill(a, 4, 0xb00)
madvise(a, 4 * P, "free")
pin(a + P)
v = snap()
madvise(a, 4 * P, "pageout")
t.is({ delta(v).pglazyfreed, read(a + P), smaps(a).LazyFree }, { 3, 0xb00 ~ 1, 4 },
	"a pinned page stays, lazyfree; the others go")
step("pageout of a pinned lazyfree page")
unpin(a + P)
munmap(a, "2M")

-- FACTS.md "madvise on a THP shared over fork": a freed THP the child
-- maps too is left alone by pageout; the child then frees nothing.
a = thp(0xc00)
madvise(a, "2M", "free")
c = fork()
v = snap()
madvise(a, "2M", "pageout")
t.is(delta(v), {}, "pageout of a freed THP a child maps too: nothing")
step("pageout of a shared freed THP")
exit(c)
t.is(values(a, 512, 0xc00), { 512, 0 }, "values intact")
munmap(a, "2M")

t.done()
