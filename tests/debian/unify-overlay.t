#!/bin/sh
# unify-overlay.t - the slow tier (make check-debian): vapt and vunify on
# five Debian minbase guests (debootstrap cached under /var/cache/vsbox)
# on an ext4 loop image, where vunify's auto is the overlay method on a
# stock kernel: tests/debian/vapt-lib.sh (install, unify, upgrade with
# --unify, a guest's append is its own, reinstall, remove, purge, dpkg on
# unified files). The guests run throughout, so each vunify leaves them to
# be folded at their next start: a restart follows each.
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/lib.sh"
need_root
. "$TOP/tests/guest-lib.sh"
. "$TOP/tests/unify-lib.sh"
TB=/var/cache/vsbox/debian-$SUITE-minbase.tar.gz
debootstrap_cached "$TB"
ufs ext4 3G mkfs.ext4 -q || bail "can't make an ext4 loop image"
export VSBOX_ROOTDIR=$MNT/vs
mkdir -p "$VSBOX_ROOTDIR"
if "$VSBOX" --check-kernel "$VSBOX_ROOTDIR" | grep -q '^immutable linkage invert  *yes'; then
	echo "1..0 # SKIP auto is the link method on this kernel (tests/vapt-link.t)"; exit 0
fi
"$VSBOX" --check-kernel "$VSBOX_ROOTDIR" | grep -q '^overlayfs data-only layers  *yes' ||
	{ echo "1..0 # SKIP no overlayfs data-only layers here"; exit 0; }
on_cleanup 'for m in $(awk -v d="$VSBOX_ROOTDIR/" "\$3 == \"overlay\" && index(\$2, d) == 1 { print \$2 }" /proc/mounts); do umount "$m" 2>/dev/null || umount -l "$m"; done'
METHOD=overlay
B=$VSBOX_ROOTDIR
# ovl_ref PATH: the store file an overlay guest's file is, "own" when it
# is in the guest's upper layer
ovl_ref() {
	_p=${1#"$B"/}; _g=${_p%%/*}; _r=${_p#*/}
	if [ -e "$B/.ovl/$_g/upper/$_r" ] || [ -L "$B/.ovl/$_g/upper/$_r" ]; then echo own; return; fi
	getfattr --only-values -n trusted.overlay.redirect "$B/.ovl/$_g/lower/$_r" 2>/dev/null || echo none
}
same3() {
	_a=$(ovl_ref "$1")
	[ "$_a" != own ] && [ "$_a" != none ] && [ "$_a" = "$(ovl_ref "$2")" ] && [ "$_a" = "$(ovl_ref "$3")" ]
}
GUESTS="du1 du2 du3 du4 du5"
restart() { for g in $GUESTS; do vserver $g stop -q && vserver $g start -q || bail "can't restart $g"; done; }
AFTER_UNIFY=restart
SUMMARY="^vunify: .* [1-9][0-9]* at their guest.s next start"
. "$TOP/tests/debian/vapt-lib.sh"
for g in du4 du5; do is "$g runs too" "$(vserver $g exec sh -c 'dpkg-query -W vsbox-hello >/dev/null 2>&1; echo $?; apt-get --version | head -1 | cut -d" " -f1')" "1
apt"; done
check "du5 shares apt-get with du1" same3 "$B/du1/usr/bin/apt-get" "$B/du5/usr/bin/apt-get" "$B/du4/usr/bin/apt-get"
SF=$(find "$B/.ovl/store" -type f | head -1)
is "the store's files are named after their content" "$(basename "$(dirname "$SF")")$(basename "$SF")" "$(b64name "$SF")"
done_testing
