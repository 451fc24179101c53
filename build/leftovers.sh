#!/bin/sh
# leftovers.sh snapshot FILE | check FILE - what the tests may leave behind
# on the machine: loopback addresses, vsbox cgroup directories (tests',
# benches' and the demo's bases, in every hierarchy), mounts, loop devices
# and temporary directories of the tests, rebootmgr processes, network
# namespaces of the tests and guests' veths. `snapshot`
# records the state before a run, `check` compares after it and fails,
# naming each leftover.
state() {
	ip -o addr show dev lo 2>/dev/null | awk '{ print "address", $4 }'
	for m in $(sh "$(dirname "$0")/cgmounts.sh" | awk '{ print $2 }'); do
		find "$m" -maxdepth 6 -type d \( -name 'vsbox-*' -o -name vsbox \) 2>/dev/null | sed 's/^/cgroup /'
	done
	awk '$5 ~ /^\/tmp\/vsbox-/ { print "mount", $5 }' /proc/self/mountinfo
	losetup -a 2>/dev/null | awk -F'[()]' '$2 ~ /^\/tmp\/vsbox-/ { print "loop", $2 }'
	# rebootmgr and its holder (by name; zombies have ended)
	for p in /proc/[0-9]*; do
		case $(cat "$p/comm" 2>/dev/null) in
		rebootmgr|rebootmgr-hold) grep -q '^State:.*Z' "$p/status" 2>/dev/null || echo "process ${p#/proc/} $(cat "$p/comm")" ;;
		esac
	done
	# NET=private: the tests' network namespaces, a guest's host veth end
	for n in /run/netns/vsn-*; do [ -e "$n" ] && echo "netns ${n#/run/netns/}"; done
	ip -o link 2>/dev/null | awk -F': ' '$2 ~ /^vs[0-9a-f]+(@|$)/ && length($2) >= 14 { sub(/@.*/, "", $2); print "link", $2 }'
	for d in /tmp/vsbox-t-* /tmp/vsbox-bench* /tmp/vsbox-demo.* /run/vsbox/ctx/*; do
		[ -e "$d" ] && echo "file $d"
	done
}
case ${1:-} in
snapshot) state | sort >"$2" ;;
check)
	state | sort | comm -13 "$2" - >"$2.new"
	if [ -s "$2.new" ]; then
		echo "leftovers.sh: the run left these behind:" >&2
		cat "$2.new" >&2
		exit 1
	fi
	echo "leftovers.sh: nothing left behind" ;;
*) echo "usage: leftovers.sh snapshot|check FILE" >&2; exit 2 ;;
esac
