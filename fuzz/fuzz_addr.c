/* fuzz_addr.c - libFuzzer target for the address parsers: IPROOT's
 * [DEV:]ADDR[/MASK] words (lib/conf.c parse_ip, the whole IPROOT value,
 * IPROOTMASK's parse_mask) and chbind's ADDR[/PREFIX] (lib/net.c
 * netaddr_parse). Besides crashes and sanitizer reports, a parsed address
 * must print and parse back to itself. The first byte picks the parser.
 * lib/conf.c is included for its static parsers (the Makefile leaves it
 * out of this target's link). */
#include "../lib/conf.c"
#include <assert.h>
#include "fuzz/fuzz.h"

static void check_vc(const struct vc_addr *a)
{
	char ip[64], back[128], err[256];
	struct pctx p = { "again", 1, err, sizeof(err) };
	struct vc_addr b;

	assert(a->family == AF_INET || a->family == AF_INET6);
	assert(a->prefix >= -1 && a->prefix <= (a->family == AF_INET ? 32 : 128));
	assert(memchr(a->dev, 0, sizeof(a->dev)));
	assert(inet_ntop(a->family, a->a, ip, sizeof(ip)));
	snprintf(back, sizeof(back), "%s%s%s", a->dev, a->dev[0] ? ":" : "", ip);
	if (a->prefix >= 0)
		snprintf(back + strlen(back), sizeof(back) - strlen(back), "/%d", a->prefix);
	assert(!parse_ip(&p, back, &b));
	assert(b.family == a->family && b.prefix == a->prefix && !strcmp(b.dev, a->dev) &&
	       !memcmp(b.a, a->a, sizeof(a->a)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vconf c;
	char err[512], *w;
	struct pctx p = { "g.conf", 1, err, sizeof(err) };
	struct vc_addr a;
	struct netaddr x, y;

	if (!size || size > 1024)
		return 0;
	applet_name = "fuzz_addr";
	if (!(w = fuzz_cstr(data, size, 1)))
		return 0;
	switch (data[0] % 4) {
	case 0:         /* one IPROOT word */
		if (!parse_ip(&p, w, &a))
			check_vc(&a);
		break;
	case 1:         /* a whole IPROOT value: blank-separated words */
		memset(&c, 0, sizeof(c));
		if (!set_key(&p, 0, w, &c)) {
			assert(c.nip >= 0 && c.nip <= VC_MAXIP);
			for (int i = 0; i < c.nip; i++)
				check_vc(&c.ip[i]);
		}
		break;
	case 2: {       /* IPROOTMASK */
		int m = parse_mask(w, AF_INET);
		assert(m >= -1 && m <= 32);
		break;
	}
	case 3:         /* chbind --ip */
		if (!netaddr_parse(w, &x)) {
			char s[80];
			assert(x.prefix >= -1 && x.prefix <= (x.family == AF_INET ? 32 : 128));
			netaddr_str(&x, s, sizeof(s));      /* the address alone */
			if (x.prefix >= 0)
				snprintf(s + strlen(s), sizeof(s) - strlen(s), "/%d", x.prefix);
			assert(!netaddr_parse(s, &y) && netaddr_eq(&x, &y) && x.prefix == y.prefix);
		}
		break;
	}
	free(w);
	return 0;
}
