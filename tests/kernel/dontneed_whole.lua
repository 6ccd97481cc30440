-- MADV_DONTNEED of a whole THP (FACTS.md A9): zap_huge_pmd frees the
-- folio and its deposited table, the VMA stays (Rss 0, THPeligible), a
-- read then maps the huge zero page and a write a fresh THP.
local a = mmap("2M", { huge = true })
touch(a, "2M", "w")
write(a, 9)
madvise(a, "2M", "dontneed")
smaps(a)
pagemap(a)
print(shrink())
print(fault(a + 8192))
print(read(a))
print(fault(a, "w"))
smaps(a)
folio(a)
check()
