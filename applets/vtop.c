/* vtop.c - a live view of every process of every context, top-like.
 *
 * Kernel interfaces: /proc (lib/proc.c), the contexts' cgroup.procs
 * (lib/pidctx.c), the terminal through termios (raw mode) and ANSI escape
 * sequences. CPU% is the difference of two samples; the first frame shows
 * each process's average since it started, as ps does. Read-only: it works
 * as the spectator, and inside a context shows that context.
 */
#include "vsbox.h"
#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>

USAGE(vtop, usage,
"usage: vtop [-b] [-n N] [-d SECS] [-c] [--xid N,...] [--sort cpu|mem|time|pid|ctx]\n"
"A live view of the processes of every context, refreshed every SECS seconds\n"
"(default 2): a line per context with its totals, then the processes.\n"
"  -b           batch mode: plain text frames on standard output (for scripts)\n"
"  -n N         stop after N frames\n"
"  -d SECS      seconds between frames (0.1 to 3600; decimals allowed)\n"
"  -c           show command lines instead of command names\n"
"  --xid N,...  only these contexts (0: the host)\n"
"  --sort KEY   order processes by cpu (default), mem, time, pid or ctx\n"
"Keys: q quit, P sort by CPU, M by memory, T by time, N by pid, X by context,\n"
"x filter by context (type its number and Enter; empty: all), c command\n"
"lines, space refresh now. Without a terminal, vtop runs in batch mode.\n");

static const struct option opts[] = {
	{ "xid", required_argument, NULL, 'X' },
	{ "sort", required_argument, NULL, 'S' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 }
};

enum { S_CPU, S_MEM, S_TIME, S_PID, S_CTX };
static const char *const sort_names[] = { "cpu", "mem", "time", "pid", "ctx" };

struct prev { pid_t pid; unsigned long long start, ticks; };

static struct {
	bool batch, args;
	long frames;                    /* -n, 0: forever */
	double delay;
	int sort;
	long *xids;
	int nxids;
	/* state between frames */
	struct prev *prev;
	int nprev;
	double last;                    /* monotonic time of the previous sample */
	double *pcpu;                   /* per process of the current sample */
	int rows, cols;
	struct termios saved;
	bool raw;
	char input[16];                 /* the x prompt's digits */
	int ninput;
	bool prompting;
	struct ctxmap map;
} G = { .delay = 2.0 };

static volatile sig_atomic_t got_quit, got_winch;

static double now_mono(void)
{
	return (double)mono_ns() / 1e9;
}

static void parse_xids(const char *s)
{
	char buf[1024], *save, *t;

	xsnprintf(buf, sizeof(buf), "%s", s);
	for (t = strtok_r(buf, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
		G.xids = xrealloc(G.xids, (size_t)(G.nxids + 1) * sizeof(long));
		G.xids[G.nxids++] = parse_long(t, 0, XID_MAX, "--xid");
	}
}

static double parse_delay(const char *s)
{
	long long ms;

	if (!scan_fixed(s, 3, &ms) || ms < 100 || ms > 3600000)
		usage_die("-d: '%s' is not a number of seconds from 0.1 to 3600", s);
	return (double)ms / 1000;
}

static int parse_sort(const char *s)
{
	for (int i = 0; i < 5; i++)
		if (!strcasecmp(s, sort_names[i]))
			return i;
	usage_die("--sort: '%s' is none of cpu mem time pid ctx", s);
}

/* ---- the terminal ----------------------------------------------------------- */
static void term_restore(void)
{
	if (!G.raw)
		return;
	/* leave the alternate screen, show the cursor, cooked mode again */
	write(1, "\033[?25h\033[?1049l", 14);
	tcsetattr(0, TCSAFLUSH, &G.saved);
	G.raw = false;
}

static void on_quit(int sig)
{
	got_quit = sig;
}

static void on_winch(int sig)
{
	got_winch = 1;
}

static void term_size(void)
{
	struct winsize ws;

	G.rows = 24;
	G.cols = 80;
	if (!ioctl(1, TIOCGWINSZ, &ws) && ws.ws_row && ws.ws_col) {
		G.rows = ws.ws_row;
		G.cols = ws.ws_col;
	}
}

static void term_raw(void)
{
	struct termios t;
	struct sigaction sa = { .sa_handler = on_quit };

	if (tcgetattr(0, &G.saved))
		die_errno("can't read the terminal settings");
	t = G.saved;
	/* keys arrive one by one, unechoed; ^C still raises SIGINT */
	t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(0, TCSAFLUSH, &t))
		die_errno("can't set the terminal to raw mode");
	G.raw = true;
	atexit(term_restore);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_winch;
	sigaction(SIGWINCH, &sa, NULL);
	term_size();
	/* the alternate screen keeps the user's scrollback; no cursor */
	xwrite_fd(1, "\033[?1049h\033[?25l", 14, "the terminal");
}

/* ---- a frame -------------------------------------------------------------- */
static char *fbuf;
static size_t flen, fcap;

static void fput(const char *s, size_t n)
{
	if (flen + n + 1 > fcap) {
		fcap = (fcap + n) * 2 + 4096;
		fbuf = xrealloc(fbuf, fcap);
	}
	memcpy(fbuf + flen, s, n);
	flen += n;
}

/* one line of the frame; cut at the width on a terminal (no wrapping) */
static void line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void line(const char *fmt, ...)
{
	char buf[8192];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	if (!G.batch && n > G.cols) {
		n = G.cols;
		while (n > 0 && (buf[n] & 0xc0) == 0x80)
			n--;
	}
	fput(buf, (size_t)n);
	fput(G.batch ? "\n" : "\033[K\n", G.batch ? 1 : 4);
}

static bool selected(long xid)
{
	for (int i = 0; i < G.nxids; i++)
		if (G.xids[i] == xid)
			return true;
	return !G.nxids;
}

static struct proclist L;

/* processes are sorted as indices into L, so G.pcpu[i] stays with L.p[i] */
static int cmp_idx(const void *a, const void *b)
{
	int i = *(const int *)a, k = *(const int *)b;
	const struct proc *x = &L.p[i], *y = &L.p[k];
	double dx = 0, dy = 0;

	switch (G.sort) {
	case S_CPU: dx = G.pcpu[i]; dy = G.pcpu[k]; break;
	case S_MEM: dx = (double)x->rss; dy = (double)y->rss; break;
	case S_TIME: dx = (double)(x->utime + x->stime); dy = (double)(y->utime + y->stime); break;
	case S_CTX: dx = (double)-x->xid; dy = (double)-y->xid; break;
	}
	/* biggest first; ties (and S_PID) by pid, ascending */
	if (dx != dy)
		return dx < dy ? 1 : -1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

static int cmp_prev(const void *a, const void *b)
{
	const struct prev *x = a, *y = b;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* CPU% of every process: the ticks since the previous sample, or (first
 * frame, or a process new since) its average since it started */
static void cpu_percent(double now, double uptime)
{
	double span = now - G.last;
	long hz = proc_hz();

	G.pcpu = xrealloc(G.pcpu, (size_t)(L.n ? L.n : 1) * sizeof(double));
	for (int i = 0; i < L.n; i++) {
		struct proc *p = &L.p[i];
		unsigned long long ticks = p->utime + p->stime;
		struct prev key = { p->pid, 0, 0 }, *o = NULL;
		if (G.nprev)
			o = bsearch(&key, G.prev, (size_t)G.nprev, sizeof(key), cmp_prev);
		if (o && o->start == p->start && span > 0) {
			G.pcpu[i] = (double)(ticks - o->ticks) / (double)hz * 100.0 / span;
		} else {
			double age = uptime - (double)p->start / (double)hz;
			G.pcpu[i] = age > 0 ? (double)ticks / (double)hz * 100.0 / age : 0;
		}
	}
	/* this sample is the next one's reference (scan order is pid order) */
	G.prev = xrealloc(G.prev, (size_t)(L.n ? L.n : 1) * sizeof(*G.prev));
	for (int i = 0; i < L.n; i++)
		G.prev[i] = (struct prev){ L.p[i].pid, L.p[i].start, L.p[i].utime + L.p[i].stime };
	G.nprev = L.n;
	qsort(G.prev, (size_t)G.nprev, sizeof(*G.prev), cmp_prev);
	G.last = now;
}

struct total { long xid; long procs; double cpu; unsigned long long rss; };

static void header(double uptime, int ntotal)
{
	char t[32], up[48], load[64] = "";
	time_t now = time(NULL);
	struct tm tm;
	int states[5] = { 0 };          /* running sleeping stopped zombie other */
	unsigned long long total = proc_meminfo("MemTotal"), avail = proc_meminfo("MemAvailable");
	unsigned long long s = (unsigned long long)uptime;
	char a[16], b[16], c[16];

	localtime_r(&now, &tm);
	snprintf(t, sizeof(t), "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
	if (s >= 86400)
		snprintf(up, sizeof(up), "%llu day%s, %02llu:%02llu", s / 86400, s / 86400 == 1 ? "" : "s",
			 s / 3600 % 24, s / 60 % 60);
	else
		snprintf(up, sizeof(up), "%02llu:%02llu", s / 3600, s / 60 % 60);
	/* the first three fields of /proc/loadavg */
	if (read_file("/proc/loadavg", load, sizeof(load)) > 0) {
		char *p = load;
		for (int k = 0; k < 3 && p; k++)
			p = strchr(p + 1, ' ');
		if (p)
			*p = 0;
	}
	for (int i = 0; i < L.n; i++) {
		if (!selected(L.p[i].xid))
			continue;
		switch (L.p[i].state) {
		case 'R': states[0]++; break;
		case 'S': case 'D': case 'I': states[1]++; break;
		case 'T': case 't': states[2]++; break;
		case 'Z': states[3]++; break;
		default: states[4]++;
		}
	}
	line("vtop - %s up %s, load average: %s", t, up, load);
	line("Tasks: %d total, %d running, %d sleeping, %d stopped, %d zombie", ntotal,
	     states[0], states[1], states[2], states[3]);
	line("Mem: %s total, %s available, %s used; sorted by %s%s%s", fmt_kib(total, a, sizeof(a)),
	     fmt_kib(avail, b, sizeof(b)), fmt_kib(total - avail, c, sizeof(c)), sort_names[G.sort],
	     G.nxids ? "; context " : "", G.nxids ? "filtered" : "");
}

static void frame(void)
{
	static int *order;
	double now = now_mono(), uptime;
	struct total *tot = NULL;
	int ntot = 0, shown = 0, room, ctxrows;
	unsigned long long memtotal;
	char tm[24], sz1[16], sz2[16];

	ctxmap_free(&G.map);
	ctxmap_load(&G.map);
	proc_free(&L);
	if (proc_scan(&L, PR_STATUS | (G.args ? PR_ARGS : 0), NULL, NULL) < 0)
		die_errno("can't read /proc");
	uptime = proc_uptime();
	memtotal = proc_meminfo("MemTotal");
	for (int i = 0; i < L.n; i++)
		L.p[i].xid = ctxmap_xid(&G.map, L.p[i].pid);
	cpu_percent(now, uptime);
	/* per-context totals, in xid order */
	for (int i = 0; i < L.n; i++) {
		struct proc *p = &L.p[i];
		int k;
		if (!selected(p->xid))
			continue;
		shown++;
		for (k = 0; k < ntot && tot[k].xid != p->xid; k++)
			;
		if (k == ntot) {
			tot = xrealloc(tot, (size_t)(ntot + 1) * sizeof(*tot));
			tot[ntot++] = (struct total){ p->xid, 0, 0, 0 };
		}
		tot[k].procs++;
		tot[k].cpu += G.pcpu[i];
		tot[k].rss += p->rss;
	}
	for (int i = 1; i < ntot; i++)          /* few contexts: insertion sort */
		for (int k = i; k > 0 && tot[k].xid < tot[k - 1].xid; k--) {
			struct total x = tot[k];
			tot[k] = tot[k - 1];
			tot[k - 1] = x;
		}
	order = xrealloc(order, (size_t)(L.n ? L.n : 1) * sizeof(int));
	for (int i = 0; i < L.n; i++)
		order[i] = i;
	qsort(order, (size_t)L.n, sizeof(int), cmp_idx);
	flen = 0;
	if (!G.batch)
		fput("\033[H", 3);
	header(uptime, shown);
	/* on a terminal everything must fit: a third of it at most for totals */
	room = G.batch ? INT_MAX : G.rows - 3 - 3 - (G.prompting ? 1 : 0);
	ctxrows = G.batch ? ntot : (ntot < room / 3 ? ntot : room / 3);
	line("%s", "");
	line("  CTX VSERVER      PROCS   %%CPU   %%MEM      RSS");
	for (int k = 0; k < ntot && k < ctxrows; k++)
		line("%5s %-12s %5ld %6.1f %6.1f %8s",
		     tot[k].xid < 0 ? "?" : (snprintf(tm, sizeof(tm), "%ld", tot[k].xid), tm),
		     ctxmap_name(&G.map, tot[k].xid), tot[k].procs, tot[k].cpu,
		     memtotal ? (double)tot[k].rss * 100.0 / (double)memtotal : 0,
		     fmt_kib(tot[k].rss, sz1, sizeof(sz1)));
	if (ntot > ctxrows)
		line("  ... %d more contexts", ntot - ctxrows);
	line("%s", "");
	line("    PID   CTX VSERVER    USER     S  %%CPU %%MEM     VSZ     RSS     TIME COMMAND");
	room -= ctxrows + (ntot > ctxrows) + 2;
	for (int k = 0; k < L.n && room > 0; k++) {
		int i = order[k];
		struct proc *p = &L.p[i];
		char x[24];
		if (!selected(p->xid))
			continue;
		snprintf(x, sizeof(x), p->xid < 0 ? "?" : "%ld", p->xid);
		const char *cmd = p->comm;
		char kb[80];
		if (G.args) {
			if (p->args && *p->args)
				cmd = p->args;
			else {
				snprintf(kb, sizeof(kb), "[%s]", p->comm);
				cmd = kb;
			}
		}
		line("%7d %5s %-10.10s %-8.8s %c %5.1f %4.1f %7s %7s %8s %s", (int)p->pid, x,
		     ctxmap_name(&G.map, p->xid), proc_user(p->uid), p->state, G.pcpu[i],
		     memtotal ? (double)p->rss * 100.0 / (double)memtotal : 0,
		     fmt_kib(p->vsz, sz1, sizeof(sz1)), fmt_kib(p->rss, sz2, sizeof(sz2)),
		     fmt_bsdtime(p->utime + p->stime, tm, sizeof(tm)), cmd);
		room--;
	}
	if (!G.batch) {
		if (G.prompting) {
			char pr[64];
			snprintf(pr, sizeof(pr), "filter context (empty: all): %.*s", G.ninput, G.input);
			fput("\033[J", 3);
			fput(pr, strlen(pr));
		} else {
			fput("\033[J", 3);
		}
	} else {
		fput("\n", 1);
	}
	xwrite_fd(1, fbuf, flen, "standard output");
	free(tot);
}

/* ---- keys ----------------------------------------------------------------- */
static bool key(char ch)
{
	if (G.prompting) {
		if (ch == '\n' || ch == '\r') {
			G.input[G.ninput] = 0;
			G.nxids = 0;
			if (G.ninput)
				parse_xids(G.input);
			G.prompting = false;
		} else if (ch == 27) {
			G.prompting = false;
		} else if ((ch == 127 || ch == 8) && G.ninput) {
			G.ninput--;
		} else if (((ch >= '0' && ch <= '9') || ch == ',') && G.ninput < (int)sizeof(G.input) - 1) {
			G.input[G.ninput++] = ch;
		}
		return true;
	}
	switch (ch) {
	case 'q': case 'Q': return false;
	case 'P': G.sort = S_CPU; break;
	case 'M': G.sort = S_MEM; break;
	case 'T': G.sort = S_TIME; break;
	case 'N': G.sort = S_PID; break;
	case 'X': G.sort = S_CTX; break;
	case 'c': G.args = !G.args; break;
	case 'x': G.prompting = true; G.ninput = 0; break;
	}
	return true;
}

static int interactive(void)
{
	long n = 0;

	term_raw();
	for (;;) {
		frame();
		if (G.frames && ++n >= G.frames)
			break;
		n += n == 0;
		/* wait for the delay or a key, whichever comes first */
		double until = now_mono() + G.delay;
		bool again = false;
		while (!again && !got_quit) {
			struct pollfd pfd = { 0, POLLIN, 0 };
			int ms = (int)((until - now_mono()) * 1000);
			if (ms <= 0)
				break;
			int r = poll(&pfd, 1, ms);
			if (got_winch) {
				got_winch = 0;
				term_size();
				fput("\033[2J", 4);
				again = true;
			}
			if (r > 0) {
				char ch;
				if (read(0, &ch, 1) != 1 || !key(ch))
					return 0;
				again = true;
			}
		}
		if (got_quit)
			break;
	}
	return 0;
}

int vtop_main(int argc, char **argv)
{
	int c;

	while ((c = opt_next(argc, argv, "bn:d:c", opts, usage)) != -1) {
		switch (c) {
		case 'b': G.batch = true; break;
		case 'n': G.frames = parse_long(optarg, 1, 1000000, "-n"); break;
		case 'd': G.delay = parse_delay(optarg); break;
		case 'c': G.args = true; break;
		case 'X': parse_xids(optarg); break;
		case 'S': G.sort = parse_sort(optarg); break;
		}
	}
	if (optind < argc)
		usage_die("unexpected argument '%s'", argv[optind]);
	if (!G.batch && (!isatty(0) || !isatty(1)))
		G.batch = true;
	if (!G.batch)
		return interactive();
	for (long n = 0; !G.frames || n < G.frames; n++) {
		if (n)
			usleep((useconds_t)(G.delay * 1e6));
		frame();
	}
	return 0;
}
