/* ginit.c - a guest's init beyond its root's mounts: which init it is, and
 * for systemd what it expects of a container (systemd's "container
 * interface", as systemd-nspawn provides it):
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
 *  - stop: SIGRTMIN+3 (systemd's halt) unless STOPSIG says otherwise.
 */
#include "vsbox.h"
#include <poll.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>

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
	/* our cgroup namespace is rooted at ".../XID/guest" now */
	if (mount("cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
		die_errno("can't mount cgroup2 on /sys/fs/cgroup");
}

/* kill what runs of the context: its start failed */
static void kill_ctx(const struct ctx *c)
{
	cg_kill_all((char (*)[CG_PATH])c->cg, c->ncg);
	waitpid(c->pid, NULL, 0);
}

const char *ginit_wait(struct guest *g, const struct ctx *c, uint64_t deadline)
{
	static char why[160];
	int pidfd = sys_pidfd_open(c->pid), st;

	if (!g->sd)
		return NULL;
	for (;;) {
		struct pollfd p[2] = { { g->notify, POLLIN, 0 }, { pidfd, POLLIN, 0 } };
		uint64_t now = mono_ns();
		int k = now >= deadline ? 0 : poll(p, 2, (int)((deadline - now) / 1000000 + 1));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			snprintf(why, sizeof(why), "%s did not report READY=1 within START_TIMEOUT (%d s)",
				 g->argv[0], g->c.start_timeout);
			kill_ctx(c);
			break;
		}
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
				return NULL;
			}
			trace("%s says %s", g->argv[0], t);
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	return why;
}
