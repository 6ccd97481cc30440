#!/bin/sh
# readme.sh - the prompt session in README.md runs as written: each
# "thpsh> " line is typed, and the output lines under it are what the
# prompt prints (comments after "--" are part of the Lua line).
. "$(dirname "$0")/../tap.sh"
README=$(cd "$(dirname "$0")/../.." && pwd)/README.md

session=$(sed -n '/^    \$ \.\/thpsh$/,/^$/p' "$README" | sed '1d;$d; s/^    //')
input=$(printf '%s\n' "$session" | sed -n 's/^thpsh> //p')
expected=$(printf '%s\n' "$session" | grep -v '^thpsh> ')
got=$(printf '%s\n' "$input" | "$THPSH" -i 2>&1)
is "$got" "$expected" "the README session prints what the README says"
done_testing
