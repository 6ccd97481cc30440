-- MADV_DONTNEED across two THPs, from the middle of the first to the
-- middle of the second: both PMDs are split, both folios queued as
-- partially mapped; the shrink splits both, the remaining halves keep
-- their data; the zapped halves read zero.
local a = mmap("4M", { huge = true })
for i = 0, 1023 do
	write(a + i * 4096, i + 1)
end
madvise(a + 1 * MB, "2M", "dontneed")
smaps(a)
folio(a)
folio(a + 3 * MB)
events(true)
print(shrink())
events(false)
events()
folio(a)
folio(a + 3 * MB)
print(read(a + 1 * MB - 4096), read(a + 1 * MB), read(a + 3 * MB))
smaps(a)
check()
