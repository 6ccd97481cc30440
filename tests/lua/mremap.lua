-- mremap.lua - moving and resizing a THP mapping with mremap(): a whole
-- aligned PMD moves as it is (move_huge_pmd), anything else splits the
-- PMD first; growing and shrinking in place.  Every expected number was
-- measured on the live 6.18 kernel (tests/kernel/FACTS.md, "mremap of a
-- PMD-mapped THP"); values are checked after every move, and check()
-- after every step.
local t = require "thpsh.test"

local snap, delta, step = t.snap, t.delta, t.step

local function fill(a, tag)
	for i = 0, 511 do write(a + i * 4096, tag ~ i) end
end

local function bad(a, tag, from, to)
	local n = 0
	for i = from or 0, to or 511 do
		if read(a + (i - (from or 0)) * 4096) ~= tag ~ i then n = n + 1 end
	end
	return n
end

-- A free range of @len (mapped, then unmapped).
local function hole(len)
	local h = mmap(len)
	munmap(h, len)
	return h
end

-- Move all 2 MiB to a 2 MiB aligned destination: no counter, same THP.
local a = mmap("2M", { huge = true })
fill(a, 0x7100)
local head = pagemap(a).pfn
local dst = hole("4M")
dst = dst + (-dst) % (2 * MB)
local v = snap()
local b = mremap(a, "2M", "2M", dst)
t.is(b, dst, "moved to the aligned address asked for")
t.is(delta(v), {}, "aligned move: no counter moves")
t.is({ smaps(b).AnonHugePages, pagemap(b).pfn, walk(b).level }, { 2048, head, "pmd" },
	"still the same PMD-mapped THP")
t.is(bad(b, 0x7100), 0, "values intact")
t.raises(function() read(a) end, "SIGSEGV", "the old range is gone")
step("the aligned move")

-- ... to 2 MiB + 4 KiB: the PMD is split, the folio is not.
dst = hole("6M")
dst = dst + (-dst) % (2 * MB) + 4096
v = snap()
local c = mremap(b, "2M", "2M", dst)
t.is(delta(v), { thp_split_pmd = 1, nr_anon_transparent_hugepages = -1 },
	"unaligned move: thp_split_pmd +1, nr_anon_transparent_hugepages -1, no deferred split")
t.is({ folio(c).order, pagemap(c).pfn, pagemap(c + 511 * 4096).pfn }, { 9, head, head + 511 },
	"the same order-9 folio, same pfns")
t.is(bad(c, 0x7100), 0, "values intact")
step("the unaligned move")
munmap(c, "2M")

-- Move the first 1 MiB to an aligned destination.
a = mmap("2M", { huge = true })
fill(a, 0x7200)
head = pagemap(a).pfn
dst = hole("4M")
dst = dst + (-dst) % (2 * MB)
v = snap()
b = mremap(a, "1M", "1M", dst)
t.is(delta(v), { thp_split_pmd = 1, nr_anon_transparent_hugepages = -1 },
	"half move: thp_split_pmd +1, nr_anon_transparent_hugepages -1")
t.is({ pagemap(b).pfn, pagemap(a + MB).pfn }, { head, head + 256 },
	"the head is in the new VMA, the other half stays")
t.is({ bad(b, 0x7200, 0, 255), bad(a + MB, 0x7200, 256, 511) }, { 0, 0 }, "values intact")
t.is(folio(b).partially_mapped, false, "every page still mapped: not partially mapped")
v = snap()
shrink()
t.is(delta(v), {}, "drop_caches: nothing to split")
step("the half move")
munmap(b, "1M")
munmap(a + MB, "1M")

-- Grow in place 2 -> 4 MiB (room behind it).
a = mmap("4M", { huge = true })
munmap(a + 2 * MB, "2M")
fill(a, 0x7300)
v = snap()
t.is(mremap(a, "2M", "4M"), a, "grown in place: the same address")
t.is(delta(v), {}, "growing: no counter moves")
t.is({ smaps(a).Size, smaps(a).AnonHugePages }, { 4096, 2048 }, "one VMA of 4 MiB, one THP")
v = snap()
t.is(fault(a + 3 * MB, "w"), "thp", "a write in the new half")
t.is(delta(v).thp_fault_alloc, 1, "... faults a new THP")
t.is(smaps(a).AnonHugePages, 4096, "AnonHugePages 4096")
t.is(bad(a, 0x7300), 0, "values intact")
step("growing in place")
munmap(a, "4M")

-- Shrink in place by 4 KiB: as munmap of the last page.
a = mmap("2M", { huge = true })
fill(a, 0x7400)
v = snap()
t.is(mremap(a, "2M", 2 * MB - 4096), a, "shrunk in place")
t.is(delta(v), { thp_split_pmd = 1, thp_deferred_split_page = 1,
	nr_anon_transparent_hugepages = -1, ["2048kB.split_deferred"] = 1,
	["2048kB.nr_anon_partially_mapped"] = 1 }, "shrinking: the same as munmap of the tail")
v = snap()
shrink()
t.is(delta(v), { thp_split_page = 1, ["2048kB.split"] = 1, ["2048kB.nr_anon"] = -1,
	["2048kB.nr_anon_partially_mapped"] = -1 }, "drop_caches splits it")
t.is(bad(a, 0x7400, 0, 510), 0, "values intact")
step("shrinking in place")
munmap(a, "2M")

-- Growing with no room behind: the mapping moves (MREMAP_MAYMOVE).
a = mmap("2M", { huge = true })
fill(a, 0x7500)
local fence = mmap("4K", { addr = a + 2 * MB })
b = mremap(a, "2M", "4M")
t.ok(b ~= a and b % (2 * MB) == 0, "moved to a new 2 MiB aligned place")
t.is({ bad(b, 0x7500), walk(b).level }, { 0, "pmd" }, "the THP moved whole")
step("the move to grow")
munmap(b, "4M")
munmap(fence, "4K")

-- A fork child's mapping moves; the rmap still finds the shared folio.
a = mmap("2M", { huge = true })
fill(a, 0x7600)
local child = fork()
dst = hole("6M")
dst = dst + (-dst) % (2 * MB) + 8192
b = mremap(a, "2M", "2M", dst, { pid = child })
t.is(folio(b, { pid = child }).mapcount, 1 + 512, "the parent's PMD and the child's 512 PTEs")
step("a move in the child")
munmap(a + 4096, 4096)
munmap(b + 4096, 4096, { pid = child })
t.is(shrink(), 1, "a split reaches both processes' mappings")
t.is(bad(a + 0, 0x7600, 0, 0), 0, "the parent's page 0 intact")
step("the split after the move")
exit(child)
munmap(a, "2M")

-- Bad input: an error naming the command, nothing changed.
a = mmap("2M", { huge = true })
fault(a, "w")
v = snap()
t.raises(function() mremap(a + 1, "2M", "2M") end, "not page aligned", "unaligned address")
-- oldlen 0 duplicates only a shared mapping (check_prep_vma: EINVAL)
t.raises(function() mremap(a, 0, "2M") end, "oldlen 0 maps a shared mapping again",
	"old length 0 of a private mapping")
t.raises(function() mremap(a, "2M", 0) end, "mremap: length is 0", "new length 0")
t.raises(function() mremap(a, "4M", "4M") end, "not inside one mapping", "beyond the mapping")
t.raises(function() mremap(a, "2M", "2M", a + MB) end, "overlaps", "overlapping move")
t.raises(function() mremap(a, "2M", "2M", a + 3) end, "not page aligned", "unaligned destination")
t.raises(function() mremap(0x1000, "4K", "8K") end, "not inside one mapping", "unmapped address")
t.is({ delta(v), walk(a).level }, { {}, "pmd" }, "nothing changed")
step("the bad input")

t.done()
