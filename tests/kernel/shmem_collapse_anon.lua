-- options: --allow-sysfs
-- Shared anonymous memory collapsed (FACTS.md "shmem collapse"): with
-- shmem_enabled=never MADV_COLLAPSE still collapses it (the forced
-- collapse ignores the setting).  A forked child maps the same pages by
-- PTEs: the parent's collapse retracts the child's page table (Rss 0
-- there) and the child's next read maps the THP by PMD.  Then
-- khugepaged, with shmem_enabled=advise and the mm registered by an
-- anonymous THP fault: it collapses a MADV_HUGEPAGE'd region and
-- retracts the page table without mapping the THP (nothing PMD-mapped,
-- Rss 0); a read maps it by PMD, values intact.
local a = mmap("2M", { shared = true, nohuge = true })
for i = 0, 511 do
	write(a + i * 4096, i + 1)
end
madvise(a, "2M", "hugepage")
local child = fork()
print(read(a + 5 * 4096, { pid = child }))
smaps(a, { pid = child })
events(true)
print((madvise(a, "2M", "collapse")))
events(false)
events()
smaps(a)
smaps(a, { pid = child })
print(read(a + 7 * 4096, { pid = child }))
smaps(a, { pid = child })
exit(child)
sysfs("transparent_hugepage/shmem_enabled", "advise")
sysfs("transparent_hugepage/enabled", "madvise")
local t = mmap("2M", { huge = true })
print(fault(t, "w"))
local b = mmap("2M", { shared = true, nohuge = true })
for i = 0, 511 do
	write(b + i * 4096, i + 100)
end
madvise(b, "2M", "hugepage")
khugepaged()
khugepaged()
smaps(b)
print(read(b + 3 * 4096), read(b + 511 * 4096))
smaps(b)
check()
