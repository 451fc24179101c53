#!/bin/sh
# vdu-overlay.t - vdu (lib/du.c) on guests unified by vunify --method
# overlay, on an ext4 loop image (every directory there takes a block):
# three busybox guests from one template plus files of their own; a plain
# tree with nested directories shares nothing; once unified, a guest's own
# is its upper layer and its lower layer's directories (the upper ones
# vunify leaves empty go), its shared the store files its stubs name, each
# once, figures checked against the layers themselves; --total counts
# each store file once over all guests; a host-side write (a copy-up) and
# a delete (a whiteout) move a guest's own, not the store's; a running
# guest reads the same; --json; a stub whose store file is gone is an
# error naming the tree; --store: the store's files, those no guest names
# apart. No addresses.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/guest-lib.sh"
. "$(dirname "$0")/unify-lib.sh"
command -v getfattr >/dev/null && command -v chattr >/dev/null || bail "getfattr and chattr are needed (attr, e2fsprogs)"
ovl_test_setup
ufs ext4 300M mkfs.ext4 -q || bail "can't make an ext4 loop image"
export VSBOX_ROOTDIR=$MNT/vs
B=$VSBOX_ROOTDIR
mkdir -p "$B"
head -c 1048576 /dev/urandom >"$T_TMP/big"
for f in f1 f2 f3; do head -c 65536 /dev/urandom >"$T_TMP/$f"; done
for g in v1 v2 v3; do
	GUESTS="$GUESTS $g"
	vserver $g build -q --tar "$T_TMP/guest.tgz" || bail "can't build $g"
	{ echo "S_HOSTNAME=$g"; echo 'S_FLAGS="fakeinit"'; echo 'INIT="/bin/sleep 100000"'
	  echo "STOPSIG=KILL"; echo "STOP_TIMEOUT=0"; } >"$VSBOX_CONFDIR/$g.conf"
	mkdir -p "$B/$g/usr/lib/deep/er/still" "$B/$g/usr/share/a/b"
	cp "$T_TMP/big" "$B/$g/usr/lib/big"
	for f in f1 f2 f3; do cp "$T_TMP/$f" "$B/$g/usr/lib/deep/er/$f"; done
	head -c 204800 /dev/urandom >"$B/$g/usr/share/a/b/mine"    # its own content
done
cp "$T_TMP/f1" "$B/v3/usr/share/a/f1.again"    # one content twice in one guest
sync

# col NAME COLUMN ARGS...: a figure of vdu --bytes
col() { n=$1 c=$2; shift 2; vdu --bytes "$@" | awk -v n="$n" -v c="$c" '$1 == n { print $c }'; }
# refs G...: the store files the stubs of these guests' lower layers name, each once
refs() { for g in "$@"; do find "$B/.ovl/$g/lower" -type f -exec getfattr --absolute-names -n trusted.overlay.redirect {} + 2>/dev/null | sed -n 's|^trusted.overlay.redirect="/\(.*\)"$|\1|p'; done | sort -u; }
# blocks_of: the bytes of the blocks of the files named on stdin
blocks_of() { s=0; while read -r f; do s=$((s + $(stat -c '%b * %B' "$f"))); done; echo $s; }
store_bytes() { refs "$@" | sed "s|^|$B/.ovl/store/|" | blocks_of; }
# own_bytes G: what its upper layer's inodes and its lower layer's
# directories take, each once
own_bytes() { { find "$B/.ovl/$1/upper" -printf '%i %b\n'; find "$B/.ovl/$1/lower" -type d -printf '%i %b\n'; } |
	awk '!seen[$1]++ { s += $2 * 512 } END { print s }'; }

rc_is "a plain guest on ext4: vdu v1" 0 vdu --bytes v1
is "  its nested directories are not shared (their links are subdirectories')" "$(col v1 3 v1)" 0
is "  own = total" "$(col v1 4 v1)" "$(col v1 2 v1)"
PLAIN_T=$(col v1 2 v1)

rc_is "vunify --method overlay v1 v2 v3" 0 vunify --method overlay v1 v2 v3
check "  v1 is an overlay guest" test -d "$B/.ovl/v1/upper"
sync
for g in v1 v2 v3; do
	rc_is "$g: vdu" 0 vdu --bytes $g
	is "  shared: the store files its stubs name, each once" "$(col $g 3 $g)" "$(store_bytes $g)"
	is "  own: its upper layer and its lower layer's directories" "$(col $g 4 $g)" "$(own_bytes $g)"
	is "  total = shared + own" "$(col $g 2 $g)" $(( $(col $g 3 $g) + $(col $g 4 $g) ))
done
within "v3 names f1's store file twice: counted once (its shared is v1's)" "$(col v3 3 v3)" "$(col v1 3 v1)" "$(col v1 3 v1)"
within "v1 unified costs no more than plain, and shares the template" "$(col v1 2 v1)" $(( $(col v1 3 v1) + 1 )) $((PLAIN_T + 65536))
rc_is "--total v1 v2 v3" 0 vdu --bytes --total v1 v2 v3
TT=$(printf '%s\n' "$OUT" | awk '$1 == "TOTAL" { print $2 }')
TO=$(printf '%s\n' "$OUT" | awk '$1 == "TOTAL" { print $4 }')
O3=$(( $(col v1 4 v1) + $(col v2 4 v2) + $(col v3 4 v3) ))
is "  each store file once: total = the three guests' own + the store files named" "$TT" $((O3 + $(store_bytes v1 v2 v3)))
is "  own = the three guests' own" "$TO" "$O3"
S3=$(( $(col v1 3 v1) + $(col v2 3 v2) + $(col v3 3 v3) ))
check "  less than the three totals' sum" [ "$TT" -lt $((O3 + S3)) ]

# a host-side write at $VSBOX_ROOTDIR/NAME is a copy-up: the guest's own
V2S=$(col v2 3 v2) V2O=$(col v2 4 v2) V3O=$(col v3 4 v3)
echo more >>"$B/v2/usr/lib/deep/er/f2"
rm "$B/v3/usr/lib/big"
sync
within "v2 appended to a unified file: its copy is its own" "$(col v2 4 v2)" $((V2O + 65536)) $((V2O + 65536 + 3 * 4096))
is "  the store file its stub names still counts as shared" "$(col v2 3 v2)" "$V2S"
is "  v1's figures unchanged" "$(col v1 3 v1) $(col v1 4 v1)" "$(store_bytes v1) $(own_bytes v1)"
within "v3 deleted a unified file: a whiteout, own about the same" "$(col v3 4 v3)" "$V3O" $((V3O + 4096))

vserver v1 start -q || bail "can't start v1"
is "a running guest reads the same" "$(col v1 2 v1) $(col v1 3 v1)" "$(store_bytes v1 | awk -v u="$(own_bytes v1)" '{ print $1 + u, $1 }')"
vserver v1 stop -q

rc_is "--json --total v1 v2" 0 vdu --json --total v1 v2
is "  parses: figures as in the table, the sum counting the store once" "$(printf '%s\n' "$OUT" | python3 -c 'import json, sys
d = json.load(sys.stdin); g = d["guests"]; t = d["total"]
print(g[0]["name"], g[0]["shared"] == int(sys.argv[1]), all(x["total"] == x["shared"] + x["own"] for x in g),
      t["total"] < g[0]["total"] + g[1]["total"], t["own"] == g[0]["own"] + g[1]["own"])' "$(col v1 3 v1)")" "v1 True True True True"

# --store: the store's files and directories, the files some guest's
# stub names as shared, the rest as own
rc_is "--store" 0 vdu --bytes --store
ALL=$(find "$B/.ovl/store" | blocks_of)
REF=$(store_bytes v1 v2 v3)
is "  STORE: its files' total" "$(printf '%s\n' "$OUT" | awk '$1 == "STORE" { print $2 }')" "$ALL"
is "  shared: those a guest names" "$(printf '%s\n' "$OUT" | awk '$1 == "STORE" { print $3 }')" "$REF"
is "  own: the rest (its directories, files no stub names)" "$(printf '%s\n' "$OUT" | awk '$1 == "STORE" { print $4 }')" $((ALL - REF))
rc_is "--store with guests: their rows, then the store's" 0 vdu --store v1
is "  two rows" "$(printf '%s\n' "$OUT" | awk 'NR > 1 { print $1 }' | tr '\n' ' ')" "v1 STORE "

# a stub whose store file is gone (not by vunify: by hand)
SF=$B/.ovl/store/$(refs v1 | head -1)
chattr -i "$SF" && mv "$SF" "$T_TMP/away"
rc_is "a store file gone: vdu v1" 1 vdu v1
like "  a warning naming the tree" "$ERR" "^vdu: $B/v1: 1 entries could not be read"
mv "$T_TMP/away" "$SF" && chattr +i "$SF"
rc_is "  back: vdu v1" 0 vdu v1
rc_is "a directory argument is walked as any tree" 0 vdu --bytes "$B/v2/usr/lib/"

# ext4 with inline_data (small directories kept in their inode): the
# immutable mount point of an overlay guest stays usable (ext4 refuses
# any flag change on such an inode once immutable, even to the same flags)
for g in $GUESTS; do vserver $g stop -q >/dev/null 2>&1; done
if ufs ext4i 100M mkfs.ext4 -q -O inline_data; then
	export VSBOX_ROOTDIR=$MNT/vs
	mkdir -p "$VSBOX_ROOTDIR"
	for g in w1 w2; do
		GUESTS="$GUESTS $g"
		vserver $g build -q --tar "$T_TMP/guest.tgz" || bail "can't build $g"
		{ echo "S_HOSTNAME=$g"; echo 'S_FLAGS="fakeinit"'; echo 'INIT="/bin/sleep 100000"'
		  echo "STOPSIG=KILL"; echo "STOP_TIMEOUT=0"; } >"$VSBOX_CONFDIR/$g.conf"
	done
	rc_is "inline_data ext4: vunify --method overlay w1 w2" 0 vunify --method overlay w1 w2
	rc_is "  again" 0 vunify --method overlay w1 w2
	rc_is "  w1 starts on its overlay" 0 vserver w1 start -q
	vserver w1 stop -q
	rc_is "  vdu --store w1 w2" 0 vdu --bytes --store w1 w2
	is "  w1 shares what w2 does" "$(col w1 3 w1)" "$(col w2 3 w2)"
else
	for i in 1 2 3 4 5; do skip "ext4 without inline_data here"; done
fi
done_testing
