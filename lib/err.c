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
	errno = err;    /* callers still read it (exit 127 or 126 after exec) */
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

void show_usage(const struct usage *usage)
{
	const struct usage_pack *p = usage->pack;
	unsigned char *text = xmalloc(p->n);

	if (!lz_unpack(p->z, p->zn, text, p->n))
		die("the help texts in this binary are damaged");
	fwrite(text + usage->off, 1, usage->len, stdout);
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

/* ---- VSBOX_TRACE: where the time of a start or stop goes ------------------
 * With VSBOX_TRACE set (and not "0"), each trace() point writes
 * "APPLET[PID] MS.mmm what" to the stderr the applet started with: the
 * milliseconds since trace_init(), in main(). The descriptor is a
 * close-on-exec copy, so the points inside the new context (PID 1 there)
 * still reach the admin after the guest's stdio went to its /dev/null,
 * and no program the guest runs inherits it; vsbox's init closes it
 * (trace_end) before it waits. Off, a point costs one test. */
static int trace_fd = -1;
static uint64_t trace_t0;

void trace_init(void)
{
	const char *v = getenv("VSBOX_TRACE");

	if (v && *v && strcmp(v, "0")) {
		trace_t0 = mono_ns();
		trace_fd = fcntl(2, F_DUPFD_CLOEXEC, 3);
	}
}

void trace(const char *fmt, ...)
{
	char buf[256];
	uint64_t ns;
	va_list ap;
	int n;

	if (trace_fd < 0)
		return;
	ns = mono_ns() - trace_t0;
	n = snprintf(buf, sizeof(buf), "%s[%d] %4llu.%03llu ", applet_name, (int)getpid(),
		     (unsigned long long)(ns / 1000000), (unsigned long long)(ns / 1000 % 1000));
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	(void)!write(trace_fd, buf, (size_t)n);
}

void trace_clock_moved(uint64_t by)
{
	trace_t0 += by;         /* (modulo 2^64: a jump back works too) */
}

int trace_fileno(void)
{
	return trace_fd;
}

void trace_end(void)
{
	if (trace_fd >= 0)
		close(trace_fd);
	trace_fd = -1;
}
