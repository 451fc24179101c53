#!/bin/sh
# vserver.t - whole guests, busybox-based: build (--tar, --template, copy),
# start in rc and fakeinit mode, two identical httpd guests on 127.0.0.2 and
# 127.0.0.3 port 80, isolation, limits, exec/enter/suexec/service, hooks,
# stop leaving nothing, crash repair, concurrent starts, config errors, starts
# failing half-way, the rc's output (and daemons holding it), stop through the
# v1 freezer when cgroup.kill is unavailable (VSBOX_NO_CGROUP_KILL).
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/guest-lib.sh"
command -v curl >/dev/null || bail "curl is needed"

GUESTS="g1 g2 g3 gc gbad"
on_cleanup 'for g in $GUESTS; do vserver $g stop -q >/dev/null 2>&1; done; ip addr del 127.0.0.2/32 dev lo 2>/dev/null; ip addr del 127.0.0.3/32 dev lo 2>/dev/null'
mkimage "$T_TMP/img" "$T_TMP/guest.tgz"

conf() {  # conf NAME IP [extra lines...]
	n=$1 ip=$2; shift 2
	{ echo "# $n"; echo "IPROOT=$ip"; echo "IPROOTDEV=lo"; echo "S_HOSTNAME=$n"
	  echo "S_FLAGS=\"${FLAGS:-lock nproc sched}\""; echo 'ULIMIT="-H -u 40"'; echo "S_MEMORY=48M"
	  for l in "$@"; do echo "$l"; done; } >"$VSBOX_CONFDIR/$n.conf"
}
get() { curl -s --max-time 3 "http://$1/"; }
has_addr() { ip -4 addr show dev lo | grep -q "inet $1/"; }
xid_of() { vserver "$1" status | sed -n 's/^  context: *\([0-9]*\).*/\1/p'; }

# ---- build ---------------------------------------------------------------------
rc_is "build --tar" 0 vserver g1 build --tar "$T_TMP/guest.tgz" -q
check "root and conf exist" test -x "$VSBOX_ROOTDIR/g1/bin/busybox" -a -f "$VSBOX_CONFDIR/g1.conf"
like "the conf has hostname = NAME" "$(cat "$VSBOX_CONFDIR/g1.conf")" '^S_HOSTNAME=g1$'
like "the conf has the default flags" "$(cat "$VSBOX_CONFDIR/g1.conf")" 'S_FLAGS="lock nproc sched"'
is "/dev has only the safe nodes" "$(ls "$VSBOX_ROOTDIR/g1/dev" | tr '\n' ' ')" "full null ptmx pts random shm tty urandom zero "
is "/dev/null is a fresh char device 1,3" "$(stat -c '%F %t,%T' "$VSBOX_ROOTDIR/g1/dev/null")" "character special file 1,3"
rc_is "build refuses an existing guest" 1 vserver g1 build --tar "$T_TMP/guest.tgz"
like "and says so" "$ERR" 'exists already'
rc_is "build --template g1" 0 vserver g2 build --template g1 -q
check "template copied the guest" cmp "$VSBOX_ROOTDIR/g1/bin/busybox" "$VSBOX_ROOTDIR/g2/bin/busybox"
# the copy method, with everything big excluded (it copies the host's system)
rc_is "build (copy of the host) with --exclude" 0 vserver gc build -q --exclude usr --exclude var --exclude 'etc/ssl'
check "copy: /etc copied" test -f "$VSBOX_ROOTDIR/gc/etc/passwd"
check "copy: --exclude honoured" test ! -e "$VSBOX_ROOTDIR/gc/usr" -a ! -e "$VSBOX_ROOTDIR/gc/etc/ssl"
is "copy: no host device node came along" "$(find "$VSBOX_ROOTDIR/gc" \( -type b -o -type c \) ! -path '*/dev/*' | wc -l)" 0
# a tarball carrying a device node: it is swept away
mkdir -p "$T_TMP/evil/dev"; mknod "$T_TMP/evil/dev/sda" b 8 0; mknod "$T_TMP/evil/kmem" c 1 2
tar -C "$T_TMP/evil" -cf "$T_TMP/evil.tar" .
rc_is "build --tar with device nodes" 0 vserver g3 build -q --tar "$T_TMP/evil.tar"
is "device nodes from the archive are removed" "$(find "$VSBOX_ROOTDIR/g3" -name sda -o -name kmem | wc -l)" 0
rc_is "delete without --force and no terminal" 1 vserver g3 delete </dev/null
rc_is "delete --force" 0 vserver g3 delete --force -q
check "delete removed root and conf" test ! -e "$VSBOX_ROOTDIR/g3" -a ! -e "$VSBOX_CONFDIR/g3.conf"
vserver gc delete --force -q

# ---- bad configurations: FILE:LINE, nothing started -------------------------
cp "$VSBOX_CONFDIR/g1.conf" "$T_TMP/good.conf"
badconf() {  # badconf DESC LINE REGEX
	printf '# bad\nS_HOSTNAME=g1\n%s\n' "$2" >"$VSBOX_CONFDIR/g1.conf"
	run_rc vserver g1 start
	is "$1: exit 1" "$RC" 1
	like "$1: FILE:LINE" "$ERR" "^$VSBOX_CONFDIR/g1.conf:3: $3"
}
badconf "unknown key" "BOGUS=1" "unknown key BOGUS"
badconf "bad address" "IPROOT=127.0.0.300" "IPROOT: '127.0.0.300' is not"
badconf "bad flag" "S_FLAGS=\"lock turbo\"" "S_FLAGS: unknown flag 'turbo'"
badconf "shell expansion" 'S_DOMAINNAME=$(id)' "'\\\$' is shell syntax"
badconf "bad ulimit" 'ULIMIT="-u many"' "ULIMIT: -u: 'many'"
badconf "bad memory" 'S_MEMORY=huge' "S_MEMORY: 'huge'"
badconf "bad nice" 'S_NICE=99' "S_NICE: '99'"
badconf "bad cpu" 'S_CPU=max=0%' "S_CPU: max must"
badconf "bad caps" 'S_CAPS=CAP_NOPE' "S_CAPS: unknown capability"
badconf "unterminated quote" 'S_DOMAINNAME="abc' "unterminated double quote"
printf '/nonexistent ../x bind\n' >"$VSBOX_CONFDIR/g1.fstab"
cp "$T_TMP/good.conf" "$VSBOX_CONFDIR/g1.conf"
rc_is "bad NAME.fstab" 1 vserver g1 start
like "fstab error is FILE:LINE" "$ERR" "g1.fstab:1: target"
rm -f "$VSBOX_CONFDIR/g1.fstab"
is "nothing was started by bad configs" "$(ls "$VSBOX_RUNDIR/ctx" 2>/dev/null | wc -l)" 0
rc_is "unknown guest" 1 vserver nosuch start
rc_is "bad guest name" 2 vserver ../x start
rc_is "unknown command" 2 vserver g1 frobnicate

# ---- two identical guests ------------------------------------------------------
conf g1 127.0.0.2
conf g2 127.0.0.3
echo "page of g1" >"$VSBOX_ROOTDIR/g1/www/index.html"
echo "page of g2" >"$VSBOX_ROOTDIR/g2/www/index.html"
cat >"$VSBOX_CONFDIR/g1.sh" <<EOF
#!/bin/sh
echo "\$1 \$2" >>"$T_TMP/hooks.log"
EOF
chmod 755 "$VSBOX_CONFDIR/g1.sh"
sleep 300 & HOSTSLEEP=$!; track_pid $HOSTSLEEP
rc_is "start g1" 0 vserver g1 start
if grep -q "can't be enforced" "$T_TMP/err"; then
	diag "$ERR"
	skip "the IP lock (chbind's lib/bpfnet.c) is not available here: guests can't share port 80"
	done_testing
fi
rc_is "start g2" 0 vserver g2 start
rc_is "running g1" 0 vserver g1 running
check "alias 127.0.0.2 added on lo" has_addr 127.0.0.2
check "alias 127.0.0.3 added on lo" has_addr 127.0.0.3
is "g1 answers on 127.0.0.2:80 with its page" "$(get 127.0.0.2)" "page of g1"
is "g2 answers on 127.0.0.3:80 with its page" "$(get 127.0.0.3)" "page of g2"
is "rc ran with no argument (BSD /etc/rc)" "$(cat "$VSBOX_ROOTDIR/g1/tmp/rc.log")" "rc "
is "hostname inside g1" "$(vserver g1 exec hostname)" g1
is "/dev inside: fresh nodes, console a null" \
	"$(vserver g1 exec stat -c '%n %F %t:%T %a' /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty /dev/console | tr '\n' ' ')" \
	"/dev/null character special file 1:3 666 /dev/zero character special file 1:5 666 /dev/full character special file 1:7 666 /dev/random character special file 1:8 666 /dev/urandom character special file 1:9 666 /dev/tty character special file 5:0 666 /dev/console character special file 1:3 666 "
is "  they work: 4 bytes of urandom through null, full refuses" \
	"$(vserver g1 exec sh -c 'head -c 4 /dev/urandom | wc -c; echo x >/dev/null && echo null-ok; echo x >/dev/console && echo console-ok; echo x 2>/dev/null >/dev/full || echo full-refused' | tr '\n' ' ')" \
	"4 null-ok console-ok full-refused "
is "/dev/shm: mode 1777, a mount nosuid and nodev on /dev's own tmpfs" \
	"$(vserver g1 exec sh -c 'stat -c %a /dev/shm; awk '"'"'$5 == "/dev" { d = $3 } $5 == "/dev/shm" { s = $3; o = $6 } END { print (d == s) ? "same-fs" : "other-fs", o }'"'"' /proc/self/mountinfo' | tr '\n' ' ')" \
	"1777 same-fs rw,nosuid,nodev,relatime "
is "  and holds files" "$(vserver g1 exec sh -c 'echo x >/dev/shm/t && cat /dev/shm/t && rm /dev/shm/t')" x
is "hostname inside g2" "$(vserver g2 exec hostname)" g2
PS1=$(vserver g1 exec ps -o pid,args)
like "ps inside shows the guest's httpd" "$PS1" 'httpd -p 80'
check "ps inside shows no host process" sh -c "! echo '$PS1' | grep -q 'sleep 300'"
# (by name: httpd forks a child per request, which may outlive the request)
# (and, where Landlock ABI 6 scopes its abstract sockets, its spawner)
SPW=""
ls "$VSBOX_RUNDIR"/ctx/*.sock >/dev/null 2>&1 && SPW="vsbox-spawner "
is "ps inside: only init, httpd and the listing shell" \
	"$(vserver g1 exec sh -c 'for f in /proc/[0-9]*/comm; do read -r c <"$f" && echo "$c"; done 2>/dev/null' |
	   sort -u | tr '\n' ' ')" "httpd sh vsbox-init $SPW"
# (the guest lives while any process does: restart httpd in the same breath)
vserver g1 exec sh -c 'killall httpd; sleep 0.2; httpd -p 80 -h /www'
is "killall httpd in g1: g2's httpd lives on" "$(get 127.0.0.3)" "page of g2"
check "killall in g1 leaves host processes alone" kill -0 $HOSTSLEEP
is "g1's httpd again" "$(get 127.0.0.2)" "page of g1"

# ---- exec, enter, suexec, service ------------------------------------------------
rc_is "exec exit status is passed on" 7 vserver g1 exec sh -c 'exit 7'
is "exec in a pipeline" "$(echo piped | vserver g1 exec cat | tr a-z A-Z)" PIPED
is "exec sees the guest's root" "$(vserver g1 exec cat /www/index.html)" "page of g1"
is "a clean environment" "$(FOO=bar vserver g1 exec env | grep -c FOO)" 0
# the fds of a settled child (it inherits whatever leaked); the shell's own
# would show its pipes and the listing's directory for a moment
is "no host fd beyond 0 1 2 leaks in" "$(vserver g1 exec sh -c 'sleep 2 & sleep 0.3; ls /proc/$!/fd | tr "\n" " "; kill $!' 5</etc/hostname)" "0 1 2 "
is "enter without a terminal runs a login shell" "$(echo 'echo $HOME $USER; hostname' | vserver g1 enter)" "/root root
g1"
is "suexec resolves users from the guest's passwd" "$(vserver g1 suexec web id)" "uid=1000(web) gid=1000(web) groups=50(staff),1000(web)"
rc_is "suexec with a host-only user fails" 1 vserver g1 suexec daemon id
like "and names it" "$ERR" "no user 'daemon' in the guest"
is "service runs the guest's init script" "$(vserver g1 service hello status)" "hello service: status"
if command -v script >/dev/null; then
	# (what is seen is written to files, not read back through script's
	# own pty: script may end before a loaded host has passed it the last
	# of what its child wrote)
	script -qec "$VSBOX vserver g1 exec sh -c 'tty >/tmp/pty; ls -1 /dev/pts >>/tmp/pty'" /dev/null </dev/null >/dev/null 2>&1
	OUT=$(tr '\n' ' ' <"$VSBOX_ROOTDIR/g1/tmp/pty")
	like "on a terminal: a pty from the guest's own devpts" "$OUT" '^/dev/pts/0 '
	is "the guest's devpts holds only its own pty" "$OUT" "/dev/pts/0 0 ptmx "
	# stdin a terminal, stdout a pipe: no pty, but no controlling terminal
	# either (TIOCSTI on the host's would need CAP_SYS_ADMIN)
	script -qec "$VSBOX vserver g1 exec cut -d' ' -f7 /proc/self/stat | cat >$T_TMP/pty2" /dev/null </dev/null >/dev/null 2>&1
	is "a passed-through host terminal is not the guest's controlling tty" "$(cat "$T_TMP/pty2")" 0
else
	skip "script(1) missing"; skip "script(1) missing"; skip "script(1) missing"
fi

# ---- limits ----------------------------------------------------------------------
X=$(xid_of g1)
vserver g1 exec sh -c 'for i in $(seq 100); do sleep 3 & done 2>/dev/null; true'
N=$(wc -l <"$(t_v2dir "$X")/cgroup.procs")
check "fork bomb bounded by ULIMIT -u 40 (got $N processes)" [ "$N" -le 40 -a "$N" -ge 30 ]
vserver g1 exec killall sleep 2>/dev/null
run_rc vserver g1 exec sh -c 'dd if=/dev/zero of=/dev/null bs=96M count=1'
check "memory hog over S_MEMORY is killed (exit $RC)" [ "$RC" -ne 0 ]
is "the guest survives its hog" "$(get 127.0.0.2)" "page of g1"
like "status shows running, context, processes" "$(vserver g1 status)" "running"
like "status shows the context" "$(vserver g1 status)" "context: *$X"
like "status shows the addresses and the alias the start added" "$(vserver g1 status)" "addresses: 127\.0\.0\.2 [0-9a-f:]+ \(1 alias added\)"
rc_is "a second start says it runs" 1 vserver g1 start
like "already running" "$ERR" "already running"
is "a running guest keeps no lock file, after a start or a refused one" "$(ls "$VSBOX_RUNDIR/guests" | grep -c '^g1\.lock$')" 0
is "  and one record, linked by name" "$(stat -c %i "$VSBOX_RUNDIR/names/g1")" "$(stat -c %i "$VSBOX_RUNDIR/ctx/$X")"
is "  which lists the aliases the start added (IPROOT's, the private IPv6 loopback)" \
	"$(grep '^addr=' "$VSBOX_RUNDIR/ctx/$X" | sed 's/^addr=lo:fd00:7673:1:[0-9a-f:]*\/128$/addr=lo:LBACK6/')" \
	"$(printf 'addr=lo:127.0.0.2/32\naddr=lo:LBACK6')"
is "  and no run file of it in guests/" "$(ls "$VSBOX_RUNDIR/guests" | grep -c '^g1$')" 0
# status --json: one object, its documented keys, numbers as numbers
sjson() { python3 -c 'import json, sys
d = json.load(sys.stdin)
print(" ".join(sorted(d)))
print(d["name"], d["running"], d["ctx"], d["init_pid"] == int(sys.argv[1]) if d["running"] else d["init_pid"],
      type(d["procs"]).__name__, type(d["memory"]).__name__, d["addresses"], d["aliases_added"], d["flags"])
print(d["lback6"])' "$1"; }
run_rc vserver g1 status --json
is "status --json (exit 0)" "$RC" 0
LB6=$(vserver g1 status | sed -n 's/^  lback6: *\([^ ]*\) .*/\1/p')
is "status --json: keys, values of the running g1, its private ::1 as status shows it" \
	"$(printf '%s\n' "$OUT" | sjson "$(sed -n 's/^pid=//p' "$VSBOX_RUNDIR/ctx/$X")")" \
	"addresses aliases_added ctx flags init_pid lback6 memory name procs running
g1 True $X True int int ['127.0.0.2'] 1 ['lock', 'sched', 'nproc']
${LB6:-None}"
rc_is "--json is not an option of start" 2 vserver g1 start --json

# ---- stop leaves nothing ------------------------------------------------------------
rc_is "stop g1" 0 vserver g1 stop
rc_is "running after stop" 1 vserver g1 running
check "alias 127.0.0.2 removed" sh -c '! ip -4 addr show dev lo | grep -q "inet 127.0.0.2/"'
is "no cgroup of g1 left" "$(t_cgdirs | grep -c "/$VSBOX_CGROUP_BASE/$X\$")" 0
is "no run file of g1 left" "$(ls "$VSBOX_RUNDIR/guests" | grep -c g1)" 0
is "no context record of g1 left" "$(ls "$VSBOX_RUNDIR/ctx" | grep -c "^$X\$")" 0
check "nor its name link" [ ! -e "$VSBOX_RUNDIR/names/g1" ]
check "g1 no longer answers" sh -c "! curl -s --max-time 1 http://127.0.0.2/ >/dev/null"
is "g2 is untouched" "$(get 127.0.0.3)" "page of g2"
is "hooks ran in order with their arguments" "$(cat "$T_TMP/hooks.log" | tr '\n' ',')" "pre-start g1,post-start g1,pre-stop g1,post-stop g1,"
rc_is "stop of a stopped guest" 0 vserver g1 stop
run_rc vserver g1 status --json
is "status --json of a stopped guest (exit 3)" "$RC" 3
is "  running false, null figures, NAME.conf's addresses and flags" "$(printf '%s\n' "$OUT" | sjson 0 | sed 1d)" \
	"g1 False None None NoneType NoneType ['127.0.0.2'] None ['lock', 'sched', 'nproc']
None"

# ---- crash repair, concurrency, restart ----------------------------------------------
rc_is "start g1 again" 0 vserver g1 start
X=$(xid_of g1)
PID=$(sed -n 's/^pid=//p' "$VSBOX_RUNDIR/ctx/$X")
kill -9 "$PID"; sleep 0.2
rc_is "after its init was killed: not running" 1 vserver g1 running
check "the alias is still there" has_addr 127.0.0.2
rc_is "stop repairs" 0 vserver g1 stop
check "the alias is gone after the repair" sh -c '! ip -4 addr show dev lo | grep -q "inet 127.0.0.2/"'
# a dead guest reaped by another context's start (chcontext reaps every dead
# context): its record's aliases go with it
vserver g1 start -q; X=$(xid_of g1)
kill -9 "$(sed -n 's/^pid=//p' "$VSBOX_RUNDIR/ctx/$X")"; sleep 0.2
rc_is "after its init was killed, a bare context starts" 0 chcontext --silent true
check "  which reaped the dead guest's alias" sh -c '! ip -4 addr show dev lo | grep -q "inet 127.0.0.2/"'
check "  its record and its name link" [ ! -e "$VSBOX_RUNDIR/ctx/$X" -a ! -e "$VSBOX_RUNDIR/names/g1" ]
# a guest whose processes all end: its init removes cgroups and record (it
# has no privilege left for the alias), the name link keeps the alias list
vserver g1 start -q; X=$(xid_of g1)
vserver g1 exec sh -c 'kill -9 -1' >/dev/null 2>&1
i=0; while [ -e "$VSBOX_RUNDIR/ctx/$X" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "a guest whose processes all ended: its init removed its record" [ ! -e "$VSBOX_RUNDIR/ctx/$X" ]
check "  the alias is still there" has_addr 127.0.0.2
rc_is "  stop of it" 0 vserver g1 stop
check "  removes the alias the name link lists" sh -c '! ip -4 addr show dev lo | grep -q "inet 127.0.0.2/"'
check "  and the link" [ ! -e "$VSBOX_RUNDIR/names/g1" ]
vserver g1 start -q >"$T_TMP/c1" 2>&1 & A=$!
vserver g1 start -q >"$T_TMP/c2" 2>&1 & B=$!
wait $A; RA=$?; wait $B; RB=$?
is "two concurrent starts: exactly one wins" "$((RA + RB))" 1
like "the other says it is running" "$(cat "$T_TMP/c1" "$T_TMP/c2")" "already running"
rc_is "restart" 0 vserver g1 restart
is "after restart it answers" "$(get 127.0.0.2)" "page of g1"
initfds() { ls "/proc/$(sed -n 's/^pid=//p' "$VSBOX_RUNDIR/ctx/$(xid_of g1)")/fd" | wc -l; }
NFD=$(initfds)
rc_is "stop g1" 0 vserver g1 stop

# ---- VSBOX_TRACE: the steps of a start and a stop, timed ------------------------------
VSBOX_TRACE=1 run_rc vserver g1 start -q
is "start with VSBOX_TRACE=1 (exit 0)" "$RC" 0
like "  a line per step: APPLET[PID] MS WHAT" "$ERR" '^vserver\[[0-9]+\] +[0-9]+\.[0-9]{3} start g1$'
like "  the steps inside the new context (PID 1 there)" "$ERR" '^vserver\[1\] +[0-9.]+ root mounted$'
like "  up to the exec of the guest's rc" "$ERR" '^vserver\[[0-9]+\] +[0-9.]+ exec /etc/rc$'
like "  and the end" "$ERR" '^vserver\[[0-9]+\] +[0-9.]+ started$'
is "  the guest's init holds no more descriptors than without it" "$(initfds)" "$NFD"
is "  nothing reaches a program run inside" \
	"$(VSBOX_TRACE=1 vserver g1 exec sh -c 'sleep 2 & sleep 0.3; ls /proc/$!/fd | tr "\n" " "; kill $!' 2>/dev/null)" "0 1 2 "
VSBOX_TRACE=1 run_rc vserver g1 stop
is "stop with VSBOX_TRACE=1 (exit 0)" "$RC" 0
like "  its steps" "$ERR" '^vserver\[[0-9]+\] +[0-9.]+ processes gone$'
VSBOX_TRACE=0 run_rc vserver g1 status
is "VSBOX_TRACE=0: no trace" "$ERR" ""

# ---- a start that fails half-way leaves nothing ------------------------------------------
# (g2 runs meanwhile: its cgroups and record stay)
records_of() { grep -lx "name=$1" "$VSBOX_RUNDIR"/ctx/* 2>/dev/null | wc -l; }
CG_BEFORE=$(t_cgdirs)
nothing_left() {  # nothing_left WHAT: no alias, cgroup, record or run file of g1
	check "$1: no alias left" sh -c '! ip -4 addr show dev lo | grep -q "inet 127.0.0.2/"'
	is "$1: no cgroup left" "$(t_cgdirs)" "$CG_BEFORE"
	is "$1: no context record left" "$(records_of g1)" 0
	is "$1: no run file left" "$(ls "$VSBOX_RUNDIR/guests" | grep '^g1')" ""
}
mv "$VSBOX_CONFDIR/g1.sh" "$T_TMP/g1.sh"
printf '#!/bin/sh\n[ "$1" != pre-start ]\n' >"$VSBOX_CONFDIR/g1.sh"; chmod 755 "$VSBOX_CONFDIR/g1.sh"
rc_is "a failing pre-start hook stops the start" 1 vserver g1 start
like "and says so" "$ERR" "pre-start failed"
nothing_left "failed pre-start"
rm "$VSBOX_CONFDIR/g1.sh"
conf g1 '"127.0.0.2 nosuchdev0:127.0.0.9"'
rc_is "an alias that can't be added (no such device)" 1 vserver g1 start
like "names the address" "$ERR" "can't add address nosuchdev0:127.0.0.9"
nothing_left "failed alias"
conf g1 127.0.0.2
printf '/nonexistent-vsbox-src /mnt none bind\n' >"$VSBOX_CONFDIR/g1.fstab"
rc_is "a mount that fails inside the new context" 1 vserver g1 start
like "names the mount" "$ERR" "can.t bind /nonexistent-vsbox-src on /mnt"
like "and says the start failed there" "$ERR" "g1: the start failed in the new context"
nothing_left "failed mount"
# with fakeinit the guest's INIT is PID 1: the end of the status pipe alone
# could be its exec; a failed setup must never read as a start
FLAGS="lock fakeinit" conf g1 127.0.0.2 'INIT="/bin/sleep 600"'
rc_is "fakeinit: a mount that fails inside" 1 vserver g1 start
like "  says the start failed" "$ERR" "g1: the start failed in the new context"
rc_is "  not running" 1 vserver g1 running
nothing_left "failed mount with fakeinit"
rm "$VSBOX_CONFDIR/g1.fstab"
conf g1 127.0.0.2 'INIT=/www/index.html'
rc_is "an INIT that can't be executed" 1 vserver g1 start
like "says it ended at once" "$ERR" "ended at once"
nothing_left "failed exec"
conf g1 127.0.0.2
# vserver itself killed -9 (by its hook, so at a known point): the next
# start or stop repairs what it left
printf '#!/bin/sh\n[ "$1" = "$KILLAT" ] && kill -9 $PPID\nexit 0\n' >"$VSBOX_CONFDIR/g1.sh"
chmod 755 "$VSBOX_CONFDIR/g1.sh"
export KILLAT=pre-start
rc_is "vserver killed -9 during pre-start" 137 vserver g1 start
export KILLAT=none
rc_is "  the next start repairs and starts" 0 vserver g1 start
is "  and g1 answers" "$(get 127.0.0.2)" "page of g1"
rc_is "  stop" 0 vserver g1 stop
nothing_left "killed in pre-start, started, stopped"
export KILLAT=post-start
rc_is "vserver killed -9 during post-start" 137 vserver g1 start
export KILLAT=none
rc_is "  the guest runs" 0 vserver g1 running
rc_is "  a start says so" 1 vserver g1 start
rc_is "  stop" 0 vserver g1 stop
nothing_left "killed in post-start, stopped"
unset KILLAT
mv "$T_TMP/g1.sh" "$VSBOX_CONFDIR/g1.sh"

# ---- the rc's output; the daemons it leaves; stop without cgroup.kill -------------------
# A SysV rc (rc 3 at start, rc 0 at stop) that talks on stdout and stderr and
# leaves a daemon writing to the rc's stdout, and a forker that ignores TERM.
rc_is "build g3" 0 vserver g3 build --tar "$T_TMP/guest.tgz" -q
mkdir -p "$VSBOX_ROOTDIR/g3/etc/init.d"
cat >"$VSBOX_ROOTDIR/g3/etc/init.d/rc" <<'EOR'
#!/bin/sh
echo "rc $1 of g3 says hello"
echo "rc $1 of g3 warns" >&2
# what Debian's /lib/init/rc does first; stdout a terminal, stdin /dev/null
stty onlcr 0>&1 && echo "rc $1 stty ok"
[ -t 1 ] && echo "rc $1 stdout is a terminal"
[ -t 0 ] || [ "$(cat)" != "" ] || echo "rc $1 stdin is no terminal, at its end"
echo "rc $1 TERM=${TERM:-}"
[ "$1" = 3 ] || exit 0
(trap '' TERM; while :; do echo tick; sleep 0.1; done) &
echo $! >/tmp/ticker.pid
(trap '' TERM; while :; do (trap '' TERM; exec sleep 30) & sleep 0.05; done) >/dev/null 2>&1 &
EOR
chmod 755 "$VSBOX_ROOTDIR/g3/etc/init.d/rc"
printf 'S_HOSTNAME=g3\nS_FLAGS="lock"\nULIMIT="-H -u 30"\nSTOP_TIMEOUT=1\n' >"$VSBOX_CONFDIR/g3.conf"
# the fallback for kernels without cgroup.kill (before 5.14), on this one
export VSBOX_NO_CGROUP_KILL=1
run_rc timeout 20 sh -c 'vserver g3 start | cat'
is "start | cat returns while the rc's daemons hold its output (exit 0)" "$RC" 0
like "start shows the rc's stdout" "$OUT" "^rc 3 of g3 says hello"
like "start shows the rc's stderr" "$ERR" "^rc 3 of g3 warns"
like "and says it started" "$OUT" "g3: started"
like "the rc's stdout is a terminal: stty onlcr 0>&1 works" "$OUT" "^rc 3 stty ok"
like "  a terminal indeed" "$OUT" "^rc 3 stdout is a terminal"
like "  its stdin no terminal, at its end (/dev/null)" "$OUT" "^rc 3 stdin is no terminal, at its end"
like "  TERM=dumb: the output goes to no terminal here" "$OUT" "^rc 3 TERM=dumb"
is "  no error line, no CR" "$(printf '%s\n%s\n' "$OUT" "$ERR" | grep -c "stty:\|$(printf '\r')")" 0
sleep 0.5
# (builtins only: the forker keeps the guest at its process limit, a fork
# of the exec'd shell would fail)
rc_is "the daemon writing to the rc's stdout lives on (no SIGPIPE)" 0 vserver g3 exec sh -c 'read p </tmp/ticker.pid && kill -0 $p'
is "  the guest's spawner (if any) outlived the console's hangup" "$(printf '%s\n' "$ERR" | grep -c 'spawner went away')" 0
X=$(xid_of g3)
FRZ=$(sed -n 's/^cg=\(.*freezer.*\)/\1/p' "$VSBOX_RUNDIR/ctx/$X")
if [ -n "$FRZ" ]; then
	ok "VSBOX_NO_CGROUP_KILL: the guest has a v1 freezer cgroup"
	PIDS=$(cat "$FRZ/cgroup.procs")
	check "the forker runs ($(echo $PIDS | wc -w) processes)" [ "$(echo $PIDS | wc -w)" -ge 5 ]
	if command -v strace >/dev/null; then
		strace -f -qq -o "$T_TMP/stop.trace" -e trace=openat,write vserver g3 stop >"$T_TMP/out" 2>"$T_TMP/err"
		RC=$?; OUT=$(cat "$T_TMP/out"); ERR=$(cat "$T_TMP/err")
	else
		run_rc vserver g3 stop
	fi
	is "stop without cgroup.kill (exit 0)" "$RC" 0
	like "stop shows rc 0's stdout" "$OUT" "^rc 0 of g3 says hello"
	like "stop shows rc 0's stderr" "$ERR" "^rc 0 of g3 warns"
	like "  rc 0's stdout is a terminal too (stty onlcr works)" "$OUT" "^rc 0 stty ok"
	is "  no error line" "$(printf "%s\n" "$ERR" | grep -c stty:)" 0
	if [ -f "$T_TMP/stop.trace" ]; then
		like "stop froze the freezer cgroup, killed, thawed" \
			"$(grep -o 'write([0-9]*, "\(FROZEN\|THAWED\)"' "$T_TMP/stop.trace" | tr '\n' ' ')" \
			'FROZEN.*THAWED'
		is "and never used cgroup.kill" "$(grep -c 'cgroup.kill' "$T_TMP/stop.trace")" 0
	else
		skip "strace missing"; skip "strace missing"
	fi
	# (a zombie is gone: reaping it is its new parent's business)
	left=""; for p in $PIDS; do
		st=$(sed 's/.*) \(.\).*/\1/' "/proc/$p/stat" 2>/dev/null)
		[ -n "$st" ] && [ "$st" != Z ] && left="$left $p:$(cat "/proc/$p/comm")"
	done
	is "no process of the forker is left" "$left" ""
	is "no cgroup of g3 left (freezer included)" "$(t_cgdirs | grep -c "/$VSBOX_CGROUP_BASE/$X\$")" 0
else
	skip "no v1 freezer hierarchy here: the cgroup.kill fallback is not testable"
	vserver g3 stop -q
fi
unset VSBOX_NO_CGROUP_KILL
rc_is "start -q" 0 vserver g3 start -q
is "start -q shows nothing of the rc" "$OUT$ERR" ""
run_rc timeout 20 vserver g3 stop -q
is "stop -q with cgroup.kill: the TERM-proof forker goes too (exit 0)" "$RC$OUT$ERR" 0
is "no context of g3 left after it" "$(records_of g3)" 0

# ---- fakeinit: the guest's own /sbin/init as PID 1 ------------------------------------
rc_is "stop g2 (rc mode)" 0 vserver g2 stop
FLAGS="lock nproc fakeinit" conf g2 127.0.0.3 STOP_TIMEOUT=5
rc_is "start g2 with fakeinit" 0 vserver g2 start
sleep 0.3
is "PID 1 is busybox init" "$(vserver g2 exec cat /proc/1/comm)" init
is "the inittab's rc started httpd" "$(get 127.0.0.3)" "page of g2"
rc_is "stop g2 (STOPSIG to init)" 0 vserver g2 stop
check "nothing left of g2" sh -c "! ip -4 addr show dev lo | grep -q 'inet 127.0.0.3/' && [ -z \"\$(ls '$VSBOX_RUNDIR/ctx')\" ]"

# ---- a hostile guest root: symlinks are never followed out of it -------------------------
mkdir -p "$T_TMP/hostdir"
rm -rf "$VSBOX_ROOTDIR/g2/sys"; ln -s "$T_TMP/hostdir" "$VSBOX_ROOTDIR/g2/sys"
conf g2 127.0.0.3
vserver g2 start >/dev/null 2>&1
vserver g2 stop >/dev/null 2>&1
is "a /sys -> host symlink leads nowhere on the host" "$(ls -A "$T_TMP/hostdir")" ""
done_testing
