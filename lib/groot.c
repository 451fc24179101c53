/* groot.c - a guest's root: the mounts it gets and the pivot into it.
 *
 * Runs as PID 1 of the guest's new PID namespace, in its new mount
 * namespace whose tree is already private. Every target inside the guest is
 * opened through lib/path.c (never following the guest's symlinks) and
 * mounted on by its descriptor (fchdir, or move_mount). The order:
 *
 *   bind the root on itself (nodev: device nodes in the guest's files do
 *   nothing) -> /dev: a tmpfs with only fresh nodes of null zero full
 *   random urandom tty (and console, a null), a new devpts instance (ptmx
 *   inside it) and /dev/shm (a directory of the same tmpfs, bound nodev)
 *   -> /proc (with /proc/sys and friends read-only; kcore, keys, kmsg...
 *   masked by that /dev/null, acpi and scsi by an empty read-only tmpfs)
 *   -> /sys read-only (a fresh sysfs: no cgroup hierarchies under it;
 *   /sys/firmware masked) -> for systemd (lib/ginit.c) /run and /run/lock
 *   tmpfs and the notify socket -> NAME.fstab ->
 *   pivot_root, detach the old root.
 *
 * A USERNS guest (lib/userns.c): the same, made by a helper that is root
 * in the guest's user namespace (init stays host uid 0 for its cleanup),
 * with three differences where the namespace may not do what host root
 * does: the root is the idmapped copy the caller handed over, moved into
 * place; /sys is the host's, bound read-only (a fresh sysfs needs a
 * network namespace of the guest's own); the /dev nodes are the host's,
 * bound on empty files (mknod needs host privilege).
 */
#include "vsbox.h"
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/sysmacros.h>

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#define MOVE_MOUNT_F_EMPTY_PATH 0x04
#define MOVE_MOUNT_T_EMPTY_PATH 0x40
#endif

/* Targets are descriptors (opened without following the guest's symlinks),
 * and so are bind sources: nothing is looked up through /proc/self/fd,
 * whose entries would stay cached (and charged) for the guest's life. */

/* a fresh filesystem (or a remount) on the directory fd, or on name in
 * it: through the working directory */
static void mount_at(int fd, const char *name, const char *src, const char *type,
		     unsigned long flags, const char *data, const char *what)
{
	if (fchdir(fd) || mount(src, name ? name : ".", type, flags, data))
		die_errno("can't mount %s on %s", type ? type : "(remount)", what);
}

/* bind the tree at from (a descriptor, or a host path src) on the file or
 * directory to: a detached copy (open_tree) moved there (move_mount) */
static void bind_fd(int from, const char *src, int to, bool rec, const char *what)
{
	int t = (int)syscall(SYS_open_tree, from, src ? src : "", OPEN_TREE_CLONE | O_CLOEXEC |
			     (src ? 0 : AT_EMPTY_PATH) | (rec ? AT_RECURSIVE : 0));

	if (t < 0 || syscall(SYS_move_mount, t, "", to, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH))
		die_errno("can't bind %s on %s", src ? src : "", what);
	close(t);
}

/* open (creating if needed) a directory inside the root, as a mount target */
static int target_dir(int rootfd, const char *path)
{
	int fd = path_open(rootfd, path, O_PATH | O_DIRECTORY, 0);

	if (fd < 0)
		fd = path_mkdirs(rootfd, path, 0755);
	return fd;
}

/* the same for a file target (bind mounts of files) */
static int target_file(int dirfd, const char *name)
{
	int fd = path_open(dirfd, name, O_RDONLY | O_CREAT | O_NOFOLLOW, 0644);

	if (fd < 0)
		die_errno("can't create mount point %s", name);
	return fd;
}

/* bind name (in the guest's fresh /proc, procfd) on itself, read-only */
static void bind_ro(int procfd, const char *name)
{
	int fd = openat(procfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return;         /* not on this kernel */
	bind_fd(fd, NULL, fd, true, name);
	close(fd);
	/* the remount finds the new mount by name (the kernel's, in a /proc
	 * nobody else has seen yet) */
	mount_at(procfd, name, NULL, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL, name);
}

/* an empty read-only tmpfs over a directory inside the root, if it is
 * there: one per guest, the first, bound over the others (a superblock
 * costs the kernel several KiB; this one is read-only and can hold nothing) */
static int mask_fd = -1;

static void mask_dir(int rootfd, const char *path)
{
	int fd = path_open(rootfd, path, O_PATH | O_DIRECTORY, 0);

	if (fd < 0)
		return;
	if (mask_fd < 0) {
		mount_at(fd, NULL, "vsbox-mask", "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			 "size=0,nr_inodes=1,mode=555", path);
		close(fd);
		mask_fd = path_open(rootfd, path, O_PATH | O_DIRECTORY, 0);
		if (mask_fd < 0)
			die_errno("can't open the mask on %s", path);
		return;
	}
	bind_fd(mask_fd, NULL, fd, false, path);
	close(fd);
}

/* /proc of the guest's own PID namespace; the host-wide knobs in it are
 * root-writable by uid alone, so they are made read-only or masked */
static void mount_proc(int rootfd, int null)
{
	static const char *const ro[] = { "sys", "sysrq-trigger", "irq", "bus", "fs" };
	static const char *const masked[] = {
		"kcore", "keys", "key-users", "timer_list", "kallsyms", "kmsg", "sched_debug",
		"latency_stats", "kpagecount", "kpageflags", "kpagecgroup",
	};
	static const char *const masked_dirs[] = { "proc/acpi", "proc/scsi" };
	int fd = target_dir(rootfd, "proc"), procfd;

	mount_at(fd, NULL, "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, "/proc");
	close(fd);
	/* the descriptor of the mount point shows what was under it: reopen */
	procfd = path_open(rootfd, "proc", O_PATH | O_DIRECTORY, 0);
	if (procfd < 0)
		die_errno("can't open the guest's /proc");
	for (size_t i = 0; i < sizeof(ro) / sizeof(ro[0]); i++)
		bind_ro(procfd, ro[i]);
	for (size_t i = 0; i < sizeof(masked) / sizeof(masked[0]); i++)
		if ((fd = openat(procfd, masked[i], O_PATH | O_NOFOLLOW | O_CLOEXEC)) >= 0) {
			bind_fd(null, NULL, fd, false, masked[i]);
			close(fd);
		}
	close(procfd);
	for (size_t i = 0; i < sizeof(masked_dirs) / sizeof(masked_dirs[0]); i++)
		mask_dir(rootfd, masked_dirs[i]);
}

static void mount_dev(int rootfd, bool userns)
{
	/* /dev/console is null too: no host terminal reaches the guest */
	static const struct { const char *name; unsigned maj, min; } nodes[] = {
		{ "null", 1, 3 }, { "zero", 1, 5 }, { "full", 1, 7 }, { "random", 1, 8 },
		{ "urandom", 1, 9 }, { "tty", 5, 0 }, { "console", 1, 3 },
	};
	static const char *const links[][2] = {
		{ "ptmx", "pts/ptmx" }, { "fd", "/proc/self/fd" }, { "stdin", "/proc/self/fd/0" },
		{ "stdout", "/proc/self/fd/1" }, { "stderr", "/proc/self/fd/2" },
	};
	int fd = target_dir(rootfd, "dev"), dev, t;

	/* sized as a /dev/shm is (half the RAM, the tmpfs default): shm
	 * lives in it; the guest's memory limit bounds both */
	mount_at(fd, NULL, "vsbox-dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=755", "/dev");
	close(fd);
	/* the descriptor of the mount point shows what was under it: reopen */
	dev = path_open(rootfd, "dev", O_PATH | O_DIRECTORY, 0);
	if (dev < 0)
		die_errno("can't open the guest's /dev");
	/* fresh nodes (a bind mount of the host's each would cost a mount) */
	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]) && !userns; i++)
		if (mknodat(dev, nodes[i].name, S_IFCHR | 0666, makedev(nodes[i].maj, nodes[i].min)) ||
		    fchmodat(dev, nodes[i].name, 0666, 0))
			die_errno("can't create /dev/%s", nodes[i].name);
	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]) && userns; i++) {
		char host[32];
		snprintf(host, sizeof(host), "/dev/%s", strcmp(nodes[i].name, "console") ? nodes[i].name : "null");
		t = target_file(dev, nodes[i].name);
		bind_fd(AT_FDCWD, host, t, false, host);
		close(t);
	}
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (symlinkat(links[i][1], dev, links[i][0]) && errno != EEXIST)
			die_errno("can't create /dev/%s", links[i][0]);
	/* a devpts instance of its own: the guest sees only its own ptys */
	t = target_dir(dev, "pts");
	mount_at(t, NULL, "devpts", "devpts", MS_NOSUID | MS_NOEXEC,
		 "newinstance,ptmxmode=0666,mode=0620,gid=5", "/dev/pts");
	close(t);
	/* /dev/shm: a directory of this same tmpfs, bound on itself nosuid
	 * and nodev (a tmpfs of its own would cost a superblock, several
	 * KiB); the guest may mount its own over it */
	if ((mkdirat(dev, "shm", 01777) && errno != EEXIST) || fchmodat(dev, "shm", 01777, 0) ||
	    (t = openat(dev, "shm", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		die_errno("can't create /dev/shm");
	bind_fd(t, NULL, t, false, "/dev/shm");
	close(t);
	mount_at(dev, "shm", NULL, NULL, MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV, NULL, "/dev/shm");
	close(dev);
}

/* a systemd guest's /run and /run/lock: fresh tmpfs (owned by root
 * inside, also for USERNS: uid= and gid= are read in the mounter's user
 * namespace), and NOTIFY_SOCKET's socket (lib/ginit.c) bound in /run/host,
 * a directory of that fresh tmpfs: no name of the guest's is followed */
static void mount_run(int rootfd, const struct guest *g)
{
	int fd = target_dir(rootfd, "run"), run, host;

	mount_at(fd, NULL, "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV, "mode=755,size=20%,uid=0,gid=0", "/run");
	close(fd);
	if ((run = path_open(rootfd, "run", O_PATH | O_DIRECTORY, 0)) < 0 ||
	    (mkdirat(run, "lock", 01777) && errno != EEXIST) || (mkdirat(run, "host", 0755) && errno != EEXIST))
		die_errno("can't make /run/lock and /run/host");
	fd = xopenat(run, "lock", O_PATH | O_DIRECTORY | O_NOFOLLOW, 0);
	mount_at(fd, NULL, "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=5m,uid=0,gid=0",
		 "/run/lock");
	close(fd);
	host = xopenat(run, "host", O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	struct sockaddr_un a = { .sun_family = AF_UNIX, .sun_path = "notify" };
	if (fchdir(host) || bind(g->notify, (struct sockaddr *)&a, sizeof(a)))
		die_errno("can't bind the notify socket on %s", GINIT_NOTIFY);
	close(host);
	close(run);
}

/* NAME.fstab: sources are host paths (the administrator's), targets are
 * inside the guest */
static void mount_fstab(int rootfd, const struct guest *g)
{
	for (int i = 0; i < g->nmount; i++) {
		const struct vc_mount *m = &g->mounts[i];
		struct stat st;
		char dir[256], *name = NULL;
		int d = -1, t;
		if ((m->flags & MS_BIND) && !stat(m->src, &st) && !S_ISDIR(st.st_mode)) {
			snprintf(dir, sizeof(dir), "%s", m->target);
			name = strrchr(dir, '/');
			*name++ = 0;
			d = target_dir(rootfd, dir[0] ? dir : "/");
			t = target_file(d, name);
		} else {
			t = target_dir(rootfd, m->target);
		}
		if (m->flags & MS_BIND) {
			bind_fd(AT_FDCWD, m->src, t, m->flags & MS_REC, m->target);
			/* a bind takes its flags only from a remount, of the new
			 * mount: a fresh lookup of a directory, the name of a file */
			if (!name) {
				close(t);
				if ((t = path_open(rootfd, m->target, O_PATH | O_DIRECTORY, 0)) < 0)
					die_errno("can't open %s", m->target);
			}
			mount_at(name ? d : t, name, NULL, NULL,
				 MS_REMOUNT | MS_BIND | (m->flags & ~(MS_BIND | MS_REC)), NULL, m->target);
		} else {
			mount_at(t, NULL, m->src, m->type, m->flags, m->data[0] ? m->data : NULL, m->target);
		}
		close(t);
		if (d >= 0)
			close(d);
	}
}

/* /proc, /sys and /dev are the guest's to replace, but not by a symlink:
 * resolved in the root it would do no harm, yet it means the root was
 * tampered with - say so rather than mount somewhere unexpected */
static void no_symlink(int rootfd, const struct guest *g, const char *name)
{
	struct stat st;

	if (!fstatat(rootfd, name, &st, AT_SYMLINK_NOFOLLOW) && S_ISLNK(st.st_mode))
		die("%s/%s is a symbolic link: refusing to mount on it (make it a directory)",
		    g->root, name);
}

/* /sys/class/net of a guest whose sysfs is the host's network namespace's
 * (the shared stack; a USERNS guest's bound /sys): the host's interfaces
 * are not its own, it lists lo alone - a read-only tmpfs holding that one
 * link. (ip link, through netlink, still shows them: the shared stack is
 * one; NET=private is the answer, see vserver(8).) */
static void mask_class_net(int rootfd)
{
	int fd = path_open(rootfd, "sys/class/net", O_PATH | O_DIRECTORY, 0);

	if (fd < 0)
		return;
	mount_at(fd, NULL, "vsbox-net", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,nr_inodes=2,mode=755",
		 "/sys/class/net");
	close(fd);
	/* the descriptor of the mount point shows what was under it: reopen */
	if ((fd = path_open(rootfd, "sys/class/net", O_PATH | O_DIRECTORY, 0)) < 0 ||
	    symlinkat("../../devices/virtual/net/lo", fd, "lo"))
		die_errno("can't make /sys/class/net");
	mount_at(fd, NULL, NULL, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL,
		 "/sys/class/net");
	close(fd);
}

/* What the guest should not see as the host's (lib/gview.c decided it on
 * the host): lxcfs's /proc files, each bound over the kernel's (meminfo
 * unless the kernel is memory-honest; uptime only without a time
 * namespace, whose /proc/uptime is the guest's already); and the CPUs of
 * its cpuset as /sys/devices/system/cpu/online - lxcfs's, or a file of
 * the guest's /dev tmpfs, bound there and unlinked (no host path in its
 * mountinfo, nothing left in /dev). All of them read-only. */
/* the file bound on name in dir made read-only (a remount, which finds
 * the new mount by name). lxcfs's files must be: a guest's open with
 * O_TRUNC reaches the FUSE inode all guests share, and leaves it empty
 * for every reader that uses splice or sendfile (busybox cat) */
static void ro_file(int dir, const char *name, const char *what)
{
	mount_at(dir, name, NULL, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		 NULL, what);
}

static void mount_view(int rootfd, const struct guest *g)
{
	static const char *const lx[] = { "meminfo", "cpuinfo", "stat", "uptime", "loadavg", "diskstats", "swaps" };
	char src[PATH_MAX + 64];
	bool timens = !access("/proc/self/ns/time", F_OK);
	int fd, cpu, dev;

	if (g->lxcfs[0]) {
		int procfd = path_open(rootfd, "proc", O_PATH | O_DIRECTORY, 0);
		if (procfd < 0)
			die_errno("can't open the guest's /proc");
		for (size_t i = 0; i < sizeof(lx) / sizeof(lx[0]); i++) {
			if ((i == 0 && !g->lx_meminfo) || (i == 3 && timens))
				continue;
			snprintf(src, sizeof(src), "%s/proc/%s", g->lxcfs, lx[i]);
			if (access(src, F_OK) || (fd = openat(procfd, lx[i], O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0)
				continue;       /* an older lxcfs, or kernel */
			bind_fd(AT_FDCWD, src, fd, false, lx[i]);
			close(fd);
			ro_file(procfd, lx[i], lx[i]);
		}
		close(procfd);
	}
	snprintf(src, sizeof(src), "%s/sys/devices/system/cpu/online", g->lxcfs);
	bool lxcpu = g->lxcfs[0] && !access(src, F_OK);
	if ((!lxcpu && !g->cpus[0]) ||
	    (cpu = path_open(rootfd, "sys/devices/system/cpu", O_PATH | O_DIRECTORY, 0)) < 0)
		return;
	if ((fd = openat(cpu, "online", O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		close(cpu);
		return;
	}
	if (lxcpu) {
		bind_fd(AT_FDCWD, src, fd, false, "/sys/devices/system/cpu/online");
		ro_file(cpu, "online", "/sys/devices/system/cpu/online");
	} else {
		if ((dev = path_open(rootfd, "dev", O_PATH | O_DIRECTORY, 0)) < 0)
			die_errno("can't open the guest's /dev");
		int t = openat(dev, ".online", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0444);
		snprintf(src, sizeof(src), "%s\n", g->cpus);
		if (t < 0 || write(t, src, strlen(src)) != (ssize_t)strlen(src))
			die_errno("can't write the guest's CPU list in /dev/.online");
		bind_fd(t, NULL, fd, false, "/sys/devices/system/cpu/online");
		close(t);
		if (unlinkat(dev, ".online", 0))
			die_errno("can't remove /dev/.online");
		close(dev);
		ro_file(cpu, "online", "/sys/devices/system/cpu/online");
	}
	close(fd);
	close(cpu);
}

/* a USERNS guest's /sys: the host's, every mount in it read-only (and
 * nosuid, nodev, noexec), its cgroup hierarchies masked */
static void bind_sys(int rootfd)
{
	struct mount_attr_ { uint64_t set, clr, prop, userns; } a = { 0x1 | 0x2 | 0x4 | 0x8, 0, 0, 0 };
	int fd = target_dir(rootfd, "sys");
	int t = (int)syscall(SYS_open_tree, AT_FDCWD, "/sys", OPEN_TREE_CLONE | O_CLOEXEC | AT_RECURSIVE);

	if (t < 0 || syscall(SYS_mount_setattr, t, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof(a)) ||
	    syscall(SYS_move_mount, t, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH))
		die_errno("can't bind the host's /sys read-only on /sys");
	close(t);
	close(fd);
	mask_dir(rootfd, "sys/fs/cgroup");
}

static void mount_all(const struct guest *g)
{
	int rootfd, fd;

	if (g->c.userns) {
		/* the idmapped copy (nodev already) over the guest root */
		if (syscall(SYS_move_mount, g->idtree, "", AT_FDCWD, g->root, MOVE_MOUNT_F_EMPTY_PATH))
			die_errno("can't mount the idmapped root on %s", g->root);
	} else if (mount(g->root, g->root, NULL, MS_BIND | MS_REC, NULL) ||
		   mount(NULL, g->root, NULL, MS_REMOUNT | MS_BIND | MS_NODEV, NULL)) {
		/* the root becomes a mount of its own (pivot_root needs one),
		 * and nodev: a device node in the guest's files opens nothing */
		die_errno("can't bind %s on itself", g->root);
	}
	rootfd = xopenat(AT_FDCWD, g->root, O_PATH | O_DIRECTORY | O_NOFOLLOW, 0);
	no_symlink(rootfd, g, "proc");
	no_symlink(rootfd, g, "sys");
	no_symlink(rootfd, g, "dev");
	trace("root bound");
	/* /dev first: its null masks /proc's host-wide files, so what the
	 * guest's mountinfo names there is its own tmpfs, not the host's
	 * devtmpfs (with the host's memory size); a USERNS guest's null is
	 * the host's (bound: it can't make nodes) */
	mount_dev(rootfd, g->c.userns);
	trace("dev mounted");
	fd = path_open(rootfd, "dev/null", O_PATH | O_NOFOLLOW, 0);
	if (fd < 0)
		die_errno("can't open the guest's /dev/null");
	mount_proc(rootfd, fd);
	close(fd);
	trace("proc mounted");
	/* /sys read-only: its files are writable by uid 0 alone */
	if (g->c.userns) {
		bind_sys(rootfd);
		mask_dir(rootfd, "sys/firmware");
	} else if ((fd = target_dir(rootfd, "sys")) >= 0) {
		mount_at(fd, NULL, "sysfs", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, "/sys");
		close(fd);
		/* firmware tables and EFI variables are the host's */
		mask_dir(rootfd, "sys/firmware");
	}
	if (g->c.net == NET_SHARED || g->c.userns)
		mask_class_net(rootfd);
	if (g->lxcfs[0] || g->cpus[0])
		mount_view(rootfd, g);
	trace("sys mounted");
	if (mask_fd >= 0)
		close(mask_fd);
	mask_fd = -1;
	if (g->sd)
		mount_run(rootfd, g);
	mount_fstab(rootfd, g);
	/* into the guest: the old root is stacked under the new one and
	 * detached; nothing of the host's tree stays reachable */
	if (fchdir(rootfd))
		die_errno("can't enter %s", g->root);
	close(rootfd);
	if (syscall(SYS_pivot_root, ".", "."))
		die_errno("can't pivot_root into %s", g->root);
	trace("pivoted");
	if (umount2(".", MNT_DETACH))
		die_errno("can't detach the host's root");
	trace("host root detached");
	if (chdir("/"))
		die_errno("can't chdir to /");
}

void guest_mount_root(const struct guest *g)
{
	pid_t pid;
	int st;

	if (!g->c.userns) {
		mount_all(g);
		return;
	}
	/* a helper that is root inside makes the mounts: files it creates
	 * must belong to an id the namespace maps. Its pivot_root moves our
	 * root along (we share it); our working directory we move. A vfork():
	 * a fork() of this process took 1-8 ms before the child ran (copying
	 * its memory, in the context's memory cgroup), a third of what
	 * USERNS=yes added to a start. The helper shares our memory until it
	 * exits: it never returns from here, changes its own credentials only
	 * (raw syscalls), and when it dies, exit() reports the failed setup
	 * as ours would (we exit(1) below without a second word). */
	fflush(NULL);
	if ((pid = vfork()) < 0)
		die_errno("can't fork");
	if (!pid) {
		userns_become(0, 0, true);
		mount_all(g);
		fflush(NULL);
		_exit(0);       /* (exit() would report a failed setup) */
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			die_errno("can't wait for process %d", (int)pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		exit(1);        /* it said why */
	close(g->idtree);
	if (chdir("/"))
		die_errno("can't chdir to /");
}
