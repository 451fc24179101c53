/* gview.c - what a guest learns of the host's CPUs and memory.
 *
 * S_CPUSET puts the guest in a cpuset cgroup (v1 cpuset, or cpuset.cpus on
 * v2): the kernel then gives each of its processes that CPU affinity, so
 * sched_getaffinity(2), nproc and the scheduler agree; lib/groot.c shows
 * the same list as /sys/devices/system/cpu/online (what glibc's
 * sysconf(_SC_NPROCESSORS_ONLN) reads). LXCFS binds the files of a host's
 * lxcfs (a FUSE filesystem that answers each reader from its own cgroups)
 * over the guest's /proc/meminfo, cpuinfo, stat...; this module decides,
 * on the host before the clone, whether and from where; lib/groot.c
 * mounts them. /proc/meminfo from the kernel patch of kernel/patches
 * (memory-honest, probed by feat_meminfo) beats lxcfs's.
 */
#include "vsbox.h"
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

/* ---- CPU lists ("0-3,6"), as cpuset.cpus and sysfs write them ---------- */
bool cpulist_parse(const char *s, uint64_t bits[CPU_LIST_MAX / 64])
{
	memset(bits, 0, CPU_LIST_MAX / 8);
	if (!*s)
		return false;
	while (*s) {
		long lo, hi;
		char *end;
		if (*s < '0' || *s > '9')
			return false;
		lo = hi = strtol(s, &end, 10);
		if (*end == '-') {
			if (end[1] < '0' || end[1] > '9')
				return false;
			hi = strtol(end + 1, &end, 10);
		}
		if (lo > hi || hi >= CPU_LIST_MAX || (*end && *end != ','))
			return false;
		for (long i = lo; i <= hi; i++)
			bits[i / 64] |= 1ULL << (i % 64);
		s = *end ? end + 1 : end;
		if (*end && !*s)
			return false;   /* a trailing comma */
	}
	return true;
}

bool cpulist_print(const uint64_t bits[CPU_LIST_MAX / 64], char *out, size_t n)
{
	size_t k = 0;

	out[0] = 0;
	for (int i = 0; i < CPU_LIST_MAX; i++) {
		if (!(bits[i / 64] >> (i % 64) & 1))
			continue;
		int j = i;
		while (j + 1 < CPU_LIST_MAX && (bits[(j + 1) / 64] >> ((j + 1) % 64) & 1))
			j++;
		int w = j > i ? snprintf(out + k, n - k, "%s%d-%d", k ? "," : "", i, j)
			      : snprintf(out + k, n - k, "%s%d", k ? "," : "", i);
		if (w < 0 || (size_t)w >= n - k)
			return false;
		k += (size_t)w;
		i = j;
	}
	return true;
}

/* ---- S_CPUSET ------------------------------------------------------------ */
/* a cpuset file of dir, its newline cut; "" when unreadable */
static char *cs_read(const char *dir, const char *file, char *buf, size_t n)
{
	char path[CG_PATH + 64];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (read_file(path, buf, n) < 0)
		buf[0] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return buf;
}

/* v1: a new cpuset has no CPUs and no memory nodes, and takes no task
 * until it has both. The directories between the hierarchy's mount and
 * the context's (the base vsbox made) get their parent's. */
static void v1_fill(const struct cg_hier *h, const char *dir)
{
	char path[CG_PATH], parent[CG_PATH], cpus[512], mems[512];
	const char *p = dir + strlen(h->mnt);

	snprintf(parent, sizeof(parent), "%s", h->mnt);
	while (*p) {
		if (!(p = strchr(p + 1, '/')))
			p = dir + strlen(dir);
		snprintf(path, sizeof(path), "%.*s", (int)(p - dir), dir);
		if (!*cs_read(path, "cpuset.cpus", cpus, sizeof(cpus))) {
			xcg_write(path, "cpuset.cpus", cs_read(parent, "cpuset.cpus", cpus, sizeof(cpus)));
			xcg_write(path, "cpuset.mems", cs_read(parent, "cpuset.mems", mems, sizeof(mems)));
		}
		snprintf(parent, sizeof(parent), "%s", path);
	}
}

void gview_cpuset(struct guest *g, const struct cg_hier *h, const char *dir)
{
	bool v2 = h->ctrl & CG_V2;
	char parent[CG_PATH], have[512], mems[512];
	const char *eff = v2 ? "cpuset.cpus.effective" : "cpuset.effective_cpus";

	snprintf(parent, sizeof(parent), "%s", dir);
	*strrchr(parent, '/') = 0;
	if (!v2) {
		v1_fill(h, parent);
		xcg_write(dir, "cpuset.mems", cs_read(parent, "cpuset.mems", mems, sizeof(mems)));
	}
	/* v1 refuses CPUs its parent lacks (EINVAL); v2 takes any list and
	 * falls back to the parent's: either way what the kernel made of it
	 * must be the list asked for */
	cs_read(parent, eff, have, sizeof(have));
	if (cg_write(dir, "cpuset.cpus", g->c.cpuset) ||
	    strcmp(cs_read(dir, eff, g->cpus, sizeof(g->cpus)), g->c.cpuset))
		die("%s: S_CPUSET=%s: not CPUs this host gives its guests (%s has %s)", g->name,
		    g->c.cpuset, parent, have[0] ? have : "none");
	trace("cpuset %s", g->cpus);
}

/* ---- LXCFS --------------------------------------------------------------- */
const char *lxcfs_dir(void)
{
	const char *d = getenv("VSBOX_LXCFS_DIR");

	return d && *d ? d : "/var/lib/lxcfs";
}

/* Is the kernel memory-honest? feat_meminfo() asks with a scratch cgroup
 * and a fork (2-3 ms, each start on a host running lxcfs): the answer is
 * kept in $VSBOX_RUNDIR/meminfo-honest with the boot id, since only a
 * reboot changes the kernel. "unknown" is not kept. */
static bool kernel_honest(void)
{
	char v[4];
	int f;

	if (run_note("meminfo-honest", "", v, sizeof(v)))
		return v[0] == '1';
	if ((f = feat_meminfo()) != FEAT_UNKNOWN)
		run_note_set("meminfo-honest", "", f == FEAT_YES ? "1" : "0");
	return f == FEAT_YES;
}

void gview_prepare(struct guest *g)
{
	const char *dir = lxcfs_dir();
	char up[PATH_MAX];
	struct stat a, b;

	g->lxcfs[0] = 0;
	if (g->c.lxcfs == LX_NO)
		return;
	/* mounted: a file system of its own there (two stats: no word with
	 * the daemon, nothing to pay when it is not there) */
	snprintf(up, sizeof(up), "%s/..", dir);
	if (stat(dir, &a) || stat(up, &b) || a.st_dev == b.st_dev) {
		if (g->c.lxcfs == LX_YES)
			die("%s: LXCFS=yes, but lxcfs is not mounted on %s", g->name, dir);
		return;
	}
	xsnprintf(g->lxcfs, sizeof(g->lxcfs), "%s", dir);
	/* the kernel's own honest meminfo: no FUSE round trip for it */
	g->lx_meminfo = !kernel_honest();
	trace("lxcfs on %s%s", dir, g->lx_meminfo ? "" : " (meminfo: the kernel's)");
}

/* ---- the kernel's view (kernel/patches 0004) ------------------------------
 * prctl(PR_SET_VSBOX_VIEW) gives cgfd's cgroup and all below it a view:
 * with l (the IP lock's addresses), other contexts' and the host's sockets,
 * interfaces and addresses hidden; always, mountinfo's roots shown relative
 * to the reader's root. The kernel's struct vsbox_view_args. A kernel
 * without the patch says EINVAL, a nested lock without CAP_SYS_ADMIN EPERM
 * (the view above it holds): nothing to do then either. */
struct kview {
	uint32_t flags, n4, n6;
	int32_t cgfd;
	unsigned char a4[16][4], a6[16][16];
};

void kview_set(int cgfd, const struct netaddrs *l)
{
	struct kview v = { .flags = l ? 3 : 2, .cgfd = cgfd };

	/* (the loopback stand-ins are among them) */
	for (int i = 0; l && i < l->n; i++) {
		const struct netaddr *x = &l->a[i];
		if (x->family == AF_INET && v.n4 < 16)
			memcpy(v.a4[v.n4++], x->a, 4);
		if (x->family == AF_INET6 && v.n6 < 16)
			memcpy(v.a6[v.n6++], x->a, 16);
	}
	prctl(PR_SET_VSBOX_VIEW, &v, sizeof(v), 0, 0);
}
