/* uovlfold.c - the overlay method's store and its folding of a guest's
 * file (the design: lib/uovl.c). A store file is made once per content,
 * from a fresh copy digested again; a file is folded by linking its stub
 * into the guest's lower layer, then removing it from the upper layer,
 * each name of it when it has several.
 */
#include "vsbox.h"
#include "lib/uovl.h"
#include <dirent.h>
#include <linux/fs.h>
#include <sys/xattr.h>

/* ---- the store ------------------------------------------------------------ */
/* The store name of a content: the first 132 bits of its SHA-256 in
 * base64url, one character for the directory and 21 for the file. The
 * stub's redirect "/X/..." is then 24 bytes, which with its metacopy mark
 * fits in a 256-byte ext4 inode: a longer one takes a block of its own
 * (the 64 hex digits of a whole digest did, 4 KiB a store file, paid once
 * since ext4 shares equal xattr blocks). The whole digest is the file's
 * X_SUM, checked before anything joins it: names that collide can't mix
 * contents. (A store made before has "ab/cdef..." names, 2 + 62 hex
 * digits, which its stubs keep.) */
static void store_key(const unsigned char sum[32], char dir[3], char name[64])
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	char k[22];

	for (int i = 0; i < 22; i++) {
		int bit = 6 * i, byte = bit / 8;
		unsigned w = (unsigned)sum[byte] << 8 | (byte < 31 ? sum[byte + 1] : 0);
		k[i] = b64[(w >> (10 - bit % 8)) & 63];
	}
	dir[0] = k[0];
	dir[1] = 0;
	memcpy(name, k + 1, 21);
	name[21] = 0;
}

/* the store file of m's content, opened (made from m if missing and make):
 * its fd, or -1 (counted when it was to be made) */
static int store_get(struct unify *u, const struct ucand *m, bool make)
{
	char dir[3], name[64];
	unsigned char sum[32];
	struct stat st;
	int d, fd, src, t;

	store_key(m->csum, dir, name);
	if (O.store < 0)
		return -1;
	d = openat(O.store, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (d < 0 && make && !u->dry) {
		if (mkdirat(O.store, dir, 0700) && errno != EEXIST)
			die_errno("can't make %s/.ovl/store/%s", rootdir(), dir);
		d = xopenat(O.store, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	}
	if (d < 0)
		return -1;
	fd = openat(d, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0) {
		/* one a killed run linked but did not flag: complete (its
		 * data was synced before its link), flagged now */
		if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size != m->size ||
		    fgetxattr(fd, X_SUM, sum, sizeof(sum)) != sizeof(sum) || memcmp(sum, m->csum, sizeof(sum)) ||
		    (!u->dry && fd_setflags(fd, FS_IMMUTABLE_FL, true))) {
			warn("%s/.ovl/store/%s/%s is not a store file of %s:%s: left alone", rootdir(), dir, name,
			     u->g[m->guest].name, u->pool + m->path);
			u->failed++;
			close(fd);
			fd = -1;
		}
		close(d);
		return fd;
	}
	if (!make || u->dry) {
		close(d);
		return -1;
	}
	if ((src = ucand_open(u, m)) < 0) {
		u->changed++;
		close(d);
		return -1;
	}
	t = openat(d, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0400);
	if (t < 0 || unify_copy_sum(src, t, sum) || fsync(t)) {
		warn_errno("can't copy %s:%s into the store %s/.ovl/store", u->g[m->guest].name,
			   u->pool + m->path, rootdir());
		u->failed++;
		goto bad;
	}
	if (memcmp(sum, m->csum, 32) || fstat(src, &st) || !ucand_same(m, &st)) {
		u->changed++;      /* not what was digested: it changed */
		goto bad;
	}
	if (fsetxattr(t, X_SUM, sum, sizeof(sum), 0) || linkat(t, "", d, name, AT_EMPTY_PATH) ||
	    fd_setflags(t, FS_IMMUTABLE_FL, true)) {
		warn_errno("can't store %s:%s in %s/.ovl/store", u->g[m->guest].name, u->pool + m->path, rootdir());
		u->failed++;
		goto bad;
	}
	unify_crash_point("store");
	close(src);
	close(d);
	return t;
bad:
	if (t >= 0)
		close(t);
	close(src);
	close(d);
	return -1;
}

/* ---- folding one guest's file --------------------------------------------- */
/* a directory of upper that overlayfs would not look through to lower's
 * same path: opaque (made over a whiteout) or redirected (renamed) */
static bool dir_hides(int fd)
{
	return fgetxattr(fd, X_OPAQUE, NULL, 0) >= 0 || fgetxattr(fd, X_REDIRECT, NULL, 0) >= 0;
}

/* The directory of rel ("/usr/lib/x") in upper and lower, the latter made
 * as needed with the owner and mode of upper's: 0 with both open, -1 when
 * the file can't be folded there */
static int dirs_open(int up, int low, const char *rel, int *ud, int *ld)
{
	char comp[NAME_MAX + 1];
	const char *p = rel + 1, *s;
	struct stat st;

	*ud = xopenat(up, ".", O_RDONLY | O_DIRECTORY, 0);
	*ld = xopenat(low, ".", O_RDONLY | O_DIRECTORY, 0);
	while ((s = strchr(p, '/'))) {
		if ((size_t)(s - p) > NAME_MAX)
			goto no;
		memcpy(comp, p, (size_t)(s - p));
		comp[s - p] = 0;
		p = s + 1;
		int nu = openat(*ud, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(*ud);
		*ud = nu;
		if (nu < 0 || dir_hides(nu) || fstat(nu, &st))
			goto no;
		if (mkdirat(*ld, comp, st.st_mode & 07777) == 0 &&
		    (fchownat(*ld, comp, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) ||
		     fchmodat(*ld, comp, st.st_mode & 07777, 0)))
			goto no;
		int nl = openat(*ld, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(*ld);
		*ld = nl;
		if (nl < 0)
			goto no;       /* a stub there: the guest made a directory of a file */
	}
	return 0;
no:
	if (*ud >= 0)
		close(*ud);
	if (*ld >= 0)
		close(*ld);
	*ud = *ld = -1;
	return -1;
}

/* the stub of the file open as fd (stat st) in lower's directory ld, under
 * base, whose data is the store's redirect: 0, or -1 + errno */
static int stub_make(int fd, const struct stat *st, int ld, const char *base, const char *redirect)
{
	struct timespec tm[2] = { st->st_atim, st->st_mtim };
	struct stat old;
	int t = openat(ld, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600), r = -1;

	/* the size first: a truncate drops security.capability, which the
	 * copy of the xattrs then sets; the owner before the mode (a chown
	 * clears set-id bits) */
	if (t < 0 || ftruncate(t, st->st_size) || fchown(t, st->st_uid, st->st_gid) ||
	    fchmod(t, st->st_mode & 07777) || unify_copy_xattrs(fd, t) || uovl_stub_xattrs(t, redirect) ||
	    futimens(t, tm))
		goto out;
	/* a stub a killed run left there is hidden by the file in upper:
	 * replaced (a directory there is the guest's old one: left) */
	for (int k = 0; (r = linkat(t, "", ld, base, AT_EMPTY_PATH)) && errno == EEXIST && k < 2; k++)
		if (fstatat(ld, base, &old, AT_SYMLINK_NOFOLLOW) || S_ISDIR(old.st_mode) || unlinkat(ld, base, 0))
			break;
out:
	if (t >= 0)
		close(t);
	return r ? -1 : 0;
}

/* an xattr set through an overlay as trusted.overlay.* is kept escaped,
 * trusted.overlay.overlay.*: the guest's own, which a stub can't carry
 * (its copies leave out overlayfs's names) */
static bool escaped_xattr(int fd)
{
	char names[8192];
	ssize_t n = flistxattr(fd, names, sizeof(names));

	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(names + i) + 1)
		if (!strncmp(names + i, X_PREFIX "overlay.", strlen(X_PREFIX "overlay.")))
			return true;
	return n < 0 && errno == ERANGE;
}

/* one name of a member: its directories in upper and lower */
struct fname { const char *rel, *base; int ud, ld; };

/* name k of the stub already linked as n[0]: a hard link of it (a stub a
 * killed run left there replaced, as stub_make does) */
static int stub_link(const struct fname *n0, const struct fname *k)
{
	struct stat old;
	int r;

	for (int t = 0; (r = linkat(n0->ld, n0->base, k->ld, k->base, 0)) && errno == EEXIST && t < 2; t++)
		if (fstatat(k->ld, k->base, &old, AT_SYMLINK_NOFOLLOW) || S_ISDIR(old.st_mode) ||
		    unlinkat(k->ld, k->base, 0))
			break;
	return r;
}

/* Fold member c onto the store file named redirect: the bytes freed. A
 * file with several names in its guest (the walk found every one) gets
 * one stub, hard-linked under each name as its inode was: overlayfs shows
 * them as one inode, and a write to one name copies that name up alone,
 * as it does for any hard-linked lower file. */
static unsigned long long fold(struct unify *u, const struct ucand *c, const char *redirect)
{
	const char *gname = u->g[c->guest].name;
	struct fname n[16];
	struct stat st, now;
	int fd, nn = 0;
	bool bad = false;
	unsigned long long freed = 0;

	if (O.ro[c->guest]) {          /* running: at its next start */
		u->deferred++;
		return 0;
	}
	if ((fd = ucand_open(u, c)) < 0) {
		u->changed++;
		return 0;
	}
	/* its names: the one it was found by, then the others the walk saw */
	const struct ualias *a = ualias_first(u, c->path);
	n[nn++].rel = u->pool + c->path;
	for (; a && a < u->alias + u->nalias && a->first == c->path && nn < 16; a++)
		n[nn++].rel = u->pool + a->path;
	for (int k = 0; k < nn; k++) {
		n[k].base = strrchr(n[k].rel, '/') + 1;
		n[k].ud = n[k].ld = -1;
	}
	/* a copy-up of metadata only (its data in lower), an escaped overlayfs
	 * xattr, a name overlayfs would not look up in lower: the guest's own */
	if ((nlink_t)nn != c->nlink || fgetxattr(fd, X_META, NULL, 0) >= 0 || escaped_xattr(fd))
		bad = true;
	for (int k = 0; k < nn && !bad; k++)
		bad = dirs_open(u->g[c->guest].rootfd, O.lower[c->guest], n[k].rel, &n[k].ud, &n[k].ld) != 0;
	if (bad) {
		u->refused++;
		goto out;
	}
	if (fstat(fd, &st) || stub_make(fd, &st, n[0].ld, n[0].base, redirect)) {
		warn_errno("can't make the stub of %s:%s in %s/.ovl/%s/lower", gname, n[0].rel, rootdir(), gname);
		u->failed++;
		goto out;
	}
	for (int k = 1; k < nn; k++)
		if (stub_link(&n[0], &n[k])) {
			warn_errno("can't link the stub of %s:%s as %s", gname, n[0].rel, n[k].rel);
			u->failed++;
			goto out;
		}
	unify_crash_point("stub");
	/* still the inode read, under each name: then the stub takes its place */
	if (fstat(fd, &st) || !ucand_same(c, &st) || st.st_nlink != c->nlink)
		bad = true;
	for (int k = 0; k < nn && !bad; k++)
		bad = fstatat(n[k].ud, n[k].base, &now, AT_SYMLINK_NOFOLLOW) || now.st_ino != c->ino ||
		      now.st_dev != c->dev;
	if (bad) {
		u->changed++;
		goto out;
	}
	/* the times of each name's directory, kept (the guest sees them) */
	struct stat dt[16];
	for (int k = 0; k < nn; k++)
		if (fstat(n[k].ud, &dt[k]))
			dt[k].st_mode = 0;
	for (int k = 0; k < nn; k++) {
		if (unlinkat(n[k].ud, n[k].base, 0)) {
			warn_errno("can't remove %s:%s from its upper layer", gname, n[k].rel);
			u->failed++;
			goto out;
		}
		unify_crash_point("fold");
	}
	for (int k = nn - 1; k >= 0; k--)
		if (dt[k].st_mode)
			futimens(n[k].ud, (struct timespec[2]){ dt[k].st_atim, dt[k].st_mtim });
	u->unified++;
	freed = (unsigned long long)st.st_blocks * 512;
out:
	for (int k = 0; k < nn; k++) {
		if (n[k].ud >= 0)
			close(n[k].ud);
		if (n[k].ld >= 0)
			close(n[k].ld);
	}
	close(fd);
	unify_progress(u, false);
	return freed;
}

void unify_overlay(struct unify *u, struct ucand *m, size_t n)
{
	char dir[3], name[64], redirect[72], a[32];
	bool spans = false;
	unsigned long long freed = 0, cost = 0;
	struct stat st;
	int efd;

	for (size_t i = 0; i < n; i++)
		spans |= m[i].guest != m[0].guest;
	store_key(m[0].csum, dir, name);
	xsnprintf(redirect, sizeof(redirect), "/%s/%s", dir, name);
	efd = store_get(u, &m[0], false);
	if (efd < 0 && !spans)
		return;            /* nothing in the store, no other guest */
	if (u->dry) {
		/* each copy is folded; the store's costs the first one's room */
		for (size_t i = efd >= 0 ? 0 : 1; i < n; i++) {
			unsigned long long b = ((unsigned long long)m[i].size + 4095) & ~4095ULL;
			printf("%s:%s = .ovl/store%s (%s)\n", u->g[m[i].guest].name, u->pool + m[i].path, redirect,
			       fmt_kib((b + 1023) / 1024, a, sizeof(a)));
			u->saved += b;
		}
		u->unified += n;
		if (efd >= 0)
			close(efd);
		return;
	}
	if (efd < 0) {
		if ((efd = store_get(u, &m[0], true)) < 0 || fstat(efd, &st)) {
			if (efd >= 0)
				close(efd);
			return;
		}
		cost = (unsigned long long)st.st_blocks * 512;
	}
	close(efd);
	for (size_t i = 0; i < n; i++)
		freed += fold(u, &m[i], redirect);
	u->saved += freed > cost ? freed - cost : 0;
}

/* ---- store files no guest refers to -------------------------------------- */
struct gcw {
	struct uwalk w;
	char **ref;             /* the redirects of every stub */
	size_t n, cap;
};

static void gc_visit(struct uwalk *w, int dirfd, const char *name, const struct stat *st)
{
	struct gcw *g = (struct gcw *)w;
	char r[128];

	if (!S_ISREG(st->st_mode))
		return;
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	ssize_t l = fd < 0 ? -1 : fgetxattr(fd, X_REDIRECT, r, sizeof(r) - 1);
	if (fd >= 0)
		close(fd);
	if (l < 0) {
		if (fd < 0 || errno != ENODATA)
			w->errors++;   /* unknown: nothing is removed */
		return;
	}
	r[l] = 0;
	if (g->n == g->cap)
		g->ref = xrealloc(g->ref, (g->cap = g->cap ? 2 * g->cap : 4096) * sizeof(char *));
	g->ref[g->n++] = xstrdup(r);
}

static int by_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* every guest's lower layer read (those not named too); -1 if one could
 * not be read whole, or a guest waits for its next start to be folded
 * (the store files made for it have no stub yet) */
static int gc_refs(struct gcw *g)
{
	char p[PATH_MAX];
	struct dirent *e;
	int r = 0;

	xsnprintf(p, sizeof(p), "%s/.ovl/.fold", rootdir());
	DIR *d = opendir(p);
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			r = -1;
	if (d)
		closedir(d);
	xsnprintf(p, sizeof(p), "%s/.ovl", rootdir());
	if (r || !(d = opendir(p)))
		return -1;
	while ((e = readdir(d)) && !r) {
		if (e->d_name[0] == '.' || !strcmp(e->d_name, "store"))
			continue;
		uovl_path(e->d_name, "lower", p, sizeof(p));
		int fd = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			r = errno == ENOENT ? 0 : -1;
			continue;
		}
		g->w.visit = gc_visit;
		r = uwalk_run(&g->w, fd) || g->w.errors ? -1 : 0;
		close(fd);
	}
	closedir(d);
	return r;
}

unsigned long uovl_gc(void)
{
	struct gcw g;
	unsigned long removed = 0;
	struct dirent *e, *f;
	char key[72];

	memset(&g, 0, sizeof(g));
	if (O.store < 0 || gc_refs(&g))
		goto out;
	if (g.n)
		qsort(g.ref, g.n, sizeof(char *), by_str);
	int sfd = openat(O.store, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = sfd < 0 ? NULL : fdopendir(sfd);
	while (d && (e = readdir(d))) {
		/* "X" of a name, or "ab" of an older store's */
		size_t dl = strlen(e->d_name), fl = dl == 1 ? 21 : 62;
		if (e->d_name[0] == '.' || dl > 2)
			continue;
		int afd = openat(O.store, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		DIR *a = afd < 0 ? NULL : fdopendir(afd);
		while (a && (f = readdir(a))) {
			const char *k = key;
			if (f->d_name[0] == '.' || strlen(f->d_name) != fl)
				continue;
			snprintf(key, sizeof(key), "/%.2s/%.62s", e->d_name, f->d_name);
			if (g.n && bsearch(&k, g.ref, g.n, sizeof(char *), by_str))
				continue;
			/* no stub names it: immutable no more, then gone */
			int fd = openat(afd, f->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
			if (fd >= 0 && !fd_setflags(fd, FS_IMMUTABLE_FL, false) && !unlinkat(afd, f->d_name, 0))
				removed++;
			if (fd >= 0)
				close(fd);
		}
		if (a)
			closedir(a);
		else if (afd >= 0)
			close(afd);
	}
	if (d)
		closedir(d);
	else if (sfd >= 0)
		close(sfd);
out:
	for (size_t i = 0; i < g.n; i++)
		free(g.ref[i]);
	free(g.ref);
	return removed;
}
