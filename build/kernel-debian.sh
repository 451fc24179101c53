#!/bin/sh
# kernel-debian.sh [VER] - Debian's own kernel image of the VER series (6.1,
# the default, or 6.12) as a kernel for build/kernel-run.sh: the image of the
# very Debian version of linux-source-VER that build/kernel.sh builds the
# patched kernel from (the newest cached one, as kernel.sh --lookup takes
# it; fetched first when there is none), so it is the patched kernel's
# negative control: the same source, Debian's configuration, no patches.
# Fetched with build/kernel-fetch.sh's private apt configuration; its
# vmlinuz and an initramfs (static busybox and the modules the tier needs,
# loaded before switch_root to the root disk). No build.
# Prints the directory ($VSBOX_KCACHE/debian-VER-SRCVER) with bzImage and initrd.
set -eu
B=$(cd "$(dirname "$0")" && pwd)
C=${VSBOX_KCACHE:-/var/cache/vsbox/kernel}
die() { echo "kernel-debian.sh: $*" >&2; exit 1; }
VER=${1:-6.1}
case "$VER" in 6.1|6.12) ;; *) die "$VER: no such kernel (6.1 or 6.12)" ;; esac
SRC=$(sh "$B/kernel-fetch.sh" --cached "linux-source-$VER" || sh "$B/kernel-fetch.sh" "linux-source-$VER") ||
	die "can't get linux-source-$VER (its version names the image)"
SRCVER=$(dpkg-deb -f "$SRC" Version)
K=$C/debian-$VER-$SRCVER
[ -f "$K/initrd" ] && { echo "$K"; exit 0; }
DEB=$(sh "$B/kernel-fetch.sh" --image "$VER" "$SRCVER") || die "can't get Debian's image of Linux $SRCVER"
V=$(dpkg-deb -f "$DEB" Package | sed 's/^linux-image-//; s/-unsigned$//')
T=$(mktemp -d "$C/.deb.XXXXXX")
trap 'rm -rf "$T"' EXIT
dpkg-deb -x "$DEB" "$T/x"
M=$T/x/lib/modules/$V
VSBOX_EXTRA_PKGS="kmod cpio xz-utils" sh "$B/deps.sh" >&2
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
	p=$(awk -F: -v n="/$n.ko" '{ f = $1; sub(/\.xz$/, "", f) }
		index(f, n) && substr(f, length(f) - length(n) + 1) == n { print $1; exit }' "$M/modules.dep")
	[ -n "$p" ] && add "$p"
done
# busybox's insmod wants them uncompressed (6.12's are .ko.xz)
while read -r p; do
	f=$(basename "$p")
	case "$f" in
	*.xz) f=${f%.xz}; xz -dc "$M/$p" > "$R/mods/$f" ;;
	*) cp "$M/$p" "$R/mods/" ;;
	esac
	echo "$f"
done < "$R/order" > "$R/mods/order"
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
printf 'version=%s\nmode=debian\nsource=%s\nkernel_source=linux-source-%s %s\n' "$V" "$(basename "$DEB")" "$VER" "$SRCVER" > "$T/k/info"
chmod 755 "$T/k"
mv -T "$T/k" "$K" 2>/dev/null || true
echo "$K"
