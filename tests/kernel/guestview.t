#!/bin/sh
# guestview.t - kernel/patches 0004 (vsbox views), as a hostile guest root
# tries it on the shared network stack: two busybox guests, g1 (IPROOT
# 127.0.21.2 on lo) and g2 (127.0.21.3 on lo and 127.0.21.9 on vgv21a, a
# veth of ours), each with a TCP listener and a unix socket in its rc, and
# the host with its own. Inside g1 (its rc, vserver exec through the
# spawner) and g2 (S_CAPS SYS_PTRACE: no spawner, the other way in): only
# its own sockets in /proc/net/tcp, netstat, sock_diag and /proc/net/unix;
# only lo and its own devices in rtnetlink, /proc/net/dev and SIOCGIFCONF;
# only its own addresses (and 127.0.0.1, ::1); mountinfo's root field
# and /proc/mounts name no host directory. The guest can't remove its view
# (EPERM). The host still sees everything. Skips on a kernel without the
# patch (the prctl answers EINVAL), unless VSBOX_KERNEL_PATCHED=1 and the
# kernel's series (kernel/patches/MAJOR.MINOR) has it.
# Addresses 127.0.21.0/24, fd00:7673:21::/48; ports 2101-2109.
. "$(dirname "$0")/../lib.sh"
need_root
command -v gcc >/dev/null || bail "gcc is needed (for the static probe)"
gcc -static -O -o "$T_TMP/gvprobe" "$T_TOP/tests/data/gvprobe.c" || bail "can't build tests/data/gvprobe.c"
P=$T_TMP/gvprobe
if [ "$("$P" view)" = view=EINVAL ]; then
	# a patched kernel whose series has the patch must have it
	[ "${VSBOX_KERNEL_PATCHED:-}" = 1 ] && grep -q '^0004-' "$T_TOP/kernel/patches/$(uname -r | cut -d. -f1,2)/series" 2>/dev/null &&
		{ echo "not ok 1 - a patched kernel without guest views"; echo 1..1; exit 1; }
	echo "1..0 # SKIP no guest views in this kernel (kernel/patches 0004)"; exit 0
fi
. "$T_TOP/tests/hardening-lib.sh"
is "vsbox --check-kernel says yes" "$("$VSBOX" --check-kernel | grep -c '^guest views  *yes ')" 1
export VSBOX_LBACK6=fd00:7673:21:$(printf %x $(($$ & 0xffff)))::/80

GUESTS="g1 g2"
on_cleanup 'for g in $GUESTS; do vserver $g stop -q >/dev/null 2>&1; done; ip link del vgv21a 2>/dev/null
	for a in 127.0.21.2 127.0.21.3; do ip addr del $a/32 dev lo 2>/dev/null; done'
ip link add vgv21a type veth peer name vgv21b || bail "can't make a veth pair"
# each rc: a TCP listener on its address, a unix socket, its view as its
# rc's processes have it
rc_of() { echo "gvprobe listen $1 $2 100000 >/dev/null & gvprobe ulisten /tmp/gv-$3.sock 100000 >/dev/null &"
	  echo "gvprobe view >/tmp/rcview; sleep 100000 &"; }
DAEMON=$(rc_of 127.0.21.2 2102 g1) hguest g1 "IPROOT=127.0.21.2" "IPROOTDEV=lo"
DAEMON=$(rc_of 127.0.21.3 2103 g2) hguest g2 'IPROOT="127.0.21.3 vgv21a:127.0.21.9"' "IPROOTDEV=lo" 'S_CAPS="SYS_PTRACE"'
for g in $GUESTS; do cp "$P" "$VSBOX_ROOTDIR/$g/bin/gvprobe"; done
"$P" listen 127.0.21.1 2101 100000 >/dev/null & track_pid $!
"$P" ulisten "$T_TMP/gv-host.sock" 100000 >/dev/null & track_pid $!
rc_is "start g1" 0 vserver g1 start
rc_is "start g2" 0 vserver g2 start
i=0; while [ $i -lt 50 ] && ! { [ -e "$VSBOX_ROOTDIR/g1/tmp/gv-g1.sock" ] && [ -e "$VSBOX_ROOTDIR/g2/tmp/gv-g2.sock" ] &&
	[ -s "$VSBOX_ROOTDIR/g2/tmp/rcview" ]; }; do sleep 0.1; i=$((i + 1)); done

# /proc/net/tcp spells 127.0.21.N:PORT as 0N15007F:PORT in hex
tcp() { printf '%02X15007F:%04X' "$1" "$2"; }
ports() { grep -oE ':0835 |:0836 |:0837 ' | sort | tr -d ' \n'; }
H=$(cat /proc/net/tcp)
is "the host's /proc/net/tcp has all three listeners" "$(printf '%s\n' "$H" | ports)" ":0835:0836:0837"
is "  the host has no view" "$("$P" view)" view=0

for g in g1 g2; do
	n=${g#g}; own=$((n + 1)) port=$((2101 + n))
	X="vserver $g exec"
	is "$g: its rc is under the view (net and mounts)" "$(cat "$VSBOX_ROOTDIR/$g/tmp/rcview")" view=3
	is "$g: vserver exec too" "$($X gvprobe view)" view=3
	is "$g: /proc/net/tcp shows its own listener alone" "$($X cat /proc/net/tcp | ports)" ":$(printf %04X $port)"
	like "  as 127.0.21.$own:$port" "$($X cat /proc/net/tcp)" "$(tcp $own $port)"
	is "$g: netstat -ltn likewise" "$($X netstat -ltn | grep -oE '127\.0\.21\.[0-9]+:210[0-9]' | tr '\n' ' ')" "127.0.21.$own:$port "
	is "$g: sock_diag (ss) likewise" "$($X gvprobe diag 4 | tr '\n' ' ')" "127.0.21.$own:$port "
	is "$g: sock_diag IPv6: none of the host's" "$($X gvprobe diag 6)" ""
	U=$($X cat /proc/net/unix)
	like "$g: /proc/net/unix shows its own socket" "$U" "/tmp/gv-$g\.sock$"
	is "  not the host's nor the other guest's" "$(printf '%s\n' "$U" | grep -cE 'gv-host|gv-g[12]' )" 1
	is "$g: the unview attempt: EPERM" "$($X gvprobe unview)" unview=EPERM
	is "  and the view stays" "$($X gvprobe view)" view=3
done

# ---- interfaces and addresses ----------------------------------------------
is "host: rtnetlink lists both veth ends" "$("$P" links | grep -c '^vgv21[ab]$')" 2
is "g1: rtnetlink lists lo alone" "$(vserver g1 exec gvprobe links | tr '\n' ' ')" "lo "
is "g2: lo and vgv21a (it has an address there)" "$(vserver g2 exec gvprobe links | tr '\n' ' ')" "lo vgv21a "
is "g1: ip link (busybox) likewise" "$(vserver g1 exec ip -o link | sed 's/^[0-9]*: \([^:@]*\).*/\1/' | tr '\n' ' ')" "lo "
is "g1: /proc/net/dev likewise" "$(vserver g1 exec cat /proc/net/dev | sed -n 's/^ *\([^ :]*\):.*/\1/p' | tr '\n' ' ')" "lo "
is "g2: /proc/net/dev likewise" "$(vserver g2 exec cat /proc/net/dev | sed -n 's/^ *\([^ :]*\):.*/\1/p' | tr '\n' ' ')" "lo vgv21a "
is "g1: a hidden device by name: ENODEV" "$(vserver g1 exec gvprobe getlink vgv21a)" getlink=ENODEV
is "  the host finds it" "$("$P" getlink vgv21a)" getlink=OK
A1=$(vserver g1 exec gvprobe addrs | grep -v : | sort | tr '\n' ' ')
is "g1: IPv4 addresses: 127.0.0.1 and its own" "$A1" "127.0.0.1 127.0.21.2 "
is "g2: 127.0.0.1 and its own two" "$(vserver g2 exec gvprobe addrs | grep -v : | sort | tr '\n' ' ')" "127.0.0.1 127.0.21.3 127.0.21.9 "
like "host: all of them" "$("$P" addrs | sort | tr '\n' ' ')" "127\.0\.21\.2 127\.0\.21\.3 127\.0\.21\.9 "
X6=$(vserver g1 exec gvprobe addrs | grep : | sort | tr '\n' ' ')
B6=$(vserver g2 exec gvprobe addrs | grep "^${VSBOX_LBACK6%%::/*}:")
like "g1: IPv6: ::1 and its private loopback only" "$X6" "^(::1 )?${VSBOX_LBACK6%%::/*}:[0-9a-f:]+ (::1 )?$"
case "$X6" in *"$B6"*) not_ok "  not g2's ($B6)";; *) ok "  not g2's ($B6)";; esac
is "g1: /proc/net/if_inet6 as many" "$(vserver g1 exec cat /proc/net/if_inet6 | wc -l)" "$(echo $X6 | wc -w)"
is "g1: SIOCGIFCONF" "$(vserver g1 exec gvprobe ifconf | sort | tr '\n' ' ')" "lo 127.0.0.1 lo 127.0.21.2 "
is "g1: ip addr (busybox) names no other address" "$(vserver g1 exec ip -4 -o addr | grep -oE 'inet [0-9.]+' | sort | tr '\n' ' ')" "inet 127.0.0.1 inet 127.0.21.2 "

# ---- mounts --------------------------------------------------------------------
M=$(vserver g1 exec cat /proc/self/mountinfo)
VS=$(basename "$T_TMP")/vs/
is "g1: mountinfo names no host directory" "$(printf '%s\n' "$M" | grep -cF "$VS")" 0
is "  its root's line: root / on /" "$(printf '%s\n' "$M" | awk '$5 == "/" { print $4 }')" /
is "g1: /proc/mounts neither" "$(vserver g1 exec cat /proc/mounts | grep -cF "$VS")" 0
PID=$(t_init_pid vserver g1)
like "the host reading g1's mountinfo sees the host directory" "$(cat "/proc/$PID/mountinfo")" \
	"^[0-9]+ [0-9]+ [0-9:]+ [^ ]*${VS}g1 / "
done_testing
