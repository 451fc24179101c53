/* uovldir.c - the overlay method's layers tidied at the end of a run
 * (the design: lib/uovl.c), the guest stopped and its overlay unmounted.
 *
 * Sweep: the lower layer's entries the upper layer hides go. A unified
 * file the guest deleted (a whiteout in upper), replaced (a file of its
 * own there: dpkg's upgrade) or whose directory it deleted or made anew
 * (opaque) is still a stub in lower, which would keep its store file
 * forever. Such a stub is removed, then the whiteout over it, which hides
 * nothing any more: each step changes nothing the guest sees, so a kill
 * -9 in between leaves it whole. overlayfs leaves changes to a lower
 * layer undefined where the upper layer refers to it by more than its
 * path (Documentation/filesystems/overlayfs.rst, "offline changes"): a
 * copy-up of metadata only (metacopy) takes its data from the lower file
 * of its path, which is then kept; a renamed directory or metacopy file
 * (trusted.overlay.redirect) may name any lower path, so a guest whose
 * upper layer holds a redirect is not swept at all.
 *
 * Prune: folding moves a guest's files out of its upper layer, but each
 * upper directory stays, most of them empty then, and an empty directory
 * still costs a block on ext4 and XFS (a guest's few thousand of them
 * are as much as the rest of its own). Each one left empty whose lower
 * directory exists goes: the lower directory is given its owner, mode,
 * xattrs and times, then the upper one is removed (rmdir, which refuses
 * what is not empty). What the guest sees is the same: an upper directory
 * that is empty, neither opaque nor redirected, shows exactly its lower
 * directory's entries, and now its metadata too. A kill -9 between the
 * two steps leaves the upper directory hiding the metadata set below it.
 * A directory the guest writes in later is copied up again by overlayfs,
 * with that metadata; the next run may remove it again. Kept: a
 * directory with an inode flag its lower copy would not show (immutable,
 * append-only, nodump, ...), or overlayfs's xattrs other than origin and
 * impure (opaque, redirect, ...), and nothing below an opaque or
 * redirected one is looked at (a lookup does not reach lower there).
 *
 * Both keep the times of the upper directories they remove entries from.
 */
#include "vsbox.h"
#include "lib/uovl.h"
#include <dirent.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/xattr.h>

/* the inode flags an upper directory may carry and its lower one not: the
 * filesystem's bookkeeping, and project inheritance (a copy-up is made in
 * work/, which has the upper root's project: lib/uovl.c) */
#define FLAGS_OK (FS_EXTENT_FL | FS_INDEX_FL | FS_INLINE_DATA_FL | FS_PROJINHERIT_FL)
#define XNAMES 8192

struct prune { unsigned long n; int depth; };

static bool ovl_xattr_ok(const char *name)
{
	return strncmp(name, X_PREFIX, strlen(X_PREFIX)) || !strcmp(name, X_PREFIX "origin") ||
	       !strcmp(name, X_PREFIX "impure");
}

/* can upper directory fd give way to its lower one? */
static bool plain_dir(int fd)
{
	char names[XNAMES];
	int fl = 0;

	if (!ioctl(fd, FS_IOC_GETFLAGS, &fl) && (fl & ~FLAGS_OK))
		return false;
	ssize_t n = flistxattr(fd, names, sizeof(names));
	if (n < 0)
		return errno == ENOTSUP || errno == EOPNOTSUPP;
	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(names + i) + 1)
		if (!ovl_xattr_ok(names + i))
			return false;
	return true;
}

/* lower directory lfd given upper's (ufd, stat st) owner, mode, xattrs
 * (overlayfs's left out) and times: 0, or -1 */
static int copy_meta(int ufd, const struct stat *st, int lfd)
{
	char names[XNAMES];
	ssize_t n = flistxattr(lfd, names, sizeof(names));

	if (n < 0 && errno != ENOTSUP && errno != EOPNOTSUPP)
		return -1;
	/* what lower has and upper not goes (an ACL the guest removed) */
	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(names + i) + 1) {
		if (!strncmp(names + i, X_PREFIX, strlen(X_PREFIX)))
			return -1;         /* not a directory vunify made */
		if (fgetxattr(ufd, names + i, NULL, 0) < 0 && (errno != ENODATA || fremovexattr(lfd, names + i)))
			return -1;
	}
	/* the owner before the mode, the xattrs (an ACL) before the mode too */
	if (fchown(lfd, st->st_uid, st->st_gid) || unify_copy_xattrs(ufd, lfd) || fchmod(lfd, st->st_mode & 07777))
		return -1;
	return futimens(lfd, (struct timespec[2]){ st->st_atim, st->st_mtim });
}

static bool prune_dir(struct prune *p, int ufd, int lfd);

/* upper's directory name in ufd, lower's in lfd: removed from upper when
 * it is (or is left) empty and may give way to lower's */
static bool prune_one(struct prune *p, int ufd, int lfd, const char *name)
{
	int cu = openat(ufd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int cl = cu < 0 ? -1 : openat(lfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	bool gone = false;

	/* (a guest's tree is deep enough long before 128 levels) */
	if (cl >= 0 && p->depth < 128 && !fstat(cu, &st) && plain_dir(cu)) {
		p->depth++;
		bool empty = prune_dir(p, cu, cl);
		p->depth--;
		if (empty && !copy_meta(cu, &st, cl) && !unlinkat(ufd, name, AT_REMOVEDIR)) {
			gone = true;
			p->n++;
			unify_crash_point("prune");
		}
	}
	if (cu >= 0)
		close(cu);
	if (cl >= 0)
		close(cl);
	return gone;
}

/* the subdirectories of upper's directory ufd pruned (lower's is lfd), its
 * times kept: true when it is left empty */
static bool prune_dir(struct prune *p, int ufd, int lfd)
{
	int dfd = openat(ufd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	bool empty = true, removed = false;
	struct dirent *e;
	struct stat st;

	if (!d || fstat(ufd, &st)) {
		if (d)
			closedir(d);
		else if (dfd >= 0)
			close(dfd);
		return false;
	}
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN)
			empty = false;
		else if (prune_one(p, ufd, lfd, e->d_name))
			removed = true;
		else
			empty = false;
	}
	closedir(d);
	if (removed)
		futimens(ufd, (struct timespec[2]){ st.st_atim, st.st_mtim });
	return empty;
}

/* ---- sweep ------------------------------------------------------------------ */
struct sweep { struct uwalk w; bool redirect; };

static void redirect_visit(struct uwalk *w, int dirfd, const char *name, const struct stat *st)
{
	struct sweep *s = (struct sweep *)w;

	if (s->redirect || (!S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode)))
		return;
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 || fgetxattr(fd, X_REDIRECT, NULL, 0) >= 0 || errno != ENODATA)
		s->redirect = true;        /* (unknown counts as one) */
	if (fd >= 0)
		close(fd);
}

static bool whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == 0;
}

/* lower's entry name in lfd, which upper's entry (stat ust) in ufd hides:
 * removed, then the whiteout if that is what hid it */
static unsigned long sweep_one(int ufd, int lfd, const char *name, const struct stat *lst, const struct stat *ust)
{
	if (S_ISDIR(lst->st_mode) ? remove_tree(lfd, name) : unlinkat(lfd, name, 0))
		return 0;
	unify_crash_point("sweep");
	if (whiteout(ust))
		unlinkat(ufd, name, 0);
	return 1;
}

/* the entries of lower's directory lfd that upper's ufd hides removed,
 * below too: their count */
static unsigned long sweep_dir(int ufd, int lfd, int depth)
{
	int dfd = openat(lfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	struct dirent *e;
	struct stat lst, ust, dst;
	unsigned long n = 0, n0;

	if (!d || fstat(ufd, &dst)) {
		if (d)
			closedir(d);
		else if (dfd >= 0)
			close(dfd);
		return 0;
	}
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    fstatat(lfd, e->d_name, &lst, AT_SYMLINK_NOFOLLOW) ||
		    fstatat(ufd, e->d_name, &ust, AT_SYMLINK_NOFOLLOW))
			continue;          /* (nothing in upper: it shows) */
		if (S_ISDIR(ust.st_mode) && S_ISDIR(lst.st_mode)) {
			int cu = openat(ufd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			int cl = openat(lfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (cu >= 0 && cl >= 0 && fgetxattr(cu, X_OPAQUE, NULL, 0) >= 0)
				n += sweep_one(ufd, lfd, e->d_name, &lst, &ust);
			else if (cu >= 0 && cl >= 0 && depth < 128)
				n += sweep_dir(cu, cl, depth + 1);
			if (cu >= 0)
				close(cu);
			if (cl >= 0)
				close(cl);
			continue;
		}
		/* a copy-up of metadata only: its data is the lower file's */
		if (S_ISREG(ust.st_mode)) {
			int fd = openat(ufd, e->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
			bool meta = fd < 0 || fgetxattr(fd, X_META, NULL, 0) >= 0 || errno != ENODATA;
			if (fd >= 0)
				close(fd);
			if (meta)
				continue;
		}
		n0 = n;
		n += sweep_one(ufd, lfd, e->d_name, &lst, &ust);
		if (n != n0 && whiteout(&ust))
			futimens(ufd, (struct timespec[2]){ dst.st_atim, dst.st_mtim });
	}
	closedir(d);
	return n;
}

unsigned long uovl_tidy(int upperfd, int lowerfd)
{
	struct sweep s;
	struct prune p = { 0, 0 };
	unsigned long n = 0;

	memset(&s, 0, sizeof(s));
	s.w.visit = redirect_visit;
	if (!uwalk_run(&s.w, upperfd) && !s.w.errors && !s.redirect)
		n = sweep_dir(upperfd, lowerfd, 0);
	prune_dir(&p, upperfd, lowerfd);
	return n + p.n;
}
