/* nullguest.c - the least a guest's start and stop can cost on this machine,
 * as two commands like vserver NAME start / stop: start clones into new PID,
 * mount, UTS and IPC namespaces, execs CMD there as PID 1, waits until that
 * exec is done (a close-on-exec pipe) and leaves it running; stop kills it
 * and waits until it is gone. No cgroup, mount, address, BPF program,
 * record, lock or capability work. bench/10-peers.sh times a cycle of it
 * beside vserver's. Built and run by the bench; not part of vsbox.
 *
 * usage: nullguest start PIDFILE CMD [ARG]...  |  nullguest stop PIDFILE
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "floor.h"

static int start(const char *pidfile, char **argv)
{
	int p[2];
	char c, buf[32];
	pid_t pid;
	FILE *f;

	if (pipe2(p, O_CLOEXEC))
		return 1;
	pid = (pid_t)syscall(SYS_clone, CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS |
			     CLONE_NEWIPC | SIGCHLD, 0, 0, 0, 0);
	if (pid < 0)
		return 1;
	if (!pid) {
		close(p[0]);
		setsid();
		execv(argv[0], argv);
		(void)!write(p[1], "E", 1);
		_exit(127);
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 0)
		return 1;       /* the exec failed */
	snprintf(buf, sizeof(buf), "%d\n", (int)pid);
	if (!(f = fopen(pidfile, "w")) || fputs(buf, f) < 0 || fclose(f))
		return 1;
	return 0;
}

static int stop(const char *pidfile)
{
	FILE *f = fopen(pidfile, "r");
	int pid;

	if (!f || fscanf(f, "%d", &pid) != 1)
		return 1;
	fclose(f);
	if (kill_wait(pid))
		return 1;
	unlink(pidfile);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "start"))
		return start(argv[2], argv + 3);
	if (argc == 3 && !strcmp(argv[1], "stop"))
		return stop(argv[2]);
	fprintf(stderr, "usage: nullguest start PIDFILE CMD [ARG]... | nullguest stop PIDFILE\n");
	return 2;
}
