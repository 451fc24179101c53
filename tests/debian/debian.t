#!/bin/sh
# debian.t - the slow tier (make check-debian): a real Debian guest made with
# debootstrap (cached as a tarball under /var/cache/vsbox, so repeated runs
# take seconds), running nginx from Debian's package with its stock
# configuration, started by the guest's own sysv-rc (/etc/init.d/rc 3),
# reached from the host on 127.0.0.4:80, stopped by rc 0 with nothing left.
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/lib.sh"
need_root
. "$TOP/tests/guest-lib.sh"
TB="$CACHE/debian-$SUITE-nginx.tar.gz"
on_cleanup 'vserver deb stop -q >/dev/null 2>&1; ip addr del 127.0.0.4/32 dev lo 2>/dev/null'

debootstrap_cached "$TB" --include=sysv-rc,nginx-light

rc_is "build --tar from the cached debootstrap" 0 vserver deb build -q --tar "$TB"
check "a Debian root" test -f "$VSBOX_ROOTDIR/deb/etc/debian_version"
check "sysv-rc is the guest's rc (init.d/rc -> /lib/init/rc inside)" test -x "$VSBOX_ROOTDIR/deb/lib/init/rc"
check "nginx's init script is linked for runlevel 3" sh -c "ls '$VSBOX_ROOTDIR/deb/etc/rc3.d' | grep -q nginx"
# stock nginx listens on 0.0.0.0:80 and [::]:80 (ipv6only): with one IPv4
# address the second lands on the guest's private IPv6 loopback
sed -i -e 's/^IPROOT=.*/IPROOT="127.0.0.4"/' -e 's/^#IPROOTDEV=.*/IPROOTDEV=lo/' \
	-e 's/^ULIMIT=.*/ULIMIT="-H -u 500"/' "$VSBOX_CONFDIR/deb.conf"
printf 'S_MEMORY=512M\nSTOP_TIMEOUT=20\n' >>"$VSBOX_CONFDIR/deb.conf"
rc_is "start the Debian guest (its rc 3)" 0 vserver deb start
for i in 1 2 3 4 5 6 7 8 9 10; do curl -s --max-time 2 http://127.0.0.4/ >/dev/null && break; sleep 0.5; done
like "stock nginx answers on 127.0.0.4:80" "$(curl -s --max-time 3 http://127.0.0.4/)" 'Welcome to nginx'
LB6=$(vserver deb status | sed -n 's/^  lback6: *\([^ ]*\) .*/\1/p')
like "and on [::]:80, its private IPv6 loopback [$LB6]:80" "$(curl -s -g --max-time 3 "http://[$LB6]/")" 'Welcome to nginx'
like "nginx runs inside, started by rc" "$(vserver deb exec sh -c 'cat /proc/[0-9]*/cmdline | tr "\\0" " "')" 'nginx: master'
is "hostname inside" "$(vserver deb exec hostname)" deb
is "the guest's own dpkg works" "$(vserver deb exec dpkg-query -W -f='${Status}' nginx-light)" "install ok installed"
rc_is "service nginx status through the guest's init script" 0 vserver deb service nginx status
rc_is "stop (rc 0)" 0 vserver deb stop
check "nothing answers any more" sh -c '! curl -s --max-time 1 http://127.0.0.4/ >/dev/null'
check "the aliases are gone" sh -c "! ip addr show dev lo | grep -qE 'inet 127.0.0.4/|inet6 $LB6/'"
is "no context left" "$(ls "$VSBOX_RUNDIR/ctx" | wc -l)" 0
rc_is "delete" 0 vserver deb delete --force -q

# vserver build --debootstrap itself (not cached: a real debootstrap each
# run, a few minutes; VSBOX_DEBIAN_NO_BUILD=1 skips it)
if [ -n "${VSBOX_DEBIAN_NO_BUILD:-}" ]; then
	skip "build --debootstrap (VSBOX_DEBIAN_NO_BUILD set)"
else
	VSBOX_EXTRA_PKGS="debootstrap" sh "$TOP/build/deps.sh" || bail "can't install debootstrap"
	on_cleanup 'vserver db2 stop -q >/dev/null 2>&1'
	rc_is "build --debootstrap $SUITE --mirror $MIRROR --variant minbase --include sysv-rc" 0 \
		vserver db2 build --debootstrap "$SUITE" --mirror "$MIRROR" --variant minbase --include sysv-rc
	[ "$RC" = 0 ] || diag "$ERR"
	like "  turns off the hardware-only init scripts, in one line" "$(printf '%s\n' "$OUT" | grep 'need real hardware')" \
		'^db2: turned off, as they need real hardware: hwclock\.sh$'
	is "  /etc/hostname: its name" "$(cat "$VSBOX_ROOTDIR/db2/etc/hostname")" db2
	like "  /etc/hosts, the installer's: its name as 127.0.1.1, localhost as ::1 too" \
		"$(grep -E '^(127.0.1.1|::1)' "$VSBOX_ROOTDIR/db2/etc/hosts" | tr -s ' \t' ' ' | tr '\n' ';')" \
		'^127.0.1.1 db2;::1 localhost ip6-localhost ip6-loopback;$'
	check "  hwclock.sh is there, in no runlevel" sh -c "[ -x '$VSBOX_ROOTDIR/db2/etc/init.d/hwclock.sh' ] &&
		! ls '$VSBOX_ROOTDIR'/db2/etc/rc[0-6].d '$VSBOX_ROOTDIR'/db2/etc/rcS.d/S* 2>/dev/null | grep -q hwclock"
	check "  a Debian root" test -f "$VSBOX_ROOTDIR/db2/etc/debian_version"
	like "  its NAME.conf: hostname = NAME" "$(cat "$VSBOX_CONFDIR/db2.conf")" '^S_HOSTNAME="?db2"?$'
	is "  the only device nodes are the safe ones" \
		"$(find "$VSBOX_ROOTDIR/db2" -xdev \( -type b -o -type c \) -printf '%P\n' | sort | tr '\n' ' ')" \
		"$(printf 'dev/%s\n' full null ptmx random tty urandom zero | sort | tr '\n' ' ')"
	check "  minbase, with sysv-rc as asked" test -x "$VSBOX_ROOTDIR/db2/lib/init/rc" -a ! -e "$VSBOX_ROOTDIR/db2/lib/systemd/systemd"
	rc_is "  a second build is refused" 1 vserver db2 build -q --debootstrap "$SUITE" --mirror "$MIRROR"
	# minbase starts no daemon: its rc ends at once, and so would the
	# guest; it gets a PID 1 that stays
	sed -i 's/^S_FLAGS="\(.*\)"/S_FLAGS="\1 fakeinit"/' "$VSBOX_CONFDIR/db2.conf"
	printf 'INIT="/bin/sleep 100000"\nSTOP_TIMEOUT=1\n' >>"$VSBOX_CONFDIR/db2.conf"
	rc_is "  it starts" 0 vserver db2 start -q
	[ "$RC" = 0 ] || diag "$ERR"
	is "  and runs its own Debian" "$(vserver db2 exec cat /etc/debian_version)" "$(cat "$VSBOX_ROOTDIR/db2/etc/debian_version")"
	rc_is "  stop" 0 vserver db2 stop -q
	rc_is "  delete" 0 vserver db2 delete --force -q
	check "  gone" test ! -e "$VSBOX_ROOTDIR/db2"
fi
done_testing
