/* lback6.c - a guest's private IPv6 loopback.
 *
 * Every guest on the shared stack that is locked to its IPROOT gets one
 * IPv6 address of its own, PREFIX::XID: a unique local address (RFC 4193)
 * from a prefix of the host's choosing, the context id in its last 32
 * bits, so it is stable for the guest's life, needs no allocation and no
 * two running guests share it. The start adds it to lo (a /128 alias,
 * recorded like IPROOT's aliases, so the stop and the crash repair remove
 * it), and the IP lock (lib/bpfsock.c) treats it as the guest's ::1:
 *
 *   bind(::1), bind(::) with IPV6_V6ONLY where IPROOT has no IPv6
 *   address (a setsockopt program remembers the option per socket) and
 *   connect/sendto(::1 or ::) go to PREFIX::XID, so stock
 *   configurations that listen on "localhost" or [::1] work with one IPv4
 *   address, and the host's own ::1 services stay out of reach;
 *   every other address of PREFIX is refused (ECONNREFUSED): no guest
 *   reaches another's private loopback; the host reaches all of them;
 *   a guest with no IPv6 address in IPROOT reaches no other IPv6
 *   destination (ENETUNREACH), as a host with only ::1 would not.
 *
 * The prefix: $VSBOX_LBACK6 if set, else the first line of
 * CONFDIR/.defaults/lback6, else fd76:7362:6f78::/48 ("vsbox" in ASCII
 * behind fd). "none" turns the private loopback off. A prefix is at most
 * /96 long (the xid needs the last 32 bits). One vsbox run directory per
 * host: two run directories (tests) that number contexts alike need
 * prefixes of their own, and a start whose address is taken already fails
 * rather than share it.
 */
#include "vsbox.h"
#include <arpa/inet.h>
#include <sys/xattr.h>

#define LBACK6_DEFAULT "fd76:7362:6f78::/48"

/* check one "PREFIX/LEN" or "none"; NULL, or what is wrong */
static const char *parse(const char *s, struct netaddr *pfx)
{
	static const unsigned char zero[4];

	if (!strcmp(s, "none")) {
		memset(pfx, 0, sizeof(*pfx));
		return NULL;
	}
	if (netaddr_parse(s, pfx) || pfx->family != AF_INET6)
		return "not an IPv6 prefix (PREFIX/LEN, or none)";
	if (pfx->prefix < 8 || pfx->prefix > 96)
		return "the prefix length must be 8 to 96 (the context id takes the last 32 bits)";
	if (memcmp(pfx->a + 12, zero, 4))
		return "the last 32 bits of the prefix must be zero";
	if (pfx->a[0] == 0xff || IN6_IS_ADDR_LOOPBACK((const struct in6_addr *)pfx->a))
		return "not a unicast prefix";
	return NULL;
}

bool lback6_prefix(struct netaddr *pfx)
{
	const char *env = getenv("VSBOX_LBACK6"), *why;
	char path[PATH_MAX], buf[128];

	if (env && *env) {
		if ((why = parse(env, pfx)))
			die("VSBOX_LBACK6 '%s': %s", env, why);
		return pfx->family != 0;
	}
	xsnprintf(path, sizeof(path), "%s/.defaults/lback6", confdir());
	if (read_file(path, buf, sizeof(buf)) < 0) {
		if (errno != ENOENT)
			die_errno("can't read %s", path);
		snprintf(buf, sizeof(buf), "%s", LBACK6_DEFAULT);
	}
	buf[strcspn(buf, " \t\n#")] = 0;
	if ((why = parse(buf, pfx)))
		die("%s:1: '%s': %s", path, buf, why);
	/* without IPv6 on lo (ipv6.disable=1, disable_ipv6) there is none */
	if (pfx->family && (read_file("/proc/sys/net/ipv6/conf/lo/disable_ipv6", buf, sizeof(buf)) < 0 ||
			    buf[0] != '0'))
		pfx->family = 0;
	return pfx->family != 0;
}

void lback6_addr(const struct netaddr *pfx, long xid, struct netaddr *out)
{
	uint32_t x = htonl((uint32_t)xid);

	*out = *pfx;
	memcpy(out->a + 12, &x, 4);
}

/* ---- chbind's trees --------------------------------------------------------
 * A tree locked by chbind outside any guest gets one from the same prefix:
 * PREFIX::8000:0 plus the low 31 bits of its cgroup's id (st_ino of the
 * cgroup2 directory: the kernel numbers the live cgroups from an IDR, so no
 * two have the same low bits; guests' context ids stay far below
 * 0x80000000). The address goes on lo once the tree's cgroup exists and is
 * written on that cgroup (the xattr trusted.vsbox.lback6); whoever removes
 * the cgroup removes the address (netlock_rmcg): chbind when CMD's tree has
 * ended, else a watcher chbind leaves behind, which waits for the cgroup to
 * empty (daemons), and if that was killed, the next chbind's sweep. Inside
 * a tree that has a private loopback already (a nested chbind), the inner
 * tree shares the outer's: nesting only narrows.
 */
#define TREE_XATTR "trusted.vsbox.lback6"
#define TREE_MARK 0x80000000u

/* where bind([::1]:0) lands from here: ::1 itself outside any lock */
static int where_lo6(unsigned char a[16])
{
	struct sockaddr_in6 s = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	socklen_t len = sizeof(s);
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0), e = 0;

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&s, sizeof(s)) || getsockname(fd, (struct sockaddr *)&s, &len))
		e = -1;
	close(fd);
	memcpy(a, &s.sin6_addr, 16);
	return e;
}

static bool in_prefix(const struct netaddr *pfx, const unsigned char *a)
{
	int bits = pfx->prefix;

	if (memcmp(pfx->a, a, (size_t)bits / 8))
		return false;
	return bits % 8 == 0 || !((pfx->a[bits / 8] ^ a[bits / 8]) & (0xff00 >> bits % 8));
}

bool lback6_is_private(const unsigned char a[16])
{
	static int known;
	static struct netaddr pfx;

	if (!known)
		known = lback6_prefix(&pfx) ? 1 : -1;
	return known > 0 && in_prefix(&pfx, a);
}

static void undo_tree(void *a)
{
	nl_addr_del("lo", AF_INET6, a, 128);
}

bool lback6_tree(int cgfd, struct netlock *nl)
{
	struct netaddrs *l = &nl->addrs;
	struct netaddr pfx, x;
	unsigned char lo6[16];
	struct stat st;
	char b[64];
	bool own = false;

	if (nl->lb6_given || !lback6_prefix(&pfx))
		return false;           /* --lback ADDR6, or no private loopbacks */
	if (where_lo6(lo6))
		return false;           /* a lock that refuses ::1 altogether */
	if (IN6_IS_ADDR_LOOPBACK((struct in6_addr *)lo6)) {
		/* ours to make */
		if (fstat(cgfd, &st))
			die_errno("can't stat the tree's cgroup");
		lback6_addr(&pfx, (long)(TREE_MARK | (uint32_t)(st.st_ino & 0x7fffffff)), &x);
		x.prefix = -1;
		netaddr_str(&x, b, sizeof(b));
		if (nl_addr_add("lo", AF_INET6, x.a, 128, NULL))
			die_errno(errno == EEXIST ? "the private IPv6 loopback %s is on lo already" :
				  "can't add the private IPv6 loopback %s to lo", b);
		undo_push(undo_tree, x.a, 16);
		if (fsetxattr(cgfd, TREE_XATTR, x.a, 16, 0))
			die_errno("can't record %s on the tree's cgroup", b);
		own = true;
	} else if (in_prefix(&pfx, lo6)) {
		/* inside a tree that has one: it is ours too */
		memset(&x, 0, sizeof(x));
		x.family = AF_INET6;
		memcpy(x.a, lo6, 16);
	} else {
		return false;           /* the outer lock's ::1 applies */
	}
	x.prefix = pfx.prefix;          /* the lock refuses the rest of it */
	if (l->n == NA_MAX)
		die("too many addresses: no room for the private IPv6 loopback");
	l->lb6 = x;
	l->own6 = true;
	l->a[l->n++] = x;
	return own;
}

void lback6_tree_read(int cgfd, unsigned char a[16], bool *have)
{
	*have = fgetxattr(cgfd, TREE_XATTR, a, 16) == 16;
}

void lback6_tree_drop(const unsigned char a[16])
{
	/* one gone already (removed by hand) is no error */
	if (nl_addr_del("lo", AF_INET6, a, 128) && errno != EADDRNOTAVAIL && errno != ENODEV) {
		struct netaddr x = { .family = AF_INET6 };
		char b[64];
		memcpy(x.a, a, 16);
		warn_errno("can't remove the private IPv6 loopback %s from lo", netaddr_str(&x, b, sizeof(b)));
	}
}
