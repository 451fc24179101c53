/* tap.h - a tiny TAP producer for the C unit tests of lib/.
 * ok(cond, name); is_int(got, want, name); is_str(got, want, name);
 * exits_with(code, name, stmt) runs stmt in a child and checks its exit
 * code (for the die()/usage_die() paths). End with return done_testing(). */
#ifndef TAP_H
#define TAP_H
#include "vsbox.h"

static int tap_n, tap_fail;

static void ok_(int cond, const char *name)
{
	tap_n++;
	if (!cond)
		tap_fail++;
	printf("%sok %d - %s\n", cond ? "" : "not ", tap_n, name);
	fflush(stdout);
}
#define ok(c, name) ok_(!!(c), name)
#define is_int(got, want, name) do { long long g_ = (got), w_ = (want); ok_(g_ == w_, name); \
	if (g_ != w_) printf("# got %lld, want %lld\n", g_, w_); } while (0)
#define is_str(got, want, name) do { const char *g_ = (got), *w_ = (want); \
	int e_ = g_ && w_ && !strcmp(g_, w_); ok_(e_, name); \
	if (!e_) printf("# got '%s', want '%s'\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); } while (0)
#define exits_with(code, name, stmt) do { fflush(NULL); pid_t p_ = fork(); \
	if (!p_) { int fd_ = open("/dev/null", O_WRONLY); dup2(fd_, 2); stmt; _exit(0); } \
	int st_; waitpid(p_, &st_, 0); is_int(WIFEXITED(st_) ? WEXITSTATUS(st_) : -1, code, name); } while (0)

static int done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_fail ? 1 : 0;
}
#endif
