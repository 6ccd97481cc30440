-- mremap with oldlen 0 (FACTS.md "mremap of shmem mappings"): a shared
-- mapping is mapped a second time, nothing unmapped (the "duplicate shm
-- area" case of check_prep_vma): the new VMA maps nothing until it
-- faults, then the same page-cache THP by a second PMD (thp_file_mapped
-- +1, nr_shmem_pmdmapped unchanged); a write through either mapping is
-- seen through the other.  Shared anonymous memory the same; a private
-- mapping gets EINVAL.
tmpfs("/thp", "huge=always,size=64m")
local a = mmap("2M", { file = "/thp/f", shared = true })
for i = 0, 511 do write(a + i * 4096, i + 3) end
local b = mremap(a, 0, "2M")
print("aligned", b % (2 * MB) == 0)
smaps(b)
smaps(a)
print(read(b + 7 * 4096))
smaps(b)
write(b + 3 * 4096, 77)
print(read(a + 3 * 4096))
local dest = mmap("4M")
munmap(dest, "4M")
local c = mremap(a, 0, "1M", dest + 4096)
print(c == dest + 4096, read(c + 5 * 4096))
local d = mremap(a + 4096, 0, "4K")
print(read(d))
munmap(a, "2M")
print(read(b + 9 * 4096))
local s = mmap("2M", { shared = true })
for i = 0, 511 do write(s + i * 4096, i + 9) end
local s2 = mremap(s, 0, "2M")
print(read(s2 + 100 * 4096))
munmap(s, "2M")
print(read(s2 + 200 * 4096))
local p = mmap("2M", { file = "/thp/f" })
print(pcall(mremap, p, 0, "2M"))
local q = mmap("2M")
print(pcall(mremap, q, 0, "2M"))
check()
