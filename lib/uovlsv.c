/* uovlsv.c - the overlay method (lib/uovl.c) for a guest whose root is a
 * btrfs subvolume, as vserver build makes it on btrfs.
 *
 * overlayfs makes a copy-up or a whiteout in its work directory and
 * renames (or links) it into the upper layer; btrfs refuses both across
 * subvolumes (EXDEV). So work/ has to be in the upper layer's subvolume,
 * beside it: the subvolume itself becomes ROOTDIR/.ovl/NAME, holding
 * upper/ (the guest's entries, under a directory with its old root's
 * owner, mode, xattrs and times), work/ and lower/. Every path is the one
 * a plain root's layout has; the subvolume keeps its id, so its qgroup
 * (DISK_LIMIT) charges what is the guest's own (upper, work, its stubs),
 * and the store, in ROOTDIR's subvolume, is not charged to it. The store
 * is reached by path (a data-only layer), never by a link, so it may be
 * in another subvolume.
 *
 * Adopting takes several renames; each step happens while the subvolume
 * is at ROOTDIR/.ovl/.adopt/NAME, where no guest and no host tool looks,
 * and its phase is an xattr of the subvolume's root, trusted.vsbox.adopt
 * ("P ATIME MTIME": the old root's times, which moving entries out of it
 * changes):
 *   rename ROOTDIR/NAME there -> phase 1, its times noted -> mkdir
 *   .vsbox-upper and move every other entry into it -> phase 2 ->
 *   .vsbox-upper given the old root's owner, mode, xattrs and times ->
 *   mkdir work, lower -> rename .vsbox-upper to upper -> rename the
 *   subvolume to ROOTDIR/.ovl/NAME (from here on an overlay guest).
 * --undo runs it backwards from ROOTDIR/.ovl/.undo/NAME (phase 3: work
 * and lower go, upper becomes .vsbox-upper; phase 4: its entries move up,
 * its metadata is the subvolume root's), and ends by renaming the
 * subvolume to ROOTDIR/NAME: a subvolume root again, with the same id.
 * A kill -9 anywhere leaves it there, and the next start, vunify or
 * --undo of the guest finishes the move (uovl_resume) before anything
 * else: the guest is then whole, as it was or as an overlay. A root that
 * already holds an entry named .vsbox-upper, or is immutable or
 * append-only, is refused.
 *
 * A test hook, VSBOX_VUNIFY_CRASH=POINT:N, kills after the Nth entry
 * moved ("adopt-move", "undo-move").
 */
#include "vsbox.h"
#include <dirent.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/xattr.h>

#include "lib/uovl.h"

#define X_ADOPT "trusted.vsbox.adopt"
#define TMP ".vsbox-upper"

struct phase { int p; struct timespec t[2]; };

/* ROOTDIR/.ovl/.adopt/NAME or .undo/NAME (its parent made if mk) */
static void stage(const char *name, const char *kind, bool mk, char *buf, size_t n)
{
	xsnprintf(buf, n, "%s/.ovl/.%s", rootdir(), kind);
	if (mk && mkdir(buf, 0700) && errno != EEXIST)
		die_errno("can't make %s", buf);
	xsnprintf(buf, n, "%s/.ovl/.%s/%s", rootdir(), kind, name);
}

static void phase_get(int fd, struct phase *ph)
{
	char b[96], *e = b;
	long long v[5] = { 0 };
	ssize_t l = fgetxattr(fd, X_ADOPT, b, sizeof(b) - 1);

	memset(ph, 0, sizeof(*ph));
	if (l < 0)
		return;
	b[l] = 0;
	/* "P ATIME-S ATIME-NS MTIME-S MTIME-NS" (no sscanf: its float parsing
	 * would weigh more than this file) */
	for (int i = 0; i < 5; i++)
		v[i] = strtoll(e, &e, 10);
	ph->p = *e ? -1 : (int)v[0];
	v[0] = v[1], v[1] = v[2], v[2] = v[3], v[3] = v[4];
	ph->t[0] = (struct timespec){ (time_t)v[0], (long)v[1] };
	ph->t[1] = (struct timespec){ (time_t)v[2], (long)v[3] };
}

static void phase_set(int fd, const char *name, struct phase *ph, int p)
{
	char b[96];

	ph->p = p;
	snprintf(b, sizeof(b), "%d %lld %ld %lld %ld", p, (long long)ph->t[0].tv_sec, ph->t[0].tv_nsec,
		 (long long)ph->t[1].tv_sec, ph->t[1].tv_nsec);
	if (fsetxattr(fd, X_ADOPT, b, strlen(b), 0))
		die_errno("%s: can't note its move's phase on its subvolume", name);
}

/* every entry of directory from but skip moved into to (both in one
 * subvolume), until none is left */
static void move_all(int from, int to, const char *skip, const char *name, const char *point)
{
	for (bool again = true; again;) {
		int dfd = openat(from, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
		struct dirent *e;

		if (!d)
			die_errno("%s: can't read its root", name);
		again = false;
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || (skip && !strcmp(e->d_name, skip)))
				continue;
			if (renameat(from, e->d_name, to, e->d_name))
				die_errno("%s: can't move /%s of its root", name, e->d_name);
			again = true;
			unify_crash_point(point);
		}
		closedir(d);
	}
}

/* directory to given from's owner, xattrs (ours left out, to's others
 * removed) and mode */
static void copy_meta(int from, int to, const char *name)
{
	char names[8192], val[8192];
	struct stat st;
	ssize_t n = flistxattr(to, names, sizeof(names));

	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(names + i) + 1)
		if (strcmp(names + i, X_ADOPT) && fgetxattr(from, names + i, NULL, 0) < 0 &&
		    (errno != ENODATA || fremovexattr(to, names + i)))
			goto fail;
	n = flistxattr(from, names, sizeof(names));
	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(names + i) + 1) {
		if (!strcmp(names + i, X_ADOPT))
			continue;
		ssize_t l = fgetxattr(from, names + i, val, sizeof(val));
		if (l < 0 || fsetxattr(to, names + i, val, (size_t)l, 0))
			goto fail;
	}
	/* the owner before the mode, an ACL (an xattr) before the mode too */
	if (!fstat(from, &st) && !fchown(to, st.st_uid, st.st_gid) && !fchmod(to, st.st_mode & 07777))
		return;
fail:
	die_errno("%s: can't give its root's owner, mode and xattrs to another", name);
}

static void times_set(int fd, const struct phase *ph, const char *name)
{
	if (futimens(fd, ph->t))
		die_errno("%s: can't set its root's times", name);
}

static int sub_open(int dfd, const char *sub)
{
	return openat(dfd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

static void finish_adopt(const char *name, const char *at)
{
	char dst[PATH_MAX];
	struct phase ph;
	struct stat st;
	int s = xopenat(AT_FDCWD, at, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0), t;

	phase_get(s, &ph);
	if (ph.p == 0) {
		if (fstat(s, &st))
			die_errno("%s: can't stat %s", name, at);
		ph.t[0] = st.st_atim;
		ph.t[1] = st.st_mtim;
		phase_set(s, name, &ph, 1);
	}
	if (ph.p == 1) {
		if (mkdirat(s, TMP, 0700) && errno != EEXIST)
			die_errno("%s: can't make its layers in %s", name, at);
		t = xopenat(s, TMP, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
		move_all(s, t, TMP, name, "adopt-move");
		close(t);
		phase_set(s, name, &ph, 2);
	}
	if (ph.p != 2)
		die("%s: %s: its move's note says phase %d", name, at, ph.p);
	if ((t = sub_open(s, TMP)) >= 0) {
		copy_meta(s, t, name);
		times_set(t, &ph, name);
		close(t);
	}
	if ((mkdirat(s, "work", 0700) && errno != EEXIST) || (mkdirat(s, "lower", 0755) && errno != EEXIST) ||
	    (t >= 0 && renameat(s, TMP, s, "upper")))
		die_errno("%s: can't make its layers in %s", name, at);
	/* the subvolume's root is ours now, as ROOTDIR/.ovl/NAME is */
	if (fchown(s, 0, 0) || fchmod(s, 0700))
		die_errno("%s: can't make its layers in %s", name, at);
	close(s);
	uovl_path(name, "", dst, sizeof(dst));
	if (rename(at, dst))
		die_errno("%s: can't move %s to %s", name, at, dst);
}

static void finish_undo(const char *name, const char *at)
{
	char dst[PATH_MAX];
	struct phase ph;
	int s = xopenat(AT_FDCWD, at, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0), t;

	phase_get(s, &ph);
	if (ph.p == 3) {
		/* only our three are at the top now: work and lower go */
		if ((renameat(s, "upper", s, TMP) && errno != ENOENT) || remove_tree(s, "work") ||
		    remove_tree(s, "lower"))
			die_errno("%s: can't remove its layers from %s", name, at);
		phase_set(s, name, &ph, 4);
	}
	if (ph.p != 4)
		die("%s: %s: its move's note says phase %d", name, at, ph.p);
	if ((t = sub_open(s, TMP)) >= 0) {
		move_all(t, s, NULL, name, "undo-move");
		copy_meta(t, s, name);
		close(t);
		if (unlinkat(s, TMP, AT_REMOVEDIR))
			die_errno("%s: can't remove %s/%s", name, at, TMP);
	}
	times_set(s, &ph, name);
	xsnprintf(dst, sizeof(dst), "%s/%s", rootdir(), name);
	if (rename(at, dst))
		die_errno("%s: can't move %s to %s", name, at, dst);
	/* (a kill before this leaves the note on a plain root: harmless, and
	 * an adoption removes it first) */
	if (fremovexattr(s, X_ADOPT) && errno != ENODATA)
		warn_errno("%s: can't remove %s from %s", name, X_ADOPT, dst);
	close(s);
}

bool uovl_sv(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	bool r = fd >= 0 && btrfs_subvol_id(fd) != 0;

	if (fd >= 0)
		close(fd);
	return r;
}

bool uovl_pending(const char *name)
{
	char p[PATH_MAX];

	stage(name, "adopt", false, p, sizeof(p));
	if (!access(p, F_OK))
		return true;
	stage(name, "undo", false, p, sizeof(p));
	return !access(p, F_OK);
}

void uovl_resume(const char *name)
{
	char p[PATH_MAX];

	stage(name, "adopt", false, p, sizeof(p));
	if (!access(p, F_OK))
		finish_adopt(name, p);
	stage(name, "undo", false, p, sizeof(p));
	if (!access(p, F_OK))
		finish_undo(name, p);
}

void uovl_resume_locked(const char *name)
{
	struct guest *g;

	if (!uovl_pending(name))
		return;
	g = xcalloc(1, sizeof(*g));
	xsnprintf(g->name, sizeof(g->name), "%s", name);
	g->lockfd = -1;
	guest_lock(g);
	uovl_resume(name);
	guest_unlock_drop(g);
	free(g);
}

const char *uovl_sv_unfit(const char *name, int rootfd, char *why, size_t n)
{
	int fl = 0;

	/* (its entries could not move out of an immutable or append-only
	 * root, nor would its new one carry the flag) */
	if (!ioctl(rootfd, FS_IOC_GETFLAGS, &fl) && (fl & (FS_IMMUTABLE_FL | FS_APPEND_FL)))
		snprintf(why, n, "%s: its root (a btrfs subvolume) is immutable or append-only (chattr -ia)", name);
	else if (faccessat(rootfd, TMP, F_OK, AT_SYMLINK_NOFOLLOW) && errno == ENOENT)
		return NULL;
	else
		snprintf(why, n, "%s: its root (a btrfs subvolume) holds /%s, the name its move needs", name, TMP);
	return why;
}

void uovl_sv_adopt(const char *name, const char *path)
{
	char at[PATH_MAX];
	int fd = xopenat(AT_FDCWD, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);

	/* (what a killed --undo may have left) */
	if (fremovexattr(fd, X_ADOPT) && errno != ENODATA)
		die_errno("%s: can't remove %s from %s", name, X_ADOPT, path);
	close(fd);
	stage(name, "adopt", true, at, sizeof(at));
	if (rename(path, at))
		die_errno("%s: can't move its root %s to %s", name, path, at);
	unify_crash_point("adopt");
	finish_adopt(name, at);
}

void uovl_sv_undo(const char *name, const char *root)
{
	char dir[PATH_MAX], at[PATH_MAX];
	struct phase ph;
	struct stat st;
	int s, u, fd;

	uovl_path(name, "", dir, sizeof(dir));
	s = xopenat(AT_FDCWD, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	u = xopenat(s, "upper", O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	if (fstat(u, &st))
		die_errno("%s: can't stat %s/upper", name, dir);
	ph.t[0] = st.st_atim;
	ph.t[1] = st.st_mtim;
	close(u);
	phase_set(s, name, &ph, 3);
	close(s);
	/* the empty mount point goes, the subvolume takes its place */
	if ((fd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) >= 0) {
		fd_setflags(fd, FS_IMMUTABLE_FL, false);
		close(fd);
	}
	if (rmdir(root) && errno != ENOENT)
		die_errno("%s: can't remove its mount point %s", name, root);
	stage(name, "undo", true, at, sizeof(at));
	if (rename(dir, at))
		die_errno("%s: can't move %s to %s", name, dir, at);
	finish_undo(name, at);
}
