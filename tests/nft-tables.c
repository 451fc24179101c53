/* nft-tables.c - print "FAMILY NAME" for every nf_tables table of the
 * network namespace it runs in (one NFT_MSG_GETTABLE dump), so netns.t
 * sees vsbox's anti-spoofing tables come and go without nft(8). Built by
 * the test itself; not part of vsbox. */
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
	struct { struct nlmsghdr h; struct nfgenmsg g; } req = {
		{ sizeof(req), (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETTABLE,
		  NLM_F_REQUEST | NLM_F_DUMP, 1, 0 }, { 0, NFNETLINK_V0, 0 } };
	static char buf[65536];
	int fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER);

	if (fd < 0 || send(fd, &req, sizeof(req), 0) != sizeof(req))
		return perror("nft-tables"), 1;
	for (;;) {
		int n = (int)recv(fd, buf, sizeof(buf), 0);
		if (n <= 0)
			return 1;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR)
				return 0;
			struct nfgenmsg *g = NLMSG_DATA(h);
			int len = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof(*g)));
			for (struct nlattr *a = (struct nlattr *)(g + 1); len >= (int)sizeof(*a) &&
			     a->nla_len >= sizeof(*a) && a->nla_len <= len;
			     len -= NLA_ALIGN(a->nla_len), a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len)))
				if ((a->nla_type & NLA_TYPE_MASK) == NFTA_TABLE_NAME)
					printf("%d %s\n", g->nfgen_family, (char *)(a + 1));
		}
	}
}
