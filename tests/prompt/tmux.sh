#!/bin/sh
# tmux.sh - the prompt on a real terminal, driven through tmux, for each
# line-editing build in $THPSH_VARIANTS ("label:binary ...", set by make
# check): it evaluates, survives errors, completes with Tab, continues
# incomplete input, runs shell-style lines, stops a running chunk on
# Ctrl-C, nests prompts, leaves on Ctrl-D and keeps its history.
#
# Nothing here sleeps for a fixed time: each step waits until the screen
# shows what it expects, for up to $WAIT seconds.  Keys for a new line are
# sent only once the screen ends with an empty prompt: the line editor
# draws it after putting the terminal in raw mode, and before that the
# terminal's own line discipline would take Ctrl-D and Ctrl-U itself.
. "$(dirname "$0")/../tap.sh"

if ! command -v tmux >/dev/null; then
	echo "1..0 # SKIP tmux is not installed"
	exit 0
fi
unset TMUX
VARIANTS=${THPSH_VARIANTS:-"default:$THPSH"}
WAIT=${WAIT:-10}
printf 'set -g remain-on-exit on\nset -g history-limit 10000\n' > "$TMPDIR_T/tmux.conf"

# Each session has a server of its own: a new one on a socket just used
# could meet the old one still going away.
sessions=0
t() {
	tmux -S "$TMPDIR_T/tmux.$sessions" -f "$TMPDIR_T/tmux.conf" "$@"
}

screen() {
	t capture-pane -p -S - -t thpsh 2>/dev/null
}

# wait_for ERE: true once a line of the screen matches; false at once if
# the session is gone.
wait_for() {
	i=0
	while [ "$i" -lt $((WAIT * 20)) ]; do
		text=$(screen) || return 1
		printf '%s\n' "$text" | grep -Eq -- "$1" && return 0
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

# ready: wait until the last line on the screen is an empty prompt.
ready() {
	i=0
	while [ "$i" -lt $((WAIT * 20)) ]; do
		text=$(screen) || return 1
		printf '%s\n' "$text" | grep -v '^$' | tail -n 1 |
			grep -Eq '^(thpsh( \[[^]]*\])?>|>>) ?$' && return 0
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

# expect ERE NAME: a test that the screen comes to show ERE.
expect() {
	wait_for "$1"
	ok $? "$2" || diag "$(screen | tail -n 15)"
}

# begin TEXT: at the next prompt, type TEXT.
begin() {
	ready
	t send-keys -t thpsh -l "$1"
}

# key KEY...: press keys (tmux names: Tab, Enter, C-c, Up).
key() {
	t send-keys -t thpsh "$@"
}

# send TEXT: at the next prompt, type TEXT and Enter.
send() {
	begin "$1"
	key Enter
}

# finish TEXT: add TEXT to the line being typed, and Enter.
finish() {
	t send-keys -t thpsh -l "$1"
	key Enter
}

start() {
	sessions=$((sessions + 1))
	t new-session -d -s thpsh -x 120 -y 40 \
		"env THPSH_HISTORY='$history' TERM=screen $1; echo \"[exit \$?]\""
	wait_for '^thpsh> ?$'
}

stop() {
	t kill-server 2>/dev/null
}

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
