/* net.c - address lists for the IP lock: parsing, devices, probing, and
 * chbind's command line and cgroups (shared with chcontext).
 *
 * Kernel interfaces: an RTM_GETADDR dump (lib/netlink.c) for a device's addresses, a test
 * bind(2) per address to learn whether the locks this process is already in
 * allow it (that is how nesting can only narrow: the kernel is asked, no
 * record is trusted), flock(2) on chbind's cgroup directories.
 */
#include "vsbox.h"
#include <arpa/inet.h>
#include <dirent.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>

int netaddr_parse(const char *s, struct netaddr *out)
{
	char buf[64], *slash, *end;
	long pfx = -1;

	if (strlen(s) >= sizeof(buf))
		return -1;
	memset(out, 0, sizeof(*out));
	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash) {
		*slash++ = 0;
		errno = 0;
		pfx = strtol(slash, &end, 10);
		if (*slash < '0' || *slash > '9' || *end || errno)
			return -1;
	}
	if (inet_pton(AF_INET, buf, out->a) == 1)
		out->family = AF_INET;
	else if (inet_pton(AF_INET6, buf, out->a) == 1)
		out->family = AF_INET6;
	else
		return -1;
	if (pfx > (out->family == AF_INET ? 32 : 128))
		return -1;
	out->prefix = (int)pfx;
	return 0;
}

const char *netaddr_str(const struct netaddr *x, char *buf, size_t n)
{
	if (!inet_ntop(x->family, x->a, buf, (socklen_t)n))
		snprintf(buf, n, "?");
	return buf;
}

bool netaddr_eq(const struct netaddr *x, const struct netaddr *y)
{
	return x->family == y->family &&
	       !memcmp(x->a, y->a, x->family == AF_INET ? 4 : 16);
}

bool netaddrs_has(const struct netaddrs *l, const struct netaddr *x)
{
	for (int i = 0; i < l->n; i++)
		if (netaddr_eq(&l->a[i], x))
			return true;
	return false;
}

const struct netaddr *netaddrs_first(const struct netaddrs *l, int family)
{
	for (int i = 0; i < l->n; i++)
		if (l->a[i].family == family)
			return &l->a[i];
	return NULL;
}

/* an address a lock can hand out: not the wildcard, multicast, or an IPv6
 * spelling of an IPv4 address (give that as IPv4) */
static const char *unusable(const struct netaddr *x)
{
	static const unsigned char zero[16], mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (!memcmp(x->a, zero, x->family == AF_INET ? 4 : 16))
		return "the wildcard address is no address of its own";
	if (x->family == AF_INET ? (x->a[0] & 0xf0) == 0xe0 || x->a[0] == 255 : x->a[0] == 0xff)
		return "a multicast or broadcast address can't be bound";
	if (x->family == AF_INET6 && !memcmp(x->a, mapped, 12))
		return "give an IPv4-mapped address as IPv4";
	return NULL;
}

static void add_one(struct netaddrs *l, const struct netaddr *x, const char *what)
{
	if (netaddrs_has(l, x))
		return;
	if (l->n == NA_MAX)
		usage_die("%s: more than %d addresses", what, NA_MAX);
	l->a[l->n++] = *x;
}

struct dev_found {
	struct netaddrs *l;
	const char *what;
	int n;
};

static void dev_addr(int family, const unsigned char *a, void *arg)
{
	struct dev_found *f = arg;
	struct netaddr x;

	memset(&x, 0, sizeof(x));
	x.family = family;
	x.prefix = -1;
	memcpy(x.a, a, family == AF_INET ? 4 : 16);
	/* link-local addresses need a scope the hooks never see; private
	 * loopbacks are other trees' (lo) */
	if (family == AF_INET6 && ((x.a[0] == 0xfe && (x.a[1] & 0xc0) == 0x80) || lback6_is_private(x.a)))
		return;
	add_one(f->l, &x, f->what);
	f->n++;
}

void netaddrs_add(struct netaddrs *l, const char *arg, const char *what)
{
	struct dev_found f = { l, what, 0 };
	struct netaddr x;
	const char *why;

	if (!netaddr_parse(arg, &x)) {
		if ((why = unusable(&x)))
			usage_die("%s %s: %s", what, arg, why);
		add_one(l, &x, what);
		return;
	}
	/* not an address: a device, standing for the addresses it has now */
	if (!*arg || strlen(arg) >= IFNAMSIZ || strchr(arg, '/') || !if_nametoindex(arg))
		usage_die("%s '%s': neither an IPv4/IPv6 address nor a network device", what, arg);
	if (nl_dev_addrs(arg, dev_addr, &f))
		die_errno("can't list the addresses of %s", arg);
	if (!f.n)
		usage_die("%s %s: the device has no usable address", what, arg);
}

void netaddrs_lback(struct netaddrs *l, const char *arg, const char *what)
{
	struct netaddr x;
	const char *why;

	if (netaddr_parse(arg, &x) || x.prefix >= 0)
		usage_die("%s '%s': not an IPv4 or IPv6 address", what, arg);
	if ((why = unusable(&x)))
		usage_die("%s %s: %s", what, arg, why);
	*(x.family == AF_INET ? &l->lb4 : &l->lb6) = x;
}

void netaddrs_finish(struct netaddrs *l)
{
	struct netaddr *lb[2] = { &l->lb4, &l->lb6 };
	char buf[64];

	if (!l->n)
		usage_die("no address: give at least one --ip");
	/* the loopback stand-in is one of the tree's addresses: bind(127.0.0.1)
	 * and connect(127.0.0.1) are rewritten to it */
	for (int k = 0; k < 2; k++) {
		const struct netaddr *first = netaddrs_first(l, k ? AF_INET6 : AF_INET);
		if (!lb[k]->family) {
			if (first)
				*lb[k] = *first;
			continue;
		}
		if (!first)
			usage_die("--lback %s: no --ip address of its family",
				  netaddr_str(lb[k], buf, sizeof(buf)));
		add_one(l, lb[k], "--lback");
	}
}

/* one test bind of x, IP_FREEBIND or not: 0 or the errno */
static int probe_bind(const struct netaddr *x, bool freebind)
{
	struct sockaddr_storage ss = { 0 }, got = { 0 };
	socklen_t len = x->family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	int fd, err = 0, one = 1;

	ss.ss_family = (sa_family_t)x->family;
	if (x->family == AF_INET)
		memcpy(&((struct sockaddr_in *)&ss)->sin_addr, x->a, 4);
	else
		memcpy(&((struct sockaddr_in6 *)&ss)->sin6_addr, x->a, 16);
	fd = socket(x->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	if (freebind)
		setsockopt(fd, x->family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6,
			   x->family == AF_INET ? IP_FREEBIND : IPV6_FREEBIND, &one, sizeof(one));
	/* a lock refuses it or rewrites it (our own loopback remap): either
	 * way it is not among the addresses this process may use */
	if (bind(fd, (struct sockaddr *)&ss, len))
		err = errno;
	else if (getsockname(fd, (struct sockaddr *)&got, &len))
		err = errno;
	else if (x->family == AF_INET ? memcmp(&((struct sockaddr_in *)&got)->sin_addr, x->a, 4)
				      : memcmp(&((struct sockaddr_in6 *)&got)->sin6_addr, x->a, 16))
		err = EPERM;
	close(fd);
	return err;
}

int netaddr_probe(const struct netaddr *x)
{
	int err = probe_bind(x, false);

	/* a lock refuses with EADDRNOTAVAIL too (EPERM before Linux 5.18),
	 * before the kernel looks at the address, and IP_FREEBIND makes the
	 * kernel not look: still refused means a lock */
	if (err == EADDRNOTAVAIL && probe_bind(x, true) == EADDRNOTAVAIL)
		err = EPERM;
	return err;
}

/* ---- chbind's command line ------------------------------------------------ */
static const struct option netlock_opts[] = {
	{ "ip", required_argument, NULL, 'i' },
	{ "lback", required_argument, NULL, 'l' },
	{ "no-v4mapped", no_argument, NULL, 'M' },
	{ "no-ingress", no_argument, NULL, 'I' },
	{ "keep-raw", no_argument, NULL, 'r' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 }
};

int netlock_args(int argc, char **argv, struct netlock *nl, const struct usage *usage)
{
	const char *lb[2] = { NULL, NULL };
	char buf[64];
	int c;

	memset(nl, 0, sizeof(*nl));
	optind = 0;     /* chcontext parses its own options first: start over */
	while ((c = opt_next(argc, argv, "i:h", netlock_opts, usage)) != -1) {
		switch (c) {
		case 'i': netaddrs_add(&nl->addrs, optarg, "--ip"); break;
		case 'l': {
			struct netaddr x;
			if (netaddr_parse(optarg, &x))
				usage_die("--lback '%s': not an IPv4 or IPv6 address", optarg);
			lb[x.family == AF_INET6] = optarg;
			nl->lb6_given |= x.family == AF_INET6;
			break;
		}
		case 'M': nl->opts |= BN_NO_V4MAPPED; break;
		case 'I': nl->opts |= BN_NO_INGRESS; break;
		case 'r': nl->keep_raw = true; nl->opts |= BN_KEEP_RAW; break;
		}
	}
	for (int k = 0; k < 2; k++)
		if (lb[k])
			netaddrs_lback(&nl->addrs, lb[k], "--lback");
	netaddrs_finish(&nl->addrs);
	if (optind >= argc)
		usage_die("no command given");
	/* every address must be bindable as itself from here: assigned on this
	 * host and, inside a locked tree, one of the tree's own */
	for (int i = 0; i < nl->addrs.n; i++) {
		int e = netaddr_probe(&nl->addrs.a[i]);
		netaddr_str(&nl->addrs.a[i], buf, sizeof(buf));
		if (e == EPERM || e == EACCES)
			die("address %s: not one of this tree's addresses (a nested lock can only narrow)", buf);
		if (e == EADDRNOTAVAIL)
			die("address %s: not assigned to any interface here", buf);
		if (e == EAFNOSUPPORT)
			die("address %s: the kernel has no support for its family", buf);
		if (e && e != EADDRINUSE)
			die("address %s: can't bind it: %s", buf, strerror(e));
	}
	return optind;
}

char **netlock_from_argv(char **argv, struct netlock *nl)
{
	int off = netlock_is_chbind(argv), argc = 0;

	if (off < 0)
		return NULL;
	argv += off;
	while (argv[argc])
		argc++;
	return argv + netlock_args(argc, argv, nl, NULL);
}

void netlock_apply(const char *cgdir, const struct netlock *nl)
{
	int fd = xopenat(AT_FDCWD, cgdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);

	bpfnet_lock(fd, &nl->addrs, nl->opts);
	close(fd);
	/* what runs in cgdir is forked from us next: no socket of ours with it */
	netlock_close_sockets();
}

int netlock_is_chbind(char **argv)
{
	const char *n = argv[0] ? strrchr(argv[0], '/') : NULL;

	if (!argv[0])
		return -1;
	n = n ? n + 1 : argv[0];
	if (!strcmp(n, "chbind"))
		return 0;
	if (!strcmp(n, "vsbox") && argv[1] && !strcmp(argv[1], "chbind"))
		return 1;
	return -1;
}

void netlock_close_sockets(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	if (!d)
		die_errno("can't list /proc/self/fd");
	while ((e = readdir(d))) {
		int fd = atoi(e->d_name), dom;
		socklen_t len = sizeof(dom);
		struct stat st;
		if (fd < 3 || fd == dirfd(d) || fstat(fd, &st) || !S_ISSOCK(st.st_mode))
			continue;
		/* sockets made outside belong to the outside cgroup */
		if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &dom, &len) ||
		    dom == AF_INET || dom == AF_INET6 || dom == AF_PACKET)
			close(fd);
	}
	closedir(d);
}

/* ---- chbind's cgroups ------------------------------------------------------ */
/* remove every empty directory below dirfd, deepest first (a cgroup that
 * still has processes refuses: EBUSY) */
static void rm_subdirs(int dirfd)
{
	DIR *d;
	struct dirent *e;
	int fd = dup(dirfd);

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((e = readdir(d))) {
		if (e->d_type != DT_DIR || !strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		int sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (sub >= 0) {
			rm_subdirs(sub);
			close(sub);
		}
		unlinkat(dirfd, e->d_name, AT_REMOVEDIR);
	}
	closedir(d);
}

/* exclusive flock on the base directory: a sweep must not remove a
 * directory another chbind has just made and not yet locked */
static int lock_base(const char *base)
{
	int fd;

	xmkdir_p(base, 0755);
	fd = xopenat(AT_FDCWD, base, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	while (flock(fd, LOCK_EX))
		if (errno != EINTR)
			die_errno("can't lock %s", base);
	return fd;
}

int netlock_mkcg(char *path, size_t n)
{
	const struct cg_hier *v2 = cg_v2();
	int base, fd;

	if (!v2)
		die("no cgroup2 hierarchy is mounted (the IP lock needs cgroup v2)");
	base = lock_base(v2->base);
	xsnprintf(path, n, "%s/chbind-%d", v2->base, (int)getpid());
	/* a directory of that name was left by an earlier chbind with our
	 * pid whose tree has ended: take it over if it is empty */
	if (mkdir(path, 0755) && (errno != EEXIST || (netlock_rmcg(path), mkdir(path, 0755))))
		die_errno("can't create cgroup %s", path);
	fd = xopenat(AT_FDCWD, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (flock(fd, LOCK_EX | LOCK_NB))
		die_errno("can't lock %s", path);
	close(base);
	return fd;
}

bool netlock_rmcg(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW), r;
	unsigned char a6[16];
	bool have;

	if (fd < 0)
		return errno == ENOENT;
	lback6_tree_read(fd, a6, &have);
	rm_subdirs(fd);
	close(fd);
	/* the last task may still be on its way out */
	for (int i = 0; (r = rmdir(path)) && errno == EBUSY && i < 100; i++)
		usleep(i < 20 ? 500 : 5000);
	if (r && errno != ENOENT)
		return false;
	/* the tree has ended: its private IPv6 loopback goes with it */
	if (have)
		lback6_tree_drop(a6);
	return true;
}

void netlock_watch(int cgfd, const char *path)
{
	char ev[CG_PATH + 48], buf[256];
	pid_t pid;
	int fd;

	fflush(NULL);
	if ((pid = fork()))
		return;         /* (no fork: the next chbind's sweep does it) */
	/* detached: no terminal, no caller's pipe, default signals; the
	 * cgroup's descriptor (and so its flock) is all it keeps */
	setsid();
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	if (dup2(cgfd, 3) < 0)
		_exit(1);
	close_range_from(4);
	if ((fd = open("/dev/null", O_RDWR)) >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	xsnprintf(ev, sizeof(ev), "%s/cgroup.events", path);
	if ((fd = open(ev, O_RDONLY | O_CLOEXEC)) < 0)
		_exit(1);
	/* cgroup.events signals every change of "populated" (POLLPRI) */
	for (;;) {
		ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
		if (n < 0)
			_exit(1);
		buf[n] = 0;
		if (strstr(buf, "populated 0"))
			break;
		poll(&(struct pollfd){ fd, POLLPRI, 0 }, 1, -1);
	}
	_exit(netlock_rmcg(path) ? 0 : 1);
}

void netlock_gc(void)
{
	const struct cg_hier *v2 = cg_v2();
	struct dirent *e;
	DIR *d;

	int base;

	if (!v2 || !(d = opendir(v2->base)))
		return;
	base = lock_base(v2->base);
	/* a chbind that still waits for its command holds a flock on its
	 * directory; one nobody holds is left from a tree whose last process
	 * has gone (or is still running daemons: then rmdir says EBUSY) */
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "chbind-", 7))
			continue;
		int fd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			continue;
		if (!flock(fd, LOCK_EX | LOCK_NB)) {
			unsigned char a6[16];
			bool have;
			lback6_tree_read(fd, a6, &have);
			rm_subdirs(fd);
			if (!unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR) && have)
				lback6_tree_drop(a6);
		}
		close(fd);
	}
	close(base);
	closedir(d);
}
