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
