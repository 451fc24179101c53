#!/bin/sh
# migrate.t - vserver NAME copy|move on this host (HOST "."): what a copy
# carries (hard links, xattrs, owners, sparse files, the immutable flag),
# every pre-flight failure changing nothing (name taken, address in use,
# context taken, no disk, a missing feature, NET=private's bridge missing), a move of a running httpd
# guest with its downtime, a move whose start fails there (the guest runs
# here again), the target's lock. tests/migrate-ssh.t does it between two
# hosts (network namespaces with their own sshd).
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/guest-lib.sh"
command -v rsync >/dev/null || bail "rsync is needed (build/deps.sh)"

IP=127.0.6.11
GUESTS="mg1 mg2 mg3 mg4 mg5 mg6"
on_cleanup 'for g in $GUESTS; do vserver $g stop -q >/dev/null 2>&1; done
	chattr -R -i "$VSBOX_ROOTDIR" 2>/dev/null; ip addr del $IP/32 dev lo 2>/dev/null'
mkimage "$T_TMP/img" "$T_TMP/guest.tgz"
state() { (cd "$T_TMP" && ls etc vs 2>/dev/null | tr '\n' ' '); }

vserver mg1 build --tar "$T_TMP/guest.tgz" -q || bail "can't build mg1"
sed -i '/^IPROOT=/d' "$VSBOX_CONFDIR/mg1.conf"
printf 'IPROOT=%s\nIPROOTDEV=lo\nS_CONTEXT=3611\n' $IP >>"$VSBOX_CONFDIR/mg1.conf"
R1=$VSBOX_ROOTDIR/mg1
echo hello >"$R1/www/index.html"
ln "$R1/www/index.html" "$R1/www/hard"
chown 1000:1000 "$R1/home/web"
setfattr -n user.mg -v kept "$R1/www/index.html" 2>/dev/null
truncate -s 8M "$R1/sparse"
echo keep >"$R1/etc/frozen" && chattr +i "$R1/etc/frozen"
# a file shared with a store outside the guest, as unification makes them
echo shared >"$T_TMP/store-file" && ln "$T_TMP/store-file" "$R1/etc/unified"

# ---- copy, stopped ---------------------------------------------------------------
rc_is "copy .:mg2 of a stopped guest" 0 vserver mg1 copy .:mg2 --new-context
like "it says what it sent" "$OUT" '^mg1: copied to \.:mg2 in 1 pass \([0-9]+ bytes sent\)$'
like "and warns of the links to outside its root" "$ERR" '^vserver: mg1: 1 of its files are hard links to files outside its root'
R2=$VSBOX_ROOTDIR/mg2
check "the settings are there" test -f "$VSBOX_CONFDIR/mg2.conf"
is "--new-context emptied S_CONTEXT" "$(grep '^S_CONTEXT' "$VSBOX_CONFDIR/mg2.conf")" 'S_CONTEXT=""'
is "hard links stay hard links" "$(stat -c %h "$R2/www/hard")" 2
is "one to outside arrives as a plain file" "$(stat -c %h "$R2/etc/unified") $(cat "$R2/etc/unified")" "1 shared"
is "owners are kept (numeric)" "$(stat -c %u:%g "$R2/home/web")" 1000:1000
if getfattr -n user.mg "$R1/www/index.html" >/dev/null 2>&1; then
	is "xattrs are kept" "$(getfattr --only-values -n user.mg "$R2/www/index.html" 2>/dev/null)" kept
else
	skip "this filesystem takes no user xattrs"
fi
is "a sparse file stays sparse" "$(du -k "$R2/sparse" | cut -f1)" 0
like "the immutable flag came along (rsync can't)" "$(lsattr -d "$R2/etc/frozen" 2>&1)" '^[^ ]*i[^ ]* '
check "the source is untouched" test -f "$VSBOX_CONFDIR/mg1.conf" -a -f "$R1/etc/frozen"
rm -f "$R1/etc/unified"       # (its warning would be a second line below)
rc_is "the copy starts" 0 vserver mg2 start -q
rc_is "and stops" 0 vserver mg2 stop -q

# ---- pre-flight failures: one line each, nothing changes on either side ----------
before=$(state)
rc_is "copy to a name that is taken" 1 vserver mg1 copy .:mg2
like "says so" "$ERR" '^vserver: \.:mg2: a guest mg2 exists here already'
is "one line" "$(printf '%s\n' "$ERR" | wc -l)" 1
rc_is "copy whose S_CONTEXT is taken here" 1 vserver mg1 copy .:mg3
like "says so, naming --new-context" "$ERR" 'context 3611 \(S_CONTEXT\) is taken here by mg1 \(--new-context'
mkdir -p "$T_TMP/small" && mount -t tmpfs -o size=1m vsbox-t-migrate "$T_TMP/small" && on_cleanup "umount -l '$T_TMP/small'"
rc_is "copy to a root directory without the room" 1 vserver mg2 copy .:mg3 --remote-vsbox "VSBOX_ROOTDIR=$T_TMP/small $VSBOX"
like "says so" "$ERR" "not enough disk space in $T_TMP/small: [0-9]+ MiB needed, [0-9]+ MiB free"
printf 'DISK_LIMIT=100M\n' >>"$VSBOX_CONFDIR/mg2.conf"
rc_is "copy of a DISK_LIMIT guest to a root directory without quotas" 1 \
	vserver mg2 copy .:mg3 --remote-vsbox "VSBOX_ROOTDIR=$T_TMP/small $VSBOX"
like "says which feature is missing" "$ERR" "DISK_LIMIT/INODE_LIMIT need project quotas .* under $T_TMP/small, which is tmpfs"
sed -i '/^DISK_LIMIT/d' "$VSBOX_CONFDIR/mg2.conf"
printf 'NET=private\nBRIDGE=vsbox-t-nobr\n' >>"$VSBOX_CONFDIR/mg2.conf"
rc_is "copy of a NET=private guest to a host without its bridge" 1 vserver mg2 copy .:mg3
like "says which" "$ERR" "NET=private can't be set up here: BRIDGE vsbox-t-nobr: no such bridge"
sed -i '/^NET=/d; /^BRIDGE=/d' "$VSBOX_CONFDIR/mg2.conf"
vserver mg1 start -q || bail "can't start mg1"
rc_is "copy of a guest whose address is in use here" 1 vserver mg1 copy .:mg3 --new-context
like "says so" "$ERR" "its address $IP is in use here"
is "nothing changed on either side" "$(state) $(ls -A "$T_TMP/small")" "$before "
rc_is "a --check-tcp port that is not a number" 2 vserver mg1 copy .:mg3 --check-tcp $IP:http
like "says so" "$ERR" "^vserver: --check-tcp: '$IP:http' is not ADDR:PORT"
rc_is "a bad target" 2 vserver mg1 copy .
rc_is "a bad new name" 2 vserver mg1 copy .:../x
rc_is "--keep is for move" 2 vserver mg1 copy .:mg3 --keep

# ---- move of the running guest -----------------------------------------------------
is "mg1 serves" "$(curl -s --max-time 3 http://$IP/)" hello
# (checked from the target: a bracketed IPv6 literal, the v4-mapped address
# of the guest's, and a URL)
rc_is "move .:mg4 while it runs" 0 vserver mg1 move .:mg4 --check-tcp "[::ffff:$IP]:80" --check-url "http://$IP/"
like "the summary has the passes and the downtime" "$OUT" '^mg1: moved to \.:mg4 in [0-9]+ passes \([0-9]+ bytes sent\), downtime [0-9]+ ms$'
like "a line per pass, the last one stopped" "$ERR" 'mg1: pass [0-9]+ \(stopped\): '
diag "$OUT"
rc_is "mg4 runs" 0 vserver mg4 running -q
is "and serves" "$(curl -s --max-time 3 http://$IP/)" hello
check "nothing of mg1 is left" test ! -e "$VSBOX_CONFDIR/mg1.conf" -a ! -e "$R1"
is "no run file of mg1 is left" "$(ls "$VSBOX_RUNDIR/guests" 2>/dev/null | grep mg1)" ""
like "the immutable file moved with its flag" "$(lsattr -d "$VSBOX_ROOTDIR/mg4/etc/frozen" 2>&1)" '^[^ ]*i[^ ]* '

# ---- a move whose start fails there: it runs here again ----------------------------
# the hook fails for any name but mg4's, so the start as mg5 fails
printf '#!/bin/sh\n[ "$1" != pre-start ] || [ "$2" = mg4 ]\n' >"$VSBOX_CONFDIR/mg4.sh"
chmod 755 "$VSBOX_CONFDIR/mg4.sh"
rc_is "move whose start there fails" 1 vserver mg4 move .:mg5
like "says the start failed" "$ERR" '\.:mg5: the start failed'
like "and that it starts it here again" "$ERR" 'mg4: starting it here again'
rc_is "mg4 runs again" 0 vserver mg4 running -q
is "and serves" "$(curl -s --max-time 3 http://$IP/)" hello
check "no partial copy is left there" test ! -e "$VSBOX_CONFDIR/mg5.conf" -a ! -e "$VSBOX_ROOTDIR/mg5"
rm -f "$VSBOX_CONFDIR/mg4.sh"

# ---- --keep, and the target's lock ------------------------------------------------
rc_is "move --keep of a stopped guest" 0 vserver mg2 move .:mg6 --keep
check "mg6 is there" test -f "$VSBOX_CONFDIR/mg6.conf" -a -d "$VSBOX_ROOTDIR/mg6/etc"
check "mg2 is kept" test -f "$VSBOX_CONFDIR/mg2.conf" -a -d "$R2/etc"
mkdir -p "$VSBOX_RUNDIR/guests"
flock "$VSBOX_RUNDIR/guests/mg3.migrate" sh -c 'vserver mg2 copy .:mg3 --new-context' >/dev/null 2>"$T_TMP/lockerr"
like "a copy to a name being received already is refused" "$(cat "$T_TMP/lockerr")" 'a copy or move to mg3 is going on here already'
check "and made nothing" test ! -e "$VSBOX_ROOTDIR/mg3" -a ! -e "$VSBOX_CONFDIR/mg3.conf"

done_testing
