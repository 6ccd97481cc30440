-- options: --allow-sysfs
-- Swapping 4K shmem pages out to zram (FACTS.md "shmem swap"): 16
-- written pages of a tmpfs file go to swap (pswpout +16) and leave no
-- swap entry in the page table; a read brings back one page (pswpin +1,
-- pgmajfault +1); a hole punch and a truncate free the slots of the
-- swapped pages they cover; pages only read (zeros) are just dropped.
-- A private mapping's copies swap like anonymous memory (swap PTEs,
-- SwapPss) and its page-cache pages through the file (Swap only).
-- swapoff brings the rest back into the page cache, unmapped.
swapon("1G")
tmpfs("/sw", "huge=never,size=64m")
local a = mmap(16 * 4096, { file = "/sw/f", shared = true })
for i = 0, 15 do
	write(a + i * 4096, i + 21)
end
madvise(a, 16 * 4096, "pageout")
smaps(a)
pagemap(a + 3 * 4096)
print(read(a + 3 * 4096))
smaps(a)
madvise(a + 8 * 4096, 2 * 4096, "remove")
smaps(a)
truncate("/sw/f", 12 * 4096)
smaps(a)
meminfo()
local z = mmap(8 * 4096, { shared = true })
touch(z, 8 * 4096, "r")
madvise(z, 8 * 4096, "pageout")
smaps(z)
print(read(z + 4096))
local s = mmap(8 * 4096, { file = "/sw/p", shared = true })
for i = 0, 7 do
	write(s + i * 4096, i + 31)
end
munmap(s, 8 * 4096)
local p = mmap(8 * 4096, { file = "/sw/p" })
touch(p, 8 * 4096, "r")
for i = 0, 3 do
	write(p + i * 4096, i + 41)
end
madvise(p, 8 * 4096, "pageout")
smaps(p)
pagemap(p + 4096)
pagemap(p + 6 * 4096)
print(read(p + 4096), read(p + 6 * 4096))
swapoff()
smaps(a)
print(read(a + 5 * 4096))
check()
