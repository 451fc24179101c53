#!/bin/sh
# 20-chbind.sh - the IP lock's cost: TCP throughput and connect rate on
# loopback with client and server inside a chbind tree vs outside, rounds
# interleaved (order alternating), medians compared. The hooks run on
# bind/connect/sendmsg and the ingress filter on each received packet.
# Uses 127.0.0.27 and ports 18901-18930 only; every run stops by itself (~45 s).
set -eu
VSBOX=${VSBOX:-$(cd "$(dirname "$0")/.." && pwd)/vsbox}
ROUNDS=${ROUNDS:-7}
SECS=${SECS:-1}
ADDR=127.0.0.27
PORT=18900
T=$(mktemp -d /tmp/vsbox-bench-chbind.XXXXXX)
export VSBOX_CGROUP_BASE=vsbox-bench-chbind-$$
trap 'rm -rf "$T"; rmdir "$(awk "\$9 == \"cgroup2\" {print \$5; exit}" /proc/self/mountinfo)$(sed -n "s/^0:://p" /proc/self/cgroup | sed "s,^/$,,")/$VSBOX_CGROUP_BASE" 2>/dev/null || true' EXIT
trap 'exit 1' INT TERM HUP PIPE

if [ "$(id -u)" != 0 ] || ! command -v gcc >/dev/null; then
	echo "chbind: skipped (needs root and gcc)"; exit 0
fi
cat >"$T/nb.c" <<'EOF'
/* nb srv|tput|conn ADDR PORT SECONDS [SRC]: a loopback TCP sink, a bulk
 * sender (prints MB/s), a connect-and-close loop (prints connections/s);
 * SRC: the clients bind it first, address only (what chbind's hook does) */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
static int client(struct sockaddr_in *a, const char *src)
{
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in b = { .sin_family = AF_INET };
	if (src) {
		inet_pton(AF_INET, src, &b.sin_addr);
		setsockopt(s, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
		bind(s, (void *)&b, sizeof(b));
	}
	if (connect(s, (void *)a, sizeof(*a)))
		return perror("connect"), exit(1), -1;
	return s;
}
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[3])) };
	double secs = atof(argv[4]), end = now() + secs, n = 0;
	static char buf[1 << 16];
	inet_pton(AF_INET, argv[2], &a.sin_addr);
	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(argv[1], "srv")) {
		int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
		struct timeval tv = { 1, 0 };
		setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (bind(s, (void *)&a, sizeof(a)) || listen(s, 128))
			return perror("srv"), 1;
		while (now() < end) {
			int c = accept(s, NULL, NULL);
			if (c < 0)
				continue;
			setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
			while (read(c, buf, sizeof(buf)) > 0 && now() < end)
				;
			close(c);
		}
		return 0;
	}
	if (!strcmp(argv[1], "tput")) {
		int s = client(&a, argv[5]);
		double t0 = now();
		for (ssize_t w; now() < end && (w = write(s, buf, sizeof(buf))) > 0; )
			n += w;
		printf("%.0f\n", n / (now() - t0) / 1e6);
		return 0;
	}
	double t0 = now();
	while (now() < end) {
		int s = client(&a, argv[5]);
		close(s);       /* first: TIME_WAIT on the client (tcp_tw_reuse
				   lets loopback connects reuse its ports) */
		n++;
	}
	printf("%.0f\n", n / (now() - t0));
	return 0;
}
EOF
gcc -O2 -o "$T/nb" "$T/nb.c"

# one round: server and both clients, in the tree (chbind) or not; server
# and client pinned to different CPUs where there are two (less noise)
PIN0="" PIN1=""
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then PIN0="taskset -c 0" PIN1="taskset -c 1"; fi
# outside, the clients bind the same source address themselves
# (a port of its own per round: earlier rounds' TIME_WAIT sockets stay out
# of the way)
round() {
	PORT=$((PORT + 1))
	$1 sh -c "$PIN0 '$T/nb' srv $2 $PORT $(awk "BEGIN { print $SECS * 2 + 1 }") & sleep 0.2
		$PIN1 '$T/nb' tput $ADDR $PORT $SECS ${3:-}; $PIN1 '$T/nb' conn $ADDR $PORT $SECS ${3:-}; wait"
}
: >"$T/out"; : >"$T/in"
for r in $(seq "$ROUNDS"); do
	if [ $((r % 2)) = 1 ]; then
		round "" $ADDR $ADDR >>"$T/out"; round "$VSBOX chbind --ip $ADDR" 0.0.0.0 >>"$T/in"
	else
		round "$VSBOX chbind --ip $ADDR" 0.0.0.0 >>"$T/in"; round "" $ADDR $ADDR >>"$T/out"
	fi
done
# medians of the values, and of the per-round ratios (each round's pair ran
# back to back, so a load change on the host hits both alike)
med() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
col() { awk "NR % 2 == $2" "$1"; }
pairs() { col "$T/in" "$1" | paste - "$(col "$T/out" "$1" >"$T/o$1"; echo "$T/o$1")" | awk '{ printf "%.4f\n", $1 / $2 }' | med; }
TO=$(col "$T/out" 1 | med); TI=$(col "$T/in" 1 | med)
CO=$(col "$T/out" 0 | med); CI=$(col "$T/in" 0 | med)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
# both the ratio of the medians and the median of per-round ratios: on a
# noisy machine a single disturbed round swings a pair, rarely a median
echo "chbind tcp throughput: $(ratio "$TI" "$TO") x inside/outside (medians: inside $TI MB/s, outside $TO MB/s; median of $ROUNDS paired ratios $(pairs 1))"
echo "chbind tcp connect rate: $(ratio "$CI" "$CO") x inside/outside (medians: inside $CI/s, outside $CO/s; median of $ROUNDS paired ratios $(pairs 0))"
