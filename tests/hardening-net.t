#!/bin/sh
# hardening-net.t - a guest on the shared network stack (IPROOT) tries to
# use addresses that are not its own, to spoof its source, to open raw,
# packet and ping sockets, and to reach the host's loopback-only services;
# the host's root does the same as the control. Guests: n1 (IPROOT
# 127.0.0.7 on lo), n2 (IPROOT 127.0.0.9, started in a network namespace of
# our own where ping sockets are allowed for root). Ports 18610-18619.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/hardening-lib.sh"

S="python3 $T_TOP/tests/data/chbind-sock.py"
NS=vsbox-t-hnet-$$
GUESTS="n1 n2"
on_cleanup 'for g in $GUESTS; do vserver $g stop -q >/dev/null 2>&1; done; ip addr del 127.0.0.7/32 dev lo 2>/dev/null; ip netns del $NS 2>/dev/null'
wait_file() { i=0; while [ ! -e "$1" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done; [ -e "$1" ]; }
bg() { "$@" >/dev/null 2>&1 & track_pid $!; }

hguest n1 "IPROOT=127.0.0.7" "IPROOTDEV=lo"
rc_is "start n1 (IPROOT 127.0.0.7)" 0 vserver n1 start
if grep -q "can't be enforced" "$T_TMP/err"; then
	skip "the IP lock is not available here"; done_testing
fi

# ---- addresses and sources ------------------------------------------------------
PROBES="bind:127.0.0.8,18611 bind:127.0.0.1,18611 usend:127.0.0.8,18612,127.0.0.9
	usend:127.0.0.8,18612,127.0.0.1 raw raw6 packet"
H=$("$HPROBE" $PROBES)
IN=$(vserver n1 exec hprobe $PROBES)
one() { printf '%s\n' "$1" | sed -n "${2}p"; }
is "control: the host's root binds 127.0.0.8" "$(one "$H" 1)" bind=OK
is "n1: bind to 127.0.0.8 (not its address) refused" "$(one "$IN" 1)" bind=$EB
is "n1: bind to its own 127.0.0.7 works" "$(vserver n1 exec hprobe bind:127.0.0.7,18611)" bind=OK
is "n1: bind to 127.0.0.1 works (it becomes 127.0.0.7: see below)" "$(one "$IN" 2)" bind=OK
is "control: the host's root sends from 127.0.0.9 with IP_PKTINFO" "$(one "$H" 3)" usend=OK
is "n1: IP_PKTINFO source 127.0.0.9 refused" "$(one "$IN" 3)" usend=$EB
is "n1: IP_PKTINFO source 127.0.0.1 refused" "$(one "$IN" 4)" usend=$EB
is "n1: IP_PKTINFO with its own source works" "$(vserver n1 exec hprobe usend:127.0.0.8,18612,127.0.0.7)" usend=OK
if ip -6 addr show dev lo | grep -q 'inet6 ::1/'; then
	is "control: the host's root sends over IPv6 from ::1" "$("$HPROBE" usend:::1,18612,::1)" usend=OK
	is "n1 (IPv4 only): an IPv6 datagram from ::1 refused" "$(vserver n1 exec hprobe usend:::1,18612,::1)" usend=$EB
else
	skip "no ::1 on lo"; skip "no ::1 on lo"
fi
for r in raw raw6 packet; do
	is "control: the host's root opens a $r socket" "$(probe_of $r "$H")" OK
	is "n1: $r socket refused (no CAP_NET_RAW)" "$(probe_of $r "$IN")" EPERM
done

# ---- the host's loopback-only services ---------------------------------------------
rm -f "$T_TMP/r4" "$T_TMP/r6" "$T_TMP/rs"
bg $S serve 127.0.0.1 18613 LOCAL4 "$T_TMP/r4" 30
wait_file "$T_TMP/r4"
is "control: the host reaches its 127.0.0.1-only service" "$($S ask 127.0.0.1 18613)" "LOCAL4 127.0.0.1 local=127.0.0.1"
is "n1 can't: 127.0.0.1 is its own address" "$(vserver n1 exec hprobe connect:127.0.0.1,18613)" connect=ECONNREFUSED
is "n1 can't on 0.0.0.0 either" "$(vserver n1 exec hprobe connect:0.0.0.0,18613)" connect=ECONNREFUSED
if ip -6 addr show dev lo | grep -q 'inet6 ::1/'; then
	bg $S serve ::1 18615 LOCAL6 "$T_TMP/r6" 30
	wait_file "$T_TMP/r6"
	is "control: the host reaches its ::1-only service" "$($S ask ::1 18615)" "LOCAL6 ::1 local=::1"
	is "n1 can't (::1 is its private IPv6 loopback)" "$(vserver n1 exec hprobe connect:::1,18615)" connect=ECONNREFUSED
else
	skip "no ::1 on lo"; skip "no ::1 on lo"
fi
# the guest's own "127.0.0.1" service is on its address, for the host as for it
vserver n1 exec sh -c 'httpd -p 127.0.0.1:18614 -h /www'
echo "page of n1" >"$VSBOX_ROOTDIR/n1/www/index.html"
if command -v curl >/dev/null; then
	is "n1's httpd on 127.0.0.1 listens on 127.0.0.7" "$(curl -s --max-time 3 http://127.0.0.7:18614/)" "page of n1"
	is "  and not on the host's 127.0.0.1" "$(curl -s --max-time 3 http://127.0.0.1:18614/ || echo refused)" refused
	is "n1 reaches it through 127.0.0.1" "$(vserver n1 exec wget -q -O - http://127.0.0.1:18614/)" "page of n1"
else
	skip "no curl"; skip "no curl"; skip "no curl"
fi

# ---- ping sockets: in a network namespace where root may open them ------------------------
if ip netns add "$NS" 2>/dev/null; then
	N="nsenter --net=/run/netns/$NS"
	$N ip link set lo up
	# every group (a USERNS guest's root is a host gid of its own): the
	# kernel's own check lets the guest's root through to vsbox's
	echo "0 2147483647" | $N tee /proc/sys/net/ipv4/ping_group_range >/dev/null
	hguest n2 "IPROOT=127.0.0.9" "IPROOTDEV=lo"
	rc_is "start n2 in the netns (IPROOT 127.0.0.9)" 0 $N vserver n2 start
	is "control: there the host's root opens a ping socket" "$($N "$HPROBE" ping)" ping=OK
	is "n2: ping socket refused (its bind and sends pass beside the lock)" "$(vserver n2 exec hprobe ping)" ping=EPERM
	is "n2: bind to 127.0.0.8 refused there too" "$(vserver n2 exec hprobe bind:127.0.0.8,18611)" bind=$EB
	rc_is "stop n2" 0 vserver n2 stop -q
else
	for i in 1 2 3 4 5; do skip "no network namespaces"; done
fi

rc_is "stop n1" 0 vserver n1 stop -q
check "its alias is gone" sh -c '! ip -4 addr show dev lo | grep -q "inet 127.0.0.7/"'
done_testing
