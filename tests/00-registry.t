#!/bin/sh
# 00-registry.t - the applet table: sorted, every applet answers --help,
# symlinks dispatch, usage errors exit 2, vsbox --version/--list work.
. "$(dirname "$0")/lib.sh"

list=$("$VSBOX" --list)
n=$(printf '%s\n' "$list" | wc -l)
plan $((n * 3 + 10))

is "--list is sorted and unique" "$(printf '%s\n' "$list" | LC_ALL=C sort -u)" "$list"
like "--version" "$("$VSBOX" --version)" '^vsbox [0-9]+\.[0-9]+'
rc_is "vsbox --help" 0 "$VSBOX" --help
like "vsbox --help prints usage" "$OUT" '^usage: vsbox'
rc_is "vsbox with no applet" 2 "$VSBOX"
rc_is "vsbox unknown applet" 1 "$VSBOX" no-such-applet
like "unknown applet error names it" "$ERR" "^vsbox: unknown applet 'no-such-applet'"
if [ -n "${VSBOX_SANITIZED:-}" ]; then
	skip "a sanitizer build (make check-asan) is linked dynamically"
	skip "a sanitizer build (make check-asan) is linked dynamically"
else
	check "file says statically linked" sh -c "file -L '$VSBOX' | grep -q 'statically linked'"
	check "readelf -d: no NEEDED entries" sh -c "! readelf -d '$VSBOX' 2>/dev/null | grep -q NEEDED"
fi
rm -f "$T_TMP/bin/chcontext"; ln -s "$VSBOX" "$T_TMP/bin/chcontext"
like "a symlink named after an applet runs it" "$("$T_TMP/bin/chcontext" --help)" '^usage: chcontext' 

for a in $list; do
	rc_is "$a --help" 0 "$a" --help
	like "$a --help starts with usage: $a" "$OUT" "^usage: $a"
	rc_is "$a --no-such-option" 2 "$a" --no-such-option
done
done_testing
