/* ginit.c - a guest's init beyond its root's mounts: the environment its
 * PID 1 shows (ginit_show_environ), which init it is, and for systemd
 * what it expects of a container (systemd's "container interface", as
 * systemd-nspawn provides it):
 *
 *  - it is PID 1 itself (fakeinit), with container=vsbox in its
 *    environment (lib/guest.c);
 *  - /run and /run/lock are fresh tmpfs (lib/groot.c, with the root's
 *    other mounts), /proc/sys and /sys read-only, /dev the safe nodes;
 *  - a cgroup2 tree of its own at /sys/fs/cgroup. The context's v2 cgroup
 *    gets a child, "guest", and the host moves PID 1 into it before
 *    anything of the guest runs (ginit_programs); PID 1's cgroup namespace
 *    is made there and cgroup2 is mounted after it (ginit_after_go). So
 *    what systemd sees as the root of the tree is that child: it makes
 *    its units' cgroups under it and moves its processes between them,
 *    and never reaches the context's limits, BPF programs and cgroup.kill,
 *    which are on the parent, outside its view. For a USERNS guest the
 *    child, its cgroup.procs, cgroup.threads and cgroup.subtree_control
 *    belong to the guest's root (cgroup v2 delegation). On a hybrid host
 *    the v2 tree has no controllers: systemd then tracks and kills by
 *    cgroup, and the limits stay with the v1 controllers, whose
 *    hierarchies the guest does not see;
 *  - readiness: NOTIFY_SOCKET=/run/host/notify names a datagram socket
 *    vsbox made before the clone and bound there (in the guest's fresh
 *    /run); vserver start waits for READY=1 from the guest's PID 1 (the
 *    sender's credentials, which the kernel fills in, say who sent it) for
 *    at most START_TIMEOUT, then closes its end;
 *  - /dev/console a pty of the guest's own devpts instance, as nspawn
 *    gives (systemd writes its boot status there, and starts a getty on it
 *    in a container). Its master is held by a small process of the guest,
 *    "vsbox-console" (forked from PID 1 before systemd runs, with no
 *    privilege left), which copies what the console shows to vserver start
 *    until systemd is up (as an rc's output is shown), and then reads and
 *    drops it: nothing of vsbox stays on the host;
 *  - stop: SIGRTMIN+3 (systemd's halt) unless STOPSIG says otherwise.
 */
#include "vsbox.h"
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#define MOVE_MOUNT_F_EMPTY_PATH 0x04
#endif

/* What /proc/1/environ shows is the block the process was exec'd with: for
 * vsbox's init, which is cloned, not exec'd, the admin's environment on
 * the host. Point the kernel at the guest's environment instead: a copy in
 * an anonymous mapping (/proc reads only those), which init keeps for
 * good, set with PR_SET_MM_MAP (the other fields as /proc/self/stat has
 * them; CONFIG_CHECKPOINT_RESTORE, no CAP_SYS_RESOURCE needed), else
 * PR_SET_MM_ENV_START/END (CAP_SYS_RESOURCE). A kernel that refuses both
 * leaves the old block. */
/* the numeric fields 4 to 51 of /proc/self/stat (after "(comm) "), into
 * v[4..51]; false when it can't be read */
static bool self_stat(unsigned long long v[52])
{
	char st[1024], *p, *end;

	if (read_file("/proc/self/stat", st, sizeof(st)) <= 0 || !(p = strrchr(st, ')')) || strlen(p) <= 4)
		return false;
	p += 4;         /* ") S ": field 4 on */
	for (int i = 4; i < 52 && *p; i++) {
		v[i] = strtoull(p, &end, 10);
		p = end + (*end == ' ');
	}
	return true;
}

void ginit_show_environ(void)
{
	struct prctl_mm_map m = { .exe_fd = (uint32_t)-1 };
	unsigned long long v[52] = { 0 };
	size_t n = 0;
	char *block = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (block == MAP_FAILED)
		return;
	for (char **e = environ; *e; e++) {
		size_t l = strlen(*e) + 1;
		if (n + l > 4096)
			return;
		memcpy(block + n, *e, l);
		n += l;
	}
	/* fields 26-28 and 45-49 of /proc/self/stat */
	if (self_stat(v)) {
		m.start_code = v[26], m.end_code = v[27], m.start_stack = v[28];
		m.start_data = v[45], m.end_data = v[46], m.start_brk = v[47];
		m.arg_start = v[48], m.arg_end = v[49];
		m.brk = (uint64_t)syscall(SYS_brk, 0);
		m.env_start = (uintptr_t)block, m.env_end = (uintptr_t)(block + n);
		if (!prctl(PR_SET_MM, PR_SET_MM_MAP, (unsigned long)&m, sizeof(m), 0))
			return;
	}
	if (!prctl(PR_SET_MM, PR_SET_MM_ENV_START, (unsigned long)block, 0, 0))
		prctl(PR_SET_MM, PR_SET_MM_ENV_END, (unsigned long)(block + n), 0, 0);
}

/* Is path inside the guest root systemd's binary? (/sbin/init is a
 * symlink to it on Debian; resolved inside the root, lib/path.c) */
static bool is_systemd(int rootfd, const char *path)
{
	static const char *const bins[] = { "/lib/systemd/systemd", "/usr/lib/systemd/systemd" };
	struct stat a, b;
	int fd = path_open(rootfd, path, O_PATH, 0);
	bool yes = false;

	if (fd < 0)
		return false;
	if (!fstat(fd, &a) && S_ISREG(a.st_mode))
		for (size_t i = 0; i < sizeof(bins) / sizeof(bins[0]) && !yes; i++) {
			int s = path_open(rootfd, bins[i], O_PATH, 0);
			yes = s >= 0 && !fstat(s, &b) && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
			if (s >= 0)
				close(s);
		}
	close(fd);
	return yes;
}

const char *ginit_default(int rootfd)
{
	return is_systemd(rootfd, "/sbin/init") ? "/sbin/init" : NULL;
}

void ginit_detect(struct guest *g, int rootfd)
{
	g->sd = is_systemd(rootfd, g->argv[0]);
	if (g->sd && !g->c.have_stopsig)
		g->c.stopsig = RTSIG(3);        /* halt: in a container, systemd then exits */
}

void ginit_prepare(struct guest *g, struct ctx_spec *s)
{
	int on = 1;

	if (!g->sd)
		return;
	if (!cg_v2())
		die("%s: systemd as its init needs a cgroup2 hierarchy on the host", g->name);
	/* systemd runs as PID 1 or not at all */
	s->flags |= CF_FAKEINIT;
	s->after_go = ginit_after_go;
	/* made here, bound in the guest's /run by its mounts (the bound name
	 * is the guest's; this descriptor is ours) */
	g->notify = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (g->notify < 0 || setsockopt(g->notify, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)))
		die_errno("%s: can't make the notify socket", g->name);
	/* what the console shows, to us while we wait */
	if (pipe2(g->con, O_CLOEXEC) || fcntl(g->con[0], F_SETFL, O_NONBLOCK) ||
	    fcntl(g->con[1], F_SETFL, O_NONBLOCK))
		die_errno("%s: can't make the console's pipe", g->name);
}

/* what ps shows of us (/proc/PID/cmdline: our argument area, rewritten
 * in place; fields 48 and 49 of /proc/self/stat say where it is) */
static void set_cmdline(const char *name)
{
	unsigned long long v[52] = { 0 };

	if (self_stat(v) && v[49] > v[48] + strlen(name)) {
		memset((char *)(uintptr_t)v[48], 0, (size_t)(v[49] - v[48]));
		memcpy((char *)(uintptr_t)v[48], name, strlen(name));
	}
}

/* The console's keeper, forked by PID 1 in the guest's namespaces (and,
 * for USERNS, root in its user namespace first, so the pty belongs to the
 * guest's root): a pty of the guest's devpts bound on /dev/console (after
 * the pivot: the guest's fresh /dev, nothing of its files is looked up),
 * "ready" said, every privilege dropped; then it copies the master to
 * out while start reads it, and drops what comes after. _exit only: an
 * exit() would report a failed setup to start. */
static _Noreturn void keeper(const struct guest *g, int ready, int out)
{
	int m, sl, t, unlock = 0;
	char buf[4096];

	if (g->c.userns)
		userns_become(0, 0, true);
	if ((m = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0 ||
	    ioctl(m, TIOCSPTLCK, &unlock) || (sl = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) {
		warn_errno("can't make the console's pty");
		_exit(1);
	}
	t = (int)syscall(SYS_open_tree, sl, "", OPEN_TREE_CLONE | O_CLOEXEC | AT_EMPTY_PATH);
	if (t < 0 || syscall(SYS_move_mount, t, "", AT_FDCWD, "/dev/console", MOVE_MOUNT_F_EMPTY_PATH)) {
		warn_errno("can't bind the console's pty on /dev/console");
		_exit(1);
	}
	close(t);
	/* the master, out and a slave of our own (the console never has no
	 * slave open, so what a writer left before it closed is still read,
	 * not lost to EIO) from here on, as fds 3, 4 and 5 */
	m = fcntl(m, F_DUPFD_CLOEXEC, 10);
	out = fcntl(out, F_DUPFD_CLOEXEC, 10);
	sl = fcntl(sl, F_DUPFD_CLOEXEC, 10);
	if (write(ready, "c", 1) != 1 || m < 0 || out < 0 || sl < 0 || dup2(m, 3) < 0 || dup2(out, 4) < 0 ||
	    dup2(sl, 5) < 0)
		_exit(1);
	close_range_from(6);
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_NAME, "vsbox-console", 0, 0, 0);
	set_cmdline("vsbox-console");
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	caps_reduce(0);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	trace_end();
	for (ssize_t n;;) {
		if ((n = read(3, buf, sizeof(buf))) > 0) {
			if (out >= 0 && write(4, buf, (size_t)n) < 0 && errno != EAGAIN) {
				close(4);       /* start is done reading: drop from now on */
				out = -1;
			}
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else if (n < 0 && errno == EIO) {
			/* hung up (a getty's vhangup): wait for it to open
			 * the console again */
			usleep(100000);
		} else {
			_exit(0);
		}
	}
}

void ginit_env(const struct guest *g)
{
	if (g->sd)
		setenv("NOTIFY_SOCKET", GINIT_NOTIFY, 1);
}

void ginit_programs(const struct guest *g, const struct ctx *c)
{
	static const char *const deleg[] = { "", "/cgroup.procs", "/cgroup.threads", "/cgroup.subtree_control" };
	char dir[CG_PATH + 16], f[CG_PATH + 48], pid[24];

	if (!g->sd)
		return;
	/* (c->cg[0] is the v2 directory: ginit_prepare checked there is one) */
	xsnprintf(dir, sizeof(dir), "%s/guest", c->cg[0]);
	if (mkdir(dir, 0755) && errno != EEXIST)
		die_errno("can't create cgroup %s", dir);
	for (size_t i = 0; i < sizeof(deleg) / sizeof(deleg[0]) && g->c.userns; i++) {
		snprintf(f, sizeof(f), "%s%s", dir, deleg[i]);
		if (chown(f, g->c.userns_base, g->c.userns_base) && errno != ENOENT)
			die_errno("can't give %s to the guest's root", f);
	}
	/* PID 1 is still vsbox's code, before "go": nothing of it has forked
	 * but a USERNS mount helper, which ends in the old cgroup */
	snprintf(pid, sizeof(pid), "%d", (int)c->pid);
	xcg_write(dir, "cgroup.procs", pid);
	trace("systemd's cgroup %s", dir);
}

void ginit_after_go(const struct ctx *c, void *arg)
{
	const struct guest *g = arg;
	int ready[2];
	char b;
	pid_t pid;

	/* our cgroup namespace is rooted at ".../XID/guest" now */
	if (mount("cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
		die_errno("can't mount cgroup2 on /sys/fs/cgroup");
	/* the console, before systemd looks for it */
	if (pipe2(ready, O_CLOEXEC))
		die_errno("can't make a pipe");
	fflush(NULL);
	if ((pid = fork()) < 0)
		die_errno("can't fork");
	if (!pid) {
		close(ready[0]);
		keeper(g, ready[1], g->con[1]);
	}
	close(ready[1]);
	if (read(ready[0], &b, 1) != 1)
		die("%s: no console (its keeper said why)", g->name);
	close(ready[0]);
	close(g->con[1]);
}

/* kill what runs of the context: its start failed */
static void kill_ctx(const struct ctx *c)
{
	cg_kill_all((char (*)[CG_PATH])c->cg, c->ncg);
	waitpid(c->pid, NULL, 0);
}

const char *ginit_wait(struct guest *g, const struct ctx *c, uint64_t deadline, bool quiet)
{
	static char why[160];
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	int pidfd = sys_pidfd_open(c->pid), st;
	bool out = !quiet;

	if (!g->sd)
		return NULL;
	close(g->con[1]);       /* the keeper's now */
	g->con[1] = -1;
	/* a reader of our output that went away ends the copying, not us */
	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, &old);
	for (;;) {
		struct pollfd p[3] = { { g->notify, POLLIN, 0 }, { pidfd, POLLIN, 0 }, { g->con[0], POLLIN, 0 } };
		uint64_t now = mono_ns();
		int k = now >= deadline ? 0 : poll(p, 3, (int)((deadline - now) / 1000000 + 1));
		if (k > 0 && p[2].revents && !relay_copy(g->con[0], 1, &out)) {
			close(g->con[0]);       /* the keeper is gone */
			g->con[0] = -1;
		}
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			snprintf(why, sizeof(why), "%s did not report READY=1 within START_TIMEOUT (%d s)",
				 g->argv[0], g->c.start_timeout);
			kill_ctx(c);
			break;
		}
		if (p[0].revents == 0 && p[1].revents == 0)
			continue;       /* the console spoke */
		if (p[1].revents) {
			/* our child: its status says how it ended */
			if (waitpid(c->pid, &st, 0) < 0)
				st = 0;
			snprintf(why, sizeof(why), "%s ended before it was up (exit %d)",
				 g->argv[0], exit_code(st));
			kill_ctx(c);
			break;
		}
		char buf[4096], cb[CMSG_SPACE(sizeof(struct ucred))];
		struct iovec iov = { buf, sizeof(buf) - 1 };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cb,
				    .msg_controllen = sizeof(cb) };
		ssize_t n = recvmsg(g->notify, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		struct cmsghdr *h = n > 0 ? CMSG_FIRSTHDR(&m) : NULL;
		struct ucred u = { 0 };
		if (!h || h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_CREDENTIALS)
			continue;
		memcpy(&u, CMSG_DATA(h), sizeof(u));
		for (h = CMSG_NXTHDR(&m, h); h; h = CMSG_NXTHDR(&m, h))
			if (h->cmsg_type == SCM_RIGHTS)     /* fds it stores: not ours */
				for (int *fd = (int *)CMSG_DATA(h);
				     (char *)fd < (char *)h + h->cmsg_len; fd++)
					close(*fd);
		if (u.pid != c->pid)
			continue;       /* only PID 1 says when the guest is up */
		buf[n] = 0;
		for (char *save, *t = strtok_r(buf, "\n", &save); t; t = strtok_r(NULL, "\n", &save)) {
			if (!strcmp(t, "READY=1")) {
				trace("READY=1");
				close(pidfd);
				close(g->notify);
				g->notify = -1;
				/* the console: what the keeper still passes on (until
				 * it is quiet for 50 ms, 500 ms at most), then its */
				for (int i = 0; g->con[0] >= 0 && i < 10 &&
				     poll(&(struct pollfd){ g->con[0], POLLIN, 0 }, 1, 50) > 0; i++)
					if (!relay_copy(g->con[0], 1, &out))
						break;
				if (g->con[0] >= 0)
					close(g->con[0]);
				g->con[0] = -1;
				sigaction(SIGPIPE, &old, NULL);
				return NULL;
			}
			trace("%s says %s", g->argv[0], t);
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	sigaction(SIGPIPE, &old, NULL);
	return why;
}
