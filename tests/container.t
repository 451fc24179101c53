#!/bin/sh
# container.t - a guest knows it runs in a container: container=vsbox in
# its PID 1's environment (vsbox's init, or its own with fakeinit) and in
# what its rc runs, /run/systemd/container saying vsbox, written without
# following a link the guest planted. Busybox guests without addresses.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/guest-lib.sh"
on_cleanup 'for g in ct1 ct2; do vserver $g stop -q >/dev/null 2>&1; done'
mkimage "$T_TMP/img" "$T_TMP/guest.tgz"
for g in ct1 ct2; do
	vserver $g build -q --tar "$T_TMP/guest.tgz" || bail "build $g"
	printf '#!/bin/sh\necho "$container" >/tmp/rc-container\nsleep 1000 &\n' >"$VSBOX_ROOTDIR/$g/etc/rc"
	echo "S_HOSTNAME=$g" >"$VSBOX_CONFDIR/$g.conf"
done
printf 'S_FLAGS="fakeinit"\nINIT="/bin/sleep 1001"\n' >>"$VSBOX_CONFDIR/ct2.conf"
environ_of() { tr '\0' '\n' <"/proc/$1/environ" | grep '^container='; }

mkdir -p "$VSBOX_ROOTDIR/ct1/run/systemd"
echo untouched >"$T_TMP/victim"
ln -s "$T_TMP/victim" "$VSBOX_ROOTDIR/ct1/run/systemd/container"
rc_is "start ct1 (its rc under vsbox's init)" 0 vserver ct1 start -q
P1=$(sed -n 's/^pid=//p' "$VSBOX_RUNDIR/ctx/$(vserver ct1 status | sed -n 's/^  context: *\([0-9]*\).*/\1/p')")
is "PID 1 has container=vsbox" "$(environ_of "$P1")" container=vsbox
is "  and the rc it ran" "$(cat "$VSBOX_ROOTDIR/ct1/tmp/rc-container")" vsbox
is "  and vserver exec's commands" "$(vserver ct1 exec sh -c 'echo $container')" vsbox
is "/run/systemd/container says vsbox" "$(vserver ct1 exec cat /run/systemd/container)" vsbox
check "  a regular file now, not the planted link" test -f "$VSBOX_ROOTDIR/ct1/run/systemd/container" -a ! -L "$VSBOX_ROOTDIR/ct1/run/systemd/container"
is "  the link's host target untouched" "$(cat "$T_TMP/victim")" untouched
rc_is "start ct2 (fakeinit: the guest's own PID 1)" 0 vserver ct2 start -q
P2=$(t_pid_of "/bin/sleep 1001")
is "its PID 1 has container=vsbox" "$(environ_of "$P2")" container=vsbox
check "a guest without /run gets none made for it" test ! -e "$VSBOX_ROOTDIR/ct2/run" -o -f "$VSBOX_ROOTDIR/ct2/run/systemd/container"
vserver ct1 stop -q; vserver ct2 stop -q
done_testing
