#!/bin/sh
# vdu.t - disk usage of guests (lib/du.c): on btrfs and on XFS (reflink=1)
# loop images, two trees sharing a reflinked file: total, shared and own
# per tree, the sum counting shared data once; an inode counts once however
# many names it has, a hard link from outside the tree is shared, symlinks
# (to host files) are never followed, a mount below a root is not entered;
# guest names, ALL, --json, --bytes, bad arguments.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/unify-lib.sh"
export VSBOX_CONFDIR=$T_TMP/etc
mkdir -p "$VSBOX_CONFDIR"
: >"$VSBOX_CONFDIR/a.conf"; : >"$VSBOX_CONFDIR/b.conf"
head -c 4194304 /dev/urandom >"$T_TMP/hostbig"

fs_tests() {
	fs=$1
	export VSBOX_ROOTDIR=$MNT/vs
	A=$VSBOX_ROOTDIR/a B=$VSBOX_ROOTDIR/b
	mkdir -p "$A/usr/bin" "$B/usr/bin" "$A/mnt" "$MNT/outside"
	head -c 1048576 /dev/urandom >"$A/usr/bin/big"
	cp --reflink=always "$A/usr/bin/big" "$B/usr/bin/big"
	ln "$A/usr/bin/big" "$A/usr/bin/big2"             # one inode, two names
	head -c 307200 /dev/urandom >"$B/usr/bin/own"
	head -c 204800 /dev/urandom >"$MNT/outside/f"
	ln "$MNT/outside/f" "$A/usr/bin/linked"           # a link from outside
	ln -s "$T_TMP/hostbig" "$A/usr/bin/hostlink"        # never followed
	ln -s / "$A/usr/bin/rootlink"
	sync
	rc_is "$fs: vdu a b" 0 vdu a b
	A_T=$(vdu_col a 2 a); A_S=$(vdu_col a 3 a); A_O=$(vdu_col a 4 a)
	within "  a's total: the 1M file once (two names), the 200K linked one, no 4M host file" "$A_T" 1224 1300
	within "  a's shared: the reflinked file and the hard link from outside" "$A_S" 1224 1224
	within "  a's own: directories and symlinks only" "$A_O" 0 64
	is "  a's files: 3 directories, 3 inodes of files, 2 symlinks" "$(vdu_col a 5 a)" 8
	within "  b's shared: the reflinked file" "$(vdu_col b 3 b)" 1024 1024
	within "  b's own: its 300K file" "$(vdu_col b 4 b)" 300 340
	rc_is "--total" 0 vdu --total a b
	T=$(printf '%s\n' "$OUT" | awk '$1 == "TOTAL" { print $2 }')
	OWN=$(printf '%s\n' "$OUT" | awk '$1 == "TOTAL" { print $4 }')
	within "  the sum counts the shared file once (a + b - 1M)" "$T" $((A_T + $(vdu_col b 2 b) - 1024)) $((A_T + $(vdu_col b 2 b) - 1024))
	is "  own is the sum of both" "$OWN" $((A_O + $(vdu_col b 4 b)))
	# a file of its own in a shows as own once b's copy is gone
	# XFS drops the extent's reference count in the background (deferred
	# inode inactivation), so the shared flag may clear a moment after rm
	rm "$B/usr/bin/big"; sync
	i=0; while [ "$(vdu_col a 4 a)" -lt 1024 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	within "  b's copy removed: a's reflinked file is its own again" "$(vdu_col a 4 a)" 1024 1088
	mount -t tmpfs -o size=8M none "$A/mnt" && head -c 2097152 /dev/zero >"$A/mnt/x"
	within "  a mount below the root is not entered" "$(vdu_col a 2 a)" "$A_T" $((A_T + 8))
	umount "$A/mnt"
	is "--bytes" "$(vdu_col b 4 --bytes b)" "$(( $(vdu_col b 4 b) * 1024 ))"
	like "-H" "$(vdu_col b 4 -H b)" '^3[0-9][0-9](\.[0-9])?K$'
	rc_is "ALL: every guest of VSBOX_CONFDIR" 0 vdu ALL
	is "  a and b" "$(printf '%s\n' "$OUT" | awk 'NR > 1 { print $1 }' | tr '\n' ' ')" "a b "
	rc_is "--json --total a DIR" 0 vdu --json --total a "$B"
	is "  parses, names each, counts" "$(printf '%s\n' "$OUT" | python3 -c 'import json, sys
d = json.load(sys.stdin); g = d["guests"]
print(g[0]["name"], g[1]["path"] == sys.argv[1], g[0]["total"] == g[0]["shared"] + g[0]["own"], d["total"]["total"] > 0)' "$B")" "a True True True"
	rm -rf "$A" "$B"
}

if ufs btrfs 300M mkfs.btrfs -q; then fs_tests btrfs; else bail "can't make a btrfs loop image"; fi
if ufs xfs 300M mkfs.xfs -q -m reflink=1; then fs_tests xfs; else bail "can't make an XFS loop image"; fi

rc_is "a bad guest name is a usage error" 2 vdu 'no such'
like "  naming it" "$ERR" "^vdu: 'no such' is not a guest name"
rc_is "a missing guest: exit 1, the others still shown" 1 vdu nosuch a
like "  one line naming the path" "$ERR" "^vdu: can't read $VSBOX_ROOTDIR/nosuch: No such file or directory$"
rc_is "no argument" 2 vdu
done_testing
