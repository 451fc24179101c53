#!/bin/sh
# userns-hardening-proc.t - tests/hardening-proc.t with every guest USERNS=yes: what holds for a
# guest whose root is host uid 0 holds for one whose root is an ordinary
# host id in a user namespace of its own (issue 18). It takes hardening-proc.t's lock
# (the same addresses), so the two never run at once.
exec env -u T_LOCKED VSBOX_T_USERNS=1 sh "$(dirname "$0")/hardening-proc.t" "$@"
