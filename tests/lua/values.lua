-- values.lua - "stored values intact": what each process reads back after
-- every operation that moves, copies, splits, collapses or drops pages,
-- checked twice after every step: by read() here, against what the
-- command is documented to do, and by check(), which compares its own
-- record of the written values with what the page tables map.  Failed
-- commands change neither.  (That check() does catch a lost value is
-- tests/c/test_values.c: only C can corrupt a page behind its back.)
local t = require "thpsh.test"

local step = t.step
local P = 4096

-- Page i of [a, a + n pages) holds tag + i.
local function fill(a, n, tag, opts)
	for i = 0, n - 1 do write(a + i * P, tag + i, opts) end
end

-- How many pages of [a, a + n pages) do not read tag + i (tag nil: 0).
local function bad(a, n, tag, opts)
	local wrong = 0
	for i = 0, n - 1 do
		if read(a + i * P, opts) ~= (tag and tag + i or 0) then wrong = wrong + 1 end
	end
	return wrong
end

-- A THP: PMD split by a partial munmap, then split by the shrinker.
local a = mmap("2M", { huge = true })
fill(a, 512, 0x100)
step("512 pages written to a THP")
munmap(a + 100 * P, P)
t.is(read(a + 100 * P + P), 0x100 + 101, "partial munmap: the next page intact")
step("partial munmap of a THP (PMD split, deferred)")
t.is(shrink(), 1, "the shrinker splits it")
t.is(bad(a, 100, 0x100) + bad(a + 101 * P, 411, 0x100 + 101), 0, "values intact after the split")
step("deferred split")
munmap(a, "2M")
step("munmap of the rest")

-- split_pmd, split_folio to an mTHP order, then to 4K, the debugfs file.
a = mmap("4M", { huge = true })
fill(a, 1024, 0x200)
t.is(split_pmd(a), true, "split_pmd")
step("split_pmd")
t.is(split_folio(a, 4), 0, "split_folio to order 4")
step("split_folio to order 4")
t.is(split_folio(a + 64 * P), 0, "split_folio to order 0")
step("split_folio to order 0")
split_huge_pages(string.format("1,%#x,%#x", a + 2 * MB, a + 4 * MB))
t.is(bad(a, 1024, 0x200), 0, "values intact after every split")
step("split_huge_pages")

-- khugepaged and MADV_COLLAPSE put them back into THPs.
t.is(select(1, madvise(a, "2M", "collapse")), 0, "MADV_COLLAPSE")
step("MADV_COLLAPSE")
t.is(khugepaged(), 1, "khugepaged collapses the other")
t.is(bad(a, 1024, 0x200), 0, "values intact after the collapses")
step("khugepaged")
munmap(a, "4M")

-- COW after fork: each side keeps its own writes; the child goes.
a = mmap("2M", { huge = true })
fill(a, 512, 0x300)
local c = fork()
write(a + 5 * P, 55, { pid = c })
write(a + 6 * P, 66)
t.is({ read(a + 5 * P), read(a + 6 * P, { pid = c }) }, { 0x300 + 5, 0x300 + 6 },
	"each side reads its own page")
step("COW, both sides")
pin(a + 7 * P)
step("a pin (COW break) after fork")
unpin(a + 7 * P)
exit(c)
step("the child exits")
t.is(bad(a, 5, 0x300), 0, "the parent's values intact")

-- MADV_DONTFORK is not inherited; MADV_WIPEONFORK reads 0 in the child.
madvise(a, "1M", "dontfork")
madvise(a + MB, "1M", "wipeonfork")
c = fork()
t.raises(function() read(a, { pid = c }) end, "SIGSEGV", "dontfork: not in the child")
t.is(bad(a + MB, 256, nil, { pid = c }), 0, "wipeonfork: the child reads 0")
t.is(bad(a + MB, 256, 0x300 + 256), 0, "the parent keeps its values")
step("fork with dontfork and wipeonfork")
exit(c)
munmap(a, "2M")

-- MADV_DONTNEED of private memory: 0 after.
a = mmap("2M", { huge = true })
fill(a, 512, 0x400)
madvise(a + 8 * P, 8 * P, "dontneed")
t.is(bad(a + 8 * P, 8), 0, "dontneed: 0")
t.is(read(a + 16 * P), 0x400 + 16, "the page after intact")
step("dontneed of 8 pages")
madvise(a, "2M", "dontneed")
t.is(bad(a, 512), 0, "dontneed of all: 0")
step("dontneed of all")
munmap(a, "2M")

-- mremap: a whole THP moved, a partial move, grow in place, shrink, fixed.
a = mmap("4M", { huge = true })
fill(a, 1024, 0x500)
local b = mremap(a, "2M", "2M", a + 64 * MB)
t.is(bad(b, 512, 0x500), 0, "moved THP intact")
step("mremap of a whole THP")
local d = mremap(a + 2 * MB + 12 * P, 20 * P, 20 * P, a + 96 * MB)
t.is(bad(d, 20, 0x500 + 524), 0, "moved pages intact")
step("mremap of 20 pages out of a THP")
local e = mremap(b, "2M", "1M")
t.is(e, b, "shrink in place")
step("mremap shrink")
e = mremap(b, "1M", "3M")
t.is({ bad(e, 256, 0x500), read(e + MB) }, { 0, 0 }, "grown: old values, then 0")
step("mremap grow")
local f = mmap("1M")
fill(f, 256, 0x5f0)
mremap(e, "1M", "1M", f)
t.is(bad(f, 256, 0x500), 0, "a fixed move replaces what was there")
step("mremap onto a mapping")
munmap(a, "4M")
munmap(e, "3M")
munmap(d, 20 * P)
munmap(f, "1M")

-- MADV_FREE: values stay until reclaim discards them (and are written again).
a = mmap("2M", { huge = true })
fill(a, 512, 0x600)
madvise(a, "1M", "free")
t.is(bad(a, 512, 0x600), 0, "free: values intact without reclaim")
step("MADV_FREE of half a THP")
write(a + 3 * P, 33)
step("a write after MADV_FREE")
munmap(a, "2M")
-- Over fork the kernel leaves shared folios alone (FACTS.md "madvise on a
-- THP shared over fork"), so pageout after free keeps the values: check()
-- accepts them where it would accept 0 as well, and read() settles it.
a = mmap("2M", { huge = true })
fill(a, 512, 0x700)
c = fork()
madvise(a, "2M", "free")
madvise(a, "2M", "pageout")
step("pageout after free, shared over fork")
t.is(bad(a, 512, 0x700), 0, "the values are still there")
step("read after reclaim")
exit(c)
munmap(a, "2M")

-- Read-only memory, the zero page and the huge zero page read 0.
sysfs("transparent_hugepage/use_zero_page", 1)
a = mmap("2M", { huge = true, prot = "r" })
t.is({ fault(a), fault(a + P) }, { "huge-zero", "none" }, "huge zero page")
step("the huge zero page")
mprotect(a, "2M", "rw")
write(a + P, 11)
t.is({ read(a), read(a + P) }, { 0, 11 }, "a write breaks it")
step("write after the huge zero page")
munmap(a, "2M")
a = mmap(16 * P, { prot = "r" })
t.is(bad(a, 16), 0, "small read-only pages: the zero page")
step("the zero page")
t.raises(function() write(a, 1) end, "SIGSEGV", "no write to read-only memory")
step("a failed write")
munmap(a, 16 * P)

-- mprotect keeps values; a fixed mmap over written memory reads 0.
a = mmap("2M", { huge = true })
fill(a, 512, 0x800)
mprotect(a, "1M", "r")
t.is(bad(a, 512, 0x800), 0, "mprotect keeps values")
step("mprotect")
mprotect(a, "1M", "none")
step("PROT_NONE")
-- A PROT_NONE entry keeps its pfn inverted (L1TF): splitting such a PMD
-- must count the pfns down in the raw entries (x86 pte_advance_pfn).
local a2 = mmap("2M", { huge = true })
fill(a2, 512, 0x880)
mprotect(a2, "2M", "none")
t.is(split_pmd(a2), true, "split of a PROT_NONE THP")
step("split of a PROT_NONE PMD")
mprotect(a2, "2M", "rw")
t.is(bad(a2, 512, 0x880), 0, "values intact after the PROT_NONE split")
munmap(a2, "2M")
mmap(4 * P, { addr = a + MB })
t.is(bad(a + MB, 4), 0, "a fixed mmap over written pages reads 0")
step("fixed mmap over written memory")
write(a + MB + 5 * P, 0)
t.is(read(a + MB + 5 * P), 0, "writing 0")
step("writing 0")
munmap(a, "2M")

-- Shared memory: a tmpfs file, seen by every mapping and process.
tmpfs("/mnt", "huge=always")
a = mmap("4M", { file = "/mnt/f", shared = true })
b = mmap("4M", { file = "/mnt/f", shared = true })
fill(a, 1024, 0x900)
t.is(bad(b, 1024, 0x900), 0, "a second mapping reads the file")
step("tmpfs file, two mappings")
c = fork()
write(b + 9 * P, 99, { pid = c })
t.is(read(a + 9 * P), 99, "the child's write is the file's")
step("tmpfs file after fork")
madvise(a, "2M", "dontneed")
t.is(read(b + 10 * P), 0x900 + 10, "dontneed of a shared mapping keeps the file's pages")
step("dontneed of a shared mapping")
madvise(a + 2 * MB + 16 * P, 16 * P, "remove")
t.is({ bad(b + 2 * MB + 16 * P, 16), read(b + 2 * MB + 32 * P) }, { 0, 0x900 + 544 },
	"remove punches a hole")
step("madvise remove")
truncate("/mnt/f", 3 * MB + 100)
t.is(read(a + 3 * MB), 0x900 + 768, "truncate mid-page keeps that page")
t.raises(function() read(a + 3 * MB + P) end, "SIGBUS", "past EOF: SIGBUS")
step("truncate")
truncate("/mnt/f", "4M")
t.is(bad(a + 3 * MB + P, 255), 0, "grown again: 0")
step("truncate up")
split_huge_pages("/mnt/f,0x0,0x400")
t.is(bad(a, 512, 0x900) - 1, 0, "file split: values intact (page 9 holds 99)")
step("split of the file's THPs")
exit(c)
munmap(a, "4M")
munmap(b, "4M")
step("unmapped: the file keeps its pages")
a = mmap("4M", { file = "/mnt/f", shared = true })
t.is(read(a + 11 * P), 0x900 + 11, "mapped again: the same values")
munmap(a, "4M")

-- A THP straddling EOF stays mapped by its PMD (6.18 keeps that for
-- tmpfs, mm/memory.c finish_fault), so a write past EOF succeeds; a
-- split of the THP drops the pages past EOF, and the value with them.
a = mmap("4M", { file = "/mnt/g", shared = true })
truncate("/mnt/g", 3 * MB + 100)
write(a + 2 * MB, 1)
t.is(walk(a + 2 * MB).level, "pmd", "a THP across EOF, mapped by its PMD")
write(a + 3 * MB + 2 * P, 7)
t.is(read(a + 3 * MB + 2 * P), 7, "a write past EOF succeeds")
step("a write past EOF")
t.is(split_folio(a + 2 * MB), 0, "the THP split")
t.raises(function() read(a + 3 * MB + 2 * P) end, "SIGBUS", "past EOF: dropped")
t.is(read(a + 2 * MB), 1, "the page inside EOF keeps its value")
step("the split dropped the page past EOF")
munmap(a, "4M")
a = mmap("4M", { file = "/mnt/h", shared = true })
truncate("/mnt/h", 3 * MB)
write(a + 2 * MB, 1)
write(a + 3 * MB, 9)
truncate("/mnt/h", "4M")
step("the file grown over a page written past EOF")
t.is(read(a + 3 * MB), 9, "growing keeps it")
munmap(a, "4M")

-- Shared anonymous memory: shared over fork; gone with its last mapping.
a = mmap("2M", { shared = true })
fill(a, 512, 0xa00)
c = fork()
write(a + 3 * P, 33, { pid = c })
t.is(read(a + 3 * P), 33, "shared anonymous memory is shared")
step("shared anonymous memory over fork")
exit(c)
munmap(a, "2M")
a = mmap("2M", { shared = true })
t.is(bad(a, 512), 0, "a new shared anonymous mapping reads 0")
step("new shared anonymous memory")
b = mmap("2M", { shared = true, addr = a })
t.is(read(a), 0, "a fixed shared mapping over another reads 0")
step("fixed shared anonymous over shared anonymous")
munmap(a, "2M")

-- Failed commands change nothing.
a = mmap("2M", { huge = true })
fill(a, 4, 0xb00)
b = mmap("2M", { shared = true, addr = a + 2 * MB })
t.raises(function() madvise(a, "4M", "free") end, "shared mapping", "free across a shared mapping")
t.raises(function() madvise(a, "4M", "remove") end, "EINVAL", "remove across private memory")
t.raises(function() mremap(a, "4M", "8M") end, "not inside one mapping", "mremap across two")
t.is(bad(a, 4, 0xb00), 0, "values intact")
step("failed commands")
munmap(a, "4M")

-- Many THPs written page by page (tests/bench/values.lua times it).
a = mmap("64M", { huge = true })
fill(a, 32 * 512, 0xc00)
step("32 THPs written page by page")
munmap(a, "64M")
step("all unmapped")

t.done()
