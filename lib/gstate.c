/* gstate.c - a guest's run files under $VSBOX_RUNDIR/guests: NAME.lock,
 * held while a start or stop acts, and NAME, the IPROOT aliases a start
 * is adding (netlink, lib/netlink.c). Each alias is written down (a line
 * appended) the moment it exists, so whatever a crash leaves, the next start or stop removes
 * exactly those and never an address someone else assigned. Once the
 * context's record lists them (lib/ctx.c: reaping it removes them), the
 * start removes guests/NAME: a running guest has no run file here.
 */
#include "vsbox.h"
#include <arpa/inet.h>
#include <dirent.h>
#include <sys/file.h>

static void state_path(const char *name, const char *sfx, char *buf, size_t n)
{
	xsnprintf(buf, n, "%s/guests/%s%s", rundir(), name, sfx);
}

void guest_lock(struct guest *g)
{
	char path[PATH_MAX];

	state_path(g->name, "", path, sizeof(path));
	*strrchr(path, '/') = 0;
	xmkdir_p(path, 0755);
	state_path(g->name, ".lock", path, sizeof(path));
	/* stop removes the lock file (nothing stays behind), so a lock taken
	 * on a file that was unlinked meanwhile is no lock: take it again */
	for (;;) {
		struct stat a, b;
		g->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (g->lockfd < 0)
			die_errno("can't open %s", path);
		while (flock(g->lockfd, LOCK_EX))
			if (errno != EINTR)
				die_errno("can't lock %s", path);
		if (!fstat(g->lockfd, &a) && !stat(path, &b) && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
			return;
		close(g->lockfd);
	}
}

/* the end of a stop: the lock file goes too (we hold it: see above) */
void guest_unlock_drop(struct guest *g)
{
	char path[PATH_MAX];

	state_path(g->name, ".lock", path, sizeof(path));
	unlink(path);
	close(g->lockfd);
	g->lockfd = -1;
}

/* guests/NAME while a start adds aliases: opened (emptied) at the first,
 * one line appended per alias (a write(2) of one line is whole or not at
 * all when a process dies), closed when the file goes */
static int statefd = -1;

static void state_append(const char *name, const struct vc_addr *a)
{
	char path[PATH_MAX], buf[256];
	size_t n = nl_alias_lines(a, 1, buf, sizeof(buf));

	state_path(name, "", path, sizeof(path));
	/* (after a crash of the host the aliases are gone too) */
	if (statefd < 0 &&
	    (statefd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0644)) < 0)
		die_errno("can't create %s", path);
	xwrite_fd(statefd, buf, n, path);
}

/* the aliases guests/NAME lists: a start that ended before its record */
static int state_load(const char *name, struct vc_addr *addr)
{
	char path[PATH_MAX], buf[4096], *save, *line;
	int n = 0;

	state_path(name, "", path, sizeof(path));
	if (read_file(path, buf, sizeof(buf)) < 0)
		return 0;
	for (line = strtok_r(buf, "\n", &save); line && n < VC_MAXIP + 1; line = strtok_r(NULL, "\n", &save))
		if (!strncmp(line, "addr=", 5) && !nl_alias_parse(line + 5, &addr[n]))
			n++;
	return n;
}

void guest_addrs_recorded(const char *name)
{
	char path[PATH_MAX];

	state_path(name, "", path, sizeof(path));
	unlink(path);
	if (statefd >= 0)
		close(statefd);
	statefd = -1;
}

/* remove exactly the aliases guests/NAME lists (ones this guest added) */
void guest_drop_addrs(const char *name)
{
	struct vc_addr addr[VC_MAXIP + 1];

	nl_aliases_del(addr, state_load(name, addr), name);
	guest_addrs_recorded(name);
}

/* one alias, written down right after it exists: a crash from here on is
 * repaired by the next start or stop */
static void add_alias(struct guest *g, struct ctx *c, const struct vc_addr *a, const void *bcast)
{
	char b[128];

	nl_alias_str(a, b, sizeof(b));
	if (nl_addr_add(a->dev, a->family, a->a, a->prefix, bcast))
		die_errno("%s: can't add address %s", g->name, b);
	c->addr[c->naddr++] = *a;
	state_append(g->name, a);
}

/* the addresses, as aliases on their device: only those not yet assigned
 * anywhere (127.0.0.2 on lo is local through 127/8 but not assigned: it
 * gets a /32 alias like any other) */
void guest_add_addrs(struct guest *g, struct ctx *c, const struct netaddr *lb6)
{
	for (int i = 0; i < g->c.nip; i++) {
		struct vc_addr a = g->c.ip[i];
		if (!a.dev[0])
			snprintf(a.dev, sizeof(a.dev), "%s", g->c.dev);
		if (!a.dev[0])
			continue;       /* no IPROOTDEV: the address is the host's business */
		if (a.prefix < 0)
			a.prefix = a.family == AF_INET && g->c.mask >= 0 ? g->c.mask :
				   a.family == AF_INET ? 32 : 128;
		int have = nl_addr_exists(a.family, a.a);
		if (have < 0)
			die_errno("can't list the host's addresses");
		if (have)
			continue;       /* someone else's: use it, never remove it */
		unsigned char bc[4];
		const void *bcast = NULL;
		if (a.family == AF_INET && g->c.have_bcast) {
			bcast = g->c.bcast;
		} else if (a.family == AF_INET && a.prefix < 31) {
			uint32_t ip, host = a.prefix ? 0xffffffffu >> a.prefix : 0xffffffffu;
			memcpy(&ip, a.a, 4);
			ip = htonl(ntohl(ip) | host);
			memcpy(bc, &ip, 4);
			bcast = bc;
		}
		add_alias(g, c, &a, bcast);
	}
	if (lb6) {
		/* the private loopback is this guest's alone: never shared
		 * (an exclusive add: EEXIST if it is on lo already) */
		struct vc_addr a = { .family = AF_INET6, .prefix = 128, .dev = "lo" };
		char b[64];
		memcpy(a.a, lb6->a, 16);
		if (nl_addr_add(a.dev, a.family, a.a, a.prefix, NULL)) {
			if (errno == EEXIST)
				die("%s: its private IPv6 loopback %s is assigned already (another vsbox "
				    "run directory numbering contexts alike? see lback6 in vserver(8))",
				    g->name, netaddr_str(lb6, b, sizeof(b)));
			die_errno("%s: can't add its private IPv6 loopback %s to lo", g->name,
				  netaddr_str(lb6, b, sizeof(b)));
		}
		c->addr[c->naddr++] = a;
		state_append(g->name, &a);
	}
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int guest_names(char ***out)
{
	DIR *d = opendir(confdir());
	struct dirent *e;
	char **names = NULL;
	int n = 0;

	*out = NULL;
	if (!d) {
		if (errno == ENOENT)
			return 0;
		die_errno("can't read %s", confdir());
	}
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l <= 5 || strcmp(e->d_name + l - 5, ".conf"))
			continue;
		char *name = xstrdup(e->d_name);
		name[l - 5] = 0;
		if (!guest_name_ok(name)) {
			free(name);
			continue;
		}
		names = xrealloc(names, (size_t)(n + 1) * sizeof(char *));
		names[n++] = name;
	}
	closedir(d);
	if (n)
		qsort(names, (size_t)n, sizeof(char *), by_name);
	*out = names;
	return n;
}
