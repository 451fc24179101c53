# guests-lib.sh - the set-up of a bench script that runs guests with
# USERNS=yes among them (60-userns.sh, 61-systemd.sh): a private directory
# $T, VSBOX_RUNDIR, VSBOX_CONFDIR and VSBOX_ROOTDIR in it, a cgroup base
# and a user id pool (from USERNS_BASE) of its own, no subordinate id
# files; at exit the guests named in BENCH_GUESTS are stopped and
# everything is removed. Source with BENCH_NAME, BENCH_GUESTS and
# BENCH_USERNS_BASE set.
T=$(mktemp -d "/tmp/vsbox-bench-$BENCH_NAME.XXXXXX")
chmod 755 "$T"
export VSBOX_RUNDIR="$T/run" VSBOX_CGROUP_BASE="vsbox-bench-$BENCH_NAME-$$" VSBOX_CONFDIR="$T/etc" \
	VSBOX_ROOTDIR="$T/vs" VSBOX_SUBUID="$T/none" VSBOX_SUBGID="$T/none"
CGDIRS="$(cd "$(dirname "$0")/.." && pwd)/build/cgbase-dirs.sh"
cleanup() {
	for g in $BENCH_GUESTS; do "$VSBOX" vserver "$g" stop -q >/dev/null 2>&1; done
	rm -rf "$T"
	for d in $(sh "$CGDIRS"); do rmdir "$d" 2>/dev/null; done
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE
mkdir -p "$VSBOX_CONFDIR/.defaults" "$VSBOX_ROOTDIR"
printf 'USERNS_BASE=%s\n' "$BENCH_USERNS_BASE" >"$VSBOX_CONFDIR/.defaults/userns"
