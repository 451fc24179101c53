/* x.c - do-it-or-die wrappers and small file helpers */
#include "vsbox.h"
#include <dirent.h>
#include <sys/syscall.h>
#include <time.h>

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		die("out of memory");
	return p;
}

void *xcalloc(size_t n, size_t m)
{
	void *p = calloc(n ? n : 1, m ? m : 1);
	if (!p)
		die("out of memory");
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die("out of memory");
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		die("out of memory");
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	if (vasprintf(&p, fmt, ap) < 0)
		die("out of memory");
	va_end(ap);
	return p;
}

void xsnprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	if (r < 0 || (size_t)r >= n)
		die("name too long: %s...", buf);
}

int xopenat(int dirfd, const char *path, int flags, mode_t mode)
{
	int fd = openat(dirfd, path, flags | O_CLOEXEC, mode);
	if (fd < 0)
		die_errno("can't open %s", path);
	return fd;
}

void xwrite_fd(int fd, const void *buf, size_t n, const char *what)
{
	const char *p = buf;

	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			die_errno("can't write %s", what);
		p += w;
		n -= (size_t)w;
	}
}

int write_fileat(int dirfd, const char *path, const char *s)
{
	int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	size_t n = strlen(s);
	ssize_t w;

	if (fd < 0)
		return -1;
	w = write(fd, s, n);
	if (w >= 0 && (size_t)w != n) {
		w = -1;
		errno = EIO;
	}
	if (w < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return close(fd);
}

void xreplace_file(const char *path, const void *buf, size_t n)
{
	char tmp[PATH_MAX + 8];
	int fd;

	xsnprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		die_errno("can't create %s", tmp);
	xwrite_fd(fd, buf, n, tmp);
	if (close(fd) || rename(tmp, path))
		die_errno("can't write %s", path);
}

int write_file(const char *path, const char *s)
{
	return write_fileat(AT_FDCWD, path, s);
}

void xwrite_file(const char *path, const char *s)
{
	if (write_file(path, s))
		die_errno("can't write '%.40s' to %s", s, path);
}

ssize_t read_fd(int fd, char *buf, size_t n)
{
	size_t got = 0;

	while (got < n - 1) {
		ssize_t r = read(fd, buf + got, n - 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (!r)
			break;
		got += (size_t)r;
	}
	buf[got] = 0;
	return (ssize_t)got;
}

ssize_t read_fileat(int dirfd, const char *path, char *buf, size_t n)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC), e;
	ssize_t got;

	if (fd < 0)
		return -1;
	got = read_fd(fd, buf, n);
	e = errno;
	close(fd);
	errno = e;
	return got;
}

ssize_t read_file(const char *path, char *buf, size_t n)
{
	return read_fileat(AT_FDCWD, path, buf, n);
}

void xmkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];

	/* usually all there but the last part, or all of it: one mkdir */
	if (!mkdir(path, mode) || errno == EEXIST)
		return;
	xsnprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; ; p++) {
		if (*p == '/' || !*p) {
			char c = *p;
			*p = 0;
			if (mkdir(buf, mode) && errno != EEXIST)
				die_errno("can't create directory %s", buf);
			*p = c;
			if (!c)
				break;
		}
	}
}

/* every fd >= lowfd but VSBOX_TRACE's (close-on-exec: no program gets it) */
void close_range_from(int lowfd)
{
	int keep = trace_fileno();

	/* close_range(2) where the kernel has it (5.9+), else walk /proc/self/fd */
	if (keep >= lowfd) {
		if ((keep == lowfd || !syscall(SYS_close_range, (unsigned)lowfd, (unsigned)keep - 1, 0)) &&
		    !syscall(SYS_close_range, (unsigned)keep + 1, ~0U, 0))
			return;
	} else if (!syscall(SYS_close_range, (unsigned)lowfd, ~0U, 0)) {
		return;
	}
	DIR *d = opendir("/proc/self/fd");
	if (!d) {
		for (int fd = lowfd; fd < 1024; fd++)
			if (fd != keep)
				close(fd);
		return;
	}
	struct dirent *e;
	int dfd = dirfd(d);
	while ((e = readdir(d))) {
		int fd = atoi(e->d_name);
		if (fd >= lowfd && fd != dfd && fd != keep)
			close(fd);
	}
	closedir(d);
}

uint64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

ssize_t write_nosigpipe(int fd, const void *buf, size_t n)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	ssize_t r;

	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, &old);
	do
		r = write(fd, buf, n);
	while (r < 0 && errno == EINTR);
	sigaction(SIGPIPE, &old, NULL);
	return r;
}

int run_self(char **argv)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		die_errno("can't fork");
	if (!pid) {
		execv("/proc/self/exe", argv);
		warn_errno("can't execute /proc/self/exe");
		_exit(127);
	}
	return wait_forward(pid);
}
