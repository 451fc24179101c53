/* tar.c - reading tar archives: ustar, pax extended headers, GNU long names.
 *
 * Image layers are tar streams (decompressed by gzip or zstd in a pipe, see
 * lib/oci.c); their headers are parsed here, never by an external tar, so
 * that what is created inside a guest root is decided by lib/ocitar.c
 * entry by entry. Every field is checked: the header checksum, octal and
 * GNU base-256 numbers, pax records ("LEN KEY=VALUE\n", LEN counting
 * itself), sizes of the extended headers (bounded: they are held in
 * memory). Only the entry kinds an image may hold are returned (files,
 * hard and symbolic links, directories, FIFOs, device nodes, which the
 * caller refuses); sparse files and the other GNU extensions are refused
 * here. fuzz/fuzz_tar.c fuzzes this.
 */
#include "vsbox.h"

#define TAR_XMAX (1 << 20)     /* a pax header or long name held in memory */

static int terr(struct tar_rd *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int terr(struct tar_rd *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	return -1;
}

/* exactly n bytes, or fewer at the end of the stream; -1 on a read error */
static ssize_t full(struct tar_rd *r, void *buf, size_t n)
{
	size_t k = 0;

	while (k < n) {
		ssize_t m = r->read(r->arg, (char *)buf + k, n - k);
		if (m < 0)
			return terr(r, "read error: %s", strerror(errno));
		if (!m)
			break;
		k += (size_t)m;
	}
	r->pos += k;
	return (ssize_t)k;
}

/* an octal field (spaces or NULs around it) or GNU base-256; -1: bad */
static long long num(const unsigned char *f, size_t n)
{
	unsigned long long v = 0;
	size_t i = 0;

	if (f[0] & 0x80) {
		if (f[0] != 0x80)
			return -1;      /* negative, or wider than we take */
		for (i = 1; i < n; i++) {
			if (v >> 55)
				return -1;
			v = v << 8 | f[i];
		}
		return (long long)v;
	}
	while (i < n && (f[i] == ' ' || !f[i]))
		i++;
	for (; i < n && f[i] >= '0' && f[i] <= '7'; i++) {
		if (v >> 60)
			return -1;
		v = v << 3 | (unsigned)(f[i] - '0');
	}
	for (; i < n; i++)
		if (f[i] != ' ' && f[i])
			return -1;
	return (long long)v;
}

static char *field(const unsigned char *f, size_t n)
{
	size_t l = strnlen((const char *)f, n);
	char *s = xmalloc(l + 1);

	memcpy(s, f, l);
	s[l] = 0;
	return s;
}

/* decimal for pax: an optional sign only where allowed, a fraction cut */
static bool pax_num(const char *v, bool sign, long long *out)
{
	char *end;

	if (!((*v >= '0' && *v <= '9') || (sign && *v == '-' && v[1] >= '0' && v[1] <= '9')))
		return false;
	errno = 0;
	*out = strtoll(v, &end, 10);
	if (*end == '.' && sign) {
		for (end++; *end >= '0' && *end <= '9'; end++)
			;
	}
	return !*end && !errno;
}

static void set_str(char **dst, const char *v, size_t l)
{
	free(*dst);
	*dst = xmalloc(l + 1);
	memcpy(*dst, v, l);
	(*dst)[l] = 0;
}

int tar_pax(struct tar_rd *r, const char *buf, size_t n, bool global)
{
	size_t i = 0;

	while (i < n) {
		size_t len = 0, j = i;
		while (j < n && buf[j] >= '0' && buf[j] <= '9' && len < TAR_XMAX)
			len = len * 10 + (size_t)(buf[j++] - '0');
		if (j == i || j >= n || buf[j] != ' ' || len > n - i || len < (j - i) + 4 ||
		    buf[i + len - 1] != '\n')
			return terr(r, "a bad pax record at byte %zu", i);
		const char *k = buf + j + 1, *end = buf + i + len - 1;
		const char *eq = memchr(k, '=', (size_t)(end - k));
		if (!eq || eq == k)
			return terr(r, "a pax record without KEY=");
		size_t kl = (size_t)(eq - k), vl = (size_t)(end - eq - 1);
		const char *v = eq + 1;
		char num[32];
		long long x;
		i += len;
		if (global)
			continue;       /* checked, not applied: image builders write none */
#define KEY(s) (kl == strlen(s) && !memcmp(k, s, kl))
		if (KEY("path") || KEY("linkpath")) {
			if (!vl || memchr(v, 0, vl))
				return terr(r, "a pax %.*s that is empty or holds a NUL", (int)kl, k);
			set_str(KEY("path") ? &r->xpath : &r->xlink, v, vl);
		} else if (KEY("size") || KEY("uid") || KEY("gid") || KEY("mtime")) {
			bool t = KEY("mtime");
			if (vl >= sizeof(num) || memchr(v, 0, vl))
				return terr(r, "a bad pax %.*s", (int)kl, k);
			memcpy(num, v, vl);
			num[vl] = 0;
			if (!pax_num(num, t, &x) || (!t && x > (KEY("size") ? (1LL << 62) : 0xfffffffeLL)))
				return terr(r, "a bad pax %.*s '%s'", (int)kl, k, num);
			if (KEY("size"))
				r->xsize = x, r->have |= 1;
			else if (KEY("uid"))
				r->xuid = x, r->have |= 2;
			else if (KEY("gid"))
				r->xgid = x, r->have |= 4;
			else
				r->xmtime = x, r->have |= 8;
		} else if (kl > 13 && !memcmp(k, "SCHILY.xattr.", 13)) {
			if (r->nxattr == TAR_MAXXATTR)
				return terr(r, "more than %d extended attributes on one entry", TAR_MAXXATTR);
			if (memchr(k, 0, kl))
				return terr(r, "a NUL in an extended attribute's name");
			struct tar_xattr *a = &r->xattr[r->nxattr++];
			set_str(&a->name, k + 13, kl - 13);
			set_str(&a->value, v, vl);
			a->len = vl;
		} else if (kl > 11 && !memcmp(k, "GNU.sparse.", 11)) {
			return terr(r, "a sparse file (not supported)");
		}
#undef KEY
	}
	return 0;
}

static void clear_ext(struct tar_rd *r)
{
	free(r->xpath), free(r->xlink), free(r->lpath), free(r->llink);
	r->xpath = r->xlink = r->lpath = r->llink = NULL;
	for (int i = 0; i < r->nxattr; i++)
		free(r->xattr[i].name), free(r->xattr[i].value);
	r->nxattr = 0;
	r->have = 0;
}

/* an extended header's body (size bytes and padding) into memory */
static char *read_ext(struct tar_rd *r, long long size)
{
	if (size > TAR_XMAX) {
		terr(r, "an extended header of %lld bytes (at most %d)", size, TAR_XMAX);
		return NULL;
	}
	size_t padded = ((size_t)size + 511) & ~(size_t)511;
	char *b = xmalloc(padded + 1);
	ssize_t got = full(r, b, padded);
	if (got != (ssize_t)padded) {
		free(b);
		if (got >= 0)
			terr(r, "truncated in an extended header");
		return NULL;
	}
	b[size] = 0;
	return b;
}

/* skip what is left of the current entry's data and its padding */
static int skip(struct tar_rd *r)
{
	char buf[4096];

	while (r->left + r->pad) {
		unsigned long long want = r->left + r->pad;
		size_t n = want > sizeof(buf) ? sizeof(buf) : (size_t)want;
		ssize_t got = full(r, buf, n);
		if (got < 0)
			return -1;
		if ((size_t)got != n)
			return terr(r, "truncated in the data of %s", r->e.path);
		if ((unsigned long long)got <= r->left) {
			r->left -= (unsigned long long)got;
		} else {
			r->pad -= (unsigned)((unsigned long long)got - r->left);
			r->left = 0;
		}
	}
	return 0;
}

int tar_next(struct tar_rd *r, struct tar_ent *e)
{
	unsigned char h[512];

	if (r->done)
		return 0;
	if (skip(r))
		return -1;
	free(r->e.path), free(r->e.link);
	r->e.path = r->e.link = NULL;
	clear_ext(r);
	for (;;) {
		ssize_t got = full(r, h, 512);
		if (got < 0)
			return -1;
		if (!got && r->zeros)
			return r->done = true, 0;   /* one zero block, then the end: lenient */
		if (got != 512)
			return terr(r, "truncated (no end-of-archive blocks)");
		size_t z;
		for (z = 0; z < 512 && !h[z]; z++)
			;
		if (z == 512) {
			if (++r->zeros == 2)
				return r->done = true, 0;
			continue;
		}
		if (r->zeros)
			return terr(r, "a header after an end-of-archive block");
		/* the checksum: the header's bytes with its own field as spaces,
		 * as unsigned sums (old tars summed signed: accepted too) */
		long long ck = num(h + 148, 8);
		unsigned long su = 0;
		long ss = 0;
		for (int i = 0; i < 512; i++) {
			unsigned char c = i >= 148 && i < 156 ? ' ' : h[i];
			su += c;
			ss += (signed char)c;
		}
		if (ck < 0 || ((unsigned long)ck != su && ck != ss))
			return terr(r, "a header with a bad checksum at byte %llu", r->pos - 512);
		long long size = num(h + 124, 12), mode = num(h + 100, 8), uid = num(h + 108, 8),
			  gid = num(h + 116, 8), mtime = num(h + 136, 12);
		if (size < 0 || mode < 0 || uid < 0 || gid < 0 || mtime < 0 || size > (1LL << 62))
			return terr(r, "a header with a bad number at byte %llu", r->pos - 512);
		char type = (char)h[156];
		if (type == 'x' || type == 'g' || type == 'L' || type == 'K') {
			char *b = read_ext(r, size);
			if (!b)
				return -1;
			int rc = 0;
			if (type == 'x' || type == 'g') {
				rc = tar_pax(r, b, (size_t)size, type == 'g');
			} else if (!*b || strlen(b) >= PATH_MAX) {
				rc = terr(r, "a GNU long name that is empty or too long");
			} else {
				free(type == 'L' ? r->lpath : r->llink);
				*(type == 'L' ? &r->lpath : &r->llink) = xstrdup(b);
			}
			free(b);
			if (rc)
				return -1;
			continue;
		}
		if (type == '\0' || type == '7')
			type = '0';
		if (!strchr("0123456", type))
			return terr(r, "an entry of type '%c' (not supported)", type);
		memset(e, 0, sizeof(*e));
		e->type = type;
		e->mode = (unsigned)(mode & 07777);
		e->uid = r->have & 2 ? r->xuid : uid;
		e->gid = r->have & 4 ? r->xgid : gid;
		e->mtime = r->have & 8 ? r->xmtime : mtime;
		e->size = (unsigned long long)(r->have & 1 ? r->xsize : size);
		e->devmajor = (unsigned)num(h + 329, 8);
		e->devminor = (unsigned)num(h + 337, 8);
		if (r->xpath || r->lpath) {
			e->path = xstrdup(r->xpath ? r->xpath : r->lpath);
		} else if (!memcmp(h + 257, "ustar\0", 6) && h[345]) {
			/* POSIX ustar: prefix/name (GNU's header has other fields there) */
			char *pre = field(h + 345, 155), *nm = field(h + 0, 100);
			e->path = xasprintf("%s/%s", pre, nm);
			free(pre), free(nm);
		} else {
			e->path = field(h + 0, 100);
		}
		e->link = r->xlink || r->llink ? xstrdup(r->xlink ? r->xlink : r->llink) : field(h + 157, 100);
		e->nxattr = r->nxattr;
		e->xattr = r->xattr;
		r->e = *e;
		if (!*e->path)
			return terr(r, "an entry without a name");
		if ((type == '1' || type == '2') && !*e->link)
			return terr(r, "%s: a link to nothing", e->path);
		r->left = e->size;
		r->pad = (unsigned)((512 - e->size % 512) % 512);
		return 1;
	}
}

ssize_t tar_read(struct tar_rd *r, void *buf, size_t n)
{
	if (n > r->left)
		n = (size_t)r->left;
	if (!n)
		return 0;
	ssize_t got = full(r, buf, n);
	if (got < 0)
		return -1;
	if ((size_t)got != n)
		return terr(r, "truncated in the data of %s", r->e.path);
	r->left -= (unsigned long long)got;
	return got;
}

void tar_free(struct tar_rd *r)
{
	free(r->e.path), free(r->e.link);
	r->e.path = r->e.link = NULL;
	clear_ext(r);
}
