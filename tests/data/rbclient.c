/* rbclient.c - a raw client of rebootmgr's /dev/reboot for
 * tests/rebootmgr.t, run inside a guest (built static by the test).
 *   rbclient SOCK             send stdin as it is (no end of it is said:
 *                             the connection stays open), print the answer
 *                             up to the end of the connection
 *   rbclient SOCK flood SECS  junk requests as fast as it goes: non-blocking
 *                             connects (a full backlog counts as refused),
 *                             one junk line each; prints "tries T refused R" */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_un a = { .sun_family = AF_UNIX };

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int flood(double secs)
{
	double end = now() + secs;
	long tries = 0, refused = 0;

	while (now() < end) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (fd < 0)
			return 1;
		tries++;
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)))
			refused++;
		else
			(void)!write(fd, "flood\n", 6);
		close(fd);
	}
	printf("tries %ld refused %ld\n", tries, refused);
	return 0;
}

int main(int argc, char **argv)
{
	char buf[65536];
	ssize_t n;
	int fd;

	if (argc < 2)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", argv[1]);
	if (argc == 4 && !strcmp(argv[2], "flood"))
		return flood(atof(argv[3]));
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		perror("rbclient: connect");
		return 1;
	}
	/* what rebootmgr does not take (it closes) is dropped: EPIPE */
	while ((n = read(0, buf, sizeof(buf))) > 0)
		if (write(fd, buf, (size_t)n) < 0)
			break;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	return 0;
}
