/* lz.c - a small LZ77 coder for the texts kept in the binary compressed
 * (the --help texts: build/helpgen.c packs them at build time, vsbox
 * unpacks them when --help asks).
 *
 * The stream is a string of bits, the most significant bit of each byte
 * first. Each item is
 *   0 CCCCCCC            a literal 7-bit character C (not 0)
 *   0 0000000 BBBBBBBB   a literal byte B (any byte: the escape)
 *   1 gamma(LEN-2) gamma(HI+1) LO   a copy of LEN (>= 3) bytes from
 *                        OFF = (HI << LZ_LOBITS | LO) + 1 bytes back
 * where gamma(X) is X's bit length less one in zeros, then X itself, and LO
 * is LZ_LOBITS bits. Help texts are ASCII, so literals cost a byte and most
 * of a text is copies of the words and option names that came before.
 * Packing chooses the parse of fewest bits (from the end back, each
 * position's cheapest way on, over the copies its 3-byte hash chain
 * offers): the same input always gives the same stream.
 */
#include "vsbox.h"

#define LZ_LOBITS 10
#define LZ_MIN    3            /* shortest copy */
#define LZ_HASH   4096         /* heads of the 3-byte hash chains */
#define LZ_CHAIN  256          /* the candidates tried at one position */
#define LZ_NICE   256          /* the longest copy packed (and the search ends at one) */

struct bits {
	unsigned char *p;
	size_t n, cap, bit;    /* bytes filled, capacity, next bit (0..7) */
	bool full;
};

static void put(struct bits *b, unsigned v, int nbits)
{
	while (nbits-- > 0) {
		if (!b->bit) {
			if (b->n == b->cap) {
				b->full = true;
				return;
			}
			b->p[b->n++] = 0;
		}
		if (v >> nbits & 1)
			b->p[b->n - 1] |= 0x80 >> b->bit;
		b->bit = (b->bit + 1) & 7;
	}
}

static int width(unsigned long x)
{
	int w = 0;

	while (x >> w)
		w++;
	return w;
}

static void put_gamma(struct bits *b, unsigned long x)
{
	int w = width(x);

	put(b, 0, w - 1);
	put(b, (unsigned)x, w);
}

static unsigned hash3(const unsigned char *s)
{
	return ((unsigned)s[0] << 16 ^ (unsigned)s[1] << 8 ^ s[2]) * 2654435761u >> 20 & (LZ_HASH - 1);
}

static unsigned gamma_bits(unsigned long x)
{
	return 2 * (unsigned)width(x) - 1;
}

/* what an item costs in the stream, in bits */
static unsigned lit_bits(unsigned char c)
{
	return c && c < 0x80 ? 8 : 16;
}

static unsigned copy_bits(size_t len, size_t off)
{
	return 1 + gamma_bits(len - (LZ_MIN - 1)) + gamma_bits(((off - 1) >> LZ_LOBITS) + 1) + LZ_LOBITS;
}

size_t lz_pack(const unsigned char *in, size_t n, unsigned char *out, size_t cap)
{
	struct bits b = { out, 0, cap, 0, false };
	long head[LZ_HASH], *prev = malloc((n + 1) * sizeof(long));
	/* for each position: the fewest bits from there to the end, and the
	 * item that starts the way there (len 0: a literal) */
	uint64_t *cost = malloc((n + 1) * sizeof(uint64_t));
	size_t *len = malloc((n + 1) * sizeof(size_t)), *off = malloc((n + 1) * sizeof(size_t));

	if (!prev || !cost || !len || !off) {
		free(prev), free(cost), free(len), free(off);
		return 0;
	}
	/* chains: prev[i] is the last position before i with the same 3 bytes' hash */
	for (size_t k = 0; k < LZ_HASH; k++)
		head[k] = -1;
	for (size_t i = 0; i + LZ_MIN <= n; i++) {
		unsigned h = hash3(in + i);
		prev[i] = head[h];
		head[h] = (long)i;
	}
	/* the cheapest parse, from the end back (ties: the first found) */
	cost[n] = 0;
	for (size_t i = n; i-- > 0; ) {
		size_t best = LZ_MIN - 1;
		int steps = LZ_CHAIN;

		cost[i] = lit_bits(in[i]) + cost[i + 1];
		len[i] = 0;
		for (long j = i + LZ_MIN <= n ? prev[i] : -1; j >= 0 && steps--; j = prev[j]) {
			size_t l = 0, o = i - (size_t)j;

			while (i + l < n && l < LZ_NICE && in[j + l] == in[i + l])
				l++;
			if (l <= best)
				continue;
			/* lengths best+1..l are nearest at this offset */
			for (size_t k = best + 1; k <= l; k++) {
				uint64_t c = copy_bits(k, o) + cost[i + k];
				if (c < cost[i]) {
					cost[i] = c;
					len[i] = k;
					off[i] = o;
				}
			}
			best = l;
			if (l >= LZ_NICE)
				break;
		}
	}
	for (size_t i = 0; i < n && !b.full; i += len[i] ? len[i] : 1) {
		if (!len[i]) {
			if (in[i] && in[i] < 0x80) {
				put(&b, in[i], 8);
			} else {
				put(&b, 0, 8);
				put(&b, in[i], 8);
			}
			continue;
		}
		put(&b, 1, 1);
		put_gamma(&b, len[i] - (LZ_MIN - 1));
		put_gamma(&b, ((off[i] - 1) >> LZ_LOBITS) + 1);
		put(&b, (unsigned)((off[i] - 1) & ((1u << LZ_LOBITS) - 1)), LZ_LOBITS);
	}
	free(prev);
	free(cost);
	free(len);
	free(off);
	return b.full ? 0 : b.n;
}

/* next bit of z (zn bytes), or -1 past its end */
static int get(const unsigned char *z, size_t zn, size_t *bit)
{
	size_t at = (*bit)++;

	return at / 8 < zn ? z[at / 8] >> (7 - at % 8) & 1 : -1;
}

static long get_n(const unsigned char *z, size_t zn, size_t *bit, int nbits)
{
	long v = 0;

	while (nbits-- > 0) {
		int c = get(z, zn, bit);
		if (c < 0)
			return -1;
		v = v << 1 | c;
	}
	return v;
}

static long get_gamma(const unsigned char *z, size_t zn, size_t *bit)
{
	int w = 0, c;

	while ((c = get(z, zn, bit)) == 0)
		if (++w > 30)
			return -1;
	if (c < 0)
		return -1;
	return (1L << w) | get_n(z, zn, bit, w);
}

bool lz_unpack(const unsigned char *z, size_t zn, unsigned char *out, size_t n)
{
	size_t bit = 0, i = 0;

	while (i < n) {
		int c = get(z, zn, &bit);
		long len, hi, lo, v;

		if (c < 0)
			return false;
		if (!c) {
			v = get_n(z, zn, &bit, 7);
			if (!v)
				v = get_n(z, zn, &bit, 8);
			if (v < 0)
				return false;
			out[i++] = (unsigned char)v;
			continue;
		}
		len = get_gamma(z, zn, &bit) + LZ_MIN - 1;
		hi = get_gamma(z, zn, &bit) - 1;
		lo = get_n(z, zn, &bit, LZ_LOBITS);
		if (len < LZ_MIN || hi < 0 || lo < 0)
			return false;
		v = (hi << LZ_LOBITS | lo) + 1;    /* how far back */
		if ((size_t)v > i || (size_t)len > n - i)
			return false;
		for (; len > 0; len--, i++)
			out[i] = out[i - (size_t)v];
	}
	return true;
}
