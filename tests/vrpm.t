#!/bin/sh
# vrpm.t - vrpm runs each running guest's own rpm, one guest after another
# (busybox guests whose rpm is a small script recording what it was asked
# and "installing" a file; vapt.t covers the same runner with apt-get):
# the arguments reach rpm unchanged, as root, inside each guest in order;
# each guest's exit status summarised, a guest without rpm and a stopped
# guest reported, --stop-on-error, --unify shares what rpm installed
# (btrfs loop image), usage errors.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/guest-lib.sh"
. "$(dirname "$0")/unify-lib.sh"
. "$(dirname "$0")/pm-lib.sh"
pm_guests rpm -i 2 vr1 vr2 vr3
rm -f "$VSBOX_ROOTDIR"/vr3/usr/bin/rpm "$VSBOX_ROOTDIR"/vr3/bin/rpm  # vr3 has no rpm at all (not even busybox's)
pm_start vr1 vr2 vr3

rc_is "vrpm --help" 0 vrpm --help
like "  the usage, on stdout" "$OUT" "^usage: vrpm \[--unify\[=METHOD\]\] \[--stop-on-error\] GUEST\.\.\.\|ALL -- RPM-ARGS"
rc_is "vrpm vr1 vr2 -- -q --whatprovides 'a b'" 0 vrpm vr1 vr2 -- -q --whatprovides 'a b'
is "  rpm ran in each guest, as root, in order, its arguments unchanged" \
	"$(printf '%s\n' "$OUT" | grep '^rpm' | tr '\n' ';')" \
	"rpm [-q][--whatprovides][a b] in vr1 as 0;rpm [-q][--whatprovides][a b] in vr2 as 0;"
is "  a status line each" "$(printf '%s\n' "$OUT" | grep -c '^vrpm: vr[12]: ok (exit 0)$')" 2
rc_is "ALL, vr3 without rpm: exit 1" 1 vrpm ALL -- -qa
is "  each guest ran, the missing rpm is vr3's failure" \
	"$(printf '%s\n' "$OUT" | grep '^vrpm: vr[123]: [a-z]* (' | tr '\n' ';')" \
	"vrpm: vr1: ok (exit 0);vrpm: vr2: ok (exit 0);vrpm: vr3: failed (exit 127);"
touch "$VSBOX_ROOTDIR/vr1/fail"
rc_is "vr1's rpm fails: exit 1" 1 vrpm vr1 vr2 -- -e pkg
like "  with rpm's own status" "$OUT" "vrpm: vr1: failed \(exit 2\)"
like "  vr2 still ran" "$OUT" "rpm \[-e\]\[pkg\] in vr2"
rc_is "--stop-on-error" 1 vrpm --stop-on-error vr1 vr2 -- -e pkg
check "  vr2 did not run" sh -c "! printf '%s\n' \"\$OUT\" | grep -q 'in vr2'"
like "  and says so" "$OUT" "vrpm: 1 guests not done \(--stop-on-error\)"
rm "$VSBOX_ROOTDIR/vr1/fail"
vserver vr3 stop -q
rc_is "a stopped guest" 1 vrpm vr1 vr3 -- -qa
like "  is reported" "$ERR" "^vrpm: vr3: not running \(start it first\)$"
like "  in the summary too" "$OUT" "vrpm: vr3: not running"
rc_is "--unify with one guest" 0 vrpm --unify vr1 -- -qa
like "  nothing to share with" "$ERR" "^vrpm: --unify: one guest, nothing to share with$"
sync
rc_is "vrpm --unify vr1 vr2 -- -i pkg" 0 vrpm --unify vr1 vr2 -- -i pkg
like "  ends with vunify's summary" "$OUT" '^vunify: [0-9]+ files shared'
pm_restart vr1 vr2
check "  the installed file is shared by both guests" shared "$VSBOX_ROOTDIR/vr1/usr/lib/pkg" "$VSBOX_ROOTDIR/vr2/usr/lib/pkg"
vserver vr1 exec sh -c 'echo local >> /usr/lib/pkg'
check "  a guest's write to it stays its own" cmp -s "$T_TMP/pkg" "$VSBOX_ROOTDIR/vr2/usr/lib/pkg"
rc_is "no -- : usage error" 2 vrpm vr1
like "  one line" "$ERR" "^vrpm: the rpm arguments go after --"
rc_is "rpm's options before -- : usage error" 2 vrpm vr1 -qa
like "  naming the argument" "$ERR" "^vrpm: '-qa' is not a guest name"
rc_is "nothing after -- : usage error" 2 vrpm vr1 --
rc_is "no guest named" 2 vrpm -- -qa
rc_is "a bad guest name" 2 vrpm 'a b' -- -qa
like "  named" "$ERR" "^vrpm: 'a b' is not a guest name"
done_testing
