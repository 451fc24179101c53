/* main.c - vsbox multicall dispatch.
 *
 * The applet is chosen by basename(argv[0]) (busybox style, via the symlinks
 * `vsbox --install DIR` makes) or by `vsbox APPLET ARGS...`.
 */
#include "vsbox.h"

static const struct applet {
	const char *name;
	int (*main)(int, char **);
} applets[] = {
#define APPLET(name, flags) { #name, name##_main },
#include "applets/applets.h"
#undef APPLET
};
#define NAPPLETS (sizeof(applets) / sizeof(applets[0]))

USAGE(main, usage,
"usage: vsbox APPLET [ARG]...   or   APPLET [ARG]... (through a symlink)\n"
"       vsbox --list | --install DIR | --check-kernel [DIR] | --version | --help\n"
"Virtual private servers for Linux in one static binary.\n"
"  --list         print the applets, one per line\n"
"  --install DIR  create DIR/APPLET -> this binary for every applet\n"
"  --check-kernel [DIR]  list the kernel features vsbox uses, whether this\n"
"                 kernel has them and which vsbox feature needs each; the\n"
"                 unification probes use scratch files in DIR (default: the\n"
"                 guests' root directory, $VSBOX_ROOTDIR or /vservers)\n"
"  --version      print the version\n");

/* Applet names may hold '-' (vserver-stat), C identifiers can't: the table
 * spells it '_' and names are translated both ways here. */
static const char *dashed(const char *name)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), "%s", name);
	for (char *p = buf; *p; p++)
		if (*p == '_')
			*p = '-';
	return buf;
}

static const struct applet *find(const char *dname)
{
	size_t lo = 0, hi = NAPPLETS;
	char name[64];

	if (strchr(dname, '_'))
		return NULL;
	snprintf(name, sizeof(name), "%s", dname);
	for (char *p = name; *p; p++)
		if (*p == '-')
			*p = '_';

	/* the table is sorted (tests/00-registry.t checks it) */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(name, applets[mid].name);
		if (!c)
			return &applets[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static int install(const char *dir)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n < 0)
		die_errno("can't read /proc/self/exe");
	self[n] = 0;
	for (size_t i = 0; i < NAPPLETS; i++) {
		char *link = xasprintf("%s/%s", dir, dashed(applets[i].name));
		unlink(link);
		if (symlink(self, link))
			die_errno("can't create symlink %s", link);
		free(link);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *name = strrchr(argv[0], '/');
	const struct applet *a;

	vsbox_stack_top = (uintptr_t)__builtin_frame_address(0);
	if (argc > 0) {
		vsbox_args[0] = argv[0];
		vsbox_args[1] = argv[argc - 1] + strlen(argv[argc - 1]) + 1;
	}
	trace_init();
	name = name ? name + 1 : argv[0];
	applet_name = "vsbox";
	if (!strcmp(name, "vsbox-spawner"))
		return spawner_main(argc, argv);     /* lib/spawner.c */
	if (strcmp(name, "vsbox")) {
		a = find(name);
		if (!a)
			die("unknown applet '%s' (see vsbox --list)", name);
		applet_name = xstrdup(dashed(a->name));
		return a->main(argc, argv);
	}
	if (argc < 2)
		usage_die("no applet given");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		show_usage(usage);
	if (!strcmp(argv[1], "--version")) {
		printf("vsbox %s\n", VSBOX_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "--list")) {
		for (size_t i = 0; i < NAPPLETS; i++)
			puts(dashed(applets[i].name));
		return 0;
	}
	if (!strcmp(argv[1], "--install")) {
		if (argc != 3)
			usage_die("--install needs exactly one DIR");
		return install(argv[2]);
	}
	if (!strcmp(argv[1], "--check-kernel")) {
		if (argc > 3)
			usage_die("--check-kernel takes at most one DIR");
		return check_kernel(argc == 3 ? argv[2] : rootdir());
	}
	if (argv[1][0] == '-')
		usage_die("unknown option '%s'", argv[1]);
	a = find(argv[1]);
	if (!a)
		die("unknown applet '%s' (see vsbox --list)", argv[1]);
	applet_name = xstrdup(dashed(a->name));
	return a->main(argc - 1, argv + 1);
}
