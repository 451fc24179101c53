#!/bin/sh
# kernel-fetch.sh PACKAGE - a Debian package for the kernel tier, downloaded
# (not installed) with a private apt configuration: deb twins of the
# system's Debian sources, lists under build/apt/lists-bin, so the system's
# apt sources and package state stay untouched. Kept in $VSBOX_KCACHE/src;
# a newer version is looked for once a week (VSBOX_KREFRESH=1: now), and
# without network the cached one serves. Prints the .deb's path.
#   kernel-fetch.sh --cached PACKAGE   the newest cached one, no network
#                                      (exit 1 when there is none)
#   kernel-fetch.sh --image VER SRCVER Debian's amd64 image of the kernel
#       source version SRCVER of the VER series (linux-source-VER SRCVER):
#       linux-image-ABI-amd64 (the signed one, else -unsigned) whose version
#       is SRCVER, e.g. linux-image-6.12.118+deb12-amd64 for 6.12.118-1~deb12u1.
#       An exact version: once cached, never looked for again.
set -eu
B=$(cd "$(dirname "$0")" && pwd)
C=${VSBOX_KCACHE:-/var/cache/vsbox/kernel}
die() { echo "kernel-fetch.sh: $*" >&2; exit 1; }
usage="usage: kernel-fetch.sh [--cached] PACKAGE | --image VER SRCVER"
CACHED=0 IVER="" SRCVER=""
case "${1:-}" in
--cached) CACHED=1; shift ;;
--image) [ $# -eq 3 ] || die "$usage"; IVER=$2 SRCVER=$3; set -- "linux-image-$IVER" ;;
esac
[ $# -eq 1 ] || die "$usage"
PKG=$1
A=$B/apt
mkdir -p "$C/src" "$A/lists-bin/partial" "$A/cache-bin/archives/partial"
OPTS="-o Dir::Etc::SourceList=$A/bin.list -o Dir::Etc::SourceParts=/dev/null
 -o Dir::State::Lists=$A/lists-bin -o Dir::Cache=$A/cache-bin"
# the image's package names: ABI (6.1.0-57, 6.12.118+deb12), flavour amd64
IRE="^linux-image-$(echo "$IVER" | sed 's/\./\\./g')\\.[0-9]+(-[0-9]+|\\+deb[0-9]+)-amd64(-unsigned)?\$"
signed_first() { awk '{ print (/-unsigned(_|$)/ ? 1 : 0), $0 }' | sort -s -n -k1,1 | head -n 1 | cut -d' ' -f2-; }
newest() {
	if [ -n "$IVER" ]; then
		ls "$C/src/"*_"${SRCVER}"_amd64.deb 2>/dev/null | while read -r d; do
			basename "$d" | sed 's/_.*//' | grep -qE "$IRE" && echo "$d"
		done | signed_first
	else
		ls "$C/src/${PKG}_"*.deb 2>/dev/null | sort -V | tail -n 1
	fi || true
}
fetch() {
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		case "$f" in
		*.sources) awk '/^URIs:/{u=$2} /^Signed-By:/{k=$2} /^Suites:/{s=""; for(i=2;i<=NF;i++) s=s" "$i}
			/^Components:/{c=""; for(i=2;i<=NF;i++) c=c" "$i}
			function out(){ if(u~/debian/) for(n=split(s,a," ");n>0;n--) print "deb" (k!=""?" [signed-by=" k "]":"") " " u " " a[n] c; u=""; k="" }
			/^$/{out()} END{out()}' "$f" ;;
		*) awk '$1=="deb" && $0~/debian/' "$f" ;;
		esac
	done > "$A/bin.list"
	[ -s "$A/bin.list" ] || die "no Debian apt source found"
	apt-get -q $OPTS update >/dev/null || die "apt-get update (private lists in $A/lists-bin) failed"
	p=$PKG
	if [ -n "$IVER" ]; then
		names=$(apt-cache $OPTS search --names-only "$IRE" | cut -d' ' -f1)
		# shellcheck disable=SC2086
		p=$(apt-cache $OPTS show $names 2>/dev/null | awk -v v="$SRCVER" \
			'$1 == "Package:" { p = $2 } $1 == "Version:" && $2 == v { print p }' | signed_first)
		[ -n "$p" ] || die "no amd64 image of Linux $SRCVER in the apt sources (linux-image-$IVER.*-amd64)"
		p=$p=$SRCVER
	fi
	T=$(mktemp -d "$C/src/.dl.XXXXXX")
	(cd "$T" && apt-get -q $OPTS -o APT::Sandbox::User=root download "$p" >/dev/null) ||
		{ rm -rf "$T"; die "can't download $p"; }
	for d in "$T"/*.deb; do mv "$d" "$C/src/"; done
	rmdir "$T"
}
if [ $CACHED = 1 ]; then
	DEB=$(newest)
	[ -n "$DEB" ] || exit 1
	echo "$DEB"
	exit 0
fi
exec 8>"$C/src/.lock"
flock 8
DEB=$(newest)
if [ -z "$DEB" ] || { [ -z "$IVER" ] && { [ "${VSBOX_KREFRESH:-0}" = 1 ] || [ -n "$(find "$DEB" -mtime +7)" ]; }; }; then
	if (fetch); then
		DEB=$(newest)
		touch "$DEB"
	else
		[ -n "$DEB" ] || exit 1
		echo "kernel-fetch.sh: using the cached $(basename "$DEB")" >&2
	fi
fi
echo "$DEB"
