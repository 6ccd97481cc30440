#!/bin/sh
# live.sh - the options of the live backend: --kernel, --compare and
# --allow-sysfs.  Misuse first; then, where the live kernel can be used
# (root, THP, /proc/kpageflags), the commands it lacks, the refusal of
# /sys writes, and the restoration of a written setting however the
# script ends: normally, by an error, by SIGTERM and SIGINT (handlers)
# and by SIGKILL (the guardian); nothing stays mounted; --compare's exit
# status.  The setting written is khugepaged/max_ptes_swap, which does
# nothing on a machine without swap.
. "$(dirname "$0")/../tap.sh"
cd "$TMPDIR_T" || exit 1

SWAP=/sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_swap

err=$("$THPSH" --kernel --compare x.lua 2>&1)
like "$err" "exclude each other" "--kernel and --compare exclude each other"
err=$("$THPSH" --allow-sysfs -e '1' 2>&1)
like "$err" "--allow-sysfs is for --kernel and --compare" "--allow-sysfs alone is refused"
err=$("$THPSH" --compare 2>&1)
like "$err" "--compare runs a script" "--compare needs a script"
err=$("$THPSH" --compare -e 1 x.lua 2>&1)
like "$err" "--compare runs a script, alone" "--compare takes no -e"
out=$("$THPSH" --help)
for opt in --kernel --compare --allow-sysfs; do
	like "$out" "^  $opt " "--help lists $opt"
done

# skip REASON COUNT: COUNT tests that cannot run here.
skip() {
	i=0
	while [ "$i" -lt "$2" ]; do
		tap_n=$((tap_n + 1))
		echo "ok $tap_n # skip $1"
		i=$((i + 1))
	done
}

if ! why=$("$THPSH" --kernel -e '' 2>&1); then
	skip "$(printf '%s\n' "$why" | sed -n '1s/^thpsh: //p')" 18
	done_testing
	exit
fi
before=$(cat "$SWAP")
set_swap="sysfs('transparent_hugepage/khugepaged/max_ptes_swap', 3)"

err=$("$THPSH" --kernel -e 'split_pmd(mmap("2M"))' 2>&1)
like "$err" "split_pmd: not available on the live kernel" \
	"a command the live kernel lacks says so"
is "$("$THPSH" --kernel -e 'fault(mmap("4K"), "w")')" pte "--kernel runs the live commands"
# compact() itself is not run here: it would move every process's pages
# (and split their mTHPs) under other live measurements; only refusals.
err=$("$THPSH" --kernel -e 'compact("x")' 2>&1)
like "$err" "node must be an integer" "live compact: a bad node is refused"
err=$("$THPSH" --kernel -e 'compact(4000)' 2>&1)
like "$err" "compact: no node 4000" "live compact: a node that does not exist"
err=$("$THPSH" --kernel -e "$set_swap" 2>&1)
like "$err" "needs --allow-sysfs" "a /sys write needs --allow-sysfs"
is "$(cat "$SWAP")" "$before" "...and changes nothing"

is "$("$THPSH" --kernel --allow-sysfs -e "$set_swap" \
	-e "sysfs('transparent_hugepage/khugepaged/max_ptes_swap')")" 3 \
	"--allow-sysfs lets the script write"
is "$(cat "$SWAP")" "$before" "the setting is restored at exit"
"$THPSH" --kernel --allow-sysfs -e "$set_swap" -e 'error("boom")' 2>/dev/null
is "$(cat "$SWAP")" "$before" "...and after an error"

# The script writes the setting, starts tracing, says so, then spins.
cat > spin.lua <<EOF
$set_swap
events(true)
io.open("ready", "w"):close()
while true do end
EOF
# killed SIG: run spin.lua, send SIG once it is ready; 0 when the setting
# is back (within 2 s: the guardian acts once thpsh is gone).
killed() {
	rm -f ready
	"$THPSH" --kernel --allow-sysfs spin.lua 2>/dev/null &
	pid=$!
	i=0
	while [ ! -e ready ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	[ "$(cat "$SWAP")" = 3 ] || return 1
	kill "-$1" "$pid"
	wait "$pid"
	i=0
	while [ "$(cat "$SWAP")" != "$before" ] && [ $i -lt 40 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	[ "$(cat "$SWAP")" = "$before" ]
}
for sig in TERM INT KILL; do
	killed $sig
	ok $? "the setting is restored when SIG$sig ends the script"
done
unlike "$(cat /proc/mounts)" "thpsh" "nothing of thpsh stays mounted"
instances=$(unshare -m sh -c 'd=$(mktemp -d) && mount -t debugfs none "$d" &&
	ls "$d/tracing/instances"; umount "$d"; rmdir "$d"')
unlike "$instances" "thpsh-" "no tracing instance of thpsh is left"

printf 'local a = mmap("2M", { huge = true })\nfault(a, "w")\nsmaps(a)\n' > agree.lua
out=$("$THPSH" --compare agree.lua)
ok $? "--compare exits 0 when the backends agree"
like "$out" "agree" "...and says so"
printf "%s\n" "$set_swap" > differ.lua
out=$("$THPSH" --compare differ.lua)
[ $? -eq 1 ]
ok $? "--compare exits 1 when they differ (a /sys write without --allow-sysfs)"
like "$out" "#1 sysfs\(" "...and names the step"

done_testing
