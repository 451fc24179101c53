/* reboothold.c - the holder: what keeps the guests' reboot(2) listeners
 * while no rebootmgr runs (lib/rebootd.c says why it is needed).
 *
 * A seccomp user-notification listener lives as long as a process holds
 * it, and it can't be had again from the kernel: a daemon killed with -9
 * would take every guest's reboot(2) with it (the guests would get ENOSYS
 * until their next restart). So rebootmgr forks, once, a holder: a process
 * named rebootmgr-hold that holds one datagram socket, bound at
 * $VSBOX_RUNDIR/rebootmgr.hold, and sleeps (no wakeups, a few pages). The
 * listeners are parked in that socket's receive queue as messages "XID
 * START" with the descriptor attached, so the holder holds them without
 * doing anything. Whoever wants to park or take them gets its own copy of
 * the socket with pidfd_getfd() (the holder is found through
 * $VSBOX_RUNDIR/rebootmgr.holder, "PID START", and checked: same process,
 * same name), and sends to it from that very socket: a socket sending to
 * itself is limited only by its buffers (made large), not by the small
 * queue length other senders get (net.unix.max_dgram_qlen).
 *
 * rebootmgr at start takes every listener out of the queue and keeps those
 * of guests that still run; whenever its set changes it empties the queue
 * and puts its current set back (rbhold_sync). vserver start, while no
 * rebootmgr runs, parks a new guest's listener there. rebootmgr leaving
 * cleanly ends the holder unless it holds something; a reboot(2) made while
 * no rebootmgr runs waits in the guest until one runs again.
 */
#include "vsbox.h"
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>

#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif
#define HOLD_FD 3               /* the socket, in the holder */
#define HOLD_NAME "rebootmgr-hold"

static struct {
	int sock, pidfd;        /* our copy of the holder's socket; the holder */
	bool dirty;
} H = { -1, -1, false };

/* "ID START": a pid or context id (0..MAX) and a process start time */
static bool pid_start(const char *s, long max, long *id, unsigned long long *start)
{
	char a[24], b[24];
	long long v;

	if (!word_at(s, 0, a, sizeof(a)) || !word_at(s, 1, b, sizeof(b)) ||
	    !scan_ll(a, 0, max, &v) || !scan_ull(b, 10, start))
		return false;
	*id = (long)v;
	return true;
}

/* the holder recorded in rebootmgr.holder, if it is alive and ours: its
 * socket (a copy), and *pidfd */
static int find(int *pidfd)
{
	char path[PATH_MAX], buf[64], comm[32];
	long pid;
	unsigned long long start;
	int fd = -1;

	*pidfd = -1;
	rb_path("holder", path, sizeof(path));
	if (read_file(path, buf, sizeof(buf)) < 0 || !pid_start(buf, INT_MAX, &pid, &start) || pid < 2)
		return -1;
	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	if ((*pidfd = sys_pidfd_open((pid_t)pid)) < 0)
		return -1;
	if (proc_starttime((pid_t)pid) == start && read_file(path, comm, sizeof(comm)) > 0 &&
	    !strcmp(comm, HOLD_NAME "\n"))
		fd = (int)syscall(SYS_pidfd_getfd, *pidfd, HOLD_FD, 0);
	if (fd < 0) {
		close(*pidfd);
		*pidfd = -1;
	}
	return fd;
}

/* park one listener: "XID START" with it attached */
static int put(int sock, long xid, unsigned long long start, int fd)
{
	struct sockaddr_un self;
	socklen_t len = sizeof(self);
	char msg[48];
	int n = snprintf(msg, sizeof(msg), "%ld %llu", xid, start);
	union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } u;
	struct iovec io = { msg, (size_t)n };
	struct msghdr m = { .msg_name = &self, .msg_iov = &io, .msg_iovlen = 1,
			    .msg_control = u.b, .msg_controllen = sizeof(u.b) };

	if (getsockname(sock, (struct sockaddr *)&self, &len))
		return -1;
	m.msg_namelen = len;
	memset(&u, 0, sizeof(u));
	struct cmsghdr *h = CMSG_FIRSTHDR(&m);
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(h), &fd, sizeof(int));
	return sendmsg(sock, &m, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 ? -1 : 0;
}

bool rbhold_reachable(void)
{
	int pidfd, fd = find(&pidfd);

	if (fd < 0)
		return false;
	close(fd);
	close(pidfd);
	return true;
}

void rbhold_put(long xid, unsigned long long start, int fd)
{
	int pidfd, sock = find(&pidfd);

	if (sock < 0 || put(sock, xid, start, fd))
		warn_errno("can't park the reboot(2) listener of context %ld with rebootmgr's holder", xid);
	if (sock >= 0) {
		close(sock);
		close(pidfd);
	}
}

/* ---- rebootmgr's side --------------------------------------------------- */
static void take_all(int (*adopt)(long xid, unsigned long long start, int fd))
{
	char msg[64];
	int fd;
	ssize_t n;

	while ((n = rb_recv(H.sock, msg, sizeof(msg) - 1, &fd, MSG_DONTWAIT)) >= 0 || errno == EBADMSG) {
		long xid;
		unsigned long long start;
		if (n < 0 || fd < 0)
			continue;
		msg[n] = 0;
		if (!pid_start(msg, LONG_MAX, &xid, &start) || !adopt || adopt(xid, start, fd))
			close(fd);
	}
}

static _Noreturn void holder(void)
{
	sigset_t all;
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	/* nothing but the socket; its own session; ended only by TERM, KILL */
	if (H.sock != HOLD_FD && dup2(H.sock, HOLD_FD) < 0)
		_exit(1);
	for (int i = 0; i < 3; i++)
		dup2(null, i);
	close_range_from(HOLD_FD + 1);
	setsid();
	prctl(PR_SET_NAME, HOLD_NAME, 0, 0, 0);
	sigfillset(&all);
	sigdelset(&all, SIGTERM);
	sigprocmask(SIG_SETMASK, &all, NULL);
	signal(SIGTERM, SIG_DFL);
	for (;;)
		pause();
}

static void start_holder(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char path[PATH_MAX], rec[64];
	int big = 64 << 20;
	mode_t old;
	pid_t pid;

	rb_path("hold", path, sizeof(path));
	if (strlen(path) >= sizeof(a.sun_path))
		die("%s: path too long for a socket", path);
	strcpy(a.sun_path, path);
	if ((H.sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		die_errno("can't create the holder's socket");
	unlink(path);
	old = umask(0177);
	if (bind(H.sock, (struct sockaddr *)&a, sizeof(a)))
		die_errno("can't bind %s", path);
	umask(old);
	/* room for many guests' listeners (root may exceed rmem_max) */
	setsockopt(H.sock, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));
	setsockopt(H.sock, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	fflush(NULL);
	if ((pid = fork()) < 0)
		die_errno("can't fork the holder");
	if (!pid)
		holder();
	H.pidfd = sys_pidfd_open(pid);
	/* its start time is in /proc once it runs: it may not be named yet,
	 * but the pid and the start time are what the record needs */
	snprintf(rec, sizeof(rec), "%d %llu\n", (int)pid, proc_starttime(pid));
	rb_path("holder", path, sizeof(path));
	xreplace_file(path, rec, strlen(rec));
}

void rbhold_init(int (*adopt)(long xid, unsigned long long start, int fd))
{
	if ((H.sock = find(&H.pidfd)) >= 0) {
		/* a holder from before us: its listeners are ours, and it stays
		 * ours; those of guests gone are closed */
		take_all(adopt);
		H.dirty = true;
		return;
	}
	start_holder();
}

void rbhold_changed(void)
{
	H.dirty = true;
}

void rbhold_sync(int (*kept)(int k, long *xid, unsigned long long *start))
{
	long xid;
	unsigned long long start;
	int fd;

	if (!H.dirty || H.sock < 0)
		return;
	H.dirty = false;
	take_all(NULL);
	for (int k = 0; (fd = kept(k, &xid, &start)) >= 0; k++)
		if (put(H.sock, xid, start, fd))
			warn_errno("can't park the reboot(2) listener of context %ld with the holder", xid);
}

void rbhold_exit(bool keep)
{
	char path[PATH_MAX];

	if (H.sock < 0 || keep)
		return;
	/* nothing to keep: the holder goes, and its files */
	if (H.pidfd >= 0)
		sys_pidfd_send_signal(H.pidfd, SIGTERM);
	rb_path("hold", path, sizeof(path));
	unlink(path);
	rb_path("holder", path, sizeof(path));
	unlink(path);
}
