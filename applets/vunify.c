/* vunify.c - share the files several guests have in common.
 *
 * Kernel interfaces: FIDEDUPERANGE and FS_IOC_FIEMAP (lib/ureflink.c),
 * openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS for every file it names
 * again; the walk and the candidate rules are lib/unify.c's.
 */
#include "vsbox.h"
#include <sys/file.h>

static const char usage[] =
"usage: vunify [--dry-run] [--method reflink|auto] [--exclude-from FILE] GUEST...|ALL\n"
"Find the files the guests have in common and store each once. A file is a\n"
"candidate when it is a regular file with the same content, size, owner,\n"
"group, mode and extended attributes (ACLs) in two guests or more, is not\n"
"under an excluded directory (configuration and state, by default /etc /var\n"
"/home /root /tmp /run /dev /proc /sys /boot /srv /opt/*/etc; the list is\n"
"$VSBOX_CONFDIR/.defaults/vunify-exclude when that file exists), is not a dpkg\n"
"conffile or rpm %config file of its guest (the host's rpm reads a copy of an\n"
"rpm guest's database), and has no hard link outside its guest. Symlinks are\n"
"never followed; a file that changes during the run is skipped. Guests may run.\n"
"  --method reflink  identical files share their extents (FIDEDUPERANGE):\n"
"                    btrfs, or XFS made with reflink=1; nothing else changes\n"
"                    (each guest may still write its copy: copy-on-write)\n"
"  --method auto     the default: reflink\n"
"  -n, --dry-run     print what would be shared and the saving; change nothing\n"
"  --exclude-from FILE  more patterns (fnmatch, from the guest's /), one a line\n"
"A summary line is printed at the end; on a terminal, progress meanwhile.\n"
"Exit status 1 if a file could not be shared for another reason than a change.\n";

static const struct option opts[] = {
	{ "dry-run", no_argument, NULL, 'n' },
	{ "method", required_argument, NULL, 'm' },
	{ "exclude-from", required_argument, NULL, 'x' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 }
};

static struct {
	const char *excl;
	struct unify u;
} G;

static void add_guest(const char *name)
{
	struct unify *u = &G.u;

	for (int i = 0; i < u->ng; i++)
		if (!strcmp(u->g[i].name, name))
			return;
	if (!guest_name_ok(name))
		usage_die("'%s' is not a guest name", name);
	u->g = xrealloc(u->g, (size_t)(u->ng + 1) * sizeof(*u->g));
	memset(&u->g[u->ng], 0, sizeof(*u->g));
	xsnprintf(u->g[u->ng].name, sizeof(u->g->name), "%s", name);
	u->ng++;
}

/* every root opened and checked before anything is read or changed */
static void open_roots(void)
{
	struct unify *u = &G.u;
	char keys[64][80];
	int nkeys = 0;

	for (int i = 0; i < u->ng; i++) {
		struct uguest *g = &u->g[i];
		char path[PATH_MAX], key[80], fb[16];
		const char *why;

		xsnprintf(path, sizeof(path), "%s/%s", rootdir(), g->name);
		g->rootfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (g->rootfd < 0)
			die_errno("%s: can't open its root %s", g->name, path);
		if ((why = fs_reflink_missing(g->rootfd)))
			die("%s: %s is on %s (%s): --method reflink needs btrfs, or XFS made with reflink=1",
			    g->name, path, fs_name(g->rootfd, fb, sizeof(fb)), why);
		if (fs_key(g->rootfd, key, sizeof(key)))
			die_errno("%s: can't identify the filesystem of %s", g->name, path);
		for (g->fs = 0; g->fs < nkeys && strcmp(keys[g->fs], key); g->fs++)
			;
		if (g->fs == nkeys) {
			if (nkeys == 64)
				die("guests on more than 64 filesystems");
			snprintf(keys[nkeys++], sizeof(keys[0]), "%s", key);
		}
	}
	for (int i = 0; i < u->ng; i++) {
		int k = 0;
		for (int j = 0; j < u->ng; j++)
			k += u->g[j].fs == u->g[i].fs;
		if (k == 1 && u->ng > 1)
			warn("%s: no other guest named is on its filesystem: nothing to share with", u->g[i].name);
	}
}

int vunify_main(int argc, char **argv)
{
	struct unify *u = &G.u;
	char path[PATH_MAX], a[32];
	int c;

	while ((c = opt_next(argc, argv, "n", opts, usage)) != -1) {
		switch (c) {
		case 'n': u->dry = true; break;
		case 'm':
			if (strcmp(optarg, "reflink") && strcmp(optarg, "auto"))
				usage_die("--method: '%s' is not reflink or auto", optarg);
			break;
		case 'x': G.excl = optarg; break;
		default: usage_die("unknown option");
		}
	}
	if (optind >= argc)
		usage_die("name the guests, or ALL");
	for (int i = optind; i < argc; i++) {
		if (!strcmp(argv[i], "ALL")) {
			char **all;
			int n = guest_names(&all);
			for (int j = 0; j < n; j++)
				add_guest(all[j]);
			continue;
		}
		add_guest(argv[i]);
	}
	if (u->ng < 2)
		usage_die("unifying needs two guests or more");
	unify_excludes(u, G.excl);
	open_roots();

	/* one vunify at a time: two would share the same files twice over */
	xmkdir_p(rundir(), 0755);
	xsnprintf(path, sizeof(path), "%s/vunify.lock", rundir());
	int lk = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lk < 0 || flock(lk, LOCK_EX | LOCK_NB))
		die_errno("can't lock %s (another vunify running?)", path);

	uint64_t t0 = mono_ns();
	u->tty = isatty(2);
	for (int i = 0; i < u->ng; i++)
		if (unify_scan(u, i))
			die_errno("%s: can't read its root", u->g[i].name);
	unify_run(u, unify_reflink);
	printf("vunify: %lu files %s, %s %s, %lu already shared, %lu changed during the run (skipped), "
	       "%lu refused (immutable), %lu failed, %lu files scanned, %.2f s\n",
	       u->unified, u->dry ? "would be shared" : "shared", fmt_kib((u->saved + 1023) / 1024, a, sizeof(a)),
	       u->dry ? "would be saved" : "saved", u->already, u->changed, u->refused, u->failed,
	       u->scanned, (double)(mono_ns() - t0) / 1e9);
	if (u->errors)
		warn("%lu entries could not be read", u->errors);
	return u->failed || u->errors ? 1 : 0;
}
