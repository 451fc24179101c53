#!/bin/sh
# rebootmgr-syslog.t - rebootmgr --log syslog (the default when detached):
# its lines reach /dev/log as syslog(3) datagrams, "<30>Mmm dd hh:mm:ss
# rebootmgr[PID]: LINE" (daemon.info, the time in UTC), and reach a syslogd
# restarted under it (the socket connected again). /dev/log is this test's
# own: a listener in a private mount namespace over a tmpfs /dev (with
# /dev/null bound in), so the host's logging is never touched. No addresses.
. "$(dirname "$0")/lib.sh"
need_root
command -v python3 >/dev/null || { echo "1..0 # SKIP python3 is missing"; exit 0; }
command -v unshare >/dev/null || { echo "1..0 # SKIP unshare (util-linux) is missing"; exit 0; }
on_cleanup 'p=$(cat "$VSBOX_RUNDIR/rebootmgr.pid" 2>/dev/null); [ -n "$p" ] && [ "$(cat /proc/$p/comm 2>/dev/null)" = rebootmgr ] && kill -9 "$p"
	h=$(cut -d" " -f1 "$VSBOX_RUNDIR/rebootmgr.holder" 2>/dev/null); [ -n "$h" ] && [ "$(cat /proc/$h/comm 2>/dev/null)" = rebootmgr-hold ] && kill -9 "$h"'

# listen.py PATH OUT N: a syslogd of N datagrams at PATH (20 s at most),
# each a line of OUT; OUT.up once it listens
cat >"$T_TMP/listen.py" <<'EOF'
import os, socket, sys
path, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.settimeout(20)
open(out + '.up', 'w').close()
with open(out, 'wb') as f:
    for i in range(n):
        try:
            f.write(s.recv(4096))
        except socket.timeout:
            break
        f.flush()
s.close()
os.unlink(path)
EOF
# the namespace's part: a first syslogd takes the "ready" line and goes,
# a second one takes SIGHUP's line and the last
cat >"$T_TMP/inside.sh" <<'EOF'
T=$1
up() { i=0; while [ ! -e "$1" ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i + 1)); done; }
mount --make-rprivate / && mount -t tmpfs -o mode=755 tmpfs /dev && touch /dev/null &&
	mount --bind "$T/null" /dev/null || exit 1
python3 "$T/listen.py" /dev/log "$T/log1" 1 & l1=$!
up "$T/log1.up"
rebootmgr --foreground --log syslog 2>"$T/rbm.err" & rbm=$!
echo "$rbm" >"$T/rbm.pid"
wait $l1
python3 "$T/listen.py" /dev/log "$T/log2" 2 & l2=$!
up "$T/log2.up"
kill -HUP $rbm
sleep 0.2
kill -TERM $rbm
wait $rbm; echo $? >"$T/rbm.rc"
wait $l2
EOF
touch "$T_TMP/null"
mount --bind /dev/null "$T_TMP/null" || bail "can't bind /dev/null"
on_cleanup "umount '$T_TMP/null'"
day1=$(date -u '+%b %e')
unshare -m sh "$T_TMP/inside.sh" "$T_TMP"
day2=$(date -u '+%b %e')
pid=$(cat "$T_TMP/rbm.pid" 2>/dev/null)
stamp='[A-Z][a-z][a-z] [ 1-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-5][0-9]'

plan 6
like "the first line: <daemon.info>TIME rebootmgr[PID]: ready" "$(cat "$T_TMP/log1" 2>/dev/null)" \
	"^<30>$stamp rebootmgr\\[$pid\\]: ready \\(.*\\)\$"
d=$(cut -c5-10 "$T_TMP/log1" 2>/dev/null)
check "  stamped with today's date in UTC" test "$d" = "$day1" -o "$d" = "$day2"
like "syslogd restarted: SIGHUP's line reaches the new one" "$(sed -n 1p "$T_TMP/log2" 2>/dev/null)" \
	"^<30>$stamp rebootmgr\\[$pid\\]: SIGHUP: looking for running guests\$"
like "  and the last line" "$(sed -n 2p "$T_TMP/log2" 2>/dev/null)" "^<30>$stamp rebootmgr\\[$pid\\]: exiting\$"
is "nothing on stderr" "$(cat "$T_TMP/rbm.err")" ""
is "rebootmgr ended by SIGTERM: exit 0" "$(cat "$T_TMP/rbm.rc" 2>/dev/null)" 0
done_testing
