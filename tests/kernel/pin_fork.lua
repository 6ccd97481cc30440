-- A long-term pin (an io_uring fixed buffer) on a THP, then fork
-- (FACTS.md "Long-term GUP pin"): the pin itself moves no counter and
-- splits nothing; fork cannot share a maybe-pinned folio, so the
-- parent's PMD is split (thp_split_pmd) and the child gets 512 copies
-- of 4 KiB, while the parent keeps its frames.
local a = mmap("2M", { huge = true })
for i = 0, 511 do
	write(a + i * 4096, i + 8)
end
local frame = page(a + 9 * 4096).pfn
print(pin(a, "2M"))
smaps(a)
local child = fork()
smaps(a)
smaps(a, { pid = child })
folio(a)
folio(a, { pid = child })
page(a + 9 * 4096, { pid = child })
print("parent keeps", page(a + 9 * 4096).pfn == frame)
print("child copies", page(a + 9 * 4096, { pid = child }).pfn ~= frame)
print(read(a + 9 * 4096, { pid = child }))
print(unpin(a, "2M"))
exit(child)
print(shrink())
folio(a)
check()
