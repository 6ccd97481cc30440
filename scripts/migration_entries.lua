#!/usr/bin/env thpsh
-- migration_entries.lua - the first seed's open question: where are
-- migration entries set, and does a split set them?  Shown, not told.
--
--   thpsh scripts/migration_entries.lua

local function setters(fn)
	local who = {}
	breakpoint("try_to_migrate_one", function() who.try_to_migrate_one = true end)
	breakpoint("__split_huge_pmd_locked", function(ctx)
		who.__split_huge_pmd_locked = true
	end)
	events(true)
	fn()
	events(false)
	clear()
	local n = 0
	for _, e in ipairs(events()) do
		if e.name == "set_migration_pte" then n = n + 1 end
	end
	return who, n
end

print("A split of a PTE-mapped THP (its PMD split earlier by a partial munmap):")
local a = mmap("2M", { huge = true })
touch(a, "2M", "w")
for i = 0, 511 do write(a + i * 4096, i + 1) end
munmap(a, 4096)
breakpoint("__split_unmapped_folio", function()
	local w = walk(a + 4096)
	print(("  mid-split, pte of page 1 = 0x%x: %s"):format(w.pte, table.concat(w.flags, ", ")))
end)
local who, n = setters(function() shrink() end)
print(("  set by try_to_migrate_one: %s; %d set_migration_pte events")
	:format(tostring(who.try_to_migrate_one), n))
assert(who.try_to_migrate_one and n == 511)

print("A split of a PMD-mapped THP:")
local b = mmap("2M", { huge = true })
touch(b, "2M", "w")
for i = 0, 511 do write(b + i * 4096, i + 1) end
who, n = setters(function() split_folio(b) end)
print(("  __split_huge_pmd_locked with freeze writes them: %s; %d set_migration_pte events")
	:format(tostring(who.__split_huge_pmd_locked), n))
assert(who.__split_huge_pmd_locked and n == 0)

print("So: yes, every anonymous folio split sets migration entries (SWP_MIGRATION_*),")
print("in try_to_migrate_one for PTEs or __split_huge_pmd_locked(freeze) for a PMD,")
print("and remap_page -> remove_migration_pte puts the pages back (FACTS.md A14).")
for i = 1, 511 do assert(read(a + i * 4096) == i + 1) end
assert(check())
