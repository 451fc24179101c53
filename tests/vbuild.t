#!/bin/sh
# vbuild.t - a new guest as a copy of another: root copied, settings taken
# over except host name, addresses, context and ONBOOT.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/guest-lib.sh"
mkimage "$T_TMP/img" "$T_TMP/guest.tgz"
vserver tpl build -q --tar "$T_TMP/guest.tgz" || bail "build tpl"
printf 'IPROOT=127.0.0.2\nIPROOTDEV=lo\nS_HOSTNAME=tpl\nS_CONTEXT=77\nONBOOT=yes\nS_MEMORY=64M\nS_FLAGS="lock nproc"\nULIMIT="-H -u 99"\n' \
	>"$VSBOX_CONFDIR/tpl.conf"
echo marker >"$VSBOX_ROOTDIR/tpl/etc/marker"
ln -s /etc/shadow "$VSBOX_ROOTDIR/tpl/etc/hostlink"

rc_is "vbuild tpl new" 0 vbuild -q tpl new
is "the root is copied" "$(cat "$VSBOX_ROOTDIR/new/etc/marker")" marker
is "symlinks are copied as symlinks, not followed" "$(readlink "$VSBOX_ROOTDIR/new/etc/hostlink")" /etc/shadow
C=$(cat "$VSBOX_CONFDIR/new.conf")
like "S_HOSTNAME is the new name" "$C" '^S_HOSTNAME="new"$'
like "IPROOT is cleared" "$C" '^IPROOT=""$'
like "S_CONTEXT is cleared" "$C" '^S_CONTEXT=""$'
like "ONBOOT is no" "$C" '^ONBOOT="no"$'
like "other settings are kept" "$C" '^S_MEMORY=64M$'
like "ULIMIT kept" "$C" '^ULIMIT="-H -u 99"$'
rc_is "the new guest starts" 0 vserver new start -q
is "with its own host name" "$(vserver new exec hostname)" new
rc_is "and stops" 0 vserver new stop -q
rc_is "vbuild onto an existing guest" 1 vbuild tpl new
rc_is "vbuild from a missing guest" 1 vbuild nosuch other
rc_is "vbuild with one argument" 2 vbuild tpl
done_testing
