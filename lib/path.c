/* path.c - paths inside a guest root, resolved without following the guest.
 *
 * Host root acting inside /vservers/NAME must never follow a symlink the
 * guest planted ("etc -> /etc" would turn a write into the host's). Every
 * such path is opened with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS):
 * ".." and absolute symlinks stay inside the root, /proc magic links are
 * refused. Kernels before 5.6 get a component walk with O_NOFOLLOW, which
 * refuses every symlink instead.
 */
#include "vsbox.h"
#include <linux/openat2.h>

static int walk_nofollow(int rootfd, const char *path, int flags, mode_t mode)
{
	char buf[PATH_MAX], *save, *t, *next;
	int dir = dup(rootfd);

	if (dir < 0)
		return -1;
	snprintf(buf, sizeof(buf), "%s", path);
	for (t = strtok_r(buf, "/", &save); t; t = next) {
		next = strtok_r(NULL, "/", &save);
		if (!strcmp(t, "..")) {
			close(dir);
			errno = EXDEV;
			return -1;
		}
		int fd = openat(dir, t, next ? O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC
					 : flags | O_NOFOLLOW | O_CLOEXEC, mode);
		int e = errno;
		close(dir);
		if (fd < 0) {
			errno = e;
			return -1;
		}
		if (!next)
			return fd;
		dir = fd;
	}
	/* the path was "/" */
	int fd = openat(dir, ".", flags | O_CLOEXEC, mode);
	close(dir);
	return fd;
}

int path_open(int rootfd, const char *path, int flags, mode_t mode)
{
	if (have_openat2()) {
		const char *p = path;
		while (*p == '/')
			p++;
		return sys_openat2(rootfd, *p ? p : ".", flags, (flags & O_CREAT) ? mode : 0,
				   RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
	}
	return walk_nofollow(rootfd, path, flags, mode);
}

int path_mkdirs(int rootfd, const char *path, mode_t mode)
{
	char buf[PATH_MAX], *p = buf, *end;
	int dir = dup(rootfd);

	if (dir < 0)
		die_errno("can't dup a descriptor");
	xsnprintf(buf, sizeof(buf), "%s", path);
	/* each prefix resolved from the root, as the guest would (an absolute
	 * symlink on the way names a place in the guest): it leads, at worst,
	 * somewhere else inside the same guest; a missing last component is
	 * made in the directory its prefix resolved to */
	for (;;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		if ((end = strchr(p, '/')))
			*end = 0;
		int fd = path_open(rootfd, buf, O_PATH | O_DIRECTORY, 0);
		if (fd < 0 && errno == ENOENT) {
			if (mkdirat(dir, p, mode) && errno != EEXIST)
				die_errno("can't create directory %s (in %s)", p, path);
			fd = path_open(rootfd, buf, O_PATH | O_DIRECTORY, 0);
		}
		if (fd < 0) {
			struct stat st;
			int e = errno;
			bool link = !fstatat(dir, p, &st, AT_SYMLINK_NOFOLLOW) && S_ISLNK(st.st_mode);
			errno = e;
			die_errno("can't open directory %s (in %s%s)", p, path,
				  link ? ": a symbolic link, followed only inside the guest" : "");
		}
		close(dir);
		dir = fd;
		if (!end)
			break;
		*end = '/';
		p = end + 1;
	}
	return dir;
}

/* Open rel below dirfd following no symlink at all and not leaving dirfd's
 * mount (openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV),
 * for walks that name files by what they found (vunify, vdu); older
 * kernels get the O_NOFOLLOW component walk. -1 + errno (ELOOP: a link) */
int path_open_beneath(int dirfd, const char *rel, int flags)
{
	while (*rel == '/')
		rel++;
	if (have_openat2())
		return sys_openat2(dirfd, *rel ? rel : ".", flags, 0,
				   RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |
				   RESOLVE_NO_XDEV);
	return walk_nofollow(dirfd, rel, flags, 0);
}
