-- Port of split_huge_page_test.c's split_file_backed_thp: a tmpfs
-- mounted huge=always,size=4M, 2 MiB written to a file (one page-cache
-- THP), the THP split, the file's content read back unchanged.  The
-- selftest splits through debugfs (refused here); user space splits a
-- file THP by truncating inside it: ftruncate to 2 MiB - 4 KiB splits
-- the folio (thp_split_page) and keeps everything below the new size.
tmpfs("/split", "huge=always,size=4m")
local a = mmap("2M", { file = "/split/f", shared = true })
for i = 0, 511 do
	write(a + i * 4096, i * 5 + 1)
end
tmpfs()
smaps(a)
munmap(a, "2M")
truncate("/split/f", 2 * MB - 4096)
tmpfs()
local b = mmap(2 * MB - 4096, { file = "/split/f", shared = true })
local intact = 0
for i = 0, 510 do
	if read(b + i * 4096) == i * 5 + 1 then
		intact = intact + 1
	end
end
print("intact", intact)
smaps(b)
check()
