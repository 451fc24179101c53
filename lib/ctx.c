/* ctx.c - the context registry: one record per live context under VSBOX_RUNDIR.
 *
 * $RUNDIR/lock serialises xid allocation and record changes (flock);
 * $RUNDIR/ctx/XID holds "key=value" lines; a named context's record has a
 * second link, $RUNDIR/names/NAME, so finding a guest reads one file, not
 * the whole registry. A record whose init is gone (pid
 * dead, or reused: the start time differs) is stale: reaping it kills what
 * is left in its cgroups, removes them and drops the record, so a crash at
 * any point is repaired: by the next start of a bare context (ctx_gc(),
 * all of them), by a guest's next start or stop (ctx_gc_name(), its own).
 * Until then a stale record holds its xid.
 */
#include "vsbox.h"
#include <dirent.h>
#include <sys/file.h>

static char rdir[PATH_MAX] BIG;

static int write_file_new(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);

	if (fd < 0)
		return -1;
	xwrite_fd(fd, s, strlen(s), path);
	return close(fd);
}

const char *rundir(void)
{
	if (!rdir[0]) {
		const char *r = getenv("VSBOX_RUNDIR");
		xsnprintf(rdir, sizeof(rdir), "%s", r && *r ? r : "/run/vsbox");
	}
	return rdir;
}

/* RUNDIR/FILE, one line "BOOT [KEY] VALUE": HEAD gets "BOOT KEY" (the
 * boot id, and KEY unless empty); false without a boot id */
static bool note_head(const char *key, char *head, size_t n)
{
	char boot[64];

	if (read_file("/proc/sys/kernel/random/boot_id", boot, sizeof(boot)) < 36)
		return false;
	boot[36] = 0;
	snprintf(head, n, "%s%s%s", boot, key[0] ? " " : "", key);
	return true;
}

bool run_note(const char *file, const char *key, char *val, size_t n)
{
	char path[PATH_MAX], head[256], buf[512], *v;
	size_t k;

	xsnprintf(path, sizeof(path), "%s/%s", rundir(), file);
	if (!note_head(key, head, sizeof(head)) || read_file(path, buf, sizeof(buf)) <= 0)
		return false;
	k = strlen(head);
	if (strncmp(buf, head, k) || buf[k] != ' ')
		return false;
	v = buf + k + 1;
	v[strcspn(v, "\n")] = 0;
	if (strlen(v) >= n)
		return false;
	memcpy(val, v, strlen(v) + 1);
	return true;
}

void run_note_set(const char *file, const char *key, const char *val)
{
	char path[PATH_MAX], tmp[PATH_MAX + 16], head[256], line[512];
	int fd, len;

	if (!note_head(key, head, sizeof(head)))
		return;
	xsnprintf(path, sizeof(path), "%s/%s", rundir(), file);
	snprintf(tmp, sizeof(tmp), "%s.%d", path, (int)getpid());
	len = snprintf(line, sizeof(line), "%s %s\n", head, val);
	if (len >= (int)sizeof(line) || (fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644)) < 0)
		return;
	bool ok = write(fd, line, (size_t)len) == len;
	if (close(fd) || !ok || rename(tmp, path))
		unlink(tmp);            /* (only a shortcut is lost) */
}

/* The registry belongs to the PID namespace that made it (the host's).
 * Seen from inside a context, host pids are invisible and every record
 * would look dead: such a caller must not judge, let alone reap, them. */
static void check_owner_ns(void)
{
	char path[PATH_MAX], buf[32], mine[32];
	struct stat st;

	if (stat("/proc/self/ns/pid", &st))
		die_errno("can't stat /proc/self/ns/pid");
	snprintf(mine, sizeof(mine), "%llu\n", (unsigned long long)st.st_ino);
	xsnprintf(path, sizeof(path), "%s/pidns", rundir());
	if (read_file(path, buf, sizeof(buf)) < 0) {
		if (errno != ENOENT || write_file_new(path, mine))
			die_errno("can't record the registry's owner in %s", path);
	} else if (strcmp(buf, mine)) {
		die("the context registry %s belongs to the host: run this from context 0", rundir());
	}
}

int ctx_lock(void)
{
	char path[PATH_MAX];
	int fd;

	xsnprintf(path, sizeof(path), "%s/ctx", rundir());
	xmkdir_p(path, 0755);
	xsnprintf(path, sizeof(path), "%s/lock", rundir());
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		die_errno("can't open %s", path);
	while (flock(fd, LOCK_EX))
		if (errno != EINTR)
			die_errno("can't lock %s", path);
	check_owner_ns();
	return fd;
}

void ctx_unlock(int fd)
{
	close(fd);
}

static const char *const flag_names[] = { "lock", "sched", "nproc", "private", "fakeinit" };
#define NFLAGS (sizeof(flag_names) / sizeof(flag_names[0]))

/* "lock,nproc" or "lock nproc" */
unsigned parse_ctx_flags(const char *s, const char *what)
{
	char buf[256], *save, *t;
	unsigned f = 0;

	snprintf(buf, sizeof(buf), "%s", s);
	for (t = strtok_r(buf, ", \t", &save); t; t = strtok_r(NULL, ", \t", &save)) {
		int bit = ctx_flag_bit(t);
		if (bit < 0)
			usage_die("%s: unknown flag '%s' (lock sched nproc private fakeinit)", what, t);
		f |= (unsigned)bit;
	}
	return f;
}

int ctx_flag_bit(const char *name)
{
	for (size_t i = 0; i < NFLAGS; i++)
		if (!strcmp(name, flag_names[i]))
			return 1 << i;
	return -1;
}

const char *ctx_flags_str(unsigned flags, char *buf, size_t n)
{
	size_t len = 0;

	buf[0] = 0;
	for (size_t i = 0; i < NFLAGS; i++)
		if (flags & (1u << i))
			len += (size_t)snprintf(buf + len, len < n ? n - len : 0, "%s%s",
						len ? "," : "", flag_names[i]);
	return buf;
}

static int parse_record(const char *text, struct ctx *c)
{
	char buf[4096], *save, *line;

	memset(c, 0, sizeof(*c));
	snprintf(buf, sizeof(buf), "%s", text);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *v = strchr(line, '=');
		if (!v)
			return -1;
		*v++ = 0;
		if (!strcmp(line, "xid"))
			c->xid = strtol(v, NULL, 10);
		else if (!strcmp(line, "pid"))
			c->pid = (pid_t)strtol(v, NULL, 10);
		else if (!strcmp(line, "start"))
			c->start = strtoull(v, NULL, 10);
		else if (!strcmp(line, "flags"))
			c->flags = (unsigned)strtoul(v, NULL, 16);
		else if (!strcmp(line, "bset"))
			c->bset = strtoull(v, NULL, 16);
		else if (!strcmp(line, "name"))
			snprintf(c->name, sizeof(c->name), "%s", v);
		else if (!strcmp(line, "cg") && c->ncg < CG_MAX)
			snprintf(c->cg[c->ncg++], CG_PATH, "%s", v);
		else if (!strcmp(line, "addr") && c->naddr < VC_MAXIP + 1 && !nl_alias_parse(v, &c->addr[c->naddr]))
			c->naddr++;
	}
	return c->xid > 0 ? 0 : -1;
}

int ctx_load(long xid, struct ctx *c)
{
	char path[PATH_MAX], buf[4096];

	xsnprintf(path, sizeof(path), "%s/ctx/%ld", rundir(), xid);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	return parse_record(buf, c);
}

/* are both paths links to one file? */
static bool same_file(const char *p, const char *q)
{
	struct stat a, b;

	return !stat(p, &a) && !stat(q, &b) && a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

static void name_path(const char *name, char *buf, size_t n)
{
	xsnprintf(buf, n, "%s/names/%s", rundir(), name);
}

void ctx_save(const struct ctx *c)
{
	char path[PATH_MAX], npath[PATH_MAX], buf[4096];
	size_t n;

	n = (size_t)snprintf(buf, sizeof(buf), "xid=%ld\npid=%d\nstart=%llu\nflags=%x\nbset=%016llx\nname=%s\n",
			     c->xid, (int)c->pid, c->start, c->flags,
			     (unsigned long long)c->bset, c->name);
	for (int i = 0; i < c->ncg && n < sizeof(buf); i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "cg=%s\n", c->cg[i]);
	if (n < sizeof(buf))
		n += nl_alias_lines(c->addr, c->naddr, buf + n, sizeof(buf) - n);
	if (n >= sizeof(buf))
		die("the record of context %ld is too long", c->xid);
	xsnprintf(path, sizeof(path), "%s/ctx/%ld", rundir(), c->xid);
	xreplace_file(path, buf, strlen(buf));
	if (!c->name[0])
		return;
	/* the name's link: one left by a dead context of that name goes
	 * (its start holds the guest's lock: no live one can be there) */
	xsnprintf(npath, sizeof(npath), "%s/names", rundir());
	xmkdir_p(npath, 0755);
	name_path(c->name, npath, sizeof(npath));
	if ((unlink(npath) && errno != ENOENT) || link(path, npath))
		die_errno("can't link %s to %s", npath, path);
}

void ctx_drop(const struct ctx *c)
{
	char path[PATH_MAX], npath[PATH_MAX];

	snprintf(path, sizeof(path), "%s/ctx/%ld", rundir(), c->xid);
	if (c->name[0]) {
		/* its own link only, never a newer context's of that name */
		name_path(c->name, npath, sizeof(npath));
		if (same_file(path, npath))
			unlink(npath);
	}
	unlink(path);
	snprintf(path, sizeof(path), "%s/ctx/%ld.sock", rundir(), c->xid);
	unlink(path);           /* its spawner's (lib/spawner.c) */
}

bool ctx_by_name(const char *name, struct ctx *c)
{
	char path[PATH_MAX], buf[4096];

	name_path(name, path, sizeof(path));
	return read_file(path, buf, sizeof(buf)) >= 0 && !parse_record(buf, c) &&
	       !strcmp(c->name, name) && ctx_alive(c);
}

bool ctx_name_left(const char *name)
{
	char path[PATH_MAX];

	name_path(name, path, sizeof(path));
	return !access(path, F_OK);
}

bool ctx_alive(const struct ctx *c)
{
	return c->pid > 0 && c->start && proc_starttime(c->pid) == c->start;
}

static int cmp_xid(const void *a, const void *b)
{
	const struct ctx *x = a, *y = b;
	return (x->xid > y->xid) - (x->xid < y->xid);
}

/* the records' xids (from the file names: "ctx/XID"), or their contents
 * too, one at a time */
static void ctx_each(void (*xid_fn)(long xid), void (*fn)(struct ctx *c, void *arg), void *arg)
{
	char path[PATH_MAX];
	struct ctx c;
	struct xdir d;
	struct dirent *e;

	xsnprintf(path, sizeof(path), "%s/ctx", rundir());
	if (!xdir_open(&d, AT_FDCWD, path))
		return;
	while ((e = xdir_read(&d))) {
		char *end;
		long xid = strtol(e->d_name, &end, 10);
		if (*end || xid <= 0)
			continue;
		if (xid_fn)
			xid_fn(xid);
		else if (!ctx_load(xid, &c))
			fn(&c, arg);
	}
	xdir_close(&d);
}

struct list { struct ctx *v; int n, cap; };

static void list_add(struct ctx *c, void *arg)
{
	struct list *l = arg;

	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->v = xrealloc(l->v, (size_t)l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = *c;
}

int ctx_list(struct ctx **out)
{
	struct list l = { 0 };

	ctx_each(NULL, list_add, &l);
	if (l.n > 1)       /* qsort(NULL, 0, ...) is undefined */
		qsort(l.v, (size_t)l.n, sizeof(*l.v), cmp_xid);
	*out = l.v;
	return l.n;
}

/* kill what is left in a dead context's cgroups (its init is gone, so is
 * its pid namespace: what is listed there is on its way out, or joined and
 * orphaned), remove them, its aliases and its record */
static void reap(const struct ctx *c)
{
	for (int k = 0; k < c->ncg; k++) {
		cg_kill(c->cg[k]);
		if (cg_rmdir(c->cg[k]))
			warn_errno("can't remove cgroup %s", c->cg[k]);
	}
	nl_aliases_del(c->addr, c->naddr, c->name);
	ctx_drop(c);
}

void ctx_reap(const struct ctx *c)
{
	struct ctx now;

	if (!ctx_load(c->xid, &now) && now.pid == c->pid && now.start == c->start)
		reap(c);
}

static void gc_one(struct ctx *c, void *arg)
{
	(void)arg;
	if (!ctx_alive(c))
		reap(c);
}

void ctx_gc(void)
{
	ctx_each(NULL, gc_one, NULL);
}

void ctx_gc_name(const char *name)
{
	char path[PATH_MAX], rpath[PATH_MAX], buf[4096];
	struct ctx c;

	name_path(name, path, sizeof(path));
	if (read_file(path, buf, sizeof(buf)) < 0)
		return;
	if (parse_record(buf, &c))
		c.xid = 0;
	else if (ctx_alive(&c))
		return;
	/* dead: its record goes if the link is that very file, and the link;
	 * else (its init removed the record, and maybe another context took
	 * the xid and the cgroup paths) only the aliases it lists */
	xsnprintf(rpath, sizeof(rpath), "%s/ctx/%ld", rundir(), c.xid);
	if (c.xid && same_file(path, rpath))
		reap(&c);
	else
		nl_aliases_del(c.addr, c.naddr, name);
	unlink(path);
}

/* xids with a record, one bit each */
static unsigned char used[(XID_MAX + 8) / 8] BIG;

static void mark_used(long xid)
{
	if (xid <= XID_MAX)
		used[xid / 8] |= (unsigned char)(1 << xid % 8);
}

/* the lowest xid >= 2 without a record, 0 if there is none */
static long unrecorded_xid(void)
{
	memset(used, 0, sizeof(used));
	ctx_each(mark_used, NULL, NULL);
	for (long xid = 2; xid <= XID_MAX; xid++)
		if (!(used[xid / 8] & (1 << xid % 8)))
			return xid;
	return 0;
}

long ctx_free_xid(void)
{
	long xid = unrecorded_xid();

	if (!xid) {
		/* all taken: some may be held by records of dead contexts */
		ctx_gc();
		xid = unrecorded_xid();
	}
	if (!xid)
		die("no free context id (all of 2..%ld are in use)", XID_MAX);
	return xid;
}

long ctx_of_pid(pid_t pid, const struct ctx *list, int n)
{
	char path[64], buf[4096], *line, *save;
	const struct cg_hier *h;
	int nh = cg_hiers(&h);

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c2++ = 0;
		/* compare "MNT + cgroup path" with each context's directories */
		for (int i = 0; i < nh; i++) {
			bool v2 = h[i].ctrl & CG_V2;
			if (v2 != (c1[1] == 0))
				continue;
			char full[CG_PATH * 2];
			snprintf(full, sizeof(full), "%s%s", h[i].mnt, c2);
			for (int k = 0; k < n; k++)
				for (int j = 0; j < list[k].ncg; j++) {
					size_t l = strlen(list[k].cg[j]);
					if (!strncmp(full, list[k].cg[j], l) &&
					    (full[l] == 0 || full[l] == '/'))
						return list[k].xid;
				}
		}
	}
	return 0;
}
