#!/bin/sh
# libcap.sh - build a static libcap with musl from Debian's libcap2 source package.
# The source comes through a private apt configuration under build/apt, so the
# system's apt sources are never touched. The result is cached in build/libcap/.
set -eu
B=$(cd "$(dirname "$0")" && pwd)
OUT=$B/libcap
# Built for size like vsbox itself: one section per function and object, so
# that the link's --gc-sections keeps only the few functions vsbox calls
# (with libcap's own -O2 whole objects came in: 16 KB more). A cache built
# with other flags is rebuilt.
COPTS="-Os -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-pie"
[ -f "$OUT/lib/libcap.a" ] && [ -f "$OUT/include/sys/capability.h" ] &&
	[ "$(cat "$OUT/copts" 2>/dev/null)" = "$COPTS" ] && exit 0
A=$B/apt
mkdir -p "$A/lists/partial" "$A/cache/archives/partial" "$A/src"
# deb-src twins of the system's Debian sources (deb822 or one-line format)
: > "$A/sources.list"
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] || continue
	case "$f" in
	*.sources) awk '/^URIs:/{u=$2} /^Signed-By:/{k=$2} /^Suites:/{s=""; for(i=2;i<=NF;i++) s=s" "$i}
		/^Components:/{c=""; for(i=2;i<=NF;i++) c=c" "$i}
		function out(){ if(u~/debian/) for(n=split(s,a," ");n>0;n--) print "deb-src" (k!=""?" [signed-by=" k "]":"") " " u " " a[n] c; u=""; k="" }
		/^$/{out()} END{out()}' "$f" ;;
	*) awk '$1=="deb" && $0~/debian/ {$1="deb-src"; print}' "$f" ;;
	esac
done >> "$A/sources.list"
[ -s "$A/sources.list" ] || { echo "libcap.sh: no Debian apt source found to derive deb-src from" >&2; exit 1; }
APT="apt-get -q -o Dir::Etc::SourceList=$A/sources.list -o Dir::Etc::SourceParts=/dev/null
 -o Dir::State::Lists=$A/lists -o Dir::Cache=$A/cache -o APT::Get::Only-Source=true -o APT::Sandbox::User=root"
if ! ls "$A"/src/libcap2_*.dsc >/dev/null 2>&1; then
	$APT update >/dev/null
	(cd "$A/src" && $APT source --download-only libcap2 >/dev/null)
fi
W=$B/obj/libcap-src
rm -rf "$W"; mkdir -p "$W"
dpkg-source --no-check -x "$(ls "$A"/src/libcap2_*.dsc | tail -n 1)" "$W/s" >/dev/null
# Kernel headers for musl: musl-gcc does not see /usr/include/linux by itself.
KH=$B/obj/kinc
"$B/kinc.sh" "$KH"
# (libcap takes CFLAGS from the environment over COPTS: dpkg-buildpackage
# exports its own, -O2 with glibc's hardening, so the package's libcap was
# built as no other; the environment's are dropped for this build)
env -u CFLAGS -u CPPFLAGS -u LDFLAGS \
	make -s -C "$W/s/libcap" CC="musl-gcc -isystem $KH" BUILD_CC=gcc AR=ar RANLAB=ranlib \
	SHARED=no PAM_CAP=no GOLANG=no USE_GPERF=no COPTS="$COPTS" BUILD_COPTS=-O2 libcap.a >/dev/null
mkdir -p "$OUT/lib" "$OUT/include/sys"
echo "$COPTS" > "$OUT/copts"
cp "$W/s/libcap/libcap.a" "$OUT/lib/"
cp "$W/s/libcap/include/sys/capability.h" "$OUT/include/sys/"
[ -f "$W/s/libcap/include/sys/psx_syscall.h" ] && cp "$W/s/libcap/include/sys/psx_syscall.h" "$OUT/include/sys/"
rm -rf "$W"
echo "libcap.sh: built $OUT/lib/libcap.a"
