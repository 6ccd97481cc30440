#!/bin/sh
# scripts.sh - every narrated scenario in scripts/ runs to its end (each
# ends with its own assertions), and the page-table picture is valid
# Graphviz: dot parses the DOT text and renders it as SVG.
. "$(dirname "$0")/../tap.sh"
TOP=$(cd "$(dirname "$0")/../.." && pwd)

for s in "$TOP"/scripts/*.lua; do
	out=$("$THPSH" "$s" 2>&1)
	ok $? "scripts/$(basename "$s") runs and its checks pass" || diag "$(printf '%s\n' "$out" | tail -n 5)"
done

"$THPSH" -e 'a = mmap("2M", { huge = true }); touch(a, "2M", "w"); b = mmap("2M", { huge = true }); fault(b)
munmap(a + 8192, 4096); dump_pagetable{ format = "dot", file = "'"$TMPDIR_T/pt.dot"'" }'
if command -v dot >/dev/null; then
	dot -Tsvg "$TMPDIR_T/pt.dot" > "$TMPDIR_T/pt.svg" 2> "$TMPDIR_T/dot.err"
	ok $? "dot parses dump_pagetable's DOT" || diag "$(cat "$TMPDIR_T/dot.err")"
	grep -q 'deposited' "$TMPDIR_T/pt.dot"
	ok $? "the picture shows the deposited table"
	grep -q 'huge zero page' "$TMPDIR_T/pt.dot"
	ok $? "...and the huge zero page"
	svg=$("$THPSH" -e 'a = mmap("2M", { huge = true }); fault(a, "w"); print(dump_pagetable{ format = "svg" })')
	like "$svg" '<svg' "format svg renders through Graphviz"
else
	echo "# Graphviz is not installed: make check installs it (package graphviz)"
	ok 0 "dot is installed"
fi
done_testing
