# stock.sh - the body of stock-SUITE.t (make check-debian): stock Debian
# servers, unchanged, in guests with one IPv4 address each. Two guests made
# from what "vserver build --debootstrap $SUITE --variant minbase --include
# sysv-rc" makes plus Debian's packages
# installed by apt-get (cached images: stock-images.sh), each started by its
# own sysv-rc: guest A runs nginx-light, guest B apache2, both openssh-server,
# postgresql, exim4-daemon-light, cron and rsyslog, all with the packages'
# own configuration. Then a third from A's image with an IPv6 address too.
# The .t sets SUITE, N4 (three IPv4 addresses N4.1-3 of ours) and N6 (an
# IPv6 prefix of ours, for the dual-stack guest) and sources this.
. "$T_TOP/tests/lib.sh"
need_root
. "$T_TOP/tests/guest-lib.sh"
. "$T_TOP/tests/debian/stock-images.sh"
for c in ssh ssh-keygen curl python3; do
	command -v $c >/dev/null || { skip "$c missing on the host"; done_testing; exit 0; }
done
ip -6 addr show dev lo | grep -q 'inet6 ::1/' || { skip "no IPv6 on lo"; done_testing; exit 0; }
[ -e "/usr/share/debootstrap/scripts/$SUITE" ] || { skip "this host's debootstrap can't make $SUITE"; done_testing; exit 0; }

A4=${N4}1 B4=${N4}2 C4=${N4}3 C6=${N6}3
HPORT=18790                     # the host's [::1] listener
on_cleanup "for g in sa sb sc; do vserver \$g stop -q >/dev/null 2>&1; done
	for a in $A4 $B4 $C4; do ip addr del \$a/32 dev lo 2>/dev/null; done; ip addr del $C6/128 dev lo 2>/dev/null"
# In a CI run (.ci/run sets VSBOX_CI_DEADLINE, seconds since the epoch) a
# suite whose layers are not cached yet is skipped, saying so, when making
# them would not fit before the deadline; the next run on this machine
# finds what an earlier one cached
if [ -n "${VSBOX_CI_DEADLINE:-}" ] && ! stock_cached &&
   [ $((VSBOX_CI_DEADLINE - $(date +%s))) -lt 1800 ]; then
	skip "$SUITE's images are not cached and making them (~30 min) does not fit in the $((VSBOX_CI_DEADLINE - $(date +%s))) s left of this CI run"
	done_testing; exit 0
fi
T0=$(date +%s)
stock_images
diag "images ready after $(( $(date +%s) - T0 )) s"
ssh-keygen -q -t ed25519 -N '' -f "$T_TMP/key" || bail "ssh-keygen failed"
SSH="ssh -i $T_TMP/key -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=5"

# mk NAME IMAGE IPROOT: a guest from IMAGE with the test's key for root (no
# configuration of the guest's is edited; authorized_keys is root's data)
mk() {
	rc_is "$1: build --tar (a $SUITE debootstrap + apt-get, cached)" 0 vserver "$1" build -q --tar "$2"
	sed -i -e "s/^IPROOT=.*/IPROOT=\"$3\"/" "$VSBOX_CONFDIR/$1.conf"
	printf 'IPROOTDEV=lo\nS_MEMORY=1G\nSTOP_TIMEOUT=30\n' >>"$VSBOX_CONFDIR/$1.conf"
	# what build --debootstrap writes into debootstrap's root besides
	# (lib/debguest.c; debian.t checks it there): the installer's files
	echo "$1" >"$VSBOX_ROOTDIR/$1/etc/hostname"
	printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n\n::1     localhost ip6-localhost ip6-loopback\nff02::1 ip6-allnodes\nff02::2 ip6-allrouters\n' \
		"$1" >"$VSBOX_ROOTDIR/$1/etc/hosts"
	install -d -m 700 "$VSBOX_ROOTDIR/$1/root/.ssh"
	install -m 600 "$T_TMP/key.pub" "$VSBOX_ROOTDIR/$1/root/.ssh/authorized_keys"
}
# lines of start or stop output that say something failed
bad_lines() { printf '%s\n%s\n' "$OUT" "$ERR" | grep -iE 'fail|error|warn|cannot|can.t|inappropriate|denied|not permitted|unable' ; }
wait_http() { i=0; while [ $i -lt 40 ] && ! curl -gs --max-time 2 "$1" >/dev/null; do sleep 0.25; i=$((i + 1)); done; }
lb6_of() { vserver "$1" status | sed -n 's/^  lback6: *\([^ ]*\) .*/\1/p'; }
procs_of() { vserver "$1" exec sh -c 'cat /proc/[0-9]*/comm 2>/dev/null' | sort -u | tr '\n' ' '; }

# --- A and B: one IPv4 address each -----------------------------------------------------
mk sa "$STOCK_A" "$A4"
mk sb "$STOCK_B" "$B4"
for g in sa sb; do
	T1=$(date +%s)
	rc_is "$g: start (its rc 3)" 0 vserver $g start
	diag "$g started in $(( $(date +%s) - T1 )) s"
	is "$g:   no failed service, no error line" "$(bad_lines)" ""
	for s in 'scheduler: cron' 'MTA: exim4' 'Shell server: sshd' 'PostgreSQL [0-9]+ database server: main' \
		 'syslogd: rsyslogd' "$([ $g = sa ] && echo 'Starting nginx: nginx' || echo 'web server: apache2')"; do
		# (apache2's own line is split by its AH00558 about the FQDN,
		# which it prints on any Debian host whose name has no domain)
		like "$g:   its rc started ${s##*: }" "$OUT$ERR" "$s(\\.\$|AH00558)"
	done
done
# what hwdisable turns off here: hwclock.sh where util-linux still ships it
# (bookworm; trixie has none), procps stays (insserv refuses to touch it
# without initscripts' mountkernfs, and rc never runs rcS here anyway)
hw_want() {
	if [ -e "$VSBOX_ROOTDIR/$1/etc/init.d/hwclock.sh" ]; then echo '.*hwclock\.sh$'; else echo ' nothing \(none on\)$'; fi
}
like "sa: hwdisable turns off the hardware-only scripts" "$(vserver sa hwdisable)" "^sa: turned off, as they need real hardware:$(hw_want sa)"
like "sb: the same" "$(vserver sb hwdisable)" "^sb: turned off, as they need real hardware:$(hw_want sb)"
is "  run again: nothing left on" "$(vserver sa hwdisable)" "sa: turned off, as they need real hardware: nothing (none on)"
check "  no link of hwclock.sh runs at stop (rc0.d, rc6.d)" sh -c "! ls '$VSBOX_ROOTDIR'/sa/etc/rc[06].d | grep -q hwclock"
is "sa: its daemons run" "$(procs_of sa | grep -o 'cron\|exim4\|nginx\|postgres\|rsyslogd\|sshd' | sort -u | tr '\n' ' ')" \
	"cron exim4 nginx postgres rsyslogd sshd "
is "sb: its daemons run" "$(procs_of sb | grep -o 'apache2\|cron\|exim4\|postgres\|rsyslogd\|sshd' | sort -u | tr '\n' ' ')" \
	"apache2 cron exim4 postgres rsyslogd sshd "

# --- from the host ------------------------------------------------------------------------------
wait_http "http://$A4/"; wait_http "http://$B4/"
like "host: nginx answers on $A4:80" "$(curl -s --max-time 5 "http://$A4/")" 'Welcome to nginx'
like "host: apache2 answers on $B4:80" "$(curl -s --max-time 5 "http://$B4/")" 'Apache2 Debian Default Page'
is "host: ssh with a key into sa runs a command" "$($SSH root@$A4 hostname 2>&1)" sa
is "host: and into sb" "$($SSH root@$B4 hostname 2>&1)" sb
A6=$(lb6_of sa) B6=$(lb6_of sb)
like "sa's private IPv6 loopback ($A6)" "$A6" '^[0-9a-f:]+$'
like "host: reaches sa's [::1] web server on it" "$(curl -gs --max-time 5 "http://[$A6]/")" 'Welcome to nginx'

# --- inside each guest: localhost and ::1 are its own ------------------------------------------
for g in sa sb; do
	page=$([ $g = sa ] && echo 'Welcome to nginx' || echo 'Apache2 Debian Default Page')
	like "$g: curl http://localhost/" "$(vserver $g exec curl -s --max-time 5 http://localhost/)" "$page"
	# sb: apache2's "Listen 80" is one dual-stack socket on [::]:80, which
	# the lock binds to ::ffff:$B4; the guest's [::1] finds it there
	like "$g: curl -g 'http://[::1]/'" "$(vserver $g exec curl -gs --max-time 5 'http://[::1]/')" "$page"
	like "$g: exim's banner on [::1]:25" "$(vserver $g exec bash -c 'exec 3<>/dev/tcp/::1/25 && head -1 <&3' 2>&1)" "^220 $g ESMTP Exim"
	like "$g:   and on localhost:25" "$(vserver $g exec bash -c 'exec 3<>/dev/tcp/localhost/25 && head -1 <&3' 2>&1)" "^220 $g ESMTP Exim"
	is "$g: psql over the Unix socket (peer)" "$(vserver $g exec su postgres -c "psql -tAc 'select 1'" 2>&1)" 1
	# a password for TCP logins (data, not configuration)
	vserver $g exec su postgres -c "psql -qc \"ALTER USER postgres PASSWORD 'vsbox-t'\"" >/dev/null 2>&1
	for h in localhost ::1; do
		# the stock pg_hba.conf admits 127.0.0.1/32 and ::1/128 only:
		# the server sees the guest's own client there (getpeername)
		is "$g: psql -h $h logs in to its own PostgreSQL, as $([ $h = ::1 ] && echo ::1 || echo 127.0.0.1)" \
			"$(vserver $g exec env PGPASSWORD=vsbox-t PGCONNECT_TIMEOUT=5 psql -h $h -U postgres -tAc \
				'select inet_client_addr()' 2>&1)" "$([ $h = ::1 ] && echo ::1 || echo 127.0.0.1)"
	done
	V=$(vserver $g exec sh -c 'command -v systemd-detect-virt >/dev/null && systemd-detect-virt -c')
	if [ -n "$V" ]; then
		like "$g: systemd-detect-virt -c reports a container ($V)" "$V" '^(container-other|vsbox)$'
	else
		skip "$g: no systemd-detect-virt"
	fi
	is "$g: /run/systemd/container says vsbox" "$(cat "$VSBOX_ROOTDIR/$g/run/systemd/container" 2>/dev/null)" vsbox
done

# --- isolation ------------------------------------------------------------------------------------
rm -f "$T_TMP/hready"
python3 "$T_TOP/tests/data/chbind-sock.py" serve ::1 $HPORT HOST6 "$T_TMP/hready" 300 >/dev/null 2>&1 & track_pid $!
i=0; while [ ! -e "$T_TMP/hready" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
is "control: the host reaches its own [::1]:$HPORT" "$(python3 "$T_TOP/tests/data/chbind-sock.py" ask ::1 $HPORT)" "HOST6 ::1 local=::1"
for g in sa sb; do
	run_rc vserver $g exec bash -c "exec 3<>/dev/tcp/::1/$HPORT"
	like "$g: the host's [::1]:$HPORT is out of reach (its ::1 is its own: refused)" "$ERR" 'Connection refused'
done
run_rc vserver sa exec curl -gs --max-time 5 "http://[$B6]/"
is "sa can't reach sb's private IPv6 address (curl: couldn't connect)" "$RC" 7
run_rc vserver sa exec bash -c "exec 3<>/dev/tcp/$B6/25"
like "  nor sb's exim there" "$ERR" 'Connection refused'
is "  (control: sb reaches it)" "$(vserver sb exec bash -c "exec 3<>/dev/tcp/$B6/25 && head -1 <&3" 2>&1 | cut -c1-14)" "220 sb ESMTP E"

# --- stop --------------------------------------------------------------------------------------------
for g in sa sb; do
	T1=$(date +%s)
	rc_is "$g: stop (its rc 0)" 0 vserver $g stop
	diag "$g stopped in $(( $(date +%s) - T1 )) s"
	is "$g:   no failed service, no error line" "$(bad_lines)" ""
done
check "nothing answers any more" sh -c "! curl -s --max-time 1 http://$A4/ >/dev/null && ! curl -s --max-time 1 http://$B4/ >/dev/null"
check "the aliases and private loopbacks are gone" sh -c "! ip addr show dev lo | grep -qE 'inet ($A4|$B4)/|inet6 ($A6|$B6)/'"
is "no context left" "$(ls "$VSBOX_RUNDIR/ctx" | wc -l)" 0

# --- a dual-stack guest: [::] lands on its own IPv6 address --------------------------------------
mk sc "$STOCK_A" "$C4 $C6"
rc_is "sc (IPROOT $C4 $C6): start" 0 vserver sc start
is "sc:   no failed service, no error line" "$(bad_lines)" ""
wait_http "http://[$C6]/"
like "host: nginx answers on [$C6]:80 (stock listen [::]:80 ipv6only)" "$(curl -gs --max-time 5 "http://[$C6]/")" 'Welcome to nginx'
like "  and on $C4:80" "$(curl -s --max-time 5 "http://$C4/")" 'Welcome to nginx'
like "sc: its [::]:80 socket is bound to $C6" "$(vserver sc exec ss -Hltn "sport = :80")" "\\[$C6\\]:80"
like "sc: curl from inside reaches it on [$C6]" "$(vserver sc exec curl -gs --max-time 5 "http://[$C6]/")" 'Welcome to nginx'
like "sc: hwdisable" "$(vserver sc hwdisable)" "^sc: turned off, as they need real hardware:$(hw_want sc)"
rc_is "sc: stop" 0 vserver sc stop
is "sc:   no failed service, no error line" "$(bad_lines)" ""
check "sc: its addresses are gone" sh -c "! ip addr show dev lo | grep -qE 'inet $C4/|inet6 $C6/'"
for g in sa sb sc; do vserver $g delete --force -q; done
diag "$SUITE: $(( $(date +%s) - T0 )) s in all"
done_testing
