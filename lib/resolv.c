/* resolv.c - a TCP connection to HOST:PORT, HOST a name or an address,
 * without libc's resolver (musl's getaddrinfo with its hosts, DNS and
 * services code was 13 KB of the static binary for one caller: the probe
 * of a guest after a copy or move, lib/migrecv.c).
 *
 * What a name means, in this order (what an admin expects of libc):
 *  - an IPv4 or IPv6 literal is itself (no %scope suffix);
 *  - /etc/hosts: every line naming it (any of its names, case ignored), in
 *    file order, both families; a name found there is not asked of DNS;
 *  - DNS over UDP, as /etc/resolv.conf says (resolv.conf(5)): its first 3
 *    nameserver lines (none: 127.0.0.1), each asked in turn, waiting
 *    timeout seconds for each (options timeout:N, 1..30, default 2: libc
 *    waits 5, but the probe repeats itself until its own deadline anyway),
 *    the whole round attempts times (options attempts:N, 1..5, default 2).
 *    A name with fewer dots than ndots (options ndots:N, 0..15, default 1)
 *    is tried with each suffix of the search (or domain) line, then as it
 *    is; a name with a trailing dot only as it is. The next is tried when
 *    the answer is "no such name" or holds no address; when no server
 *    answers at all, the lookup ends there (as musl's does).
 *    Each name is asked for A, then AAAA: the IPv4 addresses come first.
 * Then each address is tried in turn until one accepts a connection.
 *
 * An answer counts only if it comes from the server asked (a connected
 * socket, bound to a random source port), carries the random id of the
 * query (getrandom) and repeats its question (8 replies that do not are
 * as silence). SERVFAIL, REFUSED and the like move on to the next server; a truncated answer (TC) is asked again
 * over TCP of the same server (failing that, the next server). A CNAME
 * chain is followed within the answer (8 links at most). Every length in
 * an answer is checked against its end, and a compression pointer must
 * point before the name it continues, so a hostile answer can neither
 * read past its end nor loop.
 */
#include "vsbox.h"
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <sys/random.h>
#include <sys/socket.h>

#define MAXADDR 16
#define ANSMAX 4096          /* TCP answers beyond that are cut (and parsed so) */
typedef unsigned char u8;

static bool literal(const char *s, struct netaddr *x)
{
	x->family = inet_pton(AF_INET, s, x->a) == 1 ? AF_INET :
		    inet_pton(AF_INET6, s, x->a) == 1 ? AF_INET6 : 0;
	return x->family;
}

/* a socket of TYPE connected to x port PORT, connect(2) given SECS; -1 */
static int dial(const struct netaddr *x, int port, int type, int secs)
{
	union { struct sockaddr sa; struct sockaddr_in in; struct sockaddr_in6 in6; } to = { 0 }, me = { 0 };
	socklen_t len = x->family == AF_INET ? sizeof(to.in) : sizeof(to.in6);
	struct timeval tv = { secs, 0 };
	unsigned short r;
	int fd = socket(x->family, type | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	to.sa.sa_family = me.sa.sa_family = (sa_family_t)x->family;
	if (x->family == AF_INET)
		memcpy(&to.in.sin_addr, x->a, 4);
	else
		memcpy(&to.in6.sin6_addr, x->a, 16);
	/* (sin_port and sin6_port are at the same place) */
	to.in.sin_port = htons((uint16_t)port);
	/* a DNS query's source port is random, so that an off-path forger
	 * must guess it along with the id; bind(2) fails only if it is taken */
	for (int k = 0; type == SOCK_DGRAM && k < 4; k++) {
		if (getrandom(&r, sizeof(r), 0) == sizeof(r))
			me.in.sin_port = htons((uint16_t)(1024 + r % 64512));
		if (!bind(fd, &me.sa, len))
			break;
	}
	/* bounds connect(2) and each recv(2) */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, &to.sa, len)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* ---- the configuration -------------------------------------------------- */

struct rconf {
	struct netaddr ns[3];
	int nns;
	int opt[3];             /* timeout, attempts, ndots */
	char search[256];       /* the suffixes, blank-separated */
};

static void read_conf(struct rconf *c)
{
	static const char *const name[3] = { "timeout:", "attempts:", "ndots:" };
	static const int lo[3] = { 1, 1, 0 }, hi[3] = { 30, 5, 15 };
	char line[512], *w, *sp;
	long long v;
	FILE *f = fopen("/etc/resolv.conf", "re");

	*c = (struct rconf){ .opt = { 2, 2, 1 } };
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "#;\n")] = 0;
		if (!(w = strtok_r(line, " \t", &sp)))
			continue;
		const char *rest = sp ? sp + strspn(sp, " \t") : "";   /* (musl: NULL at the end) */
		if (!strcmp(w, "nameserver") && c->nns < 3 && (w = strtok_r(NULL, " \t", &sp)))
			c->nns += literal(w, &c->ns[c->nns]);
		else if (!strcmp(w, "search") || !strcmp(w, "domain"))
			snprintf(c->search, sizeof(c->search), "%s", rest);   /* the last one counts */
		else if (!strcmp(w, "options"))
			while ((w = strtok_r(NULL, " \t", &sp)))
				for (int k = 0; k < 3; k++)
					if (!strncmp(w, name[k], strlen(name[k])) &&
					    scan_ll(w + strlen(name[k]), 0, 1000, &v))
						c->opt[k] = v < lo[k] ? lo[k] : v > hi[k] ? hi[k] : (int)v;
	}
	if (f)
		fclose(f);
	if (!c->nns)
		c->nns = literal("127.0.0.1", c->ns);
}

/* every /etc/hosts line naming NAME, into out[*cnt..MAXADDR) */
static void from_hosts(const char *name, struct netaddr *out, int *cnt)
{
	char line[512], *w, *sp;
	FILE *f = fopen("/etc/hosts", "re");
	struct netaddr x;

	while (f && *cnt < MAXADDR && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "#\n")] = 0;
		if (!(w = strtok_r(line, " \t", &sp)) || !literal(w, &x))
			continue;
		while ((w = strtok_r(NULL, " \t", &sp)))
			if (!strcasecmp(w, name)) {
				out[(*cnt)++] = x;
				break;
			}
	}
	if (f)
		fclose(f);
}

/* ---- DNS ---------------------------------------------------------------- */

/* The name at m[off] (m of n bytes) as lower-case text, each label ended
 * by a dot, into out[256]; the offset after it where it stands, -1 if it
 * is bad. A pointer must point before where the part it continues began:
 * that position only ever decreases, so there is no loop. */
static int getname(const u8 *m, int n, int off, char *out)
{
	int end = -1, lim = off, len = 0;

	for (;;) {
		if (off >= n)
			return -1;
		int c = m[off];
		if (c >= 0xc0) {
			if (off + 1 >= n || ((c & 0x3f) << 8 | m[off + 1]) >= lim)
				return -1;
			if (end < 0)
				end = off + 2;
			off = lim = (c & 0x3f) << 8 | m[off + 1];
			continue;
		}
		if (c > 63 || off + 1 + c > n || len + c + 1 > 255)
			return -1;
		if (!c) {
			out[len] = 0;
			return end < 0 ? off + 1 : end;
		}
		for (int i = 1; i <= c; i++)
			out[len++] = (char)tolower(m[off + i]);
		out[len++] = '.';
		off += c + 1;
	}
}

/* The addresses of TYPE (1: A, 28: AAAA) in answer a of n bytes, whose
 * question was checked, for the name asked or the end of its CNAME chain;
 * into out[*cnt..MAXADDR) */
static void parse(const u8 *a, int n, int type, struct netaddr *out, int *cnt)
{
	char want[256], own[256];
	int start = getname(a, n, 12, want) + 4, p = start, hops = 0, alen = type == 1 ? 4 : 16;

	if (start < 17)
		return;
	for (int i = 0; i < (a[6] << 8 | a[7]) && *cnt < MAXADDR; i++) {
		/* NAME TYPE(2) CLASS(2) TTL(4) RDLENGTH(2) RDATA */
		if ((p = getname(a, n, p, own)) < 0 || p + 10 > n)
			return;
		int t = a[p] << 8 | a[p + 1], len = a[p + 8] << 8 | a[p + 9];
		if ((p += 10) + len > n)
			return;
		if (!strcmp(own, want)) {
			if (t == 5 && hops++ < 8) {
				/* the chain goes on: its records may stand anywhere */
				if (getname(a, n, p, want) < 0)
					return;
				p = start;
				i = -1;
				continue;
			}
			if (t == type && len == alen) {
				out[*cnt].family = type == 1 ? AF_INET : AF_INET6;
				memcpy(out[(*cnt)++].a, a + p, (size_t)alen);
			}
		}
		p += len;
	}
}

/* Query q (qlen bytes from q + 2; q[0..1]: that length, as TCP sends it)
 * to server s, over TCP or UDP; the answer's length in a, -1 if none that
 * matches came. Each wait is bounded by secs (SO_RCVTIMEO), and so is
 * their number: a server that sends one wrong reply after another is
 * given up after 8. */
static int ask(const struct netaddr *s, u8 *q, int qlen, u8 *a, bool tcp, int secs)
{
	int fd = dial(s, 53, tcp ? SOCK_STREAM : SOCK_DGRAM, secs), n = -1;
	ssize_t r;

	if (fd < 0)
		return -1;
	if (send(fd, q + 2 - 2 * tcp, (size_t)(qlen + 2 * tcp), MSG_NOSIGNAL) == qlen + 2 * tcp)
		for (int k = 0; k < 8 && n < 0; k++) {
			/* over TCP: two bytes of length, then that many */
			if (tcp)
				r = recv(fd, a, 2, MSG_WAITALL) != 2 ? -1 :
				    recv(fd, a, (a[0] << 8 | a[1]) > ANSMAX ? ANSMAX : (size_t)(a[0] << 8 | a[1]), MSG_WAITALL);
			else
				r = recv(fd, a, ANSMAX, 0);
			if (r < 0)
				break;
			/* its id, "a response", one question: ours */
			if (r >= qlen && a[0] == q[2] && a[1] == q[3] && a[2] & 0x80 &&
			    !memcmp(a + 4, q + 6, 2) && !memcmp(a + 12, q + 14, (size_t)qlen - 12))
				n = (int)r;
			else if (tcp)
				break;
		}
	close(fd);
	return n;
}

/* NAME's addresses of TYPE, added to out[*cnt..MAXADDR): whether a server
 * answered (that the name is not, or with records, or with none) */
static bool lookup(const struct rconf *c, const char *name, int type, struct netaddr *out, int *cnt)
{
	u8 q[2 + 12 + 255 + 4], a[ANSMAX], *p = q + 14;

	/* header: id, RD (recursion desired), one question; then the name,
	 * label by label, its type and class IN */
	memset(q, 0, 14);
	if (getrandom(q + 2, 2, 0) != 2)
		return false;
	q[4] = 1;
	q[7] = 1;
	for (const char *s = name; *s; s += *s == '.') {
		size_t l = strcspn(s, ".");
		if (!l || l > 63 || p + l + 6 > q + sizeof(q))
			return true;    /* no such name can be asked: none */
		*p++ = (u8)l;
		memcpy(p, s, l);
		p += l;
		s += l;
	}
	memcpy(p, (u8[]){ 0, 0, (u8)type, 0, 1 }, 5);
	int qlen = (int)(p + 5 - q) - 2;
	q[0] = (u8)(qlen >> 8);
	q[1] = (u8)qlen;
	for (int t = 0; t < c->opt[1]; t++)
		for (int i = 0; i < c->nns; i++) {
			int n = ask(&c->ns[i], q, qlen, a, false, c->opt[0]);
			if (n > 0 && a[2] & 2)
				n = ask(&c->ns[i], q, qlen, a, true, c->opt[0]);
			/* NOERROR or NXDOMAIN: that is the answer; else the next */
			if (n < 0 || ((a[3] & 15) && (a[3] & 15) != 3))
				continue;
			if (!(a[3] & 15))
				parse(a, n, type, out, cnt);
			return true;
		}
	return false;
}

static int resolve(const char *host, struct netaddr *out)
{
	char name[256], full[512];
	struct rconf c;
	int cnt = 0, dots = 0;
	size_t l = strlen(host);
	bool rooted;

	if (literal(host, out))
		return 1;
	if (!l || l >= sizeof(name))
		return 0;
	memcpy(name, host, l + 1);
	if ((rooted = name[l - 1] == '.'))
		name[--l] = 0;
	from_hosts(name, out, &cnt);
	if (cnt || !l)
		return cnt;
	read_conf(&c);
	for (const char *s = name; *s; s++)
		dots += *s == '.';
	/* the suffixes of the search list, then the name as it is */
	const char *s = rooted || dots >= c.opt[2] ? "" : c.search;
	for (;;) {
		s += strspn(s, " \t");
		int k = (int)strcspn(s, " \t");
		snprintf(full, sizeof(full), "%s%s%.*s", name, k ? "." : "", k, s);
		if (!lookup(&c, full, 1, out, &cnt))
			return 0;
		lookup(&c, full, 28, out, &cnt);
		if (cnt || !k)
			return cnt;
		s += k;
	}
}

int tcp_connect(const char *host, int port, int secs)
{
	struct netaddr ad[MAXADDR];
	int fd = -1;

	for (int i = 0, n = resolve(host, ad); fd < 0 && i < n; i++)
		fd = dial(&ad[i], port, SOCK_STREAM, secs);
	return fd;
}
