/* features.c - the kernel features vsbox uses, probed at run time, each once
 * per process (never by kernel version: distribution kernels backport, and
 * the patches in kernel/ apply to several versions), and the table that
 * `vsbox --check-kernel` prints.
 *
 * The three features of kernel/patches are probed by what they do:
 * - immutable linkage invert (FS_IXUNLINK_FL): setting the bit on an
 *   O_TMPFILE inode of the filesystem in question (an unpatched kernel, or
 *   a filesystem the patch does not cover, answers EOPNOTSUPP). It needs
 *   CAP_LINUX_IMMUTABLE; without it the answer is "unknown".
 * - copy-on-write link breaking: two links to a file in a scratch
 *   directory, made immutable + iunlink; an open for writing of one name
 *   must succeed and leave the other name on the old inode.
 * - memory-honest /proc/meminfo and sysinfo(2): a child in a scratch memory
 *   cgroup with a 64 MiB limit enters a new cgroup namespace; sysinfo(2)
 *   must then report 64 MiB of RAM.
 * The scratch objects are removed before the probe returns.
 */
#include "vsbox.h"
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/sysinfo.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/mount.h>
#include <sys/prctl.h>

#define PROBE_MEM (64ULL << 20)

static char iu_why[PATH_MAX + 128] BIG, cow_why[PATH_MAX + 128] BIG, mem_why[PATH_MAX + 128] BIG;

static const char *fs_of(int fd)
{
	struct statfs s;

	if (fstatfs(fd, &s))
		return "?";
	switch ((unsigned long)s.f_type) {
	case 0xef53: return "ext4";
	case 0x58465342: return "xfs";
	case 0x9123683e: return "btrfs";
	case 0x01021994: return "tmpfs";
	case 0x858458f6: return "ramfs";
	case 0x794c7630: return "overlay";
	}
	return "this filesystem";
}

/* Set (on) or clear the flag bits on fd: 0 or -1 + errno */
int fd_setflags(int fd, unsigned bits, bool on)
{
	int fl;

	if (ioctl(fd, FS_IOC_GETFLAGS, &fl))
		return -1;
	int nf = on ? (fl | (int)bits) : (fl & ~(int)bits);
	/* nothing to change: not asked (ext4 refuses any SETFLAGS on an
	 * immutable inode that has inline data, same flags or not) */
	return nf == fl ? 0 : ioctl(fd, FS_IOC_SETFLAGS, &nf);
}

const char *feat_iunlink_why(void)
{
	return iu_why;
}

int feat_iunlink(const char *dir)
{
	static int cached = -1;
	int fd, dfd;

	if (cached >= 0)
		return cached;
	cached = FEAT_UNKNOWN;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		snprintf(iu_why, sizeof(iu_why), "can't open %s: %s", dir, strerror(errno));
		return cached;
	}
	fd = openat(dfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(iu_why, sizeof(iu_why), "no scratch file on %s: %s", dir, strerror(errno));
	} else if (!fd_setflags(fd, FS_IXUNLINK_FL, true)) {
		cached = FEAT_YES;
		snprintf(iu_why, sizeof(iu_why), "on %s", fs_of(fd));
	} else if (errno == EPERM) {
		snprintf(iu_why, sizeof(iu_why), "probing needs CAP_LINUX_IMMUTABLE");
	} else {
		cached = FEAT_NO;
		snprintf(iu_why, sizeof(iu_why), "not on %s (%s)", fs_of(fd), strerror(errno));
	}
	if (fd >= 0)
		close(fd);
	close(dfd);
	return cached;
}

/* Remove the scratch files of the CoW probe, their flags first */
static void cow_cleanup(int dfd, const char *sub)
{
	int sfd = openat(dfd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (sfd >= 0) {
		for (const char *n = "a"; n; n = *n == 'a' ? "b" : NULL) {
			int fd = openat(sfd, n, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			if (fd >= 0) {
				fd_setflags(fd, FS_IMMUTABLE_FL | FS_IXUNLINK_FL, false);
				close(fd);
			}
			unlinkat(sfd, n, 0);
		}
		close(sfd);
	}
	unlinkat(dfd, sub, AT_REMOVEDIR);
}

int feat_cow_link(const char *dir)
{
	static int cached = -1;
	char sub[64];
	struct stat a, b;
	int dfd, sfd, fd;

	if (cached >= 0)
		return cached;
	if (feat_iunlink(dir) != FEAT_YES) {
		snprintf(cow_why, sizeof(cow_why), "needs the immutable linkage invert");
		return cached = feat_iunlink(dir) == FEAT_NO ? FEAT_NO : FEAT_UNKNOWN;
	}
	cached = FEAT_UNKNOWN;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return cached;
	snprintf(sub, sizeof(sub), ".vsbox-probe-cow.%d", (int)getpid());
	if (mkdirat(dfd, sub, 0700) || (sfd = openat(dfd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		snprintf(cow_why, sizeof(cow_why), "no scratch directory in %s: %s", dir, strerror(errno));
		unlinkat(dfd, sub, AT_REMOVEDIR);
		close(dfd);
		return cached;
	}
	fd = openat(sfd, "a", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, "shared\n", 7) != 7 || close(fd) ||
	    linkat(sfd, "a", sfd, "b", 0) ||
	    (fd = openat(sfd, "a", O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(cow_why, sizeof(cow_why), "can't make the scratch files: %s", strerror(errno));
		goto out;
	}
	if (fd_setflags(fd, FS_IMMUTABLE_FL | FS_IXUNLINK_FL, true)) {
		snprintf(cow_why, sizeof(cow_why), "can't set immutable + iunlink: %s", strerror(errno));
		close(fd);
		goto out;
	}
	close(fd);
	fd = openat(sfd, "a", O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0) {
		cached = FEAT_NO;
		snprintf(cow_why, sizeof(cow_why), "open for writing: %s", strerror(errno));
	} else {
		bool split = !fstat(fd, &a) && !fstatat(sfd, "b", &b, 0) && a.st_ino != b.st_ino;
		cached = split ? FEAT_YES : FEAT_NO;
		snprintf(cow_why, sizeof(cow_why), split ? "on %s" : "the write went to the shared inode on %s",
			 fs_of(fd));
		close(fd);
	}
out:
	close(sfd);
	cow_cleanup(dfd, sub);
	close(dfd);
	return cached;
}

/* the child of the meminfo probe: in the scratch cgroup, a new cgroup
 * namespace rooted there, then what sysinfo(2) says */
static int meminfo_child(const char *cg)
{
	struct sysinfo si;

	xcg_join(cg);
	if (unshare(CLONE_NEWCGROUP) || sysinfo(&si))
		_exit(3);
	_exit((unsigned long long)si.totalram * si.mem_unit == PROBE_MEM ? 0 : 1);
}

int feat_meminfo(void)
{
	static int cached = -1;
	const struct cg_hier *h[CG_MAX], *mh = NULL;
	char cg[CG_PATH + 64], val[32];
	struct sysinfo si;
	int n, st = 0;
	pid_t pid;

	if (cached >= 0)
		return cached;
	cached = FEAT_UNKNOWN;
	/* a v1 memory hierarchy, else the v2 tree if it offers memory (the
	 * v2 entry's ctrl has CG_V2 alone) */
	n = cg_pick(CG_MEMORY, h, CG_MAX);
	for (int i = 0; i < n; i++)
		if (h[i]->ctrl & CG_MEMORY)
			mh = h[i];
	for (int i = 0; i < n && !mh; i++) {
		char p[CG_PATH + 32], buf[256];
		snprintf(p, sizeof(p), "%s/cgroup.controllers", h[i]->mnt);
		if ((h[i]->ctrl & CG_V2) && read_file(p, buf, sizeof(buf)) >= 0 &&
		    strstr(buf, "memory"))
			mh = h[i];
	}
	if (!mh) {
		snprintf(mem_why, sizeof(mem_why), "probing needs a memory cgroup controller");
		return cached;
	}
	if (sysinfo(&si) || (unsigned long long)si.totalram * si.mem_unit <= PROBE_MEM) {
		snprintf(mem_why, sizeof(mem_why), "probing needs more than 64 MiB of RAM");
		return cached;
	}
	snprintf(cg, sizeof(cg), "%s/probe-meminfo.%d", mh->base, (int)getpid());
	snprintf(val, sizeof(val), "%llu", PROBE_MEM);
	/* the base is made for the probe only when it is not there yet, and
	 * then removed with it: a check leaves the host as it found it */
	bool made = !mkdir(mh->base, 0755);
	if (!made && errno != EEXIST) {
		snprintf(mem_why, sizeof(mem_why), "can't create %s: %s", mh->base, strerror(errno));
		return cached;
	}
	/* v2: the scratch cgroup gets a memory.max only with memory enabled
	 * for the base's children (vsbox's start enables it the same way) */
	if (mh->ctrl & CG_V2)
		cg_write(mh->base, "cgroup.subtree_control", "+memory");
	if (mkdir(cg, 0755)) {
		snprintf(mem_why, sizeof(mem_why), "can't create %s: %s", cg, strerror(errno));
		if (made)
			rmdir(mh->base);
		return cached;
	}
	if (cg_write(cg, (mh->ctrl & CG_V2) ? "memory.max" : "memory.limit_in_bytes", val)) {
		snprintf(mem_why, sizeof(mem_why), "can't limit %s: %s", cg, strerror(errno));
	} else if ((pid = fork()) == 0) {
		meminfo_child(cg);
	} else if (pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) < 2) {
		cached = WEXITSTATUS(st) ? FEAT_NO : FEAT_YES;
		snprintf(mem_why, sizeof(mem_why), cached == FEAT_YES ? "cgroup %s" : "a 64 MiB cgroup showed the host's RAM (cgroup %s)",
			 (mh->ctrl & CG_V2) ? "v2" : "v1");
	} else {
		snprintf(mem_why, sizeof(mem_why), "probing needs CAP_SYS_ADMIN (a cgroup namespace)");
	}
	cg_rmdir(cg);
	if (made)
		rmdir(mh->base);
	return cached;
}

/* ---- vsbox --check-kernel ------------------------------------------------ */
static int ns_present(const char *ns)
{
	char p[64];

	snprintf(p, sizeof(p), "/proc/self/ns/%s", ns);
	return access(p, F_OK) ? FEAT_NO : FEAT_YES;
}

static int fs_present(const char *name)
{
	char buf[8192], want[64];

	if (read_file("/proc/filesystems", buf, sizeof(buf)) < 0)
		return FEAT_UNKNOWN;
	snprintf(want, sizeof(want), "\t%s\n", name);
	return strstr(buf, want) ? FEAT_YES : FEAT_NO;
}

/* the filter mode answers SECCOMP_GET_ACTION_AVAIL (Linux 4.14) */
static bool seccomp_filter_ok(void)
{
	uint32_t act = 0x80000000U;     /* SECCOMP_RET_KILL_PROCESS */

	return syscall(SYS_seccomp, 2 /* SECCOMP_GET_ACTION_AVAIL */, 0, &act) == 0;
}

static int yes_if(bool b)
{
	return b ? FEAT_YES : FEAT_NO;
}

static void row(const char *what, int state, const char *note, const char *needed_by)
{
	static const char *const word[] = { "no", "yes", "unknown" };

	printf("%-34s %-8s %s\n", what, word[state], needed_by);
	if (note && *note)
		printf("%-34s          (%s)\n", "", note);
}

int check_kernel(const char *dir)
{
	const struct cg_hier *v2 = cg_v2();
	char ll[32];
	long r;

	printf("Kernel features vsbox uses (scratch files in %s):\n", dir);
	printf("%-34s %-8s %s\n", "FEATURE", "PRESENT", "NEEDED BY");
	row("pid namespace", ns_present("pid"), NULL, "every context (chcontext, vserver)");
	row("mount namespace", ns_present("mnt"), NULL, "guests (vserver start)");
	row("uts namespace", ns_present("uts"), NULL, "guests: their own hostname");
	row("ipc namespace", ns_present("ipc"), NULL, "guests: their own SysV IPC");
	row("cgroup namespace", ns_present("cgroup"), NULL, "guests: their cgroup as the root");
	row("network namespace", ns_present("net"), NULL, "guests with a private network");
	row("user namespace", ns_present("user"), NULL, "user-namespaced guests");
	row("time namespace", ns_present("time"), NULL, "guests: their own boot time");
	row("cgroup v2 mounted", yes_if(v2 != NULL), v2 ? v2->mnt : NULL,
	    "context tracking, cgroup.kill, chbind's BPF");
	row("cgroup.kill", yes_if(cg_can_kill()), NULL, "vserver stop, vkill of a whole context");
	/* clone3 with no arguments: EINVAL where it exists, ENOSYS where not */
	r = syscall(SYS_clone3, NULL, 0);
	row("clone3 (CLONE_INTO_CGROUP)", yes_if(r < 0 && errno != ENOSYS), NULL, "fast context start");
	row("openat2 (RESOLVE_IN_ROOT)", yes_if(have_openat2()), NULL, "host access to guest paths");
	r = syscall(SYS_pidfd_open, getpid(), 0);
	row("pidfd", yes_if(r >= 0), NULL, "vkill, rebootmgr");
	if (r >= 0)
		close((int)r);
	row("seccomp filter", yes_if(seccomp_filter_ok()), NULL, "spectator context, guest hardening");
	r = landlock_abi();
	snprintf(ll, sizeof(ll), "ABI %ld", r);
	row("Landlock", yes_if(r > 0), r > 0 ? ll : NULL, "spectator context (chcontext --ctx 1)");
	row("Landlock abstract unix scope", yes_if(r >= 6), NULL,
	    "UNIX_SCOPE (default): no connect to the host's abstract sockets");
	row("BPF (cgroup programs)", yes_if(access("/proc/sys/kernel/unprivileged_bpf_disabled", F_OK) == 0),
	    NULL, "chbind IP lock, device allowlist");
	row("overlayfs", fs_present("overlay"), NULL, "overlay templates");
	row("overlayfs data-only layers", feat_overlay(dir), feat_overlay_why(),
	    "unification on a stock kernel (vunify --method overlay)");
	row("overlayfs idmapped layers", feat_overlay_idmap(dir), feat_overlay_idmap_why(),
	    "USERNS guests unified by --method overlay");
	row("immutable linkage invert", feat_iunlink(dir), iu_why,
	    "unification: guests may unlink shared files (kernel/patches 0001)");
	row("copy-on-write link breaking", feat_cow_link(dir), cow_why,
	    "unification: a write gives a private copy (kernel/patches 0002)");
	row("memory-honest meminfo/sysinfo", feat_meminfo(), mem_why,
	    "S_MEMORY: free/top in a guest show its limit (kernel/patches 0003)");
	row("guest views", yes_if(prctl(PR_GET_VSBOX_VIEW, 0, 0, 0, 0) >= 0), NULL,
	    "guests: own sockets, interfaces, mounts (kernel/patches 0004)");
	return 0;
}
