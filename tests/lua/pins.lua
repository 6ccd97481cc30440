-- pins.lua - long-term GUP pins: pin() and unpin(), as an io_uring
-- fixed buffer takes them (FOLL_WRITE | FOLL_PIN | FOLL_LONGTERM), and
-- what they change: fork copies a pinned THP for the child, a pinned
-- folio cannot be split and stays on the deferred split queue, exit
-- releases the pins.  Every expected number was measured on the live
-- 6.18 kernel (tests/kernel/FACTS.md, "Long-term GUP pin (io_uring fixed
-- buffer) and fork / partial munmap") or comes from the kernel source,
-- as the comments say.  check() runs after every step.
local t = require "thpsh.test"

local snap, delta, step = t.snap, t.delta, t.step

local function fill(a, tag)
	for i = 0, 511 do write(a + i * 4096, tag ~ i) end
end

local function bad(a, tag, pid)
	local n = 0
	for i = 0, 511 do
		if read(a + i * 4096, { pid = pid }) ~= tag ~ i then n = n + 1 end
	end
	return n
end

local function has(list, x)
	for _, v in ipairs(list) do if v == x then return true end end
	return false
end

-- Register (pin): nothing splits or moves; kpageflags gain REFERENCED.
local a = mmap("2M", { huge = true })
fill(a, 0x4400)
local head = pagemap(a).pfn
local v = snap()
t.is(pin(a, "2M"), 512, "pin 512 pages")
t.is(delta(v), {}, "pin: no counter moves")
t.is(kpagecount(head + 100), 1, "kpagecount stays 1: a pin is not a mapping")
t.ok(has(kpageflags(head).flags, "REFERENCED"), "kpageflags gain REFERENCED")
-- Kernel source (try_grab_folio): a large folio counts pins in _pincount.
local f = folio(a)
t.is({ f.pincount, f.refcount, f.mapcount }, { 512, 513, 1 },
	"pincount 512, refcount 1 + 512, mapcount 1")
t.is(vmstat("nr_foll_pin_acquired") - vmstat("nr_foll_pin_released"), 512,
	"nr_foll_pin_acquired - nr_foll_pin_released = 512")
step("the pin")

-- fork with the THP pinned: the parent's PMD is split, the child gets copies.
v = snap()
local c = fork()
t.is(delta(v), { thp_split_pmd = 1, nr_anon_transparent_hugepages = -1 },
	"pinned fork: thp_split_pmd +1, nr_anon_transparent_hugepages -1, nothing else")
t.is({ pagemap(a).pfn, folio(a).order, smaps(a).AnonHugePages }, { head, 9, 0 },
	"the parent keeps its order-9 folio, now PTE-mapped")
t.is({ pagemap(a + 300 * 4096).exclusive, kpagecount(head + 300) }, { true, 1 },
	"the parent's pages: exclusive, kpagecount 1")
local copies, small = 0, 0
for i = 0, 511 do
	local p = pagemap(a + i * 4096, { pid = c })
	if p.pfn < head or p.pfn >= head + 512 then copies = copies + 1 end
	if folio(a + i * 4096, { pid = c }).order == 0 then small = small + 1 end
end
t.is({ copies, small }, { 512, 512 }, "the child has 512 separate 4K copies")
t.is(bad(a, 0x4400, c), 0, "the child's values are identical")
step("the pinned fork")
-- The parent's write goes to the pinned page, not to a COW copy (cow.c "iouring fork").
write(a + 3 * 4096, 77)
t.is({ pagemap(a + 3 * 4096).pfn, read(a + 3 * 4096, { pid = c }) }, { head + 3, 0x4400 ~ 3 },
	"the parent writes into the pinned page; the child keeps its copy")
v = snap()
exit(c)
t.is(unpin(a, "2M"), 512, "unpin 512 pages")
shrink()
t.is(delta(v), {}, "child exit, unpin, drop_caches: no counter moves")
t.is({ folio(a).order, folio(a).partially_mapped, #deferred_list() }, { 9, false, 0 },
	"a fully PTE-mapped order-9 folio, not queued")
step("exit, unpin and shrink")
munmap(a, "2M")

-- munmap of one 4K page of a pinned THP: the split fails, the folio stays queued.
a = mmap("2M", { huge = true })
fill(a, 0x4500)
pin(a, "2M")
v = snap()
munmap(a + 100 * 4096, 4096)
t.is(delta(v), { thp_split_pmd = 1, thp_deferred_split_page = 1,
	nr_anon_transparent_hugepages = -1, ["2048kB.split_deferred"] = 1,
	["2048kB.nr_anon_partially_mapped"] = 1 }, "munmap of page 100: the same as without a pin")
step("munmap of one page of the pinned THP")
for round = 1, 2 do
	v = snap()
	shrink()
	local d = delta(v)
	t.ok((d.thp_split_page_failed or 0) >= 1 and
		d.thp_split_page_failed == d["2048kB.split_failed"],
		"drop_caches #" .. round .. ": thp_split_page_failed +N, split_failed +N")
	t.is(d.thp_split_page, nil, "drop_caches #" .. round .. ": no thp_split_page")
	t.is(#deferred_list(), 1, "drop_caches #" .. round .. ": the folio stays queued")
	step("drop_caches #" .. round)
end
t.is(split_folio(a), -11, "split_folio: -EAGAIN while pinned")
step("the failed split_folio")
v = snap()
t.is(unpin(a, "2M"), 512, "unpin (the unmapped page was pinned too)")
t.is(delta(v), {}, "unpin: no counter moves")
shrink()
t.is(delta(v), { thp_split_page = 1, ["2048kB.split"] = 1, ["2048kB.nr_anon"] = -1,
	["2048kB.nr_anon_partially_mapped"] = -1 }, "after unpin the shrinker splits it")
step("the split after unpin")
munmap(a, "2M")

-- A small folio: kernel source, try_grab_folio adds GUP_PIN_COUNTING_BIAS (1024).
local s = mmap("64K", { nohuge = true })
write(s, 1)
t.is(pin(s), 1, "pin one 4K page")
t.is(page(s).refcount, 1 + 1024, "refcount 1 + GUP_PIN_COUNTING_BIAS")
step("the small pin")
c = fork()
t.ok(pagemap(s, { pid = c }).pfn ~= pagemap(s).pfn, "fork copies a pinned small page too")
t.is(read(s, { pid = c }), 1, "with its value")
step("the fork of a pinned small page")
-- Exit releases the pins the process held.
t.is(pin(s + 4096, 4096, { pid = c }), 1, "the child pins a page of its own")
exit(c)
t.is(vmstat("nr_foll_pin_acquired") - vmstat("nr_foll_pin_released"), 1,
	"the child's exit released its pin")
step("the exit of a pinning process")
t.is(unpin(s), 1, "unpin")
t.is(page(s).refcount, 1, "refcount back to 1")
step("the small unpin")

-- Pinning a page shared with a child: FOLL_WRITE COWs it first.
write(s + 8192, 5)
c = fork()
pin(s + 8192)
t.ok(pagemap(s + 8192).pfn ~= pagemap(s + 8192, { pid = c }).pfn,
	"the parent pinned its own copy, the child keeps the old page")
write(s + 8192, 6)
t.is(read(s + 8192, { pid = c }), 5, "the child does not see the write")
step("the pin of a shared page")
unpin(s + 8192)
exit(c)
munmap(s, "64K")

-- A pin faults pages in: a huge zero page becomes a THP first.
a = mmap("2M", { huge = true })
fault(a)
v = snap()
pin(a + 4096)
t.is({ delta(v).thp_fault_alloc, folio(a).pincount }, { 1, 1 },
	"pinning a huge-zero page: a write fault allocates the THP, then one pin")
unpin(a + 4096)
step("the pin of a huge zero page")

-- Bad input: an error naming the command, nothing changed.
local ro = mmap("2M", { prot = "r" })
v = snap()
t.raises(function() pin(ro) end, "pin: " .. string.format("%#x", ro) .. " is not writable",
	"pin of a read-only mapping")
t.raises(function() pin(a + 4 * MB) end, "pin:", "pin of an unmapped address")
t.raises(function() pin(a, 0) end, "pin: length is 0", "pin of nothing")
t.raises(function() pin(a, "2Q") end, "pin", "pin with a bad size")
t.raises(function() unpin(a) end, "unpin: pid 1 pinned nothing", "unpin of nothing")
t.raises(function() pin(a, 4096, { pid = 9 }) end, "pin: no process 9", "pin in an unknown process")
t.is({ delta(v), folio(a).pincount }, { {}, 0 }, "nothing changed")
step("the bad input")

t.done()
