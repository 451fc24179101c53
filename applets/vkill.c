/* vkill.c - send a signal to a process of a security context, or to all of them.
 *
 * Kernel interfaces: pidfd_open + pidfd_send_signal (a recycled pid is never
 * hit), /proc/PID/cgroup and the registry (lib/pidctx.c) for the context
 * check; for --all the context's cgroup: cgroup.kill (v2) for SIGKILL, else
 * cgroup.freeze (v2) or freezer.state (v1) around a pass over cgroup.procs,
 * so that nothing forks out of reach while the signal goes round.
 */
#include "vsbox.h"

USAGE(vkill, usage,
"usage: vkill [-s SIG] [--xid N] PID...\n"
"       vkill [-s SIG] --xid N --all\n"
"Send SIG (default TERM) to each PID (as vps shows it). With --xid, a PID\n"
"that is not in context N (0: the host) is refused, and nothing is sent to it.\n"
"The process is held by a pidfd from the check to the signal: if its pid is\n"
"recycled meanwhile, the new process is never signalled.\n"
"  -s SIG, --signal SIG  a name (TERM, SIGKILL) or a number\n"
"  --xid N               the context the PIDs must belong to\n"
"  --all                 every process of context N (N >= 2): with SIGKILL at\n"
"                        once (cgroup.kill); other signals with the context\n"
"                        frozen, so that no process can escape by forking\n"
"Exit status 1 if any PID could not be signalled or was refused.\n");

static const struct option opts[] = {
	{ "signal", required_argument, NULL, 's' },
	{ "xid", required_argument, NULL, 'x' },
	{ "all", no_argument, NULL, 'a' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 }
};

static struct {
	int sig;
	long xid;               /* -1: no --xid */
	bool all;
} G = { SIGTERM, -1, false };

/* ---- one PID --------------------------------------------------------------- */
static int kill_one(const char *arg, const struct ctxmap *m)
{
	pid_t pid = (pid_t)parse_long(arg, 1, INT_MAX, "PID");
	int fd, ret = 1;
	long xid;

	/* hold the process first; everything after is about this one */
	fd = sys_pidfd_open(pid);
	if (fd < 0) {
		if (errno == ESRCH)
			warn("no process %d", (int)pid);
		else
			warn_errno("can't open process %d", (int)pid);
		return 1;
	}
	if (G.xid >= 0 && m->inside && m->self < 0) {
		warn("process %d: contexts are not visible here, --xid can't be checked", (int)pid);
		goto out;
	}
	if (G.xid >= 0) {
		xid = pidfd_ctx(fd, pid, m);
		if (xid < 0) {
			if (errno == ESRCH)
				warn("no process %d", (int)pid);
			else
				warn_errno("can't check process %d", (int)pid);
			goto out;
		}
		if (xid != G.xid) {
			warn("process %d is in context %ld, not %ld: refused", (int)pid, xid, G.xid);
			goto out;
		}
	}
	if (sys_pidfd_send_signal(fd, G.sig) < 0) {
		if (errno == ESRCH)
			warn("no process %d", (int)pid);
		else
			warn_errno("can't signal process %d", (int)pid);
		goto out;
	}
	ret = 0;
out:
	close(fd);
	return ret;
}

/* ---- a whole context --------------------------------------------------------- */
struct freeze { char dir[CG_PATH]; bool v2; };

static void thaw(void *arg)
{
	const struct freeze *f = arg;

	if (f->v2)
		cg_write(f->dir, "cgroup.freeze", "0");
	else
		cg_write(f->dir, "freezer.state", "THAWED");
}

/* wait until the freeze has taken hold of every process */
static bool frozen(const struct freeze *f)
{
	char path[CG_PATH + 32], buf[512];

	for (int i = 0; i < 500; i++) {
		if (f->v2) {
			snprintf(path, sizeof(path), "%s/cgroup.events", f->dir);
			if (read_file(path, buf, sizeof(buf)) > 0 && strstr(buf, "frozen 1"))
				return true;
		} else {
			snprintf(path, sizeof(path), "%s/freezer.state", f->dir);
			if (read_file(path, buf, sizeof(buf)) > 0 && !strncmp(buf, "FROZEN", 6))
				return true;
		}
		usleep(i < 50 ? 200 : 10000);
	}
	return false;
}

/* Freeze the context (v2 cgroup.freeze, or a v1 freezer cgroup of its own);
 * pushes the thaw on the undo stack. false: no freezer to use. */
static bool freeze(const struct ctx *c)
{
	const struct cg_hier *h;
	int nh = cg_hiers(&h);
	struct freeze f = { 0 };

	for (int i = 0; i < c->ncg && !f.dir[0]; i++) {
		for (int k = 0; k < nh; k++) {
			size_t l = strlen(h[k].mnt);
			if (strncmp(c->cg[i], h[k].mnt, l) || c->cg[i][l] != '/')
				continue;
			if (h[k].ctrl & (CG_V2 | CG_FREEZER)) {
				snprintf(f.dir, sizeof(f.dir), "%s", c->cg[i]);
				f.v2 = h[k].ctrl & CG_V2;
			}
		}
	}
	if (!f.dir[0])
		return false;
	if (cg_write(f.dir, f.v2 ? "cgroup.freeze" : "freezer.state", f.v2 ? "1" : "FROZEN"))
		return false;
	undo_push(thaw, &f, sizeof(f));
	if (!frozen(&f))
		die("context %ld: the freeze of %s did not take hold", c->xid, f.dir);
	return true;
}

struct seen { unsigned long long *key; int n; };

static bool seen_before(struct seen *s, pid_t pid)
{
	/* pid and start time: a recycled pid is someone new */
	unsigned long long k = (unsigned long long)pid << 40 ^ proc_starttime(pid);

	for (int i = 0; i < s->n; i++)
		if (s->key[i] == k)
			return true;
	s->key = xrealloc(s->key, (size_t)(s->n + 1) * sizeof(*s->key));
	s->key[s->n++] = k;
	return false;
}

/* one pass over the context's processes; returns how many were signalled */
static int signal_pids(const struct ctx *c, struct seen *s)
{
	pid_t *pids;
	int n = ctx_procs(c, &pids), sent = 0;

	for (int i = 0; i < n; i++) {
		int fd = sys_pidfd_open(pids[i]);
		if (fd < 0)
			continue;       /* exited meanwhile */
		if (s && seen_before(s, pids[i])) {
			close(fd);
			continue;
		}
		if (!sys_pidfd_send_signal(fd, G.sig))
			sent++;
		else if (errno != ESRCH)
			warn_errno("can't signal process %d", (int)pids[i]);
		close(fd);
	}
	free(pids);
	return sent;
}

static int nprocs(const struct ctx *c)
{
	pid_t *pids;
	int n = ctx_procs(c, &pids);

	free(pids);
	return n;
}

static int kill_all(const struct ctxmap *m)
{
	const struct ctx *c;
	int sent;

	if (G.xid == 0)
		die("--all: refusing to signal every process of the host (context 0)");
	if (m->inside)
		die("--all: run it on the host (context 0)");
	c = ctxmap_ctx(m, G.xid);
	if (!c || !ctx_alive(c))
		die("no context %ld", G.xid);
	if (nprocs(c) <= 0)
		die("context %ld has no process", G.xid);
	/* SIGKILL: cgroup.kill takes every process at once, forks included;
	 * then the context is dead: its record and cgroups go at once */
	if (G.sig == SIGKILL && (c->ncg && !cg_write(c->cg[0], "cgroup.kill", "1"))) {
		for (int i = 0; i < 500 && nprocs(c) > 0; i++)
			usleep(10000);
		int lock = ctx_lock();
		ctx_gc();
		ctx_unlock(lock);
		return 0;
	}
	/* else hold the context still: a frozen process cannot fork, so one
	 * pass over cgroup.procs reaches everyone; the signals are delivered
	 * once it thaws */
	if (freeze(c)) {
		sent = signal_pids(c, NULL);
		undo_run();
		return sent ? 0 : 1;
	}
	/* no freezer at all (a v1 host without one): passes until one finds
	 * nobody new; a process forked meanwhile is caught by the next */
	struct seen s = { 0 };
	int more;
	warn("context %ld: no freezer; signalling in passes", G.xid);
	sent = 0;
	for (int i = 0; i < 100 && (more = signal_pids(c, &s)) > 0; i++)
		sent += more;
	free(s.key);
	return sent ? 0 : 1;
}

int vkill_main(int argc, char **argv)
{
	struct ctxmap m;
	int c, ret = 0;

	while ((c = opt_next(argc, argv, "s:h", opts, usage)) != -1) {
		switch (c) {
		case 's': G.sig = parse_signal(optarg, "-s"); break;
		case 'x': G.xid = parse_long(optarg, 0, XID_MAX, "--xid"); break;
		case 'a': G.all = true; break;
		}
	}
	if (G.all) {
		if (G.xid < 0)
			usage_die("--all needs --xid N");
		if (optind < argc)
			usage_die("--all takes no PID");
	} else if (optind >= argc) {
		usage_die("no PID given");
	}
	for (int i = optind; i < argc; i++)
		parse_long(argv[i], 1, INT_MAX, "PID");
	ctxmap_load(&m);
	if (G.all)
		ret = kill_all(&m);
	else
		for (int i = optind; i < argc; i++)
			ret |= kill_one(argv[i], &m);
	ctxmap_free(&m);
	return ret;
}
