# vapt-lib.sh - the body shared by tests/debian/unify.t (reflink, btrfs) and
# tests/vapt-link.t (link, the kernel tier's ext4): vapt and vunify
# on three Debian minbase guests. A local apt repository (file:, its
# Packages index written here from dpkg-deb's fields: no dpkg-dev needed)
# holds a package this test builds in two versions, with a program, a 1 MiB
# data file and a conffile. vapt ALL installs v1, vunify ALL shares it,
# vapt --unify ALL upgrades to v2: every guest runs v2, v2's files are
# shared again, a guest's edited conffile survives and is not shared
# (overlay: the others' equal ones are), a
# guest's append to a unified file is its own; reinstall, remove and purge
# work on unified files. Source after lib.sh, guest-lib.sh and
# unify-lib.sh, with TB (the minbase debootstrap tarball), VSBOX_ROOTDIR on
# the filesystem under test, METHOD (the method vunify's auto must pick
# there, or the one UNIFY_OPT, --method METHOD, asks for: link, reflink or
# overlay) and same3 A B C (are the three files
# one: shared extents, one inode, or one store file). Optional: AFTER_UNIFY,
# a command run after each vunify (overlay: restart the guests, which folds
# them), SUMMARY, what vapt --unify's last line must match, and GUESTS
# (du1 du2 du3 and more).

UNIFY_OPT=${UNIFY_OPT:-}

# the package, twice: vsbox-hello 1.0 and 2.0
mkpkg() {
	v=$1 d=$T_TMP/pkg$1
	mkdir -p "$d/DEBIAN" "$d/usr/bin" "$d/usr/share/vsbox-hello" "$d/etc" "$T_TMP/repo$v"
	printf 'Package: vsbox-hello\nVersion: %s\nArchitecture: all\nMaintainer: vsbox tests <root@localhost>\nDescription: a test package of vunify\n' "$v" >"$d/DEBIAN/control"
	echo /etc/vsbox-hello.conf >"$d/DEBIAN/conffiles"
	printf '#!/bin/sh\necho "hello %s $(head -1 /etc/vsbox-hello.conf)"\n' "$v" >"$d/usr/bin/vsbox-hello"
	chmod 755 "$d/usr/bin/vsbox-hello"
	head -c 1048576 /dev/urandom >"$d/usr/share/vsbox-hello/data"
	# 8 KiB: an extent of its own, not inline data (btrfs)
	{ echo "greeting=$v"; i=0; while [ $i -lt 128 ]; do echo "# $(printf '%060d' $i)"; i=$((i + 1)); done; } >"$d/etc/vsbox-hello.conf"
	deb=$T_TMP/repo$v/vsbox-hello_${v}_all.deb
	dpkg-deb -b --root-owner-group "$d" "$deb" >/dev/null || bail "dpkg-deb failed"
	{ dpkg-deb -f "$deb"; echo "Filename: ./${deb##*/}"; echo "Size: $(stat -c %s "$deb")"
	  echo "SHA256: $(sha256sum <"$deb" | cut -d' ' -f1)"; } >"$T_TMP/repo$v/Packages" || bail "can't index $deb"
}
mkpkg 1.0
mkpkg 2.0

mkdir -p "$VSBOX_ROOTDIR" "$VSBOX_CONFDIR"
# (du1, du2 and du3 are checked by name; a caller may add more: GUESTS)
GUESTS=${GUESTS:-du1 du2 du3}
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
D=usr/share/vsbox-hello/data
not_same() { ! same3 "$1" "$2" "$2"; }
rc_is "vapt ALL -- update" 0 vapt ALL -- -q update
[ "$RC" = 0 ] || diag "$OUT" "$ERR"
rc_is "vapt ALL -- install vsbox-hello (1.0)" 0 vapt ALL -- -y -q install vsbox-hello
[ "$RC" = 0 ] || diag "$(printf '%s\n' "$OUT" "$ERR" | tail -20)"
for g in $GUESTS; do is "  $g runs 1.0" "$(vserver $g exec vsbox-hello)" "hello 1.0 greeting=1.0"; done
sync
rc_is "vunify ${UNIFY_OPT:-(auto: $METHOD here)} ALL" 0 vunify $UNIFY_OPT ALL
diag "$OUT"
${AFTER_UNIFY:-true}
check "  1.0's data file is shared by the three" same3 "$B/du1/$D" "$B/du2/$D" "$B/du3/$D"
check "  so is /usr/bin/apt-get" same3 "$B/du1/usr/bin/apt-get" "$B/du2/usr/bin/apt-get" "$B/du3/usr/bin/apt-get"
vserver du2 exec sed -i s/greeting=1.0/greeting=mine/ /etc/vsbox-hello.conf
repo 2.0
rc_is "vapt --unify ALL -- install vsbox-hello (2.0, over unified files)" 0 sh -c "vapt ALL -- -q update >/dev/null && vapt --unify${UNIFY_OPT:+=$METHOD} ALL -- -y -q -o Dpkg::Options::=--force-confold install vsbox-hello"
[ "$RC" = 0 ] || diag "$(printf '%s\n' "$OUT" "$ERR" | tail -20)"
like "  ends with vunify's summary" "$OUT" "${SUMMARY:-^vunify: [1-9][0-9]* files shared}"
${AFTER_UNIFY:-true}
is "  du1 runs 2.0 with 2.0's conffile" "$(vserver du1 exec vsbox-hello)" "hello 2.0 greeting=2.0"
is "  du2 runs 2.0 with its own edited conffile" "$(vserver du2 exec vsbox-hello)" "hello 2.0 greeting=mine"
is "  du3 runs 2.0" "$(vserver du3 exec vsbox-hello)" "hello 2.0 greeting=2.0"
check "  2.0's data file is shared again" same3 "$B/du1/$D" "$B/du2/$D" "$B/du3/$D"
check "  it is 2.0's" cmp -s "$T_TMP/pkg2.0/$D" "$B/du1/$D"
if [ "$METHOD" = overlay ]; then   # (where an edit is a copy: shared)
	check "  the conffiles, equal in du1 and du3, are shared" same3 "$B/du1/etc/vsbox-hello.conf" "$B/du3/etc/vsbox-hello.conf" "$B/du3/etc/vsbox-hello.conf"
	check "  du2's edited one is its own" not_same "$B/du1/etc/vsbox-hello.conf" "$B/du2/etc/vsbox-hello.conf"
else
	check "  the conffiles, equal in du1 and du3, are not shared (/etc)" not_same "$B/du1/etc/vsbox-hello.conf" "$B/du3/etc/vsbox-hello.conf"
fi
vserver du3 exec sh -c 'echo x >> /usr/share/vsbox-hello/data'
check "a guest appends to a unified file of the package" test "$(stat -c %s "$B/du3/$D")" = 1048578
check "  the others never see it" sh -c "cmp -s '$T_TMP/pkg2.0/$D' '$B/du1/$D' && cmp -s '$T_TMP/pkg2.0/$D' '$B/du2/$D'"
# (link: the append broke du3's link; reflink: only the last extent was
# copied, the first ones are still shared)
[ "$METHOD" = reflink ] || check "  du3's link is broken: its copy is an inode of its own" not_same "$B/du1/$D" "$B/du3/$D"
rc_is "vapt ALL -- reinstall (on unified files)" 0 vapt ALL -- -y -q reinstall vsbox-hello
check "  du3's file is the package's again" cmp -s "$T_TMP/pkg2.0/$D" "$B/du3/$D"
check "  and so are the others'" sh -c "cmp -s '$T_TMP/pkg2.0/$D' '$B/du1/$D' && cmp -s '$T_TMP/pkg2.0/$D' '$B/du2/$D'"
rc_is "vunify${UNIFY_OPT:+ $UNIFY_OPT} ALL" 0 vunify $UNIFY_OPT ALL
${AFTER_UNIFY:-true}
check "  shared again" same3 "$B/du1/$D" "$B/du2/$D" "$B/du3/$D"
rc_is "vapt ALL -- remove (on unified files)" 0 vapt ALL -- -y -q remove vsbox-hello
check "  the files are gone, the conffiles stay" sh -c "! ls '$B'/du*/$D 2>/dev/null | grep -q . && [ \$(ls '$B'/du*/etc/vsbox-hello.conf | wc -l) = $(echo $GUESTS | wc -w) ]"
rc_is "vapt --unify ALL -- purge" 0 vapt --unify${UNIFY_OPT:+=$METHOD} ALL -- -y -q purge vsbox-hello
check "  the conffiles are gone" sh -c "! ls '$B'/du*/etc/vsbox-hello.conf 2>/dev/null | grep -q ."
is "  dpkg knows it no more" "$(vserver du1 exec dpkg-query -W vsbox-hello >/dev/null 2>&1; echo $?)" 1
