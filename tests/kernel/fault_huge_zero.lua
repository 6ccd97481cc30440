-- A read fault maps the huge zero page by PMD (FACTS.md A3): nothing is
-- allocated for the region (Rss 0), the 512 pages are present, not
-- exclusive, flagged file/shared (the zero folio is not anon), ZERO_PAGE
-- and THP with kpagecount 0.  A later write allocates a fresh THP
-- instead of copying 4 KiB (do_huge_zero_wp_pmd, A4); a second region
-- read in the same process maps the same zero pages.
local a = mmap("2M", { huge = true })
print(fault(a + 4096))
print(read(a + 8192))
smaps(a)
pagemap(a)
pagemap(a + 300 * 4096)
page(a)
kpageflags(page(a).pfn)
kpageflags(page(a + 1 * 4096).pfn)
kpagecount(page(a + 1 * 4096).pfn)
folio(a)
local b = mmap("2M", { huge = true })
print(fault(b))
print("same zero pages", page(b).pfn == page(a).pfn)
print(fault(a + 4096, "w"))
smaps(a)
pagemap(a)
folio(a)
print(read(a + 8192), read(b + 8192))
check()
