#!/bin/sh
# chbind.t - the IP lock with real sockets: IPv4 on 127.0.0.20-29 (ports
# 18000-18999 only), IPv6 in a network namespace of our own; binds, wildcard
# and loopback rewrites, sources of connects and datagrams, PKTINFO spoofing,
# devices, nesting, the two known gaps (listen without bind, UDP autobind),
# raw and ping sockets, cgroup cleanup, composition with chcontext and reducecap.
. "$(dirname "$0")/lib.sh"
need_root

S="python3 $T_TOP/tests/data/chbind-sock.py"
NS=vsbox-t-chbind-$$
V2=$(t_v2dir)
on_cleanup "ip netns del $NS 2>/dev/null"

# wait for a server's ready file (up to 5 s)
wait_file() { i=0; while [ ! -e "$1" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done; [ -e "$1" ]; }
chbind_dirs() { ls -d "$V2"/chbind-* 2>/dev/null | tr '\n' ' '; }
bg() { "$@" >/dev/null 2>&1 & track_pid $!; }

# 127.0.0.0/8 is all local on lo: nothing to add
ip -4 route show table local | grep -q '^local 127.0.0.0/8 dev lo' || bail "127.0.0.0/8 is not local on lo"

# --- usage ---------------------------------------------------------------------
rc_is "no --ip" 2 chbind true
like "  says so" "$ERR" '^chbind: no address'
rc_is "no command" 2 chbind --ip 127.0.0.20
rc_is "a bad address" 2 chbind --ip 127.0.0.300 true
like "  names it" "$ERR" "127.0.0.300.: neither an IPv4/IPv6 address nor a network device"
rc_is "the wildcard is no address" 2 chbind --ip 0.0.0.0 true
rc_is "--lback without an address of its family" 2 chbind --ip 127.0.0.20 --lback ::1 true
rc_is "an address not on this host" 1 chbind --ip 10.255.255.254 true
like "  says so" "$ERR" 'not assigned to any interface'
run_rc setpriv --reuid 65534 --regid 65534 --clear-groups chbind --ip 127.0.0.20 true
is "not root (exit 1)" "$RC" 1
like "  names what is missing" "$ERR" 'not permitted.*CAP_SYS_ADMIN'

# --- binds ---------------------------------------------------------------------
is "bind 0.0.0.0 becomes the first address" "$(chbind --ip 127.0.0.20 $S bind tcp 0.0.0.0 18001)" 127.0.0.20
is "bind to an own address works" "$(chbind --ip 127.0.0.20 $S bind tcp 127.0.0.20 18001)" 127.0.0.20
is "bind to another address: $EB" "$(chbind --ip 127.0.0.20 $S bind tcp 127.0.0.21 18001)" "ERR $EB"
is "UDP bind to another address: $EB" "$(chbind --ip 127.0.0.20 $S bind udp 127.0.0.22 18001)" "ERR $EB"
is "bind 127.0.0.1 goes to the tree's loopback (default: first)" "$(chbind --ip 127.0.0.20 $S bind tcp 127.0.0.1 18001)" 127.0.0.20
is "  --lback 127.0.0.29" "$(chbind --ip 127.0.0.20 --lback 127.0.0.29 $S bind tcp 127.0.0.1 18001)" 127.0.0.29
is "  the --lback address is the tree's" "$(chbind --ip 127.0.0.20 --lback 127.0.0.29 $S bind udp 127.0.0.29 18001)" 127.0.0.29
is "several --ip: the second binds" "$(chbind --ip 127.0.0.20 --ip 127.0.0.21 $S bind tcp 127.0.0.21 18001)" 127.0.0.21
is "  0.0.0.0 gets the first" "$(chbind --ip 127.0.0.20 --ip 127.0.0.21 $S bind tcp 0.0.0.0 18001)" 127.0.0.20
is "  a third: $EB" "$(chbind --ip 127.0.0.20 --ip 127.0.0.21 $S bind tcp 127.0.0.22 18001)" "ERR $EB"
is "IPv4 only: bind(::) gets ::ffff:FIRST" "$(chbind --ip 127.0.0.20 $S bind tcp :: 18001)" ::ffff:127.0.0.20
is "  --no-v4mapped, no private IPv6 loopback: bind(::) refused" "$(VSBOX_LBACK6=none chbind --ip 127.0.0.20 --no-v4mapped $S bind tcp :: 18001)" "ERR $EB"
like "  --no-v4mapped: bind(::) gets the private IPv6 loopback" "$(chbind --ip 127.0.0.20 --no-v4mapped $S bind tcp :: 18001)" "^${VSBOX_LBACK6%%::/*}:8[0-9a-f]{3}:[0-9a-f]+$"
is "  no private IPv6 loopback: bind(::1) gets ::ffff:LBACK" "$(VSBOX_LBACK6=none chbind --ip 127.0.0.20 $S bind tcp ::1 18001)" ::ffff:127.0.0.20
like "  bind(::1) gets the private IPv6 loopback (chbind-lback6.t)" "$(chbind --ip 127.0.0.20 $S bind tcp ::1 18001)" "^${VSBOX_LBACK6%%::/*}:8[0-9a-f]{3}:[0-9a-f]+$"
is "  ::ffff:OTHER refused" "$(chbind --ip 127.0.0.20 $S bind tcp ::ffff:127.0.0.21 18001)" "ERR $EB"
is "a device means its addresses (lo: 127.0.0.1)" "$(chbind --ip lo $S bind tcp 0.0.0.0 18001)" 127.0.0.1
is "  and nothing else" "$(chbind --ip lo $S bind tcp 127.0.0.20 18001)" "ERR $EB"
is "exit status is CMD's" "$(chbind --ip 127.0.0.20 sh -c 'exit 7'; echo $?)" 7

# --- two trees, one port ----------------------------------------------------------
rm -f "$T_TMP/ra" "$T_TMP/rb"
bg chbind --ip 127.0.0.20 $S serve 0.0.0.0 18080 A "$T_TMP/ra" 20
bg chbind --ip 127.0.0.21 $S serve 0.0.0.0 18080 B "$T_TMP/rb" 20
wait_file "$T_TMP/ra" && wait_file "$T_TMP/rb"
check "two trees both serve 0.0.0.0:18080" [ -e "$T_TMP/ra" ] && [ -e "$T_TMP/rb" ]
like "a host client on 127.0.0.20:18080 reaches tree A" "$($S ask 127.0.0.20 18080)" '^A 127\.'
like "a host client on 127.0.0.21:18080 reaches tree B" "$($S ask 127.0.0.21 18080)" '^B 127\.'
is "a host client on 127.0.0.1:18080 reaches neither" "$($S ask 127.0.0.1 18080)" "ERR ECONNREFUSED"

# --- outgoing ------------------------------------------------------------------------
rm -f "$T_TMP/rh" "$T_TMP/ru" "$T_TMP/rl"
bg $S serve 127.0.0.22 18100 HOST "$T_TMP/rh" $((300 * T_SLOW))
bg $S userve 127.0.0.22 18101 "$T_TMP/ru" $((300 * T_SLOW))
bg $S serve 127.0.0.1 18102 LOCALONLY "$T_TMP/rl" $((300 * T_SLOW))
wait_file "$T_TMP/rh" && wait_file "$T_TMP/ru" && wait_file "$T_TMP/rl"
is "TCP connect leaves from the tree's address" "$(chbind --ip 127.0.0.20 $S ask 127.0.0.22 18100)" "HOST 127.0.0.20 local=127.0.0.20"
is "  with several, from the first" "$(chbind --ip 127.0.0.21 --ip 127.0.0.20 $S ask 127.0.0.22 18100)" "HOST 127.0.0.21 local=127.0.0.21"
is "UDP sendto leaves from the tree's address" "$(chbind --ip 127.0.0.20 $S usend 127.0.0.22 18101)" 127.0.0.20
is "IP_PKTINFO with another local source: $EB" "$(chbind --ip 127.0.0.20 $S usend 127.0.0.22 18101 127.0.0.23)" "ERR $EB"
is "IP_PKTINFO with the tree's own address works" "$(chbind --ip 127.0.0.20 $S usend 127.0.0.22 18101 127.0.0.20)" 127.0.0.20
is "control: the host reaches its 127.0.0.1-only service" "$($S ask 127.0.0.1 18102)" "LOCALONLY 127.0.0.1 local=127.0.0.1"
is "the tree can't: 127.0.0.1 is its own loopback" "$(chbind --ip 127.0.0.20 $S ask 127.0.0.1 18102)" "ERR ECONNREFUSED"
is "the tree reaches its own server through 127.0.0.1 (which sees 127.0.0.1: getpeername)" \
	"$(chbind --ip 127.0.0.20 sh -c "$S serve 127.0.0.1 18103 SELF $T_TMP/rs 5 & while [ ! -e $T_TMP/rs ]; do sleep 0.1; done; $S ask 127.0.0.1 18103")" \
	"SELF 127.0.0.1 local=127.0.0.20"

# --- nesting ---------------------------------------------------------------------------
is "nested: narrowing to the second address" "$(chbind --ip 127.0.0.20 --ip 127.0.0.21 chbind --ip 127.0.0.21 $S bind tcp 0.0.0.0 18001)" 127.0.0.21
run_rc chbind --ip 127.0.0.20 chbind --ip 127.0.0.22 true
is "nested: widening refused (exit 1)" "$RC" 1
like "  says why" "$ERR" '127.0.0.22: not one of this tree.s addresses'
run_rc chbind --ip 127.0.0.20 chbind --ip 127.0.0.20 --lback 127.0.0.29 true
is "nested: a new --lback outside the tree refused" "$RC" 1
is "nested: the outer lock still refuses what the inner allows" \
	"$(chbind --ip 127.0.0.20 chbind --ip 127.0.0.20 $S bind tcp 127.0.0.21 18001)" "ERR $EB"
like "nested: connects leave from the inner address" \
	"$(chbind --ip 127.0.0.20 --ip 127.0.0.21 chbind --ip 127.0.0.21 $S ask 127.0.0.22 18100)" "^HOST 127.0.0.21 "

# --- the known gaps: sockets on 0.0.0.0:PORT without a bind() ----------------------------
rm -f "$T_TMP/l0" "$T_TMP/u0" "$T_TMP/ulog"
bg chbind --ip 127.0.0.20 $S listen0 "$T_TMP/l0"
wait_file "$T_TMP/l0"
P=$(cut -d' ' -f2 "$T_TMP/l0")
is "gap: listen() without bind() sits on 0.0.0.0 (no hook runs)" "$(cut -d' ' -f1 "$T_TMP/l0")" 0.0.0.0
like "  it is reached on the tree's address" "$($S ask 127.0.0.20 "$P")" '^listen0 127\.'
is "  closed: not on another address (the ingress filter drops it)" "$($S ask 127.0.0.1 "$P")" "ERR TimeoutError"
rm -f "$T_TMP/l1"
bg chbind --ip 127.0.0.20 --no-ingress $S listen0 "$T_TMP/l1"
wait_file "$T_TMP/l1"
P1=$(cut -d' ' -f2 "$T_TMP/l1")
like "  open with --no-ingress: reached on 127.0.0.1" "$($S ask 127.0.0.1 "$P1")" '^listen0 127\.0\.0\.1'
bg chbind --ip 127.0.0.20 $S uauto "$T_TMP/u0" 127.0.0.22 18101 "$T_TMP/ulog"
wait_file "$T_TMP/u0"
UP=$(cut -d' ' -f2 "$T_TMP/u0")
is "gap: a UDP socket bound by its first sendto sits on 0.0.0.0" "$(cut -d' ' -f1 "$T_TMP/u0")" 0.0.0.0
$S udpto 127.0.0.1 "$UP" to-loopback >/dev/null
$S udpto 127.0.0.20 "$UP" to-mine >/dev/null
i=0; while [ $i -lt $((50 * T_SLOW)) ] && ! { grep -q '127.0.0.20 127.0.0.22' "$T_TMP/ulog" &&
	grep -q '^to-mine ' "$T_TMP/ulog"; } 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
sleep 0.5
like "  the reply to its own address arrives" "$(cat "$T_TMP/ulog")" '127.0.0.20 127.0.0.22'
like "  a datagram to its address arrives" "$(cat "$T_TMP/ulog")" '^to-mine '
check "  closed: one to 127.0.0.1 is dropped" sh -c "! grep -q to-loopback '$T_TMP/ulog'"
rm -f "$T_TMP/u1" "$T_TMP/ulog1"
bg chbind --ip 127.0.0.20 --no-ingress $S uauto "$T_TMP/u1" 127.0.0.22 18101 "$T_TMP/ulog1"
wait_file "$T_TMP/u1"
$S udpto 127.0.0.1 "$(cut -d' ' -f2 "$T_TMP/u1")" to-loopback >/dev/null
sleep 0.5
like "  open with --no-ingress: one to 127.0.0.1 arrives" "$(cat "$T_TMP/ulog1" 2>/dev/null)" '^to-loopback '

# --- raw sockets, cgroups ---------------------------------------------------------------
bnd() { grep CapBnd /proc/self/status | awk '{print $2}'; }
B=$(chbind --ip 127.0.0.20 grep CapBnd /proc/self/status | awk '{print $2}')
check "CAP_NET_RAW is dropped" [ $(( 0x$B >> 13 & 1 )) -eq 0 ]
B=$(chbind --ip 127.0.0.20 --keep-raw grep CapBnd /proc/self/status | awk '{print $2}')
check "  --keep-raw keeps it" [ $(( 0x$B >> 13 & 1 )) -eq 1 ]
like "CMD runs in a cgroup of its own" "$(chbind --ip 127.0.0.20 cat /proc/self/cgroup | grep '^0::')" "/$VSBOX_CGROUP_BASE/chbind-[0-9]+\$"
for p in $T_PIDS; do kill "$p" 2>/dev/null; done; sleep 0.5
is "no cgroup is left once the trees have ended" "$(chbind_dirs)" ""
chbind --ip 127.0.0.20 sh -c 'sleep 30 >/dev/null 2>&1 & echo $! >'"$T_TMP/daemon"
D=$(cat "$T_TMP/daemon"); track_pid "$D"
like "a daemon keeps its tree's cgroup" "$(chbind_dirs)" 'chbind-'
kill "$D"; sleep 0.3
chbind --ip 127.0.0.20 true
is "  the next chbind removes it once the daemon is gone" "$(chbind_dirs)" ""

# --- composition -----------------------------------------------------------------------
is "chbind then chcontext and reducecap --secure" \
	"$(chbind --ip 127.0.0.20 chcontext --silent reducecap --secure $S bind tcp 0.0.0.0 18001)" 127.0.0.20
bg chbind --ip 127.0.0.20 chcontext --silent sleep 3
i=0; while [ $i -lt 30 ] && ! ls -d "$V2"/chbind-*/"$VSBOX_CGROUP_BASE"/[0-9]* >/dev/null 2>&1; do sleep 0.1; i=$((i + 1)); done
like "  the context's cgroup nests under the tree's" "$(ls -d "$V2"/chbind-*/"$VSBOX_CGROUP_BASE"/[0-9]* 2>/dev/null)" "/chbind-[0-9]+/$VSBOX_CGROUP_BASE/[0-9]+\$"
is "  the ancestor's lock applies inside the context" \
	"$(chbind --ip 127.0.0.20 chcontext --silent $S bind tcp 127.0.0.21 18001)" "ERR $EB"
is "chcontext then chbind, reducecap --secure" \
	"$(chcontext --silent chbind --ip 127.0.0.20 reducecap --secure $S bind tcp 0.0.0.0 18001)" 127.0.0.20
is "  refuses other addresses" "$(chcontext --silent chbind --ip 127.0.0.20 $S bind tcp 127.0.0.21 18001)" "ERR $EB"
rm -f "$T_TMP/rc"
bg $S serve 127.0.0.22 18104 HOST "$T_TMP/rc" $((300 * T_SLOW))
wait_file "$T_TMP/rc"
is "  connects leave from it" "$(chcontext --silent --secure chbind --ip 127.0.0.20 $S ask 127.0.0.22 18104)" "HOST 127.0.0.20 local=127.0.0.20"
B=$(chcontext --silent --cap NET_RAW chbind --ip 127.0.0.20 grep CapBnd /proc/self/status | awk '{print $2}')
check "  CAP_NET_RAW goes (chcontext --cap NET_RAW without --keep-raw)" [ $(( 0x${B:-2000} >> 13 & 1 )) -eq 0 ]
B=$(chcontext --silent --cap NET_RAW chbind --ip 127.0.0.20 --keep-raw grep CapBnd /proc/self/status | awk '{print $2}')
check "  and stays with --keep-raw" [ $(( 0x${B:-0} >> 13 & 1 )) -eq 1 ]
run_rc chcontext --silent chbind --ip 127.0.0.20 chbind --ip 127.0.0.20 true
is "  a chbind inside the context can't load BPF (exit 1)" "$RC" 1
like "  and says so" "$ERR" 'not permitted'

# --- one set of programs, shared by every lock -----------------------------------------
# the ids of the programs on a tree's own cgroup (seen from inside it)
progs() {
	chbind "$@" sh -c 'python3 "$1" "$2$(sed -n "s/^0:://p" /proc/self/cgroup)" device bind4 bind6 connect4 connect6 sendmsg4 sendmsg6 sock_create ingress getpeer4 getpeer6' \
		sh "$T_TOP/tests/data/bpf-progs.py" "${V2%/"$VSBOX_CGROUP_BASE"}"
}
P1=$(progs --ip 127.0.0.20)
P2=$(progs --ip 127.0.0.21 --ip 127.0.0.22 --lback 127.0.0.22)
is "a tree's cgroup carries one program per hook, no device program" \
	"$(printf '%s\n' "$P1" | awk '$1 == "device" ? NF != 1 : NF != 2' | wc -l)" 0
is "two trees with other addresses carry the very same programs" "$P2" "$P1"
B=$(python3 "$T_TOP/tests/data/bpf-progs.py" "$V2" bind4 bind6 connect4 connect6 sendmsg4 sendmsg6 sock_create ingress getpeer4 getpeer6)
is "they are the ones attached to the base (loaded once)" \
	"$(printf '%s\n' "$P1" | while read -r h id; do [ -z "$id" ] || printf '%s\n' "$B" | grep -qw "^$h.* $id" || echo "$h $id"; done)" ""
is "  --keep-raw, --no-ingress: no socket filter, no ingress one" \
	"$(progs --ip 127.0.0.20 --keep-raw --no-ingress | awk '$1 == "sock_create" || $1 == "ingress" { print NF }' | tr '\n' ' ')" "1 1 "

# --- no cgroup2 ---------------------------------------------------------------------------
run_rc unshare -m sh -c "umount -l '$(dirname "$V2")' 2>/dev/null; grep -q cgroup2 /proc/self/mountinfo && exit 9; chbind --ip 127.0.0.20 true"
is "without a cgroup2 mount: exit 1" "$RC" 1
like "  the error names cgroup2" "$ERR" 'no cgroup2 hierarchy is mounted'

# --- IPv6, in a network namespace of our own --------------------------------------------
if ip netns add "$NS" 2>/dev/null; then
	ip -n "$NS" link set lo up
	ip -n "$NS" addr add fd00::20/128 dev lo nodad
	ip -n "$NS" addr add fd00::21/128 dev lo nodad
	ip -n "$NS" link add vsbox-t-d0 type veth peer name vsbox-t-d1
	ip -n "$NS" addr add fd00::28/128 dev vsbox-t-d0 nodad
	ip -n "$NS" addr add 127.0.0.28/32 dev vsbox-t-d0
	ip -n "$NS" link set vsbox-t-d0 up
	N="nsenter --net=/run/netns/$NS"
	is "a high last octet matches (32-bit compares; in the netns)" "$($N chbind --ip 127.0.0.200 $S bind tcp 127.0.0.200 18001)" 127.0.0.200
	is "v6: bind(::) becomes the first address" "$($N chbind --ip fd00::20 $S bind tcp :: 18001)" fd00::20
	is "v6: bind to an own address" "$($N chbind --ip fd00::20 $S bind udp fd00::20 18001)" fd00::20
	is "v6: bind to another: $EB" "$($N chbind --ip fd00::20 $S bind tcp fd00::21 18001)" "ERR $EB"
	is "v6: bind(::1) goes to the tree's loopback" "$($N env VSBOX_LBACK6=none chbind --ip fd00::20 $S bind tcp ::1 18001)" fd00::20
	like "  (its private IPv6 loopback by default)" "$($N chbind --ip fd00::20 $S bind tcp ::1 18001)" "^${VSBOX_LBACK6%%::/*}:8[0-9a-f]{3}:[0-9a-f]+$"
	is "  --lback ADDR6: that one" "$($N chbind --ip fd00::20 --ip fd00::21 --lback fd00::21 $S bind tcp ::1 18001)" fd00::21
	is "v6 only: IPv4 binds refused" "$($N chbind --ip fd00::20 $S bind tcp 0.0.0.0 18001)" "ERR $EB"
	is "dual: bind(::) gets the IPv6 address" "$($N chbind --ip 127.0.0.20 --ip fd00::21 $S bind tcp :: 18001)" fd00::21
	is "dual: bind(0.0.0.0) gets the IPv4 one" "$($N chbind --ip 127.0.0.20 --ip fd00::21 $S bind tcp 0.0.0.0 18001)" 127.0.0.20
	is "v6: a device means its addresses" "$($N chbind --ip vsbox-t-d0 sh -c "$S bind tcp :: 18001; $S bind tcp 0.0.0.0 18001; $S bind tcp fd00::20 18001")" \
		"$(printf 'fd00::28\n127.0.0.28\nERR %s' "$EB")"
	ip -n "$NS" addr add 127.0.0.29/32 dev vsbox-t-d0 label vsbox-t-d0:a
	is "  an alias with a label of its own is not the device's (as getifaddrs has it)" \
		"$($N chbind --ip vsbox-t-d0 sh -c "$S bind tcp 127.0.0.28 18001; $S bind tcp 127.0.0.29 18001")" \
		"$(printf '127.0.0.28\nERR %s' "$EB")"
	rm -f "$T_TMP/r6a" "$T_TMP/r6b" "$T_TMP/r6h" "$T_TMP/r6u"
	bg $N chbind --ip fd00::20 $S serve :: 18080 A6 "$T_TMP/r6a" 20
	bg $N chbind --ip fd00::21 $S serve :: 18080 B6 "$T_TMP/r6b" 20
	wait_file "$T_TMP/r6a" && wait_file "$T_TMP/r6b"
	like "v6: two trees on [::]:18080, the client reaches the first" "$($N $S ask fd00::20 18080)" '^A6 '
	like "v6:   and the second" "$($N $S ask fd00::21 18080)" '^B6 '
	bg $N $S serve fd00::21 18100 HOST6 "$T_TMP/r6h" $((300 * T_SLOW))
	bg $N $S userve fd00::21 18101 "$T_TMP/r6u" $((300 * T_SLOW))
	wait_file "$T_TMP/r6h" && wait_file "$T_TMP/r6u"
	is "v6: TCP connect leaves from the tree's address" "$($N chbind --ip fd00::20 $S ask fd00::21 18100)" "HOST6 fd00::20 local=fd00::20"
	is "v6: UDP sendto leaves from the tree's address" "$($N chbind --ip fd00::20 $S usend fd00::21 18101)" fd00::20
	is "v6: IPV6_PKTINFO with another local source: $EB" "$($N chbind --ip fd00::20 $S usend fd00::21 18101 fd00::21)" "ERR $EB"
	is "v6: IPV6_PKTINFO with its own address works" "$($N chbind --ip fd00::20 $S usend fd00::21 18101 fd00::20)" fd00::20
	is "v6: connect to ::1 goes to the tree's loopback" "$($N chbind --ip fd00::20 --lback fd00::21 $S ask ::1 18100)" "HOST6 fd00::21 local=fd00::21"
	is "v6 nested: narrowing" "$($N chbind --ip fd00::20 --ip fd00::21 chbind --ip fd00::21 $S bind tcp :: 18001)" fd00::21
	run_rc $N chbind --ip fd00::20 chbind --ip fd00::21 true
	is "v6 nested: widening refused (exit 1)" "$RC" 1
	# ICMP ping sockets (allowed for root in this netns only): their bind
	# and datagrams pass beside the hooks, so the lock refuses them
	echo "0 0" | $N tee /proc/sys/net/ipv4/ping_group_range >/dev/null
	is "control: a ping socket binds any local address (in the netns)" "$($N $S ping 127.0.0.28)" 127.0.0.28
	is "a locked tree may not create a ping socket" "$($N chbind --ip 127.0.0.20 $S ping 127.0.0.28)" "ERR EPERM"
	is "  with --keep-raw it may (and bypasses the lock)" "$($N chbind --ip 127.0.0.20 --keep-raw $S ping 127.0.0.28)" 127.0.0.28
else
	for i in $(seq 23); do skip "no network namespaces"; done
fi
done_testing
