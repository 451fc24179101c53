#!/bin/sh
# ginit.t - a guest's start waits until its init is up, START_TIMEOUT at
# most, for every init (lib/ginit.c, lib/context.c). Busybox guests: an
# INIT that never ends, one that ends; and a stand-in for systemd
# (tests/data/fakesd.c as /lib/systemd/systemd, /sbin/init linked to it)
# that says READY=1 through the NOTIFY_SOCKET vsbox gives it, or never does,
# or dies: start returns when PID 1 (only PID 1) says READY=1, or fails
# with one line after START_TIMEOUT and leaves nothing; what the stand-in
# saw (container=vsbox, a cgroup2 tree of its own it may write, /run a
# tmpfs); stop sends it SIGRTMIN+3, and the reboot(2) with which it then
# halts ends it at once also while rebootmgr runs (which lets it go on).
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/guest-lib.sh"
. "$(dirname "$0")/reboot-lib.sh"
command -v gcc >/dev/null || bail "gcc is needed (for the static stand-in)"
gcc -static -O -o "$T_TMP/fakesd" "$T_TOP/tests/data/fakesd.c" || bail "can't build tests/data/fakesd.c"

on_cleanup 'for g in t1 t2 s1; do vserver $g stop -q >/dev/null 2>&1; done; rb_cleanup; ip addr del 127.0.5.1/32 dev lo 2>/dev/null; ip addr del 127.0.5.2/32 dev lo 2>/dev/null'
mkimage "$T_TMP/img" "$T_TMP/guest.tgz"
guest() {  # guest NAME IP KEY=VALUE...
	n=$1 ip=$2; shift 2
	vserver "$n" build -q --tar "$T_TMP/guest.tgz" || bail "can't build $n"
	{ echo "IPROOT=$ip"; echo "IPROOTDEV=lo"; echo "S_HOSTNAME=$n"; echo 'S_FLAGS="lock"'
	  echo "S_MEMORY=64M"; for l in "$@"; do echo "$l"; done; } >"$VSBOX_CONFDIR/$n.conf"
}
gone() {  # nothing of guest $1 (address $2) is left
	! vserver "$1" running -q && ! ip -4 addr show dev lo | grep -q "inet $2/" &&
		[ "$(ls "$VSBOX_RUNDIR/ctx" | wc -l)" = 0 ] && [ -z "$(ls "$VSBOX_RUNDIR/guests" 2>/dev/null)" ] &&
		! t_cgdirs | grep -qE '/[0-9]+$'
}

# ---- an INIT that never ends: START_TIMEOUT ---------------------------------
guest t1 127.0.5.1 'INIT="/bin/sleep 1000"' START_TIMEOUT=2
t0=$(date +%s%N)
rc_is "start: INIT never ends, START_TIMEOUT=2" 1 vserver t1 start
t=$(( ($(date +%s%N) - t0) / 1000000 ))
is "  one line" "$ERR" "vserver: t1: not up: /bin/sleep did not end within START_TIMEOUT (2 s); stopped"
check "  after 2 s, not much more ($t ms)" [ "$t" -ge 2000 -a "$t" -lt $((5000 * T_SLOW)) ]
check "  the guest, its address, record and cgroups are gone" gone t1 127.0.5.1
# an rc that ends in time: up as before
printf '#!/bin/sh\nsleep 0.2\nhttpd -p 80 -h /www\n' >"$VSBOX_ROOTDIR/t1/sbin/boot"
chmod 755 "$VSBOX_ROOTDIR/t1/sbin/boot"
sed -i 's|^INIT=.*|INIT=/sbin/boot|' "$VSBOX_CONFDIR/t1.conf"
rc_is "an INIT that ends within START_TIMEOUT: started" 0 vserver t1 start -q
rc_is "  and running" 0 vserver t1 running -q
rc_is "  stop" 0 vserver t1 stop -q
check "  nothing left" gone t1 127.0.5.1
# a bad value, before anything is done
sed -i 's/^START_TIMEOUT=.*/START_TIMEOUT=0/' "$VSBOX_CONFDIR/t1.conf"
rc_is "START_TIMEOUT=0 refused" 1 vserver t1 start
like "  FILE:LINE" "$ERR" "t1.conf:[0-9]*: START_TIMEOUT: '0' is not a number of seconds from 1 to 3600"
vserver t1 delete --force -q

# ---- systemd's stand-in: READY=1 from PID 1 --------------------------------
guest s1 127.0.5.2 START_TIMEOUT=$((5 * T_SLOW)) STOP_TIMEOUT=$((10 * T_SLOW))
R=$VSBOX_ROOTDIR/s1
rm -f "$R/sbin/init"; mkdir -p "$R/lib/systemd" "$R/run"
cp "$T_TMP/fakesd" "$R/lib/systemd/systemd"
ln -s /lib/systemd/systemd "$R/sbin/init"
rm "$R/etc/rc"      # no rc: /sbin/init, which is systemd, is what boots
echo ready >"$R/etc/fakesd"
t0=$(date +%s%N)
rc_is "start: systemd (its stand-in) as PID 1" 0 vserver s1 start
t=$(( ($(date +%s%N) - t0) / 1000000 ))
check "  returned once PID 1 said READY=1, not at its child's word ($t ms)" [ "$t" -ge 300 -a "$t" -lt $((4000 * T_SLOW)) ]
like "  showing what it wrote on its console" "$OUT" '^fakesd on the console'
log=$(vserver s1 exec cat /run/fakesd.log)
like "  it is PID 1" "$log" '^pid=1$'
like "  container=vsbox" "$log" '^container=vsbox$'
like "  NOTIFY_SOCKET=/run/host/notify" "$log" '^notify=/run/host/notify$'
like "  /sys/fs/cgroup is cgroup2" "$log" '^cgroupfs=cgroup2$'
like "  where it may make cgroups of its own" "$log" '^mkcgroup=ok$'
is "  its cgroup is the root of what it sees" "$(vserver s1 exec cat /proc/1/cgroup | grep '^0::')" "0::/"
X=$(sed -n 's/^xid=//p' "$VSBOX_RUNDIR/names/s1")
check "  which is XID/guest on the host, below the context's limits" test -d "$(t_v2dir "$X")/guest/init.scope"
is "  /run is a tmpfs" "$(vserver s1 exec stat -f -c %T /run)" tmpfs
is "  /run/lock too" "$(vserver s1 exec stat -f -c %T /run/lock)" tmpfs
is "  the context's own cgroup files are out of its reach" \
	"$(vserver s1 exec sh -c 'ls /sys/fs/cgroup/.. | grep -c memory.max')" 0
is "  /dev/console is a pty of its own devpts" "$(vserver s1 exec stat -c '%t %n' /dev/console)" "88 /dev/console"
like "  whose master vsbox-console holds, with no capability" \
	"$(vserver s1 exec sh -c 'for p in /proc/[0-9]*; do [ "$(cat $p/comm)" = vsbox-console ] && grep CapBnd $p/status; done')" \
	'CapBnd:[[:space:]]+0+$'
# (and its spawner where Landlock ABI 6 scopes abstract sockets)
NSP=$(ls "$VSBOX_RUNDIR"/ctx/*.sock 2>/dev/null | wc -l)
is "  status counts its processes in its own cgroups (init, vsbox-console$([ "$NSP" = 1 ] && echo ', vsbox-spawner'))" \
	"$(vserver s1 status | sed -n 's/^  processes: *\([0-9]*\).*/\1/p')" $((2 + NSP))
t0=$(date +%s%N)
rc_is "stop: SIGRTMIN+3, its reboot(2) to halt ends it" 0 vserver s1 stop -q
t=$(( ($(date +%s%N) - t0) / 1000000 ))
check "  at once, not after STOP_TIMEOUT ($t ms)" [ "$t" -lt $((5000 * T_SLOW)) ]
check "  nothing left" gone s1 127.0.5.2
rc_is "a start whose output can't be written (/dev/full) still starts" 0 sh -c 'vserver s1 start >/dev/full'
rc_is "  and the guest runs" 0 vserver s1 running -q
rc_is "  stop" 0 vserver s1 stop -q
rc_is "with rebootmgr running" 0 rbm_start
rc_is "  start" 0 vserver s1 start -q
t0=$(date +%s%N)
rc_is "  stop: rebootmgr lets its reboot(2) go on to the kernel" 0 vserver s1 stop -q
t=$(( ($(date +%s%N) - t0) / 1000000 ))
check "  at once, not after STOP_TIMEOUT ($t ms)" [ "$t" -lt $((5000 * T_SLOW)) ]
check "  nothing left" gone s1 127.0.5.2
check "  rebootmgr did not act on it" sh -c "! grep -E 's1: (restarting|stopping)' '$RB_LOG'"

echo never >"$R/etc/fakesd"
sed -i 's/^START_TIMEOUT=.*/START_TIMEOUT=1/' "$VSBOX_CONFDIR/s1.conf"
rc_is "start: systemd never says READY=1, START_TIMEOUT=1" 1 vserver s1 start
is "  one line" "$ERR" "vserver: s1: not up: /sbin/init did not report READY=1 within START_TIMEOUT (1 s); stopped"
check "  nothing left" gone s1 127.0.5.2
echo exit >"$R/etc/fakesd"
rc_is "start: systemd dies at once" 1 vserver s1 start
is "  one line" "$ERR" "vserver: s1: not up: /sbin/init ended before it was up (exit 3); stopped"
check "  nothing left" gone s1 127.0.5.2
done_testing
