/* vserver_stat.c - vserver-stat: one line per running security context.
 *
 * Kernel interfaces: the registry's records; per context its cgroups:
 * cgroup.procs (processes), v2 cpu.stat (user_usec/system_usec, present in
 * every v2 cgroup; v1 cpuacct.stat where there is no v2), memory.stat when
 * it has a memory cgroup; /proc/PID/statm of its own processes for VSZ (and
 * RSS without a memory cgroup). Context 0 is the rest of the machine: the
 * root cgroup's (or /proc/stat's) CPU time and /proc/meminfo minus the
 * contexts, its task count the kernel's (/proc/loadavg) minus theirs
 * (cgroup.threads). No process outside a context is ever looked at, so the
 * cost follows the number of contexts and their processes, not the number
 * of processes on the host. DISK and INODES are what the filesystem counts
 * for a guest's root (lib/quota.c: its project quota or btrfs qgroup), and
 * for the overlay method's store (lib/uovl.c), a last row when there is one.
 */
#include "vsbox.h"

USAGE(vserver_stat, usage,
"usage: vserver-stat [--json]\n"
"One line per running security context, context 0 (the host) first:\n"
"  CTX       the context number\n"
"  PROC      its tasks: processes and their threads, as pids.max counts them\n"
"  VSZ       their virtual memory, summed (- for context 0)\n"
"  RSS       resident memory: anonymous + mapped file pages charged to its\n"
"            memory cgroup when it has one, else its processes' resident\n"
"            sets summed; for context 0 the machine's minus the contexts'\n"
"  userTIME  CPU time in user mode, sysTIME in the kernel (cgroup cpu.stat)\n"
"  UPTIME    since the context was created (context 0: since boot)\n"
"  DISK      a guest's disk use/DISK_LIMIT, INODES its files/INODE_LIMIT, as\n"
"            its filesystem counts them (project quota, btrfs qgroup); - where\n"
"            it counts nothing for it, /- when there is no limit\n"
"  NAME      the guest's name (\"root server\" for context 0)\n"
"A last row STORE, when vunify --method overlay made its store, gives the\n"
"store's DISK and INODES (its project of its own; - where nothing counts it).\n"
"Times read 1m05s30 (minutes, seconds, hundredths), 2h05m10, 3d04h05.\n"
"  --json    the same as a JSON array of objects, in bytes, microseconds and\n"
"            seconds: ctx procs vsz rss user_usec system_usec uptime\n"
"            disk_used disk_limit inodes_used inodes_limit name (null: none);\n"
"            the store's has \"store\": true and ctx null\n"
"Inside a context only that context is shown (computed from /proc).\n");

static const struct option opts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 }
};

struct row {
	long xid;                       /* -1: unknown (inside a guest) */
	long procs;
	long long vsz, rss;             /* bytes; vsz < 0: not known */
	long long own;                  /* bytes it surely holds alone: the
					   memory cgroup's, else private pages */
	unsigned long long user, sys;   /* microseconds */
	double uptime;                  /* seconds */
	char name[64];
	bool store;                     /* the overlay store's row */
	long long disk, disk_max;       /* bytes, -1: not counted; max 0: none */
	long long inodes, inodes_max;
};

static struct {
	bool json;
	struct row *rows;
	int n;
} G;

static struct row *new_row(void)
{
	G.rows = xrealloc(G.rows, (size_t)(G.n + 1) * sizeof(*G.rows));
	memset(&G.rows[G.n], 0, sizeof(*G.rows));
	G.rows[G.n].disk = G.rows[G.n].inodes = -1;
	return &G.rows[G.n++];
}

/* "key value" lines (cpu.stat, memory.stat, cpuacct.stat): value of key */
static bool stat_key(const char *text, const char *key, unsigned long long *v)
{
	size_t kl = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, key, kl) && p[kl] == ' ') {
			*v = strtoull(p + kl + 1, NULL, 10);
			return true;
		}
	return false;
}

static bool read_stat(const char *dir, const char *file, char *buf, size_t n)
{
	char path[CG_PATH + 32];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return read_file(path, buf, n) > 0;
}

/* what the filesystem counts for the tree at root (project, qgroup) */
static void disk_of(struct row *r, const char *root)
{
	struct dquota q;

	if (quota_read(root, &q) || !q.label || !q.acct)
		return;
	r->disk = (long long)q.used;
	r->disk_max = (long long)q.limit;
	if (q.inodes) {
		r->inodes = (long long)q.iused;
		r->inodes_max = (long long)q.ilimit;
	}
}

/* ---- a context on the host ---------------------------------------------- */
static void context_row(const struct ctx *c, double now)
{
	struct row *r = new_row();
	char buf[8192];
	unsigned long long a, b;
	long page = proc_pagesize(), hz = proc_hz();
	bool cpu = false, mem = false;
	pid_t *pids;
	int n = ctx_procs(c, &pids);

	r->xid = c->xid;
	r->procs = ctx_tasks(c);
	if (r->procs < 0)
		r->procs = 0;
	r->uptime = now - (double)c->start / (double)hz;
	snprintf(r->name, sizeof(r->name), "%s", c->name);
	for (int i = 0; i < c->ncg; i++) {
		/* CPU: v2 cpu.stat (every v2 cgroup has it), else v1 cpuacct */
		if (!cpu && read_stat(c->cg[i], "cpu.stat", buf, sizeof(buf)) &&
		    stat_key(buf, "user_usec", &a) && stat_key(buf, "system_usec", &b)) {
			r->user = a;
			r->sys = b;
			cpu = true;
		} else if (!cpu && read_stat(c->cg[i], "cpuacct.stat", buf, sizeof(buf)) &&
			   stat_key(buf, "user", &a) && stat_key(buf, "system", &b)) {
			r->user = a * 1000000 / (unsigned long long)hz;
			r->sys = b * 1000000 / (unsigned long long)hz;
			cpu = true;
		}
		/* memory: v2 anon + file_mapped, v1 (hierarchical) rss + mapped_file */
		if (!mem && read_stat(c->cg[i], "memory.stat", buf, sizeof(buf))) {
			if (stat_key(buf, "anon", &a) && stat_key(buf, "file_mapped", &b))
				mem = true;
			else if (stat_key(buf, "total_rss", &a) && stat_key(buf, "total_mapped_file", &b))
				mem = true;
			if (mem)
				r->rss = (long long)(a + b);
		}
	}
	/* VSZ (and RSS, CPU without the cgroup files) from its own processes */
	for (int i = 0; i < n; i++) {
		char path[48];
		snprintf(path, sizeof(path), "/proc/%d/%s", (int)pids[i], cpu ? "statm" : "stat");
		if (read_file(path, buf, sizeof(buf)) <= 0)
			continue;
		if (cpu) {
			unsigned long long size = strtoull(buf, NULL, 10), res;
			const char *s = strchr(buf, ' ');
			res = s ? strtoull(s + 1, NULL, 10) : 0;
			const char *t = s ? strchr(s + 1, ' ') : NULL;
			unsigned long long shared = t ? strtoull(t + 1, NULL, 10) : 0;
			r->vsz += (long long)(size * (unsigned long long)page);
			if (!mem) {
				r->rss += (long long)(res * (unsigned long long)page);
				r->own += (long long)((res > shared ? res - shared : 0) * (unsigned long long)page);
			}
		} else {
			struct proc p;
			if (proc_parse_stat(buf, &p))
				continue;
			r->vsz += (long long)p.vsz * 1024;
			if (!mem)
				r->rss += (long long)p.rss * 1024;
			/* stat has no shared count: its RSS must do */
			if (!mem)
				r->own += (long long)p.rss * 1024;
			r->user += p.utime * 1000000 / (unsigned long long)hz;
			r->sys += p.stime * 1000000 / (unsigned long long)hz;
		}
	}
	if (mem)
		r->own = r->rss;
	free(pids);
	/* a guest's disk: what its root's filesystem counts for it */
	char root[PATH_MAX];
	if (c->name[0] && snprintf(root, sizeof(root), "%s/%s", rootdir(), c->name) < (int)sizeof(root))
		disk_of(r, root);
}

/* the overlay store's row, when there is a store */
static void store_row(void)
{
	char path[PATH_MAX];
	struct stat st;

	xsnprintf(path, sizeof(path), "%s/.ovl/store", rootdir());
	if (lstat(path, &st) || !S_ISDIR(st.st_mode))
		return;
	struct row *r = new_row();
	r->xid = -1;
	r->vsz = -1;
	r->store = true;
	snprintf(r->name, sizeof(r->name), "STORE");
	disk_of(r, path);
}

/* every task of the machine: the kernel's own counter, the N of "R/N" in
 * /proc/loadavg. Even a listing of /proc would cost a few microseconds per
 * process (the kernel makes a dentry for each), which is what we avoid. */
static long count_tasks(void)
{
	char buf[128], *slash;

	if (read_file("/proc/loadavg", buf, sizeof(buf)) <= 0 || !(slash = strchr(buf, '/')))
		die_errno("can't read /proc/loadavg");
	return strtol(slash + 1, NULL, 10);
}

/* context 0: the whole machine minus the contexts */
static void host_row(struct row *r, double now)
{
	const struct cg_hier *v2 = cg_v2();
	char buf[8192];
	unsigned long long a = 0, b = 0;
	bool cpu = false;

	r->xid = 0;
	r->vsz = -1;
	r->uptime = now;
	snprintf(r->name, sizeof(r->name), "root server");
	/* the v2 root's cpu.stat is the whole machine's; else /proc/stat */
	if (v2 && read_stat(v2->mnt, "cpu.stat", buf, sizeof(buf)) &&
	    stat_key(buf, "user_usec", &a) && stat_key(buf, "system_usec", &b))
		cpu = true;
	if (!cpu && read_file("/proc/stat", buf, sizeof(buf)) > 0 && !strncmp(buf, "cpu ", 4)) {
		unsigned long long f[8] = { 0 };
		const char *s = buf + 4;
		char *end;
		for (int i = 0; i < 8; i++, s = end)
			f[i] = strtoull(s, &end, 10);
		/* user nice system idle iowait irq softirq steal (USER_HZ) */
		a = (f[0] + f[1]) * 1000000 / (unsigned long long)proc_hz();
		b = (f[2] + f[5] + f[6]) * 1000000 / (unsigned long long)proc_hz();
	}
	r->user = a;
	r->sys = b;
	r->procs = count_tasks();
	r->rss = (long long)(proc_meminfo("AnonPages") + proc_meminfo("Mapped")) * 1024;
	for (int i = 0; i < G.n; i++) {
		struct row *c = &G.rows[i];
		if (c == r)
			continue;
		/* resident sets summed count shared pages once per process:
		 * only what a context holds alone is taken off the machine's */
		r->procs -= c->procs;
		r->rss -= c->own;
		r->user -= c->user < r->user ? c->user : r->user;
		r->sys -= c->sys < r->sys ? c->sys : r->sys;
	}
	if (r->procs < 0)
		r->procs = 0;
	if (r->rss < 0)
		r->rss = 0;
}

/* ---- inside a context: what /proc shows is the context ------------------ */
static void inside_row(const struct ctxmap *m, double now)
{
	struct row *r = new_row();
	struct proclist l;
	const struct ctx *c = ctxmap_ctx(m, m->self);

	if (proc_scan(&l, 0, NULL, NULL) < 0)
		die_errno("can't read /proc");
	r->xid = m->self;
	for (int i = 0; i < l.n; i++) {
		struct proc *p = &l.p[i];
		r->vsz += (long long)p->vsz * 1024;
		r->rss += (long long)p->rss * 1024;
		r->user += p->utime * 1000000 / (unsigned long long)proc_hz();
		r->sys += p->stime * 1000000 / (unsigned long long)proc_hz();
		r->procs += p->nlwp;
		if (p->pid == 1)        /* its init started with the context */
			r->uptime = now - (double)p->start / (double)proc_hz();
	}
	snprintf(r->name, sizeof(r->name), "%s", c ? c->name : "");
	proc_free(&l);
}

/* ---- output ---------------------------------------------------------------- */
/* 1m05s30 / 2h05m10 / 3d04h05, as the original vserver-stat */
static const char *fmt_time(double secs, char *buf, size_t n)
{
	unsigned long long cs = (unsigned long long)(secs * 100), s = cs / 100;

	if (s < 3600)
		snprintf(buf, n, "%llum%02llus%02llu", s / 60, s % 60, cs % 100);
	else if (s < 86400)
		snprintf(buf, n, "%lluh%02llum%02llu", s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(buf, n, "%llud%02lluh%02llu", s / 86400, s / 3600 % 24, s / 60 % 60);
	return buf;
}

/* "12.3M/1.0G", "15/-", "-" */
static const char *use_of(long long v, long long max, bool bytes, char *buf, size_t n)
{
	char a[24], b[24];

	if (v < 0)
		return "-";
	if (bytes)
		fmt_kib((unsigned long long)v / 1024, a, sizeof(a));
	else
		snprintf(a, sizeof(a), "%lld", v);
	if (!max)
		snprintf(b, sizeof(b), "-");
	else if (bytes)
		fmt_kib((unsigned long long)max / 1024, b, sizeof(b));
	else
		snprintf(b, sizeof(b), "%lld", max);
	if (snprintf(buf, n, "%s/%s", a, b) >= (int)n)
		return "?";
	return buf;
}

static void print_rows(void)
{
	char a[32], b[32], c[32], d[32], e[32], f[56], g[56];

	if (G.json) {
		json_open('[');
		for (int i = 0; i < G.n; i++) {
			const struct row *r = &G.rows[i];
			json_open('{');
			json_key("ctx");
			json_intn(r->xid, r->xid >= 0);
			json_key("procs");
			json_int(r->procs);
			json_key("vsz");
			json_intn(r->vsz, r->vsz >= 0);
			json_key("rss");
			json_int(r->rss);
			json_key("user_usec");
			json_uint(r->user);
			json_key("system_usec");
			json_uint(r->sys);
			json_key("uptime");
			json_real(r->uptime);
			json_key("disk_used");
			json_intn(r->disk, r->disk >= 0);
			json_key("disk_limit");
			json_intn(r->disk_max, r->disk >= 0 && r->disk_max);
			json_key("inodes_used");
			json_intn(r->inodes, r->inodes >= 0);
			json_key("inodes_limit");
			json_intn(r->inodes_max, r->inodes >= 0 && r->inodes_max);
			json_key("name");
			json_str(r->name);
			if (r->store) {
				json_key("store");
				json_bool(true);
			}
			json_close('}');
		}
		json_close(']');
		return;
	}
	printf("CTX   PROC    VSZ    RSS  userTIME   sysTIME    UPTIME        DISK      INODES NAME\n");
	for (int i = 0; i < G.n; i++) {
		const struct row *r = &G.rows[i];
		char x[24];
		if (r->store) {         /* no processes: its disk only */
			printf("%-5s %4s %6s %6s %9s %9s %9s %11s %11s %s\n", "-", "-", "-", "-", "-", "-", "-",
			       use_of(r->disk, r->disk_max, true, f, sizeof(f)),
			       use_of(r->inodes, r->inodes_max, false, g, sizeof(g)), r->name);
			continue;
		}
		snprintf(x, sizeof(x), r->xid < 0 ? "?" : "%ld", r->xid);
		printf("%-5s %4ld %6s %6s %9s %9s %9s %11s %11s %s\n", x, r->procs,
		       r->vsz < 0 ? "-" : fmt_kib((unsigned long long)r->vsz / 1024, a, sizeof(a)),
		       fmt_kib((unsigned long long)r->rss / 1024, b, sizeof(b)),
		       fmt_time((double)r->user / 1e6, c, sizeof(c)),
		       fmt_time((double)r->sys / 1e6, d, sizeof(d)),
		       fmt_time(r->uptime, e, sizeof(e)), use_of(r->disk, r->disk_max, true, f, sizeof(f)),
		       use_of(r->inodes, r->inodes_max, false, g, sizeof(g)), r->name);
	}
}

int vserver_stat_main(int argc, char **argv)
{
	struct ctxmap m;
	double now;
	int c;

	while ((c = opt_next(argc, argv, "h", opts, usage)) != -1)
		if (c == 'j')
			G.json = true;
	if (optind < argc)
		usage_die("unexpected argument '%s'", argv[optind]);
	now = proc_uptime();
	if (!in_host_pidns()) {
		/* inside: the registry (if visible) only names the context */
		ctxmap_load(&m);
		inside_row(&m, now);
		ctxmap_free(&m);
	} else {
		struct ctx *all;
		int n = ctx_list(&all);
		new_row();              /* context 0 first, filled in last */
		for (int i = 0; i < n; i++)
			if (ctx_alive(&all[i]))
				context_row(&all[i], now);
		host_row(&G.rows[0], now);
		store_row();
		free(all);
	}
	print_rows();
	return 0;
}
