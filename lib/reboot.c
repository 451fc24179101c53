/* reboot.c - rebootmgr's two protocols and their clients.
 *
 * A guest talks to rebootmgr over the stream socket rebootmgr puts at its
 * /dev/reboot: one line, "reboot" or "halt", answered by one line, "ok" or
 * "error: WHY". The line never names the guest: rebootmgr knows it from
 * the socket the line came in on (lib/rebootd.c). The host's own commands
 * (vserver start and stop) talk to rebootmgr over its control socket,
 * $VSBOX_RUNDIR/rebootmgr.sock (SOCK_SEQPACKET, root only): "add NAME XID
 * PID START" with the guest's seccomp listener attached (SCM_RIGHTS), and
 * "del NAME XID". One parser reads both (rb_parse, a fuzz target).
 *
 * A guest's own reboot(2) reaches rebootmgr too: its boot processes (its
 * PID 1 and all it starts) run under one more seccomp filter, made by
 * seccomp_reboot_filter() in the new context, that hands reboot(2) to a
 * user-notification listener; vserver start takes the listener from the
 * new context over a socket pair and passes it on to rebootmgr (or, while
 * no rebootmgr runs, to its holder: lib/reboothold.c). The whole design
 * is explained at the top of lib/rebootd.c.
 */
#include "vsbox.h"
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

/* ---- the parser ------------------------------------------------------- */
static bool number(const char *s, unsigned long long max, unsigned long long *out)
{
	unsigned long long v = 0;

	if (!*s || (*s == '0' && s[1]))
		return false;           /* empty, or a leading zero */
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (max - (unsigned)(*s - '0')) / 10)
			return false;
		v = v * 10 + (unsigned)(*s - '0');
	}
	*out = v;
	return true;
}

int rb_parse(const char *buf, size_t len, bool ctl, struct rb_req *r, const char **why)
{
	char line[RB_LINE_MAX], *tok[6];
	const char *nl = memchr(buf, '\n', len < RB_LINE_MAX ? len : RB_LINE_MAX);
	size_t n;
	int ntok = 0;
	unsigned long long v;

	memset(r, 0, sizeof(*r));
	if (!nl) {
		if (len < RB_LINE_MAX)
			return 0;       /* more to come */
		*why = "request too long";
		return -1;
	}
	n = (size_t)(nl - buf);
	/* printable ASCII words split by single spaces, nothing else */
	for (size_t i = 0; i < n; i++)
		if (buf[i] < ' ' || buf[i] > '~') {
			*why = "not a line of text";
			return -1;
		}
	memcpy(line, buf, n);
	line[n] = 0;
	for (char *p = line; ntok < 6; ) {
		tok[ntok++] = p;
		if (!(p = strchr(p, ' ')))
			break;
		*p++ = 0;
	}
	for (int i = 0; i < ntok; i++)
		if (!*tok[i]) {
			*why = n ? "stray space" : "empty request";
			return -1;
		}
	if (!ctl) {
		if (!strcmp(tok[0], "reboot"))
			r->verb = RB_REBOOT;
		else if (!strcmp(tok[0], "halt"))
			r->verb = RB_HALT;
		else {
			*why = "unknown request (reboot or halt)";
			return -1;
		}
		if (ntok > 1) {
			*why = "a request takes no argument";
			return -1;
		}
		return (int)n + 1;
	}
	if (!strcmp(tok[0], "add") && ntok == 5)
		r->verb = RB_ADD;
	else if (!strcmp(tok[0], "del") && ntok == 3)
		r->verb = RB_DEL;
	else {
		*why = "unknown control request (add NAME XID PID START, del NAME XID)";
		return -1;
	}
	if (!guest_name_ok(tok[1])) {
		*why = "bad guest name";
		return -1;
	}
	snprintf(r->name, sizeof(r->name), "%s", tok[1]);
	if (!number(tok[2], XID_MAX, &v) || v < 2) {
		*why = "bad context number";
		return -1;
	}
	r->xid = (long)v;
	if (r->verb == RB_ADD) {
		if (!number(tok[3], INT_MAX, &v) || v < 2) {
			*why = "bad pid";
			return -1;
		}
		r->pid = (pid_t)v;
		if (!number(tok[4], ~0ULL, &r->start) || !r->start) {
			*why = "bad start time";
			return -1;
		}
	}
	return (int)n + 1;
}

/* ---- descriptors over unix sockets ------------------------------------ */
ssize_t rb_send(int fd, const void *buf, size_t n, int passfd)
{
	union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } u;
	struct iovec io = { (void *)buf, n };
	struct msghdr m = { .msg_iov = &io, .msg_iovlen = 1 };
	ssize_t w;

	if (passfd >= 0) {
		memset(&u, 0, sizeof(u));
		m.msg_control = u.b;
		m.msg_controllen = sizeof(u.b);
		struct cmsghdr *h = CMSG_FIRSTHDR(&m);
		h->cmsg_level = SOL_SOCKET;
		h->cmsg_type = SCM_RIGHTS;
		h->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(h), &passfd, sizeof(int));
	}
	do
		w = sendmsg(fd, &m, MSG_NOSIGNAL);
	while (w < 0 && errno == EINTR);
	return w;
}

ssize_t rb_recv(int fd, void *buf, size_t n, int *gotfd, int flags)
{
	union { struct cmsghdr h; char b[CMSG_SPACE(4 * sizeof(int))]; } u;
	struct iovec io = { buf, n };
	struct msghdr m = { .msg_iov = &io, .msg_iovlen = 1, .msg_control = u.b,
			    .msg_controllen = sizeof(u.b) };
	ssize_t r;

	*gotfd = -1;
	do
		r = recvmsg(fd, &m, MSG_CMSG_CLOEXEC | flags);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return r;
	/* one descriptor is taken; anything more a sender put in is closed */
	for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h)) {
		if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int f;
			memcpy(&f, CMSG_DATA(h) + i * sizeof(int), sizeof(int));
			if (*gotfd < 0)
				*gotfd = f;
			else
				close(f);
		}
	}
	if (m.msg_flags & MSG_CTRUNC) {
		/* the kernel dropped descriptors it had no room for: the
		 * message is not what the sender meant */
		if (*gotfd >= 0)
			close(*gotfd);
		*gotfd = -1;
		errno = EBADMSG;
		return -1;
	}
	return r;
}

/* ---- clients ---------------------------------------------------------- */
void rb_path(const char *what, char *buf, size_t n)
{
	xsnprintf(buf, n, "%s/rebootmgr.%s", rundir(), what);
}

static int unix_connect(int type, const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(a.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(a.sun_path, path);
	if ((fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* wait up to ms for fd to be readable; false (errno ETIMEDOUT) if not */
static bool wait_in(int fd, int ms)
{
	uint64_t end = mono_ns() + (uint64_t)ms * 1000000;

	for (;;) {
		int left = (int)(((int64_t)(end - mono_ns())) / 1000000);
		struct pollfd p = { fd, POLLIN, 0 };
		if (left < 0)
			left = 0;
		int r = poll(&p, 1, left);
		if (r > 0)
			return true;
		if (r == 0 || (r < 0 && errno != EINTR)) {
			errno = r ? errno : ETIMEDOUT;
			return false;
		}
	}
}

int rb_ask(const char *sock, int verb, char *reply, size_t n)
{
	const char *line = verb == RB_HALT ? "halt\n" : "reboot\n";
	size_t got = 0;
	int fd = unix_connect(SOCK_STREAM, sock), e;

	if (fd < 0)
		return -1;
	if (rb_send(fd, line, strlen(line), -1) < 0)
		goto fail;
	/* the answer: one line; rebootmgr closes after it */
	while (got < n - 1) {
		if (!wait_in(fd, 10000))
			goto fail;
		ssize_t r = read(fd, reply + got, n - 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail;
		if (!r)
			break;
		got += (size_t)r;
		if (memchr(reply, '\n', got))
			break;
	}
	close(fd);
	reply[got] = 0;
	reply[strcspn(reply, "\n")] = 0;
	if (!got) {
		errno = ECONNRESET;
		return -1;
	}
	return 0;
fail:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

int rbctl_connect(void)
{
	char path[PATH_MAX];

	rb_path("sock", path, sizeof(path));
	return unix_connect(SOCK_SEQPACKET, path);
}

int rbctl_call(int fd, const char *line, int passfd, char *reply, size_t n)
{
	int extra;
	ssize_t r;

	if (rb_send(fd, line, strlen(line), passfd) < 0 || !wait_in(fd, 5000) ||
	    (r = rb_recv(fd, reply, n - 1, &extra, 0)) < 0)
		return -1;
	if (extra >= 0)
		close(extra);
	reply[r] = 0;
	reply[strcspn(reply, "\n")] = 0;
	return r ? 0 : (errno = ECONNRESET, -1);
}

/* ---- a guest's start and stop ------------------------------------------ */
enum { RBM_NONE, RBM_KERNEL, RBM_NOTIFY };

void reboot_start_prepare(const struct guest *g, struct rb_start *s)
{
	s->ctl = s->sp[0] = s->sp[1] = -1;
	s->mode = RBM_NONE;
	/* S_SECCOMP allow:reboot: reboot(2) is the kernel's alone */
	if (g->c.sc_allow & (1u << seccomp_rule("reboot")))
		return;
	/* who will take the guest's reboot(2): rebootmgr, else its holder;
	 * with neither the kernel ends the guest's PID namespace (a halt).
	 * (Asked again once the guest runs: an rc may take long to boot.) */
	s->mode = RBM_KERNEL;
	if ((s->ctl = rbctl_connect()) >= 0)
		close(s->ctl);
	else if (!rbhold_reachable())
		return;
	s->ctl = -1;
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, s->sp)) {
		warn_errno("%s: can't make the socket pair for its reboot(2) listener", g->name);
		return;
	}
	s->mode = RBM_NOTIFY;
}

void reboot_start_child(struct rb_start *s)
{
	int l;

	/* the host's end stays there */
	if (s->sp[0] >= 0)
		close(s->sp[0]);
	if (s->mode == RBM_NONE)
		return;
	/* filter installed by PID 1 while it holds every capability (no
	 * no_new_privs needed): it covers all the guest's own processes */
	l = seccomp_reboot_filter(s->mode == RBM_NOTIFY);
	if (s->mode == RBM_NOTIFY) {
		if (rb_send(s->sp[1], "L", 1, l) < 0)
			die_errno("can't pass on the reboot(2) listener");
		close(l);
		close(s->sp[1]);
	}
}

void reboot_start_done(struct rb_start *s, const char *name, const struct ctx *c)
{
	char line[160], reply[RB_LINE_MAX];
	int l = -1;

	if (s->sp[1] >= 0)
		close(s->sp[1]);
	if (s->sp[0] >= 0) {
		char b;
		/* sent before anything of the guest ran */
		if (rb_recv(s->sp[0], &b, 1, &l, MSG_DONTWAIT) < 0)
			l = -1;
		close(s->sp[0]);
	}
	if ((s->ctl = rbctl_connect()) >= 0) {
		snprintf(line, sizeof(line), "add %s %ld %d %llu\n", name, c->xid, (int)c->pid, c->start);
		if (rbctl_call(s->ctl, line, l, reply, sizeof(reply)))
			warn_errno("%s: can't register with rebootmgr", name);
		else if (strcmp(reply, "ok"))
			warn("%s: rebootmgr refused it: %s", name, reply);
		close(s->ctl);
	} else if (l >= 0) {
		rbhold_put(c->xid, c->start, l);
	}
	if (l >= 0)
		close(l);
	s->ctl = s->sp[0] = s->sp[1] = -1;
}

void reboot_stop(const char *name, long xid)
{
	char line[128], reply[RB_LINE_MAX];
	const char *acts = getenv("VSBOX_REBOOTMGR_ACTS");
	int fd;

	/* rebootmgr's own restart or stop of it: rebootmgr let go already */
	if (acts && !strcmp(acts, name))
		return;
	if ((fd = rbctl_connect()) < 0)
		return;         /* no rebootmgr: nothing to tell */
	snprintf(line, sizeof(line), "del %s %ld\n", name, xid);
	if (rbctl_call(fd, line, -1, reply, sizeof(reply)))
		warn_errno("%s: can't tell rebootmgr it stops", name);
	close(fd);
}
