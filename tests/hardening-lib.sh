# hardening-lib.sh - shared by tests/hardening*.t: a busybox guest image,
# the static probe tests/data/hprobe.c, and hguest to build a guest from
# them. Source after lib.sh (it sources guest-lib.sh itself).
. "$T_TOP/tests/guest-lib.sh"
command -v gcc >/dev/null || bail "gcc is needed (for the static probe)"
mkimage "$T_TMP/img" "$T_TMP/guest.tgz"
gcc -static -O -o "$T_TMP/hprobe" "$T_TOP/tests/data/hprobe.c" || bail "can't build tests/data/hprobe.c"
HPROBE=$T_TMP/hprobe

# VSBOX_T_USERNS=1 (tests/userns-hardening*.t): every guest with USERNS=yes,
# the same attacks against root in a user namespace of its own; T_USERNS
# is then "yes" (else empty) where an expectation differs
T_USERNS=""
[ -n "${VSBOX_T_USERNS:-}" ] && T_USERNS=yes && diag "every guest with USERNS=yes"
# VSBOX_T_STRICT=1 (tests/strict-hardening*.t): every guest with every
# optional protection this kernel offers as well: USERNS=yes (T_USERNS),
# UNIX_SCOPE=yes (Landlock ABI 6; T_SCOPE is then "yes") and S_CPUSET (its
# last CPU); T_STRICT is "yes"
T_STRICT="" T_SCOPE="" T_STRICT_CONF=""
if [ -n "${VSBOX_T_STRICT:-}" ]; then
	T_STRICT=yes T_USERNS=yes
	T_STRICT_CONF="S_CPUSET=$(awk '/^Cpus_allowed_list/ { print $2 }' /proc/self/status | tr ',' '\n' | tail -1 | sed 's/.*-//')"
	if [ "$("$HPROBE" landlock | sed 's/^landlock=//')" -ge 6 ]; then
		T_SCOPE=yes T_STRICT_CONF="$T_STRICT_CONF UNIX_SCOPE=yes"
	fi
	diag "every guest with USERNS=yes $T_STRICT_CONF"
fi

# hguest NAME [conf lines...]: build NAME from the image with the probe in
# /bin, S_HOSTNAME=NAME, S_FLAGS=$FLAGS (default nproc), ULIMIT -u 60,
# S_MEMORY=64M and the given lines (and USERNS=yes with T_USERNS, the
# strict lines with T_STRICT); its
# /etc/rc runs $DAEMON (default: a sleep)
hguest() {
	n=$1; shift
	vserver "$n" build -q --tar "$T_TMP/guest.tgz" || bail "can't build $n"
	{ echo "S_HOSTNAME=$n"; echo "S_FLAGS=\"${FLAGS:-nproc}\""; echo 'ULIMIT="-H -u 60"'; echo "S_MEMORY=64M"
	  for l in "$@"; do echo "$l"; done; [ -n "$T_USERNS" ] && echo "USERNS=yes"
	  for l in $T_STRICT_CONF; do echo "$l"; done; } >"$VSBOX_CONFDIR/$n.conf"
	printf '#!/bin/sh\n%s\n' "${DAEMON:-sleep 100000 &}" >"$VSBOX_ROOTDIR/$n/etc/rc"
	cp "$HPROBE" "$VSBOX_ROOTDIR/$n/bin/hprobe"
}
# probe_of NAME OUTPUT: the result of probe NAME in hprobe's OUTPUT
probe_of() { printf '%s\n' "$2" | sed -n "s/^$1=//p"; }
# xid_of NAME: the context of a running guest
xid_of() { vserver "$1" status | sed -n 's/^  context: *\([0-9]*\).*/\1/p'; }
# cg_of XID CONTROLLER-FILE: the directory of a context's cgroup that has it
cg_of() {
	for d in $(sed -n 's/^cg=//p' "$VSBOX_RUNDIR/ctx/$1"); do
		[ -e "$d/$2" ] && { echo "$d"; return; }
	done
}
