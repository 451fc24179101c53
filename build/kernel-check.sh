#!/bin/sh
# kernel-check.sh KVER... - make kernel-check. KVER 6.1 or 6.12: the patched
# kernel of that version (kernel/patches/VER/series on Debian's
# linux-source-VER, built or taken from the cache by build/kernel.sh) and its
# negative control, Debian's own image of the very same source version
# (build/kernel-debian.sh: no build); a version without a series has the
# control only. KVER debian-6.1 (or debian) and debian-6.12: the control
# alone. Each is booted by build/kernel-run.sh with the whole test suite.
# VSBOX_KT_PLAIN=0 leaves the controls out; VSBOX_KT_PLAIN=tiny makes them
# the unpatched tinyconfig build (build/kernel.sh --plain) instead.
# VSBOX_KT_BUILDS: how many kernels this run may build (default: all); a
# kernel beyond it that is not in the cache is reported as a SKIP that says
# so (the next run builds it), so a cold cache never passes silently.
# VSBOX_KT_TESTS (a list of files, globs allowed): run only those instead of
# everything; VSBOX_KT_PLAIN_TESTS: the same for the controls (default:
# VSBOX_KT_TESTS). Except for the VSBOX_KT_WHOLE=N kernels whose whole
# suite is the oldest: they run everything (a rotation, so every kernel,
# control or not, gets the whole suite in turn).
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
# the cached debootstrap (made by make bench or make check-debian), in each
# run's tree as build/cache/ when it is there: tests/vapt-link.t builds
# Debian guests from it (the tier has no network); VSBOX_KT_COPY set: that
TBM=/var/cache/vsbox/debian-bookworm-minbase.tar.gz
if [ -z "${VSBOX_KT_COPY+set}" ] && [ -s "$TBM" ]; then export VSBOX_KT_COPY="$TBM=build/cache"; fi
# the last measured time of a step, or a guess
took() { cat "$C/times/$1" 2>/dev/null || echo "$2"; }
nope() {   # VER MODE REASON
	echo "ok $n # SKIP kernel $1 $2: $3"
	skipped="$skipped $1-$2"
}
run() {   # VER MODE (patched, plain: Debian's image, tiny: kernel.sh --plain)
	v=$1 m=$2 opt=""
	[ "$m" = tiny ] && opt=--plain
	n=$((n + 1))
	tests="" what=suite guess=2400 list=""
	short=${VSBOX_KT_TESTS:-}
	[ "$m" = patched ] || short=${VSBOX_KT_PLAIN_TESTS-$short}
	printf '%s\n' $whole | grep -qx "$v-$m" || list=$short
	if [ -n "$list" ]; then
		for t in $list; do [ -f "$TOP/$t" ] && tests="$tests $t"; done
		what=list guess=300
	fi
	est=$(took "run-$v-$m-$what" $guess) need=$est
	# the whole suite may fall back to the short list when time is short
	[ "$what" = suite ] && [ -n "$short" ] && need=$(took "run-$v-$m-list" 300)
	if [ "$m" = plain ]; then
		k=$(sh "$B/kernel-debian.sh" "$v") || { echo "not ok $n - kernel $v plain: can't get Debian's image"; fail=1; return 0; }
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
			echo "# kernel $v $m: the whole suite (~$est s) does not fit in the $left s left: the short list only"
			skipped="$skipped $v-$m(the-whole-suite)"
			for t in $short; do [ -f "$TOP/$t" ] && tests="$tests $t"; done
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
# the kernels, as VER-MODE: patched ones first (with a build budget they
# are built first), then the controls
pm=plain
case "${VSBOX_KT_PLAIN:-1}" in 0) pm="" ;; tiny) pm=tiny ;; esac
first="" controls=""
for v in "$@"; do
	case "$v" in
	6.1|6.12)
		if [ -f "$TOP/kernel/patches/$v/series" ]; then
			first="$first $v-patched"
			[ -z "$pm" ] || controls="$controls $v-$pm"
		else
			echo "# kernel $v: no kernel/patches/$v/series: the control only"
			controls="$controls $v-${pm:-plain}"
		fi ;;
	debian|debian-6.1) controls="$controls 6.1-plain" ;;
	debian-6.12) controls="$controls 6.12-plain" ;;
	*) echo "kernel-check.sh: $v: no such kernel (6.1, 6.12, debian-6.1 or debian-6.12)" >&2; exit 2 ;;
	esac
done
all=$(printf '%s\n' $first $controls | awk '!seen[$0]++')
# VSBOX_KT_WHOLE=N: the N kernels whose whole suite ran longest ago get it
# this run
whole=""
if [ -n "${VSBOX_KT_WHOLE:-}" ]; then
	whole=$(for l in $all; do
		echo "$(stat -c %Y "$C/times/whole-$l" 2>/dev/null || echo 0) $l"
	done | sort -n -s -k1,1 | head -n "$VSBOX_KT_WHOLE" | cut -d' ' -f2)
fi
# a kernel due for the whole suite runs last when it is at hand (the
# others' short lists are not to wait for it)
later=""
for l in $all; do
	v=${l%-*} m=${l##*-}
	if [ -n "${VSBOX_KT_TESTS:-}" ] && printf '%s\n' $whole | grep -qx "$l" &&
	   case "$m" in
	   plain) true ;;
	   tiny) sh "$B/kernel.sh" --lookup --plain "$v" >/dev/null ;;
	   *) sh "$B/kernel.sh" --lookup "$v" >/dev/null ;;
	   esac; then
		later="$later $l"
	else
		run "$v" "$m"
	fi
done
for l in $later; do run "${l%-*}" "${l##*-}"; done
echo "1..$n"
[ -z "$skipped" ] || echo "# NOT RUN (not in the cache, or no time left):$skipped"
exit $fail
