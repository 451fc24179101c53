#!/bin/sh
# resolv.t - names in the probe after a copy or move (--check-tcp,
# --check-url: lib/resolv.c, no libc resolver), driven through the
# target's half, "vserver NAME recv", with its "probe" requests: literals
# of both families, /etc/hosts (before DNS, every line of a name, each
# address tried in turn), DNS from a real dnsmasq (A, AAAA, a CNAME chain,
# the search list, ndots), the nameservers in order (one not there, one
# that answers oddly: SERVFAIL, forged replies, truncation and TCP,
# compression loops, CNAME loops, lengths past the end, silence with
# timeout:/attempts:). /etc/hosts and /etc/resolv.conf are this test's
# only inside a private mount namespace (unshare -m and bind mounts).
. "$(dirname "$0")/lib.sh"
need_root
command -v unshare >/dev/null && command -v python3 >/dev/null || bail "unshare and python3 are needed (build/deps.sh)"
command -v dnsmasq >/dev/null || PATH="$PATH:/usr/sbin"
command -v dnsmasq >/dev/null || VSBOX_EXTRA_PKGS=dnsmasq-base sh "$T_TOP/build/deps.sh" >"$T_TMP/deps.log" 2>&1
if ! command -v dnsmasq >/dev/null; then
	echo "1..0 # SKIP no dnsmasq (dnsmasq-base could not be installed)"; exit 0
fi
if [ ! -f /etc/hosts ] || [ ! -f /etc/resolv.conf ]; then
	echo "1..0 # SKIP /etc/hosts or /etc/resolv.conf is not a file to bind a test's over"; exit 0
fi

# 127.0.14.1: dnsmasq; .2: nothing (a port unreachable); .3: the odd
# nameserver; .4: another, the fourth in resolv.conf; .20-.22: listeners (HTTP) on port 8014; .25: nothing
P=8014
cat >"$T_TMP/hosts" <<EOF
127.0.14.20	filehost.test FileAlias
127.0.14.25	multi.test   # nothing there: the next line's is tried
::ffff:127.0.14.20	multi.test
127.0.14.20	dnsfirst.test
EOF
cat >"$T_TMP/dns.hosts" <<EOF
127.0.14.21 web.test
127.0.14.25 dnsfirst.test
::ffff:127.0.14.21 v6.test
127.0.14.22 short.sub.test
127.0.14.22 two.lvl.sub.test
127.0.14.21 fail.test
EOF
cat >"$T_TMP/resolv.conf" <<EOF
# this test's
nameserver 127.0.14.2
nameserver 127.0.14.3
nameserver 127.0.14.1
nameserver 127.0.14.4
search sub.test
options timeout:1 rotate
EOF
sed 's/^options .*/options ndots:2/' "$T_TMP/resolv.conf" >"$T_TMP/ndots.conf"
printf 'nameserver 127.0.14.3\noptions timeout:1 attempts:3\n' >"$T_TMP/slow.conf"

dnsmasq -k --conf-file=/dev/null --no-resolv --no-hosts --local=/test/ --user=root \
	--listen-address=127.0.14.1 --bind-interfaces --port=53 --addn-hosts="$T_TMP/dns.hosts" \
	--cname=alias.test,web.test --cname=alias2.test,alias.test --pid-file= \
	--log-queries --log-facility="$T_TMP/dns.log" 2>"$T_TMP/dnsmasq.err" &
track_pid $!
python3 "$T_TOP/tests/data/resolv-srv.py" dns 127.0.14.3 "$T_TMP/odd.log" >"$T_TMP/odd.out" 2>&1 &
track_pid $!
python3 "$T_TOP/tests/data/resolv-srv.py" dns 127.0.14.4 "$T_TMP/odd4.log" >"$T_TMP/odd4.out" 2>&1 &
track_pid $!
python3 "$T_TOP/tests/data/resolv-srv.py" http $P 127.0.14.20 127.0.14.21 127.0.14.22 >"$T_TMP/http.out" 2>&1 &
track_pid $!
i=0
until grep -q ready "$T_TMP/odd.out" && grep -q ready "$T_TMP/odd4.out" && grep -q ready "$T_TMP/http.out" &&
	ss -lnu | grep -q '127\.0\.14\.1:53 '; do
	i=$((i + 1)); [ $i -lt 100 ] || bail "the servers did not start: $(cat "$T_TMP/dnsmasq.err" "$T_TMP/odd.out" "$T_TMP/http.out")"
	sleep 0.1
done

# probe [CONF] REQUEST: one request in a recv session whose /etc/hosts and
# /etc/resolv.conf (CONF, default the first above) are this test's; the
# answer in $OUT, the seconds it took in $SECS
probe() {
	conf=$T_TMP/resolv.conf
	case "$1" in /*) conf=$1; shift;; esac
	t0=$(date +%s%N)
	run_rc unshare -m sh -c 'mount --bind "$1" /etc/hosts && mount --bind "$2" /etc/resolv.conf &&
		printf "probe %s\n" "$3" | "$4" vserver rz recv' sh "$T_TMP/hosts" "$conf" "$*" "$VSBOX"
	SECS=$((($(date +%s%N) - t0) / 1000000000))
	OUT=$(printf '%s\n' "$OUT" | sed 1d)
}
qlog() { grep -c "query\[$1\] $2 " "$T_TMP/dns.log"; }

# ---- literals -----------------------------------------------------------------
probe tcp 127.0.14.20 $P 1
is "an IPv4 literal" "$OUT" ok
probe tcp ::ffff:127.0.14.20 $P 1
is "an IPv6 literal" "$OUT" ok
probe url "http://[::ffff:127.0.14.21]:$P/x" 1
is "an IPv6 literal in brackets in a URL" "$OUT" ok
probe tcp 127.0.14.25 $P 1
is "nothing there: the probe's usual failure" "$OUT" "error nothing accepted a connection to 127.0.14.25 port $P within 1 s"
probe tcp 127.0.14.20 http 1
is "a port is a number" "$OUT" "error bad port 'http'"

# ---- /etc/hosts ---------------------------------------------------------------
probe tcp filehost.test $P 1
is "a name from /etc/hosts" "$OUT" ok
probe tcp filealias $P 1
is "its second name, case ignored" "$OUT" ok
probe tcp multi.test $P 1
is "every line of a name, both families, each tried in turn" "$OUT" ok
probe tcp dnsfirst.test $P 1
is "/etc/hosts comes before DNS" "$OUT" ok
is "which is not asked" "$(qlog A dnsfirst.test)" 0

# ---- DNS: dnsmasq, the third nameserver ---------------------------------------
probe tcp web.test $P 1
is "a name from DNS" "$OUT" ok
is "asked for A and AAAA" "$(qlog A web.test) $(qlog AAAA web.test)" "1 1"
is "having asked the odd server first" "$(grep -c '^web.test ' "$T_TMP/odd.log")" 2
probe tcp v6.test $P 1
is "a name with an AAAA record only" "$OUT" ok
probe url "http://alias2.test:$P/" 1
is "a CNAME chain (alias2 -> alias -> web), with --check-url" "$OUT" ok
probe tcp short $P 1
is "a name without a dot: the search list" "$OUT" ok
is "short.sub.test was asked" "$(qlog A short.sub.test)" 1
probe tcp short. $P 1
like "a trailing dot: no search list" "$OUT" "^error nothing accepted a connection to short\. "
probe tcp two.lvl $P 1
like "a name with a dot: as it is only (ndots:1)" "$OUT" "^error nothing accepted"
is "two.lvl.sub.test was not asked" "$(qlog A two.lvl.sub.test)" 0
probe "$T_TMP/ndots.conf" tcp two.lvl $P 1
is "options ndots:2: the search list for one dot" "$OUT" ok
probe tcp nothere.test $P 1
is "a name that does not resolve: the usual failure" "$OUT" "error nothing accepted a connection to nothere.test port $P within 1 s"
probe url "http://nothere.test:$P/" 1
is "and with --check-url" "$OUT" "error http://nothere.test did not answer 2xx or 3xx within 1 s"
probe tcp nowhere.invalid $P 1
like "no server knows it (dnsmasq: not local, no upstream)" "$OUT" "^error nothing accepted"
n=$(grep -c '^nowhere.invalid 1 ' "$T_TMP/odd.log")
check "the first three were asked ($n times)" [ "$n" -ge 2 -a "$n" = "$(qlog A nowhere.invalid)" ]
is "the fourth nameserver never" "$(cat "$T_TMP/odd4.log" 2>/dev/null)" ""

# ---- the odd nameserver -------------------------------------------------------
probe tcp good.test $P 1
is "the odd server's plain answer" "$OUT" ok
probe tcp fail.test $P 1
is "SERVFAIL there: the next server's answer" "$OUT" ok
probe tcp spoof.test $P 1
is "replies with another id or question are ignored" "$OUT" ok
probe tcp tc.test $P 1
is "a truncated answer is asked again over TCP" "$OUT" ok
is "(over TCP)" "$(grep -c '^tc.test 1 tcp' "$T_TMP/odd.log")" 1
for n in loop self cnloop long; do
	probe tcp $n.test $P 1
	is "$n.test: no address, the usual failure" "$OUT" "error nothing accepted a connection to $n.test port $P within 1 s"
	check "$n.test: within the probe's time" [ "$SECS" -le 3 ]
done
: >"$T_TMP/odd.log"
probe "$T_TMP/slow.conf" tcp slow.test $P 1
is "a server that does not answer: the usual failure" "$OUT" "error nothing accepted a connection to slow.test port $P within 1 s"
is "asked attempts:3 times" "$(grep -c '^slow.test 1 udp' "$T_TMP/odd.log")" 3
check "timeout:1 each ($SECS s)" [ "$SECS" -ge 3 -a "$SECS" -le 6 ]

done_testing
