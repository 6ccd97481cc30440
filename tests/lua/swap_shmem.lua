-- swap_shmem.lua - shmem and swap: MADV_PAGEOUT of shared anonymous
-- memory, of tmpfs files (4K pages and THPs) and of a private tmpfs
-- mapping, the faults that read the pages back (a THP whole from zram),
-- smaps and meminfo, clean pages, pageout without swap, truncation and
-- hole punching of swapped pages, swapoff, MADV_COLLAPSE and khugepaged
-- over them, a swap file, and bad input.  Every kernel figure asserted
-- was measured on the live 6.18 kernel (tests/kernel/FACTS.md "shmem
-- swap", probe sp_shmem_swap.c) unless a comment names the kernel
-- source instead.  check() runs after every step.
local t = require "thpsh.test"

local step = t.step
local P = 4096

local function more(s)
	local v, m = vmstat(), meminfo()
	for _, k in ipairs { "pswpin", "pswpout", "pgmajfault", "swpin_zero", "swpout_zero",
			     "nr_swapcached", "nr_shmem_hugepages", "nr_shmem_pmdmapped" } do
		s[k] = v[k]
	end
	s.SwapFree, s.Shmem, s.ShmemPmdMapped = m.SwapFree, m.Shmem, m.ShmemPmdMapped
end
local function snap() return t.snap(more) end
local function delta(v) return t.delta(v, more) end

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

local function sm(a, ...)
	local s, r = smaps(a), {}
	for i, k in ipairs { ... } do r[i] = s[k] end
	return r
end

local function cached(path)
	local n = 0
	for _, f in ipairs(pagecache(path)) do n = n + 2 ^ f.order end
	return math.tointeger(n)
end

swapon("1G")
tmpfs("/t", "huge=never")
tmpfs("/h", "huge=always")

-- ---- shared anonymous memory, 4K pages ---------------------------------

-- FACTS.md "shmem swap", anon4k.
local a = mmap(64 * P, { shared = true })
fill(a, 64, 0x6100)
local v = snap()
madvise(a, 64 * P, "pageout")
t.is(delta(v), { pswpout = 64, SwapFree = -256, Shmem = -256 },
	"pageout of 64 shared anonymous pages: pswpout +64")
t.is(sm(a, "Rss", "Swap", "SwapPss"), { 0, 256, 0 }, "smaps: Rss 0, Swap 256, SwapPss 0")
t.is({ pagemap(a + 3 * P).present, pagemap(a + 3 * P).swapped or false }, { false, false },
	"no swap entry in the page table: the PTE is just gone")
step("pageout of shared anonymous pages")

v = snap()
t.is(read(a + 3 * P), 0x6100 ~ 3, "page 3 reads its value back")
t.is(delta(v), { pswpin = 1, pgmajfault = 1, SwapFree = 4, Shmem = 4 },
	"its fault: pswpin +1, pgmajfault +1, one page (no readahead from zram)")
t.is(sm(a, "Rss", "Swap"), { 4, 252 }, "smaps: Rss 4, Swap 252")
t.is(pagemap(a + 2 * P).present, false, "page 2 stays out")
step("read one page back")
v = snap()
t.is(bad(a, 64, 0x6100), 0, "every value back")
t.is(delta(v), { pswpin = 63, pgmajfault = 63, SwapFree = 252, Shmem = 252 }, "63 more faults")
t.is(sm(a, "Rss", "Swap"), { 256, 0 }, "smaps: all back")
step("read all back")
munmap(a, 64 * P)
t.is(swap().free, swap().total, "nothing left on swap")
step("munmap")

-- ---- shmem THPs --------------------------------------------------------

-- FACTS.md "shmem swap", anonthp: whole out, whole back.
sysfs("transparent_hugepage/shmem_enabled", "always")
a = mmap("2M", { shared = true })
fill(a, 512, 0x6200)
t.is(folio(a).order, 9, "a shared anonymous THP")
v = snap()
madvise(a, "2M", "pageout")
t.is(delta(v), { thp_split_pmd = 1, thp_swpout = 1, ["2048kB.swpout"] = 1, pswpout = 512,
		 nr_shmem_hugepages = -1, nr_shmem_pmdmapped = -1, ShmemPmdMapped = -2048,
		 SwapFree = -2048, Shmem = -2048 },
	"pageout: the PMD zapped (thp_split_pmd), the THP swapped whole (thp_swpout)")
t.is(sm(a, "Rss", "Swap", "SwapPss"), { 0, 2048, 0 }, "smaps: Swap 2048")
step("pageout of a shared anonymous THP")
v = snap()
t.is(read(a + 3 * P), 0x6200 ~ 3, "page 3 reads back")
t.is(delta(v), { ["2048kB.swpin"] = 1, pswpin = 512, pgmajfault = 1, thp_file_mapped = 1,
		 nr_shmem_hugepages = 1, nr_shmem_pmdmapped = 1, ShmemPmdMapped = 2048,
		 SwapFree = 2048, Shmem = 2048 },
	"one fault reads the THP back whole and maps it by PMD")
t.is({ folio(a).order, walk(a).level }, { 9, "pmd" }, "order 9, a PMD")
t.is(bad(a, 512, 0x6200), 0, "values intact")
step("read a swapped THP back")
munmap(a, "2M")
sysfs("transparent_hugepage/shmem_enabled", "never")

-- FACTS.md "shmem swap", tmpfsthp: the same on a huge=always tmpfs; truncate frees the slots.
a = mmap("2M", { file = "/h/f", shared = true })
fill(a, 512, 0x6300)
v = snap()
madvise(a, "2M", "pageout")
t.is({ delta(v).thp_swpout, delta(v).pswpout, sm(a, "Swap")[1] }, { 1, 512, 2048 },
	"tmpfs THP: thp_swpout +1, pswpout +512")
step("pageout of a tmpfs THP")
t.is(read(a + 3 * P), 0x6300 ~ 3, "read back")
t.is(folio(a).order, 9, "whole")
madvise(a, "2M", "pageout")
v = snap()
truncate("/h/f", 0)
t.is(delta(v), { SwapFree = 2048 }, "truncate to 0 frees the 512 slots")
step("truncate of a swapped THP")
munmap(a, "2M")

-- Kernel source (shmem_undo_range, shmem_free_swap): a swapped THP is
-- freed only whole; truncation into its middle reads it back whole
-- (shmem_get_partial_folio) and splits it, dropping the pages past EOF.
a = mmap("2M", { file = "/h/half", shared = true })
fill(a, 512, 0x6e00)
madvise(a, "2M", "pageout")
v = snap()
truncate("/h/half", "1M")
local dd = delta(v)
t.is({ dd.pswpin, dd.SwapFree, dd["2048kB.swpin"] }, { 512, 2048, 1 },
	"truncate to 1M: the THP read back whole, all its slots free")
t.is({ smaps(a).Swap, bad(a, 256, 0x6e00) }, { 0, 0 }, "the first half reads back")
step("truncate into a swapped THP")
munmap(a, "2M")

-- ---- truncation and hole punching --------------------------------------

-- FACTS.md "shmem swap", truncate.
a = mmap(16 * P, { file = "/t/k", shared = true })
fill(a, 16, 0x6400)
madvise(a, 16 * P, "pageout")
v = snap()
madvise(a + 2 * P, 2 * P, "remove")
t.is(delta(v), { SwapFree = 8 }, "punching 2 swapped pages frees their slots")
step("hole punch over swapped pages")
v = snap()
truncate("/t/k", 8 * P)
t.is(delta(v), { SwapFree = 32 }, "truncate to 8 pages frees the 8 past it")
t.is(sm(a, "Swap"), { 24 }, "smaps: the 6 left")
step("truncate over swapped pages")
t.is({ read(a + 5 * P), read(a + 2 * P) }, { 0x6400 ~ 5, 0 }, "page 5 reads back, page 2 reads 0")
step("read after truncate")
munmap(a, 16 * P)
truncate("/t/k", 0)

-- ---- swapoff -------------------------------------------------------------

-- FACTS.md "shmem swap", swapoff: the pages come back into the cache, unmapped.
a = mmap(16 * P, { file = "/t/s", shared = true })
fill(a, 16, 0x6500)
madvise(a, 16 * P, "pageout")
v = snap()
swapoff()
t.is({ delta(v).pswpin, sm(a, "Rss")[1], cached("/t/s") }, { 16, 0, 16 },
	"swapoff: pswpin +16, back in the page cache, not mapped")
step("swapoff with shmem pages out")
t.is(bad(a, 16, 0x6500), 0, "values intact")
munmap(a, 16 * P)
swapon("1G")

-- ---- clean pages, and no swap --------------------------------------------

-- FACTS.md "shmem swap", clean: pages only read hold zeros; reclaim drops them.
a = mmap(16 * P, { shared = true })
for i = 0, 15 do read(a + i * P) end
v = snap()
madvise(a, 16 * P, "pageout")
t.is(delta(v), { Shmem = -64 }, "clean pages: nothing written, they leave the cache")
t.is(sm(a, "Rss", "Swap"), { 0, 0 }, "unmapped, not on swap")
t.is(read(a), 0, "reads 0 again")
step("pageout of clean shmem pages")
munmap(a, 16 * P)

-- FACTS.md "shmem swap", noswap: unmapped, kept in the cache; a THP is not split.
swapoff()
a = mmap(16 * P, { file = "/t/n", shared = true })
fill(a, 16, 0x6900)
madvise(a, 16 * P, "pageout")
t.is({ sm(a, "Rss")[1], cached("/t/n") }, { 0, 16 }, "no swap: unmapped, still cached")
t.is(bad(a, 16, 0x6900), 0, "values intact")
munmap(a, 16 * P)
a = mmap("2M", { file = "/h/n", shared = true })
fill(a, 512, 0x6a00)
v = snap()
madvise(a, "2M", "pageout")
t.is(delta(v), { thp_split_pmd = 1, nr_shmem_pmdmapped = -1, ShmemPmdMapped = -2048 },
	"no swap: a THP's PMD is zapped, nothing else")
t.is(pagecache("/h/n")[1].order, 9, "the THP stays whole in the cache")
step("pageout of shmem without swap")
t.is(bad(a, 512, 0x6a00), 0, "values intact")
munmap(a, "2M")
swapon("1G")

-- ---- a private tmpfs mapping ---------------------------------------------

-- FACTS.md "shmem swap", private: the copies swap like anonymous memory,
-- the file's pages through shmem_writeout.
local s = mmap(8 * P, { file = "/t/p", shared = true })
fill(s, 8, 0x6800)
munmap(s, 8 * P)
a = mmap(8 * P, { file = "/t/p" })
t.is(bad(a, 8, 0x6800), 0, "mapped privately, read")
for i = 0, 3 do write(a + i * P, 0x6800 ~ i ~ 0xc0) end
v = snap()
madvise(a, 8 * P, "pageout")
t.is({ delta(v).pswpout, delta(v).SwapFree }, { 8, -32 }, "pswpout +8: 4 copies, 4 cache pages")
t.is(sm(a, "Rss", "Swap", "SwapPss"), { 0, 32, 16 },
	"smaps: Swap 32, SwapPss 16 (the copies' swap PTEs only)")
t.is({ pagemap(a + P).swapped, pagemap(a + 6 * P).swapped or false }, { true, false },
	"a copy has a swap PTE, a file page none")
step("pageout of a private tmpfs mapping")
v = snap()
for i = 0, 7 do
	t.is(read(a + i * P), 0x6800 ~ i ~ (i < 4 and 0xc0 or 0), "page " .. i .. " reads back")
end
t.is({ delta(v).pswpin, delta(v).pgmajfault }, { 8, 8 }, "pswpin +8, pgmajfault +8")
step("read the private mapping back")
munmap(a, 8 * P)

-- ---- collapse ------------------------------------------------------------

-- FACTS.md "shmem swap", collapse: MADV_COLLAPSE reads swapped pages back.
a = mmap("2M", { file = "/t/c", shared = true, addr = 0x7f0000000000 })
fill(a, 512, 0x6600)
madvise(a, 32 * P, "pageout")
t.is(sm(a, "Rss", "Swap"), { 1920, 128 }, "32 pages on swap")
v = snap()
t.is(madvise(a, "2M", "collapse"), 0, "MADV_COLLAPSE succeeds")
local d = delta(v)
t.is({ d.pswpin, d.thp_collapse_alloc, d.ShmemPmdMapped, d.SwapFree }, { 32, 1, 2048, 128 },
	"pswpin +32, a THP mapped by PMD, the slots free")
t.is(bad(a, 512, 0x6600), 0, "values intact")
step("MADV_COLLAPSE over swapped shmem pages")
munmap(a, "2M")

-- FACTS.md "shmem swap", khuge32 / khuge100: max_ptes_swap (64) for khugepaged.
local function khuge(path, nswap)
	local b = mmap("2M", { file = path, shared = true, nohuge = true })
	fill(b, 512, 0x6700)
	madvise(b, nswap * P, "pageout")
	madvise(b, "2M", "hugepage")
	return b
end
a = khuge("/h/k32", 32)
v = snap()
t.is(khugepaged(), 1, "32 pages on swap: khugepaged collapses")
d = delta(v)
t.is({ d.pswpin, d.nr_shmem_hugepages, sm(a, "Rss")[1] }, { 32, 1, 0 },
	"pswpin +32, a THP in the cache, the page tables retracted")
t.is(bad(a, 512, 0x6700), 0, "values intact")
step("khugepaged over 32 swapped pages")
munmap(a, "2M")
a = khuge("/h/k100", 100)
v = snap()
local r = khugepaged({ explain = true })
t.is(r.collapsed, 0, "100 pages on swap: no collapse")
t.is({ delta(v).thp_scan_exceed_swap_pte, delta(v).pswpin, sm(a, "Swap")[1] }, { 1, nil, 400 },
	"thp_scan_exceed_swap_pte +1, nothing read back")
t.like(r.scans[#r.scans].why, "on swap > max_ptes_swap 64", "the reason in words")
step("khugepaged over 100 swapped pages")
munmap(a, "2M")

-- ---- shared with another process ------------------------------------------

-- Kernel source (madvise_cold_or_pageout_pte_range): a folio another
-- process maps too is left alone.
a = mmap(4 * P, { file = "/t/f2", shared = true })
fill(a, 4, 0x6b00)
local child = fork()
touch(a, 4 * P, "r", { pid = child })
v = snap()
madvise(a, 4 * P, "pageout")
t.is({ delta(v).pswpout, sm(a, "Rss")[1] }, { nil, 16 }, "mapped by two processes: stays")
step("pageout of shmem another process maps")
exit(child)
munmap(a, 4 * P)

-- ---- a swap file ----------------------------------------------------------

-- Kernel source (shmem_writeout, cluster_alloc_swap_entry): a swap file
-- takes no large entries, so a THP is split first (thp_swpout_fallback);
-- the write is still in flight, so the folios wait in the swap cache, and
-- a fault takes them from there.
swapoff()
swapon("16M", "file")
a = mmap("2M", { file = "/h/sf", shared = true })
fill(a, 512, 0x6c00)
v = snap()
madvise(a, "2M", "pageout")
d = delta(v)
t.is({ d.thp_swpout_fallback, d.pswpout, d.nr_swapcached, sm(a, "Swap")[1] }, { 1, 512, 512, 2048 },
	"swap file: split, 512 pages written, all in the swap cache")
step("pageout of a THP to a swap file")
v = snap()
t.is(read(a + 3 * P), 0x6c00 ~ 3, "read back from the swap cache")
t.is({ delta(v).pswpin, delta(v).nr_swapcached }, { nil, -1 }, "nothing read: it was cached")
t.is(bad(a, 512, 0x6c00), 0, "values intact")
step("read back from the swap cache")
madvise(a, "2M", "pageout")
truncate("/h/sf", 0)
t.is({ swap().free, vmstat("nr_swapcached") }, { swap().total, 0 }, "truncate frees slots and cache")
step("truncate of pages in the swap cache")
munmap(a, "2M")

-- ---- bad input --------------------------------------------------------------

a = mmap(4 * P, { shared = true })
fill(a, 4, 0x6d00)
v = snap()
t.raises(function() madvise(a, 8 * P, "pageout") end, "madvise", "pageout past the mapping: an error")
t.is(delta(v), {}, "nothing changed")
t.is(sm(a, "Rss"), { 16 }, "still mapped")
step("the refused pageout")
munmap(a, 4 * P)

t.done()
