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
 * Acting is a child of the daemon's own: the vsbox binary, forked (no
 * exec: it starts at once), closing everything of the daemon's and running
 * what "vserver NAME restart" runs (NAME.conf read again, stop hooks,
 * cleanup, start hooks) or "vserver NAME stop"; so the daemon never blocks
 * and stays small. A
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
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>

struct rbd rbd BIG;         /* zeroed (bss): rebootd_run() opens its fds first */

uint64_t rbd_now(void)
{
	return mono_ns() / 1000000;
}

/* ---- logging ------------------------------------------------------------ */
/* syslog(3) as musl's writes it, by hand (musl's formats its time with
 * strftime, 4 KB of locale machinery for "Mmm dd hh:mm:ss"): one datagram
 * "<PRI>TIME rebootmgr[PID]: LINE" to /dev/log, the time in UTC, the
 * socket opened at the first line and connected again once when syslogd
 * went away; a line nobody takes is lost, as with syslog(3). */
static void slog(int prio, const char *line)
{
	static const struct sockaddr_un log = { AF_UNIX, "/dev/log" };
	static int fd = -1;
	char msg[640];
	time_t now = time(NULL);
	struct tm tm;
	int n;

	gmtime_r(&now, &tm);
	n = snprintf(msg, sizeof(msg), "<%d>%s %2d %02d:%02d:%02d rebootmgr[%d]: %s\n", LOG_DAEMON | prio,
		     proc_month(tm.tm_mon), tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)getpid(), line);
	if (n >= (int)sizeof(msg))
		n = sizeof(msg) - 1;
	if (fd < 0) {
		fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd >= 0)
			connect(fd, (const struct sockaddr *)&log, sizeof(log));
	}
	if (fd >= 0 && send(fd, msg, (size_t)n, MSG_NOSIGNAL) < 0 &&
	    (errno == ECONNREFUSED || errno == ECONNRESET || errno == ENOTCONN || errno == EPIPE) &&
	    !connect(fd, (const struct sockaddr *)&log, sizeof(log)))
		send(fd, msg, (size_t)n, MSG_NOSIGNAL);
}

static void vlog(int prio, const char *fmt, va_list ap)
{
	char buf[512];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	proc_printable(buf);
	if (rbd.syslog)
		slog(prio, buf);
	else
		fprintf(stderr, "rebootmgr: %s\n", buf);
}

void rbd_log(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(prio, fmt, ap);
	va_end(ap);
}

/* about one guest, at most RB_LOGS lines a minute: a guest can't flood the
 * log (what is left out is counted and said once the minute is over) */
void rbd_glog(struct rguest *g, int prio, const char *fmt, ...)
{
	char buf[400];
	uint64_t now = rbd_now();
	va_list ap;

	if (now - g->logwin >= 60000) {
		if (g->dropped)
			rbd_log(LOG_WARNING, "%s: %u more lines about it were left out", g->name, g->dropped);
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
	rbd_log(prio, "%s: %s", g->name, buf);
}

/* ---- the epoll set ------------------------------------------------------ */
void rbd_watch(int fd, int kind, int slot, unsigned events)
{
	struct epoll_event e = { .events = events, .data.u64 = (uint64_t)kind | (uint64_t)(unsigned)slot << 8 };

	if (epoll_ctl(rbd.ep, EPOLL_CTL_ADD, fd, &e))
		rbd_log(LOG_ERR, "can't watch a descriptor: %s", strerror(errno));
}

void rbd_unwatch(int fd)
{
	epoll_ctl(rbd.ep, EPOLL_CTL_DEL, fd, NULL);
}

void rbd_close_fd(int *fd)
{
	if (*fd >= 0) {
		rbd_unwatch(*fd);
		close(*fd);
		*fd = -1;
	}
}

/* ---- the control socket: vserver start and stop ------------------------- */
static void control(int i)
{
	struct rconn *c = rbd.c[i];
	struct ucred cr;
	socklen_t cl = sizeof(cr);
	struct rb_req r;
	struct ctx x;
	struct rguest *g;
	const char *why = NULL;
	char msg[160];
	int fd = -1, k;
	ssize_t n = rb_recv(c->fd, c->buf, sizeof(c->buf), &fd, MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		rbg_close_conn(i);
		return;
	}
	if (getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &cr, &cl) || cr.uid != 0)
		why = "only root may";
	else if (!(k = rb_parse(c->buf, (size_t)n, true, &r, &why)))
		why = "a request is one line";  /* (one message) */
	else if (k < 0)
		;
	else if (r.verb == RB_DEL) {
		/* a stop: its own (our child's stop of a restart keeps it) */
		if ((g = rbg_find(r.name)) && (g->pidfd < 0 || g->xid == r.xid)) {
			if (g->child)
				rbg_detach(g);
			else if (g->notif >= 0 && g->pidfd >= 0)
				rbg_stopping(g);        /* until its init is gone */
			else
				rbg_drop(g);
			rbd_log(LOG_INFO, "%s: stops", r.name);
		}
	} else if (!ctx_by_name(r.name, &x) || x.xid != r.xid || x.pid != r.pid || x.start != r.start) {
		why = "no such guest runs";     /* the registry, not the message, says */
	} else if (!(g = rbg_find(r.name)) && !(g = rbg_new(r.name))) {
		why = "out of memory";
	} else if (rbg_attach(g, &x, fd, &why)) {
		rbd_glog(g, LOG_ERR, "%s", why);        /* (fd is still ours) */
		if (!g->child)
			rbg_drop(g);
	} else {
		fd = -1;        /* the guest's now */
		rbd_glog(g, LOG_INFO, "running (context %ld)%s", x.xid, g->notif >= 0 ? "" : ", no reboot(2) listener");
	}
	if (fd >= 0)
		close(fd);
	if (why)
		snprintf(msg, sizeof(msg), "error: %s\n", why);
	rbg_answer(i, why ? msg : "ok\n");
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
		if ((g = rbg_find(v[i].name)) && g->pidfd >= 0 && g->xid == v[i].xid && g->start == v[i].start)
			continue;       /* known */
		if (!g && !(g = rbg_new(v[i].name)))
			break;
		if (rbg_attach(g, &v[i], -1, &why)) {
			rbd_glog(g, LOG_ERR, "%s", why);
			if (!g->child)
				rbg_drop(g);
		} else {
			rbd_glog(g, LOG_INFO, "running (context %ld)", g->xid);
		}
	}
	free(v);
}

/* a listener the holder kept (or vserver start parked there) for a guest
 * that runs: its reboot(2) is ours again */
static int adopt(long xid, unsigned long long start, int fd)
{
	for (int i = 0; i < rbd.ng; i++) {
		struct rguest *g = rbd.g[i];
		if (g && g->pidfd >= 0 && g->xid == xid && g->start == start && g->notif < 0) {
			g->notif = fd;
			rbg_update(g);
			return 0;
		}
	}
	return -1;
}

/* the listeners the holder is to keep: every guest's */
static int kept(int k, long *xid, unsigned long long *start)
{
	for (int i = 0; i < rbd.ng; i++) {
		struct rguest *g = rbd.g[i];
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
	uint64_t now = rbd_now(), next = 0;

	for (int i = 0; i < rbd.nc; i++)
		if (rbd.c[i] && (!next || rbd.c[i]->deadline < next))
			next = rbd.c[i]->deadline;
	for (int i = 0; i < rbd.ng; i++)
		if (rbd.g[i] && rbd.g[i]->resume && (!next || rbd.g[i]->resume < next))
			next = rbd.g[i]->resume;
	if (!next)
		return -1;
	return next <= now ? 0 : (int)(next - now);
}

static void expire(void)
{
	uint64_t now = rbd_now();

	for (int i = 0; i < rbd.nc; i++) {
		struct rconn *c = rbd.c[i];
		if (!c || c->deadline > now)
			continue;
		if (c->slot >= 0 && rbd.g[c->slot])
			rbd_glog(rbd.g[c->slot], LOG_WARNING, "a request on /dev/reboot took too long: closed");
		rbg_answer(i, "error: no request in time\n");
	}
	for (int i = 0; i < rbd.ng; i++)
		if (rbd.g[i] && rbd.g[i]->resume && rbd.g[i]->resume <= now)
			rbg_resume(rbd.g[i]);
}

static bool signals(void)
{
	struct signalfd_siginfo si;
	bool go_on = true;
	int st;
	pid_t p;

	while (read(rbd.sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			rbd_log(LOG_INFO, "SIGHUP: looking for running guests");
			scan();
		} else if (si.ssi_signo != SIGCHLD) {
			go_on = false;
		}
	}
	while ((p = waitpid(-1, &st, WNOHANG)) > 0)
		rbg_child_done(p, st);
	return go_on;
}

int rebootd_run(bool use_syslog, void (*ready)(void))
{
	sigset_t set;
	ssize_t n;

	rbd.syslog = use_syslog;
	n = readlink("/proc/self/exe", rbd.self, sizeof(rbd.self) - 1);
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
	if ((rbd.sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0 ||
	    (rbd.ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		die_errno("can't set up the event loop");
	rbd.ctl = listen_control();
	rbd_watch(rbd.sfd, K_SIG, 0, EPOLLIN);
	rbd_watch(rbd.ctl, K_CTL, 0, EPOLLIN);
	/* the guests that run, then the listeners the holder kept for them */
	scan();
	rbhold_init(adopt);
	rbhold_sync(kept);
	ready();
	rbd_log(LOG_INFO, "ready (%s)", rbd.self);
	for (;;) {
		struct epoll_event ev[32];
		int k = epoll_wait(rbd.ep, ev, 32, next_timeout());
		bool go_on = true;

		for (int i = 0; i < k; i++) {
			int kind = (int)(ev[i].data.u64 & 0xff), slot = (int)(ev[i].data.u64 >> 8);
			switch (kind) {
			case K_SIG:
				go_on = signals();
				break;
			case K_CTL: {
				int fd = accept4(rbd.ctl, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
				if (fd >= 0 && rbd.nconn >= RB_CONNS)
					close(fd);
				else if (fd >= 0)
					rbg_new_conn(fd, -1);
				break;
			}
			/* (an event of a descriptor closed earlier in this batch
			 * finds its slot empty or taken by another: checked) */
			case K_GSOCK:
				if (slot < rbd.ng && rbd.g[slot] && rbd.g[slot]->lsock >= 0)
					rbg_accept(slot);
				break;
			case K_GNOTIF:
				if (slot < rbd.ng && rbd.g[slot] && rbd.g[slot]->notif >= 0 && !rbd.g[slot]->resume)
					rbg_notified(slot, ev[i].events);
				break;
			case K_GPID:
				if (slot < rbd.ng && rbd.g[slot] && rbd.g[slot]->pidfd >= 0)
					rbg_init_gone(slot);
				break;
			case K_CONN:
				if (slot < rbd.nc && rbd.c[slot])
					(rbd.c[slot]->slot < 0 ? control : rbg_line)(slot);
				break;
			}
		}
		expire();
		rbhold_sync(kept);
		if (!go_on)
			break;
	}
	rbd_log(LOG_INFO, "exiting");
	/* the guests' sockets go; their listeners stay with the holder (no
	 * sync from here on), which ends if it has none to keep */
	long x;
	unsigned long long st;
	bool keep = kept(0, &x, &st) >= 0;
	for (int i = 0; i < rbd.ng; i++)
		if (rbd.g[i])
			rbg_drop(rbd.g[i]);
	rbhold_exit(keep);
	char path[PATH_MAX];
	rb_path("sock", path, sizeof(path));
	unlink(path);
	rb_path("pid", path, sizeof(path));
	unlink(path);
	return 0;
}
