-- size.lua - sizes as every command takes them: integers, or strings with
-- an optional unit; and the errors for anything else.
local t = require "thpsh.test"

t.is(KB, 1024, "KB")
t.is(MB, 1024 * 1024, "MB")
t.is(GB, 1024 * 1024 * 1024, "GB")

local good = {
	{ 4096, 4096 }, { 0, 0 }, { "4096", 4096 }, { "0x1000", 4096 },
	{ "0X1000", 4096 }, { "4K", 4096 }, { "4k", 4096 }, { "4KB", 4096 },
	{ "4kb", 4096 }, { "4KiB", 4096 }, { "2M", 2 * MB }, { "2MB", 2 * MB },
	{ "1G", GB }, { "1gb", GB }, { "64G", 64 * GB }, { "0x10K", 16 * KB },
	{ 2.0, 2 }, { math.maxinteger, math.maxinteger },
}
for _, case in ipairs(good) do
	t.is(size(case[1]), case[2], string.format("size(%q)", case[1]))
end
t.is(math.type(size "2M"), "integer", "a size is an integer")

local bad = {
	{ "4Q", 'invalid size "4Q"' },
	{ "", 'invalid size ""' },
	{ "K", 'invalid size "K"' },
	{ "0x", 'invalid size "0x"' },
	{ "4 K", 'invalid size "4 K"' },
	{ " 4K", 'invalid size " 4K"' },
	{ "4KK", 'invalid size "4KK"' },
	{ "4Mi", 'invalid size "4Mi"' },
	{ "1.5M", 'invalid size "1.5M"' },
	{ "-4K", 'negative size "-4K"' },
	{ -1, "negative size" },
	{ 1.5, "number has no integer representation" },
	{ "9999999999G", 'size "9999999999G" too large' },
	{ "99999999999999999999", 'size "99999999999999999999" too large' },
	{ "0x8000000000000000", 'size "0x8000000000000000" too large' },
	{ true, "size expected, got boolean" },
	{ {}, "size expected, got table" },
}
for _, case in ipairs(bad) do
	t.raises(function() size(case[1]) end,
		"bad argument #1 to 'size' (" .. case[2] .. ")",
		"size rejects " .. string.format("%q", tostring(case[1])))
end
t.raises(function() size() end, "bad argument #1 to 'size' (size expected, got no value)",
	"size needs an argument")

t.done()
