#!/bin/sh
# run.sh - make bench: build the timing helper, run every bench/NN-*.sh in
# order (or only the ones named: run.sh 10-peers.sh 30-vserver.sh), print
# their result lines and keep them in bench/results.txt (or $BENCH_OUT),
# after a line that describes the machine: kernel, CPUs, memory, and the
# load average when the run began and when it ended (the numbers are only
# as quiet as the machine was).
set -u
B=$(cd "$(dirname "$0")" && pwd)
TOP=$(dirname "$B")
export VSBOX="${VSBOX:-$TOP/vsbox}"
export BENCH_BIN="$TOP/build/obj/bench"
mkdir -p "$BENCH_BIN"
VSBOX_EXTRA_PKGS="bubblewrap" sh "$TOP/build/deps.sh" || echo "# bench: bubblewrap not installed; its comparison is skipped"
gcc -O2 -o "$BENCH_BIN/timecmd" "$B/timecmd.c" || exit 1
out="${BENCH_OUT:-$B/results.txt}"
load() { cut -d' ' -f1-3 /proc/loadavg; }
if [ $# -eq 0 ]; then set -- "$B"/[0-9]*.sh; fi
{
	echo "# vsbox bench $(date -u +%Y-%m-%dT%H:%MZ) $(uname -r) $(nproc) cpus"
	echo "# machine: $(uname -m), $(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) memory, $(grep -m1 '^model name' /proc/cpuinfo | sed 's/.*: //'); load average $(load) at the start"
	for s in "$@"; do
		case $s in */*) ;; *) s=$B/$s ;; esac
		sh "$s" || echo "# $(basename "$s") failed"
	done
	echo "# load average $(load) at the end"
} 2>&1 | tee "$out"
