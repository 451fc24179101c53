#!/bin/sh
# kernel-tap.sh RUNDIR QEMU-RC KERNEL - the verdict of a build/kernel-run.sh run
# as TAP: one line per test file of RUNDIR/list from the TAP in RUNDIR/tap.log
# (plan present and met, no "not ok", no bail out, exit 0), then one for the
# run itself (qemu powered off by itself, no panic, every file ran). Skip
# reasons are listed as diagnostics, and so are a "not ok" and the comment
# lines after it (80 at most: what the test said of the failure). Exit 1 when anything failed.
set -eu
R=$1 QRC=$2 KN=$3
awk -v qrc="$QRC" -v kn="$KN" -v secs="$(cat "$R/seconds")" \
    -v panic="$(grep -c -E 'Kernel panic|BUG:|Oops|general protection fault' "$R/console.log" || true)" '
FNR == NR { want[++nw] = $0; next }
/^# ktier: begin / { f = $4; inf = 1; plan = ""; n = 0; bad = 0; sk = 0; bail = 0; began[f] = 1; next }
/^# ktier: end / {
	if (!inf) next
	split($5, a, "="); rc = a[2]; split($6, b, "="); s = b[2]
	why = ""
	if (rc != 0) why = why " exit " rc (rc == 124 || rc == 137 ? " (timeout)" : "")
	if (plan == "") why = why " no plan"
	else if (n != plan) why = why " ran " n " of " plan
	if (bad) why = why " " bad " not ok"
	if (bail) why = why " bailed out"
	res[f] = why == "" ? "ok" : "not ok"
	desc[f] = f " (" n " tests, " sk " skipped, " s " s)" (why == "" ? "" : ":" why)
	tot += n; tsk += sk; inf = 0; next
}
/^# ktier: done/ { done = 1; next }
/^# ktier: kernel / { print; next }
!inf { next }
/^1\.\.[0-9]+/ { plan = substr($1, 4) + 0; if ($0 ~ /# *[Ss][Kk][Ii][Pp]/) { r = $0; sub(/^[^#]*# *[Ss][Kk][Ii][Pp] */, "", r); skipr[f ": " r] = 1 } next }
/^#/ { if (diag > 0 && diag--) print "# " f ":   " substr($0, 2); next }
/^ok / { diag = 0; n++; if ($0 ~ /# *SKIP/) { sk++; r = $0; sub(/^[^#]*# *SKIP */, "", r); skipr[f ": " r] = 1 } next }
/^not ok / { n++; diag = 0; if ($0 !~ /# *TODO/) { bad++; print "# " f ": " $0; diag = 80 } next }
/^Bail out!/ { bail = 1; print "# " f ": " $0; next }
END {
	print "1.." nw + 1
	for (i = 1; i <= nw; i++) {
		f = want[i]
		if (!(f in began)) { print "not ok " i " - " f ": never ran"; fail = 1; continue }
		if (!(f in res)) { print "not ok " i " - " f ": no end (panic or hang inside)"; fail = 1; continue }
		print res[f] " " i " - " desc[f]
		if (res[f] != "ok") fail = 1
	}
	why = ""
	if (qrc != 0) why = why " qemu exit " qrc (qrc == 124 ? " (timeout)" : "")
	if (panic > 0) why = why " kernel oops/panic on the console"
	if (!done) why = why " the guest did not finish"
	print (why == "" ? "ok " : "not ok ") nw + 1 " - " kn ": boot, " nw " files, " tot " tests (" tsk " skipped), " secs " s" (why == "" ? "" : ":" why)
	if (why != "") fail = 1
	for (r in skipr) print "# SKIP " r
	exit fail
}' "$R/list" "$R/tap.log"
