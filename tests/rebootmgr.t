#!/bin/sh
# rebootmgr.t - the host's rebootmgr and the guests' own reboot and halt:
# vreboot (a full restart: hooks in order, a new init, NAME.conf read
# again), vhalt (stopped, nothing left), busybox reboot and poweroff, a
# static PID 1 calling reboot(2) with each command (the host untouched),
# REBOOT_LIMIT, a guest's junk and flood (the other guest's reboot works at
# once), symlinks planted at /dev/reboot, rebootmgr killed -9 and started
# again, no rebootmgr at all, and a session under valgrind. Addresses
# 127.0.3.1 and 127.0.3.2 on lo.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/guest-lib.sh"
. "$(dirname "$0")/reboot-lib.sh"
command -v curl >/dev/null || bail "curl is needed"

GUESTS="b1 b2 r1 r2 r3"
on_cleanup 'for g in $GUESTS; do vserver $g stop -q >/dev/null 2>&1; done; rb_cleanup
	ip addr del 127.0.3.1/32 dev lo 2>/dev/null; ip addr del 127.0.3.2/32 dev lo 2>/dev/null'
mkimage "$T_TMP/img" "$T_TMP/guest.tgz"
# (not port 80: a guest of another test may bind the wildcard's)
PORT=18630
gcc -static -O -o "$T_TMP/rbclient" "$T_TOP/tests/data/rbclient.c" || bail "can't build tests/data/rbclient.c"
for g in b1 b2; do
	ip=127.0.3.${g#b}
	RC_DAEMON="httpd -p $PORT -h /www" rb_guest $g IPROOT=$ip IPROOTDEV=lo REBOOT_LIMIT=20
	echo "page of $g" >"$VSBOX_ROOTDIR/$g/www/index.html"
	cp "$T_TMP/rbclient" "$VSBOX_ROOTDIR/$g/bin/rbclient"
done
rb_guest r1 INIT=/sbin/rbinit STOPSIG=TERM REBOOT_LIMIT=60
get() {  # the guest's page, once its httpd answers (10 s at most)
	i=0; while ! curl -s --max-time 1 "http://$1:$PORT/" >/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	curl -s --max-time 3 "http://$1:$PORT/"
}
# mark REGEX before an action, then after it wait for the next matching line
mark() { MARK=$(rb_count "$1"); }
next_log() { rb_wait_log $((MARK + 1)) "$1"; }
nothing_left() {  # nothing_left NAME XID
	is "  no record, name link or lock file of $1" \
		"$(ls "$VSBOX_RUNDIR/ctx" | grep -cx "$2")$(ls "$VSBOX_RUNDIR/names" "$VSBOX_RUNDIR/guests" | grep -c "^$1")" 00
	is "  no cgroup of it" "$(t_cgdirs | grep -c "/$VSBOX_CGROUP_BASE/$2\$")" 0
}
not_is() { ! t_is "$@"; }
xid_of() { vserver "$1" status | sed -n 's/^  context: *\([0-9]*\).*/\1/p'; }

# ---- no rebootmgr -------------------------------------------------------------
rc_is "start b1 (no rebootmgr runs)" 0 vserver b1 start -q
if grep -q "can't be enforced" "$T_TMP/err"; then
	skip "the IP lock is not available here"; done_testing
fi
rc_is "vreboot inside, with no rebootmgr" 1 vserver b1 exec vreboot
is "  says so in one line" "$(printf '%s\n' "$ERR" | wc -l)" 1
like "  clearly" "$ERR" '^vreboot: no rebootmgr runs on the host \(/dev/reboot: No such file or directory\)$'
rc_is "  vhalt too" 1 vserver b1 exec vhalt
rc_is "  and b1 runs on" 0 vserver b1 running -q
# b1 plants a symlink to a host file at /dev/reboot, b2 a directory with a
# file in it, before rebootmgr runs
echo secret >"$T_TMP/hostfile"; chmod 644 "$T_TMP/hostfile"
vserver b1 exec ln -s "$T_TMP/hostfile" /dev/reboot
rc_is "start b2" 0 vserver b2 start -q
vserver b2 exec sh -c 'mkdir /dev/reboot && touch /dev/reboot/x'

# ---- rebootmgr starts ------------------------------------------------------------
rc_is "rebootmgr starts (detached: ready when it returns)" 0 rbm_start
check "  its pid file names it" t_is "$RBM" rebootmgr
rc_is "  a second one is refused" 1 rebootmgr --log stderr
like "  saying which one runs" "$ERR" "rebootmgr runs already \(pid $RBM\)"
is "  its control socket is root's alone" "$(stat -c '%F %U %a' "$VSBOX_RUNDIR/rebootmgr.sock")" "socket root 600"
is "b1 (started before it) has /dev/reboot: a socket, root's, mode 600" \
	"$(vserver b1 exec stat -c '%F %U %a' /dev/reboot)" "socket root 600"
is "  put over the symlink b1 planted: the host file is untouched" \
	"$(stat -c '%F %a' "$T_TMP/hostfile"; cat "$T_TMP/hostfile")" "regular file 644
secret"
like "b2's /dev/reboot, a directory with a file in it, is left alone and logged" \
	"$(cat "$RB_LOG")" "b2: can't make its /dev/reboot"
rc_is "  b2 runs on" 0 vserver b2 running -q
vserver b2 exec rm -r /dev/reboot
kill -HUP "$RBM"
rb_wait_log 1 "b2: running"
is "  SIGHUP: rebootmgr looks again, b2 has its /dev/reboot" "$(vserver b2 exec stat -c %F /dev/reboot)" socket

# ---- vreboot: a full restart ------------------------------------------------------
P=$(init_of b1)
rm -f "$T_TMP/hooks-b1.log"
sed -i 's/^S_HOSTNAME=b1$/S_HOSTNAME=b1-again/' "$VSBOX_CONFDIR/b1.conf"
rc_is "vreboot in b1" 0 vserver b1 exec vreboot
check "  rebootmgr restarts it" rb_wait_log 1 "b1: restarted$"
rc_is "  b1 runs" 0 vserver b1 running -q
check "  with a new init ($P -> $(init_of b1))" [ -n "$(init_of b1)" -a "$(init_of b1)" != "$P" ]
is "  its hooks ran in order" "$(hooks_of b1)" "pre-stop b1,post-stop b1,pre-start b1,post-start b1,"
is "  the S_HOSTNAME changed meanwhile took effect" "$(vserver b1 exec hostname)" b1-again
is "  it serves again on 127.0.3.1" "$(get 127.0.3.1)" "page of b1"
is "  and has its /dev/reboot again" "$(vserver b1 exec stat -c %F /dev/reboot)" socket

# ---- vserver stop removes /dev/reboot before anything else ---------------------------
rm -f "$T_TMP/hooks-b2.log"
rc_is "vserver b2 stop (from the host)" 0 vserver b2 stop -q
is "  at its pre-stop hook /dev/reboot was gone already" "$(hooks_of b2)" "pre-stop b2,post-stop b2,"
rb_wait_log 1 "b2: stops"
vserver b2 start -q

# ---- vhalt --------------------------------------------------------------------------
X=$(xid_of b1)
rm -f "$T_TMP/hooks-b1.log"
rc_is "vhalt in b1" 0 vserver b1 exec vhalt
check "  rebootmgr stops it" rb_wait_log 1 "b1: stopped$"
rc_is "  b1 is stopped" 1 vserver b1 running -q
is "  its hooks ran" "$(hooks_of b1)" "pre-stop b1,post-stop b1,"
nothing_left b1 "$X"
check "  nor its address" sh -c '! ip -4 addr show dev lo | grep -q "inet 127.0.3.1/"'

# ---- busybox reboot and poweroff (busybox init as PID 1 calls reboot(2)) -------------
P=$(init_of b2)
# (busybox init's shutdown may kill reboot itself before it exits: its exit
# status says nothing)
vserver b2 exec reboot
check "busybox reboot in b2: rebootmgr restarts b2 (its reboot(2))" rb_wait_log 1 "b2: restarted$"
check "  with a new init" [ -n "$(init_of b2)" -a "$(init_of b2)" != "$P" ]
is "  serving again" "$(get 127.0.3.2)" "page of b2"
X=$(xid_of b2)
vserver b2 exec poweroff
check "busybox poweroff in b2: rebootmgr stops b2" rb_wait_log 1 "b2: stopped$"
rc_is "  b2 is stopped" 1 vserver b2 running -q
nothing_left b2 "$X"

# ---- a PID 1 of its own calling reboot(2) with each command ---------------------------
BOOT_ID=$(cat /proc/sys/kernel/random/boot_id)
CAD=$(cat /proc/sys/kernel/ctrl-alt-del)
rb_log() { cat "$VSBOX_ROOTDIR/r1/tmp/rbinit.log" 2>/dev/null | tr '\n' ' '; }
rb_boot() {  # rb_boot CMD: start r1 running CMD once (a fresh log)
	echo "$1" >"$VSBOX_ROOTDIR/r1/etc/rbinit.cmd"
	rm -f "$VSBOX_ROOTDIR/r1/tmp/rbinit.log"
	vserver r1 start -q || diag "r1 did not start"
}
for c in restart restart2; do
	mark "r1: restarted$"
	rb_boot $c
	check "reboot(2) $c: rebootmgr restarts the guest" next_log "r1: restarted$"
	is "  it booted again and runs" "$(rb_log)$(vserver r1 running -q && echo running)" "boot boot running"
	vserver r1 stop -q
done
for c in halt poweroff; do
	mark "r1: stopped$"
	rb_boot $c
	check "reboot(2) $c: rebootmgr stops the guest" next_log "r1: stopped$"
	is "  it booted once and is stopped" "$(rb_log)$(vserver r1 running -q || echo stopped)" "boot stopped"
done
rb_res() {  # rb_res CMD: the line rbinit writes once its reboot(2) returned
	i=0; while ! grep -q "^$1 ret" "$VSBOX_ROOTDIR/r1/tmp/rbinit.log" 2>/dev/null && [ $i -lt 500 ]; do sleep 0.01; i=$((i + 1)); done
	grep "^$1 ret" "$VSBOX_ROOTDIR/r1/tmp/rbinit.log"
}
for c in cad_on cad_off; do
	rb_boot $c
	is "reboot(2) $c succeeds doing nothing (the host's setting)" "$(rb_res $c)" "$c ret=0 errno=0"
	rc_is "  the guest runs on" 0 vserver r1 running -q
	vserver r1 stop -q
done
for c in kexec suspend; do
	rb_boot $c
	is "reboot(2) $c is refused" "$(rb_res $c)" "$c ret=-1 errno=Operation not permitted"
	rc_is "  the guest runs on" 0 vserver r1 running -q
	vserver r1 stop -q
done
rb_boot badmagic
is "reboot(2) with bad magic numbers: EINVAL, as on a real host" "$(rb_res badmagic)" "badmagic ret=-1 errno=Invalid argument"
vserver r1 stop -q
is "the host is untouched: the same boot" "$(cat /proc/sys/kernel/random/boot_id)" "$BOOT_ID"
is "  and the same Ctrl-Alt-Del setting" "$(cat /proc/sys/kernel/ctrl-alt-del)" "$CAD"
# exec and enter are not the guest's boot: its filter keeps refusing them
like "reboot(2) from vserver exec: EPERM" "$(vserver r1 start -q; vserver r1 exec sh -c 'reboot -f 2>&1; echo rc=$?' | tr '\n' ' '; vserver r1 stop -q)" \
	"^reboot: .*Operation not permitted rc=1 $"

# a guest booted by its rc (vsbox's init is PID 1): a daemon of the rc calls
# reboot(2) (busybox reboot -f), once
vserver r3 build -q --tar "$T_TMP/guest.tgz" || bail "can't build r3"
# (the reboot waits for /etc/go, made once the test has seen the first init)
printf '#!/bin/sh\nsleep 100000 &\n[ -e /etc/once ] && rm /etc/once && { while [ ! -e /etc/go ]; do sleep 0.1; done; reboot -f; } &\n' >"$VSBOX_ROOTDIR/r3/etc/rc"
touch "$VSBOX_ROOTDIR/r3/etc/once"
printf 'S_HOSTNAME=r3\nS_FLAGS="lock"\nSTOP_TIMEOUT=2\n' >"$VSBOX_CONFDIR/r3.conf"
rc_is "r3 starts with its rc (vsbox's init as PID 1)" 0 vserver r3 start -q
P=$(init_of r3)
touch "$VSBOX_ROOTDIR/r3/etc/go"
check "  a daemon of its rc calls reboot(2): rebootmgr restarts it" rb_wait_log 1 "r3: restarted$"
check "  a new init" [ -n "$(init_of r3)" -a "$(init_of r3)" != "$P" ]
is "  vsbox's init, as before" "$(cat "/proc/$(init_of r3)/comm")" vsbox-init
vserver r3 stop -q

# ---- REBOOT_LIMIT ---------------------------------------------------------------------
rb_guest r2 INIT=/sbin/rbinit STOPSIG=TERM REBOOT_LIMIT=2
echo restart >"$VSBOX_ROOTDIR/r2/etc/rbinit.loop"
rc_is "r2 reboots at every boot, REBOOT_LIMIT=2" 0 vserver r2 start -q
check "  rebootmgr stops it after 2 restarts" \
	rb_wait_log 1 "r2: restarted 2 times within a minute \(REBOOT_LIMIT=2\): stopping it instead"
check "  and it is stopped" rb_wait_log 1 "r2: stopped$"
is "  it booted 3 times" "$(grep -c boot "$VSBOX_ROOTDIR/r2/tmp/rbinit.log")" 3
rc_is "  not running" 1 vserver r2 running -q

# ---- one guest's junk and flood never touch the other -----------------------------------
vserver b1 start -q; vserver b2 start -q
P1=$(init_of b1) P2=$(init_of b2)
ask_b2() { printf "$1" | vserver b2 exec rbclient /dev/reboot; }
is "b2 names b1 in its request: refused" "$(ask_b2 'reboot b1\n')" "error: a request takes no argument"
is "b2 sends garbage: refused" "$(ask_b2 '\001\002\n')" "error: not a line of text"
is "b2 sends a megabyte: refused after RB_LINE_MAX bytes" \
	"$(head -c 1048576 /dev/zero | tr '\0' x | vserver b2 exec rbclient /dev/reboot)" "error: request too long"
is "b2 sends half a line, then nothing: closed after 2 s" "$(ask_b2 'reb')" "error: no request in time"
is "  b1 and b2 run on, untouched" "$(init_of b1) $(init_of b2)" "$P1 $P2"
like "  the refusals are logged" "$(cat "$RB_LOG")" "b2: refused a request on /dev/reboot: a request takes no argument \('reboot b1'\)"
cpu() { awk '{ print $14 + $15 }' "/proc/$RBM/stat"; }
C0=$(cpu) L0=$(rb_count '^rebootmgr: b2: ')
mark "b2: too many requests"
vserver b2 exec rbclient /dev/reboot flood 3 >"$T_TMP/flood" &
FLOOD=$!
next_log "b2: too many requests"
S0=$(date +%s%N)
mark "b1: restarted$"
rc_is "b2 floods /dev/reboot; vreboot in b1 meanwhile" 0 vserver b1 exec vreboot
check "  b1 is restarted" next_log "b1: restarted$"
diag "b1's restart took $(( ($(date +%s%N) - S0) / 1000000 )) ms during the flood"
wait $FLOOD
FL=$(cat "$T_TMP/flood")
TRIES=$(echo "$FL" | awk '{ print $2 }') REFUSED=$(echo "$FL" | awk '{ print $4 }')
diag "the flood: $FL (over 3 s)"
check "  b2 made over $((10000 / T_SLOW)) requests ($TRIES)" [ "${TRIES:-0}" -ge $((10000 / T_SLOW)) ]
check "  nearly all refused by the kernel: rebootmgr was not listening to b2 ($REFUSED)" \
	[ "$(( ${REFUSED:-0} * 100 ))" -ge "$(( ${TRIES:-1} * 95 ))" ]
check "  rebootmgr spent little CPU on it ($(( $(cpu) - C0 )) ticks)" [ "$(( $(cpu) - C0 ))" -le 50 ]
is "  b2 runs on, untouched" "$(init_of b2)" "$P2"
L=$(( $(rb_count '^rebootmgr: b2: ') - L0 ))
check "  the log has at most 20 lines about b2 over it ($L)" [ "$L" -le 21 ]
i=0; until [ "$(ask_b2 'bad\n')" = "error: unknown request (reboot or halt)" ] || [ $i -ge 50 ]; do sleep 0.2; i=$((i + 1)); done
check "  a second later b2 is listened to again" [ $i -lt 50 ]

# ---- rebootmgr killed with -9 and started again ------------------------------------------
P1=$(init_of b1) P2=$(init_of b2)
HOLDER=$(holder_pid)
rbm_kill KILL
rc_is "rebootmgr killed -9: vreboot in b1 fails" 1 vserver b1 exec vreboot
like "  saying so" "$ERR" "no rebootmgr runs on the host \(/dev/reboot: Connection refused\)"
check "  its holder lives on, with the guests' reboot(2)" t_is "$HOLDER" rebootmgr-hold
rc_is "rebootmgr started again" 0 rbm_start
mark "b1: restarted$"
rc_is "  vreboot in b1 works again" 0 vserver b1 exec vreboot
check "  b1 restarted" next_log "b1: restarted$"
check "  with a new init" [ "$(init_of b1)" != "$P1" ]
n=$(rb_count "b2: restarted$")
vserver b2 exec reboot
check "  busybox reboot in b2: its reboot(2) reaches the new rebootmgr (from the holder)" rb_wait_log $((n + 1)) "b2: restarted$"
check "  with a new init" [ "$(init_of b2)" != "$P2" ]
is "  the same holder" "$(holder_pid)" "$HOLDER"

# a guest started while only the holder runs: its reboot(2) waits for rebootmgr
rbm_kill KILL
rb_boot restart
i=0; until grep -q boot "$VSBOX_ROOTDIR/r1/tmp/rbinit.log" 2>/dev/null || [ $i -ge 500 ]; do sleep 0.01; i=$((i + 1)); done
rc_is "r1 started with no rebootmgr but its holder: it called reboot(2) and waits" 0 vserver r1 running -q
mark "r1: restarted$"
rc_is "rebootmgr starts" 0 rbm_start
check "  and restarts r1" next_log "r1: restarted$"
is "  which booted twice" "$(rb_log)" "boot boot "

# ---- no rebootmgr and no holder: reboot(2) ends the guest, stop cleans up -------------------
for g in b1 b2 r1; do vserver $g stop -q; done
rbm_kill TERM
check "rebootmgr ended (TERM) with no guest: its holder ended too" sh -c "[ -z \"\$(ls '$VSBOX_RUNDIR' | grep '^rebootmgr\.\(hold\|holder\|pid\|sock\)$')\" ]"
t_wait_gone "$HOLDER"
check "  and is gone" not_is "$HOLDER" rebootmgr-hold
rm -f "$T_TMP/hooks-r1.log"
rb_boot "restart later"
X=$(xid_of r1)
i=0; while vserver r1 running -q && [ $i -lt 500 ]; do sleep 0.01; i=$((i + 1)); done
rc_is "with neither, r1's reboot(2) ends it (the kernel's own)" 1 vserver r1 running -q
is "  it booted once" "$(rb_log)" "boot "
rc_is "vserver r1 stop cleans up after it" 0 vserver r1 stop
is "  saying so" "$OUT" "r1: stopped (it had ended)"
is "  between its stop hooks" "$(hooks_of r1)" "pre-start r1,post-start r1,pre-stop r1,post-stop r1,"
nothing_left r1 "$X"

# ---- a session under valgrind ----------------------------------------------------------------
if [ -n "${VSBOX_SANITIZED:-}" ]; then
	skip "valgrind: this is the sanitizer build (which checks this session itself)"
elif ! command -v valgrind >/dev/null && ! VSBOX_EXTRA_PKGS=valgrind sh "$T_TOP/build/deps.sh" >/dev/null 2>&1; then
	skip "valgrind can't be installed"
elif [ "$(valgrind --version | awk -F'[-.]' '{ print $2 * 100 + $3 }')" -lt 322 ]; then
	skip "$(valgrind --version) knows no pidfd_open or pidfd_getfd (3.22 does): the sanitizer build covers rebootmgr"
else
	vserver b1 start -q
	valgrind -q --error-exitcode=99 --track-fds=no --log-file="$T_TMP/vg.log" \
		"$VSBOX" rebootmgr --foreground --log stderr 2>>"$RB_LOG" &
	VG=$!
	track_pid $VG
	i=0; until [ -S "$VSBOX_RUNDIR/rebootmgr.sock" ] && [ -s "$VSBOX_RUNDIR/rebootmgr.pid" ] || [ $i -ge 3000 ]; do sleep 0.01; i=$((i + 1)); done
	n=$(rb_count "b1: restarted$")
	printf 'junk\n' | vserver b1 exec rbclient /dev/reboot >/dev/null
	vserver b1 exec vreboot
	rb_wait_log $((n + 1)) "b1: restarted$"
	printf 'reb' | vserver b1 exec rbclient /dev/reboot >/dev/null
	vserver b1 stop -q
	kill -TERM $VG
	wait $VG
	VGRC=$?
	is "rebootmgr under valgrind: a session (requests, a restart, a stop) exits 0, no error" "$VGRC $(cat "$T_TMP/vg.log")" "0 "
fi
done_testing
