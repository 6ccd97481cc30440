#!/bin/sh
# man.sh - man/thpsh.1 is clean under mandoc -Tlint, renders with man -l,
# has the SYNOPSIS that --help prints, and lists in COMMANDS exactly the
# rows of the command table: a command without an entry fails, and so
# does an entry without a command.
. "$(dirname "$0")/../tap.sh"
MAN=$(cd "$(dirname "$0")/../.." && pwd)/man/thpsh.1

# Whether a page named by .Xr is installed depends on the machine, not on
# the page: those messages are left out.
lint=$(mandoc -Tlint "$MAN" 2>&1 |
	grep -v -e 'mandoc\.db lacks' -e 'referenced manual not found')
is "$lint" "" "mandoc -Tlint finds nothing"

err=$(MANWIDTH=80 man --warnings -P cat -l "$MAN" 2>&1 >/dev/null)
ok $? "man -l renders it"
is "$err" "" "...without warnings"

# The page as text, overstrikes removed, and one section of it.
text=$(MANWIDTH=200 mandoc -Tascii -O width=200 "$MAN" | sed 's/.\x08//g')
section() {
	printf '%s\n' "$text" | sed -n "/^$1\$/,/^[A-Z]/p" | sed '1d;$d'
}
words() {
	tr -s ' \t\n' '   ' | sed 's/^ //; s/ $//'
}
synopsis=$(section SYNOPSIS | words)
usage=$("$THPSH" --help | sed '/^$/,$d; s/^usage://' | words)
is "$synopsis" "$usage" "SYNOPSIS is --help's usage, word for word"

entries=$(sed -n '/^\.Sh COMMANDS/,/^\.Sh /p' "$MAN" | awk '$1 == ".It" && $2 == "Fn" { print $3 }')
rows=$("$THPSH" -e 'for _, c in ipairs(commands()) do print(c.name) end')
for name in $rows; do
	printf '%s\n' "$entries" | grep -qx -- "$name"
	ok $? "command $name has an entry in COMMANDS"
done
for name in $entries; do
	printf '%s\n' "$rows" | grep -qx -- "$name"
	ok $? "COMMANDS entry $name is a command"
done
is "$entries" "$(printf '%s\n' "$entries" | LC_ALL=C sort)" "COMMANDS is sorted"

done_testing
