-- options: --allow-sysfs
-- Port of khugepaged.c's collapse_max_ptes_none (madvise context): with
-- max_ptes_none = 256 and only 512 - 256 - 1 pages faulted, MADV_COLLAPSE
-- still collapses (it does not enforce khugepaged's limits), the missing
-- pages reading zero.
sysfs("transparent_hugepage/khugepaged/max_ptes_none", 256)
local a = mmap("2M", { nohuge = true })
for i = 0, 512 - 256 - 2 do
	write(a + i * 4096, i + 1)
end
madvise(a, "2M", "hugepage")
print((madvise(a, "2M", "collapse")))
smaps(a)
print(read(a + 254 * 4096), read(a + 255 * 4096), read(a + 511 * 4096))
check()
