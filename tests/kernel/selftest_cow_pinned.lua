-- Port of cow.c's "iouring fork": a long-term pin (an io_uring fixed
-- buffer) taken before fork keeps the pinned THP out of COW sharing: the
-- child gets copies at fork, so the parent's later writes go to the
-- pinned frames in place (reuse, no copy) and the child keeps the old
-- content.
local a = mmap("2M", { huge = true })
for i = 0, 511 do
	write(a + i * 4096, i + 1)
end
local frame = page(a + 3 * 4096).pfn
pin(a, "2M")
local child = fork()
print(fault(a + 3 * 4096, "w"))
write(a + 3 * 4096, 99)
print("pinned frame written", page(a + 3 * 4096).pfn == frame, read(a + 3 * 4096))
print("child", read(a + 3 * 4096, { pid = child }))
pagemap(a + 3 * 4096)
page(a + 3 * 4096, { pid = child })
unpin(a, "2M")
check()
