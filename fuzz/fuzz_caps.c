/* fuzz_caps.c - libFuzzer target for the capability-name parsers:
 * lib/caps.c cap_lookup (CAP_NET_RAW, net_raw, NET_RAW, numbers) and
 * S_CAPS (lib/conf.c parse_caps: names, !NAME drops, blanks and commas).
 * A name that parses must be a capability this kernel knows, and every
 * capability in the set must parse back from its canonical name. The first
 * byte picks the parser; lib/conf.c is included for its static parser. */
#include "../lib/conf.c"
#include <assert.h>
#include "fuzz/fuzz.h"
#include <sys/capability.h>

static void check_set(uint64_t set)
{
	for (int i = 0; i < 64; i++) {
		if (!(set & (1ULL << i)))
			continue;
		assert(i < (int)cap_max_bits());
		char *name = cap_to_name((cap_value_t)i);
		assert(name && cap_lookup(name) == i);
		cap_free(name);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vconf c;
	char err[512], *w;
	struct pctx p = { "g.conf", 1, err, sizeof(err) };
	int v;

	if (!size || size > 1024)
		return 0;
	applet_name = "fuzz_caps";
	if (!(w = fuzz_cstr(data, size, 1)))
		return 0;
	if (data[0] & 1) {
		if ((v = cap_lookup(w)) >= 0)
			check_set(1ULL << v);
	} else {
		memset(&c, 0, sizeof(c));
		if (!parse_caps(&p, w, &c)) {
			check_set(c.caps_add);
			check_set(c.caps_drop);
		}
	}
	free(w);
	return 0;
}
