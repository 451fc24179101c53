#!/bin/sh
# check-kernel.t - vsbox --check-kernel on a scratch ext4 (loop device) in
# the kernel tier: the patched features "yes" on a patched kernel
# (VSBOX_KERNEL_PATCHED=1; guest views where its series has 0004), "no"
# on the unpatched control.
top=$(cd "$(dirname "$0")/../.." && pwd)
VSBOX=${VSBOX:-$top/vsbox}
[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root"; exit 0; }
d=$(mktemp -d /tmp/vsbox-kt-ck.XXXXXX)
trap 'umount "$d/mnt" 2>/dev/null; rm -rf "$d"' EXIT
mkdir "$d/mnt"
mke2fs -q -F -t ext4 "$d/img" 64M >/dev/null 2>&1 &&
	mount -o loop "$d/img" "$d/mnt" 2>/dev/null ||
	{ echo "1..0 # SKIP needs mke2fs and a loop-mounted ext4"; exit 0; }
out=$("$VSBOX" --check-kernel "$d/mnt"); rc=$?
want=no; [ "${VSBOX_KERNEL_PATCHED:-}" = 1 ] && want=yes
n=0 fail=0
t() { n=$((n + 1)); if [ "$2" = "$3" ]; then echo "ok $n - $1"; else fail=1; echo "not ok $n - $1"; echo "# got '$2', want '$3'"; fi; }
t "exit 0" "$rc" 0
for f in "immutable linkage invert" "copy-on-write link breaking" "memory-honest meminfo/sysinfo"; do
	t "$f: $want" "$(printf '%s\n' "$out" | sed -n "s#^$f  *\([a-z]*\) .*#\1#p")" "$want"
done
# 0004 is not in every version's series
grep -q '^0004-' "$top/kernel/patches/$(uname -r | cut -d. -f1,2)/series" 2>/dev/null || want=no
t "guest views: $want" "$(printf '%s\n' "$out" | sed -n "s#^guest views  *\([a-z]*\) .*#\1#p")" "$want"
t "the probes leave nothing on the filesystem" "$(ls -A "$d/mnt" | grep -v '^lost+found$')" ""
printf '%s\n' "$out" | sed 's/^/# /'
echo "1..$n"
exit $fail
