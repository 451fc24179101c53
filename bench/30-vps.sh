#!/bin/sh
# 30-vps.sh - vps against procps over >= 5,000 processes, and vserver-stat
# with 100 contexts, with and without 5,000 more processes on the host.
#
# vps vs `ps ax` (and `vps u` vs `ps aux`) runs interleaved, medians. The
# 5,000 sleepers live in one chcontext context whose pids.max bounds them;
# for the second vserver-stat run, 5,000 host sleepers in a session of
# their own. Every sleeper ends by itself after 120 s (alarm), and all are
# killed at the end (the contexts' base cgroup, the session). ~40 s.
set -u
VSBOX=${VSBOX:-$(cd "$(dirname "$0")/.." && pwd)/vsbox}
N=${N:-5000}
ROUNDS=${ROUNDS:-9}
T=$(mktemp -d /tmp/vsbox-bench-vps.XXXXXX)
export VSBOX_RUNDIR="$T/run" VSBOX_CGROUP_BASE="vsbox-bench-vps-$$"
SESSION=""

# our contexts' cgroup directories in every hierarchy, deepest first
CGDIRS="$(cd "$(dirname "$0")/.." && pwd)/build/cgbase-dirs.sh"
cgdirs() {
	sh "$CGDIRS"
}
cleanup() {
	[ -n "$SESSION" ] && kill -KILL "-$SESSION" 2>/dev/null
	for d in $(cgdirs); do
		[ -f "$d/cgroup.kill" ] && echo 1 >"$d/cgroup.kill" 2>/dev/null
	done
	for d in $(cgdirs); do
		for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
			rmdir "$d" 2>/dev/null && break; sleep 0.2
		done
	done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE

if [ "$(id -u)" != 0 ] || ! command -v gcc >/dev/null || ! command -v ps >/dev/null; then
	echo "vps: skipped (needs root, gcc and procps to compare with)"; exit 0
fi
TIMECMD=${BENCH_BIN:-}/timecmd
if [ ! -x "$TIMECMD" ]; then
	TIMECMD=$T/timecmd
	gcc -O2 -o "$TIMECMD" "$(dirname "$0")/timecmd.c" || exit 1
fi
cat >"$T/forkn.c" <<'EOF'
/* forkn N SECS: N children that sleep SECS (alarm) and end; the parent
 * returns at once. A tiny static program forks much faster than sh. */
#include <stdlib.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	int n = atoi(argv[1]), secs = atoi(argv[2]);
	for (int i = 0; i < n; i++) {
		pid_t p = fork();
		if (p < 0)
			return 1;
		if (!p) {
			alarm(secs);
			pause();
			_exit(0);
		}
	}
	return 0;
}
EOF
gcc -O2 -static -o "$T/forkn" "$T/forkn.c" 2>/dev/null || gcc -O2 -o "$T/forkn" "$T/forkn.c" || exit 1
ms() { awk -v u="$1" 'BEGIN { printf "%.1f", u / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# --- vps vs ps over N processes in one context (pids.max = N + 50) ------------------
prlimit --nproc=$((N + 50)): "$VSBOX" chcontext --flag nproc "$T/forkn" "$N" 120 2>"$T/msg" || exit 1
X=$(sed -n 's/^New security context is \([0-9]*\)$/\1/p' "$T/msg")
TOTAL=$(ls /proc | grep -c '^[0-9]')
IN=$("$VSBOX" vps --xid "$X" -o pid= | wc -l)
[ "$IN" -gt "$N" ] || { echo "vps: only $IN processes in context $X"; exit 1; }
"$TIMECMD" "$ROUNDS" vps "$VSBOX" vps -- ps ps ax -- vpsu "$VSBOX" vps u -- psu ps aux >"$T/r" || exit 1
V=$(awk '$1 == "vps" { print $2 }' "$T/r"); P=$(awk '$1 == "ps" { print $2 }' "$T/r")
VU=$(awk '$1 == "vpsu" { print $2 }' "$T/r"); PU=$(awk '$1 == "psu" { print $2 }' "$T/r")
echo "vps: $(ratio "$V" "$P") x procps ps ax ($TOTAL processes: vps $(ms "$V") ms, ps ax $(ms "$P") ms, median of $ROUNDS; target <= 0.5x)"
echo "vps-u: $(ratio "$VU" "$PU") x procps ps aux (vps u $(ms "$VU") ms, ps aux $(ms "$PU") ms, median of $ROUNDS)"
S=$(date +%s%N)
"$VSBOX" vkill --xid "$X" --all -s KILL || exit 1
E=$(date +%s%N)
echo "vkill-all: $(( (E - S) / 1000000 )) ms (SIGKILL to the $IN processes of a context, until its cgroup is empty)"

# --- vserver-stat with 100 contexts -----------------------------------------------------
for i in $(seq 100); do
	"$VSBOX" chcontext --silent sh -c 'sleep 120 >/dev/null 2>&1 &' || exit 1
done
L=$("$VSBOX" vserver-stat | sed 1d | wc -l)
[ "$L" = 101 ] || { echo "vserver-stat: $L lines, want 101"; exit 1; }
"$TIMECMD" 15 stat "$VSBOX" vserver-stat >"$T/r1" || exit 1
# the same with N more processes on the host, outside any context
setsid sh -c 'echo $$ >"$1"; exec "$2" "$3" 120' sh "$T/pg" "$T/forkn" "$N" &
wait
SESSION=$(cat "$T/pg")
TOTAL2=$(ls /proc | grep -c '^[0-9]')
"$TIMECMD" 15 stat "$VSBOX" vserver-stat >"$T/r2" || exit 1
kill -KILL "-$SESSION" 2>/dev/null
S1=$(awk '{ print $2 }' "$T/r1"); S2=$(awk '{ print $2 }' "$T/r2")
echo "vserver-stat: $(ms "$S1") ms (100 contexts, median of 15; with $TOTAL2 processes on the host: $(ms "$S2") ms, $(ratio "$S2" "$S1")x)"
