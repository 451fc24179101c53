#!/bin/sh
# kernel-root.sh - the Debian root filesystem the test kernels boot under qemu
# (make kernel-check): debootstrap --variant=minbase of the host's suite with
# what the test suite runs (perl for prove, busybox-static, iproute2, the
# filesystem tools, gcc, ...), made into an ext4 image with mke2fs -d (no
# mount) and cached as $VSBOX_KCACHE/root-KEY.img, KEY the sha256 of the
# package list and the init below. qemu boots it read-only in effect (-drive snapshot=on), so one image
# serves every run. Its /sbin/ktier-init mounts the per-run disk (/dev/vdb,
# made by build/kernel-run.sh) on /ktier and hands over to /ktier/init.
# With "ktier.systemd" on the kernel command line (kernel-run.sh with
# VSBOX_KT_INIT=systemd) it hands over to systemd instead, as PID 1, whose
# ktier.service does the same once multi-user.target is reached: the tests
# of installed systemd units (tests/pkg/systemd.t) run there.
# Prints the image's path.
set -eu
B=$(cd "$(dirname "$0")" && pwd)
C=${VSBOX_KCACHE:-/var/cache/vsbox/kernel}
die() { echo "kernel-root.sh: $*" >&2; exit 1; }
PKGS=perl,busybox-static,iproute2,psmisc,procps,curl,wget,rsync,python3,musl-tools,nftables,tcpdump,libcap2-bin,strace,e2fsprogs,xfsprogs,btrfs-progs,file,gcc,libc6-dev,acl,attr,util-linux,bsdutils,systemd,systemd-sysv,dbus
KEY=$(sed -n "/^PKGS=/p; /<<'EOF'\$/,/^EOF\$/p" "$0" | sha256sum | cut -c1-16)
IMG=$C/root-$KEY.img
[ -f "$IMG" ] && { echo "$IMG"; exit 0; }
mkdir -p "$C"
exec 9>"$C/.lock-root"
flock 9
[ -f "$IMG" ] && { echo "$IMG"; exit 0; }
VSBOX_EXTRA_PKGS="debootstrap" sh "$B/deps.sh" >&2
SUITE=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
MIRROR=${VSBOX_DEBIAN_MIRROR:-http://deb.debian.org/debian}
T=$(mktemp -d "$C/.root.XXXXXX")
trap 'rm -rf "$T"' EXIT
echo "kernel-root.sh: debootstrap $SUITE for the test kernels (once; cached in $IMG)" >&2
debootstrap --variant=minbase --include="$PKGS" "$SUITE" "$T/r" "$MIRROR" > "$T/log" 2>&1 ||
	{ tail -n 20 "$T/log" >&2; die "debootstrap failed"; }
rm -rf "$T/r/var/cache/apt/archives/"*.deb "$T/r/var/lib/apt/lists/"*_Packages
mkdir -p "$T/r/ktier"
cat > "$T/r/sbin/ktier-init" <<'EOF'
#!/bin/sh
# PID 1 of the kernel-check guest: the per-run disk, then its init
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mountpoint -q /dev || mount -t devtmpfs dev /dev
case " $(cat /proc/cmdline) " in *" ktier.systemd "*) exec /lib/systemd/systemd ;; esac
if mount -t ext4 /dev/vdb /ktier && [ -x /ktier/init ]; then
	exec /ktier/init
fi
echo "ktier-init: no /ktier/init on /dev/vdb" >&2
busybox poweroff -f
EOF
chmod 755 "$T/r/sbin/ktier-init"
# under systemd (ktier.systemd): the same hand-over as a service, after the
# boot (Type=simple: the boot finishes, systemd is "running" while the tests
# run); its TAP goes to the second serial port, as without systemd
cat > "$T/r/etc/systemd/system/ktier.service" <<'EOF'
[Unit]
Description=vsbox kernel tier: the tests of /dev/vdb
ConditionKernelCommandLine=ktier.systemd
After=multi-user.target

[Service]
Type=simple
ExecStart=/bin/sh -c 'mount -t ext4 /dev/vdb /ktier && exec /ktier/init'
StandardOutput=journal+console
StandardError=journal+console
TimeoutStartSec=infinity

[Install]
WantedBy=multi-user.target
EOF
mkdir -p "$T/r/etc/systemd/system/multi-user.target.wants"
ln -s ../ktier.service "$T/r/etc/systemd/system/multi-user.target.wants/ktier.service"
echo "ktier" > "$T/r/etc/hostname"
mke2fs -q -t ext4 -L vsbox-root -d "$T/r" "$T/img" 4G >/dev/null || die "mke2fs -d failed"
mv "$T/img" "$IMG"
echo "$IMG"
