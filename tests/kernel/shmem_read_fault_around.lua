-- Reads of a tmpfs file without huge pages (huge=never): a read of a
-- page not yet cached allocates it and maps it alone; once pages are
-- cached, a read maps them and their cached neighbours in one go
-- (fault-around, 16 pages); a write maps only its page.  A second
-- mapping of the file shares the same frames.
tmpfs("/small", "huge=never,size=16m")
local a = mmap("1M", { file = "/small/f", shared = true })
print(fault(a))
for i = 1, 31 do
	write(a + i * 4096, i)
end
munmap(a, "1M")
local b = mmap("1M", { file = "/small/f", shared = true })
print(fault(b + 5 * 4096))
print(fault(b + 6 * 4096))
print(fault(b + 20 * 4096, "w"))
smaps(b)
print(read(b + 7 * 4096), read(b + 20 * 4096))
local c = mmap("1M", { file = "/small/f", shared = true })
print(fault(c + 7 * 4096))
print("same frame", page(c + 7 * 4096).pfn == page(b + 7 * 4096).pfn)
page(c + 7 * 4096)
check()
