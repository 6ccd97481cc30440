-- A private mapping of a tmpfs file mounted huge=always (FACTS.md
-- "shmem private mappings"): a read maps the page-cache THP by its PMD,
-- read-only (do_read_fault -> do_set_pmd: thp_file_mapped,
-- nr_shmem_pmdmapped, ShmemPmdMapped 2048, nothing anonymous); a write
-- to another page of it splits the PMD (wp_huge_pmd -> __split_huge_pmd:
-- thp_split_pmd, the file PMD zapped) and copies that one page
-- (do_cow_fault: Anonymous 4, Rss 4); the file keeps its value, the
-- process reads its own; reads map the rest of the folio by PTEs.
tmpfs("/thp", "huge=always,size=64m")
local s = mmap("2M", { file = "/thp/f", shared = true })
write(s, 5)
write(s + 4096, 6)
write(s + 2 * 4096, 7)
munmap(s, "2M")
local p = mmap("2M", { file = "/thp/f" })
print(fault(p, "r"))
smaps(p)
pagemap(p)
print(fault(p + 4096, "w"))
smaps(p)
pagemap(p)
pagemap(p + 4096)
write(p + 4096, 77)
print(read(p + 4096), read(p + 2 * 4096))
smaps(p)
pagemap(p + 3 * 4096)
s = mmap("2M", { file = "/thp/f", shared = true })
print(read(s + 4096))
munmap(p, "2M")
munmap(s, "2M")
tmpfs()
check()
