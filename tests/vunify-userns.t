#!/bin/sh
# vunify-userns.t - a USERNS=yes guest unified by the overlay method
# (lib/uovl.c) without USERNS_CHOWN: its overlay's layers are idmapped, so
# its files and the store keep plain ids on disk (the store shared with a
# plain guest of the same template) while the guest, and the host at
# $VSBOX_ROOTDIR/NAME running or stopped, see them shifted. On loop images
# of ext4 and XFS: root inside creates, modifies, chowns and deletes files
# and sees them as any guest's root does; its upper layer keeps them plain;
# the plain guest and the store see nothing of it; vdu counts its own
# layer; a template copy of it gets its plain ids, vserver copy is refused;
# --undo gives the plain root a USERNS guest has, showing the guest the
# same tree. No addresses.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/guest-lib.sh"
. "$(dirname "$0")/unify-lib.sh"
ovl_test_setup
case "$("$VSBOX" --check-kernel "$T_TMP" 2>/dev/null | grep '^overlayfs idmapped')" in
*" no "*) echo "1..0 # SKIP this kernel's overlayfs can't idmap its layers here (Linux 5.19+)"; exit 0 ;;
esac
# the pool the guest's range comes from, no subordinate range in its way
mkdir -p "$VSBOX_CONFDIR/.defaults"
printf 'USERNS_BASE=3900000\nUSERNS_SIZE=65536\n' >"$VSBOX_CONFDIR/.defaults/userns"
export VSBOX_SUBUID="$T_TMP/nosub" VSBOX_SUBGID="$T_TMP/nosub"
BASE=3900000
head -c 2097152 /dev/urandom >"$T_TMP/big"
for f in mod own gone; do head -c 65536 /dev/urandom >"$T_TMP/$f"; done
md5() { md5sum <"$1" | cut -d' ' -f1; }
# inside GUEST: what its root shows of the test's files (owner, mode, size, content)
inside() {
	vserver "$1" exec sh -c 'cd / && for f in big bin/busybox etc/passwd usr/lib/mod usr/lib/own usr/lib/gone new d d/f; do
		[ -e $f ] && echo "$f $(stat -c "%u:%g %a %s" $f) $( [ -f $f ] && md5sum <$f | cut -c1-32)"; done'
}

scenario() {
	fs=$1 B=$VSBOX_ROOTDIR
	guest p1; guest n1
	echo USERNS=yes >>"$VSBOX_CONFDIR/n1.conf"
	for g in p1 n1; do
		mkdir -p "$B/$g/usr/lib"
		cp "$T_TMP/big" "$B/$g/big"
		for f in mod own gone; do cp "$T_TMP/$f" "$B/$g/usr/lib/$f"; done
	done
	for g in p1 n1; do chown 7:8 "$B/$g/usr/lib/own"; chmod 4750 "$B/$g/usr/lib/own"; done
	vserver n1 start -q || bail "can't start n1"
	inside n1 >"$T_TMP/plain.n1"
	vserver n1 stop -q
	rc_is "$fs: vunify --method overlay of a plain and a USERNS guest" 0 vunify --method overlay p1 n1
	like "  n1's range was chosen and written" "$(cat "$VSBOX_CONFDIR/n1.conf")" "^USERNS_BASE=\"$BASE\"$"
	is "  both roots are overlays" "$(stat -f -c %T "$B/p1" "$B/n1" | sort -u)" overlayfs
	R1=$(getfattr --only-values -n trusted.overlay.redirect "$B/.ovl/p1/lower/big" 2>/dev/null)
	R2=$(getfattr --only-values -n trusted.overlay.redirect "$B/.ovl/n1/lower/big" 2>/dev/null)
	check "  their stubs of one file name one store file" sh -c "[ -n '$R1' ] && [ '$R1' = '$R2' ] && [ -f '$B/.ovl/store$R1' ]"
	is "  which keeps plain ids on disk (root's, 0400)" "$(stat -c %u:%g:%a "$B/.ovl/store$R1")" "0:0:400"
	is "  as do n1's stubs and its own layer" "$(stat -c %u:%g "$B/.ovl/n1/lower/usr/lib/own" "$B/.ovl/n1/upper" | tr '\n' ' ')" "7:8 0:0 "
	(cd "$B/.ovl/store" && find . -type f | sort | xargs md5sum) >"$T_TMP/store.sums"
	is "  stopped, the host sees n1's files shifted" \
		"$(stat -c %u:%g "$B/n1/big" "$B/n1/usr/lib/own" "$B/n1" | tr '\n' ' ')" \
		"$BASE:$BASE $((BASE + 7)):$((BASE + 8)) $BASE:$BASE "
	is "  and p1's plain" "$(stat -c %u:%g "$B/p1/big" "$B/p1/usr/lib/own" | tr '\n' ' ')" "0:0 7:8 "
	rc_is "$fs: n1 starts as an overlay" 0 vserver n1 start -q
	vserver p1 start -q || bail "can't start p1"
	is "  inside, it shows what it showed before (owners, modes, contents)" "$(inside n1 | diff "$T_TMP/plain.n1" -)" ""
	is "  inside it is root" "$(vserver n1 exec id -u)" 0
	MT=$(vserver n1 exec cat /proc/mounts /proc/self/mountinfo)
	like "  its root is its overlay" "$MT" '^vsbox-unified / overlay [^ ]*lowerdir=lower::\.\./store,upperdir=upper,workdir=work'
	is "  whose mount lines name no host path" "$(printf '%s\n' "$MT" | grep -c "$B")" 0
	rc_is "  root inside creates, modifies, chowns and deletes files" 0 vserver n1 exec sh -c '
		echo new >/new && chown 5:6 /new && mkdir /d && echo f >/d/f && chown 9:9 /d/f &&
		printf XXXX | dd of=/usr/lib/mod bs=1 seek=10 conv=notrunc 2>/dev/null &&
		chown 0:3 /usr/lib/own && chmod 4755 /usr/lib/own && rm /usr/lib/gone && chown 1:1 /big'
	is "  and sees them as its own" "$(vserver n1 exec stat -c '%n %u:%g %a' /new /d /d/f /usr/lib/own /big | tr '\n' ' ')" \
		"/new 5:6 644 /d 0:0 755 /d/f 9:9 644 /usr/lib/own 0:3 4755 /big 1:1 644 "
	check "  the deleted one is gone, the modified one changed" vserver n1 exec sh -c "[ ! -e /usr/lib/gone ] && [ \"\$(md5sum </usr/lib/mod | cut -c1-32)\" != '$(md5 "$T_TMP/mod")' ]"
	U=$B/.ovl/n1/upper
	is "  on disk, its upper layer keeps them plain" "$(stat -c %u:%g "$U/new" "$U/d" "$U/d/f" "$U/usr/lib/own" "$U/big" "$U/usr/lib/mod" | tr '\n' ' ')" \
		"5:6 0:0 9:9 0:3 1:1 0:0 "
	check "  a chown copied up metadata only: the data is still the store's" [ "$(stat -c %b "$U/big")" -lt 64 ]
	is "  running, the host sees them shifted" "$(stat -c %u:%g "$B/n1/new" "$B/n1/d/f" "$B/n1/big" | tr '\n' ' ')" \
		"$((BASE + 5)):$((BASE + 6)) $((BASE + 9)):$((BASE + 9)) $((BASE + 1)):$((BASE + 1)) "
	is "  p1 sees nothing of it" "$(vserver p1 exec sh -c 'ls /new /d 2>&1 | wc -l; stat -c "%u:%g %a" /big /usr/lib/own; md5sum </usr/lib/mod | cut -c1-32; cat /usr/lib/gone | md5sum | cut -c1-32' | tr '\n' ' ')" \
		"2 0:0 644 7:8 4750 $(md5 "$T_TMP/mod") $(md5 "$T_TMP/gone") "
	check "  the store's files are unchanged" sh -c "cd '$B/.ovl/store' && md5sum -c --quiet '$T_TMP/store.sums'"
	inside n1 >"$T_TMP/ovl.n1"
	vserver n1 stop -q; vserver p1 stop -q
	is "$fs: stopped, the host still sees n1's files shifted" "$(stat -c %u:%g "$B/n1/new" "$B/n1/usr/lib/own" | tr '\n' ' ')" \
		"$((BASE + 5)):$((BASE + 6)) $BASE:$((BASE + 3)) "
	check "  a host write there is refused: host root is no id of the guest's" sh -c "! (echo x >'$B/n1/host-file') 2>/dev/null && [ ! -e '$U/host-file' ]"
	rc_is "  vunify again, both stopped" 0 vunify --method overlay p1 n1
	check "  n1's files of its own stay its own" sh -c "[ -f '$U/new' ] && [ -f '$U/d/f' ]"
	vserver n1 start -q || bail "can't start n1 again"
	is "  after stop and start it shows the same" "$(inside n1 | diff "$T_TMP/ovl.n1" -)" ""
	vserver n1 stop -q
	# (on ext4: XFS trims its speculative preallocations of the new
	# store files some time later, which vdu would see changing)
	[ $fs = ext4 ] && sync && SH=$(find "$B/.ovl/n1/lower" -type f -exec getfattr --absolute-names -n trusted.overlay.redirect {} + 2>/dev/null |
		sed -n 's|^trusted.overlay.redirect="\(.*\)"$|\1|p' | sort -u | while read -r f; do stat -c '%b * %B' "$B/.ovl/store$f"; done |
		awk '{ s += $1 * $3 } END { print s }')
	[ $fs = ext4 ] && is "  vdu: what n1 shares is the store files its stubs name, each once" "$(vdu --bytes n1 | awk '$1 == "n1" { print $3 }')" "$SH"
	rc_is "$fs: vserver t1 build --template n1" 0 vserver t1 build -q --template n1
	is "  copies the ids n1 has inside, as a plain tree" "$(stat -c %u:%g "$B/t1/new" "$B/t1/d/f" "$B/t1/usr/lib/own" "$B/t1" | tr '\n' ' ')" "5:6 9:9 0:3 0:0 "
	rc_is "  vserver n1 copy refused: rsync would copy the shifted ids" 1 vserver n1 copy .:n9 -q
	is "  saying so" "$ERR" "vserver: n1: its overlay shows its ids shifted (USERNS=yes, unified): vunify --undo n1 first"
	check "  nothing made" sh -c "[ ! -e '$B/n9' ] && [ ! -e '$VSBOX_CONFDIR/n9.conf' ]"
	rc_is "$fs: --undo n1" 0 vunify --undo n1
	check "  a plain directory" sh -c "[ \$(stat -f -c %T '$B/n1') != overlayfs ] && [ ! -e '$B/.ovl/n1' ]"
	is "  with plain ids on disk, as a USERNS guest's root has them" \
		"$(stat -c %u:%g "$B/n1/new" "$B/n1/d/f" "$B/n1/usr/lib/own" "$B/n1" | tr '\n' ' ')" "5:6 9:9 0:3 0:0 "
	vserver n1 start -q || bail "can't start n1 undone"
	is "  started, it shows the same tree" "$(inside n1 | diff "$T_TMP/ovl.n1" -)" ""
	vserver n1 stop -q
	check "  the store's files are unchanged" sh -c "cd '$B/.ovl/store' && md5sum -c --quiet '$T_TMP/store.sums'"
	for g in p1 n1 t1; do vserver $g delete --force -q >/dev/null 2>&1; done
}

for fs in ext4 xfs; do
	GUESTS=""
	case $fs in
	ext4) ufs ext4 300M mkfs.ext4 -q -F -I 256 || bail "can't make an ext4 loop image" ;;
	xfs) ufs xfs 400M mkfs.xfs -q || bail "can't make an XFS loop image" ;;
	esac
	export VSBOX_ROOTDIR=$MNT/vs
	mkdir -p "$VSBOX_ROOTDIR"
	scenario $fs
done
done_testing
