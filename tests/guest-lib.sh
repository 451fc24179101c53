# guest-lib.sh - a busybox guest image for the vserver/vservers tests.
# Source after lib.sh. mkimage DIR TARBALL: a root with busybox (static) and
# its applets, passwd/group (root, web), /etc/rc starting "httpd -p 80" on
# 0.0.0.0 (BSD-style rc), /etc/init.d/hello, an inittab for busybox init.
command -v busybox >/dev/null || bail "busybox (busybox-static) is needed"
export VSBOX_CONFDIR="$T_TMP/etc" VSBOX_ROOTDIR="$T_TMP/vs"
chmod 755 "$T_TMP"

mkimage() {
	img=$1
	mkdir -p "$img/bin" "$img/sbin" "$img/etc/init.d" "$img/www" "$img/root" "$img/home/web"
	cp "$(command -v busybox)" "$img/bin/busybox"
	for a in $(busybox --list); do [ "$a" = busybox ] || ln -s busybox "$img/bin/$a"; done
	ln -s ../bin/busybox "$img/sbin/init"
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
}
