#!/bin/sh
# vunify-overlay.t - the overlay method (lib/uovl.c) on loop images of
# ext4, XFS and btrfs, with three busybox guests from one template: a
# running guest is refused; the stopped ones become overlays whose unified
# files are stubs of one immutable store file each; then running, each
# guest modifies, appends to, truncates, deletes, replaces by rename or
# chmods a different unified file, which the others and the store never
# see, and which it keeps across stop and start; the stopped guests'
# whole trees stay at $VSBOX_ROOTDIR/NAME; the filesystem is clean after
# unmounting. On ext4 also: kill -9 of vunify at every kind of step then a
# rerun leaves every guest whole and unified; two guests reading one 20 MiB
# unified file fill the page cache once; bad input. No addresses.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/guest-lib.sh"
. "$(dirname "$0")/unify-lib.sh"
command -v lsattr >/dev/null && command -v sha256sum >/dev/null || bail "lsattr and sha256sum are needed"
ovl_test_setup
# (tree, store_ok, unmount_all, fsck_clean: tests/unify-lib.sh)
head -c 2097152 /dev/urandom >"$T_TMP/big"
for f in mod app trunc del ren chmod h1 h2 h3 h4 gone; do head -c 65536 /dev/urandom >"$T_TMP/$f"; done
md5() { md5sum <"$1" | cut -d' ' -f1; }

scenario() {
	fs=$1
	B=$VSBOX_ROOTDIR
	for g in o1 o2 o3; do
		guest $g
		mkdir -p "$B/$g/usr/lib" "$B/$g/etc" "$B/$g/root"
		for d in usr/lib etc root; do cp "$T_TMP/big" "$B/$g/$d/big"; done
		for f in mod app trunc del ren chmod h1 h2 h3 h4 gone; do cp "$T_TMP/$f" "$B/$g/usr/lib/$f"; done
	done
	ln "$B/o3/usr/lib/big" "$B/o3/usr/lib/big.link"   # two names in o3
	vserver o1 start -q || bail "can't start o1"
	for g in o1 o2 o3; do DIRT=1 tree "$B/$g" >"$T_TMP/tree.$g"; done
	rc_is "$fs: --dry-run (o1 running)" 0 vunify --method overlay --dry-run o1 o2 o3
	like "  lists a file it would share" "$OUT" "^o2:/usr/lib/big = \.ovl/store/[A-Za-z0-9_-]/[A-Za-z0-9_-]{21} \(2\.0M\)$"
	check "  changes nothing" test ! -e "$B/.ovl"
	rc_is "$fs: vunify --method overlay o1 o2 o3 (o1 running)" 0 vunify --method overlay o1 o2 o3
	like "  a summary line" "$OUT" '^vunify: [0-9]+ files shared, [0-9.]+[KM] saved, 0 already shared, 0 changed during the run \(skipped\), 0 kept own \(overlayfs metadata, or hidden\), [1-9][0-9]* at their guest.s next start, 0 failed, [0-9]+ files scanned, [0-9.]+ s$'
	check "  the running guest is left as it is" sh -c "[ \$(stat -f -c %T '$B/o1') != overlayfs ] && [ -e '$B/.ovl/.fold/o1' ] && vserver o1 exec true"
	check "  the others are overlays" sh -c "[ \$(stat -f -c %T '$B/o2') = overlayfs ] && [ \$(stat -f -c %T '$B/o3') = overlayfs ]"
	vserver o1 stop -q
	rc_is "  its next start folds it first" 0 vserver o1 start
	like "  saying so" "$OUT" "^vunify: [1-9][0-9]* files shared"
	vserver o1 stop -q
	check "  leaving no marker" test ! -e "$B/.ovl/.fold/o1"
	is "  each root is an overlay" "$(stat -f -c %T "$B/o1" "$B/o2" "$B/o3" | sort -u)" overlayfs
	check "  busybox left every upper layer" sh -c "! ls '$B'/.ovl/o*/upper/bin/busybox 2>/dev/null"
	check "  and a stub is in each lower layer" sh -c "for g in o1 o2 o3; do getfattr -n trusted.overlay.redirect '$B/.ovl/'\$g/lower/bin/busybox >/dev/null 2>&1 || exit 1; done"
	check "  /etc is shared too (a write copies it), /root stays the guest's own" \
		sh -c "[ ! -e '$B/.ovl/o2/upper/etc/big' ] && [ -f '$B/.ovl/o2/lower/etc/big' ] && [ -f '$B/.ovl/o2/upper/root/big' ]"
	check "  an upper directory left empty goes, its lower one shows instead" \
		sh -c "[ ! -e '$B/.ovl/o2/upper/usr/lib' ] && [ -d '$B/.ovl/o2/lower/usr/lib' ] && [ -d '$B/.ovl/o2/upper/root' ]"
	check "  a file with two names: one stub under both" sh -c "[ ! -e '$B/.ovl/o3/upper/usr/lib/big' ] && [ ! -e '$B/.ovl/o3/upper/usr/lib/big.link' ] &&
		[ \$(stat -c %i '$B/.ovl/o3/lower/usr/lib/big') = \$(stat -c %i '$B/.ovl/o3/lower/usr/lib/big.link') ] &&
		[ \$(stat -c %h:%i '$B/o3/usr/lib/big') = \$(stat -c %h:%i '$B/o3/usr/lib/big.link') ] && [ \$(stat -c %h '$B/o3/usr/lib/big') = 2 ]"
	check "  every store file immutable, named after its content" store_ok
	[ $fs = ext4 ] && sync && check "  ext4: a stub's xattrs fit in its inode (no block of its own)" sh -c \
		"debugfs -R 'stat ${B#"$MNT"}/.ovl/o2/lower/usr/lib/big' '$dev' 2>/dev/null | grep -q '^File ACL: 0'"
	(cd "$B/.ovl/store" && find . -type f | sort | xargs md5sum) >"$T_TMP/store.sums"
	ok=0; for g in o1 o2 o3; do DIRT=1 tree "$B/$g" | cmp -s - "$T_TMP/tree.$g" && ok=$((ok + 1)); done
	is "  each root shows the same tree (names, modes, owners, times, contents)" "$ok" 3
	check "  a store file can't be written even by root" sh -c "! sh -c 'echo x >>\$(find \"$B/.ovl/store\" -type f | head -1)' 2>/dev/null"
	# the store's own project (where the filesystem has project ids and no
	# quota: XFS here; ext4's project feature needs CONFIG_QUOTA)
	projid() { lsattr -pd "$1" 2>/dev/null | awk '{ print $1 }'; }
	if [ $fs = xfs ]; then
		SP=$(projid "$B/.ovl/store") SF=$(find "$B/.ovl/store" -type f | head -1)
		check "  xfs: the store has a project id of its own, inherited by its files" sh -c "[ '$SP' -gt 0 ] &&
			lsattr -pd '$B/.ovl/store' | cut -d' ' -f2 | grep -q P && [ \$(lsattr -p '$SF' | cut -d' ' -f1) = '$SP' ] &&
			[ '$SP' != '$(projid "$B/.ovl/o2/upper")' ] && [ '$SP' != '$(projid "$B/.ovl/o3/upper")' ]"
	fi
	for g in o1 o2 o3; do vserver $g start -q || bail "can't start $g"; done
	MT=$(vserver o1 exec cat /proc/mounts /proc/self/mountinfo)
	like "$fs: a guest's root is its overlay, layers named relative to it" "$MT" \
		'^vsbox-unified / overlay [^ ]*lowerdir=lower::\.\./store,upperdir=upper,workdir=work'
	is "  its /proc/mounts and mountinfo name no host path" "$(printf '%s\n' "$MT" | grep -c "$B")" 0
	vserver o1 exec sh -c 'printf XXXX | dd of=/usr/lib/mod bs=1 seek=100 conv=notrunc 2>/dev/null; echo more >>/usr/lib/app'
	vserver o2 exec sh -c 'dd if=/dev/null of=/usr/lib/trunc bs=1 seek=1000 2>/dev/null; rm /usr/lib/del'
	vserver o3 exec sh -c 'echo new >/usr/lib/ren.new && mv /usr/lib/ren.new /usr/lib/ren; chmod 600 /usr/lib/chmod'
	want() {  # want GUEST FILE what-it-shows
		vserver "$1" exec sh -c "if [ -e /usr/lib/$2 ]; then md5sum </usr/lib/$2 | cut -d' ' -f1; stat -c '%a %s' /usr/lib/$2; else echo gone; fi"
	}
	orig() { echo "$(md5 "$T_TMP/$1")"; echo "644 65536"; }
	changes() {   # the running guests see their own changes, only theirs
		bad=0
		[ "$(want o1 mod | tail -1)" = "644 65536" ] && [ "$(want o1 mod | head -1)" != "$(md5 "$T_TMP/mod")" ] || bad=$((bad + 1))
		[ "$(want o1 app | tail -1)" = "644 65541" ] || bad=$((bad + 1))
		[ "$(want o2 trunc | tail -1)" = "644 1000" ] || bad=$((bad + 1))
		[ "$(want o2 del)" = gone ] || bad=$((bad + 1))
		[ "$(want o3 ren | head -1)" = "$(echo new | md5sum | cut -d' ' -f1)" ] || bad=$((bad + 1))
		[ "$(want o3 chmod)" = "$(md5 "$T_TMP/chmod")
600 65536" ] || bad=$((bad + 1))
		for f in mod app trunc del ren chmod; do
			for g in o1 o2 o3; do
				case $g:$f in o1:mod|o1:app|o2:trunc|o2:del|o3:ren|o3:chmod) continue ;; esac
				[ "$(want $g $f)" = "$(orig $f)" ] || { bad=$((bad + 1)); diag "$g sees $f changed"; }
			done
		done
		echo $bad
	}
	is "$fs: each running guest sees its own change (modify, append, truncate, delete, rename over, chmod), no other's" "$(changes)" 0
	like "  vserver-stat: a last row for the store" "$(vserver-stat | tail -1)" '^(- +){7}- +- STORE$'
	is "  --json: the store's object" "$(vserver-stat --json | python3 -c 'import json, sys; r = json.load(sys.stdin)[-1]; print(r["name"], r["store"], r["ctx"])')" "STORE True None"
	check "  the store's files are unchanged" sh -c "cd '$B/.ovl/store' && md5sum -c --quiet '$T_TMP/store.sums'"
	# a hostile guest root: a hard link, a rename over, a chown and a write
	# of unified files, a mount over them; the host can't point a stub
	# elsewhere through the overlay either
	vserver o3 exec sh -c 'ln /usr/lib/h1 /usr/lib/h1.link; echo evil >/tmp/e; mv /tmp/e /usr/lib/h2
		chown 1:1 /usr/lib/h3; echo evil | dd of=/usr/lib/h4 conv=notrunc 2>/dev/null' 2>/dev/null
	rc_is "$fs: a guest can't mount over its unified files" 1 sh -c "vserver o3 exec mount -t tmpfs x /usr/lib >/dev/null 2>&1 && exit 0 || exit 1"
	# (overlayfs keeps such an xattr set through it escaped, as its own)
	setfattr -n trusted.overlay.redirect -v /x "$B/o2/usr/lib/h1" 2>/dev/null
	check "  an overlayfs xattr set by the host through a root redirects nothing" cmp -s "$B/o2/usr/lib/h1" "$T_TMP/h1"
	check "  the store's files are unchanged" sh -c "cd '$B/.ovl/store' && md5sum -c --quiet '$T_TMP/store.sums'"
	bad=0
	for g in o1 o2; do for f in h1 h2 h3 h4; do
		[ "$(want $g $f)" = "$(orig $f)" ] || { bad=$((bad + 1)); diag "$g sees $f changed"; }
	done; done
	is "  the other guests see the originals" "$bad" 0
	# a file every guest deletes: its store file goes once none names it
	GONE=$(getfattr --only-values -n trusted.overlay.redirect "$B/.ovl/o1/lower/usr/lib/gone")
	for g in o1 o2 o3; do vserver $g exec rm /usr/lib/gone; done
	# an upgrade in running guests (as vapt --unify makes one): the same
	# new file in two, shared from their next start
	for g in o2 o3; do vserver $g exec sh -c 'seq 1 20000 >/usr/lib/new'; done
	rc_is "$fs: vunify o1 o2 o3, all running (auto)" 0 vunify o1 o2 o3
	check "  each keeps its copy while it runs" sh -c "[ -f '$B/.ovl/o2/upper/usr/lib/new' ] && [ -f '$B/.ovl/o3/upper/usr/lib/new' ]"
	for g in o1 o2 o3; do vserver $g stop -q; done
	for g in o1 o2 o3; do vserver $g start -q || bail "can't start $g again"; done
	check "  from their next start it is shared" sh -c "[ ! -e '$B/.ovl/o2/upper/usr/lib/new' ] && [ ! -e '$B/.ovl/o3/upper/usr/lib/new' ] &&
		[ \"\$(vserver o3 exec sh -c 'md5sum </usr/lib/new')\" = \"\$(seq 1 20000 | md5sum)\" ]"
	is "  after stop and start, the same" "$(changes)" 0
	check "  the stubs of what a guest deleted are gone, and the whiteouts over them" sh -c "for g in o1 o2; do
		[ ! -e '$B/.ovl/'\$g/lower/usr/lib/gone ] && [ ! -e '$B/.ovl/'\$g/upper/usr/lib/gone ] || exit 1; done
		[ ! -e '$B/.ovl/o2/lower/usr/lib/del' ] && [ ! -e '$B/.ovl/o2/upper/usr/lib/del' ]"
	check "  so is one under a file of its own; a copy of metadata only keeps its stub" sh -c "[ ! -e '$B/.ovl/o1/lower/usr/lib/mod' ] &&
		[ ! -e '$B/.ovl/o2/lower/usr/lib/trunc' ] && [ -e '$B/.ovl/o2/lower/usr/lib/h1' ]"
	check "  a guest whose upper layer has a redirect (o3: a hard link made) keeps them all" sh -c "getfattr -n trusted.overlay.redirect '$B/.ovl/o3/upper/usr/lib/h1.link' >/dev/null 2>&1 &&
		[ -e '$B/.ovl/o3/lower/usr/lib/ren' ] && [ -e '$B/.ovl/o3/lower/usr/lib/gone' ] && [ -e '$B/.ovl/store$GONE' ]"
	for g in o1 o2 o3; do vserver $g stop -q; done
	is "  the stopped guests' roots are overlays still" "$(stat -f -c %T "$B/o1" "$B/o2" "$B/o3" | sort -u)" overlayfs
	check "  showing their whole trees with their changes" sh -c "[ \$(stat -c %s '$B/o1/usr/lib/app') = 65541 ] && [ ! -e '$B/o2/usr/lib/del' ] &&
		[ \$(cat '$B/o3/usr/lib/ren') = new ] && cmp -s '$B/o2/usr/lib/mod' '$T_TMP/mod' && [ -x '$B/o3/bin/busybox' ]"
	echo host >>"$B/o2/usr/lib/chmod"
	check "  a write by the host there is the guest's own" sh -c "cmp -s '$B/o1/usr/lib/chmod' '$T_TMP/chmod' && [ \$(stat -c %s '$B/o2/usr/lib/chmod') = 65541 ]"
	check "  and not the store's" sh -c "cd '$B/.ovl/store' && md5sum -c --quiet '$T_TMP/store.sums'"
	check "$fs: the overlays unmount" unmount_all
	unmount_fs "$MNT" "$dev"
	check "  the filesystem checks clean" fsck_clean "$fs" "$dev"
	mount "$dev" "$MNT" || bail "can't mount $MNT again"
	vserver o1 start -q && vserver o1 stop -q
	check "  after a boot, the first start mounts the overlay again" sh -c "[ \$(stat -f -c %T '$B/o1') = overlayfs ] && [ \$(stat -c %s '$B/o1/usr/lib/app') = 65541 ]"
	check "  an unmounted one's mount point can't be written" sh -c "! touch '$B/o2/x' 2>/dev/null && [ -z \"\$(ls -A '$B/o2')\" ]"
	for g in o1 o2 o3; do rm -f "$VSBOX_CONFDIR/$g.conf"; done
}

ufs ext4 400M mkfs.ext4 -q || bail "can't make an ext4 loop image"
export VSBOX_ROOTDIR=$MNT/vs
mkdir -p "$VSBOX_ROOTDIR"
like "vsbox --check-kernel lists overlayfs data-only layers" "$("$VSBOX" --check-kernel "$VSBOX_ROOTDIR" 2>&1 | grep '^overlayfs data-only')" "^overlayfs data-only layers +yes "
scenario ext4
B=$VSBOX_ROOTDIR

# ---- kill -9 at each kind of step, then a rerun --------------------------------
for g in k1 k2 k3; do guest $g; done
for i in 1 2 3 4 5 6; do head -c 262144 /dev/urandom >"$T_TMP/r$i"; done
# (a first start makes what a start makes: its trees are taken after one)
for g in k1 k2 k3; do
	# (some in directories of their own, which folding leaves empty)
	mkdir -p "$B/$g/usr/share/kd/sub"
	for i in 1 2 3; do cp "$T_TMP/r$i" "$B/$g/bin/r$i"; cp "$T_TMP/r$((i + 3))" "$B/$g/usr/share/kd/sub/r$((i + 3))"; done
	vserver $g start -q && vserver $g stop -q || bail "can't start $g"
	tree "$B/$g" >"$T_TMP/tree.$g"
done
whole() {   # every k guest, mounted by a start, shows its tree as before
	bad=0
	for g in k1 k2 k3; do
		vserver $g start -q && vserver $g stop -q || bad=$((bad + 1))
		tree "$B/$g" | cmp -s - "$T_TMP/tree.$g" || { bad=$((bad + 1)); diag "$g changed:" "$(tree "$B/$g" | diff "$T_TMP/tree.$g" - | head -5)"; }
	done
	echo $bad
}
for p in adopt:2 store:3 stub:4 fold:5 prune:1 stub:30 fold:40; do
	VSBOX_VUNIFY_CRASH=$p vunify --method overlay k1 k2 k3 >/dev/null 2>&1
	rc=$?   # (the later ones may find nothing left to do there)
	case $p in *:[1-5]) is "kill -9 after $p: vunify reached it" "$rc" 137 ;; esac
	is "kill -9 after $p: every guest whole" "$(whole)" 0
done
for d in 0.01 0.05; do
	vunify --method overlay k1 k2 k3 >/dev/null 2>&1 & P=$!
	sleep $d; kill -9 $P 2>/dev/null; wait $P 2>/dev/null
done
is "kill -9 at two moments: every guest whole" "$(whole)" 0
rc_is "  then a rerun completes" 0 vunify --method overlay k1 k2 k3
[ "$RC" = 0 ] || diag "$ERR"
check "  leaving no r file in any upper layer" sh -c "! ls '$B'/.ovl/k*/upper/bin/r[0-9] '$B'/.ovl/k*/upper/usr/share/kd 2>/dev/null"
is "  every guest whole" "$(whole)" 0
check "  every store file immutable, named after its content" store_ok
# vdu: what each guest has of its own (its upper layer) and shares (the
# store files its stubs name), the store counted once in the total
sync
k1t=$(vdu_col k1 2 k1) k1s=$(vdu_col k1 3 k1) k1o=$(vdu_col k1 4 k1)
within "vdu: k1 shares its six unified files and busybox" "$k1s" $((1536 + $(kib "$B/k1/bin/busybox"))) $((1536 + $(kib "$B/k1/bin/busybox") + 64))
within "  and owns what its upper layer holds" "$k1o" 1 $(( $(du -sk "$B/.ovl/k1/upper" | cut -f1) + 8 ))
is "  total = shared + own" "$k1t" $((k1s + k1o))
tt=$(vdu --total k1 k2 k3 | awk '$1 == "TOTAL" { print $2 }')
within "  --total counts the store once" "$tt" $((k1s + k1o)) $((k1s + 3 * k1o + 64))
rc_is "  a rerun" 0 vunify --method overlay k1 k2 k3
is "  shares nothing more" "$(summary shared)" 0
guest k4
rc_is "a guest alone joins what the store holds" 0 vunify --method overlay k4
check "  busybox is a stub in its lower layer" sh -c "getfattr -n trusted.overlay.redirect '$B/.ovl/k4/lower/bin/busybox' >/dev/null 2>&1 && [ ! -e '$B/.ovl/k4/upper/bin/busybox' ] && [ -x '$B/k4/bin/busybox' ]"
# a unified file deleted in every k guest (through its overlay, the guest
# stopped); a kill -9 between a stub's removal and its whiteout's
R1=$(getfattr --only-values -n trusted.overlay.redirect "$B/.ovl/k1/lower/bin/r1")
for g in k1 k2 k3; do rm "$B/$g/bin/r1"; tree "$B/$g" >"$T_TMP/tree.$g"; done
VSBOX_VUNIFY_CRASH=sweep:2 vunify --method overlay k1 k2 k3 >/dev/null 2>&1
is "kill -9 after sweep:2: vunify reached it" "$?" 137
is "  every guest whole" "$(whole)" 0
rc_is "  a rerun" 0 vunify --method overlay k1 k2 k3
like "  removes its store file" "$OUT" "^vunify: removed 1 store file no guest refers to any more$"
check "  r1's stubs and whiteouts are gone" sh -c "! ls '$B'/.ovl/k*/lower/bin/r1 '$B'/.ovl/k*/upper/bin/r1 2>/dev/null && [ ! -e '$B/.ovl/store$R1' ]"
is "  every guest whole" "$(whole)" 0

# ---- the page cache holds a unified file once ----------------------------------
for g in p1 p2; do
	guest $g; mkdir -p "$B/$g/usr"; head -c 20971520 /dev/zero | tr '\0' 'v' >"$B/$g/usr/big20"
	for i in 1 2 3; do cp "$T_TMP/r$i" "$B/$g/usr/r$i"; done
	setfattr -n user.kept -v yes "$B/$g/usr/r3"
	cp "$T_TMP/r1" "$B/$g/usr/h1"; ln "$B/$g/usr/h1" "$B/$g/usr/h2"   # one inode, two names
done
# (a kernel with iunlink, the tier's patched one, makes auto link: named then)
if [ "$(iunlink_here "$MNT")" = yes ]; then M="--method overlay"; else M=""; fi
rc_is "two stopped guests with a 20 MiB file in common, --method ${M:+overlay (iunlink here)}${M:-auto}" 0 vunify $M p1 p2
is "  overlay it is" "$(stat -f -c %T "$B/p1")" overlayfs
S=$(find "$B/.ovl/store" -type f -size 20480k)
check "  stored once" test -f "$S"
for g in p1 p2; do vserver $g start -q || bail "can't start $g"; done
# (without sharing every try grows by 40 MiB)
cache_once p1 p2 "$S" /usr/big20; check "  both reading it grows the page cache by 20 MiB, not 40 (KiB:$CACHE_GOT)" [ $? = 0 ]
for g in p1 p2; do vserver $g stop -q; done

# ---- --undo --------------------------------------------------------------------------
# what the guest did to its unified files: a delete (a whiteout), a new
# xattr (a copy-up of metadata only), a renamed directory (a redirect), a chmod
R=$B/p1
rm "$R/usr/r1"; setfattr -n user.t -v 1 "$R/usr/r2"; mv "$R/usr" "$R/usr2"; chmod 600 "$R/usr2/big20"
setfattr -n trusted.overlay.mine -v x "$R/usr2/r3"   # (kept escaped in upper)
xattrs() { (cd "$1" && getfattr -R -h -d -m - . 2>/dev/null); }
tree "$R" >"$T_TMP/tree.p1"; xattrs "$R" >"$T_TMP/xattrs.p1"
like "  (xattrs are compared)" "$(cat "$T_TMP/xattrs.p1")" 'user.kept="yes"'
like "  (one named as overlayfs's, set through the overlay)" "$(cat "$T_TMP/xattrs.p1")" 'trusted.overlay.mine="x"'
rc_is "vunify --undo p1" 0 vunify --undo p1
like "  says so" "$OUT" "^vunify: p1: a plain directory again, [0-9]+ entries, [0-9]+ copied up, [0-9.]+ s$"
check "  a plain directory, its layers gone" sh -c "[ \$(stat -f -c %T '$R') != overlayfs ] && [ ! -e '$B/.ovl/p1' ]"
is "  the same tree (names, types, modes, owners, mtimes, contents)" "$(tree "$R" | diff "$T_TMP/tree.p1" - 2>&1 | head -8)" ""
is "  the same xattrs, none of overlayfs's" "$(xattrs "$R" | diff "$T_TMP/xattrs.p1" - 2>&1 | head -8)" ""
check "  a file with two names is one inode again" sh -c "[ \$(stat -c %h:%i '$R/usr2/h1') = \$(stat -c %h:%i '$R/usr2/h2') ] && [ \$(stat -c %h '$R/usr2/h1') = 2 ]"
check "  and no whiteout" sh -c "[ -z \"\$(find '$R' -path '$R/dev' -prune -o -type c -print)\" ]"
rc_is "  it starts" 0 vserver p1 start -q
is "  and reads its files" "$(vserver p1 exec sh -c 'cat /usr2/r2 /usr2/r3 | md5sum' | cut -d' ' -f1)" "$(cat "$T_TMP/r2" "$T_TMP/r3" | md5sum | cut -d' ' -f1)"
vserver p1 stop -q
check "  the store is whole" store_ok
R=$B/p2
rm "$R/usr/r1"; mv "$R/usr" "$R/usr2"
tree "$R" >"$T_TMP/tree.p2"
for p in undo-copy:5 undo-swap:1; do
	VSBOX_VUNIFY_CRASH=$p vunify --undo p2 >/dev/null 2>&1
	vserver p2 start -q && vserver p2 stop -q
	is "kill -9 of --undo after $p: p2 whole" "$(tree "$R" | diff "$T_TMP/tree.p2" - 2>&1 | head -8)" ""
done
rc_is "  then --undo completes" 0 vunify --undo p2
is "  the same tree" "$(tree "$R" | diff "$T_TMP/tree.p2" - 2>&1 | head -8)" ""
check "  a plain directory" sh -c "[ \$(stat -f -c %T '$R') != overlayfs ] && [ ! -e '$B/.ovl/p2' ]"
rc_is "--undo of a plain guest" 1 vunify --undo p2
is "  says so" "$ERR" "vunify: p2: its root $R is not an overlay of vunify's"
rc_is "a run removes the store files no guest refers to any more" 0 vunify --method overlay k1 k2 k3
like "  says so" "$OUT" "^vunify: removed [1-9][0-9]* store files? no guest refers to any more$"
check "  the 20 MiB file is one of them" test ! -e "$S"
is "  the k guests are whole" "$(whole)" 0
check "  the others are still there" store_ok

# ---- a template that is an overlay guest ---------------------------------------------
rc_is "vserver k5 build --template k1 (an overlay guest)" 0 vserver k5 build -q --template k1
check "  a plain copy of what k1 shows" sh -c "[ \$(stat -f -c %T '$B/k5') != overlayfs ] && cmp -s '$B/k5/bin/r3' '$T_TMP/r3' && [ -x '$B/k5/bin/busybox' ]"
cp "$VSBOX_CONFDIR/k1.conf" "$VSBOX_CONFDIR/k5.conf"; GUESTS="$GUESTS k5"
rc_is "vserver k6 build --template k1 --unify" 0 vserver k6 build -q --template k1 --unify
check "  k6 is an overlay sharing k1's files" sh -c "[ \$(stat -f -c %T '$B/k6') = overlayfs ] && [ ! -e '$B/.ovl/k6/upper/bin/r3' ] && cmp -s '$B/k6/bin/r3' '$T_TMP/r3'"

cp "$VSBOX_CONFDIR/k1.conf" "$VSBOX_CONFDIR/k6.conf"; GUESTS="$GUESTS k6"
tree "$B/k6" >"$T_TMP/tree.k6"
rc_is "vserver k6 move .:k8 (an overlay guest)" 0 vserver k6 move .:k8 -q
is "  k8, a plain directory, shows what k6 showed" "$(stat -f -c %T "$B/k8" | grep -c overlayfs):$(tree "$B/k8" | diff "$T_TMP/tree.k6" - | head -3)" "0:"
check "  k6's layers and mount point are gone" sh -c "[ ! -e '$B/k6' ] && [ ! -e '$B/.ovl/k6' ]"
GUESTS="$GUESTS k8"

# ---- bad input ---------------------------------------------------------------------
# (a USERNS guest where overlayfs can idmap its layers: tests/vunify-userns.t)
cp "$VSBOX_CONFDIR/p1.conf" "$VSBOX_CONFDIR/p3.conf"; echo USERNS=yes >>"$VSBOX_CONFDIR/p3.conf"
mkdir -p "$B/p3"
if "$VSBOX" --check-kernel "$B" 2>/dev/null | grep -q '^overlayfs idmapped layers  *yes'; then
	skip "a USERNS guest without USERNS_CHOWN is refused: this kernel's overlayfs can idmap its layers"
else
	rc_is "a USERNS guest without USERNS_CHOWN is refused where overlayfs can't idmap its layers" 1 vunify --method overlay p1 p3
	like "  saying why" "$ERR" "^vunify: p3: USERNS=yes needs overlayfs with idmapped layers here \(.*\), or USERNS_CHOWN=yes$"
	check "  and left as it was" sh -c "[ \$(stat -f -c %T '$B/p1') != overlayfs ] && [ ! -e '$B/.ovl/p3' ]"
fi
rm -r "$VSBOX_CONFDIR/p3.conf" "$B/p3"

# ---- a USERNS_CHOWN guest unified before idmapped layers --------------------------
# (its ids were shifted on disk through a plain overlay, its root last,
# which marks it; made so here by hand): it stays so, and keeps working
guest u1; guest u2
printf 'USERNS=yes\nUSERNS_CHOWN=yes\nUSERNS_BASE=3800000\n' >>"$VSBOX_CONFDIR/u2.conf"
cp "$T_TMP/big" "$B/u1/big"; cp "$T_TMP/big" "$B/u2/big"; chmod 4755 "$B/u2/big"
rc_is "USERNS_CHOWN=yes: a USERNS guest can be unified" 0 vunify --method overlay u1 u2
umount "$B/u2"
(cd "$B/.ovl/u2" && mount -t overlay vsbox-unified -o lowerdir=lower::../store,upperdir=upper,workdir=work,metacopy=on,redirect_dir=on "$B/u2") ||
	bail "can't mount u2's overlay plain"
find "$B/u2" -xdev -mindepth 1 -printf '%U %G %m %y %p\n' | while read -r u g m y p; do
	chown -h $((u + 3800000)):$((g + 3800000)) "$p"; [ $y = l ] || chmod "$m" "$p"; done
chown 3800000:3800000 "$B/u2"
umount "$B/u2"
rc_is "  and starts (its ids shifted on disk, shown through a plain overlay)" 0 vserver u2 start -q
is "  inside, its root owns its unified files, setuid kept, content the same" \
	"$(vserver u2 exec sh -c 'stat -c "%u:%g %a" /bin/busybox /big; md5sum </big | cut -d" " -f1' | tr '\n' ' ')" \
	"0:0 755 0:0 4755 $(md5 "$T_TMP/big") "
vserver u2 exec sh -c 'echo x >/new; chown 5:5 /new'
is "  on the host its files are the shifted ids'" "$(stat -c %u:%g "$B/u2/big" "$B/u2/new" | tr '\n' ' ')" "3800000:3800000 3800005:3800005 "
is "  on disk too (its overlay is not idmapped)" "$(stat -c %u:%g "$B/.ovl/u2/upper/new")" "3800005:3800005"
# (2 MiB of data is 4096 blocks of 512 bytes; a metadata copy has at most an xattr block)
check "  the shift copied up metadata only: the data is the store's" [ "$(stat -c %b "$B/.ovl/u2/upper/big")" -lt 64 ]
is "  u1 is untouched" "$(stat -c %u:%g:%a "$B/u1/big")" "0:0:644"
vserver u2 stop -q
rc_is "  --undo gives it a plain root with its shifted ids" 0 vunify --undo u2
is "  so" "$(stat -f -c %T "$B/u2" | grep -c overlayfs):$(stat -c %u:%g:%a "$B/u2/big")" "0:3800000:3800000:4755"
rc_is "a missing guest" 1 vunify --method overlay nosuch p1
like "  named" "$ERR" "^vunify: nosuch: can't open its root"
mkdir -p "$MNT/a,b:c/p1" "$MNT/a,b:c/p2"
cp "$T_TMP/big" "$MNT/a,b:c/p1/big"; cp "$T_TMP/big" "$MNT/a,b:c/p2/big"
rc_is "a ROOTDIR holding ',' and ':' (the layers are named relative to it)" 0 env VSBOX_ROOTDIR="$MNT/a,b:c" vunify --method overlay p1 p2
is "  its guests are overlays sharing the file" "$(stat -f -c %T "$MNT/a,b:c/p1" "$MNT/a,b:c/p2" | sort -u):$(cmp "$MNT/a,b:c/p2/big" "$T_TMP/big" && echo same)" "overlayfs:same"
rc_is "  and are undone" 0 env VSBOX_ROOTDIR="$MNT/a,b:c" vunify --undo p1 p2
chattr -R -i "$MNT/a,b:c" 2>/dev/null; rm -rf "$MNT/a,b:c"

# ---- DISK_LIMIT charges a guest's own layer; delete -----------------------------------
unmount_all
# (project quotas need a kernel with CONFIG_QUOTA: the kernel tier's)
if ufs ext4q 200M mkfs.ext4 -q -F -I 256 -O quota,project -E quotatype=prjquota 2>/dev/null &&
   umount "$MNT" && mount -o prjquota "$dev" "$MNT" 2>/dev/null; then
	export VSBOX_ROOTDIR=$MNT/vs B=$MNT/vs
	mkdir -p "$B"
	GUESTS=""
	guest d1; guest d2
	echo DISK_LIMIT=12M >>"$VSBOX_CONFDIR/d1.conf"
	vserver d1 start -q && vserver d1 stop -q || bail "can't start d1 with DISK_LIMIT"
	head -c 6291456 /dev/urandom >"$T_TMP/big6"
	for g in d1 d2; do cp "$T_TMP/big6" "$B/$g/bin/big6"; done
	used() { vserver d1 limits --json | python3 -c "import json, sys; print(json.load(sys.stdin)['disk']['used'] // 1024)"; }
	within "ext4 project quota: d1 holds a 6M file of its own (KiB used)" "$(used)" 6144 8192
	rc_is "  vunify --method overlay d1 d2" 0 vunify --method overlay d1 d2
	rc_is "  d1 with DISK_LIMIT starts as an overlay" 0 vserver d1 start -q
	within "  its 6M file no longer charged to it" "$(used)" 0 2048
	rc_is "  it writes 8M of its own" 0 vserver d1 exec dd if=/dev/zero of=/f1 bs=1M count=8
	within "  charged to it" "$(used)" 8192 10240
	check "  5M more is over its limit" sh -c "! vserver d1 exec dd if=/dev/zero of=/f2 bs=1M count=5 2>/dev/null"
	vserver d1 stop -q
	rc_is "vserver d2 delete of an overlay guest" 0 vserver d2 delete --force -q
	check "  its root, layers and mount point are gone" sh -c "[ ! -e '$B/d2' ] && [ ! -e '$B/.ovl/d2' ] && ! grep -q ' $B/d2 ' /proc/mounts"
	check "  the other guest is whole" sh -c "cmp -s '$B/d1/bin/big6' '$T_TMP/big6'"
else
	skip "DISK_LIMIT on an overlay guest: no ext4 with project quotas here (CONFIG_QUOTA)"
fi

for fs in xfs btrfs; do
	unmount_all
	GUESTS=""
	case $fs in
	xfs) ufs xfs 400M mkfs.xfs -q || bail "can't make an XFS loop image" ;;
	btrfs) ufs btrfs 400M mkfs.btrfs -q || bail "can't make a btrfs loop image" ;;
	esac
	export VSBOX_ROOTDIR=$MNT/vs
	mkdir -p "$VSBOX_ROOTDIR"
	scenario $fs
	[ $fs = btrfs ] && check "btrfs: each guest's layers are its old root's subvolume" sh -c \
		"for g in o1 o2 o3; do [ \$(stat -c %i '$VSBOX_ROOTDIR/.ovl/'\$g) = 256 ] || exit 1; done"
done
done_testing
