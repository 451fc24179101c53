/* fuzz_reboot.c - libFuzzer target for lib/reboot.c's request parser: what
 * a guest writes to /dev/reboot (any bytes at all: rebootmgr feeds the
 * parser as they come) and what the control socket gets. The first byte
 * picks the grammar and how the input is cut into reads; the parser must
 * never read past what it was given (the input is copied to a buffer of
 * exactly that size), die, or accept a line with anything beyond it. */
#include "vsbox.h"
#include "fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rb_req r;
	const char *why;
	char *buf;
	size_t len, step;

	if (size < 1)
		return 0;
	applet_name = "fuzz_reboot";
	len = size - 1;
	if (!(buf = malloc(len ? len : 1)))
		return 0;
	memcpy(buf, data + 1, len);
	/* as rebootmgr sees it: a growing buffer, a read at a time */
	step = (data[0] >> 1) % 16 + 1;
	for (size_t have = 0; ; ) {
		have = have + step > len ? len : have + step;
		if (have > RB_LINE_MAX)
			have = RB_LINE_MAX;
		int k = rb_parse(buf, have, data[0] & 1, &r, &why);
		if (k > 0) {
			/* a whole line, ending in its newline, of known words */
			if ((size_t)k > have || buf[k - 1] != '\n' || memchr(buf, '\n', (size_t)k - 1))
				abort();
			if (r.verb < RB_REBOOT || r.verb > RB_DEL || (r.verb >= RB_ADD) != (data[0] & 1))
				abort();
			if (r.verb >= RB_ADD && (!guest_name_ok(r.name) || r.xid < 2 || r.xid > XID_MAX))
				abort();
			break;
		}
		if (k < 0) {
			if (!why || !*why)
				abort();
			break;
		}
		if (have >= len || have >= RB_LINE_MAX) {
			/* no newline yet: only fine while it is short */
			if (have >= RB_LINE_MAX)
				abort();
			break;
		}
	}
	free(buf);
	return 0;
}
