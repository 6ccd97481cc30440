-- munmap of a whole PMD-mapped THP (FACTS.md A7): zap_huge_pmd frees it
-- and its deposited table; no split of any kind, nothing queued, and a
-- following shrink finds nothing to split.
local a = mmap("4M", { huge = true })
touch(a, "4M", "w")
smaps(a)
munmap(a, "2M")
smaps()
print(shrink())
munmap(a + 2 * MB, "2M")
print(#smaps())
check()
