# guest-lib.sh - a busybox guest image for the vserver/vservers tests.
# Source after lib.sh. mkimage DIR TARBALL: see build/mkguest.sh.
command -v busybox >/dev/null || bail "busybox (busybox-static) is needed"
export VSBOX_CONFDIR="$T_TMP/etc" VSBOX_ROOTDIR="$T_TMP/vs"
chmod 755 "$T_TMP"

mkimage() { sh "$T_TOP/build/mkguest.sh" "$@" >/dev/null || bail "can't make the guest image"; }
