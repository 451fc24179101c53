# guest-lib.sh - a busybox guest image for the vserver/vservers tests.
# Source after lib.sh. mkimage DIR TARBALL: see build/mkguest.sh.
command -v busybox >/dev/null || bail "busybox (busybox-static) is needed"
export VSBOX_CONFDIR="$T_TMP/etc" VSBOX_ROOTDIR="$T_TMP/vs"
chmod 755 "$T_TMP"

mkimage() { sh "$T_TOP/build/mkguest.sh" "$@" >/dev/null || bail "can't make the guest image"; }

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
