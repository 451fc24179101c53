#!/bin/sh
# hardening-unix.t - abstract unix sockets on the shared network stack: the
# host listens on one (as D-Bus, X11 and systemd helpers do), and a guest's
# root tries to connect and send to it, from its rc's processes and through
# vserver exec, and to another guest's. By default (UNIX_SCOPE, Landlock's
# scope, ABI 6, Linux 6.12) it can't, and the guest's own abstract sockets
# keep working among its processes, those vserver exec starts included
# (its spawner forks them in the rc's domain: tests/spawner.t has more).
# A guest with CAP_SYS_PTRACE has no spawner: each entry a domain of its
# own, the price shown. With UNIX_SCOPE=no the hole is shown; on a kernel
# without the scope, the default is open and UNIX_SCOPE=yes refused.
# Guests: u1 (defaults), u2 (S_CAPS SYS_PTRACE: its Landlock fence and
# the scope are one domain), u3 (UNIX_SCOPE=no), u4 (UNIX_SCOPE=yes). No
# network addresses.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/hardening-lib.sh"

# the kernel's Landlock ABI, asked directly (not through vsbox)
SCOPE=""
[ "$("$HPROBE" landlock | sed 's/^landlock=//')" -ge 6 ] && SCOPE=1
is "vsbox --check-kernel agrees" "$("$VSBOX" --check-kernel | grep -c "^Landlock abstract unix scope  *$([ -n "$SCOPE" ] && echo yes || echo no) ")" 1
HOSTSOCK=vsbox-t-unix-$$-host
GUESTS="u1 u2 u3 u4"
on_cleanup 'for g in $GUESTS; do vserver $g stop -q >/dev/null 2>&1; done'
"$HPROBE" abind:$HOSTSOCK,300 >/dev/null &
track_pid $!
# each guest's rc: a server on @NAME-own, and a client of the same rc tree
# that tries its own, the host's and the other guest's sockets once
# /tmp/go appears (written by vserver exec), into /tmp/res
rc_of() {
	echo "hprobe abind:$1-own,300 >/dev/null &"
	echo "(while [ ! -e /tmp/go ]; do sleep 0.05; done; hprobe aconnect:$1-own asend:$1-own" \
	     "aconnect:$HOSTSOCK asend:$HOSTSOCK aconnect:$2-own asend:$2-own >/tmp/res.new; mv /tmp/res.new /tmp/res) &"
	echo "sleep 100000 &"
}
DAEMON=$(rc_of u1-$$ u2-$$) hguest u1
DAEMON=$(rc_of u2-$$ u1-$$) hguest u2 'S_CAPS="SYS_PTRACE"'
DAEMON=$(rc_of u3-$$ u1-$$) hguest u3 UNIX_SCOPE=no
hguest u4 UNIX_SCOPE=yes
if [ -z "$SCOPE" ]; then
	rc_is "UNIX_SCOPE=yes without Landlock ABI 6: refused" 1 vserver u4 start
	like "  in one line" "$ERR" "^vserver: u4: UNIX_SCOPE=yes needs Landlock ABI 6 \(Linux 6.12\); this kernel has "
	is "  nothing started" "$(ls "$VSBOX_RUNDIR/ctx" 2>/dev/null | grep -c '^[0-9]*$')" 0
	rc_is "the default there: u1 starts, as always" 0 vserver u1 start
	is "  its processes reach the host's socket (documented)" "$(vserver u1 exec hprobe aconnect:$HOSTSOCK | tr '\n' ' ')" "aconnect=OK "
	is "  no spawner" "$(ls "$VSBOX_RUNDIR/ctx" | grep -c sock)" 0
	skip "no Landlock ABI 6 here: the scope can't be tested"
	done_testing
fi
rc_is "start u1 (defaults: scoped)" 0 vserver u1 start
rc_is "start u2 (S_CAPS SYS_PTRACE)" 0 vserver u2 start
rc_is "start u3 (UNIX_SCOPE=no)" 0 vserver u3 start
rc_is "start u4 (UNIX_SCOPE=yes written)" 0 vserver u4 start
sleep 0.3
is "control: the host reaches its own socket" "$("$HPROBE" aconnect:$HOSTSOCK asend:$HOSTSOCK | tr '\n' ' ')" \
	"aconnect=OK asend=OK "
is "control: the host's root reaches u1's (it is not confined)" "$("$HPROBE" aconnect:u1-$$-own | tr '\n' ' ')" "aconnect=OK "

# results of the rc trees' clients
res() {
	vserver "$1" exec touch /tmp/go
	i=0
	while ! vserver "$1" exec test -e /tmp/res && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	vserver "$1" exec cat /tmp/res | tr '\n' ' '
}
R1=$(res u1)
R2=$(res u2)
R3=$(res u3)
is "u1's rc tree: its own socket yes; the host's and u2's refused" "$R1" \
	"aconnect=OK asend=OK aconnect=EPERM asend=EPERM aconnect=EPERM asend=EPERM "
is "u2 (SYS_PTRACE: fence and scope): the same" "$R2" \
	"aconnect=OK asend=OK aconnect=EPERM asend=EPERM aconnect=EPERM asend=EPERM "
is "u3 (UNIX_SCOPE=no, documented): the host's and u1's are reachable" "$R3" \
	"aconnect=OK asend=OK aconnect=OK asend=OK aconnect=OK asend=OK "

# guest root through vserver exec (what a trojaned binary run by the admin
# would do), as root and after setuid to a user
is "vserver exec in u1: the host's socket EPERM" "$(vserver u1 exec hprobe aconnect:$HOSTSOCK asend:$HOSTSOCK | tr '\n' ' ')" \
	"aconnect=EPERM asend=EPERM "
is "  vserver suexec web: the same" "$(vserver u1 suexec web hprobe aconnect:$HOSTSOCK | tr '\n' ' ')" "aconnect=EPERM "
is "  u2's: EPERM" "$(vserver u1 exec hprobe aconnect:u2-$$-own | tr '\n' ' ')" "aconnect=EPERM "
# one exec's processes among themselves: their own sockets work
is "  an exec's own processes reach each other's socket" \
	"$(vserver u1 exec sh -c "hprobe abind:u1-$$-ex,3 >/dev/null & sleep 0.3; hprobe aconnect:u1-$$-ex asend:u1-$$-ex" | tr '\n' ' ')" \
	"aconnect=OK asend=OK "
# the spawner forks exec's processes in the rc's domain: they reach the
# rc's daemons' sockets; in u2 (CAP_SYS_PTRACE: no spawner) each entry is
# a domain of its own, the documented price
is "  an exec reaches the rc's daemons' socket (the spawner)" \
	"$(vserver u1 exec hprobe aconnect:u1-$$-own | tr '\n' ' ')" "aconnect=OK "
is "  u2 (no spawner): an exec does not (documented)" \
	"$(vserver u2 exec hprobe aconnect:u2-$$-own | tr '\n' ' ')" "aconnect=EPERM "
is "  u4 (UNIX_SCOPE=yes written): the host's socket EPERM" \
	"$(vserver u4 exec hprobe aconnect:$HOSTSOCK | tr '\n' ' ')" "aconnect=EPERM "
# no way out of the domain: a network namespace of its own is refused
# (no CAP_SYS_ADMIN), or, in a user namespace of its own, one where the
# host's abstract names are not
if [ -z "$T_USERNS" ]; then WANT=EPERM; else WANT=ECONNREFUSED; fi
is "  nor does a process in a network namespace it tried to make" \
	"$(vserver u1 exec sh -c "unshare -n hprobe aconnect:$HOSTSOCK 2>/dev/null || hprobe aconnect:$HOSTSOCK" | tr '\n' ' ')" \
	"aconnect=$WANT "

# the price without a spawner: each entry is a Landlock domain, and one
# may not trace or read the /proc links of another's processes
# (start-stop-daemon --exec run by vserver exec or stop can't match the
# rc's daemons); with one, none
SL1=$(vserver u1 exec pidof sleep | tr ' ' '\n' | tail -1)
SL2=$(vserver u2 exec pidof sleep | tr ' ' '\n' | tail -1)
SL3=$(vserver u3 exec pidof sleep | tr ' ' '\n' | tail -1)
is "vserver exec in u1 reads /proc/PID/exe of the rc's sleep (the spawner)" \
	"$(vserver u1 exec readlink /proc/$SL1/exe)" /bin/busybox
is "  price in u2 (no spawner): it can't" "$(vserver u2 exec readlink /proc/$SL2/exe)" ""
is "  in u3 (UNIX_SCOPE=no) it can" "$(vserver u3 exec readlink /proc/$SL3/exe)" /bin/busybox
rc_is "stop u1" 0 vserver u1 stop -q
rc_is "stop u2" 0 vserver u2 stop -q
rc_is "stop u3" 0 vserver u3 stop -q
rc_is "stop u4" 0 vserver u4 stop -q
done_testing
