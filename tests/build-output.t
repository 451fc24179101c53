#!/bin/sh
# build-output.t - what vserver NAME build says: progress (what it copies,
# debootstrap's own output, the layers of an image) on a terminal only (a
# pty from script(1)); in a script only the result line, with -q nothing;
# a failing debootstrap's output kept and its last line the one-line
# error's reason. No addresses, no network (the debootstrap fails at once).
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/guest-lib.sh"
command -v script >/dev/null || { echo "1..0 # SKIP script (util-linux) is missing"; exit 0; }
mkimage "$T_TMP/img" "$T_TMP/guest.tgz"
# tty CMD...: CMD on a pty; its output (stdout and stderr) on ours (the
# shell lingers after it: script ends 10 ms after its child, and a loaded
# host may not have passed it the last of CMD's output by then)
tty() { script -qec "$*; sleep 0.3" /dev/null </dev/null | tr -d '\r'; }

run_rc vserver b1 build --template "$T_TMP/img"
is "in a script: build --template says nothing on stderr" "$ERR" ""
is "  only the result on stdout" "$OUT" "b1: built in $VSBOX_ROOTDIR/b1, settings in $VSBOX_CONFDIR/b1.conf"
run_rc vserver b2 build -q --template "$T_TMP/img"
is "-q: nothing at all" "$OUT$ERR" ""
is "on a terminal: what it copies" "$(tty vserver b3 build --template "$T_TMP/img" | head -1)" "copying $T_TMP/img..."
is "  -q: nothing, even there" "$(tty vserver b4 build -q --template "$T_TMP/img")" ""
for g in b1 b2 b3 b4; do vserver $g delete --force -q; done

if command -v zstd >/dev/null; then
	python3 "$T_TOP/tests/data/mkoci.py" "$T_TMP/oci" good || bail "mkoci"
	like "an OCI image on a terminal: each layer" "$(tty vserver b5 build --oci "$T_TMP/oci" | tr '\n' ' ')" \
		"^applying layer 1/2 sha256:[0-9a-f]{12} \([0-9.]+ MiB\)\.\.\. applying layer 2/2 .*b5: built in"
	run_rc vserver b6 build --oci "$T_TMP/oci"
	is "  in a script: no layer lines" "$ERR" ""
	vserver b5 delete --force -q; vserver b6 delete --force -q
else
	skip "zstd missing (build/deps.sh)"; skip "zstd missing"
fi

if command -v debootstrap >/dev/null; then
	run_rc vserver b7 build --debootstrap nosuch --mirror "file://$T_TMP/nomirror"
	is "a failing debootstrap in a script (exit 1)" "$RC" 1
	is "  one line: its last line is the reason" "$ERR" \
		"vserver: debootstrap nosuch failed (exit 1): E: No such script: /usr/share/debootstrap/scripts/nosuch"
	check "  nothing left" test ! -e "$VSBOX_ROOTDIR/b7" -a ! -e "$VSBOX_CONFDIR/b7.conf"
	like "on a terminal, debootstrap speaks for itself" \
		"$(tty vserver b8 build --debootstrap nosuch --mirror "file://$T_TMP/nomirror" | tr '\n' ' ')" \
		"^E: No such script: .*vserver: debootstrap nosuch failed \(exit 1\) $"
else
	i=0; while [ $i -lt 4 ]; do skip "debootstrap is not installed"; i=$((i + 1)); done
fi
done_testing
