#!/bin/sh
# 40-reboot.sh - rebootmgr: the time from vreboot to the guest's init
# running again, against "vserver NAME restart" from the host (the same
# guest, interleaved, median of 20; each timed from the exec of the command
# to the new init in the registry, bench/rbtime.c); rebootmgr's private
# memory (and its holder's) with 100 guests, each with its socket, reboot(2)
# listener and init pidfd; and its wakeups while idle (context switches
# over 5 s with the 100 guests).
set -u
: "${VSBOX:?}" "${BENCH_BIN:?}"
command -v busybox >/dev/null || { echo "# 40-reboot: busybox missing"; exit 1; }
T=$(mktemp -d /tmp/vsbox-bench-rb.XXXXXX)
chmod 755 "$T"
export VSBOX_RUNDIR="$T/run" VSBOX_CGROUP_BASE="vsbox-bench-rb-$$"
export VSBOX_CONFDIR="$T/etc" VSBOX_ROOTDIR="$T/vs"
N=100 ROUNDS=${VSBOX_BENCH_REBOOTS:-20}
TOP=$(cd "$(dirname "$0")/.." && pwd)
RBM=""
cleanup() {
	"$VSBOX" vservers -j 16 stop >/dev/null 2>&1
	[ -n "$RBM" ] && [ "$(cat "/proc/$RBM/comm" 2>/dev/null)" = rebootmgr ] && kill "$RBM"
	h=$(cut -d' ' -f1 "$VSBOX_RUNDIR/rebootmgr.holder" 2>/dev/null)
	[ -n "$h" ] && [ "$(cat "/proc/$h/comm" 2>/dev/null)" = rebootmgr-hold ] && kill "$h"
	rm -rf "$T"
	for d in $(sh "$TOP/build/cgbase-dirs.sh"); do rmdir "$d" 2>/dev/null; done
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE
gcc -O2 -o "$BENCH_BIN/rbtime" "$(dirname "$0")/rbtime.c" || { echo "# 40-reboot: can't build rbtime"; exit 1; }
mkdir -p "$T/bin" "$T/img/bin" "$T/img/etc" "$T/img/proc" "$T/img/sys" "$T/img/dev" "$VSBOX_CONFDIR" "$VSBOX_ROOTDIR"
"$VSBOX" --install "$T/bin"
cp "$(command -v busybox)" "$T/img/bin/busybox"
ln -s busybox "$T/img/bin/sleep"
echo 'root:x:0:0:root:/root:/bin/sh' >"$T/img/etc/passwd"
# guest NAME: PID 1 a sleeper, stopped at once (as bench/30-vserver.sh's)
guest() {
	cp -al "$T/img" "$VSBOX_ROOTDIR/$1"
	printf 'S_FLAGS="lock fakeinit"\nS_MEMORY=64M\nINIT="/bin/sleep 100000"\nSTOPSIG=KILL\nSTOP_TIMEOUT=0\nONBOOT=yes\nREBOOT_LIMIT=60\n' \
		>"$VSBOX_CONFDIR/$1.conf"
}
"$T/bin/rebootmgr" --log stderr 2>"$T/log" || { echo "# 40-reboot: rebootmgr did not start"; exit 1; }
RBM=$(cat "$VSBOX_RUNDIR/rebootmgr.pid")
guest one
"$VSBOX" vserver one start -q || { echo "# 40-reboot: start failed"; exit 1; }
median() { printf '%s\n' $1 | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
restarted() { grep -c 'one: restarted$' "$T/log"; }
r=0 via="" host=""
while [ $r -lt "$ROUNDS" ]; do
	n=$(restarted)
	p=$(sed -n 's/^pid=//p' "$VSBOX_RUNDIR/names/one")
	via="$via $("$BENCH_BIN/rbtime" "$VSBOX_RUNDIR" one "$T/bin/vreboot" --socket "/proc/$p/root/dev/reboot")"
	# rebootmgr's restart done (its post-start and exit) before the next
	i=0; while [ "$(restarted)" -le "$n" ] && [ $i -lt 1000 ]; do sleep 0.01; i=$((i + 1)); done
	host="$host $("$BENCH_BIN/rbtime" "$VSBOX_RUNDIR" one "$VSBOX" vserver one restart -q)"
	r=$((r + 1))
done
v=$(median "$via") h=$(median "$host")
vmin=$(printf '%s\n' $via | sort -n | head -n 1) hmin=$(printf '%s\n' $host | sort -n | head -n 1)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
# (on a loaded host every process on the way waits for a CPU: the best of
# each shows what the path itself costs)
echo "reboot-vreboot: $v us median from vreboot to the guest's init running again ($(ratio "$v" "$h") \"vserver NAME restart\" from the host at $h us; best $vmin against $hmin us: $(ratio "$vmin" "$hmin"); target <= 1.2x; $ROUNDS each, interleaved; load $(cut -d' ' -f1 /proc/loadavg))"
"$VSBOX" vserver one stop -q

i=1
while [ $i -le $N ]; do guest "g$i"; "$VSBOX" vserver "g$i" start -q || echo "# g$i failed"; i=$((i + 1)); done
sleep 1
kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/smaps_rollup"; }
H=$(cut -d' ' -f1 "$VSBOX_RUNDIR/rebootmgr.holder")
prv=$(( $(kb "$RBM" Private_Dirty) + $(kb "$RBM" Private_Clean) ))
hprv=$(( $(kb "$H" Private_Dirty) + $(kb "$H" Private_Clean) ))
nfd=$(ls "/proc/$RBM/fd" | wc -l)
echo "reboot-daemon-memory: rebootmgr $prv KiB private ($(kb "$RBM" Private_Dirty) dirty, $(kb "$RBM" Rss) KiB RSS) with $N guests ($nfd descriptors); its holder $hprv KiB private; target <= 200 KiB"
sw() { awk '/^(voluntary|nonvoluntary)_ctxt_switches:/ { n += $2 } END { print n }' "/proc/$1/status"; }
a=$(sw "$RBM") ha=$(sw "$H")
sleep 5
echo "reboot-daemon-idle: $(( $(sw "$RBM") - a )) wakeups of rebootmgr and $(( $(sw "$H") - ha )) of its holder in 5 s idle with $N guests (context switches; target 0)"
"$VSBOX" vservers -j 16 stop >/dev/null 2>&1
kill "$RBM"
