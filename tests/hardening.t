#!/bin/sh
# hardening.t - a guest's root tries the classic escapes from inside a real
# busybox guest and fails; where it makes sense the same attack is shown to
# work on the host (or under plain chroot), so each check can fail.
# Guests: h1 (defaults, IPROOT 127.0.0.6, httpd on port 18600), h2 (S_CAPS
# MKNOD SYS_ADMIN, S_SECCOMP=allow:swap, S_FLAGS lock), h3 (a tampered root), h4 and h5
# (built from tampered archives and roots).
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/hardening-lib.sh"

GUESTS="h1 h2 h3 h4 h5"
on_cleanup 'for g in $GUESTS; do vserver $g stop -q >/dev/null 2>&1; done; ip addr del 127.0.0.6/32 dev lo 2>/dev/null'
DAEMON="httpd -p 18600 -h /www" hguest h1 "IPROOT=127.0.0.6" "IPROOTDEV=lo"
FLAGS="nproc lock" hguest h2 'S_CAPS="MKNOD SYS_ADMIN"' 'S_SECCOMP="allow:swap"'
echo "page of h1" >"$VSBOX_ROOTDIR/h1/www/index.html"
rc_is "start h1 (defaults)" 0 vserver h1 start
if grep -q "can't be enforced" "$T_TMP/err"; then
	skip "the IP lock is not available here"; done_testing
fi
rc_is "start h2 (MKNOD SYS_ADMIN, allow:swap, lock)" 0 vserver h2 start
[ "$RC" = 0 ] || diag "$ERR"

# ---- the default capabilities: what services need (Docker's set less MKNOD) ------
# the bounding set of a process in h1, and the names of its bits
bnd() { vserver "$1" exec sh -c 'grep CapBnd /proc/self/status' | awk '{ print $2 }'; }
has() { [ $(( 0x$1 >> $2 & 1 )) = 1 ] && echo "$3"; }
names() { for c in 0:CHOWN 1:DAC_OVERRIDE 3:FOWNER 4:FSETID 5:KILL 6:SETGID 7:SETUID 8:SETPCAP \
	10:NET_BIND_SERVICE 11:NET_BROADCAST 14:IPC_LOCK 15:IPC_OWNER 18:SYS_CHROOT 21:SYS_ADMIN \
	22:SYS_BOOT 26:SYS_TTY_CONFIG 27:MKNOD 28:LEASE 29:AUDIT_WRITE 31:SETFCAP; do
	has "$1" "${c%%:*}" "${c#*:}"; done | tr '\n' ' '; }
B1=$(bnd h1)
is "h1's capabilities: the services' set, SYS_BOOT for rebootmgr$([ -n "$T_USERNS" ] && echo ', SYS_ADMIN over its user namespace')" "$(names "$B1")" \
	"CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP NET_BIND_SERVICE SYS_CHROOT $([ -n "$T_USERNS" ] && echo 'SYS_ADMIN ')SYS_BOOT AUDIT_WRITE SETFCAP "
is "  nothing beyond them (bounding set $B1)" "$(( 0x$B1 & ~(1<<0|1<<1|1<<3|1<<4|1<<5|1<<6|1<<7|1<<8|1<<10|1<<18|1<<21|1<<22|1<<29|1<<31) ))" 0
vserver h2 stop -q
sed -i 's/^S_CAPS=.*/S_CAPS="MKNOD SYS_ADMIN IPC_LOCK IPC_OWNER LEASE NET_BROADCAST SYS_TTY_CONFIG"/' "$VSBOX_CONFDIR/h2.conf"
vserver h2 start -q
like "S_CAPS gives back the old default's IPC_LOCK IPC_OWNER LEASE NET_BROADCAST SYS_TTY_CONFIG" "$(names "$(bnd h2)")" \
	"NET_BROADCAST IPC_LOCK IPC_OWNER .*SYS_TTY_CONFIG MKNOD LEASE "
vserver h2 stop -q
sed -i 's/^S_CAPS=.*/S_CAPS="MKNOD SYS_ADMIN"/' "$VSBOX_CONFDIR/h2.conf"
rc_is "h2 back as it was" 0 vserver h2 start -q

# ---- the seccomp filter: each probe EPERM inside, something else outside --------
PROBES="add_key keyctl request_key open_by_handle_at bpf unshare_userns clone_userns
	perf_event_open tiocsti swapon swapoff settimeofday clock_settime reboot init_module
	finit_module delete_module kexec_load kexec_file_load iopl ioperm userfaultfd acct
	fsxattr file_setattr mount"
HOST=$("$T_TMP/hprobe" $(echo $PROBES | sed "s/ mount//"))
IN=$(vserver h1 exec hprobe $PROBES)
# (USERNS: the mount and userns rules are lifted, the guest's mounts and
# namespaces being its own; the kernel then says what it says)
USERNS_OWN=" unshare_userns clone_userns mount "
for p in $PROBES; do
	h=$(printf '%s\n' "$HOST" | sed -n "s/^$p=//p")
	i=$(printf '%s\n' "$IN" | sed -n "s/^$p=//p")
	if [ -n "$T_USERNS" ] && [ "${USERNS_OWN#* $p }" != "$USERNS_OWN" ]; then
		check "USERNS: $p is the guest's own ($i), no EPERM" test "$i" != EPERM -a -n "$i"
		continue
	fi
	is "seccomp: $p refused inside (host: $h)" "$i" EPERM
	if [ "$p" = mount ]; then continue; fi   # the host's root may mount
	check "control: $p is not EPERM on the host" test "$h" != EPERM -a -n "$h"
done
if [ -z "$T_USERNS" ]; then
	is "S_CAPS SYS_ADMIN still may not mount (seccomp)" "$(vserver h2 exec hprobe mount)" mount=EPERM
	is "S_SECCOMP=allow:swap lifts the swap rule" "$(vserver h2 exec hprobe swapon)" swapon=ENOENT
	is "clone3 is ENOSYS inside (libcs fall back to clone)" "$(vserver h1 exec hprobe clone3)" clone3=ENOSYS
else
	# the rule lifted, swapon still needs CAP_SYS_ADMIN over the host
	is "USERNS: S_SECCOMP=allow:swap: swapon still refused, by the kernel" "$(vserver h2 exec hprobe swapon)" swapon=EPERM
	is "USERNS with S_FLAGS lock: clone3 is ENOSYS (the filter checks clone's flags)" \
		"$(vserver h2 exec hprobe clone3)" clone3=ENOSYS
fi
is "and only it: bpf still refused in h2" "$(vserver h2 exec hprobe bpf)" bpf=EPERM
# S_FLAGS lock: no namespace at all, even with CAP_SYS_ADMIN (h2 has it and lock)
is "control: the host's root may unshare and setns" "$("$T_TMP/hprobe" unshare_uts setns | tr '\n' ' ')" \
	"unshare_uts=OK setns=OK "
is "h2 (SYS_ADMIN, S_FLAGS lock): unshare and setns refused" "$(vserver h2 exec hprobe unshare_uts setns | tr '\n' ' ')" \
	"unshare_uts=EPERM setns=EPERM "
if command -v curl >/dev/null; then
	is "h1 serves on 127.0.0.6:18600 all the same" "$(curl -s --max-time 3 http://127.0.0.6:18600/)" "page of h1"
fi
if [ -z "$T_USERNS" ]; then
	rc_is "busybox mount inside fails" 1 vserver h1 exec mount -t tmpfs none /mnt
else
	rc_is "USERNS: root mounts a tmpfs in its own namespace" 0 vserver h1 exec sh -c 'mkdir -p /tmp/m && mount -t tmpfs none /tmp/m'
	rc_is "  but not a disk of the host" 1 vserver h1 exec sh -c "mount $(findmnt -n -o SOURCE /) /tmp/m"
	is "  and the host's mounts never see its own" "$(grep -c " $VSBOX_ROOTDIR/h1/tmp/m " /proc/self/mountinfo)" 0
fi

# ---- devices ------------------------------------------------------------------
DISK=$(for d in /sys/block/*; do case ${d##*/} in loop*|ram*|zram*) continue;; esac; cat "$d/dev"; break; done)
if [ -n "$DISK" ]; then
	MAJ=${DISK%:*} MIN=${DISK#*:}
	mknod "$T_TMP/disk" b "$MAJ" "$MIN"
	if [ "$(head -c 512 "$T_TMP/disk" 2>/dev/null | wc -c)" = 512 ]; then
		ok "control: the host's root reads disk $DISK through a fresh node"
	else
		skip "control: this test itself may not read $DISK (a device cgroup around it)"
	fi
	rc_is "h1 (no CAP_MKNOD): mknod of the host disk fails" 1 vserver h1 exec mknod /dev/hd b "$MAJ" "$MIN"
	rc_is "h2 (CAP_MKNOD): mknod of the host disk refused by the allowlist" 1 vserver h2 exec mknod /dev/hd b "$MAJ" "$MIN"
	like "with EPERM" "$ERR" "not permitted"
	rc_is "h2: a node planted on the root (nodev) does not open" 1 \
		sh -c "mknod '$VSBOX_ROOTDIR/h2/tmp/hd' b $MAJ $MIN && vserver h2 exec head -c 512 /tmp/hd >/dev/null"
	rm -f "$VSBOX_ROOTDIR/h2/tmp/hd"
else
	skip "no block device on this host"
fi
if [ -z "$T_USERNS" ]; then
	rc_is "h2 (CAP_MKNOD): an allowed node (null 1:3) can be made" 0 vserver h2 exec mknod /dev/null2 c 1 3
else
	# CAP_MKNOD is the host's: no node at all, even an allowed one
	rc_is "USERNS h2 (CAP_MKNOD): no node can be made, not even null 1:3" 1 vserver h2 exec mknod /dev/null2 c 1 3
fi
rc_is "h2: /dev/mem (1:1) refused" 1 vserver h2 exec mknod /dev/mem c 1 1
is "h2: /dev/kmsg (1:11) refused" "$(vserver h2 exec sh -c 'mknod /dev/km c 1 11 2>&1 || echo refused' | tail -n 1)" refused
XID2=$(vserver h2 status | sed -n 's/^  context: *\([0-9]*\).*/\1/p')
is "with cgroup2, the BPF program alone: no v1 devices cgroup" \
	"$(sed -n 's/^cg=\(.*devices.*\)/\1/p' "$VSBOX_RUNDIR/ctx/$XID2")" ""

# ---- /proc and /sys ------------------------------------------------------------
CP=$(cat /proc/sys/kernel/core_pattern)
rc_is "core_pattern not writable by the guest's uid 0" 1 vserver h1 exec sh -c 'echo "|/tmp/x" >/proc/sys/kernel/core_pattern'
is "core_pattern unchanged" "$(cat /proc/sys/kernel/core_pattern)" "$CP"
rc_is "sysrq-trigger not writable" 1 vserver h1 exec sh -c 'echo h >/proc/sysrq-trigger'
if [ -e /proc/kcore ]; then
	is "control: the host's /proc/kcore has bytes" "$(head -c 16 /proc/kcore | wc -c)" 16
fi
is "/proc/kcore masked inside" "$(vserver h1 exec sh -c 'head -c 16 /proc/kcore 2>/dev/null | wc -c')" 0
is "/proc/keys masked inside" "$(vserver h1 exec sh -c 'cat /proc/keys | wc -c')" 0
is "/proc/kmsg masked inside" "$(vserver h1 exec sh -c 'head -c 16 /proc/kmsg | wc -c')" 0
if [ -d /sys/firmware ]; then
	is "/sys/firmware masked (empty)" "$(vserver h1 exec ls -A /sys/firmware | wc -l)" 0
fi
if [ -d /proc/acpi ]; then
	is "/proc/acpi masked (empty)" "$(vserver h1 exec ls -A /proc/acpi | wc -l)" 0
fi
rc_is "/sys read-only" 1 vserver h1 exec sh -c 'echo 1 >/sys/kernel/uevent_helper'
is "no cgroup hierarchy visible under /sys/fs/cgroup" "$(vserver h1 exec ls -A /sys/fs/cgroup | wc -l)" 0
rc_is "PID 1's executable is not readable (no host binary to write)" 1 vserver h1 exec sh -c 'cat /proc/1/exe >/dev/null'

# ---- filesystem escapes ---------------------------------------------------------
echo "host secret" >"$T_TMP/hostmark"
rc_is "/proc/1/root does not lead to the host" 1 vserver h1 exec cat "/proc/1/root$T_TMP/hostmark"
rc_is "(PID 1 is vsbox's init, not dumpable: its root is not even listable)" 1 vserver h1 exec ls /proc/1/root/
mkdir -p "$T_TMP/cr"; cp "$T_TMP/hprobe" "$T_TMP/cr/"; mkdir -m 1777 "$T_TMP/cr/tmp"
is "control: double chroot escapes plain chroot" \
	"$(HMARK="$T_TMP/hostmark" chroot "$T_TMP/cr" /hprobe double_chroot)" double_chroot=OK
is "double chroot stays in the guest" \
	"$(vserver h1 exec env HMARK="$T_TMP/hostmark" hprobe double_chroot)" double_chroot=ENOENT

# hard links: the host's files have no name inside, so none can be linked
is "control: the probe hard-links a host file on the host" "$("$T_TMP/hprobe" "hardlink:$T_TMP/hostmark")" hardlink=OK
is "h1 can't hard-link it by its host path" "$(vserver h1 exec hprobe "hardlink:$T_TMP/hostmark")" hardlink=ENOENT
like "nor through /proc/1/root" "$(vserver h1 exec hprobe "hardlink:/proc/1/root$T_TMP/hostmark")" '^hardlink=E(ACCES|NOENT|PERM)$'
# cgroup release_agent: needs a cgroup v1 hierarchy mounted; none is visible
# and h2's CAP_SYS_ADMIN still can't mount one (its release_agent would run
# on the host as root)
if [ -z "$T_USERNS" ]; then
	rc_is "h2 (SYS_ADMIN) can't mount a cgroup v1 hierarchy" 1 vserver h2 exec mount -t cgroup -o none,name=vsboxt cgroup /mnt
	rc_is "  nor cgroup2" 1 vserver h2 exec mount -t cgroup2 none /mnt
else
	# root in a user namespace with its mounts allowed: still no v1
	# hierarchy (whose release_agent the kernel would never let it set
	# anyway, CVE-2022-0492); cgroup2 only below its own cgroup, whose
	# files it can't write (they belong to host uid 0, unmapped inside)
	rc_is "USERNS h2 (SYS_ADMIN, mounts allowed): no cgroup v1 hierarchy" 1 \
		vserver h2 exec sh -c 'mkdir -p /tmp/c1 && mount -t cgroup -o none,name=vsboxt cgroup /tmp/c1'
	rc_is "USERNS h2: mounts cgroup2, rooted at its own cgroup" 0 \
		vserver h2 exec sh -c 'mkdir -p /tmp/c2 && mount -t cgroup2 none /tmp/c2 && test -e /tmp/c2/cgroup.procs'
	rc_is "  whose files it can't write" 1 vserver h2 exec sh -c 'echo 1 >/tmp/c2/cgroup.max.descendants'
	is "  its context's cgroup.max.descendants is unchanged" \
		"$(cat "$(t_v2dir "$(vserver h2 status | sed -n 's/^  context: *\([0-9]*\).*/\1/p')")/cgroup.max.descendants")" max
fi
rc_is "  no release_agent anywhere in its /sys" 1 vserver h2 exec sh -c 'find /sys -name release_agent 2>/dev/null | grep -q .'

is "control: a directory fd leaked into plain chroot leads out" \
	"$(chroot "$T_TMP/cr" /hprobe leakedfds 7<"$T_TMP" 2>/dev/null)" leakedfds=OK
is "one leaked to vserver exec is closed; no process of h1 holds one that leads out" \
	"$(vserver h1 exec hprobe leakedfds 7<"$T_TMP")" leakedfds=ENOENT

# ---- a tampered root: host paths behind the guest's symlinks ------------------------
mkdir -p "$T_TMP/hostdir"; echo keep >"$T_TMP/hostdir/file"
hguest h3
echo "host hostname file" >"$T_TMP/hostname"
rm -f "$VSBOX_ROOTDIR/h3/etc/hostname"; ln -s "$T_TMP/hostname" "$VSBOX_ROOTDIR/h3/etc/hostname"
rm -rf "$VSBOX_ROOTDIR/h3/dev"; ln -s "$T_TMP/hostdir" "$VSBOX_ROOTDIR/h3/dev"
rc_is "start with /dev a symlink to a host directory fails" 1 vserver h3 start
like "with a clear message" "$ERR" "h3/dev is a symbolic link: refusing"
is "the host directory is untouched" "$(ls -A "$T_TMP/hostdir")" file
rc_is "nothing of h3 runs" 1 vserver h3 running
rm "$VSBOX_ROOTDIR/h3/dev"; mkdir "$VSBOX_ROOTDIR/h3/dev"
rm -rf "$VSBOX_ROOTDIR/h3/proc"; ln -s /proc "$VSBOX_ROOTDIR/h3/proc"
rc_is "start with /proc a symlink fails" 1 vserver h3 start
like "clearly" "$ERR" "h3/proc is a symbolic link"
rm "$VSBOX_ROOTDIR/h3/proc"; mkdir "$VSBOX_ROOTDIR/h3/proc"
rc_is "start h3 with /etc/hostname a symlink to a host file" 0 vserver h3 start
vserver h3 exec sh -c 'echo pwned >/etc/hostname' 2>/dev/null
is "the host file behind the guest's /etc/hostname is untouched" "$(cat "$T_TMP/hostname")" "host hostname file"
rc_is "stop h3" 0 vserver h3 stop -q
is "still untouched after stop" "$(cat "$T_TMP/hostname")" "host hostname file"

# NAME.fstab: its targets are made and mounted inside the root, even
# through a symlink that names a host directory
mkdir -p "$T_TMP/src" "$T_TMP/hostmnt"; echo shared >"$T_TMP/src/f"
mkdir -p "$VSBOX_ROOTDIR/h3/mnt"; ln -s "$T_TMP/hostmnt" "$VSBOX_ROOTDIR/h3/mnt/link"
echo "$T_TMP/src /mnt/link/data bind ro" >"$VSBOX_CONFDIR/h3.fstab"
rc_is "start h3 with an fstab target behind a symlink to a host directory fails" 1 vserver h3 start
like "  the link is followed only inside the guest, where it leads nowhere" "$ERR" \
	"can't open directory link \(in /mnt/link/data: a symbolic link, followed only inside the guest\)"
is "  the host directory got no mount point" "$(ls -A "$T_TMP/hostmnt")" ""
mkdir -p "$VSBOX_ROOTDIR/h3$T_TMP/hostmnt"
rc_is "with the link's target in the guest, h3 starts" 0 vserver h3 start
[ "$RC" = 0 ] || diag "$ERR"
is "  the bind is seen inside, through the guest's own link" "$(vserver h3 exec cat /mnt/link/data/f)" shared
is "  the host directory got no mount point" "$(ls -A "$T_TMP/hostmnt")" ""
check "  it was made inside the root" test -d "$VSBOX_ROOTDIR/h3$T_TMP/hostmnt/data"
rc_is "stop h3" 0 vserver h3 stop -q
rm -f "$VSBOX_CONFDIR/h3.fstab"

# the boot command behind a symlink to a host script: nothing of the host runs
printf '#!/bin/sh\ntouch %s/ran\n' "$T_TMP" >"$T_TMP/hostrc"; chmod 755 "$T_TMP/hostrc"
mv "$VSBOX_ROOTDIR/h3/etc/rc" "$VSBOX_ROOTDIR/h3/etc/rc.real"
ln -s "$T_TMP/hostrc" "$VSBOX_ROOTDIR/h3/etc/rc"
rc_is "start h3 with /etc/rc a symlink to a host script fails" 1 vserver h3 start
like "  clearly" "$ERR" "no INIT set and no rc found"
check "  and the host script did not run" test ! -e "$T_TMP/ran"
rm "$VSBOX_ROOTDIR/h3/etc/rc"; mv "$VSBOX_ROOTDIR/h3/etc/rc.real" "$VSBOX_ROOTDIR/h3/etc/rc"

# users come from the guest's passwd, never from a host file it links to
printf 'hostonly:x:4242:4242::/:/bin/sh\n' >"$T_TMP/passwd"
cp "$VSBOX_ROOTDIR/h3/etc/passwd" "$T_TMP/passwd.h3"
ln -sf "$T_TMP/passwd" "$VSBOX_ROOTDIR/h3/etc/passwd"
rc_is "start h3 with /etc/passwd a symlink to a host file" 0 vserver h3 start
rc_is "suexec of the host file's user fails" 1 vserver h3 suexec hostonly id
like "  the user is not the guest's" "$ERR" "no user 'hostonly'"
rc_is "stop h3" 0 vserver h3 stop -q
cp "$T_TMP/passwd.h3" "$VSBOX_ROOTDIR/h3/etc/passwd"

# build: an archive's symlinks are followed only inside the new root
mkdir -p "$T_TMP/hosttmp"; chmod 700 "$T_TMP/hosttmp"
cp -a "$T_TMP/img" "$T_TMP/img2"; rm -rf "$T_TMP/img2/tmp"; ln -s "$T_TMP/hosttmp" "$T_TMP/img2/tmp"
tar -C "$T_TMP/img2" -czf "$T_TMP/bad1.tgz" .
rc_is "build from an archive whose /tmp links to a host directory fails" 1 vserver h4 build -q --tar "$T_TMP/bad1.tgz"
like "  saying why" "$ERR" "can't open directory tmp .*a symbolic link, followed only inside the guest"
check "  and leaves nothing" test ! -e "$VSBOX_ROOTDIR/h4" -a ! -e "$VSBOX_CONFDIR/h4.conf"
# (/var/tmp this time: a link under /tmp to a path under /tmp would loop)
mkdir -p "$T_TMP/hostvt"; chmod 700 "$T_TMP/hostvt"
cp -a "$T_TMP/img" "$T_TMP/img3"; mkdir -p "$T_TMP/img3/var" "$T_TMP/img3$T_TMP/hostvt"
ln -s "$T_TMP/hostvt" "$T_TMP/img3/var/tmp"
tar -C "$T_TMP/img3" -czf "$T_TMP/bad2.tgz" .
rc_is "one whose /var/tmp links to a directory it has itself builds" 0 vserver h4 build -q --tar "$T_TMP/bad2.tgz"
is "  the host directory keeps its mode" "$(stat -c %a "$T_TMP/hostvt")" 700
is "  the guest's directory is not made world-writable through the link" \
	"$(stat -c %a "$VSBOX_ROOTDIR/h4$T_TMP/hostvt")" 755

# --template copies links as links; delete removes links, not what they name
rc_is "build h5 from h3 (its /etc/hostname links to a host file)" 0 vserver h5 build -q --template h3
is "  the copy is the link, not the host file" "$(readlink "$VSBOX_ROOTDIR/h5/etc/hostname")" "$T_TMP/hostname"
ln -s "$T_TMP/hostdir" "$VSBOX_ROOTDIR/h5/data"
rc_is "delete h5 (a link to a host directory in its root)" 0 vserver h5 delete --force -q
is "  the host directory and its file stay" "$(ls -A "$T_TMP/hostdir")" file
is "  the host file stays" "$(cat "$T_TMP/hostname")" "host hostname file"

# ---- the configuration key --------------------------------------------------------
cp "$VSBOX_CONFDIR/h3.conf" "$T_TMP/h3.conf"
echo 'S_SECCOMP="allow:nosuch"' >>"$VSBOX_CONFDIR/h3.conf"
rc_is "S_SECCOMP with an unknown rule" 1 vserver h3 start
like "names the rules" "$ERR" "S_SECCOMP: unknown rule 'nosuch' \(module kexec"
cp "$T_TMP/h3.conf" "$VSBOX_CONFDIR/h3.conf"; echo 'S_SECCOMP="swap"' >>"$VSBOX_CONFDIR/h3.conf"
rc_is "S_SECCOMP without allow:" 1 vserver h3 start

# ---- the strict run's own protections, as guest root meets them --------------------
if [ -n "$T_STRICT" ]; then
	CPU=$(echo "$T_STRICT_CONF" | sed -n 's/.*S_CPUSET=\([0-9]*\).*/\1/p')
	is "strict: taskset can't take h1 off its CPU $CPU" \
		"$(vserver h1 exec sh -c 'taskset -p 0xffff $$ >/dev/null 2>&1; grep Cpus_allowed_list /proc/self/status' | awk '{ print $2 }')" "$CPU"
	if [ -n "$T_SCOPE" ]; then
		"$HPROBE" abind:vsbox-t-strict-$$,20 >/dev/null &
		track_pid $!
		sleep 0.2
		is "strict: h1 can't connect to the host's abstract socket" \
			"$(vserver h1 exec hprobe aconnect:vsbox-t-strict-$$)" aconnect=EPERM
	else
		skip "no Landlock ABI 6: no UNIX_SCOPE"
	fi
fi

rc_is "stop h1" 0 vserver h1 stop -q
rc_is "stop h2" 0 vserver h2 stop -q

# ---- a host without cgroup2: the v1 devices controller holds the allowlist -------
V1DEV=$(sh "$T_TOP/build/cgmounts.sh" | awk '$1 == "cgroup" && $3 ~ /(^|,)devices(,|$)/ { print $2; exit }')
if [ -n "$V1DEV" ]; then
	# h2 started where no cgroup2 is mounted (a mount namespace of its own)
	rc_is "h2 starts where no cgroup2 is mounted" 0 unshare -m sh -c \
		"umount -l '$(dirname "$(t_v2dir)")' && ! grep -q ' - cgroup2 ' /proc/self/mountinfo && vserver h2 start -q"
	[ "$RC" = 0 ] || diag "$ERR"
	XID2=$(vserver h2 status | sed -n 's/^  context: *\([0-9]*\).*/\1/p')
	DEVCG=$(sed -n 's/^cg=\(.*devices.*\)/\1/p' "$VSBOX_RUNDIR/ctx/$XID2")
	like "  its v1 devices.list is the allowlist" "$(tr '\n' ' ' <"$DEVCG/devices.list" 2>&1)" \
		'^c 1:3 rwm c 1:5 rwm c 1:7 rwm c 1:8 rwm c 1:9 rwm c 5:0 rwm c 5:2 rwm c 136:\* rwm $'
	is "  /dev/kmsg (1:11) refused" "$(vserver h2 exec sh -c 'mknod /dev/km c 1 11 2>&1 || echo refused' | tail -n 1)" refused
	if [ -z "$T_USERNS" ]; then
		rc_is "  an allowed node (null 1:3) can be made" 0 vserver h2 exec mknod /dev/null3 c 1 3
		# and the control: with the v1 list opened, the same mknod works
		echo "c 1:11 rwm" >"$DEVCG/devices.allow"
		rc_is "  control: v1 opened for 1:11, the same mknod works" 0 vserver h2 exec mknod /dev/km c 1 11
	fi
	rc_is "  stop" 0 vserver h2 stop -q
	check "  its devices cgroup is gone" test ! -d "$DEVCG"
else
	skip "no v1 devices controller here"
fi
done_testing
