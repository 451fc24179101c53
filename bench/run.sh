#!/bin/sh
# run.sh - make bench: build the timing helper, run every bench/NN-*.sh in
# order, print their result lines and keep them in bench/results.txt.
set -u
B=$(cd "$(dirname "$0")" && pwd)
TOP=$(dirname "$B")
export VSBOX="${VSBOX:-$TOP/vsbox}"
export BENCH_BIN="$TOP/build/obj/bench"
mkdir -p "$BENCH_BIN"
VSBOX_EXTRA_PKGS="bubblewrap" sh "$TOP/build/deps.sh" || echo "# bench: bubblewrap not installed; its comparison is skipped"
gcc -O2 -o "$BENCH_BIN/timecmd" "$B/timecmd.c" || exit 1
out="$B/results.txt"
{
	echo "# vsbox bench $(date -u +%Y-%m-%dT%H:%MZ) $(uname -r) $(nproc) cpus"
	for s in "$B"/[0-9]*.sh; do
		sh "$s" || echo "# $(basename "$s") failed"
	done
} 2>&1 | tee "$out"
