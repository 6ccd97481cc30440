#!/usr/bin/env thpsh
-- compaction.lua - a fragmented machine gets its THP back: every other
-- 4K page freed leaves no free 2 MiB block, so a MADV_HUGEPAGE fault
-- (defrag=madvise, the default) compacts memory itself: the migrate
-- scanner isolates pages from the bottom, the free scanner finds free
-- pages at the top, migrate_pages moves each one through a migration
-- entry (set_migration_pte, remove_migration_pte), and the freed frames
-- merge into a 2 MiB block.  Then compact() does the same for the whole
-- machine, as echo 1 > /proc/sys/vm/compact_memory.

local P, N = 4096, 14000
local function say(s) print("\n-- " .. s) end
local function counters(...)
	local out = {}
	for _, k in ipairs { ... } do out[#out + 1] = k .. " " .. vmstat(k) end
	print(table.concat(out, ", "))
end

say("a 64 MiB machine: 14000 4K pages written, then every other one dropped")
reset { mem = "64M" }
local a = mmap(N * P, { nohuge = true })
for off = 0, N * P - 1, 2 * MB do touch(a + off, P, "w") end	-- page tables first, together
for i = 0, N - 1 do write(a + i * P, i + 1) end
for i = 1, N - 1, 2 do madvise(a + i * P, P, "dontneed") end

say("use up the free 2 MiB blocks left (defrag=never: no compaction)")
sysfs("transparent_hugepage/defrag", "never")
local n = 0
while true do
	local b = mmap("2M", { huge = true })
	if fault(b, "w") ~= "thp" then munmap(b, "2M") break end
	n = n + 1
end
print(n .. " THPs took them; the next fault fell back:")
counters("thp_fault_alloc", "thp_fault_fallback", "compact_stall")

say("defrag=madvise: a MADV_HUGEPAGE fault compacts directly")
sysfs("transparent_hugepage/defrag", "madvise")
local c = mmap("2M", { huge = true })
events(true)
local lines = {}
trace { filter = "__alloc_pages_direct_compact", output = function(l) lines[#lines + 1] = l end }
local out = fault(c, "w")
trace(false)
for i = 1, 42 do print(lines[i]) end
print(("   ... %d more lines: the other pages moved the same way"):format(#lines - 42))
print("fault ->", out)
events(false)
counters("compact_stall", "compact_success", "pgmigrate_success", "compact_migrate_scanned",
	 "compact_free_scanned")
local count = {}
for _, e in ipairs(events()) do count[e.name] = (count[e.name] or 0) + 1 end
print(("%d set_migration_pte, %d remove_migration_pte: one of each per page moved"):format(
	count.set_migration_pte, count.remove_migration_pte))

say("compact(): echo 1 > /proc/sys/vm/compact_memory")
local r = compact()
print(("%d pages moved (%d failed), free 2 MiB blocks %d -> %d"):format(r.migrated, r.failed,
	r.free_2M_before, r.free_2M_after))
for i = 0, N - 1, 2 do assert(read(a + i * P) == i + 1) end
print("every kept page still reads back its value, on its new frame")
assert(check())
print("check() passes")
