/* sys.c - thin wrappers for syscalls musl has no functions for.
 *
 * Each feature is probed at most once and the answer cached: clone3 (5.3),
 * pidfd_open (5.3), openat2 (5.6), Landlock (5.13; signal scoping 6.12).
 */
#include "vsbox.h"
#include <linux/landlock.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <sys/syscall.h>

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

static int clone3_ok = -1, openat2_ok = -1, ll_abi = -1;

bool have_clone3(void)
{
	return clone3_ok != 0;
}

/* clone3 as fork(): returns 0 in the child. With cgroup_fd >= 0 the child
 * starts inside that cgroup v2 directory (CLONE_INTO_CGROUP, 5.7). */
pid_t sys_clone3(uint64_t flags, int *pidfd, int cgroup_fd)
{
	struct clone_args a;
	long r;

	memset(&a, 0, sizeof(a));
	a.flags = flags;
	a.exit_signal = SIGCHLD;
	if (pidfd) {
		a.flags |= CLONE_PIDFD;
		a.pidfd = (uint64_t)(uintptr_t)pidfd;
	}
	if (cgroup_fd >= 0) {
		a.flags |= CLONE_INTO_CGROUP;
		a.cgroup = (uint64_t)cgroup_fd;
	}
	r = syscall(SYS_clone3, &a, sizeof(a));
	if (r < 0 && errno == ENOSYS)
		clone3_ok = 0;
	return (pid_t)r;
}

int sys_pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

int sys_pidfd_send_signal(int pidfd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

bool have_openat2(void)
{
	if (openat2_ok < 0) {
		int fd = sys_openat2(AT_FDCWD, "/", O_PATH, 0, 0);
		openat2_ok = fd >= 0 || errno != ENOSYS;
		if (fd >= 0)
			close(fd);
	}
	return openat2_ok;
}

int sys_openat2(int dirfd, const char *path, int flags, mode_t mode, uint64_t resolve)
{
	struct open_how how = { .flags = (uint64_t)flags | O_CLOEXEC, .mode = mode,
				.resolve = resolve };
	return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

int landlock_abi(void)
{
	if (ll_abi < 0) {
		long r = syscall(SYS_landlock_create_ruleset, NULL, 0,
				 LANDLOCK_CREATE_RULESET_VERSION);
		ll_abi = r < 0 ? 0 : (int)r;
	}
	return ll_abi;
}

unsigned long long proc_starttime(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return 0;
	/* comm may hold spaces and parentheses: fields resume after the last ')' */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X')
		return 0;       /* a zombie has ended: nobody may have reaped it */
	/* after ") " come fields 3..; starttime is field 22 */
	for (int field = 2; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (p)
		start = strtoull(p + 1, NULL, 10);
	return start;
}

bool xdir_open(struct xdir *d, int dirfd, const char *path)
{
	d->pos = d->len = 0;
	d->fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return d->fd >= 0;
}

struct dirent *xdir_read(struct xdir *d)
{
	struct dirent *e;

	if (d->pos >= d->len) {
		long n = syscall(SYS_getdents64, d->fd, d->buf, sizeof(d->buf));
		if (n <= 0)
			return NULL;
		d->len = (int)n;
		d->pos = 0;
	}
	/* (musl's struct dirent is the kernel's linux_dirent64) */
	e = (struct dirent *)(void *)(d->buf + d->pos);
	d->pos += e->d_reclen;
	return e;
}

void xdir_close(struct xdir *d)
{
	int e = errno;

	close(d->fd);
	d->fd = -1;
	errno = e;
}
