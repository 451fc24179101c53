#!/bin/sh
# migrate-ssh.t - vserver NAME copy|move between two "hosts" on this
# machine: network namespaces A (10.202.0.1) and B (10.202.0.2) joined by a
# veth (mig0 on both sides), each with its own sshd (OpenSSH, a generated
# key, port 2222) and its own VSBOX_CONFDIR/ROOTDIR/RUNDIR/CGROUP_BASE (B's
# through sshd's SetEnv). A busybox httpd guest on 10.202.0.10 is moved from
# A to B while a client in A polls it; every pre-flight failure over ssh
# changes nothing; a broken hook on B leaves the guest running on A; once
# moved, B's rebootmgr restarts the guest when it reboots itself.
# nsenter --net, not "ip netns exec": that one remounts /sys, and with it
# the cgroup hierarchies vsbox needs.
. "$(dirname "$0")/../lib.sh"
need_root
. "$(dirname "$0")/../guest-lib.sh"
for c in rsync ssh ssh-keygen nsenter curl; do command -v $c >/dev/null || bail "$c is needed (build/deps.sh)"; done
[ -x /usr/sbin/sshd ] || bail "sshd is needed (openssh-server, build/deps.sh)"

NA=vsbox-mig-a-$$ NB=vsbox-mig-b-$$
GIP=10.202.0.10
A=$T_TMP/a B=$T_TMP/b
mkdir -p "$A/etc" "$A/vs" "$B/etc" "$B/vs" "$B/run" "$T_TMP/ssh"
export VSBOX_CONFDIR=$A/etc VSBOX_ROOTDIR=$A/vs
BASE_B=vsbox-t-migrate-ssh-b-$$
inA() { nsenter --net=/run/netns/$NA "$@"; }
inB() { nsenter --net=/run/netns/$NB env VSBOX_CONFDIR=$B/etc VSBOX_ROOTDIR=$B/vs VSBOX_RUNDIR=$B/run \
	VSBOX_CGROUP_BASE=$BASE_B "$@"; }
on_cleanup "inA vserver web stop -q >/dev/null 2>&1; inB vserver web stop -q >/dev/null 2>&1
	for d in \$(VSBOX_CGROUP_BASE=$BASE_B sh '$T_TOP/build/cgbase-dirs.sh'); do
		[ -f \"\$d/cgroup.kill\" ] && echo 1 >\"\$d/cgroup.kill\"; rmdir \"\$d\" 2>/dev/null || { sleep 0.2; rmdir \"\$d\"; }; done
	ip netns del $NA; ip netns del $NB"

# ---- the two hosts ------------------------------------------------------------------
ip netns add $NA && ip netns add $NB || bail "can't make network namespaces"
ip link add vmga$$ type veth peer name vmgb$$ || bail "can't make a veth pair"
ip link set vmga$$ netns $NA && ip link set vmgb$$ netns $NB || bail "can't move the veths"
ip -n $NA link set vmga$$ name mig0 && ip -n $NB link set vmgb$$ name mig0
for ns in $NA $NB; do ip -n $ns link set lo up && ip -n $ns link set mig0 up; done
ip -n $NA addr add 10.202.0.1/24 dev mig0 && ip -n $NB addr add 10.202.0.2/24 dev mig0 || bail "can't address the veths"
mkdir -p /run/sshd      # sshd's privilege separation directory (the package's own)
ssh-keygen -q -t ed25519 -N '' -f "$T_TMP/ssh/host" && ssh-keygen -q -t ed25519 -N '' -f "$T_TMP/ssh/id" ||
	bail "ssh-keygen failed"
cp "$T_TMP/ssh/id.pub" "$T_TMP/ssh/authorized_keys"
sshd_conf() {  # sshd_conf NAME ADDR [SetEnv values]
	n=$1 addr=$2; shift 2
	{ echo "ListenAddress $addr"; echo "Port 2222"; echo "HostKey $T_TMP/ssh/host"
	  echo "AuthorizedKeysFile $T_TMP/ssh/authorized_keys"; echo "PermitRootLogin prohibit-password"
	  echo "PasswordAuthentication no"; echo "KbdInteractiveAuthentication no"; echo "UsePAM no"
	  echo "StrictModes no"; echo "PidFile $T_TMP/ssh/$n.pid"; echo "LogLevel ERROR"
	  [ $# -gt 0 ] && echo "SetEnv $*"; } >"$T_TMP/ssh/$n.conf"
}
sshd_conf a 10.202.0.1 VSBOX_RUNDIR=$VSBOX_RUNDIR VSBOX_CGROUP_BASE=$VSBOX_CGROUP_BASE \
	VSBOX_CONFDIR=$A/etc VSBOX_ROOTDIR=$A/vs
sshd_conf b 10.202.0.2 VSBOX_RUNDIR=$B/run VSBOX_CGROUP_BASE=$BASE_B VSBOX_CONFDIR=$B/etc VSBOX_ROOTDIR=$B/vs
# (nsenter execs sshd: $! is sshd's pid, which the cleanup kills)
nsenter --net=/run/netns/$NA /usr/sbin/sshd -D -e -f "$T_TMP/ssh/a.conf" 2>"$T_TMP/ssh/a.log" & track_pid $!
nsenter --net=/run/netns/$NB /usr/sbin/sshd -D -e -f "$T_TMP/ssh/b.conf" 2>"$T_TMP/ssh/b.log" & track_pid $!
SSHO="--ssh-opt Port=2222 --ssh-opt IdentityFile=$T_TMP/ssh/id --ssh-opt StrictHostKeyChecking=no
	--ssh-opt UserKnownHostsFile=/dev/null --ssh-opt LogLevel=ERROR --ssh-opt ConnectTimeout=5"
i=0; until inA ssh -o BatchMode=yes -p 2222 -i "$T_TMP/ssh/id" -o StrictHostKeyChecking=no \
	-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR root@10.202.0.2 true 2>/dev/null; do
	i=$((i + 1)); [ $i -lt 50 ] || bail "sshd on B does not answer: $(cat "$T_TMP/ssh/b.log")"; sleep 0.1
done
ok "two hosts, each with its sshd"
# every copy and move below runs on A, to B; vsbox there is this build
mv_ab() { inA vserver "$@" $SSHO --remote-vsbox "$VSBOX"; }
state() { (cd "$T_TMP" && ls a/etc a/vs b/etc b/vs | tr '\n' ' '); }

mkimage "$T_TMP/img" "$T_TMP/guest.tgz"
vserver web build --tar "$T_TMP/guest.tgz" -q || bail "can't build the guest"
sed -i '/^IPROOT=/d' "$A/etc/web.conf"
printf 'IPROOT=%s\nIPROOTDEV=mig0\nS_CONTEXT=3621\n' $GIP >>"$A/etc/web.conf"
echo "web on A" >"$A/vs/web/www/index.html"
rc_is "the guest starts on A" 0 inA vserver web start -q
is "and serves" "$(inA curl -s --max-time 3 http://$GIP/)" "web on A"

# ---- pre-flight failures over ssh: nothing changes on either side -------------------
before=$(state)
inB vserver web build --tar "$T_TMP/guest.tgz" -q || bail "can't build B's web"
rc_is "move to a name taken on B" 1 mv_ab web move root@10.202.0.2
like "one line says so" "$ERR" "^vserver: root@10\.202\.0\.2:web: a guest web exists here already \([^)]*\)$"
inB vserver web delete --force -q
ip -n $NB addr add $GIP/32 dev mig0
rc_is "move of a guest whose address is in use on B" 1 mv_ab web move 10.202.0.2
like "one line says so" "$ERR" "^vserver: 10\.202\.0\.2:web: its address $GIP is in use here$"
ip -n $NB addr del $GIP/32 dev mig0
mkdir -p "$T_TMP/small" && mount -t tmpfs -o size=1m vsbox-t-migssh "$T_TMP/small" && on_cleanup "umount -l '$T_TMP/small'"
rc_is "move to a root directory on B without the room" 1 \
	inA vserver web move 10.202.0.2 $SSHO --remote-vsbox "VSBOX_ROOTDIR=$T_TMP/small $VSBOX"
like "one line says so" "$ERR" "^vserver: 10\.202\.0\.2:web: not enough disk space in $T_TMP/small: "
cp "$A/etc/web.conf" "$T_TMP/web.conf.orig"
echo "DISK_LIMIT=1G" >>"$A/etc/web.conf"
rc_is "move of a DISK_LIMIT guest to a B without quotas there" 1 \
	inA vserver web move 10.202.0.2 $SSHO --remote-vsbox "VSBOX_ROOTDIR=$T_TMP/small $VSBOX"
like "one line names the missing feature" "$ERR" "^vserver: 10\.202\.0\.2:web: DISK_LIMIT/INODE_LIMIT need project quotas"
cp "$T_TMP/web.conf.orig" "$A/etc/web.conf"
rc_is "move to a B without vsbox" 1 inA vserver web move 10.202.0.2 $SSHO --remote-vsbox /nonexistent/vsbox
like "says so" "$ERR" "10\.202\.0\.2:web: (the session there ended|no vsbox answers there)"
rc_is "move to a B with an incompatible vsbox" 1 inA vserver web move 10.202.0.2 $SSHO \
	--remote-vsbox "sh -c 'echo vsbox-recv 99 9.9.9; cat >/dev/null' --"
like "says so" "$ERR" "vsbox there \(99 9\.9\.9\) is not compatible"
rc_is "move to an unreachable host" 1 inA vserver web move 10.202.0.99 $SSHO --ssh-opt ConnectTimeout=1
is "nothing changed on either side" "$(state) $(ls -A "$T_TMP/small")" "$before "
rc_is "the guest still runs on A" 0 inA vserver web running -q

# ---- a broken hook on B: the guest runs on A again ----------------------------------
printf '#!/bin/sh\ncase "$VSBOX_CONFDIR" in %s/*) [ "$1" != pre-start ];; esac\n' "$B" >"$A/etc/web.sh"
chmod 755 "$A/etc/web.sh"
rc_is "a move whose start on B fails" 1 mv_ab web move 10.202.0.2 --check-tcp $GIP:80
like "says so, and that it starts it on A again" "$(printf '%s\n' "$ERR" | tr '\n' ' ')" \
	'10\.202\.0\.2:web: the start failed .*web: starting it here again'
rc_is "the guest runs on A" 0 inA vserver web running -q
is "and serves" "$(inA curl -s --max-time 3 http://$GIP/)" "web on A"
is "nothing of it is left on B" "$(ls -A "$B/etc" "$B/vs" | grep -c web)" 0
rm -f "$A/etc/web.sh"

# B's rebootmgr runs before the guest arrives: the move's start on B is what
# registers the guest with it
RBL=$T_TMP/rb-b.log
rc_is "B runs its own rebootmgr" 0 sh -c "nsenter --net=/run/netns/$NB env VSBOX_CONFDIR=$B/etc VSBOX_ROOTDIR=$B/vs \
	VSBOX_RUNDIR=$B/run VSBOX_CGROUP_BASE=$BASE_B rebootmgr --log stderr 2>>$RBL"
RBB=$(cat "$B/run/rebootmgr.pid")
on_cleanup "kill $RBB 2>/dev/null"
init_b() { t_init_pid inB vserver web; }

# ---- the move, while a client polls -------------------------------------------------
nsenter --net=/run/netns/$NA sh -c "while :; do curl -s --max-time 1 http://$GIP/ || echo down; echo; sleep 0.05; done" \
	>"$T_TMP/poll" 2>/dev/null &
POLL=$!; track_pid $POLL
sleep 0.5
rc_is "move to B while it serves" 0 mv_ab web move 10.202.0.2 --check-tcp $GIP:80
diag "$OUT" "$ERR"
like "the summary has the passes and the downtime" "$OUT" '^web: moved to 10\.202\.0\.2:web in [0-9]+ passes \([0-9]+ bytes sent\), downtime [0-9]+ ms$'
n1=$(grep -c "web on A" "$T_TMP/poll")
sleep 1.5
n2=$(grep -c "web on A" "$T_TMP/poll")
kill $POLL; wait $POLL 2>/dev/null
diag "the client saw $(grep -c down "$T_TMP/poll") failed polls of $(grep -c . "$T_TMP/poll")"
check "the client gets answers after the move ($n1, then $n2)" test "$n2" -gt "$n1"
rc_is "it runs on B" 0 inB vserver web running -q
is "B holds its address, A not" "$(ip -n $NB -4 -o addr show dev mig0 | grep -c "$GIP/") $(ip -n $NA -4 -o addr show dev mig0 | grep -c "$GIP/")" "1 0"
is "it answers from B, reached from A" "$(inA curl -s --max-time 3 http://$GIP/)" "web on A"
is "nothing is left on A" "$(ls -A "$A/etc" "$A/vs" | grep -c web)" 0
is "no run files of it on A" "$(ls "$VSBOX_RUNDIR/guests" 2>/dev/null | grep -c web)" 0
P=$(init_b)
cp "$VSBOX" "$B/vs/web/bin/vreboot"
rc_is "vreboot in the moved guest" 0 inB vserver web exec /bin/vreboot
i=0; until grep -q "web: restarted$" "$RBL" || [ $i -ge $((100 * T_SLOW)) ]; do sleep 0.1; i=$((i + 1)); done
check "  B's rebootmgr restarts it" grep -q "web: restarted$" "$RBL"
check "  with a new init ($P, then $(init_b))" [ -n "$(init_b)" -a "$(init_b)" != "$P" ]
i=0; until inA curl -s --max-time 1 http://$GIP/ >/dev/null || [ $i -ge $((50 * T_SLOW)) ]; do sleep 0.1; i=$((i + 1)); done
is "  it serves from B again" "$(inA curl -s --max-time 3 http://$GIP/)" "web on A"
rc_is "it stops on B" 0 inB vserver web stop -q
kill "$RBB"

done_testing
