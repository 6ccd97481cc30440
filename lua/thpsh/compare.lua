-- thpsh.compare - the observation log of thpsh --compare, and its diff.
--
-- thpsh --compare runs a script in two fresh Lua states: on the
-- simulation, started from the live kernel's THP settings, and on the
-- live kernel.  In each, every command the script calls (all but the
-- ones about thpsh itself: help, size, inspect, ...) is wrapped, and its
-- step becomes observations, one line each:
--
--	<step>  <call>  <field>  <value>
--	4	munmap(m1+0x1000, 4096)	status	ok
--	4	munmap(m1+0x1000, 4096)	delta	thp_deferred_split_page+1 thp_split_pmd+1 ...
--	7	page(m1+0x5000)	result.mapcount	1
--
-- normalised so that what differs by nature is not a difference:
--   * addresses: each address mmap or mremap returns is named m1, m2, ...
--     in order, and every address (an argument, a field) is written
--     relative to the newest of them that contains it: m1+0x1000;
--   * pfns are not compared as numbers: each backend allocates its own
--     frames, and a frame one frees and reuses the other may not.  page()
--     shows its pfn as its index in its folio, the pfn
--     argument of kpageflags() and kpagecount() is written "pfn", other
--     pfn fields are left out; a script compares pfns by printing what
--     it concludes: print(page(b).pfn == page(a).pfn);
--   * counters: "delta" holds the change of the THP counters of
--     /proc/vmstat (thp_* but thp_zero_page_alloc, which depends on
--     whether the huge zero page existed, and thp_scan_exceed_*, which
--     count khugepaged's scans, timed by the daemon; nr_*_hugepages,
--     nr_*_pmdmapped)
--     and of every mTHP size's stats across each command that changes
--     memory; vmstat(), mthp_stats() and meminfo() results are changes
--     since the script started, THP counters only;
--   * kpageflags: only the flags that say what a page is (ANON,
--     COMPOUND_HEAD/TAIL, THP, ZERO_PAGE, MMAP, SWAPBACKED, DIRTY,
--     OWNER_2, RESERVED, PGTABLE), not those that move with reclaim
--     and per-CPU batching (LRU, ACTIVE, REFERENCED, IDLE, UPTODATE,
--     BUDDY);
--   * raw pagemap words and trace-event entries (they hold pfns),
--     smaps Referenced (accessed bits, cleared at random by DAMON);
--   * events(): counted by name and order (or status, or result),
--     addresses and entries left out;
--   * khugepaged(): whether it collapsed anything, not how much;
--   * errors: by command, signal, errno name, and "not supported yet";
--   * a field that only one backend reports (refcount, raw page-table
--     entries, smaps Pss_Dirty ...) is not compared.
-- A command the live kernel does not have returns nil there and its step
-- is not compared (the simulation must still succeed at it).

local M = {}

local NEUTRAL = {
	commands = true, continue = true, help = true, inspect = true, json = true,
	prompt = true, size = true,
}
local SIZES = { "16kB", "32kB", "64kB", "128kB", "256kB", "512kB", "1024kB", "2048kB" }
local VMSTAT_THP = {
	nr_anon_transparent_hugepages = true, nr_shmem_hugepages = true,
	nr_file_hugepages = true, nr_shmem_pmdmapped = true, nr_file_pmdmapped = true,
}
-- Counters that depend on what others did and when: whether the huge zero
-- page existed, how often khugepaged's timer made it scan.
local VMSTAT_SKIP = {
	thp_zero_page_alloc = true, thp_zero_page_alloc_failed = true,
	thp_scan_exceed_none_pte = true, thp_scan_exceed_swap_pte = true,
	thp_scan_exceed_share_pte = true,
}
local MEMINFO_THP = {
	AnonHugePages = true, ShmemHugePages = true, ShmemPmdMapped = true,
	FileHugePages = true, FilePmdMapped = true,
}
local KPF_KEPT = {
	ANON = true, COMPOUND_HEAD = true, COMPOUND_TAIL = true, THP = true,
	ZERO_PAGE = true, MMAP = true, SWAPBACKED = true, DIRTY = true,
	OWNER_2 = true, RESERVED = true, PGTABLE = true,
}
local DROPPED = { raw = true, Referenced = true, os_pid = true, pfn = true, folio = true }
local PFN_ARG = { kpageflags = true, kpagecount = true }
local UNAVAILABLE = "not available on the live kernel"

-- The state of one run.
local R

local function sorted_keys(t)
	local keys = {}
	for k in pairs(t) do
		keys[#keys + 1] = k
	end
	table.sort(keys, function(a, b)
		if type(a) == type(b) then
			return a < b
		end
		return type(a) == "number"
	end)
	return keys
end

-- --- naming addresses -----------------------------------------------

local function addr_name(v)
	local regions = R.regions
	for i = #regions, 1, -1 do
		local r = regions[i]
		if v >= r.start and v < r.start + r.len then
			return v == r.start and r.name or string.format("%s+%#x", r.name, v - r.start)
		end
	end
	for i = #regions, 1, -1 do
		local r = regions[i]
		if v == r.start + r.len then
			return string.format("%s+%#x", r.name, r.len)
		end
	end
	return "addr?"
end

local function new_region(addr, len)
	local name = "m" .. (#R.regions + 1)
	R.regions[#R.regions + 1] = { start = addr, len = len, name = name }
	return name
end

-- Addresses written in a text, such as an error message, named too.
local function named_text(s)
	return (s:gsub("0x%x+", function(hex)
		local v = math.tointeger(tonumber(hex))
		return v and v >= 1 << 32 and addr_name(v) or hex
	end))
end

-- One scalar as text.
local function scalar(v)
	if math.type(v) == "integer" then
		return v >= 1 << 32 and addr_name(v) or tostring(v)
	end
	if type(v) == "string" then
		return string.format("%q", named_text(v))
	end
	return tostring(v)
end

-- Emit the fields of value @v under @prefix: tables flattened, lists with "#".
local function flatten(v, prefix, out)
	if type(v) ~= "table" then
		out[prefix] = scalar(v)
		return
	end
	if #v > 0 or next(v) == nil then
		out[prefix .. "#"] = tostring(#v)
		for i = 1, #v do
			flatten(v[i], prefix .. "[" .. i .. "]", out)
		end
		return
	end
	for _, k in ipairs(sorted_keys(v)) do
		if not DROPPED[k] then
			flatten(v[k], prefix .. "." .. tostring(k), out)
		end
	end
end

-- --- counters -------------------------------------------------------

local vmstat0, mthp_stats0, meminfo0

local function thp_counter(name)
	return not VMSTAT_SKIP[name] and (name:find("^thp_") or VMSTAT_THP[name])
end

-- Every THP counter now: vmstat's and "64kB.split" for the mTHP stats.
local function counters()
	local c = {}
	for k, v in pairs(vmstat0()) do
		if thp_counter(k) then
			c[k] = v
		end
	end
	for _, size in ipairs(SIZES) do
		local ok, st = pcall(mthp_stats0, size)
		for k, v in pairs(ok and st or {}) do
			c[size .. "." .. k] = v
		end
	end
	return c
end

-- The non-zero changes from @a to @b, sorted: "thp_split_pmd+1 ...".
local function changes(a, b, sep)
	local moved, out = {}, {}
	for k, v in pairs(b) do
		if v ~= (a[k] or 0) then
			moved[#moved + 1] = k
		end
	end
	for k, v in pairs(a) do
		if b[k] == nil and v ~= 0 then
			moved[#moved + 1] = k
		end
	end
	table.sort(moved)
	for i, k in ipairs(moved) do
		out[i] = string.format(sep and "%s%s%d" or "%s%s%+d", k, sep or "",
			(b[k] or 0) - (a[k] or 0))
	end
	return table.concat(out, " ")
end

-- --- results --------------------------------------------------------

local function only(t, keep)
	local out = {}
	for k, v in pairs(t) do
		if keep(k) then
			out[k] = v
		end
	end
	return out
end

-- How the result of a command is observed, when not field by field.
local RESULT = {}

function RESULT.mmap(r, args)
	return new_region(r, size(args[1]))
end

function RESULT.mremap(r, args)
	return new_region(r, size(args[3]))
end

function RESULT.events(list)
	if list == nil then
		return nil
	end
	local counts = {}
	for _, e in ipairs(list) do
		local key = e.name .. "/" .. tostring(e.order or e.status or e.result or "")
		counts[key] = (counts[key] or 0) + 1
	end
	return changes({}, counts, "=")
end

-- khugepaged(): whether it collapsed anything.  The live one waits for
-- two full scans, and 6.18 counts a shmem THP it finds in the page cache
-- as collapsed again at every scan, so the numbers differ by nature.
function RESULT.khugepaged(n)
	if type(n) ~= "number" then
		return n
	end
	return n > 0 and "collapsed" or "none"
end

function RESULT.page(t)
	local shown = {}
	for k, v in pairs(t) do
		shown[k] = v
	end
	shown.index = t.pfn - t.folio	-- the page's place in its folio
	return shown
end

function RESULT.touch(t)
	return changes({}, t, "=")
end

function RESULT.kpageflags(t)
	local kept = {}
	for _, f in ipairs(t.flags) do
		if KPF_KEPT[f] then
			kept[#kept + 1] = f
		end
	end
	table.sort(kept)
	return { flags = table.concat(kept, "|") }
end

function RESULT.vmstat(t, args)
	if args[1] then
		return thp_counter(args[1]) and t - R.base_vmstat[args[1]] or "(not compared)"
	end
	return changes(only(R.base_vmstat, thp_counter), only(t, thp_counter))
end

function RESULT.mthp_stats(t, args)
	local base = R.base_mthp[args[1]] or {}
	return changes(base, t)
end

function RESULT.meminfo(t)
	local keep = function(k) return MEMINFO_THP[k] end
	return changes(only(R.base_meminfo, keep), only(t, keep))
end

function RESULT.sysfs(t, args)
	if t and (args[1]:find("/stats/") or args[1]:find("pages_collapsed") or
		  args[1]:find("full_scans")) then
		return "(counter)"
	end
	return t
end

-- --- recording ------------------------------------------------------

local function arg_text(v, name, i)
	if type(v) == "table" then
		local parts = {}
		for _, k in ipairs(sorted_keys(v)) do
			parts[#parts + 1] = tostring(k) .. "=" .. arg_text(v[k])
		end
		return "{" .. table.concat(parts, ",") .. "}"
	end
	if PFN_ARG[name] and i == 1 then
		return "pfn"
	end
	return scalar(v)
end

local function call_text(name, args)
	local parts = {}
	for i = 1, args.n do
		parts[i] = arg_text(args[i], name, i)
	end
	return name .. "(" .. table.concat(parts, ", ") .. ")"
end

-- The kind of an error: command, signal, errno name, "not supported".
local function error_kind(msg)
	msg = tostring(msg)
	local parts = { msg:match("^([%w_]+):") or msg:match("to '([%w_]+)'") or "error" }
	parts[#parts + 1] = msg:match("SIGSEGV: [%a ]+") or msg:match("SIGBUS")
	parts[#parts + 1] = msg:match("%f[%w](E%u%u+)%f[%W]")
	if msg:find("not supported yet", 1, true) then
		parts[#parts + 1] = "not supported yet"
	elseif msg:find("bad argument", 1, true) then
		parts[#parts + 1] = "bad argument"
	end
	return "error: " .. table.concat(parts, " ")
end

local function emit(step, call, fields)
	for _, f in ipairs(sorted_keys(fields)) do
		R.lines[#R.lines + 1] = table.concat({ step, call, f, fields[f] }, "\t")
	end
end

local function observe(c, fn, ...)
	local args = table.pack(...)
	local call = call_text(c.name, args)
	-- the counters after the last change are those before this one
	local before = c.mutates and (R.counters or counters())
	local res = table.pack(pcall(fn, ...))
	local fields = { status = "ok" }

	R.steps = R.steps + 1
	if c.mutates then
		R.counters = counters()
		fields.delta = changes(before, R.counters)
	end
	if not res[1] then
		if R.live and tostring(res[2]):find(UNAVAILABLE, 1, true) then
			emit(R.steps, call, { status = "unavailable" })
			return nil
		end
		fields.status = error_kind(res[2])
		fields["~message"] = named_text(tostring(res[2]):match("^[^\n]*"))
		emit(R.steps, call, fields)
		error(res[2], 0)
	end
	local handler = RESULT[c.name]
	local value = res[2]
	if handler then
		value = handler(value, args)
	end
	flatten(value, "result", fields)
	emit(R.steps, call, fields)
	return table.unpack(res, 2, res.n)
end

-- The simulation starts from the live kernel's settings.
local function adopt_live_settings()
	for _, path in ipairs(_COMPLETE_STRINGS or {}) do
		if not path:find("/stats/") then
			local f = io.open("/sys/kernel/mm/" .. path)
			local text = f and f:read("l")
			if f then
				f:close()
			end
			if text then
				pcall(sysfs, path, text:match("%[(.-)%]") or text)
			end
		end
	end
end

-- Start recording in this state; @live says which backend it is.
function M.start(live)
	R = { live = live, steps = 0, lines = {}, regions = {} }
	if not live then
		adopt_live_settings()
	end
	vmstat0, mthp_stats0, meminfo0 = vmstat, mthp_stats, meminfo
	R.base_vmstat = vmstat0()
	R.base_meminfo = meminfo0()
	R.base_mthp = {}
	for _, size in ipairs(SIZES) do
		local ok, st = pcall(mthp_stats0, size)
		R.base_mthp[size] = ok and st or nil
	end
	for _, c in ipairs(commands()) do
		local fn = _G[c.name]
		if not NEUTRAL[c.name] and type(fn) == "function" then
			_G[c.name] = function(...) return observe(c, fn, ...) end
		end
	end
	-- what a script prints is what it concluded: observed too
	local print0 = print
	print = function(...) return observe({ name = "print" }, print0, ...) end
end

-- End recording: the script ended with @ok (and @err); the log as text.
function M.finish(ok, err)
	emit("end", "end", { status = ok and "ok" or error_kind(err),
		["~message"] = not ok and named_text(tostring(err):match("^[^\n]*")) or nil })
	return table.concat(R.lines, "\n")
end

-- --- the diff -------------------------------------------------------

local function parse(log)
	local steps, order = {}, {}
	for line in log:gmatch("[^\n]+") do
		local n, call, field, value = line:match("^(.-)\t(.-)\t(.-)\t(.*)$")
		if not steps[n] then
			steps[n] = { call = call, fields = {} }
			order[#order + 1] = n
		end
		steps[n].fields[field] = value
	end
	return steps, order
end

-- A field as the report shows it: a status with the error's own words
-- (the "~" fields, shown but not compared).
local function shown(fields, f)
	local v = fields[f]
	if f == "status" and fields["~message"] then
		v = v .. " (" .. fields["~message"] .. ")"
	end
	return v
end

-- Differences between two logs: a list of { step, call, field, sim, live }.
function M.diff(sim_log, live_log)
	local sim, order = parse(sim_log)
	local live, live_order = parse(live_log)
	local out = {}
	for i, n in ipairs(order) do
		local s, l = sim[n], live[n]
		if not l or live_order[i] ~= n or s.call ~= l.call then
			out[#out + 1] = { step = n, call = s.call, field = "call",
				sim = s.call, live = l and l.call or "(the script had ended)" }
			break
		end
		if l.fields.status == "unavailable" then
			if s.fields.status ~= "ok" then
				out[#out + 1] = { step = n, call = s.call, field = "status",
					sim = shown(s.fields, "status"), live = "unavailable" }
			end
		else
			for _, f in ipairs(sorted_keys(s.fields)) do
				local sv, lv = s.fields[f], l.fields[f]
				if f:sub(1, 1) ~= "~" and lv ~= nil and sv ~= lv then
					out[#out + 1] = { step = n, call = s.call, field = f,
						sim = shown(s.fields, f), live = shown(l.fields, f) }
				end
			end
		end
	end
	return out
end

-- Differences of @a also in @b (same step and field): those that repeat.
function M.common(a, b)
	local seen, out = {}, {}
	for _, d in ipairs(b) do
		seen[d.step .. "\t" .. d.field] = true
	end
	for _, d in ipairs(a) do
		if seen[d.step .. "\t" .. d.field] then
			out[#out + 1] = d
		end
	end
	return out
end

-- Print @diffs side by side.
function M.report(script, diffs, steps)
	if #diffs == 0 then
		print(string.format("%s: the simulation and the live kernel agree (%d steps)",
			script, steps))
		return
	end
	print(string.format("%s: %d difference%s (simulation | live kernel)", script,
		#diffs, #diffs == 1 and "" or "s"))
	local last
	for _, d in ipairs(diffs) do
		if d.step ~= last then
			print(string.format("  #%s %s", d.step, d.call))
			last = d.step
		end
		print(string.format("      %-24s %s | %s", d.field, d.sim, d.live))
	end
end

-- The error that ended the script in @log, or nil if it ran to its end.
local function failure(log)
	local steps = parse(log)
	local e = steps["end"]
	return e.fields.status ~= "ok" and shown(e.fields, "status") or nil
end

-- Run the comparison: @run(backend) runs the script and returns its log.
-- A live run that disagrees is repeated once, and only differences that
-- both live runs show count: other processes move the global counters.
-- A script that does not run to its end compares nothing: it fails.
-- Keep a log in @path, for a look at what was compared.
local function keep(path, log)
	local f = assert(io.open(path, "w"))
	f:write(log, "\n")
	f:close()
end

function M.main(run, script)
	local logs = os.getenv("THPSH_COMPARE_LOG")
	local sim = run("sim")
	local live = run("live")
	if logs then
		keep(logs .. ".sim", sim)
		keep(logs .. ".live", live)
	end
	local diffs = M.diff(sim, live)
	if #diffs > 0 then
		live = run("live")
		local again = M.diff(sim, live)
		local real = M.common(again, diffs)
		if #real < #again then
			print(string.format("%s: %d difference%s of the second live run not in the "
				.. "first: other processes at work, not counted", script,
				#again - #real, #again - #real == 1 and "" or "s"))
		end
		diffs = real
	end
	M.report(script, diffs, #select(2, parse(sim)))
	for _, side in ipairs({ { "simulation", sim }, { "live kernel", live } }) do
		local err = failure(side[2])
		if err then
			print(string.format("%s: the script did not run to its end on the %s: %s",
				script, side[1], err))
			return false
		end
	end
	return #diffs == 0
end

return M
