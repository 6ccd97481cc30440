#!/usr/bin/env thpsh
-- khugepaged.lua - why did khugepaged not collapse my memory?  Four
-- regions of 4 KiB pages, each refused for another reason, the scan
-- result of each as the kernel names it (and as its tracepoint prints
-- it), then what lifts each refusal, and MADV_COLLAPSE, which ignores
-- khugepaged's limits.  The numbers are the live kernel's
-- (tests/kernel/FACTS.md "khugepaged", "MADV_COLLAPSE").

local function say(s) print("\n-- " .. s) end

-- n pages written as 4K pages, then MADV_HUGEPAGE (which puts the process
-- on khugepaged's list); a PROT_NONE page below keeps regions apart.
local function region(n, name)
	local a = mmap("2M", { nohuge = true })
	mmap("4K", { addr = a - 4096, prot = "none" })
	for i = 0, n - 1 do write(a + i * 4096, i + 1) end
	madvise(a, "2M", "hugepage")
	print(("%-8s %#x: %d pages written"):format(name, a, n))
	return a
end

local function explain()
	local r = khugepaged { explain = true }
	for _, s in ipairs(r.scans) do
		print(("  pid %d %#x  %-26s %-22s %s"):format(s.pid, s.addr, s.result, s.status, s.why))
	end
	return r
end

say("four regions, and max_ptes_none lowered to 64")
sysfs("transparent_hugepage/khugepaged/max_ptes_none", "64")
local sparse = region(100, "sparse")
local shared = region(512, "shared")
local child = fork()
local idle = region(512, "idle")
madvise(idle, "2M", "free")	-- MADV_FREE clears the young bits
local pinned = region(512, "pinned")
pin(pinned + 7 * 4096)

say("khugepaged{ explain = true }: one line per PMD range scanned, process by process\n" ..
    "-- (the child forked before idle and pinned existed: it has sparse and shared)")
local r = explain()
assert(r.collapsed == 0)

say("lift each refusal and run it again")
sysfs("transparent_hugepage/khugepaged/max_ptes_none", "511")
exit(child)
write(idle, 1)
unpin(pinned + 7 * 4096)
r = explain()
print(("collapsed %d; pages_collapsed %s, full_scans %s"):format(r.collapsed,
	sysfs("transparent_hugepage/khugepaged/pages_collapsed"),
	sysfs("transparent_hugepage/khugepaged/full_scans")))
assert(r.collapsed == 4)

say("MADV_COLLAPSE ignores max_ptes_none: 10 pages of 512 become a THP")
sysfs("transparent_hugepage/khugepaged/max_ptes_none", "0")
local few = region(10, "few")
events(true)
local ret, err, scans = madvise(few, "2M", "collapse")
events(false)
print("madvise(few, \"2M\", \"collapse\") ->", ret, err, scans[1].why)
for _, e in ipairs(events()) do
	print(("  %s: status=%s%s"):format(e.name, e.status,
		e.none_or_zero and " none_or_zero=" .. e.none_or_zero or ""))
end
assert(ret == 0 and read(few + 9 * 4096) == 10 and read(few + 10 * 4096) == 0)
assert(check())
print("\ncheck() passes; every value written is still there.")
