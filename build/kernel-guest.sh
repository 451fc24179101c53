#!/bin/sh
# kernel-guest.sh - PID 1 inside the make kernel-check qemu guest (copied to
# the run disk as /ktier/init by build/kernel-run.sh). Sets up a pure
# cgroup-v2 system (the kernel is booted with cgroup_no_v1=all, only cgroup2
# is mounted, every controller enabled for the root's children), runs each
# test of /ktier/list with a timeout, its TAP to the second serial port
# between begin/end markers, then powers off. Booted with systemd as PID 1
# (kernel-run.sh with VSBOX_KT_INIT=systemd), it is run by the root image's
# ktier.service instead, and leaves the system as systemd set it up (its
# /run, its cgroup2 tree and the controllers it enabled); the tests then
# know the machine is throwaway (VSBOX_PKG_SYSTEM=1: tests/pkg/systemd.t
# installs the package on it).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb LANG=C.UTF-8
exec 3>/dev/ttyS1
stty -F /dev/ttyS1 raw -echo 2>/dev/null
say() { echo "$*" >&3; }
if [ -d /run/systemd/system ]; then
	export VSBOX_PKG_SYSTEM=1
	say "# ktier: systemd $(systemctl --version | sed -n '1s/^systemd //p') is PID 1: $(systemctl is-system-running)"
else
	mkdir -p /dev/pts /dev/shm
	mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
	[ -e /dev/ptmx ] || ln -s pts/ptmx /dev/ptmx
	mount -t tmpfs -o mode=1777 tmpfs /dev/shm
	mount -t tmpfs -o mode=755 tmpfs /run
	mkdir -p -m 1777 /run/lock   # what Debian's boot makes (tests/lib.sh locks there)
	mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup
	for c in $(cat /sys/fs/cgroup/cgroup.controllers); do
		echo "+$c" > /sys/fs/cgroup/cgroup.subtree_control
	done
fi
hostname ktier
printf '127.0.0.1 localhost\n::1 localhost ip6-localhost\n127.0.1.1 ktier\n' > /etc/hosts
ip link set lo up
# the scratch filesystems (empty, made on the host)
export VSBOX_KT_EXT4=/dev/vdc VSBOX_KT_XFS=/dev/vdd VSBOX_KT_BTRFS=/dev/vde
say "# ktier: kernel $(uname -r), $(nproc) cpus, cgroup2 controllers: $(cat /sys/fs/cgroup/cgroup.subtree_control)"
say "# ktier: mounts: $(awk '$3 ~ /cgroup/ { print $3 " " $2 }' /proc/mounts | tr '\n' ' ')"
TO=$(cat /ktier/timeout)
export VSBOX_T_SLOW="$(cat /ktier/slow)"
[ -f /ktier/patched ] && export VSBOX_KERNEL_PATCHED=1
export T_TIMEOUT=$((TO - 30))   # tests/lib.sh's own watchdog goes first
cd /ktier/src
while read -r t; do
	say "# ktier: begin $t"
	s=$(date +%s)
	case "$t" in
	*.t|*.sh) timeout -k 10 "$TO" sh "$t" >&3 2>/dev/console </dev/null ;;
	*) timeout -k 10 "$TO" "./$t" >&3 2>/dev/console </dev/null ;;
	esac
	rc=$?
	say "# ktier: end $t rc=$rc seconds=$(($(date +%s) - s))"
done < /ktier/list
say "# ktier: done"
sync
umount /ktier 2>/dev/null
busybox poweroff -f
