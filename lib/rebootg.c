/* rebootg.c - one guest in rebootmgr (lib/rebootd.c has the design): the
 * socket at its /dev/reboot and the connections to it, its reboot(2)
 * listener, its init's pidfd, its budget, and acting on what it asks: a
 * vserver restart or stop of rebootmgr's own, REBOOT_LIMIT a minute.
 */
#include "vsbox.h"
#include <linux/seccomp.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <syslog.h>

/* ---- the guests ------------------------------------------------------------ */
int rbg_slot(const struct rguest *g)
{
	return g->slot;
}

struct rguest *rbg_find(const char *name)
{
	for (int i = 0; i < rbd.ng; i++)
		if (rbd.g[i] && !strcmp(rbd.g[i]->name, name))
			return rbd.g[i];
	return NULL;
}

struct rguest *rbg_new(const char *name)
{
	struct rguest *g = calloc(1, sizeof(*g));
	int i;

	if (!g)
		return NULL;
	snprintf(g->name, sizeof(g->name), "%s", name);
	g->pidfd = g->lsock = g->notif = g->devfd = -1;
	for (i = 0; i < rbd.ng && rbd.g[i]; i++)
		;
	if (i == rbd.ng) {
		struct rguest **v = realloc(rbd.g, (size_t)(rbd.ng + 8) * sizeof(*v));
		if (!v) {
			free(g);
			return NULL;
		}
		memset(v + rbd.ng, 0, 8 * sizeof(*v));
		rbd.g = v;
		rbd.ng += 8;
	}
	rbd.g[i] = g;
	g->slot = i;
	return g;
}

/* let go of the guest's instance: its socket (and /dev/reboot, if it is
 * still ours), listener, pidfd, connections; the entry stays */
/* its /dev/reboot (if it is still ours), socket and connections */
static void detach_socket(struct rguest *g)
{
	struct stat st;
	int slot = rbg_slot(g);

	if (g->devfd >= 0 && !fstatat(g->devfd, "reboot", &st, AT_SYMLINK_NOFOLLOW) && S_ISSOCK(st.st_mode))
		unlinkat(g->devfd, "reboot", 0);
	if (g->devfd >= 0)
		close(g->devfd);
	g->devfd = -1;
	rbd_close_fd(&g->lsock);
	g->lw = false;
	for (int i = 0; i < rbd.nc; i++)
		if (rbd.c[i] && rbd.c[i]->slot == slot)
			rbg_close_conn(i);
}

void rbg_detach(struct rguest *g)
{
	detach_socket(g);
	if (g->notif >= 0)
		rbhold_changed();
	rbd_close_fd(&g->notif);
	g->nw = false;
	rbd_close_fd(&g->pidfd);
	g->pending = 0;
	g->resume = 0;
	g->stopping = false;
}

/* vserver stop has it: nothing it asks counts any more. Its socket goes;
 * its listener and its init's pidfd stay until that init is gone, and a
 * reboot(2) meanwhile goes on to the kernel unasked: the last step of the
 * guest's own shutdown (systemd's, on the SIGRTMIN+3 stop sends) must end
 * the guest, not wait for an answer or fail (a listener closed makes it
 * ENOSYS, and systemd then freezes until stop's kill) */
void rbg_stopping(struct rguest *g)
{
	detach_socket(g);
	g->pending = 0;
	g->resume = 0;
	g->stopping = true;
	rbg_update(g);
}

void rbg_drop(struct rguest *g)
{
	int slot = rbg_slot(g);

	rbg_detach(g);
	rbd.g[slot] = NULL;
	free(g);
}

/* a fresh listening socket at the guest's /dev/reboot: bound under a new
 * name in its /dev (umask: mode 0600, owner the guest's root), then
 * renamed over what is there, never through a symlink of the guest. A
 * USERNS guest's root is a host id of its own (uid, gid), and its /dev
 * belongs to its namespace, where host uid 0 is nobody and can't make a
 * file: the socket is made as that id. */
static int place_socket(struct rguest *g, uid_t uid, gid_t gid)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), e;
	mode_t old;

	if (fd < 0)
		return -1;
	userns_fsids(uid, gid);
	snprintf(a.sun_path, sizeof(a.sun_path), ".reboot.%d.%u", (int)getpid(), ++rbd.seq);
	if (fchdir(g->devfd))
		goto fail;
	old = umask(0177);
	e = bind(fd, (struct sockaddr *)&a, sizeof(a));
	umask(old);
	if (e) {
		/* (a name the guest took: nothing of ours to remove) */
		goto fail;
	}
	if (chdir("/") || listen(fd, RB_GCONN))
		goto fail_unlink;
	if (renameat(g->devfd, a.sun_path, g->devfd, "reboot")) {
		/* a directory there: gone if empty, else the guest keeps it */
		if (errno != EISDIR || unlinkat(g->devfd, "reboot", AT_REMOVEDIR) ||
		    renameat(g->devfd, a.sun_path, g->devfd, "reboot"))
			goto fail_unlink;
	}
	userns_fsids(0, 0);
	return fd;
fail_unlink:
	e = errno;
	unlinkat(g->devfd, a.sun_path, 0);
	errno = e;
fail:
	e = errno;
	if (chdir("/"))
		e = errno;
	close(fd);
	userns_fsids(0, 0);
	errno = e;
	return -1;
}

/* take on the guest's running instance c (notif: its listener, or -1);
 * 0, or -1 with *why */
int rbg_attach(struct rguest *g, const struct ctx *c, int notif, const char **why)
{
	char path[64];
	int root, slot = rbg_slot(g);

	rbg_detach(g);
	g->xid = c->xid;
	g->pid = c->pid;
	g->start = c->start;
	/* the pidfd pins the init; /proc/PID/root opened after it is that
	 * init's root if the init still runs afterwards */
	g->pidfd = sys_pidfd_open(c->pid);
	if (g->pidfd < 0 || proc_starttime(c->pid) != c->start) {
		*why = "its init is gone";
		goto fail;
	}
	snprintf(path, sizeof(path), "/proc/%d/root", (int)c->pid);
	root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root >= 0 && sys_pidfd_send_signal(g->pidfd, 0)) {
		close(root);
		root = -1;
	}
	if (root < 0) {
		*why = "can't open its root";
		goto fail;
	}
	g->devfd = path_open(root, "dev", O_PATH | O_DIRECTORY, 0);
	close(root);
	if (g->devfd < 0) {
		*why = "can't open its /dev";
		goto fail;
	}
	uid_t uid;
	gid_t gid;
	userns_root_of(c->pid, &uid, &gid);
	if ((g->lsock = place_socket(g, uid, gid)) < 0) {
		*why = "can't make its /dev/reboot";
		goto fail;
	}
	g->notif = notif;
	rbd_watch(g->pidfd, K_GPID, slot, EPOLLIN);
	if (g->notif >= 0)
		rbhold_changed();
	g->tokens = RB_BURST;
	g->refill = rbd_now();
	rbg_update(g);
	return 0;
fail:
	rbg_detach(g);
	return -1;
}

/* is there budget for one more request? false: the guest is paused
 * until there is (take: spend it) */
static bool budget(struct rguest *g, bool take)
{
	uint64_t now = rbd_now();
	int more = (int)((now - g->refill) / RB_REFILL_MS);

	if (more > 0) {
		g->tokens = g->tokens + more > RB_BURST ? RB_BURST : g->tokens + more;
		g->refill += (uint64_t)more * RB_REFILL_MS;
	}
	if (g->tokens > 0) {
		g->tokens -= take;
		return true;
	}
	if (!g->resume) {
		rbd_glog(g, LOG_WARNING, "too many requests: not listening for a while");
		g->resume = g->refill + RB_REFILL_MS;
		rbg_update(g);
	}
	return false;
}

void rbg_resume(struct rguest *g)
{
	g->resume = 0;
	rbg_update(g);
}

void rbg_update(struct rguest *g)
{
	int slot = rbg_slot(g);
	bool l = g->lsock >= 0 && !g->resume && g->nconn < RB_GCONN && rbd.nconn < RB_CONNS;
	bool n = g->notif >= 0 && !g->resume;

	if (l != g->lw) {
		if (l)
			rbd_watch(g->lsock, K_GSOCK, slot, EPOLLIN);
		else
			rbd_unwatch(g->lsock);
		g->lw = l;
	}
	if (n != g->nw) {
		if (n)
			rbd_watch(g->notif, K_GNOTIF, slot, EPOLLIN);
		else
			rbd_unwatch(g->notif);
		g->nw = n;
	}
}

/* ---- acting: a vserver restart or stop of our own ------------------------ */
/* REBOOT_LIMIT from NAME.conf as it is now (5 if it can't be read) */
static int reboot_limit(struct rguest *g)
{
	char path[PATH_MAX], err[256];
	struct vconf c;
	struct stat st;
	int fd, limit = 5;

	snprintf(path, sizeof(path), "%s/%s.conf", confdir(), g->name);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) || st.st_size > 65536) {
		rbd_glog(g, LOG_WARNING, "can't read %s: REBOOT_LIMIT 5", path);
		if (fd >= 0)
			close(fd);
		return limit;
	}
	/* mapped and unmapped: the daemon keeps no buffer of its size */
	char *text = mmap(NULL, (size_t)st.st_size + 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (text != MAP_FAILED) {
		ssize_t n = read_fd(fd, text, (size_t)st.st_size + 1);
		if (n >= 0 && !conf_parse(path, text, &c, err, sizeof(err)))
			limit = c.reboot_limit;
		else
			rbd_glog(g, LOG_WARNING, "%s: REBOOT_LIMIT 5", n < 0 ? path : err);
		munmap(text, (size_t)st.st_size + 1);
	}
	close(fd);
	return limit;
}

/* What "vserver NAME restart" (or stop) does, in a child of ours: the vsbox
 * binary, forked (no exec: its pages are warm, the restart starts at once),
 * with nothing of the daemon left in it: only descriptors 0 to 2, default
 * signals, a session of its own (a signal for the daemon's group does not
 * cut a restart in half), and the mark that says rebootmgr let go of the
 * guest already (its stop need not tell us) */
static _Noreturn void restart_child(const char *name, int verb)
{
	static struct guest gs BIG;
	sigset_t none;
	int code;

	close_range_from(3);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	setsid();
	applet_name = "vserver";
	setenv("VSBOX_REBOOTMGR_ACTS", name, 1);
	guest_load(name, &gs);  /* NAME.conf read again (dies: exit 1, logged) */
	code = guest_stop(&gs, true);
	if (verb == RB_REBOOT)
		code = guest_start(&gs, true);
	fflush(NULL);
	_exit(code);
}

static void act(struct rguest *g, int verb, const char *how)
{
	uint64_t now = rbd_now();
	int k = 0, limit;
	pid_t pid;

	if (g->child) {
		/* our last restart is still at work (its post-start hook): this
		 * one comes when it is done */
		rbg_detach(g);
		g->next_verb = verb;
		return;
	}
	/* the restarts of the last minute */
	for (int i = 0; i < g->nhist; i++)
		if (now - g->hist[i] < 60000)
			g->hist[k++] = g->hist[i];
	g->nhist = k;
	if (verb == RB_REBOOT && g->nhist >= (limit = reboot_limit(g))) {
		rbd_glog(g, LOG_WARNING, "restarted %d times within a minute (REBOOT_LIMIT=%d): "
		     "stopping it instead", g->nhist, limit);
		verb = RB_HALT;
	}
	if (verb == RB_REBOOT) {
		if (g->nhist == RB_HIST)
			memmove(g->hist, g->hist + 1, (RB_HIST - 1) * sizeof(g->hist[0]));
		g->hist[g->nhist < RB_HIST ? g->nhist++ : RB_HIST - 1] = now;
	}
	rbg_detach(g);
	fflush(NULL);
	if (!(pid = fork()))
		restart_child(g->name, verb);
	if (pid < 0) {
		rbd_glog(g, LOG_ERR, "can't fork: %s", strerror(errno));
		return;
	}
	g->child = pid;
	g->child_verb = verb;
	rbd_glog(g, LOG_NOTICE, "%s (%s)", verb == RB_REBOOT ? "restarting" : "stopping", how);
}

void rbg_child_done(pid_t pid, int st)
{
	for (int i = 0; i < rbd.ng; i++) {
		struct rguest *g = rbd.g[i];
		if (!g || g->child != pid)
			continue;
		g->child = 0;
		if (exit_code(st))
			rbd_glog(g, LOG_ERR, "vserver %s %s failed (exit %d)", g->name,
			     g->child_verb == RB_REBOOT ? "restart" : "stop", exit_code(st));
		else
			rbd_glog(g, LOG_INFO, "%s", g->child_verb == RB_REBOOT ? "restarted" : "stopped");
		if (g->next_verb) {
			int verb = g->next_verb;
			g->next_verb = 0;
			act(g, verb, "asked again meanwhile");
		} else if (g->pidfd < 0) {
			rbg_drop(g);  /* not running again: forget it */
		}
		return;
	}
}

/* ---- connections ------------------------------------------------------- */
void rbg_close_conn(int i)
{
	struct rconn *c = rbd.c[i];

	struct rguest *g = c->slot >= 0 ? rbd.g[c->slot] : NULL;

	rbd_close_fd(&c->fd);
	free(c);
	rbd.c[i] = NULL;
	/* a free place: sockets are listened to again */
	if (rbd.nconn-- == RB_CONNS) {
		for (int k = 0; k < rbd.ng; k++)
			if (rbd.g[k])
				rbg_update(rbd.g[k]);
	}
	if (g) {
		g->nconn--;
		rbg_update(g);
	}
}

int rbg_new_conn(int fd, int slot)
{
	struct rconn *c = calloc(1, sizeof(*c));
	int i;

	if (!c) {
		close(fd);
		return -1;
	}
	for (i = 0; i < rbd.nc && rbd.c[i]; i++)
		;
	if (i == rbd.nc) {
		struct rconn **v = realloc(rbd.c, (size_t)(rbd.nc + 8) * sizeof(*v));
		if (!v) {
			free(c);
			close(fd);
			return -1;
		}
		memset(v + rbd.nc, 0, 8 * sizeof(*v));
		rbd.c = v;
		rbd.nc += 8;
	}
	c->fd = fd;
	c->slot = slot;
	c->deadline = rbd_now() + RB_CONN_MS;
	rbd.c[i] = c;
	rbd_watch(fd, K_CONN, i, EPOLLIN);
	/* no place left: no guest's socket is listened to until one is free */
	if (++rbd.nconn == RB_CONNS)
		for (int k = 0; k < rbd.ng; k++)
			if (rbd.g[k])
				rbg_update(rbd.g[k]);
	return i;
}

/* the answer, then the end of the connection (a reader that does not read
 * loses it: the socket is non-blocking) */
void rbg_answer(int i, const char *line)
{
	(void)!send(rbd.c[i]->fd, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT);
	rbg_close_conn(i);
}

/* a new connection on a guest's socket: within its limits */
void rbg_accept(int slot)
{
	struct rguest *g = rbd.g[slot];

	/* no place free, or its budget spent (then it is paused): what
	 * comes waits in the kernel's backlog */
	while (g->lw && budget(g, false)) {
		int fd = accept4(g->lsock, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;         /* EAGAIN, or it went away */
		g->tokens--;
		int i = rbg_new_conn(fd, slot);
		if (i < 0)
			continue;
		g->nconn++;
		rbg_update(g);
		/* the line is usually there already: no round through epoll */
		rbg_line(i);
	}
}

void rbg_line(int i)
{
	struct rconn *c = rbd.c[i];
	struct rguest *g = rbd.g[c->slot];
	struct rb_req r;
	const char *why;
	ssize_t n = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
	int k;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		rbg_close_conn(i);  /* it hung up before a whole line */
		return;
	}
	c->len += (size_t)n;
	if (!(k = rb_parse(c->buf, c->len, false, &r, &why)))
		return;
	if (k < 0) {
		/* (the buffer is not NUL-terminated: up to the newline or its end) */
		const char *nl = memchr(c->buf, '\n', c->len);
		size_t l = nl ? (size_t)(nl - c->buf) : c->len;
		char shown[41];
		snprintf(shown, sizeof(shown), "%.*s", (int)(l < 40 ? l : 40), c->buf);
		rbd_glog(g, LOG_WARNING, "refused a request on /dev/reboot: %s ('%s')", why, shown);
		char msg[128];
		snprintf(msg, sizeof(msg), "error: %s\n", why);
		rbg_answer(i, msg);
		return;
	}
	trace("request on /dev/reboot of %s", g->name);
	rbg_answer(i, "ok\n");
	act(g, r.verb, r.verb == RB_REBOOT ? "asked on /dev/reboot: reboot" : "asked on /dev/reboot: halt");
}

/* ---- reboot(2) ------------------------------------------------------------ */
/* may the notifying process reboot its PID namespace, and is that one not
 * ours? (checked again by the kernel, which has the last word) */
static const char *caller_refused(pid_t pid)
{
	char path[64], buf[2048], *p;
	struct stat a, b;

	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)pid);
	if (stat(path, &a) || stat("/proc/self/ns/pid", &b))
		return "its process is gone";
	if (a.st_ino == b.st_ino && a.st_dev == b.st_dev)
		return "the caller is in the host's PID namespace";
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (read_file(path, buf, sizeof(buf)) < 0 || !(p = strstr(buf, "\nCapEff:\t")))
		return "its process is gone";
	if (!(strtoull(p + 9, NULL, 16) & (1ULL << CAP_SYS_BOOT_BIT)))
		return "the caller lacks CAP_SYS_BOOT";
	return NULL;
}

void rbg_notified(int slot, unsigned events)
{
	struct rguest *g = rbd.g[slot];
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	unsigned cmd;
	const char *why = NULL;

	if (!(events & EPOLLIN)) {
		/* every process under its filter is gone: it says nothing more */
		rbd_close_fd(&g->notif);
		g->nw = false;
		rbhold_changed();
		return;
	}
	if (!g->stopping && !budget(g, false))
		return;         /* the caller waits until the guest has budget */
	memset(&req, 0, sizeof(req));
	if (ioctl(g->notif, SECCOMP_IOCTL_NOTIF_RECV, &req))
		return;         /* the caller went away (a signal): nothing to answer */
	if (g->stopping) {
		/* (rbg_stopping) the kernel's to act on, ours to ignore */
		memset(&resp, 0, sizeof(resp));
		resp.id = req.id;
		resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		ioctl(g->notif, SECCOMP_IOCTL_NOTIF_SEND, &resp);
		return;
	}
	g->tokens--;
	memset(&resp, 0, sizeof(resp));
	resp.id = req.id;
	cmd = (unsigned)req.data.args[2];
	if (req.data.nr != SYS_reboot) {
		resp.error = -ENOSYS;
	} else if ((unsigned)req.data.args[0] != 0xfee1deadu ||
		   ((unsigned)req.data.args[1] != 672274793u && (unsigned)req.data.args[1] != 85072278u &&
		    (unsigned)req.data.args[1] != 369367448u && (unsigned)req.data.args[1] != 537993216u)) {
		resp.error = -EINVAL;   /* the magic numbers, as the kernel wants them */
	} else if ((why = caller_refused((pid_t)req.pid))) {
		resp.error = -EPERM;
		rbd_glog(g, LOG_WARNING, "refused reboot(2) by pid %u: %s", req.pid, why);
	} else if (ioctl(g->notif, SECCOMP_IOCTL_NOTIF_ID_VALID, &req.id)) {
		return;         /* gone meanwhile: its pid read above was not it */
	} else {
		/* restart, restart2 / halt, power off (the filter sends only these) */
		g->pending = cmd == 0x01234567u || cmd == 0xA1B2C3D4u ? RB_REBOOT : RB_HALT;
		resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		rbd_glog(g, LOG_NOTICE, "reboot(2) %s by pid %u: acting once its init is gone",
		     g->pending == RB_REBOOT ? "restart" : "halt", req.pid);
	}
	if (ioctl(g->notif, SECCOMP_IOCTL_NOTIF_SEND, &resp) && g->pending && errno == ENOENT)
		g->pending = 0; /* the caller was killed before it went on */
}

/* the guest's init ended */
void rbg_init_gone(int slot)
{
	struct rguest *g = rbd.g[slot];
	int verb = g->pending;

	if (g->stopping) {
		rbg_drop(g);    /* vserver stop's to clean up */
		return;
	}
	if (verb) {
		act(g, verb, verb == RB_REBOOT ? "reboot(2) restart" : "reboot(2) halt");
		return;
	}
	rbd_glog(g, LOG_INFO, "ended by itself (not asked to reboot): left as it is");
	if (g->child)
		rbg_detach(g);
	else
		rbg_drop(g);
}
