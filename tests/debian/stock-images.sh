# stock-images.sh - the cached images of the stock Debian tier (stock.sh),
# for $SUITE from $MIRROR; source after lib.sh and guest-lib.sh. Layers,
# each a tarball under /var/cache/vsbox named after its base and package
# list (debian_apt_cached), so a rerun extracts them and a changed list
# rebuilds only what changed:
#   what "vserver build --debootstrap SUITE --variant minbase --include
#   sysv-rc" makes (an rc-booted guest; the default is systemd: systemd.t)
#   + the packages both guests have (STOCK_COMMON)
#   + nginx-light (guest A) or apache2 (guest B)
# Debian's rsyslog has shipped only a systemd unit since bookworm: its SysV
# script comes from Debian's orphan-sysvinit-scripts, which a sysvinit
# system installs as a recommends of initscripts; curl is the test's client.
STOCK_COMMON="openssh-server postgresql exim4-daemon-light cron rsyslog orphan-sysvinit-scripts curl"
# stock_cached: are all of $SUITE's layers there? (making them takes about
# 25 minutes on two cores: a debootstrap, then apt-get)
stock_cached() {
	_b=/var/cache/vsbox/debian-$SUITE-sysvrc.tar.gz
	# shellcheck disable=SC2086
	_c=$(apt_tb "$_b" $STOCK_COMMON)
	for _t in "$_b" "$_c" "$(apt_tb "$_c" nginx-light)" "$(apt_tb "$_c" apache2)"; do
		[ -s "$_t" ] || return 1
	done
}
stock_images() {
	debootstrap_cached "/var/cache/vsbox/debian-$SUITE-sysvrc.tar.gz" --include=sysv-rc
	# shellcheck disable=SC2086
	debian_apt_cached "/var/cache/vsbox/debian-$SUITE-sysvrc.tar.gz" $STOCK_COMMON
	STOCK_BASE=$APT_TB
	debian_apt_cached "$STOCK_BASE" nginx-light
	STOCK_A=$APT_TB
	debian_apt_cached "$STOCK_BASE" apache2
	STOCK_B=$APT_TB
}
