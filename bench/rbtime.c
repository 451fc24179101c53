/* rbtime.c - for bench/40-reboot.sh: how long from running CMD until the
 * guest NAME's init runs again, i.e. its record ($RUNDIR/names/NAME) names
 * another live init than before. Runs CMD (its exec is timed, like the
 * command a user types), watches $RUNDIR/names with inotify (no polling),
 * prints the microseconds, and waits for CMD to end.
 *   rbtime RUNDIR NAME CMD [ARG]... */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long init_of(const char *path)
{
	char buf[4096], proc[64];
	FILE *f = fopen(path, "r");
	long pid = 0;

	if (!f)
		return 0;
	while (fgets(buf, sizeof(buf), f))
		if (!strncmp(buf, "pid=", 4))
			pid = atol(buf + 4);
	fclose(f);
	snprintf(proc, sizeof(proc), "/proc/%ld/stat", pid);
	return pid > 0 && !access(proc, F_OK) ? pid : 0;
}

int main(int argc, char **argv)
{
	char dir[4096], path[4200], ev[4096];
	struct timespec a, b;
	long old;
	pid_t pid;
	int in;

	if (argc < 4)
		return 2;
	snprintf(dir, sizeof(dir), "%s/names", argv[1]);
	snprintf(path, sizeof(path), "%s/%s", dir, argv[2]);
	old = init_of(path);
	if ((in = inotify_init1(IN_CLOEXEC)) < 0 || inotify_add_watch(in, dir, IN_CREATE | IN_MOVED_TO) < 0)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &a);
	if (!(pid = fork())) {
		execvp(argv[3], argv + 3);
		_exit(127);
	}
	for (;;) {
		long now = init_of(path);
		if (now && now != old)
			break;
		if (read(in, ev, sizeof(ev)) <= 0)
			return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%ld\n", (long)((b.tv_sec - a.tv_sec) * 1000000 + (b.tv_nsec - a.tv_nsec) / 1000));
	waitpid(pid, NULL, 0);
	return 0;
}
