-- split_history.lua - the record of folio splits and the tree of one
-- folio's splits.  Which pieces a split cuts follows the kernel source
-- (mm/huge_memory.c __split_unmapped_folio: a uniform split cuts pieces
-- of new_order; a non-uniform one, from debugfs split_huge_pages with an
-- in-folio offset, halves repeatedly and keeps halving the half holding
-- that page, skipping order 1 for anonymous folios).
local t = require "thpsh.test"

t.is(#split_history(), 0, "no split recorded after boot")

-- A non-uniform split of a THP around page 5, to order 2.
local a = mmap("2M", { huge = true })
fault(a, "w")
for i = 0, 511 do write(a + i * 4096, i + 1) end -- no page is zero-filled
local pfn = folio(a).pfn
t.is(split_huge_pages(string.format("1,0x%x,0x%x,2,5", a, a + 4096)), 35, "split_huge_pages accepts the in-folio offset")
local h = split_history()
t.is(#h, 1, "one split recorded")
t.is({ h[1].pfn, h[1].order, h[1].new_order, h[1].split_at, h[1].cause, h[1].anon },
	{ pfn, 9, 2, pfn + 5, "split_huge_pages", true }, "its folio, orders, page and cause")
t.is(h[1].orders, { 8, 7, 6, 5, 4, 3, 2 }, "halving cuts orders 8 down to 2")

local tree = split_history(a + 5 * 4096)
t.is({ tree.pfn, tree.order, tree.seq, #tree.children }, { pfn, 9, 1, 8 }, "the root is the THP, cut in 8 pieces")
local orders = {}
for i, c in ipairs(tree.children) do orders[i] = c.order end
t.is(orders, { 2, 2, 3, 4, 5, 6, 7, 8 }, "pieces in pfn order: two of order 2, then 3 .. 8")
t.is({ tree.children[2].pfn, tree.children[2].target, tree.children[1].target },
	{ pfn + 4, true, false }, "the page asked about is in the second order-2 piece")
t.is({ tree.children[8].state, tree.children[8].refcount, tree.children[8].mapcount },
	{ "in use", 256, 256 }, "the order-8 piece is mapped by its 256 PTEs")

-- Split the order-2 piece again: the tree grows a level.
t.is(split_folio(a + 5 * 4096), 0, "split_folio of the order-2 piece")
tree = split_history({ pfn = pfn + 5 })
local piece = tree.children[2]
t.is({ piece.seq, piece.cause, #piece.children }, { 2, "split_folio", 4 }, "the second split hangs under its piece")
t.ok(piece.children[2].target and piece.children[2].state == "in use", "page 5 is an order-0 folio in use")

-- Pictures: DOT that Graphviz's grammar accepts (the CLI test runs dot).
local dot = split_history { addr = a + 5 * 4096, format = "dot" }
t.like(dot, "^digraph split_history {", "DOT text")
t.like(dot, "split #2 by split_folio%(%)", "the nodes name the split and its cause")

-- A uniform split to order 0 of a THP whose pages are zero but one:
-- the shrinker-style remap frees the 511 zero-filled pages.
local b = mmap("2M", { huge = true })
fault(b, "w")
write(b, 7)
local bpfn = folio(b).pfn
t.is(split_folio(b), 0, "split_folio of a THP holding one value")
tree = split_history(b)
t.is(#tree.children, 512, "512 order-0 pieces")
local free = 0
for _, c in ipairs(tree.children) do if c.state == "free" then free = free + 1 end end
t.is(free, 511, "511 pieces are free again (mapped to the zero page)")
t.like(tostring(tree), "\n  0x%x+ %.%. 0x%x+: 511 folios of order 0, free", "printed trees merge alike pieces")
dot = split_history { pfn = bpfn, format = "dot" }
t.like(dot, "511 folios of order 0", "alike free pieces are drawn as one box")

-- A folio never split: a tree of one node.  Its page table reuses a
-- freed piece.
local c = mmap("2M", { huge = true })
fault(c, "w")
tree = split_history({ pfn = bpfn })
t.like(tostring(tree), "reused: a page table", "a freed piece reused as a page table")
tree = split_history(c)
t.is({ tree.unsplit, tree.order, tree.state }, { true, 9, "in use" }, "an unsplit THP is its own tree")
t.like(tostring(tree), "order 9: in use, refcount 1, mapcount 1 %(never split%)", "and prints so")

-- Bad input changes nothing.
t.raises(function() split_history("nonsense") end, "split_history", "a bad address")
t.raises(function() split_history { format = "dot" } end, "needs addr or pfn", "a picture of nothing")
t.raises(function() split_history { pfn = pfn, format = "png" } end, "invalid option", "an unknown format")
t.raises(function() split_history(a + 4 * 1024 * 1024 * 1024) end, "not mapped", "an unmapped address")
t.is(#split_history(), 3, "the failures recorded nothing")
t.ok(check(), "check() after the splits and the failures")

reset()
t.is(#split_history(), 0, "reset() clears the record")
t.done()
