/* gstatus.c - what "vserver NAME status" and "vservers status" show of a
 * guest, as text or JSON (lib/json.c): running or not, its context, its
 * processes and memory (the context's cgroup files: cgroup.procs, v2
 * memory.current or v1 memory.usage_in_bytes), its addresses and flags.
 * Read-only: nothing is locked, a guest that stops meanwhile reads as
 * stopped or with unknown figures.
 */
#include "vsbox.h"
#include <arpa/inet.h>

void guest_figs(const char *name, struct gfigs *f)
{
	char path[CG_PATH + 32], buf[64];

	memset(f, 0, sizeof(*f));
	f->procs = -1;
	f->mem = -1;
	if (!(f->running = ctx_by_name(name, &f->c)))
		return;
	f->procs = cg_nprocs(f->c.cg[0]);
	for (int i = 0; i < f->c.ncg && f->mem < 0; i++) {
		snprintf(path, sizeof(path), "%s/memory.current", f->c.cg[i]);
		if (read_file(path, buf, sizeof(buf)) < 0) {
			snprintf(path, sizeof(path), "%s/memory.usage_in_bytes", f->c.cg[i]);
			if (read_file(path, buf, sizeof(buf)) < 0)
				continue;
		}
		f->mem = (long long)strtoull(buf, NULL, 10);
	}
}

/* the private IPv6 loopback (lib/lback6: a locked guest's ::1), into buf;
 * false when it has none. Read from the record, the /128 on lo that is not
 * IPROOT's: the prefix may have changed since the start. */
static bool lback6_of(const struct guest *g, const struct ctx *c, char *buf, size_t n)
{
	for (int i = 0; i < c->naddr; i++) {
		const struct vc_addr *a = &c->addr[i];
		bool mine = a->family == AF_INET6 && a->prefix == 128 && !strcmp(a->dev, "lo");
		for (int k = 0; mine && k < g->c.nip; k++)
			mine = g->c.ip[k].family != AF_INET6 || memcmp(g->c.ip[k].a, a->a, 16);
		if (mine) {
			inet_ntop(AF_INET6, a->a, buf, (socklen_t)n);
			return true;
		}
	}
	return false;
}

void json_addrs(const struct vconf *c)
{
	char a[INET6_ADDRSTRLEN];

	json_open('[');
	for (int i = 0; i < c->nip; i++)
		json_str(inet_ntop(c->ip[i].family, c->ip[i].a, a, sizeof(a)));
	json_close(']');
}

/* {"name":..., "running":..., "ctx":..., "init_pid":..., "procs":...,
 *  "memory":..., "addresses":[...], "aliases_added":..., "lback6":...,
 *  "flags":[...]} */
static void status_json(const struct guest *g, const struct gfigs *f)
{
	char buf[128], *save, *t;
	bool lb = f->running && lback6_of(g, &f->c, buf, sizeof(buf));

	json_open('{');
	json_key("name");
	json_str(g->name);
	json_key("running");
	json_bool(f->running);
	json_key("ctx");
	json_intn(f->c.xid, f->running);
	json_key("init_pid");
	json_intn(f->c.pid, f->running);
	json_key("procs");
	json_intn(f->procs, f->procs >= 0);
	json_key("memory");
	json_intn(f->mem, f->mem >= 0);
	json_key("addresses");
	json_addrs(&g->c);
	json_key("aliases_added");
	json_intn(f->c.naddr - lb, f->running);
	json_key("lback6");
	json_str(lb ? buf : NULL);
	json_key("flags");
	json_open('[');
	/* a running context's flags, else NAME.conf's S_FLAGS */
	ctx_flags_str(f->running ? f->c.flags : g->c.flags, buf, sizeof(buf));
	for (t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
		json_str(t);
	json_close(']');
	json_close('}');
}

int guest_status(struct guest *g, bool json)
{
	struct gfigs f;
	char buf[128];

	guest_figs(g->name, &f);
	if (json) {
		status_json(g, &f);
		return f.running ? 0 : 3;
	}
	if (!f.running) {
		printf("%s: stopped\n", g->name);
		return 3;
	}
	printf("%s: running\n", g->name);
	printf("  context:   %ld (init pid %d)\n", f.c.xid, (int)f.c.pid);
	printf("  processes: %d\n", f.procs);
	if (f.mem > 0)
		printf("  memory:    %llu KiB\n", (unsigned long long)f.mem / 1024);
	printf("  addresses:");
	for (int i = 0; i < g->c.nip; i++) {
		char ip[INET6_ADDRSTRLEN];
		inet_ntop(g->c.ip[i].family, g->c.ip[i].a, ip, sizeof(ip));
		printf(" %s", ip);
	}
	bool lb = lback6_of(g, &f.c, buf, sizeof(buf));
	int nalias = f.c.naddr - lb;
	if (lb)
		printf(" %s", buf);
	printf(nalias ? " (%d alias%s added)\n" : "\n", nalias, nalias == 1 ? "" : "es");
	if (lb)
		printf("  lback6:    %s (private IPv6 loopback: ::1 inside)\n", buf);
	if (g->c.net != NET_SHARED)
		netns_status(g, f.c.pid);
	printf("  flags:     %s\n", ctx_flags_str(f.c.flags, buf, sizeof(buf)));
	return 0;
}
