-- Ports of khugepaged.c's collapse_fork, collapse_fork_compound and
-- collapse_max_ptes_shared (madvise context): pages shared with a fork
-- parent do not stop a child's MADV_COLLAPSE.  One small page shared,
-- the child faults a second and collapses: the child gets a THP, the
-- parent keeps its page.  A THP shared over fork, PTE-mapped in the
-- child and COWed there in 255 pages: the child collapses a copy, the
-- parent still has its THP and values.
local a = mmap("2M", { nohuge = true })
write(a, 1)
madvise(a, "2M", "hugepage")
local child = fork()
write(a + 4096, 2, { pid = child })
print((madvise(a, "2M", "collapse", { pid = child })))
smaps(a, { pid = child })
smaps(a)
print(read(a, { pid = child }), read(a + 4096, { pid = child }), read(a))
exit(child)
local b = mmap("2M", { huge = true })
for i = 0, 511 do
	write(b + i * 4096, i + 0xdead0000)
end
local kid = fork()
madvise(b, "4K", "nohugepage", { pid = kid })
madvise(b, "2M", "hugepage", { pid = kid })
for i = 0, 512 - 256 - 2 do
	write(b + i * 4096, i, { pid = kid })
end
smaps(b, { pid = kid })
print((madvise(b, "2M", "collapse", { pid = kid })))
smaps(b, { pid = kid })
smaps(b)
print(read(b + 5 * 4096, { pid = kid }), read(b + 400 * 4096, { pid = kid }), read(b + 5 * 4096))
check()
