-- Private mapping of a tmpfs file mounted huge=always, 4 MiB, nothing
-- cached (FACTS.md "shmem private mappings"): a read of a hole puts a
-- THP in the cache and maps it by PMD; writes over it copy page by page
-- (the first zaps the PMD: thp_split_pmd); writes where nothing is
-- mapped copy the file's pages (do_cow_fault; a THP is allocated in the
-- cache first); reads map the rest of the THP by PTEs; mprotect r and
-- back keeps the file pages read-only, so writes copy them; dontneed
-- drops every copy and the file's pages read again.
tmpfs("/thp", "huge=always,size=64m")
local p = mmap("4M", { file = "/thp/h" })
print(fault(p, "r"))
smaps(p)
touch(p, "64K", "w")
smaps(p)
touch(p + 2 * MB, "64K", "w")
smaps(p)
touch(p + 2 * MB, "128K", "r")
smaps(p)
vmstat("thp_file_alloc")
mprotect(p, "4M", "r")
mprotect(p, "4M", "rw")
touch(p + 2 * MB, "128K", "w")
smaps(p)
madvise(p, "4M", "dontneed")
smaps(p)
print(read(p))
munmap(p, "4M")
tmpfs()
check()
