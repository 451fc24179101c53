#!/bin/sh
# reboot.t - the slow tier (make check-debian): a Debian guest with its own
# sysvinit as PID 1 (fakeinit) restarts itself with "shutdown -r now" and
# stops itself with "halt", through its own init scripts (runlevel 6 and 0,
# whose last step is reboot(2)), and rebootmgr restarts or stops it. The
# debootstrap (minbase with sysvinit-core) is cached as a tarball under
# /var/cache/vsbox like debian.t's. No network: the guest has no address.
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/lib.sh"
need_root
. "$TOP/tests/guest-lib.sh"
. "$TOP/tests/reboot-lib.sh"
TB="$CACHE/debian-$SUITE-sysvinit.tar.gz"
on_cleanup 'vserver debr stop -q >/dev/null 2>&1; rb_cleanup'

debootstrap_cached "$TB" --include=sysvinit-core

rc_is "build --tar from the cached debootstrap" 0 vserver debr build -q --tar "$TB"
check "sysvinit is its /sbin/init" sh -c "readlink -f '$VSBOX_ROOTDIR/debr/sbin/init' | grep -q '/sbin/init$' && test -x '$VSBOX_ROOTDIR/debr/sbin/shutdown'"
# a guest has no consoles: no gettys (they would respawn and fail)
sed -i 's/^\([0-9]*:[0-9]*:respawn:.*getty\)/#\1/' "$VSBOX_ROOTDIR/debr/etc/inittab"
cp "$RB_STATIC" "$VSBOX_ROOTDIR/debr/usr/local/sbin/vsbox"
sed -i -e 's/^S_FLAGS=.*/S_FLAGS="lock nproc fakeinit"/' -e 's/^ULIMIT=.*/ULIMIT="-H -u 500"/' "$VSBOX_CONFDIR/debr.conf"
printf 'S_MEMORY=256M\nSTOP_TIMEOUT=30\n' >>"$VSBOX_CONFDIR/debr.conf"
rlevel() {  # wait (60 s) until the guest's sysvinit is in runlevel $1
	i=0; until [ "$(vserver debr exec runlevel 2>/dev/null | cut -d' ' -f2)" = "$1" ] || [ $i -ge 600 ]; do sleep 0.1; i=$((i + 1)); done
	[ $i -lt 600 ]
}
rc_is "rebootmgr starts" 0 rbm_start
rc_is "start the Debian guest (sysvinit as PID 1)" 0 vserver debr start
check "  its init reaches runlevel 2" rlevel 2
is "  PID 1 is sysvinit" "$(vserver debr exec cat /proc/1/comm)" init
is "  it has /dev/reboot" "$(vserver debr exec stat -c '%F %U %a' /dev/reboot)" "socket root 600"
P=$(init_of debr)
rc_is "shutdown -r now inside" 0 vserver debr exec shutdown -r now
check "  its rc 6 ends in reboot(2): rebootmgr restarts it" rb_wait_log 1 "debr: restarted$"
like "  asked through reboot(2)" "$(cat "$RB_LOG")" "debr: reboot\(2\) restart by pid [0-9]+"
check "  a new init ($P -> $(init_of debr))" [ -n "$(init_of debr)" -a "$(init_of debr)" != "$P" ]
check "  in runlevel 2 again" rlevel 2
rc_is "vreboot (vsbox in the guest) works too" 0 vserver debr exec /usr/local/sbin/vsbox vreboot
check "  restarted" rb_wait_log 2 "debr: restarted$"
check "  in runlevel 2 again" rlevel 2
X=$(vserver debr status | sed -n 's/^  context: *\([0-9]*\).*/\1/p')
rc_is "halt inside" 0 vserver debr exec halt
check "  its rc 0 ends in reboot(2) power off: rebootmgr stops it" rb_wait_log 1 "debr: stopped$"
rc_is "  not running" 1 vserver debr running -q
is "  no context left" "$(ls "$VSBOX_RUNDIR/ctx" | grep -cx "$X")" 0
rbm_kill
rc_is "delete" 0 vserver debr delete --force -q
done_testing
