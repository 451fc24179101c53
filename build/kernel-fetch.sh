#!/bin/sh
# kernel-fetch.sh PACKAGE - a Debian package for the kernel tier, downloaded
# (not installed) with a private apt configuration: deb twins of the
# system's Debian sources, lists under build/apt/lists-bin, so the system's
# apt sources and package state stay untouched. Kept in $VSBOX_KCACHE/src;
# a newer version is looked for once a week (VSBOX_KREFRESH=1: now), and
# without network the cached one serves. linux-image-amd64 stands for the
# image package it depends on. Prints the .deb's path.
set -eu
B=$(cd "$(dirname "$0")" && pwd)
C=${VSBOX_KCACHE:-/var/cache/vsbox/kernel}
die() { echo "kernel-fetch.sh: $*" >&2; exit 1; }
[ $# -eq 1 ] || die "usage: kernel-fetch.sh PACKAGE"
PKG=$1
A=$B/apt
mkdir -p "$C/src" "$A/lists-bin/partial" "$A/cache-bin/archives/partial"
OPTS="-o Dir::Etc::SourceList=$A/bin.list -o Dir::Etc::SourceParts=/dev/null
 -o Dir::State::Lists=$A/lists-bin -o Dir::Cache=$A/cache-bin"
pat() { case "$PKG" in linux-image-amd64) echo "linux-image-*-amd64_" ;; *) echo "${PKG}_" ;; esac; }
newest() { ls "$C/src/"$(pat)*.deb 2>/dev/null | grep -v -- '-unsigned_\|-dbg_' | sort -V | tail -n 1 || true; }
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
	[ "$p" = linux-image-amd64 ] &&
		p=$(apt-cache $OPTS depends linux-image-amd64 | awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }')
	T=$(mktemp -d "$C/src/.dl.XXXXXX")
	(cd "$T" && apt-get -q $OPTS -o APT::Sandbox::User=root download "$p" >/dev/null) ||
		{ rm -rf "$T"; die "can't download $p"; }
	for d in "$T"/*.deb; do mv "$d" "$C/src/"; done
	rmdir "$T"
}
exec 8>"$C/src/.lock"
flock 8
DEB=$(newest)
if [ -z "$DEB" ] || [ "${VSBOX_KREFRESH:-0}" = 1 ] || [ -n "$(find "$DEB" -mtime +7)" ]; then
	if (fetch); then
		DEB=$(newest)
		touch "$DEB"
	else
		[ -n "$DEB" ] || exit 1
		echo "kernel-fetch.sh: using the cached $(basename "$DEB")" >&2
	fi
fi
echo "$DEB"
