-- Growing a THP mapping in place (room behind it) keeps the PMD; the new
-- half faults its own THP.  Shrinking by one page unmaps the last page
-- as munmap would: the PMD is split and the folio queued for the
-- deferred split, which the shrink then carries out.
local a = mmap("4M", { huge = true })
munmap(a + 2 * MB, "2M")
write(a, 1)
local b = mremap(a, "2M", "4M")
print("in place", b == a)
smaps(a)
print(fault(a + 3 * MB, "w"))
smaps(a)
local c = mremap(a, "4M", 4 * MB - 4096)
print("in place", c == a)
smaps(a)
folio(a + 2 * MB)
for i = 0, 510 do
	write(a + 2 * MB + i * 4096, i + 1)
end
events(true)
print(shrink())
events(false)
events()
folio(a + 2 * MB)
check()
