-- shmem THPs on a tmpfs mounted huge=always (FACTS.md "shmem THP"): a
-- write fault in a shared file mapping allocates a page-cache THP and
-- maps it by PMD (thp_file_alloc, thp_file_mapped, nr_shmem_hugepages,
-- nr_shmem_pmdmapped, 2048kB shmem_alloc; ShmemPmdMapped 2048, nothing
-- anon); munmap of one page zaps the whole PMD without a split of the
-- folio (thp_split_pmd, nr_shmem_pmdmapped -1): the other pages are not
-- mapped any more, and a refault maps one page of the same folio by PTE.
tmpfs("/thp", "huge=always,size=64m")
local a = mmap("4M", { file = "/thp/f", shared = true })
print(fault(a, "w"))
write(a + 4096, 7)
smaps(a)
pagemap(a)
pagemap(a + 300 * 4096)
kpageflags(page(a).pfn)
kpagecount(page(a).pfn)
folio(a)
print(fault(a + 2 * MB + 4096, "w"))
tmpfs()
munmap(a + 2 * 4096, "4K")
smaps(a)
pagemap(a)
print(fault(a + 16 * 4096, "w"))
pagemap(a + 16 * 4096)
pagemap(a + 17 * 4096)
page(a + 16 * 4096)
print(read(a + 4096))
print(shrink())
tmpfs()
check()
