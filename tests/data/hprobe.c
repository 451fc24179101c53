/* hprobe.c - try kernel interfaces a guest's root must not reach; built
 * static by tests/hardening.t and run inside a guest and on the host.
 * usage: hprobe NAME...   prints "NAME=OK" or "NAME=ERRNO-NAME" per probe.
 * Every probe is harmless when it succeeds (invalid arguments, missing
 * paths, or no-ops): nothing here may change the host it runs on. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/fs.h>

static const char *ename(int e)
{
	switch (e) {
	case 0: return "OK";
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case ENOENT: return "ENOENT";
	case EINVAL: return "EINVAL";
	case EFAULT: return "EFAULT";
	case EBADF: return "EBADF";
	case ENOSYS: return "ENOSYS";
	case ENOTTY: return "ENOTTY";
	case ESTALE: return "ESTALE";
	case ENOEXEC: return "ENOEXEC";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EIO: return "EIO";
	case EROFS: return "EROFS";
	default: return "EOTHER";
	}
}

static int rc(long r) { return r < 0 ? errno : 0; }

static int in_child(int (*fn)(void))
{
	int st;
	pid_t p = fork();
	if (!p)
		_exit(fn());
	waitpid(p, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 255;
}

static int do_userns(void) { return rc(unshare(CLONE_NEWUSER)); }
static int do_clone_userns(void)
{
	long r = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
	if (r == 0)
		_exit(0);
	if (r > 0)
		waitpid((pid_t)r, NULL, 0);
	return rc(r);
}

static int tiocsti(void)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY), s;
	char c = 'x';
	if (m < 0 || grantpt(m) || unlockpt(m))
		return 254;
	s = open(ptsname(m), O_RDWR | O_NOCTTY);
	if (s < 0)
		return errno;
	return rc(ioctl(s, TIOCSTI, &c));
}

static int open_handle(void)
{
	struct { struct file_handle h; unsigned char b[128]; } fh;
	int mnt, fd;
	fh.h.handle_bytes = 128;
	if (syscall(SYS_name_to_handle_at, AT_FDCWD, "/", &fh.h, &mnt, 0))
		return errno;
	fd = open("/", O_RDONLY | O_DIRECTORY);
	return rc(syscall(SYS_open_by_handle_at, fd, &fh.h, O_RDONLY));
}

static int bpf_map(void)
{
	unsigned attr[32] = { 2 /* ARRAY */, 4, 4, 1 };
	return rc(syscall(SYS_bpf, 0 /* MAP_CREATE */, attr, sizeof(attr)));
}

static int perf(void)
{
	unsigned attr[32] = { 1 /* SOFTWARE */, 128 /* size */ };
	return rc(syscall(SYS_perf_event_open, attr, 0, -1, -1, 0));
}

static int fsxattr(void)
{
	struct fsxattr x;
	int fd = open("/tmp", O_RDONLY | O_DIRECTORY);
	if (ioctl(fd, FS_IOC_FSGETXATTR, &x))
		memset(&x, 0, sizeof(x));
	return rc(ioctl(fd, FS_IOC_FSSETXATTR, &x));   /* the same values */
}

static int dchroot(void)
{
	/* the classic escape: chroot into a subdirectory while the cwd stays
	 * outside it, climb, chroot there; then look for the host's marker */
	mkdir("/tmp/.hx", 0700);
	if (chroot("/tmp/.hx"))
		return errno;
	for (int i = 0; i < 64; i++)
		if (chdir(".."))
			return errno;
	if (chroot("."))
		return errno;
	return access(getenv("HMARK") ? getenv("HMARK") : "/nonexistent", F_OK) ? ENOENT : 0;
}

int main(int argc, char **argv)
{
	struct timespec ts = { 0, 0 };
	for (int i = 1; i < argc; i++) {
		const char *n = argv[i];
		int e;
		errno = 0;
		if (!strcmp(n, "add_key"))
			e = rc(syscall(SYS_add_key, "user", "vsbox-t", "x", 1, -2));
		else if (!strcmp(n, "keyctl"))
			e = rc(syscall(SYS_keyctl, 0 /* GET_KEYRING_ID */, -3, 0));
		else if (!strcmp(n, "request_key"))
			e = rc(syscall(SYS_request_key, "user", "vsbox-t-none", NULL, 0));
		else if (!strcmp(n, "open_by_handle_at"))
			e = open_handle();
		else if (!strcmp(n, "bpf"))
			e = bpf_map();
		else if (!strcmp(n, "unshare_userns"))
			e = in_child(do_userns);
		else if (!strcmp(n, "clone_userns"))
			e = do_clone_userns();
		else if (!strcmp(n, "perf_event_open"))
			e = perf();
		else if (!strcmp(n, "tiocsti"))
			e = tiocsti();
		else if (!strcmp(n, "swapon"))
			e = rc(syscall(SYS_swapon, "/nonexistent-vsbox", 0));
		else if (!strcmp(n, "settimeofday"))
			e = rc(syscall(SYS_settimeofday, NULL, NULL));
		else if (!strcmp(n, "clock_settime"))
			e = rc(syscall(SYS_clock_settime, CLOCK_MONOTONIC, &ts));
		else if (!strcmp(n, "reboot"))
			e = rc(syscall(SYS_reboot, 0, 0, 0, NULL));      /* bad magic */
		else if (!strcmp(n, "init_module"))
			e = rc(syscall(SYS_init_module, NULL, 0, ""));
		else if (!strcmp(n, "finit_module"))
			e = rc(syscall(SYS_finit_module, -1, "", 0));
		else if (!strcmp(n, "iopl"))
			e = rc(syscall(SYS_iopl, 0));
		else if (!strcmp(n, "userfaultfd"))
			e = rc(syscall(SYS_userfaultfd, O_CLOEXEC));
		else if (!strcmp(n, "acct"))
			e = rc(syscall(SYS_acct, "/nonexistent-vsbox"));
		else if (!strcmp(n, "fsxattr"))
			e = fsxattr();
		else if (!strcmp(n, "file_setattr"))
			e = rc(syscall(469, -1, "", NULL, 0, 0));
		else if (!strcmp(n, "mount"))
			e = rc(syscall(SYS_mount, "none", "/nonexistent-vsbox", "tmpfs", 0, NULL));
		else if (!strcmp(n, "clone3"))
			e = rc(syscall(SYS_clone3, NULL, 0));
		else if (!strcmp(n, "double_chroot"))
			e = in_child(dchroot);
		else
			e = -1;
		printf("%s=%s\n", n, e < 0 ? "UNKNOWN" : ename(e));
	}
	return 0;
}
