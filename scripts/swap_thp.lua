#!/usr/bin/env thpsh
-- swap_thp.lua - a THP swapped out and back, step by step: MADV_PAGEOUT
-- writes it whole to 512 consecutive slots of a zram-like device (its
-- PMD split, each PTE now a swap entry), a read fault brings one page
-- back, an mTHP-sized fault brings 64K back at once, fork shares the
-- entries and a shared entry goes through the swap cache, swapoff
-- brings the rest back.  The same steps as the live-kernel probe of
-- tests/kernel/FACTS.md, "Swap".
--
--   thpsh scripts/swap_thp.lua

local function title(s) print(("\n== %s "):format(s) .. ("="):rep(60 - #s)) end

local function counters(names)
	local v, out = vmstat(), {}
	for _, k in ipairs(names) do out[#out + 1] = ("%s %d"):format(k, v[k]) end
	return table.concat(out, ", ")
end

title("1. swapon: a 1 GiB zram device")
swapon("1G")
print(swap())

title("2. MADV_PAGEOUT of a whole THP")
local a = mmap("2M", { huge = true })
for i = 0, 511 do write(a + i * 4096, i + 1) end
-- shrink_folio -> folio_alloc_swap, try_to_unmap (the PMD split, then 512
-- PTEs made swap entries: left out here), pageout, __remove_mapping
trace { filter = { "folio_alloc_swap", "__split_huge_pmd_locked", "pageout", "__remove_mapping" } }
madvise(a, "2M", "pageout")
trace(false)
print(counters { "thp_swpout", "thp_split_pmd", "thp_split_page", "pswpout" })
print(swap())
print(dump_pagetable(a, "2M"))
assert(vmstat("thp_swpout") == 1 and vmstat("thp_split_page") == 0 and smaps(a).Swap == 2048)

title("3. a read of page 3: one 4K page comes back")
trace { filter = { "do_swap_page", "alloc_swap_folio", "swap_read_folio" } }
print("fault ->", fault(a + 3 * 4096))
trace(false)
print(folio(a + 3 * 4096))
print("page 2 still swapped, at offset", pagemap(a + 2 * 4096).swap_offset)
assert(folio(a + 3 * 4096).order == 0 and read(a + 3 * 4096) == 4)

title("4. with hugepages-64kB/enabled=always: 64K at once")
sysfs("transparent_hugepage/hugepages-64kB/enabled", "always")
print("fault ->", fault(a + 0x10000 + 5 * 4096))
print(folio(a + 0x10000))
assert(folio(a + 0x10000).order == 4)
sysfs("transparent_hugepage/hugepages-64kB/enabled", "never")

title("5. fork: both processes hold the entries; the swap cache serves both")
local child = fork()
print("slot counts:", swap().entries[#swap().entries].count)
proc(child)
print("child's fault ->", fault(a + 100 * 4096))
proc(1)
print("parent's fault ->", fault(a + 100 * 4096))
print(folio(a + 100 * 4096))
assert(folio(a + 100 * 4096).mapcount == 2)
exit(child)

title("6. swapoff: every page comes back, 4K each")
swapoff()
print(smaps(a).Rss, "kB resident,", smaps(a).Swap, "kB swapped; values intact:")
for i = 0, 511 do assert(read(a + i * 4096) == i + 1) end
print("yes")
check()
