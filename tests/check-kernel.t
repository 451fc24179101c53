#!/bin/sh
# vsbox --check-kernel: every feature row is there, and its answers agree
# with the kernel, found out here another way (shell and python, not the C
# probes). Right on an unpatched kernel (this host: the patched features say
# "no") and inside the kernel tier (tests/kernel/, patched: "yes").
. "$(dirname "$0")/lib.sh"
need_root

D=$T_TMP/scratch
mkdir -p "$D"
run_rc "$VSBOX" --check-kernel "$D"
is "--check-kernel exits 0" "$RC" 0
rows=$(printf '%s\n' "$OUT" | grep -cE '^[a-zA-Z].* (yes|no|unknown) ')
is "24 feature rows, each yes, no or unknown" "$rows" 24
state() { printf '%s\n' "$OUT" | sed -n "s#^$1  *\\(yes\\|no\\|unknown\\) .*#\\1#p"; }

for ns in pid:pid mnt:mount uts:uts ipc:ipc cgroup:cgroup net:network user:user time:time; do
	want=no; [ -e "/proc/self/ns/${ns%%:*}" ] && want=yes
	is "${ns#*:} namespace: $want" "$(state "${ns#*:} namespace")" "$want"
done
want=no; grep -q '	overlay$' /proc/filesystems && want=yes
is "overlayfs: $want" "$(state overlayfs)" "$want"
# data-only lower layers with metacopy (vunify --method overlay), tried
# by mount(8): a stub in the lower layer whose data is in the data layer
O=$T_TMP/ovl
mkdir -p "$O/l" "$O/d" "$O/u" "$O/w" "$O/m"
printf vsbox >"$O/d/x"; printf '' >"$O/l/x"; truncate -s 5 "$O/l/x"
want=no
if setfattr -n trusted.overlay.metacopy "$O/l/x" 2>/dev/null && setfattr -n trusted.overlay.redirect -v /x "$O/l/x" &&
   mount -t overlay vsbox-t -o "lowerdir=$O/l::$O/d,upperdir=$O/u,workdir=$O/w,metacopy=on,redirect_dir=on" "$O/m" 2>/dev/null; then
	[ "$(cat "$O/m/x")" = vsbox ] && want=yes
	umount "$O/m"
fi
is "overlayfs data-only layers: $want, as mount(8) finds" "$(state "overlayfs data-only layers")" "$want"

# The iunlink bit, set on a scratch file by python's ioctl: EOPNOTSUPP
# (or EINVAL) on a kernel or filesystem without the patch
if command -v python3 >/dev/null; then
	want=$(python3 - "$D/f" <<'EOF'
import fcntl, struct, sys, errno
f = open(sys.argv[1], "w")
fl = struct.unpack("i", fcntl.ioctl(f, 0x80086601, b"\0" * 8)[:4])[0]
try:
    fcntl.ioctl(f, 0x40086602, struct.pack("i", fl | 0x08000000) + b"\0" * 4)
    print("yes")
    fcntl.ioctl(f, 0x40086602, struct.pack("i", fl) + b"\0" * 4)
except OSError as e:
    print("unknown" if e.errno == errno.EPERM else "no")
EOF
)
	rm -f "$D/f"
	is "immutable linkage invert: $want, as the ioctl says" "$(state "immutable linkage invert")" "$want"
	[ "$want" = no ] && is "no iunlink, no copy-on-write link breaking" \
		"$(state "copy-on-write link breaking")" no
	[ "$want" = no ] || skip "copy-on-write link breaking: tests/kernel/cow.t checks it"
else
	skip "no python3 to set the iunlink bit independently"
	skip "no python3"
fi
is "the probes leave nothing in DIR" "$(ls -A "$D")" ""

# Memory-honest meminfo: a shell in a 64 MiB memory cgroup enters a new
# cgroup namespace and reads MemTotal from /proc/meminfo
mem=$(awk '$1 == "cgroup" && $3 ~ /(^|,)memory(,|$)/ { print $2; exit }
	   $1 == "cgroup2" { v2 = $2 } END { }' <<EOF
$(sh "$T_TOP/build/cgmounts.sh")
EOF
)
if [ -n "$mem" ]; then
	own=$(sed -n 's/^[0-9]*:memory:\(.*\)/\1/p' /proc/self/cgroup)
	lim=memory.limit_in_bytes
else
	mem=$(sh "$T_TOP/build/cgmounts.sh" | awk '$1 == "cgroup2" { print $2; exit }')
	own=$(sed -n 's/^0:://p' /proc/self/cgroup)
	lim=memory.max
fi
cg=$mem$own/vsbox-t-ck-meminfo-$$
if mkdir "$cg" 2>/dev/null && echo 67108864 > "$cg/$lim" 2>/dev/null; then
	on_cleanup "rmdir '$cg'"
	total=$(sh -c "echo \$\$ > '$cg/cgroup.procs' && exec unshare -C cat /proc/meminfo" |
		awk '/^MemTotal:/ { print $2 }')
	want=no; [ "$total" = 65536 ] && want=yes
	is "memory-honest meminfo: $want (MemTotal ${total} kB in 64 MiB)" \
		"$(state "memory-honest meminfo/sysinfo")" "$want"
else
	rmdir "$cg" 2>/dev/null
	skip "no memory cgroup of our own to limit here"
fi

# Guest views (kernel/patches 0004): prctl(PR_GET_VSBOX_VIEW) by python's
# ctypes, EINVAL on a kernel without them
if command -v python3 >/dev/null; then
	want=$(python3 -c 'import ctypes; print("no" if ctypes.CDLL(None, use_errno=True).prctl(0x76737602, 0, 0, 0, 0) < 0 else "yes")')
	is "guest views: $want, as the prctl says" "$(state "guest views")" "$want"
else
	skip "no python3 to ask the prctl independently"
fi

rc_is "two DIRs are a usage error" 2 "$VSBOX" --check-kernel "$D" "$D"
run_rc "$VSBOX" --check-kernel "$T_TMP/none"
like "a missing DIR: iunlink unknown, says why" \
	"$(printf '%s\n' "$OUT" | grep -A1 '^immutable linkage invert')" "unknown.*|can't open .*none"
done_testing
