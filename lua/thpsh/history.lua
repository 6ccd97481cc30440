-- thpsh.history - what became of a folio: the splits recorded by the
-- simulated kernel (split_history()) as a tree, and that tree as
-- Graphviz DOT.
--
-- A record says which folio was split (pfn, order), around which page
-- (split_at) and which orders of pieces were cut (orders): a uniform
-- split cuts one order, a non-uniform one halves repeatedly, keeping
-- the half that holds split_at.  The pieces are derived from that, as
-- __split_unmapped_folio() cuts them.
--
-- Simplification: no allocation is tracked, so a folio freed and
-- allocated again at the same pfn with the same order (between two of
-- its splits, or since its last one) looks like the same folio.
local M = {}

local function hex(v) return string.format("0x%x", v) end

-- The pieces a record's split left, in pfn order: { pfn, order }.
function M.pieces(r)
	local out, pfn, order = {}, r.pfn, r.order
	for _, o in ipairs(r.orders) do
		local size, keep = 1 << o, nil
		for p = pfn, pfn + (1 << order) - 1, size do
			if r.split_at >= p and r.split_at < p + size then
				keep = p
			else
				out[#out + 1] = { pfn = p, order = o }
			end
		end
		pfn, order = keep, o
	end
	out[#out + 1] = { pfn = pfn, order = order }
	table.sort(out, function(a, b) return a.pfn < b.pfn end)
	return out
end

local function key(pfn, order) return pfn .. ":" .. order end

-- Records by the folio they split, each list in seq order.
local function index(records)
	local by = {}
	for _, r in ipairs(records) do
		local k = key(r.pfn, r.order)
		by[k] = by[k] or {}
		table.insert(by[k], r)
	end
	return by
end

-- The record that split piece @p after @seq, if any.
local function next_split(by, p, seq)
	for _, r in ipairs(by[key(p.pfn, p.order)] or {}) do
		if r.seq > seq then return r end
	end
end

-- The latest record that split a folio holding @pfn.
local function latest(records, pfn)
	for i = #records, 1, -1 do
		local r = records[i]
		if pfn >= r.pfn and pfn < r.pfn + (1 << r.order) then return r end
	end
end

-- The record before @r whose pieces include the folio @r split.
local function parent(records, r)
	for i = #records, 1, -1 do
		local q = records[i]
		if q.seq < r.seq and r.pfn >= q.pfn and r.pfn < q.pfn + (1 << q.order)
			and q.order > r.order then
			for _, p in ipairs(M.pieces(q)) do
				if p.pfn == r.pfn and p.order == r.order then return q end
			end
		end
	end
end

local function node(by, rec, p, now, target)
	local n = { pfn = p.pfn, order = p.order,
		target = target >= p.pfn and target < p.pfn + (1 << p.order) }
	if rec then
		n.seq, n.cause, n.anon, n.children = rec.seq, rec.cause, rec.anon, {}
		for _, c in ipairs(M.pieces(rec)) do
			local child = node(by, next_split(by, c, rec.seq), c, now, target)
			n.children[#n.children + 1] = child
		end
		return n
	end
	local f = now(p.pfn)
	if not f then
		n.state = "free"
	elseif f.pfn == p.pfn and f.order == p.order and not f.table then
		n.state = "in use"
		n.refcount, n.mapcount = f.refcount, f.mapcount
	else
		n.state = "reused"
		n.now = f
	end
	return n
end

-- The tree of splits that made the folio holding @pfn now: the first
-- recorded ancestor at the root; each node { pfn, order, target, seq,
-- cause, anon, children } or, for a piece not split since, { pfn,
-- order, target, state = "in use"|"free"|"reused",
-- refcount, mapcount }.  @now(pfn) gives the folio holding pfn now.
function M.tree(records, pfn, now)
	local r = latest(records, pfn)
	if not r then
		local f = now(pfn)
		return setmetatable({ pfn = f and f.pfn or pfn, order = f and f.order or 0, target = true,
			state = f and "in use" or "free", refcount = f and f.refcount,
			mapcount = f and f.mapcount, unsplit = true }, { __tostring = M.text })
	end
	while parent(records, r) do r = parent(records, r) end
	return setmetatable(node(index(records), r, r, now, pfn), { __tostring = M.text })
end

-- Can two leaves side by side be drawn as one box?
local function alike(a, b)
	return not a.children and not b.children and not a.target and not b.target
		and a.order == b.order and a.state == b.state and a.state ~= "reused"
		and a.refcount == b.refcount and a.mapcount == b.mapcount
end

local function runs(children)
	local out = {}
	for _, c in ipairs(children) do
		local last = out[#out]
		if last and alike(last.first, c) then
			last.n, last.last = last.n + 1, c
		else
			out[#out + 1] = { first = c, last = c, n = 1 }
		end
	end
	return out
end

local function leaf_label(c)
	if c.state == "in use" then
		return string.format("%s\\nrefcount %d, mapcount %d", c.state, c.refcount, c.mapcount)
	elseif c.state == "reused" and c.now.table then
		return "reused: a page table"
	elseif c.state == "reused" then
		return string.format("reused: now in folio %s order %d", hex(c.now.pfn), c.now.order)
	end
	return c.state
end

-- The tree as indented text, alike pieces on one line, "<-" marking
-- the pieces that hold the page asked about: what the prompt prints.
function M.text(tree)
	local out = {}
	local function line(depth, s) out[#out + 1] = string.rep("  ", depth) .. s end
	local function draw(n, depth)
		local head = string.format("folio %s order %d", hex(n.pfn), n.order)
		if n.children then
			line(depth, string.format("%s: split #%d%s%s%s", head, n.seq,
				n.cause and (" by " .. n.cause .. "()") or "", n.anon and ", anon" or "",
				n.target and "  <-" or ""))
			for _, run in ipairs(runs(n.children)) do
				if run.n == 1 then
					draw(run.first, depth + 1)
				else
					line(depth + 1, string.format("%s .. %s: %d folios of order %d, %s",
						hex(run.first.pfn), hex(run.last.pfn), run.n, run.first.order,
						leaf_label(run.first):gsub("\\n", ", ")))
				end
			end
		else
			line(depth, string.format("%s: %s%s%s", head, (leaf_label(n):gsub("\\n", ", ")),
				n.unsplit and " (never split)" or "", n.target and "  <-" or ""))
		end
	end
	draw(tree, 0)
	return table.concat(out, "\n")
end

-- DOT text of a tree from M.tree(): the page asked about and its
-- ancestors in bold blue, free pieces grey.
function M.render(tree)
	local out, id = {}, 0
	local function emit(s) out[#out + 1] = s end
	local function box(label, style)
		id = id + 1
		emit(string.format('  n%d [label="%s"%s];', id, label, style))
		return "n" .. id
	end
	local function style(n)
		if n.target then return ", color=blue, penwidth=2" end
		if n.state == "free" then return ", color=grey, fontcolor=grey" end
		return ""
	end
	local function draw(n)
		local label = string.format("folio %s order %d", hex(n.pfn), n.order)
		if n.children then
			label = label .. string.format("\\nsplit #%d%s%s", n.seq,
				n.cause and (" by " .. n.cause .. "()") or "", n.anon and ", anon" or "")
		else
			label = label .. "\\n" .. leaf_label(n)
		end
		local me = box(label, style(n))
		for _, run in ipairs(runs(n.children or {})) do
			local child
			if run.n == 1 then
				child = draw(run.first)
			else
				child = box(string.format("%d folios of order %d\\n%s .. %s\\n%s", run.n,
					run.first.order, hex(run.first.pfn), hex(run.last.pfn),
					leaf_label(run.first)), style(run.first))
			end
			emit(string.format("  %s -> %s;", me, child))
		end
		return me
	end
	emit("digraph split_history {")
	emit('  rankdir=LR; node [shape=box, fontname="monospace", fontsize=10];')
	draw(tree)
	emit("}")
	return table.concat(out, "\n") .. "\n"
end

return M
