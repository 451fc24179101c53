/* netlink.c - add, remove and look up IP addresses over NETLINK_ROUTE.
 *
 * A raw rtnetlink socket, no libnl: RTM_NEWADDR / RTM_DELADDR with
 * IFA_LOCAL + IFA_ADDRESS (+ IFA_BROADCAST), each request acknowledged
 * (NLM_F_ACK) so the kernel's errno comes back; RTM_GETADDR dumps to see
 * whether an address is already assigned somewhere.
 */
#include "vsbox.h"
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

struct nlreq {
	struct nlmsghdr h;
	struct ifaddrmsg ifa;
	char attrs[128];
};

static int nl_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

static void add_attr(struct nlreq *r, int type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)((char *)r + NLMSG_ALIGN(r->h.nlmsg_len));

	a->rta_type = (unsigned short)type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	r->h.nlmsg_len = NLMSG_ALIGN(r->h.nlmsg_len) + RTA_ALIGN(a->rta_len);
}

/* one socket per process for these requests (a start adds an alias or
 * two, a stop removes them): made at the first, kept open (close-on-exec);
 * a forked child, seeing another pid, makes its own, and one that lives
 * on without an exec (a guest's init) drops it: nl_forget(). Every caller
 * is in the host's network namespace, where the socket was made. */
static int shared_fd = -1;

static int nl_shared(void)
{
	static pid_t owner;
	pid_t me = getpid();

	if (shared_fd >= 0 && owner == me)
		return shared_fd;
	nl_forget();            /* (the parent's copy) */
	shared_fd = nl_open();
	owner = me;
	return shared_fd;
}

void nl_forget(void)
{
	if (shared_fd >= 0)
		close(shared_fd);
	shared_fd = -1;
}

/* send one request and wait for its ack: 0, or -1 with the kernel's errno */
static int nl_talk(struct nlreq *r)
{
	static unsigned seq;
	char buf[4096];
	int fd = nl_shared(), e = EIO;

	if (fd < 0)
		return -1;
	r->h.nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	r->h.nlmsg_seq = ++seq;
	if (send(fd, r, r->h.nlmsg_len, 0) != (ssize_t)r->h.nlmsg_len)
		return -1;
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h = (struct nlmsghdr *)buf;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr)))
			break;
		if (h->nlmsg_seq != seq || h->nlmsg_type != NLMSG_ERROR)
			continue;       /* (an answer an interrupted caller left) */
		int err = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
		if (!err)
			return 0;
		e = -err;
		break;
	}
	errno = e;
	return -1;
}

static int addr_req(int type, int flags, const char *dev, int family, const void *addr,
		    int prefix, const void *bcast)
{
	struct nlreq r;
	size_t len = family == AF_INET ? 4 : 16;
	/* lo is index 1 in every namespace (LOOPBACK_IFINDEX): no lookup */
	unsigned idx = strcmp(dev, "lo") ? if_nametoindex(dev) : 1;

	if (!idx)
		return -1;
	memset(&r, 0, sizeof(r));
	r.h.nlmsg_len = NLMSG_LENGTH(sizeof(r.ifa));
	r.h.nlmsg_type = (unsigned short)type;
	r.h.nlmsg_flags = (unsigned short)flags;
	r.ifa.ifa_family = (unsigned char)family;
	r.ifa.ifa_prefixlen = (unsigned char)prefix;
	r.ifa.ifa_index = idx;
	/* host scope for loopback addresses, like "ip addr add" picks */
	r.ifa.ifa_scope = family == AF_INET && ((const unsigned char *)addr)[0] == 127 ?
			  RT_SCOPE_HOST : RT_SCOPE_UNIVERSE;
	add_attr(&r, IFA_LOCAL, addr, len);
	add_attr(&r, IFA_ADDRESS, addr, len);
	if (bcast && family == AF_INET)
		add_attr(&r, IFA_BROADCAST, bcast, 4);
	return nl_talk(&r);
}

int nl_addr_add(const char *dev, int family, const void *addr, int prefix, const void *bcast)
{
	return addr_req(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, dev, family, addr, prefix, bcast);
}

int nl_addr_del(const char *dev, int family, const void *addr, int prefix)
{
	return addr_req(RTM_DELADDR, 0, dev, family, addr, prefix, NULL);
}

struct addr_find { int family; size_t len; const void *addr; int found; };

static void addr_each(const struct nlmsghdr *h, void *arg)
{
	struct addr_find *f = arg;
	struct ifaddrmsg *ifa = NLMSG_DATA(h);
	int alen = (int)IFA_PAYLOAD(h);

	if (h->nlmsg_type != RTM_NEWADDR || ifa->ifa_family != f->family)
		return;
	for (struct rtattr *a = IFA_RTA(ifa); RTA_OK(a, alen); a = RTA_NEXT(a, alen))
		if ((a->rta_type == IFA_LOCAL || a->rta_type == IFA_ADDRESS) &&
		    RTA_PAYLOAD(a) == f->len && !memcmp(RTA_DATA(a), f->addr, f->len))
			f->found = 1;
}

int nl_addr_exists(int family, const void *addr)
{
	struct addr_find f = { family, family == AF_INET ? 4 : 16, addr, 0 };
	int fd = nl_open();

	if (fd < 0)
		return -1;
	int r = nl_dump(fd, RTM_GETADDR, family, addr_each, &f);
	int e = errno;
	close(fd);
	errno = e;
	return r < 0 ? -1 : f.found;
}

struct dev_addrs {
	unsigned index;
	const char *name;
	void (*each)(int family, const unsigned char *addr, void *arg);
	void *arg;
};

/* an address of the device, by getifaddrs(3)'s rules: an IPv4 address
 * with a label ("lo:1") is the label's, not the device's; the local end,
 * not the peer's, of a point-to-point link */
static void dev_addr_each(const struct nlmsghdr *h, void *arg)
{
	struct dev_addrs *d = arg;
	struct ifaddrmsg *ifa = NLMSG_DATA(h);
	int alen = (int)IFA_PAYLOAD(h);
	const unsigned char *local = NULL, *address = NULL;
	const char *label = NULL;
	size_t len = ifa->ifa_family == AF_INET ? 4 : 16;

	if (h->nlmsg_type != RTM_NEWADDR || (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6))
		return;
	for (struct rtattr *a = IFA_RTA(ifa); RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
		if (a->rta_type == IFA_LOCAL && RTA_PAYLOAD(a) == len)
			local = RTA_DATA(a);
		else if (a->rta_type == IFA_ADDRESS && RTA_PAYLOAD(a) == len)
			address = RTA_DATA(a);
		else if (a->rta_type == IFA_LABEL && RTA_PAYLOAD(a) > 0 && RTA_PAYLOAD(a) <= IFNAMSIZ &&
			 !((char *)RTA_DATA(a))[RTA_PAYLOAD(a) - 1])
			label = RTA_DATA(a);
	}
	if (label ? !strcmp(label, d->name) : ifa->ifa_index == d->index)
		if (local || address)
			d->each(ifa->ifa_family, local ? local : address, d->arg);
}

int nl_dev_addrs(const char *dev, void (*each)(int family, const unsigned char *addr, void *arg), void *arg)
{
	struct dev_addrs d = { if_nametoindex(dev), dev, each, arg };
	int fd, r, e;

	if (!d.index || (fd = nl_open()) < 0)
		return -1;
	r = nl_dump(fd, RTM_GETADDR, AF_UNSPEC, dev_addr_each, &d);
	e = errno;
	close(fd);
	errno = e;
	return r;
}

void nl_alias_str(const struct vc_addr *a, char *buf, size_t n)
{
	char ip[64];

	inet_ntop(a->family, a->a, ip, sizeof(ip));
	snprintf(buf, n, "%s:%s/%d", a->dev, ip, a->prefix);
}

size_t nl_alias_lines(const struct vc_addr *a, int n, char *buf, size_t size)
{
	size_t k = 0;

	for (int i = 0; i < n; i++) {
		char s[128];
		nl_alias_str(&a[i], s, sizeof(s));
		k += (size_t)snprintf(buf + (k < size ? k : size), k < size ? size - k : 0, "addr=%s\n", s);
	}
	return k;
}

int nl_alias_parse(const char *s, struct vc_addr *a)
{
	char buf[128], *ip, *slash;

	/* DEV:ADDR/PREFIX; the device name has no ':' */
	snprintf(buf, sizeof(buf), "%s", s);
	if (!(ip = strchr(buf, ':')) || !(slash = strrchr(ip, '/')))
		return -1;
	*ip++ = 0;
	*slash++ = 0;
	memset(a, 0, sizeof(*a));
	if (strlen(buf) >= sizeof(a->dev))
		return -1;
	memcpy(a->dev, buf, strlen(buf));
	a->family = strchr(ip, ':') ? AF_INET6 : AF_INET;
	a->prefix = atoi(slash);
	return inet_pton(a->family, ip, a->a) == 1 ? 0 : -1;
}

void nl_aliases_del(const struct vc_addr *a, int n, const char *who)
{
	for (int i = n - 1; i >= 0; i--)
		if (nl_addr_del(a[i].dev, a[i].family, a[i].a, a[i].prefix) && errno != EADDRNOTAVAIL &&
		    errno != ENODEV) {
			char b[128];
			nl_alias_str(&a[i], b, sizeof(b));
			warn_errno("%s: can't remove address %s", who, b);
		}
}

/* ---- a generic request builder (links, routes, neighbours, nf_tables) ----
 * One buffer holds one message or a batch of them; nlm_begin() starts the
 * next, nlm_put()/nlm_nest() add attributes to it. Sizes are checked: a
 * message that would not fit is a bug of ours, so it dies. */
void nlm_begin(struct nlm *m, int type, int flags, const void *hdr, size_t hlen)
{
	size_t at = NLMSG_ALIGN(m->len);
	struct nlmsghdr *h = (struct nlmsghdr *)(m->buf + at);

	if (at + NLMSG_LENGTH(hlen) > sizeof(m->buf))
		die("netlink request too long");
	memset(h, 0, NLMSG_LENGTH(hlen));
	h->nlmsg_len = (uint32_t)NLMSG_LENGTH(hlen);
	h->nlmsg_type = (uint16_t)type;
	h->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
	h->nlmsg_seq = ++m->nmsg;
	if (hdr)
		memcpy(NLMSG_DATA(h), hdr, hlen);
	m->cur = at;
	m->len = at + h->nlmsg_len;
}

void nlm_put(struct nlm *m, int type, const void *data, size_t len)
{
	struct nlmsghdr *h = (struct nlmsghdr *)(m->buf + m->cur);
	size_t at = NLMSG_ALIGN(m->len);
	struct rtattr *a = (struct rtattr *)(m->buf + at);

	if (at + RTA_SPACE(len) > sizeof(m->buf))
		die("netlink request too long");
	a->rta_type = (unsigned short)type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(a), data, len);
	memset((char *)RTA_DATA(a) + len, 0, RTA_SPACE(len) - RTA_LENGTH(len));
	m->len = at + RTA_SPACE(len);
	h->nlmsg_len = (uint32_t)(m->len - m->cur);
}

void nlm_u32(struct nlm *m, int type, uint32_t v)
{
	nlm_put(m, type, &v, 4);
}

void nlm_str(struct nlm *m, int type, const char *s)
{
	nlm_put(m, type, s, strlen(s) + 1);
}

size_t nlm_nest(struct nlm *m, int type)
{
	size_t at = NLMSG_ALIGN(m->len);

	nlm_put(m, type | NLA_F_NESTED, NULL, 0);
	return at;
}

void nlm_end(struct nlm *m, size_t nest)
{
	((struct rtattr *)(m->buf + nest))->rta_len = (unsigned short)(m->len - nest);
}

int nl_socket(int proto, int nsfd)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int self = -1, fd, e;

	/* a socket stays in the namespace it was made in: enter nsfd's for
	 * the socket() call only */
	if (nsfd >= 0) {
		if ((self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) < 0)
			return -1;
		if (setns(nsfd, CLONE_NEWNET)) {
			e = errno;
			close(self);
			errno = e;
			return -1;
		}
	}
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, proto);
	e = errno;
	if (self >= 0) {
		if (setns(self, CLONE_NEWNET))
			die_errno("can't return to the host's network namespace");
		close(self);
	}
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		e = errno;
		close(fd);
		fd = -1;
	}
	errno = e;
	return fd;
}

int nl_call(int fd, struct nlm *m, int acks)
{
	static char buf[8192] BIG;
	int got = 0, err = 0;

	if (send(fd, m->buf, m->len, 0) != (ssize_t)m->len)
		return -1;
	/* each message asking NLM_F_ACK gets one; the first error counts */
	while (got < acks) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type != NLMSG_ERROR)
				continue;
			int e = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
			got++;
			if (e && !err)
				err = -e;
		}
		if (err)
			break;
	}
	m->len = m->cur = 0;
	m->nmsg = 0;
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}

int nl_dump(int fd, int type, int family, void (*each)(const struct nlmsghdr *h, void *arg), void *arg)
{
	struct { struct nlmsghdr h; struct rtgenmsg g; } req = {
		{ sizeof(req), (uint16_t)type, NLM_F_REQUEST | NLM_F_DUMP, 1, 0 }, { (unsigned char)family } };
	static char buf[32768] BIG;

	if (send(fd, &req, sizeof(req), 0) != sizeof(req))
		return -1;
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				errno = -((struct nlmsgerr *)NLMSG_DATA(h))->error;
				return -1;
			}
			each(h, arg);
		}
	}
}
