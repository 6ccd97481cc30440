-- fork_cow.lua - fork and copy-on-write of a THP, process exit, several
-- processes: fork(), proc(), exit(), ps().  Every expected number was
-- measured on the live 6.18 kernel; the comments name the section of
-- tests/kernel/FACTS.md ("# Sharing and variants", A12).  A "delta" is
-- the change of the counters the probes watched: every thp_* event,
-- nr_anon_transparent_hugepages and the 2048kB mTHP stats.  check()
-- runs after every step, across all processes.
local t = require "thpsh.test"

local snap, delta, step = t.snap, t.delta, t.step

-- Page i holds tag ~ i, as the probes fill a THP.
local function fill(a, tag)
	for i = 0, 511 do write(a + i * 4096, tag ~ i) end
end

local function bad(a, tag, pid, skip)
	local n = 0
	for i = 0, 511 do
		if not (skip and skip[i]) and read(a + i * 4096, { pid = pid }) ~= tag ~ i then
			n = n + 1
		end
	end
	return n
end

local function kpc(a, i, pid)
	return kpagecount(pagemap(a + i * 4096, { pid = pid }).pfn)
end

local function pid_of_current()
	for _, p in ipairs(ps()) do
		if p.current then return p.pid end
	end
end

-- "Fork after a THP write fault", scenario A
local a = mmap("2M", { huge = true })
fill(a, 0x5a00)
local head = pagemap(a).pfn
step("the THP fault")
local v = snap()
local c = fork()
t.is(delta(v), {}, "fork: no counter moves")
t.is(pagemap(a, { pid = c }).pfn, head, "the child maps the same pfns")
t.is({ folio(a).mapcount, folio(a, { pid = c }).mapcount }, { 2, 2 },
	"mapcount 2, seen from both sides")
t.is({ kpc(a, 0), kpc(a, 1), kpc(a, 5), kpc(a, 511) }, { 2, 2, 2, 2 },
	"kpagecount 2 on head and tails")
t.is({ pagemap(a).exclusive, pagemap(a + 5 * 4096, { pid = c }).exclusive }, { false, false },
	"pagemap: not exclusive in parent or child")
local ps_, sc = smaps(a), smaps(a, { pid = c })
t.is({ ps_.AnonHugePages, sc.AnonHugePages }, { 2048, 2048 }, "AnonHugePages 2048 in both")
t.is({ ps_.Shared_Dirty, ps_.Private_Dirty, sc.Shared_Dirty, sc.Private_Dirty },
	{ 2048, 0, 2048, 0 }, "Shared_Dirty 2048, Private_Dirty 0 in both")
t.is(folio(a).refcount, 2, "refcount 2: one per PMD (copy_huge_pmd)")
local function writable(w)
	for _, f in ipairs(w.flags) do if f == "rw" then return true end end
	return false
end
t.is({ writable(walk(a)), writable(walk(a, { pid = c })) }, { false, false },
	"both PMDs write-protected (kernel source, copy_huge_pmd)")
step("fork")

-- The child writes page 5 while the parent still has its PMD.
v = snap()
t.is(fault(a + 5 * 4096, "w", { pid = c }), "cow", "child write: a 4K copy")
t.is(delta(v), { thp_split_pmd = 1 }, "child write: thp_split_pmd +1 only")
write(a + 5 * 4096, 1000, { pid = c })
t.ok(pagemap(a + 5 * 4096, { pid = c }).pfn ~= head + 5, "child page 5: a new pfn")
t.is({ kpc(a, 5, c), pagemap(a + 5 * 4096, { pid = c }).exclusive }, { 1, true },
	"child page 5: kpagecount 1, exclusive")
t.is({ kpc(a, 9, c), pagemap(a + 9 * 4096, { pid = c }).exclusive }, { 2, false },
	"the other child pages still map the THP")
sc = smaps(a, { pid = c })
t.is({ sc.AnonHugePages, sc.Shared_Dirty, sc.Private_Dirty }, { 0, 2044, 4 },
	"child smaps: AnonHugePages 0, Shared_Dirty 2044, Private_Dirty 4")
ps_ = smaps(a)
t.is({ ps_.AnonHugePages, ps_.Shared_Dirty, ps_.Private_Dirty }, { 2048, 2044, 4 },
	"parent smaps: AnonHugePages 2048, Shared_Dirty 2044, Private_Dirty 4")
t.is({ kpc(a, 5), pagemap(a + 5 * 4096).exclusive }, { 1, false },
	"parent page 5: kpagecount 1, but a PMD mapping shows the head's bit")
t.is(read(a + 5 * 4096), 0x5a00 ~ 5, "the parent does not see the child's write")
t.is(bad(a, 0x5a00), 0, "parent values intact")
step("the child's write")

-- The parent writes page 7 while the child is alive.
v = snap()
t.is(fault(a + 7 * 4096, "w"), "cow", "parent write: a 4K copy")
t.is(delta(v), { thp_split_pmd = 1, nr_anon_transparent_hugepages = -1 },
	"parent write: thp_split_pmd +1, nr_anon_transparent_hugepages -1")
t.is(meminfo().AnonHugePages, 0, "no PMD maps it any more")
write(a + 7 * 4096, 2000)
t.is(read(a + 7 * 4096, { pid = c }), 0x5a00 ~ 7, "the child does not see the parent's write")
step("the parent's write")

-- The child exits: page 7 is mapped by nobody now.
v = snap()
exit(c)
t.is(delta(v), { thp_deferred_split_page = 1, ["2048kB.split_deferred"] = 1,
	["2048kB.nr_anon_partially_mapped"] = 1 },
	"child exit: thp_deferred_split_page +1, split_deferred +1, nr_anon_partially_mapped +1")
t.is({ kpc(a, 9), pagemap(a + 9 * 4096).exclusive }, { 1, true },
	"parent pages: kpagecount 1, exclusive")
step("the child's exit")
v = snap()
t.is(fault(a + 9 * 4096, "w"), "reuse", "parent write to page 9: reused in place")
t.is(pagemap(a + 9 * 4096).pfn, head + 9, "page 9 keeps its pfn")
t.is(delta(v), {}, "reuse: no counter moves")
step("the reuse")
v = snap()
shrink()
t.is(delta(v), { thp_split_page = 1, ["2048kB.split"] = 1, ["2048kB.nr_anon"] = -1,
	["2048kB.nr_anon_partially_mapped"] = -1 }, "drop_caches: the folio is split")
t.is(bad(a, 0x5a00, nil, { [7] = true }), 0, "values intact after the split")
step("the split")
munmap(a, "2M")

-- Scenario B: the parent writes first, then the child.
a = mmap("2M", { huge = true })
fill(a, 0x6b00)
c = fork()
v = snap()
fault(a + 7 * 4096, "w")
t.is(delta(v), { thp_split_pmd = 1 }, "parent writes first: thp_split_pmd +1 only")
v = snap()
fault(a + 5 * 4096, "w", { pid = c })
t.is(delta(v), { thp_split_pmd = 1, nr_anon_transparent_hugepages = -1 },
	"then the child: thp_split_pmd +1, nr_anon_transparent_hugepages -1")
step("scenario B")
exit(c)
munmap(a, "2M")

-- Scenario C: the child exits without writing; the parent reuses the THP.
a = mmap("2M", { huge = true })
fill(a, 0x7c00)
head = pagemap(a).pfn
c = fork()
v = snap()
exit(c)
t.is(delta(v), {}, "unwritten child exits: no counter moves")
t.is({ kpc(a, 9), pagemap(a + 9 * 4096).exclusive }, { 1, true },
	"parent pages exclusive again, kpagecount 1")
v = snap()
t.is(fault(a, "w"), "reuse", "parent write reuses the THP")
t.is(delta(v), {}, "no allocation, no split")
t.is({ pagemap(a).pfn, smaps(a).AnonHugePages }, { head, 2048 }, "same pfn, still a THP")
t.ok(page(a).anon_exclusive, "PageAnonExclusive again (do_huge_pmd_wp_page)")
step("scenario C")
munmap(a, "2M")

-- "Fork with the huge zero page"
a = mmap("2M", { huge = true })
t.is(fault(a), "huge-zero", "a read fault maps the huge zero page")
local zero = pagemap(a).pfn
v = snap()
c = fork()
t.is(delta(v), {}, "fork: no counter moves")
t.is(pagemap(a, { pid = c }).pfn, zero, "the child maps the huge zero page too")
step("fork of the huge zero page")
v = snap()
t.is(fault(a + 5 * 4096, "w", { pid = c }), "thp", "child write: a fresh THP")
t.is(delta(v), { thp_fault_alloc = 1, nr_anon_transparent_hugepages = 1,
	["2048kB.anon_fault_alloc"] = 1, ["2048kB.nr_anon"] = 1 },
	"thp_fault_alloc +1, no thp_split_pmd")
t.is({ pagemap(a).pfn, kpc(a, 5, c), pagemap(a + 5 * 4096, { pid = c }).exclusive },
	{ zero, 1, true }, "the parent keeps the huge zero page; the child's THP is its own")
write(a + 5 * 4096, 1, { pid = c })
t.is(read(a + 5 * 4096), 0, "the parent still reads zero")
step("the child's write to the huge zero page")
v = snap()
exit(c)
t.is(delta(v), { nr_anon_transparent_hugepages = -1, ["2048kB.nr_anon"] = -1 },
	"child exit frees its THP")
step("exit")
munmap(a, "2M")

-- A12 E4: the child keeps its PMD, only the parent unmaps page 0.
a = mmap("2M", { huge = true })
fill(a, 0x1200)
c = fork()
v = snap()
munmap(a, 4096)
t.is(delta(v), { thp_split_pmd = 1 }, "E4: thp_split_pmd +1 only, no deferred split")
v = snap()
shrink()
t.is(delta(v), {}, "E4: the shrinker finds nothing")
t.is({ kpc(a, 0, c), kpc(a, 1, c), kpc(a, 511, c) }, { 1, 2, 2 },
	"E4: kpagecount 1 on the head, 2 on the tails")
t.is({ pagemap(a, { pid = c }).exclusive, pagemap(a + 300 * 4096, { pid = c }).exclusive },
	{ true, true }, "E4: the child's PMD shows exclusive on every page (the head's)")
step("E4")

-- A12 E5: both unmap page 0; one split converts both processes' PTEs.
munmap(a, 4096, { pid = c })
t.is(deferred_list()[1].pfn, pagemap(a + 4096).pfn - 1, "E5: queued once page 0 is unmapped by all")
events(true)
t.is(shrink(), 1, "E5: the shrinker splits it")
events(false)
local set, remove, types, old, rw = 0, 0, {}, 0, 0
for _, e in ipairs(events()) do
	if e.name == "set_migration_pte" then
		set = set + 1
		types[e.pte >> 59] = true
		if e.order ~= 9 then types.bad_order = true end
	elseif e.name == "remove_migration_pte" then
		remove = remove + 1
		if e.pte & 0x20 == 0 then old = old + 1 end
		if e.pte & 0x2 ~= 0 then rw = rw + 1 end
	end
end
t.is({ set, remove }, { 1022, 1022 }, "E5: 1022 set_migration_pte and 1022 remove_migration_pte")
t.is(types, { [28] = true }, "E5: all SWP_MIGRATION_READ (shared), order 9")
t.is({ old, rw }, { 511, 0 }, "E5: the child's 511 entries are old, none writable")
t.is({ bad(a, 0x1200, nil, { [0] = true }), bad(a, 0x1200, c, { [0] = true }) }, { 0, 0 },
	"E5: values intact in both")
step("E5")
exit(c)
munmap(a, "2M")

-- Several processes: a grandchild, the parent exits first, reparenting.
a = mmap("2M", { huge = true })
fill(a, 0x3300)
c = fork()
local g = fork(c)
t.is(folio(a).mapcount, 3, "three processes map the THP")
t.is(ps()[3].ppid, c, "ps: the grandchild's parent")
proc(c)
t.is(pid_of_current(), c, "proc switches the current process")
fault(a, "w")
t.is(bad(a, 0x3300), 0, "the child's values, after its write fault")
exit()
t.is(pid_of_current(), 1, "exit of the current process: its parent becomes current")
t.is(ps()[2].ppid, 1, "the grandchild is reparented to init")
step("three processes and an exit in the middle")
t.is(bad(a, 0x3300, g), 0, "the grandchild's values")
exit(g)
t.is(#ps(), 1, "only init is left")
step("the last exit")
munmap(a, "2M")

-- Bad input: an error naming the command, nothing changed.
v = snap()
local n = #ps()
t.raises(function() fork(99) end, "fork: no process 99", "fork of an unknown pid")
t.raises(function() proc(99) end, "proc: no process 99", "proc of an unknown pid")
t.raises(function() proc() end, "proc", "proc needs a pid")
t.raises(function() exit(1) end, "init", "init never exits")
t.raises(function() exit(42) end, "exit: no process 42", "exit of an unknown pid")
t.raises(function() fork("x") end, "fork", "fork wants a pid")
t.is({ #ps(), delta(v) }, { n, {} }, "nothing changed")
step("the bad input")

t.done()
