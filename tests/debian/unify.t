#!/bin/sh
# unify.t - the slow tier (make check-debian): vapt and vunify on three
# Debian minbase guests (debootstrap cached as a tarball under
# /var/cache/vsbox) on a btrfs loop image, where vunify --method reflink
# shares extents (auto is overlay there: tests/vunify-btrfs.t, and
# tests/debian/unify-overlay.t on ext4), and vapt --unify=reflink keeps
# that method: tests/debian/vapt-lib.sh (install, unify, upgrade with
# --unify, a guest's append is its own as reflinks are copy-on-write,
# reinstall, remove, purge). tests/vapt-link.t runs the same with
# the link method in the kernel tier.
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/lib.sh"
need_root
. "$TOP/tests/guest-lib.sh"
. "$TOP/tests/unify-lib.sh"
TB=/var/cache/vsbox/debian-$SUITE-minbase.tar.gz
debootstrap_cached "$TB"
ufs btrfs 3G mkfs.btrfs -q || bail "can't make a btrfs loop image"
export VSBOX_ROOTDIR=$MNT/vs
METHOD=reflink UNIFY_OPT='--method reflink'
same3() { shared3 "$@"; }
. "$TOP/tests/debian/vapt-lib.sh"
done_testing
