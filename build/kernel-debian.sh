#!/bin/sh
# kernel-debian.sh - Debian's own kernel image (linux-image-amd64 of the
# host's suite, fetched with build/kernel.sh's private apt configuration) as
# a kernel for build/kernel-run.sh: its vmlinuz and an initramfs (static
# busybox and the modules the tier needs, loaded before switch_root to the
# root disk). No build: a quick way to run the tier on a stock kernel.
# Prints the directory ($VSBOX_KCACHE/debian-VERSION) with bzImage and initrd.
set -eu
B=$(cd "$(dirname "$0")" && pwd)
C=${VSBOX_KCACHE:-/var/cache/vsbox/kernel}
die() { echo "kernel-debian.sh: $*" >&2; exit 1; }
DEB=$(sh "$B/kernel-fetch.sh" linux-image-amd64)
V=$(dpkg-deb -f "$DEB" Package | sed 's/^linux-image-//')
K=$C/debian-$V
[ -f "$K/initrd" ] && { echo "$K"; exit 0; }
T=$(mktemp -d "$C/.deb.XXXXXX")
trap 'rm -rf "$T"' EXIT
dpkg-deb -x "$DEB" "$T/x"
M=$T/x/lib/modules/$V
VSBOX_EXTRA_PKGS="kmod cpio" sh "$B/deps.sh" >&2
depmod -b "$T/x" "$V" || die "depmod failed"
R=$T/ird
mkdir -p "$R/bin" "$R/proc" "$R/sys" "$R/dev" "$R/newroot" "$R/mods"
cp /bin/busybox "$R/bin/busybox"
# the closure of these modules, dependencies first (modules.dep)
: > "$R/order"
add() {
	grep -qx "$1" "$R/order" && return 0
	for d in $(awk -v m="$1" -F': *' '$1 == m { print $2 }' "$M/modules.dep"); do add "$d"; done
	echo "$1" >> "$R/order"
}
for n in crc32c_generic crc32c-intel af_packet virtio_pci virtio_blk ext4 xfs btrfs quota_v2 veth bridge overlay loop dummy macvlan \
	 nf_tables nft_ct nft_nat nft_masq nft_chain_nat; do
	p=$(awk -F: -v n="/$n.ko" 'index($1, n) && substr($1, length($1) - length(n) + 1) == n { print $1; exit }' "$M/modules.dep")
	[ -n "$p" ] && add "$p"
done
while read -r p; do cp "$M/$p" "$R/mods/"; basename "$p"; done < "$R/order" > "$R/mods/order"
rm "$R/order"
cat > "$R/init" <<'IEOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /mods/order); do insmod "/mods/$m" 2>/dev/null; done
i=0; while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
mount -t ext4 -o rw /dev/vda /newroot || { echo "initrd: can't mount /dev/vda"; poweroff -f; }
umount /proc /sys
mount --move /dev /newroot/dev
exec switch_root /newroot /sbin/ktier-init
IEOF
chmod 755 "$R/init"
mkdir -p "$T/k"
cp "$T/x/boot/vmlinuz-$V" "$T/k/bzImage"
cp "$T/x/boot/config-$V" "$T/k/config"
(cd "$R" && find . > "$T/files" && cpio -o -H newc --quiet < "$T/files" > "$T/ird.cpio") ||
	die "cpio of the initramfs failed"
gzip -1 < "$T/ird.cpio" > "$T/k/initrd"
printf 'version=%s\nmode=debian\nsource=%s\n' "$V" "$(basename "$DEB")" > "$T/k/info"
chmod 755 "$T/k"
mv -T "$T/k" "$K" 2>/dev/null || true
echo "$K"
