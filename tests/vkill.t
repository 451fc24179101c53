#!/bin/sh
# vkill.t - signalling processes of contexts: the --xid check refuses a pid
# of another context (and a recycled pid), signal names, --all with
# SIGKILL (cgroup.kill) and with other signals (frozen, nobody missed, not
# even a process that keeps forking), the spectator can signal nothing.
. "$(dirname "$0")/lib.sh"
need_root

# a new context running CMD (left running); prints its xid. Its pids.max
# (with --flag nproc) is the soft process limit: 60 here
new_ctx() { t_new_ctx prlimit --nproc=60: chcontext "$@"; }
alive() { [ -d "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
wait_dead() { i=0; while alive "$1" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done; ! alive "$1"; }
state() { sed -n 's/^State:\t\(.\).*/\1/p' "/proc/$1/status"; }
nprocs() { cat "$(t_v2dir "$1")/cgroup.procs" 2>/dev/null | wc -l; }

sleep 3000 & HOST=$!; track_pid $HOST
A=$(new_ctx sh -c 'sleep 3001 & sleep 3011 &')
B=$(new_ctx sh -c 'sleep 3002 &')
PA=$(t_pid_of "sleep 3001"); PA2=$(t_pid_of "sleep 3011"); PB=$(t_pid_of "sleep 3002")
[ -n "$PA" ] && [ -n "$PB" ] || bail "context processes not found"

# --- the --xid check ------------------------------------------------------------
rc_is "a pid of context A with --xid B is refused" 1 vkill --xid $B $PA
like "says where it is" "$ERR" "^vkill: process $PA is in context $A, not $B: refused"
check "and it lives" alive $PA
rc_is "--xid 0 refuses a context's process" 1 vkill --xid 0 $PA
rc_is "--xid A refuses a host process" 1 vkill --xid $A $HOST
check "the host process lives" alive $HOST
rc_is "-s STOP --xid A: A's process" 0 vkill -s STOP --xid $A $PA
is "it is stopped" "$(state $PA)" T
rc_is "-s SIGCONT (SIG prefix)" 0 vkill -s SIGCONT --xid $A $PA
is "it runs again" "$(state $PA)" S
rc_is "--xid A with a pid of A and one of B: 1" 1 vkill --xid $A $PA2 $PB
check "the one of A got TERM" wait_dead $PA2
check "the one of B did not" alive $PB
rc_is "-s 9 by number, no --xid" 0 vkill -s 9 $PB
check "gone" wait_dead $PB
rc_is "no such process" 1 vkill 999999999
rc_is "a pid that just ended" 1 vkill $PB
like "no process" "$ERR" "no process $PB"

# --- a recycled pid: the old number now names a host process ----------------------
B2=$(new_ctx sh -c 'sleep 3003 &')
P=$(t_pid_of "sleep 3003")
vkill -s KILL --xid $B2 $P && wait_dead $P
R=""
for try in $(seq 100); do
	echo $((P - 1)) >/proc/sys/kernel/ns_last_pid
	sleep 3004 &
	R=$!
	[ "$R" = "$P" ] && break
	# (KILL: a TERM landing between the fork and the exec would run the
	# test's own trap in the child, which then execs sleep and lives on)
	kill -9 $R; wait $R 2>/dev/null
done
if [ "$R" = "$P" ]; then
	track_pid $R
	rc_is "the context's old pid, now a host process's: refused" 1 vkill --xid $B2 $P
	check "the new owner of the pid lives" alive $R
else
	skip "could not recycle pid $P"; skip "recycle"
	kill $R 2>/dev/null
fi

# --- the spectator signals nothing ---------------------------------------------------
rc_is "as the spectator: refused" 1 chcontext --ctx 1 vkill $PA
check "the target lives" alive $PA

# --- --all ------------------------------------------------------------------------------
rc_is "--all without --xid" 2 vkill --all
rc_is "--all with a PID" 2 vkill --xid $A --all $PA
rc_is "--all on the host" 1 vkill --xid 0 --all
like "refused" "$ERR" "refusing to signal every process of the host"
rc_is "--all of a context that does not exist" 1 vkill --xid 4000 --all
C=$(new_ctx sh -c 'for i in 1 2 3 4 5; do sleep 3005 & done')
# the states of C's processes, once they are all WANT (5 s at most: a signal
# is delivered when the process next runs)
states() {
	i=0
	while S=$(for p in $(cat "$(t_v2dir $C)/cgroup.procs"); do state $p; done | sort -u) &&
		[ "$S" != "$1" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	echo "$S"
}
rc_is "--all -s STOP (through a freeze)" 0 vkill --xid $C --all -s STOP
is "every process of C is stopped" "$(states T)" T
is "and C is thawed again" "$(cat "$(t_v2dir $C)/cgroup.freeze")" 0
rc_is "--all -s CONT" 0 vkill --xid $C --all -s CONT
is "every process runs again" "$(states S)" S
# a context that forks all the time (bounded by its pids limit): TERM must
# reach the forker and every child, none may slip through
F=$(new_ctx --flag nproc sh -c 'sh -c "while :; do sleep 3006 & sleep 0.01; done" >/dev/null 2>&1 &')
sleep 0.5
check "the forking context has processes ($(nprocs $F))" [ "$(nprocs $F)" -gt 3 ]
rc_is "--all -s TERM on a forking context" 0 vkill --xid $F --all -s TERM
i=0; while [ -f "$VSBOX_RUNDIR/ctx/$F" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
is "nothing of it is left: the context is gone" "$(ls "$VSBOX_RUNDIR/ctx/$F" 2>/dev/null)" ""
rc_is "--all -s KILL (cgroup.kill)" 0 vkill --xid $A --all -s KILL
i=0; while [ "$(nprocs $A)" != 0 ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
is "A's processes are gone" "$(nprocs $A)" 0
# the record goes when the context's last process is reaped: soon, not at once
# (30 s at most: a loaded machine runs the reaper late)
i=0; while [ -f "$VSBOX_RUNDIR/ctx/$A" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
is "its record is reaped" "$(ls "$VSBOX_RUNDIR/ctx/$A" 2>/dev/null)" ""
check "the host process lives" alive $HOST
vkill --xid $C --all -s KILL
rc_is "bad signal name" 2 vkill -s NOPE 1
rc_is "no PID" 2 vkill
rc_is "PID not a number" 2 vkill abc
done_testing
