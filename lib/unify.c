/* unify.c - finding the files several guests have in common (vunify).
 *
 * A file is a candidate when it is a regular file outside the excluded
 * trees (configuration and state: /etc, /var, ...; lib/uwalk.c prunes
 * them), not a dpkg conffile or rpm %config file of its guest (lib/urpm.c),
 * not empty, and every name of its inode was found in that guest's walk: an inode with a link outside
 * the guest (another guest, the host, an excluded directory) is never
 * touched, so a link a hostile guest plants to someone else's file can't
 * draw that file into anything.
 *
 * Candidates are grouped by what is cheap first: filesystem, size, mode,
 * owner and group. Only groups spanning two guests are read. Each member
 * is opened again by its path with no symlink followed
 * (path_open_beneath), must still be the inode the walk saw (device,
 * inode, size, mtime, ctime), is read into a SHA-256 of its content and
 * one of its extended attributes (ACLs and capabilities are xattrs), and
 * is checked unchanged once more afterwards; a file that changed is
 * skipped. Members whose extents are already the same as a member read
 * before (a rerun) take that member's content digest without a read.
 * The groups of equal digests are handed to the method (lib/ureflink.c).
 */
#include "vsbox.h"
#include <dirent.h>
#include <signal.h>
#include <sys/xattr.h>

static const char *const default_excl[] = {
	"/etc", "/var", "/home", "/root", "/tmp", "/run", "/dev", "/proc", "/sys",
	"/boot", "/srv", "/opt/*/etc",
};
/* A method whose unified file is copied for its guest at the first write
 * (u->copyup: overlay) may take configuration and state too: what the
 * list above keeps out is what a guest changes in place, which the link
 * method's immutable inodes would refuse. Only what is volatile or not
 * files at all, and the users' own, stays out. */
static const char *const copyup_excl[] = {
	"/home", "/root", "/tmp", "/var/tmp", "/run", "/dev", "/proc", "/sys", "/srv",
};

/* ---- excludes -------------------------------------------------------------- */
static void excl_add(struct unify *u, const char *pat)
{
	u->excl = xrealloc(u->excl, (size_t)(u->nexcl + 1) * sizeof(char *));
	u->excl[u->nexcl++] = xstrdup(pat);
}

/* One pattern a line, absolute, # comments; dies with FILE:LINE */
static void excl_file(struct unify *u, const char *file, bool must)
{
	static char text[65536] BIG;
	char *line, *save;
	int ln = 0;

	if (read_file(file, text, sizeof(text)) < 0) {
		if (!must && errno == ENOENT)
			return;
		die_errno("can't read %s", file);
	}
	for (char *p = text; (line = strtok_r(p, "\n", &save)); p = NULL) {
		ln++;
		while (*line == ' ' || *line == '\t')
			line++;
		size_t l = strlen(line);
		while (l && (line[l - 1] == ' ' || line[l - 1] == '\t' || line[l - 1] == '/'))
			line[--l] = 0;
		if (!*line || *line == '#')
			continue;
		if (*line != '/')
			die("%s:%d: '%s' is not an absolute path pattern", file, ln, line);
		excl_add(u, line);
	}
}

void unify_excludes(struct unify *u, const char *extra)
{
	char path[PATH_MAX];
	size_t n0 = (size_t)u->nexcl;

	xsnprintf(path, sizeof(path), "%s/.defaults/vunify-exclude", confdir());
	excl_file(u, path, false);
	if ((size_t)u->nexcl == n0)     /* no file there: the built-in list */
		for (size_t i = 0; u->copyup ? i < sizeof(copyup_excl) / sizeof(copyup_excl[0]) :
					       i < sizeof(default_excl) / sizeof(default_excl[0]); i++)
			excl_add(u, u->copyup ? copyup_excl[i] : default_excl[i]);
	if (extra)
		excl_file(u, extra, true);
}

/* ---- dpkg conffiles of a guest (rpm %config files: lib/urpm.c) ------------------ */
static int by_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void conffiles(struct uguest *g)
{
	int dfd = path_open_beneath(g->rootfd, "var/lib/dpkg/info", O_RDONLY | O_DIRECTORY);
	DIR *d;
	struct dirent *e;
	static char text[1 << 20] BIG;

	if (dfd < 0 || !(d = fdopendir(dfd))) {
		if (dfd >= 0)
			close(dfd);
		return;
	}
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		struct stat st;
		if (l < 11 || strcmp(e->d_name + l - 10, ".conffiles"))
			continue;
		int fd = openat(dirfd(d), e->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (fstat(fd, &st) || !S_ISREG(st.st_mode) || read_fd(fd, text, sizeof(text)) < 0) {
			close(fd);
			continue;
		}
		close(fd);
		char *line, *save;
		for (char *p = text; (line = strtok_r(p, "\n", &save)); p = NULL) {
			/* "/etc/foo" or, newer dpkg, "/etc/foo remove-on-upgrade" */
			char *sp = strpbrk(line, " \t");
			if (sp)
				*sp = 0;
			if (*line != '/')
				continue;
			g->conff = xrealloc(g->conff, (size_t)(g->nconff + 1) * sizeof(char *));
			g->conff[g->nconff++] = xstrdup(line);
		}
	}
	closedir(d);
}

/* ---- the walk ---------------------------------------------------------------- */
struct islot2 { uint64_t key; size_t cand; bool used; };
struct uw {
	struct uwalk w;
	struct unify *u;
	int gi;
	struct islot2 *t;
	size_t cap, n;
};

static size_t *slot_of(struct uw *w, const struct stat *st, bool *fresh)
{
	uint64_t k = (uint64_t)st->st_ino * 0x9E3779B97F4A7C15ULL ^ (uint64_t)st->st_dev;

	if (2 * (w->n + 1) > w->cap) {
		struct islot2 *o = w->t;
		size_t ocap = w->cap;
		w->cap = ocap ? 2 * ocap : 4096;
		w->t = xcalloc(w->cap, sizeof(*w->t));
		for (size_t i = 0; i < ocap; i++)
			if (o[i].used) {
				size_t j = (size_t)(o[i].key % w->cap);
				while (w->t[j].used)
					j = (j + 1) % w->cap;
				w->t[j] = o[i];
			}
		free(o);
	}
	size_t j = (size_t)(k % w->cap);
	while (w->t[j].used && w->t[j].key != k)
		j = (j + 1) % w->cap;
	*fresh = !w->t[j].used;
	if (*fresh) {
		w->t[j].used = true;
		w->t[j].key = k;
		w->n++;
	}
	return &w->t[j].cand;
}

static uint32_t pool_add(struct unify *u, const char *s)
{
	size_t l = strlen(s) + 1;

	if (u->plen + l > u->pcap)
		u->pool = xrealloc(u->pool, u->pcap = 2 * (u->pcap + l));
	memcpy(u->pool + u->plen, s, l);
	u->plen += l;
	return (uint32_t)(u->plen - l);
}

void unify_progress(struct unify *u, bool last)
{
	uint64_t now = mono_ns();

	if (!u->tty || (!last && now - u->shown < 200000000ULL))
		return;
	u->shown = now;
	fprintf(stderr, "\rvunify: %lu files scanned, %lu read, %lu unified%s", u->scanned,
		u->hashed, u->unified, last ? "\n" : "");
}

static void visit(struct uwalk *w, int dirfd, const char *name, const struct stat *st)
{
	struct uw *x = (struct uw *)w;
	struct unify *u = x->u;
	struct uguest *g = &u->g[x->gi];
	const char *p = w->path;
	bool fresh;

	if (!S_ISREG(st->st_mode))
		return;
	u->scanned++;
	unify_progress(u, false);
	if (g->nconff && bsearch(&p, g->conff, (size_t)g->nconff, sizeof(char *), by_str))
		return;
	size_t *slot = slot_of(x, st, &fresh);
	if (!fresh) {               /* another name of an inode seen */
		if (*slot != (size_t)-1) {
			u->c[*slot].names++;
			if (u->every) {    /* the link method replaces every name */
				if (u->nalias == u->calias)
					u->alias = xrealloc(u->alias, (u->calias = u->calias ? 2 * u->calias : 256) *
							    sizeof(*u->alias));
				u->alias[u->nalias].first = u->c[*slot].path;
				u->alias[u->nalias++].path = pool_add(u, p);
			}
		}
		return;
	}
	*slot = (size_t)-1;
	if (!st->st_size || (u->min_size && st->st_size < u->min_size))
		return;
	if (u->n == u->cap)
		u->c = xrealloc(u->c, (u->cap = u->cap ? 2 * u->cap : 4096) * sizeof(*u->c));
	struct ucand *c = &u->c[u->n];
	memset(c, 0, sizeof(*c));
	c->guest = x->gi;
	c->path = pool_add(u, p);
	c->dev = st->st_dev;
	c->ino = st->st_ino;
	c->size = st->st_size;
	c->mtime = st->st_mtim;
	c->ctime = st->st_ctim;
	c->mode = st->st_mode;
	c->uid = st->st_uid;
	c->gid = st->st_gid;
	c->nlink = st->st_nlink;
	c->names = 1;
	*slot = u->n++;
}

int unify_scan(struct unify *u, int gi)
{
	struct uw x;
	size_t first = u->n;

	memset(&x, 0, sizeof(x));
	x.u = u;
	x.gi = gi;
	x.w.visit = visit;
	x.w.exclude = (const char *const *)u->excl;
	x.w.nexclude = u->nexcl;
	struct uguest *g = &u->g[gi];
	/* a conffile is changed in place by its admin: kept out, but where
	 * a write copies (copyup) */
	if (!u->copyup) {
		conffiles(g);
		urpm_configfiles(g->name, g->rootfd, &g->conff, &g->nconff);
	}
	if (g->nconff)
		qsort(g->conff, (size_t)g->nconff, sizeof(char *), by_str);
	if (uwalk_run(&x.w, u->g[gi].rootfd))
		return -1;
	free(x.t);
	u->errors += x.w.errors;
	/* every name of the inode must have been found here */
	size_t k = first;
	for (size_t i = first; i < u->n; i++)
		if ((nlink_t)u->c[i].names >= u->c[i].nlink)
			u->c[k++] = u->c[i];
		else if (ulink_stored(u, u->c[i].dev, u->c[i].ino))
			u->already++;      /* linked to the store by an earlier run */
		else
			u->outside++;
	u->n = k;
	return 0;
}

/* ---- reading a candidate ----------------------------------------------------- */
bool ucand_same(const struct ucand *c, const struct stat *st)
{
	return st->st_dev == c->dev && st->st_ino == c->ino && st->st_size == c->size &&
	       S_ISREG(st->st_mode) && st->st_mtim.tv_sec == c->mtime.tv_sec &&
	       st->st_mtim.tv_nsec == c->mtime.tv_nsec && st->st_ctim.tv_sec == c->ctime.tv_sec &&
	       st->st_ctim.tv_nsec == c->ctime.tv_nsec;
}

int ucand_open(const struct unify *u, const struct ucand *c)
{
	struct stat st;
	int fd = path_open_beneath(u->g[c->guest].rootfd, u->pool + c->path,
				   O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) || !ucand_same(c, &st)) {
		close(fd);
		errno = ESTALE;
		return -1;
	}
	return fd;
}

static int by_name_len(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* xattrs named so are left out of digests and copies (the overlay
 * method's: overlayfs keeps its own trusted.overlay.* on upper files) */
static const char *xskip;

void unify_xattr_ignore(const char *prefix)
{
	xskip = prefix;
}

static bool xskipped(const char *name)
{
	return xskip && !strncmp(name, xskip, strlen(xskip));
}

int unify_copy_xattrs(int from, int to)
{
	char names[8192], val[8192];
	ssize_t n = flistxattr(from, names, sizeof(names));

	if (n < 0)
		return errno == ENOTSUP || errno == EOPNOTSUPP ? 0 : -1;
	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(names + i) + 1) {
		if (xskipped(names + i))
			continue;
		ssize_t l = fgetxattr(from, names + i, val, sizeof(val));
		if (l < 0 || fsetxattr(to, names + i, val, (size_t)l, 0))
			return -1;
	}
	return 0;
}

int unify_copy_sum(int from, int to, unsigned char sum[32])
{
	static char buf[1 << 17] BIG;
	struct sha256 s;
	ssize_t r;

	sha256_init(&s);
	while ((r = read(from, buf, sizeof(buf))) > 0) {
		sha256_update(&s, buf, (size_t)r);
		if (write(to, buf, (size_t)r) != r)
			return -1;
	}
	sha256_final(&s, sum);
	return r < 0 ? -1 : 0;
}

int unify_method(const char *name, const char *opt)
{
	/* in the enum's order (lib/unify.h) */
	static const char *const names[] = { "auto", "link", "reflink", "overlay" };

	for (int m = 0; m < (int)(sizeof(names) / sizeof(names[0])); m++)
		if (!strcmp(name, names[m]))
			return m;
	usage_die("%s: '%s' is not link, overlay, reflink or auto", opt, name);
}

void unify_hex(const unsigned char *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

void unify_crash_point(const char *what)
{
	static long n = -1;
	static char point[16];

	if (n < 0) {
		const char *h = getenv("VSBOX_VUNIFY_CRASH"), *c = h ? strchr(h, ':') : NULL;
		long long v;
		n = 0;
		if (!h)
			return;
		if (!c || c == h || (size_t)(c - h) >= sizeof(point) || !scan_ll(c + 1, 1, LONG_MAX, &v))
			die("VSBOX_VUNIFY_CRASH: '%s' is not POINT:N", h);
		memcpy(point, h, (size_t)(c - h));
		n = (long)v;
	}
	if (n > 0 && !strcmp(what, point) && --n == 0)
		raise(SIGKILL);
}

/* the xattrs (names sorted, each with its value) into a digest */
int unify_xattr_sum(int fd, unsigned char out[32])
{
	char names[8192], val[8192], *v[256];
	ssize_t n = flistxattr(fd, names, sizeof(names));
	struct sha256 s;
	int k = 0;

	sha256_init(&s);
	if (n < 0 && errno != ENOTSUP && errno != EOPNOTSUPP)
		return -1;
	for (ssize_t i = 0; n > 0 && i < n && k < 256; i += (ssize_t)strlen(names + i) + 1)
		if (!xskipped(names + i))
			v[k++] = names + i;
	if (k == 256)
		return -1;
	qsort(v, (size_t)k, sizeof(char *), by_name_len);
	for (int i = 0; i < k; i++) {
		ssize_t l = fgetxattr(fd, v[i], val, sizeof(val));
		if (l < 0)
			return -1;
		uint32_t len = (uint32_t)l;
		sha256_update(&s, v[i], strlen(v[i]) + 1);
		sha256_update(&s, &len, sizeof(len));
		sha256_update(&s, val, (size_t)l);
	}
	sha256_final(&s, out);
	return 0;
}

static int content_sum(int fd, unsigned char out[32])
{
	static char buf[1 << 17] BIG;
	struct sha256 s;
	ssize_t n;

	sha256_init(&s);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		sha256_update(&s, buf, (size_t)n);
	if (n < 0)
		return -1;
	sha256_final(&s, out);
	return 0;
}

/* Digest the members [a, b) of one cheap group; a member that can't be
 * read or changed is marked dropped */
static void digest_group(struct unify *u, size_t a, size_t b)
{
	for (size_t i = a; i < b; i++) {
		struct ucand *c = &u->c[i];
		struct stat st;
		int fd = ucand_open(u, c);

		if (fd < 0) {
			c->dropped = true;
			u->changed++;
			continue;
		}
		c->nx = fiemap_get(fd, &c->x);
		if (c->nx < 0)
			c->nx = 0;
		/* already sharing every extent with a member read before: the
		 * same content, no read needed */
		bool have = false;
		for (size_t j = a; j < i && !have; j++)
			if (!u->c[j].dropped && fext_same(u->c[j].x, u->c[j].nx, c->x, c->nx)) {
				memcpy(c->csum, u->c[j].csum, 32);
				have = true;
			}
		if ((!have && (content_sum(fd, c->csum) || (u->hashed++, false))) ||
		    unify_xattr_sum(fd, c->xsum) || fstat(fd, &st) || !ucand_same(c, &st)) {
			c->dropped = true;
			u->changed++;
		}
		close(fd);
		unify_progress(u, false);
	}
}

static int cmp_cheap(const void *pa, const void *pb, void *arg)
{
	const struct ucand *x = pa, *y = pb;
	const struct unify *u = arg;
	int fx = u->g[x->guest].fs, fy = u->g[y->guest].fs;

	if (fx != fy)
		return fx < fy ? -1 : 1;
	if (x->size != y->size)
		return x->size < y->size ? -1 : 1;
	if (x->mode != y->mode)
		return x->mode < y->mode ? -1 : 1;
	if (x->uid != y->uid)
		return x->uid < y->uid ? -1 : 1;
	if (x->gid != y->gid)
		return x->gid < y->gid ? -1 : 1;
	return 0;
}

static int cmp_sum(const void *pa, const void *pb)
{
	const struct ucand *x = pa, *y = pb;
	int r;

	if (x->dropped != y->dropped)
		return x->dropped ? 1 : -1;
	if ((r = memcmp(x->csum, y->csum, 32)) || (r = memcmp(x->xsum, y->xsum, 32)))
		return r;
	return x->guest != y->guest ? (x->guest < y->guest ? -1 : 1) : 0;
}

int ualias_cmp(const void *a, const void *b)
{
	const struct ualias *x = a, *y = b;
	return x->first < y->first ? -1 : x->first > y->first;
}

const struct ualias *ualias_first(const struct unify *u, uint32_t path)
{
	const struct ualias key = { path, 0 }, *a = u->nalias ?
		bsearch(&key, u->alias, u->nalias, sizeof(*u->alias), ualias_cmp) : NULL;

	while (a && a > u->alias && a[-1].first == path)
		a--;
	return a;
}

static struct unify *sort_u;
static int cmp_cheap_g(const void *a, const void *b)
{
	return cmp_cheap(a, b, sort_u);
}

/* do the members [a, b) come from two guests at least? */
static bool spans(const struct unify *u, size_t a, size_t b)
{
	for (size_t i = a + 1; i < b; i++)
		if (u->c[i].guest != u->c[a].guest)
			return true;
	return false;
}

void unify_run(struct unify *u, void (*method)(struct unify *u, struct ucand *m, size_t n))
{
	sort_u = u;
	if (u->nalias)
		qsort(u->alias, u->nalias, sizeof(*u->alias), ualias_cmp);
	if (u->n)
		qsort(u->c, u->n, sizeof(*u->c), cmp_cheap_g);
	for (size_t a = 0, b; a < u->n; a = b) {
		for (b = a + 1; b < u->n && !cmp_cheap(&u->c[a], &u->c[b], u); b++)
			;
		if (!u->every && !spans(u, a, b))
			continue;
		digest_group(u, a, b);
		qsort(u->c + a, b - a, sizeof(*u->c), cmp_sum);
		for (size_t i = a, j; i < b && !u->c[i].dropped; i = j) {
			for (j = i + 1; j < b && !u->c[j].dropped && !memcmp(u->c[i].csum, u->c[j].csum, 32) &&
				    !memcmp(u->c[i].xsum, u->c[j].xsum, 32); j++)
				;
			if (u->every || spans(u, i, j))
				method(u, &u->c[i], j - i);
		}
		for (size_t i = a; i < b; i++) {
			free(u->c[i].x);
			u->c[i].x = NULL;
		}
		unify_progress(u, false);
	}
	unify_progress(u, true);
}
