-- commands.lua - the command table as scripts see it: every row a global,
-- sorted, fully described; help's errors; require of embedded files.
local t = require "thpsh.test"

local rows = commands()
t.ok(#rows > 0, "commands() lists the commands")
for i, c in ipairs(rows) do
	t.is(type(_G[c.name]), "function", c.name .. " is a global function")
	if i > 1 then
		t.ok(rows[i - 1].name < c.name, c.name .. " comes after " .. rows[i - 1].name)
	end
	for _, field in ipairs({ "summary", "help", "returns", "example" }) do
		t.ok(type(c[field]) == "string" and c[field] ~= "", c.name .. " has a " .. field)
	end
	t.is(type(c.args), "string", c.name .. " has its arguments")
	t.ok(load(c.example) or load("return " .. c.example),
		c.name .. "'s example is Lua")
end

t.raises(function() help("nosuch") end, "help: no command 'nosuch'",
	"help names an unknown command")
t.raises(function() continue() end, "continue: not at a nested prompt",
	"continue outside a nested prompt is an error")

local test = require "thpsh.test"
t.is(test, t, "an embedded module loads once")
for _, fn in ipairs({ "plan", "ok", "is", "like", "raises", "done" }) do
	t.is(type(test[fn]), "function", "thpsh.test has " .. fn)
end
t.raises(function() require "thpsh.nosuch" end, "module 'thpsh.nosuch' not found",
	"a missing module is reported as usual")

t.done()
