#!/bin/sh
# 60-unify-link.sh - what vunify --method link saves (lib/ulink.c), on disk
# and in memory. Runs inside the kernel tier only (make bench-kernel: the
# cached patched kernel under qemu, bench/kernel-run.sh), where ext4 has the
# immutable linkage invert; elsewhere it skips. Ten Debian bookworm minbase
# guests from the cached debootstrap (put in the run's tree as
# build/cache/) on the tier's scratch ext4 disk (VSBOX_KT_EXT4); disk used
# (df) before and after vunify --method link ALL, vunify's time (first run
# and a rerun), vdu's figures, each guest beyond the first as a share of a
# full copy, with and without apt's caches (as bench/60-unify.sh does).
# Memory: the ten guests each run the same daemon from their own root
# (perl-base's perl with six modules, sleeping: the binary, its XS modules
# and libc mapped), started after the page cache was dropped, not unified
# then unified: the growth of the page cache (Cached) and of Mapped, the
# guests' cgroups (memory.current) and the perls' Pss. Prints TAP (each
# step an ok line, so the tier can tell a broken run) and the result lines
# "60-unify-link: ...", which bench/kernel-run.sh collects.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
VSBOX=${VSBOX:-$TOP/vsbox}
TB=${BENCH_TB:-$TOP/build/cache/debian-bookworm-minbase.tar.gz}
N=${BENCH_N:-10}
n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
fail() { n=$((n + 1)); echo "not ok $n - $*"; echo "1..$n"; exit 1; }
[ -s "$TB" ] || { echo "1..0 # SKIP no $TB (bench/kernel-run.sh puts the cached debootstrap there)"; exit 0; }
[ -b "${VSBOX_KT_EXT4:-}" ] || { echo "1..0 # SKIP no scratch ext4 disk (VSBOX_KT_EXT4): the kernel tier only"; exit 0; }
SLOW=${VSBOX_T_SLOW:-1}
T=$(mktemp -d /tmp/vsbox-bench-link.XXXXXX)
chmod 755 "$T"
export VSBOX_RUNDIR="$T/run" VSBOX_CONFDIR="$T/etc" VSBOX_CGROUP_BASE=vsbox-bench
MNT=$T/mnt
own=$(sed -n 's/^0:://p' /proc/self/cgroup)
CG=$(sh "$TOP/build/cgmounts.sh" | awk '$1 == "cgroup2" { print $2; exit }')${own%/}/$VSBOX_CGROUP_BASE
cleanup() {
	for i in $(seq 1 $N); do "$VSBOX" vserver deb$i stop -q >/dev/null 2>&1; done
	umount "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE
mkdir -p "$VSBOX_CONFDIR" "$MNT"
# (project quotas as the tier's disk has them; a plain ext4 where the
# kernel can't mount that)
mkfs.ext4 -q -F -O quota,project "$VSBOX_KT_EXT4" >"$T/mkfs.log" 2>&1 || fail "mkfs.ext4 $VSBOX_KT_EXT4: $(cat "$T/mkfs.log")"
mount "$VSBOX_KT_EXT4" "$MNT" 2>/dev/null || { mkfs.ext4 -q -F "$VSBOX_KT_EXT4" >"$T/mkfs.log" 2>&1 && mount "$VSBOX_KT_EXT4" "$MNT"; } ||
	fail "mkfs.ext4 and mount $VSBOX_KT_EXT4: $(cat "$T/mkfs.log")"
export VSBOX_ROOTDIR=$MNT/vs
mkdir -p "$VSBOX_ROOTDIR"
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f s", b - a }'; }
used() { sync; df -B1 --output=used "$MNT" | awk 'NR == 2 { print $1 }'; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) printf "n/a"; else printf "%.1f %%", 100 * a / b }'; }
E=$(used)

# the daemon: perl from perl-base, its modules loaded, asleep
DAEMON='/usr/bin/perl -MPOSIX -MSocket -MIO::Handle -MList::Util -MFcntl -MGetopt::Long -e "sleep 1 while 1"'
t0=$(now)
for i in $(seq 1 $N); do
	"$VSBOX" vserver deb$i build -q --tar "$TB" >"$T/build.log" 2>&1 || fail "vserver deb$i build: $(tail -1 "$T/build.log")"
	{ echo "S_HOSTNAME=deb$i"; echo 'S_FLAGS="fakeinit"'; echo "INIT='$DAEMON'"
	  echo "STOPSIG=KILL"; echo "STOP_TIMEOUT=0"; } >"$VSBOX_CONFDIR/deb$i.conf"
done
t1=$(now)
ok "$N guests built with vserver build --tar ($(secs "$t0" "$t1"))"
ONE=$(du -s -B1 "$VSBOX_ROOTDIR/deb1" | cut -f1)
U0=$(($(used) - E))
echo "60-unify-link: $N Debian bookworm minbase guests on ext4 (kernel $(uname -r)): one guest's files $(mib "$ONE")"

# meminfo FIELD: its value in bytes
meminfo() { awk -v f="$1:" '$1 == f { print $2 * 1024 }' /proc/meminfo; }
# perls: the pids of the guests' daemons (in the guests' cgroups)
perls() {
	for p in $(find "$CG" -name cgroup.procs -exec cat {} + 2>/dev/null); do
		[ "$(readlink "/proc/$p/exe" 2>/dev/null)" = /usr/bin/perl ] && echo "$p"
	done
}
# mem LABEL: start the ten guests on a cold page cache, measure, stop them
mem() {
	sync; echo 3 >/proc/sys/vm/drop_caches; sleep 1
	c0=$(meminfo Cached) m0=$(meminfo Mapped) f0=$(meminfo MemFree)
	for i in $(seq 1 $N); do
		"$VSBOX" vserver deb$i start -q >"$T/start.log" 2>&1 || fail "vserver deb$i start ($1): $(tail -1 "$T/start.log")"
	done
	w=0
	while [ "$(perls | wc -l)" -lt $N ] && [ $w -lt $((60 * SLOW)) ]; do sleep 1; w=$((w + 1)); done
	[ "$(perls | wc -l)" = $N ] || fail "$N perls running ($1): $(perls | wc -l)"
	sleep $((3 * SLOW))   # (the modules loaded: they sleep)
	c1=$(meminfo Cached) m1=$(meminfo Mapped) f1=$(meminfo MemFree)
	cg=$(cat "$CG/memory.current" 2>/dev/null || echo 0)   # (0: no memory controller in v2)
	pss=$(for p in $(perls); do awk '$1 == "Pss:" { print $2 * 1024 }' "/proc/$p/smaps_rollup"; done | awk '{ s += $1 } END { print s }')
	rss=$(for p in $(perls); do awk '$1 == "Rss:" { print $2 * 1024 }' "/proc/$p/smaps_rollup"; done | awk '{ s += $1 } END { print s }')
	for i in $(seq 1 $N); do "$VSBOX" vserver deb$i stop -q >/dev/null 2>&1; done
	ok "$1: $N guests running perl, measured, stopped"
	echo "60-unify-link: memory, $N guests each running perl (perl-base, 6 modules, asleep), $1: page cache +$(mib $((c1 - c0))), Mapped +$(mib $((m1 - m0))), MemFree -$(mib $((f0 - f1))); the guests' cgroups $(mib "$cg") (memory.current); the perls' Pss $(mib "$pss") (Rss $(mib "$rss"))"
	eval "MEM_$2=\$((c1 - c0)) CG_$2=\$cg PSS_$2=\$pss"
}
mem "not unified" 0

t0=$(now)
"$VSBOX" vunify --method link ALL >"$T/out1" 2>&1 || fail "vunify --method link ALL: $(tail -1 "$T/out1")"
t1=$(now)
"$VSBOX" vunify --method link ALL >"$T/out2" 2>&1 || fail "vunify --method link ALL, rerun: $(tail -1 "$T/out2")"
t2=$(now)
ok "vunify --method link ALL, and a rerun"
U1=$(($(used) - E))
"$VSBOX" vdu --bytes --total ALL >"$T/vdu" || fail "vdu --total ALL"
OWN=$(awk '$1 == "deb2" { print $4 }' "$T/vdu")
TOT=$(awk '$1 == "TOTAL" { print $2 }' "$T/vdu")
ok "vdu --bytes --total ALL"
echo "60-unify-link: disk used before vunify --method link ALL $(mib "$U0"), after $(mib "$U1") ($(pct "$U1" "$U0")) (df, less the empty filesystem's)"
echo "60-unify-link: vunify --method link ALL first run $(secs "$t0" "$t1"): $(sed -n 's/^vunify: \([0-9]* files shared, [^,]* saved\).*/\1/p' "$T/out1")"
echo "60-unify-link: vunify --method link ALL rerun $(secs "$t1" "$t2"): $(sed -n 's/^vunify: [0-9]* files shared, [^,]* saved, \([0-9]* already shared\).*/\1/p' "$T/out2")"
echo "60-unify-link: vdu: deb2's own $(mib "$OWN") = $(pct "$OWN" "$ONE") of a full copy (target <= 5 %); all $N together $(mib "$TOT")"
echo "60-unify-link: each guest beyond the first costs $(pct "$(((U1 - ONE) / (N - 1)))" "$ONE") of a full copy on disk ((used after - one guest) / $((N - 1)))"

mem "unified (--method link)" 1
echo "60-unify-link: memory, unified vs not: page cache growth $(pct "$MEM_1" "$MEM_0"), the guests' cgroups $(pct "$CG_1" "$CG_0"), the perls' Pss $(pct "$PSS_1" "$PSS_0")"

# apt's caches removed in every guest
for i in $(seq 1 $N); do
	rm -rf "$VSBOX_ROOTDIR/deb$i/var/lib/apt/lists/"* "$VSBOX_ROOTDIR/deb$i/var/cache/apt/"*.bin \
		"$VSBOX_ROOTDIR/deb$i/var/cache/apt/archives/"*.deb
done
ONE2=$(du -s -B1 "$VSBOX_ROOTDIR/deb1" | cut -f1)
U2=$(($(used) - E))
"$VSBOX" vdu --bytes --total ALL >"$T/vdu2" || fail "vdu --total ALL without apt's caches"
OWN2=$(awk '$1 == "deb2" { print $4 }' "$T/vdu2")
ok "apt's caches removed, measured again"
echo "60-unify-link: without apt's caches (lists, pkgcache): a full copy $(mib "$ONE2"), deb2's own $(mib "$OWN2") = $(pct "$OWN2" "$ONE2") (vdu); each guest beyond the first $(pct "$(((U2 - ONE2) / (N - 1)))" "$ONE2") of the disk used (df)"
umount "$MNT" || fail "umount"
e2fsck -fn "$VSBOX_KT_EXT4" >"$T/fsck.log" 2>&1 || fail "e2fsck -fn: $(tail -3 "$T/fsck.log")"
ok "e2fsck -fn clean afterwards"
echo "1..$n"
