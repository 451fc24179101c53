/* ulink.c - vunify's link method: identical files become one inode.
 *
 * Needs the immutable linkage invert (kernel/patches 0001, FS_IXUNLINK_FL,
 * ext4): an inode that is immutable + iunlink can't be written, truncated,
 * chmod-ed or have its xattrs changed, but each of its names may be
 * unlinked, renamed or renamed over. So one such inode hard-linked into
 * every guest is safe to share: a guest's package manager still deletes or
 * replaces its copy (write a new file, rename it over), and with patch
 * 0002 an open for writing gives the opener a private copy. The page cache
 * then holds one copy for every guest.
 *
 * The inodes live in a store, ROOTDIR/.hash/ab/cdef...-META: the content's
 * SHA-256 in hex, then a digest of size, mode, owner, group and xattrs
 * (two files with the same content but another owner are two inodes). A
 * store entry is made from a fresh O_TMPFILE inode in the store (a copy of
 * the first member, its digest checked again while copying, owner, mode,
 * xattrs, mtime), flagged, then linked in under its final name: no guest
 * ever sees an inode that is not yet immutable. Entries are made for files
 * two guests or more have in common; a guest unified later (vunify --method
 * link NEW) joins the entries there without reading the other guests.
 * Entries no guest links any more (link count 1) are removed at the next
 * run.
 *
 * A member (a guest's inode, with every name of it the walk found in that
 * guest) is replaced name by name, each in its directory, opened below the
 * guest's root following no symlink (path_open_beneath): the old inode is
 * linked as .vunify.RANDOM.N.0.o, the store inode beside each name as
 * .vunify.RANDOM.N.K.s and renamed over it, then the .o name is removed. The
 * old inode is held open under a read lease meanwhile: a file open for
 * writing anywhere is skipped, and a writer opening it during the swap
 * (the lease breaks) or a change of its size or mtime puts the old inode
 * back under its names.
 * Every temporary name is written to the journal ROOTDIR/.hash/.pending
 * before it is made; a run killed at any moment leaves every file either
 * as it was or unified, and the next run removes the names the journal
 * lists (and only those: a guest's own files named like them are safe).
 *
 * A test hook, VSBOX_VUNIFY_CRASH=POINT:N, kills vunify with SIGKILL right
 * after the Nth store entry (POINT "store"), temporary link ("link") or
 * rename over a guest's file ("rename"), for tests/vunify-link.t.
 */
#include "vsbox.h"
#include <ctype.h>
#include <dirent.h>
#include <linux/fs.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/xattr.h>

#define UNIFIED (FS_IMMUTABLE_FL | FS_IXUNLINK_FL)
#define TMP_PREFIX ".vunify."

static struct {
	int dfd, jfd;           /* the store, its journal */
	unsigned long seq;
	char token[17];         /* this run's, in its temporary names */
} S = { .dfd = -1, .jfd = -1 };

#define crash_point unify_crash_point
#define hex unify_hex

static int by_ino(const void *a, const void *b)
{
	ino_t x = *(const ino_t *)a, y = *(const ino_t *)b;
	return x < y ? -1 : x > y;
}

bool ulink_stored(const struct unify *u, dev_t dev, ino_t ino)
{
	return u->nsino && dev == u->sdev && bsearch(&ino, u->sino, u->nsino, sizeof(ino_t), by_ino);
}

/* ---- the journal of temporary names ------------------------------------------ */
static void journal(const char *guest, const char *dir, const char *t)
{
	char line[PATH_MAX + 256];
	int l = snprintf(line, sizeof(line), "%s\t%s/%s\n", guest, dir, t);

	if (l < 0 || (size_t)l >= sizeof(line))
		die("a path too long for the journal: %s", dir);
	if (write(S.jfd, line, (size_t)l) != l)   /* one write: never half a line */
		die_errno("can't write the journal %s/.hash/.pending", rootdir());
}

/* remove the temporary name a killed run may have left (guest NAME, PATH
 * below its root): only names vunify makes, found without a symlink */
static bool clean_one(const char *name, const char *path)
{
	char root[PATH_MAX], dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	bool done = false;

	if (!guest_name_ok(name) || !slash || strncmp(slash + 1, TMP_PREFIX, strlen(TMP_PREFIX)) ||
	    (size_t)(slash - path) >= sizeof(dir))
		return false;
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = 0;
	xsnprintf(root, sizeof(root), "%s/%s", rootdir(), name);
	int rfd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int dfd = rfd < 0 ? -1 : path_open_beneath(rfd, *dir ? dir : ".", O_RDONLY | O_DIRECTORY);
	if (dfd >= 0)
		done = !unlinkat(dfd, slash + 1, 0);
	if (dfd >= 0)
		close(dfd);
	if (rfd >= 0)
		close(rfd);
	return done;
}

static void journal_replay(void)
{
	int fd = dup(S.jfd);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "r");
	char *line = NULL;
	size_t cap = 0;
	unsigned long n = 0;

	if (!f)
		die_errno("can't read the journal %s/.hash/.pending", rootdir());
	rewind(f);
	while (getline(&line, &cap, f) > 0) {
		char *tab = strchr(line, '\t'), *nl = strchr(line, '\n');
		if (!tab || !nl)
			continue;          /* not a whole line: never written whole */
		*tab = *nl = 0;
		n += clean_one(line, tab + 1);
	}
	free(line);
	fclose(f);
	if (n)
		warn("removed %lu temporary name%s an interrupted vunify left", n, n == 1 ? "" : "s");
	if (ftruncate(S.jfd, 0))
		die_errno("can't empty the journal %s/.hash/.pending", rootdir());
}

/* ---- the store ----------------------------------------------------------------- */
static void store_load(struct unify *u, bool gc)
{
	int fd = openat(S.dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *e;
	size_t cap = 0;

	if (!d)
		die_errno("can't read the store %s/.hash", rootdir());
	while ((e = readdir(d))) {
		if (strlen(e->d_name) != 2 || !isxdigit((unsigned char)e->d_name[0]) ||
		    !isxdigit((unsigned char)e->d_name[1]))
			continue;
		int sfd = openat(S.dfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		DIR *sd = sfd < 0 ? NULL : fdopendir(sfd);
		struct dirent *f;
		if (!sd) {
			if (sfd >= 0)
				close(sfd);
			continue;
		}
		while ((f = readdir(sd))) {
			struct stat st;
			if (f->d_name[0] == '.' || fstatat(sfd, f->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
			    !S_ISREG(st.st_mode))
				continue;
			if (gc && st.st_nlink == 1 && !unlinkat(sfd, f->d_name, 0))
				continue;  /* no guest links it any more */
			if (u->nsino == cap)
				u->sino = xrealloc(u->sino, (cap = cap ? 2 * cap : 1024) * sizeof(ino_t));
			u->sino[u->nsino++] = st.st_ino;
		}
		closedir(sd);
	}
	closedir(d);
	if (u->nsino)
		qsort(u->sino, u->nsino, sizeof(ino_t), by_ino);
}

void ulink_open(struct unify *u)
{
	char path[PATH_MAX];
	struct stat st;

	xsnprintf(path, sizeof(path), "%s/.hash", rootdir());
	if (!u->dry && mkdir(path, 0700) && errno != EEXIST)
		die_errno("can't make the store %s", path);
	S.dfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (S.dfd < 0 && !(u->dry && errno == ENOENT))
		die_errno("can't open the store %s", path);
	/* (a dry run before the first: the store would be made in ROOTDIR) */
	if (S.dfd >= 0 ? fstat(S.dfd, &st) : stat(rootdir(), &st))
		die_errno("can't stat %s", S.dfd >= 0 ? path : rootdir());
	u->sdev = st.st_dev;
	for (int i = 0; i < u->ng; i++) {
		struct stat g;
		if (fstat(u->g[i].rootfd, &g))
			die_errno("%s: can't stat its root", u->g[i].name);
		if (g.st_dev != st.st_dev)
			die("%s: its root %s/%s is on another filesystem than the store %s: "
			    "--method link needs them on one", u->g[i].name, rootdir(), u->g[i].name, path);
	}
	if (S.dfd < 0)
		return;
	if (!u->dry) {
		S.jfd = openat(S.dfd, ".pending", O_RDWR | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (S.jfd < 0)
			die_errno("can't open the journal %s/.pending", path);
		journal_replay();
	}
	store_load(u, !u->dry);
	unify_crash_point("");       /* a bad VSBOX_VUNIFY_CRASH said before anything */
	signal(SIGIO, SIG_IGN);       /* a lease broken: F_GETLEASE tells */
	/* temporary names a guest can't guess, so it can't have a file of
	 * that name the journal would then list */
	unsigned char r[8];
	if (getrandom(r, sizeof(r), 0) != sizeof(r))
		die_errno("can't read random bytes");
	hex(r, sizeof(r), S.token);
}

void ulink_close(struct unify *u)
{
	if (S.jfd >= 0 && ftruncate(S.jfd, 0))
		warn_errno("can't empty the journal %s/.hash/.pending", rootdir());
	if (S.jfd >= 0)
		close(S.jfd);
	if (S.dfd >= 0)
		close(S.dfd);
	S.jfd = S.dfd = -1;
}


/* dir "ab", name "cdef...-0123456789abcdef" of the group's entry */
static void store_key(const struct ucand *c, char dir[3], char name[96])
{
	struct sha256 s;
	unsigned char meta[32];
	char h[65];
	uint64_t v[4] = { (uint64_t)c->size, c->mode, c->uid, c->gid };

	sha256_init(&s);
	sha256_update(&s, v, sizeof(v));
	sha256_update(&s, c->xsum, 32);
	sha256_final(&s, meta);
	hex(c->csum, 32, h);
	memcpy(dir, h, 2);
	dir[2] = 0;
	snprintf(name, 96, "%s-", h + 2);
	hex(meta, 8, name + strlen(name));
}

/* is the entry (open as fd) what the group needs? */
static bool store_ok(int fd, const struct ucand *c, struct stat *st)
{
	unsigned char x[32];
	int fl;

	return !fstat(fd, st) && S_ISREG(st->st_mode) && st->st_size == c->size &&
	       st->st_mode == c->mode && st->st_uid == c->uid && st->st_gid == c->gid &&
	       !ioctl(fd, FS_IOC_GETFLAGS, &fl) && ((unsigned)fl & UNIFIED) == UNIFIED &&
	       !unify_xattr_sum(fd, x) && !memcmp(x, c->xsum, 32);
}

/* a new entry made from member c: its fd, or -1 (counted) */
static int store_make(struct unify *u, const struct ucand *c, int ddir, const char *name)
{
	unsigned char sum[32], xs[32];
	struct stat st;
	int src = ucand_open(u, c), t, r;

	if (src < 0) {
		u->changed++;
		return -1;
	}
	t = openat(ddir, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (t < 0) {
		warn_errno("can't make a file in the store %s/.hash", rootdir());
		u->failed++;
		close(src);
		return -1;
	}
	r = unify_copy_sum(src, t, sum);
	struct timespec tm[2] = { c->mtime, c->mtime };
	if (r < 0 || fchown(t, c->uid, c->gid) || fchmod(t, c->mode & 07777) || unify_copy_xattrs(src, t) ||
	    futimens(t, tm) || fsync(t)) {
		warn_errno("can't copy %s:%s into the store", u->g[c->guest].name, u->pool + c->path);
		u->failed++;
		goto bad;
	}
	/* what was copied is what was digested, and it did not change meanwhile */
	if (memcmp(sum, c->csum, 32) || unify_xattr_sum(t, xs) || memcmp(xs, c->xsum, 32) ||
	    fstat(src, &st) || !ucand_same(c, &st)) {
		u->changed++;
		goto bad;
	}
	if (fd_setflags(t, UNIFIED, true) || linkat(t, "", ddir, name, AT_EMPTY_PATH)) {
		warn_errno("can't store %s:%s in %s/.hash", u->g[c->guest].name, u->pool + c->path,
			   rootdir());
		u->failed++;
		goto bad;
	}
	crash_point("store");
	close(src);
	return t;
bad:
	close(src);
	close(t);
	return -1;
}

/* ---- replacing a guest's file ------------------------------------------------ */
static bool same_data(const struct ucand *c, const struct stat *st)
{
	return st->st_size == c->size && st->st_mtim.tv_sec == c->mtime.tv_sec &&
	       st->st_mtim.tv_nsec == c->mtime.tv_nsec;
}

/* one name of a member: its directory (opened below the guest's root, no
 * symlink followed) and its last component */
struct uname { int pd; const char *base; char dir[PATH_MAX]; };

static int name_open(const struct unify *u, const struct ucand *c, uint32_t path, struct uname *n)
{
	const char *p = u->pool + path, *slash = strrchr(p, '/');

	xsnprintf(n->dir, sizeof(n->dir), "%.*s", (int)(slash - p), p);
	n->base = slash + 1;
	n->pd = path_open_beneath(u->g[c->guest].rootfd, *n->dir ? n->dir : ".", O_RDONLY | O_DIRECTORY);
	return n->pd;
}

/* the temporary name T of this run in dir, written to the journal first */
static void tmp_name(const struct unify *u, const struct ucand *c, const struct uname *n, int k,
		     const char *kind, char t[64])
{
	snprintf(t, 64, TMP_PREFIX "%s.%lu.%d.%s", S.token, S.seq, k, kind);
	journal(u->g[c->guest].name, n->dir, t);
}

/* put the old inode (fd) back under the names [0, done) */
static void put_back(const struct unify *u, const struct ucand *c, int fd, struct uname *n, int done)
{
	char t[64];

	for (int k = 0; k < done; k++) {
		tmp_name(u, c, &n[k], k, "b", t);
		if (linkat(fd, "", n[k].pd, t, AT_EMPTY_PATH) || renameat(n[k].pd, t, n[k].pd, n[k].base)) {
			warn_errno("can't put %s:%s/%s back", u->g[c->guest].name, n[k].dir, n[k].base);
			unlinkat(n[k].pd, t, 0);
		}
	}
}

/* Every name of c (several when the inode has hard links in its guest)
 * becomes a link to the entry (ddir, name): the bytes freed. The old inode
 * is held open under a read lease and linked as .vunify.*.o meanwhile, so
 * that it can be put back under every name done if it is found open for
 * writing or changed. */
static unsigned long long link_member(struct unify *u, const struct ucand *c, int ddir, const char *name)
{
	const char *gname = u->g[c->guest].name;
	struct uname n[16];
	char t1[64], t2[64];
	struct stat st;
	int fd = -1, nn = 0, done = 0, kept = -1;
	bool lease = false, bad = false;
	unsigned long long freed = 0;

	if (c->nlink > 16) {           /* more names than anything packages make */
		u->changed++;
		return 0;
	}
	/* its names: the one it was found by, then the others the walk saw */
	const struct ualias *a = ualias_first(u, c->path);
	if (name_open(u, c, c->path, &n[nn++]) >= 0)
		fd = openat(n[0].pd, n[0].base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	for (; a && a < u->alias + u->nalias && a->first == c->path && nn < 16; a++)
		bad |= name_open(u, c, a->path, &n[nn++]) < 0;
	if (bad || fd < 0 || fstat(fd, &st) || !ucand_same(c, &st) || st.st_nlink != c->nlink ||
	    (nlink_t)nn != c->nlink) {
		u->changed++;
		goto out;
	}
	/* nobody may have it open for writing; a writer opening it now waits */
	if (!fcntl(fd, F_SETLEASE, F_RDLCK))
		lease = true;
	else if (errno == EAGAIN) {
		u->changed++;
		goto out;
	}
	S.seq++;
	tmp_name(u, c, &n[0], 0, "o", t2);
	if (linkat(fd, "", n[0].pd, t2, AT_EMPTY_PATH)) {
		u->changed++;
		goto out;
	}
	kept = 0;
	for (; done < nn; done++) {
		struct uname *x = &n[done];
		struct stat ns;
		tmp_name(u, c, x, done, "s", t1);
		if (fstatat(x->pd, x->base, &ns, AT_SYMLINK_NOFOLLOW) || ns.st_ino != c->ino || ns.st_dev != c->dev) {
			u->changed++;      /* that name is another file now */
			break;
		}
		if (linkat(ddir, name, x->pd, t1, 0)) {
			if (errno == EMLINK)
				u->refused++;
			else {
				warn_errno("can't link the store's copy into %s:%s", gname, x->dir);
				u->failed++;
			}
			break;
		}
		crash_point("link");
		if (renameat(x->pd, t1, x->pd, x->base)) {
			int e = errno;
			unlinkat(x->pd, t1, 0);
			if (e == EPERM)
				u->refused++;  /* its name is immutable or append-only */
			else {
				errno = e;
				warn_errno("can't unify %s:%s/%s", gname, x->dir, x->base);
				u->failed++;
			}
			break;
		}
		crash_point("rename");
	}
	if (done == nn && ((lease && fcntl(fd, F_GETLEASE) != F_RDLCK) || fstat(fd, &st) || !same_data(c, &st))) {
		u->changed++;          /* opened for writing, or written, meanwhile */
		bad = true;
	}
	if (bad || done != nn) {
		put_back(u, c, fd, n, done);
		goto out;
	}
	u->unified++;
	freed = (unsigned long long)st.st_blocks * 512;
out:
	if (kept >= 0)
		unlinkat(n[kept].pd, t2, 0);
	if (lease)
		fcntl(fd, F_SETLEASE, F_UNLCK);
	if (fd >= 0)
		close(fd);
	for (int k = 0; k < nn; k++)
		if (n[k].pd >= 0)
			close(n[k].pd);
	unify_progress(u, false);
	return freed;
}

static void say(const struct unify *u, const struct ucand *c, const char *to, unsigned long long bytes)
{
	char b[32];

	printf("%s:%s = %s (%s)\n", u->g[c->guest].name, u->pool + c->path, to,
	       fmt_kib((bytes + 1023) / 1024, b, sizeof(b)));
}

void unify_link(struct unify *u, struct ucand *m, size_t n)
{
	char dir[3], name[96], to[PATH_MAX];
	struct stat st;
	bool spans = false;
	unsigned long long freed = 0, cost = 0;
	int ddir, efd = -1;

	for (size_t i = 0; i < n; i++)
		spans |= m[i].guest != m[0].guest;
	store_key(&m[0], dir, name);
	ddir = S.dfd < 0 ? -1 : openat(S.dfd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (ddir >= 0)
		efd = openat(ddir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (efd >= 0 && !store_ok(efd, &m[0], &st)) {
		warn("%s/.hash/%s/%s is not a unified copy of %s:%s: left alone", rootdir(), dir, name,
		     u->g[m[0].guest].name, u->pool + m[0].path);
		u->failed++;
		goto out;
	}
	if (efd < 0 && !spans)
		goto out;          /* nothing in the store, no other guest */
	if (u->dry) {
		xsnprintf(to, sizeof(to), efd >= 0 ? ".hash/%s/%s" : "%s:%s", efd >= 0 ? dir :
			  u->g[m[0].guest].name, efd >= 0 ? name : u->pool + m[0].path);
		for (size_t i = efd >= 0 ? 0 : 1; i < n; i++) {
			unsigned long long b = ((unsigned long long)m[i].size + 4095) & ~4095ULL;
			say(u, &m[i], to, b);
			u->unified++;
			u->saved += b;
		}
		goto out;
	}
	if (efd < 0) {
		if (ddir < 0 && mkdirat(S.dfd, dir, 0700) && errno != EEXIST)
			die_errno("can't make %s/.hash/%s", rootdir(), dir);
		if (ddir < 0 && (ddir = openat(S.dfd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
			die_errno("can't open %s/.hash/%s", rootdir(), dir);
		if ((efd = store_make(u, &m[0], ddir, name)) < 0 || fstat(efd, &st))
			goto out;
		cost = (unsigned long long)st.st_blocks * 512;  /* the store's copy */
	}
	for (size_t i = 0; i < n; i++)
		freed += link_member(u, &m[i], ddir, name);
	u->saved += freed > cost ? freed - cost : 0;
out:
	if (efd >= 0)
		close(efd);
	if (ddir >= 0)
		close(ddir);
}
