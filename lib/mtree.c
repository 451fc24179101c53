/* mtree.c - what a copy or move of a guest needs to know about its tree.
 *
 * One walk of the guest root (directory descriptors, O_NOFOLLOW: the guest's
 * symlinks are never followed) counts the disk space and inodes the target
 * must have free, and lists the files carrying the immutable or append-only
 * flag (FS_IOC_GETFLAGS): rsync copies neither, and a file with them can't
 * be replaced by rsync on the target either, so they are set there only
 * after the last pass, and cleared before a partial copy is removed. The
 * list travels as text lines "HEXFLAGS PATH", the path escaped (%XX for
 * bytes <= ' ', '%' and 0x7f) so that any name fits on one line. The walk
 * also counts files with hard links it does not all see: links to files
 * outside the guest (a unification store), which rsync -H can't keep.
 */
#include "vsbox.h"
#include <dirent.h>
#include <linux/fs.h>
#include <sys/ioctl.h>

#define MT_FLAGS (FS_IMMUTABLE_FL | FS_APPEND_FL)

static void add_flag(struct mtree *t, const char *rel, unsigned flags)
{
	if (t->nflag == t->capflag) {
		t->capflag = t->capflag ? 2 * t->capflag : 16;
		t->flag = xrealloc(t->flag, t->capflag * sizeof(*t->flag));
	}
	t->flag[t->nflag].flags = flags;
	t->flag[t->nflag++].path = xstrdup(rel);
}

/* a file with more than one link: count the links seen, by inode */
static void seen_link(struct mtree *t, const struct stat *st)
{
	size_t i;

	if (t->nlink * 2 >= t->caplink) {
		struct mlink *old = t->link;
		size_t oldcap = t->caplink;
		t->caplink = oldcap ? 2 * oldcap : 256;
		t->link = xcalloc(t->caplink, sizeof(*t->link));
		t->nlink = 0;
		for (i = 0; i < oldcap; i++)
			if (old[i].nlink) {
				size_t k = old[i].ino % t->caplink;
				while (t->link[k].nlink)
					k = (k + 1) % t->caplink;
				t->link[k] = old[i];
				t->nlink++;
			}
		free(old);
	}
	for (i = st->st_ino % t->caplink; t->link[i].nlink; i = (i + 1) % t->caplink)
		if (t->link[i].ino == st->st_ino) {
			t->link[i].seen++;
			return;
		}
	t->link[i].ino = st->st_ino;
	t->link[i].nlink = st->st_nlink;
	t->link[i].seen = 1;
	t->nlink++;
}

static void walk(struct mtree *t, int dfd, const char *rel, dev_t dev)
{
	DIR *d = fdopendir(dfd);
	struct dirent *e;

	if (!d)
		die_errno("can't read %s", rel);
	while ((e = readdir(d))) {
		char sub[PATH_MAX];
		struct stat st;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW))
			continue;       /* gone meanwhile: the guest may be running */
		xsnprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", e->d_name);
		t->inodes++;
		t->bytes += (unsigned long long)st.st_blocks * 512;
		if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
			continue;
		if (S_ISREG(st.st_mode) && st.st_nlink > 1)
			seen_link(t, &st);
		/* only files and directories carry the flags; opening a fifo
		 * or device could block or act */
		int fd = openat(dirfd(d), e->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC |
				(S_ISDIR(st.st_mode) ? O_DIRECTORY : 0));
		if (fd < 0)
			continue;
		int fl = 0;
		if (!ioctl(fd, FS_IOC_GETFLAGS, &fl) && (fl & MT_FLAGS))
			add_flag(t, sub, (unsigned)fl & MT_FLAGS);
		if (S_ISDIR(st.st_mode) && st.st_dev == dev)
			walk(t, fd, sub, dev);      /* (closes fd) */
		else
			close(fd);
	}
	closedir(d);
}

void mtree_scan(int rootfd, struct mtree *t)
{
	struct stat st;
	/* a descriptor of its own: a dup would share the directory offset,
	 * and a second scan would read nothing */
	int fd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	memset(t, 0, sizeof(*t));
	if (fd < 0 || fstat(fd, &st))
		die_errno("can't read the guest root");
	t->inodes = 1;
	t->bytes = (unsigned long long)st.st_blocks * 512;
	walk(t, fd, "", st.st_dev);
	for (size_t i = 0; i < t->caplink; i++)
		if (t->link[i].nlink && t->link[i].seen < t->link[i].nlink)
			t->outlinks++;
}

void mtree_free(struct mtree *t)
{
	for (int i = 0; i < t->nflag; i++)
		free(t->flag[i].path);
	free(t->flag);
	free(t->link);
	t->flag = NULL;
	t->link = NULL;
	t->nflag = t->capflag = 0;
	t->nlink = t->caplink = 0;
}

void mtree_escape(const char *s, char *out, size_t n)
{
	size_t o = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (o + 4 >= n)
			die("path too long to send: %.40s...", s);
		if (c <= ' ' || c == '%' || c == 0x7f)
			o += (size_t)snprintf(out + o, n - o, "%%%02X", c);
		else
			out[o++] = (char)c;
	}
	out[o] = 0;
}

int mtree_unescape(const char *s, char *out, size_t n)
{
	size_t o = 0;

	for (; *s; s++) {
		int v;
		if (o + 1 >= n)
			return -1;
		if (*s == '%') {
			if ((v = hex2(s + 1)) <= 0)
				return -1;
			out[o++] = (char)v;
			s += 2;
		} else {
			out[o++] = *s;
		}
	}
	out[o] = 0;
	return o ? 0 : -1;
}

int mtree_setflags(int rootfd, const char *rel, unsigned flags, bool on)
{
	/* through lib/path.c: a name the list gives never leads out */
	int fd = path_open(rootfd, rel, O_RDONLY | O_NOFOLLOW | O_NONBLOCK, 0), fl = 0, e;

	if (fd < 0)
		return -1;
	if (ioctl(fd, FS_IOC_GETFLAGS, &fl) == 0) {
		fl = on ? (fl | (int)(flags & MT_FLAGS)) : (fl & ~(int)(flags & MT_FLAGS));
		if (ioctl(fd, FS_IOC_SETFLAGS, &fl) == 0) {
			close(fd);
			return 0;
		}
	}
	e = errno;
	close(fd);
	errno = e;
	return -1;
}
