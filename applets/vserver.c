/* vserver.c - build, start, stop, enter and run commands in a virtual server.
 *
 * Kernel interfaces: through lib/guest.c and lib/context.c, clone3 into new
 * PID/mount/UTS/IPC/cgroup namespaces and cgroups (memory, pids, cpu),
 * pivot_root, a new devpts instance, rtnetlink (RTM_NEWADDR/DELADDR) for
 * IPROOT, the capability bounding set and seccomp; setns(2) and a pty
 * allocated inside the guest (TIOCGPTPEER) for enter and exec.
 */
#include "vsbox.h"
#include <grp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>

USAGE(vserver, usage,
"usage: vserver NAME build [--template NAME|DIR [--unify] | --tar FILE |\n"
"                          --oci DIR[:TAG]|FILE.tar[:TAG] |\n"
"                          --debootstrap SUITE [--mirror URL] [--variant V]\n"
"                          [--include PKG,...]] [--exclude PATTERN]...\n"
"       vserver NAME start|stop|restart|running|enter [-q]\n"
"       vserver NAME status [--json]\n"
"       vserver NAME exec CMD [ARG]...\n"
"       vserver NAME suexec USER CMD [ARG]...\n"
"       vserver NAME service SERVICE start|stop|restart|status|...\n"
"       vserver NAME hwdisable\n"
"       vserver NAME delete [--force]\n"
"       vserver NAME limits [--json] | limits set KEY=VALUE...\n"
"       vserver NAME copy|move [USER@]HOST[:NEWNAME] [--ssh-opt OPT]... [--start]\n"
"                  [--keep] [--new-context] [--passes N] [--check-tcp ADDR:PORT]\n"
"                  [--check-url URL] [--check-timeout S] [--remote-vsbox CMD] [-q]\n"
"Manage the virtual server NAME: its root is $VSBOX_ROOTDIR/NAME (/vservers),\n"
"its settings $VSBOX_CONFDIR/NAME.conf (/etc/vservers), optional hook\n"
"NAME.sh (run as NAME.sh pre-start|post-start|pre-stop|post-stop NAME) and\n"
"bind mounts NAME.fstab (SOURCE TARGET TYPE OPTIONS, targets inside).\n"
"  build       create the root and NAME.conf: copy the host's /bin /sbin /etc\n"
"              /lib* /usr /var (default), --template another guest or a DIR,\n"
"              --tar a root filesystem archive, --oci an OCI image layout\n"
"              (its config gives INIT ENV INIT_DIR INIT_USER; see vserver(8),\n"
"              OCI IMAGES), or --debootstrap a Debian SUITE (Debian's default\n"
"              system, with systemd; --variant and --include go to\n"
"              debootstrap, e.g. --variant minbase --include sysv-rc); /dev\n"
"              gets only null zero full random urandom tty ptmx; progress\n"
"              only on a terminal; --unify: then vunify the template guest\n"
"              NAME and the new one\n"
"  start       boot: INIT as PID 1 (S_FLAGS fakeinit), else the guest's rc\n"
"              (/etc/init.d/rc 3, /etc/rc.d/rc 3, /etc/rc) or INIT, showing\n"
"              its output (-q: not) until it ends\n"
"  stop        rc 0 or STOPSIG to PID 1, then after STOP_TIMEOUT kill the rest\n"
"  running     exit 0 if running, 1 if not\n"
"  status      state, context, processes, memory, addresses, flags; exit 3 if\n"
"              stopped; --json: one object (vserver(8), JSON OUTPUT)\n"
"  enter       a login shell inside (a pty inside the guest when on a terminal)\n"
"  exec        run CMD inside as root; suexec: as USER of the guest's passwd\n"
"  service     run the guest's /etc/init.d/SERVICE\n"
"  hwdisable   turn off, inside the running guest, the Debian init scripts\n"
"              and units that need real hardware (hwclock.sh kmod udev\n"
"              keyboard-setup.sh console-setup.sh procps, two .service);\n"
"              build --debootstrap does it to the new root\n"
"  delete      remove the root and NAME.conf (asks on a terminal, or --force)\n"
"  limits      memory, pids, CPU, disk and inode limits and their use; set:\n"
"              change S_MEMORY S_CPU DISK_LIMIT INODE_LIMIT (memory cpu disk\n"
"              inodes) or pids (ULIMIT -u) in NAME.conf and on the running\n"
"              guest, all or none\n"
"  copy, move  to HOST over ssh (HOST \".\": this host, with a NEWNAME) with\n"
"              rsync -aHAX, after a pre-flight there; move: passes while it\n"
"              runs, a stop, the last pass, the start there, then removes it\n"
"              here (--keep: stopped); any failure leaves it running here.\n"
"              CMD runs vsbox there (default vsbox); see vserver(8), MIGRATION\n"
"NAME.conf keys (KEY=value, KEY=\"a b\", # comments; never run by a shell):\n"
"  IPROOT       addresses: [DEV:]ADDR[/MASK]..., added as aliases on their\n"
"               device (or IPROOTDEV) at start unless already assigned, and\n"
"               removed at stop; 0.0.0.0 or empty: not tied to an address.\n"
"               ::1 inside is the guest's own PREFIX::XID on lo (prefix:\n"
"               $VSBOX_LBACK6 or .defaults/lback6, default fd76:7362:6f78::/48,\n"
"               none: off)\n"
"  IPROOTDEV    device for the aliases (unset: add none)\n"
"  IPROOTMASK   netmask or prefix for the aliases (default /32, /128)\n"
"  IPROOTBCAST  broadcast address (default: from the mask)\n"
"  ONBOOT       yes|no: started by \"vservers start\"\n"
"  S_CAPS       capabilities kept on top of the default set; !CAP drops one\n"
"               (with SYS_PTRACE a Landlock fence keeps init and entering\n"
"               processes out of reach: see vserver(8))\n"
"  S_CONTEXT    the context number (2..49151; default: the lowest free)\n"
"  S_HOSTNAME   host name inside      S_DOMAINNAME  NIS domain (none: unset)\n"
"  S_NICE       nice level -20..19; nobody inside can go below it\n"
"  S_FLAGS      lock sched nproc private fakeinit (see chcontext --help)\n"
"  ULIMIT       ulimit options, e.g. \"-H -u 1000 -n 4096\"; -u limits the\n"
"               processes of the whole guest (pids.max)\n"
"  S_MEMORY     memory limit (e.g. 512M; no swap beyond it)\n"
"  S_CPU        weight=1..10000 (100: one guest) and/or max=P% of one CPU\n"
"  S_CPUSET     the CPUs it runs on, e.g. 1 or 0-3,6 (a cpuset cgroup; nproc\n"
"               and /sys/devices/system/cpu/online inside show them)\n"
"  LXCFS        auto|yes|no: bind a host lxcfs's /proc files (meminfo,\n"
"               cpuinfo...) in the guest (auto: when mounted)\n"
"  UNIX_SCOPE   yes (default with Landlock ABI 6): no connect to the host's\n"
"               abstract unix sockets on the shared stack; exec, enter,\n"
"               stop fork through the guest's spawner, in its rc's domain;\n"
"               no: open (vserver(8), SECURITY)\n"
"  INIT         the command start runs (default /sbin/init with fakeinit):\n"
"               words, quoted as in sh ('a b', \"a b\"), never expanded\n"
"  ENV          NAME=VALUE words added to the environment of INIT (or rc)\n"
"  INIT_DIR     INIT's working directory inside (default /)\n"
"  INIT_USER    USER[:GROUP] of the guest INIT runs as (default root)\n"
"  START_TIMEOUT seconds start waits for the guest to be up (60), then\n"
"               stops it and fails\n"
"  STOP_TIMEOUT seconds stop waits for the guest's own shutdown (10)\n"
"  STOPSIG      signal stop sends a fakeinit PID 1 (PWR, systemd: RTMIN+3;\n"
"               KILL: at once)\n"
"  REBOOT_LIMIT restarts a minute rebootmgr makes when the guest asks (5)\n"
"  S_SECCOMP    allow:RULE,... lifts rules of the default seccomp filter\n"
"               (EPERM): module kexec reboot swap keyring bpf perf\n"
"               userfaultfd ioport acct clock handle mount quota obsolete\n"
"               fsxattr fsflags subvol tiocsti userns, or all\n"
"  DISK_LIMIT   disk space of the guest (e.g. 10G): an ext4/XFS project quota\n"
"               (prjquota mount option) or a btrfs qgroup (quota enabled)\n"
"  INODE_LIMIT  files of the guest (ext4, XFS)\n"
"  NET          shared (default: the host's stack, IPROOT as aliases and the\n"
"               IP lock) or private: a network namespace of its own, IPROOT\n"
"               on its eth0, CAP_NET_ADMIN and CAP_NET_RAW inside, packets\n"
"               with another source address or MAC dropped on the host\n"
"  NET_MODE     bridge (default: eth0's veth peer a port of BRIDGE) or\n"
"               routed (host routes to IPROOT, proxy ARP/NDP on NET_UPLINK)\n"
"  BRIDGE       the host bridge (bridge mode)\n"
"  NET_MAC      eth0's MAC (default: from the guest name)\n"
"  NET_UPLINK   routed mode: the host device facing the LAN\n"
"  NET_GATEWAY  bridge mode: default gateways, one IPv4 and/or one IPv6\n"
"  USERNS       yes: a user namespace of its own; root inside is host id\n"
"               USERNS_BASE, its files are shown through an idmapped mount\n"
"  USERNS_BASE  the host id of its root (unset: chosen from the pool in\n"
"               $VSBOX_CONFDIR/.defaults/userns at the first start, and\n"
"               written here)  USERNS_SIZE  ids mapped (65536)\n"
"  USERNS_CHOWN yes: where the root can't be idmapped, shift its owners on\n"
"               disk instead, once (vserver(8), USER NAMESPACES)\n"
"Environment: VSBOX_CONFDIR, VSBOX_ROOTDIR, VSBOX_RUNDIR, VSBOX_CGROUP_BASE,\n"
"VSBOX_SUBUID, VSBOX_SUBGID (/etc/subuid, /etc/subgid), VSBOX_LXCFS_DIR\n"
"(/var/lib/lxcfs).\n");

static const struct option opts[] = {
	{ "template", required_argument, NULL, 'T' },
	{ "tar", required_argument, NULL, 't' },
	{ "oci", required_argument, NULL, 'o' },
	{ "debootstrap", required_argument, NULL, 'd' },
	{ "mirror", required_argument, NULL, 'm' },
	{ "variant", required_argument, NULL, 'V' },
	{ "include", required_argument, NULL, 'I' },
	{ "exclude", required_argument, NULL, 'x' },
	{ "force", no_argument, NULL, 'f' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "json", no_argument, NULL, 'j' },
	{ "unify", no_argument, NULL, 'u' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 }
};

static struct {
	const char *name, *cmd;
	const char *template, *tar, *oci, *suite, *mirror, *variant, *include;
	const char *exclude[64];
	int nexclude;
	bool force, quiet, json, unify;
	struct guest g;
} G BIG;

/* ---- build ------------------------------------------------------------ */
/* an option's value made only of the characters in ok (it becomes a
 * debootstrap argument) */
static const char *word_arg(const char *v, const char *opt, const char *ok)
{
	if (!*v || *v == '-' || strspn(v, ok) != strlen(v))
		usage_die("%s: '%s' is not a debootstrap %s", opt, v, strcmp(opt, "--variant") ? "package list" : "variant");
	return v;
}

static void undo_root(void *p)
{
	int fd = open(rootdir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		quota_rmroot(fd, p);
		close(fd);
	}
}

static void undo_unlink(void *p)
{
	unlink(p);
}

/* out >= 0: the command's stdout and stderr go there */
static int run(char **argv, int out)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		die_errno("can't fork");
	if (!pid) {
		if (out >= 0 && (dup2(out, 1) < 0 || dup2(out, 2) < 0))
			_exit(127);
		execvp(argv[0], argv);
		warn_errno("can't execute %s", argv[0]);
		_exit(127);
	}
	return wait_forward(pid);
}

/* the skeleton every guest needs, and a safe /dev: fresh nodes, never the
 * host's (vsbox mounts its own /dev at start; these serve chroot use) */
static void skeleton(int rootfd)
{
	static const struct { const char *name; int maj, min; } nodes[] = {
		{ "null", 1, 3 }, { "zero", 1, 5 }, { "full", 1, 7 }, { "random", 1, 8 },
		{ "urandom", 1, 9 }, { "tty", 5, 0 }, { "ptmx", 5, 2 },
	};
	static const char *const dirs[] = { "proc", "sys", "dev", "dev/pts", "dev/shm", "tmp",
					    "home", "root", "run", "etc", "var", "var/tmp" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		close(path_mkdirs(rootfd, dirs[i], 0755));
	int dev = path_open(rootfd, "dev", O_PATH | O_DIRECTORY, 0);
	if (dev < 0)
		die_errno("can't open the guest's /dev");
	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++)
		if (mknodat(dev, nodes[i].name, S_IFCHR | 0666, makedev(nodes[i].maj, nodes[i].min)) &&
		    errno != EEXIST)
			die_errno("can't create /dev/%s", nodes[i].name);
	close(dev);
	/* not through a symlink: one from the archive could name any
	 * directory of the guest (its /etc would become world-writable) */
	for (int i = 0; i < 2; i++) {
		int t = path_open(rootfd, i ? "var/tmp" : "tmp", O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
		if (t >= 0) {
			fchmod(t, 01777);
			close(t);
		}
	}
}

/* flags: S_FLAGS; extra: more lines (an image's INIT, ENV...) or NULL */
static void write_conf(const char *path, const char *name, const char *flags, const char *extra)
{
	char buf[PATH_MAX + 512], err[512];
	static struct vconf check BIG;
	int fd;

	snprintf(buf, sizeof(buf),
		 "# %s - settings of the guest %s (see vserver(8))\n"
		 "IPROOT=\n"
		 "#IPROOTDEV=eth0\n"
		 "ONBOOT=no\n"
		 "S_HOSTNAME=%s\n"
		 "S_CAPS=\"\"\n"
		 "S_FLAGS=\"%s\"\n"
		 "ULIMIT=\"-H -u 1000\"\n"
		 "#S_MEMORY=512M\n"
		 "#S_CPU=\"weight=100\"\n"
		 "#DISK_LIMIT=10G\n"
		 "#INODE_LIMIT=200000\n", path, name, name, flags);
	char *text = xasprintf("%s%s", buf, extra ? extra : "");
	/* what the image said must make a valid NAME.conf */
	if (conf_parse(path, text, &check, err, sizeof(err)))
		die("%s", err);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644)) < 0)
		die_errno("can't create %s", path);
	undo_push(undo_unlink, path, strlen(path) + 1);
	xwrite_fd(fd, text, strlen(text), path);
	free(text);
	close(fd);
}

/* the last line a command wrote to the file fd (for an error message) */
static const char *last_line(int fd)
{
	static char buf[4096] BIG;
	off_t end = lseek(fd, 0, SEEK_END);
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, end > (off_t)sizeof(buf) - 1 ? end - (off_t)sizeof(buf) + 1 : 0);
	char *p;

	buf[n > 0 ? n : 0] = 0;
	while ((p = strrchr(buf, '\n')) && !p[1])
		*p = 0;
	p = strrchr(buf, '\n');
	return p ? p + 1 : buf;
}

/* --exclude usr (or /usr, usr/): the whole top-level directory */
static bool excluded_top(const char *top, const char *const *ex, int n)
{
	size_t l = strlen(top);

	for (int i = 0; i < n; i++) {
		const char *p = ex[i] + (ex[i][0] == '/');
		if (!strncmp(p, top, l) && (!p[l] || !strcmp(p + l, "/") || !strcmp(p + l, "/*")))
			return true;
	}
	return false;
}

static int build(void)
{
	char conf[PATH_MAX], root[PATH_MAX], *extra = NULL;
	int parent, rootfd, rc = 0;
	struct oci_image im;
	/* progress (what is copied, debootstrap's output, layers) only on a
	 * terminal; scripts get the result line (-q: not even that) */
	bool tty = !G.quiet && isatty(2);

	if (geteuid() != 0)
		die("building a guest needs root");
	if (!!G.template + !!G.tar + !!G.oci + !!G.suite > 1)
		usage_die("give one of --template, --tar, --oci and --debootstrap");
	if ((G.mirror || G.variant || G.include) && !G.suite)
		usage_die("--mirror, --variant and --include go with --debootstrap");
	xsnprintf(conf, sizeof(conf), "%s/%s.conf", confdir(), G.name);
	xsnprintf(root, sizeof(root), "%s/%s", rootdir(), G.name);
	if (!access(conf, F_OK))
		die("guest %s exists already (%s)", G.name, conf);
	if (G.tar && access(G.tar, R_OK))
		die_errno("can't read %s", G.tar);
	xmkdir_p(confdir(), 0755);
	xmkdir_p(rootdir(), 0755);
	parent = xopenat(AT_FDCWD, rootdir(), O_RDONLY | O_DIRECTORY, 0);
	/* a btrfs subvolume, or a directory with a project id of its own
	 * (lib/quota.c): what DISK_LIMIT needs, set before the files come */
	if (quota_mkroot(parent, G.name))
		die_errno(errno == EEXIST ? "guest root %s exists already" : "can't create %s", root);
	undo_push(undo_root, G.name, strlen(G.name) + 1);
	rootfd = xopenat(parent, G.name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	if (G.template) {
		char src[PATH_MAX];
		unsigned shift = 0;
		if (strchr(G.template, '/'))
			xsnprintf(src, sizeof(src), "%s", G.template);
		else if (guest_name_ok(G.template)) {
			xsnprintf(src, sizeof(src), "%s/%s", rootdir(), G.template);
			shift = uovl_shift(G.template);   /* (its plain ids copied) */
		} else {
			usage_die("--template: '%s' is neither a guest name nor a directory", G.template);
		}
		if (tty)
			fprintf(stderr, "copying %s...\n", src);
		copy_tree(src, rootfd, G.exclude, G.nexclude, tty, shift);
	} else if (G.tar) {
		/* the host's tar (it knows every compression); then whatever
		 * device nodes the archive carried are removed */
		char *argv[] = { "tar", "-x", "-p", "--numeric-owner", "-f", (char *)G.tar,
				 "-C", root, NULL };
		if ((rc = run(argv, -1)))
			die("extracting %s failed (tar exit %d)", G.tar, rc);
		sweep_devices(rootfd);
	} else if (G.oci) {
		/* every blob checked, each layer parsed and applied by vsbox
		 * itself (lib/oci.c), through no symlink of the image */
		oci_build(G.oci, rootfd, &im, tty);
		extra = oci_conf_lines(&im);
	} else if (G.suite) {
		/* Debian's default system boots systemd (lib/ginit.c);
		 * minbase has no init system: --include sysv-rc gives it the
		 * rc (/etc/init.d/rc) that start runs */
		char var[64], inc[512], *argv[8] = { "debootstrap" };
		int k = 1;
		if (G.variant)
			argv[k++] = (xsnprintf(var, sizeof(var), "--variant=%s", G.variant), var);
		if (G.include)
			argv[k++] = (xsnprintf(inc, sizeof(inc), "--include=%s", G.include), inc);
		argv[k++] = (char *)G.suite;
		argv[k++] = root;
		argv[k++] = (char *)G.mirror;
		/* its output is progress: on a terminal, shown; else kept, and
		 * its last line is the error's reason */
		FILE *log = tty ? NULL : tmpfile();
		if (!tty && !log)
			die_errno("can't make a temporary file");
		if ((rc = run(argv, log ? fileno(log) : -1)))
			die("debootstrap %s failed (exit %d)%s%s", G.suite, rc, log ? ": " : "",
			    log ? last_line(fileno(log)) : "");
		if (log)
			fclose(log);
		sweep_devices(rootfd);
	} else {
		/* the original build: the host's system directories */
		static const char *const top[] = { "bin", "sbin", "etc", "lib", "lib32", "lib64",
						   "libx32", "usr", "var" };
		const char *ex[72];
		int nex = 0;
		for (int i = 0; i < G.nexclude; i++)
			ex[nex++] = G.exclude[i];
		/* never the guests themselves, nor host state that is not a system */
		ex[nex++] = "var/log/*";
		ex[nex++] = "var/cache/apt/archives/*.deb";
		ex[nex++] = "var/lib/vsbox";
		ex[nex++] = "etc/vservers";
		for (size_t i = 0; i < sizeof(top) / sizeof(top[0]); i++) {
			char src[64], tgt[PATH_MAX];
			struct stat st;
			snprintf(src, sizeof(src), "/%s", top[i]);
			if (lstat(src, &st) || excluded_top(top[i], G.exclude, G.nexclude))
				continue;
			if (S_ISLNK(st.st_mode)) {
				ssize_t n = readlink(src, tgt, sizeof(tgt) - 1);
				if (n > 0) {
					tgt[n] = 0;
					if (symlinkat(tgt, rootfd, top[i]))
						die_errno("can't create /%s", top[i]);
				}
				continue;
			}
			if (tty)
				fprintf(stderr, "copying %s...\n", src);
			mkdirat(rootfd, top[i], st.st_mode & 07777);
			int d = xopenat(rootfd, top[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
			const char *sub[72];
			int ns = 0;
			/* patterns are relative to the guest root: strip "top/" */
			size_t tl = strlen(top[i]);
			for (int k = 0; k < nex; k++) {
				const char *p = ex[k] + (ex[k][0] == '/');
				if (!strncmp(p, top[i], tl) && p[tl] == '/')
					sub[ns++] = p + tl + 1;
			}
			/* and never the guests' own roots and settings */
			size_t rl = strlen(src);
			if (!strncmp(rootdir(), src, rl) && rootdir()[rl] == '/')
				sub[ns++] = rootdir() + rl + 1;
			if (!strncmp(confdir(), src, rl) && confdir()[rl] == '/')
				sub[ns++] = confdir() + rl + 1;
			copy_tree(src, d, sub, ns, tty, 0);
			close(d);
		}
	}
	skeleton(rootfd);
	/* (with its fresh /dev:) its name in /etc/hosts, no hwclock.sh at
	 * every stop */
	if (G.suite && (rc = debian_finish(root, G.name, G.quiet)))
		die("making the Debian root a guest failed (exit %d)", rc);
	close(rootfd);
	close(parent);
	/* an image's command is its main process: the guest's PID 1 */
	write_conf(conf, G.name, G.oci ? "lock nproc sched fakeinit" : "lock nproc sched", extra);
	undo_forget();
	if (!G.quiet)
		printf("%s: built in %s, settings in %s\n", G.name, root, conf);
	if (!G.unify)
		return 0;
	/* built: the files it has in common with its template shared
	 * (vunify's summary line is the output) */
	char *uv[] = { "vunify", (char *)G.template, (char *)G.name, NULL };
	return run_self(uv);
}

static int delete(void)
{
	char conf[PATH_MAX], buf[16];
	struct ctx c;
	int parent;

	if (!guest_name_ok(G.name))
		usage_die("'%s' is not a guest name", G.name);
	xsnprintf(conf, sizeof(conf), "%s/%s.conf", confdir(), G.name);
	if (ctx_by_name(G.name, &c))
		die("%s is running: stop it first", G.name);
	if (!G.force) {
		if (!isatty(0))
			die("deleting %s needs --force (or a terminal to confirm)", G.name);
		fprintf(stderr, "Delete guest %s and everything in %s/%s? [y/N] ", G.name, rootdir(), G.name);
		if (!fgets(buf, sizeof(buf), stdin) || (buf[0] != 'y' && buf[0] != 'Y'))
			die("not deleted");
	}
	parent = open(rootdir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (uovl_is(G.name)) {         /* unified by vunify --method overlay */
		if (uovl_remove(G.name))
			die_errno("can't remove %s/%s and its layers in %s/.ovl", rootdir(), G.name, rootdir());
	} else if (parent >= 0 && quota_rmroot(parent, G.name)) {
		die_errno("can't remove %s/%s", rootdir(), G.name);
	}
	if (unlink(conf) && errno != ENOENT)
		die_errno("can't remove %s", conf);
	if (!G.quiet)
		printf("%s: deleted\n", G.name);
	return 0;
}

static int service(char **argv)
{
	char path[PATH_MAX], *av[64];
	int n = 0;

	if (!argv[0] || !argv[1])
		usage_die("service needs SERVICE and an action");
	if (strchr(argv[0], '/') || !strcmp(argv[0], "..") || !strcmp(argv[0], "."))
		usage_die("'%s' is not a service name", argv[0]);
	xsnprintf(path, sizeof(path), "%s/%s/etc/init.d/%s", rootdir(), G.name, argv[0]);
	av[n++] = xasprintf("/etc/init.d/%s", argv[0]);
	for (int i = 1; argv[i] && n < 63; i++)
		av[n++] = argv[i];
	av[n] = NULL;
	return guest_run(&G.g, "root", av, false, false);
}

int vserver_main(int argc, char **argv)
{
	int c;

	/* nothing the caller left open reaches a guest: only 0, 1 and 2 */
	close_range_from(3);
	while ((c = opt_next(argc, argv, "h", opts, usage)) != -1)
		usage_die("options go after NAME and the command");
	if (argc - optind < 2)
		usage_die("need NAME and a command");
	G.name = argv[optind];
	G.cmd = argv[optind + 1];
	argc -= optind + 1;
	argv += optind + 1;
	if (!strcmp(G.cmd, "exec") || !strcmp(G.cmd, "suexec") || !strcmp(G.cmd, "service")) {
		argv++;         /* CMD's own options are CMD's */
	} else if (!strcmp(G.cmd, "copy") || !strcmp(G.cmd, "move") || !strcmp(G.cmd, "recv")) {
		argv++;         /* lib/migrate.c parses its own */
	} else if (!strcmp(G.cmd, "limits")) {
		/* "limits [--json] [-q]", "limits set KEY=VALUE..." */
		for (argv++; *argv && **argv == '-'; argv++)
			if (!strcmp(*argv, "--json"))
				G.json = true;
			else if (!strcmp(*argv, "-q") || !strcmp(*argv, "--quiet"))
				G.quiet = true;
			else
				usage_die("limits: unknown option '%s'", *argv);
	} else {
		optind = 1;
		while ((c = opt_next(argc, argv, "fhq", opts, usage)) != -1) {
			switch (c) {
			case 'T': G.template = optarg; break;
			case 't': G.tar = optarg; break;
			case 'o': G.oci = optarg; break;
			case 'd': G.suite = optarg; break;
			case 'm': G.mirror = optarg; break;
			case 'V': G.variant = word_arg(optarg, "--variant", "abcdefghijklmnopqrstuvwxyz"); break;
			case 'I': G.include = word_arg(optarg, "--include", "abcdefghijklmnopqrstuvwxyz0123456789.+-,"); break;
			case 'x':
				if (G.nexclude == 64)
					usage_die("too many --exclude");
				G.exclude[G.nexclude++] = optarg;
				break;
			case 'f': G.force = true; break;
			case 'q': G.quiet = true; break;
			case 'u': G.unify = true; break;
			case 'j': G.json = true; break;
			}
		}
		if (optind < argc)
			usage_die("unexpected argument '%s'", argv[optind]);
		if (strcmp(G.cmd, "build") && (G.template || G.tar || G.oci || G.suite || G.mirror || G.variant ||
						G.include || G.nexclude || G.unify))
			usage_die("--template, --tar, --oci, --debootstrap, --mirror, --variant, --include, "
				  "--exclude, --unify are for build");
		if (G.unify && (!G.template || strchr(G.template, '/')))
			usage_die("--unify goes with --template NAME (a guest)");
		if (G.json && strcmp(G.cmd, "status"))
			usage_die("--json is for status and limits");
	}
	if (!guest_name_ok(G.name))
		usage_die("'%s' is not a guest name ([A-Za-z0-9._-], 1 to 63 characters)", G.name);
	if (!strcmp(G.cmd, "build"))
		return build();
	if (!strcmp(G.cmd, "delete"))
		return delete();
	if (!strcmp(G.cmd, "copy") || !strcmp(G.cmd, "move"))
		return guest_migrate(G.name, argv, !strcmp(G.cmd, "move"));
	if (!strcmp(G.cmd, "recv"))     /* the target's half of copy and move */
		return guest_recv(G.name, argv);
	guest_load(G.name, &G.g);
	ctx_forget(&G, sizeof(G));      /* (a started guest's init reads none of it) */
	if (!strcmp(G.cmd, "start"))
		return guest_start(&G.g, G.quiet);
	if (!strcmp(G.cmd, "stop"))
		return guest_stop(&G.g, G.quiet);
	if (!strcmp(G.cmd, "restart")) {
		guest_stop(&G.g, G.quiet);
		return guest_start(&G.g, G.quiet);
	}
	if (!strcmp(G.cmd, "running")) {
		struct ctx x;
		bool r = ctx_by_name(G.name, &x);
		if (!G.quiet)
			printf("%s is %srunning\n", G.name, r ? "" : "not ");
		return r ? 0 : 1;
	}
	if (!strcmp(G.cmd, "status"))
		return guest_status(&G.g, G.json);
	if (!strcmp(G.cmd, "enter"))
		return guest_run(&G.g, "root", NULL, true, isatty(0));
	if (!strcmp(G.cmd, "exec")) {
		if (!*argv)
			usage_die("exec needs a command");
		return guest_run(&G.g, "root", argv, false, isatty(0) && isatty(1));
	}
	if (!strcmp(G.cmd, "suexec")) {
		if (!argv[0] || !argv[1])
			usage_die("suexec needs USER and a command");
		return guest_run(&G.g, argv[0], argv + 1, false, isatty(0) && isatty(1));
	}
	if (!strcmp(G.cmd, "service"))
		return service(argv);
	if (!strcmp(G.cmd, "hwdisable"))
		return guest_run(&G.g, "root", (char *[]){ "/bin/sh", "-c", (char *)hwoff_script, "sh", (char *)G.name, NULL },
				  false, false);
	if (!strcmp(G.cmd, "limits"))
		return guest_limits_cmd(&G.g, argv, G.json, G.quiet);
	usage_die("unknown command '%s'", G.cmd);
}
