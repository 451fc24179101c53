#!/bin/sh
# newvserver.t - guided creation: flags without a terminal, answers on one,
# settings validated before anything is built.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/guest-lib.sh"
mkimage "$T_TMP/img" "$T_TMP/guest.tgz"

rc_is "flags only" 0 newvserver --name n1 --tar "$T_TMP/guest.tgz" --ip 127.0.0.2 --dev lo --onboot --memory 64M </dev/null
C=$(cat "$VSBOX_CONFDIR/n1.conf")
like "IPROOT set" "$C" '^IPROOT="127.0.0.2"$'
like "IPROOTDEV set" "$C" '^IPROOTDEV="lo"$'
like "ONBOOT set" "$C" '^ONBOOT="yes"$'
like "S_MEMORY set" "$C" '^S_MEMORY="64M"$'
like "hostname defaults to the name" "$C" '^S_HOSTNAME="n1"$'
check "root built" test -x "$VSBOX_ROOTDIR/n1/bin/busybox"
rc_is "no --name and no terminal" 2 newvserver --tar "$T_TMP/guest.tgz" </dev/null
rc_is "a bad address is refused before building" 2 newvserver --name n2 --tar "$T_TMP/guest.tgz" --ip 300.1.1.1 </dev/null
like "and says why" "$ERR" "IPROOT: '300.1.1.1'"
check "nothing was built" test ! -e "$VSBOX_ROOTDIR/n2" -a ! -e "$VSBOX_CONFDIR/n2.conf"
if command -v script >/dev/null; then
	printf 'n3\nf:%s\n127.0.0.3\nlo\nweb3\ny\n' "$T_TMP/guest.tgz" >"$T_TMP/answers"
	script -qec "$VSBOX newvserver" /dev/null <"$T_TMP/answers" >"$T_TMP/dialog" 2>&1
	C=$(cat "$VSBOX_CONFDIR/n3.conf" 2>/dev/null)
	like "on a terminal the answers are used" "$C" '^IPROOT="127.0.0.3"$'
	like "asked host name" "$C" '^S_HOSTNAME="web3"$'
	like "asked ONBOOT" "$C" '^ONBOOT="yes"$'
else
	skip "no script(1)"; skip "no script(1)"; skip "no script(1)"
fi
done_testing
