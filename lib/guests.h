/* guests.h - a guest and what it is made of: its network (netlink,
 * NET=private, address lists, the BPF IP lock), its start and stop, its
 * disk limits, copying trees into its root.
 * Part of vsbox.h, which includes it: include vsbox.h, not this.
 */
#ifndef VSBOX_GUESTS_H
#define VSBOX_GUESTS_H

/* ---- lib/netlink.c: IP addresses over NETLINK_ROUTE (no libnl) ----------- */
/* Is exactly this address assigned to any interface? -1 + errno on error */
int nl_addr_exists(int family, const void *addr);
/* each() for every IPv4 and IPv6 address DEV has (as getifaddrs(3) names
 * them: a labelled IPv4 alias is its label's); 0, or -1 + errno */
int nl_dev_addrs(const char *dev, void (*each)(int family, const unsigned char *addr, void *arg), void *arg);
/* Add/remove addr/prefix on interface dev (bcast: IPv4 broadcast or NULL) */
int nl_addr_add(const char *dev, int family, const void *addr, int prefix, const void *bcast);
int nl_addr_del(const char *dev, int family, const void *addr, int prefix);
void nl_forget(void);          /* a forked child: drop the parent's socket */
/* An alias as the run files write it, "DEV:ADDR/PREFIX"; parse: 0 or -1 */
void nl_alias_str(const struct vc_addr *a, char *buf, size_t n);
int nl_alias_parse(const char *s, struct vc_addr *a);
/* "addr=ALIAS\n" for each of n, as the run files list them, into buf (at
 * most size bytes, like snprintf); returns the length they take */
size_t nl_alias_lines(const struct vc_addr *a, int n, char *buf, size_t size);
/* Remove n aliases, the last first; one gone already is no error (who:
 * the guest, for the warning about any other) */
void nl_aliases_del(const struct vc_addr *a, int n, const char *who);
/* A request builder: one message or an nf_tables batch in buf. nlm_begin()
 * starts the next message (hdr: its family header), the rest add
 * attributes to it; nlm_nest() returns the nest's offset for nlm_end() */
struct nlm { size_t len, cur; uint32_t nmsg; char buf[4096] __attribute__((aligned(4))); };
void nlm_begin(struct nlm *m, int type, int flags, const void *hdr, size_t hlen);
void nlm_put(struct nlm *m, int type, const void *data, size_t len);
void nlm_u32(struct nlm *m, int type, uint32_t v);
void nlm_str(struct nlm *m, int type, const char *s);
size_t nlm_nest(struct nlm *m, int type);
void nlm_end(struct nlm *m, size_t nest);
/* A netlink socket of protocol proto, made in the network namespace nsfd
 * (-1: ours); -1 + errno */
int nl_socket(int proto, int nsfd);
/* Send m, wait for acks acknowledgements: 0, or -1 with the first error's
 * errno; m is empty again afterwards */
int nl_call(int fd, struct nlm *m, int acks);
/* A dump request (RTM_GETLINK, RTM_GETADDR...): each() sees every answer;
 * 0, or -1 + errno */
struct nlmsghdr;
int nl_dump(int fd, int type, int family, void (*each)(const struct nlmsghdr *h, void *arg), void *arg);

/* ---- lib/netns.c, lib/nft.c: NET=private ---------------------------------- */
struct guest;
struct netns_names {
	char host[16];              /* the host's veth end, vsHASH */
	char table[80];             /* the nf_tables table, vsbox-NAME */
	unsigned char gmac[6], hmac[6];  /* eth0's MAC (from the name), the host end's */
};
void netns_names(const char *name, struct netns_names *n);
/* Before anything is done: BRIDGE, NET_UPLINK exist (and IPv6 forwarding
 * for routed IPv6); dies naming what not. netns_missing(): the same as a
 * reason (in why or static), or NULL (a move's pre-flight on its target) */
void netns_check(const struct guest *g);
const char *netns_missing(const struct vconf *c, char *why, size_t n);
/* Host side, once the guest (host pid) has its namespace: the veth pair,
 * addresses, routes, proxies, the anti-spoofing rules; undo pushed */
void netns_setup(const struct guest *g, pid_t pid);
/* Remove what $RUNDIR/net/NAME lists (veth, table, proxy entries), then it;
 * ended: the guest's processes are all gone (a stop), and with them its
 * namespace, which takes the veth pair along: left to the kernel */
void netns_repair(const char *name, bool ended);
/* The status lines: mode, host end, the guest's interfaces and addresses */
void netns_status(const struct guest *g, pid_t pid);
void nft_spoof_add(const char *name, const struct netns_names *n, const unsigned char *mac,
		   const struct vc_addr *ip, int nip);
void nft_spoof_del(const char *name, const char *table);

/* ---- lib/guser.c: users of a guest, and its first process ---------------
 * (after entering its root: "/" is the guest's) */
#define GUSER_MAXGROUPS 64
struct guser {
	uid_t uid;
	gid_t gid;
	char name[64], home[256], shell[256];
	gid_t groups[GUSER_MAXGROUPS];   /* guser_groups: gid and those listing name */
	int ngroups;
};
/* USER (a name or number) from the guest's /etc/passwd; dies naming guest */
void guser_lookup(const char *guest, const char *who, struct guser *u);
/* lib/gexec.c: vserver exec, enter, suexec, service: who runs argv (or,
 * login, its shell) in running guest g; its exit code */
int guest_run(struct guest *g, const char *who, char **argv, bool login, bool use_pty);
/* a connection to the running guest's spawner (lib/spawner.c) or < 0;
 * warns if the guest killed it, naming what then runs without it */
int guest_spawner(const char *name, long xid, const char *what);
/* stop's "rc 0" (argv) through the spawner on conn, in a session of its
 * own with fds as 0 1 2 and only PATH set; its exit code */
int guest_spawn_rc(int conn, char **argv, const int *fds);
bool guser_group(const char *who, gid_t *gid);   /* a group's name or number */
void guser_groups(struct guser *u);
/* a start: INIT_DIR opened, INIT_USER looked up (dies); then, in INIT's
 * process just before its exec, entered and become */
struct ginit { int dirfd; bool setid; struct guser u; };
void guest_init_user(const char *guest, const struct vconf *c, struct ginit *gi);
void guest_init_prep(void *guest);              /* a struct guest */
void guest_init_env(const struct vconf *c);      /* ENV into the environment */

/* ---- lib/guest.c: a guest's state, start, stop (lib/groot.c: its root) ---
 * Configuration in $VSBOX_CONFDIR (/etc/vservers): NAME.conf, NAME.sh (hook),
 * NAME.fstab; the root in $VSBOX_ROOTDIR (/vservers)/NAME; runtime state in
 * $VSBOX_RUNDIR/guests: NAME.lock, and NAME (aliases a start is adding). */
struct guest {
	char name[64];
	char conf[PATH_MAX], root[PATH_MAX], hook[PATH_MAX], fstab[PATH_MAX];
	struct vconf c;
	int nmount;
	struct vc_mount *mounts;
	char *argv[VC_MAXARGS + 2]; /* what start runs: INIT or the guest's rc */
	char argbuf[1024];
	struct ginit init;          /* INIT_DIR, INIT_USER (inside, at start) */
	bool rc;                    /* argv is a SysV rc taking a runlevel */
	int lockfd;                 /* guests/NAME.lock while we act */
	unsigned cgwant;            /* CG_* its limits need */
	int idtree;                 /* USERNS: its idmapped root, in the new context */
	bool sd;                    /* its init is systemd (lib/ginit.c) */
	int notify;                 /* systemd: our end of its NOTIFY_SOCKET, or -1 */
	int con[2];                 /* systemd: a pipe from its console's keeper */
	char cpus[256];             /* S_CPUSET: the CPUs its cpuset got */
	char lxcfs[PATH_MAX];       /* lxcfs's mount to bind from, "" none */
	bool lx_meminfo;            /* ... its meminfo too (the kernel's isn't honest) */
};
/* lib/gview.c: S_CPUSET and LXCFS. gview_prepare decides on the host
 * before the clone whether lxcfs's files are bound (dies for LXCFS=yes
 * without it); gview_cpuset writes the context's cpuset directory dir of
 * hierarchy h and keeps what the kernel made of it in g->cpus (dies when
 * it is not S_CPUSET) */
void gview_prepare(struct guest *g);
void gview_cpuset(struct guest *g, const struct cg_hier *h, const char *dir);
const char *lxcfs_dir(void);    /* $VSBOX_LXCFS_DIR, or /var/lib/lxcfs */
/* lib/gstate.c: guests/NAME.lock and guests/NAME (the aliases a start is
 * adding, until its context's record lists them) */
void guest_unlock_drop(struct guest *g);        /* unlock, remove the lock file */
/* IPROOT's addresses as aliases on their devices, those not assigned yet,
 * and the private IPv6 loopback lb6 (NULL: none) on lo; each is written to
 * guests/NAME and c->addr as soon as it exists */
struct netaddr;
void guest_add_addrs(struct guest *g, struct ctx *c, const struct netaddr *lb6);
/* the record lists them now: guests/NAME goes */
void guest_addrs_recorded(const char *name);
/* remove exactly the aliases guests/NAME lists, then the file */
void guest_drop_addrs(const char *name);
/* Every guest: the NAME of each NAME.conf in confdir(), sorted (malloc'd) */
int guest_names(char ***out);
const char *confdir(void);
const char *rootdir(void);
/* Check the name, read and validate NAME.conf and NAME.fstab (dies with
 * FILE:LINE); nothing is changed */
void guest_load(const char *name, struct guest *g);
void guest_lock(struct guest *g);    /* exclusive, until exit */
int guest_start(struct guest *g, bool quiet);   /* exit status */
int guest_stop(struct guest *g, bool quiet);
/* The capability ceiling of a guest: the default set + S_CAPS - !S_CAPS */
uint64_t guest_bset(const struct vconf *c);
/* ... and the seccomp rules it lifts: S_SECCOMP, and for USERNS mount, userns */
unsigned guest_sc_allow(const struct vconf *c);
/* Apply ULIMIT's rlimits and S_NICE (locked with RLIMIT_NICE) to process
 * pid (0: this one) */
void guest_rlimits(const struct vconf *c, pid_t pid);
/* Inside the new mount namespace: mount /proc, /sys, a safe /dev with
 * devpts and shm, NAME.fstab, then pivot_root into root */
void guest_mount_root(const struct guest *g);
/* lib/ushift.c: USERNS_CHOWN=yes where the root can't be idmapped: its
 * ids shifted on disk once (progress shown unless quiet); true when the
 * root is to be shown as it is (shifted), false to idmap it as usual */
bool ushift_prepare(const struct guest *g, bool quiet);
/* lib/ginit.c: the guest's init; for systemd, the container interface */
#define GINIT_NOTIFY "/run/host/notify"     /* NOTIFY_SOCKET inside */
/* INIT unset and no rc: "/sbin/init" when it is systemd, else NULL */
const char *ginit_default(int rootfd);
/* once argv is known: g->sd, and systemd's stop signal unless STOPSIG */
void ginit_detect(struct guest *g, int rootfd);
/* host, before the spawn: fakeinit, the notify socket, after_go */
void ginit_prepare(struct guest *g, struct ctx_spec *s);
/* inside, PID 1 (vsbox's init or INIT): /proc/1/environ shows the
 * environment it has now, not the host's it was cloned with */
void ginit_show_environ(void);
/* inside, the clean environment made: NOTIFY_SOCKET */
void ginit_env(const struct guest *g);
/* host, after the clone: the delegated cgroup "guest", PID 1 moved into it */
void ginit_programs(const struct guest *g, const struct ctx *c);
/* inside, its cgroup namespace made: cgroup2 on /sys/fs/cgroup */
void ginit_after_go(const struct ctx *c, void *arg);
/* host, the guest running: wait for READY=1 until deadline (mono_ns()),
 * showing its console's output unless quiet; NULL when up, else why not
 * (the context then killed) */
const char *ginit_wait(struct guest *g, const struct ctx *c, uint64_t deadline, bool quiet);
/* lib/gstatus.c: a guest's state and figures, as text or JSON */
struct gfigs {
	bool running;
	struct ctx c;                  /* running: its context */
	int procs;                     /* -1: not known */
	long long mem;                 /* bytes, -1: not known */
};
void guest_figs(const char *name, struct gfigs *f);
int guest_status(struct guest *g, bool json);    /* prints; 0 running, 3 not */
void json_addrs(const struct vconf *c);          /* an array of IPROOT's addresses */
/* lib/glimits.c: vserver NAME limits [--json] | limits set KEY=VALUE...
 * (args: what follows "limits"); exit status */
int guest_limits_cmd(struct guest *g, char **args, bool json, bool quiet);

/* ---- lib/quota.c: a guest's disk limits (DISK_LIMIT, INODE_LIMIT) --------
 * ext4 and XFS: a project quota, its id on every inode of the guest's tree
 * and PROJINHERIT on its directories (lib/qlabel.c), the id allocated once
 * and kept by the root's own inode. btrfs: the root is a subvolume, its
 * qgroup 0/ID limits the bytes it references (lib/btrfs.c). */
#define QUOTA_ID_MIN 49152U            /* project ids: above every context number */
enum { QK_NONE, QK_PROJECT, QK_BTRFS };
struct dquota {
	int kind;                      /* QK_*: how this filesystem limits a tree */
	char fs[16];                   /* ext4 xfs btrfs tmpfs ..., else 0xMAGIC */
	unsigned long magic;           /* statfs f_type */
	unsigned long long id;         /* project id (0: none), or subvolume id */
	bool label;                    /* the root has its id and PROJINHERIT /
					  is a subvolume */
	bool acct, enforced;           /* the filesystem counts it / enforces limits */
	bool inodes;                   /* iused and ilimit are known (projects) */
	bool inconsistent;             /* btrfs: the qgroup figures need a rescan */
	int qerr;                      /* errno of reading the quota state, or 0 */
	unsigned long long used, limit;     /* bytes; a limit of 0 is none */
	unsigned long long iused, ilimit;   /* inodes */
};
/* What the filesystem under a guest root (a descriptor, or its path) has
 * for it; nothing is changed. -1 + errno when it can't be read at all */
int quota_read_fd(int fd, struct dquota *q);
int quota_read(const char *root, struct dquota *q);
/* A fresh project id for the root fd's filesystem: from QUOTA_ID_MIN, not
 * held by another guest root, the overlay store, /etc/projid, or any use or
 * limit there */
unsigned quota_alloc_id(int fd);
/* the empty directory fd labelled with a fresh project id and PROJINHERIT
 * where its filesystem has project ids (ext4, XFS), not already labelled:
 * what is made in it is charged to that project */
void quota_label_empty(int fd);
/* build: make the root NAME in parentfd: a subvolume on btrfs, else a
 * directory, labelled with a fresh project id where the filesystem has
 * project ids; 0, or -1 + errno (EEXIST...) as mkdirat */
int quota_mkroot(int parentfd, const char *name);
/* delete: remove the root (a subvolume at once) and its project's limits */
int quota_rmroot(int parentfd, const char *name);
/* Make the filesystem hold g's root to bytes and inodes (0: no limit):
 * dies with one line where it can't (no quota there, or not enabled, or
 * S_SECCOMP lifting a rule the limit needs); labels an unlabelled tree
 * (reporting the time it took, unless QA_QUIET) except with QA_LIVE (a
 * running guest: refused); the old limits come back from the undo stack */
enum { QA_QUIET = 1 << 0, QA_LIVE = 1 << 1 };
struct guest;
void quota_apply(const struct guest *g, unsigned long long bytes, unsigned long long inodes, unsigned how);
/* lib/qlabel.c: give every inode of the tree at rootfd project id, the root
 * last (only when everything else took it) */
struct qlabel {
	unsigned long files, changed, skipped, failed;  /* skipped: symlinks and
					  special files before Linux 6.17 */
	int err;                       /* the first failure's errno and path */
	char first[256];
};
void quota_label(int rootfd, unsigned id, struct qlabel *r);
/* lib/btrfs.c */
bool btrfs_is(int fd);
int btrfs_subvol_create(int parentfd, const char *name);    /* -1 + errno */
int btrfs_subvol_destroy(int parentfd, const char *name);
unsigned long long btrfs_subvol_id(int fd);   /* fd a subvolume's root, else 0 */
struct btrfs_qg {
	bool want_use;                        /* in: read used, inconsistent */
	unsigned long long used, limit;       /* referenced bytes; max_rfer, 0: none */
	bool inconsistent;                    /* the figures need a rescan */
};
/* qgroup 0/id of the filesystem of fd: 1 read, 0 quotas are disabled,
 * -1 no such qgroup (or no btrfs) */
int btrfs_qgroup(int fd, unsigned long long id, struct btrfs_qg *g);
int btrfs_qgroup_limit(int fd, unsigned long long id, unsigned long long bytes);  /* 0: none */

/* ---- lib/net.c: address lists (chbind, IPROOT) ---------------------------
 * An address is IPv4 or IPv6 with an optional /prefix (kept for whoever adds
 * an alias; the lock matches whole addresses). A device name stands for the
 * addresses it has now (getifaddrs; IPv6 link-local ones are skipped). */
#define NA_MAX 32
struct netaddr {
	int family;                 /* AF_INET or AF_INET6 */
	unsigned char a[16];        /* network order; IPv4 in a[0..3] */
	int prefix;                 /* -1: none given */
};
struct netaddrs {
	int n;
	struct netaddr a[NA_MAX];   /* the first of a family is the wildcard's */
	struct netaddr lb4, lb6;    /* loopback stand-ins; family 0: none */
	bool own6;                  /* lb6: the private loopback (lib/lback6.c) */
};
/* One literal "ADDR[/PREFIX]"; 0, or -1 when s is none */
int netaddr_parse(const char *s, struct netaddr *out);
const char *netaddr_str(const struct netaddr *x, char *buf, size_t n);  /* n >= 64 */
bool netaddr_eq(const struct netaddr *x, const struct netaddr *y);
/* Add a literal or a device's addresses; usage error (naming what) if bad */
void netaddrs_add(struct netaddrs *l, const char *arg, const char *what);
/* The loopback stand-in for arg's family (default: the family's first) */
void netaddrs_lback(struct netaddrs *l, const char *arg, const char *what);
/* Defaults and checks once every address is in; dies if the list is empty */
void netaddrs_finish(struct netaddrs *l);
const struct netaddr *netaddrs_first(const struct netaddrs *l, int family);
bool netaddrs_has(const struct netaddrs *l, const struct netaddr *x);
/* May this process bind exactly x (assigned here, and allowed by the locks
 * it is in already)? 0, or the errno (EPERM: a lock refuses or rewrites it) */
int netaddr_probe(const struct netaddr *x);

/* lib/gview.c: the kernel's view (kernel/patches 0004) for the cgroup v2
 * directory cgfd and below: with l, only its own sockets and l's interfaces
 * and addresses seen; always, mountinfo's roots relative to the guest root.
 * Nothing on a kernel without it */
void kview_set(int cgfd, const struct netaddrs *l);

/* lib/lback6.c: the private IPv6 loopback PREFIX::XID; the prefix: false if none */
bool lback6_prefix(struct netaddr *pfx);
void lback6_addr(const struct netaddr *pfx, long xid, struct netaddr *out);
/* Is a in the prefix (another tree's or guest's private loopback)? */
bool lback6_is_private(const unsigned char a[16]);

/* ---- lib/bpfnet.c: lock a cgroup v2 directory to an address list ---------
 * cgroup sock_addr programs (bind4/6, connect4/6, sendmsg4/6), a socket
 * filter and an inet ingress filter, raw BPF loaded with bpf(2) (no libbpf)
 * once and shared by every lock, each reading its cgroup's address list
 * from cgroup local storage; attached with BPF_F_ALLOW_MULTI: they stay
 * until the cgroup is removed, apply to every cgroup below it, and a lock
 * below one can only narrow it. Kernel 5.10+, CONFIG_CGROUP_BPF, cgroup2. */
enum {
	BN_NO_V4MAPPED = 1 << 0,   /* IPv4-only list: refuse bind(::) rather
				      than give ::ffff:FIRST4 */
	BN_LOWPORTS = 1 << 1,      /* binds skip the CAP_NET_BIND_SERVICE
				      check (user-namespace guests; 5.12+) */
	BN_NO_INGRESS = 1 << 2,    /* no ingress filter (see chbind(8)) */
	BN_KEEP_RAW = 1 << 3,      /* ICMP datagram sockets allowed (they pass
				      beside the hooks, like raw ones) */
};
/* NULL when this host can lock, else a sentence naming what is missing */
const char *bpfnet_missing(void);
/* Attach the lock to the cgroup v2 directory cgfd; dies naming what failed
 * (programs attached before a failure are detached again) */
void bpfnet_lock(int cgfd, const struct netaddrs *l, unsigned opts);
/* The same, but a host that can't lock at all (bpfnet_missing(), asked only
 * when the first load fails) gets the reason returned, nothing attached */
const char *bpfnet_try_lock(int cgfd, const struct netaddrs *l, unsigned opts);
/* The device allowlist (lib/devcg.c's list) on the cgroup v2 directory
 * cgfd: 0, or -1 + errno */
int bpfnet_devices(int cgfd);

/* chbind's command line, shared with chcontext (which applies the lock to
 * a new context's cgroup itself when its CMD is chbind) */
struct netlock {
	struct netaddrs addrs;
	unsigned opts;              /* BN_* */
	bool keep_raw;              /* keep CAP_NET_RAW and ping sockets (both
				       bypass the lock); sets BN_KEEP_RAW */
	bool lb6_given;             /* --lback with an IPv6 address */
};
/* Parse chbind's options (argv[0] is "chbind"); returns the index of CMD.
 * Every address is probed (netaddr_probe): nesting can only narrow. */
int netlock_args(int argc, char **argv, struct netlock *nl, const struct usage *usage);
/* Close inherited IP and packet sockets (fds >= 3): they belong to the
 * cgroup they were made in, outside the lock */
void netlock_close_sockets(void);
/* Is argv[0] (or "vsbox" argv[1]) the chbind applet? 0, 1 (argv offset) or -1 */
int netlock_is_chbind(char **argv);
/* When argv is a chbind command line: parse it into nl, return its CMD;
 * else NULL. For chcontext, whose context can't load BPF itself */
char **netlock_from_argv(char **argv, struct netlock *nl);
/* Lock the cgroup v2 directory cgdir (before anything runs in it) and close
 * our inherited IP sockets, so the processes forked into it get none */
void netlock_apply(const char *cgdir, const struct netlock *nl);
/* Make BASE/chbind-PID in the v2 tree (path gets it), flock'ed as long as
 * the returned fd is open: the sweep leaves it alone */
int netlock_mkcg(char *path, size_t n);
/* Remove it and the empty cgroups below it (nothing if processes remain),
 * and then its private IPv6 loopback; true if it is gone */
bool netlock_rmcg(const char *path);
/* The tree still runs (daemons): a process of its own waits for the cgroup
 * to empty and then removes it (holding its flock meanwhile) */
void netlock_watch(int cgfd, const char *path);
/* lib/lback6.c: the tree's private IPv6 loopback (cgfd: its cgroup), unless
 * nl has an IPv6 --lback or there are none (.defaults/lback6 none, no IPv6);
 * added to nl's address list (as its lb6, own6) and, outside a tree that has
 * one, to lo (true: the cgroup records it, removing the cgroup removes it) */
bool lback6_tree(int cgfd, struct netlock *nl);
void lback6_tree_read(int cgfd, unsigned char a[16], bool *have);
void lback6_tree_drop(const unsigned char a[16]);
/* Remove the chbind-* cgroups under the v2 base that nobody holds and no
 * process is in any more */
void netlock_gc(void);

/* ---- lib/debguest.c: a Debian root from debootstrap made a guest --------
 * hwoff_script: sh -c SCRIPT sh NAME turns the hardware-only init scripts
 * and units off (update-rc.d disable, systemctl mask) and prints one line;
 * debian_finish writes /etc/hostname and /etc/hosts into a fresh root
 * (build --debootstrap) and runs the script chrooted there; its exit status */
extern const char hwoff_script[];
int debian_finish(const char *root, const char *name, bool quiet);

/* ---- lib/copy.c: copying trees into a guest root (never following links) -- */
/* Copy src's contents into dstfd (exclude: fnmatch patterns relative to
 * src; shift taken from the ids it is at least); device nodes and sockets
 * are skipped. Returns the file count */
unsigned long copy_tree(const char *src, int dstfd, const char *const *exclude, int nexclude,
			bool progress, unsigned shift);
/* Remove device nodes and sockets anywhere under dirfd */
void sweep_devices(int dirfd);
/* Remove everything under dirfd (not crossing mounts, never following
 * symlinks), then name itself from parentfd; -1 + errno on failure */
int remove_tree(int parentfd, const char *name);

#endif
