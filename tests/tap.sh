# tests/tap.sh - TAP for the shell tests of tests/cli/ and tests/prompt/.
#
#   . "$(dirname "$0")/../tap.sh"
#   is "$(thpsh -e '1+1')" 2 "an expression prints its value"
#   like "$err" 'script\.lua:2:' "the error names file and line"
#   ok $? "exit status 0"
#   done_testing
#
# $THPSH is the binary under test (make check sets it; default ./thpsh).
# $TMPDIR_T is a scratch directory, removed on exit.

THPSH=${THPSH:-./thpsh}
case $THPSH in /*) ;; *) THPSH=$PWD/$THPSH ;; esac
TMPDIR_T=$(mktemp -d "${TMPDIR:-/tmp}/thpsh-test.XXXXXX") || exit 1
trap 'rm -rf "$TMPDIR_T"' EXIT
tap_n=0
tap_failed=0

diag() {
	printf '%s\n' "$*" | sed 's/^/# /'
}

# ok STATUS NAME: pass when STATUS is 0.
ok() {
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_failed=$((tap_failed + 1))
	fi
	return "$1"
}

# is GOT EXPECTED NAME: pass when the two strings are equal.
is() {
	[ "$1" = "$2" ]
	ok $? "$3" && return
	diag "     got: $1"
	diag "expected: $2"
	return 1
}

# like GOT ERE NAME: pass when a line of GOT matches the extended regex.
like() {
	printf '%s\n' "$1" | grep -Eq -- "$2"
	ok $? "$3" && return
	diag "     got: $1"
	diag "expected: /$2/"
	return 1
}

# unlike GOT ERE NAME: pass when no line of GOT matches.
unlike() {
	! printf '%s\n' "$1" | grep -Eq -- "$2"
	ok $? "$3" && return
	diag "     got: $1"
	diag "not expected: /$2/"
	return 1
}

# done_testing: print the plan; fail if any test failed.
done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}
