/* t_oci.c - what OCI images need of lib/: INIT/ENV words (lib/confinit.c)
 * quoted and split back exactly, the keys in NAME.conf with FILE:LINE
 * errors, and the JSON reader (lib/jsonr.c) on what images contain */
#include "tap.h"

static struct vconf c;
static char err[512];

static int parse(const char *text)
{
	err[0] = 0;
	return conf_parse("g.conf", text, &c, err, sizeof(err));
}

/* quote each of w, split the result: the same words */
static void roundtrip(const char *const *w, int n, const char *name)
{
	char q[1024], buf[1024], *back[16];
	const char *why = NULL;
	size_t len = 0;
	bool same = true;

	q[0] = 0;
	for (int i = 0; i < n; i++)
		conf_quote(q, sizeof(q), &len, w[i]);
	int got = conf_words(q, buf, sizeof(buf), back, 16, &why);
	for (int i = 0; i < n && got == n; i++)
		same &= !strcmp(w[i], back[i]);
	ok(got == n && same, name);
	if (got != n || !same)
		printf("# quoted: %s\n", q);
}

static int json(const char *s, struct jr *d)
{
	return jr_parse(d, s, strlen(s), err, sizeof(err));
}

int main(void)
{
	char buf[256], *w[8];
	const char *why = NULL;
	struct jr d;
	long long v;

	applet_name = "t_oci";

	/* ---- words ---- */
	is_int(conf_words("/bin/sh -c 'echo a  b' \"x\\\"y\" z\\ w", buf, sizeof(buf), w, 8, &why), 5,
	       "five words: quotes and escapes");
	is_str(w[2], "echo a  b", "single quotes keep blanks");
	is_str(w[3], "x\"y", "double quotes take \\\"");
	is_str(w[4], "z w", "a backslash escapes a blank");
	is_int(conf_words("a 'b", buf, sizeof(buf), w, 8, &why), -1, "an open quote");
	is_str(why, "an unterminated ' quote", "  says so");
	is_int(conf_words("a b c d e f g h i", buf, sizeof(buf), w, 8, &why), -1, "too many words");
	static const char *const t1[] = { "/bin/sh", "-c", "echo \"$HOME\" 'x'; it's", "" };
	roundtrip(t1, 4, "quoting round trip: quotes, $, blanks, an empty word");
	static const char *const t2[] = { "plain", "a=b:c/d,e+f@g%h-i.j" };
	roundtrip(t2, 2, "plain words stay plain");
	size_t len = 0;
	conf_quote(buf, sizeof(buf), &len, "a=b");
	is_str(buf, "a=b", "  unquoted");
	len = 0;
	ok(!conf_quote(buf, 4, &len, "too long"), "conf_quote says when it does not fit");

	/* ---- the keys ---- */
	ok(!parse("INIT=\"/bin/sh -c 'sleep 1'\"\nENV=\"A=1 'B=x y' C=\"\nINIT_DIR=/srv\nINIT_USER=app:staff\n"),
	   "INIT, ENV, INIT_DIR, INIT_USER");
	is_str(c.env, "A=1 'B=x y' C=", "ENV as written");
	is_str(c.init_dir, "/srv", "INIT_DIR");
	is_str(c.init_user, "app:staff", "INIT_USER");
	ok(!parse("INIT_USER=1000\n"), "INIT_USER a number");
	ok(parse("ENV=\"A=1 2B=x\"\n") && !strcmp(err, "g.conf:1: ENV: '2B=x' is not NAME=VALUE"), "ENV: a bad name");
	ok(parse("\nENV=noequals\n") && !strcmp(err, "g.conf:2: ENV: 'noequals' is not NAME=VALUE"), "ENV: no =");
	ok(parse("ENV=\"A='x\"\n") && !strcmp(err, "g.conf:1: ENV: an unterminated ' quote"), "ENV: a bad quote");
	ok(parse("INIT=\"sh -c x\"\n") && strstr(err, "INIT: 'sh -c x' is not an absolute path"), "INIT: relative");
	ok(parse("INIT_DIR=srv\n") && strstr(err, "INIT_DIR: 'srv' is not an absolute path"), "INIT_DIR: relative");
	ok(parse("INIT_USER=a:b:c\n") && strstr(err, "INIT_USER: 'a:b:c' is not USER"), "INIT_USER: two colons");
	ok(parse("INIT_USER=:g\n"), "INIT_USER: no user");
	ok(parse("INIT_USER=-x\n"), "INIT_USER: an option-like name");
	ok(parse("ENV=A=1\nENV=B=2\n") && strstr(err, "ENV is set twice"), "ENV twice");

	/* ---- JSON ---- */
	ok(!json(" {\"a\": [1, \"x\\u00e9\\ud83d\\ude00\", {\"b\": null}], \"n\": -12} ", &d), "a document");
	int a = jr_get(&d, 0, "a");
	ok(a > 0 && d.tok[a].type == JR_ARR && d.tok[a].n == 3, "an array of three");
	int e = jr_next(&d, a, jr_first(&d, a));
	ok(jr_str(&d, e, buf, sizeof(buf)) && !strcmp(buf, "x\xc3\xa9\xf0\x9f\x98\x80"), "escapes decoded to UTF-8");
	ok(jr_int(&d, jr_get(&d, 0, "n"), &v) && v == -12, "a number");
	is_int(jr_get(&d, 0, "zz"), -1, "a missing key");
	jr_free(&d);
	ok(!json("{\"k\":1,\"k\":2}", &d) && jr_get(&d, 0, "k") == -2, "a key twice is reported, not picked");
	jr_free(&d);
	ok(!json("\"a\\u0000b\"", &d) && !jr_str(&d, 0, buf, sizeof(buf)), "a NUL is no C string");
	jr_free(&d);
	ok(json("[1,]", &d) && !d.tok, "a trailing comma is refused");
	is_str(err, "a value expected at byte 3", "  where");
	ok(json("{\"a\":1} x", &d), "text after the value");
	ok(json("\"\\ud800\"", &d), "a lone surrogate");
	ok(json("01", &d), "a leading zero");
	ok(json("\"a\nb\"", &d), "a raw control character");
	memset(buf, '[', 100);
	buf[100] = 0;
	ok(json(buf, &d) && strstr(err, "nested too deep"), "nesting is bounded");
	return done_testing();
}
