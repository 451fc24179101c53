#!/bin/sh
# unify.t - the slow tier (make check-debian): vapt and vunify on three
# Debian minbase guests (debootstrap cached as a tarball under
# /var/cache/vsbox) on a btrfs loop image. A local apt repository (file:,
# dpkg-scanpackages) holds a package this test builds in two versions,
# with a program, a 1 MiB data file and a conffile. vapt ALL installs v1,
# vunify ALL shares it, vapt --unify ALL upgrades to v2: every guest runs
# v2, v2's files are shared again, a guest's edited conffile survives and
# is not shared, a guest's append to a unified file is its own (reflinks
# are copy-on-write), and purge works on unified files.
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/lib.sh"
need_root
. "$TOP/tests/guest-lib.sh"
. "$TOP/tests/unify-lib.sh"
TB=/var/cache/vsbox/debian-$SUITE-minbase.tar.gz
command -v dpkg-scanpackages >/dev/null || bail "dpkg-scanpackages is needed (dpkg-dev)"
debootstrap_cached "$TB"

# the package, twice: vsbox-hello 1.0 and 2.0
mkpkg() {
	v=$1 d=$T_TMP/pkg$1
	mkdir -p "$d/DEBIAN" "$d/usr/bin" "$d/usr/share/vsbox-hello" "$d/etc"
	printf 'Package: vsbox-hello\nVersion: %s\nArchitecture: all\nMaintainer: vsbox tests <root@localhost>\nDescription: a test package of vunify\n' "$v" >"$d/DEBIAN/control"
	echo /etc/vsbox-hello.conf >"$d/DEBIAN/conffiles"
	printf '#!/bin/sh\necho "hello %s $(head -1 /etc/vsbox-hello.conf)"\n' "$v" >"$d/usr/bin/vsbox-hello"
	chmod 755 "$d/usr/bin/vsbox-hello"
	head -c 1048576 /dev/urandom >"$d/usr/share/vsbox-hello/data"
	# 8 KiB: an extent of its own, not inline data (btrfs)
	{ echo "greeting=$v"; i=0; while [ $i -lt 128 ]; do echo "# $(printf '%060d' $i)"; i=$((i + 1)); done; } >"$d/etc/vsbox-hello.conf"
	dpkg-deb -b --root-owner-group "$d" "$T_TMP/repo$v/vsbox-hello_${v}_all.deb" >/dev/null || bail "dpkg-deb failed"
	(cd "$T_TMP/repo$v" && dpkg-scanpackages . /dev/null >Packages 2>/dev/null) || bail "dpkg-scanpackages failed"
}
mkdir -p "$T_TMP/repo1.0" "$T_TMP/repo2.0"
mkpkg 1.0
mkpkg 2.0

ufs btrfs 3G mkfs.btrfs -q || bail "can't make a btrfs loop image"
export VSBOX_ROOTDIR=$MNT/vs
mkdir -p "$VSBOX_ROOTDIR" "$VSBOX_CONFDIR"
GUESTS="du1 du2 du3"
on_cleanup 'for g in $GUESTS; do vserver $g stop -q >/dev/null 2>&1; done'
repo() { for g in $GUESTS; do rm -rf "$VSBOX_ROOTDIR/$g/srv/repo"; cp -r "$T_TMP/repo$1" "$VSBOX_ROOTDIR/$g/srv/repo"; done; }
for g in $GUESTS; do
	vserver $g build -q --tar "$TB" || bail "can't build $g"
	{ echo "S_HOSTNAME=$g"; echo 'S_FLAGS="fakeinit"'; echo 'INIT="/bin/sleep 100000"'
	  echo "STOPSIG=KILL"; echo "STOP_TIMEOUT=0"; } >"$VSBOX_CONFDIR/$g.conf"
	# the local repository only: the guests need no network
	echo 'deb [trusted=yes] file:/srv/repo ./' >"$VSBOX_ROOTDIR/$g/etc/apt/sources.list"
	vserver $g start -q || bail "can't start $g"
done
repo 1.0
B=$VSBOX_ROOTDIR
rc_is "vapt ALL -- update" 0 vapt ALL -- -q update
[ "$RC" = 0 ] || diag "$OUT" "$ERR"
rc_is "vapt ALL -- install vsbox-hello (1.0)" 0 vapt ALL -- -y -q install vsbox-hello
[ "$RC" = 0 ] || diag "$(printf '%s\n' "$OUT" "$ERR" | tail -20)"
for g in $GUESTS; do is "  $g runs 1.0" "$(vserver $g exec vsbox-hello)" "hello 1.0 greeting=1.0"; done
sync
rc_is "vunify ALL" 0 vunify ALL
diag "$OUT"
check "  1.0's data file is shared by the three" shared3 "$B/du1/usr/share/vsbox-hello/data" "$B/du2/usr/share/vsbox-hello/data" "$B/du3/usr/share/vsbox-hello/data"
check "  so is /usr/bin/apt-get" shared3 "$B/du1/usr/bin/apt-get" "$B/du2/usr/bin/apt-get" "$B/du3/usr/bin/apt-get"
vserver du2 exec sed -i s/greeting=1.0/greeting=mine/ /etc/vsbox-hello.conf
repo 2.0
rc_is "vapt --unify ALL -- install vsbox-hello (2.0)" 0 sh -c 'vapt ALL -- -q update >/dev/null && vapt --unify ALL -- -y -q -o Dpkg::Options::=--force-confold install vsbox-hello'
[ "$RC" = 0 ] || diag "$(printf '%s\n' "$OUT" "$ERR" | tail -20)"
like "  ends with vunify's summary" "$OUT" '^vunify: [1-9][0-9]* files shared'
is "  du1 runs 2.0 with 2.0's conffile" "$(vserver du1 exec vsbox-hello)" "hello 2.0 greeting=2.0"
is "  du2 runs 2.0 with its own edited conffile" "$(vserver du2 exec vsbox-hello)" "hello 2.0 greeting=mine"
is "  du3 runs 2.0" "$(vserver du3 exec vsbox-hello)" "hello 2.0 greeting=2.0"
check "  2.0's data file is shared again" shared3 "$B/du1/usr/share/vsbox-hello/data" "$B/du2/usr/share/vsbox-hello/data" "$B/du3/usr/share/vsbox-hello/data"
check "  it is 2.0's" cmp -s "$T_TMP/pkg2.0/usr/share/vsbox-hello/data" "$B/du1/usr/share/vsbox-hello/data"
check "  the conffiles, equal in du1 and du3, are not shared (/etc)" not_shared "$B/du1/etc/vsbox-hello.conf" "$B/du3/etc/vsbox-hello.conf"
vserver du3 exec sh -c 'echo x >> /usr/share/vsbox-hello/data'
check "a guest appends to a unified file of the package" test "$(stat -c %s "$B/du3/usr/share/vsbox-hello/data")" = 1048578
check "  the others never see it" sh -c "cmp -s '$T_TMP/pkg2.0/usr/share/vsbox-hello/data' '$B/du1/usr/share/vsbox-hello/data' && cmp -s '$T_TMP/pkg2.0/usr/share/vsbox-hello/data' '$B/du2/usr/share/vsbox-hello/data'"
rc_is "vapt ALL -- reinstall (on unified files)" 0 vapt ALL -- -y -q reinstall vsbox-hello
check "  du3's file is the package's again" cmp -s "$T_TMP/pkg2.0/usr/share/vsbox-hello/data" "$B/du3/usr/share/vsbox-hello/data"
rc_is "vapt --unify ALL -- purge" 0 vapt --unify ALL -- -y -q purge vsbox-hello
check "  the files are gone" sh -c "! ls '$B'/du*/usr/share/vsbox-hello/data 2>/dev/null | grep -q ."
check "  and the conffiles" sh -c "! ls '$B'/du*/etc/vsbox-hello.conf 2>/dev/null | grep -q ."
is "  dpkg knows it no more" "$(vserver du1 exec dpkg-query -W vsbox-hello >/dev/null 2>&1; echo $?)" 1
done_testing
