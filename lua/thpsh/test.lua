-- thpsh.test - TAP output for the scenario tests that thpsh runs.
--
--   local t = require "thpsh.test"
--   t.plan(4)                  -- optional: without it, done() prints the plan
--   t.ok(x > 0, "x is positive")
--   t.is(size "4K", 4096, "4K is 4096 bytes")   -- tables compare deeply
--   t.like(sysfs(p), "%[always%]", "THP is on") -- a Lua pattern
--   t.raises(function() size "4Q" end, "invalid size", "size rejects 4Q")
--   t.done()                   -- exits 0 only if every test passed
--
-- A failed check writes what it got and what it wanted as TAP
-- diagnostics ("# " lines), which prove shows.

local M = {}

local count, failed, planned = 0, 0, nil

local function repr(v)
	if type(v) == "string" then
		return string.format("%q", v)
	end
	return inspect and inspect(v) or tostring(v)
end

local function diag(label, v)
	local text = label .. repr(v)
	for line in (text .. "\n"):gmatch("(.-)\n") do
		io.write("# ", line, "\n")
	end
end

local function equal(a, b)
	if a == b then
		return true
	end
	if type(a) ~= "table" or type(b) ~= "table" then
		return false
	end
	for k, v in pairs(a) do
		if not equal(v, rawget(b, k)) then
			return false
		end
	end
	for k in pairs(b) do
		if rawget(a, k) == nil then
			return false
		end
	end
	return true
end

-- Announce that @n tests will run.
function M.plan(n)
	planned = n
	io.write("1..", n, "\n")
end

-- Pass when @cond is true.
function M.ok(cond, name)
	count = count + 1
	if not cond then
		failed = failed + 1
	end
	-- a '#' in a name would start a TAP directive
	name = name and " - " .. tostring(name):gsub("#", "\\#") or ""
	io.write(cond and "ok " or "not ok ", count, name, "\n")
	return cond and true or false
end

-- Pass when @got equals @expected; tables are compared field by field.
function M.is(got, expected, name)
	local pass = M.ok(equal(got, expected), name)
	if not pass then
		diag("     got: ", got)
		diag("expected: ", expected)
	end
	return pass
end

-- Pass when the string @got matches the Lua pattern @pattern.
function M.like(got, pattern, name)
	local pass = M.ok(type(got) == "string" and got:find(pattern) ~= nil,
		name)
	if not pass then
		diag("     got: ", got)
		diag("expected: ", pattern)
	end
	return pass
end

-- Pass when calling @fn raises an error whose message contains @text.
function M.raises(fn, text, name)
	local okay, err = pcall(fn)
	if okay then
		M.ok(false, name)
		diag("no error; expected one containing ", text)
		return false
	end
	local pass = M.ok(tostring(err):find(text, 1, true) ~= nil, name)
	if not pass then
		diag("   error: ", err)
		diag("expected: ", text)
	end
	return pass
end

-- The counters THP tests compare: vmstat's thp_* and
-- nr_anon_transparent_hugepages, and the 2048kB mTHP stats as
-- "2048kB.<stat>"; @more(s), if given, adds its own to s.
function M.snap(more)
	local s = {}
	for k, v in pairs(vmstat()) do
		if k:match("^thp_") or k == "nr_anon_transparent_hugepages" then s[k] = v end
	end
	for k, v in pairs(mthp_stats("2048kB")) do s["2048kB." .. k] = v end
	if more then more(s) end
	return s
end

-- What moved since @before, a snap taken with the same @more: name -> change.
function M.delta(before, more)
	local d = {}
	for k, v in pairs(M.snap(more)) do
		if v ~= before[k] then d[k] = v - before[k] end
	end
	return d
end

-- A test that check() passes after the step @name.
function M.step(name)
	return M.ok(check(), "check() after " .. name)
end

-- End the test: print the plan if none was given; exit 0 only if every
-- test passed and as many ran as planned.
function M.done()
	if planned == nil then
		io.write("1..", count, "\n")
	elseif planned ~= count then
		diag("ran ", count)
		diag("planned ", planned)
	end
	io.stdout:flush()
	os.exit(failed == 0 and (planned == nil or planned == count), true)
end

return M
