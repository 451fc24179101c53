#!/bin/sh
# limits.t - vserver NAME limits on an ordinary busybox guest (no quota
# filesystem: tests/quota.t has those): the text and the --json object of
# a stopped guest (its NAME.conf) and a running one (its cgroups), parsed
# with python3's json - every documented key in order, numbers as numbers,
# null for what is unknown or unlimited - and limits set changing a running
# guest's cgroup and NAME.conf at once. No addresses.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/guest-lib.sh"
command -v python3 >/dev/null || bail "python3 is needed"
on_cleanup 'vserver l1 stop -q >/dev/null 2>&1'
mkimage "$T_TMP/img" "$T_TMP/guest.tgz"
vserver l1 build -q --tar "$T_TMP/guest.tgz" || bail "build l1"
{ echo "S_HOSTNAME=l1"; echo 'S_FLAGS="lock nproc sched fakeinit"'; echo 'INIT="/bin/sleep 1000"'
  echo "STOPSIG=KILL"; echo "STOP_TIMEOUT=0"; echo 'ULIMIT="-H -u 40"'; echo "S_MEMORY=48M"
  echo 'S_CPU="weight=200 max=50%"'; } >"$VSBOX_CONFDIR/l1.conf"

# jl: the object's keys in order, each value's JSON type, then the figures
jl() {
	python3 -c 'import json, sys
d = json.load(sys.stdin)
t = lambda v: "null" if v is None else "bool" if isinstance(v, bool) else "int" if isinstance(v, int) else type(v).__name__
keys = ["name", "running", "ctx", "memory", "pids", "cpu", "disk", "inodes", "fs", "quota"]
assert list(d) == keys, list(d)
for k in ("memory", "pids", "disk", "inodes"):
    assert list(d[k]) == ["used", "limit"], (k, list(d[k]))
assert list(d["cpu"]) == ["used_usec", "weight", "max_percent"], list(d["cpu"])
print(d["name"], t(d["running"]), d["running"], t(d["ctx"]),
      " ".join("%s=%s/%s" % (k, t(d[k]["used"]), d[k]["limit"]) for k in ("memory", "pids", "disk", "inodes")),
      "cpu=%s/%s/%s" % (t(d["cpu"]["used_usec"]), d["cpu"]["weight"], d["cpu"]["max_percent"]),
      t(d["fs"]), t(d["quota"]))'
}

run_rc vserver l1 limits --json
is "limits --json of a stopped guest (exit 0)" "$RC" 0
is "  its NAME.conf's limits: keys in order, null for unknown and unlimited" "$(printf '%s\n' "$OUT" | jl)" \
	"l1 bool False null memory=null/50331648 pids=null/40 disk=null/None inodes=null/None cpu=null/200/50 str null"
run_rc vserver l1 limits
like "limits (text) of a stopped guest" "$OUT" "^l1: stopped \(the limits of l1.conf\)"
like "  memory's limit" "$OUT" "memory +- +48\.0M +S_MEMORY"

rc_is "start l1" 0 vserver l1 start -q
X=$(vserver l1 status | sed -n 's/^  context: *\([0-9]*\).*/\1/p')
run_rc vserver l1 limits --json
is "limits --json of the running guest (exit 0)" "$RC" 0
is "  its cgroups' figures: numbers" "$(printf '%s\n' "$OUT" | jl)" \
	"l1 bool True int memory=int/50331648 pids=int/40 disk=null/None inodes=null/None cpu=int/200/50 str null"
is "  ctx is its context" "$(printf '%s\n' "$OUT" | python3 -c 'import json, sys; print(json.load(sys.stdin)["ctx"])')" "$X"
# (and its spawner, where Landlock ABI 6 scopes abstract sockets)
NSP=$(ls "$VSBOX_RUNDIR"/ctx/*.sock 2>/dev/null | wc -l)
is "  pids used: its one process$([ "$NSP" = 1 ] && echo ' and its spawner')" \
	"$(printf '%s\n' "$OUT" | python3 -c 'import json, sys; print(json.load(sys.stdin)["pids"]["used"])')" $((1 + NSP))
rc_is "limits set memory=64M pids=30 on the running guest" 0 vserver l1 limits -q set memory=64M pids=30
is "  --json shows the new limits" "$(vserver l1 limits --json | jl | cut -d' ' -f5-6)" "memory=int/67108864 pids=int/30"
like "  NAME.conf has them" "$(cat "$VSBOX_CONFDIR/l1.conf")" 'S_MEMORY="64M"'
rc_is "--json is no option of limits set" 2 vserver l1 limits set --json
rc_is "stop l1" 0 vserver l1 stop -q
done_testing
