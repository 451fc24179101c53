/* vapt.c - run the guests' own package manager in several guests (vapt:
 * apt-get, vrpm: rpm), one after another, then unify them again.
 *
 * Kernel interfaces: none of its own. Each guest's command is "vserver
 * NAME exec PM ARGS..." (this binary again): it runs inside the running
 * guest, in its context, with its environment; --unify runs vunify over
 * the guests afterwards (--unify=METHOD: with that method, the one the
 * guests were unified with, as auto may pick another), so that an
 * upgrade of all guests ends with the new files shared again (vunify's
 * reflinks are copy-on-write, and its hard links, immutable + iunlink,
 * may be unlinked and replaced: the package manager works on unified
 * files as on any other).
 */
#include "vsbox.h"

USAGE(vapt, usage_apt,
"usage: vapt [--unify[=METHOD]] [--stop-on-error] GUEST...|ALL -- APT-GET-ARGS...\n"
"Run apt-get APT-GET-ARGS inside each running guest (ALL: every guest of\n"
"$VSBOX_CONFDIR), one after another, as vserver NAME exec would; then print\n"
"each guest's exit status. A guest that fails does not stop the others.\n"
"  --unify[=METHOD] then run vunify [--method METHOD] over the guests (2+)\n"
"  --stop-on-error  stop at the first guest that fails\n"
"Exit status 1 if the command failed in any guest (or vunify did).\n");
USAGE(vapt, usage_rpm,
"usage: vrpm [--unify[=METHOD]] [--stop-on-error] GUEST...|ALL -- RPM-ARGS...\n"
"Run rpm RPM-ARGS inside each running guest (ALL: every guest of\n"
"$VSBOX_CONFDIR), one after another, as vserver NAME exec would; then print\n"
"each guest's exit status. A guest that fails does not stop the others.\n"
"  --unify[=METHOD] then run vunify [--method METHOD] over the guests (2+)\n"
"  --stop-on-error  stop at the first guest that fails\n"
"Exit status 1 if the command failed in any guest (or vunify did).\n");

static const struct option opts[] = {
	{ "unify", optional_argument, NULL, 'u' },
	{ "stop-on-error", no_argument, NULL, 's' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 }
};

static int run(int argc, char **argv, const char *pm, const struct usage *usage)
{
	bool unify = false, stop = false;
	char **names = NULL, *method = NULL;
	int c, n = 0, failed = 0, ran = 0;

	while ((c = opt_next(argc, argv, "", opts, usage)) != -1) {
		switch (c) {
		case 'u':
			unify = true;
			if ((method = optarg))
				unify_method(method, "--unify");
			break;
		case 's': stop = true; break;
		default: usage_die("unknown option");
		}
	}
	int i = optind;
	for (; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "ALL")) {
			char **all;
			int k = guest_names(&all);
			names = xrealloc(names, (size_t)(n + k) * sizeof(char *));
			if (k)
				memcpy(names + n, all, (size_t)k * sizeof(char *));
			n += k;
			free(all);
			continue;
		}
		if (!guest_name_ok(argv[i]))
			usage_die("'%s' is not a guest name", argv[i]);
		names = xrealloc(names, (size_t)(n + 1) * sizeof(char *));
		names[n++] = argv[i];
	}
	if (i >= argc || i + 1 >= argc)
		usage_die("the %s arguments go after --", pm);
	if (!n)
		usage_die("name the guests, or ALL");
	char **args = argv + i + 1;
	int nargs = argc - i - 1;
	int *rc = xcalloc((size_t)n, sizeof(int));

	/* vserver NAME exec PM ARGS... */
	char **av = xcalloc((size_t)nargs + 5, sizeof(char *));
	av[0] = "vserver";
	av[2] = "exec";
	av[3] = (char *)pm;
	memcpy(av + 4, args, (size_t)nargs * sizeof(char *));
	for (int g = 0; g < n; g++) {
		struct ctx x;
		ran++;
		if (!ctx_by_name(names[g], &x)) {
			warn("%s: not running (start it first)", names[g]);
			rc[g] = -1;
		} else {
			printf("%s: %s: %s ...\n", applet_name, names[g], pm);
			av[1] = names[g];
			rc[g] = run_self(av);
		}
		if (rc[g] && (failed++, stop))
			break;
	}
	for (int g = 0; g < ran; g++) {
		if (rc[g] < 0)
			printf("%s: %s: not running\n", applet_name, names[g]);
		else
			printf("%s: %s: %s (exit %d)\n", applet_name, names[g], rc[g] ? "failed" : "ok", rc[g]);
	}
	if (ran < n)
		printf("%s: %d guests not done (--stop-on-error)\n", applet_name, n - ran);
	int ret = failed ? 1 : 0;
	if (unify && !(stop && failed)) {
		if (n < 2) {
			warn("--unify: one guest, nothing to share with");
		} else {
			char **uv = xcalloc((size_t)n + 4, sizeof(char *));
			int k = 0;
			uv[k++] = "vunify";
			if (method) {
				uv[k++] = "--method";
				uv[k++] = method;
			}
			memcpy(uv + k, names, (size_t)n * sizeof(char *));
			if (run_self(uv))
				ret = 1;
			free(uv);
		}
	}
	free(av);
	free(rc);
	return ret;
}

int vapt_main(int argc, char **argv)
{
	return run(argc, argv, "apt-get", usage_apt);
}

int vrpm_main(int argc, char **argv)
{
	return run(argc, argv, "rpm", usage_rpm);
}
