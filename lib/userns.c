/* userns.c - user namespaces: a guest's id range, the maps, the idmapped
 * root, becoming root inside.
 *
 * A USERNS=yes guest's root is an ordinary host id, USERNS_BASE, and its
 * ids 0..USERNS_SIZE-1 are the host's BASE..BASE+SIZE-1. Its files stay
 * owned by plain 0..SIZE-1 on disk (templates, unification and backups
 * see an ordinary guest tree) and are shown to it through an idmapped
 * mount of its root, so a start costs the same whatever the file count.
 *
 * The range is chosen once, from a pool ($VSBOX_CONFDIR/.defaults/userns:
 * USERNS_BASE, the pool's first id, and USERNS_SIZE, a guest's range),
 * avoiding every other guest's range and the ranges /etc/subuid and
 * /etc/subgid give to users, and written into NAME.conf: it stays the
 * same across restarts, and moves with the guest's configuration.
 *
 * The order of a start (lib/context.c):
 *   H  clone3(NEWUSER|NEWPID|NEWNS|...): the new namespaces belong to the
 *      guest's user namespace; the child has every capability there and
 *      is still host uid 0 (unmapped inside), which lets it join its v1
 *      cgroups and, as its init, clean them up at the end
 *   H  write uid_map and gid_map ("0 BASE SIZE"; setgroups stays allowed:
 *      a guest's login and daemons need it), make the idmapped copy of
 *      the root (open_tree + mount_setattr(MOUNT_ATTR_IDMAP), which needs
 *      host privilege) and hand it to the child over a socketpair
 *   I  a helper, root inside (host uid BASE), moves the tree over the
 *      guest root and makes the guest's mounts (lib/groot.c); CMD becomes
 *      root inside before exec
 */
#include "vsbox.h"
#include <dirent.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <linux/mount.h>

#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif

/* ---- id ranges --------------------------------------------------------- */
struct idrange { unsigned long long lo, hi; };   /* [lo, hi) */

static unsigned num(const char *s, unsigned long long max, unsigned dflt)
{
	char *end;
	unsigned long long v;

	if (!s || !*s)
		return dflt;
	errno = 0;
	v = strtoull(s, &end, 10);
	return *end || errno || v > max ? dflt : (unsigned)v;
}

/* the pool: .defaults/userns, else the range systemd leaves to containers */
static void pool(unsigned *base, unsigned *size)
{
	char path[PATH_MAX], v[32];

	xsnprintf(path, sizeof(path), "%s/.defaults/userns", confdir());
	*base = num(conf_get(path, "USERNS_BASE", v, sizeof(v)) ? v : NULL, USERNS_LAST, 524288);
	*size = num(conf_get(path, "USERNS_SIZE", v, sizeof(v)) ? v : NULL, USERNS_LAST, 65536);
	if (*base < USERNS_MIN || !*size)
		die("%s: USERNS_BASE must be at least %u and USERNS_SIZE at least 1", path, USERNS_MIN);
}

/* "user:first:count" lines of a subordinate id file (missing: none) */
static int subids(const char *var, const char *dflt, struct idrange *r, int n, int max)
{
	const char *path = getenv(var) && *getenv(var) ? getenv(var) : dflt;
	static char buf[65536] BIG;
	char *save, *line;

	if (read_file(path, buf, sizeof(buf)) < 0)
		return n;
	for (line = strtok_r(buf, "\n", &save); line && n < max; line = strtok_r(NULL, "\n", &save)) {
		char *a = strchr(line, ':'), *b = a ? strchr(a + 1, ':') : NULL;
		if (*line == '#' || !b)
			continue;
		*b = 0;
		unsigned long long lo = strtoull(a + 1, NULL, 10), cnt = strtoull(b + 1, NULL, 10);
		if (cnt)
			r[n++] = (struct idrange){ lo, lo + cnt };
	}
	return n;
}

/* every range taken: the other guests' (with whose name), subordinate ids */
#define MAXR 4096
static int taken(const char *self, unsigned dsize, struct idrange *r, char (*who)[64])
{
	DIR *d = opendir(confdir());
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)) && n < MAXR) {
		size_t l = strlen(e->d_name);
		char path[PATH_MAX], v[32], name[64];
		if (e->d_name[0] == '.' || l < 6 || l - 5 >= sizeof(name) || strcmp(e->d_name + l - 5, ".conf"))
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(l - 5), e->d_name);
		if (!strcmp(name, self))
			continue;
		snprintf(path, sizeof(path), "%s/%s", confdir(), e->d_name);
		unsigned b = conf_get(path, "USERNS_BASE", v, sizeof(v)) ? num(v, USERNS_LAST, 0) : 0;
		if (!b)
			continue;
		unsigned s = conf_get(path, "USERNS_SIZE", v, sizeof(v)) ? num(v, USERNS_LAST, dsize) : dsize;
		snprintf(who[n], 64, "guest %.50s", name);
		r[n++] = (struct idrange){ b, (unsigned long long)b + s };
	}
	if (d)
		closedir(d);
	int k = n;
	n = subids("VSBOX_SUBUID", "/etc/subuid", r, n, MAXR);
	n = subids("VSBOX_SUBGID", "/etc/subgid", r, n, MAXR);
	for (; k < n; k++)
		snprintf(who[k], 64, "a subordinate id range");
	return n;
}

static int overlap(const struct idrange *r, int n, unsigned long long lo, unsigned long long hi)
{
	for (int i = 0; i < n; i++)
		if (lo < r[i].hi && r[i].lo < hi)
			return i;
	return -1;
}

void userns_range(struct guest *g)
{
	static struct idrange r[MAXR] BIG;
	static char who[MAXR][64] BIG;
	unsigned base, dsize;
	char path[PATH_MAX];
	int lock, n, i;

	pool(&base, &dsize);
	if (!g->c.userns_size)
		g->c.userns_size = dsize;
	/* one allocation at a time: two starts must not pick the same range */
	xsnprintf(path, sizeof(path), "%s/userns.lock", rundir());
	xmkdir_p(rundir(), 0755);
	lock = xopenat(AT_FDCWD, path, O_RDWR | O_CREAT, 0600);
	if (flock(lock, LOCK_EX))
		die_errno("can't lock %s", path);
	n = taken(g->name, dsize, r, who);
	if (g->c.userns_base) {
		unsigned long long lo = g->c.userns_base, hi = lo + g->c.userns_size;
		if (hi - 1 > USERNS_LAST)
			die("%s: USERNS_BASE %llu + USERNS_SIZE %u goes past the last id %u",
			    g->conf, lo, g->c.userns_size, USERNS_LAST);
		if ((i = overlap(r, n, lo, hi)) >= 0)
			die("%s: its ids %llu-%llu overlap those of %s (%llu-%llu)", g->conf, lo, hi - 1,
			    who[i], r[i].lo, r[i].hi - 1);
	} else {
		/* the lowest free place in the pool, aligned to the guest size */
		unsigned long long lo = base, sz = g->c.userns_size;
		while ((i = overlap(r, n, lo, lo + sz)) >= 0)
			lo = base + (r[i].hi - base + sz - 1) / sz * sz;
		if (lo + sz - 1 > USERNS_LAST)
			die("%s: no free range of %llu ids left from %u on", g->name, sz, base);
		char b[16], s[16];
		const char *keys[] = { "USERNS_BASE", "USERNS_SIZE" }, *vals[] = { b, s };
		snprintf(b, sizeof(b), "%llu", lo);
		snprintf(s, sizeof(s), "%u", g->c.userns_size);
		conf_edit(g->conf, 2, keys, vals);
		g->c.userns_base = (unsigned)lo;
	}
	close(lock);
}

/* ---- maps and the idmapped root, host side ------------------------------ */
void userns_map(pid_t pid, const char *which, unsigned inside, unsigned outside, unsigned count)
{
	char path[64], line[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, which);
	snprintf(line, sizeof(line), "%u %u %u\n", inside, outside, count);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, line, strlen(line)) != (ssize_t)strlen(line))
		die_errno("can't write %s (%u %u %u) of the new user namespace", which, inside,
			  outside, count);
	close(fd);
}

/* A detached copy of the mount tree at path (recursive: with the mounts
 * below it), nodev (a device node in a guest's files opens nothing), shown
 * through user namespace ns (-1: as it is); -1 + errno */
int userns_clone(const char *path, int ns, bool recursive)
{
	unsigned rec = recursive ? AT_RECURSIVE : 0;
	int t = (int)syscall(SYS_open_tree, AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | rec);
	struct mount_attr a = { .attr_set = (ns >= 0 ? MOUNT_ATTR_IDMAP : 0) | MOUNT_ATTR_NODEV,
				.userns_fd = ns >= 0 ? (unsigned)ns : 0 };

	if (t >= 0 && syscall(SYS_mount_setattr, t, "", AT_EMPTY_PATH | rec, &a, sizeof(a))) {
		int e = errno;
		close(t);
		errno = e;
		t = -1;
	}
	return t;
}

/* A user namespace mapped like a guest's (0..size-1 inside are base..),
 * for an idmapped mount made while none of its processes runs: a child's,
 * made for the purpose, whose descriptor outlives it; -1 + errno */
int userns_fd(unsigned base, unsigned size)
{
	char path[64];
	int ns = -1, st;
	pid_t pid;

	fflush(NULL);
	if ((pid = fork()) < 0)
		die_errno("can't fork");
	if (!pid) {
		/* stopped in its namespace until the host is done (or dies) */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (!unshare(CLONE_NEWUSER))
			raise(SIGSTOP);
		_exit(1);
	}
	if (waitpid(pid, &st, WUNTRACED) == pid && WIFSTOPPED(st)) {
		userns_map(pid, "uid_map", 0, base, size);
		userns_map(pid, "gid_map", 0, base, size);
		snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
		ns = open(path, O_RDONLY | O_CLOEXEC);
	} else {
		errno = EPERM;
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return ns;
}

/* A detached copy of the tree at root, shown through pid's user namespace
 * (plain: as it is, its ids shifted on disk, lib/ushift.c, or an overlay
 * whose layers are idmapped, lib/uovl.c); where the filesystem can't, the
 * start stops here with one line */
static int idmap_tree(pid_t pid, const char *root, bool plain)
{
	char path[64];
	int ns, t;

	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	ns = xopenat(AT_FDCWD, path, O_RDONLY, 0);
	if ((t = userns_clone(root, plain ? -1 : ns, true)) < 0) {
		int e = errno;
		struct statfs sf;
		if (statfs(root, &sf))
			sf.f_type = 0;
		errno = e;
		die_errno("%s can't be shown through an idmapped mount (filesystem 0x%lx), "
			  "which USERNS=yes needs (ext4, XFS, btrfs, tmpfs...; or USERNS_CHOWN=yes)", root,
			  (unsigned long)sf.f_type);
	}
	close(ns);
	return t;
}

void userns_handoff(pid_t pid, const struct ctx_spec *s, int sock)
{
	int tree = -1;

	userns_map(pid, "uid_map", 0, s->userns_base, s->userns_size);
	userns_map(pid, "gid_map", 0, s->userns_base, s->userns_size);
	trace("id maps written");
	if (s->idroot)
		tree = idmap_tree(pid, s->idroot, s->idplain);
	if (rb_send(sock, "m", 1, tree) != 1)
		die_errno("can't hand the user namespace over to the new context");
	if (tree >= 0)
		close(tree);
	trace("idmapped root handed over");
}

/* ---- inside ------------------------------------------------------------- */
int userns_wait(int sock)
{
	char m;
	int fd;

	/* the caller died or gave up: nothing was made that needs undoing */
	if (rb_recv(sock, &m, 1, &fd, 0) != 1)
		_exit(1);
	close(sock);
	return fd;
}

void userns_become(uid_t uid, gid_t gid, bool groups)
{
	/* raw calls: this runs in vfork()ed children too, and changes only
	 * the calling thread's credentials (there is one) */
	if (syscall(SYS_setresgid, gid, gid, gid) ||
	    (groups && syscall(SYS_setgroups, 0, NULL)) ||
	    syscall(SYS_setresuid, uid, uid, uid))
		die_errno("can't become uid %u in the user namespace", (unsigned)uid);
}

/* ---- from the host: who is root in a process's user namespace ----------- */
static unsigned root_in(pid_t pid, const char *which)
{
	char path[64], buf[4096], *p;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, which);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return 0;
	/* "INSIDE OUTSIDE COUNT" lines: the one starting at 0 */
	for (p = buf; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p)) {
		char w[3][16];
		unsigned long long in, out, n;
		if (word_at(p, 0, w[0], 16) && word_at(p, 1, w[1], 16) && word_at(p, 2, w[2], 16) &&
		    scan_ull(w[0], 10, &in) && scan_ull(w[1], 10, &out) && scan_ull(w[2], 10, &n) &&
		    in == 0 && n && out <= UINT_MAX)
			return (unsigned)out;
	}
	return 0;
}

void userns_root_of(pid_t pid, uid_t *uid, gid_t *gid)
{
	*uid = root_in(pid, "uid_map");
	*gid = root_in(pid, "gid_map");
}

void userns_fsids(uid_t uid, gid_t gid)
{
	/* setfsuid has no error return: a second call reads the value back */
	syscall(SYS_setfsuid, uid);
	syscall(SYS_setfsgid, gid);
	if ((uid_t)syscall(SYS_setfsuid, -1) != uid || (gid_t)syscall(SYS_setfsgid, -1) != gid)
		die("can't act as uid %u gid %u on files", (unsigned)uid, (unsigned)gid);
}
