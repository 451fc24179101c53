#!/bin/sh
# meminfo.t - runs the static test program tests/kernel/meminfo.c (make ktests)
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${KTEST_BIN:-$top/build/obj/ktest}/meminfo
if [ ! -x "$bin" ]; then
	[ "${VSBOX_KERNEL_PATCHED:-}" = 1 ] && { echo "not ok 1 - $bin not built"; echo 1..1; exit 1; }
	echo "1..0 # SKIP $bin not built (make ktests)"; exit 0
fi
exec "$bin"
