/* meminfo.c - memory-honest /proc/meminfo and sysinfo(2) (kernel/patches
 * 0003): a process whose cgroup namespace is rooted at a memory cgroup with
 * a limit (its own, or an ancestor's) sees that limit as its RAM and the
 * cgroup's use as used; swap likewise; without a limit, and in the initial
 * cgroup namespace, the host's figures. cgroup v2 memory.max, and v1
 * memory.limit_in_bytes where a v1 memory hierarchy can be mounted.
 */
#include "kt.h"
#include <sys/sysinfo.h>

#define MiB (1024ULL * 1024)

static char v2[256];   /* our own cgroup v2 directory */

/* a field of /proc/meminfo in kB, -1 if missing */
static long long meminfo(const char *field)
{
	char buf[8192], want[64], *p;

	/* a newline first, so the first line is found like the others */
	buf[0] = '\n';
	if (read_file("/proc/meminfo", buf + 1, sizeof(buf) - 1) < 0)
		return -1;
	snprintf(want, sizeof(want), "\n%s:", field);
	p = strstr(buf, want);
	return p ? strtoll(p + strlen(want), NULL, 10) : -1;
}

struct view { long long total, free, avail, swtotal, swfree; unsigned long long si_total, si_free; };

/* What a child sees after joining cg (if not NULL) and, if ns, unsharing
 * its cgroup namespace; touching eat MiB first */
static struct view look(const char *cg, bool ns, int eat)
{
	struct view v;
	int p[2];
	pid_t pid;

	memset(&v, 0xff, sizeof(v));
	if (pipe(p))
		return v;
	fflush(NULL);
	pid = fork();
	if (!pid) {
		struct sysinfo si;
		struct view w;
		char *mem = NULL;
		close(p[0]);
		if (cg && cg_write(cg, "cgroup.procs", "0"))
			_exit(1);
		if (ns && unshare(CLONE_NEWCGROUP))
			_exit(1);
		if (eat) {
			mem = malloc((size_t)eat * MiB);
			if (mem)
				memset(mem, 1, (size_t)eat * MiB);
		}
		sysinfo(&si);
		w.total = meminfo("MemTotal");
		w.free = meminfo("MemFree");
		w.avail = meminfo("MemAvailable");
		w.swtotal = meminfo("SwapTotal");
		w.swfree = meminfo("SwapFree");
		w.si_total = (unsigned long long)si.totalram * si.mem_unit;
		w.si_free = (unsigned long long)si.freeram * si.mem_unit;
		_exit(write(p[1], &w, sizeof(w)) == sizeof(w) ? 0 : 1);
	}
	close(p[1]);
	if (read(p[0], &v, sizeof(v)) != sizeof(v))
		memset(&v, 0xff, sizeof(v));
	close(p[0]);
	waitpid(pid, NULL, 0);
	return v;
}

static void mk(const char *dir, const char *file, const char *val)
{
	mkdir(dir, 0755);
	if (file && cg_write(dir, file, val))
		printf("# can't write %s/%s: %s\n", dir, file, strerror(errno));
}

int main(void)
{
	char a[300], b[300], c[300], own[256] = "", v1[300];
	struct view host, v;
	long long swhost;
	bool v1_seen = false;   /* the feature showed on v1 already */

	if (getuid())
		kt_skip("needs root");
	/* our own v2 cgroup; the test's cgroups go below it, with memory on */
	char line[512];
	FILE *f = fopen("/proc/self/cgroup", "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3))
			snprintf(own, sizeof(own), "%.*s", (int)strcspn(line + 3, "\n"), line + 3);
	if (f)
		fclose(f);
	const struct cg_hier *h = cg_v2();
	if (!h)
		kt_skip("needs cgroup v2");
	snprintf(v2, sizeof(v2), "%s%s", h->mnt, strcmp(own, "/") ? own : "");

	host = look(NULL, false, 0);
	swhost = host.swtotal;
	if (host.total <= 0 || host.swtotal < 0) {
		printf("Bail out! can't read /proc/meminfo\n");
		return 1;
	}

	/* cgroup v1 first: the memory controller can be mounted v1 only while
	 * no v2 cgroup uses it */
	snprintf(v1, sizeof(v1), "/tmp/vsbox-kt-memv1.%d", (int)getpid());
	mkdir(v1, 0755);
	/* only a hierarchy of our own: where memory is mounted v1 already we
	 * would get that one, and must not put processes outside our cgroup */
	bool v1_elsewhere = false;
	f = fopen("/proc/self/cgroup", "r");
	while (f && fgets(line, sizeof(line), f))
		v1_elsewhere |= strstr(line, ":memory:") != NULL;
	if (f)
		fclose(f);
	if (v1_elsewhere) {
		errno = EBUSY;
		printf("ok %d # SKIP memory is mounted as a v1 hierarchy already\n", ++tap_n);
	} else if (!mount("kt", v1, "cgroup", 0, "memory")) {
		snprintf(a, sizeof(a), "%s/kt-v1", v1);
		mk(a, "memory.limit_in_bytes", "100663296");
		v = look(a, true, 0);
		if (v.total == host.total) {
			rmdir(a);
			umount(v1);
			rmdir(v1);
			kt_skip("kernel without memory-honest meminfo (MemTotal is the host's in a 96 MiB cgroup)");
		}
		v1_seen = true;
		is_int(v.total, 96 * 1024, "v1 memory.limit_in_bytes 96 MiB: MemTotal 96 MiB");
		is_int(v.si_total, 96 * MiB, "v1: sysinfo totalram 96 MiB");
		v = look(a, false, 0);
		is_int(v.total, host.total, "v1, no cgroup namespace: the host's MemTotal");
		rmdir(a);
		umount(v1);
	} else {
		printf("ok %d # SKIP can't mount a v1 memory hierarchy here: %s\n", ++tap_n, strerror(errno));
	}
	rmdir(v1);

	/* a v1 hierarchy just unmounted gives the controller back a little
	 * later (ENOENT, EBUSY meanwhile) */
	for (int i = 0; cg_write(v2, "cgroup.subtree_control", "+memory"); i++) {
		if (i == 50) {
			printf("# can't enable memory in %s: %s\n", v2, strerror(errno));
			break;
		}
		usleep(100000);
	}
	snprintf(a, sizeof(a), "%s/kt-meminfo-a.%d", v2, (int)getpid());
	snprintf(b, sizeof(b), "%s/leaf", a);
	snprintf(c, sizeof(c), "%s/kt-meminfo-c.%d", v2, (int)getpid());
	mk(a, "memory.max", "100663296");
	char probe[320];
	snprintf(probe, sizeof(probe), "%s/memory.max", a);
	if (access(probe, F_OK)) {
		rmdir(a);
		if (tap_n)
			return done_testing();
		kt_skip("needs the memory controller in cgroup v2");
	}
	v = look(a, true, 0);
	if (v.total == host.total && !v1_seen) {
		rmdir(a);
		kt_skip("kernel without memory-honest meminfo (MemTotal is the host's in a 96 MiB cgroup)");
	}
	is_int(v.total, 96 * 1024, "v2 memory.max 96 MiB: MemTotal 96 MiB");
	is_int(v.si_total, 96 * MiB, "sysinfo totalram 96 MiB");
	ok(v.free >= 0 && v.free <= v.total && v.free > 80 * 1024, "MemFree below the limit, most of it free");
	ok(v.avail >= 0 && v.avail <= v.total, "MemAvailable below the limit");
	ok(v.si_free <= v.si_total && v.si_free > 80 * MiB, "sysinfo freeram below the limit");

	struct view ate = look(a, true, 40);
	ok(v.free - ate.free > 30 * 1024, "touching 40 MiB lowers MemFree by more than 30 MiB");
	ok(v.si_free - ate.si_free > 30 * MiB, "and sysinfo freeram");

	/* swap: the smaller of memory.swap.max and the host's */
	snprintf(probe, sizeof(probe), "%s/memory.swap.max", a);
	if (!access(probe, F_OK)) {
		cg_write(a, "memory.swap.max", "8388608");
		v = look(a, true, 0);
		is_int(v.swtotal, swhost < 8192 ? swhost : 8192, "memory.swap.max 8 MiB: SwapTotal min(8 MiB, host)");
		ok(v.swfree <= v.swtotal, "SwapFree within it");
	} else {
		printf("ok %d # SKIP no memory.swap.max (CONFIG_SWAP)\n", ++tap_n);
	}

	/* a limit above: an unlimited child cgroup as the namespace root */
	cg_write(a, "cgroup.subtree_control", "+memory");
	mk(b, NULL, NULL);
	v = look(b, true, 0);
	is_int(v.total, 96 * 1024, "an unlimited cgroup below a 96 MiB one: MemTotal 96 MiB");
	v = look(b, false, 0);
	is_int(v.total, host.total, "a limit but the initial cgroup namespace: the host's MemTotal");
	rmdir(b);

	/* no limit anywhere, or no namespace: the host's */
	mk(c, NULL, NULL);
	v = look(c, true, 0);
	is_int(v.total, host.total, "no limit: the host's MemTotal");
	is_int(v.swtotal, host.swtotal, "no limit: the host's SwapTotal");
	v = look(NULL, false, 0);
	is_int(v.total, host.total, "and the host itself: its MemTotal");
	rmdir(c);
	rmdir(a);
	return done_testing();
}
