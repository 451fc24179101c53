/* scan.c - the few text parsers vsbox needs, in place of sscanf and strtod.
 *
 * Kernel interfaces: none. vsbox reads whitespace-separated words and
 * integers (mountinfo, cgroup.procs, uid_map, its own run files and the
 * migration protocol) and two decimal fractions (/proc/uptime, vtop -d).
 * musl's scanf and strtod bring a whole floating-point parser (about 10 KB
 * of a static binary that has no other use for it), and sscanf's "%255s"
 * silently truncates where a word that does not fit should be refused.
 */
#include "vsbox.h"
#include <ctype.h>

#define BLANKS " \t\n"

int split_words(char *s, char **w, int max)
{
	int n = 0;

	while (n < max) {
		s += strspn(s, BLANKS);
		if (!*s)
			break;
		w[n++] = s;
		s += strcspn(s, BLANKS);
		if (!*s)
			break;
		*s++ = 0;
	}
	return n;
}

bool word_at(const char *s, int i, char *buf, size_t size)
{
	for (;;) {
		s += strspn(s, BLANKS);
		if (!*s)
			return false;
		size_t l = strcspn(s, BLANKS);
		if (!i--) {
			if (l >= size)
				return false;
			memcpy(buf, s, l);
			buf[l] = 0;
			return true;
		}
		s += l;
	}
}

bool scan_ull(const char *s, int base, unsigned long long *out)
{
	char *end;

	/* strtoull would take blanks, a sign and (base 16) "0x" */
	if (!(base == 16 ? isxdigit((unsigned char)*s) : isdigit((unsigned char)*s)) ||
	    (base == 16 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')))
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &end, base);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

bool scan_ll(const char *s, long long lo, long long hi, long long *out)
{
	unsigned long long v;
	bool neg = *s == '-';

	if (!scan_ull(s + neg, 10, &v) || v > (unsigned long long)LLONG_MAX)
		return false;
	long long r = neg ? -(long long)v : (long long)v;
	if (r < lo || r > hi)
		return false;
	*out = r;
	return true;
}

bool scan_fixed(const char *s, int digits, long long *out)
{
	long long v = 0;
	int d = -1;             /* digits after the point so far; -1: none yet */

	if (!isdigit((unsigned char)*s))
		return false;
	for (; *s; s++) {
		if (*s == '.' && d < 0) {
			d = 0;
			continue;
		}
		if (!isdigit((unsigned char)*s))
			return false;
		if (d >= digits)
			continue;       /* beyond the precision asked for: cut */
		if (v > (LLONG_MAX - 9) / 10)
			return false;
		v = v * 10 + (*s - '0');
		if (d >= 0)
			d++;
	}
	for (d = d < 0 ? 0 : d; d < digits; d++) {
		if (v > LLONG_MAX / 10)
			return false;
		v *= 10;
	}
	*out = v;
	return true;
}

int hex2(const char *s)
{
	int v = 0;

	for (int i = 0; i < 2; i++) {
		char c = s[i];
		int x = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
			c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (x < 0)
			return -1;
		v = v * 16 + x;
	}
	return v;
}
