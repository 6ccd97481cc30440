-- thpsh.dot - a page-table tree (what dump_pagetable() returns) as
-- Graphviz DOT: one node per table, listing its entries; an edge from
-- each entry to the table or folio it points to.
--
--   PMD leaves (THPs) are bold blue, PTE tables and their runs of
--   entries plain, tables deposited beside a huge PMD dashed, migration
--   entries red, swap entries orange, the zero pages grey.
local M = {}

local function hex(v) return string.format("0x%x", v) end

local function esc(s)
	return (tostring(s):gsub("[\\\"{}|<>]", "\\%0"))
end

local function label_for(e)
	local idx = e.count and e.count > 1
		and string.format("%d-%d", e.index, e.index + e.count - 1) or tostring(e.index)
	return string.format("%s[%s] %s", e.level, idx, hex(e.raw))
end

local style = {
	thp = 'color="blue", penwidth=2',
	page = 'color="black"',
	migration = 'color="red", fontcolor="red"',
	zero = 'color="grey", fontcolor="grey"',
	["huge-zero"] = 'color="grey", fontcolor="grey", penwidth=2',
	swap = 'color="orange"',
}

function M.render(tree)
	local out, folios = {}, {}
	local function emit(s) out[#out + 1] = s end

	emit("digraph pagetable {")
	emit('  rankdir=LR; node [shape=record, fontname="monospace", fontsize=10];')
	local function table_node(t, level)
		local id = "t" .. hex(t.pfn)
		local fields = { string.format("<head> %s table pfn %s", level:upper(), hex(t.pfn)) }
		for i, e in ipairs(t.entries or {}) do
			fields[#fields + 1] = string.format("<e%d> %s", i, esc(label_for(e)))
		end
		emit(string.format('  "%s" [label="%s"];', id, table.concat(fields, "|")))
		for i, e in ipairs(t.entries or {}) do
			local port = string.format('"%s":e%d', id, i)
			if e.kind == "table" and e.table then
				local child = table_node(e.table, e.table.level)
				emit(string.format('  %s -> "%s":head;', port, child))
			elseif e.kind == "zero" or e.kind == "huge-zero" then
				local z = e.kind == "zero" and "zero page" or "huge zero page"
				emit(string.format('  "%s" [shape=box, %s];', z, style[e.kind]))
				emit(string.format('  %s -> "%s" [%s];', port, z, style[e.kind]))
			elseif e.kind == "migration" then
				local f = "m" .. hex(e.pfn)
				emit(string.format('  "%s" [shape=box, label="migration pfn %s", %s];', f,
					hex(e.pfn), style.migration))
				emit(string.format('  %s -> "%s" [%s];', port, f, style.migration))
			elseif e.kind == "swap" then
				local f = "s" .. hex(e.swap_offset)
				emit(string.format('  "%s" [shape=box, label="swap slot %s", %s];', f,
					hex(e.swap_offset), style.swap))
				emit(string.format('  %s -> "%s" [%s];', port, f, style.swap))
			elseif e.folio then
				local f = "f" .. hex(e.folio.pfn)
				if not folios[f] then
					folios[f] = true
					emit(string.format('  "%s" [shape=box, label="folio pfn %s\\norder %d\\nref %d map %d", %s];',
						f, hex(e.folio.pfn), e.folio.order, e.folio.refcount,
						e.folio.mapcount, style[e.kind] or ""))
				end
				emit(string.format('  %s -> "%s" [%s];', port, f, style[e.kind] or ""))
			end
		end
		for _, pfn in ipairs(t.deposited or {}) do
			local d = "t" .. hex(pfn)
			emit(string.format('  "%s" [label="deposited PTE table pfn %s", style=dashed];', d, hex(pfn)))
			emit(string.format('  "%s":head -> "%s" [style=dashed, label="deposited"];', id, d))
		end
		return id
	end
	table_node(tree, "pgd")
	emit("}")
	return table.concat(out, "\n") .. "\n"
end

return M
