#!/bin/sh
# vps.t - vps with real processes in several contexts: the CTX and VSERVER
# columns, columns against procps ps, filters by context, name and pid, -o,
# --sort, the view inside a context, joined, and as spectator (vpstree:
# tests/vpstree.t).
. "$(dirname "$0")/lib.sh"
need_root

# the pids in context XID's cgroup, from the cgroup (not from vps)
cgprocs() { sort -n "$(t_v2dir "$1")/cgroup.procs" | tr '\n' ' '; }
squeeze() { tr -s ' ' | sed 's/^ //; s/ $//'; }

sleep 3000 & HOST=$!; track_pid $HOST
t_wait_exe $HOST sleep
t_ctx_ab
[ -n "$PA" ] && [ -n "$PB" ] || bail "context processes not found"

# a command line with backslashes: dash's echo would turn them into raw bytes
# (a listing piped through echo then looks binary to grep); printf keeps them
bash -c 'exec -a "sleep\\0377\\c" sleep 3018' & BACKSL=$!; track_pid $BACKSL
t_wait_exe $BACKSL sleep

# --- default columns, the two added ones --------------------------------------
rc_is "vps" 0 vps
is "header: ps ax's columns with CTX and VSERVER" "$(printf '%s\n' "$OUT" | head -n 1 | squeeze)" \
	"PID CTX VSERVER TTY STAT TIME COMMAND"
like "a host process: CTX 0, VSERVER MAIN" "$(printf '%s\n' "$OUT" | grep "^ *$HOST ")" "^ *$HOST +0 +MAIN +.* sleep 3000\$"
like "context A's process: its xid and guest name" "$(printf '%s\n' "$OUT" | grep "^ *$PA ")" "^ *$PA +$A +web +.* sleep 3001\$"
like "context B (no name): its xid and -" "$(printf '%s\n' "$OUT" | grep "^ *$PB ")" "^ *$PB +$B +- +.* sleep 3002\$"
like "kernel threads in brackets, context 0" "$(printf '%s\n' "$OUT" | grep '^ *2 ')" '^ *2 +0 +MAIN .*\[kthreadd\]$'
is "backslashes in a command line print as they are" "$(printf '%s\n' "$OUT" | grep "^ *$BACKSL " | sed 's/.* //')" '3018'
is "the command name with its backslashes" "$(vps -o args= -p $BACKSL)" 'sleep\0377\c 3018'
# the same processes as ps ax: every pid ps lists before and after vps is in
# vps's listing, and every pid only vps listed has ended since (other
# processes on the machine come and go meanwhile)
pids() { tr -d ' ' | sort; }
ps ax -o pid= | pids >"$T_TMP/p1"
vps ax -o pid= | pids >"$T_TMP/v"
ps ax -o pid= | pids >"$T_TMP/p2"
MISSING=$(comm -12 "$T_TMP/p1" "$T_TMP/p2" | comm -23 - "$T_TMP/v" | tr '\n' ' ')
EXTRA=$(sort -u "$T_TMP/p1" "$T_TMP/p2" | comm -13 - "$T_TMP/v" | while read -r p; do
	[ -d "/proc/$p" ] && printf '%s ' "$p"; done)
is "every process ps ax lists, vps lists ($(wc -l <"$T_TMP/v") pids)" "$MISSING" ""
is "and nothing that ps does not" "$EXTRA" ""

# --- columns against procps ------------------------------------------------------
setpriv --reuid 65534 --regid 65534 --clear-groups nice -n 5 sleep 3009 & NOBODY=$!; track_pid $NOBODY
t_wait_exe $NOBODY sleep
COLS=pid,ppid,pgid,sid,user,uid,tty,stat,ni,nlwp,vsz,rss,time,comm
for p in $HOST $PA $NOBODY; do
	is "-o $COLS of $p equals ps" "$(vps -o $COLS -p $p | squeeze)" "$(ps -o $COLS -p $p | squeeze)"
done
is "u format: ps u's columns plus CTX VSERVER" "$(vps u -p $HOST | head -n 1 | squeeze)" \
	"USER PID CTX VSERVER %CPU %MEM VSZ RSS TTY STAT START TIME COMMAND"
is "-f format" "$(vps -f -p $HOST | head -n 1 | squeeze)" "UID PID CTX VSERVER PPID C STIME TTY TIME COMMAND"
is "aux: same as u" "$(vps aux -p $HOST | head -n 1 | squeeze)" "$(vps u -p $HOST | head -n 1 | squeeze)"
is "-o COL=HEAD renames, COL= drops" "$(vps -o pid=P,ctx=X,comm= -p $PA | squeeze)" "P X
$PA $A sleep"
is "--no-headers" "$(vps --no-headers -o pid -p $PA | squeeze)" "$PA"
is "args of a process" "$(vps -o args= -p $PA)" "sleep 3001"
# a process names itself: its argv and its file name (comm) may hold escapes
EVILNAME=$(printf '\033]0;x\377')
ln -s "$(command -v sleep)" "$T_TMP/$EVILNAME"
bash -c "exec -a \$'\\e[31mevil\\xff' \"\$1\" 3019" - "$T_TMP/$EVILNAME" & EVIL=$!; track_pid $EVIL
t_wait_exe $EVIL sleep
is "escapes and bad UTF-8 in a command line print as ?" "$(vps -o args= -p $EVIL)" "?[31mevil? 3019"
is "and in a command name" "$(vps -o comm= -p $EVIL)" "?]0;x?"
is "etime is short and sane" "$(vps -o etime= -p $HOST | squeeze | grep -cE '^[0-9]{2}:[0-9]{2}$')" 1

# --- filters -----------------------------------------------------------------------
is "--xid A: exactly A's cgroup" "$(vps --xid $A -o pid= | squeeze | sort -n | tr '\n' ' ')" "$(cgprocs $A)"
is "--xid A,B: both contexts" "$(vps --xid $A,$B -o ctx= | squeeze | sort -u | tr '\n' ' ')" "$A $B "
is "--xid 0: only the host" "$(vps --xid 0 -o ctx= | squeeze | sort -u)" 0
is "--name web: context A" "$(vps --name web -o pid= | squeeze | sort -n | tr '\n' ' ')" "$(cgprocs $A)"
is "--name MAIN: the host" "$(vps --name MAIN -o vserver= | squeeze | sort -u)" MAIN
rc_is "--name of no running guest" 1 vps --name nosuch
like "says so" "$ERR" "^vps: no running guest named 'nosuch'"
rc_is "-p PID of another context still shows it" 0 vps -p $PB --xid $B
rc_is "nothing matched: exit 1" 1 vps -p $PB --xid $A
is "-p A,B" "$(vps -o pid= -p $PA,$PB | squeeze | tr '\n' ' ')" "$PA $PB "
is "--sort -pid: descending" "$(vps -o pid= --xid $A,$B --sort -pid | squeeze | tr '\n' ' ')" \
	"$(vps -o pid= --xid $A,$B | squeeze | sort -rn | tr '\n' ' ')"
is "--sort ctx, then pid" "$(vps -o ctx= --xid $A,$B,0 --sort ctx | squeeze | uniq | tr '\n' ' ')" "0 $A $B "
rc_is "unknown column" 2 vps -o pid,bogus
like "names it" "$ERR" "unknown column 'bogus'"
rc_is "unknown BSD letter" 2 vps axz
rc_is "bad --xid" 2 vps --xid web

# --- inside a context, joined, spectator -------------------------------------------
run_rc chcontext --silent vps -o pid=,ctx=,comm=
is "inside a new context (exit 0)" "$RC" 0
X=$(printf '%s\n' "$OUT" | awk '{print $2}' | sort -u)
check "inside: one context, not the host's ($X)" [ "$(printf '%s\n' "$X" | wc -l)" = 1 ] && [ "$X" != 0 ] && [ "$X" != "?" ]
like "inside: pid 1 is the context's init" "$OUT" "^ *1 +$X +vsbox-init"
check "inside: no host process" [ -z "$(printf '%s\n' "$OUT" | grep sleep)" ]
run_rc chcontext --silent sh -c 'VSBOX_RUNDIR=/nonexistent vps -o ctx=,vserver='
is "inside, with the registry out of sight (a guest): ? ?" "$(printf '%s\n' "$OUT" | squeeze | sort -u)" "? ?"
run_rc chcontext --ctx $A vps -o ctx=,vserver=,args=
is "joined context A (exit 0)" "$RC" 0
is "joined: everything is A's, named web" "$(printf '%s\n' "$OUT" | awk '{print $1, $2}' | sort -u)" "$A web"
like "joined: A's sleeps" "$OUT" "sleep 3011"
check "joined: not B's" [ -z "$(printf '%s\n' "$OUT" | grep 'sleep 3002')" ]
run_rc chcontext --ctx 1 vps --xid $A,$B -o pid=,ctx=
is "spectator: vps works (exit 0)" "$RC" 0
is "spectator: sees both contexts with host pids" "$(printf '%s\n' "$OUT" | grep -E "^ *($PA|$PB) " | squeeze | tr '\n' ' ')" \
	"$PA $A $PB $B "

# --- --json: every process, fixed keys, parsed by python3 ----------------------
run_rc vps --json --xid $A,$B
is "--json (exit 0)" "$RC" 0
J=$(printf '%s\n' "$OUT" | python3 -c 'import json, sys
d = json.load(sys.stdin)
print(" ".join(sorted(d[0])))
for r in d:
    if r["args"].startswith("sleep 30"):
        print(r["pid"], r["ctx"], r["vserver"], r["args"], type(r["rss"]).__name__, r["tty"])')
is "--json: the documented keys" "$(printf '%s\n' "$J" | head -n 1)" \
	"args comm cpu_usec ctx nice nlwp pgid pid ppid pri rss sid start stat tty uid user vserver vsz"
is "--json: A's and B's sleeps with xid, name (null: none), numbers as numbers" \
	"$(printf '%s\n' "$J" | sed 1d | grep -E "sleep 300[12]")" "$PA $A web sleep 3001 int None
$PB $B None sleep 3002 int None"
is "--json: a host process, MAIN; start is Unix time near its own" "$(vps --json -p $HOST | python3 -c 'import json, sys, time
r = json.load(sys.stdin)[0]; print(r["ctx"], r["vserver"], r["comm"], abs(r["start"] - int(open("/proc/stat").read().split("btime ")[1].split()[0]) - int(open("/proc/'$HOST'/stat").read().rsplit(")", 1)[1].split()[19]) // 100) <= 1)')" "0 MAIN sleep True"
is "--json: a command line with backslashes and bytes survives" "$(vps --json -p $BACKSL | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["args"])')" 'sleep\0377\c 3018'
rc_is "--json with no match: [] (exit 1)" 1 vps --json -p 999999999
is "  an empty array" "$OUT" "[]"
rc_is "--json with -o is a usage error" 2 vps --json -o pid

done_testing
