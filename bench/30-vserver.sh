#!/bin/sh
# 30-vserver.sh - a whole busybox guest: start (fakeinit, one IP on lo, the
# IP lock, cgroups, mounts, pivot_root) -> its PID 1 runs -> stop, against
# bare /bin/true (median of 20, interleaved); then 100 guests started one
# after another (total time) and the memory an idle one costs (its memory
# cgroup, with only its own PID 1 running).
set -u
: "${VSBOX:?}" "${BENCH_BIN:?}"
command -v busybox >/dev/null || { echo "# 30-vserver: busybox missing"; exit 1; }
T=$(mktemp -d /tmp/vsbox-bench-vs.XXXXXX)
chmod 755 "$T"
export VSBOX_RUNDIR="$T/run" VSBOX_CGROUP_BASE="vsbox-bench-vs-$$"
export VSBOX_CONFDIR="$T/etc" VSBOX_ROOTDIR="$T/vs"
N=100
cleanup() {
	"$VSBOX" vservers -j 16 stop >/dev/null 2>&1
	rm -rf "$T"
	for m in $(awk '{ for (i = 7; i <= NF; i++) if ($i == "-") { if ($(i + 1) ~ /^cgroup2?$/) print $5; break } }' /proc/self/mountinfo); do
		for p in $(cut -d: -f3- /proc/self/cgroup | sort -u); do
			[ "$p" = / ] && p=""
			rmdir "$m$p/$VSBOX_CGROUP_BASE" 2>/dev/null
		done
	done
}
trap cleanup EXIT
mkdir -p "$T/img/bin" "$T/img/etc" "$VSBOX_CONFDIR" "$VSBOX_ROOTDIR"
cp "$(command -v busybox)" "$T/img/bin/busybox"
ln -s busybox "$T/img/bin/sleep"
ln -s busybox "$T/img/bin/sh"
echo 'root:x:0:0:root:/root:/bin/sh' >"$T/img/etc/passwd"

# guest NAME IP: a root of hard links to the image, PID 1 a sleeper
guest() {
	cp -al "$T/img" "$VSBOX_ROOTDIR/$1"
	printf 'IPROOT=%s\nIPROOTDEV=lo\nS_HOSTNAME=%s\nS_FLAGS="lock fakeinit"\nS_MEMORY=64M\nINIT="/bin/sleep 100000"\nSTOPSIG=KILL\nSTOP_TIMEOUT=0\nONBOOT=yes\n' \
		"$2" "$1" >"$VSBOX_CONFDIR/$1.conf"
}
guest one 127.0.0.2
cat >"$T/cycle" <<EOF
#!/bin/sh
"$VSBOX" vserver one start -q && "$VSBOX" vserver one stop -q
EOF
chmod 755 "$T/cycle"
"$BENCH_BIN/timecmd" 20 true /bin/true -- cycle "$T/cycle" >"$T/r" || { echo "# 30-vserver: start/stop failed"; exit 1; }
base=$(awk '$1 == "true" { print $2 }' "$T/r")
cyc=$(awk '$1 == "cycle" { print $2 }' "$T/r")
echo "vserver-start-stop: $cyc us median ($(awk -v a="$cyc" -v b="$base" 'BEGIN { printf "%.1fx", a / b }') bare /bin/true at $base us; target <= 2x)"

rm -rf "$VSBOX_ROOTDIR/one" "$VSBOX_CONFDIR/one.conf"
i=1
while [ $i -le $N ]; do guest "g$i" "127.0.1.$i"; i=$((i + 1)); done
t0=$(date +%s%N)
i=1
while [ $i -le $N ]; do "$VSBOX" vserver "g$i" start -q || echo "# g$i failed"; i=$((i + 1)); done
t1=$(date +%s%N)
echo "vserver-100-starts: $(( (t1 - t0) / 1000000 )) ms total ($(( (t1 - t0) / 1000 / N )) us per guest, one after another)"
# memory: the memory cgroup of each guest (v2 memory.current or v1 usage)
tot=0 n=0
for rec in "$VSBOX_RUNDIR"/ctx/*; do
	for d in $(sed -n 's/^cg=//p' "$rec"); do
		f=$d/memory.current; [ -f "$f" ] || f=$d/memory.usage_in_bytes
		[ -f "$f" ] && { tot=$((tot + $(cat "$f"))); n=$((n + 1)); }
	done
done
[ $n -gt 0 ] && echo "vserver-idle-memory: $((tot / n / 1024)) KiB per idle guest (its cgroup, PID 1 = busybox sleep; $n guests; target <= 100 KiB beyond its processes)"
t0=$(date +%s%N)
"$VSBOX" vservers -j 1 stop >/dev/null
t1=$(date +%s%N)
echo "vserver-100-stops: $(( (t1 - t0) / 1000000 )) ms total"
