#!/bin/sh
# 61-systemd.sh - a Debian guest booting its own systemd (lib/ginit.c): how
# long vserver start takes until systemd says READY=1, and its stop
# (SIGRTMIN+3, systemd's halt), with and without USERNS=yes; median of 5
# interleaved rounds. The guest is the default debootstrap with
# openssh-server that make check-debian caches (tests/debian/systemd.t);
# without that tarball it is skipped.
set -u
: "${VSBOX:?}" "${BENCH_BIN:?}"
TB=/var/cache/vsbox/debian-${VSBOX_DEBIAN_SUITE:-bookworm}-systemd-ssh.tar.gz
[ -s "$TB" ] || { echo "# 61-systemd: no $TB (make check-debian makes it): skipped"; exit 0; }
BENCH_NAME=systemd BENCH_GUESTS="sd sdu" BENCH_USERNS_BASE=6000000
. "$(dirname "$0")/guests-lib.sh"
for g in sd sdu; do
	"$VSBOX" vserver $g build -q --tar "$TB" || { echo "# 61-systemd: build failed"; exit 1; }
	printf 'S_MEMORY=512M\nSTART_TIMEOUT=120\nSTOP_TIMEOUT=30\n' >>"$VSBOX_CONFDIR/$g.conf"
	echo $g >"$VSBOX_ROOTDIR/$g/etc/hostname"
done
echo "USERNS=yes" >>"$VSBOX_CONFDIR/sdu.conf"
"$BENCH_BIN/timecmd" 5 \
	sd "$VSBOX" vserver sd start -q :: "$VSBOX" vserver sd stop -q -- \
	sdu "$VSBOX" vserver sdu start -q :: "$VSBOX" vserver sdu stop -q >"$T/r" ||
	{ echo "# 61-systemd: start/stop failed"; exit 1; }
for g in sd sdu; do
	up=$(awk -v n=$g.1 '$1 == n { print int($2 / 1000) }' "$T/r")
	down=$(awk -v n=$g.2 '$1 == n { print int($2 / 1000) }' "$T/r")
	echo "systemd-ready$([ $g = sdu ] && echo -userns): $up ms median from start to systemd's READY=1, stop $down ms$([ $g = sdu ] && echo ' (USERNS=yes)'); Debian $(cat "$VSBOX_ROOTDIR/$g/etc/debian_version") with openssh-server; median of 5"
done
