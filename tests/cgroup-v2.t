#!/bin/sh
# cgroup-v2.t - a pure cgroup-v2 host (no v1 hierarchy mounted, cgroup2 with
# the memory, pids and cpu controllers): vsbox enables the controllers down
# to its base (cgroup.subtree_control, lib/cgroup.c cg_delegate), so a guest
# with S_MEMORY, ULIMIT -u and S_CPU gets its memory.max, pids.max and
# cpu.weight; from a cgroup with processes of its own (which cannot pass
# controllers on) the start fails with a message naming the directory and
# leaves nothing behind. This host (hybrid) SKIPs it; make kernel-check
# boots such a host. Guests: v2a, v2b (no address).
. "$(dirname "$0")/lib.sh"
need_root
M=$(sh "$T_TOP/build/cgmounts.sh" | awk '$1 == "cgroup2" { print $2; exit }')
if [ -z "$M" ] || sh "$T_TOP/build/cgmounts.sh" | grep -q '^cgroup ' ||
   ! grep -qw memory "$M/cgroup.controllers" || ! grep -qw pids "$M/cgroup.controllers"; then
	echo "1..0 # SKIP not a pure cgroup-v2 host with the memory and pids controllers (make kernel-check boots one)"
	exit 0
fi
. "$(dirname "$0")/hardening-lib.sh"
plan 11
GUESTS="v2a v2b"
on_cleanup 'for g in $GUESTS; do vserver $g stop -q >/dev/null 2>&1; done'
hguest v2a STOP_TIMEOUT=2 'S_CPU="weight=30 max=50%"'
rc_is "start v2a (S_MEMORY=64M, ULIMIT -u 60, S_CPU)" 0 vserver v2a start
[ "$RC" = 0 ] || diag "$ERR"
X=$(xid_of v2a)
D=$(cg_of "$X" cgroup.procs)
is "its memory.max is 64M" "$(cat "$D/memory.max" 2>&1)" 67108864
is "its pids.max is 60" "$(cat "$D/pids.max" 2>&1)" 60
is "its cpu.weight is 30" "$(cat "$D/cpu.weight" 2>&1)" 30
like "the base passes memory, pids and cpu on" "$(cat "$(dirname "$D")/cgroup.subtree_control")" \
	'(^| )memory( |$)'
like "  pids too" "$(cat "$(dirname "$D")/cgroup.subtree_control")" '(^| )pids( |$)'
rc_is "stop v2a" 0 vserver v2a stop -q

# from a cgroup with processes of its own: nothing can be enabled below it
OWN=$(sed -n 's/^0:://p' /proc/self/cgroup); [ "$OWN" = / ] && OWN=""
BUSY=$M$OWN/$VSBOX_CGROUP_BASE-busy
mkdir "$BUSY" || bail "can't create $BUSY"
on_cleanup "rmdir '$BUSY'/* '$BUSY' 2>/dev/null"
hguest v2b
run_rc sh -c 'echo $$ > "$1/cgroup.procs" && exec vserver v2b start' sh "$BUSY"
is "start v2b from a busy cgroup fails" "$RC" 1
like "  naming the controller and the directory" "$ERR" \
	"S_MEMORY: the memory controller does not reach $BUSY/"
rc_is "  v2b is not running" 1 vserver v2b running
is "  and left no cgroup below it" "$(find "$BUSY" -mindepth 2 -type d | wc -l)" 0
