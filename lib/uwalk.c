/* uwalk.c - walking guest roots for vunify and vdu, never following links.
 *
 * Host root reads every guest's tree here, running guests too, so the walk
 * trusts nothing in it: each directory is opened from its parent's
 * descriptor with O_NOFOLLOW | O_DIRECTORY, a symlink is an entry like any
 * other and never followed, and a directory on another device (a mount, a
 * nested btrfs subvolume) is not entered. The callback gets the parent's
 * descriptor, the entry's name and its lstat; the path it is at (from the
 * guest's root: "/usr/bin/ls") is in w->path. Files are named again later
 * by that path only through path_open_beneath(), which refuses symlinks.
 *
 * Exclusions are fnmatch(3) patterns on that path ("/etc", "/opt/STAR/etc" with STAR a *),
 * matching the entry itself or a directory above it: an excluded directory
 * is not entered at all.
 */
#include "vsbox.h"
#include <dirent.h>

bool uwalk_excluded(const char *const *pat, int n, const char *path)
{
	for (int i = 0; i < n; i++)
		if (pglob_match(pat[i], path))
			return true;
	return false;
}

static void walk_dir(struct uwalk *w, int dfd, size_t plen, int depth)
{
	DIR *d = fdopendir(dfd);
	struct dirent *e;

	if (!d) {
		close(dfd);
		w->errors++;
		return;
	}
	while ((e = readdir(d))) {
		struct stat st;
		const char *n = e->d_name;

		if (!strcmp(n, ".") || !strcmp(n, ".."))
			continue;
		size_t l = strlen(n);
		if (plen + 1 + l >= sizeof(w->path)) {
			w->errors++;
			continue;
		}
		w->path[plen] = '/';
		memcpy(w->path + plen + 1, n, l + 1);
		if (w->nexclude && uwalk_excluded(w->exclude, w->nexclude, w->path))
			continue;
		if (fstatat(dirfd(d), n, &st, AT_SYMLINK_NOFOLLOW)) {
			if (errno != ENOENT)   /* gone meanwhile: a running guest */
				w->errors++;
			continue;
		}
		w->visit(w, dirfd(d), n, &st);
		if (!S_ISDIR(st.st_mode) || st.st_dev != w->dev)
			continue;
		if (depth >= 256) {    /* deeper than any real tree; an fd each */
			w->errors++;
			continue;
		}
		int sub = openat(dirfd(d), n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		struct stat s2;
		/* the same directory we looked at, not one swapped in since */
		if (sub >= 0 && !fstat(sub, &s2) && s2.st_ino == st.st_ino && s2.st_dev == st.st_dev)
			walk_dir(w, sub, plen + 1 + l, depth + 1);
		else if (sub >= 0)
			close(sub);
		else if (errno != ENOENT)
			w->errors++;
	}
	closedir(d);
	w->path[plen] = 0;
}

int uwalk_run(struct uwalk *w, int rootfd)
{
	struct stat st;
	int fd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	w->dev = st.st_dev;
	w->path[0] = 0;
	walk_dir(w, fd, 0, 0);
	return 0;
}
