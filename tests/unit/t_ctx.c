/* t_ctx.c - the context registry: records round-trip, xid allocation, gc,
 * finding a context by name */
#include "tap.h"
#include <sys/socket.h>

int main(void)
{
	char dir[] = "/tmp/vsbox-unit-ctx.XXXXXX";
	struct ctx c = { 0 }, d, *all;
	char cmd[128];
	int lock, n;

	applet_name = "t_ctx";
	if (!mkdtemp(dir))
		return 1;
	setenv("VSBOX_RUNDIR", dir, 1);
	is_str(rundir(), dir, "rundir follows VSBOX_RUNDIR");
	lock = ctx_lock();
	ok(lock >= 0, "lock taken");
	is_int(ctx_free_xid(), 2, "first free xid is 2");

	/* a record for this very process: alive */
	c.xid = 2;
	c.pid = getpid();
	c.start = proc_starttime(getpid());
	c.flags = CF_LOCK | CF_SCHED;
	c.bset = 0xa80425fbULL;
	snprintf(c.name, sizeof(c.name), "web");
	c.ncg = 2;
	snprintf(c.cg[0], CG_PATH, "%s/cg-a", dir);
	snprintf(c.cg[1], CG_PATH, "%s/cg-b", dir);
	ok(!nl_alias_parse("lo:127.0.0.2/32", &c.addr[0]) && !nl_alias_parse("eth0:fd00::7/64", &c.addr[1]),
	   "aliases parse");
	ok(nl_alias_parse("lo:300.0.0.1/32", &d.addr[0]) && nl_alias_parse("lo-127.0.0.1", &d.addr[0]) &&
	   nl_alias_parse("a-device-name-too-long:10.0.0.1/8", &d.addr[0]), "bad aliases do not");
	c.naddr = 2;
	ctx_save(&c);
	ok(!ctx_load(2, &d), "record loads");
	ok(d.xid == 2 && d.pid == c.pid && d.start == c.start && d.flags == c.flags &&
	   d.bset == c.bset && !strcmp(d.name, "web") && d.ncg == 2 &&
	   !strcmp(d.cg[1], c.cg[1]), "record round-trips every field");
	ok(d.naddr == 2 && !memcmp(d.addr, c.addr, 2 * sizeof(c.addr[0])) && d.addr[1].family == AF_INET6 &&
	   d.addr[1].prefix == 64 && !strcmp(d.addr[1].dev, "eth0"), "and the aliases");
	c.naddr = 0;
	ok(ctx_alive(&d), "own process counts as alive");
	is_int(ctx_free_xid(), 3, "2 taken: next free is 3");
	ok(ctx_by_name("web", &d) && d.xid == 2, "found by its name");
	ok(!ctx_by_name("db", &d), "no context of another name");

	/* xid 4 taken too: the gap at 3 is found */
	c.xid = 4;
	snprintf(c.name, sizeof(c.name), "db");
	ctx_save(&c);
	is_int(ctx_free_xid(), 3, "gap at 3 is used first");
	ok(ctx_by_name("db", &d) && d.xid == 4 && ctx_by_name("web", &d) && d.xid == 2,
	   "each found by its own name");

	/* a record whose pid was reused (start time differs) is stale */
	c.xid = 3;
	c.start += 12345;
	c.ncg = 0;
	snprintf(c.name, sizeof(c.name), "old");
	ctx_save(&c);
	ok(!ctx_alive(&c), "a reused pid is not alive");
	ok(!ctx_by_name("old", &d), "a stale context is not found by name");
	n = ctx_list(&all);
	is_int(n, 3, "three records listed");
	ok(n == 3 && all[0].xid == 2 && all[1].xid == 3 && all[2].xid == 4, "listed in xid order");
	free(all);
	is_int(ctx_free_xid(), 5, "a stale record holds its xid until it is reaped");
	ctx_gc_name("db");
	ok(!ctx_load(4, &d), "reaping by name leaves a live context alone");
	ctx_gc_name("old");
	ok(ctx_load(3, &d) < 0, "reaping by name drops a dead one");
	snprintf(cmd, sizeof(cmd), "%s/names/old", dir);
	ok(access(cmd, F_OK) && errno == ENOENT, "and its name's link");
	is_int(ctx_free_xid(), 3, "its xid is free again");
	c.xid = 3;
	ctx_save(&c);
	ctx_gc();
	ok(ctx_load(3, &d) < 0, "gc drops the dead ones");
	ok(!ctx_load(2, &d) && !ctx_load(4, &d), "gc kept the live ones");

	/* a newer context of a name takes its link; dropping the older
	 * record leaves the newer one's link alone */
	ok(!ctx_load(4, &d), "record 4 loads");
	c = d;
	c.xid = 5;
	ctx_save(&c);
	ctx_drop(&d);
	ok(ctx_by_name("db", &d) && d.xid == 5, "dropping a record keeps a newer link of its name");
	ctx_drop(&d);
	ok(!ctx_by_name("db", &d), "dropping it removes the link");
	ok(ctx_load(99, &d) < 0, "no record for an unused xid");
	ctx_unlock(lock);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? done_testing() : 1;
}
