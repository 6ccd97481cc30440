-- MADV_COLLAPSE that fails (FACTS.md): a range never faulted and one
-- whose pages are all the zero page have no anon_vma yet (EINVAL, no
-- event); a VMA still MADV_NOHUGEPAGE is refused (EINVAL); a range
-- zapped by MADV_DONTNEED has no PTE table left (EINVAL after a
-- pmd_none scan).
local a = mmap("2M", { huge = true })
events(true)
print((madvise(a, "2M", "collapse")))
touch(a, "2M")
print((madvise(a, "2M", "collapse")))
events(false)
events()
local b = mmap("2M", { nohuge = true })
touch(b, "2M", "w")
print((madvise(b, "2M", "collapse")))
smaps(b)
madvise(b, "2M", "hugepage")
madvise(b, "2M", "dontneed")
events(true)
print((madvise(b, "2M", "collapse")))
events(false)
events()
check()
