#!/bin/sh
# vunify.t - the reflink method (lib/unify.c, lib/ureflink.c) on btrfs,
# with guests built by vserver build (subvolume roots) and running: files
# the three guests have in common share their extents; excluded trees,
# dpkg conffiles, other owners and other xattrs are not shared; a guest's
# write to its unified copy is its own; symlinks and hard links planted
# toward host files or other guests' files are never followed or shared;
# a file that keeps changing is skipped; dry-run changes nothing; a rerun
# finds everything shared; kill -9 at any moment leaves every file whole;
# vbuild --unify, vserver build --template --unify.
# Then XFS (reflink=1) with plain directories, ext4 refused, bad input.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/guest-lib.sh"
. "$(dirname "$0")/unify-lib.sh"
command -v filefrag >/dev/null && command -v setfattr >/dev/null || bail "filefrag and setfattr are needed (e2fsprogs, attr)"
mkimage "$T_TMP/img" "$T_TMP/guest.tgz"
mkdir -p "$VSBOX_CONFDIR"
GUESTS=""
on_cleanup 'for g in $GUESTS; do vserver $g stop -q >/dev/null 2>&1; done'

ufs btrfs 400M mkfs.btrfs -q || bail "can't make a btrfs loop image"
export VSBOX_ROOTDIR=$MNT/vs
mkdir -p "$VSBOX_ROOTDIR"
head -c 2097152 /dev/urandom >"$T_TMP/big"
head -c 65536 /dev/urandom >"$T_TMP/lib"
# 32 MiB: read for long enough that a touch loop changes it meanwhile
head -c 33554432 /dev/urandom >"$T_TMP/busy"
cp "$T_TMP/big" "$MNT/hostfile"
for g in vu1 vu2 vu3; do
	guest $g
	R=$VSBOX_ROOTDIR/$g
	mkdir -p "$R/usr/lib" "$R/usr/share" "$R/var/lib/dpkg/info" "$R/opt/app/etc"
	cp "$T_TMP/big" "$R/usr/lib/big"; cp "$T_TMP/lib" "$R/usr/lib/lib.so"
	cp "$T_TMP/lib" "$R/usr/lib/owner"; cp "$T_TMP/lib" "$R/usr/lib/xattr"
	cp "$T_TMP/lib" "$R/usr/share/conf"; cp "$T_TMP/lib" "$R/etc/big"
	cp "$T_TMP/lib" "$R/opt/app/etc/x"
	cp "$T_TMP/lib" "$R/usr/lib/linked"; cp "$T_TMP/busy" "$R/usr/lib/busy"
done
B=$VSBOX_ROOTDIR
chown 1000 "$B/vu3/usr/lib/owner"
setfattr -n user.x -v 1 "$B/vu2/usr/lib/xattr"
echo /usr/share/conf >"$B/vu1/var/lib/dpkg/info/pkg.conffiles"
ln "$B/vu1/usr/lib/linked" "$B/vu1/etc/linked"      # one name excluded
# hostile: vu2 points at a host file, vu3 holds a hard link of one
ln -s "$MNT/hostfile" "$B/vu2/usr/lib/hostlink"
ln -s /usr/lib "$B/vu2/usr/lib/dirlink"
rm "$B/vu3/usr/lib/big"; cp --reflink=never "$MNT/hostfile" "$B/vu3/usr/lib/big"
ln "$MNT/hostfile" "$B/vu3/usr/lib/hosthard" 2>/dev/null || diag "no hard link across subvolumes: $(stat -c %i "$B/vu3")"
sync
H0=$(phys "$MNT/hostfile")
for g in vu1 vu2; do vserver $g start -q || bail "can't start $g"; done

rc_is "dry-run" 0 vunify --method reflink --dry-run vu1 vu2 vu3
like "  lists a file it would share" "$OUT" "^vu2:/usr/lib/big = vu1:/usr/lib/big \(2.0M\)$"
like "  and the saving in its summary" "$OUT" '^vunify: [0-9]+ files would be shared, [0-9.]+[KM] would be saved'
check "  changes nothing" not_shared "$B/vu1/usr/lib/big" "$B/vu2/usr/lib/big"
# a file kept changing meanwhile (its mtime, not its content) is skipped
( while :; do touch "$B/vu2/usr/lib/busy"; done ) & TOUCH=$!
track_pid $TOUCH
sleep 0.2
rc_is "vunify --method reflink vu1 vu2 vu3 (vu1 and vu2 running)" 0 vunify --method reflink vu1 vu2 vu3
kill $TOUCH; wait $TOUCH 2>/dev/null
like "  a summary line" "$OUT" '^vunify: [0-9]+ files shared, [0-9.]+[KM] saved, 0 already shared, [0-9]+ changed during the run \(skipped\), 0 refused \(immutable\), 0 failed, [0-9]+ files scanned, [0-9.]+ s$'
check "  a 2M file is shared by the three guests" shared3 "$B/vu1/usr/lib/big" "$B/vu2/usr/lib/big" "$B/vu3/usr/lib/big"
check "  busybox is shared" shared "$B/vu1/bin/busybox" "$B/vu3/bin/busybox"
check "  /etc is excluded" not_shared "$B/vu1/etc/big" "$B/vu2/etc/big"
check "  /opt/*/etc is excluded" not_shared "$B/vu1/opt/app/etc/x" "$B/vu2/opt/app/etc/x"
check "  vu1's conffile is not shared" not_shared "$B/vu1/usr/share/conf" "$B/vu2/usr/share/conf"
check "  the others' copies of it are" shared "$B/vu2/usr/share/conf" "$B/vu3/usr/share/conf"
check "  another owner: not shared" not_shared "$B/vu1/usr/lib/owner" "$B/vu3/usr/lib/owner"
check "  another xattr: not shared" not_shared "$B/vu1/usr/lib/xattr" "$B/vu2/usr/lib/xattr"
check "  an inode with a name under /etc: not shared" not_shared "$B/vu1/usr/lib/linked" "$B/vu2/usr/lib/linked"
check "  the file that kept changing: skipped" not_shared "$B/vu1/usr/lib/busy" "$B/vu2/usr/lib/busy"
within "  and counted as changed" "$(summary 'changed')" 1 3
is "the host file behind a planted symlink and hard link is untouched" "$(phys "$MNT/hostfile")" "$H0"
check "  and shares nothing" sh -c "! filefrag -v '$MNT/hostfile' | grep -q shared"
is "  the symlinks are symlinks still" "$(readlink "$B/vu2/usr/lib/hostlink") $(readlink "$B/vu2/usr/lib/dirlink")" "$MNT/hostfile /usr/lib"
for g in vu1 vu2 vu3; do cmp -s "$T_TMP/big" "$B/$g/usr/lib/big" || not_ok "$g's big changed"; done
ok "every copy has its content"
# copy-on-write: a guest's append is its own
vserver vu2 exec sh -c 'echo x >> /usr/lib/big'
check "a running guest appends to its unified file" sh -c "[ \$(stat -c %s '$B/vu2/usr/lib/big') = 2097154 ]"
check "  the others never see it" sh -c "cmp -s '$T_TMP/big' '$B/vu1/usr/lib/big' && cmp -s '$T_TMP/big' '$B/vu3/usr/lib/big'"
is "  vu1 reads its own copy unchanged" "$(vserver vu1 exec md5sum /usr/lib/big | cut -d' ' -f1)" "$(md5sum <"$T_TMP/big" | cut -d' ' -f1)"
rc_is "a rerun" 0 vunify --method reflink vu1 vu2 vu3
is "  shares only the file that kept changing before" "$(summary shared)" 1
within "  finds the rest already shared" "$(summary 'already shared')" 10 100000
sync
within "vdu: vu3's own is small now" "$(vdu_col vu3 4 vu3)" 0 2400
within "  and its shared part holds busybox" "$(vdu_col vu3 3 vu3)" "$(kib "$B/vu3/bin/busybox")" 100000

# --exclude-from and the defaults file
printf '# more\n/usr/lib/skip1\n' >"$T_TMP/excl"
for f in skip1 skip2; do cp "$T_TMP/big" "$B/vu1/usr/lib/$f"; cp "$T_TMP/big" "$B/vu2/usr/lib/$f"; done
sync
rc_is "--exclude-from" 0 vunify --method reflink --exclude-from "$T_TMP/excl" vu1 vu2
check "  its pattern is excluded" not_shared "$B/vu1/usr/lib/skip1" "$B/vu2/usr/lib/skip1"
check "  the rest is not" shared "$B/vu1/usr/lib/skip2" "$B/vu2/usr/lib/skip2"
printf 'usr/lib\n' >"$T_TMP/bad"
rc_is "a relative pattern" 1 vunify --method reflink --exclude-from "$T_TMP/bad" vu1 vu2
is "  FILE:LINE" "$ERR" "vunify: $T_TMP/bad:1: 'usr/lib' is not an absolute path pattern"
mkdir -p "$VSBOX_CONFDIR/.defaults"; echo /usr >"$VSBOX_CONFDIR/.defaults/vunify-exclude"
rc_is ".defaults/vunify-exclude replaces the built-in list" 0 vunify --method reflink --dry-run vu1 vu2
like "  /etc is a candidate now, /usr is not" "$(printf '%s\n' "$OUT" | grep '^vu2:' | cut -d: -f2 | cut -d/ -f2 | sort -u | tr '\n' ' ')" '^etc (opt )?$'
rm -r "$VSBOX_CONFDIR/.defaults"

# kill -9 at several moments: every file whole, no other name appears
for g in vu1 vu2 vu3; do (cd "$B/$g" && find . | sort >"$T_TMP/names.$g"); done
for g in k1 k2 k3; do
	guest $g
	for i in 1 2 3 4 5 6 7 8; do head -c 1048576 /dev/urandom >"$T_TMP/r$i"; done
done
for g in k1 k2 k3; do for i in 1 2 3 4 5 6 7 8; do cp "$T_TMP/r$i" "$B/$g/bin/r$i"; done; (cd "$B/$g" && find . | sort >"$T_TMP/names.$g"); done
sync
for d in 0.005 0.02 0.05; do
	vunify --method reflink k1 k2 k3 >/dev/null 2>&1 & P=$!
	sleep $d; kill -9 $P 2>/dev/null; wait $P 2>/dev/null
done
bad=0
for g in k1 k2 k3; do
	for i in 1 2 3 4 5 6 7 8; do cmp -s "$T_TMP/r$i" "$B/$g/bin/r$i" || bad=$((bad + 1)); done
	[ "$(cd "$B/$g" && find . | sort)" = "$(cat "$T_TMP/names.$g")" ] || bad=$((bad + 1))
done
is "kill -9 during vunify (3 times): every file whole, the same names" "$bad" 0
rc_is "  then a run completes" 0 vunify --method reflink k1 k2 k3
check "  and shares them" shared "$B/k1/bin/r8" "$B/k3/bin/r8"

# (--unify runs vunify's auto method: overlay, where overlayfs can; the
# files then share the extents of their one store file)
rc_is "vbuild --unify vu3 vu4" 0 vbuild -q --unify vu3 vu4
like "  prints vunify's summary" "$OUT" '^vunify: [1-9][0-9]* files shared'
is "  both overlays now (auto)" "$(stat -f -c %T "$B/vu3" "$B/vu4" | sort -u)" overlayfs
check "  the copy shares busybox with its template" shared "$B/vu3/bin/busybox" "$B/vu4/bin/busybox"
vserver vu1 stop -q
rc_is "vserver vu5 build --template vu1 --unify" 0 vserver vu5 build -q --template vu1 --unify
check "  shares the template's files at once" shared "$B/vu1/usr/lib/lib.so" "$B/vu5/usr/lib/lib.so"
rc_is "  --unify without a template guest: usage error" 2 vserver vu6 build --tar "$T_TMP/guest.tgz" --unify

# ---- XFS, plain directories; ext4 refused ----------------------------------------
ufs xfs 300M mkfs.xfs -q -m reflink=1 || bail "can't make an XFS loop image"
export VSBOX_ROOTDIR=$MNT/vs
X=$VSBOX_ROOTDIR
for g in x1 x2; do mkdir -p "$X/$g/usr/bin"; cp "$T_TMP/big" "$X/$g/usr/bin/big"; done
cp "$T_TMP/big" "$X/x1/usr/bin/a"; cp "$T_TMP/big" "$X/x2/usr/bin/copy"
ln "$X/x1/usr/bin/big" "$X/x2/usr/bin/x1s"   # another guest's inode, hard-linked
cp "$T_TMP/big" "$MNT/hostfile"; ln "$MNT/hostfile" "$X/x2/usr/bin/hosthard"   # a host file's
sync
P0=$(phys "$X/x1/usr/bin/big") H0=$(phys "$MNT/hostfile")
rc_is "XFS: vunify --method reflink x1 x2" 0 vunify --method reflink x1 x2
check "  shares x2's copies with x1's file" shared3 "$X/x1/usr/bin/a" "$X/x2/usr/bin/copy" "$X/x2/usr/bin/big"
is "  the inode linked from one guest into the other is in neither's group" "$(summary shared)" 2
is "  and was not touched" "$(phys "$X/x1/usr/bin/big")" "$P0"
is "  nor was the host file hard-linked into x2" "$(phys "$MNT/hostfile")" "$H0"
within "  vdu: x2 shares all four (two reflinks, two hard links)" "$(vdu_col x2 3 x2)" 8192 8192
ufs ext4 64M mkfs.ext4 -q || bail "can't make an ext4 loop image"
export VSBOX_ROOTDIR=$MNT/vs
mkdir -p "$VSBOX_ROOTDIR/e1" "$VSBOX_ROOTDIR/e2"
rc_is "ext4: --method reflink refused" 1 vunify --method reflink e1 e2
is "  naming the filesystem and what is needed" "$ERR" \
	"vunify: e1: $VSBOX_ROOTDIR/e1 is on ext4 (neither btrfs nor XFS): --method reflink needs btrfs, or XFS made with reflink=1"
rc_is "one guest only, reflink" 2 vunify --method reflink e1
rc_is "a bad method" 2 vunify --method hardlink e1 e2
rc_is "a missing guest" 1 vunify nosuch e1
like "  named" "$ERR" "^vunify: nosuch: can't open its root $VSBOX_ROOTDIR/nosuch: No such file"
done_testing
