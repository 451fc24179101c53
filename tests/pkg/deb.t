#!/bin/sh
# deb.t - the package tier (make check-pkg): build the Debian package from a
# clean copy of the tree (build/deb.sh: dpkg-buildpackage -us -uc -b, then
# lintian on the .deb and the .changes, which must be clean), look at what it
# holds, then in a throwaway Debian root (debootstrap minbase, cached under
# /var/cache/vsbox) install it with dpkg, build and run a guest with the
# installed files only, upgrade to a rebuilt package (the same files, a
# higher version) while the guest runs (it keeps running: same init), stop
# it, remove, purge (guest roots and configurations stay), and purge an
# untouched install (what the package made is gone). VSBOX_DEB=FILE tests a
# .deb built already (lintian then runs on it alone).
TOP=$(cd "$(dirname "$0")/../.." && pwd)
VSBOX=${VSBOX:-$TOP/vsbox}
. "$TOP/tests/lib.sh"
need_root
. "$TOP/tests/guest-lib.sh"
SUITE=${VSBOX_DEBIAN_SUITE:-bookworm}
MIRROR=${VSBOX_DEBIAN_MIRROR:-http://deb.debian.org/debian}
TB=/var/cache/vsbox/debian-$SUITE-minbase.tar.gz
R="$T_TMP/chroot"
for c in dpkg-buildpackage lintian; do
	command -v $c >/dev/null || VSBOX_EXTRA_PKGS="debhelper lintian" sh "$TOP/build/deps.sh" ||
		bail "can't install debhelper and lintian"
done

# ---- build and lintian ------------------------------------------------------------
if [ -n "${VSBOX_DEB:-}" ]; then
	DEB=$VSBOX_DEB
	run_rc lintian --fail-on warning "$DEB"
else
	run_rc sh "$TOP/build/deb.sh" "$T_TMP/debs"
	DEB=$(ls "$T_TMP"/debs/vsbox_*.deb 2>/dev/null)
fi
is "the package builds and lintian has no error or warning (exit 0)" "$RC" 0
[ "$RC" = 0 ] || diag "$(printf '%s\n' "$OUT" "$ERR" | grep -E '^[EW]:' || printf '%s\n' "$OUT" "$ERR" | tail -n 30)"
[ -f "$DEB" ] || bail "no .deb"
like "its name: vsbox_VERSION_ARCH.deb" "$(basename "$DEB")" "^vsbox_[0-9][^_]*_$(dpkg --print-architecture)\.deb\$"
C=$(dpkg-deb -c "$DEB" | awk '{print $6 ($7 ? " " $7 " " $8 : "")}')
for f in ./usr/sbin/vsbox ./usr/share/man/man8/vserver.8.gz ./lib/systemd/system/vserver@.service \
	 ./lib/systemd/system/vservers.service ./lib/systemd/system/rebootmgr.service ./etc/init.d/vservers \
	 ./etc/init.d/rebootmgr ./usr/share/bash-completion/completions/vsbox \
	 ./usr/share/vsbox/kernel/vsbox.config ./usr/share/vsbox/kernel/README.md ./etc/vservers/; do
	like "it holds $f" "$C" "^$f( |\$)"
done
is "a relative link per applet in /usr/sbin" \
	"$(printf '%s\n' "$C" | sed -n 's|^\./usr/sbin/\([^ ]*\) -> vsbox$|\1|p' | sort | tr '\n' ' ')" \
	"$("$VSBOX" --list | sort | tr '\n' ' ')"
like "the units run /usr/sbin's applets" "$(dpkg-deb --fsys-tarfile "$DEB" | tar xOf - ./lib/systemd/system/vserver@.service)" \
	'ExecStart=/usr/sbin/vserver %i start'

# ---- a throwaway Debian root ------------------------------------------------------
debootstrap_cached "$TB"
mkdir -p "$R"
tar -C "$R" --numeric-owner -xzf "$TB" || bail "can't unpack $TB"
# its / a mount point, as a real root is (a start makes the tree private)
mount --bind "$R" "$R" || bail "can't bind-mount the chroot"
# the chroot sees the host's kernel interfaces: proc, sys (with the cgroup
# hierarchies), dev; lib.sh's cleanup unmounts everything under T_TMP
mount -t proc proc "$R/proc" && mount --rbind /sys "$R/sys" && mount --make-rslave "$R/sys" &&
	mount --rbind /dev "$R/dev" && mount --make-rslave "$R/dev" || bail "can't mount the chroot's proc, sys, dev"
mount -t tmpfs tmpfs "$R/run" || bail "can't mount the chroot's /run"
# no service of the chroot starts by itself: policy-rc.d, which invoke-rc.d
# asks before each action of the maintainer scripts, notes it and says no
printf '#!/bin/sh\necho "$*" >>/tmp/rc-actions\nexit 101\n' >"$R/usr/sbin/policy-rc.d"
chmod 755 "$R/usr/sbin/policy-rc.d"
in_root() { chroot "$R" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin VSBOX_CGROUP_BASE="$VSBOX_CGROUP_BASE" "$@"; }
on_cleanup "in_root vserver pk1 stop -q >/dev/null 2>&1"
cp "$DEB" "$R/tmp/vsbox.deb"
mkimage "$T_TMP/img" "$R/tmp/guest.tgz"

rc_is "dpkg -i in the throwaway root" 0 in_root dpkg -i /tmp/vsbox.deb
[ "$RC" = 0 ] || diag "$OUT" "$ERR"
is "/vservers made with mode 0700" "$(stat -c %a "$R/vservers" 2>&1)" 700
is "/etc/vservers is there" "$(stat -c %F "$R/etc/vservers" 2>&1)" directory
is "vsbox runs from /usr/sbin, its applets through their links" "$(in_root vserver-stat --help | head -n 1)" "usage: vserver-stat [--json]"
check "its SysV scripts are registered" sh -c "ls '$R'/etc/rc2.d | grep -q 'S[0-9]*rebootmgr'"
check "  and its systemd units enabled (vservers, rebootmgr)" \
	test -L "$R/etc/systemd/system/multi-user.target.wants/vservers.service" -a -L "$R/etc/systemd/system/multi-user.target.wants/rebootmgr.service"
is "  the install asked to start rebootmgr only, not vservers (the guests)" "$(tr -d "()" <"$R/tmp/rc-actions")" "rebootmgr start"

# ---- a guest from the installed files only ------------------------------------------
rc_is "vserver pk1 build --tar" 0 in_root vserver pk1 build -q --tar /tmp/guest.tgz
printf '#!/bin/sh\nsleep 3700 &\n' >"$R/vservers/pk1/etc/rc"
sed -i 's/^#*IPROOT=.*/IPROOT=127.0.7.2/; s/^#*IPROOTDEV=.*/IPROOTDEV=lo/' "$R/etc/vservers/pk1.conf"
rc_is "vserver pk1 start" 0 in_root vserver pk1 start -q
[ "$RC" = 0 ] || diag "$ERR"
st() { in_root vserver pk1 status --json | python3 -c 'import json, sys; d = json.load(sys.stdin); print(d["running"], d["init_pid"], d["addresses"])'; }
S1=$(st)
like "it runs, on 127.0.7.2" "$S1" "^True [0-9]+ \['127.0.7.2'\]\$"
like "its sleeper is in its own context" "$(in_root vps --name pk1 -o args=)" "sleep 3700"

# ---- upgrade with the guest running -----------------------------------------------------
V=$(dpkg-deb -f "$DEB" Version)
dpkg-deb -R "$DEB" "$T_TMP/re"
sed -i "s/^Version: .*/Version: $V+t1/" "$T_TMP/re/DEBIAN/control"
dpkg-deb -b "$T_TMP/re" "$R/tmp/vsbox2.deb" >/dev/null || bail "can't repack the package"
: >"$R/tmp/rc-actions"
rc_is "dpkg -i of the rebuilt package (an upgrade)" 0 in_root dpkg -i /tmp/vsbox2.deb
is "  it asked to restart rebootmgr and nothing else: no guest stops or starts" \
	"$(tr -d "()" <"$R/tmp/rc-actions")" "rebootmgr restart"
is "  the new version is installed" "$(in_root dpkg-query -W -f '${Version}' vsbox)" "$V+t1"
is "  the guest kept running: the same init" "$(st)" "$S1"
rc_is "vserver pk1 stop" 0 in_root vserver pk1 stop -q
check "  it has stopped" sh -c "! ip -4 addr show dev lo | grep -q 'inet 127.0.7.2/'"

# ---- remove, purge -----------------------------------------------------------------------
: >"$R/tmp/rc-actions"
rc_is "dpkg -r vsbox" 0 in_root dpkg -r vsbox
is "  it asked to stop rebootmgr only" "$(tr -d "()" <"$R/tmp/rc-actions")" "rebootmgr stop"
check "  the binary is gone" test ! -e "$R/usr/sbin/vsbox" -a ! -L "$R/usr/sbin/vserver"
check "  the guest's root and configuration stay" test -f "$R/vservers/pk1/bin/busybox" -a -f "$R/etc/vservers/pk1.conf"
rc_is "dpkg -P vsbox" 0 in_root dpkg -P vsbox
check "  a purge keeps the guest's root and configuration" test -f "$R/vservers/pk1/bin/busybox" -a -f "$R/etc/vservers/pk1.conf"
check "  and removes the units and scripts" test ! -e "$R/lib/systemd/system/vservers.service" -a ! -e "$R/etc/init.d/vservers"
rm -rf "$R/vservers" "$R/etc/vservers"
in_root dpkg -i /tmp/vsbox.deb >/dev/null 2>&1
rc_is "install and purge again, with no guest" 0 in_root dpkg -P vsbox
check "  /vservers, /etc/vservers and /var/lib/vsbox are gone" test ! -e "$R/vservers" -a ! -e "$R/etc/vservers" -a ! -e "$R/var/lib/vsbox"
is "  nothing of the package left in /etc/systemd" "$(find "$R/etc/systemd" -name '*vserver*' -o -name '*rebootmgr*' | wc -l)" 0
check "  nor in /etc/rc?.d" sh -c "! ls '$R'/etc/rc?.d | grep -qE 'vservers|rebootmgr'"
done_testing
