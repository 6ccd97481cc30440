-- The parent writes to a THP shared with a fork child first (FACTS.md
-- scenario B): only its own PMD is split and one page copied; the
-- child's later write splits the child's PMD, the last PMD mapping, so
-- nr_anon_transparent_hugepages drops; values stay where they were
-- written.
local a = mmap("2M", { huge = true })
touch(a, "2M", "w")
write(a + 3 * 4096, 33)
local child = fork()
print(fault(a + 3 * 4096, "w"))
write(a + 3 * 4096, 34)
smaps(a)
smaps(a, { pid = child })
print(fault(a + 4 * 4096, "w", { pid = child }))
smaps(a)
smaps(a, { pid = child })
folio(a + 100 * 4096)
print(read(a + 3 * 4096), read(a + 3 * 4096, { pid = child }))
check()
