/* newvserver.c - guided creation of a guest: ask (on a terminal) or take
 * flags, build it, and write its settings.
 *
 * Kernel interfaces: none of its own (vserver NAME build, lib/conf.c).
 */
#include "vsbox.h"
#include <arpa/inet.h>

USAGE(newvserver, usage,
"usage: newvserver [--name NAME] [--ip ADDR]... [--dev DEV] [--hostname H]\n"
"                  [--template NAME|DIR | --tar FILE | --oci IMAGE | --debootstrap SUITE]\n"
"                  [--onboot] [--memory SIZE] [--yes]\n"
"Create a guest step by step. On a terminal, every setting not given as an\n"
"option is asked for (Enter takes the default in brackets); otherwise the\n"
"options are all there is (--name is required) and nothing is asked.\n"
"  --name NAME        the guest's name\n"
"  --ip ADDR          an IPROOT address ([DEV:]ADDR[/MASK]), repeatable\n"
"  --dev DEV          IPROOTDEV: the device for its aliases\n"
"  --hostname H       S_HOSTNAME (default NAME)\n"
"  --template, --tar, --oci, --debootstrap   how to build it (default: copy\n"
"                     the host; --oci: an OCI image layout, vserver(8))\n"
"  --onboot           ONBOOT=yes: started by \"vservers start\"\n"
"  --memory SIZE      S_MEMORY, e.g. 512M\n"
"  --yes              ask nothing even on a terminal\n"
"Every value is checked like NAME.conf before anything is built.\n");

static const struct option opts[] = {
	{ "name", required_argument, NULL, 'n' },
	{ "ip", required_argument, NULL, 'i' },
	{ "dev", required_argument, NULL, 'd' },
	{ "hostname", required_argument, NULL, 'H' },
	{ "template", required_argument, NULL, 'T' },
	{ "tar", required_argument, NULL, 't' },
	{ "oci", required_argument, NULL, 'O' },
	{ "debootstrap", required_argument, NULL, 'D' },
	{ "onboot", no_argument, NULL, 'o' },
	{ "memory", required_argument, NULL, 'm' },
	{ "yes", no_argument, NULL, 'y' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 }
};

static struct {
	char name[64], ip[512], dev[32], hostname[70], method[16], source[PATH_MAX], memory[32];
	bool onboot, have_onboot, yes;
} G BIG;

/* ask QUESTION [def] on the terminal; the answer (or def) into buf */
static void ask(const char *q, const char *def, char *buf, size_t n)
{
	char line[PATH_MAX];

	fprintf(stderr, "%s [%s]: ", q, def);
	if (!fgets(line, sizeof(line), stdin))
		die("no answer");
	line[strcspn(line, "\n")] = 0;
	snprintf(buf, n, "%s", *line ? line : def);
}

static void set(char *dst, size_t n, const char *v, const char *what)
{
	if (strlen(v) >= n)
		usage_die("%s: '%s' is too long", what, v);
	memcpy(dst, v, strlen(v) + 1);
}

int newvserver_main(int argc, char **argv)
{
	char conf[PATH_MAX], text[1024], err[512], def[80];
	struct vconf c;
	int ch;

	while ((ch = opt_next(argc, argv, "hy", opts, usage)) != -1) {
		switch (ch) {
		case 'n': set(G.name, sizeof(G.name), optarg, "--name"); break;
		case 'i': {
			size_t l = strlen(G.ip);
			if (l + strlen(optarg) + 2 > sizeof(G.ip))
				usage_die("too many --ip");
			snprintf(G.ip + l, sizeof(G.ip) - l, "%s%s", l ? " " : "", optarg);
			break;
		}
		case 'd': set(G.dev, sizeof(G.dev), optarg, "--dev"); break;
		case 'H': set(G.hostname, sizeof(G.hostname), optarg, "--hostname"); break;
		case 'T': case 't': case 'O': case 'D':
			if (G.method[0])
				usage_die("give one of --template, --tar, --oci and --debootstrap");
			snprintf(G.method, sizeof(G.method), "%s", ch == 'T' ? "--template" :
				 ch == 't' ? "--tar" : ch == 'O' ? "--oci" : "--debootstrap");
			set(G.source, sizeof(G.source), optarg, G.method);
			break;
		case 'o': G.onboot = G.have_onboot = true; break;
		case 'm': set(G.memory, sizeof(G.memory), optarg, "--memory"); break;
		case 'y': G.yes = true; break;
		}
	}
	if (optind < argc)
		usage_die("unexpected argument '%s'", argv[optind]);
	bool tty = !G.yes && isatty(0) && isatty(2);
	if (tty) {
		if (!G.name[0])
			ask("Name of the new guest", "", G.name, sizeof(G.name));
		if (!G.method[0]) {
			char m[PATH_MAX];
			ask("Build from: copy of this host, a template guest or directory (t:NAME),\n"
			    "  a tarball (f:FILE), an OCI image (o:DIR) or Debian (d:SUITE)", "copy", m, sizeof(m));
			if (m[0] && m[1] == ':' && strchr("tfod", m[0])) {
				snprintf(G.method, sizeof(G.method), "%s", m[0] == 't' ? "--template" :
					 m[0] == 'f' ? "--tar" : m[0] == 'o' ? "--oci" : "--debootstrap");
				set(G.source, sizeof(G.source), m + 2, "source");
			} else if (strcmp(m, "copy")) {
				usage_die("'%s': say copy, t:NAME, f:FILE, o:DIR or d:SUITE", m);
			}
		}
		if (!G.ip[0])
			ask("IP address(es) (IPROOT, blank: none)", "", G.ip, sizeof(G.ip));
		if (!G.dev[0] && G.ip[0])
			ask("Device for the address aliases (IPROOTDEV, blank: none)", "", G.dev, sizeof(G.dev));
		if (!G.hostname[0])
			ask("Host name", G.name, G.hostname, sizeof(G.hostname));
		if (!G.have_onboot) {
			char a[8];
			ask("Start at boot (ONBOOT)", "no", a, sizeof(a));
			G.onboot = a[0] == 'y' || a[0] == 'Y';
		}
	}
	if (!G.name[0])
		usage_die("--name is required (no terminal to ask on)");
	if (!guest_name_ok(G.name))
		usage_die("'%s' is not a guest name", G.name);
	if (!G.hostname[0])
		snprintf(G.hostname, sizeof(G.hostname), "%s", G.name);
	/* the settings, checked exactly as NAME.conf will be, before building */
	snprintf(text, sizeof(text), "IPROOT=\"%s\"\nIPROOTDEV=\"%s\"\nS_HOSTNAME=\"%s\"\nONBOOT=%s\nS_MEMORY=\"%s\"\n",
		 G.ip, G.dev, G.hostname, G.onboot ? "yes" : "no", G.memory);
	if (strpbrk(G.ip, "\"$`\\") || strpbrk(G.dev, "\"$`\\") || strpbrk(G.hostname, "\"$`\\") ||
	    strpbrk(G.memory, "\"$`\\") || conf_parse("(settings)", text, &c, err, sizeof(err)))
		usage_die("bad setting: %s", strchr(err, ' ') ? strchr(err, ' ') + 1 : "quotes, $, ` or \\");
	char *av[] = { "vserver", G.name, "build", G.method[0] ? G.method : "-q",
		       G.method[0] ? G.source : NULL, NULL };
	optind = 1;
	int rc = vserver_main(G.method[0] ? 5 : 4, av);
	if (rc)
		return rc;
	xsnprintf(conf, sizeof(conf), "%s/%s.conf", confdir(), G.name);
	conf_set(conf, "IPROOT", G.ip);
	if (G.dev[0])
		conf_set(conf, "IPROOTDEV", G.dev);
	conf_set(conf, "S_HOSTNAME", G.hostname);
	conf_set(conf, "ONBOOT", G.onboot ? "yes" : "no");
	if (G.memory[0])
		conf_set(conf, "S_MEMORY", G.memory);
	conf_load(conf, &c);    /* what we wrote must read back */
	snprintf(def, sizeof(def), "%s", G.name);
	printf("%s: ready; start it with: vserver %s start\n", def, G.name);
	return 0;
}
