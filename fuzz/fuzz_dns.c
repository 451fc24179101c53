/* fuzz_dns.c - libFuzzer target for the DNS answer parser of lib/resolv.c
 * (what a nameserver, or a forger, sends back): the names with their
 * compression pointers, the records, the CNAME chain. The first byte picks
 * the type asked (even: A, odd: AAAA), the rest is the answer. Besides
 * crashes, sanitizer reports and hangs (a pointer loop), the addresses
 * found must be at most MAXADDR, all of the family asked. lib/resolv.c is
 * included for its static parser. */
#include "../lib/resolv.c"
#include <assert.h>
#include "fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct netaddr out[MAXADDR];
	char name[256];
	int cnt = 0, type;

	if (size < 1 || size > ANSMAX + 1)
		return 0;
	type = data[0] & 1 ? 28 : 1;
	if (getname(data + 1, (int)size - 1, 12, name) >= 0)
		assert(strlen(name) <= 255);
	parse(data + 1, (int)size - 1, type, out, &cnt);
	assert(cnt >= 0 && cnt <= MAXADDR);
	for (int i = 0; i < cnt; i++)
		assert(out[i].family == (type == 1 ? AF_INET : AF_INET6));
	return 0;
}
