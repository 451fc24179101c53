#!/bin/sh
# hardening-proc.t - what a guest's root can do to the host's processes, to
# another guest's, to the host's name, clock and keyring: nothing. Each
# attack is run by tests/data/hprobe inside a real guest against pids taken
# on the host, and by the host's root as the control that shows the probe
# works. Guests: p1 (defaults), p2 (S_CAPS SYS_ADMIN SYS_TIME SYS_PTRACE:
# what the namespaces and the filter hold even with those).
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/hardening-lib.sh"

GUESTS="p1 p2"
on_cleanup 'for g in $GUESTS; do vserver $g stop -q >/dev/null 2>&1; done'
hguest p1
hguest p2 'S_CAPS="SYS_ADMIN SYS_TIME SYS_PTRACE"'
P1_T0=$(date +%s)
rc_is "start p1 (defaults)" 0 vserver p1 start
rc_is "start p2 (S_CAPS SYS_ADMIN SYS_TIME SYS_PTRACE)" 0 vserver p2 start

# ---- the host's name ------------------------------------------------------------
HN=$(hostname)
DN=$(cat /proc/sys/kernel/domainname)
is "p1 has its own host name" "$(vserver p1 exec hostname)" p1
if [ -z "$T_USERNS" ]; then
	is "p1 (no CAP_SYS_ADMIN) can't set a host name" "$(vserver p1 exec hprobe hostname:evil domainname:evil | tr '\n' ' ')" \
		"hostname=EPERM domainname=EPERM "
	rc_is "busybox hostname in p1 fails" 1 vserver p1 exec hostname evil
else
	# CAP_SYS_ADMIN over what its user namespace owns: its UTS namespace
	is "USERNS p1 sets its own names" "$(vserver p1 exec hprobe hostname:p1 domainname:p1dom | tr '\n' ' ')" \
		"hostname=OK domainname=OK "
fi
is "p2 (CAP_SYS_ADMIN) may set its own names" \
	"$(vserver p2 exec hprobe hostname:p2-renamed domainname:p2dom | tr '\n' ' ')" "hostname=OK domainname=OK "
is "  and sees the new one" "$(vserver p2 exec cat /proc/sys/kernel/hostname /proc/sys/kernel/domainname | tr '\n' ' ')" \
	"p2-renamed p2dom "
is "  which stays inside: the host's name is unchanged" "$(hostname)" "$HN"
is "  the host's domain name too" "$(cat /proc/sys/kernel/domainname)" "$DN"
is "  and p1's" "$(vserver p1 exec hostname)" p1

if [ -z "$T_USERNS" ]; then
	is "control for S_FLAGS lock (tests/hardening.t): p2 (SYS_ADMIN, no lock) may unshare UTS, not a user namespace" \
		"$(vserver p2 exec hprobe unshare_uts unshare_userns | tr '\n' ' ')" "unshare_uts=OK unshare_userns=EPERM "
else
	is "USERNS p2 (no lock): nested namespaces, a user namespace too" \
		"$(vserver p2 exec hprobe unshare_uts unshare_userns | tr '\n' ' ')" "unshare_uts=OK unshare_userns=OK "
fi

# ---- the clock --------------------------------------------------------------------
T0=$(date +%s)
run_rc vserver p1 exec date -s "2001-02-03 04:05:06"
like "date -s in p1 fails" "$ERR" "can't set date"
is "p1: settimeofday and clock_settime refused" \
	"$(vserver p1 exec hprobe settime settimeofday | tr '\n' ' ')" "settime=EPERM settimeofday=EPERM "
run_rc vserver p2 exec date -s "2001-02-03 04:05:06"
like "date -s in p2 (CAP_SYS_TIME) fails too" "$ERR" "can't set date"
is "p2: clock_settime refused by the filter, capability or not" "$(vserver p2 exec hprobe settime)" settime=EPERM
T1=$(date +%s)
check "the host's clock did not move ($T0 -> $T1)" [ "$T1" -ge "$T0" -a "$((T1 - T0))" -lt 60 ]
like "and no guest's did (one kernel clock)" "$(vserver p2 exec date +%Y)" "^$(date +%Y)$"
# its boot time is its own (a time namespace): uptime counts from its start
UP=$(vserver p1 exec cat /proc/uptime | cut -d. -f1)
check "p1's uptime ($UP s) is since its start, not the host's ($(cut -d. -f1 /proc/uptime) s)" \
	[ -n "$UP" ] && [ "$UP" -le "$(($(date +%s) - P1_T0 + 1))" ] && [ "$UP" -lt "$(cut -d. -f1 /proc/uptime)" ]
P1=$(sed -n 's/^pid=//p' "$VSBOX_RUNDIR/ctx/$(vserver p1 status | sed -n 's/^  context: *\([0-9]*\).*/\1/p')")
is "  exec joins its time namespace" "$(vserver p1 exec readlink /proc/self/ns/time)" "$(readlink /proc/$P1/ns/time)"
check "  which is not the host's" [ "$(readlink /proc/$P1/ns/time)" != "$(readlink /proc/self/ns/time)" ]
# its /proc's masks are its own /dev's null, not the host's devtmpfs (with
# the host's memory size); a USERNS guest binds the host's nodes
if [ -z "$T_USERNS" ]; then
	is "p1's mountinfo names no devtmpfs" "$(vserver p1 exec cat /proc/self/mountinfo | grep -c devtmpfs)" 0
	is "  /proc/kmsg reads as its /dev/null" "$(vserver p1 exec cat /proc/kmsg | wc -c)" 0
else
	skip "USERNS guests bind the host's device nodes (devtmpfs)"
	skip "USERNS guests bind the host's device nodes (devtmpfs)"
fi
is "p1's /sys/class/net lists lo alone (the host's: $(ls /sys/class/net | wc -l))" "$(vserver p1 exec ls /sys/class/net | tr '\n' ' ')" "lo "
is "  which is the real one" "$(vserver p1 exec cat /sys/class/net/lo/address)" "00:00:00:00:00:00"
run_rc vserver p1 exec sh -c 'ln -s ../../devices/virtual/net/lo /sys/class/net/x'
check "  and stays so" [ "$RC" -ne 0 ]
run_rc vserver p2 exec sh -c 'echo "7 -100000 0" >/proc/self/timens_offsets'
check "p2 (CAP_SYS_TIME) can't move its boot time" [ "$RC" -ne 0 ]

# ---- processes: a host process and another guest's, by their host pids -------------------
sleep 300 &
HS=$!
track_pid "$HS"
X2=$(xid_of p2)
P2S=$(t_pid_in "$(t_v2dir "$X2")" "sleep 100000 ")
check "the host pid of p2's sleep is known ($P2S)" [ -n "$P2S" ]
PROBES="procdir kill pidfd_open ptrace_attach ptrace_seize vm_readv proc_mem"
args() { for p in $PROBES; do printf '%s:%s ' "$p" "$1"; done; }
C_HOST=$("$HPROBE" $(args "$HS"))
C_GUEST=$("$HPROBE" $(args "$P2S"))
for p in $PROBES; do
	is "control: the host's root: $p on a host process works" "$(probe_of $p "$C_HOST")" OK
done
is "control: the host's root reaches p2's process (the admin may)" \
	"$(printf '%s\n' "$C_GUEST" | sed 's/=.*//' | tr '\n' ' ')|$(printf '%s\n' "$C_GUEST" | grep -cv '=OK$')" \
	"$(echo $PROBES) |0"
P1S=$(vserver p1 exec pidof sleep)
# (with UNIX_SCOPE, the default where Landlock ABI 6 is, exec's processes
# are forked by p1's spawner in the rc's Landlock domain: lib/spawner.c)
if [ -z "${T_SCOPE:-}" ] || [ -e "$VSBOX_RUNDIR/ctx/$(xid_of p1).sock" ]; then
	is "control inside: p1's root traces and reads its own sleep (pid $P1S)" \
		"$(vserver p1 exec hprobe $(args "$P1S") | grep -cv '=OK$')" 0
else
	# UNIX_SCOPE and no spawner: each entry a Landlock domain, the rc's
	# sleep is another's
	is "control inside: p1's root traces and reads a sleep of its own entry" \
		"$(vserver p1 exec sh -c "sleep 30 & hprobe \$(for p in $PROBES; do printf '%s:%s ' \$p \$!; done); kill \$!" | grep -cv '=OK$')" 0
	is "  UNIX_SCOPE's price: not the rc's sleep (pid $P1S), another entry's" \
		"$(vserver p1 exec hprobe ptrace_attach:"$P1S" | tr '\n' ' ')" "ptrace_attach=EPERM "
fi
for g in p1 p2; do
	IN_HOST=$(vserver $g exec hprobe $(args "$HS"))
	for p in $PROBES; do
		like "$g: $p on the host's sleep (pid $HS) fails: no such process" "$(probe_of $p "$IN_HOST")" '^(ESRCH|ENOENT)$'
	done
done
IN_GUEST=$(vserver p1 exec hprobe $(args "$P2S"))
for p in $PROBES; do
	like "p1: $p on p2's sleep (host pid $P2S) fails" "$(probe_of $p "$IN_GUEST")" '^(ESRCH|ENOENT)$'
done
like "p1's /proc lists only its own processes (init, its sleep, the reader)" \
	"$(vserver p1 exec sh -c 'cat /proc/[0-9]*/comm' | sort | tr '\n' ' ')" '^cat (sh )?sleep vsbox-init (vsbox-spawner )?$'
# (its spawner, where Landlock ABI 6 scopes abstract sockets: its image
# is the host's vsbox, not dumpable from its first instruction on)
SPG=$(vserver p1 exec pidof vsbox-spawner)
if [ -n "$SPG" ]; then
	is "p1: its spawner's memory, exe and descriptors don't open, nor may it be traced" \
		"$(vserver p1 exec hprobe proc_mem:$SPG ptrace_attach:$SPG | tr '\n' ' ')$(vserver p1 exec sh -c "for f in exe fd/0; do readlink /proc/$SPG/\$f || echo no; done" 2>/dev/null | tr '\n' ' ')" \
		"proc_mem=EACCES ptrace_attach=EPERM no no "
fi
check "the host's sleep lives on (untraced: state S)" sh -c "grep -q '^State:.S' /proc/$HS/status"

# ---- PID 1: vsbox's init holds descriptors of the host's cgroups and run
# directory; non-dumpable keeps p1 off, a Landlock fence p2 (CAP_SYS_PTRACE)
is "p1: init's descriptors don't open (non-dumpable)" "$(vserver p1 exec hprobe leakedfds proc_mem:1 | tr '\n' ' ')" \
	"leakedfds=ENOENT proc_mem=EACCES "
is "p2 (CAP_SYS_PTRACE): none of init's descriptors leads out" "$(vserver p2 exec hprobe leakedfds)" leakedfds=ENOENT
is "p2: ptrace and memory of PID 1 refused" \
	"$(vserver p2 exec hprobe ptrace_attach:1 ptrace_seize:1 vm_readv:1 proc_mem:1 | tr '\n' ' ')" \
	"ptrace_attach=EPERM ptrace_seize=EPERM vm_readv=EPERM proc_mem=EACCES "
is "control: p2 traces a process of its own (the capability works)" \
	"$(vserver p2 exec sh -c 'sleep 5 & hprobe ptrace_attach:$! vm_readv:$!; kill -9 $!' | tr '\n' ' ')" \
	"ptrace_attach=OK vm_readv=OK "

# ---- the keyring: a key held by a host process, visible to the host's uid 0 ------------------
"$HPROBE" keyhold:30 >"$T_TMP/key" &
track_pid $!
for i in $(seq 50); do grep -q keyhold= "$T_TMP/key" && break; sleep 0.1; done
KID=$(sed -n 's/^keyhold=//p' "$T_TMP/key")
if [ -r /proc/keys ] && [ -n "$KID" ]; then
	is "control: the host's root lists the key in /proc/keys" "$("$HPROBE" prockeys:vsbox-t-hold)" prockeys=OK
	is "control: and describes it with keyctl" "$("$HPROBE" keydescribe:"$KID")" keydescribe=OK
	for g in p1 p2; do
		is "$g: /proc/keys shows nothing of it" "$(vserver $g exec hprobe prockeys:vsbox-t-hold)" prockeys=ENOENT
		is "$g: keyctl describe of its id is refused" "$(vserver $g exec hprobe keydescribe:"$KID")" keydescribe=EPERM
		is "$g: /proc/keys and /proc/key-users are empty" \
			"$(vserver $g exec sh -c 'cat /proc/keys /proc/key-users | wc -c')" 0
		is "$g: add_key, keyctl, request_key refused" \
			"$(vserver $g exec hprobe add_key keyctl request_key | tr '\n' ' ')" \
			"add_key=EPERM keyctl=EPERM request_key=EPERM "
	done
else
	skip "no kernel keyring here (CONFIG_KEYS)"
fi

# ---- kill -1 in a guest: everything of the guest, nothing else ----------------------------
# (guarded: only where PID 1 is vsbox's init and few processes are seen)
vserver p2 exec sh -c '[ "$(cat /proc/1/comm)" = vsbox-init ] && [ $(ls -d /proc/[0-9]* | wc -l) -lt 20 ] && kill -9 -1' >/dev/null 2>&1
for i in $(seq 30); do vserver p2 running -q || break; sleep 0.1; done
rc_is "kill -9 -1 in p2 ended p2 (nothing of it left running)" 1 vserver p2 running
check "the host's sleep lives on" kill -0 "$HS"
is "p1's sleep lives on" "$(vserver p1 exec pidof sleep)" "$P1S"

rc_is "stop p1" 0 vserver p1 stop -q
rc_is "stop p2" 0 vserver p2 stop -q
done_testing
