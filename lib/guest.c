/* guest.c - a guest as a whole: its configuration, start, stop, status
 * (its run files: lib/gstate.c; its root's mounts: lib/groot.c).
 *
 * start, host side (each step pushed on the undo stack, so a failure at
 * any point unwinds all earlier ones):
 *   lock guests/NAME.lock -> repair what a crashed start/stop left ->
 *   the disk limits (lib/quota.c) -> NAME.sh pre-start -> ctx_spawn(): cgroups and their limits (memory,
 *   pids, cpu) -> new namespaces; while the guest mounts its root
 *   (guest_mount_root()), the BPF programs (devices, the IP lock) and the
 *   IPROOT aliases (netlink; each written to guests/NAME as it is added,
 *   then all into the context's record) -> rlimits, nice, hostname ->
 *   capabilities -> exec INIT as PID 1 (fakeinit; systemd, lib/ginit.c)
 *   or the guest's rc under vsbox's init -> wait until it is up (the rc
 *   ended, systemd said READY=1), START_TIMEOUT at most, else kill it all
 *   -> guests/NAME goes -> NAME.sh post-start -> the lock file goes.
 * stop: pre-stop -> the guest's own shutdown (rc 0, or STOPSIG to its PID 1)
 * -> STOP_TIMEOUT -> SIGTERM, then kill what is left (cgroup.kill, or
 * freeze+kill+thaw with the v1 freezer) ->
 * cgroups, record, aliases, state -> post-stop.
 *
 * Running means: a live context record named NAME (lib/ctx.c). Nothing of
 * vsbox stays on the host while a guest runs.
 */
#include "vsbox.h"
#include <arpa/inet.h>
#include <poll.h>
#include <sys/resource.h>

static const char *envdir(const char *var, const char *def, char *buf, size_t n)
{
	if (!buf[0]) {
		const char *v = getenv(var);
		xsnprintf(buf, n, "%s", v && *v ? v : def);
	}
	return buf;
}

const char *confdir(void)
{
	static char b[PATH_MAX] BIG;
	return envdir("VSBOX_CONFDIR", "/etc/vservers", b, sizeof(b));
}

const char *rootdir(void)
{
	static char b[PATH_MAX] BIG;
	return envdir("VSBOX_ROOTDIR", "/vservers", b, sizeof(b));
}

/* ---- loading: everything validated before anything is done ------------ */
static void pick_boot(struct guest *g)
{
	/* INIT if set; else the guest's rc: Debian's sysv-rc, Red Hat's, BSD's */
	static const char *const rcs[] = { "/etc/init.d/rc", "/etc/rc.d/rc", "/etc/rc" };
	const char *cmd = g->c.init;
	int rootfd = open(g->root, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW), n = 0;
	const char *why = NULL;

	if (rootfd < 0)
		die_errno("can't open the root of %s: %s", g->name, g->root);
	if (!*cmd && (g->c.flags & CF_FAKEINIT))
		cmd = "/sbin/init";
	for (size_t i = 0; !*cmd && i < sizeof(rcs) / sizeof(rcs[0]); i++) {
		int fd = path_open(rootfd, rcs[i], O_PATH, 0);
		if (fd >= 0) {
			close(fd);
			cmd = rcs[i];
			g->rc = i < 2;
		}
	}
	if (!*cmd && ginit_default(rootfd))
		cmd = ginit_default(rootfd);    /* no rc, and systemd as /sbin/init */
	if (!*cmd)
		die("%s: no INIT set and no rc found (/etc/init.d/rc, /etc/rc.d/rc, /etc/rc)", g->name);
	/* INIT's words (checked by conf_parse), or the rc */
	n = conf_words(cmd, g->argbuf, sizeof(g->argbuf), g->argv, VC_MAXARGS, &why);
	if (n <= 0)
		die("%s: INIT: %s", g->name, n ? why : "empty");
	int fd = path_open(rootfd, g->argv[0], O_PATH, 0);
	if (fd < 0)
		die_errno("%s: can't find %s in %s", g->name, g->argv[0], g->root);
	close(fd);
	ginit_detect(g, rootfd);
	close(rootfd);
	if (g->rc)
		g->argv[n++] = "3";
	g->argv[n] = NULL;
}

void guest_load(const char *name, struct guest *g)
{
	static char text[65536] BIG;
	char err[512];

	memset(g, 0, sizeof(*g));
	g->lockfd = -1;
	g->idtree = -1;
	g->notify = g->con[0] = g->con[1] = -1;
	if (!guest_name_ok(name))
		usage_die("'%s' is not a guest name ([A-Za-z0-9._-], 1 to 63 characters)", name);
	snprintf(g->name, sizeof(g->name), "%s", name);
	xsnprintf(g->conf, sizeof(g->conf), "%s/%s.conf", confdir(), name);
	xsnprintf(g->hook, sizeof(g->hook), "%s/%s.sh", confdir(), name);
	xsnprintf(g->fstab, sizeof(g->fstab), "%s/%s.fstab", confdir(), name);
	xsnprintf(g->root, sizeof(g->root), "%s/%s", rootdir(), name);
	if (access(g->conf, F_OK))
		die("no guest %s (%s does not exist)", name, g->conf);
	conf_load(g->conf, &g->c);
	if (read_file(g->fstab, text, sizeof(text)) >= 0) {
		g->nmount = conf_fstab(g->fstab, text, &g->mounts, err, sizeof(err));
		if (g->nmount < 0) {
			fprintf(stderr, "%s\n", err);
			exit(1);
		}
	} else if (errno != ENOENT) {
		die_errno("can't read %s", g->fstab);
	}
}

uint64_t guest_bset(const struct vconf *c)
{
	/* and CAP_SYS_BOOT, for reboot(2) in the guest's own PID namespace
	 * (lib/rebootd.c), while the kexec rule refuses its other use */
	uint64_t boot = c->sc_allow & (1u << seccomp_rule("kexec")) ? 0 : 1ULL << 22;
	/* NET=private: CAP_NET_ADMIN and CAP_NET_RAW act on the guest's own
	 * network namespace, the only one it can reach */
	uint64_t net = c->net != NET_SHARED ? 1ULL << 12 | 1ULL << 13 : 0;
	/* in a user namespace of its own CAP_SYS_ADMIN reaches only what the
	 * namespace owns (its mounts, its namespaces): root may mount */
	uint64_t admin = c->userns ? 1ULL << 21 : 0;

	/* the set real services need (--secure's: Docker's default without
	 * MKNOD), not chcontext's wider default: IPC_LOCK, IPC_OWNER, LEASE,
	 * NET_BROADCAST and SYS_TTY_CONFIG only through S_CAPS */
	return ((caps_secure() | boot | net | admin | c->caps_add) & ~c->caps_drop) & caps_bounding();
}

unsigned guest_sc_allow(const struct vconf *c)
{
	/* a USERNS guest's mounts and namespaces are its own */
	return c->sc_allow | (c->userns ? 1u << seccomp_rule("mount") | 1u << seccomp_rule("userns") : 0);
}

void guest_rlimits(const struct vconf *c, pid_t pid)
{
	for (int i = 0; i < c->nrl; i++) {
		const struct vc_rlimit *r = &c->rl[i];
		struct rlimit rl;
		if (prlimit(pid, r->res, NULL, &rl))
			die_errno("can't read the limits of process %d", (int)pid);
		if (r->set_hard)
			rl.rlim_max = r->hard;
		if (r->set_soft)
			rl.rlim_cur = r->soft;
		if (rl.rlim_cur > rl.rlim_max)
			rl.rlim_cur = rl.rlim_max;
		if (prlimit(pid, r->res, &rl, NULL))
			die_errno("can't apply ULIMIT (resource %d)", r->res);
	}
	if (c->have_nice) {
		/* the nice level, and a ceiling so nobody inside goes below it
		 * (raising priority needs CAP_SYS_NICE, not in the default set) */
		struct rlimit rl = { (rlim_t)(20 - c->nice), (rlim_t)(20 - c->nice) };
		if (setpriority(PRIO_PROCESS, (id_t)pid, c->nice) || prlimit(pid, RLIMIT_NICE, &rl, NULL))
			die_errno("can't apply S_NICE %d", c->nice);
	}
}

/* ---- runtime state: lib/gstate.c ----------------------------------------- */
static void undo_addrs(void *name)
{
	guest_drop_addrs(name);
}

/* NAME.sh PHASE NAME, when the hook exists */
static int run_hook(const struct guest *g, const char *phase)
{
	pid_t pid;
	int st;

	if (access(g->hook, F_OK))
		return 0;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		die_errno("can't fork");
	if (!pid) {
		execl(g->hook, g->hook, phase, g->name, (char *)NULL);
		warn_errno("can't execute %s", g->hook);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return exit_code(st);
}

static struct netaddrs netlock;        /* IPROOT, for the IP lock */
static struct netaddr lb6pfx;          /* the private IPv6 loopback's prefix */
static struct rb_start rbs;            /* reboot(2) to rebootmgr (lib/reboot.c) */

/* ---- inside the new context --------------------------------------------- */
static void guest_setup(const struct ctx *c, void *arg)
{
	struct guest *g = arg;
	int fd;

	close(g->lockfd);       /* vsbox's init would hold it for good */
	nl_forget();            /* (a restart's stop removed aliases) */
	/* the reboot(2) filter of everything the guest runs from here on; the
	 * host's ends of rebootmgr's sockets stay on the host */
	reboot_start_child(&rbs);
	guest_mount_root(g);
	trace("root mounted");
	/* (a USERNS guest can't raise a limit in its namespace: the caller
	 * sets them, guest_programs) */
	if (!g->c.userns)
		guest_rlimits(&g->c, 0);
	/* a clean environment, as the guest's own init would give (TERM:
	 * the console's, or none that has colours when the rc's output goes
	 * to no terminal of the admin's: lib/relay.c) */
	bool tty = isatty(1);
	clearenv();
	setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1);
	setenv("HOME", "/", 1);
	setenv("TERM", tty ? "linux" : "dumb", 1);
	/* the container convention (systemd-detect-virt, ConditionVirtualization=,
	 * init scripts): PID 1 and all it starts know they run in one */
	setenv("container", "vsbox", 1);
	ginit_env(g);
	guest_init_env(&g->c);          /* ENV: the image's, the admin's */
	guest_init_user(g->name, &g->c, &g->init);
	ginit_show_environ();
	/* no host terminal or pipe reaches the guest: a session of its own
	 * and stdio on its /dev/null (from here on errors go nowhere, so
	 * this is the last step that may fail loudly). The rc's output comes
	 * to the admin through the relay pipes (ctx_spec.relay) instead. */
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die_errno("can't open /dev/null in the guest");
	setsid();
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	close(fd);
}

/* a limit without its controller: missing on the host, or offered by
 * cgroup2 but not passed down to the context's cgroup (cg_delegate) */
static void no_ctrl(const struct guest *g, const char *key, const char *ctrl, unsigned bit)
{
	const struct cg_hier *v2 = cg_v2();

	if (v2 && (cg_v2_ctrls() & bit))
		die("%s: %s: the %s controller does not reach %s (cgroup.subtree_control "
		    "above it: a cgroup with processes of its own cannot pass it on; VSBOX_CGROUP_BASE)",
		    g->name, key, ctrl, v2->base);
	die("%s: %s: no %s controller on this host", g->name, key, ctrl);
}

static void guest_limits(const struct ctx *c, void *arg)
{
	struct guest *g = arg;
	const struct cg_hier *picks[CG_MAX];
	int n = cg_pick(g->cgwant, picks, CG_MAX);
	long long nproc = g->c.nproc;
	char v[64];
	bool done_mem = !g->c.memory, done_pids = false, done_cpu = false, done_dev = false;
	bool done_cpuset = !g->c.cpuset[0];

	if (nproc < 0 && (g->c.flags & CF_NPROC)) {
		struct rlimit rl;
		getrlimit(RLIMIT_NPROC, &rl);
		nproc = rl.rlim_cur == RLIM_INFINITY ? -1 : (long long)rl.rlim_cur;
	}
	done_pids = nproc < 0;
	done_cpu = !g->c.cpu_weight && !g->c.cpu_max;
	for (int i = 0; i < n && i < c->ncg; i++) {
		const char *d = c->cg[i];
		bool v2 = picks[i]->ctrl & CG_V2;
		char f[CG_PATH + 32];
#define HAS(file) (snprintf(f, sizeof(f), "%s/" file, d), !access(f, F_OK))
		if (!done_mem && (v2 ? HAS("memory.max") :
				  (picks[i]->ctrl & CG_MEMORY))) {
			snprintf(v, sizeof(v), "%llu", g->c.memory);
			xcg_write(d, v2 ? "memory.max" : "memory.limit_in_bytes", v);
			/* and no escape into swap */
			cg_write(d, v2 ? "memory.swap.max" : "memory.memsw.limit_in_bytes", v2 ? "0" : v);
			done_mem = true;
		}
		if (!done_pids && (v2 ? HAS("pids.max") :
				   (picks[i]->ctrl & CG_PIDS))) {
			snprintf(v, sizeof(v), "%lld", nproc);
			xcg_write(d, "pids.max", v);
			done_pids = true;
		}
		if (!done_cpu && (v2 ? HAS("cpu.weight") :
				  (picks[i]->ctrl & CG_CPU))) {
			unsigned w = g->c.cpu_weight ? g->c.cpu_weight : 100;
			snprintf(v, sizeof(v), "%u", v2 ? w : (w * 1024 / 100 < 2 ? 2 : w * 1024 / 100));
			xcg_write(d, v2 ? "cpu.weight" : "cpu.shares", v);
			if (g->c.cpu_max) {
				if (v2) {
					snprintf(v, sizeof(v), "%u 100000", g->c.cpu_max * 1000);
					xcg_write(d, "cpu.max", v);
				} else {
					snprintf(v, sizeof(v), "%u", g->c.cpu_max * 1000);
					xcg_write(d, "cpu.cfs_period_us", "100000");
					xcg_write(d, "cpu.cfs_quota_us", v);
				}
			}
			done_cpu = true;
		}
		/* v2: cpuset is enabled for the few guests that ask for it */
		if (!done_cpuset && v2 && !HAS("cpuset.cpus") && (cg_v2_ctrls() & CG_CPUSET))
			cg_delegate_one(picks[i], picks[i]->base, "cpuset");
		if (!done_cpuset && (v2 ? HAS("cpuset.cpus") : (picks[i]->ctrl & CG_CPUSET))) {
			gview_cpuset(g, picks[i], d);
			done_cpuset = true;
		}
		if (!v2 && (picks[i]->ctrl & CG_DEVICES) && !done_dev) {
			devcg_v1(d);
			done_dev = true;
		}
#undef HAS
	}
	trace("cgroup limits written");
	if (!done_dev && !(n > 0 && (picks[0]->ctrl & CG_V2)))
		die("%s: no devices controller nor cgroup2 for the device allowlist", g->name);
	if (!done_mem)
		no_ctrl(g, "S_MEMORY", "memory", CG_MEMORY);
	if (!done_pids)
		no_ctrl(g, "ULIMIT -u / nproc", "pids", CG_PIDS);
	if ((g->c.cpu_weight || g->c.cpu_max) && !done_cpu)
		no_ctrl(g, "S_CPU", "cpu", CG_CPU);
	if (!done_cpuset)
		no_ctrl(g, "S_CPUSET", "cpuset", CG_CPUSET);
}

/* after the clone, while the guest makes its mounts: the BPF programs on
 * the v2 directory, the device allowlist and the IP lock (lib/bpfnet.c:
 * bind() to the wildcard becomes IPROOT's first address, others are
 * refused); then IPROOT's aliases, each recorded as it is added */
static void guest_programs(struct ctx *c, void *arg)
{
	struct guest *g = arg;

	ginit_programs(g, c);
	/* (without cgroup2, prepare_lock refused an IPROOT) */
	if (cg_v2()) {
		int fd = xopenat(AT_FDCWD, c->cg[0], O_RDONLY | O_DIRECTORY, 0);
		if (bpfnet_devices(fd))
			die_errno("%s: can't attach the device allowlist (BPF) to %s", g->name, c->cg[0]);
		trace("device allowlist attached");
		if (g->c.nip && g->c.net == NET_SHARED) {
			/* the private IPv6 loopback, last: no wildcard's */
			if (lb6pfx.family) {
				lback6_addr(&lb6pfx, c->xid, &netlock.lb6);
				netlock.own6 = true;
				if (netlock.n == NA_MAX)
					die("%s: IPROOT: no room for the private IPv6 loopback", g->name);
				netlock.a[netlock.n++] = netlock.lb6;
			}
			/* guest root in a user namespace has no
			 * CAP_NET_BIND_SERVICE on the host's network: the lock
			 * lets its binds to ports below 1024 through */
			const char *why = bpfnet_try_lock(fd, &netlock, g->c.userns ? BN_LOWPORTS : 0);
			if (why)
				die("%s: IPROOT can't be enforced here: %s", g->name, why);
			trace("IP lock attached");
		} else {
			kview_set(fd, NULL);    /* its mounts' roots, at least */
		}
		close(fd);
	}
	if (g->c.net != NET_SHARED) {
		/* its own stack: IPROOT goes on its eth0 (lib/netns.c) */
		netns_setup(g, c->pid);
		return;
	}
	undo_push(undo_addrs, g->name, strlen(g->name) + 1);
	guest_add_addrs(g, c, netlock.own6 ? &netlock.lb6 : NULL);
	trace("addresses added%s", netlock.own6 ? " (and the private IPv6 loopback)" : "");
	/* before "go": what init starts inherits them */
	if (g->c.userns)
		guest_rlimits(&g->c, c->pid);
}

/* IPROOT as the lock's address list; checked before anything is done */
static void prepare_lock(struct guest *g)
{
	memset(&netlock, 0, sizeof(netlock));
	memset(&lb6pfx, 0, sizeof(lb6pfx));
	if (g->c.net != NET_SHARED) {
		netns_check(g);     /* a stack of its own has only IPROOT */
		return;
	}
	if (!g->c.nip)
		return;         /* IPROOT empty or 0.0.0.0: not tied */
	lback6_prefix(&lb6pfx);
	/* whether this kernel can load the lock shows when it does (and a
	 * failure then undoes the start): a probe here would cost a load */
	if (!cg_v2())
		die("%s: IPROOT can't be enforced here: the IP lock needs a cgroup2 hierarchy", g->name);
	for (int i = 0; i < g->c.nip; i++) {
		char ip[64];
		inet_ntop(g->c.ip[i].family, g->c.ip[i].a, ip, sizeof(ip));
		netaddrs_add(&netlock, ip, "IPROOT");
	}
	netaddrs_finish(&netlock);
}

/* /run/systemd/container saying "vsbox", where the guest has a /run: made
 * from the host through the guest's root (lib/path.c: its symlinks lead
 * nowhere outside), written to a new file renamed over the old one, so no
 * link the guest planted is written through. (A guest whose boot mounts a
 * tmpfs on /run hides it; systemd writes its own from PID 1's
 * container=vsbox.) */
static void mark_container(struct guest *g)
{
	static const char tmp[] = ".container.vsbox";
	int root = open(g->root, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW), run, sd, fd;

	if (root < 0)
		return;
	if ((run = path_open(root, "/run", O_PATH | O_DIRECTORY, 0)) >= 0) {
		mkdirat(run, "systemd", 0755);
		close(run);
	}
	if ((sd = path_open(root, "/run/systemd", O_PATH | O_DIRECTORY, 0)) >= 0) {
		unlinkat(sd, tmp, 0);
		fd = openat(sd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd >= 0) {
			bool ok = write(fd, "vsbox\n", 6) == 6;
			if (close(fd) || !ok || renameat(sd, tmp, sd, "container"))
				unlinkat(sd, tmp, 0);
		}
		close(sd);
	}
	close(root);
}

/* ---- start ---------------------------------------------------------------- */
static void undo_unlock(void *p)
{
	guest_unlock_drop(*(struct guest **)p);
}

static void repair(struct guest *g, const struct ctx *c, bool ended)
{
	/* what an ended guest left, or a crash or kill -9: its context c, if
	 * given and still recorded; a dead context of its name (if its init
	 * removed the record, the name link still lists the aliases); the
	 * aliases in guests/NAME of a start that ended before its record */
	int lock = ctx_lock();
	if (c)
		ctx_reap(c);
	ctx_gc_name(g->name);
	ctx_unlock(lock);
	guest_drop_addrs(g->name);
	netns_repair(g->name, ended);
}

int guest_start(struct guest *g, bool quiet)
{
	struct ctx_spec s = { 0 };
	struct ctx c;
	int code;
	bool late = false;
	uint64_t deadline;
	const char *why = NULL;

	if (geteuid() != 0)
		die("starting a guest needs root");
	trace("start %s", g->name);
	/* a unified root is an overlay, mounted on the host until --undo;
	 * after a boot, the first start mounts it (lib/uovl.c), under the
	 * guest's lock (vunify holds it while the layers change), here for
	 * pick_boot to look inside and again below once locked for good. A
	 * vunify that ran while the guest ran left it to be folded now. */
	if (uovl_fold_pending(g->name))
		uovl_start_fold(g->name, quiet);   /* a vunify while it ran */
	bool ovl = uovl_is(g->name);
	/* (a missing root: a btrfs subvolume's move was interrupted?) */
	if ((ovl || (access(g->root, F_OK) && uovl_pending(g->name))) && !uovl_mounted(g->root)) {
		guest_lock(g);
		uovl_resume(g->name);
		uovl_mount(g->name);
		guest_unlock_drop(g);
	}
	pick_boot(g);
	/* what the kernel or host must offer for its settings, before
	 * anything is made */
	if (g->c.unix_scope_asked && g->c.net == NET_SHARED && landlock_abi() < 6)
		die("%s: UNIX_SCOPE=yes needs Landlock ABI 6 (Linux 6.12); this kernel has %s",
		    g->name, landlock_abi() ? "an older ABI" : "no Landlock");
	prepare_lock(g);
	guest_lock(g);
	trace("locked");
	if (ctx_by_name(g->name, &c)) {
		guest_unlock_drop(g);   /* (a running guest has none) */
		fprintf(stderr, "%s: %s is already running (context %ld)\n", applet_name, g->name, c.xid);
		return 1;
	}
	/* what a crash left: our aliases (ctx_spawn reaps a dead context of
	 * this name) */
	guest_drop_addrs(g->name);
	netns_repair(g->name, false);
	/* a failed start leaves no lock file either (stop removes it too) */
	undo_push(undo_unlock, &g, sizeof(g));
	gview_prepare(g);       /* LXCFS=yes: lxcfs must be there */
	uovl_mount(g->name);
	/* the disk limits, which the filesystem keeps (lib/quota.c) */
	quota_apply(g, g->c.disk_limit, g->c.inode_limit, quiet ? QA_QUIET : 0);
	if ((g->c.disk_limit || g->c.inode_limit) && uovl_is(g->name))
		uovl_work_project(g->name);   /* (the labels may be new) */
	trace("disk limits set");
	if ((code = run_hook(g, "pre-start")))
		die("%s: %s pre-start failed (exit %d)", g->name, g->hook, code);
	trace("pre-start done");
	mark_container(g);
	/* the device allowlist: the BPF program where there is cgroup2
	 * (guest_programs), the v1 controller only where there is not */
	g->cgwant = (cg_v2() ? 0 : CG_DEVICES) | (g->c.memory ? CG_MEMORY : 0) |
	       (g->c.nproc >= 0 || (g->c.flags & CF_NPROC) ? CG_PIDS : 0) |
	       (g->c.cpu_weight || g->c.cpu_max || (g->c.flags & CF_SCHED) ? CG_CPU : 0) |
	       (g->c.cpuset[0] ? CG_CPUSET : 0);
	s.xid = g->c.xid;
	s.flags = g->c.flags | CF_GUEST;     /* the default guest seccomp filter */
	/* the host's abstract sockets out of reach (NET=private has its own
	 * abstract namespace); lib/seccomp.c, landlock_enter() */
	if (g->c.unix_scope && g->c.net == NET_SHARED)
		s.flags |= CF_ABSUNIX;
	if (g->c.disk_limit || g->c.inode_limit)
		s.flags |= CF_DQUOTA;       /* ... which keeps it inside them */
	seccomp_loosen(guest_sc_allow(&g->c));
	s.bset = guest_bset(&g->c);
	s.cgwant = g->cgwant;
	s.name = g->name;
	s.hostname = g->c.hostname[0] ? g->c.hostname : NULL;
	s.domainname = g->c.domainname[0] ? g->c.domainname : NULL;
	s.clone_extra = g->c.net != NET_SHARED ? CLONE_NEWNET : 0;
	s.silent = true;
	s.detach = true;
	s.relay = !quiet;       /* the rc's output, as a real boot shows it */
	s.limits = guest_limits;
	s.programs = guest_programs;
	s.setup = guest_setup;
	s.prep = guest_init_prep;
	s.arg = g;
	s.argv = g->argv;
	s.out = &c;
	/* up: the rc or INIT ended (systemd: said READY=1), START_TIMEOUT at most */
	s.timeout_ms = g->c.start_timeout * 1000;
	s.timedout = &late;
	ginit_prepare(g, &s);
	if (g->c.userns) {
		/* its ids: chosen once, kept in NAME.conf */
		userns_range(g);
		trace("id range %u+%u", g->c.userns_base, g->c.userns_size);
		s.userns_base = g->c.userns_base;
		s.userns_size = g->c.userns_size;
		s.idroot = g->root;
		s.idtree = &g->idtree;
		/* USERNS_CHOWN, where no idmap: ids shifted on disk, once */
		s.idplain = ushift_prepare(g, quiet);
	}
	reboot_start_prepare(g, &rbs);
	/* ctx_spawn forgets our undo steps once the guest runs; if it ended
	 * right away, repair() removes the aliases, and the lock file goes */
	deadline = mono_ns() + (uint64_t)g->c.start_timeout * 1000000000;
	code = ctx_spawn(&s);
	trace("context running");
	if (late || (c.pid && (why = ginit_wait(g, &c, deadline, quiet)))) {
		repair(g, late ? NULL : &c, false);
		guest_unlock_drop(g);
		if (late)
			die("%s: not up: %s did not end within START_TIMEOUT (%d s); stopped",
			    g->name, g->argv[0], g->c.start_timeout);
		die("%s: not up: %s; stopped", g->name, why);
	}
	if (!c.pid || !ctx_alive(&c)) {
		repair(g, NULL, false);
		guest_unlock_drop(g);
		if (!c.pid)     /* its setup failed inside, and said why */
			die("%s: the start failed in the new context", g->name);
		die("%s: %s ended at once (exit %d)", g->name, g->argv[0], code);
	}
	/* its record lists the aliases now (reaping it removes them) */
	guest_addrs_recorded(g->name);
	reboot_start_done(&rbs, g->name, &c);
	trace("rebootmgr told");
	if (code && !quiet)
		warn("%s: %s exited with status %d", g->name, g->argv[0], code);
	if ((code = run_hook(g, "post-start")))
		warn("%s: %s post-start failed (exit %d)", g->name, g->hook, code);
	if (!quiet)
		printf("%s: started (context %ld)\n", g->name, c.xid);
	/* a running guest keeps no lock file: the next start or stop makes
	 * one (and one waiting for ours sees it go and takes its own) */
	guest_unlock_drop(g);
	trace("started");
	return 0;
}

/* ---- stop ----------------------------------------------------------------- */
/* milliseconds since t0 (mono_ns()) */
static long ms_since(uint64_t t0)
{
	return (long)((mono_ns() - t0) / 1000000);
}

/* Has the guest ended (its init gone, its cgroup empty)? Waits up to ms:
 * while its init lives, on the init's pidfd (readable once it exits, so no
 * nap delays the stop); then in short naps for processes that joined from
 * outside its PID namespace */
static bool wait_gone(const struct ctx *c, int pidfd, int ms)
{
	uint64_t t0 = mono_ns();
	long left;

	for (unsigned nap = 200;; nap = nap < 20000 ? 2 * nap : nap) {
		bool alive = ctx_alive(c);
		if (!alive && cg_nprocs(c->cg[0]) <= 0)
			return true;
		if ((left = ms - ms_since(t0)) <= 0)
			return false;
		if (alive && pidfd >= 0)
			poll(&(struct pollfd){ pidfd, POLLIN, 0 }, 1, (int)left);
		else
			usleep(nap < left * 1000 ? nap : (unsigned)left * 1000);
	}
}

static void signal_all(const struct ctx *c, int sig)
{
	pid_t *p;
	int n = cg_pids(c->cg[0], &p);

	for (int i = 0; i < n; i++)
		kill(p[i], sig);
	if (n > 0)
		free(p);
}

/* run "rc 0" inside the guest and wait for it, at most ms; unless quiet
 * its output comes through pipes, like start's */
static void run_rc0(const struct guest *g, const struct ctx *c, int ms, bool quiet)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	int out[2] = { -1, -1 }, err[2] = { -1, -1 };
	pid_t pid;

	if (!quiet && relay_pipes(out, err))
		quiet = true;   /* no pipes: no output, the stop goes on */
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		for (int i = 0; !quiet && i < 2; i++) {
			close(out[i]);
			close(err[i]);
		}
		return;         /* the stop goes on: TERM and KILL come next */
	}
	if (!pid) {
		struct ctx in;
		char *argv[] = { g->argv[0], "0", NULL };
		int fd = open("/dev/null", O_RDWR | O_CLOEXEC), conn = guest_spawner(g->name, c->xid, argv[0]);
		if (conn >= 0)  /* in the rc's Landlock domain (lib/gexec.c) */
			_exit(guest_spawn_rc(conn, argv, (int[]){ fd, quiet ? fd : out[1], quiet ? fd : err[1] }));
		/* before entering: a user namespace could not raise them */
		guest_rlimits(&g->c, 0);
		ctx_enter(c->xid, &in);
		pid_t k = fork();
		if (!k) {
			/* like start: no host terminal or pipe reaches the guest */
			setsid();
			dup2(fd, 0);
			dup2(quiet ? fd : out[1], 1);
			dup2(quiet ? fd : err[1], 2);
			clearenv();
			setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1);
			seccomp_loosen(guest_sc_allow(&g->c));
			ctx_restrict(in.flags, in.bset);
			execv(argv[0], argv);
			_exit(127);
		}
		_exit(k < 0 ? 1 : wait_forward(k));
	}
	int rd[2] = { out[0], err[0] };
	if (!quiet) {
		close(out[1]);
		close(err[1]);
		sigemptyset(&ign.sa_mask);
		sigaction(SIGPIPE, &ign, &old);
	}
	bool gone = false, ok[2] = { true, true };
	uint64_t t0 = mono_ns();
	while (!gone && ms_since(t0) < ms) {
		struct pollfd p[2] = { { rd[0], POLLIN, 0 }, { rd[1], POLLIN, 0 } };
		if ((gone = waitpid(pid, NULL, WNOHANG) == pid))
			break;
		if (poll(p, 2, 20) <= 0)
			continue;
		for (int i = 0; i < 2; i++)
			if (p[i].revents && !relay_copy(rd[i], 1 + i, &ok[i])) {
				close(rd[i]);   /* every writer is gone */
				rd[i] = -1;
			}
	}
	if (!gone) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	if (!quiet) {
		/* what rc wrote before it ended; anything it left running loses
		 * its output from here on (it is stopped next anyway) */
		for (int i = 0; i < 2; i++)
			if (rd[i] >= 0) {
				relay_copy(rd[i], 1 + i, &ok[i]);
				close(rd[i]);
			}
		sigaction(SIGPIPE, &old, NULL);
	}
}

int guest_stop(struct guest *g, bool quiet)
{
	struct ctx c;
	int code, pidfd, ms = g->c.stop_timeout * 1000;

	if (geteuid() != 0)
		die("stopping a guest needs root");
	trace("stop %s", g->name);
	pick_boot(g);
	guest_lock(g);
	trace("locked");
	if (!ctx_by_name(g->name, &c)) {
		/* one that ended by itself (its record is left: a reboot(2)
		 * inside, a crash) is cleaned up between its stop hooks too */
		bool ended = ctx_name_left(g->name);
		if (ended && (code = run_hook(g, "pre-stop")))
			warn("%s: %s pre-stop failed (exit %d)", g->name, g->hook, code);
		repair(g, NULL, false);
		guest_unlock_drop(g);
		if (ended && (code = run_hook(g, "post-stop")))
			warn("%s: %s post-stop failed (exit %d)", g->name, g->hook, code);
		if (!quiet)
			printf(ended ? "%s: stopped (it had ended)\n" : "%s: not running\n", g->name);
		return 0;
	}
	/* rebootmgr lets go of it first: nothing it says from here on counts */
	reboot_stop(g->name, c.xid);
	trace("rebootmgr told");
	if ((code = run_hook(g, "pre-stop")))
		warn("%s: %s pre-stop failed (exit %d)", g->name, g->hook, code);
	/* a pidfd pins the guest's init: checked once to be the recorded one,
	 * it is signalled and waited for without a pid reuse race */
	pidfd = sys_pidfd_open(c.pid);
	if (pidfd >= 0 && proc_starttime(c.pid) != c.start) {
		close(pidfd);
		pidfd = -1;
	}
	/* the guest's own shutdown first */
	if (c.flags & CF_FAKEINIT) {
		if (pidfd >= 0)
			sys_pidfd_send_signal(pidfd, g->c.stopsig);
	} else if (g->rc && !(c.flags & CF_PRIVATE)) {
		run_rc0(g, &c, ms, quiet);
	}
	trace("shutdown asked");
	/* then what is left: TERM, a grace period, KILL */
	if (!wait_gone(&c, pidfd, (c.flags & CF_FAKEINIT) ? ms : g->rc ? 200 : 0)) {
		signal_all(&c, SIGTERM);
		if (!wait_gone(&c, pidfd, (c.flags & CF_FAKEINIT) ? 1000 : ms)) {
			cg_kill_all(c.cg, c.ncg);
			wait_gone(&c, pidfd, 2000);
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	trace("processes gone");
	/* cgroups, aliases and the record */
	repair(g, &c, true);
	guest_unlock_drop(g);
	trace("cgroups and addresses removed");
	if ((code = run_hook(g, "post-stop")))
		warn("%s: %s post-stop failed (exit %d)", g->name, g->hook, code);
	if (!quiet)
		printf("%s: stopped\n", g->name);
	trace("stopped");
	return 0;
}
