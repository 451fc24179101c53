#!/bin/sh
# vserver-stat.t - one line per running context, context 0 first: process
# counts against the cgroups, CPU time of a busy context, names, uptime,
# --json through a real JSON parser, the view from inside and as spectator.
. "$(dirname "$0")/lib.sh"
need_root

nprocs() { cat "$(t_v2dir "$1")/cgroup.procs" 2>/dev/null | wc -l; }
row() { printf '%s\n' "$OUT" | awk -v x="$1" '$1 == x'; }
# python3 reads the JSON; prints "ctx procs name" per context, sorted
json() {
	python3 -c 'import json, sys
d = json.load(sys.stdin)
assert isinstance(d, list)
for r in d:
    assert set(r) == {"ctx", "procs", "vsz", "rss", "user_usec", "system_usec", "uptime",
                      "disk_used", "disk_limit", "inodes_used", "inodes_limit", "name"}, r
    # (bare contexts have no root of their own: nothing counted; tests/quota.t
    # has guests whose filesystem counts)
    assert r["disk_used"] is None and r["inodes_used"] is None, r
    assert isinstance(r["procs"], int) and isinstance(r["rss"], int) and r["rss"] >= 0
    assert isinstance(r["user_usec"], int) and isinstance(r["system_usec"], int)
    assert r["vsz"] is None or isinstance(r["vsz"], int)
    print(r["ctx"], r["procs"], r["name"] or "-")'
}

rc_is "no context yet" 0 vserver-stat
is "header" "$(printf '%s\n' "$OUT" | head -n 1)" "CTX   PROC    VSZ    RSS  userTIME   sysTIME    UPTIME        DISK      INODES NAME"
is "one line: context 0" "$(printf '%s\n' "$OUT" | sed 1d | awk '{print $1}')" 0
like "context 0 is the root server" "$(row 0)" '^0 +[0-9]+ +- +[0-9.]+[KMG] .* - +- root server$'

# B burns about half a second of CPU, then sleeps
t_ctx_ab 'i=0; while [ $i -lt 150000 ]; do i=$((i + 1)); done; sleep 3002 &'
rc_is "with two contexts" 0 vserver-stat
is "lines: 0, A, B in order" "$(printf '%s\n' "$OUT" | sed 1d | awk '{print $1}' | tr '\n' ' ')" "0 $A $B "
is "A: its processes (init + 2)" "$(row $A | awk '{print $2}')" "$(nprocs $A)"
is "B: its processes (init + 1)" "$(row $B | awk '{print $2}')" "$(nprocs $B)"
like "A is named web" "$(row $A)" " web$"
# (VSZ is T under AddressSanitizer, whose shadow is reserved, not used)
like "sizes and times are formatted" "$(row $A)" "^$A +3 +[0-9.]+[KMGT] +[0-9.]+[KMG] +[0-9]+m[0-9]{2}s[0-9]{2} +[0-9]+m[0-9]{2}s[0-9]{2} +[0-9]+m[0-9]{2}s[0-9]{2} +- +- web\$"
run_rc vserver-stat --json
is "--json (exit 0)" "$RC" 0
J=$(printf '%s\n' "$OUT" | json)
is "--json parses: ctx, procs, name" "$(printf '%s\n' "$J" | sed 1d)" "$A 3 web
$B 2 -"
like "--json: context 0 first" "$(printf '%s\n' "$J" | head -n 1)" '^0 [1-9][0-9]* root server$'
CPU=$(printf '%s\n' "$OUT" | python3 -c 'import json, sys
print([r["user_usec"] + r["system_usec"] for r in json.load(sys.stdin) if r["ctx"] == '$B'][0])')
check "B's CPU time counts its busy loop ($CPU us)" [ "$CPU" -ge 50000 ]
UP=$(printf '%s\n' "$OUT" | python3 -c 'import json, sys
d = {r["ctx"]: r for r in json.load(sys.stdin)}
print(int(0 <= d['$A']["uptime"] < 60 and d[0]["uptime"] > d['$A']["uptime"]))')
is "A's uptime: since it started, less than the host's" "$UP" 1
check "--json parses with json.tool too" sh -c "vserver-stat --json | python3 -m json.tool >/dev/null"

# --- views -------------------------------------------------------------------------
run_rc chcontext --ctx $A vserver-stat
is "inside context A (exit 0)" "$RC" 0
is "inside: only A's line" "$(printf '%s\n' "$OUT" | sed 1d | awk '{print $1, $NF}')" "$A web"
like "inside: A's processes plus vserver-stat itself" "$(printf '%s\n' "$OUT" | sed 1d | awk '{print $2}')" '^[45]$'
run_rc chcontext --silent vserver-stat --json
X=$(printf '%s\n' "$OUT" | json | awk '{print $1}')
check "inside a new context: its own xid ($X)" [ -n "$X" ] && [ "$X" != 0 ] && [ "$X" != "$A" ] && [ "$X" != "$B" ]
run_rc chcontext --ctx 1 vserver-stat
is "as the spectator (exit 0)" "$RC" 0
is "the spectator sees the host's view" "$(printf '%s\n' "$OUT" | sed 1d | awk '{print $1}' | tr '\n' ' ')" "0 $A $B "

# --- a context that ends disappears -------------------------------------------------
vkill --xid $B --all -s KILL
is "after B is killed: 0 and A" "$(vserver-stat | sed 1d | awk '{print $1}' | tr '\n' ' ')" "0 $A "
rc_is "an argument" 2 vserver-stat foo
done_testing
