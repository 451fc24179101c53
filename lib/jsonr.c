/* jsonr.c - a small JSON reader, for what OCI images say about themselves
 * (index.json, manifests, image configurations).
 *
 * The text is parsed once into a flat array of tokens, each subtree
 * contiguous (jsmn's idea): an object is followed by its members, key then
 * value; an array by its elements; every token knows where its subtree
 * ends, so walking skips whole values without recursion. Nothing is
 * decoded until asked (jr_str). Strict RFC 8259: no comments, no trailing
 * commas, no control characters in strings, no lone surrogates, nothing
 * after the value; nesting at most JR_DEPTH deep. A key present twice in
 * an object is ambiguous (parsers differ on which wins), so jr_get reports
 * it instead of picking one. lib/json.c is the writer; fuzz/fuzz_jsonr.c
 * fuzzes this.
 */
#include "vsbox.h"

#define JR_DEPTH 64

struct jp {
	struct jr *d;
	const char *s;
	size_t len, i;
	int cap, depth;
	char *err;
	size_t n;
};

static int fail(struct jp *p, const char *what)
{
	snprintf(p->err, p->n, "%s at byte %zu", what, p->i);
	return -1;
}

static void ws(struct jp *p)
{
	while (p->i < p->len && strchr(" \t\n\r", p->s[p->i]) && p->s[p->i])
		p->i++;
}

static int newtok(struct jp *p, int type)
{
	if (p->d->ntok == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		p->d->tok = xrealloc(p->d->tok, (size_t)p->cap * sizeof(*p->d->tok));
	}
	struct jr_tok *t = &p->d->tok[p->d->ntok];
	*t = (struct jr_tok){ .type = (unsigned char)type, .off = p->i };
	return p->d->ntok++;
}

static int hex4(const char *s, unsigned *out)
{
	unsigned v = 0;

	for (int k = 0; k < 4; k++) {
		char c = s[k];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if ((c | 32) >= 'a' && (c | 32) <= 'f')
			v |= (unsigned)((c | 32) - 'a' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

/* a string from the opening quote; the token covers what is between */
static int string(struct jp *p, int t)
{
	p->i++;
	if (t >= 0)
		p->d->tok[t].off = p->i;
	while (p->i < p->len && p->s[p->i] != '"') {
		unsigned char c = (unsigned char)p->s[p->i];
		if (c < 0x20)
			return fail(p, "a control character in a string");
		if (c != '\\') {
			p->i++;
			continue;
		}
		if (p->i + 1 >= p->len)
			break;
		c = (unsigned char)p->s[p->i + 1];
		if (c != 'u') {
			if (!strchr("\"\\/bfnrt", c) || !c)
				return fail(p, "a bad escape in a string");
			p->i += 2;
			continue;
		}
		unsigned u, lo;
		if (p->i + 6 > p->len || hex4(p->s + p->i + 2, &u))
			return fail(p, "a bad \\u escape");
		p->i += 6;
		if (u >= 0xdc00 && u <= 0xdfff)
			return fail(p, "a lone low surrogate");
		if (u >= 0xd800 && u <= 0xdbff) {
			if (p->i + 6 > p->len || p->s[p->i] != '\\' || p->s[p->i + 1] != 'u' ||
			    hex4(p->s + p->i + 2, &lo) || lo < 0xdc00 || lo > 0xdfff)
				return fail(p, "a lone high surrogate");
			p->i += 6;
		}
	}
	if (p->i >= p->len)
		return fail(p, "an unterminated string");
	if (t >= 0)
		p->d->tok[t].len = p->i - p->d->tok[t].off;
	p->i++;
	return 0;
}

static bool digit(struct jp *p)
{
	return p->i < p->len && p->s[p->i] >= '0' && p->s[p->i] <= '9';
}

static int number(struct jp *p)
{
	if (p->s[p->i] == '-')
		p->i++;
	if (!digit(p))
		return fail(p, "a bad number");
	if (p->s[p->i] == '0')
		p->i++;
	else
		while (digit(p))
			p->i++;
	if (p->i < p->len && p->s[p->i] == '.') {
		p->i++;
		if (!digit(p))
			return fail(p, "a bad number");
		while (digit(p))
			p->i++;
	}
	if (p->i < p->len && (p->s[p->i] | 32) == 'e') {
		p->i++;
		if (p->i < p->len && (p->s[p->i] == '+' || p->s[p->i] == '-'))
			p->i++;
		if (!digit(p))
			return fail(p, "a bad number");
		while (digit(p))
			p->i++;
	}
	return 0;
}

static int value(struct jp *p)
{
	static const char *const lit[] = { "null", "true", "false" };
	int t;

	ws(p);
	if (p->i >= p->len)
		return fail(p, "a value expected");
	char c = p->s[p->i];
	if (c == '{' || c == '[') {
		bool obj = c == '{';
		char close = obj ? '}' : ']';
		if (++p->depth > JR_DEPTH)
			return fail(p, "nested too deep");
		t = newtok(p, obj ? JR_OBJ : JR_ARR);
		p->i++;
		ws(p);
		if (p->i < p->len && p->s[p->i] == close) {
			p->i++;
		} else {
			for (;;) {
				if (obj) {
					ws(p);
					if (p->i >= p->len || p->s[p->i] != '"')
						return fail(p, "a key expected");
					int k = newtok(p, JR_STR);
					if (string(p, k))
						return -1;
					p->d->tok[k].end = p->d->ntok;
					ws(p);
					if (p->i >= p->len || p->s[p->i] != ':')
						return fail(p, "':' expected");
					p->i++;
				}
				if (value(p))
					return -1;
				p->d->tok[t].n++;
				ws(p);
				if (p->i < p->len && p->s[p->i] == ',') {
					p->i++;
					continue;
				}
				if (p->i < p->len && p->s[p->i] == close) {
					p->i++;
					break;
				}
				return fail(p, obj ? "',' or '}' expected" : "',' or ']' expected");
			}
		}
		p->depth--;
	} else if (c == '"') {
		t = newtok(p, JR_STR);
		if (string(p, t))
			return -1;
		return p->d->tok[t].end = p->d->ntok, 0;
	} else if (c == '-' || (c >= '0' && c <= '9')) {
		t = newtok(p, JR_NUM);
		if (number(p))
			return -1;
	} else {
		size_t k;
		for (k = 0; k < 3; k++)
			if (p->len - p->i >= strlen(lit[k]) && !memcmp(p->s + p->i, lit[k], strlen(lit[k])))
				break;
		if (k == 3)
			return fail(p, "a value expected");
		t = newtok(p, k ? JR_BOOL : JR_NULL);
		p->i += strlen(lit[k]);
	}
	p->d->tok[t].len = p->i - p->d->tok[t].off;
	p->d->tok[t].end = p->d->ntok;
	return 0;
}

int jr_parse(struct jr *d, const char *text, size_t len, char *err, size_t n)
{
	struct jp p = { d, text, len, 0, 0, 0, err, n };

	*d = (struct jr){ .text = text };
	if (value(&p))
		goto bad;
	ws(&p);
	if (p.i < len) {
		fail(&p, "text after the value");
		goto bad;
	}
	return 0;
bad:
	jr_free(d);
	return -1;
}

void jr_free(struct jr *d)
{
	free(d->tok);
	d->tok = NULL;
	d->ntok = 0;
}

int jr_first(const struct jr *d, int t)
{
	if (t < 0 || t >= d->ntok || d->tok[t].type < JR_ARR || !d->tok[t].n)
		return -1;
	return t + 1;
}

int jr_next(const struct jr *d, int parent, int t)
{
	/* an object's members are key, value: t is a key or an element */
	int next = d->tok[parent].type == JR_OBJ ? d->tok[t + 1].end : d->tok[t].end;
	return next < d->tok[parent].end ? next : -1;
}

/* a key's text equals s? (keys with escapes are decoded first) */
static bool key_is(const struct jr *d, int k, const char *s)
{
	char buf[256];
	const struct jr_tok *t = &d->tok[k];

	if (!memchr(d->text + t->off, '\\', t->len))
		return t->len == strlen(s) && !memcmp(d->text + t->off, s, t->len);
	return jr_str(d, k, buf, sizeof(buf)) && !strcmp(buf, s);
}

int jr_get(const struct jr *d, int o, const char *key)
{
	int found = -1;

	if (o < 0 || o >= d->ntok || d->tok[o].type != JR_OBJ)
		return -1;
	for (int k = jr_first(d, o); k >= 0; k = jr_next(d, o, k))
		if (key_is(d, k, key)) {
			if (found >= 0)
				return -2;
			found = k + 1;
		}
	return found;
}

static size_t utf8(unsigned u, char *o)
{
	if (u < 0x80)
		return o[0] = (char)u, 1;
	if (u < 0x800)
		return o[0] = (char)(0xc0 | u >> 6), o[1] = (char)(0x80 | (u & 63)), 2;
	if (u < 0x10000)
		return o[0] = (char)(0xe0 | u >> 12), o[1] = (char)(0x80 | (u >> 6 & 63)),
		       o[2] = (char)(0x80 | (u & 63)), 3;
	o[0] = (char)(0xf0 | u >> 18), o[1] = (char)(0x80 | (u >> 12 & 63));
	o[2] = (char)(0x80 | (u >> 6 & 63)), o[3] = (char)(0x80 | (u & 63));
	return 4;
}

bool jr_str(const struct jr *d, int t, char *out, size_t n)
{
	if (t < 0 || t >= d->ntok || d->tok[t].type != JR_STR || !n)
		return false;
	const char *s = d->text + d->tok[t].off, *end = s + d->tok[t].len;
	size_t k = 0;

	while (s < end) {
		char tmp[4];
		size_t l = 1;
		if (*s != '\\') {
			tmp[0] = *s++;
		} else if (s[1] != 'u') {
			static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
			tmp[0] = to[strchr(from, s[1]) - from];
			s += 2;
		} else {
			unsigned u, lo;
			hex4(s + 2, &u);        /* checked by the parser */
			s += 6;
			if (u >= 0xd800 && u <= 0xdbff) {
				hex4(s + 2, &lo);
				u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
				s += 6;
			}
			if (!u)
				return false;   /* no NUL inside a C string */
			l = utf8(u, tmp);
		}
		if (k + l >= n)
			return false;
		memcpy(out + k, tmp, l);
		k += l;
	}
	out[k] = 0;
	return true;
}

char *jr_strdup(const struct jr *d, int t)
{
	if (t < 0 || t >= d->ntok || d->tok[t].type != JR_STR)
		return NULL;
	/* decoding never makes a string longer than its escaped form */
	char *s = xmalloc(d->tok[t].len + 1);
	if (!jr_str(d, t, s, d->tok[t].len + 1)) {
		free(s);
		return NULL;
	}
	return s;
}

bool jr_int(const struct jr *d, int t, long long *out)
{
	char buf[24], *end;

	if (t < 0 || t >= d->ntok || d->tok[t].type != JR_NUM || d->tok[t].len >= sizeof(buf))
		return false;
	memcpy(buf, d->text + d->tok[t].off, d->tok[t].len);
	buf[d->tok[t].len] = 0;
	errno = 0;
	*out = strtoll(buf, &end, 10);
	return !*end && !errno;
}
