/* vps.c - vps and vpstree: every process of every context, with its context.
 *
 * Kernel interfaces: /proc (lib/proc.c reads it; no procps needed) and each
 * context's cgroup.procs (lib/pidctx.c) for the CTX and VSERVER columns.
 * Read-only throughout, so both work as the spectator (chcontext --ctx 1);
 * inside a context /proc itself shows only that context.
 */
#include "vsbox.h"
#include <sys/ioctl.h>
#include <time.h>

USAGE(vps, usage,
"usage: vps [ax|aux|-e|-A|-f|u] [-o COL[=HEAD],...]... [-p PID,...] [--xid N,...]\n"
"           [--name NAME]... [--sort [-]COL] [--no-headers|h] [w]\n"
"List every process of the host (inside a context: of that context) with two\n"
"added columns: CTX, its security context, and VSERVER, the guest's name\n"
"(MAIN for context 0, - for a context without a name, ? if unknown).\n"
"Default columns: pid,ctx,vserver,tname,stat,bsdtime,args (like ps ax).\n"
"  u, aux       user format: user,pid,ctx,vserver,pcpu,pmem,vsz,rss,tname,stat,\n"
"               start,bsdtime,args\n"
"  -f           full format: user=UID,pid,ctx,vserver,ppid,c,stime,tname,time,args\n"
"  -o LIST      exactly these columns; COL=HEAD renames, COL= drops the header\n"
"  -p PID,...   only these pids\n"
"  --xid N,...  only processes of these contexts (0: the host)\n"
"  --name NAME  only the processes of guest NAME (MAIN: the host)\n"
"  --sort COL   order by COL (-COL: descending); default: by pid\n"
"  --no-headers, h   no header line;  w: do not cut lines at the terminal width\n"
"  --json       a JSON array, an object per process with fixed keys (not -o):\n"
"               pid ppid pgid sid ctx vserver uid user tty stat nlwp nice pri\n"
"               vsz rss (bytes) cpu_usec start (Unix time) comm args; vps(8)\n"
"  a, x, -e, -A are accepted: every process is always listed.\n"
"Columns: pid ppid pgid sid ctx vserver user uid tty tname stat s bsdtime time\n"
"etime start stime vsz rss pcpu pmem c ni pri nlwp comm args (aliases: xid vname\n"
"cmd command %cpu %mem ucomm cputime tt state vsize rssize nice thcount ...).\n"
"Exit status 1 when no process matched.\n");

USAGE(vps, usage_tree,
"usage: vpstree [-a] [-U] [--xid N,...] [--name NAME]...\n"
"Show the process tree, every process as COMMAND(PID), each context's\n"
"subtree labelled [ctx N NAME] where it begins.\n"
"  -a           show command lines, not just command names\n"
"  -U           draw lines with UTF-8 characters\n"
"  --xid N,...  only the subtrees of these contexts\n"
"  --name NAME  only the subtrees of guest NAME (MAIN: the host)\n");

static const struct option opts[] = {
	{ "xid", required_argument, NULL, 'X' },
	{ "name", required_argument, NULL, 'N' },
	{ "sort", required_argument, NULL, 'S' },
	{ "no-headers", no_argument, NULL, 'H' },
	{ "json", no_argument, NULL, 'J' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 }
};

enum {
	C_PID, C_PPID, C_PGID, C_SID, C_CTX, C_VSERVER, C_USER, C_UID, C_TTY,
	C_STAT, C_S, C_BSDTIME, C_TIME, C_ETIME, C_START, C_STIME, C_VSZ, C_RSS,
	C_PCPU, C_PMEM, C_C, C_NI, C_PRI, C_NLWP, C_COMM, C_ARGS,
};

/* width < 0: left aligned; need: what lib/proc.c must read for it */
static const struct coldef {
	const char *key, *head;
	int width, id;
	unsigned need;
} coldefs[] = {
	{ "pid", "PID", 7, C_PID, 0 }, { "ppid", "PPID", 7, C_PPID, 0 },
	{ "pgid", "PGID", 7, C_PGID, 0 }, { "pgrp", "PGID", 7, C_PGID, 0 },
	{ "sid", "SID", 7, C_SID, 0 }, { "sess", "SID", 7, C_SID, 0 },
	{ "ctx", "CTX", 5, C_CTX, 0 }, { "xid", "CTX", 5, C_CTX, 0 },
	{ "vserver", "VSERVER", -10, C_VSERVER, 0 }, { "vname", "VSERVER", -10, C_VSERVER, 0 },
	{ "user", "USER", -8, C_USER, PR_STATUS }, { "euser", "USER", -8, C_USER, PR_STATUS },
	{ "uname", "USER", -8, C_USER, PR_STATUS }, { "uid", "UID", 5, C_UID, PR_STATUS },
	{ "euid", "UID", 5, C_UID, PR_STATUS },
	{ "tty", "TT", -8, C_TTY, 0 }, { "tt", "TT", -8, C_TTY, 0 }, { "tname", "TTY", -8, C_TTY, 0 },
	{ "stat", "STAT", -4, C_STAT, 0 }, { "s", "S", -1, C_S, 0 }, { "state", "S", -1, C_S, 0 },
	{ "bsdtime", "TIME", 6, C_BSDTIME, 0 }, { "time", "TIME", 8, C_TIME, 0 },
	{ "cputime", "TIME", 8, C_TIME, 0 }, { "etime", "ELAPSED", 11, C_ETIME, 0 },
	{ "start", "START", 5, C_START, 0 }, { "bsdstart", "START", 5, C_START, 0 },
	{ "stime", "STIME", 5, C_STIME, 0 }, { "start_time", "START", 5, C_STIME, 0 },
	{ "vsz", "VSZ", 7, C_VSZ, 0 }, { "vsize", "VSZ", 7, C_VSZ, 0 },
	{ "rss", "RSS", 6, C_RSS, PR_STATUS }, { "rssize", "RSS", 6, C_RSS, PR_STATUS },
	{ "pcpu", "%CPU", 4, C_PCPU, 0 }, { "%cpu", "%CPU", 4, C_PCPU, 0 },
	{ "pmem", "%MEM", 4, C_PMEM, PR_STATUS }, { "%mem", "%MEM", 4, C_PMEM, PR_STATUS },
	{ "c", "C", 2, C_C, 0 }, { "ni", "NI", 3, C_NI, 0 }, { "nice", "NI", 3, C_NI, 0 },
	{ "pri", "PRI", 3, C_PRI, 0 }, { "nlwp", "NLWP", 4, C_NLWP, 0 },
	{ "thcount", "NLWP", 4, C_NLWP, 0 },
	{ "comm", "COMMAND", -7, C_COMM, 0 }, { "ucomm", "COMMAND", -7, C_COMM, 0 },
	{ "ucmd", "CMD", -7, C_COMM, 0 },
	{ "args", "COMMAND", -7, C_ARGS, PR_ARGS }, { "cmd", "CMD", -7, C_ARGS, PR_ARGS },
	{ "command", "COMMAND", -7, C_ARGS, PR_ARGS },
};
#define NCOLDEFS (sizeof(coldefs) / sizeof(coldefs[0]))
#define MAXCOLS 32

struct col { const struct coldef *d; char head[32]; };

static struct {
	bool tree, noheads, wide, ascii, json;
	bool args;                      /* vpstree -a */
	int ncol;
	struct col col[MAXCOLS];
	const char *format;             /* a built-in format, if no -o */
	pid_t *pids;
	int npids;
	long *xids;
	int nxids;
	const char **names;
	int nnames;
	const char *sortkey;
	struct ctxmap map;
	double uptime;
	unsigned long long memtotal;
	time_t boot, now;
} G;

static const char fmt_default[] = "pid,ctx,vserver,tname,stat,bsdtime,args";
static const char fmt_user[] = "user,pid,ctx,vserver,pcpu,pmem,vsz,rss,tname,stat,start,bsdtime,args";
static const char fmt_full[] = "user=UID,pid,ctx,vserver,ppid,c,stime,tname,time,args";

static const struct coldef *find_col(const char *key, size_t len)
{
	for (size_t i = 0; i < NCOLDEFS; i++)
		if (strlen(coldefs[i].key) == len && !strncasecmp(coldefs[i].key, key, len))
			return &coldefs[i];
	return NULL;
}

/* "pid,user=OWNER,args": commas or blanks between; a header after '='
 * runs to the end of the item (ps's rule) */
static void add_cols(const char *list)
{
	const char *p = list;

	while (*p) {
		while (*p == ',' || *p == ' ')
			p++;
		if (!*p)
			break;
		size_t len = strcspn(p, ",= ");
		const struct coldef *d = find_col(p, len);
		if (!d)
			usage_die("-o: unknown column '%.*s'", (int)len, p);
		if (G.ncol == MAXCOLS)
			usage_die("-o: more than %d columns", MAXCOLS);
		struct col *c = &G.col[G.ncol++];
		c->d = d;
		snprintf(c->head, sizeof(c->head), "%s", d->head);
		p += len;
		if (*p == '=') {
			size_t hl = strcspn(++p, ",");
			snprintf(c->head, sizeof(c->head), "%.*s", (int)hl, p);
			p += hl;
		}
	}
}

static void parse_pids(const char *s)
{
	char buf[4096], *save, *t;

	xsnprintf(buf, sizeof(buf), "%s", s);
	for (t = strtok_r(buf, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
		G.pids = xrealloc(G.pids, (size_t)(G.npids + 1) * sizeof(pid_t));
		G.pids[G.npids++] = (pid_t)parse_long(t, 1, INT_MAX, "-p");
	}
}

static void add_xid(long xid)
{
	G.xids = xrealloc(G.xids, (size_t)(G.nxids + 1) * sizeof(long));
	G.xids[G.nxids++] = xid;
}

static void parse_xids(const char *s)
{
	char buf[1024], *save, *t;

	xsnprintf(buf, sizeof(buf), "%s", s);
	for (t = strtok_r(buf, ", ", &save); t; t = strtok_r(NULL, ", ", &save))
		add_xid(parse_long(t, 0, XID_MAX, "--xid"));
}

/* BSD-style options without a dash: a x u w h */
static bool bsd_opts(const char *s)
{
	for (const char *p = s; *p; p++)
		if (!strchr("axuwh", *p))
			return false;
	for (; *s; s++) {
		if (*s == 'u')
			G.format = fmt_user;
		else if (*s == 'w')
			G.wide = true;
		else if (*s == 'h')
			G.noheads = true;
	}
	return true;
}

/* ---- selection: decided on the bare pid, before anything is read ------- */
static bool keep(pid_t pid, void *arg)
{
	bool found = !G.npids;

	for (int i = 0; i < G.npids && !found; i++)
		found = G.pids[i] == pid;
	if (!found || !G.nxids)
		return found;
	long xid = ctxmap_xid(&G.map, pid);
	for (int i = 0; i < G.nxids; i++)
		if (G.xids[i] == xid)
			return true;
	return false;
}

/* ---- output: a hand-rolled buffer, printf per field costs too much ----- */
static char obuf[1 << 16] BIG;
static size_t olen, linestart;
static int maxw;                        /* cut lines here (tty), 0: never */

static void oflush(void)
{
	xwrite_fd(1, obuf, olen, "standard output");
	olen = linestart = 0;
}

static void oput(const char *s, size_t n)
{
	if (olen + n >= sizeof(obuf)) {
		size_t keep_from = linestart;
		/* a line never straddles a flush: cutting needs all of it */
		xwrite_fd(1, obuf, keep_from, "standard output");
		memmove(obuf, obuf + keep_from, olen - keep_from);
		olen -= keep_from;
		linestart = 0;
		if (olen + n >= sizeof(obuf))
			n = sizeof(obuf) - olen - 1;
	}
	memcpy(obuf + olen, s, n);
	olen += n;
}

static void oendline(void)
{
	if (maxw > 0 && olen - linestart > (size_t)maxw) {
		/* cut at the width, but never inside a UTF-8 sequence */
		size_t end = linestart + (size_t)maxw;
		while (end > linestart && (obuf[end] & 0xc0) == 0x80)
			end--;
		olen = end;
	}
	oput("\n", 1);
	linestart = olen;
}

/* a field: right-aligned in width w, or left-aligned (w < 0), padded unless last */
static void ofield(const char *s, int w, bool first, bool last)
{
	static const char spaces[] = "                                ";
	size_t len = strlen(s), aw = (size_t)(w < 0 ? -w : w);

	if (!first)
		oput(" ", 1);
	if (w > 0 && len < aw)
		oput(spaces, aw - len);
	oput(s, len);
	if (w < 0 && !last && len < aw)
		oput(spaces, aw - len);
}

static char *utoa(unsigned long long v, char *end)
{
	*--end = 0;
	do
		*--end = (char)('0' + v % 10);
	while (v /= 10);
	return end;
}

static char *itoa(long long v, char *end)
{
	char *p = utoa((unsigned long long)(v < 0 ? -v : v), end);
	if (v < 0)
		*--p = '-';
	return p;
}

/* ---- column values -------------------------------------------------------- */
static double elapsed(const struct proc *p)
{
	double e = G.uptime - (double)p->start / (double)proc_hz();
	return e > 0 ? e : 0;
}

static double pcpu(const struct proc *p)
{
	double e = elapsed(p);
	return e > 0 ? (double)(p->utime + p->stime) / (double)proc_hz() * 100.0 / e : 0;
}

static double pmem(const struct proc *p)
{
	return G.memtotal ? (double)p->rss * 100.0 / (double)G.memtotal : 0;
}

static const char *fmt_start(const struct proc *p, char *buf, size_t n)
{
	time_t t = G.boot + (time_t)(p->start / (unsigned long long)proc_hz());
	struct tm tm, now;

	localtime_r(&t, &tm);
	localtime_r(&G.now, &now);
	/* ps: HH:MM within a day, then MonDD within the year, then the year
	 * (by hand: strftime's locale machinery costs 4 KB for these three) */
	if (G.now - t < 86400)
		snprintf(buf, n, "%02d:%02d", tm.tm_hour, tm.tm_min);
	else if (tm.tm_year == now.tm_year)
		snprintf(buf, n, "%s%02d", proc_month(tm.tm_mon), tm.tm_mday);
	else
		snprintf(buf, n, "%d", tm.tm_year + 1900);
	return buf;
}

static const char *value(const struct proc *p, int id, char *buf, size_t n)
{
	char *end = buf + n;

	switch (id) {
	case C_PID: return utoa((unsigned)p->pid, end);
	case C_PPID: return utoa((unsigned)p->ppid, end);
	case C_PGID: return itoa(p->pgrp, end);
	case C_SID: return itoa(p->sid, end);
	case C_CTX: return p->xid < 0 ? "?" : utoa((unsigned long long)p->xid, end);
	case C_VSERVER: return ctxmap_name(&G.map, p->xid);
	case C_USER: return proc_user(p->uid);
	case C_UID: return utoa(p->uid, end);
	case C_TTY: return proc_tty(p->tty, buf, n);
	case C_STAT: return proc_stat_str(p, buf, n);
	case C_S: buf[0] = p->state; buf[1] = 0; return buf;
	case C_BSDTIME: return fmt_bsdtime(p->utime + p->stime, buf, n);
	case C_TIME: return fmt_dhms((p->utime + p->stime) / (unsigned long long)proc_hz(), false, buf, n);
	case C_ETIME: return fmt_dhms((unsigned long long)elapsed(p), true, buf, n);
	case C_START: case C_STIME: return fmt_start(p, buf, n);
	case C_VSZ: return utoa(p->vsz, end);
	case C_RSS: return utoa(p->rss, end);
	case C_PCPU: snprintf(buf, n, "%.1f", pcpu(p)); return buf;
	case C_PMEM: snprintf(buf, n, "%.1f", pmem(p)); return buf;
	case C_C: return utoa((unsigned long long)(pcpu(p) > 99 ? 99 : pcpu(p)), end);
	case C_NI: return p->prio < 0 ? "-" : itoa(p->nice, end);   /* real-time: - */
	case C_PRI: return itoa(p->prio, end);
	case C_NLWP: return utoa((unsigned)p->nlwp, end);
	case C_COMM: return p->comm;
	case C_ARGS:
		/* ps: [comm] when there are no arguments, <defunct> for zombies */
		if (p->state == 'Z')
			snprintf(buf, n, "[%s] <defunct>", p->comm);
		else if (!p->args || !*p->args)
			snprintf(buf, n, "[%s]", p->comm);
		else
			return p->args;
		return buf;
	}
	return "";
}

/* ---- sorting ----------------------------------------------------------- */
static int sort_id = -1, sort_dir = 1;

static int cmp_num(double a, double b)
{
	return (a > b) - (a < b);
}

static int cmp_proc(const void *a, const void *b)
{
	const struct proc *x = a, *y = b;
	char bx[64], by[64];
	int r;

	switch (sort_id) {
	case C_PCPU: case C_C: r = cmp_num(pcpu(x), pcpu(y)); break;
	case C_PMEM: case C_RSS: r = cmp_num((double)x->rss, (double)y->rss); break;
	case C_VSZ: r = cmp_num((double)x->vsz, (double)y->vsz); break;
	case C_BSDTIME: case C_TIME:
		r = cmp_num((double)(x->utime + x->stime), (double)(y->utime + y->stime)); break;
	case C_START: case C_STIME: case C_ETIME: r = cmp_num((double)x->start, (double)y->start); break;
	case C_CTX: case C_VSERVER: r = cmp_num((double)x->xid, (double)y->xid); break;
	case C_PPID: r = cmp_num(x->ppid, y->ppid); break;
	case C_UID: case C_USER: r = cmp_num(x->uid, y->uid); break;
	case C_NI: r = cmp_num(x->nice, y->nice); break;
	case C_PID: r = 0; break;
	default: r = strcmp(value(x, sort_id, bx, sizeof(bx)), value(y, sort_id, by, sizeof(by)));
	}
	/* ties by pid, always ascending: the order is stable and complete */
	return r ? r * sort_dir : cmp_num(x->pid, y->pid) * (sort_id == C_PID ? sort_dir : 1);
}

static void set_sort(const char *key)
{
	if (*key == '-' || *key == '+') {
		sort_dir = *key == '-' ? -1 : 1;
		key++;
	}
	const struct coldef *d = find_col(key, strlen(key));
	if (!d)
		usage_die("--sort: unknown column '%s'", key);
	sort_id = d->id;
}

/* ---- vps --json: fixed keys, numbers in bytes, microseconds, Unix time --- */
static void proc_json(const struct proc *p)
{
	char buf[64];
	const char *v = ctxmap_name(&G.map, p->xid);

	json_open('{');
	json_key("pid");
	json_int(p->pid);
	json_key("ppid");
	json_int(p->ppid);
	json_key("pgid");
	json_int(p->pgrp);
	json_key("sid");
	json_int(p->sid);
	json_key("ctx");
	json_intn(p->xid, p->xid >= 0);
	json_key("vserver");            /* MAIN for context 0, null: no name */
	json_str(strcmp(v, "-") && strcmp(v, "?") ? v : NULL);
	json_key("uid");
	json_int(p->uid);
	json_key("user");
	json_str(proc_user(p->uid));
	json_key("tty");
	json_str(p->tty ? proc_tty(p->tty, buf, sizeof(buf)) : NULL);
	json_key("stat");
	json_str(proc_stat_str(p, buf, sizeof(buf)));
	json_key("nlwp");
	json_int(p->nlwp);
	json_key("nice");               /* null: a real-time process */
	json_intn(p->nice, p->prio >= 0);
	json_key("pri");
	json_int(p->prio);
	json_key("vsz");
	json_uint(p->vsz * 1024);
	json_key("rss");
	json_uint(p->rss * 1024);
	json_key("cpu_usec");
	json_uint((p->utime + p->stime) * 1000000 / (unsigned long long)proc_hz());
	json_key("start");
	json_int((long long)G.boot + (long long)(p->start / (unsigned long long)proc_hz()));
	json_key("comm");
	json_str(p->comm);
	json_key("args");
	json_str(p->args);
	json_close('}');
}

/* ---- vps ----------------------------------------------------------------- */
static int terminal_width(void)
{
	struct winsize ws;
	const char *c = getenv("COLUMNS");

	if (G.wide || !isatty(1))
		return 0;
	if (c && atoi(c) > 0)
		return atoi(c);
	if (!ioctl(1, TIOCGWINSZ, &ws) && ws.ws_col)
		return ws.ws_col;
	return 80;
}

static int list_procs(struct proclist *l, unsigned want)
{
	if (proc_scan(l, want, keep, NULL) < 0)
		die_errno("can't read /proc");
	for (int i = 0; i < l->n; i++)
		l->p[i].xid = ctxmap_xid(&G.map, l->p[i].pid);
	return l->n;
}

static int run_vps(void)
{
	struct proclist l;
	unsigned want = 0;
	char buf[4096];

	if (!G.ncol)
		add_cols(G.format ? G.format : fmt_default);
	for (int i = 0; i < G.ncol; i++)
		want |= G.col[i].d->need;
	list_procs(&l, G.json ? PR_STATUS | PR_ARGS : want);
	G.uptime = proc_uptime();
	G.memtotal = proc_meminfo("MemTotal");
	G.now = time(NULL);
	G.boot = proc_boottime();
	if (sort_id >= 0)
		qsort(l.p, (size_t)l.n, sizeof(*l.p), cmp_proc);
	if (G.json) {
		json_open('[');
		for (int k = 0; k < l.n; k++)
			proc_json(&l.p[k]);
		json_close(']');
		int n = l.n;
		proc_free(&l);
		return n ? 0 : 1;
	}
	maxw = terminal_width();
	if (!G.noheads) {
		bool any = false;
		for (int i = 0; i < G.ncol; i++)
			any |= G.col[i].head[0] != 0;
		for (int i = 0; any && i < G.ncol; i++)
			ofield(G.col[i].head, G.col[i].d->width, i == 0, i == G.ncol - 1);
		if (any)
			oendline();
	}
	for (int k = 0; k < l.n; k++) {
		for (int i = 0; i < G.ncol; i++)
			ofield(value(&l.p[k], G.col[i].d->id, buf, sizeof(buf)),
			       G.col[i].d->width, i == 0, i == G.ncol - 1);
		oendline();
	}
	oflush();
	int n = l.n;
	proc_free(&l);
	return n ? 0 : 1;
}

/* ---- vpstree ------------------------------------------------------------- */
struct node { int first, next; };      /* first child, next sibling: indices */

static struct proclist T;
static struct node *nodes;
static char *prefix;

static int find_pid(pid_t pid)
{
	int lo = 0, hi = T.n;

	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (T.p[mid].pid == pid)
			return mid;
		if (T.p[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static void print_node(int i, size_t plen, long parent_xid)
{
	const struct proc *p = &T.p[i];
	char buf[96], num[24], *s;
	const char *tee = G.ascii ? "|-" : "\342\224\234\342\224\200",
		   *elbow = G.ascii ? "`-" : "\342\224\224\342\224\200",
		   *bar = G.ascii ? "| " : "\342\224\202 ";

	oput(p->comm, strlen(p->comm));
	oput("(", 1);
	s = utoa((unsigned)p->pid, num + sizeof(num));
	oput(s, strlen(s));
	oput(")", 1);
	if (G.args && p->args && *p->args) {
		/* the arguments after argv[0], as pstree -a shows them */
		const char *a = strchr(p->args, ' ');
		if (a)
			oput(a, strlen(a));
	}
	if (p->xid != parent_xid) {
		snprintf(buf, sizeof(buf), "  [ctx %s %s]", p->xid < 0 ? "?" : utoa((unsigned long long)p->xid, num + sizeof(num)),
			 ctxmap_name(&G.map, p->xid));
		oput(buf, strlen(buf));
	}
	oendline();
	for (int c = nodes[i].first; c >= 0; c = nodes[c].next) {
		bool last = nodes[c].next < 0;
		oput(prefix, plen);
		oput(last ? elbow : tee, strlen(last ? elbow : tee));
		/* children of this child get our prefix plus a bar (or blanks) */
		size_t add = last ? 2 : strlen(bar);
		prefix = xrealloc(prefix, plen + add + 1);
		memcpy(prefix + plen, last ? "  " : bar, add);
		print_node(c, plen + add, p->xid);
	}
}

static bool xid_selected(long xid)
{
	for (int i = 0; i < G.nxids; i++)
		if (G.xids[i] == xid)
			return true;
	return !G.nxids;
}

static int run_tree(void)
{
	int shown = 0;

	list_procs(&T, G.args ? PR_ARGS : 0);
	maxw = terminal_width();
	nodes = xmalloc((size_t)(T.n ? T.n : 1) * sizeof(*nodes));
	for (int i = 0; i < T.n; i++)
		nodes[i].first = nodes[i].next = -1;
	/* link children in reverse so each list ends up in pid order */
	for (int i = T.n - 1; i >= 0; i--) {
		int par = T.p[i].ppid ? find_pid(T.p[i].ppid) : -1;
		if (par >= 0 && par != i) {
			nodes[i].next = nodes[par].first;
			nodes[par].first = i;
		}
	}
	prefix = xmalloc(1);
	for (int i = 0; i < T.n; i++) {
		int par = T.p[i].ppid ? find_pid(T.p[i].ppid) : -1;
		bool root = par < 0 || par == i;
		/* with a selection: where a selected context's subtree begins */
		if (G.nxids)
			root = xid_selected(T.p[i].xid) && (root || T.p[par].xid != T.p[i].xid);
		if (!root)
			continue;
		print_node(i, 0, -2);       /* a root always shows its context */
		shown++;
	}
	oflush();
	proc_free(&T);
	free(nodes);
	free(prefix);
	return shown ? 0 : 1;
}

int vps_main(int argc, char **argv)
{
	const struct usage *u = usage;
	const char *shortopts = "eAfo:p:";
	int c;

	G.tree = !strcmp(applet_name, "vpstree");
	G.ascii = true;
	if (G.tree) {
		u = usage_tree;
		shortopts = "aU";
	}
	for (;;) {
		c = opt_next(argc, argv, shortopts, opts, u);
		if (c == -1) {
			/* BSD-style "ax", "aux" are not options to getopt */
			if (optind < argc && !G.tree && bsd_opts(argv[optind])) {
				optind++;
				continue;
			}
			break;
		}
		switch (c) {
		case 'e': case 'A': break;
		case 'f': G.format = fmt_full; break;
		case 'o': add_cols(optarg); break;
		case 'p': parse_pids(optarg); break;
		case 'X': parse_xids(optarg); break;
		case 'N':
			G.names = xrealloc(G.names, (size_t)(G.nnames + 1) * sizeof(char *));
			G.names[G.nnames++] = optarg;
			break;
		case 'S': set_sort(optarg); break;
		case 'H': G.noheads = true; break;
		case 'J': G.json = true; break;
		case 'a': G.args = true; break;
		case 'U': G.ascii = false; break;
		}
	}
	if (optind < argc)
		usage_die("unexpected argument '%s'", argv[optind]);
	if (G.json && (G.tree || G.ncol))
		usage_die("--json has its own keys: not with -o, nor for vpstree");
	ctxmap_load(&G.map);
	for (int i = 0; i < G.nnames; i++) {
		long x = ctxmap_by_name(&G.map, G.names[i]);
		if (x < 0)
			die("no running guest named '%s'", G.names[i]);
		add_xid(x);
	}
	return G.tree ? run_tree() : run_vps();
}

int vpstree_main(int argc, char **argv)
{
	return vps_main(argc, argv);
}
