#!/bin/sh
# userns-reboot.t - rebootmgr and a USERNS=yes guest: its /dev/reboot is
# its own root's (a host id of its own), so root inside reaches rebootmgr
# with vreboot and vhalt, and with reboot(2) itself; a user inside still
# may not.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/guest-lib.sh"
. "$(dirname "$0")/reboot-lib.sh"

on_cleanup 'vserver ur1 stop -q >/dev/null 2>&1; rb_cleanup'
mkimage "$T_TMP/img" "$T_TMP/guest.tgz"
mkdir -p "$VSBOX_CONFDIR/.defaults"
printf 'USERNS_BASE=4000000\n' >"$VSBOX_CONFDIR/.defaults/userns"
export VSBOX_SUBUID="$T_TMP/none" VSBOX_SUBGID="$T_TMP/none"
rb_guest ur1 INIT=/sbin/rbinit STOPSIG=TERM USERNS=yes

rc_is "rebootmgr starts" 0 rbm_start
rc_is "a USERNS guest starts" 0 vserver ur1 start -q
P=$(init_of ur1)
is "its /dev/reboot is root's inside" "$(vserver ur1 exec stat -c '%u:%g %a %F' /dev/reboot)" "0:0 600 socket"
is "and the guest's root id's on the host" "$(stat -c '%u:%g' "/proc/$P/root/dev/reboot")" "4000000:4000000"
rc_is "a user of the guest who is not root" 1 vserver ur1 suexec web vreboot
is "  may not ask" "$ERR" "vreboot: only root may ask rebootmgr (/dev/reboot: Permission denied)"
rc_is "vreboot by root inside" 0 vserver ur1 exec vreboot
check "  restarts it" rb_wait_log 1 "ur1: restarted$"
check "  a new init" [ -n "$(init_of ur1)" -a "$(init_of ur1)" != "$P" ]
is "  the same ids" "$(vserver ur1 exec cat /proc/self/uid_map | tr -s ' ')" " 0 4000000 65536"
# reboot(2) from its PID 1, through the listener
echo restart >"$VSBOX_ROOTDIR/ur1/etc/rbinit.cmd"
P=$(init_of ur1)
rc_is "vreboot again" 0 vserver ur1 exec vreboot
check "  restarted again" rb_wait_log 2 "ur1: restarted$"
check "  and its init's reboot(2) restarts it once more" rb_wait_log 3 "ur1: restarted$"
is "  rbinit booted four times" "$(grep -c boot "$VSBOX_ROOTDIR/ur1/tmp/rbinit.log")" 4
rc_is "vhalt by root inside" 0 vserver ur1 exec vhalt
check "  stops it" rb_wait_log 1 "ur1: stopped$"
rc_is "  it is stopped" 1 vserver ur1 running -q
done_testing
