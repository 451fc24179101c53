/* hprobe.c - try kernel interfaces a guest's root must not reach; built
 * static by tests/hardening*.t and run inside a guest and on the host.
 * usage: hprobe NAME[:ARG[:ARG...]]...   prints "NAME=OK" (the attempt
 * worked) or "NAME=ERRNO-NAME" per probe (NAME without its arguments).
 * Every probe is harmless when it succeeds on the host (invalid arguments,
 * missing paths, no-ops, a trace that is detached at once, a read of one
 * word): nothing here may change the host it runs on. The exceptions say
 * so and are run by the tests inside guests only: settime, hostname,
 * forkbomb (bounded in time), hog (bounded in size). abind serves an
 * abstract unix socket for the seconds given (aconnect, asend: clients). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/fs.h>
#include <linux/if_ether.h>
#include <linux/keyctl.h>
#include "ename.h"

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
static int do_utsns(void) { return rc(unshare(CLONE_NEWUTS)); }
static int do_setns(void)
{
	int fd = open("/proc/self/ns/uts", O_RDONLY);   /* our own: a no-op */
	return fd < 0 ? errno : rc(setns(fd, CLONE_NEWUTS));
}
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

/* a hard link, made in our /tmp, to the file at path (a host file, named
 * as the guest might: directly, or through /proc/1/root) */
static int hardlink(const char *path)
{
	if (link(path, "/tmp/.hl"))
		return errno;
	unlink("/tmp/.hl");
	return 0;
}

/* ---- other processes: a pid as the host sees it ------------------------- */
static unsigned long first_addr(pid_t pid)
{
	char path[64], buf[128];
	unsigned long a = 0x400000;     /* when the maps can't be read */
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	if ((f = fopen(path, "r"))) {
		if (fgets(buf, sizeof(buf), f))
			a = strtoul(buf, NULL, 16);
		fclose(f);
	}
	return a;
}

static int p_ptrace(pid_t pid, int seize)
{
	if (ptrace(seize ? PTRACE_SEIZE : PTRACE_ATTACH, pid, 0, 0))
		return errno;
	/* it worked: let go again at once (a seized tracee must stop first).
	 * Wait for the stop we asked for: a tracee caught in execve reports
	 * its SIGTRAP first, and detaching then would leave our SIGSTOP
	 * pending, to stop it for good once untraced */
	if (seize)
		ptrace(PTRACE_INTERRUPT, pid, 0, 0);
	for (int st; waitpid(pid, &st, __WALL) == pid && WIFSTOPPED(st);) {
		int sig = WSTOPSIG(st);
		if (seize ? (st >> 16) == PTRACE_EVENT_STOP : sig == SIGSTOP)
			break;
		ptrace(PTRACE_CONT, pid, 0, sig == SIGTRAP ? 0 : sig);
	}
	ptrace(PTRACE_DETACH, pid, 0, 0);
	return 0;
}

static int p_vmread(pid_t pid)
{
	char b[8];
	struct iovec l = { b, sizeof(b) }, r = { (void *)first_addr(pid), sizeof(b) };
	return rc(process_vm_readv(pid, &l, 1, &r, 1, 0));
}

static int p_procmem(pid_t pid)
{
	char path[64], b[8];
	unsigned long a = first_addr(pid);
	int fd, e;

	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	if ((fd = open(path, O_RDONLY)) < 0)
		return errno;
	e = rc(pread(fd, b, sizeof(b), (off_t)a));
	close(fd);
	return e;
}

static int p_procdir(pid_t pid)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	return rc(stat(path, &st));
}

/* ---- keys: a key in our own process keyring, visible to uid 0 ----------- */
static int p_keyhold(int secs)
{
	long id = syscall(SYS_add_key, "user", "vsbox-t-hold", "x", 1, KEY_SPEC_PROCESS_KEYRING);
	if (id < 0)
		return errno;
	printf("keyhold=%ld\n", id);
	fflush(stdout);
	sleep((unsigned)secs);
	exit(0);
}

static int p_prockeys(const char *desc)
{
	char line[512];
	int found = 0;
	FILE *f = fopen("/proc/keys", "r");

	if (!f)
		return errno;
	while (fgets(line, sizeof(line), f))
		found |= strstr(line, desc) != NULL;
	fclose(f);
	return found ? 0 : ENOENT;
}

/* ---- sockets ------------------------------------------------------------ */
static socklen_t mkaddr(const char *ip, const char *port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(ip, ':')) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)atoi(port));
		inet_pton(AF_INET6, ip, &a->sin6_addr);
		return sizeof(*a);
	}
	struct sockaddr_in *a = (struct sockaddr_in *)ss;
	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)atoi(port));
	inet_pton(AF_INET, ip, &a->sin_addr);
	return sizeof(*a);
}

static int p_bind(const char *ip, const char *port)
{
	struct sockaddr_storage ss;
	socklen_t n = mkaddr(ip, port, &ss);
	int s = socket(ss.ss_family, SOCK_STREAM, 0), e;

	if (s < 0)
		return errno;
	e = rc(bind(s, (struct sockaddr *)&ss, n));
	close(s);
	return e;
}

/* bind, with IPV6_V6ONLY if opt is "v6only", and say where it landed */
static char bound[INET6_ADDRSTRLEN];
static int p_bindname(const char *ip, const char *port, const char *opt)
{
	struct sockaddr_storage ss, got;
	socklen_t n = mkaddr(ip, port, &ss), gl = sizeof(got);
	int s = socket(ss.ss_family, SOCK_STREAM, 0), e, one = 1;

	if (s < 0)
		return errno;
	if (!strcmp(opt, "v6only"))
		setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	e = rc(bind(s, (struct sockaddr *)&ss, n));
	if (!e && !getsockname(s, (struct sockaddr *)&got, &gl))
		inet_ntop(got.ss_family, got.ss_family == AF_INET ? (void *)&((struct sockaddr_in *)&got)->sin_addr
				  : (void *)&((struct sockaddr_in6 *)&got)->sin6_addr, bound, sizeof(bound));
	close(s);
	return e;
}

static int p_connect(const char *ip, const char *port)
{
	struct sockaddr_storage ss;
	socklen_t n = mkaddr(ip, port, &ss), l = sizeof(int);
	int s = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0), e = 0;
	struct pollfd p = { s, POLLOUT, 0 };

	if (s < 0)
		return errno;
	if (connect(s, (struct sockaddr *)&ss, n) && errno != EINPROGRESS)
		e = errno;
	else if (poll(&p, 1, 2000) != 1)
		e = ETIMEDOUT;
	else
		getsockopt(s, SOL_SOCKET, SO_ERROR, &e, &l);
	close(s);
	return e;
}

/* one datagram to DST:PORT with IP_PKTINFO / IPV6_PKTINFO naming SRC */
static int p_usend(const char *dst, const char *port, const char *src)
{
	struct sockaddr_storage ss;
	socklen_t n = mkaddr(dst, port, &ss);
	union { char b[CMSG_SPACE(sizeof(struct in6_pktinfo))]; struct cmsghdr c; } cm;
	struct iovec io = { "x", 1 };
	struct msghdr m = { &ss, n, &io, 1, cm.b, 0, 0 };
	struct cmsghdr *c = &cm.c;
	int s = socket(ss.ss_family, SOCK_DGRAM, 0), e;

	if (s < 0)
		return errno;
	memset(&cm, 0, sizeof(cm));
	/* the source asked for: IP_PKTINFO's or IPV6_PKTINFO's address */
	struct in_pktinfo p4 = { 0 };
	struct in6_pktinfo p6 = { 0 };
	int v4 = ss.ss_family == AF_INET;
	size_t len = v4 ? sizeof(p4) : sizeof(p6);
	inet_pton(ss.ss_family, src, v4 ? (void *)&p4.ipi_spec_dst : (void *)&p6.ipi6_addr);
	c->cmsg_level = v4 ? IPPROTO_IP : IPPROTO_IPV6;
	c->cmsg_type = v4 ? IP_PKTINFO : IPV6_PKTINFO;
	c->cmsg_len = CMSG_LEN(len);
	memcpy(CMSG_DATA(c), v4 ? (void *)&p4 : (void *)&p6, len);
	m.msg_controllen = CMSG_SPACE(len);
	e = rc(sendmsg(s, &m, 0));
	close(s);
	return e;
}

/* an abstract unix socket address "@NAME" (with -d: the datagram one) */
static socklen_t aaddr(const char *name, const char *suffix, struct sockaddr_un *a)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, "%s%s", name, suffix);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(a->sun_path + 1));
}

/* abind:NAME,SECS: listen on the abstract stream socket @NAME and take
 * datagrams on @NAME-d for SECS seconds, answering each connection "hi" */
static int p_abind(const char *name, int secs)
{
	struct sockaddr_un a;
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), d = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	time_t end = time(NULL) + secs;

	if (s < 0 || d < 0 || bind(s, (struct sockaddr *)&a, aaddr(name, "", &a)) || listen(s, 16) ||
	    bind(d, (struct sockaddr *)&a, aaddr(name, "-d", &a)))
		return errno;
	while (time(NULL) < end) {
		struct pollfd p[2] = { { s, POLLIN, 0 }, { d, POLLIN, 0 } };
		char b[16];
		if (poll(p, 2, 200) <= 0)
			continue;
		if (p[1].revents)
			(void)!recv(d, b, sizeof(b), 0);
		if (p[0].revents) {
			int c = accept(s, NULL, NULL);
			if (c >= 0) {
				(void)!write(c, "hi", 2);
				close(c);
			}
		}
	}
	return 0;
}

/* aconnect:NAME: connect to @NAME and read its "hi" */
static int p_aconnect(const char *name)
{
	struct sockaddr_un a;
	char b[2];
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), e = 0;

	if (s < 0)
		return errno;
	if (connect(s, (struct sockaddr *)&a, aaddr(name, "", &a)))
		e = errno;
	else if (read(s, b, 2) != 2)
		e = EIO;
	close(s);
	return e;
}

/* asend:NAME: one datagram to @NAME-d */
static int p_asend(const char *name)
{
	struct sockaddr_un a;
	int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), e;

	if (s < 0)
		return errno;
	e = rc(sendto(s, "x", 1, 0, (struct sockaddr *)&a, aaddr(name, "-d", &a)));
	close(s);
	return e;
}

static int p_socket(int family, int type, int proto)
{
	int s = socket(family, type, proto);
	if (s < 0)
		return errno;
	close(s);
	return 0;
}

/* ---- leaked directory descriptors --------------------------------------
 * Every directory any visible process holds open (ours included): climb
 * ".." from it to the top; a top that is not our "/" lies outside our
 * root (OK: the escape is there). ENOENT: none found. */
static int climbs_out(int fd, const struct stat *root)
{
	struct stat a, b;

	for (int i = 0; i < 256; i++) {
		int up = openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (up < 0 || fstat(fd, &a) || fstat(up, &b)) {
			if (up >= 0)
				close(up);
			break;
		}
		close(fd);
		fd = up;
		if (a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			break;
	}
	int out = !fstat(fd, &a) && (a.st_dev != root->st_dev || a.st_ino != root->st_ino);
	close(fd);
	return out;
}

static int p_leakedfds(void)
{
	struct stat root;
	DIR *pd = opendir("/proc");
	struct dirent *p, *f;
	int found = 0;

	if (stat("/", &root))
		return errno;
	/* our own descriptors first (no /proc needed: plain chroot); the
	 * copy climbs_out walks with (and closes) may take any free number:
	 * one at 1024 or above fails under a soft RLIMIT_NOFILE of 1024 */
	for (int i = 0; i < 1024; i++) {
		struct stat st;
		if (!fstat(i, &st) && S_ISDIR(st.st_mode) && (pd == NULL || i != dirfd(pd)) &&
		    climbs_out(fcntl(i, F_DUPFD_CLOEXEC, 0), &root)) {
			fprintf(stderr, "hprobe: fd %d leads outside the root\n", i);
			found = 1;
		}
	}
	while (pd && (p = readdir(pd))) {
		char path[300];
		DIR *fd;
		if (p->d_name[0] < '0' || p->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", p->d_name);
		if (!(fd = opendir(path)))
			continue;       /* gone, or not ours to look into */
		while ((f = readdir(fd))) {
			char fp[600];
			int d;
			if (f->d_name[0] == '.')
				continue;
			snprintf(fp, sizeof(fp), "%s/%s", path, f->d_name);
			if ((d = open(fp, O_PATH | O_DIRECTORY | O_CLOEXEC)) >= 0 && climbs_out(d, &root)) {
				fprintf(stderr, "hprobe: %s leads outside the root\n", fp);
				found = 1;
			}
		}
		closedir(fd);
	}
	if (pd)
		closedir(pd);
	return found ? 0 : ENOENT;
}

/* ---- loads (inside guests only) ------------------------------------------
 * forkbomb: every process forks as fast as it can until the deadline, then
 * exits; the first reports EAGAIN when a fork was refused. */
static int p_forkbomb(int secs)
{
	time_t end = time(NULL) + secs;
	pid_t top = getpid();
	int refused = 0;

	while (time(NULL) < end) {
		pid_t p = fork();
		if (p < 0)
			refused = 1;
		else if (p == 0)
			refused = 0;    /* a new bomb, with its own count */
	}
	if (getpid() != top)
		_exit(0);
	return refused ? EAGAIN : 0;
}

/* hog: touch MB mebibytes, one page at a time; OK when all of it was had */
static int p_hog(long mb)
{
	for (long i = 0; i < mb; i++) {
		char *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return errno;
		for (int k = 0; k < (1 << 20); k += 4096)
			p[k] = 1;
	}
	return 0;
}

static int p_settime(void)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	return rc(clock_settime(CLOCK_REALTIME, &now));
}

int main(int argc, char **argv)
{
	struct timespec ts = { 0, 0 };
	for (int i = 1; i < argc; i++) {
		/* NAME:ARG,ARG...: up to three arguments */
		char n[256], *a[3] = { "", "", "" }, *arg;
		int e;
		snprintf(n, sizeof(n), "%s", argv[i]);
		if ((arg = strchr(n, ':'))) {
			*arg++ = 0;
			for (int k = 0; k < 3 && arg; k++) {
				a[k] = arg;
				if ((arg = strchr(arg, ',')))
					*arg++ = 0;
			}
		}
		pid_t pid = (pid_t)atoi(a[0]);
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
		else if (!strcmp(n, "delete_module"))
			e = rc(syscall(SYS_delete_module, "vsbox_t_none", O_NONBLOCK));
		else if (!strcmp(n, "kexec_load"))      /* bad flags: EINVAL after the permission check */
			e = rc(syscall(SYS_kexec_load, 0, 0, NULL, 0xffff0000ul));
		else if (!strcmp(n, "kexec_file_load"))
			e = rc(syscall(SYS_kexec_file_load, -1, -1, 0, "", 0xffff0000ul));
		else if (!strcmp(n, "ioperm"))          /* no ports: nothing changes */
			e = rc(syscall(SYS_ioperm, 0, 0, 0));
		else if (!strcmp(n, "swapoff"))
			e = rc(syscall(SYS_swapoff, "/nonexistent-vsbox"));
		else if (!strcmp(n, "unshare_uts"))
			e = in_child(do_utsns);
		else if (!strcmp(n, "setns"))
			e = in_child(do_setns);
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
		else if (!strcmp(n, "hardlink"))
			e = hardlink(a[0]);
		else if (!strcmp(n, "procdir"))
			e = p_procdir(pid);
		else if (!strcmp(n, "kill"))
			e = rc(kill(pid, 0));
		else if (!strcmp(n, "pidfd_open"))
			e = rc(syscall(SYS_pidfd_open, pid, 0));
		else if (!strcmp(n, "ptrace_attach"))
			e = p_ptrace(pid, 0);
		else if (!strcmp(n, "ptrace_seize"))
			e = p_ptrace(pid, 1);
		else if (!strcmp(n, "vm_readv"))
			e = p_vmread(pid);
		else if (!strcmp(n, "proc_mem"))
			e = p_procmem(pid);
		else if (!strcmp(n, "hostname"))
			e = rc(sethostname(a[0], strlen(a[0])));
		else if (!strcmp(n, "domainname"))
			e = rc(setdomainname(a[0], strlen(a[0])));
		else if (!strcmp(n, "settime"))
			e = p_settime();
		else if (!strcmp(n, "keyhold"))
			e = p_keyhold(atoi(a[0]));
		else if (!strcmp(n, "keydescribe")) {
			char b[256];
			e = rc(syscall(SYS_keyctl, KEYCTL_DESCRIBE, atol(a[0]), b, sizeof(b)));
		} else if (!strcmp(n, "prockeys"))
			e = p_prockeys(a[0]);
		else if (!strcmp(n, "bind"))
			e = p_bind(a[0], a[1]);
		else if (!strcmp(n, "connect"))
			e = p_connect(a[0], a[1]);
		else if (!strcmp(n, "bindname"))
			e = p_bindname(a[0], a[1], a[2]);
		else if (!strcmp(n, "usend"))
			e = p_usend(a[0], a[1], a[2]);
		else if (!strcmp(n, "landlock")) {     /* its ABI version (0: none) */
			long v = syscall(444 /* landlock_create_ruleset */, NULL, 0, 1 /* VERSION */);
			snprintf(bound, sizeof(bound), "%ld", v < 0 ? 0 : v);
			e = 0;
		} else if (!strcmp(n, "abind"))
			e = p_abind(a[0], atoi(a[1]));
		else if (!strcmp(n, "aconnect"))
			e = p_aconnect(a[0]);
		else if (!strcmp(n, "asend"))
			e = p_asend(a[0]);
		else if (!strcmp(n, "raw"))
			e = p_socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
		else if (!strcmp(n, "raw6"))
			e = p_socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6);
		else if (!strcmp(n, "packet"))
			e = p_socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
		else if (!strcmp(n, "ping"))
			e = p_socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
		else if (!strcmp(n, "leakedfds"))
			e = p_leakedfds();
		else if (!strcmp(n, "forkbomb"))
			e = p_forkbomb(atoi(a[0]));
		else if (!strcmp(n, "hog"))
			e = p_hog(atol(a[0]));
		else
			e = -1;
		printf("%s=%s\n", n, e < 0 ? "UNKNOWN" : !e && bound[0] ? bound : ename(e));
		bound[0] = 0;
	}
	return 0;
}
