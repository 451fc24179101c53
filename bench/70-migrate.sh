#!/bin/sh
# 70-migrate.sh - the downtime of "vserver NAME move" (lib/migrate.c) for a
# running guest of 1 GiB (1024 files of 1 MiB) whose PID 1 rewrites 1 % of
# them (10 files) every second during the pre-copy, moved on this host (HOST
# ".", rsync without ssh), against a naive stop, full copy (rsync into an
# empty root), start. Target: a downtime of 2 s at most; the passes are
# reported. Three rounds each, every figure printed.
set -u
: "${VSBOX:?}"
for c in rsync busybox; do command -v $c >/dev/null || { echo "# 70-migrate: $c missing"; exit 1; }; done
T=$(mktemp -d /tmp/vsbox-bench-migrate.XXXXXX)
chmod 755 "$T"
export VSBOX_RUNDIR="$T/run" VSBOX_CGROUP_BASE="vsbox-bench-migrate-$$" VSBOX_CONFDIR="$T/etc" VSBOX_ROOTDIR="$T/vs"
CGDIRS="$(cd "$(dirname "$0")/.." && pwd)/build/cgbase-dirs.sh"
cleanup() {
	for c in "$VSBOX_CONFDIR"/*.conf; do
		[ -e "$c" ] && "$VSBOX" vserver "$(basename "${c%.conf}")" stop -q >/dev/null 2>&1
	done
	rm -rf "$T"
	for d in $(sh "$CGDIRS"); do rmdir "$d" 2>/dev/null; done
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE
mkdir -p "$VSBOX_CONFDIR" "$VSBOX_ROOTDIR"

# the image: busybox, 1 GiB of data, and a PID 1 that rewrites 10 files a second
img=$VSBOX_ROOTDIR/mv0
mkdir -p "$img/bin" "$img/etc" "$img/proc" "$img/sys" "$img/dev" "$img/data"
cp "$(command -v busybox)" "$img/bin/busybox"
for a in sh sleep dd; do ln -s busybox "$img/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' >"$img/etc/passwd"
cat >"$img/bin/churn" <<'EOC'
#!/bin/sh
trap 'exit 0' PWR TERM
while :; do
	for i in 0 1 2 3 4 5 6 7 8 9; do dd if=/dev/urandom of=/data/f$i bs=64k count=16 2>/dev/null; done
	sleep 1
done
EOC
chmod 755 "$img/bin/churn"
head -c $((${MIGRATE_MB:-1024} * 1024 * 1024)) /dev/urandom | split -b 1M -a 4 - "$img/data/f" || exit 1
(cd "$img/data" && i=0 && for f in f*; do mv "$f" "f$i"; i=$((i + 1)); done)
conf() { printf 'S_FLAGS="fakeinit"\nINIT="/bin/churn"\nSTOPSIG=TERM\nS_CONTEXT=\n' >"$VSBOX_CONFDIR/$1.conf"; }
conf mv0

now_ms() { echo $(($(date +%s%N) / 1000000)); }
cur=mv0 n=0 moves="" naives="" passes=""
for round in 1 2 3; do
	# vserver move: pre-copy while it runs, stop, last pass, start
	n=$((n + 1)); dst=mv$n
	"$VSBOX" vserver $cur start -q || { echo "# 70-migrate: start failed"; exit 1; }
	sleep 2
	out=$("$VSBOX" vserver $cur move .:$dst 2>"$T/err") || { echo "# 70-migrate: move failed: $(tail -n 3 "$T/err")"; exit 1; }
	moves="$moves $(echo "$out" | sed -n 's/.*downtime \([0-9]*\) ms.*/\1/p')"
	passes="$passes $(echo "$out" | sed -n 's/.* in \([0-9]*\) pass.*/\1/p')"
	cur=$dst
	# naive: stop, copy everything into an empty root, start
	n=$((n + 1)); dst=mv$n
	sleep 2
	t0=$(now_ms)
	"$VSBOX" vserver $cur stop -q
	mkdir "$VSBOX_ROOTDIR/$dst"
	rsync -aHAX --numeric-ids --sparse "$VSBOX_ROOTDIR/$cur/" "$VSBOX_ROOTDIR/$dst/"
	cp "$VSBOX_CONFDIR/$cur.conf" "$VSBOX_CONFDIR/$dst.conf"
	"$VSBOX" vserver $dst start -q
	t1=$(now_ms)
	naives="$naives $((t1 - t0))"
	"$VSBOX" vserver $dst stop -q
	rm -rf "$VSBOX_ROOTDIR/$cur" "$VSBOX_CONFDIR/$cur.conf"
	cur=$dst
done
echo "migrate: move of a running 1 GiB guest, 1 % of its files rewritten each second: downtime ms$moves (passes$passes); naive stop+copy+start ms$naives (target: move <= 2000)"
