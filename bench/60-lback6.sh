#!/bin/sh
# 60-lback6.sh - what the private IPv6 loopback (lib/lback6.c) costs a
# start+stop cycle: one busybox guest with IPROOT 127.0.1.60 on lo, started
# with VSBOX_LBACK6=none and with a prefix (an alias more on lo, added and
# removed, and its address in the lock), interleaved, 600 rounds (LB6_ROUNDS): medians,
# and the median of each round's difference (paired, as noise drifts).
# Target: at most +0.2 ms.
set -u
: "${VSBOX:?}" "${BENCH_BIN:?}"
command -v busybox >/dev/null || { echo "# 60-lback6: busybox missing"; exit 1; }
ip -6 addr show dev lo | grep -q 'inet6 ::1/' || { echo "# 60-lback6: no IPv6 on lo"; exit 0; }
T=$(mktemp -d /tmp/vsbox-bench-lback6.XXXXXX)
chmod 755 "$T"
export VSBOX_RUNDIR="$T/run" VSBOX_CGROUP_BASE="vsbox-bench-lback6-$$" VSBOX_CONFDIR="$T/etc" VSBOX_ROOTDIR="$T/vs"
CGDIRS="$(cd "$(dirname "$0")/.." && pwd)/build/cgbase-dirs.sh"
# a prefix of this run's own (in the project's test range)
P6="fd00:7673:1:e:$(printf '%x:%x' $(($$ >> 16)) $(($$ & 0xffff)))::/96"
cleanup() {
	VSBOX_LBACK6=$P6 "$VSBOX" vserver b6 stop -q >/dev/null 2>&1
	rm -rf "$T"
	for d in $(sh "$CGDIRS"); do rmdir "$d" 2>/dev/null; done
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE
mkdir -p "$VSBOX_CONFDIR" "$T/img/bin" "$T/img/etc" "$T/img/proc" "$T/img/sys" "$T/img/dev"
cp "$(command -v busybox)" "$T/img/bin/busybox"
ln -s busybox "$T/img/bin/sleep"
echo 'root:x:0:0:root:/root:/bin/sh' >"$T/img/etc/passwd"
R=${LB6_ROUNDS:-600}
"$VSBOX" vserver b6 build -q --template "$T/img" || { echo "# 60-lback6: build failed"; exit 1; }
printf 'IPROOT=127.0.1.60\nIPROOTDEV=lo\nS_FLAGS="fakeinit"\nINIT="/bin/sleep 100000"\nSTOPSIG=KILL\nSTOP_TIMEOUT=0\n' >"$VSBOX_CONFDIR/b6.conf"
"$BENCH_BIN/timecmd" $R \
	none env VSBOX_LBACK6=none "$VSBOX" vserver b6 start -q :: env VSBOX_LBACK6=none "$VSBOX" vserver b6 stop -q -- \
	lb6 env VSBOX_LBACK6="$P6" "$VSBOX" vserver b6 start -q :: env VSBOX_LBACK6="$P6" "$VSBOX" vserver b6 stop -q -- \
	none2 env VSBOX_LBACK6=none "$VSBOX" vserver b6 start -q :: env VSBOX_LBACK6=none "$VSBOX" vserver b6 stop -q >"$T/r" ||
	{ echo "# 60-lback6: start/stop failed"; exit 1; }
a=$(awk '$1 == "none" || $1 == "none2" { s += $2 } END { printf "%d", s / 2 }' "$T/r")
b=$(awk '$1 == "lb6" { print $2 }' "$T/r")
d=$(awk '$1 == "lb6-none" { printf "%+.3f ms", $2 / 1000 }' "$T/r")
gcc -O2 -o "$BENCH_BIN/lb6floor" "$(dirname "$0")/lb6floor.c" &&
	echo "lback6-floor: $("$BENCH_BIN/lb6floor" "${P6%%::/96}::1" 200) us median for the kernel to add an IPv6 /128 to lo and remove it (rtnetlink, nothing else; 200 pairs): the least the private loopback can cost a cycle"
echo "lback6-cycle: $b us median start+stop with the private IPv6 loopback, $a us without ($(awk -v a="$a" -v b="$b" \
	'BEGIN { printf "%+.3f ms", (b - a) / 1000 }'); paired, the median of each round's difference: $d; target at most +0.2 ms; $R rounds, interleaved, the one without before and after)"
