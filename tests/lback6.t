#!/bin/sh
# lback6.t - every locked guest's private IPv6 loopback (lib/lback6.c):
# two busybox guests with one IPv4 address each (IPROOT 127.0.1.50 and
# 127.0.1.51 on lo), their ::1, the other's, the host's; the prefix from
# VSBOX_LBACK6 (fd00:7673:1:PID-bits::/80: ours alone). Ports 18750-18759.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/hardening-lib.sh"
ip -6 addr show dev lo | grep -q 'inet6 ::1/' || { skip "no IPv6 on lo"; done_testing; exit 0; }

S="python3 $T_TOP/tests/data/chbind-sock.py"
PFX=fd00:7673:1:$(printf %x $(($$ & 0xffff)))
export VSBOX_LBACK6=$PFX::/80
GUESTS="l6a l6b"
on_cleanup 'for g in $GUESTS; do vserver $g stop -q >/dev/null 2>&1; done; ip addr del 127.0.1.50/32 dev lo 2>/dev/null; ip addr del 127.0.1.51/32 dev lo 2>/dev/null'
wait_file() { i=0; while [ ! -e "$1" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done; [ -e "$1" ]; }
bg() { "$@" >/dev/null 2>&1 & track_pid $!; }

# each guest serves httpd on [::]:18750 and [::1]:18751 (busybox httpd -p)
DAEMON='mkdir -p /www; echo "$(hostname)" >/www/index.html; httpd -p [::1]:18751 -h /www; httpd -p 18750 -h /www'
hguest l6a "IPROOT=127.0.1.50" "IPROOTDEV=lo"
hguest l6b "IPROOT=127.0.1.51" "IPROOTDEV=lo"
rc_is "start l6a (IPROOT 127.0.1.50 only)" 0 vserver l6a start
if grep -q "can't be enforced" "$T_TMP/err"; then
	skip "the IP lock is not available here"; done_testing; exit 0
fi
rc_is "start l6b (IPROOT 127.0.1.51 only)" 0 vserver l6b start
XA=$(xid_of l6a) XB=$(xid_of l6b)
A6=$PFX::$(printf %x "$XA") B6=$PFX::$(printf %x "$XB")
[ "$XA" -lt 65536 ] && [ "$XB" -lt 65536 ] || bail "xids too large for this test's spelling"
check "l6a's private loopback $A6 is on lo" sh -c "ip -6 addr show dev lo | grep -q 'inet6 $A6/128'"
check "l6b's $B6 too" sh -c "ip -6 addr show dev lo | grep -q 'inet6 $B6/128'"
like "status shows it" "$(vserver l6a status)" "lback6: +$A6 "
like "  among the addresses" "$(vserver l6a status | grep addresses)" "127.0.1.50 $A6( |$)"

# --- inside: ::1 is the guest's own -------------------------------------------------------
is "l6a: bind(::1) lands on its private loopback" "$(vserver l6a exec hprobe bindname:::1,18752)" "bindname=$A6"
is "l6b: the same port, its own" "$(vserver l6b exec hprobe bindname:::1,18752)" "bindname=$B6"
is "l6a: bind to l6b's private loopback: $EB" "$(vserver l6a exec hprobe bindname:$B6,18752)" "bindname=$EB"
is "l6a: bind(::) still gets ::ffff:127.0.1.50 (IPv4 only: dual-stack)" "$(vserver l6a exec hprobe bindname:::,18752)" "bindname=::ffff:127.0.1.50"
is "l6a: bind(::) with IPV6_V6ONLY lands on its private loopback" "$(vserver l6a exec hprobe bindname:::,18752,v6only)" "bindname=$A6"
is "l6b: the same, its own (no conflict)" "$(vserver l6b exec hprobe bindname:::,18752,v6only)" "bindname=$B6"
is "l6a: connect to ::1 reaches its own [::1] httpd" "$(vserver l6a exec wget -q -O - 'http://[::1]:18751/')" l6a
is "l6b: so does l6b's" "$(vserver l6b exec wget -q -O - 'http://[::1]:18751/')" l6b
is "l6a: reaches its own private address by name too" "$(vserver l6a exec wget -q -O - "http://[$A6]:18751/")" l6a
is "l6a: l6b's private loopback refused ($EC)" "$(vserver l6a exec hprobe connect:$B6,18751)" connect=$EC
is "l6a: an IPv6 datagram to l6b's refused" "$(vserver l6a exec hprobe usend:$B6,18753,::)" usend=$EC
is "l6a: other IPv6 destinations unreachable ($EN)" "$(vserver l6a exec hprobe connect:fd00:7673:1::99,18751)" connect=$EN

# --- the host -------------------------------------------------------------------------------
rm -f "$T_TMP/r6"
bg $S serve ::1 18754 HOST6 "$T_TMP/r6" 60
wait_file "$T_TMP/r6"
is "control: the host reaches its ::1-only service" "$($S ask ::1 18754)" "HOST6 ::1 local=::1"
is "l6a can't: ::1 is its own (ECONNREFUSED)" "$(vserver l6a exec hprobe connect:::1,18754)" connect=ECONNREFUSED
is "the host reaches l6a's [::1] service on its private address" "$(wget -q -O - "http://[$A6]:18751/")" l6a
is "and l6b's" "$(wget -q -O - "http://[$B6]:18751/")" l6b
is "each guest's IPv4 httpd answers from the host (l6a)" "$(wget -q -O - http://127.0.1.50:18750/)" l6a
is "  (l6b)" "$(wget -q -O - http://127.0.1.51:18750/)" l6b

# --- stop, crash repair, configuration -----------------------------------------------------
rc_is "stop l6b" 0 vserver l6b stop -q
check "  its private loopback is gone from lo" sh -c "! ip -6 addr show dev lo | grep -q 'inet6 $B6/'"
kill -9 "$(sed -n 's/^pid=//p' "$VSBOX_RUNDIR/ctx/$XA")"
sleep 0.5
rc_is "l6a after kill -9 of its init: stop repairs" 0 vserver l6a stop -q
check "  its private loopback is gone too" sh -c "! ip -6 addr show dev lo | grep -q 'inet6 $A6/'"
# a start killed while its rc runs: guests/NAME lists what it added, one
# line each, and the next stop removes exactly those
printf '#!/bin/sh\nsleep 60\n' >"$VSBOX_ROOTDIR/l6b/etc/rc"
vserver l6b start -q >/dev/null 2>&1 & SP=$!
track_pid $SP
i=0
while [ "$(grep -c '^addr=' "$VSBOX_RUNDIR/guests/l6b" 2>/dev/null)" != 2 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
RUNF=$(tr '\n' ' ' <"$VSBOX_RUNDIR/guests/l6b" 2>/dev/null)
like "a start whose rc runs lists its alias and private loopback in guests/l6b" "$RUNF" \
	"^addr=lo:127\\.0\\.1\\.51/32 addr=lo:$PFX::[0-9a-f]+/128 \$"
L6=$(printf '%s\n' "$RUNF" | sed -n "s/.*addr=lo:\($PFX::[0-9a-f]*\)\/128.*/\1/p")
kill -9 $SP
wait $SP 2>/dev/null
rc_is "after a kill -9 of that start, stop repairs" 0 vserver l6b stop -q
check "  the alias is gone" sh -c "! ip -4 addr show dev lo | grep -q 'inet 127.0.1.51/'"
check "  and the private loopback ${L6:-?}" sh -c "[ -n '$L6' ] && ! ip -6 addr show dev lo | grep -q 'inet6 $L6/'"
check "  and the run file" [ ! -e "$VSBOX_RUNDIR/guests/l6b" ]
VSBOX_LBACK6=none vserver l6a start -q
check "VSBOX_LBACK6=none: no private loopback" sh -c "! ip -6 addr show dev lo | grep -q 'inet6 $PFX:'"
is "  and ::1 is unreachable as before (ENETUNREACH)" "$(vserver l6a exec hprobe connect:::1,18751)" connect=$EN
vserver l6a stop -q
rc_is "a bad VSBOX_LBACK6 refuses the start" 1 env VSBOX_LBACK6=fd00::/120 vserver l6a start
like "  naming it" "$ERR" "VSBOX_LBACK6 'fd00::/120': the prefix length must be 8 to 96"
mkdir -p "$VSBOX_CONFDIR/.defaults"
echo "fd00::1/64 # ours" >"$VSBOX_CONFDIR/.defaults/lback6"
rc_is "a bad .defaults/lback6 too" 1 env -u VSBOX_LBACK6 vserver l6a start
like "  naming file and line" "$ERR" "\.defaults/lback6:1: .fd00::1/64.: the last 32 bits of the prefix must be zero"
echo "$PFX:1::/96" >"$VSBOX_CONFDIR/.defaults/lback6"
rc_is "the prefix from .defaults/lback6" 0 env -u VSBOX_LBACK6 vserver l6a start -q
XA=$(xid_of l6a)
check "  gives $PFX:1::XID" sh -c "ip -6 addr show dev lo | grep -q 'inet6 $PFX:1::$(printf %x "$XA")/128'"
vserver l6a stop -q
# the next start gets the lowest free xid again: its address taken already
ip -6 addr add "$PFX:1::$(printf %x "$XA")/128" dev lo
rc_is "a private loopback assigned already: the start fails (never shared)" 1 env -u VSBOX_LBACK6 vserver l6a start
like "  saying so" "$ERR" "its private IPv6 loopback $PFX:1::$(printf %x "$XA") is assigned already"
ip -6 addr del "$PFX:1::$(printf %x "$XA")/128" dev lo
is "  and nothing is left running" "$(vserver l6a status)" "l6a: stopped"
done_testing
