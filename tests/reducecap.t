#!/bin/sh
# reducecap.t - the capability ceiling: bounding set, setuid and file
# capabilities cannot regain what was dropped, non-root falls back to
# no_new_privs, names as in capability.h, option errors.
. "$(dirname "$0")/lib.sh"
need_root

chmod 755 "$T_TMP"
capeff() { grep '^CapEff' | awk '{print $2}'; }
capbnd() { grep '^CapBnd' | awk '{print $2}'; }
bit() { echo $(( 0x$1 >> $2 & 1 )); }
nobody() { setpriv --reuid 65534 --regid 65534 --clear-groups --inh-caps=-all "$@"; }
SECURE=$(reducecap --secure --show)
RAW='import socket, sys
try:
    socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
except PermissionError:
    sys.exit(1)'

like "--show prints a hex set" "$SECURE" '^[0-9a-f]{16}$'
is "--secure keeps exactly the documented set" "$SECURE" "$(printf '%016x' $(( (1<<0)|(1<<1)|(1<<3)|(1<<4)|(1<<5)|(1<<6)|(1<<7)|(1<<8)|(1<<10)|(1<<18)|(1<<29)|(1<<31) )))"
is "CapBnd under --secure" "$(reducecap --secure cat /proc/self/status | capbnd)" "$SECURE"
B=$(reducecap --cap CAP_NET_RAW cat /proc/self/status | capbnd)
is "--cap CAP_NET_RAW drops it" "$(bit "$B" 13)" 0
is "... and only it" "$(( 0x$B | (1 << 13) ))" "$(( 0x$(capbnd < /proc/self/status) ))"
is "--cap net_raw (lower case)" "$(bit "$(reducecap --cap net_raw cat /proc/self/status | capbnd)" 13)" 0
is "--cap NET_RAW (no prefix)" "$(bit "$(reducecap --cap NET_RAW cat /proc/self/status | capbnd)" 13)" 0
is "--secure --cap NET_RAW keeps it on top" "$(bit "$(reducecap --secure --cap NET_RAW cat /proc/self/status | capbnd)" 13)" 1

run_rc /usr/bin/python3 -c "$RAW"
is "control: root opens a raw socket" "$RC" 0
run_rc reducecap --cap NET_RAW /usr/bin/python3 -c "$RAW"
is "without CAP_NET_RAW root cannot" "$RC" 1

cp /bin/cat "$T_TMP/suidcat"; chmod 4755 "$T_TMP/suidcat"
cp /bin/cat "$T_TMP/fcapcat"; setcap cap_net_raw,cap_sys_admin+ep "$T_TMP/fcapcat"
HOST=$(nobody "$T_TMP/suidcat" /proc/self/status | capeff)
is "control: a setuid-root program gets CAP_SYS_ADMIN" "$(bit "$HOST" 21)" 1
IN=$(reducecap --secure setpriv --reuid 65534 --regid 65534 --clear-groups "$T_TMP/suidcat" /proc/self/status | capeff)
is "under --secure, setuid root gets only the secure set" "$IN" "$SECURE"
IN=$(reducecap --cap SYS_ADMIN setpriv --reuid 65534 --regid 65534 --clear-groups "$T_TMP/suidcat" /proc/self/status | capeff)
is "a dropped capability stays dropped through setuid root" "$(bit "$IN" 21)" 0
run_rc reducecap --cap SYS_ADMIN setpriv --reuid 65534 --regid 65534 --clear-groups "$T_TMP/fcapcat" /proc/self/status
IN=$(printf '%s\n' "$OUT" | capeff)
check "file capabilities cannot bring it back (exec refused or no CAP_SYS_ADMIN)" \
	[ "$RC" -ne 0 ] || [ "$(bit "$IN" 21)" = 0 ]
run_rc reducecap --secure reducecap --cap NET_ADMIN grep CapBnd /proc/self/status
is "nested reducecap can only lower" "$(printf '%s\n' "$OUT" | awk '{print $2}')" "$SECURE"

# an ordinary user cannot lower the bounding set: no_new_privs instead
run_rc nobody reducecap --secure sh -c "grep NoNewPrivs /proc/self/status; '$T_TMP/suidcat' /proc/self/status"
like "non-root: no_new_privs is set" "$OUT" 'NoNewPrivs:[[:space:]]+1'
is "non-root: a setuid-root program then gains nothing" "$(printf '%s\n' "$OUT" | capeff)" 0000000000000000

rc_is "unknown capability" 2 reducecap --cap CAP_BOGUS true
like "names it" "$ERR" "^reducecap: --cap: unknown capability 'CAP_BOGUS'"
rc_is "no command" 2 reducecap --secure
rc_is "missing command is a failure" 1 reducecap --secure /no/such/cmd
like "says what could not run" "$ERR" '^reducecap: can.t execute /no/such/cmd'
done_testing
