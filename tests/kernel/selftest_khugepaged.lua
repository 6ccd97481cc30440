-- options: --allow-sysfs
-- Ports of khugepaged.c's cases in the khugepaged context, where the
-- daemon enforces its limits (FACTS.md "khugepaged"): four PMD ranges of
-- small pages are collapsed (collapse_full); with max_ptes_none = 256 a
-- range with 257 none PTEs is left alone and one with 256 collapsed
-- (collapse_max_ptes_none); a range whose pages a fork parent still
-- shares is left alone past max_ptes_shared = 256 and collapsed at 256
-- (collapse_max_ptes_shared).  Each check lets khugepaged run twice: in
-- the simulation one call is one wake-up, which may stop before the last
-- range; on the live kernel it waits for the daemon's next full scan.
local function scan()
	return khugepaged() + khugepaged()
end
local function fill(base, first, last)
	for i = first, last do
		write(base + i * 4096, i + 0xdead0000)
	end
end
local a = mmap("8M", { nohuge = true })
fill(a, 0, 4 * 512 - 1)
madvise(a, "8M", "hugepage")
print(scan())
smaps(a)
sysfs("transparent_hugepage/khugepaged/max_ptes_none", 256)
local b = mmap("2M", { nohuge = true })
fill(b, 0, 512 - 256 - 2)
madvise(b, "2M", "hugepage")
print(scan())
smaps(b)
fill(b, 255, 255)
print(scan())
smaps(b)
print(read(b + 254 * 4096), read(b + 400 * 4096))
sysfs("transparent_hugepage/khugepaged/max_ptes_none", 511)
local c = mmap("2M", { nohuge = true })
fill(c, 0, 511)
local child = fork()
for i = 0, 512 - 256 - 2 do
	write(c + i * 4096, i, { pid = child })
end
madvise(c, "2M", "hugepage", { pid = child })
print(scan())
smaps(c, { pid = child })
write(c + 255 * 4096, 255, { pid = child })
print(scan())
smaps(c, { pid = child })
smaps(c)
print(read(c + 5 * 4096, { pid = child }), read(c + 5 * 4096))
check()
