#!/bin/sh
# chbind-lback6.t - the private IPv6 loopback of a tree locked by chbind
# alone (lib/lback6.c, "chbind's trees"): PREFIX::8000:0 + its cgroup's id
# on lo while the tree lives; ::1 and an IPV6_V6ONLY bind(::) land on it,
# other trees' and the host's ::1 stay out of reach, the address goes when
# the tree ends (CMD, or its daemons: the detached watcher; the sweep if that
# was killed). IPv4 127.0.1.64-65, ports 18760-18769; the prefix
# fd00:7673:1:c:PID-bits:0::/96 (its own).
. "$(dirname "$0")/lib.sh"
need_root
command -v gcc >/dev/null || bail "gcc is needed (for the static probe)"
ip -6 addr show dev lo | grep -q 'inet6 ::1/' || { skip "no IPv6 on lo"; done_testing; exit 0; }
gcc -static -O -o "$T_TMP/bin/hprobe" "$T_TOP/tests/data/hprobe.c" || bail "can't build tests/data/hprobe.c"

S="python3 $T_TOP/tests/data/chbind-sock.py"
P=fd00:7673:1:c:$(printf %x $(($$ & 0xffff))):0   # trees get $P:8XXX:XXXX
export VSBOX_LBACK6=$P::/96
# (a loaded machine can take seconds to start python: wait up to 30 s)
wait_file() { i=0; while [ ! -e "$1" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done; [ -e "$1" ]; }
bg() { "$@" >/dev/null 2>&1 & track_pid $!; }
ours() { ip -6 addr show dev lo | grep -oE "inet6 $P:8[0-9a-f]{3}:[0-9a-f]*" | sed 's/^inet6 //' | sort | tr '\n' ' '; }
# the address of the tree that serves READY-FILE (it writes it there)
addr_of() { cat "$1.addr" 2>/dev/null; }
V2=$(t_v2dir)
on_cleanup 'for a in $(ip -6 addr show dev lo | grep -oE "inet6 $P:8[0-9a-f]{3}:[0-9a-f]*" | sed "s/^inet6 //"); do ip -6 addr del $a/128 dev lo; done'
ip -4 route show table local | grep -q '^local 127.0.0.0/8 dev lo' || bail "127.0.0.0/8 is not local on lo"

is "no private loopback of ours before" "$(ours)" ""
R=$(chbind --ip 127.0.1.64 sh -c 'hprobe bindname:::1,18760; ip -6 addr show dev lo | grep -oE "inet6 [0-9a-f:]*:8[0-9a-f]{3}:[0-9a-f]*" | sed "s/^inet6 //"')
A=$(probe_v() { printf '%s\n' "$R" | sed -n 's/^bindname=//p'; }; probe_v)
like "bind(::1) lands on the tree's private loopback $P:8000:N" "$A" "^$P:8[0-9a-f]{3}:[0-9a-f]+\$"
like "  which is on lo while the tree runs" "$(printf '%s\n' "$R" | sed 1d)" "(^| )$A( |\$)"
is "  and gone when it has ended" "$(ours)" ""
is "IPV6_V6ONLY bind(::) lands on it too (IPv4-only tree)" \
	"$(chbind --ip 127.0.1.64 sh -c 'hprobe bindname:::1,18760; hprobe bindname:::,18760,v6only' | sort -u | wc -l)" 1
is "  a dual-stack bind(::) still gets ::ffff:127.0.1.64" "$(chbind --ip 127.0.1.64 hprobe bindname:::,18760)" "bindname=::ffff:127.0.1.64"

# --- two trees, one port, and the host ---------------------------------------------------
rm -f "$T_TMP/ra" "$T_TMP/rb" "$T_TMP/rh"
for t in a:127.0.1.64 b:127.0.1.65; do
	n=${t%%:*}
	bg chbind --ip "${t#*:}" sh -c "hprobe bindname:::1,18769 | sed 's/^bindname=//' >'$T_TMP/r$n.addr'; exec $S serve ::1 18761 T$n '$T_TMP/r$n' 300"
done
bg $S serve ::1 18762 HOST6 "$T_TMP/rh" 300
wait_file "$T_TMP/ra" && wait_file "$T_TMP/rb" && wait_file "$T_TMP/rh" || bail "the servers did not start"
A=$(addr_of "$T_TMP/ra") B=$(addr_of "$T_TMP/rb")
check "two trees, two private loopbacks ($A, $B)" [ -n "$A" -a -n "$B" -a "$A" != "$B" ]
like "both serve [::1]:18761: the host reaches the first on its address" "$($S ask "$A" 18761)" "^Ta "
like "  and the second on its own" "$($S ask "$B" 18761)" "^Tb "
rm -f "$T_TMP/rs"
self() {      # self ADDR PORT: a server of the tree on ADDR, asked by the tree
	chbind --ip 127.0.1.64 sh -c "rm -f '$T_TMP/rs'; $S serve $1 $2 SELF '$T_TMP/rs' 5 & i=0
		while [ ! -e '$T_TMP/rs' ] && [ \$i -lt 300 ]; do sleep 0.1; i=\$((i + 1)); done; $S ask $1 $2"
}
like "a tree's ::1 is its own: it reaches its own [::1] server, from its private address" \
	"$(self ::1 18766)" "^SELF ::1 local=$P:8[0-9a-f]{3}:[0-9a-f]+\$"
is "  which the server sees as ::1 (getpeername; stock access lists expect it)" "$(self ::1 18767 | cut -d' ' -f2)" ::1
is "IPv4 too: its 127.0.0.1 server sees the client at 127.0.0.1 (the client is at 127.0.1.64)" \
	"$(self 127.0.0.1 18768)" "SELF 127.0.0.1 local=127.0.1.64"
# apache2's "Listen 80": one dual-stack socket, bound to ::ffff:127.0.1.64
# in an IPv4-only tree; the tree's [::1] finds it when nothing is bound to
# its private loopback (a server there wins)
tree() { chbind --ip 127.0.1.64 sh -c "rm -f '$T_TMP/rs' '$T_TMP/rt'; $1
	i=0; while [ ! -e '$T_TMP/rs' ] && [ \$i -lt 300 ]; do sleep 0.1; i=\$((i + 1)); done; $2"; }
is "a dual-stack server on [::] is the tree's [::1] too" \
	"$(tree "$S serve :: 18771 DS '$T_TMP/rs' 5 &" "$S ask ::1 18771")" "DS ::ffff:127.0.0.1 local=::ffff:127.0.1.64"
is "  a server on its [::1] itself comes first" \
	"$(tree "$S serve :: 18772 DS '$T_TMP/rt' 5 & $S serve ::1 18772 LB '$T_TMP/rs' 5 &" "$S ask ::1 18772 | cut -d' ' -f1")" LB
is "  connected UDP too (a resolver's query to [::1]:53)" \
	"$(tree "$S userve :: 18773 '$T_TMP/rs' 5 &" "$S uask ::1 18773")" "::ffff:127.0.1.64 local=::ffff:127.0.1.64"
is "  an IPV6_V6ONLY client can't reach a v4-mapped address: ECONNREFUSED as before" \
	"$(tree "$S serve :: 18774 DS '$T_TMP/rs' 5 &" "$S ask ::1 18774 v6only")" "ERR ECONNREFUSED"
is "a tree can't reach another's private loopback ($EC)" "$(chbind --ip 127.0.1.65 hprobe connect:$A,18761)" "connect=$EC"
is "  nor bind it ($EB)" "$(chbind --ip 127.0.1.65 hprobe bindname:$A,18763)" "bindname=$EB"
is "  not even as --ip lo (other trees' loopbacks are no device address)" "$(chbind --ip lo hprobe bindname:$A,18763)" "bindname=$EB"
is "control: the host reaches its [::1] listener" "$($S ask ::1 18762)" "HOST6 ::1 local=::1"
is "a tree can't: ::1 is its own (ECONNREFUSED)" "$(chbind --ip 127.0.1.64 hprobe connect:::1,18762)" "connect=ECONNREFUSED"
is "  other IPv6 destinations are unreachable ($EN)" "$(chbind --ip 127.0.1.64 hprobe connect:fd00:7673:1::99,18762)" "connect=$EN"
N=$(chbind --ip 127.0.1.64 chbind --ip 127.0.1.64 hprobe bindname:::1,18764)
like "a nested tree shares the outer one's" "$N" "^bindname=$P:8[0-9a-f]{3}:"
C="ip -6 addr show dev lo | grep -cE 'inet6 $P:8[0-9a-f]{3}:'"
is "  (none added inside: the inner tree adds no address)" "$(chbind --ip 127.0.1.64 sh -c "a=\$($C); b=\$(chbind --ip 127.0.1.64 sh -c \"$C\"); echo \$((b - a))")" 0
for p in $T_PIDS; do kill "$p" 2>/dev/null; done; T_PIDS=""
# (the short-lived servers above end by themselves within seconds)
i=0; while [ $i -lt 150 ] && [ -n "$(ours)" ]; do sleep 0.1; i=$((i + 1)); done
is "the servers' trees ended: their addresses are gone" "$(ours)" ""

# --- daemons outlive chbind ---------------------------------------------------------------
chbind --ip 127.0.1.64 sh -c 'sleep 30 >/dev/null 2>&1 & echo $! >'"$T_TMP/daemon"
D=$(cat "$T_TMP/daemon"); track_pid "$D"
L=$(ours)
like "a daemon keeps the tree's address" "$L" "^$P:8[0-9a-f]{3}:[0-9a-f]+ \$"
W=$(for p in $(pgrep -x vsbox; pgrep -x chbind); do tr '\0' ' ' </proc/$p/cmdline | grep -q "echo \$! >$T_TMP/daemon" && echo $p; done)
check "  a detached chbind watches it" [ -n "$W" ]
kill "$D"
i=0; while [ $i -lt 50 ] && [ -n "$(ours)" ]; do sleep 0.1; i=$((i + 1)); done
is "  the daemon ended: the address is gone" "$(ours)" ""
i=0; while [ $i -lt 20 ] && kill -0 "$W" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
check "  and so are the watcher and the cgroup" sh -c "! kill -0 $W 2>/dev/null && ! ls -d '$V2'/chbind-* >/dev/null 2>&1"
chbind --ip 127.0.1.64 sh -c 'sleep 30 >/dev/null 2>&1 & echo $! >'"$T_TMP/daemon"
D=$(cat "$T_TMP/daemon"); track_pid "$D"
W=$(for p in $(pgrep -x vsbox; pgrep -x chbind); do tr '\0' ' ' </proc/$p/cmdline | grep -q "echo \$! >$T_TMP/daemon" && echo $p; done)
kill -9 $W; kill "$D"; sleep 0.3
like "a killed watcher leaves the address" "$(ours)" "^$P:8[0-9a-f]{3}:"
chbind --ip 127.0.1.64 true
is "  the next chbind's sweep removes it" "$(ours)" ""

# --- configuration --------------------------------------------------------------------------
is "VSBOX_LBACK6=none: bind(::1) gets ::ffff:127.0.1.64 as before" \
	"$(VSBOX_LBACK6=none chbind --ip 127.0.1.64 hprobe bindname:::1,18765)" "bindname=::ffff:127.0.1.64"
rc_is "a bad VSBOX_LBACK6 refuses" 1 env VSBOX_LBACK6=fd00::/120 chbind --ip 127.0.1.64 true
like "  naming it" "$ERR" "VSBOX_LBACK6 'fd00::/120': the prefix length must be 8 to 96"
check "  and leaves no cgroup" sh -c "! ls -d '$V2'/chbind-* >/dev/null 2>&1"
done_testing
