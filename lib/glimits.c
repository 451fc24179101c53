/* glimits.c - vserver NAME limits [--json]: a guest's limits (memory, pids,
 * CPU, disk, inodes) and what it uses of them; and vserver NAME limits set
 * KEY=VALUE..., which changes them in NAME.conf and, on a running guest,
 * live: its cgroup files and its disk quota (lib/quota.c).
 *
 * A set is all or nothing: every value is checked first (the messages of
 * NAME.conf's parser), then, under the guest's lock, the live values are
 * changed one after the other, each old one pushed on the undo stack, and
 * last NAME.conf is replaced in one piece (lib/conf.c: tmp + rename,
 * comments and order kept). A failure at any point puts back every live
 * value changed before it, and NAME.conf stays as it was.
 *
 * Where a running guest's figures come from: its context's cgroup files
 * (v2 memory.current/max, pids.current/max, cpu.stat, cpu.weight/max; v1
 * memory.usage_in_bytes/limit_in_bytes, cpuacct.usage, cpu.shares,
 * cpu.cfs_quota_us); a stopped guest's limits are NAME.conf's. Disk and
 * inode use are the filesystem's, running or not.
 */
#include "vsbox.h"

/* ---- cgroup files of a running guest --------------------------------------- */
/* the directory of c that has file, or NULL */
static const char *cg_with(const struct ctx *c, const char *file)
{
	for (int i = 0; i < c->ncg; i++) {
		char p[CG_PATH + 48];
		snprintf(p, sizeof(p), "%s/%s", c->cg[i], file);
		if (!access(p, F_OK))
			return c->cg[i];
	}
	return NULL;
}

/* the first number in a cgroup file; "max" (and v1's near-2^63) is none */
static bool cg_num(const struct ctx *c, const char *file, unsigned long long *v, bool *none)
{
	const char *d = cg_with(c, file);
	char p[CG_PATH + 48], buf[64];

	if (!d)
		return false;
	snprintf(p, sizeof(p), "%s/%s", d, file);
	if (read_file(p, buf, sizeof(buf)) <= 0)
		return false;
	*none = !strncmp(buf, "max", 3) || !strncmp(buf, "-1", 2);
	*v = *none ? 0 : strtoull(buf, NULL, 10);
	if (*v >= (1ULL << 62)) {
		*none = true;
		*v = 0;
	}
	return true;
}

struct fig {                    /* a figure: -1 unknown, else the value */
	long long used, limit;  /* limit 0: none */
};

struct lims {
	bool running;
	struct ctx c;
	struct fig mem, pids, disk, inodes;
	long long cpu_usec;     /* -1 unknown */
	unsigned weight, max;   /* weight 0: unknown; max 0: none (percent of a CPU) */
	struct dquota q;
	bool qok;
};

static void read_live(struct lims *l)
{
	const struct ctx *c = &l->c;
	unsigned long long v, p;
	bool none;
	char path[CG_PATH + 48], buf[4096], *s;
	const char *d;

	if (cg_num(c, "memory.current", &v, &none) || cg_num(c, "memory.usage_in_bytes", &v, &none))
		l->mem.used = (long long)v;
	if (cg_num(c, "memory.max", &v, &none) || cg_num(c, "memory.limit_in_bytes", &v, &none))
		l->mem.limit = (long long)v;
	if (cg_num(c, "pids.current", &v, &none))
		l->pids.used = (long long)v;
	if (cg_num(c, "pids.max", &v, &none))
		l->pids.limit = (long long)v;
	if ((d = cg_with(c, "cpu.stat")) && (snprintf(path, sizeof(path), "%s/cpu.stat", d), 1) &&
	    read_file(path, buf, sizeof(buf)) > 0 && !strncmp(buf, "usage_usec ", 11))
		l->cpu_usec = strtoll(buf + 11, NULL, 10);
	else if (cg_num(c, "cpuacct.usage", &v, &none))
		l->cpu_usec = (long long)(v / 1000);
	if (cg_num(c, "cpu.weight", &v, &none))
		l->weight = (unsigned)v;
	else if (cg_num(c, "cpu.shares", &v, &none))
		l->weight = (unsigned)(v * 100 / 1024);
	if ((d = cg_with(c, "cpu.max")) && (snprintf(path, sizeof(path), "%s/cpu.max", d), 1) &&
	    read_file(path, buf, sizeof(buf)) > 0 && strncmp(buf, "max", 3)) {
		v = strtoull(buf, &s, 10);
		p = strtoull(s, NULL, 10);
		l->max = p ? (unsigned)(v * 100 / p) : 0;
	} else if (cg_num(c, "cpu.cfs_quota_us", &v, &none) && !none &&
		   cg_num(c, "cpu.cfs_period_us", &p, &none) && p) {
		l->max = (unsigned)(v * 100 / p);
	}
}

static void read_lims(const struct guest *g, struct lims *l)
{
	memset(l, 0, sizeof(*l));
	l->mem = l->pids = l->disk = l->inodes = (struct fig){ -1, 0 };
	l->cpu_usec = -1;
	l->running = ctx_by_name(g->name, &l->c);
	if (l->running) {
		read_live(l);
	} else {
		l->mem.limit = (long long)g->c.memory;
		l->pids.limit = g->c.nproc > 0 ? g->c.nproc : 0;
		l->weight = g->c.cpu_weight ? g->c.cpu_weight : 100;
		l->max = g->c.cpu_max;
	}
	l->disk.limit = (long long)g->c.disk_limit;
	l->inodes.limit = (long long)g->c.inode_limit;
	char own[PATH_MAX];
	l->qok = !quota_read(uovl_own_root(g->name, g->root, own, sizeof(own)), &l->q);
	if (l->qok && l->q.label && l->q.acct) {
		l->disk.used = (long long)l->q.used;
		if (l->running)
			l->disk.limit = (long long)l->q.limit;
		if (l->q.inodes) {
			l->inodes.used = (long long)l->q.iused;
			if (l->running)
				l->inodes.limit = (long long)l->q.ilimit;
		}
	}
}

/* ---- showing ---------------------------------------------------------------- */
static const char *sz(long long v, bool bytes, char *buf, size_t n)
{
	if (v < 0)
		return "-";
	if (bytes)
		return fmt_kib((unsigned long long)v / 1024, buf, n);
	snprintf(buf, n, "%lld", v);
	return buf;
}

static void json_fig(const char *name, const struct fig *f)
{
	json_key(name);
	json_open('{');
	json_key("used");
	json_intn(f->used, f->used >= 0);
	json_key("limit");
	json_intn(f->limit, f->limit > 0);
	json_close('}');
}

/* the schema is vserver(8)'s, JSON OUTPUT */
static void show_json(const struct guest *g, const struct lims *l)
{
	json_open('{');
	json_key("name");
	json_str(g->name);
	json_key("running");
	json_bool(l->running);
	json_key("ctx");
	json_intn(l->c.xid, l->running);
	json_fig("memory", &l->mem);
	json_fig("pids", &l->pids);
	json_key("cpu");
	json_open('{');
	json_key("used_usec");
	json_intn(l->cpu_usec, l->cpu_usec >= 0);
	json_key("weight");
	json_intn(l->weight, l->weight);
	json_key("max_percent");
	json_intn(l->max, l->max);
	json_close('}');
	json_fig("disk", &l->disk);
	json_fig("inodes", &l->inodes);
	json_key("fs");
	json_str(l->qok ? l->q.fs : "");
	json_key("quota");
	if (!l->qok || !l->q.label) {
		json_null();
	} else {
		json_open('{');
		json_key("kind");
		json_str(l->q.kind == QK_BTRFS ? "qgroup" : "project");
		json_key("id");
		json_uint(l->q.id);
		json_key("enforced");
		json_bool(l->q.enforced);
		json_close('}');
	}
	json_close('}');
}

static void show_text(const struct guest *g, const struct lims *l)
{
	char a[32], b[32], note[96] = "";

	if (l->running)
		printf("%s: running (context %ld)\n", g->name, l->c.xid);
	else
		printf("%s: stopped (the limits of %s.conf)\n", g->name, g->name);
	printf("LIMIT   %-10s %-10s KEY\n", "USED", "MAX");
	printf("memory  %-10s %-10s S_MEMORY\n", sz(l->mem.used, true, a, sizeof(a)),
	       l->mem.limit > 0 ? sz(l->mem.limit, true, b, sizeof(b)) : "-");
	printf("pids    %-10s %-10s ULIMIT -u\n", sz(l->pids.used, false, a, sizeof(a)),
	       l->pids.limit > 0 ? sz(l->pids.limit, false, b, sizeof(b)) : "-");
	if (l->cpu_usec >= 0)
		snprintf(a, sizeof(a), "%.2fs", (double)l->cpu_usec / 1e6);
	snprintf(b, sizeof(b), "%u%%", l->max);
	printf("cpu     %-10s %-10s S_CPU", l->cpu_usec >= 0 ? a : "-", l->max ? b : "-");
	printf(l->weight ? " (weight %u)\n" : "\n", l->weight);
	if (l->qok && l->q.label && l->q.kind == QK_BTRFS)
		snprintf(note, sizeof(note), " (btrfs qgroup 0/%llu%s)", l->q.id,
			 l->q.inconsistent ? ", inconsistent: btrfs quota rescan" : "");
	else if (l->qok && l->q.label)
		snprintf(note, sizeof(note), " (%s project %llu)", l->q.fs, l->q.id);
	printf("disk    %-10s %-10s DISK_LIMIT%s\n", sz(l->disk.used, true, a, sizeof(a)),
	       l->disk.limit > 0 ? sz(l->disk.limit, true, b, sizeof(b)) : "-", note);
	printf("inodes  %-10s %-10s INODE_LIMIT\n", sz(l->inodes.used, false, a, sizeof(a)),
	       l->inodes.limit > 0 ? sz(l->inodes.limit, false, b, sizeof(b)) : "-");
}

/* ---- setting ------------------------------------------------------------------ */
struct cgundo { char path[CG_PATH + 48]; char val[64]; };

static void undo_cg(void *arg)
{
	struct cgundo *u = arg;
	write_file(u->path, u->val);
}

/* write val to file in the guest's cgroup that has it, the old value pushed
 * on the undo stack; false when the guest has no such file */
static bool cg_set(const struct guest *g, const struct ctx *c, const char *file, const char *val)
{
	const char *d = cg_with(c, file);
	struct cgundo u;

	if (!d)
		return false;
	snprintf(u.path, sizeof(u.path), "%s/%s", d, file);
	if (read_file(u.path, u.val, sizeof(u.val)) <= 0)
		die_errno("%s: can't read %s", g->name, u.path);
	u.val[strcspn(u.val, "\n")] = 0;
	if (write_file(u.path, val))
		die_errno("%s: can't write %s to %s", g->name, val, u.path);
	undo_push(undo_cg, &u, sizeof(u));
	return true;
}

static _Noreturn void no_cgroup(const struct guest *g, const char *key, const char *ctl)
{
	die("%s: %s: the running guest has no %s cgroup (it was started without this "
	    "limit): stop it, set the limit, start it", g->name, key, ctl);
}

static void live_memory(const struct guest *g, const struct ctx *c, unsigned long long m)
{
	char v[32];
	unsigned long long old;
	bool none;

	if (cg_with(c, "memory.max")) {
		snprintf(v, sizeof(v), m ? "%llu" : "max", m);
		cg_set(g, c, "memory.max", v);
		if (cg_with(c, "memory.swap.max"))
			cg_set(g, c, "memory.swap.max", "0");
		return;
	}
	if (!cg_num(c, "memory.limit_in_bytes", &old, &none))
		no_cgroup(g, "S_MEMORY", "memory");
	/* v1: memory <= memory+swap at every moment: grow the second first */
	snprintf(v, sizeof(v), m ? "%llu" : "-1", m);
	bool memsw = cg_with(c, "memory.memsw.limit_in_bytes");
	if (memsw && (!m || none || m > old))
		cg_set(g, c, "memory.memsw.limit_in_bytes", v);
	cg_set(g, c, "memory.limit_in_bytes", v);
	if (memsw && m && !none && m <= old)
		cg_set(g, c, "memory.memsw.limit_in_bytes", v);
}

static void live_cpu(const struct guest *g, const struct ctx *c, unsigned weight, unsigned max)
{
	char v[32];
	unsigned w = weight ? weight : 100;

	if (cg_with(c, "cpu.weight")) {
		snprintf(v, sizeof(v), "%u", w);
		cg_set(g, c, "cpu.weight", v);
		if (max)
			snprintf(v, sizeof(v), "%u 100000", max * 1000);
		if (!cg_set(g, c, "cpu.max", max ? v : "max 100000") && max)
			no_cgroup(g, "S_CPU", "cpu.max");
		return;
	}
	snprintf(v, sizeof(v), "%u", w * 1024 / 100 < 2 ? 2 : w * 1024 / 100);
	if (!cg_set(g, c, "cpu.shares", v))
		no_cgroup(g, "S_CPU", "cpu");
	snprintf(v, sizeof(v), "%u", max * 1000);
	cg_set(g, c, "cpu.cfs_period_us", "100000");
	cg_set(g, c, "cpu.cfs_quota_us", max ? v : "-1");
}

/* ULIMIT with its -u (pids) replaced: "-H -u 40 -n 64" -> "-H -n 64 -u N" */
static void ulimit_pids(const char *old, const char *n, char *out, size_t sz)
{
	char buf[1024], *save;
	size_t k = 0;
	bool skip = false;

	snprintf(buf, sizeof(buf), "%s", old);
	out[0] = 0;
	for (char *t = strtok_r(buf, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save)) {
		if (skip) {             /* the value of a -u */
			skip = false;
			continue;
		}
		if (t[0] == '-' && strchr(t + 1, 'u')) {
			/* -u, or a group ending in it (-Hu): the option goes */
			char *u = strchr(t + 1, 'u');
			memmove(u, u + 1, strlen(u));
			skip = true;
			if (!t[1])
				continue;
		}
		k += (size_t)snprintf(out + k, k < sz ? sz - k : 0, "%s%s", k ? " " : "", t);
	}
	snprintf(out + k, k < sz ? sz - k : 0, "%s-u %s", k ? " " : "", n);
}

static void undo_unlock(void *p)
{
	guest_unlock_drop(*(struct guest **)p);
}

static const struct { const char *alias, *key; } keys[] = {
	{ "memory", "S_MEMORY" }, { "cpu", "S_CPU" }, { "disk", "DISK_LIMIT" },
	{ "inodes", "INODE_LIMIT" }, { "pids", "ULIMIT" },
};

static int set(struct guest *g, char **args, bool quiet)
{
	const char *key[8], *val[8];
	char vbuf[8][1100], err[512];
	struct vconf nc = g->c, one;
	int n = 0;
	bool disk = false;

	for (; *args; args++) {
		char *eq = strchr(*args, '='), text[1200];
		size_t i;
		if (!eq || n == 8)
			usage_die(n == 8 ? "limits set: at most 8 at once" : "limits set: '%s' is not KEY=VALUE", *args);
		size_t kl = (size_t)(eq - *args);
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if ((strlen(keys[i].alias) == kl && !strncmp(*args, keys[i].alias, kl)) ||
			    (strcmp(keys[i].alias, "pids") && strlen(keys[i].key) == kl &&
			     !strncmp(*args, keys[i].key, kl)))
				break;
		if (i == sizeof(keys) / sizeof(keys[0]))
			usage_die("limits set: '%.*s' is none of S_MEMORY S_CPU DISK_LIMIT INODE_LIMIT "
				  "(memory cpu disk inodes) pids", (int)(eq - *args), *args);
		for (int j = 0; j < n; j++)
			if (!strcmp(key[j], keys[i].key))
				usage_die("limits set: %s is given twice", keys[i].key);
		key[n] = keys[i].key;
		if (!strcmp(keys[i].alias, "pids")) {
			char old[1024] = "";
			conf_get(g->conf, "ULIMIT", old, sizeof(old));
			ulimit_pids(old, eq + 1, vbuf[n], sizeof(vbuf[n]));
		} else {
			if (snprintf(vbuf[n], sizeof(vbuf[n]), "%s", eq + 1) >= (int)sizeof(vbuf[n]))
				usage_die("limits set: %s: value too long", key[n]);
		}
		val[n] = vbuf[n];
		/* the value alone, as NAME.conf's parser sees it */
		if (strpbrk(val[n], "\"$`\\\n"))
			usage_die("limits set: %s: a value may not contain \" $ ` \\ or a newline", *args);
		if (strlen(val[n]) > 1024 ||
		    snprintf(text, sizeof(text), "%s=\"%s\"\n", key[n], val[n]) >= (int)sizeof(text))
			usage_die("limits set: %s: value too long", key[n]);
		if (conf_parse(*args, text, &one, err, sizeof(err))) {
			fprintf(stderr, "%s: limits set: %s\n", applet_name, err + strlen(*args) + 4);
			exit(2);
		}
		if (!strcmp(key[n], "S_MEMORY"))
			nc.memory = one.memory;
		else if (!strcmp(key[n], "S_CPU"))
			nc.cpu_weight = one.cpu_weight, nc.cpu_max = one.cpu_max;
		else if (!strcmp(key[n], "DISK_LIMIT"))
			nc.disk_limit = one.disk_limit, disk = true;
		else if (!strcmp(key[n], "INODE_LIMIT"))
			nc.inode_limit = one.inode_limit, disk = true;
		else
			nc.nproc = one.nproc;
		n++;
	}
	if (!n)
		usage_die("limits set needs KEY=VALUE");
	if (geteuid() != 0)
		die("changing the limits of a guest needs root");
	guest_lock(g);
	undo_push(undo_unlock, &g, sizeof(g));  /* a failure leaves no lock file */
	struct ctx c;
	bool running = ctx_by_name(g->name, &c);
	for (int i = 0; running && i < n; i++) {
		char v[32];
		if (!strcmp(key[i], "S_MEMORY")) {
			live_memory(g, &c, nc.memory);
		} else if (!strcmp(key[i], "S_CPU")) {
			live_cpu(g, &c, nc.cpu_weight, nc.cpu_max);
		} else if (!strcmp(key[i], "ULIMIT")) {
			snprintf(v, sizeof(v), nc.nproc < 0 ? "max" : "%lld", nc.nproc);
			if (!cg_set(g, &c, "pids.max", v))
				no_cgroup(g, "ULIMIT -u", "pids");
		}
	}
	if (running && disk) {
		struct guest ng = *g;
		/* its seccomp filter is the one it started with: without a
		 * limit then, it may clear PROJINHERIT or make subvolumes */
		if ((nc.disk_limit || nc.inode_limit) && !(c.flags & CF_DQUOTA))
			die("%s: the running guest started without a disk limit, so its seccomp "
			    "filter lets it out of one: stop it, set the limit, start it", g->name);
		ng.c.disk_limit = nc.disk_limit;
		ng.c.inode_limit = nc.inode_limit;
		quota_apply(&ng, nc.disk_limit, nc.inode_limit, QA_LIVE | QA_QUIET);
	}
	/* last, in one piece: a failure here undoes the live changes */
	conf_edit(g->conf, n, key, val);
	undo_forget();
	guest_unlock_drop(g);
	if (!quiet) {
		printf("%s:", g->name);
		for (int i = 0; i < n; i++)
			printf(" %s=\"%s\"", key[i], val[i]);
		printf(running ? " (the running guest and %s)\n" : " (%s; the next start applies it)\n", g->conf);
	}
	return 0;
}

int guest_limits_cmd(struct guest *g, char **args, bool json, bool quiet)
{
	struct lims l;

	if (args[0] && !strcmp(args[0], "set"))
		return set(g, args + 1, quiet);
	if (args[0])
		usage_die("limits: unexpected argument '%s' (limits [--json], limits set KEY=VALUE...)", args[0]);
	read_lims(g, &l);
	if (json)
		show_json(g, &l);
	else
		show_text(g, &l);
	return 0;
}
