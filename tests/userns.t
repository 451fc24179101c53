#!/bin/sh
# userns.t - USERNS=yes guests: their id range (chosen from the pool, kept
# in NAME.conf, never overlapping another guest's or a subordinate id
# range), the idmapped root (plain ids on disk, root inside), root's own
# mounts inside and what it still can't do, a root that can't be idmapped
# (refused; with USERNS_CHOWN=yes its ids shifted on disk once).
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/guest-lib.sh"
command -v curl >/dev/null || bail "curl is needed"

GUESTS="un1 un2 un3 unram"
on_cleanup 'for g in $GUESTS; do VSBOX_ROOTDIR="$T_TMP/vs" vserver $g stop -q >/dev/null 2>&1; done; ip addr del 127.0.5.1/32 dev lo 2>/dev/null; umount "$T_TMP/ram" 2>/dev/null'
mkimage "$T_TMP/img" "$T_TMP/guest.tgz"
# the pool of this test, and a subordinate range in its way
mkdir -p "$VSBOX_CONFDIR/.defaults"
printf 'USERNS_BASE=3000000\nUSERNS_SIZE=65536\n' >"$VSBOX_CONFDIR/.defaults/userns"
printf 'alice:3065536:65536\n' >"$T_TMP/subuid"
export VSBOX_SUBUID="$T_TMP/subuid" VSBOX_SUBGID="$T_TMP/nosubgid"

mkguest() {  # mkguest NAME [conf lines...]
	n=$1; shift
	vserver "$n" build --tar "$T_TMP/guest.tgz" -q || bail "can't build $n"
	{ echo "USERNS=yes"; for l in "$@"; do echo "$l"; done; } >>"$VSBOX_CONFDIR/$n.conf"
}
mkguest un1 'IPROOT=127.0.5.1' 'IPROOTDEV=lo'
sed -i '/^IPROOT=$/d; /^#IPROOTDEV/d' "$VSBOX_CONFDIR/un1.conf"

# ---- the range and the maps ------------------------------------------------
rc_is "a USERNS guest starts" 0 vserver un1 start -q
like "its range is written into NAME.conf" "$(cat "$VSBOX_CONFDIR/un1.conf")" '^USERNS_BASE="3000000"$'
is "inside it is root" "$(vserver un1 exec id)" "uid=0(root) gid=0(root)"
is "its uid_map: 0 -> USERNS_BASE, 65536 ids" "$(vserver un1 exec cat /proc/self/uid_map | tr -s ' ')" " 0 3000000 65536"
is "and its gid_map" "$(vserver un1 exec cat /proc/self/gid_map | tr -s ' ')" " 0 3000000 65536"
init=$(vserver un1 status | sed -n 's/.*(init pid \([0-9]*\)).*/\1/p')
is "on the host its processes are uid USERNS_BASE" "$(ps -o uid= --ppid "${init:-1}" | tr -d ' ' | sort -u)" 3000000
is "its init (vsbox's) stays host root, for its cleanup" "$(ps -o uid= -p "${init:-1}" | tr -d ' ')" 0
is "suexec web is uid 1000 inside" "$(vserver un1 suexec web id -u)" 1000
is "its httpd on port 80 answers at 127.0.5.1" "$(curl -s --max-time 3 -o /dev/null -w '%{http_code}' http://127.0.5.1/)" 404

# ---- the idmapped root: plain ids on disk ------------------------------------
is "the guest's files are root's inside" "$(vserver un1 exec stat -c '%u:%g' /etc/passwd)" "0:0"
is "and 0:0 on disk" "$(stat -c '%u:%g' "$VSBOX_ROOTDIR/un1/etc/passwd")" "0:0"
vserver un1 exec sh -c 'echo x >/root/made; touch /home/web/w; chown web:staff /home/web/w'
is "a file root makes inside is 0:0 on disk" "$(stat -c '%u:%g' "$VSBOX_ROOTDIR/un1/root/made")" "0:0"
is "chown web:staff inside is 1000:50 on disk" "$(stat -c '%u:%g' "$VSBOX_ROOTDIR/un1/home/web/w")" "1000:50"

# ---- root's own mounts ----------------------------------------------------------
run_rc vserver un1 exec sh -c 'mkdir -p /tmp/m /tmp/b /tmp/p && mount -t tmpfs t /tmp/m && echo hi >/tmp/m/f &&
	mount --bind /www /tmp/b && mount -t proc proc /tmp/p && cat /tmp/m/f && ls /tmp/p/1/status'
is "root inside mounts tmpfs, a bind of its tree and proc" "$RC:$OUT" "0:hi
/tmp/p/1/status"
run_rc vserver un1 exec sh -c 'mkdir -p /mnt && mount -t ext4 /dev/null /mnt'
check "but no disk filesystem (ext4)" [ "$RC" != 0 ]
like "refused" "$ERR" "ermission|not permitted"
is "its mounts are not the host's" "$(grep -c " $T_TMP/m " /proc/self/mountinfo)" 0
is "none of the host's mount points is in its table" "$(vserver un1 exec cut -d' ' -f5 /proc/self/mountinfo | grep -c "^$T_TMP\|^/usr\|^/tmp/vs")" 0
run_rc vserver un1 exec sh -c 'echo 1 >/sys/kernel/profiling'
is "/sys is read-only" "$RC" 1
is "no host cgroup hierarchy under /sys/fs/cgroup" "$(vserver un1 exec ls /sys/fs/cgroup | wc -l)" 0
run_rc vserver un1 exec sh -c 'echo x >/proc/sys/kernel/domainname'
is "/proc/sys refuses root inside" "$RC" 1
run_rc vserver un1 exec unshare -U true
is "with lock: no nested user namespace" "$RC" 1

# ---- restart, more guests ----------------------------------------------------------
rc_is "stop" 0 vserver un1 stop -q
is "stop leaves no record" "$(ls "$VSBOX_RUNDIR/ctx" | wc -l)" 0
# a failed mount in the helper that is root inside (lib/groot.c): one line,
# nothing left, and the next start works
R1=$VSBOX_ROOTDIR/un1
mv "$R1/proc" "$R1/proc.d" && ln -s /etc "$R1/proc"
rc_is "a /proc that is a symlink fails the start" 1 vserver un1 start
like "  saying why" "$ERR" "$R1/proc is a symbolic link: refusing to mount on it"
is "  and leaves no record" "$(ls "$VSBOX_RUNDIR/ctx" | wc -l)" 0
rm "$R1/proc" && mv "$R1/proc.d" "$R1/proc"
rc_is "start again" 0 vserver un1 start -q
is "the same range" "$(vserver un1 exec cat /proc/self/uid_map | tr -s ' ')" " 0 3000000 65536"
mkguest un2 'INIT=/etc/rc2'
printf '#!/bin/sh\nsleep 600 &\n' >"$VSBOX_ROOTDIR/un2/etc/rc2"; chmod 755 "$VSBOX_ROOTDIR/un2/etc/rc2"
sed -i 's/^S_FLAGS=.*/S_FLAGS="nproc"/' "$VSBOX_CONFDIR/un2.conf"
rc_is "a second guest starts" 0 vserver un2 start -q
is "its range skips un1's and the subordinate one" "$(vserver un2 exec cat /proc/self/uid_map | tr -s ' ')" " 0 3131072 65536"
rc_is "without lock: a nested user namespace" 0 vserver un2 exec unshare -U true
mkguest un3 'USERNS_BASE=3010000'
rc_is "a range overlapping another guest's is refused" 1 vserver un3 start
is "in one line naming it" "$ERR" "vserver: $VSBOX_CONFDIR/un3.conf: its ids 3010000-3075535 overlap those of guest un1 (3000000-3065535)"
sed -i 's/^USERNS_BASE=.*/USERNS_BASE=3070000/' "$VSBOX_CONFDIR/un3.conf"; echo USERNS_SIZE=1000 >>"$VSBOX_CONFDIR/un3.conf"
rc_is "... or a subordinate id range" 1 vserver un3 start
like "named" "$ERR" "overlap those of a subordinate id range"
is "nothing of it runs" "$(ls "$VSBOX_RUNDIR/ctx" | grep -c '^[0-9]*$')" 2
vserver un1 stop -q; vserver un2 stop -q

# ---- a root the filesystem can't idmap ----------------------------------------------
mkdir -p "$T_TMP/ram" && mount -t ramfs ramfs "$T_TMP/ram" && chmod 755 "$T_TMP/ram"
export VSBOX_ROOTDIR="$T_TMP/ram"
vserver unram build --tar "$T_TMP/guest.tgz" -q
echo USERNS=yes >>"$VSBOX_CONFDIR/unram.conf"
run_rc vserver unram start
is "a root on ramfs: start refused" "$RC" 1
like "one line saying why" "$ERR" "^vserver: $T_TMP/ram/unram can't be shown through an idmapped mount \\(filesystem 0x858458f6\\), which USERNS=yes needs"
is "nothing left running" "$(ls "$VSBOX_RUNDIR/ctx" | wc -l)" 0

# ---- USERNS_CHOWN=yes there: the ids shifted on disk, once ---------------------------
R=$T_TMP/ram/unram
cp "$R/bin/busybox" "$R/bin/suidbox" && chmod 4755 "$R/bin/suidbox"
chown 1000:50 "$R/home/web"
printf '#!/bin/sh\nsleep 100000 &\n' >"$R/etc/rc"     # (no IPROOT: no port 80 for its httpd)
caps=""
command -v setcap >/dev/null && setcap cap_net_raw+ep "$R/bin/suidbox" 2>/dev/null && caps=yes
echo USERNS_CHOWN=yes >>"$VSBOX_CONFDIR/unram.conf"
run_rc vserver unram start
is "USERNS_CHOWN=yes: the ramfs guest starts" "$RC" 0
B=$(sed -n 's/^USERNS_BASE="\{0,1\}\([0-9]*\).*/\1/p' "$VSBOX_CONFDIR/unram.conf")
like "  saying what it does, once" "$ERR" "^unram: shifting the ownership of $R by $B \(USERNS_CHOWN: filesystem 0x858458f6 can't be idmapped; once\)"
like "  and how many files it took" "$ERR" "unram: [0-9]+ of [0-9]+ files shifted in [0-9]+ ms"
is "  on disk its files are owned by USERNS_BASE.." "$(stat -c '%u:%g' "$R/etc/passwd" "$R/home/web" "$R" | tr '\n' ' ')" \
	"$B:$B $((B + 1000)):$((B + 50)) $B:$B "
is "  inside they are its own" "$(vserver unram exec stat -c '%u:%g' /etc/passwd /home/web | tr '\n' ' ')" "0:0 1000:50 "
is "  a setuid program keeps its bit" "$(stat -c %a "$R/bin/suidbox")" 4755
if [ -n "$caps" ]; then
	like "  and its file capabilities, for root inside" "$(getcap -n "$R/bin/suidbox")" "cap_net_raw[=+]ep.*\[rootid=$B\]"
else
	skip "  file capabilities: setcap or security xattrs on ramfs missing"
fi
rc_is "  root inside writes its files" 0 vserver unram exec sh -c 'echo x >/etc/motd && chown web /etc/motd'
is "  which are USERNS_BASE.. on disk" "$(stat -c %u "$R/etc/motd")" "$((B + 1000))"
rc_is "  stop" 0 vserver unram stop -q
run_rc vserver unram start
is "the next start" "$RC" 0
is "  shifts nothing (the root's owner is the mark)" "$ERR" ""
is "  and shows the same ids" "$(vserver unram exec stat -c %u /etc/motd)" 1000
rc_is "  stop" 0 vserver unram stop -q
sed -i '/^USERNS_CHOWN=/d' "$VSBOX_CONFDIR/unram.conf"
umount "$T_TMP/ram"
done_testing
