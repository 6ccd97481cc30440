-- madvise_extra.lua - the madvise advice the kernel selftests use beyond
-- hugepage and dontneed: pageout (no swap device), free, remove, and the
-- fork advice dontfork, dofork, wipeonfork, keeponfork.  (Pageout of
-- memory freed with "free": lazyfree.lua.)  Every expected
-- number was measured on the live 6.18 kernel (tests/kernel/FACTS.md,
-- "MADV_PAGEOUT without swap", "MADV_FREE", "madvise on a THP shared
-- over fork") or comes from the kernel source, as the comments say.  check() runs after every step.
local t = require "thpsh.test"

local snap, delta, step = t.snap, t.delta, t.step

local function fill(a, tag)
	for i = 0, 511 do write(a + i * 4096, tag ~ i) end
end

local function bad(a, tag)
	local n = 0
	for i = 0, 511 do
		if read(a + i * 4096) ~= tag ~ i then n = n + 1 end
	end
	return n
end

local function has(list, x)
	for _, v in ipairs(list) do if v == x then return true end end
	return false
end

-- MADV_PAGEOUT of a whole THP: split, swap-out fallback, all still mapped.
local a = mmap("2M", { huge = true })
fill(a, 0x8100)
local head = pagemap(a).pfn
local v = snap()
madvise(a, "2M", "pageout")
t.is(delta(v), { thp_split_pmd = 1, thp_split_page = 1, thp_swpout_fallback = 1,
	nr_anon_transparent_hugepages = -1, ["2048kB.swpout_fallback"] = 1,
	["2048kB.split"] = 1, ["2048kB.nr_anon"] = -1 },
	"pageout: split, thp_swpout_fallback +1, nothing swapped")
local flags = kpageflags(head + 200).flags
t.is({ pagemap(a + 200 * 4096).pfn, has(flags, "ACTIVE"), has(flags, "COMPOUND_TAIL") },
	{ head + 200, true, false }, "512 active 4K pages at the same pfns")
t.is(bad(a, 0x8100), 0, "values intact")
step("pageout of a whole THP")
munmap(a, "2M")

-- ... of the first 1 MiB: the madvise path splits it, no swap-out fallback.
a = mmap("2M", { huge = true })
fill(a, 0x8200)
v = snap()
madvise(a, "1M", "pageout")
t.is(delta(v), { thp_split_pmd = 1, thp_split_page = 1, nr_anon_transparent_hugepages = -1,
	["2048kB.split"] = 1, ["2048kB.nr_anon"] = -1 }, "pageout of half: split, no fallback")
t.is(bad(a, 0x8200), 0, "values intact")
step("pageout of half a THP")
munmap(a, "2M")

-- "madvise on a THP shared over fork": pageout and free leave it alone.
a = mmap("2M", { huge = true })
fill(a, 0x8300)
local c = fork()
v = snap()
madvise(a, "2M", "pageout")
madvise(a, "2M", "free")
local s = smaps(a)
t.is({ delta(v), s.AnonHugePages, s.Shared_Dirty, s.LazyFree }, { {}, 2048, 2048, 0 },
	"pageout and free of a shared THP: no counter, still a shared dirty THP")
t.ok(has(kpageflags(pagemap(a + 3 * 4096).pfn).flags, "SWAPBACKED"), "still SWAPBACKED")
step("pageout and free of a shared THP")
exit(c)
munmap(a, "2M")

-- MADV_FREE of a whole THP: no split, lazily freeable, clean.
a = mmap("2M", { huge = true })
fill(a, 0x8400)
head = pagemap(a).pfn
v = snap()
madvise(a, "2M", "free")
t.is(delta(v), {}, "free of a whole THP: no counter moves")
s = smaps(a)
t.is({ s.AnonHugePages, s.LazyFree, s.Private_Clean, s.Private_Dirty }, { 2048, 2048, 2048, 0 },
	"still a THP: LazyFree 2048, Private_Clean 2048, Private_Dirty 0")
flags = kpageflags(head).flags
t.is({ has(flags, "SWAPBACKED"), has(flags, "DIRTY") }, { false, false },
	"kpageflags lose SWAPBACKED and DIRTY")
t.is(bad(a, 0x8400), 0, "no memory pressure: values intact")
step("free of a whole THP")
v = snap()
write(a, 0x8400)
s = smaps(a)
t.is({ delta(v), s.LazyFree, s.Private_Dirty, pagemap(a).pfn }, { {}, 0, 2048, head },
	"a write: no counter, LazyFree 0, Private_Dirty 2048, same pfns")
step("a write after free")
munmap(a, "2M")

-- ... of the first 1 MiB, and of one page: the folio is split at once.
for _, len in ipairs({ MB, 4096 }) do
	a = mmap("2M", { huge = true })
	fill(a, 0x8500)
	v = snap()
	madvise(a + 3 * 4096 * (len == 4096 and 1 or 0), len, "free")
	t.is(delta(v), { thp_split_pmd = 1, thp_split_page = 1, nr_anon_transparent_hugepages = -1,
		["2048kB.split"] = 1, ["2048kB.nr_anon"] = -1 },
		"free of " .. len // 1024 .. "K: the THP is split at once, not deferred")
	t.is(smaps(a).Private_Clean, len // 1024, "Private_Clean " .. len // 1024 .. " kB")
	t.is(bad(a, 0x8500), 0, "values intact")
	step("free of part of a THP")
	munmap(a, "2M")
end

-- MADV_REMOVE: kernel source (madvise_remove), private anonymous memory is EINVAL.
a = mmap("2M", { huge = true })
fault(a, "w")
t.raises(function() madvise(a, "2M", "remove") end, "the kernel returns EINVAL",
	"remove on private anonymous memory")
step("remove")

munmap(a, "2M")

-- "madvise on a THP shared over fork": MADV_DONTFORK, the child does not
-- get the VMA (SIGSEGV); MADV_DOFORK undoes it (kernel source).
a = mmap("4M", { huge = true })
fill(a, 0x8600)
write(a + 2 * MB, 0x8600)
madvise(a + 2 * MB, "2M", "dontfork")
t.is(smaps(a + 2 * MB).VmFlags, "rd wr mr mw me dc ac hg", "VmFlags show dc")
c = fork()
t.is(read(a, { pid = c }), 0x8600, "the child has the first 2 MiB")
t.raises(function() read(a + 2 * MB, { pid = c }) end, "SIGSEGV",
	"but not the VMA marked dontfork")
step("fork with a dontfork VMA")
exit(c)
madvise(a + 2 * MB, "2M", "dofork")
t.is(#smaps(), 1, "dofork: the VMAs merge again")
c = fork()
t.is(read(a + 2 * MB, { pid = c }), 0x8600, "now the child gets it")
step("fork after dofork")
exit(c)
munmap(a, "4M")

-- MADV_WIPEONFORK: the child gets the VMA, empty (it reads zero).
a = mmap("2M", { huge = true })
fill(a, 0x8700)
madvise(a, "2M", "wipeonfork")
c = fork()
t.is({ read(a, { pid = c }), read(a) }, { 0, 0x8700 }, "the child reads zero, the parent its data")
step("fork with a wipeonfork VMA")
exit(c)
madvise(a, "2M", "keeponfork")
c = fork()
t.is(read(a + 4096, { pid = c }), 0x8700 ~ 1, "keeponfork: the child gets the data")
step("fork after keeponfork")
exit(c)

-- Bad input.
t.raises(function() madvise(a + 4 * MB, "2M", "free") end, "not mapped", "free of a hole")
step("the bad input")

t.done()
