/* pglob.c - shell patterns on paths, for the exclusions of vunify, vdu and
 * vserver build (--exclude).
 *
 * What fnmatch(3) does with FNM_PATHNAME | FNM_LEADING_DIR, in the C locale:
 * "*" and "?" never match a "/", "[...]" is a set ("!" or "^" first
 * negates it; ranges; the classes [:alpha:] and the like), a backslash
 * quotes the next character, and a pattern matches a path or any of the
 * directories above it ("/etc" matches "/etc/passwd"). musl's fnmatch
 * knows wide characters for this, and pulls in 16 KB of Unicode tables
 * through them; paths here are bytes.
 */
#include "vsbox.h"
#include <ctype.h>

static bool in_class(const char *name, size_t n, unsigned char c)
{
	static const struct { const char *name; int (*is)(int); } cls[] = {
		{ "alnum", isalnum }, { "alpha", isalpha }, { "blank", isblank },
		{ "cntrl", iscntrl }, { "digit", isdigit }, { "graph", isgraph },
		{ "lower", islower }, { "print", isprint }, { "punct", ispunct },
		{ "space", isspace }, { "upper", isupper }, { "xdigit", isxdigit },
	};

	for (size_t k = 0; k < sizeof(cls) / sizeof(cls[0]); k++)
		if (strlen(cls[k].name) == n && !memcmp(cls[k].name, name, n))
			return cls[k].is(c);
	return false;   /* an unknown class matches nothing */
}

/* The length of the set "[...]" at P (PE: the pattern's end), or 0 when
 * it has no closing "]" (then "[" is a plain character). A "]" first (after
 * "!" or "^") is a member; "[:", "[." and "[=" open a name up to ":]" etc. */
static size_t set_len(const char *p, const char *pe)
{
	const char *q = p + 1;

	q += q < pe && (*q == '!' || *q == '^');
	q += q < pe && *q == ']';
	for (; q < pe && *q != ']'; q++)
		if (*q == '[' && q + 1 < pe && strchr(":.=", q[1]) && q[1]) {
			char z = q[1];
			q += q + 3 <= pe ? 3 : 2;
			while (q < pe && !(q[-1] == z && *q == ']'))
				q++;
			if (q == pe)
				break;
		}
	return q < pe ? (size_t)(q + 1 - p) : 0;
}

/* whether C is in the set at P (whose length set_len() found). A backslash
 * is a member like any other; "X-Y" is the range from the character before
 * the "-" (X itself is a member); [:CLASS:] by ctype; [.X.] and [=X=]
 * match nothing. */
static bool set_has(const char *p, unsigned char c)
{
	bool neg = p[1] == '!' || p[1] == '^';
	unsigned char last;

	p += 1 + neg;
	if (*p == ']' || *p == '-') {
		if (c == (unsigned char)*p)
			return !neg;
		p++;
	}
	last = (unsigned char)p[-1];
	for (; *p != ']'; p++) {
		if (p[0] == '-' && p[1] != ']') {
			if (last <= c && c <= (unsigned char)p[1])
				return !neg;
		} else if (p[0] == '[' && p[1] && strchr(":.=", p[1])) {
			const char *name = p + 2;
			char z = p[1];
			for (p += 3; p[-1] != z || *p != ']'; p++)
				;
			if (z == ':' && in_class(name, (size_t)(p - 1 - name), c))
				return !neg;
		} else {
			last = (unsigned char)*p;
			if (c == last)
				return !neg;
		}
	}
	return neg;
}

/* the pattern item at P against C: its length if C matches it, else 0 */
static size_t item(const char *p, const char *pe, unsigned char c)
{
	size_t n;

	if (p == pe)
		return 0;
	if (*p == '?')
		return 1;
	if (*p == '[' && (n = set_len(p, pe)))
		return set_has(p, c) ? n : 0;
	if (*p == '\\' && p + 1 < pe)
		return (unsigned char)p[1] == c ? 2 : 0;
	return (unsigned char)*p == c;
}

/* one component: pattern P..PE against S..SE (a "*" retried on failure) */
static bool part(const char *p, const char *pe, const char *s, const char *se)
{
	const char *star = NULL, *retry = NULL;

	while (s < se) {
		size_t n;

		if (p < pe && *p == '*') {
			star = ++p;
			retry = s;
		} else if ((n = item(p, pe, (unsigned char)*s))) {
			p += n;
			s++;
		} else if (star) {
			p = star;
			s = ++retry;
		} else {
			return false;
		}
	}
	while (p < pe && *p == '*')
		p++;
	return p == pe;
}

/* the end of the pattern's component at P (PE: the pattern's end): a "/",
 * or an escaped one, outside a set; *next is where the next one starts */
static const char *part_end(const char *p, const char *pe, const char **next)
{
	size_t n;

	while (p < pe && *p != '/' && !(*p == '\\' && p[1] == '/')) {
		if (*p == '\\' && p + 1 < pe)
			p += 2;
		else if (*p == '[' && (n = set_len(p, pe)))
			p += n;
		else
			p++;
	}
	*next = p == pe ? NULL : p + 1 + (*p == '\\');
	return p;
}

bool pglob_match(const char *pat, const char *path)
{
	const char *end = pat + strlen(pat);

	for (;;) {
		const char *next, *pe = part_end(pat, end, &next), *se = path + strcspn(path, "/");

		if (!part(pat, pe, path, se))
			return false;
		if (!next)
			return true;    /* the path itself, or a directory above it */
		if (!*se)
			return false;
		pat = next;
		path = se + 1;
	}
}
