-- shmem_private.lua - private (MAP_PRIVATE) mappings of tmpfs files: a
-- read maps the page-cache page read-only (a THP by its PMD,
-- do_set_pmd), a write copies it into an anonymous page of the file VMA
-- (do_cow_fault where nothing was mapped, do_wp_page -> wp_page_copy
-- over a read-only PTE, the PMD zapped first in a THP), unwritten pages
-- follow the file and copies keep the process's values; fork (copied
-- only with an anon_vma), truncate (zaps the copies), hole punch (leaves
-- them), dontneed, munmap, exit, splits and the rmap of both kinds; bad
-- input changes nothing.  Every number is the live 6.18 kernel's, as
-- measured by tests/kernel/probes/sp_shmem_private.c (FACTS.md, "shmem
-- private mappings"), or follows from mm/memory.c as the comments say.
-- check() runs after every step.
local t = require "thpsh.test"

local function more(s)
	for k, v in pairs(vmstat()) do
		if k:match("^nr_shmem_") or k:match("^nr_file_pmd") then s[k] = v end
	end
	for _, k in ipairs({ "AnonHugePages", "ShmemHugePages", "ShmemPmdMapped",
			     "FilePmdMapped" }) do
		s[k] = meminfo()[k]
	end
end
local function snap() return t.snap(more) end
local function delta(before) return t.delta(before, more) end
local step = t.step
local P = 4096

-- A 2 MiB file on @mnt whose page i holds 0x5100 + i (written through a
-- shared mapping that is gone again), and a private mapping of it.
local function setup(mnt, opts)
	tmpfs(mnt, opts)
	local s = mmap("2M", { file = mnt .. "/f", shared = true })
	for i = 0, 511 do write(s + i * P, 0x5100 + i) end
	munmap(s, "2M")
	return mmap("2M", { file = mnt .. "/f" }), mnt .. "/f"
end

local function sm(a, pid)
	return smaps(a, pid and { pid = pid } or nil)
end

-- huge=always: a read maps the THP by its PMD, read-only.
reset()
local p, file = setup("/tp", "huge=always")
local b = snap()
t.is(fault(p, "r"), "file-pmd", "read: the page-cache THP mapped by PMD (do_set_pmd)")
t.is(delta(b), { thp_file_mapped = 1, nr_shmem_pmdmapped = 1, ShmemPmdMapped = 2048 },
	"read: thp_file_mapped, nr_shmem_pmdmapped (FACTS.md)")
local s = sm(p)
t.is({ s.Rss, s.Anonymous, s.ShmemPmdMapped, s.FilePmdMapped, s.Private_Dirty },
	{ 2048, 0, 2048, 0, 2048 }, "read: smaps Rss, Anonymous 0, ShmemPmdMapped, Private_Dirty")
local function writable(a)
	for _, fl in ipairs(walk(a).flags) do
		if fl == "rw" then return true end
	end
	return false
end
t.is({ walk(p).level, writable(p) }, { "pmd", false }, "read: a PMD, read-only")
t.is(read(p), 0x5100, "read: the file's value")
step("the read")

-- A fork of a VMA without anon_vma copies nothing (vma_needs_copy).
local q = mmap("2M", { file = file })
t.is(fault(q, "r"), "file-pmd", "a second private mapping, read: PMD")
local c = fork()
t.is(sm(q, c).Rss, 0, "fork: a private file VMA without anon_vma is not copied (FACTS.md)")
exit(c)
munmap(q, "2M")
step("fork without anon_vma")

-- A write to page 1: wp_huge_pmd zaps the file PMD, do_cow_fault copies one page.
b = snap()
t.is(fault(p + P, "w"), "cow", "write in the PMD: the page copied (do_cow_fault)")
t.is(delta(b), { thp_split_pmd = 1, nr_shmem_pmdmapped = -1, ShmemPmdMapped = -2048 },
	"write: thp_split_pmd only, no folio split (FACTS.md)")
s = sm(p)
t.is({ s.Rss, s.Anonymous, s.ShmemPmdMapped, s.AnonHugePages, s.Private_Dirty },
	{ 4, 4, 0, 0, 4 }, "write: Rss 4, Anonymous 4: only the copy is mapped")
t.is(pagemap(p).present, false, "write: page 0 unmapped (the PMD was zapped)")
local pm = pagemap(p + P)
t.is({ pm.present, pm.file, pm.exclusive }, { true, false, true },
	"write: page 1 anonymous, exclusive")
local f = folio(p + P)
t.is({ f.anon, f.order, f.mapcount, f.refcount }, { true, 0, 1, 1 },
	"the copy: an order-0 anonymous folio, mapped once")
step("the write fault")
write(p + P, 0x77)
t.is(read(p + P), 0x77, "the process reads its own value")
t.is(read(p + 2 * P), 0x5102, "page 2 reads the file")
local sh = mmap("2M", { file = file, shared = true })
t.is(read(sh + P), 0x5101, "the file keeps its value")
s = sm(p)
t.is({ s.Rss, s.Anonymous }, { 2048, 4 }, "reads map the rest of the THP by PTEs (FACTS.md)")
t.is(folio(p + 2 * P).order, 9, "page 2: the page-cache THP, by PTE")
step("reads after the copy")

-- A page not copied follows the file; a copied one does not.
write(sh + 2 * P, 0x99)
write(sh + P, 0x98)
t.is({ read(p + 2 * P), read(p + P) }, { 0x99, 0x77 },
	"the file written: page 2 follows it, the copy keeps 0x77 (FACTS.md)")
step("the file written")

-- rmap: the copy is found through the VMA's anon_vma, the file page
-- through i_mmap; split_folio of the order-0 copy has nothing to split.
t.is(select(2, split_folio(p + P)), "EINVAL", "split_folio of the copy: order 0, EINVAL")
step("split_folio")

-- The page-cache THP split through debugfs (PATH form): unmap_folio finds
-- the private mapping's PTEs through i_mmap and unmaps them (a file folio
-- gets no migration entries, remap_page() skips it); the copy, found
-- through its anon_vma only, stays mapped.
t.is(select(3, split_huge_pages(file .. ",0x0,0x200")).split, 1, "the file's THP split")
t.is({ pagemap(p + 2 * P).present, pagemap(p + P).present }, { false, true },
	"the file pages unmapped, the copy still mapped")
t.is({ read(p + P), read(p + 2 * P), folio(p + 2 * P).order }, { 0x77, 0x99, 0 },
	"values intact; page 2 refaulted from a small folio")
step("split of the page-cache THP")

-- fork: the VMA has an anon_vma now, so its entries are copied: the
-- anonymous copy shared COW, the page-cache PTEs.
c = fork()
t.is(sm(p, c).Rss, sm(p).Rss, "fork: the child maps what the parent maps")
t.is(sm(p, c).Anonymous, 4, "fork: the copy shared with the child")
t.is(folio(p + P).mapcount, 2, "the copy mapped by both")
step("fork")
write(p + P, 0x88, { pid = c })
write(p + 3 * P, 0x89, { pid = c })
t.is(sm(p, c).Anonymous, 8, "the child's writes: its own copies (wp_page_copy twice)")
t.is(sm(p).Anonymous, 4, "the parent's Anonymous unchanged (FACTS.md)")
t.is({ read(p + P), read(p + 3 * P) }, { 0x77, 0x5103 }, "the parent's values")
t.is({ read(p + P, { pid = c }), read(p + 3 * P, { pid = c }) }, { 0x88, 0x89 },
	"the child's values")
step("the child's writes")
exit(c)
t.is(folio(p + P).mapcount, 1, "exit: the copy mapped once again")
step("exit")

-- MADV_DONTNEED drops the copy: the file's value reads again.
b = snap()
madvise(p + P, "4K", "dontneed")
t.is(sm(p).Anonymous, 0, "dontneed: the copy gone")
t.is(read(p + P), 0x98, "dontneed: page 1 reads the file again (FACTS.md)")
step("dontneed")

-- A VMA with an anon_vma is copied at fork, but not its file PMDs
-- (copy_huge_pmd leaves them to the child's faults).
local g = mmap("4M", { file = "/tp/g" })
read(g)
write(g + 2 * MB + P, 0x77)
t.is({ sm(g).Rss, sm(g).Anonymous, sm(g).ShmemPmdMapped }, { 2052, 4, 2048 },
	"a THP read by PMD, a page of the next copied")
c = fork()
t.is({ sm(g, c).Rss, sm(g, c).Anonymous, sm(g, c).ShmemPmdMapped }, { 4, 4, 0 },
	"fork: the child maps the copy only, not the file PMD (FACTS.md)")
t.is(read(g + 2 * MB + P, { pid = c }), 0x77, "the child reads the shared copy")
exit(c)
munmap(g, "4M")
step("fork with a file PMD")

-- A write first, with nothing in the cache: shmem_fault allocates the
-- THP in the cache, only the copy is mapped.
reset()
tmpfs("/tq", "huge=always")
p = mmap("2M", { file = "/tq/f" })
b = snap()
t.is(fault(p, "w"), "cow", "a write first: do_cow_fault")
t.is(delta(b), { thp_file_alloc = 1, nr_shmem_hugepages = 1, ShmemHugePages = 2048,
		 ["2048kB.shmem_alloc"] = 1 },
	"a write first: the THP allocated in the cache (FACTS.md)")
t.is({ sm(p).Rss, sm(p).Anonymous }, { 4, 4 }, "only the copy mapped")
t.is(read(p), 0, "the copy of an empty page reads 0")
t.is(fault(p + P, "r"), "fault-around", "a read next to it maps the THP by PTEs")
t.is({ sm(p).Rss, sm(p).Anonymous }, { 2048, 4 }, "Rss 2048, Anonymous 4 (FACTS.md)")
step("a write first")

-- huge=never: fault-around, wp_page_copy over a read-only PTE, do_cow_fault.
reset()
p, file = setup("/t4", "huge=never")
t.is(fault(p + 5 * P, "r"), "fault-around", "huge=never: a read maps 16 pages around it")
t.is(sm(p).Rss, 64, "fault-around: Rss 64 (FACTS.md)")
b = snap()
t.is(fault(p + 5 * P, "w"), "cow", "a write to a read-only file PTE: wp_page_copy")
t.is({ sm(p).Rss, sm(p).Anonymous }, { 64, 4 }, "the PTE now maps the copy (FACTS.md)")
t.is(fault(p + 40 * P, "w"), "cow", "a write where nothing is mapped: do_cow_fault")
t.is({ sm(p).Rss, sm(p).Anonymous }, { 68, 8 }, "Rss 68, Anonymous 8 (FACTS.md)")
t.is(delta(b), {}, "no counter moves")
t.is({ read(p + 5 * P), read(p + 40 * P), read(p + 6 * P) }, { 0x5105, 0x5128, 0x5106 },
	"the copies hold the file's values")
step("huge=never copies")
write(p + 6 * P, 0x66)
t.is(read(p + 6 * P), 0x66, "a write to a page copied by fork rules")
step("write")

-- A hole punched through a shared mapping leaves the copies (even_cows
-- false); truncation zaps them (even_cows true).
sh = mmap("2M", { file = file, shared = true })
madvise(sh + 5 * P, "12K", "remove")
t.is({ read(p + 5 * P), read(p + 6 * P), read(p + 7 * P) }, { 0x5105, 0x66, 0 },
	"a hole punch: the copies stay, a page that followed the file reads 0 (FACTS.md)")
step("hole punch")
truncate(file, 0)
t.is({ sm(p).Rss, sm(p).Anonymous }, { 0, 0 }, "truncate 0: the copies unmapped too (FACTS.md)")
t.raises(function() read(p + 6 * P) end, "SIGBUS", "truncate 0: a read past EOF is SIGBUS")
step("truncate")
truncate(file, "2M")
t.is(read(p + 6 * P), 0, "grown again: the copy is gone, the page reads 0")
step("truncate up")

-- munmap of the private mapping: the copies are freed, the cache stays.
write(p + 9 * P, 5)
local before = meminfo().AnonPages
munmap(p, "2M")
t.is(meminfo().AnonPages, before - 4, "munmap: the copy freed")
step("munmap")

-- mprotect read-only: a write is refused and copies nothing.
p = mmap("2M", { file = file, prot = "r" })
t.raises(function() write(p, 1) end, "SIGSEGV", "a write to a read-only private mapping")
t.is(sm(p).Anonymous, 0, "nothing copied")
step("read-only")

-- Bad input changes nothing.
t.raises(function() mmap("2M", { file = "/nowhere/f" }) end, "not on a tmpfs",
	"mmap: a private mapping of a file not on a tmpfs")
t.raises(function() mmap("2M", { file = file, offset = 100 }) end, "not page aligned",
	"mmap: an unaligned offset")
step("bad input")

t.done()
