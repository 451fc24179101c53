#!/bin/sh
# pacemaker.t - a real one-node Pacemaker cluster runs a busybox guest
# through ocf:vsbox:vserver: corosync on 127.0.0.1 and pacemakerd, started
# and stopped here; crm_resource starts the resource, the guest's init is
# killed behind Pacemaker's back and its monitor (every 2 s) has it started
# again; stopping the resource stops the guest cleanly. One cluster per
# host: it skips when corosync or Pacemaker runs already, and removes the
# CIB and scheduler files it made.
. "$(dirname "$0")/../lib.sh"
need_root
. "$(dirname "$0")/../guest-lib.sh"
for c in corosync corosync-cfgtool pacemakerd crm_resource cibadmin crm_attribute crmadmin crm_failcount; do
	command -v $c >/dev/null || bail "$c is needed (pacemaker, corosync: make check-cluster installs them)"
done
if pidof corosync pacemakerd >/dev/null; then echo "1..0 # SKIP a cluster runs on this host already"; exit 0; fi
CIB=/var/lib/pacemaker
[ -z "$(ls -A $CIB/cib 2>/dev/null)" ] || bail "$CIB/cib is not empty: a cluster was set up on this host"

IP=127.0.6.30 NODE=$(uname -n) OCFD=/usr/lib/ocf/resource.d/vsbox
AG=$T_TMP/ocf/vserver
mkdir -p "$T_TMP/ocf" && cp "$T_TOP/init/ocf-vserver" "$AG" && chmod 755 "$T_TMP/ocf" "$AG"
# the agent where Pacemaker looks (make install puts it there too)
if [ ! -e $OCFD/vserver ]; then
	mkdir -p $OCFD && ln -s "$AG" $OCFD/vserver && on_cleanup "rm -f $OCFD/vserver; rmdir $OCFD 2>/dev/null"
fi
ls $CIB/pengine $CIB/blackbox 2>/dev/null | sort >"$T_TMP/pcmk-before"
on_cleanup "vserver pm1 stop -q >/dev/null 2>&1; ip addr del $IP/32 dev lo 2>/dev/null
	rm -f $CIB/cib/*; for d in pengine blackbox; do for f in \$(ls $CIB/\$d 2>/dev/null); do
		grep -qx \"\$f\" '$T_TMP/pcmk-before' || rm -f \"$CIB/\$d/\$f\"; done; done"

# ---- corosync and Pacemaker -----------------------------------------------------------
cat >"$T_TMP/corosync.conf" <<EOC
totem {
	version: 2
	cluster_name: vsbox-t
	transport: knet
	crypto_cipher: none
	crypto_hash: none
}
nodelist {
	node {
		ring0_addr: 127.0.0.1
		name: $NODE
		nodeid: 1
	}
}
quorum {
	provider: corosync_votequorum
}
logging {
	to_stderr: no
	to_syslog: no
	to_logfile: yes
	logfile: $T_TMP/corosync.log
}
EOC
corosync -f -c "$T_TMP/corosync.conf" >/dev/null 2>&1 & COROSYNC=$!
i=0; until corosync-cfgtool -s >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 100 ] || bail "corosync did not come up: $(tail -n 5 "$T_TMP/corosync.log")"; sleep 0.2
done
PCMK_logfile=$T_TMP/pacemaker.log pacemakerd >/dev/null 2>&1 & PACEMAKERD=$!
# Pacemaker first (it needs corosync to shut down), each waited for
on_cleanup "kill $PACEMAKERD 2>/dev/null; i=0; while kill -0 $PACEMAKERD 2>/dev/null && [ \$i -lt 600 ]; do sleep 0.1; i=\$((i+1)); done
	for p in \$(pgrep -P $PACEMAKERD); do kill -9 \$p; done; kill -9 $PACEMAKERD 2>/dev/null
	kill $COROSYNC 2>/dev/null; i=0; while kill -0 $COROSYNC 2>/dev/null && [ \$i -lt 100 ]; do sleep 0.1; i=\$((i+1)); done
	kill -9 $COROSYNC 2>/dev/null"
# (each question bounded: crmadmin asked too early can wait for ever)
i=0; until timeout 10 crmadmin -D 2>/dev/null | grep -q "Designated Controller is: $NODE"; do
	i=$((i + 1)); [ $i -lt 300 ] || bail "Pacemaker elected no DC: $(tail -n 5 "$T_TMP/pacemaker.log")"; sleep 0.2
done
ok "corosync on 127.0.0.1 and Pacemaker run, $NODE is the DC"
crm_attribute -t crm_config -n stonith-enabled -v false >/dev/null &&
	crm_attribute -t crm_config -n no-quorum-policy -v ignore >/dev/null || bail "can't set the cluster options"

# ---- the guest as a resource -----------------------------------------------------------
mkimage "$T_TMP/img" "$T_TMP/guest.tgz"
vserver pm1 build --tar "$T_TMP/guest.tgz" -q || bail "can't build the guest"
sed -i '/^IPROOT=/d' "$VSBOX_CONFDIR/pm1.conf"
printf 'IPROOT=%s\nIPROOTDEV=lo\n' $IP >>"$VSBOX_CONFDIR/pm1.conf"
echo "pm1" >"$VSBOX_ROOTDIR/pm1/www/index.html"
nv() { echo "<nvpair id=\"vspm-$1\" name=\"$1\" value=\"$2\"/>"; }
rc_is "the resource is defined (stopped)" 0 cibadmin --create -o resources --xml-text \
"<primitive id=\"vspm\" class=\"ocf\" provider=\"vsbox\" type=\"vserver\">
 <instance_attributes id=\"vspm-ia\">$(nv name pm1)$(nv confdir "$VSBOX_CONFDIR")$(nv rootdir "$VSBOX_ROOTDIR")$(nv rundir "$VSBOX_RUNDIR")$(nv cgroup_base "$VSBOX_CGROUP_BASE")$(nv vsbox "$VSBOX")$(nv check_cmd "wget -q -O /dev/null http://$IP/")</instance_attributes>
 <meta_attributes id=\"vspm-meta\"><nvpair id=\"vspm-tr\" name=\"target-role\" value=\"Stopped\"/></meta_attributes>
 <operations><op id=\"vspm-mon\" name=\"monitor\" interval=\"2s\" timeout=\"20s\"/>
  <op id=\"vspm-start\" name=\"start\" interval=\"0\" timeout=\"60s\"/><op id=\"vspm-stop\" name=\"stop\" interval=\"0\" timeout=\"60s\"/></operations>
</primitive>"
# wait_for SECONDS CMD...: until CMD succeeds; prints the seconds it took
wait_for() {
	lim=$(($1 * 10)); shift; i=0
	until "$@" >/dev/null 2>&1; do i=$((i + 1)); [ $i -lt $lim ] || { echo timeout; return 1; }; sleep 0.1; done
	echo "$((i / 10)).$((i % 10))"
}
init_pid() { sed -n 's/^pid=//p' "$VSBOX_RUNDIR"/ctx/* 2>/dev/null | head -n 1; }
rc_is "crm_resource starts it" 0 crm_resource --resource vspm --set-parameter target-role --meta --parameter-value Started
t=$(wait_for 90 vserver pm1 running -q)
like "the guest runs ($t s)" "$t" '^[0-9]'
like "Pacemaker has it on $NODE" "$(crm_resource --resource vspm --locate 2>&1)" "is running on: $NODE"
is "it serves" "$(curl -s --max-time 3 http://$IP/)" pm1

# ---- its init killed behind Pacemaker's back: the monitor restarts it -----------------
p1=$(init_pid)
[ -n "$p1" ] && kill -9 "$p1"
gone=$(wait_for 10 sh -c "! vserver pm1 running -q")
restarted() { p=$(init_pid); [ -n "$p" ] && [ "$p" != "$p1" ] && vserver pm1 running -q; }
t=$(wait_for 60 restarted)
like "killed ($gone s), it runs again ($t s later: monitor every 2 s)" "$t" '^[0-9]'
diag "restarted $t s after its init was killed"
is "Pacemaker counted the failure" "$(crm_failcount --resource vspm --query 2>&1 | sed -n 's/.*value=\([0-9]*\).*/\1/p')" 1
is "it serves again" "$(curl -s --max-time 3 http://$IP/)" pm1

# ---- stopping the resource stops the guest cleanly -------------------------------------
rc_is "crm_resource stops it" 0 crm_resource --resource vspm --set-parameter target-role --meta --parameter-value Stopped
t=$(wait_for 60 sh -c "! vserver pm1 running -q")
like "the guest stopped ($t s)" "$t" '^[0-9]'
sleep 1
is "no context record is left" "$(ls "$VSBOX_RUNDIR/ctx" 2>/dev/null | grep -c .)" 0
is "nor its address" "$(ip -4 -o addr show dev lo | grep -c "$IP/")" 0
rc_is "the resource is removed" 0 cibadmin --delete -o resources --xml-text '<primitive id="vspm"/>'

done_testing
