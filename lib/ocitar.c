/* ocitar.c - one image layer (a tar stream, lib/tar.c) applied to a guest
 * root, as the OCI image specification's "applying changesets" says.
 *
 * The layer comes from an image: anyone may have written it, and host root
 * extracts it. So every name is cleaned first (a leading "/" and "."
 * components dropped, ".." refused), and every directory on the way to an
 * entry is opened one component at a time below the root with O_NOFOLLOW:
 * a symbolic link on the way (absolute or not, made by this layer or an
 * earlier one) is refused, not followed, and nothing is ever created or
 * removed outside the root. Hard links point at files inside the root found
 * the same way. Device nodes are refused (a guest gets its /dev from
 * vsbox). Anything refused ends the build; the caller's undo removes the
 * root, so nothing half-built stays.
 *
 * Whiteouts: ".wh.NAME" removes NAME as the layers below left it; an opaque
 * marker ".wh..wh..opq" hides everything the layers below put in its
 * directory: applied once the whole layer is in, keeping what this layer
 * made (every path of the layer and its ancestors are remembered).
 */
#include "vsbox.h"
#include <dirent.h>
#include <sys/xattr.h>

struct ap {
	int rootfd;
	const char *what;
	struct tar_rd *r;
	const char *cur;            /* the entry's name, for messages */
	char ppath[PATH_MAX];       /* the last parent directory opened, */
	int pfd;                    /* kept open: entries come by directory */
	char **set;                 /* this layer's paths, open addressing */
	size_t nset, cap;
	char **opq;                 /* directories made opaque */
	int nopq;
	bool xwarned;
};

/* a name as a message may show it: one line, bounded */
static const char *shown(const char *s)
{
	static char b[4][160];
	static int k;
	char *o = b[k++ & 3];
	size_t i;

	for (i = 0; s[i] && i < sizeof(b[0]) - 4; i++)
		o[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	strcpy(o + i, s[i] ? "..." : "");
	return o;
}

static _Noreturn void refuse(struct ap *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static _Noreturn void refuse(struct ap *a, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	die("%s: %s: %s", a->what, shown(a->cur), why);
}

/* "./a//b/" -> "a/b"; "/" and "." -> ""; false when a component is ".." */
static bool clean(const char *in, char *out, size_t n)
{
	size_t k = 0;

	while (*in) {
		while (*in == '/')
			in++;
		size_t l = strcspn(in, "/");
		if (l == 2 && !memcmp(in, "..", 2))
			return false;
		if (l && !(l == 1 && *in == '.')) {
			if (k + l + 2 > n)
				return false;
			if (k)
				out[k++] = '/';
			memcpy(out + k, in, l);
			k += l;
		}
		in += l;
	}
	out[k] = 0;
	return true;
}

/* ---- the set of this layer's paths -------------------------------------- */
static size_t hash(const char *s)
{
	size_t h = 14695981039346656037ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static bool set_has(const struct ap *a, const char *s)
{
	if (!a->cap)
		return false;
	for (size_t i = hash(s) & (a->cap - 1); a->set[i]; i = (i + 1) & (a->cap - 1))
		if (!strcmp(a->set[i], s))
			return true;
	return false;
}

static void set_add(struct ap *a, const char *s)
{
	if (set_has(a, s))
		return;
	if (2 * (a->nset + 1) > a->cap) {
		size_t ncap = a->cap ? 2 * a->cap : 256;
		char **ns = xcalloc(ncap, sizeof(*ns));
		for (size_t i = 0; i < a->cap; i++)
			if (a->set[i]) {
				size_t j = hash(a->set[i]) & (ncap - 1);
				while (ns[j])
					j = (j + 1) & (ncap - 1);
				ns[j] = a->set[i];
			}
		free(a->set);
		a->set = ns;
		a->cap = ncap;
	}
	size_t i = hash(s) & (a->cap - 1);
	while (a->set[i])
		i = (i + 1) & (a->cap - 1);
	a->set[i] = xstrdup(s);
	a->nset++;
}

/* a path and every directory above it */
static void remember(struct ap *a, const char *p)
{
	char b[PATH_MAX], *s;

	snprintf(b, sizeof(b), "%s", p);
	do {
		set_add(a, b);
	} while ((s = strrchr(b, '/')) && (*s = 0, true));
}

/* ---- directories, through no symlink --------------------------------- */
/* dir (cleaned, "" the root) below the root, each component with
 * O_NOFOLLOW; missing ones made when create. A new descriptor, or -1 +
 * errno (ENOENT without create); a link or non-directory on the way:
 * refused */
static int walk(struct ap *a, const char *dir, bool create)
{
	char b[PATH_MAX], *save, *t;
	int d = dup(a->rootfd);

	if (d < 0)
		die_errno("can't dup a descriptor");
	snprintf(b, sizeof(b), "%s", dir);
	for (t = strtok_r(b, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		int fd = openat(d, t, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT && create) {
			if (mkdirat(d, t, 0755) && errno != EEXIST)
				refuse(a, "can't create directory %s: %s", shown(t), strerror(errno));
			fd = openat(d, t, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (fd < 0) {
			int e = errno;
			close(d);
			if (e == ENOENT && !create)
				return errno = ENOENT, -1;
			if (e == ENOTDIR || e == ELOOP)
				refuse(a, "%s on the way is a symbolic link or no directory: "
				       "refused (never followed)", shown(t));
			refuse(a, "can't open directory %s: %s", shown(t), strerror(e));
		}
		close(d);
		d = fd;
	}
	return d;
}

/* the same, through the cache of the last one: not to be closed */
static int parent(struct ap *a, const char *dir)
{
	if (a->pfd >= 0 && !strcmp(a->ppath, dir))
		return a->pfd;
	if (a->pfd >= 0)
		close(a->pfd);
	a->pfd = walk(a, dir, true);
	snprintf(a->ppath, sizeof(a->ppath), "%s", dir);
	return a->pfd;
}

static void forget_parent(struct ap *a)
{
	if (a->pfd >= 0)
		close(a->pfd);
	a->pfd = -1;
}

/* remove name in dirfd, whatever it is (a directory with all below) */
static void rm_entry(struct ap *a, int dirfd, const char *name)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return;
	forget_parent(a);       /* it may be the cached one, or below it */
	if (S_ISDIR(st.st_mode) ? remove_tree(dirfd, name) : unlinkat(dirfd, name, 0))
		refuse(a, "can't remove %s: %s", shown(name), strerror(errno));
}

/* split a cleaned path into its directory (in b) and its last name */
static const char *split(const char *p, char *b, size_t n)
{
	const char *s = strrchr(p, '/');

	snprintf(b, n, "%.*s", s ? (int)(s - p) : 0, p);
	return s ? s + 1 : p;
}

/* ---- the entries --------------------------------------------------------- */
static void attrs(struct ap *a, int fd, const struct tar_ent *e)
{
	for (int i = 0; i < e->nxattr; i++) {
		const struct tar_xattr *x = &e->xattr[i];
		/* file capabilities and user attributes; never trusted.* or
		 * security labels an image could use against the host */
		if (strcmp(x->name, "security.capability") && strncmp(x->name, "user.", 5))
			continue;
		if (!fsetxattr(fd, x->name, x->value, x->len, 0))
			continue;
		if (errno != ENOTSUP && errno != EOPNOTSUPP)
			refuse(a, "can't set %s: %s", shown(x->name), strerror(errno));
		if (!a->xwarned)
			warn("%s: this filesystem takes no %s: left out", a->what, shown(x->name));
		a->xwarned = true;
	}
}

static void owner_mode(struct ap *a, int fd, const struct tar_ent *e)
{
	/* chown first: it clears set-id bits that fchmod then sets */
	if (fchown(fd, (uid_t)e->uid, (gid_t)e->gid) || fchmod(fd, e->mode))
		refuse(a, "can't set owner and mode: %s", strerror(errno));
}

static void copy_data(struct ap *a, int fd)
{
	static char buf[65536] BIG;
	ssize_t n;

	while ((n = tar_read(a->r, buf, sizeof(buf))) > 0)
		xwrite_fd(fd, buf, (size_t)n, a->cur);
	if (n < 0)
		die("%s: %s", a->what, a->r->err);
}

static void hardlink(struct ap *a, int pfd, const char *base, const struct tar_ent *e)
{
	char lp[PATH_MAX], ldir[PATH_MAX];
	struct stat st;

	if (!clean(e->link, lp, sizeof(lp)) || !*lp)
		refuse(a, "a hard link to %s, outside the image: refused", shown(e->link));
	const char *lbase = split(lp, ldir, sizeof(ldir));
	int t = walk(a, ldir, false);
	if (t < 0 || fstatat(t, lbase, &st, AT_SYMLINK_NOFOLLOW) || S_ISDIR(st.st_mode))
		refuse(a, "a hard link to %s, which is no file of the image: refused", shown(e->link));
	/* no AT_SYMLINK_FOLLOW: a link to a symlink is to the symlink */
	if (linkat(t, lbase, pfd, base, 0))
		refuse(a, "can't link to %s: %s", shown(e->link), strerror(errno));
	close(t);
}

static void entry(struct ap *a, const struct tar_ent *e)
{
	char p[PATH_MAX], dir[PATH_MAX];
	struct stat st;
	int fd;

	a->cur = e->path;
	if (!clean(e->path, p, sizeof(p)))
		refuse(a, "a name with '..' (or too long): refused");
	if (!*p)
		return;                 /* the root itself: it keeps vsbox's owner and mode */
	const char *base = split(p, dir, sizeof(dir));
	if (!strncmp(base, ".wh.", 4)) {
		if (!strcmp(base, ".wh..wh..opq")) {
			a->opq = xrealloc(a->opq, (size_t)(a->nopq + 1) * sizeof(*a->opq));
			a->opq[a->nopq++] = xstrdup(dir);
		} else if (strncmp(base, ".wh..wh.", 8)) {
			/* (other .wh..wh. names are aufs' own bookkeeping) */
			const char *name = base + 4;
			if (!*name || !strcmp(name, ".") || !strcmp(name, ".."))
				refuse(a, "a bad whiteout");
			int d = walk(a, dir, false);
			if (d >= 0) {
				rm_entry(a, d, name);
				close(d);
			}
		}
		return;
	}
	if (e->type == '3' || e->type == '4')
		refuse(a, "a device node: refused (a guest gets its /dev from vsbox)");
	if (e->uid < 0 || e->uid > 0xfffffffeLL || e->gid < 0 || e->gid > 0xfffffffeLL)
		refuse(a, "a bad owner %lld:%lld", e->uid, e->gid);
	remember(a, p);
	int pfd = parent(a, dir);
	bool exists = !fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW);
	if (exists && !(e->type == '5' && S_ISDIR(st.st_mode))) {
		rm_entry(a, pfd, base);
		pfd = parent(a, dir);
		exists = false;
	}
	struct timespec ts[2] = { { e->mtime, 0 }, { e->mtime, 0 } };
	switch (e->type) {
	case '5':
		if (!exists && mkdirat(pfd, base, 0700))
			refuse(a, "can't create the directory: %s", strerror(errno));
		fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			refuse(a, "can't open the directory: %s", strerror(errno));
		owner_mode(a, fd, e);
		attrs(a, fd, e);
		close(fd);
		break;
	case '0':
		fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			refuse(a, "can't create the file: %s", strerror(errno));
		copy_data(a, fd);
		owner_mode(a, fd, e);
		attrs(a, fd, e);
		futimens(fd, ts);
		close(fd);
		break;
	case '2':
		if (symlinkat(e->link, pfd, base))
			refuse(a, "can't create the symbolic link: %s", strerror(errno));
		if (fchownat(pfd, base, (uid_t)e->uid, (gid_t)e->gid, AT_SYMLINK_NOFOLLOW))
			refuse(a, "can't set the owner: %s", strerror(errno));
		utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW);
		break;
	case '1':
		hardlink(a, pfd, base, e);
		break;
	case '6':
		if (mkfifoat(pfd, base, 0600) ||
		    fchownat(pfd, base, (uid_t)e->uid, (gid_t)e->gid, AT_SYMLINK_NOFOLLOW) ||
		    fchmodat(pfd, base, e->mode, 0))
			refuse(a, "can't create the FIFO: %s", strerror(errno));
		break;
	}
}

/* an opaque directory: what is not of this layer goes (dirfd: path) */
static void prune(struct ap *a, int dirfd, const char *path)
{
	int d = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dp = d < 0 ? NULL : fdopendir(d);
	struct dirent *de;
	char child[PATH_MAX];

	if (!dp)
		die_errno("%s: can't read %s", a->what, shown(path));
	while ((de = readdir(dp))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(child, sizeof(child), "%s%s%s", path, *path ? "/" : "", de->d_name);
		if (!set_has(a, child)) {
			rm_entry(a, dirfd, de->d_name);
			continue;
		}
		int c = openat(dirfd, de->d_name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (c >= 0) {
			prune(a, c, child);
			close(c);
		}
	}
	closedir(dp);
}

void ocitar_apply(int rootfd, struct tar_rd *r, const char *what)
{
	struct ap a = { .rootfd = rootfd, .what = what, .r = r, .pfd = -1 };
	struct tar_ent e;
	int rc;

	while ((rc = tar_next(r, &e)) > 0)
		entry(&a, &e);
	if (rc < 0)
		die("%s: %s", what, r->err);
	forget_parent(&a);
	for (int i = 0; i < a.nopq; i++) {
		a.cur = a.opq[i];
		int d = walk(&a, a.opq[i], false);
		if (d >= 0) {
			prune(&a, d, a.opq[i]);
			close(d);
		}
		free(a.opq[i]);
	}
	for (size_t i = 0; i < a.cap; i++)
		free(a.set[i]);
	free(a.set);
	free(a.opq);
}
