/* copy.c - copy a directory tree into a new guest root, safely.
 *
 * Both sides are walked through directory descriptors with O_NOFOLLOW: a
 * symlink is copied as a symlink and never followed, on either side. Device
 * nodes and sockets are never copied (a guest gets its /dev from vsbox);
 * hard links inside the tree stay hard links. Owners, modes and times are
 * kept (less a shift: a unified USERNS guest's overlay shows its ids
 * shifted, lib/uovl.c). Used by "vserver NAME build" (the host's
 * directories) and --template.
 */
#include "vsbox.h"
#include <dirent.h>
#include <sys/sendfile.h>
#include <sys/stat.h>

struct walk {
	const char *const *exclude;
	int nexclude;
	unsigned long files;
	bool progress;
	struct { dev_t dev; ino_t ino; char *path; } *links;
	int nlinks, caplinks;
	unsigned shift;          /* taken from ids from it on */
};

static bool excluded(struct walk *w, const char *rel)
{
	for (int i = 0; i < w->nexclude; i++) {
		const char *pat = w->exclude[i];
		while (*pat == '/')
			pat++;
		if (pglob_match(pat, rel))
			return true;
	}
	return false;
}

static void copy_meta(const struct walk *w, int dfd, const char *name, const struct stat *st)
{
	struct timespec ts[2] = { st->st_atim, st->st_mtim };
	unsigned s = w->shift;

	fchownat(dfd, name, st->st_uid - (st->st_uid >= s ? s : 0), st->st_gid - (st->st_gid >= s ? s : 0),
		 AT_SYMLINK_NOFOLLOW);
	if (!S_ISLNK(st->st_mode))
		fchmodat(dfd, name, st->st_mode & 07777, 0);
	utimensat(dfd, name, ts, AT_SYMLINK_NOFOLLOW);
}

static void copy_file(int sfd, int dfd, const char *name, const struct stat *st, const char *rel)
{
	int in = openat(sfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	int out;

	if (in < 0) {
		warn_errno("can't read %s (skipped)", rel);
		return;
	}
	out = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		die_errno("can't create %s", rel);
	for (off_t left = st->st_size; left > 0;) {
		ssize_t n = sendfile(out, in, NULL, left > (1 << 30) ? (1 << 30) : (size_t)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die_errno("can't copy %s", rel);
		if (!n)
			break;  /* the file shrank meanwhile */
		left -= n;
	}
	close(in);
	close(out);
}

static void walk(struct walk *w, int sfd, int dfd, const char *rel)
{
	DIR *d = fdopendir(dup(sfd));
	struct dirent *e;

	if (!d)
		die_errno("can't read directory %s", rel);
	while ((e = readdir(d))) {
		char sub[PATH_MAX], tgt[PATH_MAX];
		struct stat st;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", e->d_name);
		if (excluded(w, sub) || fstatat(sfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW))
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (mkdirat(dfd, e->d_name, 0700) && errno != EEXIST)
				die_errno("can't create directory %s", sub);
			int s2 = openat(sfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			int d2 = openat(dfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (s2 < 0 || d2 < 0)
				die_errno("can't open directory %s", sub);
			walk(w, s2, d2, sub);
			close(s2);
			close(d2);
		} else if (S_ISLNK(st.st_mode)) {
			ssize_t n = readlinkat(sfd, e->d_name, tgt, sizeof(tgt) - 1);
			if (n < 0)
				continue;
			tgt[n] = 0;
			if (symlinkat(tgt, dfd, e->d_name))
				die_errno("can't create symlink %s", sub);
		} else if (S_ISREG(st.st_mode)) {
			/* a second name of a file already copied: link it */
			int k = -1;
			for (int i = 0; st.st_nlink > 1 && i < w->nlinks; i++)
				if (w->links[i].dev == st.st_dev && w->links[i].ino == st.st_ino)
					k = i;
			if (k >= 0 && !linkat(AT_FDCWD, w->links[k].path, dfd, e->d_name, 0))
				continue;
			copy_file(sfd, dfd, e->d_name, &st, sub);
			if (st.st_nlink > 1) {
				if (w->nlinks == w->caplinks) {
					w->caplinks = w->caplinks ? 2 * w->caplinks : 64;
					w->links = xrealloc(w->links, (size_t)w->caplinks * sizeof(*w->links));
				}
				char fdp[64];
				snprintf(fdp, sizeof(fdp), "/proc/self/fd/%d", dfd);
				ssize_t l = readlink(fdp, tgt, sizeof(tgt) - 1);
				if (l > 0) {
					tgt[l] = 0;
					w->links[w->nlinks].dev = st.st_dev;
					w->links[w->nlinks].ino = st.st_ino;
					w->links[w->nlinks++].path = xasprintf("%s/%s", tgt, e->d_name);
				}
			}
		} else if (S_ISFIFO(st.st_mode)) {
			if (mkfifoat(dfd, e->d_name, 0600))
				continue;
		} else {
			continue;       /* device nodes and sockets: never */
		}
		copy_meta(w, dfd, e->d_name, &st);
		if (w->progress && ++w->files % 2000 == 0)
			fprintf(stderr, "\r%lu files copied...", w->files);
	}
	closedir(d);
}

unsigned long copy_tree(const char *src, int dstfd, const char *const *exclude, int nexclude,
			bool progress, unsigned shift)
{
	struct walk w = { .exclude = exclude, .nexclude = nexclude, .progress = progress, .shift = shift };
	int sfd = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat st;

	if (sfd < 0)
		die_errno("can't open %s", src);
	walk(&w, sfd, dstfd, "");
	if (!fstat(sfd, &st))
		fchmod(dstfd, st.st_mode & 07777);
	close(sfd);
	for (int i = 0; i < w.nlinks; i++)
		free(w.links[i].path);
	free(w.links);
	if (progress && w.files >= 2000)
		fprintf(stderr, "\r%lu files copied.   \n", w.files);
	return w.files;
}

/* remove every device node, socket and fifo under dirfd: what an archive or
 * a bootstrap brought must not reach a running guest */
void sweep_devices(int dirfd)
{
	DIR *d = fdopendir(dup(dirfd));
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		struct stat st;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW))
			continue;
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0) {
				sweep_devices(sub);
				close(sub);
			}
		} else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISSOCK(st.st_mode)) {
			unlinkat(dirfd, e->d_name, 0);
		}
	}
	closedir(d);
}

static int rm_under(int dfd, dev_t dev)
{
	DIR *d = fdopendir(dup(dfd));
	struct dirent *e;
	int ret = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		struct stat st;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW))
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (st.st_dev != dev) {
				errno = EBUSY;  /* a mount point: leave it */
				ret = -1;
				continue;
			}
			int sub = openat(dfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0 || rm_under(sub, dev))
				ret = -1;
			if (sub >= 0)
				close(sub);
			if (unlinkat(dfd, e->d_name, AT_REMOVEDIR))
				ret = -1;
		} else if (unlinkat(dfd, e->d_name, 0)) {
			ret = -1;
		}
	}
	closedir(d);
	return ret;
}

int remove_tree(int parentfd, const char *name)
{
	struct stat st;
	int fd = openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	if (fstat(fd, &st) || rm_under(fd, st.st_dev)) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	close(fd);
	return unlinkat(parentfd, name, AT_REMOVEDIR);
}
