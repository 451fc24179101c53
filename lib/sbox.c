/* sbox.c - the personal security box: chcontext for an ordinary user.
 *
 * No setuid bit, no file capability, no registry, no cgroup: a user
 * namespace of the caller's own makes the rest possible. The order:
 *
 *  H  clone(NEWUSER|NEWPID|NEWNS|NEWUTS|NEWIPC|NEWCGROUP[|NEWNET]): the
 *     child has every capability in the new namespaces, none outside
 *  H  its maps: the user to itself, or to root (--map-root); setgroups is
 *     denied first (an unprivileged map must), so the groups the user
 *     could drop outside stay dropped inside
 *  I  (PID 1 of the box) mount propagation private -> a tmpfs holding the
 *     new root: the host's root or --root DIR bound read-only and nosuid, the --bind
 *     and --ro-bind trees, a fresh /proc, tmpfs /tmp and HOME
 *     (--tmp-home) -> pivot_root, the old root detached -> lo up (--net
 *     loopback)
 *  I  CMD in a child: no_new_privs (setuid and file capabilities give
 *     nothing), the guest seccomp filter with lock (no new namespaces),
 *     the bounding set (empty for the user itself; the default set for
 *     --map-root, over the box's namespaces only) -> exec. PID 1 reaps
 *     and passes on CMD's exit status; when it ends, the kernel kills
 *     whatever is left in the box.
 */
#include "vsbox.h"
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#define MOVE_MOUNT_F_EMPTY_PATH 0x04
#endif
#define MNT_RDONLY_ 0x1
#define MNT_NOSUID_ 0x2

/* where the new root is put together: /tmp exists everywhere, and the
 * tmpfs mounted on it in our namespace hides nothing of the host's */
#define NEWROOT "/tmp/.vsbox-root"

/* a detached copy of the tree at src (a host path), to bind later */
static int clone_tree(const char *src, bool ro)
{
	struct { uint64_t set, clr, prop, userns; } a = { MNT_RDONLY_ | MNT_NOSUID_, 0, 0, 0 };
	int t = (int)syscall(SYS_open_tree, AT_FDCWD, src, OPEN_TREE_CLONE | O_CLOEXEC | AT_RECURSIVE);

	if (t < 0)
		die_errno("can't bind %s", src);
	/* read-only where asked; nosuid always (locked on mounts that had
	 * it, added to those that had not). Device nodes keep working (the
	 * host's /dev): they open what the user may open outside anyway */
	if (!ro)
		a.set &= ~(uint64_t)MNT_RDONLY_;
	if (syscall(SYS_mount_setattr, t, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof(a)))
		die_errno("can't make the bind of %s %s", src, ro ? "read-only" : "nosuid");
	return t;
}

/* a mount point in the new root: made where it can be (in the tmpfs of
 * --tmp-home), else it must exist */
static void mount_point(char *path, size_t n, const char *dst)
{
	xsnprintf(path, n, NEWROOT "%s", dst);
	for (char *p = path + sizeof(NEWROOT); *p; p++)
		if (*p == '/') {
			*p = 0;
			mkdir(path, 0755);
			*p = '/';
		}
	mkdir(path, 0755);
}

/* ... put at dst (a path in the new root) */
static void place_tree(int t, const char *src, const char *dst)
{
	char path[PATH_MAX];

	mount_point(path, sizeof(path), dst);
	if (syscall(SYS_move_mount, t, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH))
		die_errno("can't bind %s on %s (it must exist in the box's root)", src, dst);
	close(t);
}

static void tmpfs_on(const char *dst)
{
	char path[PATH_MAX];

	mount_point(path, sizeof(path), dst);
	if (mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755"))
		die_errno("can't mount a tmpfs on %s", dst);
}

static void lo_up(void)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr))
		die_errno("can't read the flags of lo");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr))
		die_errno("can't bring lo up");
	close(fd);
}

static void make_root(const struct sbox_spec *s)
{
	char cwd[PATH_MAX];
	const char *home = getenv("HOME");

	if (!getcwd(cwd, sizeof(cwd)))
		snprintf(cwd, sizeof(cwd), "/");
	/* nothing we mount propagates back to the host */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		die_errno("can't make the mount tree private");
	/* the trees first, as the host shows them (the tmpfs below covers
	 * the host's /tmp in our namespace) */
	int root = clone_tree(s->root ? s->root : "/", true), t[SBOX_MAXBIND];
	for (int i = 0; i < s->nbind; i++)
		t[i] = clone_tree(s->bind[i].src, s->bind[i].ro);
	if (mount("vsbox-box", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=700"))
		die_errno("can't mount a tmpfs on /tmp");
	if (mkdir(NEWROOT, 0755))
		die_errno("can't create %s", NEWROOT);
	place_tree(root, s->root ? s->root : "/", "");
	/* /proc of the box's own PID namespace */
	if (mount("proc", NEWROOT "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
		die_errno("can't mount proc on /proc");
	if (s->tmp_home) {
		tmpfs_on("/tmp");
		if (home && *home == '/' && strcmp(home, "/"))
			tmpfs_on(home);
	}
	/* the binds last: on top of everything else */
	for (int i = 0; i < s->nbind; i++)
		place_tree(t[i], s->bind[i].src, s->bind[i].dst);
	/* into it: the old root is stacked under the new one and detached */
	if (chdir(NEWROOT) || syscall(SYS_pivot_root, ".", "."))
		die_errno("can't pivot_root into the box's root");
	if (umount2(".", MNT_DETACH))
		die_errno("can't detach the host's root");
	if (chdir(cwd) && chdir("/"))
		die_errno("can't chdir to /");
}

/* PID 1 of the box */
static _Noreturn void box_init(const struct sbox_spec *s, int sync)
{
	char go;
	pid_t cmd, p;
	int st, code = 1;

	if (read(sync, &go, 1) != 1)
		_exit(1);       /* the caller could not write our maps */
	close(sync);
	make_root(s);
	if (s->net == SBOX_NET_LOOPBACK)
		lo_up();
	if (s->hostname && sethostname(s->hostname, strlen(s->hostname)))
		die_errno("can't set hostname %s", s->hostname);
	fflush(NULL);
	if ((cmd = fork()) < 0)
		die_errno("can't fork");
	if (!cmd) {
		/* setuid programs and file capabilities give nothing from here */
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
			die_errno("can't set no_new_privs");
		ctx_restrict(CF_LOCK | CF_GUEST, s->bset);
		execvp(s->argv[0], s->argv);
		warn_errno("can't execute %s", s->argv[0]);
		_exit(errno == ENOENT ? 127 : 126);
	}
	/* reap every orphan; CMD's status is the box's */
	while ((p = wait(&st)) != -1 || errno == EINTR)
		if (p == cmd)
			code = exit_code(st);
	_exit(code);
}

int sbox_run(const struct sbox_spec *s)
{
	int sync[2], flags = CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS |
			     CLONE_NEWIPC | CLONE_NEWCGROUP;
	uid_t uid = geteuid();
	gid_t gid = getegid();
	pid_t pid;

	/* a network namespace of its own: only lo, up or down */
	flags |= CLONE_NEWNET;
	if (pipe2(sync, O_CLOEXEC))
		die_errno("can't create a pipe");
	fflush(NULL);
	pid = (pid_t)syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
	if (pid < 0)
		die_errno("can't create the box's namespaces (are user namespaces enabled?)");
	if (!pid) {
		close(sync[1]);
		box_init(s, sync[0]);
	}
	close(sync[0]);
	/* the maps, by us (the namespace's owner), before it does anything */
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
	if (write_file(path, "deny"))
		die_errno("can't write %s", path);
	userns_map(pid, "uid_map", s->map_root ? 0 : uid, uid, 1);
	userns_map(pid, "gid_map", s->map_root ? 0 : gid, gid, 1);
	if (write(sync[1], "g", 1) != 1)
		die_errno("can't start the box");
	close(sync[1]);
	return wait_forward(pid);
}
