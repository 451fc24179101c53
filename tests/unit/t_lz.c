/* t_lz.c - lib/lz.c: texts and bytes packed and unpacked to themselves,
 * the same stream every time, damaged streams refused */
#include "tap.h"

/* pack IN, unpack it again: whether it came back whole (*zn: packed size) */
static bool round_trip(const unsigned char *in, size_t n, size_t *zn)
{
	size_t cap = 2 * n + 16;
	unsigned char *z = malloc(cap), *back = malloc(n + 1);
	bool ok;

	*zn = lz_pack(in, n, z, cap);
	ok = (*zn || !n) && lz_unpack(z, *zn, back, n) && !memcmp(back, in, n);
	free(z);
	free(back);
	return ok;
}

int main(void)
{
	static unsigned char big[70000], z[40000], z2[40000], back[70000];
	const char *text =
		"usage: vkill [-s SIG] [--xid N] PID...\n"
		"       vkill [-s SIG] --xid N --all\n"
		"Send SIG (default TERM) to each PID, which must belong to context N if given.\n"
		"  --xid N  the context; --all: every process of context N\n";
	unsigned char bytes[512];
	size_t zn, n;
	unsigned seed = 1;

	applet_name = "t_lz";
	n = strlen(text);
	ok(round_trip((const unsigned char *)text, n, &zn), "a usage text comes back whole");
	ok(zn < n * 3 / 4, "  packed to less than three quarters");
	ok(round_trip((const unsigned char *)"", 0, &zn) && zn == 0, "nothing packs to nothing");
	ok(round_trip((const unsigned char *)"a", 1, &zn) && zn == 1, "one ASCII character: one byte");

	for (int k = 0; k < 512; k++)
		bytes[k] = (unsigned char)k;
	ok(round_trip(bytes, sizeof(bytes), &zn), "every byte value, NUL and 8-bit ones (escaped), twice");

	memset(big, ' ', sizeof(big));
	ok(round_trip(big, sizeof(big), &zn) && zn < sizeof(big) / 64, "70000 blanks: copies overlapping themselves");

	for (size_t k = 0; k < sizeof(big); k++) {
		seed = seed * 1103515245 + 12345;
		big[k] = (unsigned char)(seed >> 16);
	}
	ok(round_trip(big, sizeof(big), &zn), "70000 random bytes, beyond any window");
	for (size_t k = 0; k < sizeof(big); k++)
		big[k] = (unsigned char)"abcdefghij\n"[(k * k / 7) % 11];
	ok(round_trip(big, sizeof(big), &zn), "a long repetitive text with far copies");

	n = lz_pack((const unsigned char *)text, strlen(text), z, sizeof(z));
	ok(n == lz_pack((const unsigned char *)text, strlen(text), z2, sizeof(z2)) && !memcmp(z, z2, n),
	   "the same input gives the same stream");
	is_int(lz_pack((const unsigned char *)text, strlen(text), z2, 10), 0, "too small a buffer: 0");

	ok(!lz_unpack(z, n / 2, back, strlen(text)), "a truncated stream is refused");
	ok(!lz_unpack(z, n, back, strlen(text) + 1), "  so is one asked for more than it holds");
	/* a copy from before the start: 1, gamma(1) (len 3), gamma(1), offset 0 -> 1 back */
	memcpy(z2, "\xe0\x00\x00", 3);
	ok(!lz_unpack(z2, 3, back, 3), "a copy from before the start is refused");
	return done_testing();
}
