#!/bin/sh
# kernel-run.sh KDIR LABEL [TEST...] - boot a kernel from build/kernel.sh under
# qemu and run the test suite inside, on a pure cgroup-v2 system.
#
# Disks (virtio): vda the cached Debian root (build/kernel-root.sh, booted
# with snapshot=on, so it is never changed), vdb this run's disk (this tree's
# tests, ./vsbox and the unit test binaries, and the guest's init, put in by
# mke2fs -d: no mount on the host), vdc/vdd/vde empty scratch filesystems
# (ext4 with the quota and project features, XFS, btrfs) that tests find as
# VSBOX_KT_EXT4/XFS/BTRFS. The kernel console is serial port 1; the tests'
# TAP comes on serial port 2, each file between "# ktier: begin F" and
# "# ktier: end F rc=N". qemu uses KVM when /dev/kvm is usable, else TCG.
# TEST: tests/*.t files or build/obj/unit/t_* binaries; default all of
# tests/*.t, tests/kernel/*.t and the unit tests (the whole make check).
# Prints TAP, one line per test file; fails on a panic, a hang (timeout), a
# file without its plan or with fewer tests than planned, a "not ok", a
# bail out or a non-zero exit. Logs stay in build/obj/kernel/run-LABEL/.
# Env: VSBOX_KT_TIMEOUT (seconds per test file inside, default 900),
# VSBOX_KT_BOOT_TIMEOUT (the whole run, default 5400), VSBOX_KT_MEM (MB, 2048).
# VSBOX_KT_INIT=systemd: systemd is PID 1 (the root image's ktier.service
# runs the tests once multi-user.target is reached), not the tier's own
# init; VSBOX_KT_COPY="FILE=DIR ...": each FILE copied into the run's
# tree as DIR/ (DIR relative to the tree; a big input a test or bench
# needs, e.g. a cached debootstrap); VSBOX_KT_DEB=FILE: a built package,
# the same as FILE=build/deb (tests/pkg/systemd.t installs it there).
# VSBOX_KT_EXT4_SIZE: the size of the scratch ext4 disk (default 1G; sparse
# on the host).
set -eu
B=$(cd "$(dirname "$0")" && pwd)
TOP=$(dirname "$B")
die() { echo "kernel-run.sh: $*" >&2; exit 1; }
[ $# -ge 2 ] || die "usage: kernel-run.sh KDIR LABEL [TEST...]"
K=$1 L=$2
shift 2
[ -f "$K/bzImage" ] || die "$K: no bzImage"
VSBOX_EXTRA_PKGS="qemu-system-x86 e2fsprogs xfsprogs btrfs-progs" sh "$B/deps.sh" >&2
ROOT=$(sh "$B/kernel-root.sh")
R=$TOP/build/obj/kernel/run-$L
rm -rf "$R"
mkdir -p "$R/stage/src" "$R/tap"

# ---- the run disk: the tree (tracked and new files), ./vsbox, unit tests
cd "$TOP"
[ -x vsbox ] || die "no ./vsbox (make first)"
git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$R/stage/src"
cp vsbox "$R/stage/src/vsbox"
# tests/kernel/*.t run the static programs of make ktests, tests/netns.t
# builds one against the kernel headers of build/kinc.sh (build/obj is ignored)
for d in ktest kinc; do
	[ -d "build/obj/$d" ] || continue
	mkdir -p "$R/stage/src/build/obj"
	cp -a "build/obj/$d" "$R/stage/src/build/obj/"
done
if [ $# -eq 0 ]; then
	set -- tests/*.t
	for t in tests/kernel/*.t build/obj/unit/t_*; do [ -f "$t" ] && set -- "$@" "$t"; done
fi
for t in "$@"; do
	[ -f "$t" ] || die "$t: no such test"
	case "$t" in build/obj/unit/*) mkdir -p "$R/stage/src/build/obj/unit"; cp "$t" "$R/stage/src/$t" ;; esac
	echo "$t"
done > "$R/list"
cp "$R/list" "$R/stage/list"
for c in ${VSBOX_KT_DEB:+"$VSBOX_KT_DEB=build/deb"} ${VSBOX_KT_COPY:-}; do
	f=${c%=*} d=${c##*=}
	case "$c" in *=*) ;; *) die "VSBOX_KT_COPY: $c: not FILE=DIR" ;; esac
	case "$d" in /*|*..*|"") die "VSBOX_KT_COPY: $c: DIR must be relative to the tree" ;; esac
	[ -f "$f" ] || die "$f: no such file"
	mkdir -p "$R/stage/src/$d"
	cp "$f" "$R/stage/src/$d/"
done
KINIT=""
case "${VSBOX_KT_INIT:-}" in
"") ;;
# (the root has no udev: no getty waiting 90 s for a ttyS0 device unit)
systemd) KINIT=" ktier.systemd systemd.mask=serial-getty@ttyS0.service" ;;
*) die "VSBOX_KT_INIT=$VSBOX_KT_INIT: systemd or nothing" ;;
esac
cp "$B/kernel-guest.sh" "$R/stage/init"
chmod 755 "$R/stage/init"
echo "${VSBOX_KT_TIMEOUT:-900}" > "$R/stage/timeout"
# tests' time bounds (VSBOX_T_SLOW): TCG emulates every instruction
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then echo 1; else echo 5; fi > "$R/stage/slow"
# a patched kernel (build/kernel.sh's info: mode=patched): tests/kernel/*.t
# then fail where a patched feature is missing instead of skipping
grep -qx 'mode=patched' "$K/info" 2>/dev/null && echo 1 > "$R/stage/patched"
mke2fs -q -t ext4 -d "$R/stage" "$R/run.img" 1G >/dev/null || die "mke2fs -d of the run disk failed"
rm -rf "$R/stage"
truncate -s 1G "$R/xfs.img" "$R/btrfs.img"
truncate -s "${VSBOX_KT_EXT4_SIZE:-1G}" "$R/ext4.img" || die "VSBOX_KT_EXT4_SIZE=$VSBOX_KT_EXT4_SIZE: not a size"
mke2fs -q -t ext4 -O quota,project "$R/ext4.img" >/dev/null
mkfs.xfs -q "$R/xfs.img"
mkfs.btrfs -q "$R/btrfs.img" >/dev/null

# ---- boot
INITRD=""
[ -f "$K/initrd" ] && INITRD="-initrd $K/initrd"
ACCEL="-accel tcg"
# QEMU's multi-threaded TCG does not keep code that one vCPU rewrites
# coherent for the other: a kernel patching its text at run time (jump
# labels: static keys flipped through int3, as Debian's are built) then
# meets a stale int3 ("Oops: int3" in get_page_from_freelist on Debian's
# 6.12, a wedged guest on its 6.1). One thread runs both vCPUs in turn.
grep -qx 'CONFIG_JUMP_LABEL=y' "$K/config" 2>/dev/null && ACCEL="-accel tcg,thread=single"
[ -r /dev/kvm ] && [ -w /dev/kvm ] && ACCEL="-accel kvm -cpu host"
t0=$(date +%s)
rc=0
TMPDIR=$R timeout "${VSBOX_KT_BOOT_TIMEOUT:-5400}" qemu-system-x86_64 $ACCEL -m "${VSBOX_KT_MEM:-2048}" -smp 2 \
	-kernel "$K/bzImage" $INITRD -no-reboot -display none -monitor none -rtc base=utc \
	-append "console=ttyS0 root=/dev/vda rw rootfstype=ext4 init=/sbin/ktier-init panic=-1 cgroup_no_v1=all loglevel=4$KINIT" \
	-serial "file:$R/console.raw" -serial "file:$R/tap.raw" \
	-drive "file=$ROOT,format=raw,if=virtio,snapshot=on" \
	-drive "file=$R/run.img,format=raw,if=virtio" \
	-drive "file=$R/ext4.img,format=raw,if=virtio" \
	-drive "file=$R/xfs.img,format=raw,if=virtio" \
	-drive "file=$R/btrfs.img,format=raw,if=virtio" \
	</dev/null >"$R/qemu.log" 2>&1 || rc=$?
t1=$(date +%s)
tr -d '\r' < "$R/console.raw" > "$R/console.log"
tr -d '\r' < "$R/tap.raw" > "$R/tap.log"
rm -f "$R/console.raw" "$R/tap.raw" "$R/ext4.img" "$R/xfs.img" "$R/btrfs.img"
echo "$((t1 - t0))" > "$R/seconds"

# ---- the verdict, as TAP
exec sh "$B/kernel-tap.sh" "$R" "$rc" "$(basename "$K")"
