#!/bin/sh
# systemd.t - the slow tier (make check-debian): Debian's default system,
# as debootstrap makes it without --variant (systemd as init), with
# openssh-server, boots its own systemd as PID 1 in a guest (lib/ginit.c):
# start returns at its READY=1 with the boot shown, "systemctl
# is-system-running" says running, the host logs in with ssh and a key on
# the guest's address and runs commands, "systemctl reboot" inside restarts
# it through rebootmgr, stop (SIGRTMIN+3) ends it in a moment with nothing
# left; then the same guest with USERNS=yes, which "systemctl poweroff"
# stops. The debootstrap is cached as a tarball under /var/cache/vsbox.
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/lib.sh"
need_root
. "$TOP/tests/guest-lib.sh"
. "$TOP/tests/reboot-lib.sh"
command -v ssh >/dev/null && command -v ssh-keygen >/dev/null || bail "ssh and ssh-keygen are needed"
TB="$CACHE/debian-$SUITE-systemd-ssh.tar.gz"
G=dsd IP=127.0.5.20
on_cleanup "vserver $G stop -q >/dev/null 2>&1; rb_cleanup; ip addr del $IP/32 dev lo 2>/dev/null"

DEBOOTSTRAP_VARIANT="" debootstrap_cached "$TB" --include=openssh-server

rc_is "build --tar from the cached default debootstrap" 0 vserver $G build -q --tar "$TB"
R=$VSBOX_ROOTDIR/$G
check "its /sbin/init is systemd, and it has no rc" \
	sh -c "[ \"\$(readlink '$R/sbin/init')\" = /lib/systemd/systemd ] && [ ! -e '$R/etc/init.d/rc' ]"
sed -i -e "s/^IPROOT=.*/IPROOT=$IP/" -e 's/^#IPROOTDEV=.*/IPROOTDEV=lo/' "$VSBOX_CONFDIR/$G.conf"
printf 'S_MEMORY=512M\nSTART_TIMEOUT=120\nSTOP_TIMEOUT=30\n' >>"$VSBOX_CONFDIR/$G.conf"
# the guest's own name (debootstrap copied the host's /etc/hostname, which
# a systemd that may set the host name, USERNS's, would take)
echo $G >"$R/etc/hostname"
# the host's key for the guest's root
ssh-keygen -q -t ed25519 -N '' -f "$T_TMP/key" || bail "ssh-keygen failed"
mkdir -p "$R/root/.ssh" && cp "$T_TMP/key.pub" "$R/root/.ssh/authorized_keys"
chmod 700 "$R/root/.ssh"; chmod 600 "$R/root/.ssh/authorized_keys"
gssh() { ssh -i "$T_TMP/key" -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	-o LogLevel=ERROR -o ConnectTimeout=10 root@$IP "$@"; }
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
gone() {  # nothing of the guest left
	! vserver $G running -q && ! ip -4 addr show dev lo | grep -q "inet $IP/" &&
		[ "$(ls "$VSBOX_RUNDIR/ctx" | wc -l)" = 0 ] && ! t_cgdirs | grep -qE '/[0-9]+(/|$)'
}

rc_is "rebootmgr starts" 0 rbm_start

boot() {  # boot MODE: start, then what a booted systemd guest is
	t0=$(date +%s%N)
	rc_is "$1: start (systemd as PID 1)" 0 vserver $G start
	diag "$1: up (READY=1) after $(ms "$t0") ms"
	[ "$RC" = 0 ] || diag "$ERR"
	like "  the boot shown until systemd said READY=1" "$OUT" 'Reached target.*Basic System'
	is "  PID 1 is systemd" "$(vserver $G exec cat /proc/1/comm)" systemd
	st=$(vserver $G exec systemctl is-system-running 2>/dev/null)
	is "  systemctl is-system-running" "$st" running
	[ "$st" = running ] || diag "failed units:" "$(vserver $G exec systemctl --failed --no-legend 2>&1)"
	run_rc vserver $G exec systemctl status --no-pager
	is "  vserver exec systemctl status" "$RC" 0
	like "  says running, 0 units failed" "$OUT" 'State: running'
	like "  its units' cgroups below its own root" "$OUT" 'system.slice'
	is "  /sys/fs/cgroup is cgroup2" "$(vserver $G exec stat -f -c %T /sys/fs/cgroup)" cgroup2fs
	is "  /dev/console is a pty (major 136)" "$(vserver $G exec stat -c %t /dev/console)" 88
	is "  systemd-detect-virt" "$(vserver $G exec systemd-detect-virt 2>/dev/null)" container-other
	is "  ssh from the host with a key: commands run" "$(gssh 'hostname; cat /proc/1/comm')" "$(printf '%s\nsystemd' $G)"
	is "  and see the guest's own systemd" "$(gssh systemctl is-system-running)" running
}

# a unit with PrivateTmp=: what its /tmp holds
printf '[Service]\nType=oneshot\nPrivateTmp=yes\nExecStart=/bin/sh -c "ls /tmp >/run/pt.out"\n' \
	>"$R/etc/systemd/system/pt.service"
boot plain
vserver $G exec systemctl start pt
like "  without CAP_SYS_ADMIN systemd runs a unit with PrivateTmp= in the guest's /tmp" \
	"$(vserver $G exec cat /run/pt.out)" '^systemd-private-.*-pt.service-'
like "  the IP lock put its sshd on $IP" "$(gssh 'cat /proc/net/tcp' | awk '$4 == "0A" { print $2 }')" \
	"$(printf '%02X%02X%02X%02X:0016' $(echo $IP | awk -F. '{ print $4, $3, $2, $1 }'))"
P=$(init_of $G)
rc_is "systemctl reboot inside" 0 vserver $G exec systemctl reboot
check "  restarts it through rebootmgr" rb_wait_log 1 "$G: restarted$"
check "  a new init" [ -n "$(init_of $G)" -a "$(init_of $G)" != "$P" ]
is "  running again" "$(vserver $G exec systemctl is-system-running 2>/dev/null)" running
is "  ssh again" "$(gssh hostname)" $G
t0=$(date +%s%N)
rc_is "stop: SIGRTMIN+3, systemd halts" 0 vserver $G stop
t=$(ms "$t0")
check "  in a moment, not after STOP_TIMEOUT ($t ms)" [ "$t" -lt 15000 ]
check "  nothing left" gone

# ---- USERNS=yes ------------------------------------------------------------------
# (without lock: systemd's units may have namespaces of their own)
echo "USERNS=yes" >>"$VSBOX_CONFDIR/$G.conf"
sed -i 's/^S_FLAGS=.*/S_FLAGS="nproc sched"/' "$VSBOX_CONFDIR/$G.conf"
run_rc vserver $G start -q
if [ "$RC" != 0 ] && printf '%s' "$ERR" | grep -q idmap; then
	skip "USERNS: the guest root's filesystem can't be idmapped here: $ERR"
else
	vserver $G stop -q
	boot USERNS
	B=$(sed -n 's/^USERNS_BASE="\{0,1\}\([0-9]*\).*/\1/p' "$VSBOX_CONFDIR/$G.conf")
	is "  root inside is host id USERNS_BASE" "$(vserver $G exec cat /proc/1/uid_map | awk '{ print $1, $2 }')" "0 $B"
	X=$(sed -n 's/^xid=//p' "$VSBOX_RUNDIR/names/$G")
	is "  its cgroup is delegated to it" "$(stat -c %u "$(t_v2dir "$X")/guest")" "$B"
	vserver $G exec systemctl start pt
	is "  without lock, systemd sets up a unit's sandbox (PrivateTmp=: an empty /tmp)" \
		"$(vserver $G exec cat /run/pt.out)" ""
	rc_is "systemctl poweroff inside" 0 vserver $G exec systemctl poweroff
	check "  stops it through rebootmgr" rb_wait_log 1 "$G: stopped$"
	check "  nothing left" gone
fi
rc_is "delete" 0 vserver $G delete --force -q
done_testing
