#!/bin/sh
# startup.sh - how long thpsh takes to be ready (SPEC.md: under 10 ms
# median): the median of 51 runs of an empty chunk, and of a chunk that
# boots the default 4 GiB machine (mmap), and of the prompt reading one
# line from a pipe and leaving.  Prints figures; asserts nothing.
thpsh=${THPSH:-./thpsh}

median_ms() {	# median wall time of "$@" over 51 runs, in ms
	for i in $(seq 51); do
		s=$(date +%s%N)
		"$@" >/dev/null 2>&1 </dev/null
		e=$(date +%s%N)
		echo $(((e - s) / 1000))
	done | sort -n | sed -n 26p | awk '{ printf "%.2f", $1 / 1000 }'
}

printf 'start-up, empty chunk         %s ms median\n' "$(median_ms "$thpsh" -e '')"
printf 'start-up, boot the machine    %s ms median\n' "$(median_ms "$thpsh" -e 'mmap("2M")')"
printf 'start-up, prompt and leave    %s ms median\n' \
	"$(median_ms sh -c "echo 'x = 1' | $thpsh -i")"
