#!/bin/sh
# vunify-link.t - vunify's link method (lib/ulink.c). Everywhere: without
# the immutable linkage invert (kernel/patches 0001) --method link is
# refused naming it, and auto falls back to overlay or reflink (btrfs) or
# refuses naming all three (ext4). With it (the kernel tier's patched kernels, ext4):
# identical files of three busybox guests become one store inode
# (ROOTDIR/.hash) flagged immutable + iunlink; the rules of the reflink
# method hold (excludes, conffiles, owner, xattrs, links elsewhere); a
# guest may remove or replace its copy (write then rename, as dpkg does);
# an append breaks the link (patch 0002) and the others never see it; a
# guest unified later joins the store reading only its own files, also
# from another project (PROJINHERIT); kill -9 at several points leaves
# every file whole and the next run removes the temporary names; planted
# symlinks and hard links toward host files are never followed or shared;
# vdu counts the store's links as shared; e2fsck is clean afterwards.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/guest-lib.sh"
. "$(dirname "$0")/unify-lib.sh"
command -v filefrag >/dev/null && command -v mkfs.ext4 >/dev/null || bail "filefrag and mkfs.ext4 are needed (e2fsprogs)"
mkdir -p "$VSBOX_CONFDIR"
head -c 2097152 /dev/urandom >"$T_TMP/big"
head -c 65536 /dev/urandom >"$T_TMP/lib"
head -c 98304 /dev/urandom >"$T_TMP/multi"

# flags FILE: "iu" when immutable + iunlink, else "-"
flags() {
	python3 - "$1" <<'EOF'
import fcntl, struct, sys
f = open(sys.argv[1], "rb")
fl = struct.unpack("i", fcntl.ioctl(f, 0x80086601, b"\0" * 8)[:4])[0]
print("iu" if fl & 0x08000010 == 0x08000010 else "-")
EOF
}
ino() { stat -c %i "$1"; }
same_ino() { [ "$(ino "$1")" = "$(ino "$2")" ]; }
other_ino() { ! same_ino "$1" "$2"; }

# ---- btrfs: no iunlink there; auto is overlay (its subvolume roots move
# whole, lib/uovlsv.c) where overlayfs has data-only layers, else reflink ----------
ufs btrfs 300M mkfs.btrfs -q || bail "can't make a btrfs loop image"
export VSBOX_ROOTDIR=$MNT/vs
mkdir -p "$VSBOX_ROOTDIR"
for g in b1 b2; do
	btrfs -q subvolume create "$VSBOX_ROOTDIR/$g" >/dev/null || bail "can't make a subvolume"
	mkdir -p "$VSBOX_ROOTDIR/$g/usr/lib"; cp "$T_TMP/big" "$VSBOX_ROOTDIR/$g/usr/lib/big"
done
sync
rc_is "btrfs: vunify b1 b2 (auto, subvolume roots)" 0 vunify b1 b2
check "  falls back to overlay or reflink: the copies share their extents" shared "$VSBOX_ROOTDIR/b1/usr/lib/big" "$VSBOX_ROOTDIR/b2/usr/lib/big"
check "  two inodes still, no store" sh -c "[ $(stat -c %d:%i "$VSBOX_ROOTDIR/b1/usr/lib/big") != $(stat -c %d:%i "$VSBOX_ROOTDIR/b2/usr/lib/big") ] && [ ! -e '$VSBOX_ROOTDIR/.hash' ]"
rc_is "btrfs: --method link" 1 vunify --method link b1 b2
like "  refused, naming the kernel feature" "$ERR" "^vunify: --method link needs the kernel's immutable linkage invert \(FS_IXUNLINK_FL, kernel/patches 0001\) on $VSBOX_ROOTDIR: not on btrfs"

# ---- ext4 ----------------------------------------------------------------------------------
if [ -n "${VSBOX_KT_EXT4:-}" ] && [ -b "$VSBOX_KT_EXT4" ]; then
	# the kernel tier's scratch disk: a real one, made afresh
	MNT=$T_TMP/ext4
	mkfs.ext4 -q -F -O quota,project "$VSBOX_KT_EXT4" >"$T_TMP/mkfs.log" 2>&1 || bail "can't mkfs $VSBOX_KT_EXT4: $(cat "$T_TMP/mkfs.log")"
	mkdir -p "$MNT"; mount "$VSBOX_KT_EXT4" "$MNT" || bail "can't mount $VSBOX_KT_EXT4"
	on_cleanup "umount '$MNT' 2>/dev/null || umount -l '$MNT'"
	DEV=$VSBOX_KT_EXT4
else
	# project ids where the kernel has ext4 quotas, else a plain ext4
	ufs ext4 300M mkfs.ext4 -q -F -O quota,project || ufs ext4 300M mkfs.ext4 -q -F ||
		bail "can't make an ext4 loop image"
	DEV=${U_LOOPS%% *}; DEV=${DEV#*=}
fi
export VSBOX_ROOTDIR=$MNT/vs
B=$VSBOX_ROOTDIR
mkdir -p "$B"
IU=$(iunlink_here "$MNT")
if [ "$IU" != yes ]; then
	mkdir -p "$B/e1" "$B/e2"
	rc_is "ext4 without iunlink: --method link" 1 vunify --method link e1 e2
	like "  refused in one line, naming the missing kernel feature" "$ERR" \
		"^vunify: --method link needs the kernel's immutable linkage invert \(FS_IXUNLINK_FL, kernel/patches 0001\) on $B: not on ext4 \([A-Za-z ]+\)$"
	# (e1 a mount of its own: the overlay method can't move it; a kernel
	# before 6.5 refuses its data-only lower layers first)
	mount --bind "$B/e1" "$B/e1"
	rc_is "  auto, where overlay can't be used either" 1 vunify e1 e2
	umount "$B/e1"
	like "  refused, naming the three methods" "$ERR" "^vunify: no method fits: --method link needs the kernel's immutable linkage invert .*: not on ext4 .*; --method overlay: (e1: its root $B/e1 is a filesystem of its own:|overlayfs refused data-only lower layers) .*; and e1: $B/e1 is on ext4 .*, but --method reflink needs btrfs, or XFS made with reflink=1$"
	rc_is "  one guest with reflink: usage error" 2 vunify --method reflink e1
	is "  nothing was made" "$(ls -A "$B")" "e1
e2"
	if [ "${VSBOX_KERNEL_PATCHED:-}" = 1 ]; then
		not_ok "VSBOX_KERNEL_PATCHED=1 but ext4 here has no immutable linkage invert"
	else
		skip "the link method itself: this kernel has no immutable linkage invert on ext4 (kernel/patches 0001; make kernel-check runs it)"
	fi
	done_testing
	exit
fi

# three busybox guests and their files
GUESTS=""
on_cleanup 'for g in $GUESTS; do vserver $g stop -q >/dev/null 2>&1; done'
mkimage "$T_TMP/img" "$T_TMP/guest.tgz"
guest() {
	GUESTS="$GUESTS $1"
	vserver "$1" build -q --tar "$T_TMP/guest.tgz" || bail "can't build $1"
	{ echo "S_HOSTNAME=$1"; echo 'S_FLAGS="fakeinit"'; echo 'INIT="/bin/sleep 100000"'
	  echo "STOPSIG=KILL"; echo "STOP_TIMEOUT=0"; } >"$VSBOX_CONFDIR/$1.conf"
	R=$B/$1
	mkdir -p "$R/usr/lib" "$R/usr/share" "$R/usr/bin" "$R/var/lib/dpkg/info" "$R/opt/app/etc"
	cp "$T_TMP/big" "$R/usr/lib/big"; cp "$T_TMP/lib" "$R/usr/lib/lib.so"
	cp "$T_TMP/lib" "$R/usr/lib/owner"; cp "$T_TMP/lib" "$R/usr/lib/xattr"
	cp "$T_TMP/lib" "$R/usr/share/conf"; cp "$T_TMP/lib" "$R/etc/big"
	cp "$T_TMP/lib" "$R/opt/app/etc/x"; cp "$T_TMP/lib" "$R/usr/lib/linked"
	cp "$T_TMP/lib" "$R/usr/lib/dpkg-me"; cp "$T_TMP/lib" "$R/usr/lib/rm-me"
	for b in ls cat sort; do cp -p "$(command -v $b)" "$R/usr/bin/$b"; done
	cp "$T_TMP/multi" "$R/usr/lib/multi"; ln "$R/usr/lib/multi" "$R/usr/bin/multi"   # two names
}
for g in l1 l2 l3; do guest $g; done
cp "$T_TMP/big" "$MNT/hostfile"
chown 1000 "$B/l2/usr/lib/owner"
setfattr -n user.x -v 1 "$B/l2/usr/lib/xattr"
echo /usr/share/conf >"$B/l1/var/lib/dpkg/info/pkg.conffiles"
ln "$B/l1/usr/lib/linked" "$B/l1/etc/linked"      # one name excluded
# hostile: l2 points at a host file and holds a hard link of one
ln -s "$MNT/hostfile" "$B/l2/usr/lib/hostlink"
ln -s /usr/lib "$B/l2/usr/lib/dirlink"
# (vserver build gave l2's tree a project id: a link from another project
# is EXDEV, so the host file joins l2's project first)
P2=$(lsattr -pd "$B/l2" 2>/dev/null | awk '{ print $1 }')
[ -z "$P2" ] || chattr -p "$P2" "$MNT/hostfile"
ln "$MNT/hostfile" "$B/l2/usr/lib/hosthard" || bail "can't plant a hard link to a host file in l2"
sync
HI=$(ino "$MNT/hostfile")

rc_is "ext4 with iunlink: auto, dry-run" 0 vunify --dry-run l1 l2
like "  picks link: lists a file it would share" "$OUT" "^l2:/usr/lib/big = l1:/usr/lib/big \(2.0M\)$"
check "  changes nothing" sh -c "[ ! -e '$B/.hash' ] && [ $(ino "$B/l1/usr/lib/big") != $(ino "$B/l2/usr/lib/big") ]"
for g in l1 l2; do vserver $g start -q || bail "can't start $g"; done
rc_is "vunify --method link l1 l2 (running)" 0 vunify --method link l1 l2
like "  a summary line" "$OUT" '^vunify: [0-9]+ files shared, [0-9.]+[KM] saved, 0 already shared, 0 changed during the run \(skipped\), 0 refused \(immutable\), 0 failed, [0-9]+ files scanned, [0-9.]+ s$'
check "  the 2M file is one inode in both guests" same_ino "$B/l1/usr/lib/big" "$B/l2/usr/lib/big"
is "  three links: two guests and the store" "$(stat -c %h "$B/l1/usr/lib/big")" 3
S=$(find "$B/.hash" -type f -inum "$(ino "$B/l1/usr/lib/big")")
like "  the store's name is its content's SHA-256" "${S#$B/.hash/}" "^$(sha256sum <"$T_TMP/big" | cut -c1-2)/$(sha256sum <"$T_TMP/big" | cut -c3-64)-[0-9a-f]{16}$"
is "  immutable + iunlink" "$(flags "$B/l1/usr/lib/big")" iu
check "  a file with two names in each guest: all four are the store's inode" sh -c \
	"[ $(ino "$B/l1/usr/lib/multi") = $(ino "$B/l1/usr/bin/multi") ] && [ $(ino "$B/l1/usr/lib/multi") = $(ino "$B/l2/usr/bin/multi") ] && [ $(ino "$B/l1/usr/lib/multi") = $(ino "$B/l2/usr/lib/multi") ]"
is "  five links: the store and two in each guest" "$(stat -c %h "$B/l2/usr/lib/multi") $(flags "$B/l2/usr/bin/multi")" "5 iu"
check "  busybox and ls are shared" sh -c "[ $(ino "$B/l1/bin/busybox") = $(ino "$B/l2/bin/busybox") ] && [ $(ino "$B/l1/usr/bin/ls") = $(ino "$B/l2/usr/bin/ls") ]"
check "  /etc is excluded" other_ino "$B/l1/etc/big" "$B/l2/etc/big"
check "  /opt/*/etc is excluded" other_ino "$B/l1/opt/app/etc/x" "$B/l2/opt/app/etc/x"
check "  l1's conffile is not shared" other_ino "$B/l1/usr/share/conf" "$B/l2/usr/share/conf"
check "  another owner: not shared" other_ino "$B/l1/usr/lib/owner" "$B/l2/usr/lib/owner"
check "  another xattr: not shared" other_ino "$B/l1/usr/lib/xattr" "$B/l2/usr/lib/xattr"
check "  an inode with a name under /etc: not shared" other_ino "$B/l1/usr/lib/linked" "$B/l2/usr/lib/linked"
is "  the host file hard-linked into l2 is untouched" "$(ino "$MNT/hostfile") $(stat -c %h "$MNT/hostfile") $(flags "$MNT/hostfile")" "$HI 2 -"
is "  the symlinks are symlinks still" "$(readlink "$B/l2/usr/lib/hostlink") $(readlink "$B/l2/usr/lib/dirlink")" "$MNT/hostfile /usr/lib"
for g in l1 l2; do cmp -s "$T_TMP/big" "$B/$g/usr/lib/big" || not_ok "$g's big changed"; done
ok "every copy has its content"
is "  no temporary name left" "$(find "$B/l1" "$B/l2" -name '.vunify.*' | wc -l)" 0
within "  the store is the only inode of the unified data: l2's own is small (vdu)" "$(vdu_col l2 4 l2)" 0 1024
within "  and its shared part holds the 2M file" "$(vdu_col l2 3 l2)" 2048 100000
T=$(vdu --total l1 l2 | awk '$1 == "TOTAL" { print $2 }')
T1=$(vdu_col l1 2 l1) T2=$(vdu_col l2 2 l2)
within "  vdu --total counts the shared inodes once" "$T" "$T1" $((T1 + T2 - 2048))
[ "$T" -le $((T1 + T2 - 2048)) ] 2>/dev/null || diag "$(vdu --total l1 l2)"

# one inode, one copy in the page cache: what l1 reads is cached for l2
if command -v fincore >/dev/null && [ -w /proc/sys/vm/drop_caches ]; then
	sync; echo 3 >/proc/sys/vm/drop_caches
	vserver l1 exec cat /usr/lib/big >/dev/null
	is "the page cache holds l2's 2M file once l1 has read its own" \
		"$(fincore -b -n -o RES "$B/l2/usr/lib/big" | tr -d ' ')" 2097152
else
	skip "no fincore or drop_caches here"
fi

# the guests use their unified files
is "a guest runs its unified busybox" "$(vserver l1 exec /bin/busybox ls /usr/lib/big)" /usr/lib/big
rc_is "a guest chmods a unified file: the link breaks" 0 vserver l2 exec chmod 600 /usr/lib/lib.so
check "  l2 has its own copy now, l1 keeps the store's" sh -c "[ $(stat -c %a "$B/l1/usr/lib/lib.so") = 644 ] && [ $(stat -c %a "$B/l2/usr/lib/lib.so") = 600 ] && [ $(ino "$B/l1/usr/lib/lib.so") != $(ino "$B/l2/usr/lib/lib.so") ]"
rc_is "a guest appends to its unified file" 0 vserver l2 exec sh -c 'echo x >> /usr/lib/big'
is "  its copy grew" "$(stat -c %s "$B/l2/usr/lib/big")" 2097154
check "  l1 never sees it: the store's inode, unchanged" sh -c "cmp -s '$T_TMP/big' '$B/l1/usr/lib/big' && [ $(ino "$B/l1/usr/lib/big") = $(ino "$S") ] && cmp -s '$T_TMP/big' '$S'"
is "  l2's copy is a plain file" "$(flags "$B/l2/usr/lib/big") $(stat -c %h "$B/l2/usr/lib/big")" "- 1"
rc_is "a guest removes a unified file" 0 vserver l1 exec rm /usr/lib/rm-me
check "  gone in l1, there in l2" sh -c "[ ! -e '$B/l1/usr/lib/rm-me' ] && cmp -s '$T_TMP/lib' '$B/l2/usr/lib/rm-me'"
rc_is "a guest replaces one as dpkg does (write a new file, rename it over)" 0 \
	vserver l1 exec sh -c 'echo new > /usr/lib/dpkg-me.dpkg-new && mv /usr/lib/dpkg-me.dpkg-new /usr/lib/dpkg-me'
check "  l1 has the new file, l2 the old" sh -c "[ \"\$(cat '$B/l1/usr/lib/dpkg-me')\" = new ] && cmp -s '$T_TMP/lib' '$B/l2/usr/lib/dpkg-me'"
rc_is "  but writing the store's inode through an open descriptor is refused" 1 \
	python3 -c "import os, sys; fd = os.open(sys.argv[1], os.O_RDONLY); os.fchmod(fd, 0o600)" "$S"

rc_is "a rerun" 0 vunify --method link l1 l2
within "  finds the rest already shared" "$(summary 'already shared')" 5 100000
is "  and shares nothing new (what the guests changed is theirs alone)" "$(summary shared)" 0

# a guest unified later joins the store, reading only its own files; its
# tree is in another project (ext4 PROJINHERIT)
if find "$B/l3" -type d -exec chattr +P -p 42 {} + 2>"$T_TMP/chattr.log" &&
   find "$B/l3" -type f -exec chattr -p 42 {} + 2>>"$T_TMP/chattr.log"; then
	PROJ=yes
else
	PROJ=no; diag "no project ids here: $(cat "$T_TMP/chattr.log")"
fi
N3=$(cd "$B/l3" && find . \( -path ./etc -o -path ./var -o -path ./home -o -path ./root -o -path ./tmp -o -path ./run \
	-o -path ./dev -o -path ./proc -o -path ./sys -o -path ./boot -o -path ./srv -o -path './opt/*/etc' \) -prune -o -type f -print | wc -l)
rc_is "vunify --method link l3 (alone)" 0 vunify --method link l3
is "  scans its own files only" "$(summary scanned)" "$N3"
check "  and joins the store: the 2M file is the store's inode" same_ino "$B/l1/usr/lib/big" "$B/l3/usr/lib/big"
check "  busybox too" same_ino "$B/l1/bin/busybox" "$B/l3/bin/busybox"
is "  and both names of its two-name file" "$(stat -c %h "$B/l3/usr/bin/multi") $(ino "$B/l3/usr/lib/multi")" "7 $(ino "$B/l1/usr/lib/multi")"
check "  its excluded files are its own" other_ino "$B/l1/etc/big" "$B/l3/etc/big"
if [ $PROJ = yes ]; then
	is "  linked into project 42's tree, the inode stays in its project" "$(lsattr -pd "$B/l3/usr/lib/big" | awk '{ print $1 }') $(lsattr -pd "$B/l3/usr/lib" | awk '{ print $1 }')" "0 42"
else
	skip "no ext4 project ids here"
fi

# a file that keeps changing meanwhile is skipped
head -c 8388608 /dev/urandom >"$T_TMP/busy"
for g in l1 l2; do cp "$T_TMP/busy" "$B/$g/usr/lib/busy"; done
sync
( while :; do touch "$B/l2/usr/lib/busy"; done ) & TOUCH=$!
track_pid $TOUCH
sleep 0.2
rc_is "vunify while a file keeps changing" 0 vunify --method link l1 l2
kill $TOUCH; wait $TOUCH 2>/dev/null
check "  that file is skipped" other_ino "$B/l1/usr/lib/busy" "$B/l2/usr/lib/busy"
within "  and counted as changed" "$(summary 'changed')" 1 3
# a file open for writing in a guest is skipped too (a read lease can't be had)
for g in l1 l2; do cp "$T_TMP/lib" "$B/$g/usr/lib/open"; done
sync
vserver l2 exec sh -c 'exec 3>>/usr/lib/open; sleep 100000' & OPEN=$!
track_pid $OPEN
i=0; while ! for f in /proc/[0-9]*/fd/3; do readlink "$f"; done 2>/dev/null | grep -q 'l2/usr/lib/open$' && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
rc_is "vunify while a guest holds a file open for writing" 0 vunify --method link l1 l2
if [ -e /proc/sys/fs/leases-enable ]; then
	check "  that file is not shared (no read lease while it is open for writing)" other_ino "$B/l1/usr/lib/open" "$B/l2/usr/lib/open"
else
	skip "no file leases in this kernel (FILE_LOCKING): a file open for writing can't be told"
fi
kill $OPEN 2>/dev/null; wait $OPEN 2>/dev/null

# kill -9 at several points: every file whole, and the next run cleans up
for g in k1 k2; do guest $g; done
for i in 1 2 3 4 5 6; do head -c 262144 /dev/urandom >"$T_TMP/r$i"; done
for g in k1 k2; do for i in 1 2 3 4 5 6; do cp "$T_TMP/r$i" "$B/$g/usr/lib/r$i"; done; done
for g in k1 k2; do (cd "$B/$g" && find . | sort >"$T_TMP/names.$g"); done
sync
bad=0 killed=0
for p in store:1 link:1 rename:1 store:3 link:4 rename:5; do
	VSBOX_VUNIFY_CRASH=$p vunify --method link k1 k2 >/dev/null 2>&1
	[ $? = 137 ] && killed=$((killed + 1))
	for g in k1 k2; do
		for i in 1 2 3 4 5 6; do cmp -s "$T_TMP/r$i" "$B/$g/usr/lib/r$i" || bad=$((bad + 1)); done
		# every name there, temporary ones at most besides
		[ "$(cd "$B/$g" && find . | grep -v '/\.vunify\.' | sort)" = "$(cat "$T_TMP/names.$g")" ] || bad=$((bad + 1))
	done
done
is "kill -9 at 6 points (store, link, rename): killed each time" "$killed" 6
is "  every file whole after each, every name there" "$bad" 0
rc_is "  then a run completes" 0 vunify --method link k1 k2
like "  removing the temporary names the killed runs left" "$ERR" "^vunify: removed [1-9][0-9]* temporary names? an interrupted vunify left$"
is "  none is left" "$(find "$B/k1" "$B/k2" -name '.vunify.*' | wc -l)" 0
check "  and the files are shared" sh -c "for i in 1 2 3 4 5 6; do [ \$(stat -c %i '$B/k1/usr/lib/r'\$i) = \$(stat -c %i '$B/k2/usr/lib/r'\$i) ] || exit 1; done"
is "  no store entry without a guest is kept" "$(find "$B/.hash" -type f -links 1 ! -name '.*' | wc -l)" 0
[ "$(find "$B/.hash" -type f -links 1 ! -name '.*' | wc -l)" = 0 ] || diag "$OUT" "$(find "$B/.hash" -type f -links 1 ! -name '.*' -printf '%s %p\n')" \
	"$(for f in $(find "$B/.hash" -type f -links 1 ! -name '.*'); do find "$B" -xdev -samefile "$f"; done)"
# a guest's own file named like a temporary one is never removed
echo mine >"$B/k1/usr/lib/.vunify.1.1.s"
rc_is "a guest's file named like a temporary one" 0 vunify --method link k1 k2
is "  is left alone" "$(cat "$B/k1/usr/lib/.vunify.1.1.s")" mine

# guests on another filesystem than the store
mkdir -p "$B/other"; mount -t tmpfs -o size=8M none "$B/other"
on_cleanup "umount '$B/other' 2>/dev/null"
rc_is "a guest on another filesystem" 1 vunify --method link l1 other
is "  refused in one line" "$ERR" "vunify: other: its root $B/other is on another filesystem than the store $B/.hash: --method link needs them on one"
umount "$B/other"; rmdir "$B/other"

# a package manager on unified files: dpkg (the host's, --root) installs a
# package of the test's own in l1 and l2, which are unified; then upgrade,
# reinstall, remove and purge, each on unified files
mkpkg() {   # VERSION DATAFILE
	d=$T_TMP/pkg$1; rm -rf "$d"; mkdir -p "$d/DEBIAN" "$d/usr/share/vuhello" "$d/usr/bin" "$d/etc"
	printf 'Package: vuhello\nVersion: %s\nArchitecture: all\nMaintainer: vsbox tests <t@vsbox.invalid>\nDescription: vunify-link.t\n' "$1" >"$d/DEBIAN/control"
	echo /etc/vuhello.conf >"$d/DEBIAN/conffiles"
	echo "v=$1" >"$d/etc/vuhello.conf"
	cp "$2" "$d/usr/share/vuhello/data"
	printf '#!/bin/sh\necho vuhello %s\n' "$1" >"$d/usr/bin/vuhello"; chmod 755 "$d/usr/bin/vuhello"
	dpkg-deb -b --root-owner-group "$d" "$T_TMP/vuhello_$1.deb" >/dev/null
}
dpk() {     # GUEST DPKG-ARGS...
	_g=$1; shift
	dpkg --root="$B/$_g" "$@" >"$T_TMP/dpkg.log" 2>&1 || { diag "$(cat "$T_TMP/dpkg.log")"; return 1; }
}
if command -v dpkg-deb >/dev/null; then
	head -c 131072 /dev/urandom >"$T_TMP/data1"; head -c 131072 /dev/urandom >"$T_TMP/data2"
	mkpkg 1 "$T_TMP/data1" && mkpkg 2 "$T_TMP/data2" || bail "can't build the test's packages"
	for g in l1 l2; do mkdir -p "$B/$g/var/lib/dpkg/updates"; : >"$B/$g/var/lib/dpkg/status"; done
	r=0; for g in l1 l2; do dpk $g -i "$T_TMP/vuhello_1.deb" || r=1; done
	is "dpkg installs v1 in l1 and l2" "$r" 0
	rc_is "  vunify --method link l1 l2" 0 vunify --method link l1 l2
	D=usr/share/vuhello/data
	check "  the package's data is one inode, the store's" sh -c "[ $(ino "$B/l1/$D") = $(ino "$B/l2/$D") ] && [ $(stat -c %h "$B/l1/$D") = 3 ]"
	check "  its conffile is not" other_ino "$B/l1/etc/vuhello.conf" "$B/l2/etc/vuhello.conf"
	I1=$(ino "$B/l2/$D")
	check "dpkg upgrades l1 to v2 over the unified files" dpk l1 -i "$T_TMP/vuhello_2.deb"
	check "  l1 has v2's data, l2 keeps v1's, still the store's inode" sh -c "cmp -s '$T_TMP/data2' '$B/l1/$D' && cmp -s '$T_TMP/data1' '$B/l2/$D' && [ $(ino "$B/l2/$D") = $I1 ]"
	is "  l1 runs v2, l2 v1" "$(vserver l1 exec /usr/bin/vuhello) $(vserver l2 exec /usr/bin/vuhello)" "vuhello 2 vuhello 1"
	check "  l2 upgrades too" dpk l2 -i "$T_TMP/vuhello_2.deb"
	rc_is "  vunify --method link l1 l2" 0 vunify --method link l1 l2
	check "  v2's data is shared again" same_ino "$B/l1/$D" "$B/l2/$D"
	check "dpkg reinstalls v2 in l1 over the unified file" dpk l1 -i "$T_TMP/vuhello_2.deb"
	check "  l1's copy is its own again, l2's untouched" sh -c "cmp -s '$T_TMP/data2' '$B/l1/$D' && cmp -s '$T_TMP/data2' '$B/l2/$D' && [ $(ino "$B/l1/$D") != $(ino "$B/l2/$D") ] && [ \$(stat -c %h '$B/l2/$D') -ge 2 ]"
	rc_is "  vunify --method link l1 l2" 0 vunify --method link l1 l2
	check "dpkg removes the package from l2 (unified files)" dpk l2 -r vuhello
	check "  gone from l2, there in l1" sh -c "[ ! -e '$B/l2/$D' ] && [ -e '$B/l2/etc/vuhello.conf' ] && cmp -s '$T_TMP/data2' '$B/l1/$D'"
	check "dpkg purges it from l2 and l1" sh -c "dpkg --root='$B/l2' -P vuhello >/dev/null && dpkg --root='$B/l1' -P vuhello >/dev/null"
	check "  nothing of it left in either" sh -c "[ ! -e '$B/l2/etc/vuhello.conf' ] && [ ! -e '$B/l1/$D' ] && [ ! -e '$B/l1/usr/bin/vuhello' ]"
else
	skip "no dpkg-deb here: the package manager on unified files"
fi

# vserver build --template --unify: auto picks link here
GUESTS="$GUESTS l4"
rc_is "vserver l4 build --template l1 --unify" 0 vserver l4 build -q --template l1 --unify
like "  prints vunify's summary" "$OUT" '^vunify: [1-9][0-9]* files shared'
check "  the copy's busybox is the store's inode" same_ino "$B/l1/bin/busybox" "$B/l4/bin/busybox"

for g in $GUESTS; do vserver $g stop -q >/dev/null 2>&1; done
sync
unmount_fs "$MNT" "$DEV"
check "e2fsck -fn: clean afterwards" fsck_clean ext4 "$DEV"
done_testing
