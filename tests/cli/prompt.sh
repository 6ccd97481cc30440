#!/bin/sh
# prompt.sh - the prompt fed by a pipe: what it runs and prints, shell-style
# lines, continuation, errors, nested prompts and continue.  (The terminal
# side - line editing, Tab, Ctrl-C, history - is tests/prompt/tmux.sh.)
. "$(dirname "$0")/../tap.sh"
cd "$TMPDIR_T" || exit 1

# run LINES...: feed the lines to thpsh -i; stdout in $out, stderr in $err
run() {
	printf '%s\n' "$@" > input
	"$THPSH" -i < input > stdout 2> stderr
	status=$?
	out=$(cat stdout)
	err=$(cat stderr)
}

run '1+1' 'x = 5' 'x * 2'
is "$out" "$(printf '2\n10')" "expressions print, statements do not"
run '{ addr = 0x7f0000000000, n = 1 }' 'return 1, "a"'
is "$out" "$(printf '{ addr = 0x7f0000000000, n = 1 }\n1\ta')" \
	"values print readably, addresses in hex"
run '_PROMPT = "custom> "' '2+2'
is "$out" 4 "no prompt is written when input is not a terminal"

run 'error("boom")' '3+4'
is "$out" 7 "the prompt goes on after an error"
like "$err" '^thpsh: stdin:1: boom$' "...which it reports"
like "$err" 'stack traceback:' "...with a traceback"
is "$status" 0 "...and an error at the prompt is no failure"
run 'x = = 1' '5'
like "$err" "unexpected symbol near '='" "a syntax error is reported"
is "$out" 5 "...and the prompt goes on"

run 'for i = 1, 2 do' 'print(i * 111)' 'end'
is "$out" "$(printf '111\n222')" "an incomplete chunk continues on the next line"
run 'function f(x)' '  return x * 2' 'end' 'f(21)'
is "$out" 42 "a function defined over several lines"
run 'for i = 1, 2 do'
like "$err" "'end' expected" "end of input inside a chunk reports it"

run 'size 2M' 'size 0x1000' 'size "4K"' 'size(1)'
is "$out" "$(printf '2097152\n4096\n4096\n1')" \
	"shell-style lines: numbers stay numbers, other words become strings"
run 'json true' 'json nil' 'json false'
is "$out" "$(printf 'true\nnull\nfalse')" "true, false and nil stay what they are"
run "json 'a b'" 'json "c\"d"'
is "$out" "$(printf '"a b"\n"c\\"d"')" "quoted words stay strings, spaces and all"
run 'json a\b"c'
is "$out" '"a\\b\"c"' "a bare word with quotes and backslashes is escaped"
run 'help size'
like "$out" '^size\(size\) -> integer$' "help size explains size"
run 'help'
like "$out" '^  size +a size in bytes$' "a command alone is called: help lists"
run 'size = 3' 'size'
is "$out" 3 "...but only while it is a command"
run 'nosuch 1 2'
like "$err" "syntax error near '1'" "a line that is neither Lua nor a command is a Lua error"
run 'help nosuch'
like "$err" "help: no command 'nosuch'" "a command's own error is reported"

run 'continue'
like "$err" 'continue: not at a nested prompt' "continue at the top level is an error"
run 'prompt("inner")' 'x = 1' 'continue' 'print(x + 1)'
is "$out" 2 "prompt() opens a nested prompt that continue leaves"
run 'prompt("a")' 'prompt("b")' 'continue' 'y = 2' 'continue' 'print(y)'
is "$out" 2 "nested prompts nest"
run 'prompt("a")' 'continue(); print("same line")' 'print("back")'
is "$out" "$(printf 'same line\nback')" "continue returns once its line has run"
run 'prompt("inner")' 'error("inside")' 'print("still inside")' 'continue'
is "$out" "still inside" "an error at a nested prompt stays there"

printf 'print("before")\nprompt()\nprint("after", x)\n' > stop.lua
out=$(printf 'x = 9\ncontinue\n' | "$THPSH" stop.lua)
is "$out" "$(printf 'before\nafter\t9')" "a script can stop at a prompt and go on"
out=$(printf 'x = 1\n' | "$THPSH" stop.lua)
is "$out" "$(printf 'before\nafter\t1')" "end of input leaves a nested prompt too"

done_testing
