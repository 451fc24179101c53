#!/bin/sh
# demo.sh - make demo: show a security context working, step by step.
# Uses its own run directory and a cgroup base under the caller's own cgroup,
# and leaves nothing behind.
set -eu
V=${VSBOX:-$(cd "$(dirname "$0")/.." && pwd)/vsbox}
T=$(mktemp -d /tmp/vsbox-demo.XXXXXX)
export VSBOX_RUNDIR="$T/run" VSBOX_CGROUP_BASE="vsbox-demo-$$"
cleanup() {
	for r in "$VSBOX_RUNDIR"/ctx/[0-9]*; do
		[ -f "$r" ] && kill -9 "$(sed -n 's/^pid=//p' "$r")" 2>/dev/null || :
	done
	sleep 0.2
	"$V" chcontext --silent true 2>/dev/null || :     # reaps what was killed
	rm -rf "$T"
}
trap cleanup EXIT
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() { say "$*"; "$@"; }

echo "vsbox $("$V" --version | cut -d' ' -f2): $("$V" --list | tr '\n' ' ')"
run "$V" chcontext --hostname demo-guest --secure sh -c \
	'echo "hostname: $(hostname)"; echo "processes I can see:"; ps -eo pid,comm; grep CapBnd /proc/self/status'
say "$V chcontext --hostname web sh -c 'sleep 600 &'   # a daemon keeps the context alive"
"$V" chcontext --hostname web sh -c 'sleep 600 >/dev/null 2>&1 &'
X=$(ls "$VSBOX_RUNDIR/ctx" | grep -E '^[0-9]+$' | head -n 1)
run "$V" chcontext --ctx "$X" sh -c 'echo "joined context '"$X"' as $(hostname):"; ps -eo pid,comm'
SLEEP=$(pgrep -f '^sleep 600' | head -n 1)
say "$V chcontext --ctx 1 sh -c 'ps -p $SLEEP; kill $SLEEP'   # the spectator sees all, kills none"
"$V" chcontext --ctx 1 sh -c "ps -o pid,comm -p $SLEEP; kill $SLEEP" || echo "(kill refused: exit $?)"
say "ls \$VSBOX_RUNDIR/ctx   # one record per live context"
ls "$VSBOX_RUNDIR/ctx"
