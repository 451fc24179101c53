/* t_conf.c - lib/conf.c: NAME.conf syntax, every key, FILE:LINE errors, fstab */
#include "tap.h"
#include <arpa/inet.h>
#include <sys/mount.h>
#include <sys/resource.h>

static struct vconf c;
static char err[512];

static int parse(const char *text)
{
	err[0] = 0;
	return conf_parse("g.conf", text, &c, err, sizeof(err));
}

/* the text must fail with exactly this message */
static void bad(const char *text, const char *want, const char *name)
{
	int r = parse(text);
	ok(r == -1, name);
	is_str(err, want, name);
}

int main(void)
{
	char ip[64];

	applet_name = "t_conf";

	/* ---- syntax ---- */
	ok(!parse(""), "empty file");
	ok(!parse("# comment only\n\n   \n\t# indented comment\n"), "comments and blank lines");
	ok(!parse("S_HOSTNAME=web"), "no final newline");
	is_str(c.hostname, "web", "unquoted value");
	ok(!parse("S_HOSTNAME=\"web1\"  # trailing comment\n"), "double quotes and a comment");
	is_str(c.hostname, "web1", "double-quoted value");
	ok(!parse("S_HOSTNAME='web2'\n"), "single quotes");
	is_str(c.hostname, "web2", "single-quoted value");
	ok(!parse("S_HOSTNAME=we\"b\"'3'\n"), "joined segments");
	is_str(c.hostname, "web3", "segments are one word");
	ok(!parse("INIT='/sbin/init $x `y`'\n"), "single quotes keep $ and ` literally");
	is_str(c.init, "/sbin/init $x `y`", "literal $ in single quotes");
	ok(!parse("INIT=\"/bin/echo \\$HOME\"\n"), "\\$ in double quotes");
	is_str(c.init, "/bin/echo $HOME", "escaped $ is literal");
	ok(!parse("   S_HOSTNAME=x\n"), "leading blanks before a key");
	ok(!parse("S_HOSTNAME=\n"), "an empty value is the default");
	is_str(c.hostname, "", "empty value leaves the default");

	bad("S_HOSTNAME=$HOST\n", "g.conf:1: '$' is shell syntax: not supported in a value",
	    "unquoted $ refused");
	bad("# one\nS_HOSTNAME=\"$HOST\"\n",
	    "g.conf:2: '$' would be a shell expansion: not supported (quote it with '...' or \\$)",
	    "$ in double quotes refused, on line 2");
	bad("S_HOSTNAME=`hostname`\n", "g.conf:1: '`' is shell syntax: not supported in a value",
	    "backquote refused");
	bad("\n\nS_HOSTNAME=\"web\n", "g.conf:3: unterminated double quote", "unterminated double quote");
	bad("S_HOSTNAME='web\n", "g.conf:1: unterminated single quote", "unterminated single quote");
	bad("S_HOSTNAME=a b\n", "g.conf:1: unexpected text after the value of S_HOSTNAME",
	    "two words need quotes");
	bad("S_HOSTNAME = a\n", "g.conf:1: expected KEY=value", "blanks around = are shell errors");
	bad("just words\n", "g.conf:1: expected KEY=value", "a line without =");
	bad("export S_HOSTNAME=a\n", "g.conf:1: expected KEY=value", "no export");
	bad("x=1; rm -rf /\n", "g.conf:1: ';' is shell syntax: not supported in a value", "no command lists");
	bad("S_HOSTNAME=a\n\nBOGUS=1\n", "g.conf:3: unknown key BOGUS", "unknown key with its line");
	bad("S_HOSTNAME=a\nS_HOSTNAME=b\n", "g.conf:2: S_HOSTNAME is set twice", "duplicate key");
	bad("S_CAPS=\"net_raw\nsys_time\"\nBAD=1\n", "g.conf:3: unknown key BAD",
	    "lines are counted through a multi-line value");

	/* ---- IPROOT family ---- */
	ok(!parse("IPROOT=\"10.0.0.1 eth1:192.168.3.1/255.255.255.192 fd00::5/64 127.0.0.2/32\"\n"
		  "IPROOTDEV=eth0\nIPROOTMASK=255.255.255.0\nIPROOTBCAST=10.0.0.255\n"), "IPROOT with devices and masks");
	is_int(c.nip, 4, "four addresses");
	inet_ntop(AF_INET, c.ip[0].a, ip, sizeof(ip));
	is_str(ip, "10.0.0.1", "first address");
	is_int(c.ip[0].prefix, -1, "no mask: IPROOTMASK or /32 at start");
	is_str(c.ip[0].dev, "", "no dev prefix");
	is_str(c.ip[1].dev, "eth1", "dev: prefix");
	is_int(c.ip[1].prefix, 26, "dotted netmask becomes /26");
	is_int(c.ip[2].family, AF_INET6, "IPv6 address");
	is_int(c.ip[2].prefix, 64, "IPv6 prefix");
	is_str(c.ip[2].dev, "", "IPv6 colons are not a device prefix");
	is_int(c.ip[3].prefix, 32, "/32");
	is_str(c.dev, "eth0", "IPROOTDEV");
	is_int(c.mask, 24, "IPROOTMASK dotted");
	ok(c.have_bcast && c.bcast[3] == 255, "IPROOTBCAST");
	ok(!parse("IPROOT=0.0.0.0\n"), "0.0.0.0");
	is_int(c.nip, 0, "0.0.0.0 means not tied");
	ok(!parse("IPROOTMASK=24\n"), "IPROOTMASK as a prefix");
	is_int(c.mask, 24, "prefix 24");
	bad("IPROOT=10.0.0.300\n", "g.conf:1: IPROOT: '10.0.0.300' is not an IPv4 or IPv6 address", "bad address");
	bad("IPROOT=web.example.com\n", "g.conf:1: IPROOT: 'web.example.com' is not an IPv4 or IPv6 address",
	    "names are not resolved");
	bad("IPROOT=10.0.0.1/33\n", "g.conf:1: IPROOT: bad mask '/33' for 10.0.0.1", "mask too long");
	bad("IPROOTMASK=255.0.255.0\n", "g.conf:1: IPROOTMASK: '255.0.255.0' is not a netmask or prefix length",
	    "non-contiguous netmask");
	bad("IPROOTBCAST=fd00::1\n", "g.conf:1: IPROOTBCAST: 'fd00::1' is not an IPv4 address", "bad broadcast");
	bad("IPROOTDEV=a/b\n", "g.conf:1: IPROOTDEV: 'a/b' is not a network device name", "bad device");

	/* ---- the other original keys ---- */
	ok(!parse("ONBOOT=yes\nS_CONTEXT=42\nS_DOMAINNAME=none\nS_NICE=5\n"
		  "S_FLAGS=\"lock sched nproc private fakeinit\"\nS_CAPS=\"CAP_NET_RAW sys_time !CAP_CHOWN\"\n"),
	   "ONBOOT S_CONTEXT S_DOMAINNAME S_NICE S_FLAGS S_CAPS");
	ok(c.onboot, "ONBOOT=yes");
	is_int(c.xid, 42, "S_CONTEXT");
	is_str(c.domainname, "(none)", "S_DOMAINNAME=none resets it");
	ok(c.have_nice && c.nice == 5, "S_NICE");
	is_int(c.flags, CF_LOCK | CF_SCHED | CF_NPROC | CF_PRIVATE | CF_FAKEINIT, "all five flags");
	is_int((long long)c.caps_add, (long long)((1ULL << 13) | (1ULL << 25)), "S_CAPS adds net_raw, sys_time");
	is_int((long long)c.caps_drop, 1, "!CAP_CHOWN drops chown");
	ok(!parse("ONBOOT=no\n") && !c.onboot, "ONBOOT=no");
	bad("ONBOOT=maybe\n", "g.conf:1: ONBOOT: 'maybe' is not yes or no", "bad ONBOOT");
	bad("S_CONTEXT=1\n", "g.conf:1: S_CONTEXT: '1' is not a context number from 2 to 49151", "S_CONTEXT 1");
	bad("S_CONTEXT=abc\n", "g.conf:1: S_CONTEXT: 'abc' is not a context number from 2 to 49151",
	    "S_CONTEXT not a number");
	bad("S_NICE=20\n", "g.conf:1: S_NICE: '20' is not a nice level from -20 to 19", "S_NICE too high");
	bad("S_FLAGS=\"lock bogus\"\n", "g.conf:1: S_FLAGS: unknown flag 'bogus' (lock sched nproc private fakeinit)",
	    "unknown flag");
	bad("S_CAPS=CAP_BOGUS\n", "g.conf:1: S_CAPS: unknown capability 'CAP_BOGUS'", "unknown capability");
	bad("S_HOSTNAME=-x\n", "g.conf:1: S_HOSTNAME: '-x' is not a valid host name", "bad host name");
	bad("S_HOSTNAME=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
	    "g.conf:1: S_HOSTNAME: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' is not a valid host name",
	    "host name over 64 characters");

	/* ---- ULIMIT ---- */
	ok(!parse("ULIMIT=\"-H -u 1000\"\n"), "the original default ULIMIT");
	is_int(c.nproc, 1000, "-u is the context's process limit");
	is_int(c.nrl, 0, "-u is no rlimit");
	ok(!parse("ULIMIT=\"-n 4096 -S -c 0 -v unlimited\"\n"), "several limits, -S");
	is_int(c.nrl, 3, "three rlimits");
	ok(c.rl[0].res == RLIMIT_NOFILE && c.rl[0].soft == 4096 && c.rl[0].set_soft && !c.rl[0].set_hard,
	   "-S applies to every limit");
	ok(c.rl[2].res == RLIMIT_AS && c.rl[2].soft == RLIM_INFINITY, "unlimited");
	ok(!parse("ULIMIT=\"-Hn 100 -s 8192\"\n"), "combined -Hn");
	ok(c.rl[0].set_hard && !c.rl[0].set_soft && c.rl[0].hard == 100, "-Hn: hard only");
	is_int((long long)c.rl[1].hard, 8192LL * 1024, "-s is in KiB");
	ok(!parse("ULIMIT=\"-n 10\"\n") && c.rl[0].set_hard && c.rl[0].set_soft, "neither -H nor -S: both");
	bad("ULIMIT=\"-z 5\"\n", "g.conf:1: ULIMIT: unknown option '-z'", "unknown ulimit option");
	bad("ULIMIT=\"-u\"\n", "g.conf:1: ULIMIT: -u needs a value", "ulimit option without value");
	bad("ULIMIT=\"-u lots\"\n", "g.conf:1: ULIMIT: -u: 'lots' is not a number or 'unlimited'", "bad ulimit value");
	bad("ULIMIT=\"1000\"\n", "g.conf:1: ULIMIT: '1000' is not an option (e.g. ULIMIT=\"-H -u 1000\")",
	    "ulimit value without option");

	/* ---- new keys ---- */
	ok(!parse("S_MEMORY=256M\nS_CPU=\"weight=200 max=50%\"\nINIT=\"/sbin/init single\"\n"
		  "STOP_TIMEOUT=3\nSTOPSIG=SIGTERM\n"), "S_MEMORY S_CPU INIT STOP_TIMEOUT STOPSIG");
	is_int((long long)c.memory, 256LL << 20, "S_MEMORY 256M");
	is_int(c.cpu_weight, 200, "S_CPU weight");
	is_int(c.cpu_max, 50, "S_CPU max");
	is_str(c.init, "/sbin/init single", "INIT with an argument");
	is_int(c.stop_timeout, 3, "STOP_TIMEOUT");
	is_int(c.stopsig, SIGTERM, "STOPSIG");
	ok(!parse("") && c.stop_timeout == 10 && c.stopsig == SIGPWR && c.nproc == -1 && c.mask == -1,
	   "defaults: 10 s, SIGPWR, no limits");
	ok(!parse("S_MEMORY=2G\n") && c.memory == 2ULL << 30, "S_MEMORY 2G");
	bad("S_MEMORY=100K\n", "g.conf:1: S_MEMORY: '100K' is not a size of at least 1M (e.g. 256M, 2G)",
	    "S_MEMORY too small");
	bad("S_MEMORY=lots\n", "g.conf:1: S_MEMORY: 'lots' is not a size of at least 1M (e.g. 256M, 2G)",
	    "S_MEMORY not a size");
	bad("S_CPU=fast\n", "g.conf:1: S_CPU: 'fast' is neither weight=N nor max=P%", "S_CPU bad word");
	bad("S_CPU=weight=0\n", "g.conf:1: S_CPU: weight must be 1 to 10000, not '0'", "S_CPU weight 0");
	ok(!parse("S_CPUSET=1\n"), "S_CPUSET one CPU");
	is_str(c.cpuset, "1", "  kept as written");
	ok(!parse("S_CPUSET=\"5,0-1,2,7-9,3\"\n"), "S_CPUSET a list, unsorted");
	is_str(c.cpuset, "0-3,5,7-9", "  kept as the kernel writes it back");
	ok(!parse("S_CPUSET=4095\n") && !strcmp(c.cpuset, "4095"), "S_CPUSET 4095, the last CPU");
	ok(!parse("") && !c.cpuset[0] && c.lxcfs == LX_AUTO, "no S_CPUSET, LXCFS=auto by default");
	bad("S_CPUSET=2-1\n", "g.conf:1: S_CPUSET: '2-1' is not a list of CPUs below 4096 (e.g. 1, 0-3, 0,2-3)",
	    "S_CPUSET backwards range");
	bad("\nS_CPUSET=0,,1\n", "g.conf:2: S_CPUSET: '0,,1' is not a list of CPUs below 4096 (e.g. 1, 0-3, 0,2-3)",
	    "S_CPUSET empty item");
	{
		char many[4096] = "0";
		for (int i = 2; i < 400; i += 2)
			snprintf(many + strlen(many), sizeof(many) - strlen(many), ",%d", i);
		char text[4200];
		snprintf(text, sizeof(text), "S_CPUSET=%s\n", many);
		ok(parse(text) == -1 && strstr(err, "too long a list"), "S_CPUSET too long a list");
	}
	ok(!parse("LXCFS=yes\n") && c.lxcfs == LX_YES, "LXCFS=yes");
	ok(!parse("LXCFS=no\n") && c.lxcfs == LX_NO, "LXCFS=no");
	ok(!parse("LXCFS=auto\n") && c.lxcfs == LX_AUTO, "LXCFS=auto");
	bad("LXCFS=maybe\n", "g.conf:1: LXCFS: 'maybe' is not auto, yes or no", "LXCFS bad value");
	ok(!parse("") && c.unix_scope && !c.unix_scope_asked, "UNIX_SCOPE: yes by default (where the kernel can)");
	ok(!parse("UNIX_SCOPE=yes\n") && c.unix_scope && c.unix_scope_asked, "UNIX_SCOPE=yes");
	ok(!parse("UNIX_SCOPE=no\n") && !c.unix_scope, "UNIX_SCOPE=no");
	bad("UNIX_SCOPE=always\n", "g.conf:1: UNIX_SCOPE: 'always' is not yes or no", "UNIX_SCOPE bad value");
	bad("INIT=sbin/init\n", "g.conf:1: INIT: 'sbin/init' is not an absolute path inside the guest",
	    "INIT relative");
	ok(!parse("") && c.reboot_limit == 5, "REBOOT_LIMIT: 5 by default");
	ok(!parse("REBOOT_LIMIT=0\n") && c.reboot_limit == 0, "REBOOT_LIMIT=0 (a reboot stops it)");
	bad("REBOOT_LIMIT=61\n", "g.conf:1: REBOOT_LIMIT: '61' is not a number of restarts from 0 to 60",
	    "REBOOT_LIMIT above 60");
	bad("STOPSIG=BOGUS\n",
	    "g.conf:1: STOPSIG: 'BOGUS' is not a signal (PWR, TERM, INT, USR2, RTMIN+N, a number...)",
	    "STOPSIG bad");
	ok(!parse("STOPSIG=RTMIN+3\n") && c.stopsig == 37 && c.have_stopsig,
	   "STOPSIG=RTMIN+3 (systemd's halt)");
	ok(!parse("") && !c.have_stopsig && c.start_timeout == 60, "no STOPSIG given; START_TIMEOUT 60 s");
	ok(!parse("START_TIMEOUT=5\n") && c.start_timeout == 5, "START_TIMEOUT");
	ok(!parse("USERNS=yes\nUSERNS_CHOWN=yes\n") && c.userns_chown, "USERNS_CHOWN=yes");
	ok(!parse("USERNS=yes\n") && !c.userns_chown, "USERNS_CHOWN: no by default");
	bad("USERNS_CHOWN=sometimes\n", "g.conf:1: USERNS_CHOWN: 'sometimes' is not yes or no", "USERNS_CHOWN bad");
	bad("START_TIMEOUT=0\n", "g.conf:1: START_TIMEOUT: '0' is not a number of seconds from 1 to 3600",
	    "START_TIMEOUT 0 (never waiting forever)");

	/* ---- disk limits ---- */
	ok(!parse("DISK_LIMIT=10G\nINODE_LIMIT=200000\n"), "DISK_LIMIT and INODE_LIMIT");
	is_int((long long)c.disk_limit, 10LL << 30, "DISK_LIMIT 10G in bytes");
	is_int((long long)c.inode_limit, 200000, "INODE_LIMIT");
	ok(!(c.sc_allow & (1u << seccomp_rule("fsflags"))) && !(c.sc_allow & (1u << seccomp_rule("subvol"))),
	   "a disk limit keeps the fsflags and subvol rules");
	ok(!parse("DISK_LIMIT=1048577\n") && c.disk_limit == 1049600, "DISK_LIMIT rounded up to whole KiB");
	ok(!parse("INODE_LIMIT=1000\n") && !(c.sc_allow & (1u << seccomp_rule("fsflags"))),
	   "INODE_LIMIT alone keeps them too");
	ok(!parse("S_HOSTNAME=x\n") && (c.sc_allow & (1u << seccomp_rule("fsflags"))) &&
	   (c.sc_allow & (1u << seccomp_rule("subvol"))) && !(c.sc_allow & (1u << seccomp_rule("fsxattr"))),
	   "no disk limit: fsflags and subvol lifted, fsxattr kept");
	ok(!parse("DISK_LIMIT=\n") && !c.disk_limit, "DISK_LIMIT= is no limit");
	bad("\nDISK_LIMIT=512K\n", "g.conf:2: DISK_LIMIT: '512K' is not a size from 1M to 1024P (e.g. 500M, 10G)",
	    "DISK_LIMIT too small, with its line");
	bad("DISK_LIMIT=lots\n", "g.conf:1: DISK_LIMIT: 'lots' is not a size from 1M to 1024P (e.g. 500M, 10G)",
	    "DISK_LIMIT not a size");
	bad("DISK_LIMIT=2048P\n", "g.conf:1: DISK_LIMIT: '2048P' is not a size from 1M to 1024P (e.g. 500M, 10G)",
	    "DISK_LIMIT too big");
	bad("INODE_LIMIT=10k\n", "g.conf:1: INODE_LIMIT: '10k' is not a number of files from 16 up",
	    "INODE_LIMIT with a unit");
	bad("INODE_LIMIT=5\n", "g.conf:1: INODE_LIMIT: '5' is not a number of files from 16 up",
	    "INODE_LIMIT too small");

	/* ---- user namespaces ---- */
	ok(!parse("USERNS=yes\nUSERNS_BASE=1000000\nUSERNS_SIZE=65536\n") && c.userns &&
	   c.userns_base == 1000000 && c.userns_size == 65536, "USERNS, USERNS_BASE, USERNS_SIZE");
	ok(!parse("S_HOSTNAME=x\n") && !c.userns && !c.userns_base && !c.userns_size, "USERNS unset: no");
	bad("USERNS=maybe\n", "g.conf:1: USERNS: 'maybe' is not yes or no", "USERNS not yes or no");
	bad("USERNS_BASE=1000\n", "g.conf:1: USERNS_BASE: '1000' is not a host id from 65536 to 4294967294",
	    "USERNS_BASE among the host's own users");
	bad("USERNS_BASE=4294967295\n", "g.conf:1: USERNS_BASE: '4294967295' is not a host id from 65536 to 4294967294",
	    "USERNS_BASE past the last id");
	bad("USERNS_SIZE=0\n", "g.conf:1: USERNS_SIZE: '0' is not a number of ids from 1 up", "USERNS_SIZE 0");

	/* ---- editing: conf_edit keeps everything else ---- */
	char path[] = "/tmp/t_conf.XXXXXX", text[4096];
	int fd = mkstemp(path);
	const char *ek[] = { "DISK_LIMIT", "S_MEMORY", "INODE_LIMIT" }, *ev[] = { "20M", "64M", "500" };
	const char *orig = "# g - settings\n\nS_HOSTNAME=g   # the name\n#DISK_LIMIT=10G\n\nS_MEMORY=32M\nONBOOT=no\n";
	ok(fd >= 0 && write(fd, orig, strlen(orig)) == (ssize_t)strlen(orig), "a conf to edit");
	close(fd);
	conf_edit(path, 3, ek, ev);
	read_file(path, text, sizeof(text));
	is_str(text, "# g - settings\n\nS_HOSTNAME=g   # the name\nDISK_LIMIT=\"20M\"\n\nS_MEMORY=\"64M\"\n"
	       "ONBOOT=no\nINODE_LIMIT=\"500\"\n", "conf_edit: comments, blank lines and order kept");
	char v[64];
	ok(conf_get(path, "S_MEMORY", v, sizeof(v)) && !strcmp(v, "64M"), "conf_get: the value unquoted");
	ok(!conf_get(path, "S_CPU", v, sizeof(v)), "conf_get: an unset key");
	const char *bk = "DISK_LIMIT", *bv = "huge";
	exits_with(1, "conf_edit: a value that would not parse dies", conf_edit(path, 1, &bk, &bv));
	read_file(path, text, sizeof(text));
	ok(strstr(text, "DISK_LIMIT=\"20M\"") != NULL, "... and leaves the file as it was");
	unlink(path);

	/* ---- helpers ---- */
	ok(guest_name_ok("web-1.example_2"), "guest name ok");
	ok(!guest_name_ok("") && !guest_name_ok(".hidden") && !guest_name_ok("a/b") &&
	   !guest_name_ok("-x") && !guest_name_ok("a b"), "bad guest names");
	unsigned long long sz;
	ok(parse_size("4k", &sz) && sz == 4096, "parse_size 4k");
	ok(!parse_size("1X", &sz) && !parse_size("", &sz) && !parse_size("-1", &sz), "parse_size junk");

	/* ---- fstab ---- */
	struct vc_mount *m;
	int n = conf_fstab("g.fstab", "# comment\n/srv/data /data bind ro\n\ntmpfs /scratch tmpfs size=8m,mode=0755\n",
			   &m, err, sizeof(err));
	is_int(n, 2, "fstab: two mounts");
	ok(n == 2 && (m[0].flags & MS_BIND) && (m[0].flags & MS_RDONLY) && !strcmp(m[0].target, "/data"),
	   "fstab: read-only bind");
	ok(n == 2 && !strcmp(m[1].type, "tmpfs") && !strcmp(m[1].data, "size=8m,mode=0755"),
	   "fstab: tmpfs with data");
	free(m);
	is_int(conf_fstab("g.fstab", "\n/a ../etc bind\n", &m, err, sizeof(err)), -1, "fstab: relative target");
	is_str(err, "g.fstab:2: target '../etc' must be an absolute path inside the guest, without '..'",
	       "fstab error names FILE:LINE");
	is_int(conf_fstab("g.fstab", "/a /x/../../etc bind\n", &m, err, sizeof(err)), -1, "fstab: .. refused");
	is_int(conf_fstab("g.fstab", "/a /b\n", &m, err, sizeof(err)), -1, "fstab: too few fields");
	is_int(conf_fstab("g.fstab", "/a /b bind\n/c d bind\n", &m, err, sizeof(err)), -1,
	       "fstab: a bad line after a good one");
	ok(m == NULL, "fstab: nothing stays allocated on an error");
	return done_testing();
}
