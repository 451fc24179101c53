#!/bin/sh
# kernel-check.sh VER... - make kernel-check: for each kernel version (6.1,
# 6.12), the patched kernel (kernel/patches/VER/series) and the plain one of
# the same version (the negative control), each built or taken from the
# cache by build/kernel.sh, booted by build/kernel-run.sh with the whole test
# suite. A version without a series has one kernel only (plain = patched).
# "debian": Debian's own kernel image (build/kernel-debian.sh), no build.
# VSBOX_KT_BUILDS: how many kernels this run may build (default: all); a
# kernel beyond it that is not in the cache is reported as a SKIP that says
# so (the next run builds it), so a cold cache never passes silently.
# VSBOX_KT_PLAIN=0 leaves the plain control out; VSBOX_KT_PLAIN_TESTS (a
# list of files, globs allowed) runs only those there instead of everything.
set -eu
B=$(cd "$(dirname "$0")" && pwd)
TOP=$(dirname "$B")
[ $# -ge 1 ] || set -- 6.1 6.12
budget=${VSBOX_KT_BUILDS:--1}
fail=0 n=0 skipped=""
run() {   # VER MODE
	v=$1 m=$2 opt=""
	[ "$m" = plain ] && opt=--plain
	n=$((n + 1))
	if [ "$v" = debian ]; then
		k=$(sh "$B/kernel-debian.sh") || { echo "not ok $n - Debian's kernel: can't get it"; fail=1; return 0; }
	elif ! k=$(sh "$B/kernel.sh" --lookup $opt "$v"); then
		if [ "$budget" -eq 0 ]; then
			echo "ok $n # SKIP kernel $v $m: not in the cache and this run's build budget (VSBOX_KT_BUILDS) is spent; the next run builds it"
			skipped="$skipped $v-$m"
			return 0
		fi
		budget=$((budget - 1))
		t0=$(date +%s)
		k=$(sh "$B/kernel.sh" $opt "$v") || { echo "not ok $n - kernel $v $m: build failed"; fail=1; return 0; }
		echo "# kernel $v $m: built in $(($(date +%s) - t0)) s"
	fi
	echo "# kernel $v $m: $k"
	out=$TOP/build/obj/kernel/run-$v-$m.tap
	mkdir -p "$TOP/build/obj/kernel"         # (a fresh clone has no build/obj/kernel yet)
	tests=""
	if [ "$m" = plain ] && [ -n "${VSBOX_KT_PLAIN_TESTS:-}" ]; then
		for t in $VSBOX_KT_PLAIN_TESTS; do [ -f "$TOP/$t" ] && tests="$tests $t"; done
		echo "# kernel $v plain: only$tests (VSBOX_KT_PLAIN_TESTS)"
	fi
	# shellcheck disable=SC2086
	if sh "$B/kernel-run.sh" "$k" "$v-$m" $tests > "$out"; then
		sed 's/^/    /' "$out"
		echo "ok $n - kernel $v $m: the suite passed ($(cat "$TOP/build/obj/kernel/run-$v-$m/seconds") s in qemu)"
	else
		sed 's/^/    /' "$out"
		echo "not ok $n - kernel $v $m: see build/obj/kernel/run-$v-$m/ (tap.log, console.log)"
		fail=1
	fi
}
for v in "$@"; do
	case "$v" in 6.1|6.12|debian) ;; *) echo "kernel-check.sh: $v: no such kernel (6.1, 6.12 or debian)" >&2; exit 2 ;; esac
done
# the patched kernels first: with a build budget they are built first
for v in "$@"; do
	if [ "$v" = debian ]; then
		run debian stock
	elif [ -f "$TOP/kernel/patches/$v/series" ]; then
		run "$v" patched
	else
		echo "# kernel $v: no kernel/patches/$v/series: the plain kernel only"
		run "$v" plain
	fi
done
for v in "$@"; do
	if [ "${VSBOX_KT_PLAIN:-1}" != 0 ] && [ -f "$TOP/kernel/patches/$v/series" ]; then
		run "$v" plain
	fi
done
echo "1..$n"
[ -z "$skipped" ] || echo "# NOT RUN (cold cache, build budget spent):$skipped"
exit $fail
