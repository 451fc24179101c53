/* opt.c - option parsing helpers: getopt_long with --help, range-checked numbers */
#include "vsbox.h"

long parse_long(const char *s, long lo, long hi, const char *what)
{
	char *end;
	long v;

	/* strtol would skip leading blanks and take a '+': be strict */
	errno = 0;
	v = strtol(s, &end, 10);
	if (!(*s == '-' || (*s >= '0' && *s <= '9')) || *end || errno || v < lo || v > hi)
		usage_die("%s: '%s' is not a number from %ld to %ld", what, s, lo, hi);
	return v;
}

static const struct { const char *name; int sig; } signames[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "ILL", SIGILL },
	{ "TRAP", SIGTRAP }, { "ABRT", SIGABRT }, { "BUS", SIGBUS }, { "FPE", SIGFPE },
	{ "KILL", SIGKILL }, { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV }, { "USR2", SIGUSR2 },
	{ "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM }, { "CHLD", SIGCHLD },
	{ "CONT", SIGCONT }, { "STOP", SIGSTOP }, { "TSTP", SIGTSTP }, { "TTIN", SIGTTIN },
	{ "TTOU", SIGTTOU }, { "URG", SIGURG }, { "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ },
	{ "VTALRM", SIGVTALRM }, { "PROF", SIGPROF }, { "WINCH", SIGWINCH }, { "IO", SIGIO },
	{ "PWR", SIGPWR }, { "SYS", SIGSYS },
};

/* "TERM", "SIGTERM", "sigterm" or "15" */
int parse_signal(const char *s, const char *what)
{
	const char *n = s;

	if (*s >= '0' && *s <= '9')
		return (int)parse_long(s, 0, _NSIG - 1, what);
	if (!strncasecmp(n, "SIG", 3))
		n += 3;
	for (size_t i = 0; i < sizeof(signames) / sizeof(signames[0]); i++)
		if (!strcasecmp(n, signames[i].name))
			return signames[i].sig;
	usage_die("%s: unknown signal '%s'", what, s);
}

int opt_next(int argc, char **argv, const char *shortopts,
	     const struct option *longopts, const struct usage *usage)
{
	char spec[64];
	int c;

	/* "+" stops at the first non-option: CMD's own options are CMD's.
	 * ":" lets us word the missing-argument error ourselves. */
	xsnprintf(spec, sizeof(spec), "+:%s", shortopts);
	opterr = 0;
	c = getopt_long(argc, argv, spec, longopts, NULL);
	if (c == 'h' || (c == '?' && optopt == 0 && optind > 0 &&
			 !strcmp(argv[optind - 1], "--help")))
		show_usage(usage);
	if (c == ':')
		usage_die("option '%s' needs an argument", argv[optind - 1]);
	if (c == '?') {
		if (optopt)
			usage_die("unknown option '-%c'", optopt);
		usage_die("unknown option '%s'", argv[optind - 1]);
	}
	return c;
}
