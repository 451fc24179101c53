/* timecmd.c - time commands interleaved, report medians.
 *
 * usage: timecmd ROUNDS NAME CMD [ARG]... [:: CMD [ARG]...]... [-- NAME ...]...
 * Every round runs each command once, in turn (so drift and noise hit all
 * alike), with stdout/stderr to /dev/null; prints "NAME median_us min_us"
 * per command. A command may be several steps joined by "::", run one
 * after the other and timed together (a guest's start, then its stop);
 * each step also gets a line "NAME.K median_us min_us" (K from 1). Every
 * command but the first also gets "NAME-OTHER diff_us ratio" for each
 * command OTHER before it (the first among them): the medians of its
 * per-round difference to and ratio with OTHER in the same round (paired:
 * what drifts between rounds cancels out); when both have the same
 * number of steps, each step too ("NAME.K-OTHER.K diff_us ratio"). A
 * command that fails makes timecmd fail. Built and run by the bench/ scripts; not
 * part of vsbox.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/wait.h>

#define MAXSTEP 8
struct cmd {
	const char *name;
	int nstep;
	char **step[MAXSTEP];
	double *t, *ts[MAXSTEP];
};

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

static void report(const char *name, int k, double *t, int rounds)
{
	qsort(t, rounds, sizeof(double), cmpd);
	if (k)
		printf("%s.%d %.0f %.0f\n", name, k, t[rounds / 2], t[0]);
	else
		printf("%s %.0f %.0f\n", name, t[rounds / 2], t[0]);
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
		c[n].nstep = 0;
		c[n].step[c[n].nstep++] = &argv[i];
		while (i < argc && strcmp(argv[i], "--")) {
			if (!strcmp(argv[i], "::") && c[n].nstep < MAXSTEP) {
				argv[i] = NULL;
				c[n].step[c[n].nstep++] = &argv[i + 1];
			}
			i++;
		}
		if (i < argc)
			argv[i++] = NULL;
		c[n].t = calloc(rounds, sizeof(double));
		for (int k = 0; k < c[n].nstep; k++)
			c[n].ts[k] = calloc(rounds, sizeof(double));
		n++;
	}
	int null = open("/dev/null", O_WRONLY);
	for (int r = 0; r < rounds; r++)
		for (int k = 0; k < n; k++) {
			double t0 = now();
			for (int s = 0; s < c[k].nstep; s++) {
				double t1 = now();
				pid_t p = fork();
				if (!p) {
					dup2(null, 1);
					dup2(null, 2);
					execvp(c[k].step[s][0], c[k].step[s]);
					_exit(127);
				}
				int st;
				waitpid(p, &st, 0);
				c[k].ts[s][r] = now() - t1;
				if (!WIFEXITED(st) || WEXITSTATUS(st)) {
					fprintf(stderr, "timecmd: %s (step %d) failed (status %d)\n",
						c[k].name, s + 1, st);
					return 1;
				}
			}
			c[k].t[r] = now() - t0;
		}
	double *d = calloc(rounds, sizeof(double)), *q = calloc(rounds, sizeof(double));
	for (int k = 1; k < n; k++)
		for (int j = 0; j < k; j++) {
			for (int r = 0; r < rounds; r++) {
				d[r] = c[k].t[r] - c[j].t[r];
				q[r] = c[k].t[r] / c[j].t[r];
			}
			qsort(d, rounds, sizeof(double), cmpd);
			qsort(q, rounds, sizeof(double), cmpd);
			printf("%s-%s %.0f %.3f\n", c[k].name, c[j].name, d[rounds / 2], q[rounds / 2]);
			for (int s = 0; c[k].nstep > 1 && c[k].nstep == c[j].nstep && s < c[k].nstep; s++) {
				for (int r = 0; r < rounds; r++) {
					d[r] = c[k].ts[s][r] - c[j].ts[s][r];
					q[r] = c[k].ts[s][r] / c[j].ts[s][r];
				}
				qsort(d, rounds, sizeof(double), cmpd);
				qsort(q, rounds, sizeof(double), cmpd);
				printf("%s.%d-%s.%d %.0f %.3f\n", c[k].name, s + 1, c[j].name, s + 1, d[rounds / 2],
				       q[rounds / 2]);
			}
		}
	for (int k = 0; k < n; k++) {
		report(c[k].name, 0, c[k].t, rounds);
		for (int s = 0; c[k].nstep > 1 && s < c[k].nstep; s++)
			report(c[k].name, s + 1, c[k].ts[s], rounds);
	}
	return 0;
}
