#!/bin/sh
# deps.sh - install what building and testing vsbox needs, from Debian's archive.
# Idempotent: installs only what is missing. Run as root (make deps calls it).
set -eu
need=""
have() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
for p in musl-tools dpkg-dev perl busybox-static iproute2 psmisc procps curl python3 libcap-dev \
	 util-linux libcap2-bin strace e2fsprogs xfsprogs btrfs-progs rsync openssh-client openssh-server attr \
	 gcc make libc6-dev linux-libc-dev xz-utils file clang nftables tcpdump umoci skopeo zstd; do
	have "$p" || need="$need $p"
done
[ -n "${VSBOX_EXTRA_PKGS:-}" ] && for p in $VSBOX_EXTRA_PKGS; do have "$p" || need="$need $p"; done
[ -z "$need" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: missing packages:$need (run 'make deps' as root)" >&2
	exit 1
fi
echo "deps.sh: installing$need"
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=900 update -qq >/dev/null
# shellcheck disable=SC2086
apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends $need >/dev/null
