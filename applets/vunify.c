/* vunify.c - share the files several guests have in common.
 *
 * Kernel interfaces: FIDEDUPERANGE and FS_IOC_FIEMAP (lib/ureflink.c),
 * FS_IXUNLINK_FL, O_TMPFILE, linkat AT_EMPTY_PATH and F_SETLEASE
 * (lib/ulink.c), overlayfs with data-only lower layers (lib/uovl.c), openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS for every
 * file it names again; the walk and the candidate rules are lib/unify.c's.
 * The method is chosen here: auto is link where the kernel has the
 * immutable linkage invert on ROOTDIR's filesystem (probed, never by
 * kernel version, lib/features.c), else overlay where overlayfs has
 * data-only layers and the guests' roots can move into its layers, else
 * reflink.
 */
#include "vsbox.h"
#include <sys/file.h>

USAGE(vunify, usage,
"usage: vunify [--dry-run] [--method link|overlay|reflink|auto] [--exclude-from FILE] GUEST...|ALL\n"
"       vunify --undo GUEST...\n"
"Find the files the guests have in common and store each once. A file is a\n"
"candidate when it is a regular file with the same content, size, owner,\n"
"group, mode and extended attributes (ACLs) in two guests or more, is not\n"
"under an excluded directory (configuration and state, by default /etc /var\n"
"/home /root /tmp /run /dev /proc /sys /boot /srv /opt/*/etc; --method overlay,\n"
"where a write copies, only /home /root /tmp /var/tmp /run /dev /proc /sys /srv;\n"
"the list is $VSBOX_CONFDIR/.defaults/vunify-exclude when that file exists),\n"
"is not a dpkg conffile or rpm %config file of its guest (but with overlay; the\n"
"host's rpm reads a copy of an rpm guest's database), and has no hard link\n"
"outside its guest. Symlinks are never followed; a file that changes during\n"
"the run is skipped. Guests may run (with --method overlay a running guest's\n"
"files are folded at its next start).\n"
"  --method link     identical files become one inode in the store\n"
"                    $VSBOX_ROOTDIR/.hash, hard-linked into each guest, immutable\n"
"                    + iunlink: a guest may delete or replace its copy, never\n"
"                    change it (a write gives it a private copy where the kernel\n"
"                    breaks links on write). Needs the kernel's immutable\n"
"                    linkage invert (kernel/patches) and ext4, the guests on\n"
"                    the store's filesystem; the page cache is shared too. One\n"
"                    guest may be named: it joins what the store holds\n"
"  --method overlay  identical files become one immutable file of the store\n"
"                    $VSBOX_ROOTDIR/.ovl/store; each guest's root becomes an\n"
"                    overlay (mounted on $VSBOX_ROOTDIR/NAME, also when it is\n"
"                    stopped) whose lower layer refers to them and whose upper\n"
"                    layer $VSBOX_ROOTDIR/.ovl/NAME/upper holds the rest: a guest\n"
"                    may change any file (a copy of its own). Disk and page cache\n"
"                    are shared, on any kernel with overlayfs data-only layers\n"
"                    (Linux 6.5+) and filesystem (ext4, XFS, btrfs). A running\n"
"                    guest is only read, and folded at its next start; one\n"
"                    guest may be named: it joins the store\n"
"  --method reflink  identical files share their extents (FIDEDUPERANGE):\n"
"                    btrfs, or XFS made with reflink=1; nothing else changes\n"
"                    (each guest may still write its copy: copy-on-write)\n"
"  --method auto     the default: link where the kernel and filesystem can,\n"
"                    else overlay where every guest's root can move (not a\n"
"                    mount of its own), else reflink\n"
"  -n, --dry-run     print what would be shared and the saving; change nothing\n"
"  --exclude-from FILE  more patterns (fnmatch, from the guest's /), one a line\n"
"  --undo GUEST...   turn stopped guests unified by --method overlay back into\n"
"                    plain directories, equal to what they showed (overlayfs\n"
"                    copies each unified file into the guest's own layer)\n"
"A summary line is printed at the end; on a terminal, progress meanwhile.\n"
"Exit status 1 if a file could not be shared for another reason than a change.\n");

static const struct option opts[] = {
	{ "dry-run", no_argument, NULL, 'n' },
	{ "method", required_argument, NULL, 'm' },
	{ "exclude-from", required_argument, NULL, 'x' },
	{ "undo", no_argument, NULL, 'u' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 }
};

static struct {
	const char *excl;
	int method;
	bool undo;
	char why[PATH_MAX + 128];
	struct unify u;
} G BIG;

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

/* every root opened and checked before anything is read or changed; the
 * first guest whose filesystem can't share extents, or -1 */
static int open_roots(void)
{
	int noreflink = -1;
	struct unify *u = &G.u;
	char keys[64][80];
	int nkeys = 0;

	for (int i = 0; i < u->ng; i++) {
		struct uguest *g = &u->g[i];
		char path[PATH_MAX], key[80], fb[16];
		const char *why;

		xsnprintf(path, sizeof(path), "%s/%s", rootdir(), g->name);
		g->rootfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (g->rootfd < 0 && errno == ENOENT && G.method == M_OVERLAY && uovl_is(g->name)) {
			/* a run killed before its mount point was made */
			xsnprintf(path, sizeof(path), "%s/.ovl/%s/upper", rootdir(), g->name);
			g->rootfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (g->rootfd < 0)
			die_errno("%s: can't open its root %s", g->name, path);
		if ((why = fs_reflink_missing(g->rootfd)) && noreflink < 0) {
			noreflink = i;
			xsnprintf(G.why, sizeof(G.why), "%s: %s is on %s (%s)", g->name, path,
				  fs_name(g->rootfd, fb, sizeof(fb)), why);
		}
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
	return noreflink;
}

/* reflink: guests alone on their filesystem are said so */
static void lonely(void)
{
	struct unify *u = &G.u;

	for (int i = 0; i < u->ng; i++) {
		int k = 0;
		for (int j = 0; j < u->ng; j++)
			k += u->g[j].fs == u->g[i].fs;
		if (k == 1 && u->ng > 1)
			warn("%s: no other guest named is on its filesystem: nothing to share with", u->g[i].name);
	}
}

/* link or reflink, or die saying why neither */
static int pick_method(int noreflink)
{
	const char *rd = rootdir();
	int iu = G.method == M_REFLINK ? FEAT_NO : feat_iunlink(rd);
	char link_why[PATH_MAX + 256];

	snprintf(link_why, sizeof(link_why), "--method link needs the kernel's immutable linkage invert "
		 "(FS_IXUNLINK_FL, kernel/patches 0001) on %s: %s", rd, feat_iunlink_why());
	if (G.method == M_OVERLAY) {
		if (feat_overlay(rd) != FEAT_YES)
			die("--method overlay needs overlayfs with data-only lower layers and metacopy on %s: %s",
			    rd, feat_overlay_why());
		return M_OVERLAY;
	}
	if (G.method == M_LINK && iu != FEAT_YES)
		die("%s", link_why);
	/* auto keeps a unified guest's method: one that is an overlay
	 * already folds into its store, whatever else the kernel has */
	for (int i = 0; G.method == M_AUTO && i < G.u.ng; i++)
		if (uovl_is(G.u.g[i].name) && feat_overlay(rd) == FEAT_YES)
			return M_OVERLAY;
	if (G.method == M_LINK || (G.method == M_AUTO && iu == FEAT_YES))
		return M_LINK;
	/* auto: overlay where it can be used (roots it can move), else
	 * reflink where the filesystems can share extents */
	const char *ovl_why = NULL;
	if (G.method == M_AUTO) {
		if (feat_overlay(rd) != FEAT_YES)
			ovl_why = feat_overlay_why();
		else if (!(ovl_why = uovl_unfit(&G.u)))
			return M_OVERLAY;
	}
	if (noreflink < 0)
		return M_REFLINK;
	if (G.method == M_REFLINK)
		die("%s: --method reflink needs btrfs, or XFS made with reflink=1", G.why);
	die("no method fits: %s; --method overlay: %s; and %s, but --method reflink needs btrfs, "
	    "or XFS made with reflink=1", link_why, ovl_why, G.why);
}

int vunify_main(int argc, char **argv)
{
	struct unify *u = &G.u;
	char path[PATH_MAX], a[32];
	int c;

	while ((c = opt_next(argc, argv, "n", opts, usage)) != -1) {
		switch (c) {
		case 'n': u->dry = true; break;
		case 'm': G.method = unify_method(optarg, "--method"); break;
		case 'x': G.excl = optarg; break;
		case 'u': G.undo = true; break;
		default: usage_die("unknown option");
		}
	}
	if (optind >= argc)
		usage_die("name the guests, or ALL");
	if (G.undo) {
		if (u->dry || G.excl || G.method != M_AUTO)
			usage_die("--undo takes no other option");
		for (int i = optind; i < argc; i++)
			if (!guest_name_ok(argv[i]))
				usage_die("'%s' is not a guest name", argv[i]);
		for (int i = optind; i < argc; i++)
			uovl_undo(argv[i]);
		return 0;
	}
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
	if (u->ng < 2 && G.method == M_REFLINK)
		usage_die("unifying needs two guests or more (one: with --method link or overlay)");
	/* a btrfs subvolume's move to or from an overlay left half done by
	 * a kill: finished first (lib/uovlsv.c) */
	for (int i = 0; i < u->ng && !u->dry; i++)
		uovl_resume_locked(u->g[i].name);
	int m = pick_method(open_roots());
	u->copyup = m == M_OVERLAY;
	unify_excludes(u, G.excl);
	if (u->ng < 2 && m != M_LINK && m != M_OVERLAY)
		usage_die("unifying needs two guests or more");
	if (m == M_REFLINK)
		lonely();

	/* one vunify at a time: two would share the same files twice over */
	xmkdir_p(rundir(), 0755);
	xsnprintf(path, sizeof(path), "%s/vunify.lock", rundir());
	int lk = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lk < 0 || flock(lk, LOCK_EX | LOCK_NB))
		die_errno("can't lock %s (another vunify running?)", path);

	uint64_t t0 = mono_ns();
	u->tty = isatty(2);
	if (m == M_LINK)
		ulink_open(u);
	else if (m == M_OVERLAY)
		uovl_open(u);
	u->every = m == M_LINK || m == M_OVERLAY;
	for (int i = 0; i < u->ng; i++)
		if (unify_scan(u, i))
			die_errno("%s: can't read its root", u->g[i].name);
	if (m == M_OVERLAY)
		uovl_prepare(u);       /* the first change, once every root is read */
	unify_run(u, m == M_LINK ? unify_link : m == M_OVERLAY ? unify_overlay : unify_reflink);
	if (m == M_LINK)
		ulink_close(u);
	else if (m == M_OVERLAY)
		uovl_close(u);
	char later[64] = "";
	if (m == M_OVERLAY)
		snprintf(later, sizeof(later), ", %lu at their guest's next start", u->deferred);
	printf("vunify: %lu files %s, %s %s, %lu already shared, %lu changed during the run (skipped), "
	       "%lu %s%s, %lu failed, %lu files scanned, %.2f s\n",
	       u->unified, u->dry ? "would be shared" : "shared", fmt_kib((u->saved + 1023) / 1024, a, sizeof(a)),
	       u->dry ? "would be saved" : "saved", u->already, u->changed, u->refused,
	       m == M_OVERLAY ? "kept own (overlayfs metadata, or hidden)" : "refused (immutable)", later,
	       u->failed, u->scanned, (double)(mono_ns() - t0) / 1e9);
	if (u->errors)
		warn("%lu entries could not be read", u->errors);
	return u->failed || u->errors ? 1 : 0;
}
