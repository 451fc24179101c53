#!/bin/sh
# 60-unify.sh - what vunify saves (lib/unify.c, lib/ureflink.c): ten
# Debian minbase guests from the cached debootstrap
# (/var/cache/vsbox/debian-bookworm-minbase.tar.gz, made once: a few
# minutes) on a btrfs loop image, built with vserver build --tar (subvolume
# roots); disk used before and after vunify --method reflink ALL (btrfs filesystem du, and
# df), vunify's time (first run, and a rerun that finds everything shared),
# vdu's figures. Target: each guest beyond the first costs <= 5 % of a full
# copy after unification (the reference paper: 1.9 %). A minbase guest
# keeps ~85 MiB of apt's caches under /var (package lists, pkgcache.bin),
# which vunify never shares (/var is state); the figures are given again
# once they are removed from every guest (apt-get clean, rm the lists, as
# one does for a template).
set -u
: "${VSBOX:?}"
for c in losetup mkfs.btrfs btrfs; do
	command -v $c >/dev/null || { echo "# 60-unify: $c missing"; exit 1; }
done
. "$(dirname "$0")/debian-lib.sh"
TB=$DEB_CACHE/debian-$SUITE-minbase.tar.gz
deb_cached "$TB" || { echo "# 60-unify: no debootstrap of $SUITE (debootstrap, network?)"; exit 1; }
T=$(mktemp -d /tmp/vsbox-bench-unify.XXXXXX)
chmod 755 "$T"
export VSBOX_RUNDIR="$T/run" VSBOX_CONFDIR="$T/etc"
LOOP=""
cleanup() {
	[ -n "$LOOP" ] && { umount "$T/mnt" 2>/dev/null || umount -l "$T/mnt"; losetup -d "$LOOP"; }
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE
mkdir -p "$VSBOX_CONFDIR" "$T/mnt"
truncate -s 6G "$T/img"
mkfs.btrfs -q "$T/img" >/dev/null 2>&1 || { echo "# 60-unify: mkfs.btrfs failed"; exit 1; }
LOOP=$(losetup -f --show "$T/img") && mount "$LOOP" "$T/mnt" || { echo "# 60-unify: can't mount"; exit 1; }
export VSBOX_ROOTDIR=$T/mnt/vs
mkdir -p "$VSBOX_ROOTDIR"
N=10
for i in $(seq 1 $N); do
	"$VSBOX" vserver deb$i build -q --tar "$TB" || { echo "# 60-unify: build deb$i failed"; exit 1; }
done
sync; btrfs filesystem sync "$T/mnt"
used() { btrfs filesystem usage -b "$T/mnt" 2>/dev/null | awk '/^ *Used:/ { print $2; exit }'; }
ONE=$(btrfs filesystem du -s --raw "$VSBOX_ROOTDIR/deb1" | awk 'NR == 2 { print $1 }')
U0=$(used)
t0=$(date +%s.%N)
"$VSBOX" vunify --method reflink ALL >"$T/out1" 2>&1 || { echo "# 60-unify: vunify failed: $(tail -1 "$T/out1")"; exit 1; }
t1=$(date +%s.%N)
"$VSBOX" vunify --method reflink ALL >"$T/out2" 2>&1
t2=$(date +%s.%N)
sync; btrfs filesystem sync "$T/mnt"
U1=$(used)
EXCL=$(btrfs filesystem du -s --raw "$VSBOX_ROOTDIR"/deb* | awk 'NR > 1 { e += $2 } END { print e }')
SET=$(btrfs filesystem du -s --raw "$VSBOX_ROOTDIR"/deb* | awk 'NR > 1 { s += $3 } END { print s }')
"$VSBOX" vdu --bytes --total ALL >"$T/vdu"
OWN=$(awk '$1 == "deb2" { print $4 }' "$T/vdu")
TOT=$(awk '$1 == "TOTAL" { print $2 }' "$T/vdu")
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f %%", 100 * a / b }'; }
echo "60-unify: $N Debian $SUITE minbase guests on btrfs: one guest's files $(mib "$ONE")"
echo "60-unify: data used before vunify ALL $(mib "$U0"), after $(mib "$U1") ($(pct "$U1" "$U0"))"
echo "60-unify: vunify ALL first run $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f s", b - a }'): $(sed -n 's/^vunify: \([0-9]* files shared, [^,]* saved\).*/\1/p' "$T/out1")"
echo "60-unify: vunify ALL rerun $(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.2f s", b - a }'): $(sed -n 's/^vunify: [0-9]* files shared, [^,]* saved, \([0-9]* already shared\).*/\1/p' "$T/out2")"
echo "60-unify: btrfs filesystem du: exclusive of all guests $(mib "$EXCL"), set shared $(mib "$SET")"
echo "60-unify: vdu: deb2's own $(mib "$OWN") = $(pct "$OWN" "$ONE") of a full copy (target <= 5 %); all ten together $(mib "$TOT")"
echo "60-unify: each guest beyond the first costs $(pct "$(( (U1 - ONE) / (N - 1) ))" "$ONE") of a full copy on disk ((used after - one guest) / 9)"
# apt's caches removed in every guest (rm in the bench's own fresh images)
for i in $(seq 1 $N); do
	rm -rf "$VSBOX_ROOTDIR/deb$i/var/lib/apt/lists/"* "$VSBOX_ROOTDIR/deb$i/var/cache/apt/"*.bin \
		"$VSBOX_ROOTDIR/deb$i/var/cache/apt/archives/"*.deb
done
sync; btrfs filesystem sync "$T/mnt"
ONE2=$(btrfs filesystem du -s --raw "$VSBOX_ROOTDIR/deb1" | awk 'NR == 2 { print $1 }')
U2=$(used)
"$VSBOX" vdu --bytes --total ALL >"$T/vdu2"
OWN2=$(awk '$1 == "deb2" { print $4 }' "$T/vdu2")
EX2=$(btrfs filesystem du -s --raw "$VSBOX_ROOTDIR/deb2" | awk 'NR == 2 { print $2 }')
echo "60-unify: without apt's caches (lists, pkgcache): a full copy $(mib "$ONE2"), deb2's own $(mib "$OWN2") = $(pct "$OWN2" "$ONE2") (vdu), $(mib "$EX2") = $(pct "$EX2" "$ONE2") exclusive data (btrfs filesystem du); each guest beyond the first $(pct "$(( (U2 - ONE2) / (N - 1) ))" "$ONE2") of the disk used (data and metadata)"
# the floor: a reflinked copy of one guest, every extent shared with it,
# costs its metadata alone (inodes, directories, extent references): no
# unification of a guest can cost less on btrfs
cp -a --reflink=always "$VSBOX_ROOTDIR/deb1" "$T/mnt/floor" || { echo "# 60-unify: cp --reflink failed"; exit 1; }
sync; btrfs filesystem sync "$T/mnt"
U3=$(used)
echo "60-unify: the floor, a reflinked copy of one guest (all data shared, its metadata alone): $(pct "$((U3 - U2))" "$ONE2") of a full copy"
