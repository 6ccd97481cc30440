-- badinput.lua - every command rejects bad input with an error naming
-- it, and leaves the machine unchanged: check() passes after each.
local t = require "thpsh.test"

local a = mmap("2M", { huge = true })
fault(a, "w")
local before = vmstat()

local cases = {
	{ "munmap", function() munmap(a + 1, 4096) end, "not page aligned" },
	{ "munmap", function() munmap(a, 0) end, "length is 0" },
	{ "munmap", function() munmap(a, "4Q") end, "munmap" },
	{ "munmap", function() munmap("x", 4096) end, "munmap" },
	{ "mmap", function() mmap(-1) end, "mmap" },
	{ "mmap", function() mmap("2M", { prot = "rwz" }) end, "prot" },
	{ "mmap", function() mmap("2M", { addr = 1 }) end, "not page aligned" },
	{ "mmap", function() mmap("2M", { huge = true, nohuge = true }) end, "exclude" },
	{ "mmap", function() mmap("2M", { addr = 0x7ffffffff000 - 4096 }) end, "address space" },
	{ "mprotect", function() mprotect(a, 4096, "q") end, "prot" },
	{ "mprotect", function() mprotect(a + 4 * MB, 4096, "r") end, "not mapped" },
	{ "madvise", function() madvise(a, 4096, "bogus") end, "madvise" },
	{ "madvise", function() madvise(a + 8 * MB, 4096, "dontneed") end, "not mapped" },
	{ "fault", function() fault(0x1000) end, "SIGSEGV" },
	{ "fault", function() fault(a, "x") end, "fault" },
	{ "write", function() write(0x1000, 1) end, "SIGSEGV" },
	{ "write", function() write(a, "z") end, "write" },
	{ "read", function() read(1 << 62) end, "address space" },
	{ "touch", function() touch(a, 8 * MB) end, "not mapped" },
	{ "split_folio", function() split_folio(a, 12) end, "new_order" },
	{ "split_folio", function() split_folio(a + 16 * MB) end, "not mapped" },
	{ "split_pmd", function() split_pmd(0x1000) end, "not mapped" },
	{ "shrink", function() shrink(0) end, "nr_to_scan" },
	{ "sysfs", function() sysfs("transparent_hugepage/enabled", "sometimes") end, "EINVAL" },
	{ "sysfs", function() sysfs("transparent_hugepage/nope") end, "no attribute" },
	{ "sysfs", function() sysfs("transparent_hugepage/hpage_pmd_size", "4096") end, "read-only" },
	{ "sysfs", function() sysfs("transparent_hugepage/khugepaged/max_ptes_none", 512) end, "EINVAL" },
	{ "folio", function() folio({ pfn = 1 << 40 }) end, "beyond memory" },
	{ "folio", function() folio(0x1000) end, "not mapped" },
	{ "page", function() page({}) end, "pfn" },
	{ "kpageflags", function() kpageflags(-1) end, "beyond memory" },
	{ "kpagecount", function() kpagecount("x") end, "kpagecount" },
	{ "mthp_stats", function() mthp_stats("8kB") end, "no hugepages-8kB" },
	{ "vmstat", function() vmstat("nope") end, "no counter" },
	{ "smaps", function() smaps(0x1000) end, "not mapped" },
	{ "walk", function() walk(1 << 62) end, "address space" },
	{ "reset", function() reset({ mem = "5M" }) end, "multiple" },
	{ "reset", function() reset({ nodes = 9 }) end, "nodes" },
	{ "breakpoint", function() breakpoint("no_such_function") end, "no simulated kernel function" },
	{ "breakpoint", function() breakpoint("zap_pte_range", "middle") end, "breakpoint" },
	{ "trace", function() trace(42) end, "trace" },
	{ "events", function() events("yes") end, "events" },
}

for _, c in ipairs(cases) do
	local name, fn, text = c[1], c[2], c[3]
	local okay, err = pcall(fn)
	t.ok(not okay and tostring(err):find(name, 1, true) and tostring(err):find(text, 1, true),
		name .. " rejects bad input: " .. text)
	if okay or not tostring(err):find(text, 1, true) then
		io.write("# error was: ", tostring(err), "\n")
	end
	t.ok(check(), "check() after the rejected " .. name)
end

local after = vmstat()
after.pgfault, before.pgfault = nil, nil
t.is(after, before, "no counter moved")
t.is(folio(a).order, 9, "the THP is untouched")
t.done()
