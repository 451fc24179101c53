#!/bin/sh
# userns-combo.t - USERNS=yes together with what the other issues added, on
# a btrfs loop image (guest roots are subvolumes, quotas on) inside the
# test's own network world (tests/netns-lib.sh): uc1 has a disk limit and
# a private network stack, uc2 a private stack; both serve the outside
# from their bridged eth0, uc1's root can't write past its limit (files
# it writes are plain root-owned on disk), vunify shares a file of both
# running guests and each guest's write to it stays its own, and stopping
# them leaves no device behind.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/guest-lib.sh"
. "$(dirname "$0")/unify-lib.sh"
. "$(dirname "$0")/netns-lib.sh"
command -v btrfs >/dev/null && command -v curl >/dev/null || bail "btrfs and curl are needed"
netns_world c 10.201.9.1/24
get() { O curl -s -m 3 "http://$1/"; }

mkimage "$T_TMP/img" "$T_TMP/guest.tgz"
ufs btrfs 1G mkfs.btrfs -q || bail "can't make a btrfs loop image"
btrfs quota enable "$MNT" || bail "can't enable btrfs quotas"
export VSBOX_ROOTDIR=$MNT/vs
mkdir -p "$VSBOX_ROOTDIR" "$VSBOX_CONFDIR/.defaults"
printf 'USERNS_BASE=3400000\nUSERNS_SIZE=65536\n' >"$VSBOX_CONFDIR/.defaults/userns"
guest() {  # guest NAME CONF-LINE...: a busybox guest (rc: httpd on :80)
	n=$1; shift
	H vserver "$n" build -q --tar "$T_TMP/guest.tgz" || bail "can't build $n"
	echo "page of $n" >"$VSBOX_ROOTDIR/$n/www/index.html"
	printf '%s\n' "S_HOSTNAME=$n" USERNS=yes NET=private BRIDGE=vsnbr "$@" >"$VSBOX_CONFDIR/$n.conf"
	on_cleanup "H vserver $n stop -q >/dev/null 2>&1"
}
guest uc1 IPROOT=10.201.9.11 DISK_LIMIT=16M
guest uc2 IPROOT=10.201.9.12
head -c 2097152 /dev/urandom >"$T_TMP/same"
for g in uc1 uc2; do mkdir -p "$VSBOX_ROOTDIR/$g/usr/lib"; cp "$T_TMP/same" "$VSBOX_ROOTDIR/$g/usr/lib/same" || bail "no copy in $g"; done
sync

rc_is "uc1 (USERNS, NET=private, DISK_LIMIT) starts" 0 H vserver uc1 start -q
rc_is "uc2 (USERNS, NET=private) starts" 0 H vserver uc2 start -q
is "  uc1 is root in its own user namespace" "$(H vserver uc1 exec cat /proc/self/uid_map | tr -s ' ')" " 0 3400000 65536"
# (/proc/net/dev: the guest's own network namespace; its read-only /sys
# lists, on 6.1, the devices of the namespace that mounted it)
check "  with an eth0 of its own" H vserver uc1 exec grep -q "^ *eth0:" /proc/net/dev
is "uc1 serves the outside from its bridged eth0" "$(get 10.201.9.11)" "page of uc1"
is "uc2 too" "$(get 10.201.9.12)" "page of uc2"

# ---- the disk limit holds for a user-namespaced root -----------------------
run_rc H vserver uc1 exec dd if=/dev/zero of=/fill bs=1M count=32
check "uc1's root can't write 32M past DISK_LIMIT=16M" [ "$RC" -ne 0 ]
like "  dd says why" "$ERR" "Disk quota exceeded"
within "  what it wrote stays under the limit (KiB)" "$(( $(stat -c %s "$VSBOX_ROOTDIR/uc1/fill") / 1024 ))" 0 16384
is "  the file is plain root's on disk (the mount is idmapped)" "$(stat -c %u:%g "$VSBOX_ROOTDIR/uc1/fill")" "0:0"
H vserver uc1 exec rm /fill

# ---- unification of two running USERNS guests ------------------------------
rc_is "vunify --method reflink uc1 uc2 (both running)" 0 H vunify --method reflink uc1 uc2
check "  their same file shares its extents" shared "$VSBOX_ROOTDIR/uc1/usr/lib/same" "$VSBOX_ROOTDIR/uc2/usr/lib/same"
is "  inside it is still root's" "$(H vserver uc2 exec stat -c %u:%g /usr/lib/same)" "0:0"
H vserver uc2 exec sh -c 'echo mine >> /usr/lib/same'
is "uc2's root may write its copy" "$(H vserver uc2 exec tail -c 5 /usr/lib/same)" "mine"
check "  uc1's copy is untouched" cmp -s "$T_TMP/same" "$VSBOX_ROOTDIR/uc1/usr/lib/same"
check "  and still reads whole inside uc1" H vserver uc1 exec sh -c "[ \$(wc -c </usr/lib/same) = 2097152 ]"

rc_is "uc1 stops" 0 H vserver uc1 stop -q
rc_is "uc2 stops" 0 H vserver uc2 stop -q
is "nothing of their networks is left" "$(links_settled "lo vsnbr vsnl0 ")" "lo vsnbr vsnl0 "
done_testing
