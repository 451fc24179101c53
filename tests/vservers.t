#!/bin/sh
# vservers.t - every guest at once: start the ONBOOT=yes ones (in parallel),
# status table, stop every running guest, bad configurations reported.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/guest-lib.sh"
on_cleanup 'vservers stop >/dev/null 2>&1'
mkimage "$T_TMP/img" "$T_TMP/guest.tgz"

# guests without addresses, whose rc starts only a sleeper
for g in b1 b2 b3; do
	vserver $g build -q --tar "$T_TMP/guest.tgz" || bail "build $g"
	printf '#!/bin/sh\nsleep 1000 &\n' >"$VSBOX_ROOTDIR/$g/etc/rc"
	printf 'S_HOSTNAME=%s\nS_FLAGS="lock"\nONBOOT=%s\n' $g "$([ $g = b3 ] && echo no || echo yes)" \
		>"$VSBOX_CONFDIR/$g.conf"
done

rc_is "vservers status with nothing running" 0 vservers status
like "status table lists b1 stopped" "$OUT" 'b1 +stopped'
rc_is "vservers start" 0 vservers start
rc_is "b1 (ONBOOT=yes) runs" 0 vserver b1 running
rc_is "b2 (ONBOOT=yes) runs" 0 vserver b2 running
rc_is "b3 (ONBOOT=no) does not" 1 vserver b3 running
rc_is "vservers start again: nothing to do" 0 vservers start
run_rc vservers status
# (init and its rc's daemon, and its spawner where Landlock ABI 6 scopes
# abstract sockets: lib/spawner.c)
NP=$((2 + $(ls "$VSBOX_RUNDIR"/ctx/*.sock 2>/dev/null | wc -l) / 2))
like "status: b1 running with processes" "$OUT" "b1 +running +[0-9]+ +$NP "
like "status: b3 stopped, ONBOOT no" "$OUT" 'b3 +stopped .* no'
# status --json: an object per guest, parsed by python3 (memory: the bytes
# charged where the guest's cgroup accounts memory, as on a pure cgroup-v2
# host with the memory controller enabled; null where it does not, as on a
# hybrid host without S_MEMORY)
MT=NoneType
ls "$(t_v2dir)"/*/memory.current >/dev/null 2>&1 && MT=int
J=$(vservers status --json | python3 -c 'import json, sys
for g in json.load(sys.stdin):
    print(" ".join(sorted(g)), g["name"], g["state"], type(g["ctx"]).__name__, g["procs"], type(g["memory"]).__name__, g["onboot"], g["addresses"])')
is "status --json: keys and values of each guest" "$J" \
"addresses ctx memory name onboot procs state b1 running int $NP $MT True []
addresses ctx memory name onboot procs state b2 running int $NP $MT True []
addresses ctx memory name onboot procs state b3 stopped NoneType None NoneType False []"
rc_is "--json before the command too" 0 vservers --json status
rc_is "--json is for status only" 2 vservers start --json
vserver b3 start -q
rc_is "vservers stop" 0 vservers stop
for g in b1 b2 b3; do rc_is "$g stopped" 1 vserver $g running; done
is "no context left" "$(ls "$VSBOX_RUNDIR/ctx" | wc -l)" 0
echo 'BOGUS=1' >>"$VSBOX_CONFDIR/b2.conf"
rc_is "vservers start with a bad config fails" 1 vservers start
like "and reports FILE:LINE" "$ERR" 'b2.conf:4: unknown key BOGUS'
rc_is "the good ONBOOT guest started anyway" 0 vserver b1 running
like "status shows badconf" "$(vservers status)" 'b2 +badconf'
is "  and in JSON: state badconf, onboot and addresses null" "$(vservers status --json | python3 -c 'import json, sys
print([(g["state"], g["onboot"], g["addresses"]) for g in json.load(sys.stdin) if g["name"] == "b2"])')" "[('badconf', None, None)]"
rc_is "vservers restart" 1 vservers restart
rc_is "b1 runs after restart" 0 vserver b1 running
rc_is "vservers stop" 0 vservers stop
rc_is "vservers bogus" 2 vservers bogus
done_testing
