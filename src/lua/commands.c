/*
 * commands.c - the one table of thpsh commands, and the commands that
 * read it: help and commands.
 *
 * To add a command, add its row below, in name order.  Its function is
 * named cmd_<name> and declared in the header of the file that
 * implements it.  Nothing else is needed for it to be a global, to be
 * listed and explained by help, completed by Tab and callable as a
 * shell-style line; tests/cli/man.sh then demands its entry in the
 * COMMANDS section of man/thpsh.1, and tests/cli/commands.sh that its
 * help text be filled and its example run at the prompt.
 */
#include <stdio.h>
#include <string.h>

#include <lua.h>
#include <lauxlib.h>

#include "commands.h"
#include "machine.h"
#include "prompt.h"
#include "show.h"
#include "util.h"
#include "mm/trace.h"

static int cmd_commands(lua_State *L);
static int cmd_help(lua_State *L);

const struct thp_command thp_commands[] = {
	{ "breakpoint", cmd_breakpoint, "func [, \"entry\"|\"exit\"] [, fn]", "nothing",
	  "stop inside a simulated kernel function",
	  "Stops when the simulated kernel enters (or, with \"exit\", returns "
	  "from) func, one of kallsyms().  With fn, calls fn(ctx) there, ctx "
	  "being { func, at, addr, folio } (folio as a pfn); without, opens a "
	  "nested prompt, thpsh [func]>, where every inspection command sees "
	  "the machine mid-operation (the context is in the global bp) and "
	  "continue resumes.  Commands that change the machine are refused "
	  "until then.  clear(func) removes it.",
	  "breakpoint(\"__split_unmapped_folio\", function(ctx) print(ctx.func) end)",
	  CMD_PROMPT },
	{ "breakpoints", cmd_breakpoints, "", "list of tables",
	  "the breakpoints set",
	  "Returns { func, at, callback } for every breakpoint: at is "
	  "\"entry\" or \"exit\", callback whether it calls a function rather "
	  "than opening a prompt.",
	  "breakpoints()", CMD_PROMPT },
	{ "check", cmd_check, "", "true",
	  "verify every invariant of the machine",
	  "Walks every page table and every frame and checks: mapcounts "
	  "against the entries that map each page, refcounts (one per "
	  "mapping plus pins and cache references), the large-folio "
	  "counters, the rmap (anon_vma and index of every mapping), "
	  "deposited tables (one per huge PMD of anonymous memory), no page "
	  "or table leaked, the buddy allocator's free lists, the deferred "
	  "split queues, the counters of vmstat and the mTHP stats, and the "
	  "swap device (each slot's count against the swap PTEs that hold it, "
	  "its swap cache folio, SwapFree and SwapCached).  "
	  "Then that every value reads back as written: thpsh keeps its own "
	  "record of what write stored (per process for private memory: "
	  "copied by fork but for dontfork and wipeonfork ranges, moved by "
	  "mremap, dropped by munmap and dontneed, holding what private file "
	  "mappings copied; per file for shared "
	  "memory: dropped by truncate and remove) and compares it with "
	  "every page the page tables map (a swapped-out one as its slot "
	  "or swap cache page holds it), every page of every page cache "
	  "and every written page (one nothing maps reads 0); a page freed "
	  "by \"free\" that \"pageout\" then ran over may read 0 instead, "
	  "and so may a page written past the end of a tmpfs file (through a "
	  "huge page straddling it), which a split drops.  "
	  "Raises an error naming the first violation: \"check: pid 2 "
	  "0x7ffff7e00000 reads 0, expected 42 (written by write)\".",
	  "check()", CMD_PROMPT },
	{ "clear", cmd_clear, "[func [, \"entry\"|\"exit\"]]", "boolean",
	  "remove a breakpoint, or all",
	  "Removes the breakpoint on func (at entry unless \"exit\" is given) "
	  "and returns whether there was one; without arguments removes "
	  "every breakpoint.",
	  "clear()", 0 },
	{ "commands", cmd_commands, "", "list of tables",
	  "the command table, as data",
	  "Returns one table per command, sorted by name, with the fields "
	  "name, args, returns, summary, help and example (strings) and "
	  "mutates and prompt (booleans): what help prints, for scripts.",
	  "#commands() > 0", 0 },
	{ "compact", cmd_compact, "[node]", "table",
	  "compact memory: echo 1 > /proc/sys/vm/compact_memory",
	  "Runs compact_node() on every node (or on node): full compaction, "
	  "MIGRATE_SYNC.  The migrate scanner walks up from the start of the "
	  "node, isolating movable folios (anonymous ones on the LRU below "
	  "2 MiB, not pinned: an mTHP moves whole, or split when no free "
	  "block of its order is left; a PMD THP stays); the free scanner "
	  "walks down from the end, taking "
	  "free blocks; migrate_pages() moves each folio into a free page "
	  "(migration entries, copy, remove_migration_ptes), so free pages "
	  "gather low and merge.  Values, mappings and PG_anon_exclusive move "
	  "with the pages.  Returns { migrated, failed (pages), "
	  "migrate_scanned, free_scanned, isolated, free_2M_before, "
	  "free_2M_after (free 2 MiB blocks) }; vmstat counts pgmigrate_* "
	  "and compact_*.  To fragment a machine: map 4K pages "
	  "(nohuge = true), touch them all, and madvise \"dontneed\" every "
	  "other one.  A THP fault that finds no free 2 MiB block compacts "
	  "by itself as transparent_hugepage/defrag says (compact_stall).  "
	  "Live: writes /proc/sys/vm/compact_memory (or the node's compact "
	  "file) as root and returns the vmstat deltas.",
	  "compact()", CMD_MUTATES },
	{ "continue", cmd_continue, "", "nothing",
	  "leave a nested prompt and resume",
	  "Returns from the nested prompt that a breakpoint or prompt() "
	  "opened, once the current line has run; what was stopped "
	  "goes on.  The word alone is enough: continue.  At the top "
	  "level there is nothing to continue and it raises an error.",
	  "continue()", 0 },
	{ "deferred_list", cmd_deferred_list, "", "list of folios",
	  "the folios on the deferred split queues",
	  "Returns every folio queued for the deferred split shrinker, per "
	  "node (queue \"node0\") and per memory cgroup (\"memcg:name\"), in "
	  "queue order, each as folio() shows it plus its queue.",
	  "deferred_list()", CMD_PROMPT },
	{ "dump_pagetable", cmd_dump_pagetable,
	  "[addr [, len]] | {addr=, len=, format=, file=}", "table or string",
	  "the page tables of the process",
	  "Walks the current process's page tables (over [addr, addr+len), "
	  "one page if len is omitted, all of them without addr) and returns "
	  "each level's entries with index, address, raw value and decoded "
	  "flags: PMD leaves with the THP folio behind them (pfn, order, "
	  "refcount, mapcount), PTE tables with runs of entries mapping "
	  "consecutive pages, migration entries, swap entries (runs of "
	  "consecutive slots, swap_offset), the zero page, and the PTE "
	  "tables deposited beside huge PMDs.  Printed at the prompt as an "
	  "indented tree.  format = \"dot\" returns Graphviz DOT of the tree "
	  "instead (THP leaves bold blue, deposited tables dashed, migration "
	  "entries red, swap entries orange, zero pages grey), \"svg\" renders "
	  "it with dot; file "
	  "= also writes it.",
	  "dump_pagetable()", CMD_PROMPT },
	{ "events", cmd_events, "[on]", "list of events",
	  "record trace events",
	  "events(true) clears the record and starts recording the "
	  "simulated tracepoints (set_migration_pte, remove_migration_pte, "
	  "set_migration_pmd, remove_migration_pmd), events(false) stops, "
	  "events() returns what was recorded: { name, addr, pte or pmd, "
	  "order }, with the raw entry in the kernel's encoding.  The "
	  "collapse tracepoints mm_khugepaged_scan_pmd, mm_collapse_huge_page, "
	  "mm_collapse_huge_page_isolate and mm_collapse_huge_page_swapin "
	  "(mm, swapped_in, referenced, ret), and for shmem "
	  "mm_khugepaged_scan_file (mm, scan_pfn, filename, present, swap, "
	  "result) and mm_khugepaged_collapse_file (mm, hpage_pfn, index, "
	  "addr, is_shmem, filename, nr, result) carry their print fields "
	  "(mm is the mm's id, scan_pfn -1 for none, status and result as "
	  "the kernel prints them).",
	  "events(true); events(false); print(#events())", 0 },
	{ "exit", cmd_exit, "[pid]", "nothing",
	  "end a process",
	  "The process pid, by default the current one, exits as do_exit() "
	  "does: exit_mmap tears its address space down (each folio loses "
	  "its mappings and references; a THP another process still maps "
	  "may become partially mapped and queued for the deferred split), "
	  "then the pins it holds are released, as closing its files would.  "
	  "Its children go to init; if it was the current process, its "
	  "parent becomes current.  pid 1 is init and never exits: use "
	  "reset().",
	  "exit(fork())", CMD_MUTATES },
	{ "fault", cmd_fault, "addr [, \"r\"|\"w\"]", "string",
	  "access an address as the CPU would",
	  "Reads (default) or writes addr the way a user access does: if the "
	  "page table allows it, the CPU sets the accessed/dirty bits and no "
	  "fault happens (\"none\"); otherwise the page fault is handled and "
	  "its outcome returned: \"thp\" (a PMD THP), \"huge-zero\" (the huge "
	  "zero page), \"pte\" (a 4 KiB page), \"zero\" (the 4 KiB zero "
	  "page), \"mthp-64K\" and so on, \"cow\" (copied), \"reuse\" "
	  "(made writable in place), \"present\", \"swapin\" (a swapped-out "
	  "page read back), \"swapin-64K\" and so on (an mTHP read back "
	  "whole), \"swapcache\" (mapped from the swap cache, nothing read); "
	  "in a shmem mapping "
	  "\"file-pmd\" (a page-cache THP by one PMD), \"file-ptes\" (a large "
	  "folio by PTEs), \"file-pte\" (one page), \"fault-around\" (a read "
	  "mapped from the cache with its neighbours).  An access the mapping "
	  "forbids raises SIGSEGV, one past a shmem file's end SIGBUS.",
	  "fault(mmap(\"2M\", { huge = true }), \"w\")", CMD_MUTATES },
	{ "folio", cmd_folio, "addr | {pfn=N}", "table",
	  "the folio mapped at addr, or holding a pfn",
	  "Returns { pfn, order, nr_pages, refcount, mapcount, "
	  "entire_mapcount, large_mapcount, nr_pages_mapped, "
	  "entirely_mapped, pincount, anon, partially_mapped, deferred, "
	  "zero, maybe_mapped_shared, flags } of the folio: the kernel's "
	  "counters with the -1 bias removed.",
	  "local a = mmap(\"2M\", { huge = true }); fault(a, \"w\"); print(folio(a))",
	  CMD_PROMPT },
	{ "fork", cmd_fork, "[pid]", "pid",
	  "fork a process, its memory shared copy-on-write",
	  "Copies the process pid, by default the current one, as fork(2) "
	  "does and returns the child's pid; the current process stays.  "
	  "Anonymous memory is shared copy-on-write: a PMD-mapped THP whole "
	  "(copy_huge_pmd: both PMDs write-protected, mapcount 2), PTEs in "
	  "batches, the huge zero page as it is.  A pinned page is copied "
	  "for the child instead, after the parent's PMD is split.  Ranges "
	  "marked \"dontfork\" are left out, \"wipeonfork\" ones arrive "
	  "empty.",
	  "fork()", CMD_MUTATES },
	{ "help", cmd_help, "[name]", "nothing",
	  "list the commands, or explain one",
	  "Without a name, lists every command with a one-line summary. "
	  "With one, prints its usage, what it returns, its description "
	  "and an example.  At the prompt, help munmap is the same as "
	  "help(\"munmap\").",
	  "help(\"size\")", 0 },
	{ "inspect", cmd_inspect, "value", "string",
	  "the readable text of a value",
	  "Returns value written as the prompt prints it: tables nested "
	  "with sorted keys, addresses, PFNs and entries in hex, long "
	  "tables elided, objects by their __tostring.  For scripts that "
	  "want to print a value the way the prompt does.",
	  "print(inspect({ addr = 0x7f0000000000, len = 4096 }))", 0 },
	{ "json", cmd_json, "value", "string",
	  "the JSON text of a value",
	  "Returns value encoded as JSON on one line: integers as numbers, "
	  "keys sorted, a table with keys 1..n as an array, an empty table "
	  "as [].  Objects are encoded by their fields, not their "
	  "__tostring.  Raises an error for functions, userdata, NaN, "
	  "infinities and cycles.",
	  "print(json({ pfn = 512, flags = { \"head\", \"lru\" } }))", 0 },
	{ "kallsyms", cmd_kallsyms, "", "list of tables",
	  "the simulated kernel functions",
	  "Returns { name, file } for every simulated kernel function: the "
	  "names trace() prints and breakpoint() accepts, and the file of "
	  "src/mm they live in (named after the kernel's).",
	  "#kallsyms() > 0", 0 },
	{ "khugepaged", cmd_khugepaged, "[pages_to_scan | opts]", "integer or table",
	  "one wake-up of khugepaged",
	  "Runs khugepaged_do_scan once, synchronously: from where the last "
	  "wake-up stopped, the mms on khugepaged's list (a process joins "
	  "at madvise \"hugepage\", a THP fault or the mmap of a shmem VMA "
	  "that may hold a THP, its children at fork) are "
	  "scanned PMD range by PMD range (hpage_collapse_scan_pmd) and "
	  "collapsed into THPs (collapse_huge_page) until pages_to_scan pages "
	  "(default khugepaged/pages_to_scan) are accounted for, honouring "
	  "khugepaged/max_ptes_none, max_ptes_swap and max_ptes_shared; swap "
	  "PTEs are swapped in first (__collapse_huge_page_swapin).  A shmem "
	  "VMA (tmpfs file or shared anonymous memory, as its huge= option or "
	  "shmem_enabled allows) is collapsed in its page cache "
	  "(hpage_collapse_scan_file, collapse_file: holes count against "
	  "max_ptes_none) and every process's page table over the range is "
	  "retracted (retract_page_tables), so the next fault maps the THP "
	  "by PMD; a range the cache already holds as a THP counts as "
	  "collapsed again, as 6.18 counts it.  "
	  "Returns the number of THPs made.  With opts { pages_to_scan, "
	  "explain = true } returns { collapsed, progress, full_scans, "
	  "mm_slots (pids), scans }: one entry per PMD range scanned or VMA "
	  "skipped, with pid, addr, len, result (the kernel's scan result, "
	  "SCAN_EXCEED_NONE_PTE ...), status (as the tracepoint prints it), "
	  "none_or_zero, referenced, unmapped (shmem: present, swap, then: "
	  "what collapse_pte_mapped_thp did), pfn and why, the reason in "
	  "words.",
	  "local a = mmap(\"2M\", { nohuge = true }); touch(a, \"2M\", \"w\"); "
	  "madvise(a, \"2M\", \"hugepage\"); print(khugepaged())",
	  CMD_MUTATES },
	{ "kpagecount", cmd_kpagecount, "pfn", "integer",
	  "/proc/kpagecount for a pfn",
	  "Returns the number of times the page is mapped, as "
	  "/proc/kpagecount reports it on 6.18: its PTE mappings plus the "
	  "PMD mappings of its folio; 0 for free pages, page tables and the "
	  "zero pages.",
	  "local a = mmap(\"2M\", { huge = true }); fault(a, \"w\"); print(kpagecount(folio(a).pfn))",
	  CMD_PROMPT },
	{ "kpageflags", cmd_kpageflags, "pfn", "table",
	  "/proc/kpageflags for a pfn",
	  "Returns { raw, flags }: the 64-bit word /proc/kpageflags holds for "
	  "the page (bits as in include/uapi/linux/kernel-page-flags.h: "
	  "MMAP, ANON, COMPOUND_HEAD, THP, ZERO_PAGE, OWNER_2 for "
	  "anon-exclusive ...) and the names of its bits.",
	  "local a = mmap(\"2M\", { huge = true }); fault(a, \"w\"); print(kpageflags(folio(a).pfn))",
	  CMD_PROMPT },
	{ "madvise", cmd_madvise, "addr, len, advice", "nothing (collapse: integer, string, table)",
	  "give advice about a range",
	  "advice is \"hugepage\" or \"nohugepage\" (set or clear VM_HUGEPAGE, "
	  "splitting and merging VMAs), \"dontneed\" (zap the pages, VMAs "
	  "untouched: the path that splits a PMD in zap_pmd_range), \"free\" "
	  "(lazy free: a small folio is marked through the per-CPU "
	  "lru_lazyfree batch, which moves 31 at a time and is drained by "
	  "the next \"free\", \"pageout\" or \"collapse\"; swapped-out pages "
	  "go at once), \"pageout\" (reclaim: each page goes to swap, a "
	  "THP whole when the device has a free cluster, see swapon; a page "
	  "freed by \"free\" and not written since is discarded instead, "
	  "with or without swap, and reads 0, a freed THP after its PMD is "
	  "split; shmem (shared anonymous memory, tmpfs files, the file "
	  "pages of a private mapping) is unmapped and written by "
	  "shmem_writeout, a THP whole on zram, its page cache holding swap "
	  "entries and its page tables none, and a shmem page only ever "
	  "read is dropped; with no swap device an anonymous THP is split "
	  "and stays mapped, and shmem is unmapped and stays cached, as on "
	  "the live kernel), \"dontfork\", "
	  "\"dofork\", \"wipeonfork\", \"keeponfork\", \"remove\" "
	  "(punch a hole in the tmpfs file behind a shared mapping, as "
	  "truncate does inside a file; EINVAL on private memory), or \"collapse\" (MADV_COLLAPSE: each "
	  "whole PMD range becomes a THP, its swapped-out pages swapped in, "
	  "whatever the sysfs settings and "
	  "khugepaged's limits; shmem, even on a huge=never tmpfs, is "
	  "collapsed in the page cache and mapped by PMD in this process, "
	  "other processes' page tables over it retracted; VM_NOHUGEPAGE and "
	  "shmem_enabled \"deny\" refuse; returns 0 or -errno, its name, and a report "
	  "per range as khugepaged{explain = true} gives).  The range must "
	  "be mapped.",
	  "madvise(mmap(\"2M\"), \"2M\", \"hugepage\")", CMD_MUTATES },
	{ "memcg", cmd_memcg, "name [, opts]", "table",
	  "a memory cgroup",
	  "Creates the group name if it does not exist and returns { name, id, "
	  "max, usage (bytes), deferred_split_queue (its length), procs }.  "
	  "opts.max sets memory.max (a size, or \"max\"): a fault whose charge "
	  "would exceed it fails to charge; a THP fault then falls back to a "
	  "4 KiB page (thp_fault_fallback_charge).  THPs charged to a group go "
	  "to the group's own deferred split queue.",
	  "memcg(\"a\", { max = \"1M\" })", CMD_MUTATES },
	{ "memcg_attach", cmd_memcg_attach, "name, pid", "nothing",
	  "move a process into a memory cgroup",
	  "From now on the folios process pid faults are charged to the group "
	  "name (what it already has stays where it was charged).",
	  "memcg(\"a\"); memcg_attach(\"a\", 1)", CMD_MUTATES },
	{ "meminfo", cmd_meminfo, "", "table",
	  "the THP lines of /proc/meminfo",
	  "Returns MemTotal, MemFree, AnonPages, Mapped, Shmem, PageTables, "
	  "AnonHugePages, ShmemHugePages, ShmemPmdMapped, FileHugePages, "
	  "FilePmdMapped, SwapTotal, SwapFree and SwapCached, in kB.",
	  "meminfo().AnonHugePages", CMD_PROMPT },
	{ "mmap", cmd_mmap, "len [, opts]", "addr",
	  "map memory",
	  "Maps len bytes of private anonymous memory and returns the "
	  "address, placed top-down from mmap_base; a length that is a "
	  "multiple of 2 MiB is 2 MiB aligned, as on 6.18.  opts: addr (map "
	  "exactly there, replacing what was), prot (\"rw\" default, \"r\", "
	  "\"none\", any of \"rwx\"), huge (MADV_HUGEPAGE), nohuge "
	  "(MADV_NOHUGEPAGE), pid; shared = true maps shared anonymous "
	  "memory (shmem, following transparent_hugepage/shmem_enabled), "
	  "and with file = a path on a tmpfs (see tmpfs) that file, created "
	  "offset + len bytes long if new, from byte offset (0 default, page "
	  "aligned).  Shmem mappings are aligned so that the mount's largest "
	  "folio can be mapped by one PMD.  Without shared = true a file is "
	  "mapped private: it reads the file's pages (a THP by its PMD) until "
	  "a write copies one into an anonymous page (\"cow\": do_cow_fault, "
	  "or wp_page_copy; a write in a PMD-mapped THP zaps the PMD first); "
	  "fork copies the VMA's entries once it has an anon_vma, truncate "
	  "unmaps the copies, a hole punch leaves them.",
	  "mmap(\"2M\", { huge = true })", CMD_MUTATES },
	{ "mprotect", cmd_mprotect, "addr, len, prot", "nothing",
	  "change the protection of a range",
	  "Sets prot (\"r\", \"rw\", \"none\", letters of \"rwx\") on the "
	  "range, splitting VMAs at its edges (which splits a THP across an "
	  "edge) and rewriting whole huge PMDs in place.  The range must be "
	  "mapped.",
	  "mprotect(mmap(\"4K\"), \"4K\", \"r\")", CMD_MUTATES },
	{ "mremap", cmd_mremap, "addr, oldlen, newlen [, newaddr] [, opts]",
	  "addr",
	  "move or resize a mapping",
	  "Moves or resizes the oldlen bytes at addr, which must lie in one "
	  "mapping, as mremap(2) with MREMAP_MAYMOVE, and MREMAP_FIXED when "
	  "newaddr is given; returns the new address.  Shrinking unmaps the "
	  "tail; growing extends in place when nothing follows, else the "
	  "mapping moves.  A whole 2 MiB-aligned PMD moves unsplit "
	  "(move_huge_pmd, with its deposited table); a THP moved in part "
	  "or to an unaligned place has its PMD split first.  tmpfs files, "
	  "shared anonymous memory and private tmpfs mappings (their copies "
	  "with them) move the same way and keep their file offset; the "
	  "split of a shmem THP's PMD only zaps it (the pages stay cached "
	  "and refault), and a shared mapping grown past the end of its "
	  "file (shared anonymous memory: past its first size) gets SIGBUS "
	  "there.  oldlen 0 maps a shared mapping a second time and unmaps "
	  "nothing (a private one: EINVAL).  Values never change.  "
	  "opts: pid.",
	  "mremap(mmap(\"2M\", { huge = true }), \"2M\", \"4M\")", CMD_MUTATES },
	{ "mthp_stats", cmd_mthp_stats, "size", "table",
	  "the per-size THP statistics",
	  "Returns hugepages-<size>kB/stats for size as sysfs names it "
	  "(\"64kB\", \"2048kB\") or as a size (\"64K\", 65536): "
	  "anon_fault_alloc, anon_fault_fallback, split, split_failed, "
	  "split_deferred, nr_anon, nr_anon_partially_mapped, ...",
	  "mthp_stats(\"2048kB\").nr_anon", CMD_PROMPT },
	{ "munmap", cmd_munmap, "addr, len", "nothing",
	  "unmap a range",
	  "Unmaps [addr, addr+len): splits the VMAs at the edges (a THP "
	  "across an edge has its PMD split there), zaps the pages, frees "
	  "page tables nobody else needs.  A partially unmapped THP is "
	  "queued for the deferred split shrinker.  Nothing mapped is not an "
	  "error.",
	  "munmap(mmap(\"8K\"), \"4K\")", CMD_MUTATES },
	{ "page", cmd_page, "addr | {pfn=N}", "table",
	  "one base page",
	  "Returns { pfn, refcount, mapcount, anon_exclusive, zero, head, "
	  "tail, folio, value, flags } for the page mapped at addr (faults "
	  "nothing) or of a pfn: value is the 64-bit content write() stored.",
	  "page({ pfn = 0x80 }).zero", CMD_PROMPT },
	{ "pagecache", cmd_pagecache, "file", "list of tables",
	  "the folios in a tmpfs file's page cache",
	  "Returns { index, pfn, order, refcount, mapcount, dirty } for each "
	  "folio cached for file, by page offset: a THP is one entry of "
	  "order 9 whose refcount counts its nr_pages cache references and "
	  "one per mapping.",
	  "tmpfs(\"/t\", \"huge=always\"); write(mmap(\"2M\", { file = \"/t/f\", "
	  "shared = true }), 1); print(pagecache(\"/t/f\")[1].order)", CMD_PROMPT },
	{ "pagemap", cmd_pagemap, "addr", "table",
	  "/proc/PID/pagemap for an address",
	  "Returns { raw, present, swapped, file, exclusive, soft_dirty, "
	  "uffd_wp, pfn, swap_type, swap_offset }: the 64-bit pagemap entry "
	  "and its bits as 6.18 computes them (exclusive: the page is mapped "
	  "once; for a PMD mapping judged by the head page; never for a swap "
	  "entry).",
	  "pagemap(mmap(\"4K\")).present", CMD_PROMPT },
	{ "pin", cmd_pin, "addr [, len [, opts]]", "pages pinned",
	  "pin pages for DMA (long-term GUP)",
	  "Pins the pages from addr to addr + len (len 4K by default) as an "
	  "io_uring fixed buffer does: pin_user_pages_fast with FOLL_WRITE, "
	  "FOLL_PIN and FOLL_LONGTERM, faulting pages in and copying shared "
	  "ones first.  A large folio counts each pin in pincount and "
	  "refcount, a small one adds 1024 to its refcount.  A pinned folio "
	  "cannot be split (-EAGAIN, thp_split_page_failed), and fork copies "
	  "it for the child.  The mapping must be writable.  opts: pid.",
	  "pin(mmap(\"2M\", { huge = true }), \"2M\")", CMD_MUTATES },
	{ "proc", cmd_proc, "pid", "nothing",
	  "switch the current process",
	  "Makes pid the current process: the one every command acts on "
	  "when no opts.pid is given.  ps() shows which one it is.",
	  "proc(1)", CMD_MUTATES },
	{ "prompt", cmd_prompt, "[name]", "nothing",
	  "open a nested prompt",
	  "Reads and runs lines at a nested prompt, thpsh [name]>, until "
	  "continue or end of input, then returns to the caller: "
	  "a script can stop to let you look around.",
	  "prompt(\"here\")", 0 },
	{ "ps", cmd_ps, "", "list of tables",
	  "the processes",
	  "Returns { pid, ppid, comm, rss (kB), vmas, current } for every "
	  "process.",
	  "ps()", CMD_PROMPT },
	{ "read", cmd_read, "addr", "integer",
	  "read the value stored in a page",
	  "Reads addr as a user load does (a fault maps the zero page or "
	  "the huge zero page where nothing is mapped) and returns the "
	  "64-bit value of its page: 0 unless write() stored one.",
	  "read(mmap(\"4K\"))", CMD_MUTATES },
	{ "reset", cmd_reset, "[opts]", "nothing",
	  "a fresh simulated machine",
	  "Throws the machine away and boots a new one: opts.mem (default "
	  "\"4G\", a multiple of 4M per node) split over opts.nodes nodes "
	  "(default 1), THP settings at the upstream defaults, pid 1 with an "
	  "empty address space.",
	  "reset({ mem = \"64M\" })", CMD_MUTATES },
	{ "set_mempolicy", cmd_set_mempolicy, "node [, opts]", "nothing",
	  "the NUMA node a process allocates from",
	  "Makes node the preferred node of the current process (or opts.pid): "
	  "its folios and page tables come from there first, from the other "
	  "nodes when it is full.  Nodes exist after reset{ nodes = N }; each "
	  "has its own deferred split queue, which shrink{ node = n } scans.",
	  "reset({ nodes = 2 }); set_mempolicy(1)", CMD_MUTATES },
	{ "shrink", cmd_shrink, "[nr_to_scan | opts]", "integer",
	  "run the deferred split shrinker",
	  "Without an argument does what echo 2 > /proc/sys/vm/drop_caches "
	  "does: every shrinker (deferred split, huge zero page) through "
	  "do_shrink_slab, repeated while it frees.  With nr_to_scan, one "
	  "deferred_split_count and deferred_split_scan of each queue with "
	  "that nr_to_scan; with a table, of the queues it names: "
	  "{ node = n } or { memcg = name }, and nr_to_scan (default 128).  "
	  "Returns the number of folios split.",
	  "shrink()", CMD_MUTATES },
	{ "size", cmd_size, "size", "integer",
	  "a size in bytes",
	  "Returns size in bytes.  Every command that takes a size accepts "
	  "an integer or a string: a decimal or 0x-hex number with an "
	  "optional unit K, M or G (also KB, KiB, any case), each a power "
	  "of 1024.  The globals KB, MB and GB hold the units.",
	  "size(\"2M\") == 2 * MB", 0 },
	{ "smaps", cmd_smaps, "[addr]", "table",
	  "/proc/PID/smaps",
	  "Returns the smaps fields (in kB: Size, Rss, Pss, Shared_/"
	  "Private_Clean/Dirty, Referenced, Anonymous, AnonHugePages, "
	  "ShmemPmdMapped, FilePmdMapped, Swap, SwapPss, Locked; THPeligible; VmFlags "
	  "as two-letter mnemonics) of the VMA holding addr, or a list of "
	  "every VMA.",
	  "smaps()", CMD_PROMPT },
	{ "split_folio", cmd_split_folio, "addr [, new_order]", "integer, string",
	  "split the folio mapped at addr",
	  "Splits the large folio mapped at addr to new_order (default 0) "
	  "the way split_folio_to_order() does: unmap_folio (migration "
	  "entries), freeze, __split_unmapped_folio, remap_page.  Returns 0 "
	  "and \"OK\", or a negative errno and its name: -22 EINVAL (order, "
	  "small folio), -16 EBUSY, -11 EAGAIN (an unexpected reference, a "
	  "pin).",
	  "local a = mmap(\"2M\", { huge = true }); fault(a, \"w\"); print(split_folio(a))",
	  CMD_MUTATES },
	{ "split_history", cmd_split_history, "[addr | {addr=, pfn=, format=, file=}]",
	  "list, table or string",
	  "what became of a folio: its splits as a tree",
	  "Every folio split since boot is recorded (the newest 65536): "
	  "{ seq, pfn, order, orders, new_order, split_at, anon, cause }, "
	  "where orders lists the orders of the pieces cut (one for a uniform "
	  "split, a halving series for a non-uniform one) and cause the "
	  "command that ran.  Without an argument, returns the records.  With "
	  "the page mapped at addr, or {pfn=N}, returns the tree of splits "
	  "that made the folio holding it: the first recorded ancestor at the "
	  "root, each node { pfn, order, seq, cause, children }, each piece "
	  "not split since { pfn, order, state = \"in use\"|\"free\"|"
	  "\"reused\", refcount, mapcount }, target set along the path to "
	  "the page.  format = \"dot\" or \"svg\" returns the Graphviz "
	  "picture instead (file = also writes it).",
	  "local a = mmap(\"2M\", { huge = true }); fault(a, \"w\"); write(a, 1); "
	  "split_folio(a); print(split_history{addr = a, format = \"dot\"})",
	  CMD_PROMPT },
	{ "split_huge_pages", cmd_split_huge_pages, "line", "integer, string, table",
	  "write to debugfs split_huge_pages",
	  "Parses line as the kernel parses a write to "
	  "/sys/kernel/debug/split_huge_pages: \"PID,0xSTART,0xEND"
	  "[,NEW_ORDER[,IN_FOLIO_OFFSET]]\", \"/PATH,0xOFF_START,0xOFF_END"
	  "[,NEW_ORDER]\" or \"1\" (every THP), and splits what it walks.  "
	  "Returns the bytes written (or -errno), the errno name, and "
	  "{ split, total } as the kernel's debug message counts them.",
	  "split_huge_pages(\"1,0x0,0x0\")", CMD_MUTATES },
	{ "split_pmd", cmd_split_pmd, "addr", "boolean",
	  "split the huge PMD mapping addr",
	  "Splits a PMD leaf into a table of 512 PTEs "
	  "(split_huge_pmd_address -> __split_huge_pmd_locked): the deposited "
	  "table is withdrawn, the folio stays whole.  Returns false when no "
	  "huge PMD maps addr.",
	  "split_pmd(mmap(\"2M\"))", CMD_MUTATES },
	{ "swap", cmd_swap, "", "table",
	  "the swap device: /proc/swaps, SwapTotal/SwapFree/SwapCached",
	  "Returns { filename, type, size, used, priority } as /proc/swaps "
	  "shows the device (kB), { total, free, cached } as /proc/meminfo's "
	  "SwapTotal, SwapFree and SwapCached (kB), and entries: the slots in "
	  "use, as runs of consecutive slots alike, each { offset, nr, count "
	  "(swap PTEs and page-cache entries holding each slot), cached (pfn "
	  "of the swap cache "
	  "folio), zero (written as a zero-filled page) }.  With no device, "
	  "only total, free and cached, all 0.",
	  "swapon(\"64M\"); print(swap().total)", CMD_PROMPT },
	{ "swapoff", cmd_swapoff, "", "nothing",
	  "swap everything back in and remove the swap device",
	  "As swapoff(8): try_to_unuse reads every swapped shmem page back "
	  "into its page cache, unmapped (shmem_unuse), then walks every "
	  "process and maps each "
	  "swapped-out page again, read into an order-0 page (a THP comes "
	  "back as 512 of them, dirty, as the live kernel does), then the "
	  "device goes.  Refused, changing nothing, when the free memory or "
	  "a memcg's memory.max cannot take the pages (ENOMEM).",
	  "swapon(\"64M\"); swapoff()", CMD_MUTATES },
	{ "swapon", cmd_swapon, "size [, \"zram\"|\"file\"]", "nothing",
	  "add a swap device",
	  "mkswap and swapon(8) of a device of size (40K to 64G, a multiple "
	  "of 4K; its first page is the header).  \"zram\" (the default) is a "
	  "block device whose I/O completes at once: madvise \"pageout\" swaps "
	  "a THP out whole into 512 consecutive slots (thp_swpout) and frees "
	  "it, and a fault on an entry only one PTE holds reads it into a new "
	  "page, or an mTHP that hugepages-<size>kB/enabled allows, outside "
	  "the swap cache.  \"file\" is a swap file: a THP is split first "
	  "(thp_swpout_fallback), the pages stay in the swap cache while "
	  "their write completes, faults map them from there.  Shmem goes "
	  "through shmem_writeout: its page tables are just unmapped and its "
	  "page cache holds the swap entries (smaps Swap, not SwapPss); a "
	  "fault reads a page back, from zram a swapped THP whole, mapped by "
	  "PMD; truncation frees the slots.  One device at a time.  On the "
	  "live kernel: /dev/zram0 only, with --allow-sysfs.",
	  "swapon(\"1G\")", CMD_MUTATES },
	{ "sysfs", cmd_sysfs, "path [, value]", "string",
	  "read or write a THP knob",
	  "Reads (returns the kernel's text, like \"always [madvise] never\") "
	  "or writes the attribute at path under /sys/kernel/mm/: "
	  "transparent_hugepage/enabled, defrag, use_zero_page, "
	  "shrink_underused, hpage_pmd_size, shmem_enabled, "
	  "khugepaged/max_ptes_none and the other khugepaged knobs, "
	  "hugepages-<size>kB/enabled, hugepages-<size>kB/shmem_enabled and "
	  "hugepages-<size>kB/stats/*.  Writes are checked as the kernel's "
	  "store functions check them.  defrag decides what a THP fault does "
	  "when no free block is left (direct compaction, kcompactd, or "
	  "nothing: see compact), khugepaged/defrag whether khugepaged "
	  "compacts.",
	  "sysfs(\"transparent_hugepage/enabled\")", CMD_MUTATES },
	{ "tmpfs", cmd_tmpfs, "[path [, options]]", "table",
	  "mount a tmpfs",
	  "Mounts a simulated tmpfs at path with the kernel's mount options: "
	  "huge=never|always|within_size|advise (never by default) decides "
	  "which folio sizes its files get, whatever shmem_enabled says; "
	  "size= (bytes with k, m, g, t, or a percentage of RAM; half of RAM "
	  "by default) bounds its pages, a fault past it gets SIGBUS.  Files "
	  "are created by mmap with opts.file and live directly in the mount "
	  "point.  Returns { path, huge, size, used, files } ({ name, size, "
	  "nrpages } each); tmpfs() returns every mount.",
	  "tmpfs(\"/tmp/thp\", \"huge=always,size=64m\")", CMD_MUTATES },
	{ "touch", cmd_touch, "addr, len [, \"r\"|\"w\"]", "table",
	  "access every page of a range",
	  "fault() for every page of the range; returns how many accesses "
	  "had each outcome, e.g. { thp = 1, none = 511 }.",
	  "touch(mmap(\"2M\", { huge = true }), \"2M\", \"w\")", CMD_MUTATES },
	{ "trace", cmd_trace, "[on | pattern | {on, filter, output}]", "table",
	  "print the simulated kernel's call graph",
	  "trace(true) prints every simulated kernel function as it runs, in "
	  "the layout of ftrace's function_graph tracer, with comments "
	  "saying what each changed (the entry written, the reference taken, "
	  "the folio queued) and the trace events; trace(false) stops.  "
	  "trace(\"zap_*\") shows only matching functions and their callees; "
	  "trace{ filter = {...}, output = fn } sends lines to fn.  Returns "
	  "{ on, filter }.",
	  "trace(false)", 0 },
	{ "truncate", cmd_truncate, "file, len", "nothing",
	  "change the size of a tmpfs file",
	  "ftruncate(2): shrinking unmaps the pages past the new size from "
	  "every process (a PMD across it is unmapped whole), drops the "
	  "folios past it and splits the one across it (a non-uniform "
	  "split: the part below keeps the largest folios that fit, pieces "
	  "past EOF are dropped); growing only changes the size.",
	  "tmpfs(\"/t\", \"huge=always\"); mmap(\"2M\", { file = \"/t/f\", "
	  "shared = true }); truncate(\"/t/f\", \"1M\")", CMD_MUTATES },
	{ "unpin", cmd_unpin, "addr [, len [, opts]]", "pages unpinned",
	  "release pins taken by pin",
	  "Releases the pins the process took with pin() at the addresses "
	  "from addr to addr + len (len 4K by default), even if the memory "
	  "moved or was unmapped since; the last reference frees a folio "
	  "that nobody maps.  Raises an error if nothing was pinned there.  "
	  "opts: pid.",
	  "local a = mmap(\"4K\"); pin(a); unpin(a)", CMD_MUTATES },
	{ "vmstat", cmd_vmstat, "[name]", "table or integer",
	  "the counters of /proc/vmstat",
	  "Returns every THP counter of /proc/vmstat by its kernel name "
	  "(thp_fault_alloc, thp_split_pmd, thp_deferred_split_page, ... and "
	  "nr_anon_pages, nr_anon_transparent_hugepages (in THPs), "
	  "nr_page_table_pages, nr_free_pages), or the one named.",
	  "vmstat(\"thp_fault_alloc\")", CMD_PROMPT },
	{ "walk", cmd_walk, "addr", "table",
	  "the page-table walk for one address",
	  "Returns { pgd, p4d, pud, pmd, pte } (raw entries, as far as the "
	  "walk goes; p4d is folded into pgd), level (\"pmd\" or \"pte\": "
	  "where the leaf is), pfn (swap_offset for a swap entry), huge, "
	  "migration and flags (the leaf decoded).  Faults nothing.",
	  "walk(mmap(\"4K\"))", CMD_PROMPT },
	{ "write", cmd_write, "addr, value", "nothing",
	  "store a value in a page",
	  "Writes addr as a user store does (faulting as needed: a THP, a "
	  "4 KiB page, a copy-on-write) and stores the 64-bit integer value "
	  "as the content of its page.  Every later split, copy or move "
	  "keeps it; read() returns it.",
	  "write(mmap(\"4K\"), 42)", CMD_MUTATES },
	{ NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0 }
};

static size_t ncommands(void)
{
	static size_t n;

	if (n == 0)
		while (thp_commands[n].name != NULL)
			n++;
	return n;
}

const struct thp_command *thp_command_find(const char *name)
{
	size_t lo = 0, hi = ncommands();

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, thp_commands[mid].name);

		if (c == 0)
			return &thp_commands[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/*
 * Every command runs through here so that the machine knows which one
 * split a folio (split_history()).  Commands run from a breakpoint's
 * nested prompt only inspect: the interrupted command stays the cause.
 */
static int run_command(lua_State *L)
{
	const struct thp_command *c = &thp_commands[lua_tointeger(L, lua_upvalueindex(1))];

	if (kbreak_depth == 0)
		split_cause = c->name;
	return c->fn(L);
}

int thp_command_is(lua_State *L, int idx, const struct thp_command *c)
{
	int same;

	if (lua_tocfunction(L, idx) != run_command || !lua_getupvalue(L, idx, 1))
		return 0;
	same = lua_tointeger(L, -1) == c - thp_commands;
	lua_pop(L, 1);
	return same;
}

void thp_commands_open(lua_State *L)
{
	const struct thp_command *c;

	for (c = thp_commands; c->name != NULL; c++) {
		lua_pushinteger(L, c - thp_commands);
		lua_pushcclosure(L, run_command, 1);
		lua_setglobal(L, c->name);
	}
}

/* --- help ------------------------------------------------------------ */

#define HELP_WIDTH 72

/* help lists the commands in these groups, by their flags. */
static const struct {
	unsigned int mask;	/* flags looked at */
	unsigned int value;	/* ...and the value they must have */
	const char *title;
} help_groups[] = {
	{ CMD_MUTATES, CMD_MUTATES, "Change the simulated machine" },
	{ CMD_MUTATES | CMD_PROMPT, CMD_PROMPT, "Inspect it" },
	{ CMD_MUTATES | CMD_PROMPT, 0, "Shell and scripting" },
};

static void help_list(void)
{
	const struct thp_command *c;
	size_t g, width = 0;

	for (c = thp_commands; c->name != NULL; c++)
		if (strlen(c->name) > width)
			width = strlen(c->name);
	for (g = 0; g < sizeof help_groups / sizeof help_groups[0]; g++) {
		int title = 0;

		for (c = thp_commands; c->name != NULL; c++) {
			if ((c->flags & help_groups[g].mask) !=
			    help_groups[g].value)
				continue;
			if (!title++)
				printf("%s:\n", help_groups[g].title);
			printf("  %-*s  %s\n", (int)width, c->name, c->summary);
		}
	}
	printf("\nhelp \"name\" explains one; at the prompt, "
	       "help name does too.\n");
}

/* Print @text indented by two spaces, wrapped at HELP_WIDTH columns. */
static void help_wrap(const char *text)
{
	size_t col = 0;

	while (*text != '\0') {
		size_t n = strcspn(text, " \n");

		if (col > 0 && col + 1 + n > HELP_WIDTH) {
			putchar('\n');
			col = 0;
		}
		printf("%s%.*s", col > 0 ? " " : "  ", (int)n, text);
		col += n + (col > 0 ? 1 : 2);
		text += n;
		if (*text == '\n') {
			putchar('\n');
			col = 0;
		}
		text += strspn(text, " \n");
	}
	if (col > 0)
		putchar('\n');
}

static void help_one(const struct thp_command *c)
{
	printf("%s(%s) -> %s\n", c->name, c->args, c->returns);
	help_wrap(c->help);
	printf("Example:\n  %s\n", c->example);
}

static int cmd_help(lua_State *L)
{
	const char *name = luaL_optstring(L, 1, NULL);
	const struct thp_command *c;

	if (name == NULL) {
		help_list();
		return 0;
	}
	c = thp_command_find(name);
	if (c == NULL)
		return luaL_error(L, "help: no command '%s' (help lists them)",
				  name);
	help_one(c);
	return 0;
}

/* --- commands -------------------------------------------------------- */

static void set_string(lua_State *L, const char *field, const char *value)
{
	lua_pushstring(L, value);
	lua_setfield(L, -2, field);
}

static void set_boolean(lua_State *L, const char *field, int value)
{
	lua_pushboolean(L, value);
	lua_setfield(L, -2, field);
}

static int cmd_commands(lua_State *L)
{
	size_t i, n = ncommands();

	lua_createtable(L, (int)n, 0);
	for (i = 0; i < n; i++) {
		const struct thp_command *c = &thp_commands[i];

		lua_createtable(L, 0, 8);
		set_string(L, "name", c->name);
		set_string(L, "args", c->args);
		set_string(L, "returns", c->returns);
		set_string(L, "summary", c->summary);
		set_string(L, "help", c->help);
		set_string(L, "example", c->example);
		set_boolean(L, "mutates", (c->flags & CMD_MUTATES) != 0);
		set_boolean(L, "prompt", (c->flags & CMD_PROMPT) != 0);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	return 1;
}
