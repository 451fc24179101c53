/* uovlundo.c - vunify --undo: an overlay guest (lib/uovl.c) becomes a
 * plain directory again, equal to what its overlay showed.
 *
 * overlayfs itself makes the copies: with the guest stopped and its
 * overlay mounted, every regular file is opened for writing (a copy-up of
 * its data from the store into the upper layer, owner, mode, times and
 * xattrs kept) and every directory chown-ed to its own owner (a copy-up of
 * a directory only the lower layer had). The lower layer holds nothing
 * else (directories and stubs), so the upper layer then holds all that is
 * visible. That is checked before anything is removed: a digest of every
 * entry the overlay shows (path, type, mode, owner, size, mtime, symlink
 * target, device) must equal the digest of the upper layer's entries,
 * whiteouts left out, with no metacopy left in it. Then, each step
 * invisible to what the guest shows:
 *   unmount -> remove the lower layer (everything in it is hidden now) ->
 *   in upper, remove the whiteouts (their directories' times kept) and
 *   overlayfs's trusted.overlay.* xattrs (with no lower layer, both mean
 *   nothing) -> the empty mount point ROOTDIR/NAME goes and upper is
 *   renamed to it -> ROOTDIR/.ovl/NAME (work/ and the empty lower) goes.
 * A kill -9 anywhere leaves the guest whole: an overlay until the rename
 * (its next start mounts it), a plain directory after; --undo again
 * finishes the job. The store's files stay (other guests may refer to
 * them). A guest whose root was a btrfs subvolume (ROOTDIR/.ovl/NAME
 * then) gets it back instead of the rename: upper's entries moved up
 * into it, which is renamed to ROOTDIR/NAME (lib/uovlsv.c).
 *
 * A test hook, VSBOX_VUNIFY_CRASH=POINT:N, kills it after the Nth copy-up
 * ("undo-copy") or before the rename ("undo-swap").
 */
#include "vsbox.h"
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/xattr.h>

struct ulinked { ino_t ino; char *path; };
struct uw {
	struct uwalk w;
	bool copy;               /* pass 1: copy up (through the overlay) */
	struct ulinked *lk;      /* pass 1: files with several names, as */
	size_t nlk, clk;         /* the overlay showed them (one inode) */
	uint64_t sum[4];         /* the entries' digests, added lane by lane */
	unsigned long n, copied, bad;
	bool tty;
	uint64_t shown;
	const char *name;
	unsigned shift;          /* pass 2: what idmapped layers add to ids */
};

/* an entry's digest, added to the order-free sum of the tree's */
static void add_entry(struct uw *x, int dirfd, const char *name, const struct stat *st)
{
	char link[PATH_MAX] = "";
	unsigned char d[32];
	struct sha256 s;
	uint64_t v[8] = { st->st_mode, st->st_uid + x->shift, st->st_gid + x->shift, S_ISDIR(st->st_mode) ? 0 : (uint64_t)st->st_size,
			  S_ISDIR(st->st_mode) ? 0 : (uint64_t)st->st_mtim.tv_sec,
			  S_ISDIR(st->st_mode) ? 0 : (uint64_t)st->st_mtim.tv_nsec, st->st_rdev, 0 };

	if (S_ISLNK(st->st_mode) && readlinkat(dirfd, name, link, sizeof(link) - 1) < 0)
		x->bad++;
	sha256_init(&s);
	sha256_update(&s, x->w.path, strlen(x->w.path) + 1);
	sha256_update(&s, v, sizeof(v));
	sha256_update(&s, link, strlen(link) + 1);
	sha256_final(&s, d);
	for (int i = 0; i < 4; i++) {
		uint64_t l;
		memcpy(&l, d + 8 * i, 8);
		x->sum[i] += l;
	}
	x->n++;
}

/* an immutable or append-only entry: the guest's own, in upper already
 * (the stubs of the lower layer carry no such flag) */
static bool flagged(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC), fl = 0;
	bool r = fd >= 0 && !ioctl(fd, FS_IOC_GETFLAGS, &fl) && (fl & (FS_IMMUTABLE_FL | FS_APPEND_FL));

	if (fd >= 0)
		close(fd);
	return r;
}

static void visit(struct uwalk *w, int dirfd, const char *name, const struct stat *st0)
{
	struct uw *x = (struct uw *)w;
	struct stat st = *st0;

	if (x->copy) {
		int r = 0;
		/* a copy-up breaks a hard link: the names of one inode are
		 * noted (its number before the copy) and linked again */
		if (S_ISREG(st.st_mode) && st.st_nlink > 1) {
			if (x->nlk == x->clk)
				x->lk = xrealloc(x->lk, (x->clk = x->clk ? 2 * x->clk : 64) * sizeof(*x->lk));
			x->lk[x->nlk].ino = st.st_ino;
			x->lk[x->nlk++].path = xstrdup(w->path);
		}
		if (S_ISREG(st.st_mode)) {
			int fd = openat(dirfd, name, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
			if (fd >= 0)
				close(fd);
			r = fd < 0 ? -1 : 0;
		} else if (S_ISDIR(st.st_mode)) {
			r = fchownat(dirfd, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
		}
		if (r && !(errno == EPERM && flagged(dirfd, name))) {
			warn_errno("%s: can't copy %s into its own layer", x->name, w->path);
			x->bad++;
		}
		if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
			x->copied++;
			unify_crash_point("undo-copy");
		}
		if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW))
			x->bad++;
		/* the data copy-up of a metadata-only one writes into it: its
		 * times are put back */
		struct timespec t[2] = { st0->st_atim, st0->st_mtim };
		if (S_ISREG(st.st_mode) && (st.st_mtim.tv_sec != st0->st_mtim.tv_sec ||
					    st.st_mtim.tv_nsec != st0->st_mtim.tv_nsec) &&
		    (utimensat(dirfd, name, t, AT_SYMLINK_NOFOLLOW) || fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW)))
			x->bad++;
	} else {
		if (S_ISCHR(st.st_mode) && st.st_rdev == 0)
			return;        /* a whiteout */
		if (S_ISREG(st.st_mode)) {
			char p[64];
			snprintf(p, sizeof(p), "/proc/self/fd/%d/", dirfd);
			char full[PATH_MAX + 64];
			xsnprintf(full, sizeof(full), "%s%s", p, name);
			if (lgetxattr(full, "trusted.overlay.metacopy", NULL, 0) >= 0)
				x->bad++;  /* its data is still below */
		}
	}
	add_entry(x, dirfd, name, &st);
	if (x->tty && mono_ns() - x->shown > 200000000ULL) {
		x->shown = mono_ns();
		fprintf(stderr, "\rvunify: --undo %s: %lu entries", x->name, x->n);
	}
}

/* overlayfs's own xattrs off the entry full names, then those it kept
 * escaped (trusted.overlay.overlay.X, set through it as trusted.overlay.X)
 * unescaped: false if one stays */
static bool unxattr(const char *full)
{
	char names[8192], val[8192], plain[300];
	ssize_t n = llistxattr(full, names, sizeof(names));
	bool ok = n >= 0 || errno == ENOTSUP || errno == EOPNOTSUPP;

	for (int pass = 0; pass < 2; pass++)
		for (ssize_t i = 0; i < n; i += (ssize_t)strlen(names + i) + 1) {
			const char *x = names + i;
			bool esc = !strncmp(x, "trusted.overlay.overlay.", 24);
			if (strncmp(x, "trusted.overlay.", 16) || esc != (pass == 1))
				continue;
			if (esc) {
				ssize_t l = lgetxattr(full, x, val, sizeof(val));
				snprintf(plain, sizeof(plain), "trusted.overlay.%s", x + 24);
				if (l < 0 || lsetxattr(full, plain, val, (size_t)l, 0))
					ok = false;
			}
			if (lremovexattr(full, x))
				ok = false;
		}
	return ok;
}

/* the directory of path ("/usr/bin/x") below upfd, *base its last name */
static int parent_open(int upfd, const char *path, const char **base)
{
	char d[PATH_MAX];

	*base = strrchr(path, '/') + 1;
	xsnprintf(d, sizeof(d), "%.*s", (int)(*base - 1 - path), path);
	return path_open_beneath(upfd, *d ? d + 1 : ".", O_RDONLY | O_DIRECTORY);
}

static int by_ino(const void *a, const void *b)
{
	const struct ulinked *x = a, *y = b;
	return x->ino != y->ino ? (x->ino < y->ino ? -1 : 1) : strcmp(x->path, y->path);
}

/* the names the overlay showed as one inode made one again in upper: a
 * link of the first made in work/ and renamed over each other (a kill
 * leaves the copy or the link, the same content; the temporary name is in
 * work/, which the guest never sees); false if one could not be */
static bool relink(struct uw *x, int upfd, int workfd)
{
	bool ok = true;

	if (x->nlk)
		qsort(x->lk, x->nlk, sizeof(*x->lk), by_ino);
	for (size_t i = 1; i < x->nlk; i++) {
		const struct ulinked *a = &x->lk[i - 1], *b = &x->lk[i];
		size_t f = i - 1;
		while (f > 0 && x->lk[f - 1].ino == b->ino)
			f--;
		if (a->ino != b->ino)
			continue;
		/* each directory opened below upper, no symlink followed */
		const char *sb, *base;
		int sd = parent_open(upfd, x->lk[f].path, &sb), pd = parent_open(upfd, b->path, &base);
		unlinkat(workfd, "vunify-undo-link", 0);
		if (sd < 0 || pd < 0 || linkat(sd, sb, workfd, "vunify-undo-link", 0) ||
		    renameat(workfd, "vunify-undo-link", pd, base))
			ok = false;
		if (sd >= 0)
			close(sd);
		if (pd >= 0)
			close(pd);
	}
	for (size_t i = 0; i < x->nlk; i++)
		free(x->lk[i].path);
	free(x->lk);
	x->lk = NULL;
	x->nlk = x->clk = 0;
	return ok;
}

/* pass 3, in upper: whiteouts and overlayfs's xattrs go */
static void clean(struct uwalk *w, int dirfd, const char *name, const struct stat *st)
{
	struct uw *x = (struct uw *)w;
	char full[PATH_MAX + 64];

	xsnprintf(full, sizeof(full), "/proc/self/fd/%d/%s", dirfd, name);
	if (S_ISCHR(st->st_mode) && st->st_rdev == 0) {
		struct stat d;
		bool kept = !fstat(dirfd, &d);
		if (unlinkat(dirfd, name, 0))
			x->bad++;
		struct timespec t[2] = { d.st_atim, d.st_mtim };
		if (kept)
			futimens(dirfd, t);
		return;
	}
	if (!unxattr(full))
		x->bad++;
}

static int walk(struct uw *x, const char *root, void (*fn)(struct uwalk *, int, const char *, const struct stat *))
{
	int fd = xopenat(AT_FDCWD, root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	struct stat st;

	x->w.visit = fn;
	x->w.errors = 0;
	memset(x->sum, 0, sizeof(x->sum));
	x->n = 0;
	if (fstat(fd, &st) || uwalk_run(&x->w, fd))
		die_errno("%s: can't read %s", x->name, root);
	close(fd);
	return x->w.errors ? -1 : 0;
}

int uovl_undo(const char *name)
{
	char root[PATH_MAX], upper[PATH_MAX], dir[PATH_MAX];
	struct guest *g = xcalloc(1, sizeof(*g));
	struct uw x;
	struct ctx c;
	uint64_t t0 = mono_ns(), s1[4];
	unsigned long n1;

	if (!guest_name_ok(name))
		usage_die("'%s' is not a guest name", name);
	memset(&x, 0, sizeof(x));
	x.name = name;
	x.tty = isatty(2);
	xsnprintf(g->name, sizeof(g->name), "%s", name);
	g->lockfd = -1;
	guest_lock(g);             /* no start meanwhile */
	if (ctx_by_name(name, &c))
		die("%s: running: --undo changes stopped guests only: stop it first", name);
	uovl_resume(name);         /* a btrfs subvolume's interrupted move */
	xsnprintf(root, sizeof(root), "%s/%s", rootdir(), name);
	uovl_path(name, "upper", upper, sizeof(upper));
	uovl_path(name, "", dir, sizeof(dir));
	bool sv = uovl_is(name) && uovl_sv(dir);
	if (sv) {
		/* its upper's entries go back up into the subvolume's root */
		char why[PATH_MAX + 128];
		int ufd = xopenat(AT_FDCWD, upper, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
		if (uovl_sv_unfit(name, ufd, why, sizeof(why)))
			die("%s", why);
		close(ufd);
	}
	if (!uovl_is(name)) {
		/* a run killed after its rename leaves ROOTDIR/.ovl/NAME */
		struct stat st;
		if (lstat(dir, &st))
			die("%s: its root %s is not an overlay of vunify's", name, root);
		if (remove_tree(AT_FDCWD, dir))
			die_errno("%s: can't remove %s", name, dir);
		guest_unlock_drop(g);
		printf("vunify: %s: a plain directory again (what an interrupted --undo left removed)\n", name);
		return 0;
	}
	/* 1: everything the overlay shows into its upper layer */
	uovl_mount(name);
	x.copy = true;
	if (walk(&x, root, visit) || x.bad)
		die("%s: not every entry could be read or copied: nothing undone", name);
	memcpy(s1, x.sum, sizeof(s1));
	n1 = x.n;
	/* a USERNS guest's overlay shows its ids shifted (idmapped layers,
	 * lib/uovl.c), which its upper layer keeps plain, as a plain root of
	 * a USERNS guest has them: the comparison shifts them as well */
	x.shift = uovl_shift(name);
	if (uovl_umount(root))
		die_errno("%s: can't unmount its overlay %s (a file of it open on the host?)", name, root);
	/* 2: the upper layer alone shows the same */
	x.copy = false;
	if (walk(&x, upper, visit) || x.bad || x.n != n1 || memcmp(s1, x.sum, sizeof(s1))) {
		uovl_mount(name);
		die("%s: its own layer %s does not hold all its overlay showed (%lu entries, %lu): nothing undone",
		    name, upper, n1, x.n);
	}
	/* 3: the rest, each step invisible */
	uovl_path(name, "", dir, sizeof(dir));
	int dfd = xopenat(AT_FDCWD, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	if (remove_tree(dfd, "lower"))
		die_errno("%s: can't remove %s/lower", name, dir);
	if (mkdirat(dfd, "lower", 0755))    /* (empty: an overlay still, until the rename) */
		die_errno("%s: can't make %s/lower", name, dir);
	x.bad = 0;
	if (walk(&x, upper, clean) || x.bad || !unxattr(upper))
		die("%s: can't remove overlayfs's whiteouts and xattrs from %s", name, upper);
	int ufd = xopenat(AT_FDCWD, upper, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	int wfd = xopenat(dfd, "work", O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	if (!relink(&x, ufd, wfd))
		warn("%s: some files with several names could not be linked again (each a copy now)", name);
	close(ufd);
	close(wfd);
	unify_crash_point("undo-swap");
	if (sv) {
		close(dfd);
		uovl_sv_undo(name, root);
		goto done;
	}
	int rfd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (rfd >= 0) {
		fd_setflags(rfd, FS_IMMUTABLE_FL, false);
		close(rfd);
	}
	if ((rmdir(root) && errno != ENOENT) || rename(upper, root))
		die_errno("%s: can't move %s to %s", name, upper, root);
	if (remove_tree(AT_FDCWD, dir))
		warn_errno("%s: can't remove %s", name, dir);
	close(dfd);
done:
	guest_unlock_drop(g);
	free(g);
	if (x.tty)
		fputc('\n', stderr);
	printf("vunify: %s: a plain directory again, %lu entries, %lu copied up, %.2f s\n", name, n1, x.copied,
	       (double)(mono_ns() - t0) / 1e9);
	return 0;
}

unsigned uovl_shift(const char *name)
{
	char root[PATH_MAX], up[PATH_MAX];
	struct stat a, b;

	xsnprintf(root, sizeof(root), "%s/%s", rootdir(), name);
	uovl_path(name, "upper", up, sizeof(up));
	return uovl_mounted(root) && !stat(root, &a) && !stat(up, &b) ? a.st_uid - b.st_uid : 0;
}

int uovl_remove(const char *name)
{
	char root[PATH_MAX], dir[PATH_MAX], mark[PATH_MAX];
	int dfd, fd;

	xsnprintf(root, sizeof(root), "%s/%s", rootdir(), name);
	uovl_path(name, "", dir, sizeof(dir));
	xsnprintf(mark, sizeof(mark), "%s/.ovl/.fold/%s", rootdir(), name);
	if (uovl_mounted(root) && uovl_umount(root))
		return -1;
	/* its own layer as quota_rmroot removes a root (its project's limits
	 * go too; a btrfs subvolume holding the layers, all of it), then the
	 * rest; the mount point last */
	bool sv = uovl_sv(dir);
	xsnprintf(mark, sizeof(mark), "%s/.ovl", rootdir());
	if ((dfd = open(sv ? mark : dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -1;
	int r = quota_rmroot(dfd, sv ? name : "upper");
	close(dfd);
	if (r || remove_tree(AT_FDCWD, dir))
		return -1;
	xsnprintf(mark, sizeof(mark), "%s/.ovl/.fold/%s", rootdir(), name);
	if ((fd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) >= 0) {
		fd_setflags(fd, FS_IMMUTABLE_FL, false);
		close(fd);
	}
	if ((rmdir(root) && errno != ENOENT) || (unlink(mark) && errno != ENOENT))
		return -1;
	return 0;
}
