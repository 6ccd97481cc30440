-- values_random.lua - random sequences of the commands that change memory,
-- with check() after every step: whatever the order, every invariant holds
-- and every process reads back what was written.  values.lua goes through
-- each command on purpose; this finds the combinations nobody thought of:
-- a split of a PROT_NONE THP that mapped the wrong pages (seed 125 here),
-- writes past the end of a tmpfs file.  The seeds are fixed, so a failure
-- replays; it prints the steps that led to it.  Commands that fail (a
-- range since unmapped, a refused advice) are part of the game: they must
-- change nothing.  Such finds take hundreds of seeds (about one in a
-- hundred found each of those); for a longer hunt:
--   VALUES_SEEDS=1-2000 VALUES_STEPS=800 ./thpsh tests/lua/values_random.lua
-- (VALUES_PRIVATE_SEEDS for the games that map tmpfs files privately too,
-- VALUES_DUP_SEEDS for those that also remap with oldlen 0,
-- VALUES_COMPACT_SEEDS for those that compact).
local t = require "thpsh.test"

local P = 4096
local R, rand_seed = math.random, math.randomseed
local sizes = { P, 3 * P, 16 * P, 64 * P, 512 * P, 1024 * P, 2048 * P }
local advice = { "dontneed", "free", "pageout", "collapse", "hugepage", "nohugepage",
	"dontfork", "dofork", "wipeonfork", "keeponfork", "remove" }

local function pick(list) return list[R(#list)] end

-- One game: the processes, the mappings they made, and the steps so far.
local function game()
	local g = { procs = { 1 }, maps = {}, log = {} }

	function g.say(fmt, ...) g.log[#g.log + 1] = string.format(fmt, ...) end

	-- A mapping, and a page range inside it: first page, page count.
	function g.range(max_pages)
		local m = pick(g.maps)
		local n = m.len // P
		local first = R(n) - 1
		return m, first, R(math.min(n - first, max_pages or n))
	end
	return g
end

local function op_mmap(g)
	local o = { huge = R(2) == 1, pid = pick(g.procs) }
	local kind = R(g.kinds)
	if kind >= 5 then o.file = "/t/f" .. R(3) end	-- a private file mapping
	if kind == 1 then o.shared = true end
	if kind == 2 then o.shared, o.file = true, "/t/f" .. R(3) end
	local len = pick(sizes)
	local ok, a = pcall(mmap, len, o)
	g.say("mmap(%d, pid %d, %s) -> %s", len, o.pid, o.file or (o.shared and "shared" or "private"),
		ok and string.format("%#x", a) or a)
	if ok then g.maps[#g.maps + 1] = { pid = o.pid, a = a, len = len } end
end

local function op_write(g)
	local m, first, n = g.range()
	g.say("write %d pages at %#x, pid %d", n, m.a + first * P, m.pid)
	for i = first, first + n - 1 do pcall(write, m.a + i * P, R(1, 1 << 40), { pid = m.pid }) end
end

local function op_munmap(g)
	local m, first, n = g.range()
	g.say("munmap(%#x, %d pages), pid %d", m.a + first * P, n, m.pid)
	pcall(munmap, m.a + first * P, n * P, { pid = m.pid })
end

local function op_fork_exit(g)
	if R(2) == 1 and #g.procs < 5 then
		local parent = pick(g.procs)
		local child = fork(parent)
		g.say("fork(%d) -> %d", parent, child)
		g.procs[#g.procs + 1] = child
		for i = 1, #g.maps do
			local m = g.maps[i]
			if m.pid == parent then g.maps[#g.maps + 1] = { pid = child, a = m.a, len = m.len } end
		end
	elseif #g.procs > 1 then
		local pid = table.remove(g.procs, R(2, #g.procs))
		g.say("exit(%d)", pid)
		exit(pid)
		for i = #g.maps, 1, -1 do
			if g.maps[i].pid == pid then table.remove(g.maps, i) end
		end
	end
end

local function op_madvise(g)
	local m, first, n = g.range()
	local adv = pick(advice)
	g.say("madvise(%#x, %d pages, %s), pid %d", m.a + first * P, n, adv, m.pid)
	pcall(madvise, m.a + first * P, n * P, adv, { pid = m.pid })
end

local function op_mremap(g)
	local m, first, n = g.range()
	local len, to = pick(sizes), R(2) == 1 and m.a - R(2, 200) * 2 * MB or nil
	-- oldlen 0: a second mapping of a shared one (EINVAL for a private one)
	if g.dup and R(4) == 1 then n = 0 end
	local ok, r = pcall(mremap, m.a + first * P, n * P, len, to, { pid = m.pid })
	g.say("mremap(%#x, %d pages, %d, %s), pid %d -> %s", m.a + first * P, n, len,
		to and string.format("%#x", to) or "anywhere", m.pid, ok and string.format("%#x", r) or r)
	if ok then g.maps[#g.maps + 1] = { pid = m.pid, a = r, len = len } end
end

local function op_split(g)
	local m, first = g.range(1)
	local a, kind = m.a + first * P, R(5)
	g.say("split %d at %#x, pid %d", kind, a, m.pid)
	if kind == 1 then pcall(split_pmd, a, { pid = m.pid })
	elseif kind == 2 then pcall(split_folio, a, pick { 0, 2, 4 }, { pid = m.pid })
	elseif kind == 3 then shrink()
	elseif kind == 4 then khugepaged(4096)
	else split_huge_pages(string.format("%d,%#x,%#x,%d", m.pid, m.a, m.a + m.len, pick { 0, 2 })) end
end

local function op_mprotect(g)
	local m, first, n = g.range()
	local prot = pick { "r", "rw", "none" }
	g.say("mprotect(%#x, %d pages, %s), pid %d", m.a + first * P, n, prot, m.pid)
	pcall(mprotect, m.a + first * P, n * P, prot, { pid = m.pid })
end

local function op_other(g)
	local m, first, n = g.range(64)
	local a, kind = m.a + first * P, R(6)
	g.say("other %d at %#x, %d pages, pid %d", kind, a, n, m.pid)
	if kind == 1 then pcall(truncate, "/t/f" .. R(3), R(0, 4096) * P + pick { 0, 100 })
	elseif kind == 2 then pcall(madvise, a, n * P, "pageout", { pid = m.pid })
	elseif kind == 3 then pcall(touch, a, n * P, pick { "r", "w" }, { pid = m.pid })
	elseif kind == 4 then
		if pcall(pin, a, P, { pid = m.pid }) and R(2) == 1 then unpin(a, P, { pid = m.pid }) end
	elseif kind == 5 then pcall(read, a, { pid = m.pid })
	else pcall(swapon, pick { "2M", "16M" }, pick { "zram", "file" }) end
end

local function op_settings(g)
	local kind = R(4)
	g.say("settings %d", kind)
	if kind == 1 then sysfs("transparent_hugepage/enabled", pick { "always", "madvise", "never" })
	elseif kind == 2 then sysfs("transparent_hugepage/khugepaged/max_ptes_none", pick { 0, 64, 511 })
	elseif kind == 3 then
		sysfs("transparent_hugepage/hugepages-" .. pick { "16kB", "64kB", "512kB" } .. "/enabled",
			pick { "always", "never" })
	else pcall(swapoff) end
end

local ops = { op_mmap, op_write, op_write, op_munmap, op_fork_exit, op_madvise, op_mremap,
	op_mprotect, op_split, op_split, op_other, op_settings }

-- compact(), and the defrag mode that makes THP faults compact by
-- themselves: only in the games of their own (the others replay as before).
local function op_compact(g)
	local kind = R(4)
	g.say("compact %d", kind)
	if kind == 1 then compact()
	elseif kind == 2 then compact(0)
	elseif kind == 3 then
		sysfs("transparent_hugepage/defrag", pick { "always", "defer", "defer+madvise", "madvise", "never" })
	else	-- fragment: 4K pages, every other one dropped
		local pid, n = pick(g.procs), pick { 64, 512, 1024 }
		local ok, a = pcall(mmap, n * P, { nohuge = true, pid = pid })
		if not ok then return end
		g.maps[#g.maps + 1] = { pid = pid, a = a, len = n * P }
		for i = 0, n - 1 do pcall(write, a + i * P, R(1, 1 << 40), { pid = pid }) end
		for i = 1, n - 1, 2 do pcall(madvise, a + i * P, P, "dontneed", { pid = pid }) end
	end
end
local compact_ops = { op_compact, op_compact }
for _, op in ipairs(ops) do compact_ops[#compact_ops + 1] = op end

-- @steps random steps from @seed; true, or false and what went wrong.
local function play(seed, steps, kinds, dup, compacting)
	local list = compacting and compact_ops or ops
	rand_seed(seed)
	reset { mem = compacting and "64M" or "256M" }
	tmpfs("/t", pick { "huge=always", "huge=never", "huge=within_size" })
	local g = game()
	g.kinds, g.dup = kinds, dup
	for step = 1, steps do
		local op = pick(list)
		if #g.maps > 0 or op == op_mmap or op == op_fork_exit or op == op_settings or
		   op == op_compact then
			op(g)
		end
		local ok, err = pcall(check)
		if not ok then
			local from = math.max(1, #g.log - 20)
			return false, string.format("step %d: %s\nafter:\n  %s", step, err,
				table.concat(g.log, "\n  ", from))
		end
	end
	return true
end

local first, last = (os.getenv("VALUES_SEEDS") or "122-125"):match("^(%d+)-(%d+)$")
local steps = tonumber(os.getenv("VALUES_STEPS")) or 300
assert(first and steps, "VALUES_SEEDS is FIRST-LAST, VALUES_STEPS a number")
-- The same games with private file mappings among the mappings (other
-- seeds: the classic ones above replay as they did).
local pfirst, plast = (os.getenv("VALUES_PRIVATE_SEEDS") or "1-3"):match("^(%d+)-(%d+)$")
assert(pfirst, "VALUES_PRIVATE_SEEDS is FIRST-LAST")
local function games(from, to, kinds, what, dup, compacting)
	for seed = tonumber(from), tonumber(to) do
		local ok, why = play(seed, steps, kinds, dup, compacting)
		if not t.ok(ok, string.format("seed %d%s: %d random steps, check() after each", seed,
					      what, steps)) then
			for line in why:gmatch("[^\n]+") do io.write("# ", line, "\n") end
		end
	end
end
games(first, last, 4, "")
games(pfirst, plast, 6, " with private file mappings")
-- ... and with mremap's oldlen 0 among the moves (a shared mapping mapped
-- twice), on seeds of their own.
local dfirst, dlast = (os.getenv("VALUES_DUP_SEEDS") or "1-2"):match("^(%d+)-(%d+)$")
assert(dfirst, "VALUES_DUP_SEEDS is FIRST-LAST")
games(dfirst, dlast, 6, " with oldlen 0 moves", true)
-- ... and with compact() and defrag modes on a 64 MiB machine, where
-- THP faults run out of free blocks and compact (VALUES_COMPACT_SEEDS).
local cfirst, clast = (os.getenv("VALUES_COMPACT_SEEDS") or "1-3"):match("^(%d+)-(%d+)$")
assert(cfirst, "VALUES_COMPACT_SEEDS is FIRST-LAST")
games(cfirst, clast, 6, " with compaction", false, true)

t.done()
