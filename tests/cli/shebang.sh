#!/bin/sh
# shebang.sh - a script starting #!/usr/bin/env thpsh runs as a command.
. "$(dirname "$0")/../tap.sh"
cd "$TMPDIR_T" || exit 1

mkdir bin
ln -s "$THPSH" bin/thpsh
printf '#!/usr/bin/env thpsh\nprint("hello", ...)\n' > hello
printf '#!/usr/bin/env thpsh\nerror("bad")\n' > bad
chmod +x hello bad

is "$(PATH="$PWD/bin:$PATH" ./hello a b)" "$(printf 'hello\ta\tb')" \
	"the #! line is skipped and arguments passed"
err=$(PATH="$PWD/bin:$PATH" ./bad 2>&1)
is $? 1 "a failing #! script exits 1"
like "$err" 'bad:2: bad' "...with file:line counted from the #! line"

done_testing
