-- A THP that cannot grow in place (another mapping follows it) moves
-- (MREMAP_MAYMOVE): its PMD moves whole to the new, 2 MiB-aligned
-- mapping, data and frames with it, and the new half faults a THP of
-- its own.
local a = mmap("4M", { huge = true })
mprotect(a + 2 * MB, "2M", "none")
write(a + 4096, 77)
local frame = page(a).pfn
local b = mremap(a, "2M", "4M")
print("moved", b ~= a, b % (2 * MB) == 0)
smaps(b)
print("same frame", page(b).pfn == frame, read(b + 4096))
print(fault(b + 2 * MB + 4096, "w"))
smaps(b)
smaps(a + 2 * MB)
check()
