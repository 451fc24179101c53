# guest-lib.sh - a busybox guest image for the vserver/vservers tests.
# Source after lib.sh. mkimage DIR TARBALL: see build/mkguest.sh.
command -v busybox >/dev/null || bail "busybox (busybox-static) is needed"
export VSBOX_CONFDIR="$T_TMP/etc" VSBOX_ROOTDIR="$T_TMP/vs"
chmod 755 "$T_TMP"

mkimage() { sh "$T_TOP/build/mkguest.sh" "$@" >/dev/null || bail "can't make the guest image"; }

# the Debian tier's suite and mirror (a caller may have set SUITE), and
# where its debootstraps and apt layers are kept across runs
: "${SUITE:=${VSBOX_DEBIAN_SUITE:-bookworm}}" "${MIRROR:=${VSBOX_DEBIAN_MIRROR:-http://deb.debian.org/debian}}"
CACHE=/var/cache/vsbox

# debootstrap_cached TARBALL [DEBOOTSTRAP-OPTION]...: a Debian minbase root
# of $SUITE from $MIRROR with those options, made once and kept as TARBALL
# (under /var/cache/vsbox: the slow tiers share it across runs).
# DEBOOTSTRAP_VARIANT: another variant; set and empty: Debian's default
# system (with systemd)
debootstrap_cached() {
	_tb=$1; shift
	[ -s "$_tb" ] && return 0
	VSBOX_EXTRA_PKGS="debootstrap" sh "$T_TOP/build/deps.sh" || bail "can't install debootstrap"
	diag "debootstrap ${DEBOOTSTRAP_VARIANT-minbase} $SUITE $* (once; cached in $_tb)"
	mkdir -p "$(dirname "$_tb")" "$T_TMP/boot"
	_v=${DEBOOTSTRAP_VARIANT-minbase}
	debootstrap ${_v:+--variant=$_v} "$@" "$SUITE" "$T_TMP/boot" "$MIRROR" >"$T_TMP/debootstrap.log" 2>&1 ||
		{ tail -20 "$T_TMP/debootstrap.log"; bail "debootstrap failed"; }
	tar -C "$T_TMP/boot" --numeric-owner -czf "$_tb.tmp" . && mv "$_tb.tmp" "$_tb" || bail "can't cache $_tb"
	rm -rf "$T_TMP/boot"
}

# debian_apt_cached BASE PKG...: BASE (a cached tarball: a debootstrap, or
# an earlier layer) with Debian's PKGs installed by its own apt-get
# (dependencies and recommends, as an administrator gets them), made once
# and kept beside BASE, named after BASE and the package list; APT_TB is
# its path. apt-get runs chrooted on the host's network, in a mount and PID
# namespace of its own with /proc and /dev/shm; a policy-rc.d keeps the
# maintainer scripts from starting any daemon there, and goes again: the
# configuration stays the packages' own.
# apt_tb BASE PKG...: the name of that layer's tarball (made or not)
apt_tb() { _b=$1; shift; echo "${_b%.tar.gz}+$(printf '%s ' "$@" | cksum | cut -d' ' -f1).tar.gz"; }
debian_apt_cached() {
	_base=$1; shift
	APT_TB=$(apt_tb "$_base" "$@")
	[ -s "$APT_TB" ] && return 0
	diag "apt-get install $* into $(basename "$_base") (once; cached in $APT_TB)"
	_r="$T_TMP/aptroot"
	rm -rf "$_r"; mkdir -p "$_r"
	tar -C "$_r" --numeric-owner -xzf "$_base" || bail "can't unpack $_base"
	printf '#!/bin/sh\nexit 101\n' >"$_r/usr/sbin/policy-rc.d"
	chmod 755 "$_r/usr/sbin/policy-rc.d"
	unshare -m -p -f sh -c '
		mount -t proc proc "$1/proc" && mkdir -p "$1/dev/shm" && mount -t tmpfs shm "$1/dev/shm" || exit 1
		shift
		exec chroot "$0" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
			sh -c "apt-get update -q && apt-get install -y -q \"\$@\" && apt-get clean" sh "$@"' \
		"$_r" "$_r" "$@" >"$T_TMP/apt.log" 2>&1 ||
		{ tail -20 "$T_TMP/apt.log"; bail "apt-get install $* failed"; }
	rm -f "$_r/usr/sbin/policy-rc.d"
	tar -C "$_r" --numeric-owner -czf "$APT_TB.tmp" . && mv "$APT_TB.tmp" "$APT_TB" || bail "can't cache $APT_TB"
	rm -rf "$_r"
}
