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
# VSBOX_KT_TESTS: the same for the patched (and Debian's) kernels, except
# the VSBOX_KT_WHOLE=N of them whose whole suite is the oldest: they run
# everything (a rotation, so every kernel gets the whole suite in turn).
# VSBOX_KT_DEADLINE (seconds since the epoch): the tier must be done by
# then. A kernel whose build (if it is not cached) and run do not fit in
# what is left, by the times measured last (kept in $VSBOX_KCACHE/times/;
# never measured: 1800 s a build, 2400 s the whole suite, 300 s a list),
# is a SKIP that says so; a run gets at most the time left before it.
set -eu
B=$(cd "$(dirname "$0")" && pwd)
TOP=$(dirname "$B")
C=${VSBOX_KCACHE:-/var/cache/vsbox/kernel}
[ $# -ge 1 ] || set -- 6.1 6.12
budget=${VSBOX_KT_BUILDS:--1}
deadline=${VSBOX_KT_DEADLINE:-0}
fail=0 n=0 skipped=""
mkdir -p "$C/times"
# the last measured time of a step, or a guess
took() { cat "$C/times/$1" 2>/dev/null || echo "$2"; }
nope() {   # VER MODE REASON
	echo "ok $n # SKIP kernel $1 $2: $3"
	skipped="$skipped $1-$2"
}
run() {   # VER MODE
	v=$1 m=$2 opt=""
	[ "$m" = plain ] && opt=--plain
	n=$((n + 1))
	tests="" what=suite guess=2400 list=""
	if [ "$m" = plain ]; then
		list=${VSBOX_KT_PLAIN_TESTS:-}
	elif ! printf '%s\n' $whole | grep -qx "$v-$m"; then
		list=${VSBOX_KT_TESTS:-}
	fi
	if [ -n "$list" ]; then
		for t in $list; do [ -f "$TOP/$t" ] && tests="$tests $t"; done
		what=list guess=300
	fi
	est=$(took "run-$v-$m-$what" $guess) need=$est
	# the whole suite may fall back to VSBOX_KT_TESTS when time is short
	[ "$what" = suite ] && [ -n "${VSBOX_KT_TESTS:-}" ] && need=$(took "run-$v-$m-list" 300)
	if [ "$v" = debian ]; then
		k=$(sh "$B/kernel-debian.sh") || { echo "not ok $n - Debian's kernel: can't get it"; fail=1; return 0; }
	elif ! k=$(sh "$B/kernel.sh" --lookup $opt "$v"); then
		if [ "$budget" -eq 0 ]; then
			nope "$v" "$m" "not in the cache and this run's build budget (VSBOX_KT_BUILDS) is spent; the next run builds it"
			return 0
		fi
		b=$(took "build-$v-$m" 1800)
		if [ "$deadline" -gt 0 ] && [ $(($(date +%s) + b + need)) -gt "$deadline" ]; then
			nope "$v" "$m" "not in the cache, and building it (~$b s) and its run (~$need s) do not fit in the $((deadline - $(date +%s))) s left (VSBOX_KT_DEADLINE); a run with the time builds it"
			return 0
		fi
		budget=$((budget - 1))
		t0=$(date +%s)
		k=$(sh "$B/kernel.sh" $opt "$v") || { echo "not ok $n - kernel $v $m: build failed"; fail=1; return 0; }
		echo "$(($(date +%s) - t0))" > "$C/times/build-$v-$m"
		echo "# kernel $v $m: built in $(cat "$C/times/build-$v-$m") s"
	fi
	to=${VSBOX_KT_BOOT_TIMEOUT:-5400}
	if [ "$deadline" -gt 0 ]; then
		left=$((deadline - $(date +%s)))
		if [ "$left" -lt "$est" ] && [ "$need" -lt "$est" ]; then
			echo "# kernel $v $m: the whole suite (~$est s) does not fit in the $left s left: VSBOX_KT_TESTS only"
			skipped="$skipped $v-$m(the-whole-suite)"
			for t in $VSBOX_KT_TESTS; do [ -f "$TOP/$t" ] && tests="$tests $t"; done
			what=list est=$need
		fi
		if [ "$left" -lt "$est" ]; then
			nope "$v" "$m" "its run (~$est s) does not fit in the $left s left (VSBOX_KT_DEADLINE)"
			return 0
		fi
		[ "$left" -lt "$to" ] && to=$left
	fi
	echo "# kernel $v $m: $k"
	[ -z "$tests" ] || echo "# kernel $v $m: only$tests, not the whole suite (VSBOX_KT_TESTS, VSBOX_KT_PLAIN_TESTS, VSBOX_KT_WHOLE)"
	out=$TOP/build/obj/kernel/run-$v-$m.tap
	mkdir -p "$TOP/build/obj/kernel"         # (a fresh clone has no build/obj/kernel yet)
	# shellcheck disable=SC2086
	if VSBOX_KT_BOOT_TIMEOUT=$to sh "$B/kernel-run.sh" "$k" "$v-$m" $tests > "$out"; then
		sed 's/^/    /' "$out"
		cp "$TOP/build/obj/kernel/run-$v-$m/seconds" "$C/times/run-$v-$m-$what"
		[ "$what" = list ] || touch "$C/times/whole-$v-$m"
		echo "ok $n - kernel $v $m: the $what passed ($(cat "$TOP/build/obj/kernel/run-$v-$m/seconds") s in qemu)"
	else
		sed 's/^/    /' "$out"
		echo "not ok $n - kernel $v $m: see build/obj/kernel/run-$v-$m/ (tap.log, console.log)"
		fail=1
	fi
}
for v in "$@"; do
	case "$v" in 6.1|6.12|debian) ;; *) echo "kernel-check.sh: $v: no such kernel (6.1, 6.12 or debian)" >&2; exit 2 ;; esac
done
# VSBOX_KT_WHOLE=N: the N patched (or stock) kernels whose whole suite ran
# longest ago get it this run
whole=""
if [ -n "${VSBOX_KT_WHOLE:-}" ]; then
	whole=$(for v in "$@"; do
		l=$v-plain
		[ "$v" = debian ] && l=debian-stock
		[ -f "$TOP/kernel/patches/$v/series" ] && l=$v-patched
		echo "$(stat -c %Y "$C/times/whole-$l" 2>/dev/null || echo 0) $l"
	done | sort -n -s -k1,1 | head -n "$VSBOX_KT_WHOLE" | cut -d' ' -f2)
fi
# the patched kernels first: with a build budget they are built first;
# a cached kernel due for the whole suite under VSBOX_KT_WHOLE last (the
# others' short lists are not to wait for it)
later=""
for v in "$@"; do
	if [ -n "${VSBOX_KT_TESTS:-}" ] && printf '%s\n' $whole | grep -qx "$v-patched\|$v-plain\|$v-stock" &&
	   { [ "$v" = debian ] || sh "$B/kernel.sh" --lookup "$v" >/dev/null; }; then
		later="$later $v"
	elif [ "$v" = debian ]; then
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
for v in $later; do
	case "$v" in debian) run debian stock ;; *) run "$v" "$(printf '%s\n' $whole | sed -n "s/^$v-//p")" ;; esac
done
echo "1..$n"
[ -z "$skipped" ] || echo "# NOT RUN (not in the cache, or no time left):$skipped"
exit $fail
