#!/bin/sh
# spawner.t - a guest's spawner (lib/spawner.c): with its abstract sockets
# scoped (UNIX_SCOPE, the default where Landlock ABI 6 is), every process
# vserver exec, enter, suexec, service and stop start is forked by one
# process in the Landlock domain of the guest's rc, so they reach the rc's
# daemons' abstract sockets and may read their /proc/PID/exe (as
# start-stop-daemon --exec does), and still no socket of the host's. What
# they get through it (exit codes, signals, stdin, a pty), what a hostile
# guest root can do to it (read its /proc files: no; kill it: exec warns
# and falls back to a domain of its own), that it keeps no guest alive,
# and that UNIX_SCOPE=no guests have none. No network addresses.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/hardening-lib.sh"

if [ "$("$HPROBE" landlock | sed 's/^landlock=//')" -lt 6 ]; then
	echo "1..0 # SKIP no Landlock ABI 6 here: no scope, no spawner"
	exit 0
fi
HOSTSOCK=vsbox-t-spawner-$$-host
OWN=s1-$$-own
GUESTS="s1 s2 s3 s4 s5"
on_cleanup 'for g in $GUESTS; do vserver $g stop -q >/dev/null 2>&1; done'
"$HPROBE" abind:$HOSTSOCK,300 >/dev/null &
track_pid $!

# s1's SysV rc (/etc/init.d/rc: "rc 3" at start, "rc 0" at stop): a
# daemon on an abstract socket, started and stopped the Debian way:
# start-stop-daemon with a pid file and --exec, which matches
# /proc/PID/exe
hguest s1
cat >"$VSBOX_ROOTDIR/s1/etc/init.d/rc" <<EOF
#!/bin/sh
if [ "\$1" = 0 ]; then
	start-stop-daemon -K -p /tmp/d.pid -x /bin/hprobe >/tmp/stop.log 2>&1
	echo "stop=\$?" >>/tmp/stop.log
	exit 0
fi
start-stop-daemon -S -b -m -p /tmp/d.pid -x /bin/hprobe -- abind:$OWN,300
sleep 100000 &
EOF
chmod 755 "$VSBOX_ROOTDIR/s1/etc/init.d/rc"
DAEMON="true" hguest s2                          # its rc leaves nothing
FLAGS="nproc fakeinit" hguest s3 'INIT="/bin/sleep 100000"' STOPSIG=KILL
hguest s4 UNIX_SCOPE=no
DAEMON="sleep 1 &" hguest s5                    # its rc leaves a short daemon

rc_is "start s1 (default: scoped, a spawner)" 0 vserver s1 start
X1=$(xid_of s1)
# (its exec, of a fresh vsbox image, runs beside the rc: it may lag)
SP="" i=0
while [ -z "$SP" ] && [ $i -lt 100 ]; do
	for p in $(cat "$(cg_of "$X1" cgroup.procs)/cgroup.procs"); do
		[ "$(cat /proc/$p/comm 2>/dev/null)" = vsbox-spawner ] && SP=$p
	done
	[ -n "$SP" ] || sleep 0.02; i=$((i + 1))
done
check "s1 has a vsbox-spawner in its cgroup" test -n "$SP"
check "  its socket is in the run directory, root's only" \
	test "$(stat -c %a "$VSBOX_RUNDIR/ctx/$X1.sock" 2>/dev/null)" = 600
st() { grep -E "^($2):" /proc/$1/status | tr -s '\t ' ' '; }
i=0
DH=""
while [ -z "$DH" ] && [ $i -lt 100 ]; do
	for p in $(cat "$(cg_of "$X1" cgroup.procs)/cgroup.procs"); do
		[ "$(cat /proc/$p/comm 2>/dev/null)" = hprobe ] && DH=$p
	done
	sleep 0.05; i=$((i + 1))
done
W='CapBnd|CapEff|Seccomp|NoNewPrivs'
is "  the same restrictions as the rc's daemon" "$(st $SP "$W")" "$(st "${DH:-x}" "$W")"
F() { awk '/^Seccomp_filters:/ { print $2 }' /proc/$1/status; }
is "  and one seccomp filter more (reboot(2) EPERM, as for any entry)" "$(F $SP)" "$(( $(F "${DH:-$SP}") + 1 ))"
is "  an exec's reboot(2): EPERM" "$(vserver s1 exec hprobe reboot)" reboot=EPERM

# what the scope is for: the rc's daemon yes, the host's socket no
is "exec reaches the rc's daemon's abstract socket" "$(vserver s1 exec hprobe aconnect:$OWN asend:$OWN | tr '\n' ' ')" \
	"aconnect=OK asend=OK "
is "  suexec too" "$(vserver s1 suexec web hprobe aconnect:$OWN | tr '\n' ' ')" "aconnect=OK "
is "  the host's socket: EPERM" "$(vserver s1 exec hprobe aconnect:$HOSTSOCK asend:$HOSTSOCK | tr '\n' ' ')" \
	"aconnect=EPERM asend=EPERM "
DG=$(vserver s1 exec cat /tmp/d.pid)
is "exec reads the rc's daemon's /proc/PID/exe" "$(vserver s1 exec readlink /proc/$DG/exe)" /bin/hprobe
# the hostile root and the spawner: its image is the host's vsbox
SPG=$(vserver s1 exec pidof vsbox-spawner)
is "the guest's root can't read the spawner's /proc/PID/exe" "$(vserver s1 exec readlink /proc/$SPG/exe 2>/dev/null)" ""
is "  nor its descriptors" "$(vserver s1 exec sh -c "readlink /proc/$SPG/fd/0 || echo no" 2>/dev/null)" no
rc_is "start-stop-daemon --exec through exec stops the rc's daemon" 0 \
	vserver s1 exec start-stop-daemon -K -p /tmp/d.pid -x /bin/hprobe
is "  it is gone" "$(vserver s1 exec hprobe aconnect:$OWN | tr '\n' ' ')" "aconnect=ECONNREFUSED "
rc_is "  and starts it again" 0 \
	vserver s1 exec start-stop-daemon -S -b -m -p /tmp/d.pid -x /bin/hprobe -- abind:$OWN,300
sleep 0.3
is "  which the rc's processes' domain reaches" "$(vserver s1 exec hprobe aconnect:$OWN | tr '\n' ' ')" "aconnect=OK "
rc_is "service runs through it" 0 vserver s1 service hello x
like "  its output" "$OUT" "^hello service: x$"

# what comes through it
rc_is "exit code" 7 vserver s1 exec sh -c 'exit 7'
rc_is "killed by a signal: 128+N" 143 vserver s1 exec sh -c 'kill -TERM $$'
rc_is "exec of a missing program: 127" 127 vserver s1 exec /no/such
like "  said on its stderr" "$ERR" "can't execute /no/such"
is "stdin and stdout" "$(echo through | vserver s1 exec cat)" through
is "  stderr" "$(vserver s1 exec sh -c 'echo err >&2' 2>&1 >/dev/null)" err
is "suexec's user" "$(vserver s1 suexec web id -u):$(vserver s1 suexec web sh -c 'echo $HOME $USER')" "1000:/home/web web"
vserver s1 exec sleep 3171 &
VP=$!
i=0
while ! vserver s1 exec pidof sleep | grep -q . && [ $i -lt 50 ]; do sleep 0.05; i=$((i + 1)); done
sleep 0.3
kill -TERM $VP
wait $VP
is "a signal to vserver exec goes to the command (143)" "$?" 143
is "  the command is gone" "$(vserver s1 exec sh -c 'ps -o args | grep -c "^sleep 3171"')" 0
# enter: a pty of the guest's devpts, the exit code back
OUTP=$(printf 'tty; exit 5\n' | script -qec "$VSBOX vserver s1 enter" /dev/null 2>&1)
is "enter: exit code through the pty" "$?" 5
like "  a pty of its own" "$OUTP" "/dev/pts/[0-9]"

# stop: rc 0 through the spawner stops the daemon exec started
rc_is "stop s1" 0 vserver s1 stop -q
like "  rc 0's start-stop-daemon --exec found the daemon" "$(cat "$VSBOX_ROOTDIR/s1/tmp/stop.log")" "^stop=0$"
check "  its socket is gone" test ! -e "$VSBOX_RUNDIR/ctx/$X1.sock"

# the guest's root kills it: exec warns, runs in a domain of its own
rc_is "start s1 again" 0 vserver s1 start
sleep 0.3
SPG=$(vserver s1 exec pidof vsbox-spawner)
# (the kill's status: from its pidfd once the guest's init reaped it,
# Linux 6.15; before, unknown, said in a warning, exit 1)
run_rc vserver s1 exec kill -9 $SPG
if [ "$RC" = 0 ]; then
	ok "the guest's root can kill its spawner (exit 0, through the pidfd)"
	is "  no warning" "$ERR" ""
else
	is "the guest's root can kill its spawner (exit 1: status unknown)" "$RC" 1
	like "  the exec that did says so" "$ERR" "^vserver: the guest's spawner went away: the command's exit status is unknown$"
fi
sleep 0.2
rc_is "exec still runs" 0 vserver s1 exec true
like "  with a warning" "$ERR" "^vserver: s1: its spawner is gone \(killed inside\): true runs in a Landlock domain of its own"
is "  in a domain of its own: the rc's daemon out of reach" "$(vserver s1 exec hprobe aconnect:$OWN 2>/dev/null | tr '\n' ' ')" \
	"aconnect=EPERM "
is "  the host's socket too" "$(vserver s1 exec hprobe aconnect:$HOSTSOCK 2>/dev/null | tr '\n' ' ')" "aconnect=EPERM "
rc_is "  stop still works" 0 vserver s1 stop -q

# a guest whose rc leaves nothing ends: its spawner keeps nothing alive
rc_is "start s2 (its rc leaves no process): it ended at once" 1 vserver s2 start
like "  said as without a spawner" "$ERR" "^vserver: s2: /etc/rc ended at once \(exit 0\)$"
rc_is "  not running" 1 vserver s2 running -q
is "  no socket left" "$(ls "$VSBOX_RUNDIR/ctx" | grep -c sock)" 0

# the guest lives while a command its spawner forked does, and ends with
# it (the spawner tells vsbox's init its child ended)
rc_is "start s5 (its rc's daemon lives 1 s)" 0 vserver s5 start
vserver s5 exec sleep 3 >/dev/null 2>&1 &
VP=$!
sleep 2
rc_is "  at 2 s it runs: an exec's sleep 3 is left" 0 vserver s5 running -q
wait $VP
i=0
while vserver s5 running -q && [ $i -lt 40 ]; do sleep 0.05; i=$((i + 1)); done
rc_is "  once it ended, the guest ended too (at once, not in a second)" 1 vserver s5 running -q
check "  $((i * 50)) ms after" test $i -lt 20

# fakeinit: the spawner is a child of the guest's own PID 1
rc_is "start s3 (fakeinit)" 0 vserver s3 start
sleep 0.2
is "  its spawner's parent is PID 1" "$(vserver s3 exec sh -c 'grep PPid /proc/$(pidof vsbox-spawner)/status' | tr -d ' \t')" "PPid:1"
is "  exec reads PID 1's /proc/1/exe" "$(vserver s3 exec readlink /proc/1/exe)" /bin/busybox
rc_is "stop s3" 0 vserver s3 stop -q

# UNIX_SCOPE=no: no scope, no spawner
rc_is "start s4 (UNIX_SCOPE=no)" 0 vserver s4 start
is "  no spawner" "$(vserver s4 exec pidof vsbox-spawner)" ""
is "  the host's socket is reachable (documented)" "$(vserver s4 exec hprobe aconnect:$HOSTSOCK | tr '\n' ' ')" "aconnect=OK "
rc_is "stop s4" 0 vserver s4 stop -q
done_testing
