/* pidctx.c - which security context a process is in, from anywhere.
 *
 * The answer comes from the contexts' side, not the processes': each
 * record's tracking cgroup (its first, the v2 one where the host has v2)
 * lists its processes in cgroup.procs, in the reader's PID namespace. So
 * one read per context labels every process, with no per-process file,
 * and the same code works on the host, in the spectator (host view) and
 * inside a context, where other contexts' processes read as pid 0 and
 * drop out by themselves. Context 0 is whatever no context lists.
 *
 * Inside a context every visible process is the context's own; which
 * context that is, is known only where the registry and the cgroup tree
 * are visible (a bare chcontext). In a guest's own root they are not: the
 * xid is then unknown (-1), shown as "?".
 */
#include "vsbox.h"
#include <dirent.h>
#include <sys/syscall.h>

#define PROC_PID_INIT_INO 0xEFFFFFFCULL   /* the initial PID namespace */

bool in_host_pidns(void)
{
	char path[PATH_MAX], buf[32];
	struct stat st;

	if (stat("/proc/self/ns/pid", &st))
		return true;
	/* the registry records the namespace it belongs to (lib/ctx.c);
	 * without one, the kernel's initial namespace is the host's */
	snprintf(path, sizeof(path), "%s/pidns", rundir());
	if (read_file(path, buf, sizeof(buf)) > 0)
		return strtoull(buf, NULL, 10) == (unsigned long long)st.st_ino;
	return (unsigned long long)st.st_ino == PROC_PID_INIT_INO;
}

/* the whole of a small-but-unbounded file (cgroup.procs of a big context) */
static char *read_all(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	size_t len = 0, cap = 4096;
	char *buf;
	ssize_t r;

	if (fd < 0)
		return NULL;
	buf = xmalloc(cap);
	for (;;) {
		if (len + 1 >= cap)
			buf = xrealloc(buf, cap *= 2);
		r = read(fd, buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = 0;
	return buf;
}

struct pidvec { pid_t *p; int n, cap; };

/* the ids in file (cgroup.procs, cgroup.threads, tasks) of dirfd and of
 * every cgroup below it */
static void collect(int dirfd, const char *file, struct pidvec *v, int depth)
{
	char *text = read_all(dirfd, file), *s, *end;
	char dents[4096];       /* per level: the recursion reuses none */
	long n;

	if (text) {
		for (s = text; *s; s = end) {
			long pid = strtol(s, &end, 10);
			if (end == s)
				break;
			if (pid <= 0)
				continue;       /* not in our PID namespace */
			if (v->n == v->cap) {
				v->cap = v->cap ? 2 * v->cap : 64;
				v->p = xrealloc(v->p, (size_t)v->cap * sizeof(pid_t));
			}
			v->p[v->n++] = (pid_t)pid;
		}
		free(text);
	}
	if (depth >= 16)
		return;
	/* sub-cgroups are rare (a chbind inside): one getdents finds them */
	while ((n = syscall(SYS_getdents64, dirfd, dents, sizeof(dents))) > 0) {
		for (long off = 0; off < n; ) {
			struct dirent *e = (struct dirent *)(dents + off);
			off += e->d_reclen;
			if (e->d_type != DT_DIR || e->d_name[0] == '.')
				continue;
			int sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (sub >= 0) {
				collect(sub, file, v, depth + 1);
				close(sub);
			}
		}
	}
}

static int ctx_ids(const struct ctx *c, const char *file, pid_t **ids)
{
	struct pidvec v = { 0 };
	int fd;

	*ids = NULL;
	if (c->ncg < 1)
		return -1;
	fd = open(c->cg[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	collect(fd, file, &v, 0);
	close(fd);
	*ids = v.p;
	return v.n;
}

int ctx_procs(const struct ctx *c, pid_t **pids)
{
	return ctx_ids(c, "cgroup.procs", pids);
}

int ctx_tasks(const struct ctx *c)
{
	pid_t *ids;
	char path[CG_PATH + 32];
	int n;

	/* v2 lists threads in cgroup.threads, v1 in tasks */
	snprintf(path, sizeof(path), "%s/cgroup.threads", c->cg[0]);
	n = ctx_ids(c, access(path, F_OK) ? "tasks" : "cgroup.threads", &ids);
	free(ids);
	return n;
}

static int cmp_ent(const void *a, const void *b)
{
	const struct pxent *x = a, *y = b;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

void ctxmap_load(struct ctxmap *m)
{
	pid_t self = getpid();
	int cap = 0;

	memset(m, 0, sizeof(*m));
	m->inside = !in_host_pidns();
	m->self = m->inside ? -1 : 0;
	m->nctx = ctx_list(&m->ctx);
	for (int i = 0; i < m->nctx; i++) {
		pid_t *p;
		int n = ctx_procs(&m->ctx[i], &p);
		for (int k = 0; k < n; k++) {
			if (m->n == cap) {
				cap = cap ? 2 * cap : 256;
				m->e = xrealloc(m->e, (size_t)cap * sizeof(*m->e));
			}
			m->e[m->n++] = (struct pxent){ p[k], i };
			if (m->inside && p[k] == self)
				m->self = m->ctx[i].xid;
		}
		free(p);
	}
	if (m->n > 1)    /* qsort(NULL, 0, ...) is undefined */
		qsort(m->e, (size_t)m->n, sizeof(*m->e), cmp_ent);
}

void ctxmap_free(struct ctxmap *m)
{
	free(m->ctx);
	free(m->e);
	memset(m, 0, sizeof(*m));
}

long ctxmap_xid(const struct ctxmap *m, pid_t pid)
{
	struct pxent key = { pid, 0 }, *e;

	if (m->inside)
		return m->self;
	e = bsearch(&key, m->e, (size_t)m->n, sizeof(*m->e), cmp_ent);
	return e ? m->ctx[e->ci].xid : 0;
}

const struct ctx *ctxmap_ctx(const struct ctxmap *m, long xid)
{
	for (int i = 0; i < m->nctx; i++)
		if (m->ctx[i].xid == xid)
			return &m->ctx[i];
	return NULL;
}

const char *ctxmap_name(const struct ctxmap *m, long xid)
{
	const struct ctx *c;

	if (xid == 0)
		return "MAIN";
	if (xid < 0)
		return "?";
	c = ctxmap_ctx(m, xid);
	return c && c->name[0] ? c->name : "-";
}

long ctxmap_by_name(const struct ctxmap *m, const char *name)
{
	if (!strcmp(name, "MAIN"))
		return 0;
	for (int i = 0; i < m->nctx; i++)
		if (!strcmp(m->ctx[i].name, name))
			return m->ctx[i].xid;
	return -1;
}

long pidfd_ctx(int pidfd, pid_t pid, const struct ctxmap *m)
{
	unsigned long long before = proc_starttime(pid);
	long xid;

	/* /proc/PID belongs to the pidfd's process only as long as that
	 * process exists: read the context, then check that it still does
	 * (a signal 0 through the pidfd) and started when it did before.
	 * A pid recycled at any point fails one of the two checks. */
	if (!before) {
		errno = ESRCH;
		return -1;
	}
	xid = m->inside ? m->self : ctx_of_pid(pid, m->ctx, m->nctx);
	if (xid < 0) {
		errno = ESRCH;
		return -1;
	}
	if (sys_pidfd_send_signal(pidfd, 0) < 0)
		return -1;
	if (proc_starttime(pid) != before) {
		errno = ESRCH;
		return -1;
	}
	return xid;
}
