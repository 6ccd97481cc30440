#!/bin/sh
# args.sh - the command line: -e, scripts and their arg table, standard
# input, -i, --, --version, --help and wrong options.
. "$(dirname "$0")/../tap.sh"
cd "$TMPDIR_T" || exit 1

is "$("$THPSH" -e 'print(1+1)')" 2 "-e runs a statement"
is "$("$THPSH" -e '1+1')" 2 "-e prints the value of an expression"
is "$("$THPSH" -e 'x = 20' -e 'x + 1')" 21 "-e chunks run in order, in one state"
is "$("$THPSH" -e'print(3)')" 3 "-e takes its chunk attached"
is "$("$THPSH" -e 'return 1, "a", nil')" "$(printf '1\ta\tnil')" \
	"several values are separated by tabs"
is "$("$THPSH" -e 'x = 1')" "" "a statement prints nothing"

printf 'print(#arg, arg[0], arg[1], arg[2], ...)\n' > args.lua
is "$("$THPSH" args.lua a 'b c')" "$(printf '2\targs.lua\ta\tb c\ta\tb c')" \
	"a script gets arg[0..n] and ... like lua.c"
is "$("$THPSH" -e 'y = 1' args.lua z)" "$(printf '1\targs.lua\tz\tnil\tz')" \
	"-e runs before the script"
: > empty.lua
is "$("$THPSH" -e 'print(arg[-1], arg[-2])' empty.lua)" \
	"$(printf -- "print(arg[-1], arg[-2])\t-e")" "options sit at negative indices of arg"
is "$("$THPSH" -- args.lua x)" "$(printf '1\targs.lua\tx\tnil\tx')" \
	"-- ends the options"

is "$(echo 'print(...)' | "$THPSH" - x y)" "$(printf 'x\ty')" \
	"- runs standard input with arguments"
is "$(echo 'print(7)' | "$THPSH")" 7 \
	"with nothing else given and no terminal, standard input is the script"

printf 'x = 40\nprint("script")\n' > set.lua
out=$(printf 'x + 2\n' | "$THPSH" -i set.lua)
is "$out" "$(printf 'script\n42')" "-i opens the prompt after the script"
unlike "$(printf '1+1\n' | "$THPSH" -i)" "$(printf '\033')" \
	"the prompt writes no escape codes when input is not a terminal"

out=$("$THPSH" --version)
ok $? "--version exits 0"
like "$out" '^thpsh [0-9][^ ]* \(.*Lua 5\.4.*\)$' "--version names thpsh and Lua 5.4"
out=$("$THPSH" --help)
ok $? "--help exits 0"
like "$out" '^usage: thpsh ' "--help starts with the usage"
for opt in -e -i --json --version --help -- -; do
	like "$out" "^  $opt " "--help lists $opt"
done

err=$("$THPSH" -x 2>&1 >/dev/null)
ok $((! $?)) "an unknown option fails"
like "$err" "unrecognized option '-x'" "...and says which"
like "$err" '^usage: thpsh' "...and shows the usage"
err=$("$THPSH" -e 2>&1 >/dev/null)
ok $((! $?)) "-e without a chunk fails"
like "$err" "'-e' needs an argument" "...and says so"

done_testing
