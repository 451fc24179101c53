#!/bin/sh
# ocf.t - the OCF resource agent ocf:vsbox:vserver (init/ocf-vserver):
# Debian's ocf-tester (resource-agents) passes it with no failure, its
# meta-data is valid against ra-api-1.dtd, and each action's exit code is
# the one OCF 1.1 gives for the case (not running, bad settings, no guest
# here, no vsbox, a failing check_cmd).
. "$(dirname "$0")/../lib.sh"
need_root
. "$(dirname "$0")/../guest-lib.sh"
command -v ocf-tester >/dev/null || bail "ocf-tester is needed (resource-agents; make check-cluster installs it)"

IP=127.0.6.20
on_cleanup 'vserver ocf1 stop -q >/dev/null 2>&1; ip addr del $IP/32 dev lo 2>/dev/null'
# a copy nobody may read (ocf-tester runs meta-data as nobody)
AG=$T_TMP/ocf/vserver
mkdir -p "$T_TMP/ocf" && cp "$T_TOP/init/ocf-vserver" "$AG" && chmod 755 "$T_TMP/ocf" "$AG"
mkimage "$T_TMP/img" "$T_TMP/guest.tgz"
vserver ocf1 build --tar "$T_TMP/guest.tgz" -q || bail "can't build the guest"
sed -i '/^IPROOT=/d' "$VSBOX_CONFDIR/ocf1.conf"
printf 'IPROOT=%s\nIPROOTDEV=lo\n' $IP >>"$VSBOX_CONFDIR/ocf1.conf"

rc_is "ocf-tester passes the agent" 0 ocf-tester -n ocf1 -o name=ocf1 -o confdir="$VSBOX_CONFDIR" \
	-o rootdir="$VSBOX_ROOTDIR" -o rundir="$VSBOX_RUNDIR" -o cgroup_base="$VSBOX_CGROUP_BASE" \
	-o vsbox="$VSBOX" "$AG"
diag "$OUT" "$ERR"
is "with no failure reported" "$(printf '%s\n' "$OUT" "$ERR" | grep -c '^\* rc=')" 0
rc_is "the guest is stopped after it" 1 vserver ocf1 running -q

# ra NAME ACTION [VAR=VALUE...]: the agent as Pacemaker runs it
ra() {
	n=$1 a=$2; shift 2
	env OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=r-$n OCF_RESKEY_name=$n OCF_RESKEY_confdir="$VSBOX_CONFDIR" \
		OCF_RESKEY_rootdir="$VSBOX_ROOTDIR" OCF_RESKEY_rundir="$VSBOX_RUNDIR" \
		OCF_RESKEY_cgroup_base="$VSBOX_CGROUP_BASE" OCF_RESKEY_vsbox="$VSBOX" "$@" "$AG" "$a"
}
check "meta-data is valid (ra-api-1.dtd)" sh -c "'$AG' meta-data | (cd /usr/share/resource-agents && xmllint --noout --valid -)"
rc_is "meta-data" 0 ra ocf1 meta-data
like "names the agent, OCF 1.1" "$OUT" '<resource-agent name="vserver" version="[0-9.]+">.*'
rc_is "monitor of a stopped guest: OCF_NOT_RUNNING" 7 ra ocf1 monitor
rc_is "start" 0 ra ocf1 start
rc_is "monitor of the running guest" 0 ra ocf1 monitor
rc_is "a check_cmd that passes" 0 ra ocf1 monitor OCF_RESKEY_check_cmd="test -x /bin/busybox"
rc_is "a check_cmd that fails: OCF_ERR_GENERIC" 1 ra ocf1 monitor OCF_RESKEY_check_cmd="false"
rc_is "start of a started guest" 0 ra ocf1 start
pid=$(sed -n 's/^pid=//p' "$VSBOX_RUNDIR"/ctx/* 2>/dev/null | head -n 1)
[ -n "$pid" ] && kill -9 "$pid"
sleep 0.5
rc_is "monitor once its init was killed: OCF_NOT_RUNNING" 7 ra ocf1 monitor
rc_is "stop" 0 ra ocf1 stop
rc_is "stop of a stopped guest" 0 ra ocf1 stop
ra ocf1 start >/dev/null 2>&1 && ra ocf1 stop >/dev/null 2>&1
is "nothing of it is left running" "$(ls "$VSBOX_RUNDIR/ctx" 2>/dev/null | wc -l)" 0

# what OCF says of bad settings and of what is missing
cp "$VSBOX_CONFDIR/ocf1.conf" "$VSBOX_CONFDIR/ocf2.conf"
echo "S_CONTEXT=many" >>"$VSBOX_CONFDIR/ocf2.conf"
rc_is "validate-all of a bad NAME.conf: OCF_ERR_CONFIGURED" 6 ra ocf2 validate-all
like "the log says FILE:LINE" "$ERR" "ocf2.conf:[0-9]+: S_CONTEXT"
rc_is "start of it: OCF_ERR_CONFIGURED" 6 ra ocf2 start
rc_is "no name: OCF_ERR_CONFIGURED" 6 ra "" validate-all
rc_is "a bad name: OCF_ERR_CONFIGURED" 6 ra "../x" validate-all
rc_is "a guest not on this node: validate-all OCF_ERR_INSTALLED" 5 ra nosuch validate-all
rc_is "its probe: OCF_NOT_RUNNING" 7 ra nosuch monitor
rc_is "its start: OCF_ERR_INSTALLED" 5 ra nosuch start
rc_is "its stop: success" 0 ra nosuch stop
rc_is "no vsbox: OCF_ERR_INSTALLED" 5 ra ocf1 start OCF_RESKEY_vsbox=/nonexistent/vsbox
rc_is "an unknown action: OCF_ERR_UNIMPLEMENTED" 3 ra ocf1 promote
rc_is "migrate_to without a target: OCF_ERR_ARGS" 2 ra ocf1 migrate_to
rc_is "migrate_to this very node: the guest stays (not running: 7)" 7 ra ocf1 migrate_to \
	OCF_RESKEY_CRM_meta_migrate_target="$(uname -n)"

done_testing
