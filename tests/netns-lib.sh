# netns-lib.sh - the test's own small world for NET=private guests, shared
# by netns.t and netns-reboot.t; the host's network is never touched. Two
# network namespaces: the "host" one (H CMD runs there: vsbox, rebootmgr,
# the guests' bridge vsnbr) and the "outside" one acting as the LAN (O CMD),
# joined by the veth vsnl0 (on the bridge) / vsnl1 (outside, with the
# address given). Both are deleted by the test's cleanup. Source after lib.sh.
command -v ip >/dev/null && command -v nsenter >/dev/null || { echo "1..0 # SKIP needs ip and nsenter"; exit 0; }
H() { nsenter --net="/run/netns/$HN" "$@"; }
O() { nsenter --net="/run/netns/$ON" "$@"; }
# the "host" namespace's network devices, sorted, on one line (without the
# fallback tunnel devices a kernel with those modules makes in every netns)
links() { H ip -o link | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | sort | no_fb_tunnels | tr '\n' ' '; }
# the same once they are WANT (5 s at most): a stopped guest's veth goes
# with its network namespace, which a kernel worker tears down a moment
# after the guest's last process is gone
links_settled() {  # WANT
	i=0
	while s=$(links) && [ "$s" != "$1" ] && [ $i -lt $((50 * T_SLOW)) ]; do sleep 0.1; i=$((i + 1)); done
	printf '%s' "$s"
}
# netns_world TAG OUTSIDE-ADDR/LEN: make them (HN, ON: their names)
netns_world() {
	HN=vsn-$1h-$$ ON=vsn-$1o-$$
	ip netns add "$HN" && ip netns add "$ON" || bail "can't make the test's network namespaces"
	on_cleanup "ip netns del $HN; ip netns del $ON"
	H ip link set lo up && O ip link set lo up &&
	H ip link add vsnbr type bridge && H ip link set vsnbr up &&
	H ip link add vsnl0 type veth peer name vsnl1 netns "$ON" && H ip link set vsnl0 master vsnbr up &&
	O ip addr add "$2" dev vsnl1 && O ip link set vsnl1 up || bail "can't build the test's network"
}
