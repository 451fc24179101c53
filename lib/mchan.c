/* mchan.c - the line protocol between "vserver NAME copy|move" and the
 * "vserver NEWNAME recv" session it runs on the target (over ssh, or a
 * pipe pair on this host). Requests and replies are single text lines;
 * a file follows its "file KIND SIZE" line as SIZE raw bytes. Reads are
 * buffered on our side only: nothing but this channel uses the pipes.
 */
#include "vsbox.h"

void mchan_init(struct mchan *ch, int in, int out)
{
	memset(ch, 0, sizeof(*ch));
	ch->in = in;
	ch->out = out;
}

static int fill(struct mchan *ch)
{
	ssize_t n;

	if (ch->off == ch->len)
		ch->off = ch->len = 0;
	do
		n = read(ch->in, ch->buf + ch->len, sizeof(ch->buf) - ch->len);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return -1;
	ch->len += (size_t)n;
	return 0;
}

int mchan_getline(struct mchan *ch, char *line, size_t n)
{
	size_t o = 0;

	for (;;) {
		while (ch->off < ch->len) {
			char c = ch->buf[ch->off++];
			if (c == '\n') {
				line[o] = 0;
				return 0;
			}
			if (o + 1 >= n)
				return -1;      /* a line this long is no request */
			line[o++] = c;
		}
		if (fill(ch))
			return -1;
	}
}

int mchan_read(struct mchan *ch, char *buf, size_t n)
{
	while (n) {
		if (ch->off == ch->len && fill(ch))
			return -1;
		size_t k = ch->len - ch->off < n ? ch->len - ch->off : n;
		memcpy(buf, ch->buf + ch->off, k);
		ch->off += k;
		buf += k;
		n -= k;
	}
	return 0;
}

int mchan_write(struct mchan *ch, const void *buf, size_t n)
{
	const char *p = buf;

	while (n) {
		ssize_t k = write_nosigpipe(ch->out, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int mchan_printf(struct mchan *ch, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -1;
	return mchan_write(ch, buf, (size_t)n);
}
