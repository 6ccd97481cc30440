-- json.lua - json(v): the JSON text of values, and what it refuses.
local t = require "thpsh.test"

local cases = {
	{ nil, "null" }, { true, "true" }, { false, "false" },
	{ 42, "42" }, { -7, "-7" }, { 0x7f0000000000, "139637976727552" },
	{ math.mininteger, "-9223372036854775808" },
	{ 1.5, "1.5" }, { 0.1, "0.10000000000000001" },
	{ "abc", '"abc"' }, { 'q"b\\s', '"q\\"b\\\\s"' },
	{ "\n\t\r\1", '"\\n\\t\\r\\u0001"' }, { "é", '"é"' },
	{ {}, "[]" }, { { 1, 2, 3 }, "[1,2,3]" }, { { "a", { true } }, '["a",[true]]' },
	{ { b = 1, a = 2 }, '{"a":2,"b":1}' },
	{ { 1, x = 2 }, '{"1":1,"x":2}' },
	{ { [3] = "c", [1] = "a" }, '{"1":"a","3":"c"}' },
	{ { [0] = 0, 1 }, '{"0":0,"1":1}' },
	{ { [1.5] = 1 }, '{"1.5":1}' },
	{ { nested = { deeper = { pfn = 512 } } }, '{"nested":{"deeper":{"pfn":512}}}' },
}
for _, case in ipairs(cases) do
	t.is(json(case[1]), case[2], "json " .. case[2])
end

local obj = setmetatable({ pfn = 1 }, { __tostring = function() return "folio" end })
t.is(json(obj), '{"pfn":1}', "an object is encoded by its fields, not __tostring")

local cycle = {}
cycle.self = cycle
t.raises(function() json(cycle) end, "json: cannot encode a table that contains itself",
	"a cycle is refused")
local shared = { 1 }
t.is(json({ shared, shared }), "[[1],[1]]", "a table seen twice is not a cycle")
t.raises(function() json(print) end, "json: cannot encode a function value",
	"a function is refused")
t.raises(function() json(0 / 0) end, "json: cannot encode", "NaN is refused")
t.raises(function() json(math.huge) end, "json: cannot encode inf", "infinity is refused")
t.raises(function() json({ [true] = 1 }) end,
	"json: cannot encode a table key of type boolean", "a boolean key is refused")
local deep = {}
for _ = 1, 300 do deep = { deep } end
t.raises(function() json(deep) end, "json: tables nested too deep", "depth is bounded")
t.raises(function() json() end, "bad argument #1 to 'json' (value expected)",
	"json needs an argument")

t.done()
