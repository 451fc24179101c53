/* netns.c - NET=private: a guest with a network stack of its own.
 *
 * The guest is cloned into a new network namespace (ctx_spec.clone_extra);
 * while it mounts its root, the host side (guest_programs) makes, over
 * rtnetlink (lib/netlink.c, no ip(8)):
 *   one veth pair in one request: the host end vsHASH (HASH: 12 hex digits
 *   of the guest name's FNV-1a hash; a fixed MAC fe:..., never the lowest
 *   on a bridge) and the guest end, created straight in the guest's
 *   namespace as eth0 (MAC from the name's hash or NET_MAC) ->
 *   bridge mode: the host end is a port of BRIDGE ->
 *   routed mode (venet-like): the host end stays unnumbered, each IPROOT
 *   address gets a /32 or /128 route to it, proxy ARP and proxy NDP answer
 *   for them on NET_UPLINK; the guest's gateway is 169.254.0.1 / fe80::1, a
 *   permanent neighbour entry for the host end's MAC ->
 *   inside (a netlink socket made in the guest's namespace): lo up, IPROOT
 *   on eth0 (IPv6 without DAD: usable at once), the default routes ->
 *   the anti-spoofing chain on the host end's ingress (lib/nft.c).
 * Before the first of these, $RUNDIR/net/NAME lists what is about to exist;
 * netns_repair() removes exactly that (a failed start's undo, a stop, the
 * repair after a crash at any step), then the file. The rest goes with the
 * namespace: when the guest's last process exits, the kernel deletes both
 * veth ends and the routes through them. So a stop leaves the veth to that
 * (a kernel worker, a moment later: deleting it ourselves made the stop
 * wait for RCU grace periods), and a start that finds its host end still
 * there puts it aside (veth_aside).
 */
#include "vsbox.h"
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sys/socket.h>

static const unsigned char gw4[4] = { 169, 254, 0, 1 };
static const unsigned char gw6[16] = { 0xfe, 0x80, [15] = 1 };

static uint64_t name_hash(const char *name)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	return h;
}

void netns_names(const char *name, struct netns_names *n)
{
	uint64_t h = name_hash(name);

	snprintf(n->host, sizeof(n->host), "vs%012llx", (unsigned long long)(h >> 16));
	snprintf(n->table, sizeof(n->table), "vsbox-%s", name);
	/* locally administered unicast: 02:... the guest, fe:... the host */
	n->gmac[0] = 0x02;
	n->hmac[0] = 0xfe;
	for (int i = 1; i < 6; i++)
		n->gmac[i] = n->hmac[i] = (unsigned char)(h >> (8 * i));
}

static void state_path(const char *name, char *buf, size_t n)
{
	xsnprintf(buf, n, "%s/net/%s", rundir(), name);
}

/* ---- rtnetlink requests ---------------------------------------------------- */
/* dev's index, and its kind ("veth", "bridge", "" for none) when kind */
static int ifindex(int fd, const char *dev, char *kind, size_t kn)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	static char buf[8192] BIG;
	struct nlm m = { 0 };

	nlm_begin(&m, RTM_GETLINK, 0, &ifi, sizeof(ifi));
	nlm_str(&m, IFLA_IFNAME, dev);
	if (send(fd, m.buf, m.len, 0) != (ssize_t)m.len)
		return -1;
	ssize_t n = recv(fd, buf, sizeof(buf), 0);
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	if (n < (ssize_t)NLMSG_LENGTH(sizeof(ifi)) || n < (ssize_t)h->nlmsg_len)
		return -1;
	if (h->nlmsg_type == NLMSG_ERROR) {
		errno = -((struct nlmsgerr *)NLMSG_DATA(h))->error;
		return -1;
	}
	if (kind) {
		int len = (int)IFLA_PAYLOAD(h);
		*kind = 0;
		for (struct rtattr *a = IFLA_RTA(NLMSG_DATA(h)); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
			if ((a->rta_type & NLA_TYPE_MASK) != IFLA_LINKINFO)
				continue;
			int l2 = (int)RTA_PAYLOAD(a);
			for (struct rtattr *b = RTA_DATA(a); RTA_OK(b, l2); b = RTA_NEXT(b, l2))
				if (b->rta_type == IFLA_INFO_KIND)
					snprintf(kind, kn, "%.*s", (int)RTA_PAYLOAD(b), (char *)RTA_DATA(b));
		}
	}
	return ((struct ifinfomsg *)NLMSG_DATA(h))->ifi_index;
}

/* the device named dev (or index idx, then renamed to dev if given) up,
 * or down */
static int link_set(int fd, const char *dev, int idx, bool up)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = idx,
				 .ifi_flags = up ? IFF_UP : 0, .ifi_change = IFF_UP };
	struct nlm m = { 0 };

	nlm_begin(&m, RTM_NEWLINK, NLM_F_ACK, &ifi, sizeof(ifi));
	if (dev)
		nlm_str(&m, IFLA_IFNAME, dev);
	return nl_call(fd, &m, 1);
}

static int link_up(int fd, const char *dev, int idx)
{
	return link_set(fd, dev, idx, true);
}

static int link_del(int fd, const char *dev)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct nlm m = { 0 };

	nlm_begin(&m, RTM_DELLINK, NLM_F_ACK, &ifi, sizeof(ifi));
	nlm_str(&m, IFLA_IFNAME, dev);
	return nl_call(fd, &m, 1);
}

/* The host end of this guest's last run, still there: its namespace not
 * torn down yet (a kernel worker does that a moment after a stop) or kept
 * by someone. Deleting it would wait for RCU grace periods (an
 * rcu_barrier: 10..30 ms), so it goes down and out of the way, as vzXXX,
 * and its namespace's end still takes it along; else it is deleted. */
static int veth_aside(int fd, const char *dev)
{
	char aside[IFNAMSIZ];
	int idx = ifindex(fd, dev, NULL, 0);

	if (idx <= 0)
		return errno == ENODEV ? 0 : -1;
	xsnprintf(aside, sizeof(aside), "vz%013llx", (unsigned long long)(mono_ns() & 0xfffffffffffffULL));
	if (!link_set(fd, NULL, idx, false) && !link_set(fd, aside, idx, false))
		return 0;
	return link_del(fd, dev) && errno != ENODEV ? -1 : 0;
}

/* the pair: host end in our namespace, eth0 in nsfd's */
static int veth_add(int fd, const struct netns_names *n, const unsigned char *gmac, int nsfd,
		    int master)
{
	/* both down: an end can't go up before its peer is linked (ENOTCONN) */
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC }, peer = { .ifi_family = AF_UNSPEC };
	struct nlm m = { 0 };

	nlm_begin(&m, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK, &ifi, sizeof(ifi));
	nlm_str(&m, IFLA_IFNAME, n->host);
	nlm_put(&m, IFLA_ADDRESS, n->hmac, 6);
	if (master)
		nlm_u32(&m, IFLA_MASTER, (uint32_t)master);
	size_t li = nlm_nest(&m, IFLA_LINKINFO);
	nlm_str(&m, IFLA_INFO_KIND, "veth");
	size_t data = nlm_nest(&m, IFLA_INFO_DATA);
	size_t p = nlm_nest(&m, VETH_INFO_PEER);
	/* the peer's attributes follow its own ifinfomsg */
	size_t at = NLMSG_ALIGN(m.len);
	if (at + sizeof(peer) > sizeof(m.buf))
		die("netlink request too long");
	memcpy(m.buf + at, &peer, sizeof(peer));
	m.len = at + NLMSG_ALIGN(sizeof(peer));
	nlm_str(&m, IFLA_IFNAME, "eth0");
	nlm_put(&m, IFLA_ADDRESS, gmac, 6);
	nlm_u32(&m, IFLA_NET_NS_FD, (uint32_t)nsfd);
	nlm_end(&m, p);
	nlm_end(&m, data);
	nlm_end(&m, li);
	return nl_call(fd, &m, 1);
}

static int addr_add(int fd, int idx, const struct vc_addr *a, int prefix)
{
	struct ifaddrmsg ifa = { .ifa_family = (unsigned char)a->family,
				 .ifa_prefixlen = (unsigned char)prefix, .ifa_index = (unsigned)idx };
	size_t len = a->family == AF_INET ? 4 : 16;
	struct nlm m = { 0 };

	nlm_begin(&m, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE | NLM_F_ACK, &ifa, sizeof(ifa));
	nlm_put(&m, IFA_LOCAL, a->a, len);
	nlm_put(&m, IFA_ADDRESS, a->a, len);
	if (a->family == AF_INET && prefix < 31) {
		unsigned char b[4];
		uint32_t host = prefix ? 0xffffffffu >> prefix : 0xffffffffu;
		for (int i = 0; i < 4; i++)
			b[i] = a->a[i] | (unsigned char)(host >> (24 - 8 * i));
		nlm_put(&m, IFA_BROADCAST, b, 4);
	}
	/* no duplicate address detection: usable as a source at once */
	if (a->family == AF_INET6)
		nlm_u32(&m, IFA_FLAGS, IFA_F_NODAD);
	return nl_call(fd, &m, 1);
}

/* a route to dst/plen (dst NULL: the default) through gw (or NULL) on idx */
static int route_add(int fd, int family, const void *dst, int plen, const void *gw, int idx,
		     bool onlink)
{
	struct rtmsg rt = { .rtm_family = (unsigned char)family, .rtm_dst_len = (unsigned char)plen,
			    .rtm_table = RT_TABLE_MAIN, .rtm_protocol = RTPROT_STATIC,
			    .rtm_scope = gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK,
			    .rtm_type = RTN_UNICAST, .rtm_flags = onlink ? RTNH_F_ONLINK : 0 };
	size_t len = family == AF_INET ? 4 : 16;
	struct nlm m = { 0 };

	nlm_begin(&m, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE | NLM_F_ACK, &rt, sizeof(rt));
	if (dst)
		nlm_put(&m, RTA_DST, dst, len);
	if (gw)
		nlm_put(&m, RTA_GATEWAY, gw, len);
	nlm_u32(&m, RTA_OIF, (uint32_t)idx);
	return nl_call(fd, &m, 1);
}

/* a permanent neighbour (lladdr) or, with lladdr NULL, a proxy entry */
static int neigh_req(int fd, int type, int family, int idx, const void *dst, const void *lladdr)
{
	struct ndmsg nd = { .ndm_family = (unsigned char)family, .ndm_ifindex = idx,
			    .ndm_state = NUD_PERMANENT, .ndm_flags = lladdr ? 0 : NTF_PROXY };
	struct nlm m = { 0 };

	nlm_begin(&m, type, (type == RTM_NEWNEIGH ? NLM_F_CREATE | NLM_F_REPLACE : 0) | NLM_F_ACK,
		  &nd, sizeof(nd));
	nlm_put(&m, NDA_DST, dst, family == AF_INET ? 4 : 16);
	if (lladdr)
		nlm_put(&m, NDA_LLADDR, lladdr, 6);
	return nl_call(fd, &m, 1);
}

static void sysctl_set(const char *fmt, const char *dev, const char *val)
{
	char path[128];

	xsnprintf(path, sizeof(path), fmt, dev);
	if (write_file(path, val))
		die_errno("can't set %s to %s", path, val);
}

/* ---- checks before anything is made --------------------------------------- */
const char *netns_missing(const struct vconf *c, char *why, size_t n)
{
	char kind[16] = "", v[8];
	int fd = nl_socket(NETLINK_ROUTE, -1), bad = 0;

	if (fd < 0)
		return snprintf(why, n, "can't open rtnetlink: %s", strerror(errno)), why;
	if (c->net == NET_BRIDGE && (ifindex(fd, c->bridge, kind, sizeof(kind)) <= 0 || strcmp(kind, "bridge")))
		bad = snprintf(why, n, "BRIDGE %s: no such bridge", c->bridge);
	else if (c->net == NET_ROUTED && c->uplink[0] && ifindex(fd, c->uplink, NULL, 0) <= 0)
		bad = snprintf(why, n, "NET_UPLINK %s: no such device", c->uplink);
	close(fd);
	if (bad)
		return why;
	for (int i = 0; c->net == NET_ROUTED && i < c->nip; i++)
		/* IPv6 forwarding has only the global switch, which also turns
		 * off router advertisements on every interface: the admin's */
		if (c->ip[i].family == AF_INET6 &&
		    (read_file("/proc/sys/net/ipv6/conf/all/forwarding", v, sizeof(v)) < 0 || v[0] != '1'))
			return "routed IPv6 needs net.ipv6.conf.all.forwarding=1";
	return NULL;
}

void netns_check(const struct guest *g)
{
	char why[128];
	const char *m = netns_missing(&g->c, why, sizeof(why));

	if (m)
		die("%s: %s", g->name, m);
}

/* ---- start ------------------------------------------------------------------ */
static void undo_net(void *name)
{
	netns_repair(name, false);
}

static int prefix_of(const struct vconf *c, const struct vc_addr *a)
{
	if (c->net == NET_ROUTED)
		return a->family == AF_INET ? 32 : 128;
	if (a->prefix >= 0)
		return a->prefix;
	if (a->family == AF_INET)
		return c->mask >= 0 ? c->mask : 24;
	return 64;
}

void netns_setup(const struct guest *g, pid_t pid)
{
	const struct vconf *c = &g->c;
	struct netns_names n;
	char path[PATH_MAX], buf[2048], ip[64];
	size_t len;
	int hfd, gfd, nsfd, eth0, master = 0, uplink = 0;
	bool v4 = false, v6 = false;

	netns_names(g->name, &n);
	if (c->have_mac)
		memcpy(n.gmac, c->mac, 6);
	/* what is about to exist, written down before it does */
	len = (size_t)snprintf(buf, sizeof(buf), "veth=%s\nnft=%s\n", n.host, n.table);
	for (int i = 0; c->net == NET_ROUTED && c->uplink[0] && i < c->nip; i++)
		if (c->ip[i].family == AF_INET6)
			len += (size_t)snprintf(buf + len, len < sizeof(buf) ? sizeof(buf) - len : 0,
						"pndp=%s %s\n", c->uplink,
						inet_ntop(AF_INET6, c->ip[i].a, ip, sizeof(ip)));
	state_path(g->name, path, sizeof(path));
	*strrchr(path, '/') = 0;
	xmkdir_p(path, 0755);
	state_path(g->name, path, sizeof(path));
	xreplace_file(path, buf, len < sizeof(buf) ? len : sizeof(buf));
	undo_push(undo_net, g->name, strlen(g->name) + 1);

	xsnprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	if ((nsfd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		die_errno("%s: can't open the guest's network namespace", g->name);
	if ((hfd = nl_socket(NETLINK_ROUTE, -1)) < 0 || (gfd = nl_socket(NETLINK_ROUTE, nsfd)) < 0)
		die_errno("%s: can't open rtnetlink", g->name);
	if (c->net == NET_BRIDGE && !(master = (int)if_nametoindex(c->bridge)))
		die_errno("%s: BRIDGE %s", g->name, c->bridge);
	if (c->uplink[0] && !(uplink = (int)if_nametoindex(c->uplink)))
		die_errno("%s: NET_UPLINK %s", g->name, c->uplink);
	/* EEXIST: the host end of this guest's last run (veth_aside) */
	if (veth_add(hfd, &n, n.gmac, nsfd, master) &&
	    (errno != EEXIST || veth_aside(hfd, n.host) || veth_add(hfd, &n, n.gmac, nsfd, master)))
		die_errno("%s: can't create the veth pair %s", g->name, n.host);
	trace("veth made");
	/* a routed end first loses DAD: its link-local address is the
	 * source of its neighbour solicitations to the guest at once */
	if (c->net == NET_ROUTED) {
		sysctl_set("/proc/sys/net/ipv6/conf/%s/accept_dad", n.host, "0");
		sysctl_set("/proc/sys/net/ipv4/conf/%s/forwarding", n.host, "1");
	}
	if (link_up(hfd, n.host, 0) || link_up(gfd, "eth0", 0))
		die_errno("%s: can't bring %s and eth0 up", g->name, n.host);
	int host = (int)if_nametoindex(n.host);
	if ((eth0 = ifindex(gfd, "eth0", NULL, 0)) <= 0 || !host)
		die_errno("%s: can't find the veth ends", g->name);
	/* inside: lo (always index 1), the addresses, the routes */
	if (link_up(gfd, NULL, 1))
		die_errno("%s: can't bring lo up", g->name);
	for (int i = 0; i < c->nip; i++) {
		const struct vc_addr *a = &c->ip[i];
		inet_ntop(a->family, a->a, ip, sizeof(ip));
		if (addr_add(gfd, eth0, a, prefix_of(c, a)))
			die_errno("%s: can't add %s to eth0", g->name, ip);
		v4 |= a->family == AF_INET;
		v6 |= a->family == AF_INET6;
		if (c->net == NET_ROUTED && (route_add(hfd, a->family, a->a, a->family == AF_INET ? 32 : 128,
						      NULL, host, false) ||
					     (uplink && a->family == AF_INET6 &&
					      neigh_req(hfd, RTM_NEWNEIGH, AF_INET6, uplink, a->a, NULL))))
			die_errno("%s: can't route %s to %s", g->name, ip, n.host);
	}
	if (c->net == NET_ROUTED) {
		if (uplink) {
			/* the LAN's requests for the guest's addresses are
			 * answered on the uplink and forwarded; these stay on
			 * (other guests may route through it too) */
			sysctl_set("/proc/sys/net/ipv4/conf/%s/forwarding", c->uplink, "1");
			sysctl_set("/proc/sys/net/ipv4/conf/%s/proxy_arp", c->uplink, "1");
			if (v6)
				sysctl_set("/proc/sys/net/ipv6/conf/%s/proxy_ndp", c->uplink, "1");
		}
		if ((v4 && (neigh_req(gfd, RTM_NEWNEIGH, AF_INET, eth0, gw4, n.hmac) ||
			    route_add(gfd, AF_INET, NULL, 0, gw4, eth0, true))) ||
		    (v6 && (neigh_req(gfd, RTM_NEWNEIGH, AF_INET6, eth0, gw6, n.hmac) ||
			    route_add(gfd, AF_INET6, NULL, 0, gw6, eth0, false))))
			die_errno("%s: can't set the guest's default route", g->name);
	} else {
		if ((c->have_gw4 && route_add(gfd, AF_INET, NULL, 0, c->gw4, eth0, false)) ||
		    (c->have_gw6 && route_add(gfd, AF_INET6, NULL, 0, c->gw6, eth0, false)))
			die_errno("%s: can't set the default route through NET_GATEWAY", g->name);
	}
	trace("guest network configured");
	close(gfd);
	close(hfd);
	close(nsfd);
	nft_spoof_add(g->name, &n, n.gmac, c->ip, c->nip);
	trace("anti-spoofing rules loaded");
}

/* ---- stop and repair -------------------------------------------------------- */
void netns_repair(const char *name, bool ended)
{
	char path[PATH_MAX], buf[2048], *line, *save;
	int fd;

	/* a start killed while it wrote the file (before anything it names
	 * was made) leaves its temporary copy */
	state_path(name, path, sizeof(path));
	xsnprintf(buf, sizeof(buf), "%s.tmp", path);
	unlink(buf);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return;         /* a shared guest, or nothing left */
	if ((fd = nl_socket(NETLINK_ROUTE, -1)) < 0) {
		warn_errno("%s: can't open rtnetlink", name);
		return;
	}
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *v = strchr(line, '='), *sp;
		if (!v)
			continue;
		*v++ = 0;
		/* a synchronous delete of a veth waits for RCU grace periods
		 * (+10..20 ms to a stop); its namespace's teardown deletes it */
		if (!strcmp(line, "veth") && !ended && link_del(fd, v) && errno != ENODEV)
			warn_errno("%s: can't delete %s", name, v);
		if (!strcmp(line, "nft"))
			nft_spoof_del(name, v);
		if (!strcmp(line, "pndp") && (sp = strchr(v, ' '))) {
			unsigned char a[16];
			int idx;
			*sp++ = 0;
			if ((idx = (int)if_nametoindex(v)) && inet_pton(AF_INET6, sp, a) == 1 &&
			    neigh_req(fd, RTM_DELNEIGH, AF_INET6, idx, a, NULL) && errno != ENOENT)
				warn_errno("%s: can't remove the proxy entry %s on %s", name, sp, v);
		}
	}
	close(fd);
	unlink(path);
}

/* ---- status ----------------------------------------------------------------- */
#define ST_MAX 16
struct st_links { int n; int idx[ST_MAX]; bool up[ST_MAX]; char name[ST_MAX][16], addrs[ST_MAX][256]; };

static void st_link(const struct nlmsghdr *h, void *arg)
{
	struct st_links *l = arg;
	struct ifinfomsg *ifi = NLMSG_DATA(h);
	int len = (int)IFLA_PAYLOAD(h);

	if (h->nlmsg_type != RTM_NEWLINK || l->n == ST_MAX)
		return;
	l->idx[l->n] = ifi->ifi_index;
	l->up[l->n] = ifi->ifi_flags & IFF_UP;
	l->name[l->n][0] = l->addrs[l->n][0] = 0;
	for (struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == IFLA_IFNAME)
			snprintf(l->name[l->n], sizeof(l->name[0]), "%s", (char *)RTA_DATA(a));
	l->n++;
}

static void st_addr(const struct nlmsghdr *h, void *arg)
{
	struct st_links *l = arg;
	struct ifaddrmsg *ifa = NLMSG_DATA(h);
	int len = (int)IFA_PAYLOAD(h);
	char ip[64];

	if (h->nlmsg_type != RTM_NEWADDR)
		return;
	for (int i = 0; i < l->n; i++) {
		if (l->idx[i] != (int)ifa->ifa_index)
			continue;
		for (struct rtattr *a = IFA_RTA(ifa); RTA_OK(a, len); a = RTA_NEXT(a, len))
			if (a->rta_type == (ifa->ifa_family == AF_INET ? IFA_LOCAL : IFA_ADDRESS) &&
			    inet_ntop(ifa->ifa_family, RTA_DATA(a), ip, sizeof(ip))) {
				size_t k = strlen(l->addrs[i]);
				snprintf(l->addrs[i] + k, sizeof(l->addrs[0]) - k, " %s/%d", ip, ifa->ifa_prefixlen);
			}
	}
}

void netns_status(const struct guest *g, pid_t pid)
{
	static struct st_links l BIG;
	struct netns_names n;
	char path[64];
	int nsfd, fd = -1;

	netns_names(g->name, &n);
	printf("  network:   private, %s, host end %s%s%s\n",
	       g->c.net == NET_BRIDGE ? "bridge" : "routed", n.host,
	       g->c.net == NET_BRIDGE ? " on " : g->c.uplink[0] ? " uplink " : "",
	       g->c.net == NET_BRIDGE ? g->c.bridge : g->c.uplink);
	/* what the guest has now, seen from inside its namespace */
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	memset(&l, 0, sizeof(l));
	if ((nsfd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || (fd = nl_socket(NETLINK_ROUTE, nsfd)) < 0 ||
	    nl_dump(fd, RTM_GETLINK, AF_UNSPEC, st_link, &l) || nl_dump(fd, RTM_GETADDR, AF_UNSPEC, st_addr, &l))
		printf("  (its interfaces can't be read: %s)\n", strerror(errno));
	for (int i = 0; i < l.n; i++)
		printf("  %-10s %s%s\n", l.name[i], l.up[i] ? "up" : "down", l.addrs[i]);
	if (fd >= 0)
		close(fd);
	if (nsfd >= 0)
		close(nsfd);
}
