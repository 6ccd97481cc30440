-- values.lua - the cost of check()'s "stored values intact": write() keeps
-- a record of every value (src/lua/shadow.c), check() compares it and every
-- mapped page with the machine.  Prints figures; asserts nothing.
local function seconds(fn)
	local t0 = os.clock()
	fn()
	return os.clock() - t0
end

reset { mem = "16G" }
local thps = 64
local n = thps * 512
local a = mmap(thps * 2 * MB, { huge = true })
local tw = seconds(function()
	for i = 0, n - 1 do write(a + i * 4096, i + 1) end
end)
print(string.format("write()                 %8.3f us each, %d pages of %d THPs", tw / n * 1e6,
	n, thps))
print(string.format("check(), those written  %8.1f ms", seconds(check) * 1e3))
local b = mmap("8G", { huge = true })
touch(b, "8G", "w")
print(string.format("check(), 8 GiB of THPs  %8.1f ms", seconds(check) * 1e3))
