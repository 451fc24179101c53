#!/bin/sh
# 60-userns.sh - what USERNS=yes costs a guest (lib/userns.c): start+stop of
# the same guest with and without it, interleaved, median of 20, on trees of
# 1,000 and 100,000 files (the idmapped mount makes it independent of the
# file count: target <= 1.15x, the same for both); and the personal security
# box, chcontext as an ordinary user, against bwrap --unshare-all
# --ro-bind / / true (when installed), both run through setpriv as the same
# made-up uid (target: faster).
set -u
: "${VSBOX:?}" "${BENCH_BIN:?}"
for c in python3 busybox setpriv; do
	command -v $c >/dev/null || { echo "# 60-userns: $c missing"; exit 1; }
done
BENCH_NAME=userns BENCH_GUESTS="plain uns" BENCH_USERNS_BASE=5000000
. "$(dirname "$0")/guests-lib.sh"

# the image: busybox, PID 1 a sleep, N small files in directories of 100
image() {
	rm -rf "$T/img"
	mkdir -p "$T/img/bin" "$T/img/etc" "$T/img/proc" "$T/img/sys" "$T/img/dev" "$T/img/tmp"
	cp "$(command -v busybox)" "$T/img/bin/busybox"
	ln -s busybox "$T/img/bin/sleep"
	echo 'root:x:0:0:root:/root:/bin/sh' >"$T/img/etc/passwd"
	python3 - "$T/img/data" "$1" <<'EOF'
import os, sys
n = int(sys.argv[2])
for d in range(n // 100):
    p = os.path.join(sys.argv[1], "d%04d" % d)
    os.makedirs(p)
    for f in range(100):
        open(os.path.join(p, "f%03d" % f), "w").close()
EOF
}

for n in 1000 100000; do
	image $n
	for g in plain uns; do
		rm -rf "$VSBOX_ROOTDIR/$g"
		cp -al "$T/img" "$VSBOX_ROOTDIR/$g"
		printf 'S_FLAGS="fakeinit"\nINIT="/bin/sleep 100000"\nSTOPSIG=KILL\nSTOP_TIMEOUT=0\n' >"$VSBOX_CONFDIR/$g.conf"
	done
	echo "USERNS=yes" >>"$VSBOX_CONFDIR/uns.conf"
	"$BENCH_BIN/timecmd" 20 \
		plain "$VSBOX" vserver plain start -q :: "$VSBOX" vserver plain stop -q -- \
		uns "$VSBOX" vserver uns start -q :: "$VSBOX" vserver uns stop -q >"$T/r" ||
		{ echo "# 60-userns: start/stop failed ($n files)"; exit 1; }
	a=$(awk '$1 == "plain" { print $2 }' "$T/r")
	b=$(awk '$1 == "uns" { print $2 }' "$T/r")
	q=$(awk '$1 == "uns-plain" { printf "%.2fx", $3 }' "$T/r")
	echo "userns-cycle-$n: $b us median start+stop with USERNS=yes, $a us without ($(awk -v a="$a" -v b="$b" \
		'BEGIN { printf "%.2fx", b / a }'); paired, the median of each round's ratio: $q; target <= 1.15x; $(find "$T/img" | wc -l) files; 20 interleaved rounds)"
done

# the personal security box against bwrap, as the same ordinary uid
as_user="setpriv --reuid 61999 --regid 61999 --clear-groups --inh-caps=-all"
set -- setpriv $as_user /bin/true -- chcontext $as_user "$VSBOX" chcontext /bin/true
command -v bwrap >/dev/null && set -- "$@" -- bwrap $as_user bwrap --unshare-all --ro-bind / / /bin/true
"$BENCH_BIN/timecmd" 60 "$@" >"$T/r" || { echo "# 60-userns: the box failed"; exit 1; }
base=$(awk '$1 == "setpriv" { print $2 }' "$T/r")
while read -r name med min; do
	case $name in setpriv|*-*) continue ;; esac     # (and timecmd's paired lines)
	echo "box-$name: ${med} us median, ${min} us min ($(awk -v a="$med" -v b="$base" 'BEGIN { printf "+%d us over setpriv /bin/true", a - b }'); as uid 61999; median of 60)"
done <"$T/r"
command -v bwrap >/dev/null || echo "# 60-userns: bwrap not installed: no comparison"
