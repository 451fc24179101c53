#!/bin/sh
# 30-vserver.sh - a whole busybox guest: start (fakeinit, one IP on lo, the
# IP lock, cgroups, mounts, pivot_root) -> its PID 1 runs -> stop, against
# bare /bin/true (median of 30, interleaved; start and stop are two vsbox
# runs timed together, no shell between them) and against two floors: one
# exec of the vsbox binary, and a cycle of bench/nullguest.c (namespaces and
# the guest's exec, nothing else). Then 100 guests started one after another, and
# stopped, three rounds (medians reported), and
# what an idle guest costs in memory beyond its own process: every start runs
# in a memory cgroup of the bench's own, so what the kernel allocates for a
# guest is charged there wherever it happens (namespaces and mounts made at
# clone time included) - against the same count of bare busybox sleeps forked
# in a plain memory cgroup. Last, a guest whose rc left a daemon: what
# vsbox's init (its PID 1 then) costs, from its smaps.
set -u
: "${VSBOX:?}" "${BENCH_BIN:?}"
command -v busybox >/dev/null || { echo "# 30-vserver: busybox missing"; exit 1; }
T=$(mktemp -d /tmp/vsbox-bench-vs.XXXXXX)
chmod 755 "$T"
export VSBOX_RUNDIR="$T/run" VSBOX_CGROUP_BASE="vsbox-bench-vs-$$"
export VSBOX_CONFDIR="$T/etc" VSBOX_ROOTDIR="$T/vs"
N=100 NRC=10
MB=""           # the bench's memory cgroup (starterN/, bare/ below it)
TOP=$(cd "$(dirname "$0")/.." && pwd)
CGDIRS="$TOP/build/cgbase-dirs.sh"
cleanup() {
	"$VSBOX" vservers -j 16 stop >/dev/null 2>&1
	[ -n "${BARE:-}" ] && kill $BARE 2>/dev/null
	rm -rf "$T"
	for d in $(sh "$CGDIRS"); do rmdir "$d" 2>/dev/null; done
	[ -n "$MB" ] && [ -d "$MB" ] && find "$MB" -depth -type d -exec rmdir {} + 2>/dev/null
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE
# a root as vserver build makes it: the mount points are there (else the
# first start of each guest makes them, and the first round is charged
# their inodes, dentries and directory blocks, ~14 KiB a guest, once)
mkdir -p "$T/img/bin" "$T/img/etc" "$T/img/proc" "$T/img/sys" "$T/img/dev" "$VSBOX_CONFDIR" "$VSBOX_ROOTDIR"
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
musl-gcc -static -O2 -o "$BENCH_BIN/nullguest" "$(dirname "$0")/nullguest.c" ||
	{ echo "# 30-vserver: can't build nullguest"; exit 1; }
"$BENCH_BIN/timecmd" 30 true /bin/true -- floor "$VSBOX" --list -- \
	cycle "$VSBOX" vserver one start -q :: "$VSBOX" vserver one stop -q -- \
	null "$BENCH_BIN/nullguest" start "$T/null.pid" "$T/img/bin/sleep" 100000 :: \
	"$BENCH_BIN/nullguest" stop "$T/null.pid" >"$T/r" ||
	{ echo "# 30-vserver: start/stop failed"; exit 1; }
med() { awk -v k="$1" '$1 == k { print $2 }' "$T/r"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fx", a / b }'; }
base=$(med true) cyc=$(med cycle)
echo "vserver-start-stop: $cyc us median (start $(med cycle.1) + stop $(med cycle.2); $(ratio "$cyc" "$base") bare /bin/true at $base us; target <= 2x; floor: one exec of vsbox $(med floor) us, a cycle needs two and the guest's own)"
echo "vserver-start-stop-floor: $(med null) us median (start $(med null.1) + stop $(med null.2); $(ratio "$(med null)" "$base") bare /bin/true): bench/nullguest.c, two execs of a static program that only clones the four namespaces, execs the guest's PID 1 and kills it - no cgroup, mount, address, BPF, record or lock; vserver's cycle is $(ratio "$cyc" "$(med null)") of it"
rm -rf "$VSBOX_ROOTDIR/one" "$VSBOX_CONFDIR/one.conf"

# the memory cgroup of this shell (v1 memory hierarchy, else cgroup2)
memdir() {
	sh "$TOP/build/cgmounts.sh" | while read -r fs mnt opts; do
		case "$fs:,$opts," in
		cgroup:*,memory,*) p=$(sed -n 's/^[0-9]*:memory:\(.*\)/\1/p' /proc/self/cgroup) ;;
		cgroup2:*) [ -f "$mnt/cgroup.controllers" ] && grep -qw memory "$mnt/cgroup.controllers" || continue
			p=$(sed -n 's/^0:://p' /proc/self/cgroup) ;;
		*) continue ;;
		esac
		[ "$p" = / ] && p=""
		echo "$mnt$p"
		return
	done
}
usage() { cat "$1/memory.current" 2>/dev/null || cat "$1/memory.usage_in_bytes"; }
if M=$(memdir) && [ -n "$M" ] && mkdir "$M/vsbox-bench-mem-$$" 2>/dev/null; then
	MB="$M/vsbox-bench-mem-$$"
	mkdir "$MB/bare" || MB=""
fi

i=1
while [ $i -le $N ]; do guest "g$i" "127.0.1.$i"; i=$((i + 1)); done
cat >"$T/starts" <<EOF
#!/bin/sh
# in the starter memory cgroup, if there is one
[ -n "\$1" ] && echo \$\$ >"\$1/cgroup.procs"
i=1
while [ \$i -le $N ]; do "$VSBOX" vserver "g\$i" start -q || echo "# g\$i failed"; i=\$((i + 1)); done
EOF
# ROUNDS rounds of: 100 starts in a fresh starter memory cgroup, what they
# charged, 100 stops. The figures are the medians of the rounds, each
# shown (memory moves by a few KiB from one round to the next)
ROUNDS=${VSBOX_BENCH_ROUNDS:-3}
r=1 gs="" ts="" tp="" n=0
while [ $r -le $ROUNDS ]; do
	S=""
	if [ -n "$MB" ]; then
		S="$MB/starter$r"
		mkdir "$S" || S=""
	fi
	u0=$( [ -n "$S" ] && usage "$S" )
	t0=$(date +%s%N)
	sh "$T/starts" "$S"
	t1=$(date +%s%N)
	ts="$ts $(( (t1 - t0) / 1000000 ))"
	sleep 1
	[ -n "$S" ] && gs="$gs $(( ($(usage "$S") - u0) / N / 1024 ))"
	if [ $r = 1 ]; then
		# each guest's own cgroup, for comparison with the above
		tot=0
		for rec in "$VSBOX_RUNDIR"/ctx/*; do
			for d in $(sed -n 's/^cg=//p' "$rec"); do
				f=$d/memory.current; [ -f "$f" ] || f=$d/memory.usage_in_bytes
				[ -f "$f" ] && { tot=$((tot + $(cat "$f"))); n=$((n + 1)); }
			done
		done
	fi
	t0=$(date +%s%N)
	"$VSBOX" vservers -j 1 stop >/dev/null
	t1=$(date +%s%N)
	tp="$tp $(( (t1 - t0) / 1000000 ))"
	r=$((r + 1))
done
median() { printf '%s\n' $1 | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
echo "vserver-100-starts: $(median "$ts") ms total ($(( $(median "$ts") * 1000 / N )) us per guest, one after another; median of $ROUNDS rounds:$ts)"
if [ -n "$MB" ] && [ -n "$gs" ]; then
	# as many bare busybox sleeps, forked inside a plain memory cgroup
	b0=$(usage "$MB/bare")
	sh -c 'echo $$ >"$1/cgroup.procs"; i=0; while [ $i -lt $2 ]; do busybox sleep 100000 & i=$((i + 1)); done; wait' sh "$MB/bare" $N &
	BARE=$!
	sleep 1
	b1=$(usage "$MB/bare")
	kill $(cat "$MB/bare/cgroup.procs") 2>/dev/null
	wait $BARE 2>/dev/null
	BARE=""
	g=$(median "$gs") b=$(( (b1 - b0) / N / 1024 ))
	# what the kernel allocates for one empty memory cgroup (a guest with
	# S_MEMORY has one): per-memcg shrinker bookkeeping grows with the
	# highest shrinker id the host has had (every superblock has one)
	mkdir "$MB/mkdir" "$MB/cgs"
	e0=$(usage "$MB/mkdir")
	sh -c 'echo $$ >"$1/mkdir/cgroup.procs"; i=0; while [ $i -lt $2 ]; do mkdir "$1/cgs/$i"; i=$((i + 1)); done' sh "$MB" $N
	e=$(( ($(usage "$MB/mkdir") - e0) / N / 1024 ))
	echo "vserver-idle-memory: $((g - b)) KiB per idle guest beyond its own process (guest with PID 1 busybox sleep: $g KiB all told, median of $ROUNDS rounds:$gs, cgroup charges at clone time included; a bare busybox sleep: $b KiB; $N of each; target <= 100 KiB; of it, $e KiB are what the kernel allocates for the empty memory cgroup itself on this host)"
else
	echo "# vserver-idle-memory: no memory cgroup of our own to measure in"
fi
[ $n -gt 0 ] && echo "vserver-guest-cgroup-memory: $((tot / n / 1024)) KiB per guest in its own memory cgroup (what its processes charged after joining it; with a v1 memory controller the mounts made before that are charged to the starter, and counted in vserver-idle-memory; $n guests, first round)"
echo "vserver-100-stops: $(median "$tp") ms total (median of $ROUNDS rounds:$tp)"

# rc guests: vsbox's init is PID 1, the rc left "sleep" running
i=1
while [ $i -le $NRC ]; do
	cp -al "$T/img" "$VSBOX_ROOTDIR/r$i"
	printf '#!/bin/sh\nsleep 100000 &\n' >"$VSBOX_ROOTDIR/r$i/etc/rc.new"
	mv "$VSBOX_ROOTDIR/r$i/etc/rc.new" "$VSBOX_ROOTDIR/r$i/etc/rc"
	chmod 755 "$VSBOX_ROOTDIR/r$i/etc/rc"
	printf 'S_FLAGS="lock"\nS_MEMORY=64M\nSTOP_TIMEOUT=0\n' >"$VSBOX_CONFDIR/r$i.conf"
	"$VSBOX" vserver "r$i" start -q || echo "# r$i failed"
	i=$((i + 1))
done
sleep 0.5
pss=0 prv=0 n=0
for rec in "$VSBOX_RUNDIR"/ctx/*; do
	p=$(sed -n 's/^pid=//p' "$rec")
	[ "$(cat "/proc/$p/comm" 2>/dev/null)" = vsbox-init ] || continue
	pss=$((pss + $(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup")))
	prv=$((prv + $(awk '/^Private_Dirty:/ { print $2 }' "/proc/$p/smaps_rollup")))
	n=$((n + 1))
done
[ $n -gt 0 ] && echo "vserver-init-memory: vsbox's init (PID 1 of an rc guest) $((prv / n)) KiB private dirty, $((pss / n)) KiB PSS ($n guests; the binary's text is shared between them)"
"$VSBOX" vservers -j 1 stop >/dev/null 2>&1
