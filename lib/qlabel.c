/* qlabel.c - give a guest's tree its project id (lib/quota.c says why).
 *
 * A walk through directory descriptors that never follows a symlink and
 * never crosses into another filesystem; every inode whose project id (or,
 * for a directory, PROJINHERIT) is not the guest's gets it. Children
 * first, each directory after them, the root last of all: a labelled root
 * means a walk finished (one that failed anywhere leaves the root as it
 * was, and the next start walks again).
 * Linux 6.17's file_getattr/file_setattr act by name, on symlinks and
 * special files too, without opening anything. Older kernels have only the
 * ioctls, on an open descriptor: there regular files and directories get
 * the id, and a symlink, fifo or device node made before the label keeps
 * its own (one inode each: a device node is never opened by the host).
 * Immutable files with more than one link are left as they are: unified
 * files, shared between guests, are nobody's to pay for.
 * Limits don't bind the host's root (CAP_SYS_RESOURCE): a tree larger than
 * its limit is labelled all the same, and then its guest can't write until
 * it is under it again.
 * VSBOX_NO_FILE_SETATTR=1 makes the walk use the ioctls, as on an older
 * kernel (tests).
 */
#include "vsbox.h"
#include <dirent.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>

#define SYS_file_getattr_ 468
#define SYS_file_setattr_ 469
/* flags FS_IOC_FSGETXATTR reports but no setter takes */
#define XFLAGS_RDONLY (0x00000008U /* PREALLOC */ | 0x80000000U /* HASATTR */)

struct file_attr_ {             /* struct file_attr, Linux 6.17 */
	uint64_t xflags;
	uint32_t extsize, nextents, projid, cowextsize;
};

struct lwalk {
	unsigned id;
	dev_t dev;
	bool by_name;           /* file_getattr/file_setattr */
	struct qlabel *r;
	char path[PATH_MAX];    /* of the directory being walked, for messages */
};

static void failed(struct lwalk *w, const char *name)
{
	if (!w->r->failed++) {
		w->r->err = errno;
		/* (a longer path is cut: it only names the first failure) */
		if (snprintf(w->r->first, sizeof(w->r->first), "%s%s%s", w->path, *w->path ? "/" : "",
			     name) >= (int)sizeof(w->r->first))
			w->r->first[sizeof(w->r->first) - 2] = '~';
	}
}

/* does it need the id? then set it: 1 changed, 0 right already, -1 errno */
static int fix(struct lwalk *w, uint64_t *xflags, uint32_t *projid, bool dir)
{
	if (*projid == w->id && (!dir || (*xflags & FS_XFLAG_PROJINHERIT)))
		return 0;
	*projid = w->id;
	*xflags &= ~(uint64_t)XFLAGS_RDONLY;
	if (dir)
		*xflags |= FS_XFLAG_PROJINHERIT;
	return 1;
}

static int label_fd(struct lwalk *w, int fd, bool dir, const struct stat *st)
{
	struct fsxattr x;
	uint64_t xf;
	int r;

	if (ioctl(fd, FS_IOC_FSGETXATTR, &x))
		return -1;
	if ((x.fsx_xflags & FS_XFLAG_IMMUTABLE) && !dir && st->st_nlink > 1)
		return 0;       /* unified */
	xf = x.fsx_xflags;
	if ((r = fix(w, &xf, &x.fsx_projid, dir)) > 0) {
		x.fsx_xflags = (uint32_t)xf;
		if (ioctl(fd, FS_IOC_FSSETXATTR, &x))
			return -1;
	}
	return r;
}

static int label_name(struct lwalk *w, int dfd, const char *name, const struct stat *st)
{
	struct file_attr_ a;
	int r;

	memset(&a, 0, sizeof(a));
	if (syscall(SYS_file_getattr_, dfd, name, &a, sizeof(a), AT_SYMLINK_NOFOLLOW))
		return -1;
	if ((a.xflags & FS_XFLAG_IMMUTABLE) && st->st_nlink > 1)
		return 0;
	if ((r = fix(w, &a.xflags, &a.projid, false)) > 0 &&
	    syscall(SYS_file_setattr_, dfd, name, &a, sizeof(a), AT_SYMLINK_NOFOLLOW))
		return -1;
	return r;
}

static void count(struct lwalk *w, int r, const char *name)
{
	w->r->files++;
	if (r > 0)
		w->r->changed++;
	else if (r < 0)
		failed(w, name);
}

static void walk(struct lwalk *w, int dfd)
{
	DIR *d = fdopendir(dup(dfd));
	struct dirent *e;
	size_t plen = strlen(w->path);

	if (!d) {
		failed(w, ".");
		return;
	}
	rewinddir(d);           /* the dup shares dfd's offset: another walk's */
	while ((e = readdir(d))) {
		const char *n = e->d_name;
		struct stat st;
		int fd;
		if (!strcmp(n, ".") || !strcmp(n, ".."))
			continue;
		if (fstatat(dfd, n, &st, AT_SYMLINK_NOFOLLOW)) {
			failed(w, n);
			continue;
		}
		if (st.st_dev != w->dev)
			continue;       /* a mount point: not the guest's files */
		if (S_ISDIR(st.st_mode)) {
			fd = openat(dfd, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0) {
				failed(w, n);
				continue;
			}
			if (snprintf(w->path + plen, sizeof(w->path) - plen, "%s%s", plen ? "/" : "", n) >=
			    (int)(sizeof(w->path) - plen))
				w->path[sizeof(w->path) - 2] = '~';   /* for messages only */
			walk(w, fd);
			w->path[plen] = 0;
			count(w, label_fd(w, fd, true, &st), n);
			close(fd);
		} else if (w->by_name) {
			count(w, label_name(w, dfd, n, &st), n);
		} else if (S_ISREG(st.st_mode)) {
			/* O_NOFOLLOW|O_NONBLOCK: it was a regular file a moment
			 * ago, and nothing inside runs to swap it meanwhile */
			fd = openat(dfd, n, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
			if (fd < 0) {
				count(w, -1, n);
				continue;
			}
			count(w, label_fd(w, fd, false, &st), n);
			close(fd);
		} else {
			w->r->files++;
			w->r->skipped++;
		}
	}
	closedir(d);
}

void quota_label(int rootfd, unsigned id, struct qlabel *r)
{
	struct lwalk w = { .id = id, .r = r };
	struct file_attr_ a;
	struct stat st;

	memset(r, 0, sizeof(*r));
	if (fstat(rootfd, &st)) {
		r->failed = 1;
		r->err = errno;
		snprintf(r->first, sizeof(r->first), "/");
		return;
	}
	w.dev = st.st_dev;
	const char *no = getenv("VSBOX_NO_FILE_SETATTR");
	w.by_name = !(no && *no && strcmp(no, "0")) &&
		    (!syscall(SYS_file_getattr_, rootfd, ".", &a, sizeof(a), AT_SYMLINK_NOFOLLOW) || errno != ENOSYS);
	walk(&w, rootfd);
	if (!r->failed)
		count(&w, label_fd(&w, rootfd, true, &st), ".");
}
