/* lb6floor.c - the least a private IPv6 loopback can cost a start+stop on
 * this machine: one /128 added to lo and removed again, by rtnetlink, as
 * lib/lback6.c does, and nothing else (no state file, no lock). Prints the
 * median of ROUNDS pairs in microseconds. bench/60-lback6.sh prints it
 * beside the cycle's difference. Built and run by the bench; not part of
 * vsbox.
 *
 * usage: lb6floor ADDR ROUNDS       (ADDR: an IPv6 address of the bench's)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* one RTM_NEWADDR or RTM_DELADDR of addr/128 on lo, through a socket of
 * its own (as vsbox opens one per request); 0 when acknowledged */
static int req(int type, const struct in6_addr *addr, int idx)
{
	struct {
		struct nlmsghdr h;
		struct ifaddrmsg ifa;
		struct rtattr rta;
		struct in6_addr a;
	} r = {
		.h = { .nlmsg_len = sizeof(r), .nlmsg_type = (unsigned short)type,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (type == RTM_NEWADDR ? NLM_F_CREATE | NLM_F_EXCL : 0) },
		.ifa = { .ifa_family = AF_INET6, .ifa_prefixlen = 128, .ifa_index = (unsigned)idx },
		.rta = { .rta_len = RTA_LENGTH(sizeof(struct in6_addr)), .rta_type = IFA_LOCAL },
		.a = *addr,
	};
	char buf[512];
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE), ok = -1;

	if (fd < 0)
		return -1;
	if (send(fd, &r, sizeof(r), 0) == (ssize_t)sizeof(r) && recv(fd, buf, sizeof(buf), 0) > 0) {
		struct nlmsghdr *h = (struct nlmsghdr *)buf;
		if (h->nlmsg_type == NLMSG_ERROR && !((struct nlmsgerr *)NLMSG_DATA(h))->error)
			ok = 0;
	}
	close(fd);
	return ok;
}

static int cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	struct in6_addr a;
	int idx = (int)if_nametoindex("lo"), n = argc > 2 ? atoi(argv[2]) : 0;
	double *t;

	if (argc != 3 || n < 1 || inet_pton(AF_INET6, argv[1], &a) != 1 || !idx)
		return 2;
	t = calloc((size_t)n, sizeof(double));
	for (int i = 0; i < n; i++) {
		double t0 = now();
		if (req(RTM_NEWADDR, &a, idx) || req(RTM_DELADDR, &a, idx)) {
			fprintf(stderr, "lb6floor: can't add and remove %s on lo\n", argv[1]);
			req(RTM_DELADDR, &a, idx);
			return 1;
		}
		t[i] = now() - t0;
	}
	qsort(t, (size_t)n, sizeof(double), cmpd);
	printf("%.0f\n", t[n / 2]);
	return 0;
}
