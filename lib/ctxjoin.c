/* ctxjoin.c - enter a running context: its cgroups and namespaces (for
 * chcontext --ctx and vserver exec/enter where the guest has no spawner,
 * lib/spawner.c), then the command with its restrictions set anew.
 *
 * Kernel interfaces: pidfd_open (pins the context's init while we look),
 * setns(2) with a pidfd (every namespace at once), cgroup.procs.
 */
#include "vsbox.h"
#include <sys/stat.h>

/* ---- joining ----------------------------------------------------------- */
static int ns_flags_differing(pid_t pid)
{
	static const struct { const char *name; int flag; } ns[] = {
		{ "pid", CLONE_NEWPID }, { "mnt", CLONE_NEWNS }, { "uts", CLONE_NEWUTS },
		{ "ipc", CLONE_NEWIPC }, { "cgroup", CLONE_NEWCGROUP },
		{ "net", CLONE_NEWNET }, { "user", CLONE_NEWUSER }, { "time", 0x80 /* CLONE_NEWTIME */ },
	};
	int flags = 0;

	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		char a[64], b[64];
		struct stat sa, sb;
		snprintf(a, sizeof(a), "/proc/self/ns/%s", ns[i].name);
		snprintf(b, sizeof(b), "/proc/%d/ns/%s", (int)pid, ns[i].name);
		if (!stat(a, &sa) && !stat(b, &sb) && sa.st_ino != sb.st_ino)
			flags |= ns[i].flag;
	}
	return flags;
}

void ctx_enter(long xid, struct ctx *out)
{
	struct ctx c;
	int lock, pidfd, nsflags;

	lock = ctx_lock();
	if (ctx_load(xid, &c))
		die("no context %ld", xid);
	if (!ctx_alive(&c)) {
		ctx_reap(&c);           /* its init was killed */
		die("no context %ld", xid);
	}
	ctx_unlock(lock);
	if (c.flags & CF_PRIVATE)
		die("context %ld is private: nobody may enter it", xid);
	if (geteuid() != 0 || !(caps_bounding() & (1ULL << 21 /* CAP_SYS_ADMIN */)))
		die("joining context %ld: only root in context 0 may", xid);
	/* a pidfd pins the process: check it is still the recorded init */
	pidfd = sys_pidfd_open(c.pid);
	if (pidfd < 0 || proc_starttime(c.pid) != c.start)
		die("no context %ld (its init is gone)", xid);
	nsflags = ns_flags_differing(c.pid);
	/* the cgroups first, while we still see the host's tree; then every
	 * namespace at once; the PID namespace applies to children only */
	for (int i = 0; i < c.ncg; i++)
		xcg_join(c.cg[i]);
	/* (a time namespace wants a single-threaded caller: without it, the
	 * host's clocks rather than no entry at all) */
	if (nsflags && setns(pidfd, nsflags) && (!(nsflags & 0x80) || setns(pidfd, nsflags & ~0x80)))
		die_errno("can't enter the namespaces of context %ld", xid);
	close(pidfd);
	*out = c;
}

int ctx_join(long xid, uint64_t bset_limit, char **argv)
{
	struct ctx c;
	pid_t pid;

	ctx_enter(xid, &c);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		die_errno("can't fork");
	if (!pid) {
		ctx_restrict(c.flags, c.bset & bset_limit);
		execvp(argv[0], argv);
		warn_errno("can't execute %s", argv[0]);
		_exit(errno == ENOENT ? 127 : 126);
	}
	return wait_forward(pid);
}
