#!/bin/sh
# units.t - the systemd units in init/, read by systemd-analyze verify as
# make install writes them (ExecStart in the install's sbin, here this
# test's applet directory), with their man pages on MANPATH so that every
# Documentation= resolves: no error and no warning. vserver@.service is read
# as an instance, vserver@web.service. The SysV scripts: sh -n and their LSB
# headers. (A guest started by a unit stays out of the unit's cgroup because
# vserver clones it into VSBOX_CGROUP_BASE, as vserver.t checks; under a
# real systemd as PID 1, which this machine does not run, the installed
# units are driven by tests/pkg/systemd.t: make check-systemd.)
. "$(dirname "$0")/lib.sh"
command -v systemd-analyze >/dev/null || { echo "1..0 # SKIP systemd-analyze missing"; exit 0; }
U="$T_TMP/units"
mkdir -p "$U" "$T_TMP/man/man8"
cp "$T_TOP"/man/*.8 "$T_TMP/man/man8/"
for f in "$T_TOP"/init/*.service; do
	n=$(basename "$f"); [ "$n" = vserver@.service ] && n=vserver@web.service
	sed "s|/usr/local/sbin|$T_TMP/bin|g" "$f" >"$U/$n"
done
ln -sf "$VSBOX" "$T_TMP/bin/vsbox"
# without man(1) (the kernel tier's root has none) verify can't look the
# pages up: it is told not to, the rest is checked all the same
MAN=""
command -v man >/dev/null || { MAN=--man=no; diag "no man(1) here: Documentation= is not checked"; }
verify() { (cd "$U" && MANPATH="$T_TMP/man" SYSTEMD_LOG_LEVEL=notice systemd-analyze verify $MAN "$@"); }

for n in vservers.service rebootmgr.service vserver@web.service; do
	run_rc verify "./$n"
	is "$n: systemd-analyze verify (exit 0)" "$RC" 0
	is "$n: no warning" "$ERR" ""
done
like "every unit's ExecStart runs an applet of this build" \
	"$(sed -n 's|^ExecSt[a-z]*=[^ ]*/\([a-z@-]*\) .*|\1|p' "$T_TOP"/init/*.service | sort -u | tr '\n' ' ')" \
	"^(($("$VSBOX" --list | tr '\n' '|'))[ ])+$"
# the check sees a broken unit
sed 's/^Type=oneshot/Type=bogus/; s|^ExecStart=[^ ]*|ExecStart=/nonexistent/vserver|' "$U/vserver@web.service" >"$U/vserver@bad.service"
run_rc verify ./vserver@bad.service
check "a broken unit fails verify (exit $RC) or is reported" [ "$RC" != 0 -o -n "$ERR" ]
for f in "$T_TOP"/init/*.sysv; do
	check "$(basename "$f"): sh -n" sh -n "$f"
	like "$(basename "$f"): LSB header" "$(cat "$f")" '### BEGIN INIT INFO'
done
done_testing
