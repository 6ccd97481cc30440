-- MADV_DONTFORK and MADV_WIPEONFORK on a THP (FACTS.md "madvise on a THP
-- shared over fork"): the child of a DONTFORK region does not have it
-- (SIGSEGV), the child of a WIPEONFORK region has it empty (reads zero),
-- and the parent keeps its THP and data in both cases.
local a = mmap("2M", { huge = true })
local b = mmap("2M", { huge = true })
write(a, 11)
write(b, 22)
madvise(a, "2M", "dontfork")
madvise(b, "2M", "wipeonfork")
local child = fork()
print(pcall(read, a, { pid = child }))
print(read(b + 5 * 4096, { pid = child }))
smaps(b, { pid = child })
print(read(a), read(b))
smaps(a)
smaps(b)
folio(a)
check()
