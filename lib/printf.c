/* printf.c - vfprintf for the static musl build, in the size of what vsbox
 * prints.
 *
 * Every printf of musl (printf, fprintf, snprintf, asprintf, dprintf, and
 * the ones inside musl such as inet_ntop's) ends in vfprintf, and musl's
 * brings a formatter for every long double form (%Le, %g, %a...): 12 KB of
 * the binary. This one is linked in its place (9 KB less) and writes the
 * conversions vsbox uses, each exactly as C11 says:
 *   d i u o x X c s %   flags - 0 + space #, width and precision (digits
 *                       or *), lengths hh h l ll z j t
 *   f F                 any double, rounded half to even on its exact
 *                       binary value (as musl and glibc do); decimals past
 *                       the 36th are written 0
 * Not there: %e %g %a %p %n %m, %lc %ls, long double, positional arguments
 * (%1$d). Such a conversion fails with EINVAL, having written what came
 * before it; but GCC computes snprintf's result itself where it can, the
 * way C defines it, so none may be used (tests/unit/t_printf.c checks the
 * list).
 *
 * The text goes to the stream through a buffer of 256 bytes, so that a line
 * to the unbuffered stderr is one write() (musl's cuts it every 80 bytes).
 * A glibc build (make check-asan) keeps glibc's: its printf never calls
 * vfprintf by that name.
 */
#include "vsbox.h"

#ifndef __GLIBC__

struct out {
	FILE *f;
	size_t n, total;
	bool err;
	char buf[256];
};

static void flush(struct out *o)
{
	if (o->n && fwrite(o->buf, 1, o->n, o->f) != o->n)
		o->err = true;
	o->n = 0;
}

static void put(struct out *o, const char *s, size_t n)
{
	o->total += n;
	while (n) {
		size_t k = sizeof(o->buf) - o->n;

		if (!k) {
			flush(o);
			continue;
		}
		if (k > n)
			k = n;
		memcpy(o->buf + o->n, s, k);
		o->n += k;
		s += k;
		n -= k;
	}
}

static void pad(struct out *o, char c, long n)
{
	while (n-- > 0)
		put(o, &c, 1);
}

/* the digits of V in BASE, written backwards ending at END: their start */
static char *digits(char *end, unsigned long long v, unsigned base, bool upper)
{
	do {
		*--end = "0123456789abcdef"[v % base] - (upper && v % base > 9 ? 32 : 0);
		v /= base;
	} while (v);
	return end;
}

/* X with PREC decimals, rounded half to even on its exact binary value,
 * written backwards ending at END: its start (FLOAT_MAX bytes at most).
 * The exact product |X| * 10^PREC is kept in base 10^9 limbs and halved
 * or doubled to the binary exponent: a few microseconds for the values
 * vsbox prints, and right for any double. */
#define LIMBS 40                         /* 360 digits: DBL_MAX and 36 decimals */
#define FLOAT_MAX (LIMBS * 9 + 2)
static char *fixed(char *end, double x, int prec, bool dot)
{
	uint32_t d[LIMBS];
	uint64_t b;
	int n = 2, shift, e;
	bool half = false, sticky = false;

	memcpy(&b, &x, sizeof(b));
	e = b >> 52 & 0x7ff;
	b &= (1ULL << 52) - 1;
	if (e)
		b |= 1ULL << 52;
	shift = 1075 - (e ? e : 1);              /* |x| = b / 2^shift */
	d[0] = b % 1000000000;
	d[1] = b / 1000000000;
	/* times 10^prec, times or over 2^shift, each step a pass over the limbs */
	for (int k = 0; k < prec + (shift < 0 ? -shift : 0); k++) {
		uint32_t mul = k < prec ? 10 : 2, carry = 0;

		for (int i = 0; i < n; i++) {
			uint64_t t = (uint64_t)d[i] * mul + carry;

			d[i] = t % 1000000000;
			carry = t / 1000000000;
		}
		if (carry && n < LIMBS)
			d[n++] = carry;
	}
	for (int k = 0; k < shift; k++) {
		uint32_t rem = 0;

		sticky |= half;
		if (!n) {                        /* nothing left to halve */
			half = false;
			break;
		}
		half = d[0] & 1;                 /* (10^9 is even: d[0]'s parity is N's) */
		for (int i = n; i-- > 0;) {
			uint64_t t = (uint64_t)rem * 1000000000 + d[i];

			d[i] = t / 2;
			rem = t & 1;
		}
		while (n && !d[n - 1])
			n--;
	}
	if (half && (sticky || (n && d[0] & 1))) {   /* round up, carrying */
		for (int i = 0;; i++) {
			if (i == n)
				d[n++] = 0;
			if (++d[i] < 1000000000)
				break;
			d[i] = 0;
		}
	}
	/* the digits, the point after the integer part, at least one digit before it */
	for (int i = 0, k = 0; i < n || k <= prec; i++) {
		uint32_t v = i < n ? d[i] : 0;

		for (int j = 0; j < 9; j++, k++) {
			if (k == prec && (prec || dot))
				*--end = '.';
			*--end = '0' + v % 10;
			v /= 10;
		}
	}
	while (*end == '0' && end[1] != '.' && end[1])
		end++;
	return end;
}

int vfprintf(FILE *restrict f, const char *restrict fmt, va_list ap)
{
	struct out o = { .f = f };

	for (const char *p = fmt; *p; p++) {
		const char *lit = p;
		char tmp[FLOAT_MAX], *end = tmp + sizeof(tmp), *s, sign = 0;
		const char *prefix = "";
		bool left = false, zero = false, plus = false, space = false, alt = false;
		long width = 0, prec = -1, zeros = 0, trail = 0, len;
		int size = 0;                    /* -2 hh, -1 h, 0 int, 1 long and wider */
		unsigned long long u;

		while (*p && *p != '%')
			p++;
		put(&o, lit, p - lit);
		if (!*p)
			break;
		for (p++;; p++) {
			if (*p == '-')
				left = true;
			else if (*p == '0')
				zero = true;
			else if (*p == '+')
				plus = true;
			else if (*p == ' ')
				space = true;
			else if (*p == '#')
				alt = true;
			else
				break;
		}
		if (*p == '*') {
			width = va_arg(ap, int);
			if (width < 0) {
				left = true;
				width = -width;
			}
			p++;
		} else {
			while (*p >= '0' && *p <= '9')
				width = width * 10 + (*p++ - '0');
		}
		if (*p == '.') {
			p++;
			prec = 0;
			if (*p == '*') {
				prec = va_arg(ap, int);
				if (prec < 0)
					prec = -1;
				p++;
			} else {
				while (*p >= '0' && *p <= '9')
					prec = prec * 10 + (*p++ - '0');
			}
		}
		for (;; p++) {
			if (*p == 'h')
				size--;
			else if (*p == 'l' || *p == 'z' || *p == 'j' || *p == 't')
				size = 1;               /* all 64 bits (x86_64, arm64) */
			else
				break;
		}
		switch (*p) {
		case 'd': case 'i': {
			long long v = size > 0 ? va_arg(ap, long long) : va_arg(ap, int);

			if (size == -1)
				v = (short)v;
			else if (size < -1)
				v = (signed char)v;
			sign = v < 0 ? '-' : plus ? '+' : space ? ' ' : 0;
			u = v < 0 ? -(unsigned long long)v : (unsigned long long)v;
			goto number;
		}
		case 'u': case 'o': case 'x': case 'X':
			u = size > 0 ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned);
			if (size == -1)
				u = (unsigned short)u;
			else if (size < -1)
				u = (unsigned char)u;
		number:
			s = digits(end, u, *p == 'o' ? 8 : *p == 'x' || *p == 'X' ? 16 : 10, *p == 'X');
			if (prec >= 0) {
				zero = false;
				if (!prec && !u)
					s = end;        /* %.0d of 0: no digit */
				zeros = prec - (end - s);
			}
			if (alt && u && (*p == 'x' || *p == 'X'))
				prefix = *p == 'X' ? "0X" : "0x";
			if (alt && *p == 'o' && zeros <= 0 && (s == end || *s != '0'))
				zeros = 1;
			break;
		case 'f': case 'F': {
			double v = va_arg(ap, double);
			uint64_t b;

			memcpy(&b, &v, sizeof(b));
			sign = b >> 63 ? '-' : plus ? '+' : space ? ' ' : 0;
			if ((b >> 52 & 0x7ff) == 0x7ff) {        /* inf, nan */
				s = b << 12 ? "nan" : "inf";
				if (*p == 'F')
					s = b << 12 ? "NAN" : "INF";
				end = s + 3;
				zero = false;
				break;
			}
			if (prec < 0)
				prec = 6;
			s = fixed(end, v, prec < 36 ? (int)prec : 36, alt);
			trail = prec - 36;       /* (past 36 decimals: zeros) */
			break;
		}
		case 'c':
			tmp[0] = (char)va_arg(ap, int);
			s = tmp;
			end = tmp + 1;
			zero = false;
			break;
		case 's':
			s = va_arg(ap, char *);
			if (!s)
				s = "(null)";
			end = s + (prec >= 0 ? strnlen(s, prec) : strlen(s));
			zero = false;
			break;
		case '%':
			put(&o, "%", 1);
			continue;
		default:
			errno = EINVAL;
			goto fail;
		}
		if (zeros < 0)
			zeros = 0;
		if (trail < 0)
			trail = 0;
		len = (end - s) + zeros + trail + (sign != 0) + (long)strlen(prefix);
		if (!left && !zero)
			pad(&o, ' ', width - len);
		if (sign)
			put(&o, &sign, 1);
		put(&o, prefix, strlen(prefix));
		if (!left && zero)
			pad(&o, '0', width - len);
		pad(&o, '0', zeros);
		put(&o, s, end - s);
		pad(&o, '0', trail);
		if (left)
			pad(&o, ' ', width - len);
	}
	flush(&o);
	if (o.err || o.total > INT_MAX)
		return -1;
	return (int)o.total;
fail:
	flush(&o);
	return -1;
}
#endif
