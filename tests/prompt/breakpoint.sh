#!/bin/sh
# breakpoint.sh - a breakpoint at the prompt, on a real terminal through
# tmux, for each line-editing build: the simulated kernel stops inside
# __split_unmapped_folio and a nested prompt opens there; inspection
# commands see the migration entries and the frozen refcount, changing
# the machine is refused, continue resumes the split.
. "$(dirname "$0")/../tap.sh"

. "$(dirname "$0")/tmux.inc"

session() {
	v=$1
	history="$TMPDIR_T/history.bp.$v"
	start "$2"
	ok $? "$v: the prompt appears"
	send 'a = mmap("2M", { huge = true }); touch(a, "2M", "w"); munmap(a + 4096, 4096)'
	send 'breakpoint("__split_unmapped_folio")'
	send 'shrink()'
	expect '^breakpoint: __split_unmapped_folio\(\) entered' "$v: the breakpoint is hit"
	expect '^thpsh \[__split_unmapped_folio\]> ?$' "$v: a nested prompt names the function"
	send 'folio({ pfn = bp.folio }).refcount'
	expect '^0$' "$v: the folio's refcount is frozen at 0"
	send 'walk(a + 8192).migration'
	expect '^true$' "$v: its PTEs hold migration entries"
	send 'munmap(a, 4096)'
	expect 'munmap: refused inside a breakpoint' "$v: changing the machine is refused"
	send 'continue'
	expect '^1$' "$v: continue resumes: shrink() returns 1"
	send 'walk(a + 8192).migration'
	expect '^false$' "$v: the entries are present again"
	send 'check()'
	expect '^true$' "$v: check() passes"
	ready
	key C-d
	expect '^\[exit 0\]$' "$v: Ctrl-D leaves"
	stop
}

for variant in $VARIANTS; do
	session "${variant%%:*}" "${variant#*:}"
done
done_testing
