#!/bin/sh
# vapt-link.t - vapt and vunify --method link on three Debian minbase
# guests (tests/debian/vapt-lib.sh: install, unify, upgrade with --unify,
# reinstall, remove and purge over files hard-linked to the store; a
# guest's append breaks its link, the others never see it), on the kernel
# tier's scratch ext4 disk with the patched kernel. It needs the cached
# debootstrap in the run's tree (build/kernel-check.sh puts
# /var/cache/vsbox/debian-bookworm-minbase.tar.gz there as build/cache/);
# the kernel tier has no network. Elsewhere, and on a kernel without the
# immutable linkage invert, it skips.
TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/tests/lib.sh"
need_root
. "$TOP/tests/guest-lib.sh"
. "$TOP/tests/unify-lib.sh"
TB=$TOP/build/cache/debian-$SUITE-minbase.tar.gz
[ -b "${VSBOX_KT_EXT4:-}" ] || { echo "1..0 # SKIP the kernel tier only (its scratch ext4 disk, VSBOX_KT_EXT4)"; exit 0; }
[ -s "$TB" ] || { echo "1..0 # SKIP no $TB (build/kernel-check.sh copies the cached debootstrap there)"; exit 0; }
MNT=$T_TMP/ext4
mkfs.ext4 -q -F -O quota,project "$VSBOX_KT_EXT4" >"$T_TMP/mkfs.log" 2>&1 || bail "can't mkfs $VSBOX_KT_EXT4: $(cat "$T_TMP/mkfs.log")"
mkdir -p "$MNT"; mount "$VSBOX_KT_EXT4" "$MNT" || bail "can't mount $VSBOX_KT_EXT4"
on_cleanup "umount '$MNT' 2>/dev/null || umount -l '$MNT'"
if ! "$VSBOX" --check-kernel "$MNT" | grep -q '^immutable linkage invert  *yes'; then
	[ "${VSBOX_KERNEL_PATCHED:-}" = 1 ] && bail "VSBOX_KERNEL_PATCHED=1 but no immutable linkage invert on ext4"
	echo "1..0 # SKIP no immutable linkage invert on ext4 here (kernel/patches 0001)"; exit 0
fi
export VSBOX_ROOTDIR=$MNT/vs
METHOD=link
# one inode, the store's (hard-linked, immutable)
same3() { i=$(stat -c %i "$1"); [ "$(stat -c %i "$2")" = "$i" ] && [ "$(stat -c %i "$3")" = "$i" ] && [ "$(stat -c %h "$1")" -ge 3 ]; }
. "$TOP/tests/debian/vapt-lib.sh"
done_testing
