/* cgroup.c - find the cgroup hierarchies and manage a context's directories.
 *
 * Works on cgroup v1, v2 and hybrid hosts. Hierarchies are read once from
 * /proc/self/mountinfo and /proc/self/cgroup. VSBOX_CGROUP_BASE (default
 * /vsbox) is absolute from each hierarchy's root, or, without a leading '/',
 * relative to this process's own cgroup in that hierarchy: on hybrid hosts
 * those differ per controller, which is why each hierarchy has its own base.
 */
#include "vsbox.h"
#include <dirent.h>
#include <poll.h>
#include <sys/utsname.h>

static struct cg_hier hiers[CG_MAX] BIG;
static int nhier = -1;
static unsigned v2_ctrls;       /* controllers the v2 tree offers */
static int own_nprocs(const char *dir);

static const struct { const char *name; unsigned bit; } ctrl_names[] = {
	{ "pids", CG_PIDS }, { "memory", CG_MEMORY }, { "cpu", CG_CPU },
	{ "cpuacct", CG_CPUACCT }, { "freezer", CG_FREEZER },
	{ "devices", CG_DEVICES }, { "blkio", CG_BLKIO }, { "io", CG_BLKIO },
	{ "cpuset", CG_CPUSET },
};

static unsigned ctrl_bits(const char *list)
{
	unsigned bits = 0;
	char buf[256], *save, *t;

	snprintf(buf, sizeof(buf), "%s", list);
	for (t = strtok_r(buf, ", \n", &save); t; t = strtok_r(NULL, ", \n", &save))
		for (size_t i = 0; i < sizeof(ctrl_names) / sizeof(ctrl_names[0]); i++)
			if (!strcmp(t, ctrl_names[i].name))
				bits |= ctrl_names[i].bit;
	return bits;
}

/* Is the controller name in the space separated list? */
static bool ctrl_listed(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; (p = strstr(p, name)); p += n)
		if ((p == list || p[-1] == ' ') && (!p[n] || p[n] == ' ' || p[n] == '\n'))
			return true;
	return false;
}

/* This process's cgroup path in the hierarchy with these controllers
 * (v2: the "0::" line), from /proc/self/cgroup */
static bool own_path(const char *cgfile, bool v2, unsigned bits, char *out, size_t n)
{
	char line[512];
	const char *p = cgfile;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		snprintf(line, sizeof(line), "%.*s", (int)len, p);
		p += len + (nl ? 1 : 0);
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c1 = *c2 = 0;
		if (v2 ? !strcmp(line, "0") && c1[1] == 0
		       : c1[1] && ctrl_bits(c1 + 1) == bits) {
			snprintf(out, n, "%s", c2 + 1);
			return true;
		}
	}
	return false;
}

static void discover(void)
{
	static char mi[65536] BIG, cgf[4096] BIG;
	const char *base = getenv("VSBOX_CGROUP_BASE");
	char *save, *line;

	nhier = 0;
	if (!base || !*base)
		base = "/vsbox";
	if (strstr(base, "..") || base[strlen(base) - 1] == '/')
		die("VSBOX_CGROUP_BASE '%s': must not contain '..' or end in '/'", base);
	if (read_file("/proc/self/mountinfo", mi, sizeof(mi)) < 0 ||
	    read_file("/proc/self/cgroup", cgf, sizeof(cgf)) < 0)
		die_errno("can't read /proc/self/mountinfo or /proc/self/cgroup");
	for (line = strtok_r(mi, "\n", &save); line && nhier < CG_MAX;
	     line = strtok_r(NULL, "\n", &save)) {
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS */
		char root[CG_PATH], mnt[CG_PATH], fstype[32], super[512], own[CG_PATH];
		char *dash = strstr(line, " - ");
		if (!dash || !word_at(line, 3, root, sizeof(root)) || !word_at(line, 4, mnt, sizeof(mnt)) ||
		    !word_at(dash + 3, 0, fstype, sizeof(fstype)) || !word_at(dash + 3, 2, super, sizeof(super)))
			continue;
		bool v2 = !strcmp(fstype, "cgroup2");
		if (!v2 && strcmp(fstype, "cgroup"))
			continue;
		unsigned bits = v2 ? CG_V2 : ctrl_bits(super);
		if (!bits)
			continue;       /* name=systemd and friends: not ours to touch */
		bool dup = false;
		for (int i = 0; i < nhier; i++)
			dup |= hiers[i].ctrl == bits;
		if (dup || !own_path(cgf, v2, v2 ? 0 : bits, own, sizeof(own)))
			continue;
		struct cg_hier *h = &hiers[nhier];
		h->ctrl = bits;
		snprintf(h->mnt, sizeof(h->mnt), "%s", mnt);
		if (base[0] == '/') {
			xsnprintf(h->base, sizeof(h->base), "%s%s", mnt, base);
		} else {
			/* own is relative to the hierarchy's root; the mount may show
			 * only a subtree of it (root != "/"), e.g. inside a cgroupns */
			const char *rel = own;
			size_t rl = strlen(root);
			if (strcmp(root, "/") && !strncmp(own, root, rl))
				rel = own + rl;
			if (!strcmp(rel, "/"))
				rel = "";
			xsnprintf(h->base, sizeof(h->base), "%s%s/%s", mnt, rel, base);
		}
		if (v2) {
			char path[CG_PATH + 32], buf[256];
			snprintf(path, sizeof(path), "%s/cgroup.controllers", mnt);
			if (read_file(path, buf, sizeof(buf)) >= 0)
				v2_ctrls = ctrl_bits(buf);
		}
		nhier++;
	}
}

int cg_hiers(const struct cg_hier **out)
{
	if (nhier < 0)
		discover();
	*out = hiers;
	return nhier;
}

const struct cg_hier *cg_v2(void)
{
	const struct cg_hier *h;
	int n = cg_hiers(&h);

	for (int i = 0; i < n; i++)
		if (h[i].ctrl & CG_V2)
			return &h[i];
	return NULL;
}

int cg_pick(unsigned want, const struct cg_hier **out, int max)
{
	const struct cg_hier *h, *v2 = cg_v2();
	int n = cg_hiers(&h), k = 0;

	/* The first pick tracks the context: v2 where the host has it, else
	 * the v1 pids or freezer hierarchy (always a directory of our own).
	 * Without cgroup.kill the v1 freezer is what stops a context whole. */
	if (v2) {
		out[k++] = v2;
		want &= ~v2_ctrls;      /* controllers v2 offers are used there */
		if (!cg_can_kill())
			want |= CG_FREEZER;
	} else {
		want |= CG_PIDS | CG_FREEZER;
	}
	for (int i = 0; i < n && k < max; i++)
		if (!(h[i].ctrl & CG_V2) && (h[i].ctrl & want))
			out[k++] = &h[i];
	if (!k)
		die("no usable cgroup hierarchy: mount cgroup2 (or the v1 pids controller)");
	return k;
}

unsigned cg_v2_ctrls(void)
{
	const struct cg_hier *h;

	cg_hiers(&h);
	return v2_ctrls;
}

/* On v2 a child cgroup has a controller's files (memory.max, pids.max,
 * cpu.weight) only when its parent lists the controller in
 * cgroup.subtree_control, all the way down from the root. So every
 * directory from the mount down to dir (the base) gets those vsbox uses
 * that it is offered (cgroup.controllers) and has not enabled yet; nothing
 * is written where they are on already. A cgroup other than the root
 * (the one without cgroup.type) that has processes of its own is left
 * alone: domain controllers are refused there (EBUSY), and threaded ones
 * (pids, cpu) would be accepted but make it a thread root, under which
 * no process may join a new cgroup (EOPNOTSUPP). The limits then report
 * the controller missing, naming the base. */
static void delegate(const struct cg_hier *h, const char *dir, const char *const *want, size_t nwant)
{
	char path[CG_PATH], have[512], on[512], f[CG_PATH + 32];
	size_t ml = strlen(h->mnt), len;

	if (!(h->ctrl & CG_V2) || strncmp(dir, h->mnt, ml) || (dir[ml] && dir[ml] != '/'))
		return;
	for (len = ml;; len++) {
		if (dir[len] && dir[len] != '/')
			continue;
		snprintf(path, sizeof(path), "%.*s", (int)len, dir);
		snprintf(f, sizeof(f), "%s/cgroup.type", path);
		if (!access(f, F_OK) && own_nprocs(path) != 0) {
			if (!dir[len])
				break;
			continue;
		}
		snprintf(f, sizeof(f), "%s/cgroup.controllers", path);
		if (read_file(f, have, sizeof(have)) < 0)
			have[0] = 0;
		snprintf(f, sizeof(f), "%s/cgroup.subtree_control", path);
		if (read_file(f, on, sizeof(on)) < 0)
			on[0] = 0;
		for (size_t i = 0; i < nwant; i++) {
			char plus[16];
			if (!ctrl_listed(have, want[i]) || ctrl_listed(on, want[i]))
				continue;
			snprintf(plus, sizeof(plus), "+%s", want[i]);
			cg_write(path, "cgroup.subtree_control", plus);
		}
		if (!dir[len])
			break;
	}
}

void cg_delegate(const struct cg_hier *h, const char *dir)
{
	static const char *const want[] = { "memory", "pids", "cpu", "io" };

	delegate(h, dir, want, sizeof(want) / sizeof(want[0]));
}

/* one more controller, for the few guests that ask for it (cpuset: a
 * guest with S_CPUSET) */
void cg_delegate_one(const struct cg_hier *h, const char *dir, const char *ctrl)
{
	delegate(h, dir, &ctrl, 1);
}

int cg_write(const char *dir, const char *file, const char *val)
{
	char path[CG_PATH + 64];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return write_file(path, val);
}

void xcg_write(const char *dir, const char *file, const char *val)
{
	if (cg_write(dir, file, val))
		die_errno("can't write '%s' to %s/%s", val, dir, file);
}

void xcg_join(const char *dir)
{
	/* v1: as a thread, "0" to tasks; v2: the process, "0" to cgroup.procs */
	if (cg_write(dir, "tasks", "0") && (errno != ENOENT || cg_write(dir, "cgroup.procs", "0")))
		die_errno("can't join cgroup %s", dir);
}

/* the pids in dir's cgroup.procs, appended to *pids; with tree, those of
 * its sub-cgroups too (a systemd guest makes its own, lib/ginit.c).
 * false when dir has no cgroup.procs */
static bool add_pids(const char *dir, bool tree, pid_t **pids, int *n, int *cap)
{
	char path[CG_PATH + 32], buf[1024];
	size_t have = 0;
	ssize_t r;
	long long pid;
	bool more = true;
	int fd;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	/* a pid a line, up to the first line that is none; read in pieces
	 * (no FILE: its buffer, musl's malloc maps and unmaps each time) */
	while (more && (r = read(fd, buf + have, sizeof(buf) - 1 - have)) >= 0) {
		char *p = buf, *nl;
		have += (size_t)r;
		buf[have] = 0;
		while (more && ((nl = strchr(p, '\n')) || (!r && *p))) {
			if (nl)
				*nl = 0;
			if ((more = scan_ll(p, 1, INT_MAX, &pid))) {
				if (*n == *cap) {
					*cap = *cap ? 2 * *cap : 16;
					*pids = xrealloc(*pids, (size_t)*cap * sizeof(pid_t));
				}
				(*pids)[(*n)++] = (pid_t)pid;
			}
			p = nl ? nl + 1 : p + strlen(p);
		}
		/* the end, or a line no pid is that long */
		if (!r || (have = strlen(p)) == sizeof(buf) - 1)
			break;
		memmove(buf, p, have + 1);
	}
	close(fd);
	struct xdir d;
	bool listed = tree && xdir_open(&d, AT_FDCWD, dir);
	for (struct dirent *e; listed && (e = xdir_read(&d)); ) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		add_pids(path, true, pids, n, cap);
	}
	if (listed)
		xdir_close(&d);
	return true;
}

int cg_pids(const char *dir, pid_t **pids)
{
	int n = 0, cap = 0;

	*pids = NULL;
	return add_pids(dir, true, pids, &n, &cap) ? n : -1;
}

int cg_nprocs(const char *dir)
{
	pid_t *p;
	int n = cg_pids(dir, &p);

	if (n > 0)
		free(p);
	return n;
}

/* processes in dir itself, not below it */
static int own_nprocs(const char *dir)
{
	pid_t *p = NULL;
	int n = 0, cap = 0;

	if (!add_pids(dir, false, &p, &n, &cap))
		return -1;
	free(p);
	return n;
}

bool cg_can_kill(void)
{
	static int can = -1;
	const char *no = getenv("VSBOX_NO_CGROUP_KILL");
	const struct cg_hier *v2 = cg_v2();
	char path[CG_PATH + 16], *slash, *end;
	struct utsname u;

	if (can >= 0)
		return can;
	can = 0;
	/* VSBOX_NO_CGROUP_KILL: tests of the fallback on hosts that have it */
	if ((no && *no && strcmp(no, "0")) || !v2)
		return false;
	/* every v2 cgroup but the root has the file from 5.14 on: look in the
	 * base or the nearest existing directory above it */
	snprintf(path, sizeof(path), "%s", v2->base);
	while (access(path, F_OK) && (slash = strrchr(path, '/')) &&
	       (size_t)(slash - path) > strlen(v2->mnt))
		*slash = 0;
	if (strcmp(path, v2->mnt) && !access(path, F_OK)) {
		strcat(path, "/cgroup.kill");
		can = !access(path, F_OK);
	} else if (!uname(&u)) {
		/* only the root so far (it has no cgroup.kill): the release */
		long major = strtol(u.release, &end, 10);
		long minor = *end == '.' ? strtol(end + 1, NULL, 10) : 0;
		can = major > 5 || (major == 5 && minor >= 14);
	}
	return can;
}

/* a freezer.state other than FROZEN, or -1 when the file is gone */
static int freezer_busy(const char *dir)
{
	char path[CG_PATH + 32], st[32];

	snprintf(path, sizeof(path), "%s/freezer.state", dir);
	if (read_file(path, st, sizeof(st)) < 0)
		return -1;
	return strncmp(st, "FROZEN", 6) != 0;
}

/* v1 freezer: freeze (nothing inside runs or forks any more), SIGKILL
 * every process, thaw so the kills are delivered. false when dir is no
 * freezer cgroup. */
static bool freeze_kill(const char *dir)
{
	pid_t *p;
	int n;

	if (cg_write(dir, "freezer.state", "FROZEN"))
		return false;
	/* FREEZING until every task has stopped; a task stuck in the kernel
	 * may hold it there: after two seconds kill regardless */
	for (int i = 0; i < 400 && freezer_busy(dir) > 0; i++)
		usleep(i < 50 ? 100 : 5000);
	n = cg_pids(dir, &p);
	for (int i = 0; i < n; i++)
		kill(p[i], SIGKILL);
	if (n > 0)
		free(p);
	if (cg_write(dir, "freezer.state", "THAWED"))
		return false;
	for (int i = 0; i < 400 && cg_nprocs(dir) > 0; i++)
		usleep(i < 50 ? 100 : 5000);
	return true;
}

void cg_kill(const char *dir)
{
	/* cgroup.kill (v2, 5.14+) kills atomically, forks included; the v1
	 * freezer does the same in three steps. Elsewhere repeat SIGKILL over
	 * cgroup.procs until it stays empty; a fork racing with us lands in
	 * the same cgroup and is caught by the next round. */
	if (cg_can_kill() && !cg_write(dir, "cgroup.kill", "1"))
		return;
	if (cg_nprocs(dir) <= 0 || freeze_kill(dir))
		return;
	for (int round = 0; round < 100; round++) {
		pid_t *p;
		int n = cg_pids(dir, &p);
		if (n <= 0)
			return;
		for (int i = 0; i < n; i++)
			kill(p[i], SIGKILL);
		free(p);
		usleep(1000);
	}
}

void cg_kill_all(char (*dirs)[CG_PATH], int n)
{
	/* the directory that kills whole first (v2 with cgroup.kill, else the
	 * v1 freezer one): every process of the context is in each */
	int first = -1;

	for (int i = 0; i < n && first < 0; i++) {
		char path[CG_PATH + 32];
		snprintf(path, sizeof(path), "%s/%s", dirs[i],
			 cg_can_kill() ? "cgroup.kill" : "freezer.state");
		if (!access(path, F_OK)) {
			cg_kill(dirs[i]);
			first = i;
		}
	}
	for (int i = 0; i < n; i++)
		if (i != first)
			cg_kill(dirs[i]);
}

int cg_rmdir(const char *dir)
{
	/* the sub-cgroups first, deepest first (a systemd guest's units) */
	struct xdir d;
	bool listed = xdir_open(&d, AT_FDCWD, dir);
	char path[CG_PATH + 256];

	for (struct dirent *e; listed && (e = xdir_read(&d)); ) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		cg_rmdir(path);
	}
	if (listed)
		xdir_close(&d);
	/* killed tasks may linger a moment before the cgroup is empty */
	for (int i = 0; i < 400; i++) {
		if (!rmdir(dir) || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return -1;
		usleep(i < 50 ? 200 : 5000);
	}
	return -1;
}
