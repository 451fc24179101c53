#!/bin/sh
# kernel-make.sh SRC OUT FRAGMENT LOG - configure and build a bzImage (build/kernel.sh
# calls it; its text is part of the cache key, so it holds exactly the steps
# that make the kernel). tinyconfig, then the fragment merged with
# merge_config.sh (run from the source tree, absolute paths), olddefconfig,
# and every CONFIG_ line of the fragment must be in the final .config.
set -eu
SRC=$1 O=$2 FRAG=$3 LOG=$4
die() { echo "kernel-make.sh: $*" >&2; exit 1; }
mkdir -p "$O"
export KBUILD_BUILD_USER=vsbox KBUILD_BUILD_HOST=kernel-check
{
	make -C "$SRC" O="$O" tinyconfig
	(cd "$SRC" && ./scripts/kconfig/merge_config.sh -m -O "$O" "$O/.config" "$FRAG")
	make -C "$SRC" O="$O" olddefconfig
} > "$LOG" 2>&1 || { tail -n 20 "$LOG" >&2; die "configuring $SRC failed (log: $LOG)"; }
lost=$(grep -E '^(CONFIG_[A-Za-z0-9_]+=|# CONFIG_[A-Za-z0-9_]+ is not set)' "$FRAG" | while read -r l; do
	grep -qxF "$l" "$O/.config" || echo "$l"; done)
[ -z "$lost" ] || die "$(basename "$FRAG") lines lost by olddefconfig: $(echo $lost)"
nice -n 19 make -C "$SRC" O="$O" -j"$(nproc)" bzImage >> "$LOG" 2>&1 ||
	{ tail -n 30 "$LOG" >&2; die "building $SRC failed (log: $LOG)"; }
