-- mprotect of a whole PMD-mapped THP rewrites the PMD in place
-- (change_huge_pmd): no split, the VMA stays one, AnonHugePages stays;
-- a read-only THP refuses a write with SIGSEGV, and made writable again
-- it takes one without a fault that copies.
local a = mmap("2M", { huge = true })
write(a, 5)
mprotect(a, "2M", "r")
smaps(a)
folio(a)
print(pcall(fault, a + 4096, "w"))
print(fault(a + 4096))
mprotect(a, "2M", "rw")
print(fault(a + 4096, "w"))
write(a + 4096, 6)
smaps(a)
folio(a)
print(read(a), read(a + 4096))
mprotect(a, "2M", "none")
print(pcall(read, a))
smaps(a)
pagemap(a)
check()
