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
	char buf[PATH_MAX], *save, *t;
	int dir = dup(rootfd);

	if (dir < 0)
		die_errno("can't dup a descriptor");
	xsnprintf(buf, sizeof(buf), "%s", path);
	/* each step resolved inside the root: a planted symlink leads, at
	 * worst, somewhere else inside the same guest */
	for (t = strtok_r(buf, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		int fd = path_open(dir, t, O_PATH | O_DIRECTORY, 0);
		if (fd < 0 && errno == ENOENT) {
			if (mkdirat(dir, t, mode) && errno != EEXIST)
				die_errno("can't create directory %s (in %s)", t, path);
			fd = path_open(dir, t, O_PATH | O_DIRECTORY, 0);
		}
		if (fd < 0)
			die_errno("can't open directory %s (in %s)", t, path);
		close(dir);
		dir = fd;
	}
	return dir;
}

const char *path_fd(int fd, char *buf, size_t n)
{
	snprintf(buf, n, "/proc/self/fd/%d", fd);
	return buf;
}
