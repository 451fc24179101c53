/* json.c - the writer behind every --json output (vserver-stat, vps,
 * vserver NAME status, vservers status): keys in the order the caller
 * gives them, numbers as numbers, null for "not known", strings escaped
 * so that any byte sequence comes out as valid JSON (a byte that is not
 * part of well-formed UTF-8 becomes U+FFFD). It writes to stdout through
 * stdio and keeps track of the commas itself, one flag per nesting level,
 * so callers never print a separator.
 */
#include "vsbox.h"

#define JDEPTH 8
static struct {
	int depth;
	bool more[JDEPTH];      /* a value was written at this level already */
	bool keyed;             /* a key was just written: no comma before its value */
} J;

/* the comma (or nothing) before a new key or array element */
static void sep(void)
{
	if (J.keyed)
		J.keyed = false;
	else if (J.depth && J.more[J.depth - 1])
		putchar(',');
	if (J.depth)
		J.more[J.depth - 1] = true;
}

void json_open(char c)
{
	sep();
	putchar(c);
	if (J.depth < JDEPTH)
		J.more[J.depth] = false;
	J.depth++;
}

void json_close(char c)
{
	J.depth--;
	putchar(c);
	if (!J.depth)
		putchar('\n');
}

void json_key(const char *k)
{
	sep();
	printf("\"%s\":", k);
	J.keyed = true;
}

/* length of the well-formed UTF-8 sequence at s, 0 if there is none */
static int utf8_len(const unsigned char *s)
{
	int n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 && s[0] < 0xe0 ? 2 : 0;

	for (int i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* overlong forms, surrogates and code points past U+10FFFF */
	if ((n == 3 && s[0] == 0xe0 && s[1] < 0xa0) || (n == 3 && s[0] == 0xed && s[1] >= 0xa0) ||
	    (n == 4 && s[0] == 0xf0 && s[1] < 0x90) || (n == 4 && s[0] == 0xf4 && s[1] >= 0x90))
		return 0;
	return n;
}

void json_str(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	sep();
	if (!s) {
		fputs("null", stdout);
		return;
	}
	putchar('"');
	while (*p) {
		int n;
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p++);
		else if (*p < 0x20 || *p == 0x7f)
			printf("\\u%04x", *p++);
		else if (*p < 0x80)
			putchar(*p++);
		else if ((n = utf8_len(p))) {
			fwrite(p, 1, (size_t)n, stdout);
			p += n;
		} else {
			fputs("\\ufffd", stdout);
			p++;
		}
	}
	putchar('"');
}

void json_int(long long v)
{
	sep();
	printf("%lld", v);
}

void json_uint(unsigned long long v)
{
	sep();
	printf("%llu", v);
}

void json_real(double v)
{
	sep();
	printf("%.2f", v);
}

void json_null(void)
{
	sep();
	fputs("null", stdout);
}

void json_bool(bool v)
{
	sep();
	fputs(v ? "true" : "false", stdout);
}

/* an integer, or null when it is not known */
void json_intn(long long v, bool known)
{
	if (known)
		json_int(v);
	else
		json_null();
}
