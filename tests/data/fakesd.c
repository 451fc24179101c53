/* fakesd.c - a stand-in for systemd as a guest's PID 1, for the fast tests
 * of lib/ginit.c (tests/ginit.t): installed as /lib/systemd/systemd with
 * /sbin/init linked to it, it does what /etc/fakesd (one word) says:
 *   ready   a child of ours sends READY=1 first (start must not take it:
 *           only PID 1 speaks for the guest), then PID 1 writes a line on
 *           /dev/console (start shows it) and says READY=1; then it
 *           reaps children until SIGRTMIN+3 (systemd's halt), on which it
 *           ends as systemd's shutdown does in a container: reboot(2) to
 *           halt, which ends the guest; exit 0 if that is refused (EPERM);
 *           and if it fails otherwise, freeze (systemd's "Critical error")
 *   never   never says READY=1 (start must give up after START_TIMEOUT)
 *   exit    exits 3 at once, before saying anything
 * and writes what it saw to /run/fakesd.log: its pid, $container,
 * $NOTIFY_SOCKET, the filesystem type of /sys/fs/cgroup and whether it may
 * make a cgroup there (as systemd makes its units').
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

static void notify(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	if (!path || fd < 0)
		return;
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&a, sizeof(a));
	close(fd);
}

int main(void)
{
	char mode[16] = "";
	FILE *f = fopen("/etc/fakesd", "r"), *log;
	struct statfs sf;
	sigset_t set;
	int sig;

	if (getpid() != 1)
		return 2;       /* only as a guest's PID 1 */
	if (f) {
		if (!fgets(mode, sizeof(mode), f))
			mode[0] = 0;
		fclose(f);
		mode[strcspn(mode, "\n")] = 0;
	}
	if ((log = fopen("/run/fakesd.log", "w"))) {
		fprintf(log, "pid=%d\ncontainer=%s\nnotify=%s\n", (int)getpid(),
			getenv("container") ? getenv("container") : "",
			getenv("NOTIFY_SOCKET") ? getenv("NOTIFY_SOCKET") : "");
		fprintf(log, "cgroupfs=%s\n", !statfs("/sys/fs/cgroup", &sf) && sf.f_type == 0x63677270 ?
			"cgroup2" : "other");
		fprintf(log, "mkcgroup=%s\n", !mkdir("/sys/fs/cgroup/init.scope", 0755) ? "ok" : strerror(errno));
		fclose(log);
	}
	if (!strcmp(mode, "exit"))
		return 3;
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN + 3);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (!strcmp(mode, "ready")) {
		pid_t p = fork();
		if (!p) {
			notify("READY=1");
			_exit(0);
		}
		waitpid(p, NULL, 0);
		usleep(300000);         /* a start that took the child's word is over by now */
		int con = open("/dev/console", O_WRONLY | O_NOCTTY);
		if (con >= 0) {
			(void)!write(con, "fakesd on the console\n", 22);
			close(con);
		}
		notify("STATUS=up\nREADY=1");
	}
	for (;;) {
		if (sigwait(&set, &sig))
			continue;
		if (sig == SIGRTMIN + 3) {
			reboot(RB_HALT_SYSTEM);
			if (errno == EPERM)
				return 0;
			for (;;)
				pause();
		}
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
	}
}
