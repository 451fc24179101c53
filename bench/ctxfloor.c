/* ctxfloor.c - the kernel work of a chcontext run, done the most direct way
 * and nothing else: the least a tool can cost that gives a command what
 * chcontext gives it (bench/nsfloor.c's namespaces, plus a cgroup2
 * directory of its own entered by clone3, /proc of its PID namespace with
 * /proc/sys and /sys read-only, a cgroup namespace, the capability bounding
 * set cut down, a record file written and removed). No configuration,
 * lock, checks, supervising init or report. bench/10-peers.sh times it
 * beside chcontext: what is left between the two is vsbox's own work.
 * Built and run by the bench; not part of vsbox.
 *
 * usage: ctxfloor CGDIR RUNDIR CMD [ARG]...
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/mount.h>
#include <linux/sched.h>

/* what chcontext's child does (lib/context.c default_setup()) */
static void setup(void)
{
	struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY };

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) ||
	    mount("/proc/sys", "/proc/sys", NULL, MS_BIND | MS_REC, NULL) ||
	    syscall(SYS_mount_setattr, AT_FDCWD, "/proc/sys", AT_RECURSIVE, &ro, sizeof(ro)) ||
	    syscall(SYS_mount_setattr, AT_FDCWD, "/sys", AT_RECURSIVE, &ro, sizeof(ro)) ||
	    unshare(CLONE_NEWCGROUP))
		_exit(1);
}

int main(int argc, char **argv)
{
	char cg[256], rec[256], tmp[256];
	struct clone_args ca = { .flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC |
					  CLONE_INTO_CGROUP, .exit_signal = SIGCHLD };
	pid_t pid, cmd;
	int st = 0, fd;

	if (argc < 4)
		return 2;
	snprintf(cg, sizeof(cg), "%s/f%d", argv[1], (int)getpid());
	if (mkdir(cg, 0755) || (fd = open(cg, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return 1;
	ca.cgroup = (uint64_t)fd;
	pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid < 0)
		return 1;
	if (!pid) {
		setup();
		cmd = vfork();
		if (!cmd) {
			/* the capabilities chcontext takes out of the
			 * bounding set by default */
			static const int drop[] = { 2, 9, 12, 13, 16, 17, 19, 20, 21, 22, 23, 25,
						    27, 30, 32, 33, 34, 35, 36, 37, 38, 39, 40 };

			for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]); i++)
				prctl(PR_CAPBSET_DROP, drop[i], 0, 0, 0);
			execv(argv[3], argv + 3);
			_exit(127);
		}
		if (cmd < 0 || waitpid(cmd, &st, 0) < 0)
			_exit(1);
		_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 1);
	}
	close(fd);
	snprintf(tmp, sizeof(tmp), "%s/%d.tmp", argv[2], (int)pid);
	snprintf(rec, sizeof(rec), "%s/%d", argv[2], (int)pid);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0 ||
	    dprintf(fd, "xid=%d\npid=%d\n", (int)pid, (int)pid) < 0 || close(fd) || rename(tmp, rec))
		return 1;
	if (waitpid(pid, &st, 0) < 0 || unlink(rec) || rmdir(cg))
		return 1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}
