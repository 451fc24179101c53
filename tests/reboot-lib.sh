# reboot-lib.sh - shared by tests/rebootmgr.t, tests/vreboot.t and
# tests/debian/reboot.t: the test's own rebootmgr (in its own VSBOX_RUNDIR,
# ended by its pid), guests with vsbox inside (vreboot, vhalt), the static
# test init tests/data/rbinit.c, and waiting for what rebootmgr does.
# Source after lib.sh and guest-lib.sh.
RB_LOG=$T_TMP/rebootmgr.log
RBM=""
# the binary copied into guests must be static: check-asan's VSBOX is not
RB_STATIC=${VSBOX_STATIC:-$T_TOP/vsbox}
readelf -d "$RB_STATIC" 2>/dev/null | grep -q NEEDED && RB_STATIC=""
[ -x "$RB_STATIC" ] || bail "a static vsbox is needed inside the guests (make; or VSBOX_STATIC=)"
command -v gcc >/dev/null || bail "gcc is needed (for the static test init)"
gcc -static -O -o "$T_TMP/rbinit" "$T_TOP/tests/data/rbinit.c" || bail "can't build tests/data/rbinit.c"

# is PID a live process named NAME (not a zombie)? (kill only what is ours)
t_is() { [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
# wait (10 s at most) until PID has ended (a zombie has)
t_wait_gone() {
	i=0
	while [ -d "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null && [ $i -lt 1000 ]; do
		sleep 0.01; i=$((i + 1))
	done
}
holder_pid() { cut -d' ' -f1 "$VSBOX_RUNDIR/rebootmgr.holder" 2>/dev/null; }
# rbm_start [ARG]...: this test's rebootmgr, detached (ready when it
# returns), logging to $RB_LOG; RBM its pid
rbm_start() {
	rebootmgr --log stderr "$@" 2>>"$RB_LOG"
	r=$?
	RBM=$(cat "$VSBOX_RUNDIR/rebootmgr.pid" 2>/dev/null)
	return $r
}
# rbm_kill [SIGNAL]: end it (TERM) and wait until it is gone
rbm_kill() {
	[ -n "$RBM" ] && t_is "$RBM" rebootmgr && kill -"${1:-TERM}" "$RBM"
	[ -n "$RBM" ] && t_wait_gone "$RBM"
	RBM=""
}
# everything of rebootmgr this test started, at its end (by pid, checked)
rb_cleanup() {
	[ -n "$RBM" ] && t_is "$RBM" rebootmgr && kill -9 "$RBM"
	h=$(holder_pid)
	[ -n "$h" ] && t_is "$h" rebootmgr-hold && kill -9 "$h"
}

# rb_guest NAME [CONF-LINE]...: a busybox guest from $T_TMP/guest.tgz
# (mkimage first) with vsbox inside (vreboot, vhalt) and /sbin/rbinit;
# fakeinit (busybox init unless INIT= is given); its hook logs each phase
# to $T_TMP/hooks-NAME.log (pre-stop: "dev-reboot-left" if the guest's
# /dev/reboot is still there then)
rb_guest() {
	n=$1; shift
	vserver "$n" build -q --tar "$T_TMP/guest.tgz" || bail "can't build $n"
	cp "$RB_STATIC" "$VSBOX_ROOTDIR/$n/bin/vsbox"
	ln -s vsbox "$VSBOX_ROOTDIR/$n/bin/vreboot"
	ln -s vsbox "$VSBOX_ROOTDIR/$n/bin/vhalt"
	cp "$T_TMP/rbinit" "$VSBOX_ROOTDIR/$n/sbin/rbinit"
	printf '#!/bin/sh\necho "rc $*" >>/tmp/rc.log\n%s\n' "${RC_DAEMON:-}" >"$VSBOX_ROOTDIR/$n/etc/rc"
	{ echo "S_HOSTNAME=$n"; echo 'S_FLAGS="lock fakeinit"'; echo "STOP_TIMEOUT=5"; echo "S_MEMORY=64M"
	  for l in "$@"; do echo "$l"; done; } >"$VSBOX_CONFDIR/$n.conf"
	cat >"$VSBOX_CONFDIR/$n.sh" <<EOF
#!/bin/sh
p=\$(sed -n 's/^pid=//p' "\$VSBOX_RUNDIR/names/\$2" 2>/dev/null)
x=""
[ "\$1" = pre-stop ] && [ -n "\$p" ] && [ -S "/proc/\$p/root/dev/reboot" ] && x=" dev-reboot-left"
echo "\$1 \$2\$x" >>"$T_TMP/hooks-\$2.log"
EOF
	chmod 755 "$VSBOX_CONFDIR/$n.sh"
}
init_of() { sed -n 's/^pid=//p' "$VSBOX_RUNDIR/names/$1" 2>/dev/null; }
hooks_of() { tr '\n' ',' <"$T_TMP/hooks-$1.log" 2>/dev/null; }
# rb_wait_log N REGEX: wait (60 s at most) until rebootmgr's log has N
# lines matching REGEX (grep -E); false if it never does
rb_wait_log() {
	i=0
	while [ "$(grep -cE -- "$2" "$RB_LOG" 2>/dev/null)" -lt "$1" ]; do
		[ $i -ge 6000 ] && return 1
		sleep 0.01; i=$((i + 1))
	done
}
rb_count() { grep -cE -- "$1" "$RB_LOG" 2>/dev/null; }
