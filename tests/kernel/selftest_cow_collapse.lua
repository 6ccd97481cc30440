-- Ports of cow.c's anon THP collapse cases: a THP made PTE-mapped (one
-- subpage read-only and back) is collapsed with MADV_COLLAPSE before
-- fork (unshared), after fork while fully shared, and after fork with
-- only its lower half shared (MADV_DONTFORK on the upper half, undone by
-- MADV_DOFORK before the collapse); then the parent writes, and the
-- child must still see the old content in the part it shares.
local function fill(base, n, value)
	for i = 0, n - 1 do
		write(base + i * 4096, value + i)
	end
end
local function seen(base, n, value, pid)
	local good = 0
	for i = 0, n - 1 do
		good = good + (read(base + i * 4096, { pid = pid }) == value + i and 1 or 0)
	end
	return good
end
for _, case in ipairs({ "before_fork", "fully_shared", "lower_shared" }) do
	local a = mmap("2M", { huge = true })
	fill(a, 512, 10)
	mprotect(a + 4096, "4K", "r")
	mprotect(a + 4096, "4K", "rw")
	if case == "before_fork" then
		print((madvise(a, "2M", "collapse")))
	elseif case == "lower_shared" then
		madvise(a + 1 * MB, "1M", "dontfork")
	end
	local child = fork()
	if case == "lower_shared" then
		madvise(a + 1 * MB, "1M", "dofork")
	end
	if case ~= "before_fork" then
		print((madvise(a, "2M", "collapse")))
	end
	smaps(a)
	fill(a, 512, 7000)
	print(case, "child sees", seen(a, 256, 10, child), "parent sees", seen(a, 512, 7000))
	exit(child)
end
check()
