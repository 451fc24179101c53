#!/bin/sh
# hardening-entry.t - what vserver exec, suexec and enter start has the
# restrictions of what the guest's own rc started: the same capability
# sets, no_new_privs and seccomp mode, CPUs (S_CPUSET), cgroups, and
# namespaces (time included), read from the host in /proc/PID/status,
# /proc/PID/cgroup and /proc/PID/ns of both. The one designed difference:
# reboot(2) of the rc's processes goes to rebootmgr (a filter of theirs),
# an entry's is EPERM: without a spawner, it lacks that filter (one
# fewer); with one (lib/spawner.c: the default where Landlock ABI 6 is),
# it is forked in the rc's Landlock domain, under the rc's filters and one
# more that answers reboot(2) EPERM. Guest: e1 (defaults and S_CPUSET).
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/hardening-lib.sh"

CPU=$(awk '/^Cpus_allowed_list/ { print $2 }' /proc/self/status | tr ',' '\n' | tail -1 | sed 's/.*-//')
on_cleanup 'vserver e1 stop -q >/dev/null 2>&1'
DAEMON="sleep 100001 &" hguest e1 $([ -z "$T_STRICT" ] && echo "S_CPUSET=$CPU")
rc_is "start e1" 0 vserver e1 start
[ "$RC" = 0 ] || diag "$ERR"
X=$(xid_of e1)
CG=$(cg_of "$X" cgroup.procs)
# the host pid of e1's process running exactly CMD
hpid() { t_pid_in "$CG" "$1 "; }
# what is compared, as one line per item
view() {
	grep -E '^(Uid|Gid|Groups|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp|Cpus_allowed_list|Mems_allowed_list):' \
		"/proc/$1/status"
	for ns in pid mnt uts ipc net cgroup time user; do echo "$ns $(readlink "/proc/$1/ns/$ns")"; done
	cat "/proc/$1/cgroup"
}
filters() { awk '/^Seccomp_filters:/ { print $2 }' "/proc/$1/status"; }
RCP=$(hpid "sleep 100001")
check "the rc's sleep is found (host pid $RCP)" [ -n "$RCP" ]
RCV=$(view "$RCP")

# exec: a sleep, its view from the host
vserver e1 exec sleep 100002 </dev/null >/dev/null 2>&1 &
track_pid $!
i=0; while [ -z "$(hpid "sleep 100002")" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
EXP=$(hpid "sleep 100002")
check "vserver exec's sleep is found (host pid $EXP)" [ -n "$EXP" ]
is "vserver exec: the rc's capabilities, seccomp, CPUs, cgroups, namespaces" "$(view "$EXP")" "$RCV"
if [ -e "$VSBOX_RUNDIR/ctx/$X.sock" ]; then
	is "  seccomp filters: the rc's and the spawner's reboot EPERM" "$(filters "$EXP")" "$(( $(filters "$RCP") + 1 ))"
	is "  its reboot(2): EPERM" "$(vserver e1 exec hprobe reboot)" reboot=EPERM
	G_RC=$(vserver e1 exec sh -c 'for p in $(pidof sleep); do grep -q "^sleep.100001" /proc/$p/cmdline && echo $p; done' | tr -d '\0')
	is "  its Landlock domain: it reads the rc's sleep's /proc/PID/exe" "$(vserver e1 exec readlink "/proc/$G_RC/exe")" /bin/busybox
else
	is "  seccomp filters: the rc's less its reboot filter" "$(( $(filters "$EXP") + 1 ))" "$(filters "$RCP")"
fi
like "  the CPU is S_CPUSET's" "$(printf '%s\n' "$RCV" | grep Cpus_allowed_list)" "[[:space:]]$CPU\$"
like "  seccomp is on (mode 2)" "$(printf '%s\n' "$RCV" | grep '^Seccomp:')" "[[:space:]]2\$"
kill "$EXP" 2>/dev/null

# enter: a login shell reading its commands (no terminal here)
printf 'exec sleep 100003\n' | vserver e1 enter >/dev/null 2>&1 &
track_pid $!
i=0; while [ -z "$(hpid "sleep 100003")" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
ENP=$(hpid "sleep 100003")
check "vserver enter's process is found (host pid $ENP)" [ -n "$ENP" ]
is "vserver enter: the same" "$(view "$ENP")" "$RCV"
kill "$ENP" 2>/dev/null

# suexec: a user's process, the same but for its ids and capabilities
vserver e1 suexec web sleep 100004 </dev/null >/dev/null 2>&1 &
track_pid $!
i=0; while [ -z "$(hpid "sleep 100004")" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
SUP=$(hpid "sleep 100004")
check "vserver suexec web's sleep is found (host pid $SUP)" [ -n "$SUP" ]
strip() { grep -vE '^(Uid|Gid|Groups|CapPrm|CapEff):'; }
is "vserver suexec: the same bounding set, seccomp, CPUs, cgroups, namespaces" \
	"$(view "$SUP" | strip)" "$(printf '%s\n' "$RCV" | strip)"
# (the host's ids: USERNS maps web's 1000 to its base + 1000)
U=1000
[ -n "$T_USERNS" ] && U=$(( $(sed -n 's/^USERNS_BASE=//p' "$VSBOX_CONFDIR/e1.conf" | tr -d '"') + 1000 ))
like "  as web, with no capability" "$(view "$SUP" | grep -E '^(Uid|CapEff):' | tr '\t' ' ' | tr '\n' ' ')" \
	"^Uid: $U $U $U $U CapEff: 0000000000000000 $"
kill "$SUP" 2>/dev/null

rc_is "stop e1" 0 vserver e1 stop -q
done_testing
