#!/bin/sh
# chcontext-box.t - chcontext as an ordinary user (uid 61xxx, made up by
# setpriv: no passwd entry, no setuid bit on vsbox): the personal security
# box. Only its own processes, no write outside its binds, no network, no
# signal to the user's other processes, no privilege from setuid programs,
# its exit status; --map-root, --tmp-home, --root, options refused to root.
. "$(dirname "$0")/lib.sh"
need_root
BU=$((61000 + $$ % 1000))
chmod 755 "$T_TMP" "$T_TMP/bin"
mkdir -p "$T_TMP/home" "$T_TMP/rw" "$T_TMP/ro" "$T_TMP/root/proc" "$T_TMP/root/bin"
chown "$BU:$BU" "$T_TMP/home" "$T_TMP/rw" "$T_TMP/ro"
as_user() { setpriv --reuid "$BU" --regid "$BU" --clear-groups --inh-caps=-all env HOME="$T_TMP/home" "$@"; }
box() { as_user chcontext "$@"; }
command -v busybox >/dev/null || bail "busybox (busybox-static) is needed"

rc_is "a user runs a command in a box" 0 box true
is "as itself (default)" "$(box id -u):$(box id -g)" "$BU:$BU"
is "or as root inside (--map-root)" "$(box --map-root id -u)" 0
rc_is "its exit status comes back" 7 box sh -c 'exit 7'
rc_is "and a signal's" 137 box sh -c 'kill -9 $$'
# (the shell's own glob: a pipeline's two sides may or may not both be
# running when one of them reads /proc)
is "it sees only its own processes (init, sh)" "$(box sh -c 'set -- /proc/[0-9]*; echo $#')" 2
# (setpriv itself, not a subshell: $! is the sleep once it execs)
setpriv --reuid "$BU" --regid "$BU" --clear-groups --inh-caps=-all sleep 3601 &
SL=$!
track_pid "$SL"
t_wait_exe "$SL" sleep
run_rc box kill -9 "$SL"
check "it can't signal the user's other processes" [ "$RC" != 0 ]
check "which live on" kill -0 "$SL"
kill "$SL"

# ---- files ---------------------------------------------------------------------
run_rc box touch "$T_TMP/home/x"
is "the host's root is read-only, the user's own files too" "$RC" 1
like "  (read-only)" "$ERR" "Read-only file system"
rc_is "--bind: writable" 0 box --bind "$T_TMP/rw" "$T_TMP/rw" touch "$T_TMP/rw/x"
check "  the file is on the host" test -f "$T_TMP/rw/x"
rc_is "--ro-bind: not" 1 box --ro-bind "$T_TMP/ro" "$T_TMP/ro" touch "$T_TMP/ro/x"
run_rc box --tmp-home sh -c 'echo a >/tmp/f && echo b >"$HOME/f" && cat /tmp/f "$HOME/f"'
is "--tmp-home: /tmp and HOME are its own" "$RC:$OUT" "0:a
b"
check "  and go with it" test ! -e "$T_TMP/home/f"
cp "$(command -v busybox)" "$T_TMP/root/bin/busybox"
ln -s busybox "$T_TMP/root/bin/sh"
is "--root DIR" "$(box --root "$T_TMP/root" /bin/busybox ls /bin | tr '\n' ' ')" "busybox sh "
rc_is "a bind source that is not there" 1 box --bind "$T_TMP/none" /mnt true
like "  one line" "$ERR" "^chcontext: can't bind $T_TMP/none: No such file or directory$"

# ---- network ---------------------------------------------------------------------
is "--net loopback (default): only lo" "$(box sh -c 'tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "' | no_fb_tunnels)" lo
busybox httpd -f -p 127.0.0.1:18655 -h "$T_TMP/ro" &
NC=$!
track_pid "$NC"
sleep 0.2
check "control: the host's httpd answers on 127.0.0.1" sh -c 'echo | busybox nc -w 1 127.0.0.1 18655'
rc_is "the host's loopback services are out of reach" 1 box busybox nc -w 1 127.0.0.1 18655 </dev/null
kill "$NC" 2>/dev/null
rc_is "its own loopback works" 0 box sh -c 'busybox nc -l -p 18655 >/dev/null & sleep 0.2; echo hi | busybox nc -w 1 127.0.0.1 18655'
run_rc box --net none sh -c 'echo hi | busybox nc -w 1 127.0.0.1 18655'
check "--net none: not even lo" [ "$RC" != 0 ]

# ---- privilege ---------------------------------------------------------------------
gcc -O -o "$T_TMP/bin/euid" -x c - <<'EOF' || bail "can't build the setuid probe"
#include <stdio.h>
#include <unistd.h>
int main(void) { printf("%d\n", (int)geteuid()); return 0; }
EOF
chmod 4755 "$T_TMP/bin/euid"
is "control: a setuid root program makes the user root on the host" "$(as_user "$T_TMP/bin/euid")" 0
is "in the box it gives nothing" "$(box "$T_TMP/bin/euid")" "$BU"
is "no_new_privs" "$(box grep NoNewPrivs /proc/self/status | tr -d '\t ')" "NoNewPrivs:1"
is "no capability as itself" "$(box grep CapEff /proc/self/status | tr -d '\t ')" "CapEff:0000000000000000"
run_rc box --map-root unshare -U true
check "no new namespaces inside (lock)" [ "$RC" != 0 ]
run_rc box --map-root mount -t tmpfs x /mnt
check "root inside can't mount: the guest filter" [ "$RC" != 0 ]
is "vsbox has no setuid bit nor file capability" "$(stat -c %a "$(readlink -f "$VSBOX")")$(getcap "$(readlink -f "$VSBOX")" 2>/dev/null)" 755

# ---- root ---------------------------------------------------------------------------
rc_is "root: the box's options are refused" 2 chcontext --tmp-home true
like "  saying for whom they are" "$ERR" "are for ordinary users"
rc_is "--net bogus" 2 box --net bogus true
rc_is "--bind with one path" 2 box --bind /tmp
done_testing
