#!/bin/sh
# mkguest.sh DIR TARBALL - a minimal busybox guest root, packed for
# "vserver NAME build --tar TARBALL": busybox (static) and its applets,
# passwd/group (root, web), /etc/rc starting "httpd -p 80 -h /www" on 0.0.0.0
# (BSD-style rc; RC_DAEMON overrides the daemon), /etc/init.d/hello, and an
# inittab for busybox init. Used by make demo and the tests.
set -eu
img=$1
command -v busybox >/dev/null || { echo "mkguest.sh: busybox (busybox-static) is needed" >&2; exit 1; }
mkdir -p "$img/bin" "$img/sbin" "$img/etc/init.d" "$img/www" "$img/root" "$img/home/web" "$img/tmp"
chmod 1777 "$img/tmp"
cp "$(command -v busybox)" "$img/bin/busybox"
for a in $(busybox --list); do [ "$a" = busybox ] || ln -sf busybox "$img/bin/$a"; done
ln -sf ../bin/busybox "$img/sbin/init"
printf 'root:x:0:0:root:/root:/bin/sh\nweb:x:1000:1000:web:/home/web:/bin/sh\n' >"$img/etc/passwd"
printf 'root:x:0:\nweb:x:1000:\nstaff:x:50:web\n' >"$img/etc/group"
cat >"$img/etc/rc" <<'EOR'
#!/bin/sh
echo "rc $*" >>/tmp/rc.log
${RC_DAEMON:-httpd -p 80 -h /www}
EOR
printf '#!/bin/sh\necho "hello service: $1"\n' >"$img/etc/init.d/hello"
chmod 755 "$img/etc/rc" "$img/etc/init.d/hello"
printf '::sysinit:/etc/rc\n' >"$img/etc/inittab"
tar -C "$img" -czf "$2" .
