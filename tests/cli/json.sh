#!/bin/sh
# json.sh - --json prints the values of -e chunks as JSON, one a line.
. "$(dirname "$0")/../tap.sh"

is "$("$THPSH" --json -e '{ b = { 1, 2 }, a = "x" }')" '{"a":"x","b":[1,2]}' \
	"a table, keys sorted, list as array"
is "$("$THPSH" --json -e '0x7f0000000000')" 139637976727552 \
	"integers are JSON numbers, decimal"
is "$("$THPSH" --json -e 'return 1, "two"')" "$(printf '1\n"two"')" \
	"several values: one a line"
is "$("$THPSH" -e '{ 1 }' --json)" '[1]' "--json holds wherever it is given"
is "$("$THPSH" --json -e 'x = 1')" "" "a statement prints nothing"
err=$("$THPSH" --json -e 'print' 2>&1 >/dev/null)
is $? 1 "a value JSON cannot hold fails"
like "$err" 'json: cannot encode a function value' "...and says why"

done_testing
