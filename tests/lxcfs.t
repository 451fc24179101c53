#!/bin/sh
# lxcfs.t - LXCFS=auto|yes|no with a real lxcfs (Debian's package, run by
# the test on a mount point of its own, given to vsbox as VSBOX_LXCFS_DIR):
# a busybox guest with S_MEMORY=64M reads MemTotal 64 MiB in /proc/meminfo,
# and with S_CPUSET one CPU in /proc/cpuinfo; LXCFS=no keeps the kernel's
# files; LXCFS=yes without lxcfs is a one-line error and starts nothing.
. "$(dirname "$0")/lib.sh"
need_root
[ -c /dev/fuse ] || { echo "1..0 # SKIP no /dev/fuse"; exit 0; }
command -v lxcfs >/dev/null || VSBOX_EXTRA_PKGS=lxcfs sh "$T_TOP/build/deps.sh" >"$T_TMP/deps.log" 2>&1
command -v lxcfs >/dev/null || { echo "1..0 # SKIP lxcfs can't be installed here"; exit 0; }
. "$(dirname "$0")/hardening-lib.sh"

LX=$T_TMP/lxcfs
mkdir -p "$LX"
# last: lxcfs goes after the guests (their /proc reads through it), its
# mount first (a killed daemon leaves it "not connected" until then)
on_cleanup 'umount -l "$LX" 2>/dev/null; [ -n "${LXPID:-}" ] && kill "$LXPID" 2>/dev/null; wait "${LXPID:-}" 2>/dev/null'
GUESTS="l1 l2 l3 l4"
on_cleanup 'for g in $GUESTS; do vserver $g stop -q >/dev/null 2>&1; done'
lxcfs -f -p "$T_TMP/lxcfs.pid" "$LX" >"$T_TMP/lxcfs.log" 2>&1 </dev/null &
LXPID=$!
i=0
while [ ! -e "$LX/proc/meminfo" ] && [ $i -lt 100 ] && kill -0 $LXPID 2>/dev/null; do sleep 0.05; i=$((i + 1)); done
if [ ! -e "$LX/proc/meminfo" ]; then
	diag "$(tail -5 "$T_TMP/lxcfs.log")"
	echo "1..0 # SKIP lxcfs does not run here (FUSE?)"; exit 0
fi
export VSBOX_LXCFS_DIR=$LX

MINE=$(awk '/^Cpus_allowed_list/ { print $2 }' /proc/self/status)
LAST=$(echo "$MINE" | tr ',' '\n' | tail -1 | sed 's/.*-//')
HOSTMEM=$(awk '/^MemTotal/ { print $2 }' /proc/meminfo)
HOSTCPUS=$(grep -c ^processor /proc/cpuinfo)
memtotal() { vserver "$1" exec cat /proc/meminfo | awk '/^MemTotal/ { print $2 }'; }
# sysinfo(2)'s, which lxcfs can't change (busybox free)
sysmem() { vserver "$1" exec free | awk '/^Mem:/ { print $2 }'; }
# the patch of kernel/ makes the kernel's meminfo honest: vsbox keeps it
HONEST=""
"$VSBOX" --check-kernel 2>/dev/null | grep -q '^memory-honest.* yes ' && HONEST=1
[ -n "$HONEST" ] && diag "a memory-honest kernel: its /proc/meminfo is kept"

hguest l1 LXCFS=yes "S_CPUSET=$LAST"     # (hguest: S_MEMORY=64M)
hguest l2 LXCFS=no
hguest l3                                # auto
hguest l4 LXCFS=yes

rc_is "start l1 (LXCFS=yes, S_MEMORY=64M, S_CPUSET=$LAST)" 0 vserver l1 start
[ "$RC" = 0 ] || diag "$ERR"
is "MemTotal in l1's /proc/meminfo: 64 MiB" "$(memtotal l1)" 65536
check "  control: the host's is another ($HOSTMEM kB)" [ "$HOSTMEM" != 65536 ]
is "l1's /proc/cpuinfo lists its one CPU" "$(vserver l1 exec grep -c ^processor /proc/cpuinfo)" 1
if [ "$HOSTCPUS" -gt 1 ]; then
	check "  control: the host's lists $HOSTCPUS" [ "$HOSTCPUS" -gt 1 ]
else
	skip "one CPU here: no control"
fi
is "l1's /proc/stat has one cpuN line" "$(vserver l1 exec grep -c '^cpu[0-9]' /proc/stat)" 1
is "l1's /sys/devices/system/cpu/online" "$(vserver l1 exec cat /sys/devices/system/cpu/online)" "$LAST"
MI=$(vserver l1 exec cat /proc/self/mountinfo)
if [ -z "$HONEST" ]; then
	like "/proc/meminfo is lxcfs's" "$(printf '%s\n' "$MI" | grep ' /proc/meminfo ')" " /proc/meminfo /proc/meminfo .* - fuse.lxcfs "
	is "  (sysinfo(2) is still the host's: busybox free)" "$(sysmem l1)" "$HOSTMEM"
else
	is "/proc/meminfo is the memory-honest kernel's" "$(printf '%s\n' "$MI" | grep -c ' /proc/meminfo ')" 0
	is "  as is sysinfo(2) (busybox free)" "$(sysmem l1)" 65536
fi
like "/proc/cpuinfo is lxcfs's" "$(printf '%s\n' "$MI" | grep ' /proc/cpuinfo ')" " - fuse.lxcfs "
if [ -e /proc/self/ns/time ]; then
	is "  /proc/uptime is the kernel's (the time namespace's)" "$(printf '%s\n' "$MI" | grep -c ' /proc/uptime ')" 0
else
	is "  /proc/uptime is lxcfs's (no time namespace)" "$(printf '%s\n' "$MI" | grep -c ' /proc/uptime ')" 1
fi
is "  each read-only, naming no host path" "$(printf '%s\n' "$MI" | grep ' - fuse.lxcfs ' | grep -v "$T_TMP" | grep -c ' /proc/[a-z]* ro,')" \
	"$(printf '%s\n' "$MI" | grep ' /proc/[a-z]* ' | grep -c ' - fuse.lxcfs ')"

rc_is "start l3 (LXCFS unset: auto)" 0 vserver l3 start
is "MemTotal in l3 (lxcfs is mounted): 64 MiB" "$(memtotal l3)" 65536
# guest root against the files all guests share: an open with O_TRUNC
# would leave lxcfs's inode empty for every reader that splices (busybox
# cat): the binds are read-only
run_rc vserver l1 exec sh -c 'echo "MemTotal: 1 kB" > /proc/meminfo'
like "guest root can't write l1's meminfo" "$ERR" "Read-only file system"
is "  busybox cat (sendfile) in l1 still reads it" "$(memtotal l1)" 65536
is "  and in l3" "$(memtotal l3)" 65536
run_rc vserver l1 exec umount /proc/meminfo
if [ -z "$T_USERNS" ]; then
	check "  nor unmount it" [ "$RC" != 0 ]
	is "  which is still lxcfs's" "$(memtotal l1)" 65536
else
	# its mounts are its own: it sees the kernel's figures again
	is "  USERNS: guest root may unmount it in its own mount namespace" "$RC" 0
	is "  and reads the kernel's" "$(memtotal l1)" "$(sysmem l1)"
fi
vserver l3 stop -q

rc_is "start l2 (LXCFS=no)" 0 vserver l2 start
is "MemTotal in l2: the kernel's (sysinfo's)" "$(memtotal l2)" "$(sysmem l2)"
is "  no FUSE file in its /proc" "$(vserver l2 exec grep -c fuse /proc/self/mountinfo)" 0


# ---- no lxcfs -------------------------------------------------------------
mkdir -p "$T_TMP/nolx"
VSBOX_LXCFS_DIR=$T_TMP/nolx rc_is "LXCFS=yes without lxcfs: refused" 1 vserver l4 start
is "  in one line" "$ERR" "vserver: l4: LXCFS=yes, but lxcfs is not mounted on $T_TMP/nolx"
is "  nothing started" "$(ls "$VSBOX_RUNDIR/ctx" 2>/dev/null | grep -c '^[0-9]*$')" 2
VSBOX_LXCFS_DIR=$T_TMP/nolx rc_is "auto without lxcfs: l3 starts" 0 vserver l3 start
is "  MemTotal in l3: the kernel's (sysinfo's)" "$(memtotal l3)" "$(sysmem l3)"

rc_is "stop l1" 0 vserver l1 stop -q
done_testing
