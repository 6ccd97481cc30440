-- options: --allow-sysfs
-- mremap of a shared anonymous THP (FACTS.md "mremap of shmem
-- mappings"): with shmem_enabled=advise and MADV_HUGEPAGE a write maps a
-- shmem THP by PMD; moved 2 MiB aligned the PMD moves (no counter),
-- moved unaligned it is zapped (thp_split_pmd, nr_shmem_pmdmapped -1)
-- and refaults by PTEs; grown where it cannot grow in place it moves to
-- a 2 MiB aligned place (shmem_get_unmapped_area of its shm_mnt file),
-- and past its first size it gives SIGBUS.
sysfs("transparent_hugepage/shmem_enabled", "advise")
local a = mmap("2M", { shared = true, huge = true })
for i = 0, 511 do write(a + i * 4096, i + 11) end
smaps(a)
local dest = mmap("6M")
munmap(dest, "6M")
dest = (dest + 2 * MB - 1) & ~(2 * MB - 1)
local b = mremap(a, "2M", "2M", dest)
smaps(b)
folio(b)
local c = mremap(b, "2M", "2M", dest + 2 * MB + 4096)
smaps(c)
print(read(c + 300 * 4096))
local d = mremap(c, "2M", "2M", dest)
local fence = mmap("4K", { addr = dest + 2 * MB })
local m = mremap(d, "2M", "4M")
print("moved", m ~= d, "aligned", m % (2 * MB) == 0)
smaps(m)
print(read(m + 7 * 4096))
print(pcall(read, m + 2 * MB))
check()
