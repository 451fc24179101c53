/* oci.c - an OCI image layout into a guest root (vserver NAME build --oci).
 *
 * The layout (image-spec "image-layout"): oci-layout, index.json and
 * blobs/sha256/HEX, as a directory (umoci, skopeo copy ... oci:DIR) or as
 * one tar of that directory (skopeo's oci-archive:FILE.tar), whose members
 * are read in place. From index.json to the image's manifest (through
 * nested indexes: the one for linux and this machine's architecture, or
 * the one named by a :TAG), its configuration and its layers. Every blob
 * is checked against its descriptor, size and sha256 digest, before any of
 * it is used: a layer, before the first layer is applied. A layer is read
 * through `gzip -dc` or `zstd -dc` (by its media type) fed by a child that
 * hashes it again as it goes, and its tar stream is parsed and applied by
 * lib/tar.c and lib/ocitar.c. Errors die: the caller's undo removes the
 * root. JSON comes through lib/jsonr.c; the configuration's meaning is in
 * lib/ocicfg.c.
 */
#include "vsbox.h"

#define OCI_JSON_MAX (16 << 20)     /* an index, manifest or config in memory */

struct desc { char mt[128], digest[80]; unsigned long long size; };

struct src {
	const char *name;           /* as given, for messages */
	int dirfd;                  /* a layout directory, or -1 */
	int fd;                     /* a tar of one, or -1 */
	int nmem;
	struct mem { char *name; unsigned long long off, size; } *mem;
};

/* ---- the layout: a directory or its tar -------------------------------- */
static ssize_t fd_read(void *arg, void *buf, size_t n)
{
	return read(*(int *)arg, buf, n);
}

static void src_open(struct src *s, const char *path)
{
	struct stat st;

	*s = (struct src){ .name = path, .dirfd = -1, .fd = -1 };
	if (stat(path, &st))
		die_errno("can't read the image %s", path);
	if (S_ISDIR(st.st_mode)) {
		s->dirfd = xopenat(AT_FDCWD, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
		return;
	}
	if (!S_ISREG(st.st_mode))
		die("%s: neither an image layout directory nor a tar of one", path);
	/* an archive: where each member's data lies (read in place later) */
	s->fd = xopenat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0);
	struct tar_rd r = { .read = fd_read, .arg = &s->fd };
	struct tar_ent e;
	int rc;
	while ((rc = tar_next(&r, &e)) > 0) {
		char *n = e.path;
		while (*n == '.' && n[1] == '/')
			for (n += 2; *n == '/'; n++)
				;
		if (e.type != '0')
			continue;
		s->mem = xrealloc(s->mem, (size_t)(s->nmem + 1) * sizeof(*s->mem));
		s->mem[s->nmem++] = (struct mem){ xstrdup(n), r.pos, e.size };
	}
	if (rc < 0)
		die("%s: %s", path, r.err);
	tar_free(&r);
}

/* a file of the layout: a descriptor (the caller's), where its data
 * starts and how long it is; false when there is none */
static bool src_find(const struct src *s, const char *name, int *fd, unsigned long long *off,
		     unsigned long long *size)
{
	struct stat st;

	if (s->dirfd >= 0) {
		/* below the layout, through no symlink */
		*fd = path_open_beneath(s->dirfd, name, O_RDONLY | O_CLOEXEC);
		if (*fd < 0 || fstat(*fd, &st) || !S_ISREG(st.st_mode)) {
			if (*fd >= 0)
				close(*fd);
			return false;
		}
		*off = 0;
		*size = (unsigned long long)st.st_size;
		return true;
	}
	for (int i = s->nmem - 1; i >= 0; i--)     /* the last copy wins, as in tar */
		if (!strcmp(s->mem[i].name, name)) {
			*fd = dup(s->fd);
			*off = s->mem[i].off;
			*size = s->mem[i].size;
			return *fd >= 0;
		}
	return false;
}

static void pread_full(int fd, char *buf, size_t n, unsigned long long off, const char *what)
{
	for (size_t k = 0; k < n;) {
		ssize_t m = pread(fd, buf + k, n - k, (off_t)(off + k));
		if (m <= 0)
			die(m ? "can't read %s: %s" : "%s: shorter than it should be%s", what,
			    m ? strerror(errno) : "");
		k += (size_t)m;
	}
}

/* a small file of the layout, whole, NUL-terminated */
static char *read_small(const struct src *s, const char *name, size_t *len)
{
	int fd;
	unsigned long long off, size;

	if (!src_find(s, name, &fd, &off, &size))
		die("%s: no %s: not an OCI image layout", s->name, name);
	if (size > OCI_JSON_MAX)
		die("%s: %s is too big (%llu bytes)", s->name, name, size);
	char *b = xmalloc((size_t)size + 1);
	pread_full(fd, b, (size_t)size, off, name);
	close(fd);
	b[size] = 0;
	*len = (size_t)size;
	return b;
}

/* ---- blobs and their descriptors ----------------------------------------- */
static void parse_json(struct jr *j, const char *text, size_t len, const char *src, const char *what)
{
	char err[128];

	if (jr_parse(j, text, len, err, sizeof(err)))
		die("%s: %s: not valid JSON: %s", src, what, err);
}

static void desc_parse(const struct jr *j, int t, struct desc *d, const char *src, const char *what)
{
	long long size;
	int dg = jr_get(j, t, "digest");

	if (!jr_str(j, jr_get(j, t, "mediaType"), d->mt, sizeof(d->mt)) ||
	    !jr_str(j, dg, d->digest, sizeof(d->digest)) ||
	    !jr_int(j, jr_get(j, t, "size"), &size) || size < 0)
		die("%s: %s: a descriptor without mediaType, digest or size", src, what);
	d->size = (unsigned long long)size;
	/* sha256:HEX only (the layout's blobs/sha256/ directory) */
	size_t l = strlen(d->digest);
	if (strncmp(d->digest, "sha256:", 7))
		die("%s: %s: digest %.20s: only sha256 is supported", src, what, d->digest);
	if (l != 71 || strspn(d->digest + 7, "0123456789abcdef") != 64)
		die("%s: %s: '%.80s' is not a sha256 digest", src, what, d->digest);
}

/* the blob of d: its size checked; where it is */
static void blob_find(const struct src *s, const struct desc *d, int *fd, unsigned long long *off)
{
	char name[96];
	unsigned long long size;

	snprintf(name, sizeof(name), "blobs/sha256/%s", d->digest + 7);
	if (!src_find(s, name, fd, off, &size))
		die("%s: blob %s is missing", s->name, d->digest);
	if (size != d->size)
		die("%s: blob %s is %llu bytes, its descriptor says %llu", s->name, d->digest, size, d->size);
}

static void hex(const unsigned char *h, char *out)
{
	for (int i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", h[i]);
}

/* sha256 of the blob, against d's digest */
static void blob_verify(const struct src *s, const struct desc *d, char *mem)
{
	static char buf[1 << 16] BIG;
	unsigned char h[32];
	char got[65];
	struct sha256 c;
	int fd;
	unsigned long long off;

	blob_find(s, d, &fd, &off);
	sha256_init(&c);
	for (unsigned long long k = 0; k < d->size;) {
		size_t n = d->size - k > sizeof(buf) ? sizeof(buf) : (size_t)(d->size - k);
		char *p = mem ? mem + k : buf;
		pread_full(fd, p, n, off + k, d->digest);
		sha256_update(&c, p, n);
		k += n;
	}
	close(fd);
	sha256_final(&c, h);
	hex(h, got);
	if (strcmp(got, d->digest + 7))
		die("%s: blob %s does not match its digest (sha256 is %.12s...)", s->name, d->digest, got);
}

/* a JSON blob (index, manifest, config), checked, parsed into j */
static char *blob_json(const struct src *s, const struct desc *d, struct jr *j, const char *what)
{
	if (d->size > OCI_JSON_MAX)
		die("%s: %s %s is too big (%llu bytes)", s->name, what, d->digest, d->size);
	char *b = xmalloc((size_t)d->size + 1);
	blob_verify(s, d, b);
	b[d->size] = 0;
	parse_json(j, b, (size_t)d->size, s->name, what);
	return b;
}

/* ---- which image --------------------------------------------------------- */
static const char *arch(void)
{
#if defined(__x86_64__)
	return "amd64";
#elif defined(__aarch64__)
	return "arm64";
#elif defined(__i386__)
	return "386";
#elif defined(__arm__)
	return "arm";
#elif defined(__riscv)
	return "riscv64";
#elif defined(__powerpc64__)
	return "ppc64le";
#elif defined(__s390x__)
	return "s390x";
#else
	return "unknown";
#endif
}

static bool is_str(const struct jr *j, int t, const char *want)
{
	char b[256];
	return jr_str(j, t, b, sizeof(b)) && !strcmp(b, want);
}

/* from an index's manifests: the one for this machine (and tag) */
static void pick(const struct src *s, const struct jr *j, const char *tag, struct desc *out)
{
	int ms = jr_get(j, 0, "manifests"), found = 0;

	if (ms < 0 || j->tok[ms].type != JR_ARR)
		die("%s: an index without manifests", s->name);
	for (int m = jr_first(j, ms); m >= 0; m = jr_next(j, ms, m)) {
		int pf = jr_get(j, m, "platform");
		if (pf >= 0 && (!is_str(j, jr_get(j, pf, "os"), "linux") ||
				!is_str(j, jr_get(j, pf, "architecture"), arch())))
			continue;
		if (tag && !is_str(j, jr_get(j, jr_get(j, m, "annotations"), "org.opencontainers.image.ref.name"), tag))
			continue;
		if (found++)
			die("%s: more than one image%s for linux/%s: name one as %s:TAG", s->name,
			    tag ? " of that tag" : "", arch(), s->name);
		desc_parse(j, m, out, s->name, "index.json");
	}
	if (!found)
		die("%s: no image%s%s for linux/%s", s->name, tag ? " tagged " : "", tag ? tag : "", arch());
}

/* ---- layers --------------------------------------------------------------- */
static struct { pid_t feeder, dec; } L;

static void undo_layer(void *unused)
{
	pid_t *p[2] = { &L.feeder, &L.dec };
	for (int i = 0; i < 2; i++)
		if (*p[i] > 0) {
			kill(*p[i], SIGKILL);
			waitpid(*p[i], NULL, 0);
			*p[i] = 0;
		}
}

/* the child that reads the blob, hashes it again, and feeds the
 * decompressor; exit 3: not the digest any more (changed meanwhile) */
static _Noreturn void feed(int fd, unsigned long long off, const struct desc *d, int out)
{
	static char buf[1 << 16] BIG;
	unsigned char h[32];
	char got[65];
	struct sha256 c;

	undo_forget();          /* the root is the parent's to remove */
	signal(SIGPIPE, SIG_DFL);
	sha256_init(&c);
	for (unsigned long long k = 0; k < d->size;) {
		size_t n = d->size - k > sizeof(buf) ? sizeof(buf) : (size_t)(d->size - k);
		ssize_t m = pread(fd, buf, n, (off_t)(off + k));
		if (m <= 0)
			_exit(3);
		sha256_update(&c, buf, (size_t)m);
		for (ssize_t w = 0, x; w < m; w += x)
			if ((x = write(out, buf + w, (size_t)(m - w))) <= 0)
				_exit(1);
		k += (unsigned long long)m;
	}
	sha256_final(&c, h);
	hex(h, got);
	_exit(strcmp(got, d->digest + 7) ? 3 : 0);
}

struct lstream { int fd; unsigned long long off, left; };

static ssize_t plain_read(void *arg, void *buf, size_t n)
{
	struct lstream *l = arg;
	ssize_t m;

	if (n > l->left)
		n = (size_t)l->left;
	if (!n)
		return 0;
	if ((m = pread(l->fd, buf, n, (off_t)l->off)) > 0)
		l->off += (unsigned long long)m, l->left -= (unsigned long long)m;
	return m;
}

static void apply_layer(const struct src *s, const struct desc *d, int rootfd, const char *what)
{
	const char *dec = NULL;
	size_t ml = strlen(d->mt);
	int fd, p1[2], p2[2];
	unsigned long long off;
	struct lstream ls;

	if (strncmp(d->mt, "application/vnd.oci.image.layer.", 32) &&
	    strncmp(d->mt, "application/vnd.docker.image.rootfs.", 36))
		die("%s: %s: media type %s is no layer", s->name, what, d->mt);
	if (ml > 5 && (!strcmp(d->mt + ml - 5, "+gzip") || !strcmp(d->mt + ml - 5, ".gzip")))
		dec = "gzip";
	else if (ml > 5 && !strcmp(d->mt + ml - 5, "+zstd"))
		dec = "zstd";
	else if (ml < 4 || strcmp(d->mt + ml - 4, ".tar"))
		die("%s: %s: media type %s: not supported", s->name, what, d->mt);
	blob_find(s, d, &fd, &off);
	if (!dec) {
		ls = (struct lstream){ fd, off, d->size };
		struct tar_rd r = { .read = plain_read, .arg = &ls };
		ocitar_apply(rootfd, &r, what);
		tar_free(&r);
		close(fd);
		return;
	}
	if (pipe2(p1, O_CLOEXEC) || pipe2(p2, O_CLOEXEC))
		die_errno("can't make a pipe");
	fflush(NULL);
	if ((L.feeder = fork()) < 0)
		die_errno("can't fork");
	if (!L.feeder) {
		close(p1[0]), close(p2[0]), close(p2[1]);
		feed(fd, off, d, p1[1]);
	}
	if ((L.dec = fork()) < 0)
		die_errno("can't fork");
	if (!L.dec) {
		undo_forget();
		if (dup2(p1[0], 0) < 0 || dup2(p2[1], 1) < 0)
			_exit(127);
		execlp(dec, dec, "-dc", (char *)NULL);
		warn_errno("can't execute %s", dec);
		_exit(127);
	}
	close(p1[0]), close(p1[1]), close(p2[1]), close(fd);
	struct tar_rd r = { .read = fd_read, .arg = &p2[0] };
	ocitar_apply(rootfd, &r, what);
	tar_free(&r);
	/* what follows the end of the archive (padding) is read too, so the
	 * decompressor and feeder finish and say whether all was well; not
	 * without end (a stream of zeros compresses well) */
	char buf[4096];
	ssize_t m;
	size_t after = 0;
	while ((m = read(p2[0], buf, sizeof(buf))) > 0)
		if ((after += (size_t)m) > (1 << 20))
			die("%s: %s: more than 1 MiB after the end of its archive", s->name, what);
	close(p2[0]);
	int fst, dst;
	waitpid(L.dec, &dst, 0);
	L.dec = 0;
	waitpid(L.feeder, &fst, 0);
	L.feeder = 0;
	if (WIFEXITED(fst) && WEXITSTATUS(fst) == 3)
		die("%s: blob %s changed while it was read (its digest differs now)", s->name, d->digest);
	if (!WIFEXITED(dst) || WEXITSTATUS(dst))
		die("%s: %s: %s -dc failed (exit %d)", s->name, what, dec, exit_code(dst));
	if (!WIFEXITED(fst) || WEXITSTATUS(fst))
		die("%s: %s: reading blob %s failed", s->name, what, d->digest);
}

void oci_build(const char *path, int rootfd, struct oci_image *im, bool progress)
{
	struct src s;
	struct jr j, mj, cj;
	struct desc d, cfg;
	char *tag = NULL, *text, *mtext, *ctext, *p;
	size_t len;
	struct stat st;

	/* DIR:TAG, unless DIR itself is there */
	char *src = xstrdup(path);
	if (stat(src, &st) && (p = strrchr(src, ':')) && p != src && p[1] && !strchr(p, '/')) {
		*p = 0;
		tag = p + 1;
	}
	src_open(&s, src);
	text = read_small(&s, "oci-layout", &len);
	parse_json(&j, text, len, src, "oci-layout");
	char ver[32];
	if (!jr_str(&j, jr_get(&j, 0, "imageLayoutVersion"), ver, sizeof(ver)) || strncmp(ver, "1.", 2))
		die("%s: oci-layout: not an image layout of version 1.x", src);
	jr_free(&j), free(text);
	text = read_small(&s, "index.json", &len);
	parse_json(&j, text, len, src, "index.json");
	/* through nested indexes to the manifest */
	for (int depth = 0;; depth++) {
		pick(&s, &j, depth ? NULL : tag, &d);
		jr_free(&j), free(text);
		if (strcmp(d.mt, "application/vnd.oci.image.index.v1+json") &&
		    strcmp(d.mt, "application/vnd.docker.distribution.manifest.list.v2+json"))
			break;
		if (depth == 4)
			die("%s: indexes nested too deep", src);
		text = blob_json(&s, &d, &j, "index");
	}
	if (strcmp(d.mt, "application/vnd.oci.image.manifest.v1+json") &&
	    strcmp(d.mt, "application/vnd.docker.distribution.manifest.v2+json"))
		die("%s: %s: media type %s is no image manifest", src, d.digest, d.mt);
	mtext = blob_json(&s, &d, &mj, "manifest");
	desc_parse(&mj, jr_get(&mj, 0, "config"), &cfg, src, "the manifest's config");
	ctext = blob_json(&s, &cfg, &cj, "config");
	int a = jr_get(&cj, 0, "architecture"), os = jr_get(&cj, 0, "os");
	if ((a >= 0 && !is_str(&cj, a, arch())) || (os >= 0 && !is_str(&cj, os, "linux")))
		die("%s: the image is not for linux/%s", src, arch());
	int ls = jr_get(&mj, 0, "layers"), n = 0;
	if (ls < 0 || mj.tok[ls].type != JR_ARR)
		die("%s: a manifest without layers", src);
	struct desc *layer = xcalloc((size_t)mj.tok[ls].n + 1, sizeof(*layer));
	for (int t = jr_first(&mj, ls); t >= 0; t = jr_next(&mj, ls, t), n++)
		desc_parse(&mj, t, &layer[n], src, "a layer");
	/* every layer checked before the first is applied */
	for (int i = 0; i < n; i++)
		blob_verify(&s, &layer[i], NULL);
	undo_push(undo_layer, NULL, 0);
	for (int i = 0; i < n; i++) {
		char what[96];
		snprintf(what, sizeof(what), "layer %d (%.19s)", i + 1, layer[i].digest);
		if (progress)
			fprintf(stderr, "applying layer %d/%d %.19s (%.1f MiB)...\n", i + 1, n,
				layer[i].digest, (double)layer[i].size / (1 << 20));
		apply_layer(&s, &layer[i], rootfd, what);
	}
	oci_config(&cj, 0, rootfd, im);
	free(layer);
	jr_free(&mj), jr_free(&cj);
	free(mtext), free(ctext);
	for (int i = 0; i < s.nmem; i++)
		free(s.mem[i].name);
	free(s.mem);
	if (s.dirfd >= 0)
		close(s.dirfd);
	if (s.fd >= 0)
		close(s.fd);
	free(src);
}
