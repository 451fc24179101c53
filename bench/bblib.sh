# bblib.sh - the set-up of a bench that runs busybox guests, and their
# peers, as root (10-peers.sh, 30-vserver.sh). Source it with BB_NAME set.
# It gives the bench a private directory $T with VSBOX_RUNDIR, VSBOX_CONFDIR
# and VSBOX_ROOTDIR in it, a relative cgroup base of its own
# (VSBOX_CGROUP_BASE: every cgroup the bench or a tool it runs makes is
# below it, in every hierarchy), a busybox image $T/img, and a cleanup at
# exit, run even on failure: every guest stopped, every process left in the
# bench's cgroups killed (nothing else ever runs in them), every address
# named in BB_IPS taken off lo, BB_CLEANUP (the bench's own undo) run, $T
# and the cgroups removed.
: "${VSBOX:?}" "${BENCH_BIN:?}" "${BB_NAME:?}"
TOP=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d "/tmp/vsbox-bench-$BB_NAME.XXXXXX")
chmod 755 "$T"
export VSBOX_RUNDIR="$T/run" VSBOX_CONFDIR="$T/etc" VSBOX_ROOTDIR="$T/vs" \
	VSBOX_CGROUP_BASE="vsbox-bench-$BB_NAME-$$"
# guests get private IPv6 loopbacks PREFIX::XID (lib/lback6.c); a prefix of
# the bench's own (in fd00:7673:2::/48, its pid in it), as the tests do, so
# that it numbers its contexts apart from any run beside it
VSBOX_LBACK6="fd00:7673:2:f:$(printf '%x:%x' $(($$ >> 16)) $(($$ & 0xffff)))::/96"
export VSBOX_LBACK6
BB_IPS="" BB_CLEANUP=":"
mkdir -p "$VSBOX_CONFDIR" "$VSBOX_ROOTDIR"

# bb_own: this shell's own cgroup directory in every mounted hierarchy, one
# a line (a v1 hierarchy is matched to its /proc/self/cgroup line by its
# controllers, named ones included; cgroup2 to the "0::" line)
bb_own() {
	sh "$TOP/build/cgmounts.sh" | awk -v self="/proc/$$/cgroup" '
	BEGIN {
		while ((getline l < self) > 0) {
			i = index(l, ":"); r = substr(l, i + 1); j = index(r, ":")
			cg[substr(r, 1, j - 1)] = substr(r, j + 1)
		}
	}
	{
		key = "?"
		if ($1 == "cgroup2")
			key = ""
		else for (c in cg) {
			if (c == "") continue
			n = split(c, cc, ","); ok = 1
			for (i = 1; i <= n; i++) if (index("," $3 ",", "," cc[i] ",") == 0) ok = 0
			if (ok) key = c
		}
		if (key in cg) { p = cg[key]; if (p == "/") p = ""; print $2 p }
	}'
}

BB_OWN=$(bb_own)        # (the bench's shell never moves)

# bb_mkcg REL: make $VSBOX_CGROUP_BASE/REL in every hierarchy (a v1 cpuset
# directory gets its parent's CPUs and memory nodes, else nothing could join
# it; the base passes them on to everything below it)
bb_mkcg() {
	for _o in $BB_OWN; do
		_d=$_o/$VSBOX_CGROUP_BASE
		[ -d "$_d" ] || { mkdir "$_d" || return 1
			if [ -f "$_d/cpuset.cpus" ]; then
				cat "$_o/cpuset.cpus" >"$_d/cpuset.cpus" && cat "$_o/cpuset.mems" >"$_d/cpuset.mems" &&
					echo 1 >"$_d/cgroup.clone_children" || return 1
			fi; }
		[ -d "$_d/$1" ] || mkdir -p "$_d/$1" || return 1
	done
}

# bb_join REL: move the calling (sub)shell into $VSBOX_CGROUP_BASE/REL in
# every hierarchy (made first): a tool run from there makes its cgroups
# below it, inside the bench's own subtree
bb_join() {
	bb_mkcg "$1" || return 1
	read -r _pid _ </proc/self/stat
	for _o in $BB_OWN; do
		echo "$_pid" >"$_o/$VSBOX_CGROUP_BASE/$1/cgroup.procs" || return 1
	done
}

# bb_hier FILE...: $VSBOX_CGROUP_BASE in the first of our own hierarchies
# that has one of FILEs (cgroup.subtree_control: cgroup2;
# memory.limit_in_bytes: v1 memory), or nothing
bb_hier() {
	for _o in $BB_OWN; do
		for _f in "$@"; do
			[ -f "$_o/$_f" ] && { echo "$_o/$VSBOX_CGROUP_BASE"; return 0; }
		done
	done
	return 1
}
# bb_memcg REL: the memory cgroup $VSBOX_CGROUP_BASE/REL (v1 memory
# hierarchy, else cgroup2 with the memory controller), or nothing
bb_memcg() { _h=$(bb_hier memory.usage_in_bytes memory.current) && echo "$_h/$1"; }
bb_usage() { cat "$1/memory.current" 2>/dev/null || cat "$1/memory.usage_in_bytes"; }

# bb_kill REL: kill every process in $VSBOX_CGROUP_BASE/REL and below (only
# the bench's own run there) until none is left, at most 10 s
bb_kill() {
	for _o in $BB_OWN; do
		_d=$_o/$VSBOX_CGROUP_BASE/$1
		[ -d "$_d" ] || continue
		_n=0
		while _p=$(find "$_d" -name cgroup.procs -exec cat {} + 2>/dev/null) && [ -n "$_p" ] && [ $_n -lt 100 ]; do
			# shellcheck disable=SC2086
			kill -9 $_p 2>/dev/null
			sleep 0.1
			_n=$((_n + 1))
		done
	done
}

# bb_rmcg REL: remove $VSBOX_CGROUP_BASE/REL and everything below it (a
# cgroup whose last process has just died may be busy a moment: 2 s)
bb_rmcg() {
	for _o in $BB_OWN; do
		_n=0
		while [ -d "$_o/$VSBOX_CGROUP_BASE/$1" ] && [ $_n -lt 20 ]; do
			find "$_o/$VSBOX_CGROUP_BASE/$1" -depth -type d -exec rmdir {} + 2>/dev/null ||
				sleep 0.1
			_n=$((_n + 1))
		done
	done
	return 0
}

bb_cleanup() {
	timeout 300 "$VSBOX" vservers -j 16 stop >/dev/null 2>&1
	eval "$BB_CLEANUP"
	bb_kill ""
	_have=$(ip -4 -o addr show dev lo)
	for _a in $BB_IPS; do
		case $_have in *" $_a/"*) ip addr del "$_a/32" dev lo ;; esac
	done
	for _a in $(ip -6 -o addr show dev lo 2>/dev/null | awk '{ print $4 }' | grep -F "${VSBOX_LBACK6%%::/*}:"); do
		ip -6 addr del "$_a" dev lo 2>/dev/null
	done
	rm -rf "$T"
	bb_rmcg ""
}
trap bb_cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE

# the image, as vserver build makes it: the mount points are there (else the
# first start of each guest makes them, and the first round is charged
# their inodes, dentries and directory blocks, ~14 KiB a guest, once); /usr
# for systemd-nspawn, which refuses a root without it
mkdir -p "$T/img/bin" "$T/img/etc" "$T/img/proc" "$T/img/sys" "$T/img/dev" "$T/img/tmp" "$T/img/usr"
cp "$(command -v busybox)" "$T/img/bin/busybox"
for l in sleep sh true hostname; do ln -s busybox "$T/img/bin/$l"; done
echo 'root:x:0:0:root:/root:/bin/sh' >"$T/img/etc/passwd"

# bb_guest NAME IP: a vsbox guest, its root hard links to the image, PID 1 a
# sleeper, one address on lo
bb_guest() {
	cp -al "$T/img" "$VSBOX_ROOTDIR/$1"
	printf 'IPROOT=%s\nIPROOTDEV=lo\nS_HOSTNAME=%s\nS_FLAGS="lock fakeinit"\nS_MEMORY=64M\nINIT="/bin/sleep 100000"\nSTOPSIG=KILL\nSTOP_TIMEOUT=0\nONBOOT=yes\n' \
		"$2" "$1" >"$VSBOX_CONFDIR/$1.conf"
	BB_IPS="$BB_IPS $2"
}

# bb_sleepers REL N: wait until N processes named sleep run in
# $VSBOX_CGROUP_BASE/REL and below (at most 60 s; a loaded machine may take
# a while to start them all), then a second more for them to settle (a
# process may end between the listing and the read of its name)
bb_sleepers() {
	_n=0
	for _o in $BB_OWN; do break; done
	while [ $_n -lt 600 ]; do
		# shellcheck disable=SC2046
		[ "$(awk 'BEGIN { for (i = 1; i < ARGC; i++) if ((getline l < ARGV[i]) > 0 && l == "sleep") n++; print n + 0 }' \
			$(find "$_o/$VSBOX_CGROUP_BASE/$1" -name cgroup.procs -exec cat {} + | sed 's|.*|/proc/&/comm|') 2>/dev/null)" -ge "$2" ] && break
		sleep 0.1
		_n=$((_n + 1))
	done
	sleep 1
}

# bb_bare N: KiB that one bare busybox sleep charges, N of them forked from
# a shell in a memory cgroup of their own
bb_bare() {
	_m=$(bb_memcg bare) || return 1
	bb_mkcg bare || return 1
	_b0=$(bb_usage "$_m")
	(bb_join bare && _i=0 && while [ $_i -lt "$1" ]; do "$T/img/bin/sleep" 100000 & _i=$((_i + 1)); done; wait) &
	bb_sleepers bare "$1"
	echo $(( ($(bb_usage "$_m") - _b0) / $1 / 1024 ))
	bb_kill bare
	wait
	bb_rmcg bare
}

median() { printf '%s\n' $1 | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else printf "-" }'; }
# met VALUE OP LIMIT: "met" or "NOT met"
met() { awk -v a="$1" -v b="$3" -v op="$2" 'BEGIN { ok = op == "<=" ? a <= b : a < b; print ok ? "met" : "NOT met" }'; }
