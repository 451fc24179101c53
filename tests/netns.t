#!/bin/sh
# netns.t - NET=private guests (lib/netns.c, lib/nft.c). The test builds its
# own world and never touches the host's network: a "host" network namespace
# where vsbox runs (nsenter --net), with a bridge and an uplink veth, and an
# "outside" namespace on both acting as the LAN (10.201.0.0/16 and
# fd00:7673:201::/48). In it: two bridged guests with the same stock httpd
# config, one routed guest (proxy ARP / NDP on the uplink), the guests' own
# raw sockets and routes, spoofed addresses and MACs dropped, conf errors,
# and what stop, a kill -9 of the guest and a kill -9 of vsbox mid-start
# leave: nothing.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/guest-lib.sh"
. "$(dirname "$0")/netns-lib.sh"
musl-gcc -O2 -static -isystem "$T_TOP/build/obj/kinc" -o "$T_TMP/nft-tables" "$T_TOP/tests/nft-tables.c" ||
	bail "can't build tests/nft-tables.c"

netns_world "" 10.201.1.1/24
O ip addr add fd00:7673:201:1::1/64 dev vsnl1 nodad &&
H ip link add vsnu0 type veth peer name vsnu1 netns "$ON" &&
H ip addr add 10.201.2.254/24 dev vsnu0 && H ip addr add fd00:7673:201:2::fe/64 dev vsnu0 nodad &&
H ip link set vsnu0 up &&
O ip addr add 10.201.2.1/24 dev vsnu1 && O ip addr add fd00:7673:201:2::1/64 dev vsnu1 nodad &&
O ip link set vsnu1 up || bail "can't build the test's network"
# (the LAN's neighbour requests answered without the random proxy delay)
H sh -c 'echo 0 >/proc/sys/net/ipv4/neigh/vsnu0/proxy_delay; echo 0 >/proc/sys/net/ipv6/neigh/vsnu0/proxy_delay'

mkimage "$T_TMP/img" "$T_TMP/guest.tgz"
mkdir -p "$VSBOX_CONFDIR" "$VSBOX_ROOTDIR"
# guest NAME CONF-LINES...: a busybox guest whose rc runs httpd on :80
guest() {
	n=$1; shift
	H vserver "$n" build -q --tar "$T_TMP/guest.tgz" || bail "can't build $n"
	echo "<p>$n</p>" >"$VSBOX_ROOTDIR/$n/www/index.html"
	printf '%s\n' "S_HOSTNAME=$n" "$@" >"$VSBOX_CONFDIR/$n.conf"
	on_cleanup "H vserver $n stop -q >/dev/null 2>&1"
}
get() { O curl -s -m 3 -g "http://$1/"; }
# the outside's count of echo requests received (its own /proc/net/snmp)
inechos() { O awk '/^Icmp:/ { if (!k) { for (i = 2; i <= NF; i++) if ($i == "InEchos") k = i; next } print $k; exit }' /proc/net/snmp; }
tables() { H "$T_TMP/nft-tables" | grep -c " vsbox-" ; }

# ---- configuration errors: FILE:LINE, nothing started --------------------
guest b1 'IPROOT="10.201.1.11 fd00:7673:201:1::11"' NET=private BRIDGE=vsnbr 'NET_GATEWAY="10.201.1.1 fd00:7673:201:1::1"'
guest b2 'IPROOT="10.201.1.12 fd00:7673:201:1::12"' NET=private NET_MODE=bridge BRIDGE=vsnbr NET_MAC=02:00:00:00:02:02
cp "$VSBOX_CONFDIR/b1.conf" "$T_TMP/b1.good"
badconf() {  # badconf DESC LINE REGEX
	printf '# bad\nIPROOT=10.201.1.11\n%s\n' "$2" >"$VSBOX_CONFDIR/b1.conf"
	run_rc H vserver b1 start
	is "$1: exit 1" "$RC" 1
	like "$1: FILE:LINE" "$ERR" "^$VSBOX_CONFDIR/b1.conf:3: $3"
}
badconf "NET=bogus" "NET=bogus" "NET: 'bogus' is not shared or private"
badconf "NET_MODE=bogus" "NET_MODE=venet" "NET_MODE: 'venet' is not bridge or routed"
badconf "NET_MODE without NET=private" "NET_MODE=routed" "NET_MODE, .* need NET=private"
badconf "bridge mode without BRIDGE" "NET=private" "NET=private with NET_MODE=bridge needs BRIDGE"
badconf "a multicast NET_MAC" 'NET_MAC=01:00:5e:00:00:01' "NET_MAC: '01:00:5e:00:00:01' is not a unicast"
badconf "two IPv4 gateways" 'NET_GATEWAY="10.201.1.1 10.201.1.2"' "NET_GATEWAY: one IPv4 and one IPv6"
printf 'IPROOT=10.201.1.11\nNET=private\nBRIDGE=nosuchbr\n' >"$VSBOX_CONFDIR/b1.conf"
rc_is "a BRIDGE that does not exist" 1 H vserver b1 start
like "  is named" "$ERR" "BRIDGE nosuchbr: no such bridge"
is "  and nothing was made" "$(links)$(find "$VSBOX_RUNDIR/ctx" "$VSBOX_RUNDIR/net" -type f 2>/dev/null)" "lo vsnbr vsnl0 vsnu0 "
cp "$T_TMP/b1.good" "$VSBOX_CONFDIR/b1.conf"

# ---- bridge mode ------------------------------------------------------------
rc_is "start b1 (bridge)" 0 H vserver b1 start -q
rc_is "start b2 (bridge), the same httpd config" 0 H vserver b2 start -q
is "the outside client gets b1's page" "$(get 10.201.1.11)" "<p>b1</p>"
is "  and b2's" "$(get 10.201.1.12)" "<p>b2</p>"
is "  over IPv6 too" "$(get '[fd00:7673:201:1::11]') $(get '[fd00:7673:201:1::12]')" "<p>b1</p> <p>b2</p>"
run_rc H vserver b1 exec wget -q -O - http://10.201.1.12/
is "b1 reaches b2" "$OUT" "<p>b2</p>"
is "b1 sees lo and eth0 only" "$(H vserver b1 exec ip -o link | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | no_fb_tunnels | tr '\n' ' ')" "lo eth0 "
like "  with its addresses on eth0" "$(H vserver b1 exec ip -o addr show dev eth0 | tr '\n' ' ')" "inet 10.201.1.11/24 .*inet6 fd00:7673:201:1::11/64"
is "  so does its /sys/class/net" "$(H vserver b1 exec ls /sys/class/net | no_fb_tunnels | tr '\n' ' ')" "eth0 lo "
is "  and its /proc/net/dev lists no host device" "$(H vserver b1 exec cat /proc/net/dev | grep -c vsn)" 0
run_rc H vserver b1 status
like "status shows the private network" "$OUT" "network: +private, bridge, host end vs[0-9a-f]{12} on vsnbr"
like "  and the guest's interfaces with their addresses" "$(printf '%s\n' "$OUT" | grep eth0)" "^  eth0 +up 10.201.1.11/24 fd00:7673:201:1::11/64"
hostend() { H vserver "$1" status | sed -n 's/.* host end \(vs[0-9a-f]*\) .*/\1/p'; }
is "b1's MAC comes from its name, the host ends' are fe:..." \
	"$(H vserver b1 exec cat /sys/class/net/eth0/address | cut -c1-3)$(for g in b1 b2; do H ip -o link show dev "$(hostend $g)"; done | grep -c 'link/ether fe:')" "02:2"
is "b2's eth0 has its NET_MAC" "$(H vserver b2 exec cat /sys/class/net/eth0/address)" "02:00:00:00:02:02"
like "b1's default routes go through NET_GATEWAY" "$( (H vserver b1 exec ip route; H vserver b1 exec ip -6 route) | grep ^default | tr '\n' ' ')" "default via 10.201.1.1 dev eth0 .*default via fd00:7673:201:1::1 dev eth0"
is "one anti-spoofing table a guest" "$(tables)" 2

# the guest's own stack: raw sockets, routes, addresses, its own rules
before=$(inechos)
rc_is "ping from inside (a raw socket)" 0 H vserver b1 exec ping -c 3 -i 0.2 -W 2 -q 10.201.1.1
is "  the outside saw 3 echo requests" "$(($(inechos) - before))" 3
rc_is "guest root adds a route in its own namespace" 0 H vserver b1 exec ip route add 10.201.9.0/24 via 10.201.1.1
rc_is "  and brings its own lo down and up" 0 H vserver b1 exec sh -c 'ip link set lo down && ip link set lo up'
is "  the host's routes did not change" "$(H ip route | grep -c 10.201.9)" 0
run_rc H vserver b1 exec ip link set vsnbr down
check "but it can't change the host's network from inside" [ "$RC" -ne 0 ]
is "  (the bridge is up still)" "$(H ip -o link show vsnbr | grep -c ',UP')" 1

# its own firewall and packet capture: Debian's nft and tcpdump, the host's
# /usr bound read-only into b1 (NAME.fstab)
if command -v nft >/dev/null && command -v tcpdump >/dev/null; then
	H vserver b1 exec sh -c 'mkdir -p /usr && ln -s usr/lib /lib && ln -s usr/lib64 /lib64'
	echo "/usr /usr bind ro" >"$VSBOX_CONFDIR/b1.fstab"
	H vserver b1 restart -q
	rc_is "guest root loads its own nftables rules (drop tcp port 80)" 0 H vserver b1 exec /usr/sbin/nft \
		'add table inet fw; add chain inet fw in { type filter hook input priority 0; }; add rule inet fw in tcp dport 80 drop'
	is "  the outside client gets nothing from b1" "$(O curl -s -m 1 http://10.201.1.11/)" ""
	is "  b2 serves as before" "$(get 10.201.1.12)" "<p>b2</p>"
	is "  the host's ruleset has no such table" "$(H nft list tables | grep -c ' fw$')" 0
	rc_is "  b1 removes it" 0 H vserver b1 exec /usr/sbin/nft delete table inet fw
	is "  and serves again" "$(get 10.201.1.11)" "<p>b1</p>"
	H vserver b1 exec timeout 4 /usr/bin/tcpdump -Z root -n -l -i eth0 icmp >"$T_TMP/cap" 2>/dev/null &
	cap=$!
	track_pid $cap
	sleep 1.5
	H vserver b1 exec ping -c 2 -i 0.2 -W 1 -q 10.201.1.1 >/dev/null 2>&1
	H vserver b2 exec ping -c 2 -i 0.2 -W 1 -q 10.201.1.1 >/dev/null 2>&1
	wait $cap
	is "tcpdump in b1 sees its own echo requests" "$(grep -c '10.201.1.11 > 10.201.1.1: ICMP echo request' "$T_TMP/cap")" 2
	is "  and none of b2's" "$(grep -c '10.201.1.12' "$T_TMP/cap")" 0
	rm -f "$VSBOX_CONFDIR/b1.fstab"
else
	for i in 1 2 3 4 5 6 7 8; do skip "nft and tcpdump (build/deps.sh installs them) are needed"; done
fi

# neighbour discovery: b1 claims b2's IPv6 address, or to be a router (sent
# from b1's network namespace by the host's python3: what its root could do)
snmp6() { O awk -v k="$1" '$1 == k { print $2 }' /proc/net/snmp6; }
nd() { nsenter --net="/proc/$(sed -n 's/^pid=//p' "$VSBOX_RUNDIR/ctx/$(H vserver b1 status | sed -n 's/^  context: *\([0-9]*\).*/\1/p')")/ns/net" \
	python3 "$T_TOP/tests/data/ndsend.py" "$@"; }
M1=$(H vserver b1 exec cat /sys/class/net/eth0/address) M2=$(H vserver b2 exec cat /sys/class/net/eth0/address)
lladdr() { O ip -6 neigh show "$1" dev vsnl1 | grep -o 'lladdr [0-9a-f:]*' | cut -d' ' -f2; }
get '[fd00:7673:201:1::11]' >/dev/null; get '[fd00:7673:201:1::12]' >/dev/null
nd na eth0 fd00:7673:201:1::11 02:00:00:00:00:77
sleep 0.3
is "b1's advertisement of its own address reaches the LAN (made-up link address taken)" \
	"$(lladdr fd00:7673:201:1::11)" 02:00:00:00:00:77
nd na eth0 fd00:7673:201:1::11 "$M1"
nd na eth0 fd00:7673:201:1::12 "$M1"
sleep 0.3
is "  but not one claiming b2's: the LAN's entry for b2 keeps b2's MAC" "$(lladdr fd00:7673:201:1::12)" "$M2"
is "  b2 serves over IPv6 still" "$(get '[fd00:7673:201:1::12]')" "<p>b2</p>"
ra=$(snmp6 Icmp6InRouterAdvertisements)
nd ra eth0 "$M1"
sleep 0.3
is "a router advertisement from b1 reaches nobody" "$(($(snmp6 Icmp6InRouterAdvertisements) - ra))" 0

# spoofing: another address, another MAC: the LAN gets nothing
H vserver b1 exec ip addr add 10.201.1.99/24 dev eth0
before=$(inechos)
H vserver b1 exec timeout 2 ping -c 3 -i 0.2 -q -I 10.201.1.99 10.201.1.1 >/dev/null 2>&1
is "a spoofed source address reaches nothing outside" "$(($(inechos) - before))" 0
H vserver b1 exec ip addr del 10.201.1.99/24 dev eth0
H vserver b1 exec ip link set eth0 address 02:00:00:00:00:99
before=$(inechos)
H vserver b1 exec timeout 2 ping -c 3 -i 0.2 -q 10.201.1.1 >/dev/null 2>&1
is "nor a spoofed MAC" "$(($(inechos) - before))" 0
H vserver b1 exec ip link set eth0 address "$(H vserver b2 exec cat /sys/class/net/eth0/address)"
H vserver b1 exec timeout 2 ping -c 2 -i 0.2 -q 10.201.1.1 >/dev/null 2>&1
is "  nor b2's MAC" "$(($(inechos) - before))" 0
get 10.201.1.12 >/dev/null
is "b2 is unaffected" "$(get 10.201.1.12)" "<p>b2</p>"

# a stop leaves the veth to the namespace's teardown; one someone keeps
# (here a host process in it) keeps the host end, and the next start puts
# that aside and makes its own
he=$(hostend b1) ip1=$(t_init_pid H vserver b1)
nsenter --net="/proc/$ip1/ns/net" sleep 300 &
holder=$!
on_cleanup "kill $holder 2>/dev/null"
rc_is "stop b1 while a host process keeps its network namespace" 0 H vserver b1 stop -q
like "  its host end $he stays with that namespace" "$(links)" " $he "
rc_is "  start b1 again" 0 H vserver b1 start -q
is "  it serves" "$(get 10.201.1.11)" "<p>b1</p>"
like "  the old end was put aside, down" "$(H ip -o link | grep ': vz[0-9a-f]*@')" "^[0-9]+: vz[0-9a-f]{13}@.*state DOWN"
kill $holder
wait $holder 2>/dev/null
is "  and goes with its namespace" "$(links_settled "lo vsnbr vsnl0 vsnu0 $(hostend b1) $(hostend b2) " | tr ' ' '\n' | grep -c '^vz')" 0

rc_is "stop b1" 0 H vserver b1 stop -q
rc_is "stop b2" 0 H vserver b2 stop -q
is "no veth, table or run file is left" "$(links_settled "lo vsnbr vsnl0 vsnu0 ")$(tables)$(ls "$VSBOX_RUNDIR/net")" "lo vsnbr vsnl0 vsnu0 0"

# ---- routed mode (venet-like): proxy ARP / NDP on the uplink ------------------
H sh -c 'echo 1 >/proc/sys/net/ipv6/conf/all/forwarding'
guest r1 'IPROOT="10.201.2.21 fd00:7673:201:2::21"' NET=private NET_MODE=routed NET_UPLINK=vsnu0
rc_is "start r1 (routed)" 0 H vserver r1 start -q
is "the outside client gets r1's page through the uplink" "$(get 10.201.2.21)" "<p>r1</p>"
is "  over IPv6 too (proxy NDP)" "$(get '[fd00:7673:201:2::21]')" "<p>r1</p>"
is "  the bridge is not involved" "$(H ip -o link | grep vs[0-9a-f] | grep -c master)" 0
like "r1's addresses are host routes on eth0" "$(H vserver r1 exec ip -o addr show dev eth0 | tr '\n' ' ')" "inet 10.201.2.21/32 .*inet6 fd00:7673:201:2::21/128"
like "  its default route is the host end" "$(H vserver r1 exec ip route)" "default via 169.254.0.1 dev eth0"
rc_is "r1 pings the outside" 0 H vserver r1 exec ping -c 1 -W 2 -q 10.201.2.1
rc_is "  over IPv6 too" 0 H vserver r1 exec ping6 -c 1 -W 2 -q fd00:7673:201:2::1
H vserver r1 exec ip addr add 10.201.2.99/32 dev eth0
before=$(inechos)
H vserver r1 exec ping -c 3 -i 0.2 -W 1 -q -I 10.201.2.99 10.201.2.1 >/dev/null 2>&1
is "a routed guest's spoofed address reaches nothing" "$(($(inechos) - before))" 0

# a guest killed behind vsbox's back: the next start repairs what is left
kill -9 "$(sed -n 's/^pid=//p' "$VSBOX_RUNDIR"/ctx/*)"
i=0; while H ip -o link | grep -q 'vs[0-9a-f]\{12\}' && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
is "a killed guest's veth goes with its namespace, its table and proxy stay" "$(tables) $(H ip -6 neigh show proxy | grep -c 2::21)" "1 1"
rc_is "start r1 again" 0 H vserver r1 start -q
is "  it serves" "$(get 10.201.2.21)" "<p>r1</p>"
is "  with one table and one proxy entry" "$(tables) $(H ip -6 neigh show proxy | grep -c 2::21)" "1 1"
rc_is "stop r1" 0 H vserver r1 stop -q
is "nothing of r1 is left: veth, route, proxy entry, table, run file" \
	"$(links_settled "lo vsnbr vsnl0 vsnu0 ")$(H ip route | grep -c 2.21) $(H ip -6 route | grep -c 2::21) $(H ip -6 neigh show proxy | wc -l) $(tables)$(ls "$VSBOX_RUNDIR/net")" \
	"lo vsnbr vsnl0 vsnu0 0 0 0 0"

# ---- kill -9 of vsbox at every point of a start ------------------------------
left="" mid=0
for d in 0 3 6 9 12 16 24 35 50; do
	# (nsenter execs vserver: $! is vserver itself)
	nsenter --net="/run/netns/$HN" vserver r1 start -q >/dev/null 2>&1 &
	p=$!
	[ "$d" = 0 ] || sleep "$(printf "0.%03d" "$d")"
	kill -9 $p 2>/dev/null
	wait $p 2>/dev/null
	[ -e "$VSBOX_RUNDIR/net/r1" ] && mid=$((mid + 1))
	H vserver r1 stop -q >/dev/null 2>&1
	# a network namespace is torn down by a kernel worker after its last
	# process is gone: its veth end can outlive the stop by a moment
	i=0
	while s="$(links)$(tables)$(H ip -6 neigh show proxy | wc -l)$(ls "$VSBOX_RUNDIR/net")"
		[ "$s" != "lo vsnbr vsnl0 vsnu0 00" ] && [ $i -lt 50 ]; do
		sleep 0.1; i=$((i + 1))
	done
	[ "$s" = "lo vsnbr vsnl0 vsnu0 00" ] || left="$left [after ${d} ms: $s]"
done
is "a start killed at any point: the next stop leaves nothing" "$left" ""
diag "($mid of the 9 kills came while the network was being made or running)"
rc_is "  and the next start works" 0 H vserver r1 start -q
is "  and serves" "$(get 10.201.2.21)" "<p>r1</p>"
rc_is "stop r1" 0 H vserver r1 stop -q

done_testing
