/* guestfloor.c - a part of the kernel work of `vserver NAME start` and
 * `stop` for the bench's busybox guest, done the most direct way and
 * nothing else: bench/nullguest.c's clone and exec, plus an address on lo
 * (rtnetlink), a cgroup2 directory entered by clone3, a v1 memory cgroup
 * with the guest's limit, joined; the root bound on itself, a tmpfs /dev
 * and /proc mounted in it, pivot_root into it, the host name. Stop kills
 * PID 1, waits, and takes the cgroups and the address away. Left out, so
 * this is a lower bound: BPF programs, seccomp, Landlock, capabilities,
 * device nodes and devpts, the lock, the record. With RESIDENT 1, a
 * second process stays in the guest beside PID 1, the least any resident
 * helper can cost (vsbox's spawner is one): its memory is the bench's
 * question. bench/10-peers.sh times a cycle of it beside vserver's.
 * Built and run by the bench; not part of vsbox.
 *
 * usage: guestfloor start PIDFILE ROOT ADDR CG2DIR MEMCGDIR LIMIT RESIDENT CMD [ARG]...
 *        guestfloor stop PIDFILE
 * MEMCGDIR "-": no v1 memory hierarchy, the limit goes to CG2DIR's
 * memory.max.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sched.h>
#include "floor.h"

/* ADDR/32 on lo added (RTM_NEWADDR) or removed (RTM_DELADDR) */
static int addr(int type, const char *a)
{
	struct {
		struct nlmsghdr h;
		struct ifaddrmsg ifa;
		struct rtattr rta;
		struct in_addr in;
	} req = {
		.h = { .nlmsg_len = sizeof(req), .nlmsg_type = (uint16_t)type,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (type == RTM_NEWADDR ? NLM_F_CREATE | NLM_F_EXCL : 0) },
		.ifa = { .ifa_family = AF_INET, .ifa_prefixlen = 32, .ifa_index = 1 },
		.rta = { .rta_len = RTA_LENGTH(sizeof(struct in_addr)), .rta_type = IFA_LOCAL },
	};
	struct { struct nlmsghdr h; struct nlmsgerr e; } ack;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE), ok;

	if (fd < 0 || inet_pton(AF_INET, a, &req.in) != 1)
		return -1;
	ok = send(fd, &req, sizeof(req), 0) == (ssize_t)sizeof(req) &&
	     recv(fd, &ack, sizeof(ack), 0) > 0 && ack.h.nlmsg_type == NLMSG_ERROR && !ack.e.error;
	close(fd);
	return ok ? 0 : -1;
}

static int put(const char *dir, const char *file, const char *val)
{
	char p[512];
	int fd, ok;

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	if ((fd = open(p, O_WRONLY | O_CLOEXEC)) < 0)
		return -1;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	return ok ? 0 : -1;
}

/* PID 1 of the guest: into its root, then CMD */
static _Noreturn void guest(char **a, int resident, int up)
{
	if ((strcmp(a[3], "-") && put(a[3], "cgroup.procs", "0")) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount(a[0], a[0], NULL, MS_BIND | MS_REC, NULL) || chdir(a[0]) ||
	    mount("guestfloor-dev", "dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=755") ||
	    mount("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) ||
	    syscall(SYS_pivot_root, ".", ".") || umount2(".", MNT_DETACH) || chdir("/") ||
	    sethostname("guest", 5))
		_exit(126);
	if (resident && !fork()) {
		/* the resident helper: a process of this binary that waits
		 * (without the pipe that tells the start CMD is up) */
		close(up);
		for (;;)
			pause();
	}
	execv(a[6], a + 6);
	_exit(127);
}

static int start(const char *pidfile, char **a)
{
	char cg2[512], mcg[512], c;
	struct clone_args ca = { .flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC |
					  CLONE_INTO_CGROUP, .exit_signal = SIGCHLD };
	int p[2], fd;
	pid_t pid;
	FILE *f;

	snprintf(cg2, sizeof(cg2), "%s/g%d", a[2], (int)getpid());
	if (strcmp(a[3], "-"))
		snprintf(mcg, sizeof(mcg), "%s/g%d", a[3], (int)getpid());
	else
		strcpy(mcg, "-");
	if (addr(RTM_NEWADDR, a[1]) || mkdir(cg2, 0755) ||
	    (strcmp(mcg, "-") ? mkdir(mcg, 0755) || put(mcg, "memory.limit_in_bytes", a[4])
			      : put(cg2, "memory.max", a[4])) || pipe2(p, O_CLOEXEC) ||
	    (fd = open(cg2, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return 1;
	ca.cgroup = (uint64_t)fd;
	a[2] = cg2;
	a[3] = mcg;
	pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid < 0)
		return 1;
	if (!pid) {
		close(p[0]);
		setsid();
		guest(a, atoi(a[5]), p[1]);
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 0)
		return 1;       /* the set-up or the exec failed */
	if (!(f = fopen(pidfile, "w")) || fprintf(f, "%d %s %s %s\n", (int)pid, a[1], cg2, mcg) < 0 ||
	    fclose(f))
		return 1;
	return 0;
}

static int stop(const char *pidfile)
{
	char a[64], cg2[512], mcg[512];
	FILE *f = fopen(pidfile, "r");
	int pid;

	if (!f || fscanf(f, "%d %63s %511s %511s", &pid, a, cg2, mcg) != 4)
		return 1;
	fclose(f);
	if (kill_wait(pid))
		return 1;
	/* the resident helper dies with its PID namespace; a cgroup is
	 * busy until the last of its processes is gone */
	for (int t = 0; rmdir(cg2) && t < 1000; t++)
		usleep(100);
	for (int t = 0; strcmp(mcg, "-") && rmdir(mcg) && t < 1000; t++)
		usleep(100);
	if (addr(RTM_DELADDR, a))
		return 1;
	unlink(pidfile);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 11 && !strcmp(argv[1], "start"))
		return start(argv[2], argv + 3);
	if (argc == 3 && !strcmp(argv[1], "stop"))
		return stop(argv[2]);
	fprintf(stderr, "usage: guestfloor start PIDFILE ROOT ADDR CG2DIR MEMCGDIR LIMIT RESIDENT CMD [ARG]... | guestfloor stop PIDFILE\n");
	return 2;
}
