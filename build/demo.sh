#!/bin/sh
# demo.sh - make demo: two virtual servers with the very same stock
# configuration (busybox httpd on 0.0.0.0:80), each locked to its own
# address, reached from the host, looked into, and stopped without a trace.
# Everything lives under a temporary directory and a cgroup base below the
# caller's own cgroup; the trap removes all of it.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
V=${VSBOX:-$TOP/vsbox}
T=$(mktemp -d /tmp/vsbox-demo.XXXXXX)
chmod 755 "$T"
export VSBOX_RUNDIR="$T/run" VSBOX_CGROUP_BASE="vsbox-demo-$$" \
	VSBOX_CONFDIR="$T/etc" VSBOX_ROOTDIR="$T/vservers"
mkdir -p "$T/bin" "$VSBOX_CONFDIR"
"$V" --install "$T/bin"
PATH="$T/bin:$PATH"
GUESTS="web1 web2"
cleanup() {
	set +e
	for g in $GUESTS; do vserver "$g" stop -q >/dev/null 2>&1; done
	rm -rf "$T"
	for d in $(sh "$TOP/build/cgbase-dirs.sh"); do rmdir "$d" 2>/dev/null; done
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() { say "$*"; "$@"; }

echo "vsbox $("$V" --version | cut -d' ' -f2), one static binary ($(stat -c %s "$V") bytes): $("$V" --list | tr '\n' ' ')"
sh "$TOP/build/mkguest.sh" "$T/img" "$T/busybox-guest.tgz"
i=2
for g in $GUESTS; do
	run vserver "$g" build -q --tar "$T/busybox-guest.tgz"
	# the same stock service in both; only the address differs
	sed -i -e "s/^IPROOT=.*/IPROOT=127.0.0.$i/" -e 's/^ULIMIT=.*/ULIMIT="-H -u 100"/' \
		"$VSBOX_CONFDIR/$g.conf"
	printf 'IPROOTDEV=lo\nS_MEMORY=64M\n' >>"$VSBOX_CONFDIR/$g.conf"
	echo "<h1>hello from $g</h1>" >"$VSBOX_ROOTDIR/$g/www/index.html"
	i=$((i + 1))
done
say "cat $VSBOX_CONFDIR/web1.conf"
grep -v '^#' "$VSBOX_CONFDIR/web1.conf" | grep .
for g in $GUESTS; do run vserver "$g" start; done
run curl -s http://127.0.0.2/
run curl -s http://127.0.0.3/
run vserver web1 exec sh -c 'echo "I am $(hostname)"; ps; netstat -ltn 2>/dev/null | grep :80'
run vserver web2 status
say "vserver web1 exec kill -9 -1   # guest root kills everything it can see"
vserver web1 exec kill -9 -1 || :
sleep 0.3
run curl -s --max-time 2 http://127.0.0.3/
for g in $GUESTS; do run vserver "$g" stop; done
say "what is left: run records, addresses 127.0.0.2/3 on lo"
ls -A "$VSBOX_RUNDIR/ctx" 2>/dev/null | grep -E '^[0-9]+$' || echo "no context records"
ip -4 -o addr show dev lo | grep -E '127\.0\.0\.[23]/' || echo "no addresses left"
