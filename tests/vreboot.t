#!/bin/sh
# vreboot.t - vreboot and vhalt, the asking side of rebootmgr: usage errors,
# one clear line and exit 1 when no rebootmgr listens, only root may ask, a
# round trip from the host through a guest's socket (--socket
# /proc/INIT/root/dev/reboot: rebootmgr knows the guest by the socket alone),
# and rebootmgr's SysV script (init/rebootmgr.sysv).
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/guest-lib.sh"
. "$(dirname "$0")/reboot-lib.sh"

on_cleanup 'vserver v1 stop -q >/dev/null 2>&1; rb_cleanup'
mkimage "$T_TMP/img" "$T_TMP/guest.tgz"
rb_guest v1 INIT=/sbin/rbinit STOPSIG=TERM

rc_is "vreboot with an argument" 2 vreboot now
rc_is "vreboot --socket without a path" 2 vreboot --socket
rc_is "vreboot: no such socket" 1 vreboot --socket "$T_TMP/none"
is "  one line: no rebootmgr runs" "$ERR" "vreboot: no rebootmgr runs on the host ($T_TMP/none: No such file or directory)"
rc_is "vhalt: a file that is no socket" 1 vhalt --socket /etc/hostname
is "  one line: no rebootmgr runs" "$ERR" "vhalt: no rebootmgr runs on the host (/etc/hostname: Connection refused)"

rc_is "rebootmgr starts" 0 rbm_start
rc_is "v1 starts" 0 vserver v1 start -q
rc_is "a user of the guest who is not root" 1 vserver v1 suexec web vreboot
is "  may not ask" "$ERR" "vreboot: only root may ask rebootmgr (/dev/reboot: Permission denied)"
rc_is "  and the guest runs on" 0 vserver v1 running -q
P=$(init_of v1)
rc_is "vreboot --socket from the host, through v1's /dev/reboot" 0 vreboot --socket "/proc/$P/root/dev/reboot"
check "  restarts v1" rb_wait_log 1 "v1: restarted$"
check "  a new init" [ -n "$(init_of v1)" -a "$(init_of v1)" != "$P" ]
rc_is "vhalt --socket from the host" 0 vhalt --socket "/proc/$(init_of v1)/root/dev/reboot"
check "  stops v1" rb_wait_log 1 "v1: stopped$"
rc_is "  it is stopped" 1 vserver v1 running -q

# ---- init/rebootmgr.sysv ------------------------------------------------------
export REBOOTMGR="$T_TMP/bin/rebootmgr"
SYSV="$T_TOP/init/rebootmgr.sysv"
rbm_kill
rc_is "rebootmgr.sysv status, none running" 3 sh "$SYSV" status
rc_is "rebootmgr.sysv start" 0 sh "$SYSV" start
RBM=$(cat "$VSBOX_RUNDIR/rebootmgr.pid" 2>/dev/null)
check "  it runs" t_is "$RBM" rebootmgr
is "  status says so" "$(sh "$SYSV" status)" "rebootmgr runs (pid $RBM)"
rc_is "  start again: nothing to do" 0 sh "$SYSV" start
is "  the same one runs" "$(cat "$VSBOX_RUNDIR/rebootmgr.pid")" "$RBM"
rc_is "  reload" 0 sh "$SYSV" reload
check "  it runs on" t_is "$RBM" rebootmgr
rc_is "  stop" 0 sh "$SYSV" stop
check "  it is gone" sh -c "! grep -qs rebootmgr /proc/$RBM/comm || grep -q '^State:.*Z' /proc/$RBM/status"
RBM=""
rc_is "  status, stopped" 3 sh "$SYSV" status

# ---- init/rebootmgr.service is Type=notify: readiness on $NOTIFY_SOCKET ------------
if command -v python3 >/dev/null; then
	python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1]); s.settimeout(10)
open(sys.argv[2], "w").write(s.recv(256).decode())' "$T_TMP/notify" "$T_TMP/notified" &
	NP=$!
	i=0; until [ -S "$T_TMP/notify" ] || [ $i -ge 500 ]; do sleep 0.01; i=$((i + 1)); done
	NOTIFY_SOCKET="$T_TMP/notify" rebootmgr --foreground --log stderr 2>>"$RB_LOG" &
	RBM=$!
	wait $NP
	is "rebootmgr --foreground tells \$NOTIFY_SOCKET it is ready, and its pid" \
		"$(cat "$T_TMP/notified" 2>/dev/null | tr '\n' ' ')" "READY=1 MAINPID=$RBM"
	rbm_kill
else
	skip "python3 missing: no \$NOTIFY_SOCKET listener"
fi
done_testing
