#!/bin/sh
# completion.t - init/vsbox.bash-completion in bash: complete -p registers
# every applet, and _vsbox's answers (COMPREPLY) for applets, options read
# from --help, guest names, vserver's commands, limits set's keys, a guest's
# init scripts and users, capability names, the command after chcontext.
. "$(dirname "$0")/lib.sh"
command -v bash >/dev/null || { echo "1..0 # SKIP bash missing"; exit 0; }
COMP="$T_TOP/init/vsbox.bash-completion"
export VSBOX_CONFDIR="$T_TMP/etc" VSBOX_ROOTDIR="$T_TMP/root"
mkdir -p "$VSBOX_CONFDIR" "$VSBOX_ROOTDIR/web1/etc/init.d" "$VSBOX_ROOTDIR/web2/etc"
: >"$VSBOX_CONFDIR/web1.conf"; : >"$VSBOX_CONFDIR/web2.conf"; : >"$VSBOX_CONFDIR/db.conf.bak"
: >"$VSBOX_ROOTDIR/web1/etc/init.d/nginx"; : >"$VSBOX_ROOTDIR/web1/etc/init.d/ssh"
printf 'root:x:0:0::/root:/bin/sh\nwww-data:x:33:33::/var/www:/bin/sh\n' >"$VSBOX_ROOTDIR/web1/etc/passwd"
ln -sf "$VSBOX" "$T_TMP/bin/vsbox"     # vsbox itself in PATH, as when installed

# comp WORD...: what completing the last WORD offers, sorted, on one line
comp() {
	bash -c '. "$0"; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _vsbox
		[ ${#COMPREPLY[@]} -gt 0 ] && printf "%s\n" "${COMPREPLY[@]}" | LC_ALL=C sort | tr "\n" " "' "$COMP" "$@"
}

is "complete -p: every applet of vsbox --list and vsbox use _vsbox" \
	"$(bash -c '. "$0"; complete -p' "$COMP" | sed -n 's/^complete -F _vsbox //p' | LC_ALL=C sort | tr '\n' ' ')" \
	"$({ "$VSBOX" --list; echo vsbox; } | LC_ALL=C sort | tr '\n' ' ')"
is "vsbox <Tab>: the applets" "$(comp vsbox vser)" "vserver vserver-stat vservers "
is "vsbox --<Tab>" "$(comp vsbox --)" "--help --install --list --version "
is "vserver <Tab>: guest names from VSBOX_CONFDIR" "$(comp vserver '')" "web1 web2 "
is "vserver NAME <Tab>: its commands" "$(comp vserver web1 st)" "start status stop "
is "vserver NAME status --<Tab>" "$(comp vserver web1 status --)" "--json "
is "vserver NAME limits <Tab>" "$(comp vserver web1 limits '')" "--json -q set "
is "vserver NAME limits set <Tab>: the keys it changes" "$(comp vserver web1 limits set S_)" "S_CPU= S_MEMORY= "
is "  and more than one" "$(comp vserver web1 limits set memory=1G d)" "disk= "
is "vserver NAME build --template <Tab>: guests" "$(comp vserver web3 build --template w)" "web1 web2 "
like "vserver NAME build --<Tab>: vserver's options, from its --help" "$(comp vserver web3 build --)" "--debootstrap .*--oci .*--tar --template "
mkdir -p "$T_TMP/images/app-oci"; : >"$T_TMP/images/app.tar"
is "vserver NAME build --oci <Tab>: directories and files" "$(comp vserver web3 build --oci "$T_TMP/images/app")" "$T_TMP/images/app-oci $T_TMP/images/app.tar "
is "vserver NAME service <Tab>: the guest's init scripts" "$(comp vserver web1 service '')" "nginx ssh "
is "vserver NAME service S <Tab>: actions" "$(comp vserver web1 service nginx re)" "reload restart "
is "vserver NAME suexec <Tab>: the guest's users" "$(comp vserver web1 suexec w)" "www-data "
is "vsbox vserver NAME <Tab>: the same through vsbox" "$(comp vsbox vserver web2 del)" "delete "
is "vservers <Tab>" "$(comp vservers st)" "start status stop "
is "vps --<Tab>: options from vps --help" "$(comp vps --n)" "--name --no-headers "
is "vps --name <Tab>: guests" "$(comp vps --name '')" "web1 web2 "
like "vsbox vps --<Tab>: from its --help too" "$(comp vsbox vps --)" "--json .*--sort"
is "chcontext --cap <Tab>: capability names" "$(comp chcontext --cap net_)" "net_admin net_bind_service net_broadcast net_raw "
is "chcontext --flag <Tab>" "$(comp chcontext --flag l)" "lock "
like "chcontext --secure <Tab>: a command" "$(comp chcontext --secure --silent ech)" "(^| )echo "
is "  its own options are not chcontext's" "$(comp chcontext echo --s)" ""
is "vbuild <Tab>: guests" "$(comp vbuild w)" "web1 web2 "
is "vkill -s <Tab>: signals" "$(comp vkill -s K)" "KILL "
done_testing
