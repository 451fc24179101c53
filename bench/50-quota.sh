#!/bin/sh
# 50-quota.sh - what DISK_LIMIT costs a start (lib/quota.c), on a guest of
# 50,000 files: its first start with the limit (on ext4/XFS the tree gets its
# project id then, once) and its later starts (nothing to do but check),
# against the same guest started without a limit: start+stop cycles of the
# two interleaved, median of 30, the starts' medians compared (target:
# within 5 %). btrfs on a loop image here (qgroups); ext4 and XFS where the
# kernel has project quotas (CONFIG_QFMT_V2, CONFIG_XFS_QUOTA; else a line
# says why not).
set -u
: "${VSBOX:?}" "${BENCH_BIN:?}"
for c in losetup mkfs.btrfs btrfs mkfs.ext4 mkfs.xfs python3 busybox; do
	command -v $c >/dev/null || { echo "# 50-quota: $c missing"; exit 1; }
done
T=$(mktemp -d /tmp/vsbox-bench-quota.XXXXXX)
chmod 755 "$T"
export VSBOX_RUNDIR="$T/run" VSBOX_CGROUP_BASE="vsbox-bench-quota-$$" VSBOX_CONFDIR="$T/etc"
CGDIRS="$(cd "$(dirname "$0")/.." && pwd)/build/cgbase-dirs.sh"
LOOPS=""
cleanup() {
	for c in "$VSBOX_CONFDIR"/*.conf; do
		[ -e "$c" ] && VSBOX_ROOTDIR=$(cat "${c%.conf}.root") "$VSBOX" vserver "$(basename "${c%.conf}")" stop -q >/dev/null 2>&1
	done
	for l in $LOOPS; do umount "${l%%=*}" 2>/dev/null || umount -l "${l%%=*}"; losetup -d "${l#*=}" 2>/dev/null; done
	rm -rf "$T"
	for d in $(sh "$CGDIRS"); do rmdir "$d" 2>/dev/null; done
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE
mkdir -p "$VSBOX_CONFDIR"

# the image: busybox, PID 1 a sleep, and 50,000 small files in 500 directories
mkdir -p "$T/img/bin" "$T/img/etc" "$T/img/proc" "$T/img/sys" "$T/img/dev"
cp "$(command -v busybox)" "$T/img/bin/busybox"
ln -s busybox "$T/img/bin/sleep"
echo 'root:x:0:0:root:/root:/bin/sh' >"$T/img/etc/passwd"
python3 - "$T/img/data" <<'EOF'
import os, sys
for d in range(500):
    p = os.path.join(sys.argv[1], "d%03d" % d)
    os.makedirs(p)
    for f in range(100):
        with open(os.path.join(p, "f%03d" % f), "w") as o:
            o.write("x" * 200)
EOF
NF=$(find "$T/img" | wc -l)

# bench FS: two copies of the image on the mounted FS (MNT), "lim" with
# DISK_LIMIT and "nolim" without; LABELLED=no copies "lim" as a plain tree
# (no project id: its first start labels it)
bench() {
	fs=$1
	export VSBOX_ROOTDIR=$MNT/vs
	mkdir -p "$VSBOX_ROOTDIR"
	for g in lim nolim; do
		if [ "$g" = lim ] && [ "${LABELLED:-yes}" = no ]; then
			cp -a "$T/img" "$VSBOX_ROOTDIR/$g"
		else
			"$VSBOX" vserver $g build -q --template "$T/img" || { echo "# 50-quota: $fs: build failed"; return 1; }
		fi
		echo "$VSBOX_ROOTDIR" >"$VSBOX_CONFDIR/$g.root"
		printf 'S_FLAGS="fakeinit"\nINIT="/bin/sleep 100000"\nSTOPSIG=KILL\nSTOP_TIMEOUT=0\n' >"$VSBOX_CONFDIR/$g.conf"
	done
	echo "DISK_LIMIT=2G" >>"$VSBOX_CONFDIR/lim.conf"
	sync
	t0=$(date +%s%N)
	"$VSBOX" vserver lim start >"$T/first" || { echo "# 50-quota: $fs: first start failed"; return 1; }
	t1=$(date +%s%N)
	"$VSBOX" vserver lim stop -q
	first=$(( (t1 - t0) / 1000 ))
	label=$(sed -n 's/^lim: \(project .* in [0-9.]* s\).*/\1/p' "$T/first")
	# the guest without a limit runs before and after the one with it in
	# every round, so that neither place favours either
	"$BENCH_BIN/timecmd" 30 \
		nolim "$VSBOX" vserver nolim start -q :: "$VSBOX" vserver nolim stop -q -- \
		lim "$VSBOX" vserver lim start -q :: "$VSBOX" vserver lim stop -q -- \
		nolim2 "$VSBOX" vserver nolim start -q :: "$VSBOX" vserver nolim stop -q >"$T/r" ||
		{ echo "# 50-quota: $fs: start/stop failed"; return 1; }
	a=$(awk '$1 == "nolim.1" || $1 == "nolim2.1" { s += $2 } END { printf "%d", s / 2 }' "$T/r")
	b=$(awk '$1 == "lim.1" { print $2 }' "$T/r")
	echo "quota-start-$fs: $b us median with DISK_LIMIT, $a us without ($(awk -v a="$a" -v b="$b" \
		'BEGIN { printf "%+.1f %%", (b - a) * 100 / a }'); target within 5 %; $NF files; medians of 30 rounds of interleaved start+stop cycles, the one without a limit before and after); first start with the limit $first us${label:+ ($label)}"
	"$VSBOX" vserver lim delete --force -q
	"$VSBOX" vserver nolim delete --force -q
	rm -f "$VSBOX_CONFDIR"/*
}
# loopfs NAME SIZE "MKFS..." [MOUNT-OPTIONS]
loopfs() {
	MNT=$T/$1
	truncate -s "$2" "$T/$1.img"
	$3 "$T/$1.img" >/dev/null 2>&1 || return 1
	dev=$(losetup -f --show "$T/$1.img") || return 1
	mkdir -p "$MNT"
	mount ${4:+-o "$4"} "$dev" "$MNT" 2>/dev/null || { losetup -d "$dev"; return 1; }
	LOOPS="$MNT=$dev $LOOPS"
}

if loopfs btrfs 2G "mkfs.btrfs -q" && btrfs quota enable "$MNT"; then
	bench btrfs
else
	echo "# 50-quota: btrfs: can't make a btrfs image with quotas here"
fi
if loopfs ext4 2G "mkfs.ext4 -q -F -I 256 -O quota,project -E quotatype=prjquota" prjquota; then
	LABELLED=no bench ext4
else
	echo "# 50-quota: ext4: no project quotas in this kernel (an ext4 with the quota feature does not mount: CONFIG_QFMT_V2); make kernel-check's kernels have them"
fi
if loopfs xfs 2G "mkfs.xfs -q -f" prjquota; then
	LABELLED=no bench xfs
else
	echo "# 50-quota: xfs: no project quotas in this kernel (XFS does not mount with prjquota: CONFIG_XFS_QUOTA); make kernel-check's kernels have them"
fi
