-- memcg_numa.lua - memory cgroups (memory.max, the per-memcg deferred
-- split queue, shrink{ memcg = }) and NUMA nodes (per-node queues,
-- shrink{ node = }).  The charge fallback was measured on the live 6.18
-- kernel (tests/kernel/FACTS.md "memcg"); the queue per memcg and per
-- node is get_deferred_split_queue() of mm/huge_memory.c.
local t = require "thpsh.test"

local g = memcg("small", { max = "1M" })
t.is({ g.name, g.max, g.usage }, { "small", 1048576, 0 }, "a group with memory.max 1M")
memcg_attach("small", 1)
local v = vmstat()
local a = mmap("2M", { huge = true })
t.is(fault(a, "w"), "pte", "a THP fault over memory.max falls back to 4K")
local d = vmstat()
t.is(d.thp_fault_fallback - v.thp_fault_fallback, 1, "thp_fault_fallback +1")
t.is(d.thp_fault_fallback_charge - v.thp_fault_fallback_charge, 1, "thp_fault_fallback_charge +1")
t.is(d.thp_fault_alloc - v.thp_fault_alloc, 0, "no thp_fault_alloc")
t.is(mthp_stats("2048kB").anon_fault_fallback_charge, 1, "2048kB anon_fault_fallback_charge +1")
t.is(memcg("small").usage, 4096, "the 4K page is charged")
t.ok(check(), "check() after the charge failure")

memcg("big", { max = "8M" })
memcg_attach("big", 1)
local b = mmap("2M", { huge = true })
t.is(fault(b, "w"), "thp", "under an 8M limit the THP is allocated")
t.is(memcg("big").usage, 2 * MB, "charged 2M")
for i = 0, 511 do write(b + i * 4096, i + 1) end
munmap(b + 4096, 4096)
t.is(memcg("big").deferred_split_queue, 1, "the partially mapped THP is on the group's queue")
t.is(#deferred_list(), 1, "deferred_list() shows it")
t.is(deferred_list()[1].queue, "memcg:big", "...on memcg:big")
t.is(shrink({ node = 0 }), 0, "the node's queue does not have it")
t.is(shrink({ memcg = "big" }), 1, "shrink{ memcg = \"big\" } splits it")
t.is(read(b + 8192), 3, "values kept")
t.ok(check(), "check() after the memcg shrink")
munmap(b, "2M")
t.is(memcg("big").usage, 0, "uncharged when freed")
t.ok(not pcall(shrink, { memcg = "nope" }), "shrink of an unknown group is an error")
t.ok(not pcall(memcg_attach, "nope", 1), "memcg_attach to an unknown group is an error")

-- Two nodes: each folio goes to its node's queue.
reset({ nodes = 2, mem = "1G" })
t.is(#ps(), 1, "a fresh machine")
local x = mmap("2M", { huge = true })
fault(x, "w")
set_mempolicy(1)
local y = mmap("2M", { huge = true })
fault(y, "w")
local half = 512 * MB / 4096
t.ok(folio(x).pfn < half and folio(y).pfn >= half, "node 0 and node 1 memory")
munmap(x + 4096, 4096)
munmap(y + 4096, 4096)
local queues = {}
for _, f in ipairs(deferred_list()) do queues[#queues + 1] = f.queue end
t.is(queues, { "node0", "node1" }, "one folio on each node's queue")
t.is(shrink({ node = 1 }), 1, "shrink{ node = 1 } splits only node 1's")
t.is(#deferred_list(), 1, "node 0's stays queued")
t.ok(not pcall(set_mempolicy, 2), "there is no node 2")
t.ok(check(), "check() with two nodes")
t.done()
