#!/bin/sh
# 60-netns.sh - what NET=private costs (lib/netns.c, lib/nft.c), in a world
# of its own: a "host" network namespace where vsbox runs, with a bridge and
# an uplink veth into an "outside" namespace (the LAN; 10.201.0.0/16).
# 1. start+stop of a fakeinit guest: NET=shared (an alias on the uplink, the
#    IP lock) vs NET=private bridged vs routed, interleaved, median of 30
#    (target: private adds <= 3 ms), and the CPU 20 cycles of each take.
# 2. from the outside client (curl), to busybox httpd in each kind of guest:
#    TCP throughput (a 64 MiB file, best of 3) and the connection rate (500
#    requests, a new connection each), private over its veth against shared
#    over the host's own stack (target: >= 0.75x). Bounded: curl -m 30.
set -u
: "${VSBOX:?}" "${BENCH_BIN:?}"
for c in ip nsenter curl busybox; do
	command -v $c >/dev/null || { echo "# 60-netns: $c missing"; exit 1; }
done
T=$(mktemp -d /tmp/vsbox-bench-netns.XXXXXX)
chmod 755 "$T"
export VSBOX_RUNDIR="$T/run" VSBOX_CGROUP_BASE="vsbox-bench-netns-$$"
export VSBOX_CONFDIR="$T/etc" VSBOX_ROOTDIR="$T/vs"
TOP=$(cd "$(dirname "$0")/.." && pwd)
HN=vsn-bh-$$ ON=vsn-bo-$$
H() { nsenter --net="/run/netns/$HN" "$@"; }
O() { nsenter --net="/run/netns/$ON" "$@"; }
cleanup() {
	for g in sh br rt; do H "$VSBOX" vserver $g stop -q >/dev/null 2>&1; done
	ip netns del "$HN" 2>/dev/null
	ip netns del "$ON" 2>/dev/null
	rm -rf "$T"
	for d in $(sh "$TOP/build/cgbase-dirs.sh"); do rmdir "$d" 2>/dev/null; done
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE
ip netns add "$HN" && ip netns add "$ON" &&
H ip link set lo up && O ip link set lo up &&
H ip link add vsnbr type bridge && H ip link set vsnbr up &&
H ip link add vsnl0 type veth peer name vsnl1 netns "$ON" && H ip link set vsnl0 master vsnbr up &&
O ip addr add 10.201.1.1/24 dev vsnl1 && O ip link set vsnl1 up &&
H ip link add vsnu0 type veth peer name vsnu1 netns "$ON" &&
H ip addr add 10.201.2.254/24 dev vsnu0 && H ip link set vsnu0 up &&
O ip addr add 10.201.2.1/24 dev vsnu1 && O ip link set vsnu1 up &&
H sh -c 'echo 0 >/proc/sys/net/ipv4/neigh/vsnu0/proxy_delay' ||
	{ echo "# 60-netns: can't build the network namespaces"; exit 1; }

# the guests: busybox, fakeinit PID 1 a sleeper (the start/stop cycle), or
# httpd in the foreground (the transfers), serving /www from a tmpfs
mkdir -p "$T/img/bin" "$T/img/etc" "$T/img/proc" "$T/img/sys" "$T/img/dev" "$T/img/www" "$VSBOX_CONFDIR" "$VSBOX_ROOTDIR"
cp "$(command -v busybox)" "$T/img/bin/busybox"
for a in sleep sh httpd; do ln -s busybox "$T/img/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' >"$T/img/etc/passwd"
guest() {  # guest NAME INIT CONF-LINES...
	n=$1 init=$2; shift 2
	rm -rf "${VSBOX_ROOTDIR:?}/$n"
	cp -al "$T/img" "$VSBOX_ROOTDIR/$n"
	printf '%s\n' "S_HOSTNAME=$n" 'S_FLAGS="lock fakeinit"' "INIT=\"$init\"" STOPSIG=KILL STOP_TIMEOUT=0 "$@" \
		>"$VSBOX_CONFDIR/$n.conf"
}
SL="/bin/sleep 100000"
guest sh "$SL" IPROOT=10.201.2.10/24 IPROOTDEV=vsnu0
guest br "$SL" IPROOT=10.201.1.11 NET=private BRIDGE=vsnbr
guest rt "$SL" IPROOT=10.201.2.21 NET=private NET_MODE=routed NET_UPLINK=vsnu0
V="nsenter --net=/run/netns/$HN $VSBOX"
"$BENCH_BIN/timecmd" 30 shared $V vserver sh start -q :: $V vserver sh stop -q -- \
	bridge $V vserver br start -q :: $V vserver br stop -q -- \
	routed $V vserver rt start -q :: $V vserver rt stop -q >"$T/r" ||
	{ echo "# 60-netns: start/stop failed"; exit 1; }
med() { awk -v k="$1" '$1 == k { print $2 }' "$T/r"; }
sh_=$(med shared)
for m in bridge routed; do
	echo "netns-start-stop-$m: $(med $m) us median (start $(med $m.1) + stop $(med $m.2)) against NET=shared $sh_ us (start $(med shared.1) + stop $(med shared.2)): +$(( ($(med $m) - sh_) / 1000 )).$(( ($(med $m) - sh_) % 1000 / 100 )) ms; target <= +3 ms"
done

# the CPU (user + system) 20 cycles take, vsbox's and the kernel's work for
# it: steadier than wall time on a loaded machine (RCU grace periods and
# other tenants stretch the latter)
cpu_ms() {
	H sh -c 'i=0; while [ $i -lt 20 ]; do "$1" vserver "$2" start -q; "$1" vserver "$2" stop -q; i=$((i + 1)); done; times' \
		sh "$VSBOX" "$1" | tail -1 | tr 'ms' '  ' | awk '{ printf "%.1f", ($1 * 60 + $2 + $3 * 60 + $4) * 1000 / 20 }'
}
plus() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.1f", a - b }'; }
c_sh=$(cpu_ms sh) c_br=$(cpu_ms br) c_rt=$(cpu_ms rt)
echo "netns-start-stop-cpu: NET=shared $c_sh ms of CPU a start+stop, private bridged $c_br ms ($(plus "$c_br" "$c_sh")), routed $c_rt ms ($(plus "$c_rt" "$c_sh")); mean of 20"

# transfers: httpd in the foreground as PID 1, its files on a tmpfs
HT="/bin/httpd -f -p 80 -h /www"
guest sh "$HT" IPROOT=10.201.2.10/24 IPROOTDEV=vsnu0
guest br "$HT" IPROOT=10.201.1.11 NET=private BRIDGE=vsnbr
guest rt "$HT" IPROOT=10.201.2.21 NET=private NET_MODE=routed NET_UPLINK=vsnu0
for g in sh br rt; do
	echo "tmpfs /www tmpfs size=80m" >"$VSBOX_CONFDIR/$g.fstab"
	H "$VSBOX" vserver $g start -q || { echo "# 60-netns: $g failed to start"; exit 1; }
	H "$VSBOX" vserver $g exec sh -c 'dd if=/dev/zero of=/www/big bs=1M count=64 2>/dev/null; echo x >/www/small' ||
		{ echo "# 60-netns: can't fill $g's /www"; exit 1; }
done
ip_sh=10.201.2.10 ip_br=10.201.1.11 ip_rt=10.201.2.21
# best of 3 (bytes/s), and 500 requests' time (ms) - each kind in turn
for k in 1 2 3; do
	for g in sh br rt; do
		eval ip=\$ip_$g
		O curl -s -m 30 -o /dev/null -w '%{speed_download}\n' "http://$ip/big" >>"$T/tp.$g"
		t0=$(date +%s%N)
		O curl -s -m 30 -o /dev/null "http://$ip/small?[1-500]" || echo "# 60-netns: requests to $g failed"
		echo $(( ($(date +%s%N) - t0) / 1000000 )) >>"$T/cr.$g"
	done
done
best() { sort -n "$1" | tail -1 | cut -d. -f1; }
least() { sort -n "$1" | head -1; }
tsh=$(best "$T/tp.sh") csh=$(least "$T/cr.sh")
for g in br rt; do
	m=bridge; [ $g = rt ] && m=routed
	t=$(best "$T/tp.$g") c=$(least "$T/cr.$g")
	echo "netns-throughput-$m: $(( t / 1048576 )) MiB/s outside->guest over its veth against $(( tsh / 1048576 )) MiB/s to a NET=shared guest: $(awk -v a="$t" -v b="$tsh" 'BEGIN { printf "%.2f", a / b }')x; target >= 0.75x"
	echo "netns-conn-rate-$m: $(( 500000 / c )) connections/s (500 requests, a connection each) against $(( 500000 / csh ))/s NET=shared: $(awk -v a="$csh" -v b="$c" 'BEGIN { printf "%.2f", a / b }')x; target >= 0.75x"
done
