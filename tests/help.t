#!/bin/sh
# help.t - the --help texts are stored packed (build/helpgen.c, lib/lz.c):
# what each applet prints is, byte for byte, the USAGE() text of its source,
# read here by a parser of our own (Python's, for the C string literals and
# the string macros a text uses), not by the build's.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { echo "1..0 # SKIP python3 is missing"; exit 0; }

mkdir -p "$T_TMP/help"
python3 - "$T_TMP/help" "$T_TOP"/main.c "$T_TOP"/applets/*.c <<'EOF' || bail "can't read the USAGE() texts"
import ast, re, sys
out = sys.argv[1]
lit = r'"(?:[^"\\\n]|\\.)*"'
for path in sys.argv[2:]:
    src = open(path).read()
    macros = {m.group(1): m.group(2) for m in
              re.finditer(r'^#define (\w+)[ \t]*\\\n((?:[ \t]*' + lit + r'[ \t]*\\?\n)+)', src, re.M)}
    for m in re.finditer(r'^USAGE\((\w+), (\w+),\n(.*?)\);$', src, re.M | re.S):
        # string literals, and macro names standing for theirs
        toks = re.findall(lit + r'|\w+', m.group(3))
        toks = sum((re.findall(lit, macros[t]) if t[0] != '"' else [t] for t in toks), [])
        text = ''.join(ast.literal_eval(t) for t in toks)
        name = re.match(r'usage: (\S+)', text).group(1)
        open(out + '/' + name, 'w').write(text)
EOF

list=$("$VSBOX" --list)
plan $(($(printf '%s\n' "$list" | wc -l) + 2))
is "a USAGE() text for vsbox and each applet, none more" "$(ls "$T_TMP/help" | LC_ALL=C sort)" \
	"$(printf '%s\n' $list vsbox | LC_ALL=C sort)"
"$VSBOX" --help >"$T_TMP/out"
check "vsbox --help is main.c's text, byte for byte" cmp -s "$T_TMP/out" "$T_TMP/help/vsbox"
for a in $list; do
	"$a" --help >"$T_TMP/out"
	check "$a --help is its source's text, byte for byte" cmp -s "$T_TMP/out" "$T_TMP/help/$a"
done
done_testing
