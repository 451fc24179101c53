#!/bin/sh
# strict-hardening-net.t - tests/hardening-net.t with every guest under every optional
# protection this kernel offers (USERNS=yes, UNIX_SCOPE=yes with Landlock
# ABI 6, S_CPUSET: tests/hardening-lib.sh, VSBOX_T_STRICT): the attacks
# fail there as they fail on a default guest, and what the protections
# change is said where it differs. It takes hardening-net.t's lock (the same
# addresses), so the two never run at once.
exec env -u T_LOCKED VSBOX_T_STRICT=1 sh "$(dirname "$0")/hardening-net.t" "$@"
