# debian-lib.sh - the Debian roots the bench scripts build guests from:
# debootstraps of $SUITE (default bookworm) made once and kept as tarballs
# under /var/cache/vsbox, the same ones the Debian test tier keeps
# (tests/guest-lib.sh), so a host that ran either has them.
# deb_cached TARBALL [DEBOOTSTRAP-OPTION]...: a minbase debootstrap with
# those options, made if missing (a few minutes, network); false if it
# can't be had (no debootstrap, no mirror).
: "${SUITE:=${VSBOX_DEBIAN_SUITE:-bookworm}}"
DEB_CACHE=/var/cache/vsbox
deb_cached() {
	_tb=$1; shift
	[ -s "$_tb" ] && return 0
	command -v debootstrap >/dev/null || return 1
	mkdir -p "$(dirname "$_tb")"
	_b=$(mktemp -d /tmp/vsbox-bench-deb.XXXXXX)
	debootstrap --variant=minbase "$@" "$SUITE" "$_b/root" "${VSBOX_DEBIAN_MIRROR:-http://deb.debian.org/debian}" >"$_b/log" 2>&1 &&
		tar -C "$_b/root" --numeric-owner -czf "$_tb.tmp" . && mv "$_tb.tmp" "$_tb"
	rm -rf "$_b" "$_tb.tmp"
	[ -s "$_tb" ]
}
