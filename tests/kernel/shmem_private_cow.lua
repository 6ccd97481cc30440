-- A private mapping of a tmpfs file mounted huge=never (FACTS.md "shmem
-- private mappings"): a read maps 16 cached pages read-only
-- (fault-around); a write to one of them copies it (do_wp_page ->
-- wp_page_copy), a write where nothing is mapped copies the file's page
-- (do_cow_fault); pages not written follow the file, written ones keep
-- the process's value.  fork copies the VMA's entries, anonymous and
-- file pages, because it has an anon_vma; the child's writes copy again.
-- A hole punched through a shared mapping leaves the private copies,
-- MADV_DONTNEED drops one (the file's value reads again), and truncation
-- unmaps the copies too: a read past EOF is SIGBUS, and after the file
-- grows again the page reads 0.
tmpfs("/t4k", "huge=never,size=64m")
local s = mmap("2M", { file = "/t4k/f", shared = true })
for i = 0, 47 do write(s + i * 4096, 0x5100 + i) end
local p = mmap("2M", { file = "/t4k/f" })
print(fault(p + 5 * 4096, "r"))
smaps(p)
print(fault(p + 5 * 4096, "w"))
print(fault(p + 40 * 4096, "w"))
smaps(p)
pagemap(p + 5 * 4096)
pagemap(p + 6 * 4096)
write(p + 5 * 4096, 77)
write(s + 6 * 4096, 99)
write(s + 5 * 4096, 98)
print(read(p + 5 * 4096), read(p + 6 * 4096), read(p + 40 * 4096))
local c = fork()
smaps(p, { pid = c })
write(p + 5 * 4096, 88, { pid = c })
write(p + 7 * 4096, 89, { pid = c })
smaps(p, { pid = c })
smaps(p)
print(read(p + 5 * 4096), read(p + 7 * 4096))
print(read(p + 5 * 4096, { pid = c }), read(p + 7 * 4096, { pid = c }))
exit(c)
madvise(s + 5 * 4096, "8K", "remove")
print(read(p + 5 * 4096), read(p + 6 * 4096))
smaps(p)
madvise(p + 40 * 4096, "4K", "dontneed")
print(read(p + 40 * 4096))
smaps(p)
truncate("/t4k/f", 0)
smaps(p)
print(pcall(read, p + 5 * 4096))
truncate("/t4k/f", "2M")
print(read(p + 5 * 4096))
munmap(p, "2M")
munmap(s, "2M")
tmpfs()
check()
