-- Ports of khugepaged.c's MADV_COLLAPSE cases (the "madvise" context):
-- collapse_full (four PMD ranges of small pages become four THPs),
-- collapse_empty (nothing faulted: an error), collapse_single_pte_entry
-- (one page faulted collapses: max_ptes_none is for khugepaged only),
-- madvise_collapse_existing_thps (collapsing THPs again succeeds); the
-- selftest's fill value i + 0xdead0000 in page i, checked after each.
local function fill(base, n)
	for i = 0, n - 1 do
		write(base + i * 4096, i + 0xdead0000)
	end
end
local function intact(base, n)
	local good = 0
	for i = 0, n - 1 do
		good = good + (read(base + i * 4096) == i + 0xdead0000 and 1 or 0)
	end
	return good
end
local a = mmap("8M", { nohuge = true })
fill(a, 4 * 512)
madvise(a, "8M", "hugepage")
print((madvise(a, "8M", "collapse")))
smaps(a)
print("intact", intact(a, 4 * 512))
print((madvise(a, "8M", "collapse")))
print("intact", intact(a, 4 * 512))
local e = mmap("2M", { huge = true })
print((madvise(e, "2M", "collapse")))
smaps(e)
local s = mmap("2M", { nohuge = true })
fill(s, 1)
madvise(s, "2M", "hugepage")
print((madvise(s, "2M", "collapse")))
smaps(s)
print("intact", intact(s, 1), read(s + 4096))
check()
