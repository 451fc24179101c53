#!/bin/sh
# systemd.t - the package's systemd units under a real systemd as PID 1:
# the installed .deb (build/deb/vsbox_*.deb, or VSBOX_DEB) on a throwaway
# machine, systemctl start/reload/stop vserver@NAME, vservers.service
# (enabled by the package) pulled in by multi-user.target as at boot with an
# ONBOOT guest, rebootmgr.service restarting a guest that reboots itself, a
# guest's init killed. Checked with systemctl, systemd-cgls and
# /proc/PID/cgroup: every process of a guest is in the guest's own cgroup
# (/vsbox/CTX), none in the unit that ran the command (whose cgroup is
# empty once the command is done), and systemd reloading and realizing its
# cgroups leaves the guest's cgroup and its limits alone.
# It installs the package on the machine it runs on, so it runs only where
# VSBOX_PKG_SYSTEM=1 says that machine is throwaway: make check-systemd
# boots the kernel tier's Debian root under qemu with systemd as PID 1 and
# runs it there (kernel/README.md). Addresses: 127.0.7.21, 127.0.7.22.
TOP=$(cd "$(dirname "$0")/../.." && pwd)
VSBOX=${VSBOX:-$TOP/vsbox}
. "$TOP/tests/lib.sh"
need_root
[ "$(cat /proc/1/comm)" = systemd ] || { echo "1..0 # SKIP PID 1 is not systemd (make check-systemd boots one under qemu)"; exit 0; }
[ "${VSBOX_PKG_SYSTEM:-}" = 1 ] || { echo "1..0 # SKIP installs the package on this machine: only with VSBOX_PKG_SYSTEM=1 (a throwaway one)"; exit 0; }
! dpkg-query -W vsbox >/dev/null 2>&1 || { echo "1..0 # SKIP a vsbox package is installed here already"; exit 0; }
DEB=${VSBOX_DEB:-$(ls "$TOP"/build/deb/vsbox_*.deb 2>/dev/null | tail -n 1)}
[ -f "$DEB" ] || bail "no package: make deb first (build/deb/vsbox_*.deb) or VSBOX_DEB=FILE"
CG=/sys/fs/cgroup
W=$((30 * T_SLOW))   # seconds to wait for what rebootmgr or a guest does

# the installed commands, as systemd's units see them: no test variables
S() { env -u VSBOX_CGROUP_BASE -u VSBOX_RUNDIR PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }
# NAME's status: "running init_pid ctx"
st() { S vserver "$1" status --json 2>/dev/null | python3 -c 'import json, sys; d = json.load(sys.stdin); print(d["running"], d["init_pid"], d["ctx"])' 2>/dev/null; }
init_of() { st "$1" | awk '$1 == "True" { print $2 }'; }
ctx_of() { st "$1" | awk '$1 == "True" { print $3 }'; }
cg_of() { sed -n 's/^0:://p' "/proc/$1/cgroup" 2>/dev/null; }
# the pid of the guest's sleeper (its rc starts "sleep 370N"; systemd-run's
# has the whole path); fails when there is none
sleeper() { pgrep -x -f "(/usr/bin/)?sleep $1" | head -n 1 | grep .; }
sleeping() { sleeper "$1" >/dev/null; }
# wait until CMD... succeeds, W seconds at most
wait_for() { i=0; until "$@"; do [ $i -ge $((W * 10)) ] && return 1; sleep 0.1; i=$((i + 1)); done; }
stopped() { ! S vserver "$1" running -q; }
new_init() { p=$(init_of "$1"); [ -n "$p" ] && [ "$p" != "$2" ] && [ -n "$(sleeper "$3")" ]; }
# every process in a unit's cgroup (its ControlGroup, recursively): "pid comm"
unit_procs() {
	u=$(systemctl show -P ControlGroup "$1")
	[ -n "$u" ] && [ -d "$CG$u" ] || return 0
	find "$CG$u" -name cgroup.procs -exec cat {} + | while read -r p; do echo "$p $(cat "/proc/$p/comm" 2>/dev/null)"; done
}
# the guest's processes, all in its cgroup /vsbox/CTX? (init, sleeper)
in_own_cgroup() {  # NAME SLEEP
	x=$(ctx_of "$1") p=$(init_of "$1") s=$(sleeper "$2")
	[ -n "$x" ] && [ -n "$p" ] && [ -n "$s" ] || return 1
	for q in $p $s; do case "$(cg_of "$q")" in "/vsbox/$x" | "/vsbox/$x/"*) ;; *) return 1 ;; esac; done
}
# systemctl start vserver@NAME, not blocking: the unit active within W
# seconds, else (its start hanging, or failed) what the unit's journal,
# vserver and the processes still at it say, then stop (the checks after it
# would only wait out their time)
start_unit() {  # NAME
	S systemctl start --no-block "vserver@$1.service"
	i=0
	while case "$(systemctl is-active "vserver@$1.service")" in inactive | activating) true ;; *) false ;; esac &&
		[ $i -lt $((W * 10)) ]; do
		sleep 0.1; i=$((i + 1))
	done
	st=$(systemctl is-active "vserver@$1.service")
	is "systemctl start vserver@$1: active" "$st" active
	[ "$st" = active ] && return 0
	for p in $(pgrep -f "vserver $1 |rebootmgr"); do
		diag "pid $p: $(tr '\0' ' ' <"/proc/$p/cmdline") [$(cat "/proc/$p/wchan" 2>/dev/null)]" "$(cat "/proc/$p/stack" 2>/dev/null)"
	done
	diag "$(journalctl -u "vserver@$1.service" --no-pager | tail -n 30)" \
		"$(timeout 10 env -u VSBOX_CGROUP_BASE -u VSBOX_RUNDIR PATH=/usr/sbin:/usr/bin:/sbin:/bin vserver "$1" status 2>&1)" \
		"$(systemctl status --no-pager rebootmgr.service 2>&1 | tail -n 15)"
	bail "vserver@$1 did not start"
}
# the time each part starts at, for a run that took long
T0=$(date +%s)
part() { diag "$(($(date +%s) - T0)) s: $*"; }
nothing_left() {  # NAME CTX ADDRESS SLEEP
	check "  no process of $1 is left" [ -z "$(sleeper "$4")" ]
	check "  nor its cgroup /vsbox/$2" [ ! -e "$CG/vsbox/$2" ]
	check "  nor its address $3" sh -c "! ip -4 addr show dev lo | grep -q 'inet $3/'"
}

on_cleanup "S systemctl stop vsbox-t-ctl.service vservers.service vserver@sd1.service vserver@sd2.service >/dev/null 2>&1;
	for n in sd1 sd2; do S vserver \$n stop -q >/dev/null 2>&1; rm -rf /vservers/\$n /etc/vservers/\$n.conf /etc/vservers/\$n; done;
	S dpkg -P vsbox >/dev/null 2>&1"

# ---- install ----------------------------------------------------------------------------------------
part "install"
rc_is "dpkg -i $(basename "$DEB")" 0 S dpkg -i "$DEB"
[ "$RC" = 0 ] || bail "can't install the package: $ERR"
is "rebootmgr.service is started by the install" "$(systemctl is-active rebootmgr.service)" active
RBM=$(systemctl show -P MainPID rebootmgr.service)
is "  its daemon runs in its own unit's cgroup" "$(cg_of "$RBM")" /system.slice/rebootmgr.service
is "vservers.service is enabled" "$(systemctl is-enabled vservers.service)" enabled
is "  and not started (the install starts no guest)" "$(systemctl is-active vservers.service)" inactive

# a control: the same checks see a process that is in a unit
S systemd-run --quiet --unit=vsbox-t-ctl.service sleep 3709
wait_for sleeping 3709
is "control: a transient unit's sleeper is listed in its unit's cgroup" "$(unit_procs vsbox-t-ctl.service | cut -d' ' -f2)" sleep
is "  its /proc/PID/cgroup names the unit" "$(cg_of "$(sleeper 3709)")" /system.slice/vsbox-t-ctl.service
like "  systemd-cgls of the unit shows it" "$(systemd-cgls --no-pager -u vsbox-t-ctl.service 2>&1)" "sleep 3709"
S systemctl stop vsbox-t-ctl.service

sh "$TOP/build/mkguest.sh" "$T_TMP/img" "$T_TMP/guest.tgz" >/dev/null || bail "can't make the guest image"
for n in 1 2; do
	rc_is "vserver sd$n build --tar" 0 S vserver sd$n build -q --tar "$T_TMP/guest.tgz"
	printf '#!/bin/sh\nsleep 370%s &\n' $n >/vservers/sd$n/etc/rc
	sed -i "/^#*\(IPROOT\|IPROOTDEV\|S_FLAGS\|STOP_TIMEOUT\|S_MEMORY\|ULIMIT\|ONBOOT\)=/d" /etc/vservers/sd$n.conf
	{ echo "IPROOT=127.0.7.2$n"; echo "IPROOTDEV=lo"; echo 'S_FLAGS="fakeinit"'; echo "STOP_TIMEOUT=5"
	  echo "S_MEMORY=64M"; echo 'ULIMIT="-u 200"'; echo "ONBOOT=$([ $n = 1 ] && echo yes || echo no)"; } >>/etc/vservers/sd$n.conf
done

# ---- systemctl start vserver@sd1 --------------------------------------------------------------------
part "systemctl start vserver@sd1"
start_unit sd1
is "  the unit is active" "$(systemctl is-active vserver@sd1.service)" active
X=$(ctx_of sd1) P=$(init_of sd1)
like "  the guest runs (context $X, init $P)" "$X $P" '^[0-9]+ [0-9]+$'
check "  its sleeper started" wait_for sleeping 3701
is "  its init is in the guest's own cgroup" "$(cg_of "$P")" "/vsbox/$X"
check "  so is its sleeper" in_own_cgroup sd1 3701
is "  the unit's cgroup holds no process" "$(unit_procs vserver@sd1.service)" ""
CGLS=$(systemd-cgls --no-pager -u vserver@sd1.service 2>&1)
if printf '%s\n' "$CGLS" | grep -qE 'sleep 3701|[/ ]init( |$)'; then
	not_ok "  systemd-cgls of the unit shows none of the guest's"; diag "$CGLS"
else ok "  systemd-cgls of the unit shows none of the guest's"; fi
like "  systemd-cgls of /vsbox/$X shows them" "$(systemd-cgls --no-pager "/vsbox/$X" 2>&1)" "sleep 3701"
run_rc systemctl status --no-pager --lines=0 vserver@sd1.service
is "  systemctl status exits 0 (active)" "$RC" 0
like "  and says active (exited)" "$OUT" "Active: active \(exited\)"
like "  after vserver sd1 start succeeded" "$OUT" "Process: [0-9]+ ExecStart=/usr/sbin/vserver sd1 start -q \(code=exited, status=0/SUCCESS\)"
is "the guest's memory.max and pids.max are its S_MEMORY and ULIMIT -u" \
	"$(cat "$CG/vsbox/$X/memory.max" "$CG/vsbox/$X/pids.max" | tr '\n' ' ')" "67108864 200 "

# ---- systemd realizing its cgroups again leaves the guest's alone -----------------------------------
part "systemd realizing its cgroups again leaves the guest's alone"
S systemctl daemon-reload
S systemctl restart rebootmgr.service
S systemd-run --quiet --wait -p MemoryMax=32M -p TasksMax=50 true
is "after daemon-reload, a restart of rebootmgr and a unit with memory and tasks limits: the same init" "$(init_of sd1)" "$P"
check "  every process of the guest still in its cgroup" in_own_cgroup sd1 3701
is "  with its limits" "$(cat "$CG/vsbox/$X/memory.max" "$CG/vsbox/$X/pids.max" | tr '\n' ' ')" "67108864 200 "
like "  and the controllers enabled for it" "$(cat "$CG/cgroup.subtree_control") / $(cat "$CG/vsbox/cgroup.subtree_control")" \
	"memory.*pids.* / .*memory.*pids"

# ---- reload: a restart ------------------------------------------------------------------------------
part "reload: a restart"
rc_is "systemctl reload vserver@sd1 (vserver sd1 restart)" 0 S systemctl reload vserver@sd1.service
check "  a new init, its sleeper started" wait_for new_init sd1 "$P" 3701
P=$(init_of sd1)
check "  every process of the guest in its own cgroup" in_own_cgroup sd1 3701
is "  the unit stays active" "$(systemctl is-active vserver@sd1.service)" active
is "  its cgroup holds no process" "$(unit_procs vserver@sd1.service)" ""

# ---- rebootmgr.service: the guest reboots itself ----------------------------------------------------
part "rebootmgr.service: the guest reboots itself"
S vserver sd1 exec reboot >/dev/null 2>&1
check "busybox reboot in sd1: rebootmgr.service restarts it (a new init)" wait_for new_init sd1 "$P" 3701
P=$(init_of sd1)
check "  every process of the guest in its own cgroup" in_own_cgroup sd1 3701
is "  none in rebootmgr.service's cgroup, which holds rebootmgr and its holder only" \
	"$(unit_procs rebootmgr.service | awk '$2 != "rebootmgr" && $2 != "rebootmgr-hold"')" ""
is "  rebootmgr.service is still active" "$(systemctl is-active rebootmgr.service)" active

# ---- the guest's init killed ------------------------------------------------------------------------
part "the guest's init killed"
X=$(ctx_of sd1)
kill -9 "$P"
check "its init killed -9: the guest is gone" wait_for stopped sd1
is "  the unit stays active (as designed: a oneshot; vserver@.service says why)" "$(systemctl is-active vserver@sd1.service)" active
rc_is "  systemctl stop vserver@sd1 then only repairs" 0 S systemctl stop vserver@sd1.service
is "  the unit is inactive" "$(systemctl is-active vserver@sd1.service)" inactive
nothing_left sd1 "$X" 127.0.7.21 3701

# ---- systemctl stop ---------------------------------------------------------------------------------
part "systemctl stop"
start_unit sd1
check "  it runs, in its own cgroup" wait_for in_own_cgroup sd1 3701
X=$(ctx_of sd1) P=$(init_of sd1)
rc_is "systemctl stop vserver@sd1" 0 S systemctl stop vserver@sd1.service
is "  the unit is inactive" "$(systemctl is-active vserver@sd1.service)" inactive
check "  the guest is stopped" sh -c "[ ! -d /proc/$P ]"
nothing_left sd1 "$X" 127.0.7.21 3701
rc_is "  systemctl status says so (exit 3: not running)" 3 systemctl status --no-pager --lines=0 vserver@sd1.service
like "  Active: inactive (dead)" "$OUT" "Active: inactive \(dead\)"

# ---- a guest that does not exist --------------------------------------------------------------------
part "a guest that does not exist"
run_rc S systemctl start vserver@nope.service
check "systemctl start vserver@nope fails (exit $RC)" [ "$RC" != 0 ]
is "  the unit is failed" "$(systemctl is-failed vserver@nope.service)" failed
like "  its journal names the guest" "$(journalctl --no-pager -u vserver@nope.service 2>&1)" "vserver.*nope"
S systemctl reset-failed vserver@nope.service

# ---- vservers.service: the ONBOOT guests ------------------------------------------------------------
part "vservers.service: the ONBOOT guests"
like "vservers.service comes after network-online.target and rebootmgr" \
	"$(systemctl show -P After vservers.service)" "network-online.target.*rebootmgr.service|rebootmgr.service.*network-online.target"
# the boot's target again: what is enabled in it and not running starts
rc_is "systemctl start multi-user.target (as at boot)" 0 S systemctl start multi-user.target
is "  it started vservers.service (enabled by the package)" "$(systemctl is-active vservers.service)" active
check "  sd1 (ONBOOT=yes) runs, every process in its own cgroup" wait_for in_own_cgroup sd1 3701
rc_is "  sd2 (ONBOOT=no) does not" 1 S vserver sd2 running -q
is "  the unit's cgroup holds no process" "$(unit_procs vservers.service)" ""
X=$(ctx_of sd1)
rc_is "systemctl stop vservers" 0 S systemctl stop vservers.service
is "  the unit is inactive" "$(systemctl is-active vservers.service)" inactive
nothing_left sd1 "$X" 127.0.7.21 3701

# ---- vserver@sd2 and vservers side by side; purge ---------------------------------------------------
part "vserver@sd2 and vservers side by side; purge"
start_unit sd2
check "  sd2 runs in its own cgroup" wait_for in_own_cgroup sd2 3702
X=$(ctx_of sd2)
rc_is "systemctl stop vserver@sd2" 0 S systemctl stop vserver@sd2.service
nothing_left sd2 "$X" 127.0.7.22 3702
rm -rf /vservers/sd1 /vservers/sd2 /etc/vservers/sd1.conf /etc/vservers/sd2.conf /etc/vservers/sd1 /etc/vservers/sd2
rc_is "dpkg -P vsbox" 0 S dpkg -P vsbox
is "  rebootmgr.service is stopped and gone" "$(systemctl is-active rebootmgr.service)" inactive
check "  the units are gone" test ! -e /lib/systemd/system/vserver@.service -a ! -e /lib/systemd/system/vservers.service
done_testing
