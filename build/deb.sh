#!/bin/sh
# deb.sh OUTDIR - build the Debian package (debian/) from a clean copy of
# this tree: the files git tracks or would track (no build output), and
# build/apt/, the libcap2 source package build/libcap.sh fetched (so the
# package build needs no network when it is there). Runs
# dpkg-buildpackage -us -uc -b there, then lintian on the .deb and the
# .changes; OUTDIR gets vsbox_VERSION_ARCH.deb, the .changes, .buildinfo
# and lintian.txt. Exit status: the build's, then lintian's.
set -eu
T=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$T/build/deb}
W=$(mktemp -d /tmp/vsbox-deb.XXXXXX)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/vsbox" "$OUT"
(cd "$T" && git ls-files -co --exclude-standard -z | xargs -0 tar cf - --no-recursion) | tar xf - -C "$W/vsbox"
[ -d "$T/build/apt/src" ] && mkdir -p "$W/vsbox/build/apt" && cp -a "$T/build/apt/src" "$W/vsbox/build/apt/"
(cd "$W/vsbox" && dpkg-buildpackage -us -uc -b) >"$W/build.log" 2>&1 || { tail -40 "$W/build.log"; exit 1; }
rm -f "$OUT"/vsbox_*
cp "$W"/vsbox_*.deb "$W"/vsbox_*.changes "$W"/vsbox_*.buildinfo "$OUT/"
lintian --fail-on warning --info "$OUT"/vsbox_*.changes >"$OUT/lintian.txt" 2>&1 && rc=0 || rc=$?
cat "$OUT/lintian.txt"
ls "$OUT"/vsbox_*.deb
exit $rc
