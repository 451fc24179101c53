#!/bin/sh
# kernel.sh - build (or find in the cache) a test kernel for make kernel-check.
#   sh build/kernel.sh [--lookup] [--plain] VER        VER: 6.1 or 6.12
# Prints the cache directory holding bzImage, config and build.log
# (--lookup: only when it is cached, else exit 1 without building).
#
# The source is Debian's linux-source-VER binary package (the patched Debian
# tree as a tarball), fetched by build/kernel-fetch.sh (a private apt
# configuration: the system's apt sources and package state are untouched)
# and kept under $VSBOX_KCACHE/src. Configuration: tinyconfig + kernel/vsbox.config
# (merge_config.sh, olddefconfig); every CONFIG_ line of the fragment must
# survive. Then kernel/patches/VER/series is applied with patch -p1, unless
# --plain (unpatched: make kernel-check's control with VSBOX_KT_PLAIN=tiny;
# its default control is Debian's image, build/kernel-debian.sh). The
# bzImage is cached under
# $VSBOX_KCACHE/KEY, KEY being the sha256 of the fragment, the series and its
# patches, build/kernel-make.sh, the source package version and gcc --version; a hit
# skips the build. Stored through a temporary directory and a rename.
# Env: VSBOX_KCACHE (default /var/cache/vsbox/kernel), VSBOX_KPATCHES (default
# kernel/patches/VER), VSBOX_KREFRESH=1 (kernel-fetch.sh: look for a newer
# source package now; otherwise once a week).
set -eu
B=$(cd "$(dirname "$0")" && pwd)
TOP=$(dirname "$B")
die() { echo "kernel.sh: $*" >&2; exit 1; }
MODE=patched LOOKUP=0
[ "${1:-}" = --lookup ] && { LOOKUP=1; shift; }
[ "${1:-}" = --plain ] && { MODE=plain; shift; }
[ $# -eq 1 ] || die "usage: kernel.sh [--lookup] [--plain] 6.1|6.12"
VER=$1
case "$VER" in 6.1|6.12) ;; *) die "$VER: no such kernel (6.1 or 6.12)" ;; esac
C=${VSBOX_KCACHE:-/var/cache/vsbox/kernel}
P=${VSBOX_KPATCHES:-$TOP/kernel/patches/$VER}
FRAG=$TOP/kernel/vsbox.config
PKG=linux-source-$VER
mkdir -p "$C/src"
[ $LOOKUP = 1 ] || VSBOX_EXTRA_PKGS="bc bison flex libelf-dev libssl-dev xz-utils" sh "$B/deps.sh" >&2

# --- the source package (build/kernel-fetch.sh)
if [ $LOOKUP = 1 ]; then
	DEB=$(sh "$B/kernel-fetch.sh" --cached "$PKG") || exit 1
else
	DEB=$(sh "$B/kernel-fetch.sh" "$PKG")
fi
SRCVER=$(dpkg-deb -f "$DEB" Version)

# --- the series (none for --plain)
PATCHES=""
if [ "$MODE" = patched ] && [ -f "$P/series" ]; then
	for p in $(sed -e 's/#.*//' "$P/series"); do
		[ -f "$P/$p" ] || die "$P/series: $p: no such patch"
		PATCHES="$PATCHES $P/$p"
	done
fi

# a version without a series has one kernel: the plain one
[ -n "$PATCHES" ] || MODE=plain

# --- the cache key
KEY=$({ echo "$MODE $VER $SRCVER"; gcc --version | head -n 1; cat "$FRAG" "$B/kernel-make.sh"
	for p in $PATCHES; do echo "== $(basename "$p")"; cat "$p"; done; } | sha256sum | cut -c1-32)
K=$C/$VER-$MODE-$KEY
if [ -f "$K/bzImage" ]; then echo "$K"; exit 0; fi
[ $LOOKUP = 0 ] || exit 1
exec 9>"$C/.lock-$KEY"
flock 9
if [ -f "$K/bzImage" ]; then echo "$K"; exit 0; fi

# --- source tree (build/obj/kernel/VER-MODE/src), patched; out of tree build (out)
W=$TOP/build/obj/kernel/$VER-$MODE
mkdir -p "$W"
exec 7>"$W/.lock"
flock 7
STAMP="$SRCVER $(for p in $PATCHES; do sha256sum < "$p"; done | sha256sum)"
if [ "$(cat "$W/src/.vsbox-applied" 2>/dev/null)" != "$STAMP" ]; then
	echo "kernel.sh: extracting $PKG $SRCVER into $W/src" >&2
	rm -rf "$W/src" "$W/tmp"
	mkdir -p "$W/tmp"
	dpkg-deb --fsys-tarfile "$DEB" | tar -x -C "$W/tmp" "./usr/src/$PKG.tar.xz"
	tar -xJf "$W/tmp/usr/src/$PKG.tar.xz" -C "$W/tmp"
	mv "$W/tmp/$PKG" "$W/src"
	rm -rf "$W/tmp"
	: > "$W/touched.new"
	for p in $PATCHES; do
		patch -p1 --batch --forward -d "$W/src" < "$p" > "$W/patch.log" 2>&1 ||
			{ cat "$W/patch.log" >&2; rm -rf "$W/src"; die "$p does not apply to $PKG $SRCVER"; }
		sed -n 's/^patching file //p' "$W/patch.log" >> "$W/touched.new"
	done
	# files an earlier series changed are back to the tarball's old mtime:
	# make them newer than their objects so the warm tree rebuilds them
	[ -f "$W/touched" ] && (cd "$W/src" && sed 's/^/.\//' "$W/touched" | xargs -r touch -c)
	mv "$W/touched.new" "$W/touched"
	echo "$STAMP" > "$W/src/.vsbox-applied"
fi

# --- configure and build (build/kernel-make.sh)
O=$W/out
LOG=$W/build.log
echo "kernel.sh: building $VER ($MODE, $PKG $SRCVER) in $O, log $LOG" >&2
t0=$(date +%s)
sh "$B/kernel-make.sh" "$W/src" "$O" "$FRAG" "$LOG"
t1=$(date +%s)
T=$(mktemp -d "$C/.new.XXXXXX")
cp "$O/arch/x86/boot/bzImage" "$T/bzImage"
cp "$O/.config" "$T/config"
cp "$LOG" "$T/build.log"
printf 'version=%s\nmode=%s\nsource=%s %s\nbuild_seconds=%s\nnproc=%s\npatches=%s\n' \
	"$VER" "$MODE" "$PKG" "$SRCVER" "$((t1 - t0))" "$(nproc)" "$(for p in $PATCHES; do basename "$p"; done | tr '\n' ' ')" > "$T/info"
chmod 755 "$T"
mv -T "$T" "$K" 2>/dev/null || rm -rf "$T"
echo "kernel.sh: $VER $MODE built in $((t1 - t0)) s" >&2
echo "$K"
