/* chbind.c - lock a command and its children to some IP addresses on the
 * shared network stack (Linux-VServer's set_ipv4root, IPv4 and IPv6).
 *
 * Kernel interfaces: cgroup v2 (a directory for the tree, entered with
 * clone3 CLONE_INTO_CGROUP), cgroup BPF sock_addr and skb programs built by
 * lib/bpfnet.c and attached with BPF_F_ALLOW_MULTI, the capability bounding
 * set (CAP_NET_RAW is dropped: raw sockets pass beside the hooks; ping
 * sockets, which do too, are refused by a sock_create program).
 */
#include "vsbox.h"
#include <sys/capability.h>

USAGE(chbind, usage,
"usage: chbind --ip ADDR|DEV [--ip ...] [--lback ADDR] [--no-v4mapped]\n"
"              [--no-ingress] [--keep-raw] [--] CMD [ARG]...\n"
"Run CMD locked to the given IPv4/IPv6 addresses on the host's own network\n"
"stack: CMD and its children can bind only those addresses, a bind to\n"
"0.0.0.0 (::) gets the first address of its family, and connections and UDP\n"
"datagrams leave with one of them as source (IP_PKTINFO can't pick another).\n"
"A refused bind fails with EADDRNOTAVAIL, a connection to a family the tree\n"
"has no address of with ENETUNREACH (EPERM before Linux 5.18); with\n"
"VSBOX_TRACE=1 each refusal's reason goes to /sys/kernel/tracing/trace_pipe.\n"
"  --ip ADDR|DEV   an address (a /PREFIX is accepted and ignored by the lock)\n"
"                  or a device, meaning the addresses it has now; repeatable.\n"
"                  The first of each family is the one wildcards get\n"
"  --lback ADDR    the tree's own loopback: binds and connects to 127.0.0.1\n"
"                  (::1) go there, so host services bound to 127.0.0.1 only\n"
"                  stay out of reach (default: the first IPv4 address; for\n"
"                  ::1 a private IPv6 loopback, below)\n"
"  --no-v4mapped   with IPv4 addresses only: refuse bind(::) instead of\n"
"                  giving it ::ffff:FIRST\n"
"  --no-ingress    no receive filter: a socket that listens without bind()\n"
"                  or a UDP socket bound by its first send (0.0.0.0:PORT)\n"
"                  then also gets packets sent to other local addresses\n"
"  --keep-raw      keep CAP_NET_RAW and ICMP ping sockets (raw, packet and\n"
"                  ping sockets bypass the lock; without it ping sockets\n"
"                  fail with EPERM)\n"
"Inside a locked tree chbind can only narrow: every address must be one of\n"
"the tree's. Without --lback ADDR6 the tree gets a private IPv6 loopback, as\n"
"a guest does (vserver(8)): PREFIX::8000:0 + its cgroup's id on lo, which\n"
"::1 and an IPV6_V6ONLY bind(::) with no IPv6 --ip become (prefix:\n"
"$VSBOX_LBACK6, .defaults/lback6; none: off); a nested tree shares the\n"
"outer one's. chbind waits for CMD and removes the tree's cgroup and that\n"
"address when the tree is empty; if daemons keep it, a detached chbind\n"
"process waits for them to end and removes both then (killed, the next\n"
"chbind does).\n"
"Limits: a root process that keeps CAP_SYS_ADMIN, or sees a writable cgroup2\n"
"mount, can move itself out of the tree's cgroup; use chbind with chcontext\n"
"(chbind --ip X chcontext ... CMD, or chcontext ... chbind --ip X CMD) for a\n"
"guest. Needs root, cgroup v2 and a kernel with CONFIG_CGROUP_BPF (5.10+).\n"
"Environment: VSBOX_CGROUP_BASE (default /vsbox; relative: under the\n"
"caller's own cgroup).\n");

static struct { struct netlock nl; char cg[CG_PATH + 32]; } G;

static void undo_cgroup(void *arg)
{
	netlock_rmcg(arg);
}

int chbind_main(int argc, char **argv)
{
	int cgfd, cmd;
	pid_t pid;
	const char *miss;

	/* options and every address, probed, before any side effect */
	cmd = netlock_args(argc, argv, &G.nl, usage);
	argv += cmd;
	if ((miss = bpfnet_missing()))
		die("%s", miss);

	/* a cgroup for the tree, locked by us while we wait for CMD; its
	 * private IPv6 loopback (lib/lback6.c), then the lock */
	netlock_gc();
	cgfd = netlock_mkcg(G.cg, sizeof(G.cg));
	undo_push(undo_cgroup, G.cg, strlen(G.cg) + 1);
	bool own6 = lback6_tree(cgfd, &G.nl);
	bpfnet_lock(cgfd, &G.nl.addrs, G.nl.opts);

	/* CMD starts inside the locked cgroup: every socket it makes belongs
	 * to it (a socket stays with the cgroup it was created in, so no
	 * inherited IP socket is passed in) */
	fflush(NULL);
	pid = sys_clone3(0, NULL, cgfd);
	if (pid < 0 && errno == ENOSYS) {
		pid = fork();
		if (!pid)
			xcg_join(G.cg);
	}
	if (pid < 0)
		die_errno("can't fork");
	if (!pid) {
		undo_forget();
		netlock_close_sockets();
		/* raw and packet sockets would bypass every hook */
		if (!G.nl.keep_raw)
			caps_reduce(caps_bounding() & ~(1ULL << CAP_NET_RAW));
		execvp(argv[0], argv);
		warn_errno("can't execute %s", argv[0]);
		_exit(errno == ENOENT ? 127 : 126);
	}
	undo_forget();
	/* cgfd stays open while we wait: its flock keeps netlock_gc() away */
	int code = wait_forward(pid);
	/* daemons CMD left keep the tree: its address goes when they end */
	if (!netlock_rmcg(G.cg) && own6)
		netlock_watch(cgfd, G.cg);
	close(cgfd);
	return code;
}
