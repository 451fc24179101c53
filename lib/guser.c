/* guser.c - who runs inside a guest, and how its first process starts.
 *
 * Users and groups come from the guest's own /etc/passwd and /etc/group,
 * read once "/" is the guest's root (never the host's files, never NSS),
 * each opened with path_open so that even a planted symlink resolves inside
 * the guest. vserver exec/suexec/enter use the lookup, and so does a start
 * with INIT_USER. A start's ENV, INIT_DIR and INIT_USER (lib/confinit.c)
 * are applied here: ENV to the environment vsbox's init and INIT inherit;
 * INIT_DIR and INIT_USER to INIT's process alone, last before its exec
 * (vsbox's init stays root in /, reaping).
 */
#include "vsbox.h"
#include <grp.h>
#include <sys/syscall.h>

/* the guest's FILE (/etc/passwd, /etc/group) into buf; its length, 0 if none */
static size_t guest_file(const char *file, char *buf, size_t n)
{
	int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC), fd;
	ssize_t len = -1;

	fd = root < 0 ? -1 : path_open(root, file, O_RDONLY, 0);
	if (fd >= 0) {
		len = read_fd(fd, buf, n);
		close(fd);
	}
	if (root >= 0)
		close(root);
	if (len < 0)
		buf[0] = 0;
	return len < 0 ? 0 : (size_t)len;
}

/* the next line at *cur split at ':' into nf fields (shorter lines are
 * skipped); false at the end */
static bool next_entry(char **cur, char **f, int nf)
{
	while (**cur) {
		char *line = *cur, *nl = strchr(line, '\n');
		int k;
		*cur = nl ? nl + 1 : line + strlen(line);
		if (nl)
			*nl = 0;
		for (k = 0; k < nf && line; k++) {
			f[k] = line;
			line = strchr(line, ':');
			if (line)
				*line++ = 0;
		}
		if (k == nf)
			return true;
	}
	return false;
}

static bool numeric(const char *s)
{
	return *s >= '0' && *s <= '9' && strspn(s, "0123456789") == strlen(s) && strlen(s) < 11;
}

void guser_lookup(const char *guest, const char *who, struct guser *u)
{
	static char buf[65536] BIG;
	char *f[7], *cur = buf;

	guest_file("/etc/passwd", buf, sizeof(buf));
	while (next_entry(&cur, f, 7)) {
		if (strcmp(f[0], who) && strcmp(f[2], who))
			continue;
		u->uid = (uid_t)strtoul(f[2], NULL, 10);
		u->gid = (gid_t)strtoul(f[3], NULL, 10);
		snprintf(u->name, sizeof(u->name), "%s", f[0]);
		snprintf(u->home, sizeof(u->home), "%s", *f[5] ? f[5] : "/");
		snprintf(u->shell, sizeof(u->shell), "%s", *f[6] ? f[6] : "/bin/sh");
		return;
	}
	if (!strcmp(who, "root") || !strcmp(who, "0")) {
		*u = (struct guser){ 0, 0, "root", "/root", "/bin/sh", { 0 }, 0 };
		return;
	}
	/* a number with no entry is that uid (and gid 0), as image runtimes
	 * take it: images often run as an id their passwd does not list */
	if (numeric(who)) {
		*u = (struct guser){ (uid_t)strtoul(who, NULL, 10), 0, "", "/", "/bin/sh", { 0 }, 0 };
		snprintf(u->name, sizeof(u->name), "%s", who);
		return;
	}
	die("%s: no user '%s' in the guest's /etc/passwd", guest, who);
}

bool guser_group(const char *who, gid_t *gid)
{
	static char buf[65536] BIG;
	char *f[4], *cur = buf;

	guest_file("/etc/group", buf, sizeof(buf));
	while (next_entry(&cur, f, 4))
		if (!strcmp(f[0], who) || !strcmp(f[2], who))
			return *gid = (gid_t)strtoul(f[2], NULL, 10), true;
	if (numeric(who))
		return *gid = (gid_t)strtoul(who, NULL, 10), true;
	return false;
}

void guser_groups(struct guser *u)
{
	static char buf[65536] BIG;
	char *f[4], *cur = buf, *m, *s2;

	u->ngroups = 0;
	u->groups[u->ngroups++] = u->gid;
	guest_file("/etc/group", buf, sizeof(buf));
	while (next_entry(&cur, f, 4) && u->ngroups < GUSER_MAXGROUPS)
		for (m = strtok_r(f[3], ",", &s2); m && u->ngroups < GUSER_MAXGROUPS; m = strtok_r(NULL, ",", &s2))
			if (*u->name && !strcmp(m, u->name))
				u->groups[u->ngroups++] = (gid_t)strtoul(f[2], NULL, 10);
}

/* ---- a start: ENV, INIT_DIR, INIT_USER --------------------------------- */
void guest_init_env(const struct vconf *c)
{
	static char buf[4096] BIG;
	char *w[256];
	const char *why;
	int n = conf_words(c->env, buf, sizeof(buf), w, 256, &why);

	/* conf_parse checked every word */
	for (int i = 0; i < n; i++) {
		char *eq = strchr(w[i], '=');
		*eq = 0;
		setenv(w[i], eq + 1, 1);
	}
}

void guest_init_user(const char *guest, const struct vconf *c, struct ginit *gi)
{
	char who[64], *colon;
	int root;

	gi->dirfd = -1;
	gi->setid = false;
	if (*c->init_dir) {
		/* resolved in the guest's root as the guest would (it is "/" now) */
		root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		gi->dirfd = root < 0 ? -1 : path_open(root, c->init_dir, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
		if (gi->dirfd < 0)
			die_errno("%s: INIT_DIR %s", guest, c->init_dir);
		close(root);
	}
	if (!*c->init_user)
		return;
	snprintf(who, sizeof(who), "%s", c->init_user);
	if ((colon = strchr(who, ':')))
		*colon++ = 0;
	guser_lookup(guest, who, &gi->u);
	if (colon && !guser_group(colon, &gi->u.gid))
		die("%s: INIT_USER: no group '%s' in the guest's /etc/group", guest, colon);
	guser_groups(&gi->u);
	gi->setid = true;
}

void guest_init_prep(void *guest)
{
	const struct ginit *gi = &((struct guest *)guest)->init;

	/* raw calls: a vfork()ed child (lib/context.c); the ceiling is set,
	 * so a non-root uid ends with no capability at all */
	if (gi->dirfd >= 0 && fchdir(gi->dirfd))
		die_errno("can't enter INIT_DIR");
	if (gi->setid && (syscall(SYS_setgroups, (long)gi->u.ngroups, gi->u.groups) ||
			  syscall(SYS_setresgid, gi->u.gid, gi->u.gid, gi->u.gid) ||
			  syscall(SYS_setresuid, gi->u.uid, gi->u.uid, gi->u.uid)))
		die_errno("can't become INIT_USER %s (uid %u)", gi->u.name, (unsigned)gi->u.uid);
}
