#!/bin/sh
# vunify-rpm.t - vunify's link and reflink methods never unify a guest's
# rpm %config files (lib/urpm.c; overlay copies them at a write): a package the test builds with rpmbuild, installed with
# the host's rpm into two guest roots on a btrfs loop image. Its %config
# file (outside the default excludes) stays each guest's own while its
# other file is shared; the same two files in guests without an rpm
# database are both shared (the control). A guest with a database on a
# host without rpm is refused with one line, nothing changed; the
# private copy of the database leaves nothing behind.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/unify-lib.sh"
VSBOX_EXTRA_PKGS=rpm sh "$T_TOP/build/deps.sh" >"$T_TMP/deps.log" 2>&1 && command -v rpmbuild >/dev/null ||
	{ echo "1..0 # SKIP rpm and rpmbuild can't be installed: $(tail -1 "$T_TMP/deps.log")"; exit 0; }

# ---- a package with a %config file ------------------------------------------
RB=$T_TMP/rb
mkdir -p "$RB/src"
head -c 262144 /dev/urandom >"$RB/src/data.bin"
head -c 131072 /dev/urandom >"$RB/src/site.conf"
cat >"$RB/vstest.spec" <<'SPEC'
Name: vstest
Version: 1
Release: 1
Summary: a package of vsbox's tests
License: none
BuildArch: noarch
%description
One data file and one configuration file.
%install
mkdir -p %{buildroot}/usr/share/vstest
cp %{_sourcedir}/data.bin %{_sourcedir}/site.conf %{buildroot}/usr/share/vstest/
%files
/usr/share/vstest/data.bin
%config(noreplace) /usr/share/vstest/site.conf
SPEC
HOME=$T_TMP rpmbuild --define "_topdir $RB" --define "_sourcedir $RB/src" -bb "$RB/vstest.spec" \
	>"$T_TMP/rpmbuild.log" 2>&1 || { tail -5 "$T_TMP/rpmbuild.log"; bail "rpmbuild failed"; }
PKG=$(ls "$RB"/RPMS/noarch/vstest-1-1.noarch.rpm) || bail "no package built"

ufs btrfs 300M mkfs.btrfs -q || bail "can't make a btrfs loop image"
export VSBOX_ROOTDIR=$MNT/vs
export VSBOX_CONFDIR=$T_TMP/etc
mkdir -p "$VSBOX_CONFDIR"
F=usr/share/vstest
for g in r1 r2; do
	R=$VSBOX_ROOTDIR/$g
	mkdir -p "$R/var/lib/rpm" "$R/tmp"
	rpm --root "$R" --dbpath /var/lib/rpm --initdb &&
	rpm --root "$R" --dbpath /var/lib/rpm -i --nodeps --noscripts --ignorearch --ignoreos "$PKG" \
		>>"$T_TMP/rpm.log" 2>&1 || { cat "$T_TMP/rpm.log"; bail "can't install the package into $g"; }
done
is "the package is in r1's own database" "$(rpm --root "$VSBOX_ROOTDIR/r1" --dbpath /var/lib/rpm -qc vstest)" "/$F/site.conf"
for g in p1 p2; do      # the control: the same files, no rpm database
	mkdir -p "$VSBOX_ROOTDIR/$g/$F"
	cp "$RB/src/data.bin" "$RB/src/site.conf" "$VSBOX_ROOTDIR/$g/$F/"
done
sync
leftover() { ls -d /tmp/vsbox-rpmdb.* 2>/dev/null | wc -l; }
L0=$(leftover)

# (the method that keeps %config files out: overlay copies them at a write)
rc_is "a guest with an rpm database, no rpm on the host" 1 env PATH="$T_TMP/bin" vunify --method reflink r1 r2
is "  one line says so" "$ERR" "vunify: r1: has an rpm database, and the host has no rpm to read its %config files (apt-get install rpm)"
check "  nothing was shared" not_shared "$VSBOX_ROOTDIR/r1/$F/data.bin" "$VSBOX_ROOTDIR/r2/$F/data.bin"
is "  no copy of the database left" "$(leftover)" "$L0"

rc_is "vunify --method reflink r1 r2" 0 vunify --method reflink r1 r2
check "  the package's data file is shared" shared "$VSBOX_ROOTDIR/r1/$F/data.bin" "$VSBOX_ROOTDIR/r2/$F/data.bin"
check "  its %config file is not" not_shared "$VSBOX_ROOTDIR/r1/$F/site.conf" "$VSBOX_ROOTDIR/r2/$F/site.conf"
is "  no copy of the database left" "$(leftover)" "$L0"
rc_is "the control: vunify --method reflink p1 p2" 0 vunify --method reflink p1 p2
check "  site.conf shared where no database names it" shared "$VSBOX_ROOTDIR/p1/$F/site.conf" "$VSBOX_ROOTDIR/p2/$F/site.conf"
rc_is "r1's database is still whole: rpm -V vstest in r1" 0 rpm --root "$VSBOX_ROOTDIR/r1" --dbpath /var/lib/rpm -V vstest
done_testing
