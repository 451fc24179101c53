#!/bin/sh
# netns-reboot.t - a NET=private guest's own reboot and halt through
# rebootmgr (lib/rebootd.c): busybox reboot in the guest (its init calls
# reboot(2)) restarts it with a new network namespace, veth and rules, and it
# serves the outside again; vhalt stops it and leaves nothing. The world is
# netns.t's in small: a "host" network namespace (vsbox and rebootmgr run
# there) with a bridge, an "outside" one as the LAN.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/guest-lib.sh"
. "$(dirname "$0")/reboot-lib.sh"
. "$(dirname "$0")/netns-lib.sh"
netns_world r 10.201.4.1/24
get() { O curl -s -m 3 "http://$1/"; }

mkimage "$T_TMP/img" "$T_TMP/guest.tgz"
mkdir -p "$VSBOX_CONFDIR" "$VSBOX_ROOTDIR"
RC_DAEMON="httpd -p 80 -h /www" rb_guest p1 IPROOT=10.201.4.11 NET=private BRIDGE=vsnbr
echo "page of p1" >"$VSBOX_ROOTDIR/p1/www/index.html"
on_cleanup "H vserver p1 stop -q >/dev/null 2>&1; rb_cleanup"

H rebootmgr --log stderr 2>>"$RB_LOG"
is "rebootmgr starts in the host's namespace" "$?" 0
RBM=$(cat "$VSBOX_RUNDIR/rebootmgr.pid" 2>/dev/null)
rc_is "p1 (NET=private, busybox init) starts" 0 H vserver p1 start -q
is "  serves the outside" "$(get 10.201.4.11)" "page of p1"
P=$(init_of p1)
MAC=$(H vserver p1 exec cat /sys/class/net/eth0/address)
H vserver p1 exec reboot
check "busybox reboot in p1: rebootmgr restarts it" rb_wait_log 1 "p1: restarted$"
check "  with a new init ($P -> $(init_of p1))" [ -n "$(init_of p1)" -a "$(init_of p1)" != "$P" ]
is "  serves the outside again" "$(get 10.201.4.11)" "page of p1"
is "  its eth0 has the same MAC" "$(H vserver p1 exec cat /sys/class/net/eth0/address)" "$MAC"
is "  one host veth" "$(links | tr ' ' '\n' | grep -c '^vs[0-9a-f]\{12\}$')" 1
rc_is "vhalt in p1" 0 H vserver p1 exec vhalt
check "  rebootmgr stops it" rb_wait_log 1 "p1: stopped$"
is "  nothing of its network is left" "$(links_settled "lo vsnbr vsnl0 ")$(ls "$VSBOX_RUNDIR/net" 2>/dev/null)" "lo vsnbr vsnl0 "
rbm_kill
done_testing
