#!/bin/sh
# run.sh - the differential suite: every scenario tests/kernel/*.lua is
# run by thpsh --compare, on the simulation and on the live kernel, and
# passes when they agree.  A scenario's first lines may say
#	-- options: --allow-sysfs	(it writes settings; they are restored)
#	-- todo: <reason>		(a known disagreement: TAP TODO)
# so a gap stays visible without failing the suite.  Each scenario ends
# with check(): the live kernel has none and skips it, the simulation
# must pass it.  Without root, THP or /proc/kpageflags the suite is
# skipped, saying why.
. "$(dirname "$0")/../tap.sh"
dir=$(cd "$(dirname "$0")" && pwd)

if ! why=$("$THPSH" --kernel -e '' 2>&1); then
	echo "1..0 # SKIP $(printf '%s\n' "$why" | sed -n '1s/^thpsh: //p')"
	exit 0
fi
for f in "$dir"/*.lua; do
	name=$(basename "$f" .lua)
	opts=$(sed -n '1,5s/^-- options: //p' "$f")
	todo=$(sed -n '1,5s/^-- todo: //p' "$f")
	# shellcheck disable=SC2086 # opts is a list of options
	out=$("$THPSH" --compare $opts "$f" 2>&1)
	status=$?
	tap_n=$((tap_n + 1))
	verdict=ok
	[ $status -eq 0 ] || verdict="not ok"
	if [ -n "$todo" ]; then
		echo "$verdict $tap_n - $name # TODO $todo"
	else
		echo "$verdict $tap_n - $name"
		[ $status -eq 0 ] || tap_failed=$((tap_failed + 1))
	fi
	[ $status -eq 0 ] || diag "$out"
done
done_testing
