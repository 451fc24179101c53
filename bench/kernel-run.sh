#!/bin/sh
# kernel-run.sh - make bench-kernel: the benches that need the patched
# kernel (bench/kernel/NN-*.sh; today vunify --method link, on disk and in
# memory) run inside the kernel tier: the cached patched kernel (KVER, 6.12
# by default; "6.1 6.12" for both) booted under qemu by build/kernel-run.sh
# with those scripts as its test list, the cached debootstrap
# (/var/cache/vsbox/debian-bookworm-minbase.tar.gz, made by make bench's
# 60-unify.sh) in the run's tree as build/cache/, a 4 GB scratch ext4 disk.
# Never builds a kernel: without one in the cache it says how to get it.
# The result lines go to bench/results-kernel.txt (make bench's stay in
# bench/results.txt); the tier's verdict, one TAP line per script, follows.
# Bounded: VSBOX_KT_TIMEOUT (a script, default 2400 s) and
# VSBOX_KT_BOOT_TIMEOUT (a kernel's whole run, default 3000 s).
set -u
B=$(cd "$(dirname "$0")" && pwd)
TOP=$(dirname "$B")
TB=/var/cache/vsbox/debian-bookworm-minbase.tar.gz
[ -s "$TB" ] || { echo "bench-kernel: no $TB: make bench makes it (bench/60-unify.sh)" >&2; exit 1; }
cd "$TOP"
out=$B/results-kernel.txt
mkdir -p build/obj/kernel
fail=0
: >"$out.tmp"
for v in ${KVER:-6.12}; do
	K=$(sh build/kernel.sh --lookup "$v") ||
		{ echo "bench-kernel: no patched $v kernel in the cache: make kernel-check KVER=$v builds it (about an hour)" >&2; fail=1; continue; }
	echo "# bench-kernel: kernel $v patched: $K" >&2
	VSBOX_KT_COPY="$TB=build/cache" VSBOX_KT_EXT4_SIZE=4G \
		VSBOX_KT_TIMEOUT=${VSBOX_KT_TIMEOUT:-2400} VSBOX_KT_BOOT_TIMEOUT=${VSBOX_KT_BOOT_TIMEOUT:-3000} \
		sh build/kernel-run.sh "$K" "bench-$v" bench/kernel/[0-9]*.sh >"build/obj/kernel/bench-$v.tap" || fail=1
	R=build/obj/kernel/run-bench-$v
	if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then a=KVM; else a=TCG; fi
	{
		echo "# vsbox bench-kernel $(date -u +%Y-%m-%dT%H:%MZ) $(basename "$K") under qemu ($a, 2 cpus, ${VSBOX_KT_MEM:-2048} MB), $(cat "$R/seconds" 2>/dev/null) s"
		grep -E '^[0-9]+-[a-z0-9-]+: ' "$R/tap.log"
		grep -E '^not ok |^# ' "build/obj/kernel/bench-$v.tap"
	} | tee -a "$out.tmp"
	cat "build/obj/kernel/bench-$v.tap" >&2
done
mv "$out.tmp" "$out"
exit $fail
