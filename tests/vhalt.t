#!/bin/sh
# vhalt.t - vhalt, a guest's root stopping its own guest through the host's
# rebootmgr (vreboot.t covers vreboot, rebootmgr.t the daemon): usage
# errors, one clear line and the guest running on when no rebootmgr runs, a
# user of the guest who is not root refused, a rebootmgr started after the
# guest (and one kill -9'ed and restarted) still finds it, vhalt stops that
# guest only, its stop hooks run and nothing of it is left.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/guest-lib.sh"
. "$(dirname "$0")/reboot-lib.sh"

on_cleanup 'vserver h1 stop -q >/dev/null 2>&1; vserver h2 stop -q >/dev/null 2>&1; rb_cleanup'
mkimage "$T_TMP/img" "$T_TMP/guest.tgz"
rb_guest h1 INIT=/sbin/rbinit STOPSIG=TERM
rb_guest h2 INIT=/sbin/rbinit STOPSIG=TERM
xid_of() { vserver "$1" status | sed -n 's/^  context: *\([0-9]*\).*/\1/p'; }

rc_is "vhalt with an argument" 2 vhalt now
like "  names it" "$ERR" "^vhalt: unexpected argument 'now'"
rc_is "vhalt --socket without a path" 2 vhalt --socket
rc_is "vhalt --help" 0 vhalt --help
like "  the usage, on stdout" "$OUT" "^usage: vhalt \[--socket PATH\]"

rc_is "h1 starts (no rebootmgr runs)" 0 vserver h1 start -q
rc_is "h2 starts" 0 vserver h2 start -q
rc_is "vhalt in h1 with no rebootmgr" 1 vserver h1 exec vhalt
is "  one line says so" "$ERR" "vhalt: no rebootmgr runs on the host (/dev/reboot: No such file or directory)"
rc_is "  h1 runs on" 0 vserver h1 running -q

rc_is "rebootmgr starts after the guests" 0 rbm_start
check "  h1's /dev/reboot appears" sh -c "i=0; until [ -S /proc/$(init_of h1)/root/dev/reboot ] || [ \$i -ge 500 ]; do sleep 0.01; i=\$((i + 1)); done; [ -S /proc/$(init_of h1)/root/dev/reboot ]"
rc_is "a user of h1 who is not root" 1 vserver h1 suexec web vhalt
is "  may not ask" "$ERR" "vhalt: only root may ask rebootmgr (/dev/reboot: Permission denied)"
rc_is "  h1 runs on" 0 vserver h1 running -q

rbm_kill 9
rc_is "rebootmgr kill -9'ed and started again" 0 rbm_start
X=$(xid_of h1)
P2=$(init_of h2)
rm -f "$T_TMP/hooks-h1.log"
rc_is "vhalt by h1's root" 0 vserver h1 exec vhalt
check "  rebootmgr stops h1" rb_wait_log 1 "h1: stopped$"
rc_is "  h1 is stopped" 1 vserver h1 running -q
is "  its stop hooks ran, /dev/reboot gone first" "$(hooks_of h1)" "pre-stop h1,post-stop h1,"
is "  no record, name link or lock file of h1" \
	"$(ls "$VSBOX_RUNDIR/ctx" | grep -cx "$X")$(ls "$VSBOX_RUNDIR/names" "$VSBOX_RUNDIR/guests" | grep -c '^h1')" 00
is "  no cgroup of it" "$(t_cgdirs | grep -c "/$VSBOX_CGROUP_BASE/$X\$")" 0
is "  h2 runs on, the same init" "$(init_of h2)" "$P2"
check "  rebootmgr still runs" t_is "$RBM" rebootmgr
rc_is "vhalt --socket from the host, through h2's /dev/reboot" 0 vhalt --socket "/proc/$P2/root/dev/reboot"
check "  stops h2" rb_wait_log 1 "h2: stopped$"
rc_is "  h2 is stopped" 1 vserver h2 running -q
done_testing
