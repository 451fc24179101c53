/* conf.c - NAME.conf and NAME.fstab: parse and validate a guest's settings.
 *
 * The syntax is the original shell-like one, read by us and never by a
 * shell: KEY=value, KEY="a b", KEY='a b' (segments may be joined: a"b c"),
 * blank lines and # comments. Inside double quotes a backslash escapes
 * " \ $ and `. An unquoted or double-quoted $ or ` would be an expansion in
 * a shell: it is refused rather than silently taken literally. Every value
 * is checked here, so a start never begins with a setting it cannot apply.
 */
#include "vsbox.h"
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/mount.h>
#include <sys/resource.h>

struct pctx {
	const char *file;
	int line;
	char *err;
	size_t n;
};

/* "FILE:LINE: message" into err[n]; returns -1 so callers can return it.
 * Shared with fstab.c: every configuration error reads the same way. */
int conf_lineerr(char *err, size_t n, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	int k = snprintf(err, n, "%s:%d: ", file, line);

	va_start(ap, fmt);
	if (k >= 0 && (size_t)k < n)
		vsnprintf(err + k, n - (size_t)k, fmt, ap);
	va_end(ap);
	return -1;
}

#define bad(p, ...) conf_lineerr((p)->err, (p)->n, (p)->file, (p)->line, __VA_ARGS__)

bool guest_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 63 || s[0] == '.' || s[0] == '-')
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' || *s == '-'))
			return false;
	return true;
}

bool parse_size(const char *s, unsigned long long *out)
{
	char *end;
	unsigned long long v, mul = 1;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return false;
	switch (*end) {
	case 'k': case 'K': mul = 1ULL << 10; end++; break;
	case 'm': case 'M': mul = 1ULL << 20; end++; break;
	case 'g': case 'G': mul = 1ULL << 30; end++; break;
	case 't': case 'T': mul = 1ULL << 40; end++; break;
	}
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end || (v && mul > ~0ULL / v))
		return false;
	*out = v * mul;
	return true;
}

static bool parse_num(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	if (!(*s == '-' || (*s >= '0' && *s <= '9')))
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end || errno || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

/* "24" or "255.255.255.0" (contiguous) -> prefix length */
static int parse_mask(const char *s, int family)
{
	long v;
	struct in_addr m;

	if (parse_num(s, 0, family == AF_INET ? 32 : 128, &v))
		return (int)v;
	if (family != AF_INET || inet_pton(AF_INET, s, &m) != 1)
		return -1;
	uint32_t h = ntohl(m.s_addr);
	int bits = 0;
	while (bits < 32 && (h & (0x80000000u >> bits)))
		bits++;
	if (bits < 32 && (h << bits))
		return -1;      /* not contiguous */
	return bits;
}

/* [dev:]ADDR[/MASK] */
static int parse_ip(struct pctx *p, char *w, struct vc_addr *a)
{
	char *colon = strchr(w, ':'), *slash;

	memset(a, 0, sizeof(*a));
	a->prefix = -1;
	/* "eth0:10.0.0.1": a device prefix; IPv6 has several colons and no
	 * dot before them, so only a prefix free of dots and colons counts */
	if (colon && !strchr(colon + 1, ':') && colon != w) {
		*colon = 0;
		if (strlen(w) >= sizeof(a->dev) || strchr(w, '/'))
			return bad(p, "IPROOT: '%s' is not a network device name", w);
		snprintf(a->dev, sizeof(a->dev), "%s", w);
		w = colon + 1;
	}
	slash = strchr(w, '/');
	if (slash)
		*slash++ = 0;
	if (inet_pton(AF_INET, w, a->a) == 1)
		a->family = AF_INET;
	else if (inet_pton(AF_INET6, w, a->a) == 1)
		a->family = AF_INET6;
	else
		return bad(p, "IPROOT: '%s' is not an IPv4 or IPv6 address", w);
	if (slash && (a->prefix = parse_mask(slash, a->family)) < 0)
		return bad(p, "IPROOT: bad mask '/%s' for %s", slash, w);
	return 0;
}

static const struct { char opt; int res; unsigned scale; } rlimits[] = {
	{ 'c', RLIMIT_CORE, 1024 }, { 'd', RLIMIT_DATA, 1024 }, { 'e', RLIMIT_NICE, 1 },
	{ 'f', RLIMIT_FSIZE, 1024 }, { 'i', RLIMIT_SIGPENDING, 1 }, { 'l', RLIMIT_MEMLOCK, 1024 },
	{ 'm', RLIMIT_RSS, 1024 }, { 'n', RLIMIT_NOFILE, 1 }, { 'q', RLIMIT_MSGQUEUE, 1 },
	{ 'r', RLIMIT_RTPRIO, 1 }, { 's', RLIMIT_STACK, 1024 }, { 't', RLIMIT_CPU, 1 },
	{ 'u', RLIMIT_NPROC, 1 }, { 'v', RLIMIT_AS, 1024 }, { 'x', RLIMIT_LOCKS, 1 },
};

/* ULIMIT: the options of the shell's ulimit, e.g. "-H -u 1000 -n 4096".
 * -H and -S apply to every limit given (both when neither is). -u is the
 * context's process limit (pids.max): guest root shares uid 0 with the
 * host, so a per-user RLIMIT_NPROC would count the host's processes. */
static int parse_ulimit(struct pctx *p, char *v, struct vconf *c)
{
	char *save, *t, *words[64];
	int nw = 0;
	bool hard = false, soft = false;

	for (t = strtok_r(v, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save)) {
		if (nw == 64)
			return bad(p, "ULIMIT: too many words");
		words[nw++] = t;
	}
	for (int i = 0; i < nw; i++)
		if (words[i][0] == '-')
			for (const char *o = words[i] + 1; *o; o++) {
				hard |= *o == 'H';
				soft |= *o == 'S';
			}
	if (!hard && !soft)
		hard = soft = true;
	for (int i = 0; i < nw; i++) {
		const char *o = words[i];
		if (*o != '-' || !o[1])
			return bad(p, "ULIMIT: '%s' is not an option (e.g. ULIMIT=\"-H -u 1000\")", o);
		for (o++; *o; o++) {
			size_t k;
			if (*o == 'H' || *o == 'S')
				continue;
			for (k = 0; k < sizeof(rlimits) / sizeof(rlimits[0]) && rlimits[k].opt != *o; k++)
				;
			if (k == sizeof(rlimits) / sizeof(rlimits[0]))
				return bad(p, "ULIMIT: unknown option '-%c'", *o);
			if (o[1] || i + 1 >= nw)
				return bad(p, "ULIMIT: -%c needs a value", *o);
			const char *val = words[++i];
			unsigned long long n;
			char *end;
			if (!strcmp(val, "unlimited")) {
				n = RLIM_INFINITY;
			} else {
				errno = 0;
				n = strtoull(val, &end, 10);
				if (*val < '0' || *val > '9' || *end || errno || n > (1ULL << 50))
					return bad(p, "ULIMIT: -%c: '%s' is not a number or 'unlimited'", *o, val);
				n *= rlimits[k].scale;
			}
			if (*o == 'u') {
				c->nproc = n == RLIM_INFINITY ? -1 : (long long)n;
				break;
			}
			if (c->nrl == VC_MAXRL)
				return bad(p, "ULIMIT: too many limits");
			struct vc_rlimit *r = &c->rl[c->nrl++];
			r->res = rlimits[k].res;
			r->soft = r->hard = n;
			r->set_soft = soft;
			r->set_hard = hard;
			break;
		}
	}
	return 0;
}

/* S_CAPS: "CAP_NET_RAW SYS_TIME"; a leading ! drops one from the default */
static int parse_caps(struct pctx *p, char *v, struct vconf *c)
{
	char *save, *t;

	for (t = strtok_r(v, " \t\n,", &save); t; t = strtok_r(NULL, " \t\n,", &save)) {
		bool drop = *t == '!';
		int cap = cap_lookup(t + drop);
		if (cap < 0)
			return bad(p, "S_CAPS: unknown capability '%s'", t + drop);
		if (drop)
			c->caps_drop |= 1ULL << cap;
		else
			c->caps_add |= 1ULL << cap;
	}
	return 0;
}

/* S_SECCOMP: "allow:swap,keyring" lifts rules of the default guest filter */
static int parse_seccomp(struct pctx *p, char *v, struct vconf *c)
{
	char *save, *t;

	if (strncmp(v, "allow:", 6))
		return bad(p, "S_SECCOMP: '%s' does not start with allow:", v);
	for (t = strtok_r(v + 6, " \t\n,", &save); t; t = strtok_r(NULL, " \t\n,", &save)) {
		int r = seccomp_rule(t);
		if (!strcmp(t, "all"))
			c->sc_allow = ~0u;
		else if (r < 0)
			return bad(p, "S_SECCOMP: unknown rule '%s' (%s all)", t, seccomp_rule_names());
		else
			c->sc_allow |= 1u << r;
	}
	return 0;
}

static int parse_flags(struct pctx *p, char *v, struct vconf *c)
{
	char *save, *t;

	for (t = strtok_r(v, " \t\n,", &save); t; t = strtok_r(NULL, " \t\n,", &save)) {
		int bit = ctx_flag_bit(t);
		if (bit < 0)
			return bad(p, "S_FLAGS: unknown flag '%s' (lock sched nproc private fakeinit)", t);
		c->flags |= (unsigned)bit;
	}
	return 0;
}

/* S_CPU: "weight=N" (1..10000, 100 = one ordinary guest) and/or "max=P%"
 * (a hard cap in percent of one CPU; 200% = two CPUs) */
static int parse_cpu(struct pctx *p, char *v, struct vconf *c)
{
	char *save, *t;
	long n;

	for (t = strtok_r(v, " \t\n,", &save); t; t = strtok_r(NULL, " \t\n,", &save)) {
		if (!strncmp(t, "weight=", 7)) {
			if (!parse_num(t + 7, 1, 10000, &n))
				return bad(p, "S_CPU: weight must be 1 to 10000, not '%s'", t + 7);
			c->cpu_weight = (unsigned)n;
		} else if (!strncmp(t, "max=", 4)) {
			size_t l = strlen(t + 4);
			if (l && t[4 + l - 1] == '%')
				t[4 + l - 1] = 0;
			if (!parse_num(t + 4, 1, 100000, &n))
				return bad(p, "S_CPU: max must be a percentage of one CPU, not '%s'", t + 4);
			c->cpu_max = (unsigned)n;
		} else {
			return bad(p, "S_CPU: '%s' is neither weight=N nor max=P%%", t);
		}
	}
	return 0;
}

/* lengths are checked by the caller: copy without a format */
static void cpy(char *d, size_t n, const char *s)
{
	size_t l = strlen(s);

	if (l >= n)
		l = n - 1;
	memcpy(d, s, l);
	d[l] = 0;
}

static bool yesno(const char *v, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" }, *const no[] = { "no", "false", "off", "0" };

	for (int i = 0; i < 4; i++) {
		if (!strcasecmp(v, yes[i]))
			return *out = true;
		if (!strcasecmp(v, no[i]))
			return !(*out = false);
	}
	return false;
}

static bool hostname_ok(const char *s)
{
	if (!*s || strlen(s) > 64 || *s == '-' || *s == '.')
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '.' || *s == '-' || *s == '_'))
			return false;
	return true;
}

/* the keys, in the order of the documentation; seen[] catches duplicates */
static const char *const keys[] = {
	"IPROOT", "IPROOTDEV", "IPROOTMASK", "IPROOTBCAST", "ONBOOT", "S_CAPS", "S_CONTEXT",
	"S_DOMAINNAME", "S_HOSTNAME", "S_NICE", "S_FLAGS", "ULIMIT", "S_MEMORY", "S_CPU",
	"INIT", "STOP_TIMEOUT", "STOPSIG", "S_SECCOMP", "REBOOT_LIMIT", "DISK_LIMIT", "INODE_LIMIT",
	"NET", "NET_MODE", "BRIDGE", "NET_MAC", "NET_UPLINK", "NET_GATEWAY",
	"USERNS", "USERNS_BASE", "USERNS_SIZE", "START_TIMEOUT", "ENV", "INIT_DIR", "INIT_USER",
	"USERNS_CHOWN", "S_CPUSET", "LXCFS", "UNIX_SCOPE",
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static int set_key(struct pctx *p, int k, char *v, struct vconf *c)
{
	long n;
	char *save, *t;

	if (!*v && k != 0)
		return 0;       /* KEY= : the default */
	switch (k) {
	case 0: /* IPROOT */
		c->nip = 0;
		for (t = strtok_r(v, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save)) {
			if (!strcmp(t, "0.0.0.0"))
				continue;       /* not tied to any address */
			if (c->nip == VC_MAXIP)
				return bad(p, "IPROOT: more than %d addresses", VC_MAXIP);
			if (parse_ip(p, t, &c->ip[c->nip]))
				return -1;
			c->nip++;
		}
		return 0;
	case 1: /* IPROOTDEV */
		if (strlen(v) >= sizeof(c->dev) || strchr(v, '/') || strchr(v, ' '))
			return bad(p, "IPROOTDEV: '%s' is not a network device name", v);
		cpy(c->dev, sizeof(c->dev), v);
		return 0;
	case 2: /* IPROOTMASK */
		if ((c->mask = parse_mask(v, AF_INET)) < 0)
			return bad(p, "IPROOTMASK: '%s' is not a netmask or prefix length", v);
		return 0;
	case 3: /* IPROOTBCAST */
		if (inet_pton(AF_INET, v, c->bcast) != 1)
			return bad(p, "IPROOTBCAST: '%s' is not an IPv4 address", v);
		c->have_bcast = true;
		return 0;
	case 4: /* ONBOOT */
		if (!yesno(v, &c->onboot))
			return bad(p, "ONBOOT: '%s' is not yes or no", v);
		return 0;
	case 5:
		return parse_caps(p, v, c);
	case 6: /* S_CONTEXT */
		if (!parse_num(v, 2, XID_MAX, &n))
			return bad(p, "S_CONTEXT: '%s' is not a context number from 2 to %ld", v, XID_MAX);
		c->xid = n;
		return 0;
	case 7: /* S_DOMAINNAME: "none" resets it */
		if (!hostname_ok(v))
			return bad(p, "S_DOMAINNAME: '%s' is not a valid domain name", v);
		cpy(c->domainname, sizeof(c->domainname), strcmp(v, "none") ? v : "(none)");
		return 0;
	case 8:
		if (!hostname_ok(v))
			return bad(p, "S_HOSTNAME: '%s' is not a valid host name", v);
		cpy(c->hostname, sizeof(c->hostname), v);
		return 0;
	case 9:
		if (!parse_num(v, -20, 19, &n))
			return bad(p, "S_NICE: '%s' is not a nice level from -20 to 19", v);
		c->nice = (int)n;
		c->have_nice = true;
		return 0;
	case 10:
		return parse_flags(p, v, c);
	case 11:
		return parse_ulimit(p, v, c);
	case 12:
		if (!parse_size(v, &c->memory) || c->memory < (1ULL << 20))
			return bad(p, "S_MEMORY: '%s' is not a size of at least 1M (e.g. 256M, 2G)", v);
		return 0;
	case 13:
		return parse_cpu(p, v, c);
	case 14: case 31: case 32: case 33: { /* INIT, ENV, INIT_DIR, INIT_USER */
		char msg[256];
		const char *why = conf_init_key(k == 14 ? 0 : k - 30, v, c, msg, sizeof(msg));
		return why ? bad(p, "%s", why) : 0;
	}
	case 15:
		if (!parse_num(v, 0, 3600, &n))
			return bad(p, "STOP_TIMEOUT: '%s' is not a number of seconds from 0 to 3600", v);
		c->stop_timeout = (int)n;
		return 0;
	case 16: {
		const char *s = strncasecmp(v, "SIG", 3) ? v : v + 3;
		static const struct { const char *n; int s; } sigs[] = {
			{ "PWR", SIGPWR }, { "TERM", SIGTERM }, { "INT", SIGINT }, { "HUP", SIGHUP },
			{ "USR1", SIGUSR1 }, { "USR2", SIGUSR2 }, { "QUIT", SIGQUIT }, { "KILL", SIGKILL },
		};
		c->have_stopsig = true;
		for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
			if (!strcasecmp(s, sigs[i].n))
				return c->stopsig = sigs[i].s, 0;
		/* RTMIN+3: systemd's halt */
		if (!strncasecmp(s, "RTMIN+", 6) && parse_num(s + 6, 0, SIGRTMAX - RTSIG(0), &n))
			return c->stopsig = RTSIG((int)n), 0;
		if (parse_num(v, 1, SIGRTMAX, &n))
			return c->stopsig = (int)n, 0;
		return bad(p, "STOPSIG: '%s' is not a signal (PWR, TERM, INT, USR2, RTMIN+N, a number...)", v);
	}
	case 17:
		return parse_seccomp(p, v, c);
	case 18:
		if (!parse_num(v, 0, 60, &n))
			return bad(p, "REBOOT_LIMIT: '%s' is not a number of restarts from 0 to 60", v);
		c->reboot_limit = (int)n;
		return 0;
	case 19: /* DISK_LIMIT: bytes, kept in whole KiB (the quota unit) */
		if (!parse_size(v, &c->disk_limit) || c->disk_limit < (1ULL << 20) ||
		    c->disk_limit > (1ULL << 60))
			return bad(p, "DISK_LIMIT: '%s' is not a size from 1M to 1024P (e.g. 500M, 10G)", v);
		c->disk_limit = (c->disk_limit + 1023) & ~1023ULL;
		return 0;
	case 20: {
		char *end;
		errno = 0;
		c->inode_limit = strtoull(v, &end, 10);
		if (*v < '0' || *v > '9' || *end || errno || c->inode_limit < 16 ||
		    c->inode_limit > (1ULL << 48))
			return bad(p, "INODE_LIMIT: '%s' is not a number of files from 16 up", v);
		return 0;
	}
	case 21: case 22: case 23: case 24: case 25: case 26: {
		const char *why = conf_net_key(k - 21, v, c);
		return why ? bad(p, "%s", why) : 0;
	}
	case 27:
		if (!yesno(v, &c->userns))
			return bad(p, "USERNS: '%s' is not yes or no", v);
		return 0;
	case 28: /* USERNS_BASE: never a host id below 65536 (the host's own users) */
		if (!parse_num(v, USERNS_MIN, USERNS_LAST, &n))
			return bad(p, "USERNS_BASE: '%s' is not a host id from %u to %u", v,
				   USERNS_MIN, USERNS_LAST);
		c->userns_base = (unsigned)n;
		return 0;
	case 29:
		if (!parse_num(v, 1, USERNS_LAST, &n))
			return bad(p, "USERNS_SIZE: '%s' is not a number of ids from 1 up", v);
		c->userns_size = (unsigned)n;
		return 0;
	case 30:
		if (!parse_num(v, 1, 3600, &n))
			return bad(p, "START_TIMEOUT: '%s' is not a number of seconds from 1 to 3600", v);
		c->start_timeout = (int)n;
		return 0;
	case 34:
		if (!yesno(v, &c->userns_chown))
			return bad(p, "USERNS_CHOWN: '%s' is not yes or no", v);
		return 0;
	case 35: { /* S_CPUSET: kept as the kernel would write it back */
		static uint64_t bits[CPU_LIST_MAX / 64];
		if (!cpulist_parse(v, bits))
			return bad(p, "S_CPUSET: '%s' is not a list of CPUs below %d (e.g. 1, 0-3, 0,2-3)",
				   v, CPU_LIST_MAX);
		if (!cpulist_print(bits, c->cpuset, sizeof(c->cpuset)))
			return bad(p, "S_CPUSET: '%.40s...' is too long a list (make ranges)", v);
		return 0;
	}
	case 36: {
		static const char *const lx[] = { "auto", "yes", "no" };
		for (int i = 0; i < 3; i++)
			if (!strcmp(v, lx[i]))
				return c->lxcfs = i, 0;
		return bad(p, "LXCFS: '%s' is not auto, yes or no", v);
	}
	case 37:
		if (!yesno(v, &c->unix_scope))
			return bad(p, "UNIX_SCOPE: '%s' is not yes or no", v);
		c->unix_scope_asked = c->unix_scope;
		return 0;
	}
	return 0;
}

/* Read one shell word starting at *s into out; *s moves past it */
static int read_value(struct pctx *p, const char **s, char *out, size_t n)
{
	const char *q = *s;
	size_t k = 0;

#define PUT(ch) do { if (k + 1 >= n) return bad(p, "value too long"); out[k++] = (ch); } while (0)
	while (*q && *q != ' ' && *q != '\t' && *q != '\n') {
		if (*q == '\'') {
			for (q++; *q != '\''; q++) {
				if (!*q || *q == '\n')
					return bad(p, "unterminated single quote");
				PUT(*q);
			}
			q++;
		} else if (*q == '"') {
			int from = p->line;
			for (q++; *q != '"'; q++) {
				if (!*q)
					return p->line = from, bad(p, "unterminated double quote");
				if (*q == '\\' && q[1] && strchr("\"\\$`", q[1]))
					q++;
				else if (*q == '$' || *q == '`')
					return bad(p, "'%c' would be a shell expansion: not supported "
						   "(quote it with '...' or \\%c)", *q, *q);
				else if (*q == '\n')
					p->line++;
				PUT(*q);
			}
			q++;
		} else if (*q == '\\' && q[1] && q[1] != '\n') {
			PUT(q[1]);
			q += 2;
		} else if (strchr("$`;&|<>()", *q)) {
			return bad(p, "'%c' is shell syntax: not supported in a value", *q);
		} else {
			PUT(*q++);
		}
	}
#undef PUT
	out[k] = 0;
	*s = q;
	return 0;
}

int conf_parse(const char *file, const char *text, struct vconf *c, char *err, size_t n)
{
	struct pctx p = { file, 1, err, n };
	bool seen[NKEYS] = { false };
	const char *s = text;
	static char val[4096] BIG;
	int netline = 0;

	memset(c, 0, sizeof(*c));
	c->mask = -1;
	c->nproc = -1;
	c->stop_timeout = 10;
	c->start_timeout = 60;
	c->stopsig = SIGPWR;
	c->reboot_limit = 5;
	c->unix_scope = true;   /* where the kernel has the scope (Landlock ABI 6) */
	while (*s) {
		char key[32];
		size_t kl = 0;
		int start = p.line;

		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '#' || *s == '\n' || !*s) {
			while (*s && *s != '\n')
				s++;
			if (*s)
				s++, p.line++;
			continue;
		}
		/* KEY: [A-Z_][A-Z0-9_]*, then '=' with no blanks around it */
		while ((*s >= 'A' && *s <= 'Z') || *s == '_' || (kl && *s >= '0' && *s <= '9') ||
		       (*s >= 'a' && *s <= 'z')) {
			if (kl + 1 >= sizeof(key))
				return bad(&p, "key too long");
			key[kl++] = *s++;
		}
		key[kl] = 0;
		if (!kl || *s != '=')
			return bad(&p, "expected KEY=value");
		s++;
		if (read_value(&p, &s, val, sizeof(val)))
			return -1;
		/* only blanks and a comment may follow the value */
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '#')
			while (*s && *s != '\n')
				s++;
		if (*s && *s != '\n')
			return bad(&p, "unexpected text after the value of %s", key);
		size_t k;
		for (k = 0; k < NKEYS && strcmp(key, keys[k]); k++)
			;
		int end = p.line;
		p.line = start;
		if (k == NKEYS)
			return bad(&p, "unknown key %s", key);
		if (seen[k])
			return bad(&p, "%s is set twice", key);
		seen[k] = true;
		if (k >= 21 && k <= 26 && (k == 21 || !netline))
			netline = start;        /* NET's line (or a NET_ key's) */
		if (set_key(&p, (int)k, val, c))
			return -1;
		p.line = end;
		if (*s)
			s++, p.line++;
	}
	const char *why = conf_net_check(c);
	if (why) {
		p.line = netline ? netline : p.line;
		return bad(&p, "%s", why);
	}
	/* the rules that keep a guest inside its disk limit (chattr -P,
	 * btrfs subvolumes of its own) cost nothing to a guest without one */
	if (!c->disk_limit && !c->inode_limit)
		c->sc_allow |= 1u << seccomp_rule("fsflags") | 1u << seccomp_rule("subvol");
	return 0;
}

void conf_load(const char *path, struct vconf *c)
{
	static char text[65536] BIG;
	char err[512];
	ssize_t n = read_file(path, text, sizeof(text));

	if (n < 0)
		die_errno("can't read %s", path);
	if ((size_t)n >= sizeof(text) - 1)
		die("%s: too big", path);
	if (memchr(text, 0, (size_t)n))
		die("%s: not a text file", path);
	if (conf_parse(path, text, c, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
}

bool conf_get(const char *path, const char *key, char *out, size_t n)
{
	static char text[65536] BIG;
	char err[256];
	size_t kl = strlen(key);

	if (read_file(path, text, sizeof(text)) < 0)
		return false;
	for (const char *s = text; *s; s = strchr(s, '\n') ? strchr(s, '\n') + 1 : s + strlen(s)) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (strncmp(s, key, kl) || s[kl] != '=')
			continue;
		struct pctx p = { path, 1, err, sizeof(err) };
		s += kl + 1;
		return !read_value(&p, &s, out, n);
	}
	return false;
}
