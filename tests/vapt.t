#!/bin/sh
# vapt.t - vapt runs the guests' own apt-get in each
# running guest, one after another (busybox guests whose apt-get
# is a small script recording what it was asked; the real apt-get is
# in the Debian tier): each guest's exit status summarised, a failure does
# not stop the others unless --stop-on-error, a stopped guest is reported,
# --unify shares what the package manager installed (btrfs loop image),
# --unify=METHOD asks vunify for that method.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/guest-lib.sh"
. "$(dirname "$0")/unify-lib.sh"
. "$(dirname "$0")/pm-lib.sh"
pm_guests apt-get install 100 va1 va2 va3
pm_start va1 va2 va3

rc_is "vapt ALL -- install pkg" 0 vapt ALL -- install pkg
is "  apt-get ran in each guest, as root, in order" "$(printf '%s\n' "$OUT" | grep '^apt-get' | tr '\n' ';')" \
	"apt-get [install][pkg] in va1 as 0;apt-get [install][pkg] in va2 as 0;apt-get [install][pkg] in va3 as 0;"
is "  a status line each" "$(printf '%s\n' "$OUT" | grep -c '^vapt: va[123]: ok (exit 0)$')" 3

check "  the guests' files are their own (not shared)" not_shared "$VSBOX_ROOTDIR/va1/usr/lib/pkg" "$VSBOX_ROOTDIR/va2/usr/lib/pkg"
touch "$VSBOX_ROOTDIR/va2/fail"
rc_is "va2 fails: vapt exits 1" 1 vapt va1 va2 va3 -- upgrade
is "  and the others still ran" "$(printf '%s\n' "$OUT" | grep '^vapt: va' | tr '\n' ';')" \
	"vapt: va1: apt-get ...;vapt: va2: apt-get ...;vapt: va3: apt-get ...;vapt: va1: ok (exit 0);vapt: va2: failed (exit 100);vapt: va3: ok (exit 0);"
rc_is "--stop-on-error" 1 vapt --stop-on-error va2 va3 -- upgrade
like "  stops after va2" "$OUT" "vapt: va2: failed \(exit 100\)"
check "  va3 did not run" sh -c "! printf '%s\n' \"\$OUT\" | grep -q 'in va3'"
like "  and says so" "$OUT" "vapt: 1 guests not done \(--stop-on-error\)"
rm "$VSBOX_ROOTDIR/va2/fail"
vserver va3 stop -q
rc_is "a stopped guest" 1 vapt va1 va3 -- update
like "  is reported" "$ERR" "^vapt: va3: not running \(start it first\)$"
like "  in the summary too" "$OUT" "vapt: va3: not running"
vserver va3 start -q
sync
rc_is "vapt --unify ALL -- install pkg" 0 vapt --unify ALL -- install pkg
like "  ends with vunify's summary" "$OUT" '^vunify: [0-9]+ files shared'
pm_restart va1 va2 va3
check "  the installed file is shared by the three guests" shared3 "$VSBOX_ROOTDIR/va1/usr/lib/pkg" "$VSBOX_ROOTDIR/va2/usr/lib/pkg" "$VSBOX_ROOTDIR/va3/usr/lib/pkg"
vserver va1 exec sh -c 'echo local >> /usr/lib/pkg'
check "  a guest's write to it stays its own" cmp -s "$T_TMP/pkg" "$VSBOX_ROOTDIR/va2/usr/lib/pkg"
rc_is "--unify=bogus: usage error" 2 vapt --unify=bogus va1 va2 -- install pkg
like "  names it" "$ERR" "^vapt: --unify: 'bogus' is not link, overlay, reflink or auto$"
check "  apt-get did not run" sh -c "! printf '%s\n' \"\$OUT\" | grep -q '^apt-get'"
# (ext4 alone has the link method, with kernel/patches 0001)
rc_is "--unify=link runs vunify --method link: refused on btrfs" 1 vapt --unify=link va1 va2 -- update
like "  in vunify's words" "$ERR" "^vunify: --method link needs"
rc_is "no -- : usage error" 2 vapt va1 install
rc_is "nothing after -- : usage error" 2 vapt va1 --
rc_is "a bad guest name" 2 vapt 'a b' -- update
done_testing
