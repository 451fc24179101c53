/* fuzz_tar.c - libFuzzer target for the tar reader (lib/tar.c): ustar and
 * GNU headers, checksums, octal and base-256 numbers, pax records, GNU long
 * names, the end-of-archive blocks, entry data. The first byte picks: odd,
 * the bytes after it are one pax extended header's records (tar_pax); even,
 * they are a whole stream read through tar_next/tar_read in pieces whose
 * sizes the byte also sets. Every entry returned must be of a kind the
 * reader promises, named, within its data; an error must say why. */
#include "vsbox.h"
#include <assert.h>
#include "fuzz/fuzz.h"

struct mem { const uint8_t *p; size_t n, at, piece; };

static ssize_t mem_read(void *arg, void *buf, size_t n)
{
	struct mem *m = arg;

	if (n > m->piece)
		n = m->piece;      /* short reads, as from a pipe */
	if (n > m->n - m->at)
		n = m->n - m->at;
	memcpy(buf, m->p + m->at, n);
	m->at += n;
	return (ssize_t)n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mem m = { data + 1, size ? size - 1 : 0, 0, 0 };
	struct tar_rd r = { .read = mem_read, .arg = &m };
	struct tar_ent e;
	char buf[700];
	int rc;

	applet_name = "fuzz_tar";
	if (!size)
		return 0;
	if (data[0] & 1) {
		if (tar_pax(&r, (const char *)data + 1, size - 1, data[0] & 2))
			assert(r.err[0]);
		else
			for (int i = 0; i < r.nxattr; i++)
				assert(r.xattr[i].name && r.xattr[i].value);
		tar_free(&r);
		return 0;
	}
	m.piece = 1 + (size_t)(data[0] >> 1) * 37;
	while ((rc = tar_next(&r, &e)) > 0) {
		unsigned long long got = 0;
		ssize_t n;
		assert(strchr("0123456", e.type) && e.type);
		assert(e.path && e.path[0] && e.link);
		assert(e.nxattr >= 0 && e.nxattr <= TAR_MAXXATTR);
		assert(r.pos <= m.n);
		/* read half of the entries' data, skip the rest */
		if (e.size & 1)
			continue;
		while ((n = tar_read(&r, buf, sizeof(buf))) > 0)
			got += (unsigned long long)n;
		if (n < 0) {
			assert(r.err[0]);
			break;
		}
		assert(got == e.size);
	}
	if (rc < 0)
		assert(r.err[0]);
	assert(r.pos <= m.n);
	tar_free(&r);
	return 0;
}
