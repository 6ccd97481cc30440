#!/bin/sh
# tmux.sh - the prompt on a real terminal, driven through tmux, for each
# line-editing build in $THPSH_VARIANTS ("label:binary ...", set by make
# check): it evaluates, survives errors, completes with Tab, continues
# incomplete input, runs shell-style lines, stops a running chunk on
# Ctrl-C, nests prompts, leaves on Ctrl-D and keeps its history.
. "$(dirname "$0")/../tap.sh"

. "$(dirname "$0")/tmux.inc"

# session LABEL BINARY: the whole tour, then a second start for history.
session() {
	v=$1
	history="$TMPDIR_T/history.$v"
	start "$2"
	ok $? "$v: the prompt appears"

	send '1+1'
	expect '^2$' "$v: 1+1 prints 2"
	send 'error("boom")'
	expect '^thpsh: stdin:1: boom$' "$v: an error prints its message"
	expect '^stack traceback:' "$v: ...and a traceback"
	send '6*7'
	expect '^42$' "$v: the prompt goes on after an error"

	begin 'pri'
	key Tab
	expect '^thpsh> print$' "$v: Tab completes pri to print"
	finish '(11*11)'
	expect '^121$' "$v: ...which then runs"
	begin 'string.fo'
	key Tab
	expect '^thpsh> string\.format$' "$v: Tab completes table fields"
	finish '("%d", 333)'
	expect '^333$' "$v: ...which then run"
	send '_COMPLETE_STRINGS = { "transparent_hugepage/enabled" }'
	begin 'x = "transp'
	key Tab
	expect '^thpsh> x = "transparent_hugepage/enabled' \
		"$v: Tab completes inside a string from _COMPLETE_STRINGS"
	key C-u
	begin 'help si'
	key Tab
	expect '^thpsh> help size$' "$v: Tab completes a shell-style argument"
	key Enter
	expect '^size\(size\) -> integer$' "$v: help size runs shell-style"

	send 'for i = 1, 2 do'
	expect '^>> ?$' "$v: incomplete input continues on the second prompt"
	send 'print(i * 111)'
	send 'end'
	expect '^222$' "$v: ...and runs when complete"
	send 'size 2M'
	expect '^2097152$' "$v: a shell-style line runs"

	send 'while true do end'
	i=0
	until ! text=$(screen) || printf '%s\n' "$text" | grep -q 'interrupted!' ||
	      [ "$i" -ge $((WAIT * 2)) ]; do
		key C-c
		sleep 0.5
		i=$((i + 1))
	done
	expect 'thpsh: interrupted!$' "$v: Ctrl-C interrupts a running chunk"
	send '7*8'
	expect '^56$' "$v: ...and the prompt goes on"
	begin 'abc'
	wait_for '^thpsh> abc$'
	key C-c
	send '9*9'
	expect '^81$' "$v: Ctrl-C at the prompt discards the line"

	send 'prompt("inner")'
	expect '^thpsh \[inner\]> ?$' "$v: a nested prompt shows its name"
	send 'y = 12'
	send 'continue'
	send 'y * 2'
	expect '^24$' "$v: continue returns to the outer prompt"

	send '5*5'
	expect '^25$' "$v: the last line runs"
	ready
	key C-d
	expect '^\[exit 0\]$' "$v: Ctrl-D leaves with status 0"
	stop

	saved=$(cat "$history" 2>/dev/null)
	like "$saved" '^1\+1$' "$v: history is written to THPSH_HISTORY"
	like "$saved" '^for i = 1, 2 do\\nprint\(i \* 111\)\\nend$' \
		"$v: a chunk of several lines is one entry"
	unlike "$saved" '^for i = 1, 2 do$' "$v: incomplete input is not an entry"
	unlike "$saved" 'abc' "$v: a discarded line is not an entry"

	# Older history: the next start keeps the last 1000 entries of it.
	{ seq 2100 | sed 's/^/-- old /'; cat "$history"; } > "$history.new"
	mv "$history.new" "$history"
	start "$2"
	key Up
	expect '^thpsh> 5\*5$' "$v: the next session recalls the history"
	key Enter
	expect '^25$' "$v: ...and runs what it recalls"
	stop
	is "$(wc -l < "$history")" 1001 "$v: the history file keeps the last 1000 entries"
	unlike "$(head -n 1 "$history")" '^-- old 1$' "$v: ...dropping the oldest"
}

for variant in $VARIANTS; do
	session "${variant%%:*}" "${variant#*:}"
done

done_testing
