-- mremap of a shared tmpfs mapping mounted huge=always (FACTS.md "mremap
-- of shmem mappings"): moved whole to a 2 MiB-aligned place the file
-- THP's PMD moves (move_huge_pmd, no table is deposited for a file
-- PMD): no counter, ShmemPmdMapped stays; moved to an unaligned place
-- the PMD is split, which for a file PMD means zapped (thp_split_pmd,
-- nr_shmem_pmdmapped -1) and nothing is mapped until a refault; the
-- values live in the page cache.  Growing in place over the file maps a
-- new THP on a write; growing past the file's end gives SIGBUS there;
-- shrinking through the THP zaps its PMD and leaves the cache whole.
-- Grown where it cannot grow in place, it moves to a 2 MiB-aligned place.
tmpfs("/thp", "huge=always,size=64m")
local a = mmap("2M", { file = "/thp/f", shared = true })
truncate("/thp/f", "4M")
for i = 0, 511 do
	write(a + i * 4096, i + 5)
end
smaps(a)
local frame = page(a).pfn
local dest = mmap("6M")
munmap(dest, "6M")
dest = (dest + 2 * MB - 1) & ~(2 * MB - 1)
local b = mremap(a, "2M", "2M", dest)
print("moved to dest", b == dest)
smaps(b)
folio(b)
print("same frames", page(b).pfn == frame, read(b + 100 * 4096))
print(pcall(read, a))
local c = mremap(b, "2M", "2M", dest + 2 * MB + 4096)
smaps(c)
pagemap(c)
print(read(c + 100 * 4096), read(c + 511 * 4096))
smaps(c)
print("same frames", page(c + 100 * 4096).pfn == frame + 100)
munmap(c, "2M")
local g = mmap("2M", { file = "/thp/f", shared = true, addr = dest })
local r = mremap(g, "2M", "4M")
print("in place", r == g)
smaps(r)
write(r + 2 * MB, 77)
smaps(r)
print(read(r + 2 * MB), read(r + 7 * 4096))
local s = mremap(r, "4M", "1M")
smaps(s)
print(read(s + 255 * 4096))
smaps(s)
truncate("/thp/f", "1M")
local e = mremap(s, "1M", "3M")
print(pcall(read, e + 1 * MB))
print(pcall(write, e + 2 * MB, 5))
munmap(e, "3M")
-- grown with a page mapped right behind it: moved, to a place the file
-- chooses (shmem_get_unmapped_area), 2 MiB aligned, the PMD with it
truncate("/thp/f", "4M")
local h = mmap("2M", { file = "/thp/f", shared = true, addr = dest })
local blocker = mmap("4K", { addr = dest + 2 * MB })
local m = mremap(h, "2M", "4M")
print("moved", m ~= h, "aligned", m % (2 * MB) == 0)
smaps(m)
print(read(m + 7 * 4096), pcall(read, h))
write(m + 2 * MB, 9)
smaps(m)
print(shrink())
check()
