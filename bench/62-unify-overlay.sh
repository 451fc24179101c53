#!/bin/sh
# 62-unify-overlay.sh - vunify --method overlay (lib/uovl.c) on a stock
# kernel: ten Debian minbase guests from the cached debootstrap
# (/var/cache/vsbox/debian-bookworm-minbase.tar.gz, as 60-unify.sh makes
# it) on an ext4 loop image, plain directories built by vserver build.
# - disk: df's used before and after vunify --method overlay ALL, and vdu;
#   target: each guest beyond the first <= 5 % of a full copy; then where a
#   guest's own bytes go (its upper layer's directories and files, its
#   lower layer's directories), what the first guest costs beyond the store
#   (the stubs' xattr blocks, where they need any), and the same once apt's caches are
#   removed in every guest and vunify has run again (the stubs they hid
#   swept, their store files gone);
# - memory: the ten guests each running the same program (perl, whose
#   binary and libraries are the guests' own files): the page cache they
#   fill, their files' pages dropped first (POSIX_FADV_DONTNEED on those
#   files only), as plain directories and then unified; target: the shared
#   files resident once;
# - start+stop of one guest, an overlay and the same files plain, in
#   turns (OVL_ROUNDS pairs, default 50): the medians and the median of
#   the paired differences, with the load average; target <= +1 ms.
# OVL_N guests (default 10; 2 for a quick start+stop figure).
set -u
: "${VSBOX:?}"
N=${OVL_N:-10}
SUITE=bookworm
TB=/var/cache/vsbox/debian-$SUITE-minbase.tar.gz
for c in losetup mkfs.ext4 python3; do
	command -v $c >/dev/null || { echo "# 62-unify-overlay: $c missing"; exit 1; }
done
[ -s "$TB" ] || { echo "# 62-unify-overlay: no $TB (bench/60-unify.sh makes it)"; exit 1; }
T=$(mktemp -d /tmp/vsbox-bench-ovl.XXXXXX)
chmod 755 "$T"
export VSBOX_RUNDIR="$T/run" VSBOX_CONFDIR="$T/etc" VSBOX_CGROUP_BASE="vsbox-bench-ovl-$$"
CGDIRS="$(cd "$(dirname "$0")/.." && pwd)/build/cgbase-dirs.sh"
LOOP=""
cleanup() {
	for i in $(seq 1 $N); do "$VSBOX" vserver deb$i stop -q >/dev/null 2>&1; done
	for m in $(awk -v d="$T/" '$3 == "overlay" && index($2, d) == 1 { print $2 }' /proc/mounts); do
		umount "$m" 2>/dev/null || umount -l "$m"
	done
	[ -n "$LOOP" ] && { umount "$T/mnt" 2>/dev/null || umount -l "$T/mnt"; losetup -d "$LOOP"; }
	chattr -R -i "$T" 2>/dev/null
	rm -rf "$T"
	for d in $(sh "$CGDIRS" 2>/dev/null); do rmdir "$d" 2>/dev/null; done
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE
mkdir -p "$VSBOX_CONFDIR" "$T/mnt"
truncate -s 8G "$T/img"
mkfs.ext4 -q "$T/img" >/dev/null 2>&1 || { echo "# 62-unify-overlay: mkfs.ext4 failed"; exit 1; }
LOOP=$(losetup -f --show "$T/img") && mount "$LOOP" "$T/mnt" || { echo "# 62-unify-overlay: can't mount"; exit 1; }
export VSBOX_ROOTDIR=$T/mnt/vs
mkdir -p "$VSBOX_ROOTDIR"
used() { sync; df -B1 --output=used "$T/mnt" | tail -1; }
E=$(used)       # an empty filesystem's own (journal, tables)
for i in $(seq 1 $N); do
	"$VSBOX" vserver deb$i build -q --tar "$TB" || { echo "# 62-unify-overlay: build deb$i failed"; exit 1; }
	{ echo 'S_FLAGS="fakeinit"'; echo 'INIT="/usr/bin/perl -e sleep"'; echo "STOPSIG=KILL"
	  echo "STOP_TIMEOUT=0"; } >"$VSBOX_CONFDIR/deb$i.conf"
done
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f %%", 100 * a / b }'; }
ONE=$(du -s -B1 "$VSBOX_ROOTDIR/deb1" | cut -f1)

# the files perl maps in each guest, their pages dropped, then ten started
L=usr/lib/x86_64-linux-gnu
# (real files, no symlink: one resolved on the host could name the host's)
FILES="usr/bin/perl $L/libc.so.6 $L/libm.so.6 $L/ld-linux-x86-64.so.2"
drop() {
	for i in $(seq 1 $N); do for f in $FILES; do echo "$VSBOX_ROOTDIR/deb$i/$f"; done; done |
	python3 -c 'import os, sys
for p in sys.stdin.read().split():
    try:
        fd = os.open(p, os.O_RDONLY | os.O_NOFOLLOW)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        os.close(fd)
    except OSError:
        pass'
}
cached() { awk '$1 == "Cached:" { print $2 * 1024 }' /proc/meminfo; }
fill() {   # the page cache ten guests starting perl fill (best of 3)
	best=""
	for try in 1 2 3; do
		for i in $(seq 1 $N); do "$VSBOX" vserver deb$i stop -q >/dev/null 2>&1; done
		sync; drop
		c0=$(cached)
		for i in $(seq 1 $N); do "$VSBOX" vserver deb$i start -q || return 1; done
		c1=$(cached)
		d=$((c1 - c0))
		[ -z "$best" ] || [ $d -lt $best ] && best=$d
	done
	for i in $(seq 1 $N); do "$VSBOX" vserver deb$i stop -q; done
	echo "$best"
}
# one start+stop of guest $1 (microseconds)
once() {
	t0=$(date +%s%N)
	"$VSBOX" vserver $1 start -q && "$VSBOX" vserver $1 stop -q || return 1
	echo $(( ($(date +%s%N) - t0) / 1000 ))
}
med() { sort -n | awk '{ a[NR] = $1 } END { print NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ms() { awk -v u="$1" 'BEGIN { printf "%.2f ms", u / 1000 }'; }
SIZE=0
for f in $FILES; do SIZE=$((SIZE + $(stat -c %s "$VSBOX_ROOTDIR/deb1/$f"))); done
P0=$(fill) || { echo "# 62-unify-overlay: a guest did not start"; exit 1; }
U0=$(used)
t0=$(date +%s.%N)
"$VSBOX" vunify --method overlay ALL >"$T/out1" 2>&1 || { echo "# 62-unify-overlay: vunify failed: $(tail -1 "$T/out1")"; exit 1; }
t1=$(date +%s.%N)
sync
U1=$(used)
"$VSBOX" vdu --bytes --total ALL >"$T/vdu"
OWN=$(awk '$1 == "deb2" { print $4 }' "$T/vdu")
P1=$(fill) || { echo "# 62-unify-overlay: an overlay guest did not start"; exit 1; }
echo "62-unify-overlay: $N Debian $SUITE minbase guests on ext4 (plain directories): one guest's files $(mib "$ONE")"
echo "62-unify-overlay: disk used before vunify --method overlay ALL $(mib $((U0 - E))), after $(mib $((U1 - E))) (df, less the empty filesystem's own); first run $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f s", b - a }'): $(sed -n 's/^vunify: \([0-9]* files shared, [^,]* saved\).*/\1/p' "$T/out1")"
echo "62-unify-overlay: each guest beyond the first costs $(pct "$(( (U1 - E - ONE) / (N - 1) ))" "$ONE") of a full copy on disk ((used after - one guest) / $((N - 1)); target <= 5 %); vdu: deb2's own $(mib "$OWN") = $(pct "$OWN" "$ONE")"
# where the bytes go: deb2's own by kind, and what is paid once
bytes() { find "$@" -printf '%i %b\n' 2>/dev/null | awk '!seen[$1]++ { s += $2 * 512 } END { print s + 0 }'; }
count() { find "$@" 2>/dev/null | wc -l; }
L=$VSBOX_ROOTDIR/.ovl/deb2
echo "62-unify-overlay: deb2's own by kind: its lower layer's $(count "$L/lower" -type d) directories $(mib "$(bytes "$L/lower" -type d)") (a block each: the stubs' directories), its upper layer's $(count "$L/upper" -type d) directories $(mib "$(bytes "$L/upper" -type d)") and $(count "$L/upper" ! -type d) other entries $(mib "$(bytes "$L/upper" ! -type d)") (symlinks, empty files, devices: never unified; /root; what a start writes)"
STORE=$(bytes "$VSBOX_ROOTDIR/.ovl/store") TOWN=$(awk '$1 == "TOTAL" { print $4 }' "$T/vdu")
echo "62-unify-overlay: paid once: the store $(mib "$STORE") ($(pct "$STORE" "$ONE") of a full copy), and $(mib $((U1 - E - STORE - TOWN))) of other blocks (the xattr blocks of stubs whose xattrs don't fit in a 256-byte ext4 inode, shared by ext4 between the guests' stubs of one file; the layers' own)"
echo "62-unify-overlay: the floor: a guest's own is at least its lower layer's directories (overlayfs needs a tree of them per guest, for its own owners, modes and times) and its upper layer's (its symlinks): $(pct "$OWN" "$ONE") here, the rest is the first guest's share, $(pct "$(( (U1 - E - ONE) / (N - 1) - OWN ))" "$ONE") with $N guests"
echo "62-unify-overlay: page cache filled by $N guests starting perl (its binary and libraries, $(mib "$SIZE") a copy): plain $(mib "$P0"), unified $(mib "$P1") (target: the shared files once)"
# apt's caches (lists, pkgcache) removed in every guest, as one does for
# a template (through the overlays: whiteouts), then vunify again: the
# stubs they hide swept, their store files gone
for i in $(seq 1 $N); do
	rm -rf "$VSBOX_ROOTDIR/deb$i/var/lib/apt/lists/"* "$VSBOX_ROOTDIR/deb$i/var/cache/apt/"*.bin \
		"$VSBOX_ROOTDIR/deb$i/var/cache/apt/archives/"*.deb
done
"$VSBOX" vunify --method overlay ALL >"$T/out2" 2>&1 || { echo "# 62-unify-overlay: vunify again failed: $(tail -1 "$T/out2")"; exit 1; }
"$VSBOX" vdu --bytes ALL >"$T/vdu2"
OWN2=$(awk '$1 == "deb2" { print $4 }' "$T/vdu2")
mkdir "$T/mnt/plain" && tar -C "$T/mnt/plain" --numeric-owner -xzf "$TB" || { echo "# 62-unify-overlay: can't unpack $TB"; exit 1; }
rm -rf "$T/mnt/plain/var/lib/apt/lists/"* "$T/mnt/plain/var/cache/apt/"*.bin "$T/mnt/plain/var/cache/apt/archives/"*.deb
ONE2=$(du -s -B1 "$T/mnt/plain" | cut -f1)
rm -rf "$T/mnt/plain"
U2=$(used)
FREED=$(sed -n 's/^vunify: removed \([0-9]*\) store file.*/\1/p' "$T/out2")
echo "62-unify-overlay: without apt's caches (vunify again: ${FREED:-0} store files freed): a full copy $(mib "$ONE2"); each guest beyond the first $(pct "$(( (U2 - E - ONE2) / (N - 1) ))" "$ONE2") of it on disk (target <= 5 %); deb2's own (vdu) $(mib "$OWN2") = $(pct "$OWN2" "$ONE2")"
# deb2 a plain directory again; then deb1 (an overlay) and deb2 (plain)
# started and stopped in turns, which one first alternating (the host's
# other work weighs on both alike): medians of each and of the pairs'
# differences
t0=$(date +%s.%N)
"$VSBOX" vunify --undo deb2 >"$T/undo" 2>&1 || { echo "# 62-unify-overlay: --undo failed: $(tail -1 "$T/undo")"; exit 1; }
t1=$(date +%s.%N)
echo "62-unify-overlay: vunify --undo deb2 $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f s", b - a }'): $(sed -n 's/^vunify: deb2: a plain directory again, //p' "$T/undo")"
"$VSBOX" vserver deb1 start -q && "$VSBOX" vserver deb1 stop -q   # (warm)
"$VSBOX" vserver deb2 start -q && "$VSBOX" vserver deb2 stop -q
R=${OVL_ROUNDS:-50}
L0=$(cut -d' ' -f1-3 /proc/loadavg)
: >"$T/pairs"
for r in $(seq 1 "$R"); do
	if [ $((r % 2)) = 1 ]; then o=$(once deb1) && p=$(once deb2)
	else p=$(once deb2) && o=$(once deb1); fi || { echo "# 62-unify-overlay: start/stop failed"; exit 1; }
	echo "$o $p $((o - p))" >>"$T/pairs"
done
MO=$(cut -d' ' -f1 "$T/pairs" | med) MP=$(cut -d' ' -f2 "$T/pairs" | med) MD=$(cut -d' ' -f3 "$T/pairs" | med)
echo "62-unify-overlay: start+stop of a guest ($R pairs in turns, medians): plain $(ms "$MP"), overlay $(ms "$MO"), paired difference $(ms "$MD") (target <= +1 ms); load average $L0 before, $(cut -d' ' -f1-3 /proc/loadavg) after"
