#!/bin/sh
# vunify-btrfs.t - the overlay method for guests whose roots are btrfs
# subvolumes, as vserver build makes them on btrfs (lib/uovlsv.c): kill -9
# of vunify while it moves a root's entries, then a start, leaves every
# guest whole; --method auto picks overlay; each subvolume becomes
# $VSBOX_ROOTDIR/.ovl/NAME with its id, holding upper, work and lower, the
# guest's root keeping its mode, xattrs and times; a running guest's
# changes stay its own, the store's files are unchanged, two guests
# reading one unified 20 MiB file fill the page cache once; vdu; the
# filesystem checks clean; --undo gives back a subvolume root equal to
# what the guest showed, also after kill -9 at its steps; DISK_LIMIT
# (a qgroup) charges the guest's own layer, not the store; delete. No
# addresses.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/guest-lib.sh"
. "$(dirname "$0")/unify-lib.sh"
command -v btrfs >/dev/null && command -v getfattr >/dev/null || bail "btrfs and getfattr are needed"
ovl_test_setup
ufs btrfs 400M mkfs.btrfs -q || bail "can't make a btrfs loop image"
export VSBOX_ROOTDIR=$MNT/vs
B=$VSBOX_ROOTDIR
mkdir -p "$B"
rootid() { btrfs inspect-internal rootid "$1" 2>/dev/null; }
# meta DIR: a root directory's own mode, owner, mtime and user xattr
meta() { echo "$(stat -c '%a %U %Y' "$1") $(getfattr --only-values -n user.root "$1" 2>/dev/null)"; }
for i in 1 2 3 4 5 6; do head -c 262144 /dev/urandom >"$T_TMP/r$i"; done
for g in s1 s2 s3; do
	guest $g
	mkdir -p "$B/$g/usr/share/kd"
	for i in 1 2 3; do cp "$T_TMP/r$i" "$B/$g/bin/r$i"; cp "$T_TMP/r$((i + 3))" "$B/$g/usr/share/kd/r$((i + 3))"; done
	head -c 20971520 /dev/zero | tr '\0' 'v' >"$B/$g/usr/big20"
	vserver $g start -q && vserver $g stop -q || bail "can't start $g"
	# the root directory's own metadata, which the adoption must keep
	setfattr -n user.root -v "$g" "$B/$g"; chmod 750 "$B/$g"; touch -d @1000000000 "$B/$g"
	tree "$B/$g" >"$T_TMP/tree.$g"; meta "$B/$g" >"$T_TMP/meta.$g"
	eval "ID_$g=$(rootid "$B/$g")"
done
is "vserver build made subvolumes" "$(stat -c %i "$B/s1" "$B/s2" "$B/s3" | sort -u)" 256
# refused, changing nothing: a root holding the name the move needs, an
# immutable one
mkdir "$B/s3/.vsbox-upper"
rc_is "a subvolume root holding /.vsbox-upper is refused" 1 vunify --method overlay s1 s3
is "  saying why" "$ERR" "vunify: s3: its root (a btrfs subvolume) holds /.vsbox-upper, the name its move needs"
rmdir "$B/s3/.vsbox-upper"; touch -d @1000000000 "$B/s3"
chattr +i "$B/s3"
rc_is "an immutable one too" 1 vunify --method overlay s1 s3
is "  saying why" "$ERR" "vunify: s3: its root (a btrfs subvolume) is immutable or append-only (chattr -ia)"
chattr -i "$B/s3"
is "  nothing changed" "$(ls -A "$B" | tr '\n' ' ')$(stat -c %i "$B/s1" "$B/s3" | tr '\n' ' ')$(tree "$B/s3" | diff "$T_TMP/tree.s3" -)" "s1 s2 s3 256 256 "
whole() {   # every s guest, mounted (or its move finished) by a start, shows its tree as before
	bad=0
	for g in s1 s2 s3; do
		vserver $g start -q && vserver $g stop -q || bad=$((bad + 1))
		tree "$B/$g" | cmp -s - "$T_TMP/tree.$g" || { bad=$((bad + 1)); diag "$g changed:" "$(tree "$B/$g" | diff "$T_TMP/tree.$g" - | head -5)"; }
		[ "$(meta "$B/$g")" = "$(cat "$T_TMP/meta.$g")" ] || { bad=$((bad + 1)); diag "$g's root: $(meta "$B/$g"), was $(cat "$T_TMP/meta.$g")"; }
	done
	echo $bad
}

# ---- kill -9 while roots move, then a start ------------------------------------------
# (a kernel with iunlink, the tier's patched one, makes auto link: named then)
if [ "$(iunlink_here "$MNT")" = yes ]; then M="--method overlay"; else M=""; fi
for p in adopt:1 adopt-move:3 adopt-move:5 store:2 stub:4 fold:5; do
	VSBOX_VUNIFY_CRASH=$p vunify $M s1 s2 s3 >/dev/null 2>&1
	rc=$?
	case $p in adopt*) is "kill -9 after $p: vunify reached it" "$rc" 137 ;; esac
	is "kill -9 after $p: every guest whole" "$(whole)" 0
done
for d in 0.01 0.05; do
	vunify $M s1 s2 s3 >/dev/null 2>&1 & P=$!
	sleep $d; kill -9 $P 2>/dev/null; wait $P 2>/dev/null
done
is "kill -9 at two moments: every guest whole" "$(whole)" 0
rc_is "vunify ${M:-(auto)} s1 s2 s3: a rerun completes" 0 vunify $M s1 s2 s3
[ "$RC" = 0 ] || diag "$ERR"
is "  overlays (auto picks overlay on btrfs)" "$(stat -f -c %T "$B/s1" "$B/s2" "$B/s3" | sort -u)" overlayfs
is "  each guest's layers are its old root's subvolume, the same id" \
	"$(rootid "$B/.ovl/s1") $(rootid "$B/.ovl/s2") $(rootid "$B/.ovl/s3")" "$ID_s1 $ID_s2 $ID_s3"
check "  holding upper, work and lower, nothing else; no move left half done" sh -c \
	"for g in s1 s2 s3; do [ \"\$(ls -A '$B/.ovl/'\$g | tr '\n' ' ')\" = 'lower upper work ' ] || exit 1; done; [ -z \"\$(ls -A '$B/.ovl/.adopt')\" ]"
check "  no r file in any upper layer" sh -c "! ls '$B'/.ovl/s*/upper/bin/r[0-9] '$B'/.ovl/s*/upper/usr/share/kd/r[0-9] 2>/dev/null"
check "  every store file immutable, named after its content" store_ok
is "  every guest whole, its root's mode, owner, mtime and xattr kept" "$(whole)" 0
(cd "$B/.ovl/store" && find . -type f | sort | xargs md5sum) >"$T_TMP/store.sums"

# ---- running: copy-ups, whiteouts, the page cache ---------------------------------------
for g in s1 s2; do vserver $g start -q || bail "can't start $g"; done
vserver s1 exec sh -c 'echo more >>/bin/r1; rm /bin/r2; chmod 600 /bin/r3; echo new >/usr/share/kd/new'
is "a running guest appends, deletes, chmods, creates (copy-ups and whiteouts in its subvolume)" \
	"$(vserver s1 exec sh -c 'stat -c %s /bin/r1; [ -e /bin/r2 ] || echo gone; stat -c %a /bin/r3; cat /usr/share/kd/new' | tr '\n' ' ')" "262149 gone 600 new "
is "  the other sees the originals" "$(vserver s2 exec sh -c 'stat -c %s /bin/r1; stat -c %a /bin/r2 /bin/r3' | tr '\n' ' ')" "262144 644 644 "
check "  the store's files are unchanged" sh -c "cd '$B/.ovl/store' && md5sum -c --quiet '$T_TMP/store.sums'"
S=$(find "$B/.ovl/store" -type f -size 20480k)
check "  the 20 MiB file is stored once" test -f "$S"
cache_once s1 s2 "$S" /usr/big20; check "  two guests reading it grow the page cache by 20 MiB, not 40 (KiB:$CACHE_GOT)" [ $? = 0 ]
for g in s1 s2; do vserver $g stop -q; done
check "stopped, s1's root shows its changes" sh -c "[ \$(stat -f -c %T '$B/s1') = overlayfs ] && [ \$(stat -c %s '$B/s1/bin/r1') = 262149 ] && [ ! -e '$B/s1/bin/r2' ]"
sync
s1t=$(vdu_col s1 2 s1) s1s=$(vdu_col s1 3 s1) s1o=$(vdu_col s1 4 s1)
# (the 20 MiB file, busybox, r3 to r6: r1 is its own now, r2 gone)
lo=$((20480 + 1024 + $(kib "$B/s1/bin/busybox")))
within "vdu: s1 shares its 20 MiB file, busybox and the r files it did not change" "$s1s" $lo $((lo + 1024))
is "  total = shared + own" "$s1t" $((s1s + s1o))
tt=$(vdu --total s1 s2 s3 | awk '$1 == "TOTAL" { print $2 }')
within "  --total counts the store once" "$tt" $((s1s + s1o)) $((s1s + 3 * s1o + 64))

# ---- --undo: a subvolume root again ------------------------------------------------------
tree "$B/s1" >"$T_TMP/tree.s1"
(cd "$B/s1" && getfattr -R -h -d -m - . 2>/dev/null) >"$T_TMP/xattrs.s1"
rc_is "vunify --undo s1" 0 vunify --undo s1
check "  a subvolume root again, the same id, no overlay, no layers" sh -c \
	"[ \$(stat -f -c %T '$B/s1') != overlayfs ] && [ '$(rootid "$B/s1")' = '$ID_s1' ] && [ ! -e '$B/.ovl/s1' ] && [ -z \"\$(ls -A '$B/.ovl/.undo')\" ]"
check "  its subvolume id still" sh -c "[ \$(btrfs inspect-internal rootid '$B/s1') = '$ID_s1' ] && [ \$(stat -c %i '$B/s1') = 256 ]"
is "  the same tree (names, types, modes, owners, mtimes, contents)" "$(tree "$B/s1" | diff "$T_TMP/tree.s1" - 2>&1 | head -8)" ""
is "  the same xattrs, none of vsbox's or overlayfs's" "$( (cd "$B/s1" && getfattr -R -h -d -m - . 2>/dev/null) | diff "$T_TMP/xattrs.s1" - 2>&1 | head -8)" ""
is "  its root's mode, owner, mtime and xattr" "$(meta "$B/s1")" "$(cat "$T_TMP/meta.s1")"
rc_is "  it starts" 0 vserver s1 start -q
is "  and reads its files" "$(vserver s1 exec sh -c 'cat /usr/share/kd/new; stat -c %s /bin/r1')" "new
262149"
vserver s1 stop -q
tree "$B/s2" >"$T_TMP/tree.s2"
for p in undo-swap:1 undo-move:3; do
	VSBOX_VUNIFY_CRASH=$p vunify --undo s2 >/dev/null 2>&1
	is "kill -9 of --undo after $p: it reached it" "$?" 137
	vserver s2 start -q && vserver s2 stop -q
	is "  then a start: s2 whole" "$(tree "$B/s2" | diff "$T_TMP/tree.s2" - 2>&1 | head -8)" ""
done
check "  a subvolume root again, the same id" sh -c "[ \$(stat -f -c %T '$B/s2') != overlayfs ] && [ '$(rootid "$B/s2")' = '$ID_s2' ] && [ ! -e '$B/.ovl/s2' ]"
is "  its root's metadata" "$(meta "$B/s2")" "$(cat "$T_TMP/meta.s2")"
check "  no note of the move left on it" sh -c "! getfattr -n trusted.vsbox.adopt '$B/s2' >/dev/null 2>&1"
rc_is "and it can be unified again" 0 vunify --method overlay s1 s2
like "  sharing its files in the run that moves its root" "$OUT" '^vunify: [1-9][0-9]* files shared, [^,]*, [0-9]+ already shared, 0 changed during the run'
check "  no r file left in its upper layer" sh -c "! ls '$B'/.ovl/s2/upper/bin/r[0-9] '$B'/.ovl/s2/upper/usr/share/kd/r[0-9] 2>/dev/null"
is "  both overlays" "$(stat -f -c %T "$B/s1" "$B/s2" | sort -u):$(tree "$B/s2" | diff "$T_TMP/tree.s2" - | head -3)" "overlayfs:"

# ---- DISK_LIMIT: the subvolume's qgroup charges what is the guest's own ----------------
if btrfs quota enable "$MNT" 2>/dev/null && btrfs quota rescan -w "$MNT" >/dev/null 2>&1; then
	echo DISK_LIMIT=40M >>"$VSBOX_CONFDIR/s2.conf"
	rc_is "DISK_LIMIT=40M on s2, btrfs quotas on" 0 vserver s2 start -q
	[ "$RC" = 0 ] || diag "$ERR"
	used() { sync; vserver s2 limits --json | python3 -c "import json, sys; print(json.load(sys.stdin)['disk']['used'] // 1024)"; }
	within "  its unified 20 MiB file is not charged to it (KiB used)" "$(used)" 1 8192
	rc_is "  it writes 16M of its own" 0 vserver s2 exec dd if=/dev/zero of=/f1 bs=1M count=16
	within "  charged to it" "$(used)" 16384 24576
	check "  30M more is over its limit" sh -c "! vserver s2 exec dd if=/dev/zero of=/f2 bs=1M count=30 2>/dev/null"
	vserver s2 exec rm -f /f1 /f2
	vserver s2 stop -q
	sed -i '/^DISK_LIMIT/d' "$VSBOX_CONFDIR/s2.conf"
else
	skip "DISK_LIMIT on btrfs: can't enable quotas here"
fi

# ---- a USERNS guest: its overlay's layers idmapped ----------------------------------------
if "$VSBOX" --check-kernel "$B" 2>/dev/null | grep -q '^overlayfs idmapped layers  *yes'; then
	guest u1; echo USERNS=yes >>"$VSBOX_CONFDIR/u1.conf"
	cp "$T_TMP/r1" "$B/u1/bin/r1"
	rc_is "a USERNS guest's subvolume root becomes an overlay" 0 vunify --method overlay u1
	rc_is "  it starts" 0 vserver u1 start -q
	is "  inside, its root owns its unified file, content the same" \
		"$(vserver u1 exec sh -c 'stat -c %u:%g /bin/r1; md5sum </bin/r1 | cut -d" " -f1' | tr '\n' ' ')" "0:0 $(md5sum <"$T_TMP/r1" | cut -d' ' -f1) "
	vserver u1 exec sh -c 'echo x >>/bin/r1; echo y >/new'
	is "  what it writes is plain root's on disk, in its subvolume" "$(stat -c %u:%g "$B/.ovl/u1/upper/bin/r1" "$B/.ovl/u1/upper/new" | tr '\n' ' ')" "0:0 0:0 "
	vserver u1 stop -q
else
	skip "a USERNS guest on btrfs: this kernel's overlayfs can't idmap its layers"
fi

# ---- delete; the filesystem checks clean ------------------------------------------------
rc_is "vserver s3 delete" 0 vserver s3 delete --force -q
check "  its subvolume and mount point are gone" sh -c "[ ! -e '$B/s3' ] && [ ! -e '$B/.ovl/s3' ] && ! btrfs subvolume list '$MNT' | grep -q ' vs/.ovl/s3\$'"
check "  the others are whole" sh -c "cmp -s '$B/s2/bin/r1' '$T_TMP/r1' && [ -x '$B/s1/bin/busybox' ]"
GUESTS="s1 s2 u1"
check "the overlays unmount" unmount_all
unmount_fs "$MNT" "$dev"
check "  the filesystem checks clean" fsck_clean btrfs "$dev"
mount "$dev" "$MNT" || bail "can't mount $MNT again"
rc_is "after a boot, the first start mounts the overlay again" 0 vserver s2 start -q
vserver s2 stop -q
is "  showing its tree" "$(tree "$B/s2" | diff "$T_TMP/tree.s2" - | head -3)" ""
done_testing
