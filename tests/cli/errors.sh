#!/bin/sh
# errors.sh - exit status and messages: 0 on success, 1 on an error with
# file:line and a traceback on stderr, os.exit as asked.
. "$(dirname "$0")/../tap.sh"
cd "$TMPDIR_T" || exit 1

printf 'local x = 1\nerror("boom")\n' > boom.lua
err=$("$THPSH" boom.lua 2>&1 >/dev/null)
is $? 1 "a script error exits 1"
like "$err" '^thpsh: boom\.lua:2: boom$' "the message names file:line"
like "$err" 'stack traceback:' "...followed by a traceback"

printf 'x = = 1\n' > syntax.lua
err=$("$THPSH" syntax.lua 2>&1 >/dev/null)
is $? 1 "a syntax error exits 1"
like "$err" 'syntax\.lua:1:' "...naming file:line"

err=$("$THPSH" -e 'nil + 1' 2>&1 >/dev/null)
is $? 1 "an error in -e exits 1"
like "$err" '\(command line\):1: attempt to perform arithmetic' "...naming the chunk"
is "$("$THPSH" -e 'error("x")' -e 'print("no")' 2>/dev/null)" "" \
	"nothing runs after a failed chunk"

err=$("$THPSH" nosuch.lua 2>&1 >/dev/null)
is $? 1 "a missing script exits 1"
like "$err" 'cannot open nosuch\.lua' "...and says so"

err=$("$THPSH" -e 'error({})' 2>&1 >/dev/null)
like "$err" 'error object is a table value' "a non-string error is described"

"$THPSH" -e 'os.exit(3)'
is $? 3 "os.exit sets the exit status"
"$THPSH" -e 'os.exit(true)'
is $? 0 "os.exit(true) exits 0"
"$THPSH" -e 'x = 1'
is $? 0 "success exits 0"

done_testing
