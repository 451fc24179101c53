/* gvprobe.c - what a process sees of the network and its view (kernel/patches
 * 0004), asked of the kernel directly rather than through a tool; built
 * static by tests/kernel/guestview.t, run inside guests and on the host.
 * usage: gvprobe OP [ARG...]
 *   view                 prctl(PR_GET_VSBOX_VIEW): "view=FLAGS" or "view=ERRNO"
 *   unview               prctl(PR_SET_VSBOX_VIEW) with flags 0 (remove it)
 *                        on the caller's cgroup2 directory (/sys/fs/cgroup):
 *                        "unview=OK" or "unview=ERRNO"
 *   listen ADDR PORT S   a TCP listener on ADDR (v4 or v6) for S seconds
 *   ulisten PATH S       a unix stream listener bound to PATH for S seconds
 *   diag FAMILY          listening TCP sockets by sock_diag (inet_diag),
 *                        FAMILY 4 or 6: one "ADDR:PORT" a line
 *   links                interface names of an RTM_GETLINK dump, a line each
 *   addrs                addresses of an RTM_GETADDR dump, a line each
 *   ifconf               SIOCGIFCONF: "NAME ADDR" a line
 *   getlink NAME         RTM_GETLINK of one device: "getlink=OK" or "=ERRNO"
 * Nothing here changes the host (unview on the host's own cgroup without
 * a view removes nothing). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include "ename.h"

#define PR_SET_VSBOX_VIEW 0x76737601
#define PR_GET_VSBOX_VIEW 0x76737602

struct view_args {              /* the kernel's struct vsbox_view_args */
	unsigned flags, n4, n6;
	int cgroup_fd;
	unsigned char a4[16][4], a6[16][16];
};

static void die(const char *what)
{
	perror(what);
	exit(2);
}

/* send req (len bytes) on a new netlink socket of proto, hand each answer
 * to cb until NLMSG_DONE or an error; returns 0 or the errno answered */
static int nl_talk(int proto, void *req, size_t len, void (*cb)(struct nlmsghdr *))
{
	char buf[32768];
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, proto);

	if (fd < 0)
		die("netlink socket");
	if (send(fd, req, len, 0) != (ssize_t)len)
		die("netlink send");
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0)
			die("netlink recv");
		for (struct nlmsghdr *h = (void *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE) {
				close(fd);
				return 0;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				int e = -((struct nlmsgerr *)NLMSG_DATA(h))->error;
				close(fd);
				return e;
			}
			cb(h);
			if (!(h->nlmsg_flags & NLM_F_MULTI)) {
				close(fd);
				return 0;
			}
		}
	}
}

static void print_addr(int family, const void *a, int port)
{
	char s[INET6_ADDRSTRLEN];

	inet_ntop(family, a, s, sizeof(s));
	if (port >= 0)
		printf(family == AF_INET6 ? "[%s]:%d\n" : "%s:%d\n", s, port);
	else
		printf("%s\n", s);
}

static void diag_cb(struct nlmsghdr *h)
{
	struct inet_diag_msg *m = NLMSG_DATA(h);

	print_addr(m->idiag_family, m->id.idiag_src, ntohs(m->id.idiag_sport));
}

static void link_cb(struct nlmsghdr *h)
{
	struct ifinfomsg *i = NLMSG_DATA(h);
	int len = IFLA_PAYLOAD(h);

	for (struct rtattr *a = IFLA_RTA(i); RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == IFLA_IFNAME)
			printf("%s\n", (char *)RTA_DATA(a));
}

static void addr_cb(struct nlmsghdr *h)
{
	struct ifaddrmsg *i = NLMSG_DATA(h);
	int len = IFA_PAYLOAD(h);

	for (struct rtattr *a = IFA_RTA(i); RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == IFA_ADDRESS)
			print_addr(i->ifa_family, RTA_DATA(a), -1);
}

static void nothing_cb(struct nlmsghdr *h) { (void)h; }

static void hold(int fd, const char *secs)
{
	if (listen(fd, 8))
		die("listen");
	printf("listening\n");
	fflush(stdout);
	sleep(atoi(secs));
}

int main(int argc, char **argv)
{
	const char *op = argc > 1 ? argv[1] : "";

	if (!strcmp(op, "view")) {
		int r = prctl(PR_GET_VSBOX_VIEW, 0, 0, 0, 0);
		if (r < 0)
			printf("view=%s\n", ename(errno));
		else
			printf("view=%d\n", r);
	} else if (!strcmp(op, "unview")) {
		struct view_args v = { .cgroup_fd = open("/sys/fs/cgroup", O_RDONLY | O_DIRECTORY) };
		printf("unview=%s\n", ename(prctl(PR_SET_VSBOX_VIEW, &v, sizeof(v), 0, 0) ? errno : 0));
	} else if (!strcmp(op, "listen") && argc == 5) {
		struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(atoi(argv[3])) };
		struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[3])) };
		int v6 = inet_pton(AF_INET6, argv[2], &s6.sin6_addr) == 1, one = 1;
		int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
		if (!v6 && inet_pton(AF_INET, argv[2], &s4.sin_addr) != 1)
			die("address");
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (v6 ? bind(fd, (void *)&s6, sizeof(s6)) : bind(fd, (void *)&s4, sizeof(s4)))
			die("bind");
		hold(fd, argv[4]);
	} else if (!strcmp(op, "ulisten") && argc == 4) {
		struct sockaddr_un u = { .sun_family = AF_UNIX };
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);
		snprintf(u.sun_path, sizeof(u.sun_path), "%s", argv[2]);
		unlink(u.sun_path);
		if (bind(fd, (void *)&u, sizeof(u)))
			die("bind");
		hold(fd, argv[3]);
	} else if (!strcmp(op, "diag") && argc == 3) {
		struct { struct nlmsghdr h; struct inet_diag_req_v2 r; } q = {
			.h = { sizeof(q), SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP, 1, 0 },
			.r = { .sdiag_family = atoi(argv[2]) == 6 ? AF_INET6 : AF_INET,
			       .sdiag_protocol = IPPROTO_TCP, .idiag_states = 1 << 10 /* LISTEN */ },
		};
		int e = nl_talk(NETLINK_SOCK_DIAG, &q, sizeof(q), diag_cb);
		if (e)
			printf("diag=%s\n", ename(e));
	} else if (!strcmp(op, "links") || !strcmp(op, "addrs")) {
		struct { struct nlmsghdr h; struct ifinfomsg i; } q = {
			.h = { sizeof(q), op[0] == 'l' ? RTM_GETLINK : RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, 1, 0 },
		};
		nl_talk(NETLINK_ROUTE, &q, sizeof(q), op[0] == 'l' ? link_cb : addr_cb);
	} else if (!strcmp(op, "getlink") && argc == 3) {
		struct { struct nlmsghdr h; struct ifinfomsg i; struct rtattr a; char name[IFNAMSIZ]; } q = {
			.h = { sizeof(q), RTM_GETLINK, NLM_F_REQUEST, 1, 0 },
			.a = { RTA_LENGTH(IFNAMSIZ), IFLA_IFNAME },
		};
		snprintf(q.name, sizeof(q.name), "%s", argv[2]);
		printf("getlink=%s\n", ename(nl_talk(NETLINK_ROUTE, &q, sizeof(q), nothing_cb)));
	} else if (!strcmp(op, "ifconf")) {
		struct ifreq r[64];
		struct ifconf c = { .ifc_len = sizeof(r), .ifc_req = r };
		int fd = socket(AF_INET, SOCK_DGRAM, 0);
		if (ioctl(fd, SIOCGIFCONF, &c))
			die("SIOCGIFCONF");
		for (int i = 0; i < c.ifc_len / (int)sizeof(r[0]); i++) {
			printf("%s ", r[i].ifr_name);
			print_addr(AF_INET, &((struct sockaddr_in *)&r[i].ifr_addr)->sin_addr, -1);
		}
	} else {
		fprintf(stderr, "gvprobe: unknown operation or arguments: %s\n", op);
		return 2;
	}
	return 0;
}
