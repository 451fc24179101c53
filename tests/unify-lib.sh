# unify-lib.sh - loop filesystems for the unification tests (vdu.t,
# vunify.t). Source after lib.sh. Each image is unmounted and detached by
# the test's cleanup, even on failure.
for c in losetup mkfs.btrfs mkfs.xfs python3; do
	command -v $c >/dev/null || bail "$c is needed (util-linux, btrfs-progs, xfsprogs, python3)"
done
U_LOOPS=""
on_cleanup 'for l in $U_LOOPS; do m=${l%%=*}; umount "$m" 2>/dev/null || umount -l "$m"; losetup -d "${l#*=}" 2>/dev/null; done'
# ufs NAME SIZE MKFS...: $T_TMP/NAME.img made with MKFS and mounted on
# $T_TMP/NAME (MNT); false (with the reason as a diag) when it can't be
ufs() {
	n=$1 size=$2; shift 2
	MNT=$T_TMP/$n
	truncate -s "$size" "$T_TMP/$n.img"
	"$@" "$T_TMP/$n.img" >"$T_TMP/mkfs.log" 2>&1 || { diag "$(cat "$T_TMP/mkfs.log")"; return 1; }
	dev=$(losetup -f --show "$T_TMP/$n.img") || return 1
	mkdir -p "$MNT"
	mount "$dev" "$MNT" 2>"$T_TMP/mount.log" || { diag "$(cat "$T_TMP/mount.log")"; losetup -d "$dev"; return 1; }
	U_LOOPS="$MNT=$dev $U_LOOPS"
}
# kib FILE: its size in KiB, rounded up
kib() { echo $(( ($(stat -c %s "$1") + 1023) / 1024 )); }
# within DESC GOT LO HI
within() {
	if [ "$2" -ge "$3" ] 2>/dev/null && [ "$2" -le "$4" ]; then ok "$1 ($2 in $3..$4)"
	else not_ok "$1"; diag "got '$2', want $3..$4"; fi
}
# vdu_col NAME COLUMN ARGS...: one figure (KiB) of vdu's table
vdu_col() { n=$1 c=$2; shift 2; vdu "$@" | awk -v n="$n" -v c="$c" '$1 == n { print $c }'; }
# phys FILE: the disk address of its first extent (filefrag), "" if none
phys() { filefrag -sv "$1" 2>/dev/null | awk '$1 == "0:" && !/inline/ { sub(/\.\.$/, "", $4); print $4 }'; }
# shared A B: do two files start on the same extent?
shared() { a=$(phys "$1"); [ -n "$a" ] && [ "$a" = "$(phys "$2")" ]; }
# summary FIELD: a figure of vunify's summary line in $OUT ("shared", "already shared", ...)
summary() { printf '%s\n' "$OUT" | sed -n "s/.* \([0-9][0-9]*\) files\{0,1\} $1.*/\1/p; s/.*, \([0-9][0-9]*\) $1.*/\1/p" | head -1; }
not_shared() { ! shared "$1" "$2"; }
shared3() { shared "$1" "$2" && shared "$1" "$3"; }

# an overlay test's start: the overlay module, the guest image, an empty
# GUESTS list, and a cleanup that stops GUESTS, then unmounts their overlays
# (mounted on the host) before the loop images go
ovl_test_setup() {
	grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null
	# (a kernel before 6.5: vunify refuses the method, in one line)
	case "$("$VSBOX" --check-kernel "$T_TMP" 2>/dev/null | grep '^overlayfs data-only')" in
	*" no "*) echo "1..0 # SKIP this kernel's overlayfs has no data-only lower layers (Linux 6.5+)"; exit 0 ;;
	esac
	mkimage "$T_TMP/img" "$T_TMP/guest.tgz"
	mkdir -p "$VSBOX_CONFDIR"
	GUESTS=""
	on_cleanup 'for g in $GUESTS; do vserver $g stop -q >/dev/null 2>&1; done
	for m in $(awk "\$3 == \"overlay\" && \$2 ~ \"^$T_TMP/\" { print \$2 }" /proc/mounts); do umount "$m" 2>/dev/null || umount -l "$m"; done'
}
# guest NAME: a busybox guest built from $T_TMP/guest.tgz (on btrfs a
# build makes a subvolume), its PID 1 a sleeper; added to GUESTS
guest() {
	GUESTS="$GUESTS $1"
	vserver "$1" build -q --tar "$T_TMP/guest.tgz" || bail "can't build $1"
	{ echo "S_HOSTNAME=$1"; echo 'S_FLAGS="fakeinit"'; echo 'INIT="/bin/sleep 100000"'
	  echo "STOPSIG=KILL"; echo "STOP_TIMEOUT=0"; } >"$VSBOX_CONFDIR/$1.conf"
}
# cache_once G1 G2 FILE PATH: drop FILE's pages only (POSIX_FADV_DONTNEED),
# then guests G1 and G2 each read PATH (FILE, 20 MiB, as they see it); true
# when the page cache grew by one copy (16-30 MiB), not two, in one try of
# three (other work on the host moves Cached too); CACHE_GOT: each try's KiB
cache_once() {
	CACHE_GOT="" _in=0
	for _t in 1 2 3; do
		sync
		python3 -c 'import os, sys; fd = os.open(sys.argv[1], os.O_RDONLY); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)' "$3"
		_c0=$(awk '$1 == "Cached:" { print $2 }' /proc/meminfo)
		vserver "$1" exec cat "$4" >/dev/null; vserver "$2" exec cat "$4" >/dev/null
		_d=$(( $(awk '$1 == "Cached:" { print $2 }' /proc/meminfo) - _c0 ))
		CACHE_GOT="$CACHE_GOT $_d"
		[ $_d -ge 16384 ] && [ $_d -le 30720 ] && _in=$((_in + 1))
	done
	[ $_in -ge 1 ]
}
# b64name FILE: the name of its overlay store file (lib/uovlfold.c): the
# first 22 characters of its SHA-256 in base64url
b64name() { python3 -c 'import base64, hashlib, sys
print(base64.urlsafe_b64encode(hashlib.sha256(open(sys.argv[1], "rb").read()).digest()).decode()[:22])' "$1"; }
# iunlink on the filesystem at $1, asked by python's ioctl (not vsbox's probe)
iunlink_here() {
	python3 - "$1/.probe" <<'EOF'
import fcntl, struct, sys
f = open(sys.argv[1], "w")
fl = struct.unpack("i", fcntl.ioctl(f, 0x80086601, b"\0" * 8)[:4])[0]
try:
    fcntl.ioctl(f, 0x40086602, struct.pack("i", fl | 0x08000000) + b"\0" * 4)
    fcntl.ioctl(f, 0x40086602, struct.pack("i", fl) + b"\0" * 4)
    print("yes")
except OSError:
    print("no")
EOF
	rm -f "$1/.probe"
}

# ---- the overlay tests' checks (vunify-overlay.t, vunify-btrfs.t) ----
# tree DIR: every name below DIR with its type, mode, owner and, for a
# file, its mtime and content's digest: what a guest's root shows
# (/run is what a start writes); DIRT=1: directories' mtimes too (which a
# kill -9 of vunify may leave bumped, as any change in them does)
tree() { (cd "$1" && find . -path ./proc -prune -o -path ./dev -prune -o -path ./sys -prune -o -path ./run -prune -o -printf '%p %y %m %U:%G %l\n' | sort &&
	find . -path ./run -prune -o -type f -printf '%p %T@\n' -o -type d -a -true ${DIRT:+-printf '%p %T@\n'} | sort &&
	find . -path ./run -prune -o -type f -exec md5sum {} + | sort -k2); }
# store_ok: every store file is immutable, root's, named after its SHA-256
# (X/YZ...: its first 132 bits) and carries the whole digest
store_ok() {
	bad=0 n=0
	for f in $(find "$VSBOX_ROOTDIR/.ovl/store" -type f); do
		n=$((n + 1))
		[ "$(b64name "$f")" = "$(basename "$(dirname "$f")")$(basename "$f")" ] || bad=$((bad + 1))
		[ "$(getfattr --absolute-names -e hex -n trusted.vsbox.sha256 "$f" 2>/dev/null | sed -n 's/^trusted.vsbox.sha256=0x//p')" = \
		  "$(sha256sum <"$f" | cut -c1-64)" ] || bad=$((bad + 1))
		lsattr "$f" | cut -c1-20 | grep -q i || bad=$((bad + 1))
	done
	[ $n -gt 0 ] && [ $bad = 0 ]
}
# unmount_all: the overlays of the stopped guests of this image
# (a mount namespace being made elsewhere may hold one a moment: retried)
unmount_all() {
	for m in $(awk -v d="$VSBOX_ROOTDIR/" '$3 == "overlay" && index($2, d) == 1 { print $2 }' /proc/mounts); do
		for try in 1 2 3 4 5 6 7 8 9 10; do umount "$m" 2>/dev/null && break; sleep 0.2; done
		! grep -q " $m overlay " /proc/mounts || return 1
	done
}
# unmount_fs MNT DEV: the image's own mount taken off for a check. A
# plain umount is retried for 10 s (a copy of it in a mount namespace
# being made elsewhere is busy a moment); still busy, the processes that
# may hold it are named (their cwd, root or files under MNT, or a copy
# of the mount in their namespace: one process each) and it is detached
# lazily, so that fsck_clean's wait for the device decides whether that
# holder lets it go
unmount_fs() {
	for try in $(seq 1 50); do umount "$1" 2>/dev/null && return 0; sleep 0.2; done
	grep -q " $1 " /proc/mounts || return 0
	seen=" $(readlink /proc/self/ns/mnt) "
	for p in /proc/[0-9]*; do
		why=""
		for l in "$p/cwd" "$p/root" "$p"/fd/*; do
			case "$(readlink "$l" 2>/dev/null)" in "$1" | "$1"/*) why="$why ${l#"$p"/}" ;; esac
		done
		ns=$(readlink "$p/ns/mnt" 2>/dev/null)
		case "$seen" in *" $ns "*) ;; *)
			seen="$seen$ns "
			awk -v d="$2" '{ for (i = 7; i < NF; i++) if ($i == "-" && $(i + 2) == d) f = 1 } END { exit !f }' "$p/mountinfo" 2>/dev/null &&
				why="$why (a copy in its mount namespace)" ;;
		esac
		[ -n "$why" ] && diag "$1 may be held by ${p#/proc/} ($(tr '\0' ' ' <"$p/cmdline" 2>/dev/null | cut -c1-60)):$why"
	done
	umount -l "$1"
}
# fsck_clean FS DEV: the unmounted filesystem checks clean (a mount
# namespace another process on the host makes meanwhile may hold a copy of
# its mount for a moment: waited out, and tried again while the checker
# says mounted, busy or in use)
fsck_clean() {
	# first the device free (opened O_EXCL): no mount of it left in any
	# mount namespace, whose copy would keep its journal unflushed
	for try in $(seq 1 100); do
		python3 -c 'import os, sys; os.close(os.open(sys.argv[1], os.O_RDONLY | os.O_EXCL))' "$2" 2>/dev/null && break
		sleep 0.2
	done
	for try in 1 2 3 4 5; do
		case $1 in
		ext4) e2fsck -fn "$2" ;;
		xfs) xfs_repair -n "$2" ;;
		btrfs) btrfs check --readonly "$2" ;;
		esac >"$T_TMP/fsck.log" 2>&1 && return 0
		grep -qiE "mounted|busy|in use" "$T_TMP/fsck.log" || break
		sleep 1
	done
	diag "$(grep -v '^        - ' "$T_TMP/fsck.log" | head -40)"; return 1
}
