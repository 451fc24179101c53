#!/bin/sh
# oci.t - vserver NAME build --oci: an OCI image layout the test builds with
# umoci from a busybox root (a layer, a second one deleting a file - umoci's
# whiteout - and a third, added raw, making a directory opaque), imported,
# its Entrypoint/Cmd/Env/WorkingDir/User as INIT/ENV/INIT_DIR/INIT_USER,
# started: a process of the image checks its own environment, directory and
# uid. The same layout as one tar, by tag, and as skopeo writes it (an
# oci-archive, and back from a docker-archive). Then images crafted
# byte by byte (tests/data/mkoci.py): plain and zstd layers, and hostile
# ones - ../ names, an absolute symlink then a file through it, a relative
# one, a hard link out, a device node, a bad digest, a truncated blob, a bad
# manifest, gzip data going on after the archive - each refused in one
# line, exit 1, no root and no conf left.
# No addresses: the guests have no IPROOT.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/guest-lib.sh"
command -v umoci >/dev/null || { echo "1..0 # SKIP umoci is not installed (build/deps.sh)"; exit 0; }
command -v zstd >/dev/null || { echo "1..0 # SKIP zstd is not installed (build/deps.sh)"; exit 0; }
on_cleanup 'for g in o1 o2; do vserver $g stop -q >/dev/null 2>&1; done'
MKOCI="$T_TOP/tests/data/mkoci.py"

# ---- an image made with umoci ------------------------------------------------
img="$T_TMP/img"
umoci init --layout "$img" && umoci new --image "$img:v1" || bail "umoci init"
umoci unpack --image "$img:v1" "$T_TMP/b1" >/dev/null || bail "umoci unpack"
r="$T_TMP/b1/rootfs"
mkdir -p "$r/bin" "$r/etc" "$r/opq" "$r/home/app"
cp "$(command -v busybox)" "$r/bin/busybox"
for a in sh env pwd id cat sleep echo test; do ln -s busybox "$r/bin/$a"; done
printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1234:1234:app:/home/app:/bin/sh\n' >"$r/etc/passwd"
printf 'root:x:0:\napp:x:1234:\nextra:x:77:app\n' >"$r/etc/group"
echo gone >"$r/etc/gone"; echo keep >"$r/etc/keep"; echo lower >"$r/opq/lower"
# the process the image starts: it checks what it was given, says so, stays
cat >"$r/bin/check" <<'EOF'
#!/bin/sh
r=ok
[ "$GREETING" = "hello world" ] || r="bad GREETING=$GREETING"
[ "$QUOTE" = "it's \"quoted\"" ] || r="bad QUOTE=$QUOTE"
[ "$(pwd)" = /work ] || r="bad pwd $(pwd)"
[ "$(id -u):$(id -g)" = 1234:1234 ] || r="bad id $(id -u):$(id -g)"
[ "$1 $2" = "first second arg" ] || r="bad args $*"
echo "$r" >/tmp/check.out
# PID 1 of the guest: a stop's STOPSIG (TERM) ends it
trap 'echo stopped >/tmp/check.out; exit 0' TERM
sleep 1000 &
wait
EOF
chmod 755 "$r/bin/check"
umoci repack --image "$img:v1" "$T_TMP/b1" >/dev/null || bail "umoci repack 1"
rm -rf "$T_TMP/b1"
umoci unpack --image "$img:v1" "$T_TMP/b2" >/dev/null || bail "umoci unpack 2"
rm "$T_TMP/b2/rootfs/etc/gone"; echo added >"$T_TMP/b2/rootfs/etc/added"
umoci repack --image "$img:v1" "$T_TMP/b2" >/dev/null || bail "umoci repack 2"
rm -rf "$T_TMP/b2"
python3 - "$T_TMP/opq.tar" <<'EOF' || bail "the opaque layer"
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    for name, data in (("opq", None), ("opq/.wh..wh..opq", b""), ("opq/upper", b"upper\n")):
        i = tarfile.TarInfo(name)
        i.type, i.mode = (tarfile.DIRTYPE, 0o755) if data is None else (tarfile.REGTYPE, 0o644)
        i.size = len(data or b"")
        t.addfile(i, io.BytesIO(data) if data else None)
EOF
umoci raw add-layer --image "$img:v1" "$T_TMP/opq.tar" || bail "umoci raw add-layer"
umoci config --image "$img:v1" --config.entrypoint check --config.cmd first --config.cmd "second arg" \
	--config.env "GREETING=hello world" --config.env "QUOTE=it's \"quoted\"" \
	--config.workingdir /work --config.user app:app || bail "umoci config"
is "umoci made three layers" "$(python3 -c 'import json,sys; d=sys.argv[1]; i=json.load(open(d+"/index.json")); m=json.load(open(d+"/blobs/sha256/"+i["manifests"][0]["digest"][7:])); print(len(m["layers"]))' "$img")" 3

rc_is "build --oci DIR" 0 vserver o1 build -q --oci "$img"
R="$VSBOX_ROOTDIR/o1"
check "the layers are in: busybox, passwd" test -x "$R/bin/busybox" -a -f "$R/etc/passwd"
check "layer 2's whiteout removed etc/gone" test ! -e "$R/etc/gone" -a -f "$R/etc/keep" -a -f "$R/etc/added"
is "layer 3's opaque directory hides the lower files" "$(ls "$R/opq" | tr '\n' ' ')" "upper "
check "no whiteout file was made" test -z "$(find "$R" -name '.wh.*')"
C=$(cat "$VSBOX_CONFDIR/o1.conf")
like "INIT: the Entrypoint found in the image's PATH, then Cmd" "$C" "^INIT=\"/bin/check first 'second arg'\"$"
like "ENV: the image's Env" "$C" "^ENV=.*GREETING=hello world"
like "INIT_DIR: WorkingDir" "$C" '^INIT_DIR="/work"$'
like "INIT_USER: User" "$C" '^INIT_USER="app:app"$'
check "WorkingDir made in the root" test -d "$R/work"
like "its command is PID 1" "$C" '^S_FLAGS="lock nproc sched fakeinit"$'
like "  stopped by TERM (no StopSignal in the image)" "$C" '^STOPSIG="TERM"$'

rc_is "start o1" 0 vserver o1 start -q
i=0; while [ ! -s "$R/tmp/check.out" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
is "the image's process saw its ENV, INIT_DIR, INIT_USER and arguments" "$(cat "$R/tmp/check.out" 2>/dev/null)" ok
P=$(t_pid_of "sleep 1000")
is "it runs as uid 1234 with no capability" "$(awk '/^Uid:/ { print $2 } /^CapEff:/ { print $2 }' "/proc/$P/status" 2>/dev/null | tr '\n' ' ')" "1234 0000000000000000 "
is "  its groups: its own and those listing it" "$(awk '/^Groups:/ { print $2, $3 }' "/proc/$P/status" 2>/dev/null)" "77 1234"
X=$(vserver o1 status | sed -n 's/^  context: *\([0-9]*\).*/\1/p')
P1=$(sed -n 's/^pid=//p' "$VSBOX_RUNDIR/ctx/$X")
is "  PID 1's environment has ENV" "$(tr '\0' '\n' <"/proc/$P1/environ" | grep -c -e '^GREETING=hello world$' -e '^container=vsbox$')" 2
is "  it is the guest's PID 1 (fakeinit)" "$(vserver o1 exec cat /proc/1/cmdline | tr '\0' ' ')" "/bin/sh /bin/check first second arg "
rc_is "stop o1" 0 vserver o1 stop -q
is "  its STOPSIG (TERM) reached the image's process" "$(cat "$R/tmp/check.out")" stopped

# the same layout as one tar (skopeo's oci-archive), named by its tag
tar -C "$img" -cf "$T_TMP/img.tar" . || bail "tar"
rc_is "build --oci FILE.tar:TAG" 0 vserver o2 build -q --oci "$T_TMP/img.tar:v1"
check "  the same files" cmp "$R/bin/check" "$VSBOX_ROOTDIR/o2/bin/check"
is "  the same INIT" "$(grep '^INIT=' "$VSBOX_CONFDIR/o2.conf")" "$(grep '^INIT=' "$VSBOX_CONFDIR/o1.conf")"
rc_is "an unknown tag" 1 vserver o3 build -q --oci "$img:nosuch"
like "  says so" "$ERR" "no image tagged nosuch"
check "  and leaves nothing" test ! -e "$VSBOX_ROOTDIR/o3" -a ! -e "$VSBOX_CONFDIR/o3.conf"
# skopeo's own oci-archive, and a round trip through a docker-archive
# (docker save's format) back to a layout
if command -v skopeo >/dev/null; then
	skopeo copy -q "oci:$img:v1" "oci-archive:$T_TMP/sk.tar:v1" >/dev/null 2>"$T_TMP/sk.err" &&
	skopeo copy -q "oci:$img:v1" "docker-archive:$T_TMP/dk.tar:t/app:v1" >/dev/null 2>>"$T_TMP/sk.err" &&
	skopeo copy -q "docker-archive:$T_TMP/dk.tar" "oci:$T_TMP/sk2:v2" >/dev/null 2>>"$T_TMP/sk.err" ||
		{ diag "$(cat "$T_TMP/sk.err")"; bail "skopeo copy"; }
	for src in "$T_TMP/sk.tar" "$T_TMP/sk2"; do
		rc_is "build --oci from skopeo's ${src##*/}" 0 vserver o6 build -q --oci "$src"
		is "  the same tree (names, modes, owners, sizes, links) as from the plain tar" "$(cd "$VSBOX_ROOTDIR/o6" && find . -printf '%p %M %U:%G %s %l\n' | sort | md5sum)" "$(cd "$VSBOX_ROOTDIR/o2" && find . -printf '%p %M %U:%G %s %l\n' | sort | md5sum)"
		is "  the same INIT" "$(grep '^INIT=' "$VSBOX_CONFDIR/o6.conf")" "$(grep '^INIT=' "$VSBOX_CONFDIR/o1.conf")"
		vserver o6 delete --force -q
	done
else
	i=0; while [ $i -lt 6 ]; do skip "skopeo is not installed (build/deps.sh)"; i=$((i + 1)); done
fi
rc_is "delete o1" 0 vserver o1 delete --force -q
rc_is "delete o2" 0 vserver o2 delete --force -q

# ---- images crafted byte by byte -----------------------------------------------
python3 "$MKOCI" "$T_TMP/good" good || bail "mkoci good"
rc_is "a plain layer and a zstd one" 0 vserver o4 build -q --oci "$T_TMP/good"
check "  both applied, the zstd layer's whiteout too" test -f "$VSBOX_ROOTDIR/o4/etc/zst" -a ! -e "$VSBOX_ROOTDIR/o4/etc/motd"
like "  a bare Cmd through the image's PATH, quoted" "$(cat "$VSBOX_CONFDIR/o4.conf")" "^INIT=\"/bin/true 'arg with blanks'\"$"
vserver o4 delete --force -q
python3 "$MKOCI" "$T_TMP/gnu" gnu || bail "mkoci gnu"
rc_is "GNU long names, base-256 ids, hard links, FIFOs; pax xattrs, UTF-8" 0 vserver o8 build -q --oci "$T_TMP/gnu"
G8="$VSBOX_ROOTDIR/o8"; L8="$(printf 'd%.0s' $(seq 60))/$(printf 'e%.0s' $(seq 60))/$(printf 'f%.0s' $(seq 40))"
is "  the long name, its owner from base-256" "$(stat -c '%s %u:%g' "$G8/$L8" 2>&1)" "5 3000000:3000001"
is "  the long symlink target" "$(readlink "$G8/ln")" "$L8"
is "  the hard link" "$(stat -c %h "$G8/hard" 2>&1) $(stat -c %i "$G8/hard" 2>&1)" "2 $(stat -c %i "$G8/$L8" 2>&1)"
is "  the FIFO" "$(stat -c '%F %a' "$G8/fifo" 2>&1)" "fifo 600"
is "  the UTF-8 name, setuid kept" "$(stat -c %a "$G8/café" 2>&1)" 4755
if command -v getfattr >/dev/null && setfattr -n user.t -v 1 "$G8/bin/true" 2>/dev/null; then
	is "  the pax xattr" "$(getfattr --absolute-names --only-values -n user.note "$G8/café" 2>&1)" "from pax"
else
	skip "this filesystem takes no user xattrs"
fi
is "  a 201-byte symlink target (pax linkpath)" "$(readlink "$G8/sl" | wc -c)" 202
vserver o8 delete --force -q
rc_is "newvserver --oci, with settings of its own" 0 newvserver --name o7 --oci "$T_TMP/good" --memory 64M </dev/null
like "  NAME.conf has both the image's and newvserver's" "$(cat "$VSBOX_CONFDIR/o7.conf" | tr '\n' ' ')" \
	"S_MEMORY=\"64M\".*INIT=\"/bin/true 'arg with blanks'\""
vserver o7 delete --force -q

mkdir "$T_TMP/outside"
hostile() {  # hostile KIND REGEX
	python3 "$MKOCI" "$T_TMP/h-$1" "$1" "$T_TMP/outside" || bail "mkoci $1"
	run_rc vserver bad build -q --oci "$T_TMP/h-$1"
	is "$1: refused (exit 1)" "$RC" 1
	like "$1: in one line" "$(printf '%s\n' "$ERR" | wc -l):$ERR" "^1:vserver: .*$2"
	check "$1: no root, no conf left" test ! -e "$VSBOX_ROOTDIR/bad" -a ! -e "$VSBOX_CONFDIR/bad.conf"
}
hostile traversal "\.\./\.\./escape: a name with '\.\.'"
hostile abslink "dir/pwned: dir on the way is a symbolic link"
hostile rellink "up/x: up on the way is a symbolic link"
hostile hardlink "a hard link to \.\./\.\./\.\./\.\./etc/passwd, outside the image"
hostile device "kmem: a device node: refused"
hostile baddigest "does not match its digest"
hostile truncated "is [0-9]+ bytes, its descriptor says [0-9]+"
hostile badjson "manifest: not valid JSON"
hostile endless "more than 1 MiB after the end of its archive"
is "nothing was written outside the root" "$(ls -A "$T_TMP/outside")" ""
rc_is "--oci is for build" 2 vserver o1 start --oci "$img"
rc_is "--oci and --tar together" 2 vserver o5 build --oci "$img" --tar "$T_TMP/img.tar"
done_testing
