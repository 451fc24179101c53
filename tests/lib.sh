# lib.sh - TAP helpers for vsbox tests. Source it first thing in a tests/*.t:
#   . "$(dirname "$0")/lib.sh"
# It gives each test its own VSBOX_RUNDIR and a relative VSBOX_CGROUP_BASE
# (under the caller's own cgroup in every hierarchy), and a trap that kills
# what the test started and removes its cgroups, mounts and files, even on
# failure. VSBOX=path tests any build (default: ./vsbox at the top).

set -u
# the top of the tree (tests/ or tests/debian/ hold the scripts)
T_TOP=$(cd "$(dirname "$0")" && while [ ! -f vsbox.h ] && [ "$PWD" != / ]; do cd ..; done; pwd)
VSBOX=${VSBOX:-$T_TOP/vsbox}
T_NAME=$(basename "$0" .t)
# One run of a test file at a time on this machine, whichever checkout it
# comes from: each file uses fixed addresses and ports, and two copies of it
# (a suite here, a single file from another worktree there) would answer
# each other's connections. The file runs again under flock(1), which holds
# the lock and closes it in the script (-o): no guest inherits it. The lock
# files stay in /run/lock (the system's place for them, a tmpfs), never
# where build/leftovers.sh looks for what a run left behind.
if [ -z "${T_LOCKED:-}" ]; then
	T_LOCKED=1 exec flock -o "/run/lock/vsbox-t-$T_NAME.lock" /bin/sh "$0" "$@"
fi
T_TMP=$(mktemp -d "/tmp/vsbox-t-$T_NAME.XXXXXX")
export VSBOX_RUNDIR="$T_TMP/run"
export VSBOX_CGROUP_BASE="vsbox-t-$T_NAME-$$"
# a host's own lxcfs (LXCFS=auto) stays out of the tests' guests, whose
# /proc they read; tests/lxcfs.t runs one of its own
export VSBOX_LXCFS_DIR="$T_TMP/no-lxcfs"
T_N=0
T_FAIL=0
T_CLEANUP=""
T_PIDS=""

# a directory of applet symlinks, first in PATH
mkdir -p "$T_TMP/bin"
"$VSBOX" --install "$T_TMP/bin" || { echo "Bail out! vsbox --install failed"; exit 1; }
PATH="$T_TMP/bin:$PATH"

# time bounds of tests are multiplied by this: an emulated machine (make
# kernel-check under qemu's TCG) sets VSBOX_T_SLOW
T_SLOW=${VSBOX_T_SLOW:-1}

T_PLANNED=""
plan() { echo "1..$1"; T_PLANNED=1; }
ok() { T_N=$((T_N + 1)); echo "ok $T_N - $*"; }
not_ok() { T_N=$((T_N + 1)); T_FAIL=$((T_FAIL + 1)); echo "not ok $T_N - $*"; }
skip() { T_N=$((T_N + 1)); echo "ok $T_N # SKIP $*"; }
diag() { printf '%s\n' "$@" | sed 's/^/# /'; }
bail() { echo "Bail out! $*"; exit 1; }

# check DESC CMD...: ok when CMD succeeds
check() { d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
# is DESC GOT WANT
is() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1"; diag "got:  '$2'" "want: '$3'"; fi
}
# like DESC GOT REGEX (grep -E)
like() {
	if printf '%s\n' "$2" | grep -qE -- "$3"; then ok "$1"; else not_ok "$1"; diag "got:  '$2'" "want /$3/"; fi
}
# run_rc CMD...: run, capture stdout in $OUT, stderr in $ERR, status in $RC
run_rc() {
	"$@" >"$T_TMP/out" 2>"$T_TMP/err"
	RC=$?
	OUT=$(cat "$T_TMP/out")
	ERR=$(cat "$T_TMP/err")
}
# rc_is DESC WANT CMD...: CMD exits WANT; if not, what it said on stderr
# (its first lines) is a diagnostic, so that a failure in CI tells why
rc_is() {
	d=$1; w=$2; shift 2; run_rc "$@"
	is "$d (exit $w)" "$RC" "$w"
	[ "$RC" = "$w" ] || [ -z "$ERR" ] || diag "its stderr:" "$(printf '%s\n' "$ERR" | head -n 8)"
}

# Guests get private IPv6 loopbacks PREFIX::XID (lib/lback6.c); suites run
# side by side number their contexts alike, so each test has a prefix of its
# own (in fd00:7673:1::/48), its pid in it
export VSBOX_LBACK6="${VSBOX_LBACK6:-fd00:7673:1:f:$(printf '%x:%x' $(($$ >> 16)) $(($$ & 0xffff)))::/96}"

# The errno of a refusal by the IP lock: a bind to an address not of the
# tree (EB), a connect or datagram of a family it has no address of (EN),
# one to another guest's private IPv6 loopback (EC). Programs set them
# with bpf_set_retval (Linux 5.18+); before, all are EPERM.
t_kernel_ge() { printf '%s\n%s\n' "$1" "$(uname -r | sed 's/[^0-9.].*//')" | sort -V -C; }
if t_kernel_ge 5.18; then EB=EADDRNOTAVAIL EN=ENETUNREACH EC=ECONNREFUSED; else EB=EPERM EN=EPERM EC=EPERM; fi

on_cleanup() { T_CLEANUP="$*; $T_CLEANUP"; }
track_pid() { T_PIDS="$T_PIDS $*"; }
# t_new_ctx CMD...: CMD starts a context (chcontext ..., maybe behind a
# wrapper) and leaves it running; prints the context's xid
t_new_ctx() {
	"$@" 2>"$T_TMP/ctxmsg" >/dev/null </dev/null
	sed -n 's/^New security context is \([0-9]*\)$/\1/p' "$T_TMP/ctxmsg"
}
# t_ctx_ab [B_CMD]: two contexts for the admin views - A runs sleep 3001 and
# sleep 3011 and is named "web" in its record (this test's own, as vserver
# start would name it), B runs the shell command B_CMD (default: sleep 3002
# in the background). Sets A, B, PA (sleep 3001) and PB (sleep 3002, if any).
t_ctx_ab() {
	A=$(t_new_ctx chcontext sh -c 'sleep 3001 & sleep 3011 &')
	B=$(t_new_ctx chcontext sh -c "${1:-sleep 3002 &}")
	[ -n "$A" ] && [ -n "$B" ] || bail "could not create the contexts"
	sed -i 's/^name=$/name=web/' "$VSBOX_RUNDIR/ctx/$A"
	PA=$(t_pid_of "sleep 3001"); PB=$(t_pid_of "sleep 3002")
}
# t_pid_of "CMD ARG...": the pid of the process with exactly that command line
t_pid_of() {
	for d in /proc/[0-9]*; do
		[ "$(tr '\0' ' ' 2>/dev/null <"$d/cmdline")" = "$1 " ] && { echo "${d#/proc/}"; return; }
	done
}

# t_wait_exe PID PROG: wait (5 s at most) until PID runs PROG, i.e. a
# wrapper started in the background has made its exec
t_wait_exe() {
	i=0 want=$(readlink -f "$(command -v "$2")")
	while [ "$(readlink "/proc/$1/exe")" != "$want" ] && [ $i -lt 500 ]; do
		sleep 0.01; i=$((i + 1))
	done
}

# every cgroup directory of this test, deepest first
t_cgdirs() { sh "$T_TOP/build/cgbase-dirs.sh"; }

t_cleanup() {
	set +e
	kill "$T_WATCHDOG" 2>/dev/null
	eval "$T_CLEANUP"
	for p in $T_PIDS; do kill -9 "$p" 2>/dev/null; done
	# anything still in our cgroups is ours: kill it, then remove them
	for d in $(t_cgdirs); do
		[ -f "$d/cgroup.kill" ] && echo 1 > "$d/cgroup.kill" 2>/dev/null
		for p in $(cat "$d/cgroup.procs" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
	done
	for d in $(t_cgdirs); do
		for i in 1 2 3 4 5 6 7 8 9 10; do rmdir "$d" 2>/dev/null && break; sleep 0.1; done
	done
	# private IPv6 loopbacks of the test's prefix that a killed chbind or
	# guest left on lo (their owners' cleanup never ran)
	case "${VSBOX_LBACK6:-}" in *::/*)
		for a in $(ip -6 -o addr show dev lo 2>/dev/null | awk '{ print $4 }' | grep -F "${VSBOX_LBACK6%%::/*}:"); do
			ip -6 addr del "$a" dev lo 2>/dev/null
		done;;
	esac
	grep -F "$T_TMP" /proc/self/mountinfo | awk '{print $5}' | sort -r | while read -r m; do umount -l "$m"; done
	rm -rf "$T_TMP"
}
trap t_cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE

# A watchdog: a test still running after T_TIMEOUT seconds (default 900)
# says so, and its processes are killed (the test's shell last), so its
# cleanup runs and prove goes on instead of hanging CI until its limit.
T_TIMEOUT=${T_TIMEOUT:-900}
sh -c '
	sleep "$2" & s=$!
	trap "kill \$s 2>/dev/null; exit 0" TERM
	wait $s || exit 0
	echo "Bail out! $3: still running after $2 s; killing it"
	# the test (its TERM trap runs once what it waits for is gone), then
	# every descendant of it but this watchdog
	kill -TERM "$1"
	ps -e -o pid=,ppid= | awk -v r="$1" -v me=$$ "{ p[\$1] = \$2 }
		END { for (c in p) { x = c; while ((x in p) && x != r && x != me && x > 1) x = p[x]
			if (x == r && c != r) print c } }" | xargs -r kill -9 2>/dev/null' t-watchdog $$ "$T_TIMEOUT" "$T_NAME" &
T_WATCHDOG=$!

done_testing() {
	[ -n "$T_PLANNED" ] || echo "1..$T_N"
	[ "$T_FAIL" -eq 0 ]
	exit $?
}

# is_root: tests that need root skip themselves otherwise
need_root() { [ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root"; exit 0; }; }
# a list of network devices (one a line) without the kernel's fallback
# tunnel devices (sit0, tunl0, ...: down, no address), which it puts in
# every new network namespace where their code is loaded or built in
no_fb_tunnels() { grep -vxE '(sit|tunl|ip6tnl|gre|gretap|erspan|ip_vti|ip6_vti|ip6gre|ip6gretap|ip6erspan)0' || true; }

# a guest's init (host pid) from "CMD... status --json", CMD... being how
# its vserver is reached (e.g. "vserver g1", or through nsenter)
t_init_pid() { "$@" status --json | tr ',' '\n' | sed -n 's/.*"init_pid": *\([0-9]*\).*/\1/p'; }

# the pid in cgroup directory DIR whose command line is CMDLINE (its words,
# each followed by a space), if any
t_pid_in() {  # DIR CMDLINE
	for _p in $(cat "$1/cgroup.procs"); do
		[ "$(tr '\0' ' ' <"/proc/$_p/cmdline" 2>/dev/null)" = "$2" ] && { echo "$_p"; return 0; }
	done
	return 1
}

# cgroup directory of this test's context XID in the v2 hierarchy
t_v2dir() {
	m=$(sh "$T_TOP/build/cgmounts.sh" | awk '$1 == "cgroup2" { print $2; exit }')
	own=$(sed -n 's/^0:://p' /proc/self/cgroup); [ "$own" = / ] && own=""
	echo "$m$own/$VSBOX_CGROUP_BASE${1:+/$1}"
}
