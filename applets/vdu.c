/* vdu.c - disk usage of guests, telling shared bytes from each one's own.
 *
 * Kernel interfaces: FS_IOC_FIEMAP (extents and their shared flag) over a
 * walk that follows no symlink (lib/du.c, lib/uwalk.c); each inode counts
 * once, an inode hard-linked from outside the tree counts as shared; an
 * overlay guest's store files (lib/uovl.c) too.
 */
#include "vsbox.h"
#include <dirent.h>

USAGE(vdu, usage,
"usage: vdu [--json] [--bytes|-H] [--total] [--store] GUEST...|ALL|DIR...\n"
"Disk use of each guest root ($VSBOX_ROOTDIR/NAME; ALL: every guest of\n"
"$VSBOX_CONFDIR; an argument with a '/' is a directory): its total, the part\n"
"it shares with other files (extents the filesystem marks shared, as vunify's\n"
"reflinks are, and files with hard links outside the tree) and its own (what\n"
"it alone costs: total - shared). Each inode counts once, symlinks are never\n"
"followed, mounts below the root are not entered. A guest unified with\n"
"vunify --method overlay: its own layer ($VSBOX_ROOTDIR/.ovl/NAME/upper) and\n"
"its lower layer's directories, and the store files it refers to, shared\n"
"(counted once by --total).\n"
"  --total      a last line for all of them together, shared data counted once\n"
"  --store      a line STORE for that store ($VSBOX_ROOTDIR/.ovl/store, not in\n"
"               the total): shared, the files some guest's layers name; own,\n"
"               the rest (no guest needs them); names optional\n"
"  --bytes      figures in bytes (default: KiB)\n"
"  -H, --human  figures as 12.3M\n"
"  --json       one JSON object: {\"guests\": [...], \"store\": {...}, \"total\": {...}}\n"
"Exit status 1 if a tree could not be read (the others are still shown).\n");

static const struct option opts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "bytes", no_argument, NULL, 'b' },
	{ "human", no_argument, NULL, 'H' },
	{ "total", no_argument, NULL, 't' },
	{ "store", no_argument, NULL, 's' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 }
};

static struct {
	bool json, bytes, human, total, store;
	int nrow;
} G;

static const char *fig(unsigned long long b, char *buf, size_t n)
{
	if (G.bytes)
		snprintf(buf, n, "%llu", b);
	else if (G.human)
		fmt_kib((b + 1023) / 1024, buf, n);
	else
		snprintf(buf, n, "%llu", (b + 1023) / 1024);
	return buf;
}

/* JSON string of s (names and paths: quote, backslash and controls escaped) */
static void jstr(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void row(const char *name, const char *path, const struct du_figs *f)
{
	char a[32], b[32], c[32];

	if (G.json) {
		printf("%s{\"name\": ", G.nrow++ ? ", " : "");
		jstr(name);
		if (path) {
			printf(", \"path\": ");
			jstr(path);
		}
		printf(", \"total\": %llu, \"shared\": %llu, \"own\": %llu", f->total, f->shared, f->own);
		if (path)
			printf(", \"files\": %lu", f->files);
		putchar('}');
		return;
	}
	if (!G.nrow++)
		printf("%-20s %12s %12s %12s %9s\n", "NAME", "TOTAL", "SHARED", "OWN", "FILES");
	printf("%-20s %12s %12s %12s", name, fig(f->total, a, sizeof(a)),
	       fig(f->shared, b, sizeof(b)), fig(f->own, c, sizeof(c)));
	if (path)
		printf(" %9lu", f->files);
	putchar('\n');
}

/* the row of one tree (fd, closed here, with nl lower layers lfd), added
 * to sum: 1 if it could not be read, or some of it */
static int tree(struct du_state *st, const char *name, const char *path, int fd,
		int *lfd, int nl, int sfd, struct du_figs *sum)
{
	struct du_figs f;
	int r = fd < 0 ? -1 : du_tree_ovl(st, fd, lfd, nl, sfd, &f);

	for (int k = 0; k < nl; k++)
		close(lfd[k]);
	if (sfd >= 0 && sfd != fd)
		close(sfd);
	if (fd >= 0)
		close(fd);
	if (r) {
		warn_errno("can't read %s", path);
		return 1;
	}
	row(name, path, &f);
	if (sum) {
		sum->own += f.own;
		sum->files += f.files;
	}
	if (f.errors)
		warn("%s: %lu entries could not be read", path, f.errors);
	return f.errors > 0;
}

/* STORE: the overlay method's store, with the lower layer of every
 * directory of ROOTDIR/.ovl (a guest's, or one left by a guest since
 * renamed) */
static int store(void)
{
	struct du_state ss = { 0 };
	char path[PATH_MAX];
	int *lfd = NULL, nl = 0, ret;

	xsnprintf(path, sizeof(path), "%s/.ovl", rootdir());
	int ofd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = ofd < 0 ? NULL : fdopendir(dup(ofd));
	for (struct dirent *e; d && (e = readdir(d));) {
		char p[NAME_MAX + 8];
		if (e->d_name[0] == '.' || !strcmp(e->d_name, "store"))
			continue;
		xsnprintf(p, sizeof(p), "%s/lower", e->d_name);
		int fd = openat(ofd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0) {
			lfd = xrealloc(lfd, (size_t)(nl + 1) * sizeof(int));
			lfd[nl++] = fd;
		}
	}
	if (d)
		closedir(d);
	int sfd = ofd < 0 ? -1 : openat(ofd, "store", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (ofd >= 0)
		close(ofd);
	xsnprintf(path, sizeof(path), "%s/.ovl/store", rootdir());
	if (G.json) {
		printf(", \"store\": ");
		G.nrow = 0;
	}
	ret = tree(&ss, "STORE", path, sfd, lfd, nl, sfd, NULL);
	if (ret && G.json && !G.nrow)
		printf("null");
	free(lfd);
	du_free(&ss);
	return ret;
}

int vdu_main(int argc, char **argv)
{
	struct du_state st = { 0 };
	struct du_figs sum = { 0 };
	char **names = NULL;
	int c, n = 0, ret = 0;

	while ((c = opt_next(argc, argv, "H", opts, usage)) != -1) {
		switch (c) {
		case 'j': G.json = true; break;
		case 'b': G.bytes = true; break;
		case 'H': G.human = true; break;
		case 't': G.total = true; break;
		case 's': G.store = true; break;
		default: usage_die("unknown option");
		}
	}
	if (optind >= argc && !G.store)
		usage_die("name a guest, ALL or a directory");
	/* arguments first: a bad name is a usage error before any walk */
	for (int i = optind; i < argc; i++) {
		if (!strcmp(argv[i], "ALL")) {
			char **all;
			int k = guest_names(&all);
			for (int j = 0; j < k; j++) {
				names = xrealloc(names, (size_t)(n + 1) * sizeof(char *));
				names[n++] = all[j];
			}
			free(all);
			continue;
		}
		if (!strchr(argv[i], '/') && !guest_name_ok(argv[i]))
			usage_die("'%s' is not a guest name (a directory needs a '/')", argv[i]);
		names = xrealloc(names, (size_t)(n + 1) * sizeof(char *));
		names[n++] = argv[i];
	}
	if (G.json)
		printf("{\"guests\": [");
	for (int i = 0; i < n; i++) {
		char path[PATH_MAX];
		bool dir = strchr(names[i], '/') != NULL;

		if (dir)
			xsnprintf(path, sizeof(path), "%s", names[i]);
		else
			xsnprintf(path, sizeof(path), "%s/%s", rootdir(), names[i]);
		int lfd = -1, sfd = -1;
		char walked[PATH_MAX];
		xsnprintf(walked, sizeof(walked), "%s", path);
		if (!dir && uovl_is(names[i])) {
			/* an overlay guest: its own layer and the store files it
			 * refers to (lib/uovl.c) */
			char p[PATH_MAX];
			uovl_path(names[i], "upper", walked, sizeof(walked));
			uovl_path(names[i], "lower", p, sizeof(p));
			lfd = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			xsnprintf(p, sizeof(p), "%s/.ovl/store", rootdir());
			sfd = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		int fd = open(walked, O_RDONLY | O_DIRECTORY | O_CLOEXEC | (dir ? 0 : O_NOFOLLOW));
		ret |= tree(&st, names[i], path, fd, &lfd, lfd >= 0, sfd, &sum);
	}
	if (G.json)
		printf("]");
	if (G.store)
		ret |= store();
	if (G.total) {
		du_total(&st, &sum);
		if (G.json) {
			printf(", \"total\": ");
			G.nrow = 0;
		}
		row("TOTAL", NULL, &sum);
	}
	if (G.json)
		printf("}\n");
	du_free(&st);
	return ret;
}
