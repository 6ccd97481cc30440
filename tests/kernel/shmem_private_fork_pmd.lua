-- fork of a private tmpfs mapping (FACTS.md "shmem private mappings"):
-- huge=always, 4 MiB; the first THP read (mapped by PMD), a page of the
-- second written (a copy: the VMA gets an anon_vma).  fork copies the
-- VMA's page tables now (vma_needs_copy), but not the file PMD
-- (copy_huge_pmd leaves it to the child's faults): the child maps only
-- the copy, shared copy-on-write.  The child's reads map the file again,
-- its write copies again; the parent keeps its value.
tmpfs("/thp", "huge=always,size=64m")
local p = mmap("4M", { file = "/thp/g" })
print(fault(p, "r"))
write(p + 2 * MB + 4096, 0x77)
smaps(p)
local c = fork()
smaps(p, { pid = c })
pagemap(p, { pid = c })
pagemap(p + 2 * MB + 4096, { pid = c })
print(read(p + 2 * MB + 4096, { pid = c }))
print(fault(p, "r", { pid = c }))
write(p + 2 * MB + 4096, 0x88, { pid = c })
smaps(p, { pid = c })
print(read(p + 2 * MB + 4096))
smaps(p)
exit(c)
munmap(p, "4M")
tmpfs()
check()
