/* t_unify.c - lib/sha256.c against the FIPS 180-4 examples (fed in odd
 * pieces), lib/uwalk.c's exclude patterns, lib/fiemap.c's extent compare */
#include "tap.h"

static const char *hex(const unsigned char *d, char *buf)
{
	for (int i = 0; i < 32; i++)
		sprintf(buf + 2 * i, "%02x", d[i]);
	return buf;
}

static const char *sum(const char *s, size_t n, size_t piece, char *buf)
{
	struct sha256 c;
	unsigned char d[32];

	sha256_init(&c);
	for (size_t o = 0; o < n; o += piece)
		sha256_update(&c, s + o, n - o < piece ? n - o : piece);
	sha256_final(&c, d);
	return hex(d, buf);
}

int main(void)
{
	char b[65];
	static char mil[1000000];
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	const char *pat[] = { "/etc", "/opt/*/etc", "/usr/lib/skip" };

	applet_name = "t_unify";
	is_str(sum("", 0, 1, b), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "sha256 of nothing");
	is_str(sum("abc", 3, 1, b), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "sha256 abc, a byte at a time");
	is_str(sum(two, strlen(two), 7, b), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
	       "sha256 of the two-block example, 7 bytes at a time");
	memset(mil, 'a', sizeof(mil));
	is_str(sum(mil, sizeof(mil), 4093, b), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
	       "sha256 of a million a, in pieces of 4093");
	is_str(sum(mil, 64, 64, b), "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb", "sha256 of 64 a: one full block");

	ok(uwalk_excluded(pat, 3, "/etc"), "/etc is excluded");
	ok(uwalk_excluded(pat, 3, "/etc/passwd"), "and what is below it");
	ok(!uwalk_excluded(pat, 3, "/etcetera"), "/etcetera is not");
	ok(uwalk_excluded(pat, 3, "/opt/app/etc/x"), "/opt/*/etc matches below /opt/app/etc");
	ok(!uwalk_excluded(pat, 3, "/opt/app/lib/etc"), "but not /opt/app/lib/etc");
	ok(!uwalk_excluded(pat, 3, "/usr/lib/skipped"), "a pattern is a whole name");
	ok(!uwalk_excluded(pat, 3, "/usr/bin/ls"), "/usr/bin/ls is a candidate");

	struct fext a[2] = { { 0, 4096, 8192, 0 }, { 8192, 65536, 4096, 0 } }, c[2];
	memcpy(c, a, sizeof(a));
	ok(fext_same(a, 2, c, 2), "the same extents");
	c[1].phys += 4096;
	ok(!fext_same(a, 2, c, 2), "one address differs");
	ok(!fext_same(a, 1, c, 2), "another count");
	ok(!fext_same(a, 0, c, 0), "no extents: nothing known to be shared");
	return done_testing();
}
