#!/bin/sh
# chcontext.t - security contexts for real: isolation, join, spectator,
# flags, capability ceiling against setuid and file-capability programs,
# cleanup, concurrent xid allocation, option errors.
. "$(dirname "$0")/lib.sh"
need_root

chmod 755 "$T_TMP"
CAPS_SECURE=$(reducecap --secure --show)
xid_of() { sed -n 's/^New security context is \([0-9]*\)$/\1/p' "$1"; }
nobody() { setpriv --reuid 65534 --regid 65534 --clear-groups --inh-caps=-all "$@"; }
capeff() { grep '^CapEff' | awk '{print $2}'; }
records() { ls "$VSBOX_RUNDIR/ctx" 2>/dev/null | grep -v tmp | tr '\n' ' '; }
leftover_cgroups() { t_cgdirs | grep -E "/$VSBOX_CGROUP_BASE/[0-9]+\$" | tr '\n' ' '; }
wait_gone() { i=0; while [ $i -lt 50 ] && [ -n "$($1)" ]; do sleep 0.1; i=$((i + 1)); done; }

# --- a new context ----------------------------------------------------------
sleep 300 & HOSTSLEEP=$!; track_pid $HOSTSLEEP
# (the shell counts /proc's entries itself: a pipeline's count would race
# with the forks of its own commands)
run_rc chcontext sh -c 'echo $$; set -- /proc/[0-9]*; echo $#'
is "runs CMD (exit 0)" "$RC" 0
like "prints the new context's number on stderr" "$ERR" '^New security context is [0-9]+$'
is "CMD's pid is 2 under vsbox's init" "$(printf '%s\n' "$OUT" | head -n 1)" 2
is "only the context's processes in /proc (init, sh)" "$(printf '%s\n' "$OUT" | tail -n 1)" 2
run_rc chcontext --silent sh -c "test -e /proc/$HOSTSLEEP"
is "a host process is invisible inside" "$RC" 1
is "--silent prints nothing" "$ERR" ""
run_rc chcontext --silent sh -c "kill -9 $HOSTSLEEP"
check "kill of a host pid fails inside" [ "$RC" -ne 0 ]
chcontext --silent killall -9 sleep >/dev/null 2>&1
check "killall inside does not touch the host" kill -0 $HOSTSLEEP
run_rc chcontext --silent sh -c 'exit 7'
is "CMD's exit status is passed on" "$RC" 7
run_rc chcontext --silent sh -c 'kill -TERM $$'
is "death by signal is 128+N" "$RC" 143
run_rc chcontext --silent /no/such/cmd
is "a missing command exits 127" "$RC" 127
like "and says so" "$ERR" 'chcontext: can.t execute /no/such/cmd'

# --- UTS, IPC, capability ceiling -------------------------------------------
H=$(hostname)
is "--hostname is set inside" "$(chcontext --silent --hostname ctxhost hostname)" ctxhost
is "--domainname is set inside" "$(chcontext --silent --domainname ctxdom domainname)" ctxdom
chcontext --silent --cap SYS_ADMIN sh -c 'hostname changed-inside' 2>/dev/null
is "a hostname change inside stays inside" "$(hostname)" "$H"
ipcmk -Q >/dev/null 2>&1 && HOSTQ=$(ipcs -q | grep -c '^0x')
is "SysV IPC is private" "$(chcontext --silent sh -c 'ipcs -q | grep -c "^0x"')" 0
ipcs -q | awk '/^0x/ {print $2}' | while read -r q; do ipcrm -q "$q"; done
bnd() { chcontext --silent "$@" grep CapBnd /proc/self/status | awk '{print $2}'; }
is "--secure: the bounding set is the secure set" "$(bnd --secure)" "$CAPS_SECURE"
DEF=$(bnd)
check "default ceiling has no CAP_SYS_ADMIN (21)" [ $(( 0x$DEF >> 21 & 1 )) -eq 0 ]
check "default ceiling has no CAP_NET_RAW (13)" [ $(( 0x$DEF >> 13 & 1 )) -eq 0 ]
check "default ceiling has no CAP_SYS_MODULE (16)" [ $(( 0x$DEF >> 16 & 1 )) -eq 0 ]
R=$(bnd --secure --cap CAP_NET_RAW)
check "--cap NET_RAW keeps it" [ $(( 0x$R >> 13 & 1 )) -eq 1 ]
R=$(bnd --secure --cap net_admin)
check "--cap net_admin (lower case) keeps it" [ $(( 0x$R >> 12 & 1 )) -eq 1 ]

# setuid-root and file-capability programs cannot climb over the ceiling
cp /bin/cat "$T_TMP/suidcat"; chmod 4755 "$T_TMP/suidcat"
cp /bin/cat "$T_TMP/fcapcat"; setcap cap_sys_admin,cap_net_raw+ep "$T_TMP/fcapcat"
HOST_SUID=$(nobody "$T_TMP/suidcat" /proc/self/status | capeff)
check "control: setuid root as nobody on the host gets CAP_SYS_ADMIN" [ $(( 0x$HOST_SUID >> 21 & 1 )) -eq 1 ]
IN_SUID=$(chcontext --silent --secure setpriv --reuid 65534 --regid 65534 --clear-groups "$T_TMP/suidcat" /proc/self/status | capeff)
is "setuid root inside a --secure context gets only the secure set" "$IN_SUID" "$CAPS_SECURE"
HOST_FCAP=$(nobody "$T_TMP/fcapcat" /proc/self/status | capeff)
check "control: file caps give CAP_SYS_ADMIN on the host" [ $(( 0x$HOST_FCAP >> 21 & 1 )) -eq 1 ]
# the kernel refuses to exec a file-capability program whose effective
# capabilities the ceiling would cut (EPERM); either way nothing is gained
run_rc chcontext --silent setpriv --reuid 65534 --regid 65534 --clear-groups "$T_TMP/fcapcat" /proc/self/status
IN_FCAP=$(printf '%s\n' "$OUT" | capeff)
check "file caps inside: exec refused or no CAP_SYS_ADMIN ($RC)" [ "$RC" -ne 0 ] || [ $(( 0x$IN_FCAP >> 21 & 1 )) -eq 0 ]
run_rc chcontext --silent --cap SYS_ADMIN setpriv --reuid 65534 --regid 65534 --clear-groups "$T_TMP/fcapcat" /proc/self/status
IN_FCAP=$(printf '%s\n' "$OUT" | capeff)
check "file caps inside, SYS_ADMIN kept: no CAP_NET_RAW gained" [ "$RC" -ne 0 ] || [ $(( 0x$IN_FCAP >> 13 & 1 )) -eq 0 ]

# --- flags -------------------------------------------------------------------
run_rc chcontext --silent --cap SYS_ADMIN unshare -u true
is "control: without lock, unshare works (with SYS_ADMIN kept)" "$RC" 0
run_rc chcontext --silent --cap SYS_ADMIN --flag lock unshare -u true
check "--flag lock: unshare refused" [ "$RC" -ne 0 ]
run_rc chcontext --silent --cap SYS_ADMIN --flag lock unshare -n true
check "--flag lock: new network namespace refused" [ "$RC" -ne 0 ]
run_rc chcontext --silent --flag lock sh -c 'echo ok'
is "--flag lock: ordinary fork/exec still works" "$OUT" ok
is "--flag fakeinit: CMD is PID 1" "$(chcontext --silent --flag fakeinit sh -c 'echo $$')" 1
FORKS='import os, time, signal
kids = []
for i in range(60):
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        time.sleep(30); os._exit(0)
    kids.append(pid)
for k in kids: os.kill(k, signal.SIGKILL); os.waitpid(k, 0)
print(len(kids))'
OUT=$(prlimit --nproc=25: chcontext --silent --flag nproc /usr/bin/python3 -c "$FORKS")
is "--flag nproc: ulimit -u 25 bounds the whole context (init + python + 23)" "$OUT" 23
OUT=$(prlimit --nproc=25: chcontext --silent /usr/bin/python3 -c "$FORKS")
is "control: without nproc the context forks freely (root ignores RLIMIT_NPROC)" "$OUT" 60
# its cgroups (the record's cg= lines): one with cpu.shares (v1) or
# cpu.weight (v2, where the controller is passed down to it)
X=$(t_new_ctx chcontext --flag sched sh -c 'sleep 3005 &')
CPUCG=$(for d in $(sed -n 's/^cg=//p' "$VSBOX_RUNDIR/ctx/$X"); do
	if [ -e "$d/cpu.shares" ] || [ -e "$d/cpu.weight" ]; then echo "$d"; fi; done)
check "--flag sched: the context has a cpu cgroup of its own" [ -n "$CPUCG" ]
kill "$(t_pid_of "sleep 3005")" 2>/dev/null

# --- join ----------------------------------------------------------------------
chcontext --hostname joinme sh -c 'sleep 300 >/dev/null 2>&1 &' 2>"$T_TMP/join.err"
X=$(xid_of "$T_TMP/join.err")
like "a context lives on with its daemon" "$(records)" "(^| )$X( |\$)"
run_rc chcontext --ctx "$X" sh -c 'hostname; ls /proc | grep -c "^[0-9]"; ps -o comm= -p 1'
is "join: runs in the context's UTS namespace" "$(printf '%s\n' "$OUT" | head -n 1)" joinme
is "join: sees init, the daemon and itself (5)" "$(printf '%s\n' "$OUT" | sed -n 2p)" 5
is "join: PID 1 is the context's init" "$(printf '%s\n' "$OUT" | sed -n 3p)" vsbox-init
is "join: prints no new context" "$ERR" ""
run_rc chcontext --ctx "$X" grep CapBnd /proc/self/status
is "join: gets the context's ceiling" "$(printf '%s\n' "$OUT" | awk '{print $2}')" "$DEF"
run_rc nobody chcontext --ctx "$X" true
is "join as non-root refused (exit 1)" "$RC" 1
like "and says why" "$ERR" 'only root in context 0'
run_rc chcontext --silent --cap SYS_ADMIN --cap DAC_READ_SEARCH chcontext --ctx "$X" true
is "join from inside another context refused" "$RC:$ERR" "1:chcontext: the context registry $VSBOX_RUNDIR belongs to the host: run this from context 0"
check "... and the context it tried is untouched" test -f "$VSBOX_RUNDIR/ctx/$X"
run_rc chcontext --silent sh -c 'echo 1 > /proc/sys/kernel/core_pattern'
check "inside: /proc/sys is read-only to uid 0" [ "$RC" -ne 0 ]
V2=$(t_v2dir "$X")
run_rc chcontext --silent sh -c "echo 1 > $V2/cgroup.kill"
check "inside: the host's cgroup files are read-only" [ "$RC" -ne 0 ] && test -f "$VSBOX_RUNDIR/ctx/$X"
run_rc chcontext --join --ctx 4242 true
is "--join of a context that does not exist (exit 1)" "$RC" 1
like "and says so" "$ERR" 'no context 4242'
chcontext --silent --flag private sh -c 'sleep 300 >/dev/null 2>&1 &'
P=$(grep -l 'flags=8' "$VSBOX_RUNDIR"/ctx/* | head -n 1 | xargs basename)
run_rc chcontext --ctx "$P" true
like "--flag private: nobody may join" "$RC:$ERR" '^1:.*private'

# --- the spectator -------------------------------------------------------------
DPID=$(pgrep -f 'sleep 300' | while read -r p; do grep -q "/$X\$" /proc/$p/cgroup && echo $p; done | head -n 1)
run_rc chcontext --ctx 1 sh -c "test -e /proc/$DPID && test -e /proc/$HOSTSLEEP && echo both"
is "spectator sees the host and other contexts" "$OUT" both
run_rc chcontext --ctx 1 kill -9 "$DPID"
check "spectator cannot kill a context's process" kill -0 "$DPID"
run_rc chcontext --ctx 1 kill -9 "$HOSTSLEEP"
check "spectator cannot kill a host process" kill -0 "$HOSTSLEEP"
run_rc chcontext --ctx 1 sh -c "echo x > /proc/$HOSTSLEEP/mem"
check "spectator cannot write another process's memory" [ "$RC" -ne 0 ]
# PTRACE_ATTACH (16) then PTRACE_DETACH (17) through libc
PTRACE='import ctypes, sys, os, time
l = ctypes.CDLL(None, use_errno=True); p = int(sys.argv[1])
if l.ptrace(16, p, 0, 0): sys.exit(1)
os.waitpid(p, 0); l.ptrace(17, p, 0, 0)'
run_rc /usr/bin/python3 -c "$PTRACE" "$HOSTSLEEP"
is "control: ptrace attach works on the host" "$RC" 0
run_rc chcontext --ctx 1 /usr/bin/python3 -c "$PTRACE" "$HOSTSLEEP"
is "spectator cannot ptrace" "$RC" 1
run_rc chcontext --ctx 1 sh -c "echo x > $T_TMP/spectator-was-here"
check "spectator writes no file" [ ! -e "$T_TMP/spectator-was-here" ]

# --- CAP_SYS_PTRACE: a Landlock fence keeps init (host descriptors) out of reach -----
FENCE='sleep 3 & S=$!; readlink /proc/$S/exe >/dev/null && echo own-ok; readlink /proc/1/fd/0 >/dev/null 2>&1 || echo init-refused; kill $S'
is "--cap SYS_PTRACE: CMD traces its own children, not init" \
	"$(chcontext --silent --cap SYS_PTRACE sh -c "$FENCE" | tr '\n' ' ')" "own-ok init-refused "
chcontext --cap SYS_PTRACE sleep 3 2>"$T_TMP/fence" &
track_pid $!
for i in $(seq 30); do grep -q context "$T_TMP/fence" && break; sleep 0.1; done
X2=$(sed -n 's/^New security context is //p' "$T_TMP/fence")
is "  and a join of that context neither (context $X2)" \
	"$(chcontext --ctx "$X2" --join sh -c "$FENCE" | tr '\n' ' ')" "own-ok init-refused "

# --- leftovers, crash repair, concurrency ---------------------------------------
KILLED=""
for r in "$VSBOX_RUNDIR"/ctx/[0-9]*; do p=$(sed -n 's/^pid=//p' "$r"); kill -9 "$p"; KILLED="$KILLED $p"; done
dead() { for p in $KILLED; do s=$(ps -o stat= -p "$p" | cut -c1); [ -z "$s" ] || [ "$s" = Z ] || return 1; done; }
i=0; while [ $i -lt 50 ] && ! dead; do sleep 0.1; i=$((i + 1)); done
chcontext --silent true
wait_gone "records"
is "killed contexts are repaired by the next command: no records" "$(records)" ""
is "... and no cgroups" "$(leftover_cgroups)" ""
chcontext --silent sh -c 'sleep 1 >/dev/null 2>&1 &'
sleep 1.2; wait_gone "records"
is "a context ends with its last process: record removed" "$(records)" ""
is "... cgroups removed" "$(leftover_cgroups)" ""
# init leaves the cleanup to a caller that reads its report (and waits to
# reap); one killed meanwhile can't: init sees that and cleans up itself
chcontext --silent sleep 1 &
CPID=$!
sleep 0.4
kill -9 "$CPID"
sleep 1; wait_gone "records"
is "a context whose caller was killed ends cleanly: record removed" "$(records)" ""
is "... cgroups removed" "$(leftover_cgroups)" ""
chcontext --silent sh -c 'sleep 2 >/dev/null 2>&1 &'
HOSTSIDE=$(for p in $(pgrep -x vsbox-init); do
	# gone meanwhile, or exited and not yet reaped: not resident
	cg=$(cat /proc/$p/cgroup 2>/dev/null) && st=$(ps -o stat= -p $p) || continue
	[ "$(printf '%s\n' "$st" | cut -c1)" = Z ] && continue
	printf '%s\n' "$cg" | grep -qE '^0::/.+/[0-9]+$' || { echo $p; echo "$cg"; }; done)
is "no vsbox process stays on the host side" "$HOSTSIDE" ""
CPIDS=""
for i in 1 2 3 4 5 6 7 8 9 10; do chcontext sleep 2 2>"$T_TMP/c$i.err" & CPIDS="$CPIDS $!"; done
wait $CPIDS
is "10 concurrent chcontext: 10 distinct xids" "$(cat "$T_TMP"/c*.err | sort -u | grep -c 'New security')" 10
START=$(date +%s)
timeout -s TERM 1 chcontext --silent sleep 30; RC=$?
is "a TERM sent to chcontext reaches CMD (timeout exits 124)" "$RC:$(( $(date +%s) - START < 5 ))" "124:1"

# --- bad input -------------------------------------------------------------------
rc_is "--ctx abc" 2 chcontext --ctx abc true
like "names the option" "$ERR" "^chcontext: --ctx: 'abc' is not a number"
rc_is "--ctx 0" 2 chcontext --ctx 0 true
rc_is "--flag bogus" 2 chcontext --flag bogus true
rc_is "--cap CAP_BOGUS" 2 chcontext --cap CAP_BOGUS true
rc_is "no command" 2 chcontext --silent
run_rc nobody chcontext --ctx 5 true
is "non-root cannot create a numbered context (exit 1)" "$RC" 1
done_testing
