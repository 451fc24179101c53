/* timecmd.c - time commands interleaved, report medians.
 *
 * usage: timecmd ROUNDS NAME CMD [ARG]... [-- NAME CMD [ARG]...]...
 * Every round runs each command once, in turn (so drift and noise hit all
 * alike), with stdout/stderr to /dev/null; prints "NAME median_us min_us"
 * per command. A command that fails makes timecmd fail. Built and run by
 * bench/*.sh; not part of vsbox.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/wait.h>

struct cmd { const char *name; char **argv; double *t; };

static int cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
	struct cmd c[16];
	int n = 0, rounds;

	if (argc < 4)
		return 2;
	rounds = atoi(argv[1]);
	for (int i = 2; i < argc && n < 16; ) {
		c[n].name = argv[i++];
		c[n].argv = &argv[i];
		while (i < argc && strcmp(argv[i], "--"))
			i++;
		if (i < argc)
			argv[i++] = NULL;
		c[n].t = calloc(rounds, sizeof(double));
		n++;
	}
	int null = open("/dev/null", O_WRONLY);
	for (int r = 0; r < rounds; r++)
		for (int k = 0; k < n; k++) {
			double t0 = now();
			pid_t p = fork();
			if (!p) {
				dup2(null, 1);
				dup2(null, 2);
				execvp(c[k].argv[0], c[k].argv);
				_exit(127);
			}
			int st;
			waitpid(p, &st, 0);
			c[k].t[r] = now() - t0;
			if (!WIFEXITED(st) || WEXITSTATUS(st)) {
				fprintf(stderr, "timecmd: %s failed (status %d)\n", c[k].name, st);
				return 1;
			}
		}
	for (int k = 0; k < n; k++) {
		qsort(c[k].t, rounds, sizeof(double), cmpd);
		printf("%s %.0f %.0f\n", c[k].name, c[k].t[rounds / 2], c[k].t[0]);
	}
	return 0;
}
