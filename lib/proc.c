/* proc.c - the process reader of vps, vpstree and vtop: one pass over /proc.
 *
 * No procps: this must work on a rescue system or inside a minimal guest.
 * Speed matters (vps is measured against `ps ax`), so the pass lists /proc
 * with getdents64 into a large buffer, opens files relative to one /proc
 * descriptor, reads each with a single read(2) and parses by hand. Per
 * process it reads stat always, cmdline only when arguments are shown (and
 * never for kernel threads, which have none) and status only when a user
 * column or an exact RSS is. A caller's filter runs on the bare pid, before any file is read.
 */
#include "vsbox.h"
#include <dirent.h>
#include <pwd.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <time.h>

#define PF_KTHREAD_BIT 0x00200000UL     /* task flags (stat field 9) */

/* Read a small /proc file in one go; returns length or -1 */
static ssize_t slurp(int dirfd, const char *path, char *buf, size_t n)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return -1;
	do
		r = read(fd, buf, n - 1);
	while (r < 0 && errno == EINTR);
	close(fd);
	if (r >= 0)
		buf[r] = 0;
	return r;
}

/* strtoll without locale, errno or base handling: /proc fields are plain */
static const char *num(const char *p, long long *out)
{
	bool neg = false;
	unsigned long long v = 0;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '-') {
		neg = true;
		p++;
	}
	while (*p >= '0' && *p <= '9')
		v = v * 10 + (unsigned)(*p++ - '0');
	*out = neg ? -(long long)v : (long long)v;
	return p;
}

/* the page size and the clock tick, as the kernel told them at exec
 * (sysconf(3) is 1 KB of tables for these two numbers) */
long proc_pagesize(void)
{
	return getauxval(AT_PAGESZ) ? (long)getauxval(AT_PAGESZ) : 4096;
}

const char *proc_month(int mon)
{
	static const char names[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

	return names[(unsigned)mon % 12];
}

static unsigned long long page_kib(void)
{
	return (unsigned long long)proc_pagesize() / 1024;
}

/* Make s safe to print, in place, as ps does: control characters and bytes
 * that are not valid UTF-8 become '?'. A process names itself: its command
 * line must not reach the admin's terminal as escape sequences, nor turn a
 * listing into "binary" for grep. */
void proc_printable(char *s)
{
	unsigned char *u = (unsigned char *)s;

	while (*u) {
		int n = *u < 0x80 ? 1 : (*u & 0xe0) == 0xc0 ? 2 : (*u & 0xf0) == 0xe0 ? 3 :
			(*u & 0xf8) == 0xf0 ? 4 : 0;
		int ok = n == 1 ? *u >= 0x20 && *u != 0x7f : n > 1;

		for (int i = 1; ok && i < n; i++)
			ok = (u[i] & 0xc0) == 0x80;
		/* overlong forms, surrogates and code points past U+10FFFF */
		if (ok && n == 2 && *u < 0xc2)
			ok = 0;
		if (ok && n == 3 && ((*u == 0xe0 && u[1] < 0xa0) || (*u == 0xed && u[1] >= 0xa0)))
			ok = 0;
		if (ok && n == 4 && ((*u == 0xf0 && u[1] < 0x90) || *u > 0xf4 || (*u == 0xf4 && u[1] >= 0x90)))
			ok = 0;
		if (!ok) {
			*u++ = '?';
			continue;
		}
		u += n;
	}
}

/* Fields of /proc/PID/stat, see proc(5). comm may hold anything, spaces and
 * ')' included: it ends at the last ')'. */
int proc_parse_stat(const char *buf, struct proc *p)
{
	const char *open = strchr(buf, '('), *close = strrchr(buf, ')'), *s;
	long long v[25];
	size_t len;

	if (!open || !close || close < open || close[1] != ' ' || !close[2])
		return -1;
	len = (size_t)(close - open - 1);
	if (len >= sizeof(p->comm))
		len = sizeof(p->comm) - 1;
	memcpy(p->comm, open + 1, len);
	p->comm[len] = 0;
	proc_printable(p->comm);
	p->state = close[2];
	s = close + 3;
	/* v[k] is field k (1-based, as in proc(5)), from ppid (4) to rss (24) */
	for (int k = 4; k <= 24; k++)
		s = num(s, &v[k]);
	p->ppid = (pid_t)v[4];
	p->pgrp = (pid_t)v[5];
	p->sid = (pid_t)v[6];
	p->tty = (int)v[7];
	p->tpgid = (pid_t)v[8];
	p->kthread = ((unsigned long)v[9] & PF_KTHREAD_BIT) != 0;
	p->utime = (unsigned long long)v[14];
	p->stime = (unsigned long long)v[15];
	p->prio = (int)v[18];
	p->nice = (int)v[19];
	p->nlwp = (int)v[20];
	p->start = (unsigned long long)v[22];
	p->vsz = (unsigned long long)v[23] / 1024;
	p->rss = (unsigned long long)v[24] * page_kib();
	return 0;
}

/* "Uid:\treal\teffective\t...": the effective uid, as ps shows it; and
 * VmRSS: stat's RSS comes from per-CPU counters read without summing them
 * (it may lag by a few hundred KiB), status sums them */
static void parse_status(const char *status, struct proc *p)
{
	const char *u = strstr(status, "\nUid:");
	long long v;

	if (u) {
		u = num(u + 5, &v);     /* real */
		num(u, &v);             /* effective */
		p->uid = (uid_t)v;
	}
	if ((u = strstr(status, "\nVmRSS:"))) {
		num(u + 7, &v);
		p->rss = (unsigned long long)v;
	}
}

/* the argument vector, NUL-separated, becomes one line; "" when empty */
static size_t join_args(char *buf, ssize_t n)
{
	while (n > 0 && buf[n - 1] == 0)
		n--;
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == 0 || buf[i] == '\n' || buf[i] == '\t')
			buf[i] = ' ';
	buf[n > 0 ? n : 0] = 0;
	proc_printable(buf);
	return n > 0 ? (size_t)n : 0;
}

static int read_one(int procfd, const char *name, unsigned want, struct proc *p,
		    char *args, size_t argsz, size_t *arglen)
{
	char path[48], buf[1024];
	size_t l = strlen(name);

	if (l > 24)
		return -1;
	memcpy(path, name, l);
	memcpy(path + l, "/stat", 6);
	if (slurp(procfd, path, buf, sizeof(buf)) <= 0 || proc_parse_stat(buf, p))
		return -1;
	if (want & PR_STATUS) {
		static char st[4096] BIG;
		memcpy(path + l, "/status", 8);
		if (slurp(procfd, path, st, sizeof(st)) > 0)
			parse_status(st, p);
	}
	*arglen = 0;
	/* a kernel thread has no arguments, and a zombie no memory to hold them */
	if ((want & PR_ARGS) && !p->kthread && p->state != 'Z') {
		memcpy(path + l, "/cmdline", 9);
		ssize_t n = slurp(procfd, path, args, argsz);
		if (n > 0)
			*arglen = join_args(args, n);
	}
	return 0;
}

int proc_read(pid_t pid, unsigned want, struct proc *p)
{
	char name[24];
	size_t arglen;

	memset(p, 0, sizeof(*p));
	snprintf(name, sizeof(name), "/proc/%d", (int)pid);
	p->pid = pid;
	return read_one(AT_FDCWD, name, want & ~PR_ARGS, p, NULL, 0, &arglen);
}

int proc_scan(struct proclist *l, unsigned want, bool (*keep)(pid_t pid, void *arg), void *arg)
{
	static char dents[1 << 16] BIG, args[1 << 15] BIG;
	size_t pool_cap = 0;
	int procfd, cap = 0;
	long n;

	memset(l, 0, sizeof(*l));
	procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0)
		return -1;
	while ((n = syscall(SYS_getdents64, procfd, dents, sizeof(dents))) > 0) {
		for (long off = 0; off < n; ) {
			struct dirent *e = (struct dirent *)(dents + off);
			off += e->d_reclen;
			if (e->d_name[0] < '1' || e->d_name[0] > '9')
				continue;
			pid_t pid = (pid_t)atoi(e->d_name);
			if (keep && !keep(pid, arg))
				continue;
			if (l->n == cap) {
				cap = cap ? 2 * cap : 512;
				l->p = xrealloc(l->p, (size_t)cap * sizeof(*l->p));
			}
			struct proc *p = &l->p[l->n];
			size_t arglen;
			memset(p, 0, sizeof(*p));
			p->pid = pid;
			if (read_one(procfd, e->d_name, want, p, args, sizeof(args), &arglen))
				continue;       /* gone meanwhile */
			/* arguments go to one pool; pointers are set once it stops moving */
			if (l->pool_len + arglen + 1 > pool_cap) {
				pool_cap = (pool_cap ? 2 * pool_cap : 1 << 16) + arglen;
				l->pool = xrealloc(l->pool, pool_cap);
			}
			p->args = (const char *)(uintptr_t)l->pool_len;
			memcpy(l->pool + l->pool_len, args, arglen);
			l->pool_len += arglen;
			l->pool[l->pool_len++] = 0;
			l->n++;
		}
	}
	close(procfd);
	for (int i = 0; i < l->n; i++)
		l->p[i].args = l->pool + (uintptr_t)l->p[i].args;
	return l->n;
}

void proc_free(struct proclist *l)
{
	free(l->p);
	free(l->pool);
	memset(l, 0, sizeof(*l));
}

/* ---- system-wide numbers ------------------------------------------------ */
double proc_uptime(void)
{
	char buf[128], w[32];
	long long cs;

	if (read_file("/proc/uptime", buf, sizeof(buf)) < 0 || !word_at(buf, 0, w, sizeof(w)) ||
	    !scan_fixed(w, 2, &cs))
		return 0;
	return (double)cs / 100;
}

/* a "Key:   N kB" line of /proc/meminfo, in KiB (0 when absent) */
unsigned long long proc_meminfo(const char *key)
{
	char buf[8192], pat[64];
	const char *p;

	/* read afresh each time: vtop asks every frame */
	if (read_file("/proc/meminfo", buf, sizeof(buf)) < 0)
		return 0;
	snprintf(pat, sizeof(pat), "\n%s:", key);
	if (!strncmp(buf, pat + 1, strlen(pat + 1)))
		p = buf + strlen(pat + 1);
	else if ((p = strstr(buf, pat)))
		p += strlen(pat);
	else
		return 0;
	return strtoull(p, NULL, 10);
}

time_t proc_boottime(void)
{
	static char buf[16384] BIG;
	const char *p;

	if (read_file("/proc/stat", buf, sizeof(buf)) < 0 || !(p = strstr(buf, "\nbtime ")))
		return time(NULL) - (time_t)proc_uptime();
	return (time_t)strtoll(p + 7, NULL, 10);
}

long proc_hz(void)
{
	static long hz;

	if (!hz)
		hz = getauxval(AT_CLKTCK) ? (long)getauxval(AT_CLKTCK) : 100;
	return hz;
}

/* ---- presentation shared by vps, vpstree and vtop ------------------------ */
const char *proc_tty(int tty, char *buf, size_t n)
{
	unsigned maj = ((unsigned)tty >> 8) & 0xfff;
	unsigned min = ((unsigned)tty & 0xff) | (((unsigned)tty >> 12) & 0xfff00);

	if (!tty)
		snprintf(buf, n, "?");
	else if (maj >= 136 && maj <= 143)
		snprintf(buf, n, "pts/%u", (maj - 136) * 256 + min);
	else if (maj == 4 && min < 64)
		snprintf(buf, n, "tty%u", min);
	else if (maj == 4)
		snprintf(buf, n, "ttyS%u", min - 64);
	else if (maj == 5 && min == 1)
		snprintf(buf, n, "console");
	else
		snprintf(buf, n, "%u:%u", maj, min);
	return buf;
}

/* ps's BSD state: the letter, then < N (nice), s (session leader),
 * l (threads), + (foreground process group of its terminal) */
const char *proc_stat_str(const struct proc *p, char *buf, size_t n)
{
	size_t k = 0;

	buf[k++] = p->state;
	if (p->nice < 0)
		buf[k++] = '<';
	else if (p->nice > 0)
		buf[k++] = 'N';
	if (p->sid == p->pid)
		buf[k++] = 's';
	if (p->nlwp > 1)
		buf[k++] = 'l';
	if (p->tpgid > 0 && p->tpgid == p->pgrp)
		buf[k++] = '+';
	buf[k < n ? k : n - 1] = 0;
	return buf;
}

/* user names through the guest's own /etc/passwd (musl reads it directly),
 * cached: a process list has few distinct uids */
const char *proc_user(uid_t uid)
{
	static struct { uid_t uid; char name[33]; } cache[64] BIG;
	static int n;
	struct passwd *pw;

	for (int i = 0; i < n; i++)
		if (cache[i].uid == uid)
			return cache[i].name;
	int k = n < 64 ? n++ : 63;
	cache[k].uid = uid;
	pw = getpwuid(uid);
	if (pw && strlen(pw->pw_name) <= 8)
		snprintf(cache[k].name, sizeof(cache[k].name), "%s", pw->pw_name);
	else
		snprintf(cache[k].name, sizeof(cache[k].name), "%u", (unsigned)uid);
	return cache[k].name;
}

/* CPU time as ps's BSD TIME column: M:SS */
const char *fmt_bsdtime(unsigned long long ticks, char *buf, size_t n)
{
	unsigned long long s = ticks / (unsigned long long)proc_hz();

	snprintf(buf, n, "%llu:%02llu", s / 60, s % 60);
	return buf;
}

/* [DD-]HH:MM:SS (ps's TIME), or with short [[DD-]HH:]MM:SS (ELAPSED) */
const char *fmt_dhms(unsigned long long s, bool shrt, char *buf, size_t n)
{
	unsigned long long d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60;

	if (d)
		snprintf(buf, n, "%llu-%02llu:%02llu:%02llu", d, h, m, s % 60);
	else if (h || !shrt)
		snprintf(buf, n, "%02llu:%02llu:%02llu", h, m, s % 60);
	else
		snprintf(buf, n, "%02llu:%02llu", m, s % 60);
	return buf;
}

/* KiB as a short human size: 980K 12.3M 4.0G */
const char *fmt_kib(unsigned long long kib, char *buf, size_t n)
{
	static const char unit[] = "KMGTP";
	double v = (double)kib;
	int u = 0;

	while (v >= 1000 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0 || v >= 100)
		snprintf(buf, n, "%.0f%c", v, unit[u]);
	else
		snprintf(buf, n, "%.1f%c", v, unit[u]);
	return buf;
}
