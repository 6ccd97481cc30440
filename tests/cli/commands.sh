#!/bin/sh
# commands.sh - every row of the command table as a person meets it: help
# lists it, help "name" explains it, and its example runs at the prompt
# exactly as written, with no error.
. "$(dirname "$0")/../tap.sh"
cd "$TMPDIR_T" || exit 1

"$THPSH" -e 'for _, c in ipairs(commands()) do
	print(c.name .. "\t" .. c.name .. "(" .. c.args .. ") -> " .. c.returns ..
	      "\t" .. c.example)
end' > rows
list=$("$THPSH" -e 'help()')

tab=$(printf '\t')
while IFS=$tab read -r name usage example; do
	like "$list" "^  $name  " "help lists $name"
	is "$("$THPSH" -e "help('$name')" | head -n 1)" "$usage" \
		"help \"$name\" starts with its usage"
	# A nested prompt: the example may be continue itself.
	printf '%s\ncontinue\n' "$example" |
		"$THPSH" -e 'prompt("example")' > out 2> err
	is "$?:$(cat err)" "0:" "the example of $name runs: $example"
done < rows

done_testing
