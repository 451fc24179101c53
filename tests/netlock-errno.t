#!/bin/sh
# netlock-errno.t - what a refusal of the IP lock returns (the errno a real
# host gives, Linux 5.18+) and says with VSBOX_TRACE=1 (the kernel's trace
# buffer). Addresses 127.0.1.40-49 and, in a network namespace of our own,
# fd00:7673:1::40-49; ports 18740-18749.
. "$(dirname "$0")/lib.sh"
need_root

S="python3 $T_TOP/tests/data/chbind-sock.py"
NS=vsbox-t-errno-$$
on_cleanup "ip netns del $NS 2>/dev/null"

is "bind to another address: $EB" "$(chbind --ip 127.0.1.40 $S bind tcp 127.0.1.41 18740)" "ERR $EB"
is "  UDP too" "$(chbind --ip 127.0.1.40 $S bind udp 127.0.1.41 18740)" "ERR $EB"
is "  ::ffff:OTHER too" "$(chbind --ip 127.0.1.40 $S bind tcp ::ffff:127.0.1.41 18740)" "ERR $EB"
is "  IP_PKTINFO with another source: $EB" "$(chbind --ip 127.0.1.40 $S usend 127.0.1.41 18741 127.0.1.42)" "ERR $EB"
is "an own address still binds" "$(chbind --ip 127.0.1.40 $S bind tcp 127.0.1.40 18740)" 127.0.1.40
is "the nested lock's probe still tells a refusal" \
	"$(chbind --ip 127.0.1.40 chbind --ip 127.0.1.41 true 2>&1)" \
	"chbind: address 127.0.1.41: not one of this tree's addresses (a nested lock can only narrow)"
is "  from an address that is nowhere" "$(chbind --ip 10.255.255.254 true 2>&1)" \
	"chbind: address 10.255.255.254: not assigned to any interface here"

if ip netns add "$NS" 2>/dev/null; then
	ip -n "$NS" link set lo up
	ip -n "$NS" addr add fd00:7673:1::40/128 dev lo nodad
	N="nsenter --net=/run/netns/$NS"
	is "v6 only: connect to IPv4 gives $EN (clients try the next address)" \
		"$($N chbind --ip fd00:7673:1::40 $S ask 127.0.1.40 18742)" "ERR $EN"
	is "v6 only: an IPv4 datagram too" "$($N chbind --ip fd00:7673:1::40 $S usend 127.0.1.40 18742)" "ERR $EN"
	is "v6: bind to another: $EB" "$($N chbind --ip fd00:7673:1::40 $S bind tcp fd00:7673:1::41 18740)" "ERR $EB"
	is "v6 only: an IPv4 bind: $EB" "$($N chbind --ip fd00:7673:1::40 $S bind tcp 0.0.0.0 18740)" "ERR $EB"
else
	for i in 1 2 3 4; do skip "can't create a network namespace"; done
fi

# --- VSBOX_TRACE=1: each refusal's reason in the trace buffer ------------------------
TR=/sys/kernel/tracing
if ! t_kernel_ge 5.18; then
	skip "kernel before 5.18: no reasons (every refusal is EPERM)"
else
	if [ ! -e "$TR/trace" ]; then
		TR="$T_TMP/tracing"
		mkdir -p "$TR" && mount -t tracefs nodev "$TR" || TR=
	fi
	if [ -z "$TR" ]; then
		skip "no tracefs"
	else
		VSBOX_TRACE=1 chbind --ip 127.0.1.40 $S bind tcp 127.0.1.43 18743 >/dev/null 2>&1
		like "a refused bind's reason is written out" "$(grep -F 'port 18743' "$TR/trace")" \
			'vsbox bind4 127\.0\.1\.43 port 18743: not an address of the tree \(EADDRNOTAVAIL\)$'
		chbind --ip 127.0.1.40 $S bind tcp 127.0.1.43 18744 >/dev/null 2>&1
		is "  without VSBOX_TRACE nothing is" "$(grep -cF 'port 18744' "$TR/trace")" 0
	fi
fi
done_testing
