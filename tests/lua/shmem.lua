-- shmem.lua - shmem and tmpfs THPs: a THP write fault on a private tmpfs
-- mounted huge=always (a PMD, no deposited table), partial munmap (the
-- PMD is unmapped whole, the folio neither split nor deferred), the
-- refault, truncation splitting the folio across the new EOF
-- (non-uniform, pieces past EOF dropped), shared anonymous memory under
-- shmem_enabled, hole punching, fork, the split_huge_pages PATH form,
-- the mount options huge= and size=, and bad input that changes
-- nothing.  Every number a test expects was measured on the live 6.18
-- kernel (tests/kernel/FACTS.md, sections "shmem THP", "shmem THP, more"
-- and the selftest scenarios of split_huge_page_test.c) or follows from
-- the kernel source, as the comments say.  check() runs after every step; page i
-- of a region holds tag ~ i, and every step checks the values.
local t = require "thpsh.test"

local MNT = "/tmp/thpsh-shm"
local FILE = MNT .. "/f"

-- The counters the probes compare (FACTS.md, "How to reproduce").
-- Beside t.snap's counters: the file and shmem ones, and every mTHP size.
local function more(s)
	for k, v in pairs(vmstat()) do
		if k:match("^nr_shmem_") or k:match("^nr_file_huge") or k:match("^nr_file_pmd") then
			s[k] = v
		end
	end
	for _, k in ipairs({ "AnonHugePages", "ShmemHugePages", "ShmemPmdMapped",
			     "FileHugePages", "FilePmdMapped" }) do
		s[k] = meminfo()[k]
	end
	for _, size in ipairs({ "16kB", "32kB", "64kB", "128kB", "256kB", "512kB",
				"1024kB", "2048kB" }) do
		for k, v in pairs(mthp_stats(size)) do s[size .. "." .. k] = v end
	end
end

local function snap() return t.snap(more) end
local function delta(before) return t.delta(before, more) end
local step = t.step

local function fill(a, pages, tag)
	for i = 0, pages - 1 do write(a + i * 4096, tag ~ i) end
end

-- Pages of [first, last] whose value is not tag ~ i (skip: a set of pages).
local function bad(a, first, last, tag, skip)
	local n = 0
	for i = first, last do
		if not (skip and skip[i]) and read(a + i * 4096) ~= tag ~ i then n = n + 1 end
	end
	return n
end

local function flagset(pfn)
	local s = {}
	for _, f in ipairs(kpageflags(pfn).flags) do s[f] = true end
	return s
end

local function set(list)
	local s = {}
	for _, v in ipairs(list) do s[v] = true end
	return s
end

local function present(a, first, last)
	local n = 0
	for i = first, last do
		if pagemap(a + i * 4096).present then n = n + 1 end
	end
	return n
end

local function orders(file)
	local o = {}
	for _, f in ipairs(pagecache(file)) do o[#o + 1] = f.index .. ":" .. f.order end
	return table.concat(o, " ")
end

-- The mount (FACTS.md: "mount -t tmpfs -o huge=always,size=64m").
local m = tmpfs(MNT, "huge=always,size=64m")
t.is({ m.huge, m.size, m.used, #m.files }, { "always", 64 << 20, 0, 0 },
     "tmpfs huge=always,size=64m: mounted empty")
step("mount")

-- Kernel source (shmem_get_unmapped_area): a 4 MiB mapping of a huge
-- tmpfs file is placed 2 MiB aligned; the probe mapped it so too.
local a = mmap("4M", { file = FILE, shared = true })
t.is(a % (2 << 20), 0, "the 4 MiB MAP_SHARED mapping is 2 MiB aligned")
t.is(tmpfs()[1].files, { { name = FILE, size = 4 << 20, nrpages = 0 } },
     "the file is created 4 MiB long, nothing cached")
step("mmap of the file")

-- FACTS.md "shmem THP": the write fault at +0.
local s = snap()
t.is(fault(a, "w"), "file-pmd", "write fault: the page-cache THP is mapped by one PMD")
t.is(delta(s), { thp_file_alloc = 1, thp_file_mapped = 1, nr_shmem_hugepages = 1,
		 nr_shmem_pmdmapped = 1, ShmemHugePages = 2048, ShmemPmdMapped = 2048,
		 ["2048kB.shmem_alloc"] = 1 },
     "write fault: thp_file_alloc, thp_file_mapped, nr_shmem_*, 2048kB.shmem_alloc +1, nothing anon")
local sm = smaps(a)
t.is({ sm.ShmemPmdMapped, sm.FilePmdMapped, sm.Rss, sm.Private_Dirty, sm.AnonHugePages },
     { 2048, 0, 2048, 2048, 0 }, "smaps: ShmemPmdMapped=2048 FilePmdMapped=0 Rss=2048 Private_Dirty=2048")
local pm, ok_pm = nil, 0
for i = 0, 511 do
	pm = pagemap(a + i * 4096)
	if pm.present and pm.exclusive and pm.file then ok_pm = ok_pm + 1 end
end
t.is(ok_pm, 512, "pagemap: present=1 excl=1 file/shared=1 for all 512 pages")
local head = pagemap(a).pfn
t.is(flagset(head), set({ "UPTODATE", "DIRTY", "LRU", "MMAP", "SWAPBACKED",
			  "COMPOUND_HEAD", "THP" }),
     "kpageflags UPTODATE|DIRTY|LRU|MMAP|SWAPBACKED|COMPOUND_HEAD|THP (no ANON)")
t.is(kpagecount(head), 1, "kpagecount 1")
-- Kernel source (do_set_pmd): x86-64 deposits no table for a file PMD;
-- shmem_add_to_page_cache: the cache holds nr_pages references.
local pmdt = dump_pagetable(a, "2M").entries[1].table.entries[1].table
t.ok(not pmdt.deposited or #pmdt.deposited == 0, "no page table deposited beside the PMD")
t.is({ folio(a).refcount, folio(a).mapcount, folio(a).order }, { 513, 1, 9 },
     "refcount 513: 512 page-cache references and the PMD's")
step("the write fault")

s = snap()
t.is(fault(a + (2 << 20), "w"), "file-pmd", "a write at +2 MiB maps a second THP")
t.is(delta(s), { thp_file_alloc = 1, thp_file_mapped = 1, nr_shmem_hugepages = 1,
		 nr_shmem_pmdmapped = 1, ShmemHugePages = 2048, ShmemPmdMapped = 2048,
		 ["2048kB.shmem_alloc"] = 1 }, "...with the same counters")
fill(a, 1024, 0x5100)
step("filling both THPs")

-- FACTS.md: munmap of one 4K page at +8 KiB.
s = snap()
munmap(a + 8192, 4096)
t.is(delta(s), { thp_split_pmd = 1, nr_shmem_pmdmapped = -1, ShmemPmdMapped = -2048 },
     "munmap 4K: thp_split_pmd +1 and the PMD mapping gone, no folio split, no deferred split")
t.is(meminfo().ShmemHugePages, 4096, "ShmemHugePages stays 4096")
t.is(present(a, 0, 511), 0, "all 512 pages of that 2 MiB are not present")
t.is(deferred_list(), {}, "nothing on a deferred split queue")
t.is(orders(FILE), "0:9 512:9", "both THPs still whole in the page cache")
step("munmap of 4K")

-- FACTS.md: the write at +64 KiB refaults only that page, by a PTE.
s = snap()
t.is(fault(a + 0x10000, "w"), "file-pte", "refault at +64 KiB maps one PTE")
t.is(delta(s), {}, "refault: no counter moves")
t.is(present(a, 0, 511), 1, "only that one page is mapped")
local fl = flagset(pagemap(a + 0x10000).pfn)
t.ok(fl.COMPOUND_TAIL and fl.THP, "it is a COMPOUND_TAIL|THP page")
t.is(pagemap(a + 0x10000).pfn, head + 16, "...of the same folio")
s = snap()
t.is(shrink(), 0, "drop_caches 2 splits nothing")
t.is(delta(s), {}, "drop_caches 2: no counter moves")
step("refault")

-- FACTS.md: ftruncate(fd, 1 MiB).
s = snap()
events(true)
truncate(FILE, "1M")
events(false)
t.is(delta(s), { thp_split_page = 1, ["2048kB.split"] = 1, nr_shmem_hugepages = -2,
		 ShmemHugePages = -4096, nr_shmem_pmdmapped = -1, ShmemPmdMapped = -2048 },
     "ftruncate to 1 MiB: thp_split_page +1, nr_shmem_hugepages -2, the second THP's PMD gone")
local mig = 0
for _, e in ipairs(events()) do
	if e.name:match("migration") then mig = mig + 1 end
end
t.is(mig, 0, "no set/remove_migration_pte or _pmd events: file folios are unmapped")
t.is(pagemap(a + 0x10000).present, false, "the one mapped page is not present any more")
t.is(orders(FILE), "0:8", "the first MiB is one order-8 folio, the rest dropped")
t.is(tmpfs()[1].used, 1 << 20, "the mount holds 1 MiB")
step("ftruncate")

t.is(bad(a, 0, 255, 0x5100, { [2] = true }), 0, "values below 1 MiB intact when refaulted")
fl = flagset(pagemap(a).pfn)
t.ok(fl.COMPOUND_HEAD and fl.THP, "page 0 is COMPOUND_HEAD|THP")
local tails = 0
for i = 1, 255 do
	if i ~= 2 then
		fl = flagset(pagemap(a + i * 4096).pfn)
		if fl.COMPOUND_TAIL and fl.THP then tails = tails + 1 end
	end
end
t.is(tails, 254, "pages 1..255 are COMPOUND_TAIL|THP")
t.is(folio(a).order, 8, "an order-8 (1 MiB) folio")
t.raises(function() read(a + (1 << 20)) end, "SIGBUS",
	 "kernel source (shmem_get_folio_gfp): past EOF is SIGBUS")
step("refault after ftruncate")
munmap(a, "4M")
t.is(pagecache(FILE)[1].refcount, 256, "unmapped: only the cache's 256 references remain")
step("munmap of the rest")

-- Growing leaves the cache alone (kernel source: shmem_setattr).
truncate(FILE, "4M")
t.is(orders(FILE), "0:8", "growing the file changes no folio")
step("growing")

-- FACTS.md: shmem_enabled governs the internal mount (memfd,
-- MAP_SHARED|MAP_ANONYMOUS); defaults as measured.
t.is(sysfs("transparent_hugepage/shmem_enabled"), "always within_size advise [never] deny force",
     "shmem_enabled reads [never]")
t.is(sysfs("transparent_hugepage/hugepages-2048kB/shmem_enabled"),
     "always [inherit] within_size advise never", "hugepages-2048kB/shmem_enabled is [inherit]")
-- Kernel source (shmem_init): every other size starts at never.
t.is(sysfs("transparent_hugepage/hugepages-64kB/shmem_enabled"),
     "always inherit within_size advise [never]", "hugepages-64kB/shmem_enabled is [never]")
local b = mmap("2M", { shared = true, huge = true })
s = snap()
t.is(fault(b, "w"), "file-pte", "shared anonymous memory, shmem_enabled never: a 4K page")
t.is(delta(s), {}, "...and no counter moves")
t.ok(not flagset(pagemap(b).pfn).COMPOUND_HEAD, "kpageflags without COMPOUND")
munmap(b, "2M")
step("shared anonymous memory, never")
sysfs("transparent_hugepage/shmem_enabled", "advise")
b = mmap("2M", { shared = true, huge = true })
t.is(b % (2 << 20), 0, "kernel source (shmem_get_unmapped_area): now placed 2 MiB aligned")
s = snap()
t.is(fault(b, "w"), "file-pmd", "shmem_enabled advise + MADV_HUGEPAGE: a THP")
t.is(delta(s), { thp_file_alloc = 1, thp_file_mapped = 1, nr_shmem_hugepages = 1,
		 nr_shmem_pmdmapped = 1, ShmemHugePages = 2048, ShmemPmdMapped = 2048,
		 ["2048kB.shmem_alloc"] = 1 }, "...counted as the tmpfs THP fault")
t.is(smaps(b).ShmemPmdMapped, 2048, "smaps ShmemPmdMapped=2048")
fill(b, 512, 0x5200)
step("shared anonymous memory, advise")
s = snap()
munmap(b, "2M")
t.is(delta(s), { nr_shmem_hugepages = -1, nr_shmem_pmdmapped = -1, ShmemHugePages = -2048,
		 ShmemPmdMapped = -2048 },
     "kernel source (shmem_evict_inode): unmapping the last of it frees the THP")
sysfs("transparent_hugepage/shmem_enabled", "never")
step("restoring shmem_enabled")

-- Kernel source (copy_page_range skips a shared VMA; the child refaults
-- from the same page cache).
local c = mmap("2M", { file = MNT .. "/g", shared = true })
fill(c, 512, 0x5300)
local child = fork()
t.is(read(c + 5 * 4096, { pid = child }), 0x5300 ~ 5, "the child reads the parent's data")
write(c + 7 * 4096, 77, { pid = child })
t.is(read(c + 7 * 4096), 77, "the parent reads the child's write")
t.is({ folio(c).mapcount, folio(c).refcount }, { 2, 514 },
     "one THP, PMD-mapped by both: refcount 512 + 2")
step("fork")
exit(child)
t.is(folio(c).mapcount, 1, "the child's exit drops its PMD")
write(c + 7 * 4096, 0x5300 ~ 7)
step("exit of the child")

-- Kernel source (mmap_region, vma_merge): a file mapped at a fixed
-- address right after another mapping of it, at the next offset, merges
-- with it into one VMA, and both see the same page cache.
local m1 = mmap("4M")	-- room for both, replaced by them
t.is(mmap("2M", { file = MNT .. "/m", shared = true, addr = m1 }), m1, "opts.addr places a file mapping exactly")
truncate(MNT .. "/m", "4M")
local m2 = mmap("2M", { file = MNT .. "/m", shared = true, offset = "2M", addr = m1 + (2 << 20) })
t.is(m2, m1 + (2 << 20), "...at an offset too")
t.is({ smaps(m1).start, smaps(m1)["end"] }, { m1, m1 + (4 << 20) }, "...and it merges with its neighbour")
write(m2, 0x5700)
local m3 = mmap("2M", { file = MNT .. "/m", shared = true, offset = "2M" })
t.is(read(m3), 0x5700, "another mapping of the offset sees the write")
munmap(m1, "4M")
munmap(m3, "2M")
step("a fixed, merged file mapping")

-- FACTS.md selftest split_file_backed_thp: the PATH form of
-- split_huge_pages splits a tmpfs THP, the content unchanged.
s = snap()
local n, err, st = split_huge_pages(MNT .. "/g,0x0,0x200,0")
t.is({ err, st }, { "OK", { split = 1, total = 1 } }, "split_huge_pages PATH form splits the THP")
t.is(#pagecache(MNT .. "/g"), 512, "512 order-0 folios in the cache")
t.is(delta(s), { thp_split_page = 1, ["2048kB.split"] = 1, thp_split_pmd = 1,
		 nr_shmem_hugepages = -1, nr_shmem_pmdmapped = -1, ShmemHugePages = -2048,
		 ShmemPmdMapped = -2048 }, "thp_split_page +1; the PMD was unmapped first (thp_split_pmd)")
t.is(bad(c, 0, 511, 0x5300), 0, "content unchanged")
step("split_huge_pages PATH form")
munmap(c, "2M")

-- FACTS.md selftest split_thp_in_pagecache_to_order_at: a split with an
-- in-folio offset (decimal, as the kernel's sscanf reads it) is
-- non-uniform: one folio of each order above the new one, and two of
-- the new order.
c = mmap("2M", { file = MNT .. "/h", shared = true })
fill(c, 512, 0x5400)
split_huge_pages(MNT .. "/h,0x0,0x200,2,256")
t.is(orders(MNT .. "/h"), "0:8 256:2 260:2 264:3 272:4 288:5 320:6 384:7",
     "to order 2 at offset 256: orders 8..3 once, order 2 twice")
t.is(bad(c, 0, 511, 0x5400), 0, "content unchanged")
step("non-uniform split")
split_huge_pages(MNT .. "/h,0x0,0x200,4")
t.is(orders(MNT .. "/h"), "0:4 16:4 32:4 48:4 64:4 80:4 96:4 112:4 128:4 144:4 160:4 176:4 " ..
     "192:4 208:4 224:4 240:4 256:2 260:2 264:3 272:4 288:4 304:4 320:4 336:4 352:4 368:4 " ..
     "384:4 400:4 416:4 432:4 448:4 464:4 480:4 496:4",
     "kernel source (split_huge_pages_in_file): each large folio above order 4 split to order 4")
t.is(bad(c, 0, 511, 0x5400), 0, "content unchanged")
step("split to order 4")
munmap(c, "2M")
n, err = split_huge_pages("/no/such/file,0x0,0x200")
t.is({ n, err }, { -22, "EINVAL" }, "kernel source (file_open_name fails): a path that is no file is EINVAL")

-- FACTS.md "shmem THP, more": madvise "remove" (PUNCH_HOLE) zeroes and
-- drops the hole, splitting the THP at both of its ends; the size stays.
c = mmap("2M", { file = MNT .. "/p", shared = true })
fill(c, 512, 0x5500)
s = snap()
madvise(c + 0x80000, "1M", "remove")
t.is(delta(s), { thp_split_page = 1, ["2048kB.split"] = 1, ["1024kB.split"] = 1,
		 thp_split_pmd = 1, nr_shmem_hugepages = -1, nr_shmem_pmdmapped = -1,
		 ShmemHugePages = -2048, ShmemPmdMapped = -2048 },
     "punching [512K, 1.5M) splits the THP at 512K, then its upper 1 MiB half at 1.5M")
local holes = 0
for _, f in ipairs(pagecache(MNT .. "/p")) do
	if f.index + (1 << f.order) > 128 and f.index < 384 then holes = holes + 1 end
end
t.is(holes, 0, "no folio is left in the hole")
t.is(bad(c, 0, 127, 0x5500) + bad(c, 384, 511, 0x5500), 0, "values around the hole intact")
local zeros = 0
for i = 128, 383 do if read(c + i * 4096) == 0 then zeros = zeros + 1 end end
t.is(zeros, 256, "the hole reads back zero")
t.is(pagecache(MNT .. "/p")[1].order, 7, "below the hole: an order-7 folio")
t.like(orders(MNT .. "/p"), " 388:2 392:3 400:4 416:5 448:6$",
       "above it: orders 2..6 (the kernel's order-1 piece at 386 is two pages here)")
local small = 0
for _, f in ipairs(pagecache(MNT .. "/p")) do
	if f.index >= 128 and f.index < 384 and f.order == 0 then small = small + 1 end
end
t.is(small, 256, "the hole refaulted by 256 4K pages: tmpfs allows PMD-sized folios only")
local size
for _, f in ipairs(tmpfs()[1].files) do
	if f.name == MNT .. "/p" then size = f.size end
end
t.is(size, 2 << 20, "the size stays 2 MiB")
step("hole punch")
munmap(c, "2M")

-- Kernel source (truncate_inode_folio removes a folio whoever holds it):
-- a pinned THP truncated away stays, held by the pin alone, until unpin.
c = mmap("2M", { file = MNT .. "/pinned", shared = true })
write(c, 0x5800)
pin(c)
local free = meminfo().MemFree
truncate(MNT .. "/pinned", 0)
t.is({ #pagecache(MNT .. "/pinned"), meminfo().MemFree - free }, { 0, 0 },
     "truncated: out of the cache, but the pinned THP is not freed")
step("truncating a pinned THP")
unpin(c)
t.is(meminfo().MemFree - free, 2048, "unpin frees it")
munmap(c, "2M")
step("unpin of the truncated THP")

-- FACTS.md "shmem THP, more": a full mount refuses the THP (kernel
-- source: shmem_alloc_and_add_folio gets -ENOSPC) and the fault takes a
-- 4K page; past the last page it is SIGBUS.
tmpfs("/tmp/thpsh-small", "huge=always,size=3m")
c = mmap("4M", { file = "/tmp/thpsh-small/f", shared = true })
t.is(fault(c, "w"), "file-pmd", "size=3m: the first THP fits")
s = snap()
t.is(fault(c + (2 << 20), "w"), "file-pte", "the second does not: a 4K page")
t.is(delta(s), {}, "no THP counted, no fallback counted (the allocation succeeded)")
touch(c + (2 << 20) + 4096, 255 * 4096, "w")
t.is(tmpfs()[2].used, 3 << 20, "3 MiB used")
t.raises(function() write(c + (3 << 20), 1) end, "SIGBUS", "one page more is SIGBUS")
step("a full tmpfs")
munmap(c, "4M")

-- FACTS.md "shmem THP, more": huge=advise wants MADV_HUGEPAGE, and a
-- THP allocated where a PTE table stands is mapped by PTEs; within_size
-- allows a THP only inside i_size, and not where the cache holds pages.
tmpfs("/tmp/thpsh-advise", "huge=advise")
c = mmap("2M", { file = "/tmp/thpsh-advise/f", shared = true })
t.is(fault(c, "w"), "file-pte", "huge=advise without MADV_HUGEPAGE: a page")
madvise(c, "2M", "hugepage")
truncate("/tmp/thpsh-advise/f", 0)
truncate("/tmp/thpsh-advise/f", "2M")
s = snap()
t.is(fault(c, "w"), "file-ptes", "...with it: a THP, mapped by PTEs: the first fault's PTE table stays")
t.is(delta(s), { thp_file_alloc = 1, nr_shmem_hugepages = 1, ShmemHugePages = 2048,
		 ["2048kB.shmem_alloc"] = 1 }, "thp_file_alloc +1 but no thp_file_mapped")
t.is({ folio(c).order, smaps(c).Rss, smaps(c).ShmemPmdMapped }, { 9, 2048, 0 },
     "an order-9 folio, all 512 pages mapped, none by PMD")
munmap(c, "2M")
tmpfs("/tmp/thpsh-within", "huge=within_size")
c = mmap("2M", { file = "/tmp/thpsh-within/f", shared = true })
truncate("/tmp/thpsh-within/f", "1M")
s = snap()
t.is(fault(c, "w"), "file-pte", "within_size, i_size 1 MiB: a 4K page")
truncate("/tmp/thpsh-within/f", "2M")
t.is(fault(c + (1 << 20), "w"), "file-pte", "i_size 2 MiB, write at +1 MiB: a 4K page too")
t.is(delta(s), {}, "no counter moves")
t.is(orders("/tmp/thpsh-within/f"), "0:0 256:0", "two 4K pages cached")
step("huge=advise and huge=within_size")
munmap(c, "2M")

-- FACTS.md "shmem THP, more": a read fault maps what the cache holds
-- around it (kernel source: do_fault_around, fault_around_bytes 64 KiB).
tmpfs("/tmp/thpsh-small-pages", "huge=never")
c = mmap("1M", { file = "/tmp/thpsh-small-pages/f", shared = true })
fill(c, 256, 0x5600)
munmap(c, "1M")
c = mmap("1M", { file = "/tmp/thpsh-small-pages/f", shared = true })
t.is(fault(c + 5 * 4096, "r"), "fault-around", "a read maps the cached pages around it")
t.is(present(c, 0, 255), 16, "16 pages: 64 KiB")
t.is(bad(c, 0, 255, 0x5600), 0, "every value intact")
step("fault-around")
munmap(c, "1M")
-- FACTS.md "shmem THP, more": a large folio inside the VMA and one PTE
-- table is mapped whole by fault-around.
c = mmap("2M", { file = MNT .. "/fa", shared = true })
write(c, 1)
truncate(MNT .. "/fa", "1M")
munmap(c, "2M")
c = mmap("2M", { file = MNT .. "/fa", shared = true })
t.is(fault(c + 4096, "r"), "fault-around", "a read of the order-8 folio left by ftruncate")
t.is({ present(c, 0, 255), folio(c).order }, { 256, 8 }, "all 256 pages mapped, by PTEs")
munmap(c, "2M")
step("fault-around of a large folio")

-- Bad input is rejected with a clear error and changes nothing.
local before, mounts = snap(), tmpfs()
local function rejects(fn, pattern, name)
	t.raises(fn, pattern, name)
end
rejects(function() tmpfs("/tmp/thpsh-bad", "huge=sometimes") end, "bad value for 'huge'",
	"tmpfs: huge=sometimes")
rejects(function() tmpfs("/tmp/thpsh-bad", "huge=force") end, "bad value for 'huge'",
	"tmpfs: huge=force is a shmem_enabled value, not a mount option")
rejects(function() tmpfs("/tmp/thpsh-bad", "size=lots") end, "bad value for 'size'",
	"tmpfs: size=lots")
rejects(function() tmpfs("/tmp/thpsh-bad", "mode=1777") end, "only the huge= and size=",
	"tmpfs: an option thpsh does not simulate")
rejects(function() tmpfs("/tmp/thpsh-bad", "colour=red") end, "unknown parameter",
	"tmpfs: an unknown option")
rejects(function() tmpfs("tmp/thpsh-bad") end, "not an absolute path", "tmpfs: a relative path")
rejects(function() tmpfs("/tmp/thpsh-bad/") end, "not an absolute path", "tmpfs: a trailing slash")
rejects(function() tmpfs(MNT) end, "mounted there already", "tmpfs: the same path twice")
rejects(function() tmpfs(MNT .. "/sub") end, "directories are not simulated",
	"tmpfs: inside another mount")
rejects(function() mmap("2M", { file = "/nowhere/f", shared = true }) end, "not on a tmpfs",
	"mmap: a file that is not on a tmpfs")
rejects(function() mmap("2M", { file = FILE, offset = 100 }) end, "not page aligned",
	"mmap: a private file mapping at an unaligned offset")
rejects(function() mmap("2M", { file = FILE, shared = true, offset = 100 }) end,
	"not page aligned", "mmap: an unaligned offset")
rejects(function() mmap("2M", { shared = true, offset = 4096 }) end, "is for a file mapping",
	"mmap: an offset without a file")
rejects(function() mmap("2M", { file = 42, shared = true }) end, "path of a tmpfs file",
	"mmap: opts.file not a string")
rejects(function() truncate(MNT .. "/nofile", 0) end, "no file", "truncate: a file that does not exist")
rejects(function() truncate(FILE, -1) end, "bad argument", "truncate: a negative length")
rejects(function() pagecache(MNT .. "/nofile") end, "no file", "pagecache: a file that does not exist")
rejects(function() sysfs("transparent_hugepage/shmem_enabled", "sometimes") end,
	"rejects sometimes (EINVAL)", "shmem_enabled: a bad value")
rejects(function() sysfs("transparent_hugepage/hugepages-64kB/shmem_enabled", "force") end,
	"rejects force (EINVAL)", "hugepages-64kB/shmem_enabled: force is not a per-size value")
t.is(delta(before), {}, "bad input moved no counter")
t.is(tmpfs(), mounts, "bad input created no mount and no file")
step("bad input")

-- Kernel source (shmem_allowable_huge_orders): shared anonymous memory
-- takes the sizes hugepages-<size>kB/shmem_enabled allows; finish_fault
-- maps a large folio whole by PTEs when it fits the VMA.
sysfs("transparent_hugepage/hugepages-64kB/shmem_enabled", "always")
c = mmap("1M", { shared = true })
s = snap()
t.is(fault(c + 0x10000, "w"), "file-ptes", "hugepages-64kB/shmem_enabled always: the folio is mapped whole")
t.is(folio(c + 0x10000).order, 4, "...a 64 KiB folio")
t.is(delta(s), { ["64kB.shmem_alloc"] = 1 }, "64kB.shmem_alloc +1, nothing else")
sysfs("transparent_hugepage/hugepages-64kB/shmem_enabled", "never")
munmap(c, "1M")
step("shmem mTHP")

-- Kernel source (shmem_alloc_and_add_folio): a THP the memcg cannot
-- charge falls back to a page, counted in thp_file_fallback(_charge).
reset()
memcg("small", { max = "1M" })
memcg_attach("small", 1)
tmpfs(MNT, "huge=always")
c = mmap("2M", { file = FILE, shared = true })
s = snap()
t.is(fault(c, "w"), "file-pte", "memory.max 1M: a 4K page")
t.is(delta(s), { thp_file_fallback = 1, thp_file_fallback_charge = 1,
		 ["2048kB.shmem_fallback"] = 1, ["2048kB.shmem_fallback_charge"] = 1 },
     "thp_file_fallback and _charge, shmem_fallback and _charge +1")
step("memcg charge failure")

-- Kernel source (shmem_alloc_and_add_folio): no free 2 MiB block, so the
-- THP allocation fails and the fault takes a page.
reset({ mem = "8M" })
local n = meminfo().MemFree // 4 - 64
c = mmap(n * 4096, { nohuge = true })
touch(c, n * 4096, "w")
for i = 0, n - 1, 2 do munmap(c + i * 4096, 4096) end
tmpfs(MNT, "huge=always")
c = mmap("2M", { file = FILE, shared = true })
s = snap()
t.is(fault(c, "w"), "file-pte", "fragmented memory: a 4K page")
t.is(delta(s), { thp_file_fallback = 1, ["2048kB.shmem_fallback"] = 1 },
     "thp_file_fallback and 2048kB.shmem_fallback +1")
step("allocation failure")

t.done()
