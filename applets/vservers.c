/* vservers.c - start, stop or list every guest at once (boot and shutdown).
 *
 * Kernel interfaces: none of its own; each guest is started or stopped by
 * lib/guest.c in a child process of its own, several at a time.
 */
#include "vsbox.h"
#include <arpa/inet.h>

USAGE(vservers, usage,
"usage: vservers [-j N] start|stop|restart | status [--json]\n"
"  start    start every guest with ONBOOT=yes that is not running\n"
"  stop     stop every running guest\n"
"  restart  stop every running guest, then start the ONBOOT=yes ones\n"
"  status   a table of all guests: name, state, context, processes, ONBOOT\n"
"  -j N     act on up to N guests at once (default 8)\n"
"  --json   status as a JSON array, one object per guest: name, state\n"
"           (running stopped badconf), ctx, procs, memory (bytes), onboot,\n"
"           addresses (null: not known); vservers(8)\n"
"Guests are the NAME.conf files in $VSBOX_CONFDIR (/etc/vservers). The exit\n"
"status is 1 if any guest failed. Shipped for boot: init/vservers.service\n"
"(systemd) and init/vservers.sysv (SysV init).\n");

static const struct option opts[] = {
	{ "jobs", required_argument, NULL, 'j' },
	{ "json", no_argument, NULL, 'J' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 }
};

static struct {
	long jobs;
	bool json;
	char **names;
	int n;
} G = { 8, false, NULL, 0 };

/* NAME.conf without dying: false (and a message) when it is bad */
static bool read_conf(const char *name, struct vconf *c, bool quiet)
{
	static char text[65536] BIG;
	char path[PATH_MAX], err[512];

	xsnprintf(path, sizeof(path), "%s/%s.conf", confdir(), name);
	if (read_file(path, text, sizeof(text)) < 0) {
		if (!quiet)
			warn_errno("can't read %s", path);
		return false;
	}
	if (conf_parse(path, text, c, err, sizeof(err))) {
		if (!quiet)
			fprintf(stderr, "%s\n", err);
		return false;
	}
	return true;
}

/* run start (or stop) of each selected guest, G.jobs at a time */
static int each(bool start)
{
	int running = 0, failed = 0, st;
	pid_t pid;

	for (int i = 0; i <= G.n; i++) {
		/* wait for a slot (or, at the end, for everyone) */
		while (running && (running >= G.jobs || i == G.n)) {
			if ((pid = wait(&st)) < 0)
				break;
			running--;
			failed |= !WIFEXITED(st) || WEXITSTATUS(st);
		}
		if (i == G.n)
			break;
		struct vconf c;
		struct ctx x;
		const char *name = G.names[i];
		if (start && !read_conf(name, &c, false)) {
			failed = 1;
			continue;
		}
		/* start: ONBOOT ones not running yet; stop: running ones */
		if (start ? !c.onboot || ctx_by_name(name, &x) : !ctx_by_name(name, &x))
			continue;
		fflush(NULL);
		pid = fork();
		if (pid < 0)
			die_errno("can't fork");
		if (!pid) {
			struct guest g;
			guest_load(name, &g);
			_exit(start ? guest_start(&g, false) : guest_stop(&g, false));
		}
		running++;
	}
	return failed;
}

/* {"name", "state", "ctx", "procs", "memory", "onboot", "addresses"} a guest */
static void status_json(const char *name, bool ok, const struct vconf *c, const struct gfigs *f)
{
	json_open('{');
	json_key("name");
	json_str(name);
	json_key("state");
	json_str(f->running ? "running" : ok ? "stopped" : "badconf");
	json_key("ctx");
	json_intn(f->c.xid, f->running);
	json_key("procs");
	json_intn(f->procs, f->procs >= 0);
	json_key("memory");
	json_intn(f->mem, f->mem >= 0);
	json_key("onboot");
	if (ok)
		json_bool(c->onboot);
	else
		json_null();
	json_key("addresses");
	if (ok)
		json_addrs(c);
	else
		json_null();
	json_close('}');
}

static int status(void)
{
	if (G.json)
		json_open('[');
	else
		printf("%-20s %-8s %6s %6s %10s %-6s %s\n", "NAME", "STATE", "XID", "PROCS", "MEMORY", "ONBOOT", "IPROOT");
	for (int i = 0; i < G.n; i++) {
		struct vconf c;
		struct gfigs f;
		char mem[32] = "-", procs[16] = "-", xid[16] = "-", ips[256] = "";
		bool ok = read_conf(G.names[i], &c, true);
		guest_figs(G.names[i], &f);
		if (G.json) {
			status_json(G.names[i], ok, &c, &f);
			continue;
		}
		if (f.running) {
			snprintf(xid, sizeof(xid), "%ld", f.c.xid);
			snprintf(procs, sizeof(procs), "%d", f.procs);
		}
		if (f.mem >= 0)
			snprintf(mem, sizeof(mem), "%lluK", (unsigned long long)f.mem / 1024);
		for (int k = 0; ok && k < c.nip; k++) {
			char a[64];
			size_t l = strlen(ips);
			inet_ntop(c.ip[k].family, c.ip[k].a, a, sizeof(a));
			snprintf(ips + l, sizeof(ips) - l, "%s%s", l ? "," : "", a);
		}
		printf("%-20s %-8s %6s %6s %10s %-6s %s\n", G.names[i],
		       f.running ? "running" : ok ? "stopped" : "badconf", xid, procs, mem,
		       ok ? (c.onboot ? "yes" : "no") : "?", ips);
	}
	if (G.json)
		json_close(']');
	return 0;
}

int vservers_main(int argc, char **argv)
{
	int c;

	close_range_from(3);
	/* options before and after the command: "vservers status --json" */
	for (int round = 0; round < 2; round++) {
		while ((c = opt_next(argc, argv, "hj:", opts, usage)) != -1)
			if (c == 'j')
				G.jobs = parse_long(optarg, 1, 1024, "-j");
			else if (c == 'J')
				G.json = true;
		if (round)
			break;
		if (optind >= argc)
			usage_die("need one of start, stop, restart, status");
		argc -= optind;
		argv += optind;
		optind = 1;
	}
	if (optind < argc)
		usage_die("unexpected argument '%s'", argv[optind]);
	const char *cmd = argv[0];
	if (G.json && strcmp(cmd, "status"))
		usage_die("--json is for status");
	if (strcmp(cmd, "start") && strcmp(cmd, "stop") && strcmp(cmd, "restart") && strcmp(cmd, "status"))
		usage_die("unknown command '%s'", cmd);
	G.n = guest_names(&G.names);
	if (!strcmp(cmd, "status"))
		return status();
	if (geteuid() != 0)
		die("%s of guests needs root", cmd);
	if (!strcmp(cmd, "start"))
		return each(true);
	if (!strcmp(cmd, "stop"))
		return each(false);
	int r = each(false);
	return each(true) | r;
}
