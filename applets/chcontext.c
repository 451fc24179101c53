/* chcontext.c - run a command in a new security context, join one, or spectate.
 *
 * Kernel interfaces: clone3 into PID/mount/UTS/IPC/cgroup namespaces and a
 * cgroup (lib/context.c), the capability bounding set, seccomp, setns(2)
 * with a pidfd to join, Landlock for the spectator (context 1). For an
 * ordinary user: the personal security box, in a user namespace of the
 * user's own (lib/sbox.c).
 */
#include "vsbox.h"
#include <grp.h>
#include <sys/resource.h>

USAGE(chcontext, usage,
"usage: chcontext [--ctx N [--join]] [--cap CAP]... [--secure] [--flag F]...\n"
"                 [--hostname H] [--domainname D] [--silent] [--] CMD [ARG]...\n"
"Run CMD in a new security context: its own process, mount, UTS, IPC and\n"
"cgroup namespaces, a cgroup, and a lower capability ceiling. CMD and its\n"
"children see only their own processes and can never leave the context.\n"
"  --ctx N         use context N: create it if unused; if it exists, join it\n"
"                  (root in context 0 only). N=1 is the spectator: every\n"
"                  process is visible, none can be signalled or traced\n"
"  --join          with --ctx N: only join; it is an error if N does not exist\n"
"  --cap CAP       keep CAP (e.g. CAP_NET_RAW, net_raw) in the ceiling\n"
"                  (sys_ptrace: in a Landlock fence, see chcontext(8))\n"
"  --secure        keep only the secure set (see reducecap --help)\n"
"  --flag F        lock: no new namespaces inside; sched: the context weighs\n"
"                  as one process (own CPU cgroup); nproc: the soft ulimit -u\n"
"                  becomes one limit for the whole context (pids.max) and\n"
"                  the per-user limit is lifted to the hard one; private: no\n"
"                  one may join it; fakeinit: CMD itself is PID 1.\n"
"                  Several: --flag lock,nproc or --flag repeated\n"
"  --hostname H    set the context's host name\n"
"  --domainname D  set the context's NIS domain name\n"
"  --silent        do not print \"New security context is N\" (on stderr)\n"
"Without --secure the context keeps the secure set plus ipc_lock ipc_owner\n"
"lease net_broadcast sys_tty_config. chcontext returns when CMD exits; daemons\n"
"CMD started keep the context alive, and it is removed when the last ends.\n"
"Run by an ordinary user (no setuid bit, no file capability needed), CMD runs\n"
"in a personal security box: a user namespace of the user's own, and new PID,\n"
"mount, UTS, IPC, cgroup and network namespaces; the root read-only, nosuid\n"
"and nodev, no_new_privs, the seccomp filter of a guest with lock. Options\n"
"for the box only:\n"
"  --root DIR         DIR as the root (default: the host's)\n"
"  --bind SRC DST     SRC at DST (which must exist in the root), writable\n"
"  --ro-bind SRC DST  the same, read-only\n"
"  --tmp-home         an empty tmpfs on /tmp and on $HOME\n"
"  --net MODE         loopback (default): a network of its own with only lo;\n"
"                     none: lo down too\n"
"  --map-root         be root inside (capabilities of the box's namespaces\n"
"                     only, within the ceiling), not the user itself\n"
"Environment: VSBOX_RUNDIR (records, default /run/vsbox), VSBOX_CGROUP_BASE\n"
"(default /vsbox; relative: under the caller's own cgroup).\n");

static const struct option opts[] = {
	{ "ctx", required_argument, NULL, 'c' },
	{ "cap", required_argument, NULL, 'C' },
	{ "secure", no_argument, NULL, 's' },
	{ "flag", required_argument, NULL, 'f' },
	{ "hostname", required_argument, NULL, 'H' },
	{ "domainname", required_argument, NULL, 'D' },
	{ "silent", no_argument, NULL, 'q' },
	{ "join", no_argument, NULL, 'j' },
	{ "root", required_argument, NULL, 'r' },
	{ "bind", required_argument, NULL, 'b' },
	{ "ro-bind", required_argument, NULL, 'B' },
	{ "tmp-home", no_argument, NULL, 't' },
	{ "net", required_argument, NULL, 'n' },
	{ "map-root", no_argument, NULL, 'm' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 }
};

static struct {
	long xid;
	uint64_t keep;
	bool secure, silent, join;
	unsigned flags;
	const char *hostname, *domainname;
	bool netlock;           /* CMD is chbind: we apply its IP lock */
	struct netlock nl;
	struct sbox_spec box;   /* an ordinary user's box */
	bool box_opts;          /* one of its options was given */
} G;

/* --bind SRC DST: getopt gave SRC, DST is the next word */
static void add_bind(int argc, char **argv, bool ro)
{
	const char *what = ro ? "--ro-bind" : "--bind";

	if (optind >= argc)
		usage_die("%s SRC DST: no DST", what);
	if (argv[optind][0] != '/')
		usage_die("%s: '%s' is not an absolute path", what, argv[optind]);
	if (G.box.nbind == SBOX_MAXBIND)
		usage_die("%s: more than %d binds", what, SBOX_MAXBIND);
	G.box.bind[G.box.nbind].src = optarg;
	G.box.bind[G.box.nbind].dst = argv[optind++];
	G.box.bind[G.box.nbind++].ro = ro;
}

static void check_name(const char *s, const char *what)
{
	if (!*s || strlen(s) > 64)
		usage_die("%s: '%s' must be 1 to 64 characters", what, s);
}

/* host side, before anything runs in the new cgroups */
static void set_limits(const struct ctx *c, void *arg)
{
	struct rlimit rl;
	char buf[32];

	if (G.netlock)
		netlock_apply(c->cg[0], &G.nl);
	if (!(G.flags & CF_NPROC))
		return;
	/* nproc: the process limit (ulimit -u) applies to the context as a
	 * whole (root included, whom RLIMIT_NPROC never holds). The per-user
	 * limit is then lifted as far as the hard limit allows: a uid inside
	 * would otherwise count that uid's processes all over the host. */
	getrlimit(RLIMIT_NPROC, &rl);
	if (rl.rlim_cur == RLIM_INFINITY)
		snprintf(buf, sizeof(buf), "max");
	else
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)rl.rlim_cur);
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NPROC, &rl))
		die_errno("can't lift the per-user process limit");
	for (int i = 0; i < c->ncg; i++)
		if (!cg_write(c->cg[i], "pids.max", buf))
			return;
	die("--flag nproc: no pids controller for context %ld", c->xid);
}

static _Noreturn void spectate(char **argv)
{
	/* context 1: the host's view, no power over what it sees */
	seccomp_apply(SC_SPECTATOR);
	if (landlock_abi()) {
		landlock_spectator();
		caps_reduce(caps_secure() & caps_bounding());
	} else {
		/* no Landlock: an unprivileged uid owns nothing to write to */
		caps_reduce(0);
		if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			die_errno("can't become nobody");
	}
	execvp(argv[0], argv);
	die_errno("can't execute %s", argv[0]);
}

int chcontext_main(int argc, char **argv)
{
	struct ctx_spec s = { 0 };
	int c;

	while ((c = opt_next(argc, argv, "h", opts, usage)) != -1) {
		switch (c) {
		case 'c': G.xid = parse_long(optarg, 1, XID_MAX, "--ctx"); break;
		case 'C': G.keep |= 1ULL << parse_cap(optarg, "--cap"); break;
		case 's': G.secure = true; break;
		case 'f': G.flags |= parse_ctx_flags(optarg, "--flag"); break;
		case 'H': check_name(optarg, "--hostname"); G.hostname = optarg; break;
		case 'D': check_name(optarg, "--domainname"); G.domainname = optarg; break;
		case 'q': G.silent = true; break;
		case 'j': G.join = true; break;
		case 'r': G.box.root = optarg; break;
		case 'b': add_bind(argc, argv, false); break;
		case 'B': add_bind(argc, argv, true); break;
		case 't': G.box.tmp_home = true; break;
		case 'n':
			if (!strcmp(optarg, "none"))
				G.box.net = SBOX_NET_NONE;
			else if (strcmp(optarg, "loopback"))
				usage_die("--net: '%s' is not none or loopback", optarg);
			break;
		case 'm': G.box.map_root = true; break;
		}
		G.box_opts |= strchr("rbBtnm", c) != NULL;
	}
	if (optind >= argc)
		usage_die("no command given");
	if (G.join && G.xid < 2)
		usage_die("--join needs --ctx N (N >= 2)");
	argv += optind;
	s.bset = ((G.secure ? caps_secure() : caps_default()) | G.keep) & caps_bounding();
	if (G.xid == XID_SPECTATOR)
		spectate(argv);
	/* the registry and every context are root's: a user gets a box */
	if (geteuid() != 0) {
		if (G.xid)
			die("context %ld: only root in context 0 may join or create a context", G.xid);
		G.box.bset = s.bset;
		G.box.hostname = G.hostname;
		G.box.argv = argv;
		return sbox_run(&G.box);
	}
	if (G.box_opts)
		usage_die("--root, --bind, --ro-bind, --tmp-home, --net and --map-root are for "
			  "ordinary users (the personal security box)");
	if (G.xid) {
		struct ctx cur;
		int lock = ctx_lock();
		ctx_gc();
		bool exists = !ctx_load(G.xid, &cur);
		ctx_unlock(lock);
		if (exists) {
			if (G.hostname || G.domainname || G.flags)
				usage_die("--ctx %ld exists: --hostname, --domainname and --flag "
					  "only apply to a new context", G.xid);
			return ctx_join(G.xid, G.secure || G.keep ? s.bset : ~0ULL, argv);
		}
		if (G.join)
			die("no context %ld", G.xid);
	}
	/* CMD is chbind: inside, the context can't load BPF programs, so its
	 * lock goes on the context's own cgroup from here (set_limits) and
	 * chbind's CMD runs in its place */
	char **cmd = netlock_from_argv(argv, &G.nl);
	if (cmd) {
		G.netlock = true;
		argv = cmd;
		if (!G.nl.keep_raw)
			s.bset &= ~(1ULL << 13 /* CAP_NET_RAW */);
	}
	s.xid = G.xid;
	s.flags = G.flags;
	s.cgwant = (G.flags & CF_NPROC ? CG_PIDS : 0) | (G.flags & CF_SCHED ? CG_CPU : 0);
	s.hostname = G.hostname;
	s.domainname = G.domainname;
	s.silent = G.silent;
	s.limits = set_limits;
	s.argv = argv;
	return ctx_spawn(&s);
}
