#!/bin/sh
# hardening-limits.t - a fork bomb and a memory hog inside a guest end at
# the guest's own limits (pids.max from ULIMIT -u with nproc, S_MEMORY),
# the host stays responsive meanwhile, and "vserver stop" ends the bomb.
# Both loads are bounded on their own too: the bomb's processes exit after
# 30 seconds, the hog wants 256 MiB. Guest: l1 (nproc sched, ULIMIT -u 60,
# S_MEMORY=64M, STOP_TIMEOUT=2).
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/hardening-lib.sh"

GUESTS="l1"
on_cleanup 'for g in $GUESTS; do vserver $g stop -q >/dev/null 2>&1; done'
FLAGS="nproc sched" hguest l1 STOP_TIMEOUT=2
rc_is "start l1 (ULIMIT -u 60, S_MEMORY=64M)" 0 vserver l1 start
X=$(xid_of l1)
PIDS=$(cg_of "$X" pids.max)
MEM=$(cg_of "$X" memory.limit_in_bytes)
[ -n "$MEM" ] || MEM=$(cg_of "$X" memory.max)
is "its pids.max is 60" "$(cat "$PIDS/pids.max")" 60
like "its memory limit is 64M" "$(cat "$MEM/memory.limit_in_bytes" "$MEM/memory.max" 2>/dev/null)" '^67108864$'

# ---- the memory hog ------------------------------------------------------------------
oom_kills() { cat "$MEM/memory.events" "$MEM/memory.oom_control" 2>/dev/null | awk '$1 == "oom_kill" { print $2 }'; }
K0=$(oom_kills)
if [ "$(awk '$1 == "MemAvailable:" { print $2 }' /proc/meminfo)" -gt 1048576 ]; then
	is "control: on the host the hog gets its 256 MiB" "$("$HPROBE" hog:256)" hog=OK
else
	skip "control: less than 1 GiB available on the host"
fi
rc_is "in l1 the hog is killed (SIGKILL)" 137 vserver l1 exec hprobe hog:256
is "  before it had it all (no output)" "$OUT" ""
check "  by the guest's OOM killer (oom_kill $K0 -> $(oom_kills))" [ "$(oom_kills)" -gt "${K0:-0}" ]
is "l1 lives on, and a small allocation works" "$(vserver l1 exec hprobe hog:16)" hog=OK

# ---- the fork bomb ---------------------------------------------------------------------
EV0=$(awk '$1 == "max" { print $2 }' "$PIDS/pids.events" 2>/dev/null)
vserver l1 exec hprobe forkbomb:30 >"$T_TMP/bomb" 2>&1 &
BOMB=$!
track_pid $BOMB
for i in $(seq 100); do [ "$(cat "$PIDS/pids.current")" -ge 60 ] && break; sleep 0.1; done
N=$(cat "$PIDS/pids.current")
is "the bomb fills the guest's 60 pids" "$N" 60
check "  forks beyond are refused (pids.events max ${EV0:-0} -> $(awk '$1 == "max" { print $2 }' "$PIDS/pids.events"))" \
	[ "$(awk '$1 == "max" { print $2 }' "$PIDS/pids.events")" -gt "${EV0:-0}" ]
T0=$(date +%s%N)
for i in $(seq 20); do /bin/true; done
sh -c 'for i in $(seq 100); do sleep 1 & done; wait' 2>"$T_TMP/hostfork"
T1=$(date +%s%N)
MS=$(( (T1 - T0) / 1000000 ))
check "the host stays responsive: 20 commands and 100 forks in ${MS} ms (< $((10 * T_SLOW)) s)" [ "$MS" -lt $((10000 * T_SLOW)) ]
is "  none of the host's forks refused" "$(cat "$T_TMP/hostfork")" ""
check "the bomb never got past the limit ($(cat "$PIDS/pids.current"))" [ "$(cat "$PIDS/pids.current")" -le 60 ]
T0=$(date +%s)
rc_is "vserver stop ends the bomb" 0 vserver l1 stop -q
T1=$(date +%s)
check "  within $((10 * T_SLOW)) s ($((T1 - T0)) s)" [ $((T1 - T0)) -lt $((10 * T_SLOW)) ]
wait $BOMB 2>/dev/null
rc_is "l1 is not running" 1 vserver l1 running
is "no cgroup of l1 left" "$(t_cgdirs | grep -c "/$VSBOX_CGROUP_BASE/$X\$")" 0
done_testing
