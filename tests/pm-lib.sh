# pm-lib.sh - shared by vapt.t and vrpm.t: running busybox guests on a
# btrfs loop image (VSBOX_ROOTDIR on it, for --unify), each with a package
# manager that is a small script: it prints "PM [ARG][ARG]... in HOST as
# UID", fails with FAILRC when the guest has a /fail, and its INSTALL
# command copies the "package" $T_TMP/pkg (1 MiB) to /usr/lib/pkg. Source
# after lib.sh, guest-lib.sh and unify-lib.sh.
mkimage "$T_TMP/img" "$T_TMP/guest.tgz"
mkdir -p "$VSBOX_CONFDIR"
ufs btrfs 300M mkfs.btrfs -q || bail "can't make a btrfs loop image"
export VSBOX_ROOTDIR=$MNT/vs
mkdir -p "$VSBOX_ROOTDIR"
head -c 1048576 /dev/urandom >"$T_TMP/pkg"
GUESTS=""
on_cleanup 'for g in $GUESTS; do vserver $g stop -q >/dev/null 2>&1; done'
# pm_guests PM INSTALL FAILRC NAME...: build those guests (started by the
# caller: pm_start)
pm_guests() {
	pm=$1 inst=$2 frc=$3; shift 3
	for g in "$@"; do
		GUESTS="$GUESTS $g"
		vserver $g build -q --tar "$T_TMP/guest.tgz" || bail "can't build $g"
		{ echo "S_HOSTNAME=$g"; echo 'S_FLAGS="fakeinit"'; echo 'INIT="/bin/sleep 100000"'
		  echo "STOPSIG=KILL"; echo "STOP_TIMEOUT=0"; } >"$VSBOX_CONFDIR/$g.conf"
		R=$VSBOX_ROOTDIR/$g
		mkdir -p "$R/usr/bin" "$R/usr/lib" "$R/var/cache"
		cp "$T_TMP/pkg" "$R/var/cache/pkg"
		printf '#!/bin/sh\necho "%s $(printf "[%%s]" "$@") in $(hostname) as $(id -u)"\n[ -f /fail ] && exit %s\n[ "$1" = %s ] && cp /var/cache/pkg /usr/lib/pkg\nexit 0\n' \
			"$pm" "$frc" "$inst" >"$R/usr/bin/$pm"
		chmod 755 "$R/usr/bin/$pm"
	done
}
pm_start() { for g in "$@"; do vserver $g start -q || bail "can't start $g"; done; }
# pm_restart NAME...: stopped and started again. --unify runs vunify's auto
# method, overlay on this btrfs (where the kernel has no iunlink): running
# guests share what it found from their next start, each file then read
# from one store file (whose extents filefrag sees through the overlay)
pm_restart() { for g in "$@"; do vserver $g stop -q; vserver $g start -q || bail "can't start $g again"; done; }
