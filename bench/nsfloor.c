/* nsfloor.c - the least any context tool can cost on this machine: clone
 * into new PID, mount, UTS and IPC namespaces, vfork there, exec CMD, wait.
 * No cgroup, no registry, no capability or mount work. bench/10-peers.sh
 * times it beside chcontext, so the ratio to bare CMD has a floor to be read
 * against. Built and run by the bench; not part of vsbox.
 *
 * usage: nsfloor CMD [ARG]...
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

int main(int argc, char **argv)
{
	pid_t pid, cmd;
	int st = 0;

	if (argc < 2)
		return 2;
	pid = (pid_t)syscall(SYS_clone, CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS |
			     CLONE_NEWIPC | SIGCHLD, 0, 0, 0, 0);
	if (pid < 0)
		return 1;
	if (!pid) {
		cmd = vfork();
		if (!cmd) {
			execv(argv[1], argv + 1);
			_exit(127);
		}
		if (cmd < 0 || waitpid(cmd, &st, 0) < 0)
			_exit(1);
		_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 1);
	}
	if (waitpid(pid, &st, 0) < 0)
		return 1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}
