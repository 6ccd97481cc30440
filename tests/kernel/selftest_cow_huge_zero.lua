-- Port of cow.c's non-anonymous "Basic COW" case for the huge zero page:
-- a region read-faulted onto the huge zero page and shared with a fork
-- child; a write through the parent's private mapping must not change
-- what the child sees (the child still reads zero, from the zero page).
local a = mmap("2M", { huge = true })
print(fault(a))
local child = fork()
for i = 0, 511, 37 do
	write(a + i * 4096, i + 1)
end
local zero = 0
for i = 0, 511, 37 do
	zero = zero + (read(a + i * 4096, { pid = child }) == 0 and 1 or 0)
end
print("child reads zero", zero)
page(a, { pid = child })
smaps(a)
smaps(a, { pid = child })
check()
