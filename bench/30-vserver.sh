#!/bin/sh
# 30-vserver.sh - 100 busybox guests (one IP on lo each, a memory limit,
# fakeinit, PID 1 a sleeper), ROUNDS rounds (medians reported), each round:
# - started one after another by `vserver NAME start`, against 100 unshare
#   equivalents done by hand with the usual tools, one after another: an
#   address on lo (ip), a memory cgroup with the same limit, new PID, mount,
#   UTS and IPC namespaces (unshare --fork --kill-child --root --mount-proc),
#   the host name set (busybox hostname), the sleeper exec'd as PID 1; each
#   waits until its guest is up (a fifo in the guest's /tmp), as vserver
#   does. That is less than a guest gets (no IP lock, BPF, seccomp, caps,
#   cgroups in the other hierarchies, record or lock); issue 22's target:
#   vsbox's time <= 0.2x;
# - started by `vservers -j JOBS start`, in parallel: the speed-up over one
#   after another;
# - stopped by `vservers -j 1 stop`.
# What an idle guest costs in memory beyond its own process: the sequential
# starts run in a memory cgroup of the bench's own, so what the kernel
# allocates for a guest is charged there wherever it happens (namespaces and
# mounts made at clone time included) - against the same count of bare
# busybox sleeps forked in a plain memory cgroup (issue 22's target <= 60
# KiB). Last, a guest whose rc left a daemon: what vsbox's init (its PID 1
# then) costs, from its smaps, and its spawner (lib/spawner.c: where
# Landlock ABI 6 scopes abstract sockets, every guest has one, the
# fakeinit ones above too; then one more round of starts with
# UNIX_SCOPE=no tells what the spawners cost an idle guest). The cycle of one guest against the floors and
# the peers is in 10-peers.sh.
set -u
command -v busybox >/dev/null || { echo "# 30-vserver: busybox missing"; exit 1; }
export BB_NAME=vs
# shellcheck source=bench/bblib.sh
. "$(dirname "$0")/bblib.sh"
N=100 NRC=10
ROUNDS=${VSBOX_BENCH_ROUNDS:-3}
JOBS=${VSBOX_BENCH_JOBS:-8}

i=1
while [ $i -le $N ]; do
	bb_guest "g$i" "127.0.11.$i"
	cp -al "$T/img" "$T/u$i"
	mkfifo "$T/u$i/tmp/up"
	i=$((i + 1))
done
cat >"$T/starts" <<EOF
#!/bin/sh
i=1
while [ \$i -le $N ]; do "$VSBOX" vserver "g\$i" start -q || echo "# g\$i failed"; i=\$((i + 1)); done
EOF
# the unshare equivalent of each start; CG: the memory cgroup to make them in
cat >"$T/ustarts" <<EOF
#!/bin/sh
CG=\$1
i=1
while [ \$i -le $N ]; do
	ip addr add "127.0.11.\$i/32" dev lo
	mkdir "\$CG/u\$i"
	{ echo 67108864 >"\$CG/u\$i/memory.max"; } 2>/dev/null || echo 67108864 >"\$CG/u\$i/memory.limit_in_bytes"
	(read -r pid _ </proc/self/stat; echo "\$pid" >"\$CG/u\$i/cgroup.procs"
	 exec unshare -pmui --fork --kill-child --root="$T/u\$i" --mount-proc /bin/sh -c 'hostname "u\$0"; echo up >/tmp/up; exec sleep 100000' "\$i") </dev/null >/dev/null 2>&1 &
	read -r _ <"$T/u\$i/tmp/up"
	i=\$((i + 1))
done
EOF
ustop() {
	bb_kill ueq
	i=1
	while [ $i -le $N ]; do ip addr del "127.0.11.$i/32" dev lo 2>/dev/null; i=$((i + 1)); done
	bb_rmcg ueq
}
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
# seqstart REL: the guests started one after another from the cgroup REL;
# prints the ms they took and the KiB a guest charged there (none without
# a memory cgroup)
seqstart() {
	S=$(bb_memcg "$1") && bb_mkcg "$1" || S=""
	u0=$( [ -n "$S" ] && bb_usage "$S" )
	t0=$(date +%s%N)
	(bb_join "$1" && exec timeout 300 sh "$T/starts")
	t=$(ms "$t0")
	sleep 1
	echo "$t $( [ -n "$S" ] && echo $(( ($(bb_usage "$S") - u0) / N / 1024 )) )"
}

r=1 gs="" ts="" tp="" tu="" tj="" n=0 sp=0
while [ $r -le "$ROUNDS" ]; do
	# shellcheck disable=SC2046
	set -- $(seqstart "s$r")
	ts="$ts $1" gs="$gs${2:+ $2}" t1=$1
	if [ $r = 1 ]; then
		# the guests' spawners (lib/spawner.c), if they have them
		sp=$(find "$(bb_memcg s1)" -name cgroup.procs -exec cat {} + 2>/dev/null | sed 's|.*|/proc/&/comm|' |
			xargs cat 2>/dev/null | grep -cx vsbox-spawner)
		# each guest's own cgroup, for comparison with the above
		tot=0
		for rec in "$VSBOX_RUNDIR"/ctx/*[0-9]; do
			for d in $(sed -n 's/^cg=//p' "$rec"); do
				f=$d/memory.current; [ -f "$f" ] || f=$d/memory.usage_in_bytes
				[ -f "$f" ] && { tot=$((tot + $(cat "$f"))); n=$((n + 1)); }
			done
		done
	fi
	t0=$(date +%s%N)
	timeout 300 "$VSBOX" vservers -j 1 stop >/dev/null
	tp="$tp $(ms "$t0")"
	bb_rmcg "s$r"

	# the unshare equivalents, one after another
	U=$(bb_memcg ueq) && [ -n "$U" ] && bb_mkcg ueq || { echo "# 30-vserver: no memory cgroup of our own for the unshare equivalents"; exit 1; }
	t0=$(date +%s%N)
	(bb_join ueq && exec timeout 300 sh "$T/ustarts" "$U")
	tu="$tu $(ms "$t0")"
	qu="${qu:-} $(awk -v a="$t1" -v b="${tu##* }" 'BEGIN { printf "%.2f", a / b }')"
	ustop

	# in parallel
	t0=$(date +%s%N)
	(bb_join "p$r" && exec timeout 300 "$VSBOX" vservers -j "$JOBS" start >/dev/null)
	tj="$tj $(ms "$t0")"
	qj="${qj:-} $(awk -v a="$t1" -v b="${tj##* }" 'BEGIN { printf "%.2f", a / b }')"
	timeout 300 "$VSBOX" vservers -j "$JOBS" stop >/dev/null
	bb_rmcg "p$r"
	r=$((r + 1))
done
s=$(median "$ts") u=$(median "$tu") j=$(median "$tj")
echo "vserver-100-starts: $s ms total ($(( s * 1000 / N )) us per guest, one after another; median of $ROUNDS rounds:$ts)"
echo "unshare-100-starts: $u ms total ($(( u * 1000 / N )) us per guest, the unshare equivalents one after another; median of $ROUNDS rounds:$tu)"
# paired: the median of the rounds' own ratios (what drifts between rounds
# cancels out), as 10-peers.sh's
echo "vserver-100-vs-unshare: $(median "$qu")x paired ($(ratio "$s" "$u") of medians; issue 22's target <= 0.2x: $(met "$(median "$qu")" "<=" 0.2), $(( u * 200 / N )) us a start; 10-peers.sh's guestfloor-vs-nullguest line has a lower bound of a start's kernel work)"
echo "vservers-100-parallel: $j ms total (vservers -j $JOBS start on $(nproc) cpus; median of $ROUNDS rounds:$tj): $(median "$qj")x the speed of one after another, paired ($(ratio "$s" "$j") of medians)"
if [ -n "$gs" ] && b=$(bb_bare $N); then
	g=$(median "$gs")
	# what the kernel allocates for one empty memory cgroup (a guest with
	# S_MEMORY has one): per-memcg shrinker bookkeeping grows with the
	# highest shrinker id the host has had (every superblock has one)
	M=$(bb_memcg mkdir) && C=$(bb_memcg cgs) && bb_mkcg mkdir && bb_mkcg cgs
	e0=$(bb_usage "$M")
	(bb_join mkdir && i=0 && while [ $i -lt $N ]; do mkdir "$C/$i"; i=$((i + 1)); done)
	e=$(( ($(bb_usage "$M") - e0) / N / 1024 ))
	echo "vserver-idle-memory: $((g - b)) KiB per idle guest beyond its own process (issue 22's target <= 60 KiB: $(met $((g - b)) "<=" 60); guest with PID 1 busybox sleep: $g KiB all told, median of $ROUNDS rounds:$gs, cgroup charges at clone time included; a bare busybox sleep: $b KiB; $N of each; of it, $e KiB are what the kernel allocates for the empty memory cgroup itself on this host)"
	if [ "$sp" -gt 0 ]; then
		# once more without them: what they cost
		i=1
		while [ $i -le $N ]; do echo UNIX_SCOPE=no >>"$VSBOX_CONFDIR/g$i.conf"; i=$((i + 1)); done
		# shellcheck disable=SC2046
		set -- $(seqstart nosp)
		timeout 300 "$VSBOX" vservers -j 1 stop >/dev/null
		bb_rmcg nosp
		[ -n "${2:-}" ] && echo "vserver-idle-memory-no-spawner: $(($2 - b)) KiB per idle guest beyond its own process with UNIX_SCOPE=no ($2 KiB all told, one round): the guests above had $sp spawners ($N guests), which cost $((g - $2)) KiB a guest"
	fi
else
	echo "# vserver-idle-memory: no memory cgroup of our own to measure in"
fi
[ $n -gt 0 ] && echo "vserver-guest-cgroup-memory: $((tot / n / 1024)) KiB per guest in its own memory cgroup (what its processes charged after joining it; with a v1 memory controller the mounts made before that are charged to the starter, and counted in vserver-idle-memory; $n guests, first round)"
echo "vserver-100-stops: $(median "$tp") ms total (one after another; median of $ROUNDS rounds:$tp)"

# rc guests: vsbox's init is PID 1, the rc left "sleep" running
i=1
while [ $i -le $NRC ]; do
	cp -al "$T/img" "$VSBOX_ROOTDIR/r$i"
	printf '#!/bin/sh\nsleep 100000 &\n' >"$VSBOX_ROOTDIR/r$i/etc/rc.new"
	mv "$VSBOX_ROOTDIR/r$i/etc/rc.new" "$VSBOX_ROOTDIR/r$i/etc/rc"
	chmod 755 "$VSBOX_ROOTDIR/r$i/etc/rc"
	printf 'S_FLAGS="lock"\nS_MEMORY=64M\nSTOP_TIMEOUT=0\n' >"$VSBOX_CONFDIR/r$i.conf"
	timeout 60 "$VSBOX" vserver "r$i" start -q || echo "# r$i failed"
	i=$((i + 1))
done
sleep 0.5
pss=0 prv=0 n=0
for rec in "$VSBOX_RUNDIR"/ctx/*[0-9]; do
	p=$(sed -n 's/^pid=//p' "$rec")
	[ "$(cat "/proc/$p/comm" 2>/dev/null)" = vsbox-init ] || continue
	pss=$((pss + $(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup")))
	prv=$((prv + $(awk '/^Private_Dirty:/ { print $2 }' "/proc/$p/smaps_rollup")))
	n=$((n + 1))
done
[ $n -gt 0 ] && echo "vserver-init-memory: vsbox's init (PID 1 of an rc guest) $((prv / n)) KiB private dirty, $((pss / n)) KiB PSS ($n guests; the binary's text is shared between them)"
pss=0 prv=0 n=0
for rec in "$VSBOX_RUNDIR"/ctx/*[0-9]; do
	for d in $(sed -n 's/^cg=//p' "$rec"); do
		[ -f "$d/cgroup.procs" ] || continue
		for p in $(cat "$d/cgroup.procs"); do
			[ "$(cat "/proc/$p/comm" 2>/dev/null)" = vsbox-spawner ] || continue
			pss=$((pss + $(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup")))
			prv=$((prv + $(awk '/^Private_Dirty:/ { print $2 }' "/proc/$p/smaps_rollup")))
			n=$((n + 1))
		done
		break
	done
done
[ $n -gt 0 ] && echo "vserver-spawner-memory: a guest's spawner $((prv / n)) KiB private dirty, $((pss / n)) KiB PSS ($n guests)"
timeout 300 "$VSBOX" vservers -j 1 stop >/dev/null 2>&1
