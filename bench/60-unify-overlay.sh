#!/bin/sh
# 60-unify-overlay.sh - what vunify --method overlay saves (lib/uovl.c):
# ten Debian minbase guests (with sysv-rc and nginx-light: the Debian
# tier's cached debootstrap; else a plain minbase running busybox httpd)
# on an ext4 loop image.
# Disk: used before and after vunify --method overlay ALL (df, and a full
# copy's du), vunify's time, vdu's figures; target: each guest beyond the
# first <= 5 % of a full copy (given with apt's caches, and again once
# they are removed in every guest and vunify has run again, which sweeps
# the stubs they hid and frees their store files).
# Memory: the ten guests each running the daemon, first as plain
# directories, then unified; before each run the image's page cache is
# emptied (bench/pcache.c drop), then the page cache of the image's files
# after the first guest is up and after all ten (bench/pcache.c count), and
# the memory charged to the ten guests' memory cgroups; target: the shared
# files resident once (a guest beyond the first adds only its own).
# Time: start+stop of the overlay guest vs the same root as a plain
# directory, paired interleaved rounds (bench/timecmd.c), and the first
# start after a host boot, which mounts the overlay; target <= +1 ms.
# Addresses 127.0.10.1-10, .21 and .22 on lo, and private IPv6 loopbacks
# of a prefix of the run's own, for the time of a run.
set -u
: "${VSBOX:?}" "${BENCH_BIN:?}"
N=10
for c in losetup mkfs.ext4 curl; do
	command -v $c >/dev/null || { echo "# 60-unify-overlay: skipped: $c missing"; exit 0; }
done
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null
. "$(dirname "$0")/debian-lib.sh"
TB=$DEB_CACHE/debian-$SUITE-nginx.tar.gz DAEMON=nginx
if ! deb_cached "$TB" --include=sysv-rc,nginx-light; then
	TB=$DEB_CACHE/debian-$SUITE-minbase.tar.gz DAEMON=httpd
	command -v busybox >/dev/null && deb_cached "$TB" ||
		{ echo "# 60-unify-overlay: skipped: no debootstrap of $SUITE (debootstrap, network?) or no busybox"; exit 0; }
fi
gcc -O2 -o "$BENCH_BIN/pcache" "$(dirname "$0")/pcache.c" || { echo "# 60-unify-overlay: can't build pcache"; exit 1; }
T=$(mktemp -d /tmp/vsbox-bench-uovl.XXXXXX)
chmod 755 "$T"
export VSBOX_RUNDIR="$T/run" VSBOX_CONFDIR="$T/etc" VSBOX_CGROUP_BASE="vsbox-bench-uovl-$$"
# the guests' private IPv6 loopbacks: a prefix of this run's own
export VSBOX_LBACK6="fd00:7673:2:f:$(printf '%x:%x' $(($$ >> 16)) $(($$ & 0xffff)))::/96"
CGDIRS="$(cd "$(dirname "$0")/.." && pwd)/build/cgbase-dirs.sh"
MNT=$T/mnt LOOP=""
export VSBOX_ROOTDIR=$MNT/vs
cleanup() {
	for c in "$VSBOX_CONFDIR"/*.conf; do
		[ -f "$c" ] && "$VSBOX" vserver "$(basename "$c" .conf)" stop -q >/dev/null 2>&1
	done
	for m in $(awk -v d="$MNT/" '$3 == "overlay" && index($2, d) == 1 { print $2 }' /proc/mounts); do
		umount "$m" 2>/dev/null || umount -l "$m"
	done
	[ -n "$LOOP" ] && { umount "$MNT" 2>/dev/null || umount -l "$MNT"; losetup -d "$LOOP"; }
	rm -rf "$T"
	for d in $(sh "$CGDIRS"); do rmdir "$d" 2>/dev/null; done
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE
fail() { echo "# 60-unify-overlay: $*"; exit 1; }
mkdir -p "$VSBOX_CONFDIR" "$MNT"
truncate -s 6G "$T/img"
mkfs.ext4 -q -F "$T/img" >/dev/null 2>&1 || fail "mkfs.ext4 failed"
LOOP=$(losetup -f --show "$T/img") && mount "$LOOP" "$MNT" || fail "can't mount the image"
mkdir -p "$VSBOX_ROOTDIR"
used() { sync; df -B1 --output=used "$MNT" | tail -1 | tr -d ' '; }
E=$(used)       # an empty filesystem's own (journal, tables)

# ten guests, each running the daemon on its own address
for i in $(seq 1 $N); do
	g=deb$i ip=127.0.10.$i
	"$VSBOX" vserver $g build -q --tar "$TB" || fail "build $g failed"
	# S_MEMORY: a memory cgroup of its own (on a host whose memory
	# controller is cgroup v1's, a guest has one only with a limit)
	printf 'S_HOSTNAME=%s\nIPROOT=%s\nIPROOTDEV=lo\nS_MEMORY=1G\n' $g $ip >"$VSBOX_CONFDIR/$g.conf"
	if [ $DAEMON = nginx ]; then    # the guest's rc 3 starts it
		echo 'STOP_TIMEOUT=20' >>"$VSBOX_CONFDIR/$g.conf"
	else
		mkdir -p "$VSBOX_ROOTDIR/$g/usr/local/bin" "$VSBOX_ROOTDIR/$g/srv/www"
		cp "$(command -v busybox)" "$VSBOX_ROOTDIR/$g/usr/local/bin/busybox"
		echo 'Welcome to busybox httpd' >"$VSBOX_ROOTDIR/$g/srv/www/index.html"
		printf 'S_FLAGS="fakeinit"\nINIT="/usr/local/bin/busybox httpd -f -p %s:80 -h /srv/www"\nSTOPSIG=KILL\nSTOP_TIMEOUT=0\n' \
			$ip >>"$VSBOX_CONFDIR/$g.conf"
	fi
done
# up: the daemon answers on 127.0.10.$1
up() {
	for t in $(seq 1 100); do
		curl -s --max-time 2 "http://127.0.10.$1/" | grep -q Welcome && return 0
		sleep 0.2
	done
	return 1
}
# memory of the running guests: their memory cgroups' usage, and the page
# cache part of it, summed: "USAGE FILE"
charged() {
	u=0 c=0
	for rec in "$VSBOX_RUNDIR"/ctx/*[0-9]; do
		for d in $(sed -n 's/^cg=//p' "$rec"); do
			f=$d/memory.current; [ -f "$f" ] || f=$d/memory.usage_in_bytes
			[ -f "$f" ] || continue
			u=$((u + $(cat "$f")))
			c=$((c + $(awk '$1 == "file" || $1 == "cache" { print $2; exit }' "$d/memory.stat")))
		done
	done
	echo $u $c
}
pc() { "$BENCH_BIN/pcache" count "$MNT" | cut -d' ' -f1; }
# run KIND: the ten guests from an empty page cache; sets KIND_1 (page
# cache with one guest up), KIND_N (all), KIND_M (memory charged to all)
run() {
	sync; "$BENCH_BIN/pcache" drop "$MNT"
	"$VSBOX" vserver deb1 start -q && up 1 || fail "$1: deb1 did not come up"
	eval "${1}_1=$(pc)"
	for i in $(seq 2 $N); do "$VSBOX" vserver deb$i start -q || fail "$1: deb$i did not start"; done
	for i in $(seq 2 $N); do up $i || fail "$1: deb$i's $DAEMON does not answer"; done
	sleep 1
	set -- "$1" $(charged)
	eval "${1}_N=$(pc) ${1}_M=$2 ${1}_C=$3"
	for i in $(seq 1 $N); do "$VSBOX" vserver deb$i stop -q || fail "$1: deb$i did not stop"; done
}
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f %%", 100 * a / b }'; }

ONE=$(du -sx -B1 "$VSBOX_ROOTDIR/deb1" | cut -f1)
U0=$(used)
run plain
t0=$(date +%s.%N)
"$VSBOX" vunify --method overlay ALL >"$T/out1" 2>&1 || fail "vunify failed: $(tail -1 "$T/out1")"
t1=$(date +%s.%N)
"$VSBOX" vunify --method overlay ALL >"$T/out2" 2>&1 || fail "vunify rerun failed: $(tail -1 "$T/out2")"
t2=$(date +%s.%N)
U1=$(used)
run ovl
"$VSBOX" vdu --bytes --total ALL >"$T/vdu" 2>&1
OWN=$(awk '$1 == "deb2" { print $4 }' "$T/vdu") TOT=$(awk '$1 == "TOTAL" { print $2 }' "$T/vdu")
guest_cost() { echo $(( ($1 - E - $2) / (N - 1) )); }   # used, one guest

echo "60-unify-overlay: $N Debian $SUITE minbase guests ($([ $DAEMON = nginx ] && echo "with sysv-rc and nginx-light" || echo "and busybox httpd")) on ext4: one guest's files $(mib "$ONE")"
echo "60-unify-overlay: disk used before vunify --method overlay ALL $(mib $((U0 - E))), after $(mib $((U1 - E))) ($(pct $((U1 - E)) $((U0 - E)))) (df, less the empty filesystem's own)"
echo "60-unify-overlay: vunify first run $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f s", b - a }'): $(sed -n 's/^vunify: \([0-9]* files shared, [^,]* saved\).*/\1/p' "$T/out1"); rerun $(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.2f s", b - a }'): $(sed -n 's/^vunify: \([0-9]* files shared\).*, \([0-9]* files scanned\).*/\1, \2/p' "$T/out2")"
echo "60-unify-overlay: each guest beyond the first costs $(pct "$(guest_cost "$U1" "$ONE")" "$ONE") of a full copy on disk ((used after - one guest) / 9; target <= 5 %)"
[ -n "$OWN" ] && echo "60-unify-overlay: vdu: deb2's own $(mib "$OWN") = $(pct "$OWN" "$ONE") of a full copy; all ten together $(mib "$TOT")"
echo "60-unify-overlay: page cache of the image's files, $DAEMON in one guest / in ten: plain $(mib "$plain_1") / $(mib "$plain_N"), overlay $(mib "$ovl_1") / $(mib "$ovl_N")"
echo "60-unify-overlay: each guest beyond the first adds $(mib $(( (ovl_N - ovl_1) / (N - 1) ))) of page cache unified, $(mib $(( (plain_N - plain_1) / (N - 1) ))) plain (target: the shared files resident once)"
if [ "$plain_M" -gt 0 ]; then
	echo "60-unify-overlay: memory charged to the ten guests' memory cgroups: plain $(mib "$plain_M") (page cache $(mib "$plain_C")), overlay $(mib "$ovl_M") (page cache $(mib "$ovl_C")): $(pct "$ovl_M" "$plain_M")"
else
	echo "# 60-unify-overlay: no memory cgroup figures (no memory controller for the guests)"
fi

# apt's caches removed in every guest (through the overlays: whiteouts
# over their stubs), then vunify again: the stubs swept, their store
# files gone
nocache() { rm -rf "$1/var/lib/apt/lists/"* "$1/var/cache/apt/"*.bin "$1/var/cache/apt/archives/"*.deb; }
for i in $(seq 1 $N); do nocache "$VSBOX_ROOTDIR/deb$i"; done
"$VSBOX" vunify --method overlay ALL >"$T/out3" 2>&1 || fail "vunify after the caches' removal failed: $(tail -1 "$T/out3")"
U2=$(used)
"$VSBOX" vdu --bytes ALL >"$T/vdu2" 2>&1
# the same root as a plain directory, for the size of a full copy, and
# for the time comparison below
mkdir "$VSBOX_ROOTDIR/plain" && tar -C "$VSBOX_ROOTDIR/plain" --numeric-owner -xzf "$TB" || fail "can't unpack $TB"
[ $DAEMON = httpd ] && cp -a "$VSBOX_ROOTDIR/deb1/usr/local" "$VSBOX_ROOTDIR/deb1/srv" "$VSBOX_ROOTDIR/plain/"
nocache "$VSBOX_ROOTDIR/plain"
ONE2=$(du -sx -B1 "$VSBOX_ROOTDIR/plain" | cut -f1)
OWN2=$(awk '$1 == "deb2" { print $4 }' "$T/vdu2")
# what deb2's own costs, by kind: the bytes of what find "$@" lists,
# each inode once
bytes() { find "$@" -printf '%i %b\n' 2>/dev/null | awk '!seen[$1]++ { s += $2 * 512 } END { print s + 0 }'; }
L=$VSBOX_ROOTDIR/.ovl/deb2
up=$(bytes "$L/upper") var=$(bytes "$L/upper/var" "$L/upper/etc")
updirs=$(bytes "$L/upper" -path "$L/upper/var" -prune -o -path "$L/upper/etc" -prune -o -type d)
upfiles=$(bytes "$L/upper" -path "$L/upper/var" -prune -o -path "$L/upper/etc" -prune -o ! -type d)
lodirs=$(bytes "$L/lower" -type d)
echo "60-unify-overlay: without apt's caches: a full copy $(mib "$ONE2")$([ -n "$OWN2" ] && echo ", deb2's own $(mib "$OWN2") = $(pct "$OWN2" "$ONE2") (vdu)"); each guest beyond the first $(pct "$(guest_cost "$U2" "$ONE2")" "$ONE2") of a full copy on disk (target <= 5 %)"
echo "60-unify-overlay: deb2's own by kind: upper layer $(mib "$up"): /var and /etc $(mib "$var"), the rest's directories $(mib "$updirs") and files $(mib "$upfiles"); lower layer's directories $(mib "$lodirs") (its stubs' xattr blocks are shared with the other guests' by ext4; bench/62-unify-overlay.sh says what is paid once)"

# start+stop: deb1 (overlay) against plain, the same files, as a bare
# guest (the system's sleep as its PID 1, no rc)
for g in deb1 plain; do
	printf 'S_HOSTNAME=%s\nIPROOT=127.0.10.%s\nIPROOTDEV=lo\nS_FLAGS="fakeinit"\nINIT="/bin/sleep 100000"\nSTOPSIG=KILL\nSTOP_TIMEOUT=0\n' \
		$g $([ $g = deb1 ] && echo 22 || echo 21) >"$VSBOX_CONFDIR/$g.conf"
done
# Two runs of paired rounds, plain first then overlay first: what the
# order costs (the one before's stop still settling) cancels out in the
# mean of the two paired medians; a third for the start that mounts
ROUNDS=${VSBOX_BENCH_ROUNDS:-201}
V=$VSBOX
"$BENCH_BIN/timecmd" "$ROUNDS" plain "$V" vserver plain start -q :: "$V" vserver plain stop -q -- \
	ovl "$V" vserver deb1 start -q :: "$V" vserver deb1 stop -q >"$T/r" &&
	"$BENCH_BIN/timecmd" "$ROUNDS" ovl "$V" vserver deb1 start -q :: "$V" vserver deb1 stop -q -- \
	plain "$V" vserver plain start -q :: "$V" vserver plain stop -q >"$T/r2" &&
	"$BENCH_BIN/timecmd" "$ROUNDS" plain "$V" vserver plain start -q :: "$V" vserver plain stop -q -- \
	boot umount "$VSBOX_ROOTDIR/deb1" :: "$V" vserver deb1 start -q :: "$V" vserver deb1 stop -q >"$T/r3" ||
	fail "start/stop failed"
med() { awk -v k="$1" '$1 == k { print $2 }' "${2:-$T/r}"; }
echo "60-unify-overlay: start+stop of an overlay guest $(med ovl) us median, the same guest as a plain directory $(med plain) us; paired: $(awk -v a="$(med ovl-plain)" -v b="$(med plain-ovl "$T/r2")" 'BEGIN { printf "%+.2f ms (%+.2f ms plain first, %+.2f ms overlay first)", (a - b) / 2000, a / 1000, -b / 1000 }') over 2 x $ROUNDS interleaved rounds (target <= +1 ms)"
echo "60-unify-overlay: the first start after a host boot (mounts the overlay): start $(med boot.2 "$T/r3") us median against $(med ovl.1) us mounted, $(med plain.1 "$T/r3") us plain ($(awk -v a="$(med boot.2 "$T/r3")" -v b="$(med plain.1 "$T/r3")" 'BEGIN { printf "%+.2f ms", (a - b) / 1000 }'))"
