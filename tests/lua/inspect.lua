-- inspect.lua - the readable form of values, as the prompt prints them:
-- hex for addresses, sorted keys, one line when it fits, elisions.
local t = require "thpsh.test"

local cases = {
	{ 42, "42" }, { -1, "-1" }, { 1.5, "1.5" }, { true, "true" }, { nil, "nil" },
	{ 0xffffffff, "4294967295" }, { 0x100000000, "0x100000000" },
	{ 0x7f0000001000, "0x7f0000001000" },
	{ "raw\ttext", "raw\ttext" },
	{ {}, "{}" },
	{ { 1, 2, 3 }, "{ 1, 2, 3 }" },
	{ { "a\n", 'q"' }, '{ "a\\n", "q\\"" }' },
	{ { b = 2, a = 1, "x" }, '{ "x", a = 1, b = 2 }' },
	{ { [10] = 1, [2.5] = 2, [-1] = 3 }, "{ [-1] = 3, [2.5] = 2, [10] = 1 }" },
	{ { ["a b"] = 1, ["and"] = 2, _x9 = 3 }, '{ _x9 = 3, ["a b"] = 1, ["and"] = 2 }' },
	{ { addr = 4096, start = 0, ["end"] = 8192, len = 4096 },
	  '{ addr = 0x1000, ["end"] = 0x2000, len = 4096, start = 0x0 }' },
	{ { pfn = 512, pte = 0x67, pmd = 0xe7, pud = 1, p4d = 2, pgd = 3 },
	  "{ p4d = 0x2, pfn = 0x200, pgd = 0x3, pmd = 0xe7, pte = 0x67, pud = 0x1 }" },
	{ { entry = 1, raw = 2, vm_start = 3, vm_end = 4 },
	  "{ entry = 0x1, raw = 0x2, vm_end = 0x4, vm_start = 0x3 }" },
	{ { pte = -1 }, "{ pte = 0xffffffffffffffff }" },
	{ { pfn = { 1, 2 } }, "{ pfn = { 0x1, 0x2 } }" },
	{ { pfn = 1.5 }, "{ pfn = 1.5 }" },
	{ { [true] = 1, [false] = 0 }, "{ [false] = 0, [true] = 1 }" },
}
for _, case in ipairs(cases) do
	t.is(inspect(case[1]), case[2], "inspect " .. case[2])
end

local obj = setmetatable({ pfn = 1 }, { __tostring = function() return "folio pfn 0x1" end })
t.is(inspect(obj), "folio pfn 0x1", "an object is shown by its __tostring")
t.is(inspect({ obj }), "{ folio pfn 0x1 }", "...also inside a table")
local two = setmetatable({}, { __tostring = function() return "line 1\nline 2" end })
t.is(inspect({ x = { two } }), "{\n  x = {\n    line 1\n    line 2,\n  },\n}",
	"a many-line __tostring breaks its table and is indented")
t.raises(function()
	inspect(setmetatable({}, { __tostring = function() error("no view") end }))
end, "no view", "a failing __tostring raises")

local wide = { name = string.rep("n", 30), flags = { "anon", "head", "lru" }, order = 9 }
t.is(inspect(wide), '{\n  flags = { "anon", "head", "lru" },\n  name = "' ..
	string.rep("n", 30) .. '",\n  order = 9,\n}',
	"a table wider than the line is one entry a line; its children stay on one")

local cycle = { 1 }
cycle.self = cycle
t.is(inspect(cycle), "{ 1, self = <cycle> }", "a cycle is marked")
local shared = { 1 }
t.is(inspect({ shared, shared }), "{ { 1 }, { 1 } }", "a table seen twice is shown twice")

local long = {}
for i = 1, 120 do long[i] = i end
local text = inspect(long)
t.like(text, "\n  50,\n  %.%.%. 70 more\n}$", "a long table shows 50 entries and counts the rest")
local _, lines = text:gsub("\n", "")
t.is(lines, 52, "...one a line")

local deep = {}
for _ = 1, 20 do deep = { deep } end
t.like(inspect(deep), "{%.%.%.}", "deep nesting is elided")

t.raises(function() inspect() end, "bad argument #1 to 'inspect' (value expected)",
	"inspect needs an argument")

t.done()
