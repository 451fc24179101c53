#!/bin/sh
# vtop.t - the live view: batch frames agree with vps (pids, contexts,
# names), per-context totals, CPU% from two samples, sorting, filtering,
# the terminal UI driven through a pty (keys, raw mode restored), and the
# spectator.
. "$(dirname "$0")/lib.sh"
need_root

# the process rows of the last batch frame: "PID CTX VSERVER"
rows() {
	awk '/^vtop - / { on = 0; n = 0 } /^ +PID +CTX/ { on = 1; next }
	     on && NF { r[++n] = $1 " " $2 " " $3 } END { for (i = 1; i <= n; i++) print r[i] }'
}
totals() { awk '/^ +CTX VSERVER +PROCS/ { on = 1; next } on && !NF { exit } on { print }'; }

# B spins (bounded): its CPU% must show in the second frame
# (the spinner's command line names this test run: found by it, never
# another process that spins the same way)
t_ctx_ab 'timeout 60 sh -c "while :; do :; done # vtop.t '$$'" >/dev/null 2>&1 &'
SPIN=$(t_pid_of "sh -c while :; do :; done # vtop.t $$")
[ -n "$SPIN" ] || bail "could not set up the contexts"

rc_is "vtop -b -n 1" 0 vtop -b -n 1
like "header line" "$(printf '%s\n' "$OUT" | head -n 1)" '^vtop - [0-9:]+ up .*load average: [0-9.]+ [0-9.]+ [0-9.]+$'
like "task counts" "$OUT" 'Tasks: [0-9]+ total, [0-9]+ running'
like "a totals line per context: A with its guest name" "$(printf '%s\n' "$OUT" | totals)" "^ +$A web +3 "
like "the host's totals line" "$(printf '%s\n' "$OUT" | totals)" '^ +0 MAIN +[0-9]+ '
is "frame's pids, contexts, names for A and B = vps's" \
	"$(vtop -b -n 1 --xid $A,$B | rows | sort -n)" \
	"$(vps --xid $A,$B -o pid=,ctx=,vserver= | tr -s ' ' | sed 's/^ //' | sort -n)"
is "the whole frame agrees with vps on the contexts' processes" \
	"$(vtop -b -n 1 | rows | awk -v a=$A -v b=$B '$2 == a || $2 == b' | sort -n)" \
	"$(vps -o pid=,ctx=,vserver= | tr -s ' ' | sed 's/^ //' | awk -v a=$A -v b=$B '$2 == a || $2 == b' | sort -n)"
is "totals: A's process count is its rows'" "$(vtop -b -n 1 --xid $A | totals | awk '{print $3}')" \
	"$(vps --xid $A -o pid= | wc -l)"
is "--xid A: only A's rows" "$(vtop -b -n 1 --xid $A | rows | awk '{print $2}' | sort -u)" "$A"

# two samples half a second apart: the spinner's CPU% is the second's
run_rc vtop -b -n 2 -d 0.5 --xid $B
is "-n 2: two frames" "$(printf '%s\n' "$OUT" | grep -c '^vtop - ')" 2
CPU=$(printf '%s\n' "$OUT" | awk -v p=$SPIN '$1 == p { c = $6 } END { print int(c) }')
# a spinner gets a core on a quiet machine, much less on a loaded one: what
# counts is that the second frame measured it at all
check "the spinner's CPU% in the second frame ($CPU)" [ "$CPU" -ge 2 ]
is "sorted by CPU: the spinner first" "$(printf '%s\n' "$OUT" | rows | head -n 1 | awk '{print $1}')" "$SPIN"
F=$(vtop -b -n 1 --sort pid | rows | awk '{print $1}')
is "--sort pid: ascending" "$(printf '%s\n' "$F" | tr '\n' ' ')" "$(printf '%s\n' "$F" | sort -n | tr '\n' ' ')"
like "-c: command lines" "$(vtop -b -n 1 -c --xid $A)" "sleep 3011"

# --- the terminal UI, through a pty ---------------------------------------------------
if command -v script >/dev/null; then
	(sleep 1; printf M; sleep 0.5; printf "x$A\r"; sleep 0.6; printf q) |
		timeout 20 script -qec "vtop -d 0.3" /dev/null >"$T_TMP/tty" 2>&1
	is "interactive: q quits (exit 0)" "$?" 0
	check "alternate screen entered and left" sh -c "grep -q \"\$(printf '\033\\[?1049h')\" '$T_TMP/tty' && grep -q \"\$(printf '\033\\[?1049l')\" '$T_TMP/tty'"
	check "M sorts by memory" grep -q "sorted by mem" "$T_TMP/tty"
	check "x filters by context" sh -c "tr -d '\r' <'$T_TMP/tty' | grep -q 'sorted by mem; context filtered'"
	check "the filtered frame shows A's sleeps" sh -c "tr -d '\r' <'$T_TMP/tty' | sed -n '/context filtered/,\$p' | grep -Eq '^ +[0-9]+ +$A +web'"
else
	for i in 1 2 3 4 5; do skip "no script(1) for a pty"; done
fi

run_rc chcontext --ctx 1 vtop -b -n 1 --xid $A
is "as the spectator (exit 0)" "$RC" 0
is "the spectator's frame shows A" "$(printf '%s\n' "$OUT" | rows | awk '{print $2}' | sort -u)" "$A"
run_rc chcontext --ctx $A vtop -b -n 1
is "inside A (exit 0)" "$RC" 0
is "inside A: only A" "$(printf '%s\n' "$OUT" | rows | awk '{print $2, $3}' | sort -u)" "$A web"
rc_is "-d 0" 2 vtop -b -d 0
rc_is "--sort bogus" 2 vtop -b --sort bogus
rc_is "-n 0" 2 vtop -b -n 0
done_testing
