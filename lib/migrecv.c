/* migrecv.c - the target's half of a copy or move: "vserver NAME recv".
 *
 * The source runs this over ssh (or on this host) and talks to it through
 * its stdin and stdout (lib/mchan.c); what the session and the guests it
 * starts print goes to stderr, which ssh carries back. It holds
 * $VSBOX_RUNDIR/guests/NAME.migrate for its whole life, so two copies to
 * one name never mix, and it undoes everything it made (the guest it
 * started, the files, the root) unless the source says "commit": a session
 * cut off (the source died, ssh dropped) leaves nothing here.
 *
 * Requests, in the order the source sends them:
 *   file conf|sh|fstab SIZE    NAME.conf, NAME.sh, NAME.fstab (SIZE bytes follow)
 *   check BYTES INODES NEWCTX SRC  the pre-flight (SRC: the guest a move on
 *                              this host comes from, else -); on success the root is made
 *                              (lib/quota.c: a subvolume, or a directory
 *                              with a fresh project id, as build makes it)
 *                              and the answer is "ok ROOT" for rsync
 *   flags N                    N lines "HEXFLAGS PATH" (lib/mtree.c) to set
 *   install                    the settings files, S_CONTEXT emptied with NEWCTX
 *   start                      vserver NAME start
 *   probe tcp ADDR PORT SECS | probe url URL SECS
 *   commit                     keep it all; the session ends
 * Each is answered "ok [...]" or "error MESSAGE" (one line, said as is).
 */
#include "vsbox.h"
#include <arpa/inet.h>
#include <dirent.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/statvfs.h>

enum { F_CONF, F_SH, F_FSTAB, NFILE };
static const char *const fsuffix[NFILE] = { ".conf", ".sh", ".fstab" };

static struct {
	const char *name;
	struct mchan ch;
	char *file[NFILE];
	size_t flen[NFILE];
	bool installed[NFILE];
	bool newctx, root_made, started, committed;
	struct mtree flags;             /* those set, cleared before removal */
	char root[PATH_MAX], lock[PATH_MAX];
} S BIG;

static void fpath(int k, char *buf, size_t n)
{
	xsnprintf(buf, n, "%s/%s%s", confdir(), S.name, fsuffix[k]);
}

static int child_cmd(bool start)
{
	int fds[2] = { S.ch.in, S.ch.out };
	return guest_fork_cmd(S.name, start, !start, fds, 2);
}

/* everything not committed goes, the newest first */
static void rollback(void)
{
	char path[PATH_MAX];

	if (S.committed)
		return;
	if (S.started)
		child_cmd(false);
	for (int k = 0; k < NFILE; k++)
		if (S.installed[k]) {
			fpath(k, path, sizeof(path));
			unlink(path);
		}
	if (S.root_made) {
		int parent = open(rootdir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		int fd = parent < 0 ? -1 : openat(parent, S.name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		/* immutable files could not be removed */
		for (int i = 0; fd >= 0 && i < S.flags.nflag; i++)
			mtree_setflags(fd, S.flags.flag[i].path, S.flags.flag[i].flags, false);
		if (fd >= 0)
			close(fd);
		if (parent >= 0 && quota_rmroot(parent, S.name))
			warn_errno("can't remove %s", S.root);
		if (parent >= 0)
			close(parent);
	}
}

static void reply(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void reply(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	for (char *p = buf; *p; p++)
		if (*p == '\n')
			*p = ' ';
	strcat(buf, "\n");
	if (mchan_write(&S.ch, buf, strlen(buf)))
		S.ch.in = -1;           /* the source is gone: end */
}

/* ---- the pre-flight ------------------------------------------------------ */
/* another guest here with S_CONTEXT xid (its settings, or a live record)? */
static bool xid_taken(long xid, char *who, size_t n)
{
	struct ctx c;
	DIR *d;
	struct dirent *e;

	if (!ctx_load(xid, &c)) {
		snprintf(who, n, "%s", c.name[0] ? c.name : "a running context");
		return true;
	}
	if (!(d = opendir(confdir())))
		return false;
	while ((e = readdir(d))) {
		char path[PATH_MAX], v[32];
		size_t l = strlen(e->d_name);
		if (l < 6 || strcmp(e->d_name + l - 5, ".conf"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", confdir(), e->d_name);
		if (conf_get(path, "S_CONTEXT", v, sizeof(v)) && strtol(v, NULL, 10) == xid) {
			snprintf(who, n, "%.*s", (int)(l - 5), e->d_name);
			closedir(d);
			return true;
		}
	}
	closedir(d);
	return false;
}

static bool have_ctrl(unsigned bit)
{
	const struct cg_hier *h;
	int n = cg_hiers(&h);

	for (int i = 0; i < n; i++)
		if (h[i].ctrl & bit)
			return true;
	return false;
}

/* the reason the guest can't come here, or NULL */
static const char *preflight(unsigned long long bytes, unsigned long long inodes, const char *local,
			     char *why, size_t n)
{
	char path[PATH_MAX], err[512];
	struct vconf vc;
	struct statvfs sv;

	if (!S.file[F_CONF])
		return "no NAME.conf was sent";
	fpath(F_CONF, path, sizeof(path));
	/* the settings must mean the same here: a key this vsbox does not
	 * know is a version it is not compatible with */
	if (conf_parse(path, S.file[F_CONF], &vc, err, sizeof(err)))
		return snprintf(why, n, "its settings are not valid here: %s", err), why;
	if (!access(path, F_OK))
		return snprintf(why, n, "a guest %s exists here already (%.600s)", S.name, path), why;
	if (!access(S.root, F_OK))
		return snprintf(why, n, "%.700s exists here already", S.root), why;
	/* (a move on this host, from the guest local: its addresses and
	 * context are its own, and free once it stops) */
	for (int i = 0; i < vc.nip && !*local; i++) {
		char ip[64];
		inet_ntop(vc.ip[i].family, vc.ip[i].a, ip, sizeof(ip));
		if (nl_addr_exists(vc.ip[i].family, vc.ip[i].a) > 0)
			return snprintf(why, n, "its address %s is in use here", ip), why;
	}
	if (vc.xid && !S.newctx && xid_taken(vc.xid, err, sizeof(err)) && strcmp(err, local))
		return snprintf(why, n, "its context %ld (S_CONTEXT) is taken here by %s (--new-context: another)",
				vc.xid, err), why;
	/* the kernel features its settings need */
	if (vc.nip) {
		const char *m = cg_v2() ? bpfnet_missing() : "no cgroup2 hierarchy";
		if (m)
			return snprintf(why, n, "IPROOT can't be enforced here: %s", m), why;
	}
	if (vc.net != NET_SHARED) {
		const char *m = netns_missing(&vc, err, sizeof(err));
		if (m)
			return snprintf(why, n, "NET=private can't be set up here: %s", m), why;
	}
	if (vc.memory && !have_ctrl(CG_MEMORY))
		return "S_MEMORY needs the memory cgroup controller, which this host lacks";
	if ((vc.cpu_weight || vc.cpu_max) && !have_ctrl(CG_CPU))
		return "S_CPU needs the cpu cgroup controller, which this host lacks";
	if (vc.cpuset[0] && !have_ctrl(CG_CPUSET) && !(cg_v2_ctrls() & CG_CPUSET))
		return "S_CPUSET needs the cpuset cgroup controller, which this host lacks";
	xmkdir_p(rootdir(), 0755);
	if (vc.disk_limit || vc.inode_limit) {
		struct dquota q;
		if (quota_read(rootdir(), &q) || q.kind == QK_NONE || !q.acct)
			return snprintf(why, n, "DISK_LIMIT/INODE_LIMIT need project quotas (ext4, XFS) or btrfs quotas "
					"under %s, which is %s without them", rootdir(), q.fs), why;
		if (vc.inode_limit && q.kind == QK_BTRFS)
			return snprintf(why, n, "INODE_LIMIT needs project quotas; %s is btrfs", rootdir()), why;
	}
	/* room for it, with 5 % to spare (directories grow differently) */
	if (!statvfs(rootdir(), &sv)) {
		unsigned long long fb = (unsigned long long)sv.f_bavail * sv.f_frsize;
		if (fb < bytes + bytes / 20)
			return snprintf(why, n, "not enough disk space in %s: %llu MiB needed, %llu MiB free",
					rootdir(), (bytes + bytes / 20) >> 20, fb >> 20), why;
		if (sv.f_files && sv.f_favail < inodes + inodes / 20)
			return snprintf(why, n, "not enough inodes in %s: %llu needed, %llu free",
					rootdir(), inodes + inodes / 20, (unsigned long long)sv.f_favail), why;
	}
	return NULL;
}

static void check(char *args)
{
	unsigned long long bytes, inodes;
	long long newctx;
	int parent;
	char why[768], local[64] = "", *w[5];
	const char *e;

	if (split_words(args, w, 5) != 4 || !scan_ull(w[0], 10, &bytes) || !scan_ull(w[1], 10, &inodes) ||
	    !scan_ll(w[2], 0, 1, &newctx) || strlen(w[3]) >= sizeof(local) || S.root_made)
		return reply("error bad check request");
	strcpy(local, w[3]);
	S.newctx = newctx;
	if (!strcmp(local, "-") || !guest_name_ok(local))
		local[0] = 0;
	if ((e = preflight(bytes, inodes, local, why, sizeof(why))))
		return reply("error %s", e);
	/* the root as build makes it, so DISK_LIMIT works here as there;
	 * rsync's files take its project id by inheritance */
	parent = xopenat(AT_FDCWD, rootdir(), O_RDONLY | O_DIRECTORY, 0);
	if (quota_mkroot(parent, S.name)) {
		int err = errno;
		close(parent);
		return reply("error can't create %s: %s", S.root, strerror(err));
	}
	close(parent);
	S.root_made = true;
	reply("ok %s", S.root);
}

/* ---- the rest ------------------------------------------------------------ */
static void flags(char *args)
{
	char line[PATH_MAX * 3 + 32], rel[PATH_MAX];
	int n = atoi(args), rootfd, bad = 0;
	unsigned fl;

	rootfd = S.root_made ? open(S.root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
	for (int i = 0; i < n; i++) {
		if (mchan_getline(&S.ch, line, sizeof(line))) {
			S.ch.in = -1;
			break;
		}
		char *p = strchr(line, ' ');
		unsigned long long v;
		if (p)
			*p = 0;
		if (!p || !scan_ull(line, 16, &v) || v > UINT_MAX || mtree_unescape(p + 1, rel, sizeof(rel))) {
			bad++;
			continue;
		}
		fl = (unsigned)v;
		if (rootfd < 0 || mtree_setflags(rootfd, rel, fl, true)) {
			if (!bad++)
				warn_errno("%s: can't set the flags of %s", S.name, rel);
			continue;
		}
		if (S.flags.nflag == S.flags.capflag) {
			S.flags.capflag = S.flags.capflag ? 2 * S.flags.capflag : 16;
			S.flags.flag = xrealloc(S.flags.flag, S.flags.capflag * sizeof(*S.flags.flag));
		}
		S.flags.flag[S.flags.nflag].flags = fl;
		S.flags.flag[S.flags.nflag++].path = xstrdup(rel);
	}
	if (rootfd >= 0)
		close(rootfd);
	if (bad)
		reply("error %d of %d files did not get their immutable/append-only flags", bad, n);
	else
		reply("ok");
}

static void install(void)
{
	char path[PATH_MAX];

	for (int k = 0; k < NFILE; k++) {
		if (!S.file[k])
			continue;
		fpath(k, path, sizeof(path));
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, k == F_SH ? 0755 : 0644);
		if (fd < 0)
			return reply("error can't create %s: %s", path, strerror(errno));
		S.installed[k] = true;
		if (write(fd, S.file[k], S.flen[k]) != (ssize_t)S.flen[k]) {
			close(fd);
			return reply("error can't write %s", path);
		}
		close(fd);
	}
	if (S.newctx) {
		fpath(F_CONF, path, sizeof(path));
		conf_set(path, "S_CONTEXT", "");
	}
	reply("ok");
}

/* a TCP connection to host:port (lib/resolv.c: each of its addresses in
 * turn, 2 s each), or an HTTP GET answered 2xx or 3xx */
static bool probe_once(const char *host, int port, const char *get)
{
	char buf[64] = "", req[1024];
	struct pollfd p = { tcp_connect(host, port, 2), POLLIN, 0 };
	bool ok = p.fd >= 0 && !get;

	if (p.fd >= 0 && get) {
		snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n", get, host);
		if (write_nosigpipe(p.fd, req, strlen(req)) > 0 && poll(&p, 1, 2000) == 1 &&
		    read(p.fd, buf, sizeof(buf) - 1) > 12)
			ok = !strncmp(buf, "HTTP/1.", 7) && (buf[9] == '2' || buf[9] == '3');
	}
	if (p.fd >= 0)
		close(p.fd);
	return ok;
}

static void probe(char *args)
{
	char host[256], port[16] = "80", *get = NULL, *w[5], *a = "";
	long long secs = 0, pn;
	uint64_t end;
	int n = split_words(args, w, 5);

	if (n == 4 && !strcmp(w[0], "tcp") && scan_ll(w[3], 0, INT_MAX, &secs)) {
		a = w[1];
		snprintf(host, sizeof(host), "%.255s", a);
		snprintf(port, sizeof(port), "%.15s", w[2]);
	} else if (n == 3 && !strcmp(w[0], "url") && scan_ll(w[2], 0, INT_MAX, &secs) &&
		   !strncmp(w[1], "http://", 7)) {
		a = w[1];
		/* http://HOST[:PORT][/PATH]; HOST may be [IPv6] */
		char *h = a + 7, *path = strchr(h, '/'), *colon;
		static char slash[] = "/";
		get = path ? xstrdup(path) : slash;
		if (path)
			*path = 0;
		if (*h == '[' && (colon = strchr(h, ']'))) {
			*colon++ = 0;
			h++;
		} else {
			colon = strrchr(h, ':');
		}
		if (colon && *colon == ':') {
			*colon = 0;
			snprintf(port, sizeof(port), "%.15s", colon + 1);
		}
		snprintf(host, sizeof(host), "%.255s", h);
	} else {
		return reply("error bad probe request");
	}
	if (!scan_ll(port, 1, 65535, &pn))
		return reply("error bad port '%s'", port);
	end = mono_ns() + (uint64_t)secs * 1000000000u;
	do {
		if (probe_once(host, (int)pn, get))
			return reply("ok");
		usleep(100000);
	} while (mono_ns() < end);
	if (get)
		reply("error %s did not answer 2xx or 3xx within %lld s", a, secs);
	else
		reply("error nothing accepted a connection to %s port %s within %lld s", host, port, secs);
}

static void file(char *args)
{
	char kind[8], *w[3];
	unsigned long long size;
	int k;

	if (split_words(args, w, 3) != 2 || strlen(w[0]) >= sizeof(kind) || !scan_ull(w[1], 10, &size) ||
	    size > (1 << 20)) {
		S.ch.in = -1;
		return;
	}
	strcpy(kind, w[0]);
	for (k = 0; k < NFILE; k++)
		if (!strcmp(kind, fsuffix[k] + 1))
			break;
	char *buf = xmalloc(size + 1);
	if (mchan_read(&S.ch, buf, size)) {
		S.ch.in = -1;
		return;
	}
	buf[size] = 0;
	if (k == NFILE)
		return free(buf), reply("error unknown file kind '%s'", kind);
	free(S.file[k]);
	S.file[k] = buf;
	S.flen[k] = size;
	reply("ok");
}

int guest_recv(const char *name, char **args)
{
	char line[1024];
	int lockfd, in, out, devnull;

	if (*args)
		usage_die("recv takes no arguments");
	if (geteuid() != 0)
		die("receiving a guest needs root");
	S.name = name;
	xsnprintf(S.root, sizeof(S.root), "%s/%s", rootdir(), name);
	/* the channel is our stdin and stdout; whatever else prints (guest
	 * starts, warnings) goes to stderr, and no child gets the channel */
	in = fcntl(0, F_DUPFD_CLOEXEC, 3);
	out = fcntl(1, F_DUPFD_CLOEXEC, 3);
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (in < 0 || out < 0 || devnull < 0 || dup2(devnull, 0) < 0 || dup2(2, 1) < 0)
		die_errno("can't set up the channel");
	close(devnull);
	mchan_init(&S.ch, in, out);
	/* the lock of a copy or move to this name, for the whole session */
	xsnprintf(S.lock, sizeof(S.lock), "%s/guests", rundir());
	xmkdir_p(S.lock, 0755);
	xsnprintf(S.lock, sizeof(S.lock), "%s/guests/%s.migrate", rundir(), name);
	lockfd = xopenat(AT_FDCWD, S.lock, O_RDWR | O_CREAT | O_NOFOLLOW, 0600);
	if (flock(lockfd, LOCK_EX | LOCK_NB)) {
		reply("error a copy or move to %s is going on here already", name);
		return 1;
	}
	reply("vsbox-recv %d %s", MIGRATE_PROTO, VSBOX_VERSION);
	while (S.ch.in >= 0 && !S.committed && !mchan_getline(&S.ch, line, sizeof(line))) {
		char *args = strchr(line, ' ');
		args = args ? args + 1 : line + strlen(line);
		if (!strncmp(line, "file ", 5))
			file(args);
		else if (!strncmp(line, "check ", 6))
			check(args);
		else if (!strncmp(line, "flags ", 6))
			flags(args);
		else if (!strcmp(line, "install"))
			install();
		else if (!strcmp(line, "start")) {
			int code = child_cmd(true);
			S.started = !code;
			if (code)
				reply("error the start failed (exit %d)", code);
			else
				reply("ok");
		} else if (!strncmp(line, "probe ", 6))
			probe(args);
		else if (!strcmp(line, "commit")) {
			S.committed = true;
			reply("ok");
		} else if (!strcmp(line, "abort"))
			break;
		else
			reply("error unknown request '%.40s'", line);
	}
	rollback();
	unlink(S.lock);
	close(lockfd);
	return S.committed ? 0 : 1;
}
