#!/bin/sh
# 10-peers.sh - vsbox beside its peers, in the same interleaved rounds
# (bench/timecmd.c, median of ROUNDS): bare /bin/true; two floors built
# static with musl like vsbox, nsfloor (bench/nsfloor.c: only the namespace
# clone, vfork and exec of /bin/true) and a nullguest cycle (bench/nullguest.c:
# a guest's start and stop with nothing but namespaces and the exec of its
# PID 1); two floors with the kernel work of vsbox's own (ctxfloor.c:
# chcontext's, done alone; guestfloor.c: a lower bound of a guest's start
# and stop, and, with a resident helper process, of its idle memory);
# chcontext (a full new context running /bin/true); a vserver
# start+stop cycle of the busybox bench guest with one IP; and whichever
# peers are installed (from Debian's archive, in this set-up): unshare, bwrap,
# crun (`crun run` of the same busybox root as an OCI bundle, no cgroup
# manager), lxc-execute (the same root; its cgroups below the bench's own),
# systemd-nspawn (the same root; --register=no --keep-unit, so no systemd is
# asked and its cgroups are made below the bench's own) and firejail, each
# running /bin/true in a new PID, mount, UTS and IPC namespace; none but
# bwrap, run with --unshare-all as issue 22 names it, gets a network
# namespace. Every command runs from a cgroup of the bench's own
# in every hierarchy, so whatever a tool makes in cgroups is below it; a
# peer that makes one anywhere else, or fails, is skipped, with the reason.
# One table: median and min, ratios to bare, nsfloor and nullguest, and what
# an idle guest costs in memory beyond its own process: NIDLE guests, each a
# busybox sleep, are started by each tool in a memory cgroup of their own;
# what that cgroup was charged (resident monitors, kernel objects made at
# clone time, mounts) less NIDLE bare busybox sleeps, per guest.
set -u
export BB_NAME=peers
# shellcheck source=bench/bblib.sh
. "$(dirname "$0")/bblib.sh"
ROUNDS=${VSBOX_BENCH_ROUNDS:-40}      # VSBOX_BENCH_PEERS: only these peers
NIDLE=${VSBOX_BENCH_IDLE:-50}

# the peers from Debian's archive; one at a time if they can't all be had
PEERPKGS="bubblewrap crun lxc systemd-container firejail"
VSBOX_EXTRA_PKGS="$PEERPKGS" sh "$TOP/build/deps.sh" >/dev/null 2>&1 ||
	for p in $PEERPKGS; do
		VSBOX_EXTRA_PKGS=$p sh "$TOP/build/deps.sh" >/dev/null 2>&1 || echo "# package $p could not be installed"
	done
for c in nsfloor nullguest nocg2 ctxfloor guestfloor; do
	musl-gcc -static -O2 -isystem "$TOP/build/obj/kinc" -o "$BENCH_BIN/$c" "$TOP/bench/$c.c" ||
		{ echo "# 10-peers: can't build $c"; exit 1; }
done

# what the tools leave on the host outside $T: lxc's lock directory,
# firejail's run directory and the mounts in it, nspawn's lock directory;
# taken away at exit if they were not there before
[ -e /run/lxc ] || BB_CLEANUP="$BB_CLEANUP; rm -rf /run/lxc"
[ -e /run/firejail ] || BB_CLEANUP="$BB_CLEANUP; undo_firejail"
[ -e /run/systemd/nspawn ] || BB_CLEANUP="$BB_CLEANUP; rm -rf /run/systemd/nspawn"
BB_CLEANUP="$BB_CLEANUP; rm -rf /run/lxc/lock$T"
undo_firejail() {
	for m in $(awk '$5 ~ "^/run/firejail(/|$)" { print $5 }' /proc/self/mountinfo | sort -r); do
		umount "$m"
	done
	rm -rf /run/firejail
}

# roots of their own for the tools that write into them (nspawn: /run, /var)
root() { [ -d "$T/roots/$1" ] || { mkdir -p "$T/roots" && cp -al "$T/img" "$T/roots/$1"; }; echo "$T/roots/$1"; }
# an OCI bundle DIR for crun, root ROOT, running ARG...
bundle() {
	d=$1 r=$2
	shift 2
	mkdir -p "$d"
	args=$(printf '"%s", ' "$@")
	cat >"$d/config.json" <<EOF
{
	"ociVersion": "1.0.0",
	"process": { "terminal": false, "user": { "uid": 0, "gid": 0 },
		"args": [ ${args%, } ], "env": [ "PATH=/bin" ], "cwd": "/" },
	"root": { "path": "$r" },
	"hostname": "crun",
	"mounts": [
		{ "destination": "/proc", "type": "proc", "source": "proc" },
		{ "destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": [ "nosuid", "mode=755" ] },
		{ "destination": "/sys", "type": "sysfs", "source": "sysfs", "options": [ "nosuid", "noexec", "nodev", "ro" ] }
	],
	"linux": { "namespaces": [ { "type": "pid" }, { "type": "mount" }, { "type": "uts" }, { "type": "ipc" } ] }
}
EOF
}
# an lxc configuration FILE for root ROOT; its cgroups (lxc.cgroup.relative)
# below the caller's, which is the bench's own
lxcconf() {
	mkdir -p "$T/lxc"
	cat >"$1" <<EOF
lxc.uts.name = lxcg
lxc.rootfs.path = dir:$2
lxc.mount.auto = proc:mixed sys:ro
lxc.autodev = 1
lxc.namespace.keep = net user
lxc.apparmor.profile = unconfined
lxc.cgroup.relative = 1
lxc.cgroup.dir.container = lxc/$3/c
lxc.cgroup.dir.monitor = lxc/$3/m
lxc.cgroup.dir.monitor.pivot = lxc/$3/p
EOF
}
# crun refuses a hybrid host whose cgroup2 has a controller: it runs
# behind nocg2 there (its cost is the nocg2 row)
CRUNPRE=""
grep -qs . /sys/fs/cgroup/unified/cgroup.controllers && CRUNPRE="$BENCH_BIN/nocg2"
CRUN="crun --root $T/crun --cgroup-manager=disabled"

# peer NAME: the command that runs /bin/true (words, no "--": timecmd's
# separator); ipeer NAME K: start idle guest K in the background, a sleeper
# (what returns only once the guest is up is bounded to a minute)
peer() {
	case $1 in
	unshare) echo "unshare -pfmui --mount-proc /bin/true" ;;
	bwrap) echo "bwrap --unshare-all --ro-bind / / --dev /dev --proc /proc /bin/true" ;;
	crun) bundle "$T/oci/true" "$(root crun)" /bin/true
		echo "$CRUNPRE $CRUN run -b $T/oci/true crun-true" ;;
	lxc-execute) lxcconf "$T/lxc/true.conf" "$(root lxc)" true
		echo "lxc-execute -n true -P $T/lxc -f $T/lxc/true.conf /bin/true" ;;
	systemd-nspawn) echo "systemd-nspawn -q --register=no --keep-unit -D $(root nspawn) /bin/true" ;;
	firejail) echo "firejail --quiet --noprofile /bin/true" ;;
	esac
}
S="/bin/sleep 100000"
# shellcheck disable=SC2086,SC2046
ipeer() {
	case $1 in
	vserver) timeout 60 "$VSBOX" vserver "i$2" start -q ;;
	nullguest) timeout 60 "$BENCH_BIN/nullguest" start "$T/null$2.pid" "$T/img/bin/sleep" 100000 ;;
	guestfloor) timeout 60 $(gfloor "$T/gf$2.pid" "127.0.12.$2" "/idle-$1" 0) ;;
	guestres) timeout 60 $(gfloor "$T/gf$2.pid" "127.0.12.$2" "/idle-$1" 1) ;;
	chcontext) "$VSBOX" chcontext --silent $S & ;;
	unshare) unshare -pfmui --kill-child --root="$(root "u$2")" --mount-proc $S & ;;
	bwrap) bwrap --unshare-all --die-with-parent --ro-bind / / --dev /dev --proc /proc $S & ;;
	crun) bundle "$T/oci/i$2" "$(root "c$2")" $S
		timeout 60 $CRUNPRE $CRUN run -d -b "$T/oci/i$2" "crun-i$2" ;;
	lxc-execute) lxcconf "$T/lxc/i$2.conf" "$(root "l$2")" "i$2"
		lxc-execute -n "i$2" -P "$T/lxc" -f "$T/lxc/i$2.conf" $S & ;;
	systemd-nspawn) systemd-nspawn -q --register=no --keep-unit -D "$(root "n$2")" $S & ;;
	firejail) firejail --quiet --noprofile $S & ;;
	esac
}

# the cgroup directories at the top of each of our own: a tool that made one
# there left the bench's subtree (vsbox-*: the tests' and benches' bases,
# which may come and go meanwhile)
tops() { for o in $BB_OWN; do ls "$o"; done | grep -v '^vsbox-' | sort; }
bb_mkcg run || { echo "# 10-peers: can't make cgroups of our own"; exit 1; }
bb_guest one 127.0.11.254
# the floors with the kernel work of chcontext and (a lower bound) of a
# guest's start (bench/ctxfloor.c, bench/guestfloor.c): their cgroups below
# the bench's own (cgroup2; the v1 memory hierarchy if there is one, "-")
CG2=$(bb_hier cgroup.subtree_control) || { echo "# 10-peers: no cgroup2 of our own"; exit 1; }
MCG=$(bb_hier memory.limit_in_bytes)
mkdir -p "$T/rec"
BB_IPS="$BB_IPS 127.0.11.250"
# gfloor PIDFILE ADDR DIR RESIDENT: guestfloor's start of a sleeper, its
# cgroups below DIR (relative to the base)
gfloor() {
	_m=-
	[ -n "$MCG" ] && _m=$MCG$3
	echo "$BENCH_BIN/guestfloor start $1 $T/img $2 $CG2$3 $_m 67108864 $4 /bin/sleep 100000"
}
# shellcheck disable=SC2046
set -- true /bin/true -- \
	nsfloor "$BENCH_BIN/nsfloor" /bin/true -- \
	ctxfloor "$BENCH_BIN/ctxfloor" "$CG2/run" "$T/rec" /bin/true -- \
	nullguest "$BENCH_BIN/nullguest" start "$T/null.pid" "$T/img/bin/sleep" 100000 :: "$BENCH_BIN/nullguest" stop "$T/null.pid" -- \
	guestfloor $(gfloor "$T/gf.pid" 127.0.11.250 /run 0) :: "$BENCH_BIN/guestfloor" stop "$T/gf.pid" -- \
	chcontext "$VSBOX" chcontext --silent /bin/true -- \
	vserver "$VSBOX" vserver one start -q :: "$VSBOX" vserver one stop -q
[ -n "$CRUNPRE" ] && set -- "$@" -- nocg2 "$CRUNPRE" /bin/true
PEERS=""
for p in ${VSBOX_BENCH_PEERS:-unshare bwrap crun lxc-execute systemd-nspawn firejail}; do
	command -v "$p" >/dev/null || { echo "# peer $p skipped: not installed"; continue; }
	cmd=$(peer $p)
	tops >"$T/tops"
	# shellcheck disable=SC2086
	if ! err=$( (bb_join run && exec timeout 60 $cmd) 2>&1 >/dev/null); then
		echo "# peer $p skipped: it fails here: $(echo "$err" | head -n 1)"
		continue
	fi
	new=$(tops | comm -13 "$T/tops" -)
	if [ -n "$new" ]; then
		echo "# peer $p skipped: it made cgroups outside the bench's own:" $new
		for o in $BB_OWN; do for d in $new; do [ -d "$o/$d" ] && find "$o/$d" -depth -type d -exec rmdir {} +; done; done
		continue
	fi
	# shellcheck disable=SC2086
	set -- "$@" -- "$p" $cmd
	PEERS="$PEERS $p"
done
(bb_join run && exec timeout 600 "$BENCH_BIN/timecmd" "$ROUNDS" "$@") >"$T/r" ||
	{ echo "# 10-peers: a command failed in the timed rounds"; exit 1; }

# idle memory: NIDLE guests of TOOL, started one after another from the
# cgroup idle-TOOL; adds "TOOL KiB-per-guest processes-per-guest" to $T/idle
idle() {
	m=$(bb_memcg "idle-$1") && [ -n "$m" ] || return 1
	bb_mkcg "idle-$1" || return 1
	u0=$(bb_usage "$m") k=1
	while [ $k -le "$NIDLE" ]; do
		[ "$1" = vserver ] && bb_guest "i$k" "127.0.11.$((100 + k))"     # (in BB_IPS already)
		(bb_join "idle-$1" && ipeer "$1" $k) </dev/null >/dev/null 2>&1
		k=$((k + 1))
	done
	bb_sleepers "idle-$1" "$NIDLE"
	u1=$(bb_usage "$m")
	np=$(find "$m" -name cgroup.procs -exec cat {} + | wc -l)
	# the names of what runs beside the sleepers, and how many of each a guest
	res=$(find "$m" -name cgroup.procs -exec cat {} + | sed 's|.*|/proc/&/comm|' | xargs cat 2>/dev/null |
		grep -vx sleep | sort | uniq -c | awk -v n="$NIDLE" '{ printf "%s%s", s, $2; if ($1 != n) printf " x%.1f", $1 / n; s = ", " }')
	echo "$1 $(( (u1 - u0) / NIDLE / 1024 )) $(awk -v p="$np" -v n="$NIDLE" 'BEGIN { printf "%.1f", p / n }') ${res:-nothing}" >>"$T/idle"
	case $1 in
	vserver) timeout 300 "$VSBOX" vservers -j 4 stop >/dev/null 2>&1 ;;
	guestfloor|guestres) k=1; while [ $k -le "$NIDLE" ]; do "$BENCH_BIN/guestfloor" stop "$T/gf$k.pid"; k=$((k + 1)); done ;;
	crun) k=1; while [ $k -le "$NIDLE" ]; do timeout 60 $CRUNPRE $CRUN delete -f "crun-i$k" >/dev/null 2>&1; k=$((k + 1)); done ;;
	esac
	bb_kill "idle-$1"
	bb_rmcg "idle-$1"
	rm -rf "$T/roots"
}
k=1
while [ $k -le "$NIDLE" ]; do BB_IPS="$BB_IPS 127.0.11.$((100 + k)) 127.0.12.$k"; k=$((k + 1)); done
bare=$(bb_bare "$NIDLE") || bare=""
for t in vserver nullguest guestfloor guestres chcontext $PEERS; do
	[ -n "$bare" ] && idle "$t" || echo "# idle memory of $t not measured (no memory cgroup of our own)"
done

# the table; the ratios are paired (timecmd: the median of the per-round
# ratios, so that what drifts between rounds cancels out)
med() { awk -v k="$1" -v c="${2:-2}" '$1 == k { print $c }' "$T/r"; }
# pr A B: the paired ratio of A to B, a number
pr() {
	awk -v a="$1" -v b="$2" '$1 == a "-" b { r = $3 } $1 == b "-" a { r = 1 / $3 }
		END { if (a == b) r = 1; if (r != "") printf "%.3f", r }' "$T/r"
}
x() { v=$(pr "$1" "$2"); [ -n "$v" ] && printf '%.2fx' "$v"; }
echo "# peers: $ROUNDS interleaved rounds; us; paired ratios; idle: KiB an idle guest costs beyond its own process (a busybox sleep, $bare KiB bare), $NIDLE guests, and processes per guest (the sleep included)"
printf '%-15s %8s %8s %7s %9s %11s %9s %6s\n' tool median min x/true x/nsfloor x/nullguest idle-KiB procs
for t in true nsfloor ctxfloor nullguest guestfloor guestres chcontext vserver ${CRUNPRE:+nocg2} $PEERS; do
	i=$(awk -v k="$t" '$1 == k { print $2 - b, $3 }' b="${bare:-0}" "$T/idle" 2>/dev/null)
	printf '%-15s %8s %8s %7s %9s %11s %9s %6s\n' "$t" "$(med "$t")" "$(med "$t" 3)" \
		"$(x "$t" true)" "$(x "$t" nsfloor)" "$(x "$t" nullguest)" "${i% *}" "${i#* }"
done
echo "# nullguest, guestfloor and vserver rows are a start+stop cycle; the others run /bin/true once.${CRUNPRE:+ crun runs behind nocg2 (row nocg2: its cost alone).} guestres: guestfloor with a resident helper process in each guest (idle memory only)."
[ -s "$T/idle" ] && echo "# resident beside each idle guest's sleep: $(awk '{ printf "%s%s: ", s, $1; for (i = 4; i <= NF; i++) printf "%s%s", (i > 4 ? " " : ""), $i; s = "; " }' "$T/idle")"
# goal NAME A B LIMIT OP TARGET: a target line on A's paired ratio to B
goal() {
	echo "$1: $(x "$2" "$3") paired ($2 $(med "$2") us, $3 $(med "$3") us median; $(ratio "$(med "$2")" "$(med "$3")") of medians; $6: $(met "$(pr "$2" "$3")" "$5" "$4"))"
}
goal chcontext-vs-nsfloor chcontext nsfloor 1.3 "<=" "issue 22's target <= 1.3x"
for p in unshare bwrap; do
	case " $PEERS " in *" $p "*) ;; *) echo "# chcontext-vs-$p: $p not run"; continue ;; esac
	goal "chcontext-vs-$p" chcontext $p 1 "<" "target: below it"
done
goal vserver-cycle-vs-nullguest vserver nullguest 1.4 "<=" "issue 22's target <= 1.4x; vserver's start $(med vserver.1) + stop $(med vserver.2) us"
# what the floors with the kernel work say of those targets
echo "ctxfloor-vs-nsfloor: $(x ctxfloor nsfloor) paired (chcontext's kernel work done alone: cgroup2 directory, proc and read-only mounts, cgroup namespace, bounding set, record); chcontext is $(x chcontext ctxfloor) of it"
echo "guestfloor-vs-nullguest: $(x guestfloor nullguest) paired (a lower bound of a guest's kernel work, without BPF, seccomp, Landlock, capabilities, device nodes, lock or record: start $(med guestfloor.1) + stop $(med guestfloor.2) us); vserver is $(x vserver guestfloor) of it"
sz=$(stat -c %s "$VSBOX")
echo "binary-size: $sz bytes ($(( sz / 1024 )) KiB, issue 22's target <= 400000 bytes: $(met "$sz" "<=" 400000))"
