/* err.c - the error convention and the undo stack behind die().
 *
 * Every failure reads "APPLET: what failed: why" on stderr. Side effects made
 * while setting something up are pushed with their undo; die() runs them
 * newest first, so whatever fails leaves nothing half-done behind it.
 */
#include "vsbox.h"

const char *applet_name = "vsbox";

struct undo {
	void (*fn)(void *);
	void *arg;
	bool owned;
};
static struct undo *stack;
static size_t depth, cap;

static void vmsg(int err, const char *fmt, va_list ap)
{
	char buf[1024];
	int n = snprintf(buf, sizeof(buf), "%s: ", applet_name);

	if (n < 0)
		n = 0;
	vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	if (err)
		fprintf(stderr, "%s: %s\n", buf, strerror(err));
	else
		fprintf(stderr, "%s\n", buf);
}

void warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(0, fmt, ap);
	va_end(ap);
}

void warn_errno(const char *fmt, ...)
{
	int err = errno;
	va_list ap;
	va_start(ap, fmt);
	vmsg(err, fmt, ap);
	va_end(ap);
}

void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(0, fmt, ap);
	va_end(ap);
	undo_run();
	exit(1);
}

void die_errno(const char *fmt, ...)
{
	int err = errno;
	va_list ap;
	va_start(ap, fmt);
	vmsg(err, fmt, ap);
	va_end(ap);
	undo_run();
	exit(1);
}

void usage_die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(0, fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s --help' for more information.\n", applet_name);
	undo_run();
	exit(2);
}

void show_usage(const char *usage)
{
	fputs(usage, stdout);
	exit(0);
}

void undo_push(void (*fn)(void *), const void *arg, size_t len)
{
	if (depth == cap) {
		cap = cap ? 2 * cap : 16;
		stack = xrealloc(stack, cap * sizeof(*stack));
	}
	stack[depth].fn = fn;
	stack[depth].owned = len > 0;
	if (len) {
		stack[depth].arg = xmalloc(len);
		memcpy(stack[depth].arg, arg, len);
	} else {
		stack[depth].arg = (void *)arg;
	}
	depth++;
}

void undo_run(void)
{
	/* pop before calling: an undo step that dies must not loop */
	while (depth) {
		struct undo u = stack[--depth];
		u.fn(u.arg);
		if (u.owned)
			free(u.arg);
	}
}

void undo_forget(void)
{
	while (depth)
		if (stack[--depth].owned)
			free(stack[depth].arg);
}
