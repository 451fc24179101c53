/* rebootd.c - rebootmgr: one daemon for the host that restarts or stops a
 * guest when the guest asks, and nothing else.
 *
 * The design. A guest asks in two ways, and both reach this one process;
 * nothing of vsbox stays on the host per guest (no monitor, no parent of
 * the guest's init):
 *
 *  1. vreboot or vhalt inside the guest write "reboot" or "halt" to the
 *     stream socket at the guest's /dev/reboot. The daemon made that socket
 *     (a listening socket per guest, bound inside the guest's /dev, which
 *     is a tmpfs only the guest's mount namespace has: it is reached
 *     through /proc/INIT/root and opened without following any of the
 *     guest's symlinks, lib/path.c; the socket is bound under a fresh name
 *     and renamed over whatever the guest planted at /dev/reboot). Which
 *     guest asked is known from the socket the connection came in on, never
 *     from what it says.
 *
 *  2. reboot(2) from the guest's own processes (busybox reboot, sysvinit's
 *     shutdown -r, systemd's last step, a PID 1 of its own). In a child PID
 *     namespace the kernel turns restart and halt into the death of the
 *     namespace's init; only the init's parent learns which of the two it
 *     was (exit "signal" SIGHUP or SIGINT: pidfd exit information, 6.15+,
 *     gives SIGKILL or 0 for both), and no vsbox process stays as that
 *     parent. So the guest's boot processes run under a seccomp filter that
 *     hands the restart, restart2, halt and power-off commands to a
 *     user-notification listener (lib/seccomp.c, seccomp_reboot_filter();
 *     exec and enter keep EPERM); vserver start carries the listener out of
 *     the new context and gives it to this daemon over its control socket
 *     (SCM_RIGHTS). The daemon reads the command, checks the caller holds
 *     CAP_SYS_BOOT (the guest's ceiling has it while kexec stays refused)
 *     and is not in the host's PID namespace, notes what was asked and lets
 *     the call go on (SECCOMP_USER_NOTIF_FLAG_CONTINUE): the kernel ends the
 *     guest's namespace at once, as a real reboot would, and the daemon,
 *     which watches each guest's init through a pidfd, acts when it is gone.
 *
 * Acting is a child of the daemon's own, the vsbox binary running "vserver
 * NAME restart" (stop hooks, cleanup, NAME.conf read again, start hooks)
 * or "vserver NAME stop", so the daemon never blocks and stays small. A
 * guest restarted more than REBOOT_LIMIT times (NAME.conf, default 5) in a
 * minute is stopped instead, with a log line.
 *
 * A listener lives as long as some process holds it. While the daemon runs
 * that is the daemon; each one is also parked in a holder (lib/
 * reboothold.c: a process of rebootmgr that holds a socket whose queue
 * carries every listener, and does nothing else). A daemon killed with -9
 * and started again takes the socket back from the holder with
 * pidfd_getfd() and the listeners out of its queue; vserver start parks
 * the listener there itself while no daemon runs. With neither running at
 * a guest's start, its reboot(2) goes straight to the kernel: the guest
 * just ends. A restarted daemon finds every running guest again from the
 * registry (lib/ctx.c) and puts a fresh socket at each /dev/reboot.
 *
 * Nothing polls: one epoll set (the control socket, each guest's socket,
 * listener and init pidfd, the connections, a signalfd); a timeout only
 * while a connection is open or a guest is throttled. Each guest has its own
 * budget (RB_BURST requests, one more a second), at most RB_GCONN open
 * connections, and a connection gets RB_LINE_MAX bytes and RB_CONN_MS to
 * say its line: a guest flooding the socket is paused (its socket and
 * listener leave the epoll set until it has budget again) and affects
 * nobody else. Log lines about one guest are limited to RB_LOGS a minute.
 */
#include "vsbox.h"
#include <linux/seccomp.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <syslog.h>

#define RB_BURST 5              /* requests a guest may make at once */
#define RB_REFILL_MS 1000       /* then one more each */
#define RB_GCONN 4              /* open connections of one guest */
#define RB_CONNS 256            /* open connections in all */
#define RB_CONN_MS 2000         /* time to send one line */
#define RB_LOGS 20              /* log lines about one guest a minute */
#define RB_HIST 64              /* restarts remembered (REBOOT_LIMIT's cap) */
#define CAP_SYS_BOOT_BIT 22

enum { K_SIG, K_CTL, K_GSOCK, K_GNOTIF, K_GPID, K_CONN };

struct rguest {
	char name[64];
	long xid;
	pid_t pid;                      /* its init, and that init's start time */
	unsigned long long start;
	int pidfd, lsock, notif, devfd; /* -1: none */
	int pending;                    /* asked by reboot(2): act once init ends */
	pid_t child;                    /* our vserver restart or stop of it */
	int child_verb;
	int next_verb;                  /* asked again while the child ran */
	int nconn;
	int tokens;
	uint64_t refill, resume;        /* ms; resume: paused until then */
	uint64_t hist[RB_HIST];         /* when it was restarted (ms) */
	int nhist;
	unsigned logs, dropped;
	uint64_t logwin;
};

struct conn {
	int fd, slot;                   /* slot: its guest, -1: control */
	uint64_t deadline;
	size_t len;
	char buf[RB_LINE_MAX];
};

static struct {
	bool syslog;
	int ep, sfd, ctl;
	struct rguest **g;
	int ng;
	struct conn **c;
	int nc, nconn;
	unsigned seq;
	char self[PATH_MAX];
} D = { .ep = -1, .sfd = -1, .ctl = -1 };

static uint64_t now_ms(void)
{
	return mono_ns() / 1000000;
}

/* ---- logging ------------------------------------------------------------ */
static void vlog(int prio, const char *fmt, va_list ap)
{
	char buf[512];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	proc_printable(buf);
	if (D.syslog)
		syslog(prio, "%s", buf);
	else
		fprintf(stderr, "rebootmgr: %s\n", buf);
}

static void rlog(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void rlog(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(prio, fmt, ap);
	va_end(ap);
}

/* about one guest, at most RB_LOGS lines a minute: a guest can't flood the
 * log (what is left out is counted and said once the minute is over) */
static void glog(struct rguest *g, int prio, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void glog(struct rguest *g, int prio, const char *fmt, ...)
{
	char buf[400];
	uint64_t now = now_ms();
	va_list ap;

	if (now - g->logwin >= 60000) {
		if (g->dropped)
			rlog(LOG_WARNING, "%s: %u more lines about it were left out", g->name, g->dropped);
		g->logwin = now;
		g->logs = g->dropped = 0;
	}
	if (++g->logs > RB_LOGS) {
		g->dropped++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	rlog(prio, "%s: %s", g->name, buf);
}

/* ---- the epoll set ------------------------------------------------------ */
static void watch(int fd, int kind, int slot, unsigned events)
{
	struct epoll_event e = { .events = events, .data.u64 = (uint64_t)kind | (uint64_t)(unsigned)slot << 8 };

	if (epoll_ctl(D.ep, EPOLL_CTL_ADD, fd, &e))
		rlog(LOG_ERR, "can't watch a descriptor: %s", strerror(errno));
}

static void unwatch(int fd)
{
	epoll_ctl(D.ep, EPOLL_CTL_DEL, fd, NULL);
}

static void close_fd(int *fd)
{
	if (*fd >= 0) {
		unwatch(*fd);
		close(*fd);
		*fd = -1;
	}
}

/* ---- guests ------------------------------------------------------------- */
static int slot_of(const struct rguest *g)
{
	for (int i = 0; i < D.ng; i++)
		if (D.g[i] == g)
			return i;
	return -1;
}

static struct rguest *find_guest(const char *name)
{
	for (int i = 0; i < D.ng; i++)
		if (D.g[i] && !strcmp(D.g[i]->name, name))
			return D.g[i];
	return NULL;
}

static struct rguest *new_guest(const char *name)
{
	struct rguest *g = calloc(1, sizeof(*g));
	int i;

	if (!g)
		return NULL;
	snprintf(g->name, sizeof(g->name), "%s", name);
	g->pidfd = g->lsock = g->notif = g->devfd = -1;
	for (i = 0; i < D.ng && D.g[i]; i++)
		;
	if (i == D.ng) {
		struct rguest **v = realloc(D.g, (size_t)(D.ng + 8) * sizeof(*v));
		if (!v) {
			free(g);
			return NULL;
		}
		memset(v + D.ng, 0, 8 * sizeof(*v));
		D.g = v;
		D.ng += 8;
	}
	D.g[i] = g;
	return g;
}

static void close_conn(int i);

/* let go of the guest's instance: its socket (and /dev/reboot, if it is
 * still ours), listener, pidfd, connections; the entry stays */
static void detach(struct rguest *g)
{
	struct stat st;
	int slot = slot_of(g);

	if (g->devfd >= 0 && !fstatat(g->devfd, "reboot", &st, AT_SYMLINK_NOFOLLOW) && S_ISSOCK(st.st_mode))
		unlinkat(g->devfd, "reboot", 0);
	if (g->devfd >= 0)
		close(g->devfd);
	g->devfd = -1;
	close_fd(&g->lsock);
	if (g->notif >= 0)
		rbhold_changed();
	close_fd(&g->notif);
	close_fd(&g->pidfd);
	for (int i = 0; i < D.nc; i++)
		if (D.c[i] && D.c[i]->slot == slot)
			close_conn(i);
	g->pending = 0;
	g->resume = 0;
}

static void drop_guest(struct rguest *g)
{
	int slot = slot_of(g);

	detach(g);
	D.g[slot] = NULL;
	free(g);
}

/* a fresh listening socket at the guest's /dev/reboot: bound under a new
 * name in its /dev (umask: mode 0600, owner root), then renamed over what
 * is there, never through a symlink of the guest */
static int place_socket(struct rguest *g)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), e;
	mode_t old;

	if (fd < 0)
		return -1;
	snprintf(a.sun_path, sizeof(a.sun_path), ".reboot.%d.%u", (int)getpid(), ++D.seq);
	if (fchdir(g->devfd))
		goto fail;
	old = umask(0177);
	e = bind(fd, (struct sockaddr *)&a, sizeof(a));
	umask(old);
	if (chdir("/") || e || listen(fd, RB_GCONN))
		goto fail_unlink;
	if (renameat(g->devfd, a.sun_path, g->devfd, "reboot")) {
		/* a directory there: gone if empty, else the guest keeps it */
		if (errno != EISDIR || unlinkat(g->devfd, "reboot", AT_REMOVEDIR) ||
		    renameat(g->devfd, a.sun_path, g->devfd, "reboot"))
			goto fail_unlink;
	}
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
	errno = e;
	return -1;
}

/* take on the guest's running instance c (notif: its listener, or -1);
 * 0, or -1 with *why */
static int attach(struct rguest *g, const struct ctx *c, int notif, const char **why)
{
	char path[64];
	int root, slot = slot_of(g);

	detach(g);
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
	if ((g->lsock = place_socket(g)) < 0) {
		*why = "can't make its /dev/reboot";
		goto fail;
	}
	g->notif = notif;
	watch(g->pidfd, K_GPID, slot, EPOLLIN);
	watch(g->lsock, K_GSOCK, slot, EPOLLIN);
	if (g->notif >= 0) {
		watch(g->notif, K_GNOTIF, slot, EPOLLIN);
		rbhold_changed();
	}
	g->tokens = RB_BURST;
	g->refill = now_ms();
	return 0;
fail:
	detach(g);
	return -1;
}

/* is there budget for one more request? false: the guest is paused
 * until there is (take: spend it) */
static bool budget(struct rguest *g, bool take)
{
	uint64_t now = now_ms();
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
		glog(g, LOG_WARNING, "too many requests: not listening for a while");
		g->resume = g->refill + RB_REFILL_MS;
		unwatch(g->lsock);
		if (g->notif >= 0)
			unwatch(g->notif);
	}
	return false;
}

static void resume(struct rguest *g)
{
	int slot = slot_of(g);

	g->resume = 0;
	if (g->lsock >= 0)
		watch(g->lsock, K_GSOCK, slot, EPOLLIN);
	if (g->notif >= 0)
		watch(g->notif, K_GNOTIF, slot, EPOLLIN);
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
		glog(g, LOG_WARNING, "can't read %s: REBOOT_LIMIT 5", path);
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
			glog(g, LOG_WARNING, "%s: REBOOT_LIMIT 5", n < 0 ? path : err);
		munmap(text, (size_t)st.st_size + 1);
	}
	close(fd);
	return limit;
}

/* vfork: no copy of our page tables on the way to the exec. A function of
 * its own, so no local of the caller lives across the vfork */
static __attribute__((noinline)) pid_t spawn(char **argv, char **envp)
{
	sigset_t none;
	pid_t pid;

	sigemptyset(&none);
	pid = vfork();
	if (!pid) {
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);       /* (its own handlers: no CLONE_SIGHAND) */
		setsid();
		execve(D.self, argv, envp);
		_exit(127);
	}
	return pid;
}

static void act(struct rguest *g, int verb, const char *how)
{
	uint64_t now = now_ms();
	int k = 0, limit;
	pid_t pid;

	if (g->child) {
		/* our last restart is still at work (its post-start hook): this
		 * one comes when it is done */
		detach(g);
		g->next_verb = verb;
		return;
	}
	/* the restarts of the last minute */
	for (int i = 0; i < g->nhist; i++)
		if (now - g->hist[i] < 60000)
			g->hist[k++] = g->hist[i];
	g->nhist = k;
	if (verb == RB_REBOOT && g->nhist >= (limit = reboot_limit(g))) {
		glog(g, LOG_WARNING, "restarted %d times within a minute (REBOOT_LIMIT=%d): "
		     "stopping it instead", g->nhist, limit);
		verb = RB_HALT;
	}
	if (verb == RB_REBOOT) {
		if (g->nhist == RB_HIST)
			memmove(g->hist, g->hist + 1, (RB_HIST - 1) * sizeof(g->hist[0]));
		g->hist[g->nhist < RB_HIST ? g->nhist++ : RB_HIST - 1] = now;
	}
	detach(g);
	/* the vsbox binary itself, told that rebootmgr has let go of the
	 * guest already (its stop need not say so); a session of its own, so
	 * a signal for the daemon's group does not cut a restart in half */
	char *argv[] = { "vserver", g->name, verb == RB_REBOOT ? "restart" : "stop", "-q", NULL };
	char mark[96], **envp;
	size_t n = 0;
	while (environ[n])
		n++;
	if (!(envp = malloc((n + 2) * sizeof(*envp)))) {
		glog(g, LOG_ERR, "out of memory");
		return;
	}
	snprintf(mark, sizeof(mark), "VSBOX_REBOOTMGR_ACTS=%s", g->name);
	n = 0;
	for (char **e = environ; *e; e++)
		if (strncmp(*e, "VSBOX_REBOOTMGR_ACTS=", 21))
			envp[n++] = *e;
	envp[n++] = mark;
	envp[n] = NULL;
	fflush(NULL);
	pid = spawn(argv, envp);
	free(envp);
	if (pid < 0) {
		glog(g, LOG_ERR, "can't fork: %s", strerror(errno));
		return;
	}
	g->child = pid;
	g->child_verb = verb;
	glog(g, LOG_NOTICE, "%s (%s)", verb == RB_REBOOT ? "restarting" : "stopping", how);
}

static void child_done(pid_t pid, int st)
{
	for (int i = 0; i < D.ng; i++) {
		struct rguest *g = D.g[i];
		if (!g || g->child != pid)
			continue;
		g->child = 0;
		if (exit_code(st))
			glog(g, LOG_ERR, "vserver %s %s failed (exit %d)", g->name,
			     g->child_verb == RB_REBOOT ? "restart" : "stop", exit_code(st));
		else
			glog(g, LOG_INFO, "%s", g->child_verb == RB_REBOOT ? "restarted" : "stopped");
		if (g->next_verb) {
			int verb = g->next_verb;
			g->next_verb = 0;
			act(g, verb, "asked again meanwhile");
		} else if (g->pidfd < 0) {
			drop_guest(g);  /* not running again: forget it */
		}
		return;
	}
}

/* ---- connections ------------------------------------------------------- */
static void close_conn(int i)
{
	struct conn *c = D.c[i];

	if (c->slot >= 0 && D.g[c->slot]) {
		struct rguest *g = D.g[c->slot];
		/* a free place: its socket is listened to again */
		if (g->nconn-- == RB_GCONN && g->lsock >= 0 && !g->resume)
			watch(g->lsock, K_GSOCK, c->slot, EPOLLIN);
	}
	close_fd(&c->fd);
	free(c);
	D.c[i] = NULL;
	D.nconn--;
}

static int new_conn(int fd, int slot)
{
	struct conn *c = calloc(1, sizeof(*c));
	int i;

	if (!c) {
		close(fd);
		return -1;
	}
	for (i = 0; i < D.nc && D.c[i]; i++)
		;
	if (i == D.nc) {
		struct conn **v = realloc(D.c, (size_t)(D.nc + 8) * sizeof(*v));
		if (!v) {
			free(c);
			close(fd);
			return -1;
		}
		memset(v + D.nc, 0, 8 * sizeof(*v));
		D.c = v;
		D.nc += 8;
	}
	c->fd = fd;
	c->slot = slot;
	c->deadline = now_ms() + RB_CONN_MS;
	D.c[i] = c;
	D.nconn++;
	watch(fd, K_CONN, i, EPOLLIN);
	return i;
}

/* the answer, then the end of the connection (a reader that does not read
 * loses it: the socket is non-blocking) */
static void answer(int i, const char *line)
{
	(void)!send(D.c[i]->fd, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT);
	close_conn(i);
}

/* a new connection on a guest's socket: within its limits */
static void guest_accept(int slot)
{
	struct rguest *g = D.g[slot];

	while (g->lsock >= 0 && !g->resume) {
		if (g->nconn >= RB_GCONN || D.nconn >= RB_CONNS) {
			/* full: the kernel's backlog waits until a place is free */
			unwatch(g->lsock);
			return;
		}
		/* its budget spent, the guest is paused: the backlog waits */
		if (!budget(g, false))
			return;
		int fd = accept4(g->lsock, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;         /* EAGAIN, or it went away */
		g->tokens--;
		if (new_conn(fd, slot) >= 0 && g->nconn++ + 1 == RB_GCONN)
			unwatch(g->lsock);
	}
}

static void guest_line(int i)
{
	struct conn *c = D.c[i];
	struct rguest *g = D.g[c->slot];
	struct rb_req r;
	const char *why;
	ssize_t n = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
	int k;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		close_conn(i);  /* it hung up before a whole line */
		return;
	}
	c->len += (size_t)n;
	if (!(k = rb_parse(c->buf, c->len, false, &r, &why)))
		return;
	if (k < 0) {
		char shown[41];
		size_t l = strcspn(c->buf, "\n");
		snprintf(shown, sizeof(shown), "%.*s", (int)(l < c->len ? l : c->len), c->buf);
		glog(g, LOG_WARNING, "refused a request on /dev/reboot: %s ('%s')", why, shown);
		char msg[128];
		snprintf(msg, sizeof(msg), "error: %s\n", why);
		answer(i, msg);
		return;
	}
	answer(i, "ok\n");
	act(g, r.verb, r.verb == RB_REBOOT ? "asked on /dev/reboot: reboot" : "asked on /dev/reboot: halt");
}

/* ---- the control socket: vserver start and stop ------------------------- */
static void control(int i)
{
	struct conn *c = D.c[i];
	struct ucred cr;
	socklen_t cl = sizeof(cr);
	struct rb_req r;
	struct ctx x;
	struct rguest *g;
	const char *why = NULL;
	char msg[160];
	int fd = -1;
	ssize_t n = rb_recv(c->fd, c->buf, sizeof(c->buf), &fd, MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		close_conn(i);
		return;
	}
	if (getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &cr, &cl) || cr.uid != 0)
		why = "only root may";
	else if (rb_parse(c->buf, (size_t)n, true, &r, &why) <= 0)
		;
	else if (r.verb == RB_DEL) {
		/* a stop: its own (our child's stop of a restart keeps it) */
		if ((g = find_guest(r.name)) && (g->pidfd < 0 || g->xid == r.xid)) {
			if (g->child)
				detach(g);
			else
				drop_guest(g);
			rlog(LOG_INFO, "%s: stops", r.name);
		}
	} else if (!ctx_by_name(r.name, &x) || x.xid != r.xid || x.pid != r.pid || x.start != r.start) {
		why = "no such guest runs";     /* the registry, not the message, says */
	} else if (!(g = find_guest(r.name)) && !(g = new_guest(r.name))) {
		why = "out of memory";
	} else if (attach(g, &x, fd, &why)) {
		fd = -1;        /* attach closed it */
		glog(g, LOG_ERR, "%s", why);
		if (!g->child)
			drop_guest(g);
	} else {
		fd = -1;        /* the guest's now */
		glog(g, LOG_INFO, "running (context %ld)%s", x.xid, g->notif >= 0 ? "" : ", no reboot(2) listener");
	}
	if (fd >= 0)
		close(fd);
	if (why)
		snprintf(msg, sizeof(msg), "error: %s\n", why);
	answer(i, why ? msg : "ok\n");
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

static void notified(int slot, unsigned events)
{
	struct rguest *g = D.g[slot];
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	unsigned cmd;
	const char *why = NULL;

	if (!(events & EPOLLIN)) {
		/* every process under its filter is gone: it says nothing more */
		close_fd(&g->notif);
		rbhold_changed();
		return;
	}
	if (!budget(g, false))
		return;         /* the caller waits until the guest has budget */
	memset(&req, 0, sizeof(req));
	if (ioctl(g->notif, SECCOMP_IOCTL_NOTIF_RECV, &req))
		return;         /* the caller went away (a signal): nothing to answer */
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
		glog(g, LOG_WARNING, "refused reboot(2) by pid %u: %s", req.pid, why);
	} else if (ioctl(g->notif, SECCOMP_IOCTL_NOTIF_ID_VALID, &req.id)) {
		return;         /* gone meanwhile: its pid read above was not it */
	} else {
		/* restart, restart2 / halt, power off (the filter sends only these) */
		g->pending = cmd == 0x01234567u || cmd == 0xA1B2C3D4u ? RB_REBOOT : RB_HALT;
		resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		glog(g, LOG_NOTICE, "reboot(2) %s by pid %u: acting once its init is gone",
		     g->pending == RB_REBOOT ? "restart" : "halt", req.pid);
	}
	if (ioctl(g->notif, SECCOMP_IOCTL_NOTIF_SEND, &resp) && g->pending && errno == ENOENT)
		g->pending = 0; /* the caller was killed before it went on */
}

/* the guest's init ended */
static void init_gone(int slot)
{
	struct rguest *g = D.g[slot];
	int verb = g->pending;

	if (verb) {
		act(g, verb, verb == RB_REBOOT ? "reboot(2) restart" : "reboot(2) halt");
		return;
	}
	glog(g, LOG_INFO, "ended by itself (not asked to reboot): left as it is");
	if (g->child)
		detach(g);
	else
		drop_guest(g);
}

/* ---- the registry: every running guest ---------------------------------- */
static void scan(void)
{
	struct ctx *v;
	int n = ctx_list(&v);
	const char *why;

	for (int i = 0; i < n; i++) {
		struct rguest *g;
		if (!v[i].name[0] || !ctx_alive(&v[i]))
			continue;
		if ((g = find_guest(v[i].name)) && g->pidfd >= 0 && g->xid == v[i].xid && g->start == v[i].start)
			continue;       /* known */
		if (!g && !(g = new_guest(v[i].name)))
			break;
		if (attach(g, &v[i], -1, &why)) {
			glog(g, LOG_ERR, "%s", why);
			if (!g->child)
				drop_guest(g);
		} else {
			glog(g, LOG_INFO, "running (context %ld)", g->xid);
		}
	}
	free(v);
}

/* a listener the holder kept (or vserver start parked there) for a guest
 * that runs: its reboot(2) is ours again */
static int adopt(long xid, unsigned long long start, int fd)
{
	for (int i = 0; i < D.ng; i++) {
		struct rguest *g = D.g[i];
		if (g && g->pidfd >= 0 && g->xid == xid && g->start == start && g->notif < 0) {
			g->notif = fd;
			watch(fd, K_GNOTIF, i, EPOLLIN);
			return 0;
		}
	}
	return -1;
}

/* the listeners the holder is to keep: every guest's */
static int kept(int k, long *xid, unsigned long long *start)
{
	for (int i = 0; i < D.ng; i++) {
		struct rguest *g = D.g[i];
		if (g && g->notif >= 0 && !k--) {
			*xid = g->xid;
			*start = g->start;
			return g->notif;
		}
	}
	return -1;
}

/* ---- the daemon ---------------------------------------------------------- */
static int listen_control(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char path[PATH_MAX];
	int fd;
	mode_t old;

	rb_path("sock", path, sizeof(path));
	if (strlen(path) >= sizeof(a.sun_path))
		die("%s: path too long for a socket", path);
	strcpy(a.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		die_errno("can't create the control socket");
	unlink(path);           /* a dead daemon's: the lock says none runs */
	old = umask(0177);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 64))
		die_errno("can't listen on %s", path);
	umask(old);
	return fd;
}

/* milliseconds until the next deadline, -1: none (then nothing wakes us) */
static int next_timeout(void)
{
	uint64_t now = now_ms(), next = 0;

	for (int i = 0; i < D.nc; i++)
		if (D.c[i] && (!next || D.c[i]->deadline < next))
			next = D.c[i]->deadline;
	for (int i = 0; i < D.ng; i++)
		if (D.g[i] && D.g[i]->resume && (!next || D.g[i]->resume < next))
			next = D.g[i]->resume;
	if (!next)
		return -1;
	return next <= now ? 0 : (int)(next - now);
}

static void expire(void)
{
	uint64_t now = now_ms();

	for (int i = 0; i < D.nc; i++) {
		struct conn *c = D.c[i];
		if (!c || c->deadline > now)
			continue;
		if (c->slot >= 0 && D.g[c->slot])
			glog(D.g[c->slot], LOG_WARNING, "a request on /dev/reboot took too long: closed");
		answer(i, "error: no request in time\n");
	}
	for (int i = 0; i < D.ng; i++)
		if (D.g[i] && D.g[i]->resume && D.g[i]->resume <= now)
			resume(D.g[i]);
}

static bool signals(void)
{
	struct signalfd_siginfo si;
	bool go_on = true;
	int st;
	pid_t p;

	while (read(D.sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			rlog(LOG_INFO, "SIGHUP: looking for running guests");
			scan();
		} else if (si.ssi_signo != SIGCHLD) {
			go_on = false;
		}
	}
	while ((p = waitpid(-1, &st, WNOHANG)) > 0)
		child_done(p, st);
	return go_on;
}

int rebootd_run(bool use_syslog, void (*ready)(void))
{
	sigset_t set;
	ssize_t n;

	D.syslog = use_syslog;
	if (use_syslog)
		openlog("rebootmgr", LOG_PID, LOG_DAEMON);
	n = readlink("/proc/self/exe", D.self, sizeof(D.self) - 1);
	if (n <= 0)
		die_errno("can't read /proc/self/exe");
	if (chdir("/"))
		die_errno("can't chdir to /");
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((D.sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0 ||
	    (D.ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		die_errno("can't set up the event loop");
	D.ctl = listen_control();
	watch(D.sfd, K_SIG, 0, EPOLLIN);
	watch(D.ctl, K_CTL, 0, EPOLLIN);
	/* the guests that run, then the listeners the holder kept for them */
	scan();
	rbhold_init(adopt);
	rbhold_sync(kept);
	ready();
	rlog(LOG_INFO, "ready (%s)", D.self);
	for (;;) {
		struct epoll_event ev[32];
		int k = epoll_wait(D.ep, ev, 32, next_timeout());
		bool go_on = true;

		for (int i = 0; i < k; i++) {
			int kind = (int)(ev[i].data.u64 & 0xff), slot = (int)(ev[i].data.u64 >> 8);
			switch (kind) {
			case K_SIG:
				go_on = signals();
				break;
			case K_CTL: {
				int fd = accept4(D.ctl, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
				if (fd >= 0 && D.nconn >= RB_CONNS)
					close(fd);
				else if (fd >= 0)
					new_conn(fd, -1);
				break;
			}
			/* (an event of a descriptor closed earlier in this batch
			 * finds its slot empty or taken by another: checked) */
			case K_GSOCK:
				if (slot < D.ng && D.g[slot] && D.g[slot]->lsock >= 0)
					guest_accept(slot);
				break;
			case K_GNOTIF:
				if (slot < D.ng && D.g[slot] && D.g[slot]->notif >= 0 && !D.g[slot]->resume)
					notified(slot, ev[i].events);
				break;
			case K_GPID:
				if (slot < D.ng && D.g[slot] && D.g[slot]->pidfd >= 0)
					init_gone(slot);
				break;
			case K_CONN:
				if (slot < D.nc && D.c[slot])
					(D.c[slot]->slot < 0 ? control : guest_line)(slot);
				break;
			}
		}
		expire();
		rbhold_sync(kept);
		if (!go_on)
			break;
	}
	rlog(LOG_INFO, "exiting");
	/* the guests' sockets go; their listeners stay with the holder (no
	 * sync from here on), which ends if it has none to keep */
	long x;
	unsigned long long st;
	bool keep = kept(0, &x, &st) >= 0;
	for (int i = 0; i < D.ng; i++)
		if (D.g[i])
			drop_guest(D.g[i]);
	rbhold_exit(keep);
	char path[PATH_MAX];
	rb_path("sock", path, sizeof(path));
	unlink(path);
	rb_path("pid", path, sizeof(path));
	unlink(path);
	return 0;
}
