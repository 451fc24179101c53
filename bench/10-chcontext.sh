#!/bin/sh
# 10-chcontext.sh - cost of a full new context (PID, mount, UTS, IPC and
# cgroup namespaces, a cgroup, proc mount, read-only /sys, caps, init,
# cleanup) running /bin/true, against bare /bin/true, unshare(1) doing the
# namespace part, bwrap when installed, and nsfloor (bench/nsfloor.c: only
# the namespace clone, vfork and exec, built static with musl like vsbox):
# the floor any such tool has on this machine. Interleaved, median of 60.
set -u
: "${VSBOX:?}" "${BENCH_BIN:?}"
T=$(mktemp -d /tmp/vsbox-bench.XXXXXX)
export VSBOX_RUNDIR="$T/run" VSBOX_CGROUP_BASE="vsbox-bench-$$"
CGDIRS="$(cd "$(dirname "$0")/.." && pwd)/build/cgbase-dirs.sh"
trap 'rm -rf "$T"; for d in $(sh "$CGDIRS"); do rmdir "$d" 2>/dev/null; done' EXIT
trap 'exit 1' INT TERM HUP PIPE
musl-gcc -static -O2 -o "$BENCH_BIN/nsfloor" "$(dirname "$0")/nsfloor.c" || exit 1
set -- true /bin/true -- \
	nsfloor "$BENCH_BIN/nsfloor" /bin/true -- \
	chcontext "$VSBOX" chcontext --silent /bin/true -- \
	unshare unshare -pfmui --fork --mount-proc /bin/true
command -v bwrap >/dev/null && set -- "$@" -- bwrap bwrap --unshare-pid --unshare-ipc --unshare-uts --dev-bind / / --proc /proc /bin/true
"$BENCH_BIN/timecmd" 60 "$@" > "$T/r" || exit 1
base=$(awk '$1 == "true" { print $2 }' "$T/r")
while read -r name med min; do
	case $name in *-*) continue ;; esac     # (timecmd's paired lines)
	echo "start-$name: ${med} us median, ${min} us min ($(awk -v a="$med" -v b="$base" 'BEGIN { printf "%.2fx bare /bin/true", a / b }'))"
done < "$T/r"
sz=$(stat -c %s "$VSBOX")
echo "binary-size: $sz bytes ($(( sz / 1024 )) KiB, issue 22's target <= 400000 bytes)"
