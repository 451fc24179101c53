/* fuzz_ulimit.c - libFuzzer target for ULIMIT (lib/conf.c parse_ulimit):
 * the shell's ulimit options, -H/-S, values or "unlimited", -u as the
 * guest's pids.max. What parses must be applicable: at most VC_MAXRL
 * limits, known resources, soft and/or hard set, and no value beyond the
 * parser's own bound (2^50 units) other than RLIM_INFINITY. lib/conf.c is
 * included for its static parser. */
#include "../lib/conf.c"
#include <assert.h>
#include "fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vconf c;
	char err[512], *w;
	struct pctx p = { "g.conf", 1, err, sizeof(err) };

	if (size > 4096)
		return 0;
	applet_name = "fuzz_ulimit";
	if (!(w = fuzz_cstr(data, size, 0)))
		return 0;
	memset(&c, 0, sizeof(c));
	c.nproc = -1;
	if (!parse_ulimit(&p, w, &c)) {
		assert(c.nrl >= 0 && c.nrl <= VC_MAXRL);
		assert(c.nproc >= -1 && c.nproc <= (1LL << 50));
		for (int i = 0; i < c.nrl; i++) {
			const struct vc_rlimit *r = &c.rl[i];
			size_t k;
			for (k = 0; k < sizeof(rlimits) / sizeof(rlimits[0]) && rlimits[k].res != r->res; k++)
				;
			assert(k < sizeof(rlimits) / sizeof(rlimits[0]));
			assert(r->set_soft || r->set_hard);
			assert(r->soft == r->hard);
			assert(r->hard == RLIM_INFINITY || r->hard <= (1ULL << 50) * rlimits[k].scale);
		}
	} else {
		assert(err[0]);
	}
	free(w);
	return 0;
}
