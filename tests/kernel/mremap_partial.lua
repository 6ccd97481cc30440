-- mremap of the first 1 MiB of a THP to an aligned place: the PMD is
-- split, the folio is mapped half here and half there, every page still
-- mapped, so nothing is queued and a shrink splits nothing.
local a = mmap("2M", { huge = true })
for i = 0, 511 do
	write(a + i * 4096, i + 9)
end
local dest = mmap("2M")
local b = mremap(a, "1M", "1M", dest)
smaps(a + 1 * MB)
smaps(b)
folio(b)
folio(a + 1 * MB)
print(shrink())
print(read(b + 4096), read(a + 1 * MB + 4096))
check()
