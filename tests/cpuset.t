#!/bin/sh
# cpuset.t - S_CPUSET: a real busybox guest in a cpuset of one CPU sees and
# uses that CPU alone (nproc, sched_getaffinity, the CPU its busy loop runs
# on, /sys/devices/system/cpu/online), as do processes vserver exec starts
# in it; guest root can't widen it; a bad value is a FILE:LINE error and a
# CPU the host lacks a one-line error, nothing left behind either way.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/hardening-lib.sh"

# the CPUs this test may use (its own cpuset), and the last of them
MINE=$(awk '/^Cpus_allowed_list/ { print $2 }' /proc/self/status)
LAST=$(echo "$MINE" | tr ',' '\n' | tail -1 | sed 's/.*-//')
case "$MINE" in *[-,]*) MANY=1 ;; *) MANY="" ;; esac
have_cpuset() { grep -qw cpuset /proc/self/cgroup || grep -qw cpuset "$(sh "$T_TOP/build/cgmounts.sh" | awk '$1 == "cgroup2" { print $2 "/cgroup.controllers"; exit }')" 2>/dev/null; }
have_cpuset || { echo "1..0 # SKIP no cpuset cgroup controller"; exit 0; }
diag "this test's CPUs: $MINE; the guest's: $LAST"

GUESTS="c1 c2 c3"
on_cleanup 'for g in $GUESTS; do vserver $g stop -q >/dev/null 2>&1; done'
hguest c1 "S_CPUSET=$LAST"
hguest c2 "S_CPUSET=0-$LAST"

# ---- bad values: the file and line, nothing started ----------------------
hguest c3 'S_CPUSET=one'
rc_is "S_CPUSET=one refused" 1 vserver c3 start
is "  as FILE:LINE: message" "$ERR" "$VSBOX_CONFDIR/c3.conf:5: S_CPUSET: 'one' is not a list of CPUs below 4096 (e.g. 1, 0-3, 0,2-3)"
for v in '3-1' '1,' '-1' '0-' '1 2' '4096'; do
	sed -i "s/^S_CPUSET=.*/S_CPUSET='$v'/" "$VSBOX_CONFDIR/c3.conf"
	rc_is "S_CPUSET='$v' refused" 1 vserver c3 start
	like "  with the line" "$ERR" "c3.conf:5: S_CPUSET: '$v' is not a list of CPUs"
done
sed -i "s/^S_CPUSET=.*/S_CPUSET=4000/" "$VSBOX_CONFDIR/c3.conf"
rc_is "S_CPUSET=4000 (a CPU this host lacks) refused at start" 1 vserver c3 start
like "  in one line naming the key and what the host has" "$ERR" "^vserver: c3: S_CPUSET=4000: not CPUs this host gives its guests \(.* has [0-9]"
is "  one line" "$(printf '%s\n' "$ERR" | wc -l)" 1
is "  no record left" "$(ls "$VSBOX_RUNDIR/ctx" 2>/dev/null | grep -c '^[0-9]*$')" 0
is "  no context cgroup left" "$(t_cgdirs | grep -c '/[0-9][0-9]*$')" 0

# ---- one CPU ----------------------------------------------------------------
rc_is "start c1 (S_CPUSET=$LAST)" 0 vserver c1 start
[ "$RC" = 0 ] || diag "$ERR"
is "nproc in c1 (sched_getaffinity)" "$(vserver c1 exec nproc)" 1
is "Cpus_allowed_list of exec'd processes" "$(vserver c1 exec grep Cpus_allowed_list /proc/self/status | awk '{ print $2 }')" "$LAST"
is "  and of its init" "$(vserver c1 exec grep Cpus_allowed_list /proc/1/status | awk '{ print $2 }')" "$LAST"
is "/sys/devices/system/cpu/online in c1" "$(vserver c1 exec cat /sys/devices/system/cpu/online)" "$LAST"
if [ -n "$MANY" ]; then
	check "  control: the host's is another ($(cat /sys/devices/system/cpu/online))" \
		[ "$(cat /sys/devices/system/cpu/online)" != "$LAST" ]
else
	skip "one CPU here: the host's online file is the guest's"
fi
run_rc vserver c1 exec sh -c 'echo 0-1 > /sys/devices/system/cpu/online'
check "  read-only for guest root" [ "$RC" != 0 ]
ONL=$(vserver c1 exec grep ' /sys/devices/system/cpu/online ' /proc/self/mountinfo)
like "  its mountinfo line names no host path" "$ONL" "^[0-9]+ [0-9]+ [0-9:]+ /\.online//deleted /sys/devices/system/cpu/online ro,"
is "  and nothing is left in its /dev" "$(vserver c1 exec ls -a /dev | grep -c online)" 0
# a busy loop, sampled from the host: the CPU it last ran on (stat field 39)
vserver c1 exec sh -c 'while :; do :; done' </dev/null >/dev/null 2>&1 &
LOOPER=$!
track_pid $LOOPER
sleep 0.3
XID=$(xid_of c1)
LOOP=$(t_pid_in "$(cg_of "$XID" cgroup.procs)" "sh -c while :; do :; done ")
check "the busy loop runs in c1 (pid $LOOP)" [ -n "$LOOP" ]
CPUS=""
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	CPUS="$CPUS $(awk '{ print $39 }' "/proc/$LOOP/stat" 2>/dev/null)"
	sleep 0.05
done
is "  on CPU $LAST alone (20 samples)" "$(echo $CPUS | tr ' ' '\n' | sort -u | tr '\n' ' ')" "$LAST "
# guest root asks for every CPU: the kernel keeps it in its cpuset
run_rc vserver c1 exec sh -c "taskset -p 0xffff \$\$ >/dev/null 2>&1; grep Cpus_allowed_list /proc/self/status"
is "taskset in c1 can't widen it" "$(echo "$OUT" | awk '{ print $2 }')" "$LAST"
kill "$LOOP" 2>/dev/null
wait $LOOPER 2>/dev/null

# ---- a range -----------------------------------------------------------------
if [ -n "$MANY" ] && [ "$MINE" = "0-$LAST" ]; then
	rc_is "start c2 (S_CPUSET=0-$LAST)" 0 vserver c2 start
	is "nproc in c2" "$(vserver c2 exec nproc)" "$((LAST + 1))"
	is "  its online file" "$(vserver c2 exec cat /sys/devices/system/cpu/online)" "0-$LAST"
	vserver c2 stop -q
else
	skip "one CPU, or not 0-N: no range to test"; skip "-"; skip "-"
fi

# ---- stop leaves no cpuset behind ---------------------------------------------
rc_is "stop c1" 0 vserver c1 stop -q
is "no context cgroup left" "$(t_cgdirs | grep -c '/[0-9][0-9]*$')" 0
done_testing
