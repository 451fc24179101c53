#!/bin/sh
# kinc.sh DIR - a directory of links to the kernel's UAPI headers, for musl-gcc,
# which (rightly) does not search glibc's /usr/include.
set -eu
D=$1
[ -e "$D/linux/version.h" ] && exit 0
mkdir -p "$D"
M=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
for h in linux asm-generic mtd; do ln -sfn "/usr/include/$h" "$D/$h"; done
ln -sfn "/usr/include/$M/asm" "$D/asm"
