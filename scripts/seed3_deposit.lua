#!/usr/bin/env thpsh
-- seed3_deposit.lua - the third seed: the page table deposited beside
-- every PMD-mapped THP, withdrawn when the PMD is split; and how a
-- PMD-mapped and a PTE-mapped THP differ when the folio itself splits.
--
--   thpsh scripts/seed3_deposit.lua

local function title(s) print(("\n== %s "):format(s) .. ("="):rep(60 - #s)) end

title("1. Deposit: the fault reserves a PTE table")
local a = mmap("2M", { huge = true })
trace { filter = { "pgtable_trans_huge_deposit" } }
fault(a, "w")
trace(false)
local pt = dump_pagetable(a)
print(pt)
local pmd_table = pt.entries[1].table.entries[1].table
print("deposited beside the PMD:", ("0x%x"):format(pmd_table.deposited[1]))
assert(#pmd_table.deposited == 1)

title("2. Withdraw: splitting the PMD uses it")
trace { filter = { "__split_huge_pmd" } }
assert(split_pmd(a))
trace(false)
pt = dump_pagetable(a)
pmd_table = pt.entries[1].table.entries[1].table
print(("the PMD now points to the withdrawn table pfn 0x%x; deposited left: %d")
	:format(pmd_table.entries[1].pfn, #pmd_table.deposited))
assert(#pmd_table.deposited == 0)
print(folio(a))

title("3. Splitting a PMD-mapped THP")
print("__folio_split -> unmap_folio -> try_to_migrate_one -> __split_huge_pmd_locked")
print("with freeze: the PMD split writes the migration entries itself.")
local b = mmap("2M", { huge = true })
touch(b, "2M", "w")
for i = 0, 511 do write(b + i * 4096, i + 1) end
events(true)
trace { filter = { "unmap_folio" } }
print("split_folio ->", split_folio(b))
trace(false)
events(false)
local pmd_sets = 0
for _, e in ipairs(events()) do
	if e.name == "set_migration_pte" then pmd_sets = pmd_sets + 1 end
end
print("set_migration_pte events:", pmd_sets, "(none: no tracepoint on that path)")

title("4. Splitting a PTE-mapped THP")
print("The PMD was split before; try_to_migrate_one replaces each PTE itself.")
for i = 0, 511 do write(a + i * 4096, i + 1) end
events(true)
print("split_folio ->", split_folio(a))
events(false)
local pte_sets = 0
for _, e in ipairs(events()) do
	if e.name == "set_migration_pte" then pte_sets = pte_sets + 1 end
end
print("set_migration_pte events:", pte_sets)

title("checks")
assert(pmd_sets == 0 and pte_sets == 512)
for i = 0, 511 do assert(read(a + i * 4096) == i + 1 and read(b + i * 4096) == i + 1) end
assert(check())
print("values intact in both, check() passes")
