#!/bin/sh
# compare.sh - make bench-compare BEFORE=REV: what a change costs a start.
# Builds vsbox as it was at git revision REV (in a throwaway worktree, with
# this tree's libcap build) or takes BEFORE_BIN, then times this tree's
# vsbox against it in the same interleaved rounds: a new context running
# /bin/true (chcontext) and a start+stop cycle of the busybox bench guest
# with one IP (bench/bblib.sh's guest). Each binary keeps a run directory
# and a cgroup base of its own (their formats may differ, and each keeps
# its BPF programs attached to its base: sharing one, each start would
# replace the other's); the guest's root and config are shared. Prints
# the medians and the paired difference: the median of each round's
# difference (which cancels what drifts between rounds), taken in both
# orders and averaged, COMPARE_ROUNDS (200) rounds.
# Issue 20's budget is checked this way: BEFORE=546ac26^ (the last commit
# before its protections), target at most +0.3 ms.
set -u
: "${VSBOX:?}" "${BENCH_BIN:?}"
BB_NAME=compare
. "$(dirname "$0")/bblib.sh"
ROUNDS=${COMPARE_ROUNDS:-200}
OLD=${BEFORE_BIN:-}
mkdir -p "$T/old"
if [ -z "$OLD" ]; then
	: "${BEFORE:?BEFORE=REV (a git revision) or BEFORE_BIN=PATH}"
	W=$T/before
	git -C "$TOP" worktree add -q --detach "$W" "$BEFORE" || { echo "# compare: no revision $BEFORE"; exit 1; }
	BB_CLEANUP="git -C '$TOP' worktree remove --force '$W'"
	mkdir -p "$W/build/obj" && cp -a "$TOP/build/libcap" "$W/build/" && cp -a "$TOP/build/obj/kinc" "$W/build/obj/" &&
		touch "$W/build/.deps-ok" || exit 1
	nice make -s -C "$W" -j"$(nproc)" vsbox >"$T/make.log" 2>&1 ||
		{ echo "# compare: $BEFORE does not build: $(tail -n 1 "$T/make.log")"; exit 1; }
	OLD=$W/vsbox
fi
# (named vsbox: the applet is chosen by the name it runs under)
cp "$OLD" "$T/old/vsbox" || exit 1
rev=${BEFORE:-$OLD}
OLD=$T/old/vsbox
bb_mkcg run || { echo "# compare: can't make cgroups of our own"; exit 1; }
bb_guest one 127.0.11.253
A="env VSBOX_RUNDIR=$T/run-before VSBOX_CGROUP_BASE=$VSBOX_CGROUP_BASE-before $OLD"
B="env VSBOX_RUNDIR=$T/run $VSBOX"
# each pair twice, in both orders (before, now, now, before): what runs
# first after the previous round's stop pays for the kernel's deferred
# clean-up, so one order alone favours one side
# shellcheck disable=SC2086
(bb_join run && exec timeout 1800 "$BENCH_BIN/timecmd" "$ROUNDS" \
	ctx-before $A chcontext --silent /bin/true -- \
	ctx $B chcontext --silent /bin/true -- \
	ctx2 $B chcontext --silent /bin/true -- \
	ctx-before2 $A chcontext --silent /bin/true -- \
	cycle-before $A vserver one start -q :: $A vserver one stop -q -- \
	cycle $B vserver one start -q :: $B vserver one stop -q -- \
	cycle2 $B vserver one start -q :: $B vserver one stop -q -- \
	cycle-before2 $A vserver one start -q :: $A vserver one stop -q) >"$T/r" ||
	{ echo "# compare: a command failed in the timed rounds"; exit 1; }
f() { awk -v k="$1" -v c="$2" '$1 == k { print $c }' "$T/r"; }
# d NAME [.STEP]: now - before, paired, the mean of both orders
d() { awk -v k="$1" -v s="${2:-}" '$1 == k s "-" k "-before" s { a = $2 } $1 == k "-before2" s "-" k "2" s { b = $2 }
	END { printf "%+.3f ms (%+.3f ms before first, %+.3f ms now first)", (a - b) / 2000, a / 1000, -b / 1000 }' "$T/r"; }
echo "compare-chcontext: $(f ctx 2) us median now, $(f ctx-before 2) us at $rev; paired: $(d ctx) ($ROUNDS rounds, interleaved)"
echo "compare-cycle: $(f cycle 2) us median start+stop now (start $(f cycle.1 2), stop $(f cycle.2 2)), $(f cycle-before 2) us at $rev (start $(f cycle-before.1 2), stop $(f cycle-before.2 2)); paired: $(d cycle) ($ROUNDS rounds, interleaved)"
echo "compare-start: paired $(d cycle .1)"
echo "compare-stop: paired $(d cycle .2)"
