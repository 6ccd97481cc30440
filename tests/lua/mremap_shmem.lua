-- mremap_shmem.lua - mremap of shmem mappings: shared tmpfs files (a
-- file THP's PMD moved whole, or zapped by the split when the move is
-- not aligned), growth in place and by move, shrinking through a THP,
-- growth past the end of the file (SIGBUS), shared anonymous memory,
-- private tmpfs mappings whose anonymous copies move with the page-cache
-- pages, the rmap of the page cache (i_mmap) after a move, oldlen 0 (a
-- second mapping of a shared one), and bad input that changes nothing.  Every number a test expects was measured
-- on the live 6.18 kernel by tests/kernel/probes/sp_shmem_mremap.c
-- (FACTS.md, "mremap of shmem mappings") or follows from mm/mremap.c as
-- the comments say.  check() runs after every step; page i of a region
-- holds tag ~ i, and every step checks the values.
local t = require "thpsh.test"

local P = 4096

-- Beside t.snap's counters, the shmem ones the probe compares.
local function more(s)
	for k, v in pairs(vmstat()) do
		if k:match("^nr_shmem_") then s[k] = v end
	end
	for _, k in ipairs({ "ShmemHugePages", "ShmemPmdMapped", "FilePmdMapped" }) do
		s[k] = meminfo()[k]
	end
end
local function snap() return t.snap(more) end
local function delta(before) return t.delta(before, more) end
local step = t.step

local function fill(a, pages, tag)
	for i = 0, pages - 1 do write(a + i * P, tag ~ i) end
end

local function bad(a, first, last, tag)
	local n = 0
	for i = first, last do
		if read(a + i * P) ~= tag ~ i then n = n + 1 end
	end
	return n
end

-- A free 2 MiB-aligned range of @len (with 2 MiB spare to align in).
local function hole(len)
	local h = mmap(len + 2 * MB)
	munmap(h, len + 2 * MB)
	return h + (-h) % (2 * MB)
end

local function sm(a)
	local s = smaps(a)
	return { Rss = s.Rss, Anonymous = s.Anonymous, ShmemPmdMapped = s.ShmemPmdMapped }
end

-- The split of a file PMD zaps it (FACTS.md: thp_split_pmd +1,
-- nr_shmem_pmdmapped -1, nothing else).
local PMD_ZAPPED = { thp_split_pmd = 1, nr_shmem_pmdmapped = -1, ShmemPmdMapped = -2048 }

tmpfs("/shm", "huge=always,size=64m")
local F = "/shm/f"
munmap(mmap("4K", { file = F, shared = true }), "4K")	-- creates F

-- A shared mapping of F, 2 MiB at @at, every page written: one PMD THP.
local function shared_thp(at, tag)
	local a = mmap("2M", { file = F, shared = true, addr = at })
	fill(a, 512, tag)
	return a
end

-- Moved whole to a 2 MiB aligned place: the PMD moves, no table with it.
truncate(F, "4M")
local a = shared_thp(nil, 0x6100)
t.is(sm(a), { Rss = 2048, Anonymous = 0, ShmemPmdMapped = 2048 }, "a PMD-mapped shmem THP")
local head = pagemap(a).pfn
local dst = hole(6 * MB)
local v = snap()
local b = mremap(a, "2M", "2M", dst)
t.is(b, dst, "moved where asked")
t.is(delta(v), {}, "aligned move: no counter moves (move_huge_pmd)")
t.is({ sm(b), pagemap(b).pfn, walk(b).level },
	{ { Rss = 2048, Anonymous = 0, ShmemPmdMapped = 2048 }, head, "pmd" },
	"the same THP, still mapped by one PMD")
t.is(bad(b, 0, 511, 0x6100), 0, "values intact")
t.raises(function() read(a) end, "SIGSEGV", "the old range is gone")
step("the aligned move")

-- ... to 2 MiB + 4 KiB: the file PMD is zapped, nothing is mapped there
-- until the pages refault from the cache.
v = snap()
local c = mremap(b, "2M", "2M", dst + 2 * MB + P)
t.is(delta(v), PMD_ZAPPED, "unaligned move: the PMD zapped, no folio split")
t.is(sm(c), { Rss = 0, Anonymous = 0, ShmemPmdMapped = 0 }, "nothing mapped after the move")
t.is(folio({ pfn = head }).order, 9, "the THP is whole in the page cache")
step("the unaligned move")
v = snap()
t.is(bad(c, 0, 511, 0x6100), 0, "values intact, read back from the cache")
t.is(delta(v), {}, "the refaults move no counter")
t.is({ sm(c), pagemap(c + 100 * P).pfn }, { { Rss = 2048, Anonymous = 0, ShmemPmdMapped = 0 },
	head + 100 }, "the same THP, mapped by PTEs")
step("the refaults")
munmap(c, "2M")

-- Grown in place over the 4 MiB file: a write there maps a new THP.
local g = shared_thp(dst, 0x6200)
v = snap()
t.is(mremap(g, "2M", "4M"), g, "grown in place")
t.is(delta(v), {}, "growing: no counter moves")
t.is(sm(g).ShmemPmdMapped, 2048, "the first THP still mapped by PMD")
v = snap()
write(g + 2 * MB, 0x77)
t.is(delta(v), { thp_file_alloc = 1, thp_file_mapped = 1, nr_shmem_hugepages = 1,
	nr_shmem_pmdmapped = 1, ShmemHugePages = 2048, ShmemPmdMapped = 2048,
	["2048kB.shmem_alloc"] = 1 }, "a write in the new part: a second THP by PMD")
t.is({ read(g + 2 * MB), bad(g, 0, 511, 0x6200) }, { 0x77, 0 }, "values intact")
step("growing in place")
munmap(g, "4M")

-- Grown with a page mapped right behind it: moved, to where the file
-- chooses (shmem_get_unmapped_area: 2 MiB aligned), the PMD with it.
truncate(F, 0)
truncate(F, "4M")
g = shared_thp(dst, 0x6300)
local fence = mmap("4K", { addr = dst + 2 * MB })
v = snap()
local m = mremap(g, "2M", "4M")
t.ok(m ~= g and m % (2 * MB) == 0, "moved to a 2 MiB aligned place")
t.is(delta(v), {}, "no counter moves")
t.is({ sm(m).ShmemPmdMapped, walk(m).level }, { 2048, "pmd" }, "the PMD moved")
t.is(bad(m, 0, 511, 0x6300), 0, "values intact")
step("growing by a move")
munmap(m, "4M")
munmap(fence, "4K")

-- Shrunk through the THP: its PMD is zapped, the cache keeps all of it.
g = shared_thp(dst, 0x6400)
v = snap()
t.is(mremap(g, "2M", "1M"), g, "shrunk in place")
t.is(delta(v), PMD_ZAPPED, "the PMD zapped, nothing else")
t.is(sm(g).Rss, 0, "nothing mapped until read")
t.is(bad(g, 0, 255, 0x6400), 0, "the kept half reads back")
local other = mmap("2M", { file = F, shared = true })
t.is(bad(other, 256, 511, 0x6400), 0, "the file beyond the mapping keeps its values")
step("shrinking through a THP")
munmap(g, "1M")
munmap(other, "2M")

-- Grown past the end of a 2 MiB file: SIGBUS there until the file grows.
truncate(F, "2M")
g = shared_thp(dst, 0x6500)
v = snap()
t.is(mremap(g, "2M", "4M"), g, "grown in place past EOF")
t.raises(function() read(g + 2 * MB) end, "SIGBUS", "a read past EOF")
t.raises(function() write(g + 3 * MB, 1) end, "SIGBUS", "a write past EOF")
t.is(delta(v), {}, "no counter moves")
step("growing past EOF")
truncate(F, "4M")
t.is({ read(g + 2 * MB), bad(g, 0, 511, 0x6500) }, { 0, 0 }, "after the file grows: 0 there")
step("the file grown")
munmap(g, "4M")

-- A child moves its shared mapping: the page cache's rmap (i_mmap, by
-- the vm_pgoff the VMA keeps) finds it there, so truncation unmaps it.
g = shared_thp(dst, 0x6600)
local child = fork()
local cm = mremap(g, "2M", "2M", dst + 2 * MB + 8 * P, { pid = child })
t.is(read(cm + 5 * P, { pid = child }), 0x6600 ~ 5, "the child reads the file at its new place")
truncate(F, "1M")
t.raises(function() read(cm + 300 * P, { pid = child }) end, "SIGBUS",
	"truncation reached the moved mapping")
t.is(read(cm + 5 * P, { pid = child }), 0x6600 ~ 5, "below EOF the values stay")
step("the rmap after a move")
exit(child)
munmap(g, "2M")

-- Shared anonymous memory (shmem_enabled never: 4K pages) moves like a
-- file; grown in place it gives SIGBUS past the object's first size.
sysfs("transparent_hugepage/shmem_enabled", "never")
local s = mmap("2M", { shared = true, addr = dst })
fill(s, 512, 0x6700)
v = snap()
local s2 = mremap(s, "2M", "2M", dst + 2 * MB + P)
t.is({ delta(v), sm(s2).Rss }, { {}, 2048 }, "moved unaligned: no counter, all pages mapped")
t.is(bad(s2, 0, 511, 0x6700), 0, "values intact")
s = mremap(s2, "2M", "2M", dst)
t.is(mremap(s, "2M", "4M"), s, "grown in place")
t.raises(function() read(s + 2 * MB) end, "SIGBUS", "past the shared object's size")
t.is(bad(s, 0, 511, 0x6700), 0, "values intact")
step("shared anonymous memory")
munmap(s, "4M")

-- With shmem_enabled advise and MADV_HUGEPAGE: a THP, moved by its PMD;
-- grown by a move it lands 2 MiB aligned.
sysfs("transparent_hugepage/shmem_enabled", "advise")
s = mmap("2M", { shared = true, huge = true, addr = dst })
fill(s, 512, 0x6800)
t.is(sm(s).ShmemPmdMapped, 2048, "a shmem THP")
v = snap()
s2 = mremap(s, "2M", "2M", dst + 2 * MB)
t.is({ delta(v), sm(s2).ShmemPmdMapped }, { {}, 2048 }, "moved aligned: the PMD moved")
s = mremap(s2, "2M", "2M", dst)
fence = mmap("4K", { addr = dst + 2 * MB })
v = snap()
m = mremap(s, "2M", "4M")
t.ok(m ~= s and m % (2 * MB) == 0, "grown by a move to a 2 MiB aligned place")
t.is({ delta(v), sm(m).ShmemPmdMapped, bad(m, 0, 511, 0x6800) }, { {}, 2048, 0 },
	"no counter moves, the PMD moved, values intact")
step("a shared anonymous THP")
munmap(m, "4M")
munmap(fence, "4K")
sysfs("transparent_hugepage/shmem_enabled", "never")

-- A private mapping (huge=never) with two copies: they move as anonymous
-- pages, the page-cache pages as file pages; the others follow the file.
tmpfs("/p4k", "huge=never,size=64m")
local w = mmap("2M", { file = "/p4k/f", shared = true })
fill(w, 512, 0x6900)
local p = mmap("2M", { file = "/p4k/f" })
touch(p, "64K", "r")
write(p + P, 0x77)
write(p + 40 * P, 0x78)
local before = sm(p)
t.is(before.Anonymous, 8, "two copies")
v = snap()
local q = mremap(p, "2M", "2M", dst + P)
t.is({ delta(v), sm(q) }, { {}, before }, "moved unaligned: Rss and Anonymous unchanged")
t.is({ pagemap(q + P).file, pagemap(q + P).exclusive, pagemap(q + 2 * P).file,
	pagemap(q + 40 * P).file }, { false, true, true, false },
	"the copies anonymous and exclusive, the others file pages")
t.is({ read(q), read(q + P), read(q + 2 * P), read(q + 40 * P), read(q + 41 * P) },
	{ 0x6900, 0x77, 0x6900 ~ 2, 0x78, 0x6900 ~ 41 }, "values")
write(w + P, 0x99)
write(w + 2 * P, 0x99)
t.is({ read(q + P), read(q + 2 * P) }, { 0x77, 0x99 },
	"the copy keeps its value, a page not written follows the file")
step("a private mapping with copies")
munmap(q, "2M")

-- A private mapping of a huge=always file: the cache THP by PMD moves
-- whole; after a copy (the PMD zapped) and reads, the PTE table moves.
tmpfs("/phuge", "huge=always,size=64m")
w = mmap("2M", { file = "/phuge/f", shared = true })
fill(w, 512, 0x6a00)
munmap(w, "2M")
p = mmap("2M", { file = "/phuge/f", addr = dst })
t.is(fault(p, "r"), "file-pmd", "the cache THP mapped by PMD")
v = snap()
q = mremap(p, "2M", "2M", dst + 2 * MB)
t.is({ delta(v), sm(q).ShmemPmdMapped }, { {}, 2048 }, "moved aligned: the PMD moved")
v = snap()
write(q + P, 0x77)
t.is(delta(v), PMD_ZAPPED, "a write: the file PMD zapped, page 1 copied")
touch(q, "2M", "r")
t.is(sm(q), { Rss = 2048, Anonymous = 4, ShmemPmdMapped = 0 }, "the copy and 511 cache pages")
v = snap()
p = mremap(q, "2M", "2M", dst)
t.is({ delta(v), sm(p) }, { {}, { Rss = 2048, Anonymous = 4, ShmemPmdMapped = 0 } },
	"moved aligned: the PTE table moved (move_normal_pmd)")
q = mremap(p, "2M", "2M", dst + 2 * MB + P)
t.is(sm(q), { Rss = 2048, Anonymous = 4, ShmemPmdMapped = 0 }, "moved unaligned: the same")
t.is({ read(q), read(q + P), read(q + 2 * P) }, { 0x6a00, 0x77, 0x6a00 ~ 2 }, "values")
step("a private PMD-mapped mapping with a copy")
munmap(q, "2M")

-- oldlen 0 maps a shared mapping a second time, unmapping nothing
-- (check_prep_vma's "duplicate shm area" case); the new VMA faults the
-- same THP by a second PMD: thp_file_mapped +1 only (FACTS.md).
truncate(F, 0)
truncate(F, "2M")
a = shared_thp(dst, 0x6c00)
v = snap()
local d = mremap(a, 0, "2M")
t.ok(d ~= a and d % (2 * MB) == 0, "a second mapping, 2 MiB aligned")
t.is({ delta(v), sm(d).Rss, sm(a).ShmemPmdMapped }, { {}, 0, 2048 },
	"nothing mapped in it yet, the first one untouched")
v = snap()
t.is(bad(d, 0, 511, 0x6c00), 0, "the same values")
t.is({ delta(v), sm(d).ShmemPmdMapped }, { { thp_file_mapped = 1 }, 2048 },
	"the same THP by a second PMD")
write(d + 3 * P, 0x77)
t.is(read(a + 3 * P), 0x77, "a write through one is seen through the other")
munmap(a, "2M")
t.is(bad(d, 4, 511, 0x6c00), 0, "the second mapping outlives the first")
step("oldlen 0")
munmap(d, "2M")
s = mmap("2M", { shared = true })
write(s, 5)
s2 = mremap(s, 0, "1M")
munmap(s, "2M")
t.is(read(s2), 5, "shared anonymous memory too, kept alive by the new mapping")
munmap(s2, "1M")
p = mmap("2M", { file = F })
t.raises(function() mremap(p, 0, "2M") end, "oldlen 0 maps a shared mapping again",
	"a private mapping: EINVAL")
munmap(p, "2M")
step("oldlen 0 of shared anonymous and private mappings")

-- A move can leave a private mapping of a file right behind a shared
-- one: "remove" over both is refused before the first (madvise_remove
-- returns EACCES for the private VMA, after punching the shared one: a
-- failed command here changes nothing), values_random seed 234.
a = shared_thp(dst, 0x6d00)
munmap(a + MB, "1M")
p = mmap("1M", { file = "/p4k/f", addr = a + MB })
t.raises(function() madvise(a, "2M", "remove") end, "maps a file privately (EACCES)",
	"remove over a shared and a private mapping")
t.is(bad(a, 0, 255, 0x6d00), 0, "the shared part not punched")
step("remove refused")
munmap(a, "2M")

-- Bad input: an error naming the command, nothing changed.
truncate(F, 0)
truncate(F, "2M")
a = shared_thp(dst, 0x6b00)
v = snap()
t.raises(function() mremap(a + 1, "2M", "2M") end, "not page aligned", "unaligned address")
t.raises(function() mremap(a, "4M", "4M") end, "not inside one mapping", "beyond the mapping")
t.raises(function() mremap(a, "2M", "2M", a + MB) end, "overlaps", "overlapping move")
t.raises(function() mremap(a, "2M", "2M", a + 3) end, "not page aligned", "unaligned destination")
t.raises(function() mremap(a, "2M", 1 << 62) end, "larger than the address space", "absurd size")
t.raises(function() mremap(dst + 2 * MB, "4K", "8K") end, "not inside one mapping",
	"unmapped address")
t.is({ delta(v), walk(a).level, sm(a).ShmemPmdMapped }, { {}, "pmd", 2048 }, "nothing changed")
step("the bad input")

t.done()
