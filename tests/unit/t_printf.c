/* t_printf.c - lib/printf.c: every conversion vsbox uses, as C11 (and glibc,
 * whose output the expected strings are) writes them; %.Nf rounded exactly
 * over many values; the count returned; long text through a stream;
 * what it does not know refused */
#include "tap.h"
#include <float.h>
#include <math.h>

#ifdef __GLIBC__
int main(void)
{
	(void)ok_;
	(void)done_testing;
	printf("1..0 # SKIP the glibc build keeps glibc's printf\n");
	return 0;
}
#else
static char buf[512];

#define T(want, ...) do { int n_ = snprintf(buf, sizeof(buf), __VA_ARGS__); \
	is_str(buf, want, #__VA_ARGS__); is_int(n_, (int)strlen(want), "  its count"); } while (0)

/* whether TEXT is |X| * 10^PREC rounded to the nearest, half to even: the
 * definition, checked with the exact binary value of X */
static bool exact(double x, int prec, const char *text)
{
	unsigned __int128 q = 0, scaled, p10 = 1;
	uint64_t b;
	int e, shift;
	unsigned long long mant;

	for (const char *s = text; *s; s++)
		if (*s != '.')
			q = q * 10 + (unsigned)(*s - '0');
	for (int i = 0; i < prec; i++)
		p10 *= 10;
	memcpy(&b, &x, sizeof(b));
	e = b >> 52 & 0x7ff;
	mant = (b & ((1ULL << 52) - 1)) | (e ? 1ULL << 52 : 0);
	shift = 1075 - (e ? e : 1);
	if (shift <= 0 || shift > 100)
		return false;                   /* only values the loop below draws */
	/* |q * 2^shift - mant * 10^prec| <= 2^(shift-1), even q on a tie */
	scaled = mant * p10;
	{
		unsigned __int128 lhs = q << shift, half = (unsigned __int128)1 << (shift - 1);
		unsigned __int128 diff = lhs > scaled ? lhs - scaled : scaled - lhs;

		return diff < half || (diff == half && !(q & 1));
	}
}

int main(void)
{
	unsigned long long seed = 88172645463325252ULL;
	int bad = 0;
	volatile size_t short_size = 4;         /* (not known to the compiler) */
	int (*volatile sp)(char *, size_t, const char *, ...) = snprintf;
	char *s;
	FILE *f;

	T("0|-1|-2147483648", "%d|%i|%d", 0, -1, INT_MIN);
	T("0|4294967295", "%u|%u", 0u, UINT_MAX);
	T("-9223372036854775808|18446744073709551615|9223372036854775807|0",
	  "%ld|%lu|%lld|%llu", LONG_MIN, ULONG_MAX, LLONG_MAX, 0ULL);
	T("18446744073709551615|-5|-7|9", "%zu|%zd|%jd|%td", (size_t)SIZE_MAX, (ssize_t)-5,
	  (intmax_t)-7, (ptrdiff_t)9);
	T("44|-56|4464|-25536", "%hhu|%hhd|%hu|%hd", 300, 200, 70000, 40000);
	T("beef|BEEF|fffffffff|0000000000001234|05|0abc|00000000", "%x|%X|%lx|%016llx|%02x|%04x|%08x",
	  0xbeefu, 0xbeefu, 0xfffffffffUL, 0x1234ULL, 5u, 0xabcu, 0u);
	T("10|010|0xff|0XFF|0|0", "%o|%#o|%#x|%#X|%#x|%#o", 8u, 8u, 255u, 255u, 0u, 0u);
	T("[   42][42   ][-0042][+42][ 42][+0042][+42  ]", "[%5d][%-5d][%05d][%+d][% d][%+05d][%-+5d]",
	  42, 42, -42, 42, 42, 42, 42);
	T("[007][][ -007][     ][]", "[%.3d][%.0d][%5.3d][%-5.0d][%.0x]", 7, 0, -7, 0, 0u);
	T("[   1][2   ][3   ][004][5]", "[%*d][%-*d][%*d][%.*d][%.*d]", 4, 1, 4, 2, -4, 3, 3, 4, -1, 5);
	T("[a][  b][c  ]", "[%c][%3c][%-3c]", 'a', 'b', 'c');
	T("[abc][       abc][abc       ][ab][abc][abcdefgh][]", "[%s][%10s][%-10s][%.2s][%.*s][%-8.8s][%.0s]",
	  "abc", "abc", "abc", "abc", 3, "abcdef", "abcdefghijk", "x");
	T("[05:59][007][12345]", "[%02llu:%02llu][%03llu][%4llu]", 5ULL, 59ULL, 7ULL, 12345ULL);
	T("100%|%d", "100%%|%%d");
	T("[0.12][0.1][ 100.0][ -0.0][100.0][2]", "[%.2f][%.1f][%6.1f][%5.1f][%4.1f][%.0f]",
	  0.125, 0.05, 99.95, -0.0, 100.0, 2.5);
	T("[2.67][1.00][0.00][0.00][0][2][4]", "[%.2f][%.2f][%.2f][%.2f][%.0f][%.0f][%.0f]",
	  2.675, 1.005, 0.0, 1e-300, 0.5, 1.5, 3.5);
	T("[3.141593][1234.568][-0003.14][3.14    ][+2.2][ 2.4]", "[%f][%.3f][%08.2f][%-8.2f][%+.1f][% .1f]",
	  3.14159265358979, 1234.5675, -3.14159, 3.14159, 2.25, 2.35);
	T("[1000000000000000.0][123456789012.35][4503599627370495.5][3.][9007199254740992]",
	  "[%.1f][%.2f][%.1f][%#.0f][%.0f]", 1e15, 123456789012.345678, 4503599627370495.5, 3.0,
	  9007199254740993.0);
	T("[0.01][0.01][0.2]", "[%.2f][%.2f][%.1f]", 0.005, 0.015, 0.25);
	T("[inf][-INF][  nan][inf   |][-nan][  inf]", "[%f][%F][%5f][%-6f|][%f][%05.1f]",
	  INFINITY, -INFINITY, NAN, INFINITY, -NAN, INFINITY);
	T("[0.100000000000000006][0.33333333333333331]", "[%.18f][%.17f]", 0.1, 1.0 / 3);
	T("1000000000000000019884624838656.00", "%.2f", 1e30);
	T("179769313486231570814527423731704356798070567525844996598917476803157260780028538760589558632766878171540458953514382464234321326889464182768467546703537516986049910576551282076245490090389328944075868508455133942304583236903222948165808559332123348274797826204144723168738177180919299881250404026184124858368",
	  "%.0f", DBL_MAX);
	T("0.000000000000000000000000000000000000", "%.36f", 4.9406564584124654e-324);
	T("0.100000000000000005551115123125782702|2.001", "%.36f|%.3f", 0.1, 2.0005);
	T("0.9|0|0.000", "%.1f|%.0f|%.3f", 0.95, 0.49999999999999994, 1e-4);
	T("123456.789000000004307366907596588134765625", "%.36f", 123456.789);
	T("0.1000000000000000055511151231257827020000", "%.40f", 0.1);   /* (past the 36th: 0) */

	/* random values from 1e-6 to 1e9, at every precision vsbox prints */
	for (int i = 0; i < 200000; i++) {
		double x;
		int prec = i % 4;

		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		x = (double)(seed >> 11) / (double)(1ULL << 53) * pow(10, (double)(seed % 16) - 6);
		snprintf(buf, sizeof(buf), "%.*f", prec, x);
		if (!exact(x, prec, buf) && bad++ < 5) {
			uint64_t b;

			memcpy(&b, &x, sizeof(b));
			printf("# %%.%df of the double %016llx: %s is wrong\n", prec,
			       (unsigned long long)b, buf);
		}
	}
	is_int(bad, 0, "%.0f to %.3f of 200000 random values: all rounded exactly, half to even");

	/* the count when the buffer is short, and NUL termination */
	is_int(snprintf(buf, short_size, "%s-%d", "abcdef", 12345), 12, "snprintf counts what did not fit");
	is_str(buf, "abc", "  and ends what did in a NUL");
	is_int(snprintf(NULL, 0, "%5.1f%%", 12.25), 6, "snprintf(NULL, 0) measures");
	s = xasprintf("%s=%lu", "key", 42UL);
	is_str(s, "key=42", "asprintf (musl's, through this vfprintf)");
	free(s);

	/* a stream, past the internal buffer */
	f = tmpfile();
	if (!f)
		die_errno("tmpfile");
	{
		char big[3000], back[4000];
		size_t n;

		memset(big, 'x', sizeof(big) - 1);
		big[sizeof(big) - 1] = 0;
		is_int(fprintf(f, "<%s>%-300d|%c", big, 7, 'z'), 1 + 2999 + 1 + 300 + 2,
		       "fprintf of 3303 bytes: its count");
		rewind(f);
		n = fread(back, 1, sizeof(back), f);
		ok(n == 3303 && back[0] == '<' && back[3000] == '>' && back[3001] == '7' &&
		   back[3300] == ' ' && back[3301] == '|' && back[3302] == 'z' &&
		   !memchr(back + 1, '>', 2999), 
		   "  all of it in the stream, in order");
		fclose(f);
	}

	/* what it does not format: refused, nothing of the conversion written
	 * (called through a volatile pointer: GCC computes what snprintf returns
	 * where it can, the way C says) */
	errno = 0;
	is_int(sp(buf, sizeof(buf), "a%Lgb", 1.0L), -1, "%Lg: refused");
	is_int(errno, EINVAL, "  with EINVAL");
	is_str(buf, "a", "  after what came before it");
	is_int(sp(buf, sizeof(buf), "%p", (void *)buf), -1, "%p: refused");
	return done_testing();
}
#endif
