#!/usr/bin/env thpsh
-- demo.lua - what `make run` shows when no terminal is attached: a THP
-- is faulted, one of its pages unmapped, and the deferred split shrinker
-- splits it, with the kernel's call path and the state at each step.
-- The scripts beside it go deeper: seed1_munmap.lua, seed2_split_triggers.lua,
-- seed3_deposit.lua, migration_entries.lua.

local function say(s) print("\n-- " .. s) end

say("mmap 2 MiB with MADV_HUGEPAGE and write to it: a THP fault")
local a = mmap("2M", { huge = true })
trace { filter = "do_huge_pmd_anonymous_page" }
print("fault ->", fault(a, "w"))
trace(false)
for i = 0, 511 do write(a + i * 4096, i + 1) end
print(dump_pagetable(a))
print(folio(a))

say("munmap one 4 KiB page: __split_vma splits the PMD, the folio is queued")
trace { filter = { "__split_huge_pmd", "zap_pte_range" } }
munmap(a + 4096, 4096)
trace(false)
print(folio(a))
print(("thp_split_pmd %d, thp_deferred_split_page %d"):format(
	vmstat("thp_split_pmd"), vmstat("thp_deferred_split_page")))

say("echo 2 > /proc/sys/vm/drop_caches: the deferred split shrinker")
events(true)
print("shrink() ->", shrink(), "folio split")
events(false)
local ev = events()
print(("%d trace events: %s (order %d) ... %s (order %d)"):format(#ev,
	ev[1].name, ev[1].order, ev[#ev].name, ev[#ev].order))
print(folio(a))
print("read(a + 8 KiB) ->", read(a + 8192), "(the value written before the split)")
assert(check())
print("\ncheck() passes: every refcount, mapcount and counter is consistent.")
print("Type ./thpsh for the prompt, help for the commands.")
