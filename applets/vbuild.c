/* vbuild.c - make a new guest as a copy of an existing one.
 *
 * Kernel interfaces: none of its own: "vserver NEW build --template
 * TEMPLATE" (lib/copy.c, no symlink followed), then NEW.conf takes
 * TEMPLATE's settings except what must differ between two guests;
 * --unify runs vunify TEMPLATE NEW afterwards.
 */
#include "vsbox.h"

USAGE(vbuild, usage,
"usage: vbuild [-q] [--unify] TEMPLATE NEW\n"
"Create the guest NEW as a copy of the guest TEMPLATE (its root, not\n"
"following symlinks, no device nodes) with TEMPLATE's settings, except:\n"
"S_HOSTNAME becomes NEW, and IPROOT, S_CONTEXT and ONBOOT are cleared (two\n"
"guests can't share them; set them in NEW.conf).\n"
"  -q       quiet\n"
"  --unify  then share the files NEW has in common with TEMPLATE (vunify\n"
"           TEMPLATE NEW: hard links where the kernel has iunlink, else\n"
"           reflinks, on btrfs or XFS with reflink=1)\n");

static const struct option opts[] = {
	{ "quiet", no_argument, NULL, 'q' },
	{ "unify", no_argument, NULL, 'u' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 }
};

static struct { bool quiet, unify; } G;

int vbuild_main(int argc, char **argv)
{
	char from[PATH_MAX], to[PATH_MAX];
	struct vconf c;
	int ch, rc;

	while ((ch = opt_next(argc, argv, "hq", opts, usage)) != -1) {
		if (ch == 'q')
			G.quiet = true;
		if (ch == 'u')
			G.unify = true;
	}
	if (argc - optind != 2)
		usage_die("need TEMPLATE and NEW");
	const char *tpl = argv[optind], *name = argv[optind + 1];
	if (!guest_name_ok(tpl) || !guest_name_ok(name))
		usage_die("'%s': not a guest name", guest_name_ok(tpl) ? name : tpl);
	xsnprintf(from, sizeof(from), "%s/%s.conf", confdir(), tpl);
	xsnprintf(to, sizeof(to), "%s/%s.conf", confdir(), name);
	conf_load(from, &c);    /* the template must be a valid guest */
	char *av[] = { "vserver", (char *)name, "build", "--template", (char *)tpl, "-q", NULL };
	optind = 1;
	if ((rc = vserver_main(6, av)))
		return rc;
	/* its settings, then what must be NEW's own */
	static char text[65536] BIG;
	if (read_file(from, text, sizeof(text)) < 0)
		die_errno("can't read %s", from);
	int fd = open(to, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		die_errno("can't write %s", to);
	xwrite_fd(fd, text, strlen(text), to);
	close(fd);
	conf_set(to, "S_HOSTNAME", name);
	conf_set(to, "IPROOT", "");
	conf_set(to, "S_CONTEXT", "");
	conf_set(to, "ONBOOT", "no");
	if (!G.quiet)
		printf("%s: built from %s; set its IPROOT in %s\n", name, tpl, to);
	if (!G.unify)
		return 0;
	/* the copy is made: unify it in a process of its own (vunify's
	 * summary line is its output) */
	char *uv[] = { "vunify", (char *)tpl, (char *)name, NULL };
	return run_self(uv);
}
