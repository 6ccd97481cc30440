-- compare.lua - the observation log of thpsh --compare and its diff
-- (lua/thpsh/compare.lua), on the simulation alone, so that the rules
-- are checked on every machine: addresses named after the mappings,
-- counter deltas per step, pfns left out but a page's index kept,
-- kpageflags filtered, prints observed, errors by kind; and the diff:
-- equal logs agree, a changed field is reported side by side, a command
-- the live kernel lacks is skipped unless the simulation failed at it,
-- a diverging call stops the comparison, and only repeated differences
-- survive a second live run.
local t = require "thpsh.test"
local compare = require "thpsh.compare"

compare.start(false)
sysfs("transparent_hugepage/enabled", "always")
local a = mmap("2M", { huge = true })
fault(a, "w")
munmap(a + 4096, 4096)
page(a + 8192)
kpageflags(page(a + 8192).pfn)
print("# inside", a + 4096)
pcall(mprotect, a + 4096, 4096, "r")
local log = compare.finish(true)

local function has(line, name)
	t.ok(("\n" .. log .. "\n"):find("\n" .. line .. "\n", 1, true) ~= nil, name)
end
has('2\tmmap("2M", {huge=true})\tresult\t"m1"', "mmap's address is named m1")
has('3\tfault(m1, "w")\tresult\t"thp"', "the fault's outcome is kept")
t.like(log, '3\tfault%(m1, "w"%)\tdelta\t[^\n]*thp_fault_alloc%+1',
	"a step's delta holds the counters that moved")
t.like(log, '4\tmunmap%(m1%+0x1000, 4096%)\tdelta\t[^\n]*thp_deferred_split_page%+1',
	"addresses are written relative to the mapping")
has('5\tpage(m1+0x2000)\tresult.index\t2', "page() keeps its index in the folio")
t.ok(not log:find("result.pfn", 1, true) and not log:find("result.folio", 1, true),
	"pfns are left out")
t.like(log, '7\tkpageflags%(pfn%)\tresult.flags\t"[%w_|]*COMPOUND_TAIL[%w_|]*"',
	"kpageflags is compared by its kept flags")
t.ok(not log:find("LRU", 1, true), "...not by LRU")
has('8\tprint("# inside", m1+0x1000)\tstatus\tok', "what the script prints is observed")
t.like(log, '9\tmprotect%(m1%+0x1000, 4096, "r"%)\tstatus\terror: mprotect',
	"an error is observed by its command")
has("end\tend\tstatus\tok", "the end of the script is observed")

local sim = table.concat({
	"1\tmmap(4096)\tresult\t\"m1\"", "1\tmmap(4096)\tstatus\tok",
	"2\twalk(m1)\tresult.level\t\"pte\"", "2\twalk(m1)\tstatus\tok",
	"3\tsmaps(m1)\tresult.Rss\t4", "3\tsmaps(m1)\tresult.Swap\t0",
	"3\tsmaps(m1)\tstatus\tok", "end\tend\tstatus\tok",
}, "\n")
t.is(compare.diff(sim, sim), {}, "a log agrees with itself")
local live = sim:gsub("result.Rss\t4", "result.Rss\t8"):gsub("result.Swap\t0\n", "")
	:gsub('result.level\t"pte"', "status\tunavailable"):gsub("2\twalk%(m1%)\tstatus\tok\n", "")
t.is(compare.diff(sim, live), {
	{ step = "3", call = "smaps(m1)", field = "result.Rss", sim = "4", live = "8" },
}, "only the changed field differs: unavailable steps and one-sided fields are skipped")
local failing = sim:gsub("2\twalk%(m1%)\tstatus\tok", "2\twalk(m1)\tstatus\terror: walk")
t.is(#compare.diff(failing, live), 2, "...but a failure of the simulation is not")
t.is(compare.diff(sim, sim:gsub("smaps%(m1%)", "smaps(m2)"))[1].field, "call",
	"a different call stops the comparison")
local d1 = { { step = "3", field = "delta" }, { step = "4", field = "result" } }
local d2 = { { step = "4", field = "result" }, { step = "9", field = "delta" } }
t.is(compare.common(d2, d1), { { step = "4", field = "result" } },
	"only differences both live runs show count")
t.done()
