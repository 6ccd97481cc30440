-- mremap of a private tmpfs mapping with copies, and of shared anonymous
-- memory (FACTS.md "mremap of shmem mappings").  The private mapping's
-- page-cache pages and its anonymous copies move together (move_ptes;
-- the VMA keeps its vm_pgoff and anon_vma): Rss and Anonymous are the
-- same after the move, the copies keep their values, the other pages
-- still follow the file.  A PMD-mapped private THP moves by its PMD.
-- Shared anonymous memory is a shmem object of the mapping's first size:
-- it moves like a file, and grown in place it gives SIGBUS past that.
tmpfs("/t4k", "huge=never,size=64m")
local s = mmap("2M", { file = "/t4k/f", shared = true })
for i = 0, 511 do write(s + i * 4096, 0x6700 + i) end
local p = mmap("2M", { file = "/t4k/f" })
touch(p, "64K", "r")
write(p + 4096, 0x77)
write(p + 40 * 4096, 0x78)
smaps(p)
local dest = mmap("6M")
munmap(dest, "6M")
dest = (dest + 2 * MB - 1) & ~(2 * MB - 1)
local q = mremap(p, "2M", "2M", dest + 4096)
smaps(q)
pagemap(q)
pagemap(q + 4096)
pagemap(q + 40 * 4096)
print(read(q), read(q + 4096), read(q + 2 * 4096), read(q + 40 * 4096))
write(s + 4096, 0x99)
write(s + 2 * 4096, 0x99)
print(read(q + 4096), read(q + 2 * 4096))
munmap(q, "2M")
munmap(s, "2M")

tmpfs("/thp", "huge=always,size=64m")
s = mmap("2M", { file = "/thp/f", shared = true })
for i = 0, 511 do write(s + i * 4096, 0x6800 + i) end
munmap(s, "2M")
p = mmap("2M", { file = "/thp/f" })
print(fault(p, "r"))
smaps(p)
q = mremap(p, "2M", "2M", dest)
smaps(q)
write(q + 4096, 0x77)
touch(q, "2M", "r")
smaps(q)
local r = mremap(q, "2M", "2M", dest + 2 * MB)
smaps(r)
pagemap(r + 4096)
print(read(r), read(r + 4096), read(r + 2 * 4096))
munmap(r, "2M")

local a = mmap("2M", { shared = true })
for i = 0, 511 do write(a + i * 4096, i + 1) end
local b = mremap(a, "2M", "2M", dest + 2 * MB + 4096)
smaps(b)
print(read(b + 5 * 4096))
local c = mremap(b, "2M", "2M", dest)
local d = mremap(c, "2M", "4M")
print("in place", d == c)
print(pcall(read, d + 2 * MB))
print(read(d + 511 * 4096))
check()
