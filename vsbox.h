/* vsbox.h - the one header: shared types and the lib/ interfaces.
 *
 * Every applet and lib/ module includes this and nothing of each other's.
 * The sections follow lib/: one block per module, in the order a context is
 * built (errors, options, files, syscalls, cgroups, contexts, caps, seccomp).
 */
#ifndef VSBOX_H
#define VSBOX_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define VSBOX_VERSION "0.1.0"

/* ---- main.c: the applet registry ---------------------------------------- */
#define APPLET(name, flags) int name##_main(int argc, char **argv);
#include "applets/applets.h"
#undef APPLET

/* ---- lib/err.c: errors and the undo stack --------------------------------
 * Messages read "APPLET: what failed: why". die() unwinds the undo stack
 * (newest first) before exiting 1, so a failed start leaves nothing behind. */
extern const char *applet_name;
_Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void die_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void usage_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warn_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Push an undo step; arg (len bytes, copied when len > 0) is passed back. */
void undo_push(void (*fn)(void *arg), const void *arg, size_t len);
void undo_run(void);     /* unwind now (newest first), emptying the stack */
void undo_forget(void);  /* success, or a child after fork: keep everything */
/* VSBOX_TRACE: a timestamped line per step on stderr (a no-op when unset) */
void trace_init(void);   /* main() */
void trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void trace_end(void);    /* a process that keeps running without printing */
int trace_fileno(void);  /* its descriptor, or -1 (close_range_from keeps it) */
/* Print usage text and exit 0 (--help) */
_Noreturn void show_usage(const char *usage);

/* ---- lib/opt.c: range-checked argument parsing (errors exit 2) ----------- */
long parse_long(const char *s, long lo, long hi, const char *what);
int parse_signal(const char *s, const char *what);
/* Run getopt_long over argv with the applet's table; handles --help itself.
 * Options stop at the first non-option (like "+" getopt). */
int opt_next(int argc, char **argv, const char *shortopts,
	     const struct option *longopts, const char *usage);

/* ---- lib/json.c: the --json writer (commas, escapes, null) -------------- */
void json_open(char c);                  /* '{' or '[' */
void json_close(char c);                 /* '}' or ']'; a newline at the end */
void json_key(const char *k);
void json_str(const char *s);            /* NULL: null */
void json_int(long long v);
void json_uint(unsigned long long v);
void json_real(double v);                /* two decimals */
void json_null(void);
void json_bool(bool v);
void json_intn(long long v, bool known); /* null when not known */

/* ---- lib/x.c: do-it-or-die helpers, files ------------------------------- */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Copy a formatted string into buf of size n or die naming it as too long */
void xsnprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int xopenat(int dirfd, const char *path, int flags, mode_t mode);
void xwrite_file(const char *path, const char *s);
/* Write n bytes as PATH.tmp, then rename it over PATH: readers see the old
 * file or the new one, never half of one (no fsync: run files and configs
 * must outlive a crash of vsbox, which the page cache does); dies on error */
void xreplace_file(const char *path, const void *buf, size_t n);
void xwrite_fd(int fd, const void *buf, size_t n, const char *what);
int write_file(const char *path, const char *s);          /* -1 + errno */
int write_fileat(int dirfd, const char *path, const char *s);
/* Read a whole (small) file into buf, NUL-terminated; returns length or -1 */
ssize_t read_file(const char *path, char *buf, size_t n);
ssize_t read_fileat(int dirfd, const char *path, char *buf, size_t n);
ssize_t read_fd(int fd, char *buf, size_t n);   /* to EOF or n-1, NUL-ended */
void xmkdir_p(const char *path, mode_t mode);
void close_range_from(int lowfd);   /* close every fd >= lowfd */
uint64_t mono_ns(void);             /* CLOCK_MONOTONIC in nanoseconds */
/* Pipes that carry a child's stdout and stderr to us: close-on-exec, our
 * read ends non-blocking; -1 (errno set) when they can't be made */
int relay_pipes(int out[2], int err[2]);
/* Copy what the non-blocking pipe rd holds to fd. A write that fails (the
 * reader went away) clears *ok, and from then on what comes is read and
 * dropped. false once the pipe is at its end (every writer gone). */
bool relay_copy(int rd, int fd, bool *ok);
/* write(2) with SIGPIPE ignored meanwhile: a reader gone is EPIPE, not death */
ssize_t write_nosigpipe(int fd, const void *buf, size_t n);
/* Run this binary as argv (argv[0] an applet's name) in a child and wait
 * for it, passing on the signals a user sends; its exit status */
int run_self(char **argv);

/* ---- lib/sys.c: syscalls musl lacks, probed once ------------------------- */
pid_t sys_clone3(uint64_t flags, int *pidfd, int cgroup_fd);
int sys_pidfd_open(pid_t pid);
int sys_pidfd_send_signal(int pidfd, int sig);
int sys_openat2(int dirfd, const char *path, int flags, mode_t mode, uint64_t resolve);
bool have_clone3(void);
bool have_openat2(void);
int landlock_abi(void);   /* 0 when Landlock is unavailable */
/* Start time of a process (field 22 of /proc/PID/stat), 0 when gone or a zombie */
unsigned long long proc_starttime(pid_t pid);

/* ---- lib/features.c: kernel features, probed at run time -----------------
 * Each is probed once per process (the iunlink and CoW probes on the first
 * DIR asked, which must be on the filesystem in question), never by kernel
 * version. FEAT_UNKNOWN: the probe itself could not run (no privilege). */
enum { FEAT_NO = 0, FEAT_YES = 1, FEAT_UNKNOWN = 2 };
int feat_iunlink(const char *dir);   /* immutable linkage invert (FS_IXUNLINK_FL) */
int feat_cow_link(const char *dir);  /* copy-on-write link breaking */
int feat_meminfo(void);              /* memory-honest /proc/meminfo, sysinfo(2) */
/* vsbox --check-kernel: print every feature vsbox uses and who needs it */
int check_kernel(const char *dir);

/* ---- lib/cgroup.c: cgroup v1 and v2 hierarchies --------------------------
 * A context gets one directory, named by its xid, under VSBOX_CGROUP_BASE in
 * each hierarchy it needs. The base is absolute (from each hierarchy's root)
 * or relative to the caller's own cgroup in that hierarchy. */
enum {
	CG_V2 = 1 << 0, CG_PIDS = 1 << 1, CG_MEMORY = 1 << 2, CG_CPU = 1 << 3,
	CG_CPUACCT = 1 << 4, CG_FREEZER = 1 << 5, CG_DEVICES = 1 << 6,
	CG_BLKIO = 1 << 7,
};
#define CG_MAX 8
#define CG_PATH 256
struct cg_hier {
	unsigned ctrl;          /* CG_* bits this hierarchy carries */
	char mnt[CG_PATH];      /* where it is mounted */
	char base[CG_PATH];     /* mnt + resolved VSBOX_CGROUP_BASE */
};
/* The hierarchies vsbox can use on this host, discovered once */
int cg_hiers(const struct cg_hier **out);
/* The cgroup2 hierarchy, or NULL when the host has none mounted */
const struct cg_hier *cg_v2(void);
/* Which hierarchies to use for a context wanting these controllers: the v2
 * tree always (tracking, BPF, cgroup.kill), v1 ones only when asked */
int cg_pick(unsigned want, const struct cg_hier **out, int max);
/* The controllers the v2 tree offers (CG_* bits; 0 without cgroup2) */
unsigned cg_v2_ctrls(void);
/* v2: enable memory, pids, cpu, io for the children of every directory
 * from the mount down to dir, where offered and not on yet (best effort) */
void cg_delegate(const struct cg_hier *h, const char *dir);
int cg_write(const char *dir, const char *file, const char *val);  /* -1 + errno */
void xcg_write(const char *dir, const char *file, const char *val);
/* Move the calling process, which must have one thread, into dir. On v1
 * that is a thread move ("0" to tasks), which takes no global lock: a
 * process move (cgroup.procs) waits for an RCU grace period unless another
 * one just did, ~0.5-1 ms against ~40 us. v2 has only the process move. */
void xcg_join(const char *dir);
/* Number of processes in the cgroup dir (0 = empty), -1 if it is gone */
int cg_nprocs(const char *dir);
/* Read the pids of cgroup.procs into *pids (malloc'd); returns count or -1 */
int cg_pids(const char *dir, pid_t **pids);
/* Does the v2 tree have cgroup.kill (5.14+)? VSBOX_NO_CGROUP_KILL=1 says
 * no (tests); without it contexts also get a v1 freezer cgroup */
bool cg_can_kill(void);
/* Kill every process in the cgroup: cgroup.kill on v2, else freeze, kill
 * and thaw with the v1 freezer, else a SIGKILL loop over cgroup.procs */
void cg_kill(const char *dir);
/* The same for a context's directories: the one that kills whole first */
void cg_kill_all(char (*dirs)[CG_PATH], int n);
/* rmdir, retrying briefly while the last tasks finish exiting */
int cg_rmdir(const char *dir);

/* ---- lib/ctx.c: the context registry (VSBOX_RUNDIR) ----------------------
 * One record per live context: $RUNDIR/ctx/XID, "key=value" lines. Records
 * are written under the registry lock, atomically (tmp + rename). */
#define XID_MAX 49151L
#define VC_MAXIP 16
struct vc_addr {                       /* an IPROOT address, an alias */
	int family;                 /* AF_INET or AF_INET6 */
	unsigned char a[16];
	int prefix;                 /* -1: IPROOTMASK, else /32 (/128) */
	char dev[16];               /* "dev:" prefix, else IPROOTDEV */
};
#define XID_SPECTATOR 1
enum { CF_LOCK = 1 << 0, CF_SCHED = 1 << 1, CF_NPROC = 1 << 2,
       CF_PRIVATE = 1 << 3, CF_FAKEINIT = 1 << 4,
       CF_GUEST = 1 << 5 /* a vserver guest: the SC_GUEST filter; no name */,
       CF_DQUOTA = 1 << 6 /* a guest with a disk limit: the filter keeps it in */,
       CF_USERNS = 1 << 7 /* in a user namespace of its own: enter as root there */ };
struct ctx {
	long xid;
	pid_t pid;                     /* its init, as the host sees it */
	unsigned long long start;      /* init's start time: pid reuse guard */
	unsigned flags;                /* CF_* */
	uint64_t bset;                 /* capability bounding set inside */
	char name[64];                 /* guest name, "" for a bare context */
	int ncg;
	char cg[CG_MAX][CG_PATH];      /* its cgroup directories */
	int naddr;                     /* the aliases added for it (IPROOT): */
	struct vc_addr addr[VC_MAXIP + 1]; /* (+ lback6) reaping it removes them */
};
const char *rundir(void);
int ctx_lock(void);                      /* exclusive registry lock (fd) */
void ctx_unlock(int fd);
int ctx_load(long xid, struct ctx *c);   /* 0, or -1 when there is none */
void ctx_save(const struct ctx *c);
void ctx_drop(const struct ctx *c);      /* remove its record */
bool ctx_alive(const struct ctx *c);     /* init still there, same one */
/* With the lock held: reap every record of a dead context (its cgroups and
 * what is left in them too, its aliases), or only NAME's, or c's if its
 * record is still that one (its init may have cleaned up, and another
 * context taken the xid; a dead guest's name link still lists its aliases).
 * Records of dead contexts hold their xids until reaped. */
void ctx_gc(void);
void ctx_gc_name(const char *name);
void ctx_reap(const struct ctx *c);
long ctx_free_xid(void);                 /* lowest xid >= 2 with no record */
/* Is the guest NAME running? Fills c with its context when it is */
bool ctx_by_name(const char *name, struct ctx *c);
/* Has a context of the guest NAME ended without a stop (its name link is left)? */
bool ctx_name_left(const char *name);
int ctx_list(struct ctx **out);          /* every record, sorted by xid */
/* Which context a host pid is in: xid, 0 for the host, -1 if it is gone */
long ctx_of_pid(pid_t pid, const struct ctx *list, int n);
unsigned parse_ctx_flags(const char *s, const char *what);
int ctx_flag_bit(const char *name);      /* CF_* for "lock" etc., -1 unknown */
const char *ctx_flags_str(unsigned flags, char *buf, size_t n);

/* ---- lib/context.c: making, running and joining contexts ---------------- */
struct ctx_spec {
	long xid;                 /* 0: the lowest free xid >= 2 */
	unsigned flags;           /* CF_* */
	uint64_t bset;            /* capability ceiling inside */
	unsigned cgwant;          /* cgroup controllers beyond the v2 tracker */
	const char *name;         /* guest name, or NULL */
	const char *hostname, *domainname;
	int clone_extra;          /* CLONE_NEWNET: a network stack of its own */
	bool silent;              /* no "New security context is N" */
	bool detach;              /* return once CMD runs (guests); else wait */
	/* with detach and an init: CMD's stdout and stderr are pipes the caller
	 * copies to its own until CMD ends; then init drains them, so what CMD
	 * leaves running never holds the caller's terminal or pipe open, nor
	 * blocks on a full pipe or dies of SIGPIPE */
	bool relay;
	struct ctx *out;          /* when set: gets the context's record */
	/* host side, once the cgroups exist and before anything runs in them */
	void (*limits)(const struct ctx *c, void *arg);
	/* host side too, after the clone: while the context makes its mounts
	 * (on another CPU), before anything of CMD runs. For what takes long
	 * and needs no inheriting: the BPF programs; aliases it adds go in
	 * c->addr, which the record keeps. */
	void (*programs)(struct ctx *c, void *arg);
	/* inside the new namespaces, as PID 1, before init/CMD; default:
	 * private mount propagation and a fresh /proc */
	void (*setup)(const struct ctx *c, void *arg);
	void *arg;
	char **argv;
	/* a user namespace of its own (lib/userns.c) when userns_size: ids
	 * 0..size-1 inside are base.. on the host; idroot: a tree the caller
	 * shows through it (an idmapped copy), which setup finds in *idtree */
	unsigned userns_base, userns_size;
	const char *idroot;
	int *idtree;
};
/* Create a context and run spec->argv in it; returns the exit status to
 * pass on (CMD's, or 128+signal) */
int ctx_spawn(const struct ctx_spec *spec);
/* Run argv inside existing context xid (root in context 0 only) */
int ctx_join(long xid, uint64_t bset_limit, char **argv);
/* ctx_join's first half: join xid's cgroups and namespaces (the PID
 * namespace applies to children: fork next) and return its record */
void ctx_enter(long xid, struct ctx *c);
/* The last steps before exec: (CF_USERNS: root in its user namespace),
 * seccomp, capabilities (no return on error) */
void ctx_restrict(unsigned flags, uint64_t bset);
/* Wait for pid, forwarding the signals a user sends us; returns 128+sig
 * style exit status */
int wait_forward(pid_t pid);
int exit_code(int wstatus);

/* ---- lib/userns.c: user namespaces (the design is at its top) ---------- */
/* A USERNS=yes guest's range: checked against the others', or chosen and
 * written into NAME.conf; fills g->c.userns_base and _size. Dies. */
struct guest;
void userns_range(struct guest *g);
/* Write /proc/PID/WHICH ("uid_map", "gid_map"): one line; dies */
void userns_map(pid_t pid, const char *which, unsigned inside, unsigned outside, unsigned count);
/* host side, after the clone: the maps, the idmapped root, over sock */
void userns_handoff(pid_t pid, const struct ctx_spec *s, int sock);
/* inside: wait for it; returns the idmapped tree (-1: none) */
int userns_wait(int sock);
/* setresgid, setgroups (when groups: none), setresuid; dies */
void userns_become(uid_t uid, gid_t gid, bool groups);
/* The host ids of root in pid's user namespace (0, 0 outside of one) */
void userns_root_of(pid_t pid, uid_t *uid, gid_t *gid);
/* Make files as uid/gid from now on (setfsuid, setfsgid); dies */
void userns_fsids(uid_t uid, gid_t gid);

/* ---- lib/sbox.c: the personal security box (chcontext as a user) -------- */
enum { SBOX_NET_LOOPBACK, SBOX_NET_NONE };
#define SBOX_MAXBIND 32
struct sbox_spec {
	const char *root;           /* NULL: the host's root (read-only always) */
	int nbind;
	struct { const char *src, *dst; bool ro; } bind[SBOX_MAXBIND];
	bool tmp_home;              /* tmpfs on /tmp and $HOME */
	bool map_root;              /* the user is root inside, else itself */
	int net;                    /* SBOX_NET_*: a netns with lo up, or down */
	uint64_t bset;              /* the ceiling (root inside only) */
	const char *hostname;
	char **argv;
};
/* Run argv in a box; returns its exit status (128+signal style) */
int sbox_run(const struct sbox_spec *s);

/* ---- lib/mount.c: read-only views inside a context ---------------------- */
void mount_ro_tree(const char *top);   /* top and every mount below it */
void mount_ro_bind(const char *path);  /* bind path onto itself, read-only */

/* ---- lib/caps.c: capability sets (libcap) -------------------------------- */
/* Parse "CAP_NET_RAW", "net_raw" or "NET_RAW"; dies (usage) on bad names */
int parse_cap(const char *s, const char *what);
int cap_lookup(const char *s);   /* the same, -1 for an unknown name */
uint64_t caps_all(void);         /* every capability this kernel knows */
uint64_t caps_secure(void);      /* what --secure keeps */
uint64_t caps_default(void);     /* what a context keeps without --secure */
uint64_t caps_bounding(void);    /* this process's bounding set */
/* Lower the bounding set to keep (and inheritable/ambient/permitted with it) */
void caps_reduce(uint64_t keep);
void caps_format(uint64_t set, char *buf, size_t n);
bool caps_have_setpcap(void);   /* may this process lower the bounding set? */

/* ---- lib/seccomp.c: seccomp filters (with an arch check) ----------------- */
enum { SC_SPECTATOR = 1 << 0, SC_LOCK = 1 << 1, SC_GUEST = 1 << 2 };
void seccomp_apply(unsigned what);
/* Landlock: restrict writes and signal/ptrace scope for the spectator */
void landlock_spectator(void);
/* Landlock: a domain that restricts nothing but whom its processes may
 * trace (for contexts keeping CAP_SYS_PTRACE); dies without Landlock */
void landlock_fence(void);
#define CAP_SYS_PTRACE_BIT (1ULL << 19)   /* CAP_SYS_PTRACE, without libcap's header */

/* ---- lib/conf.c: NAME.conf, the guest's settings -------------------------
 * Shell-like KEY=value, KEY="a b", KEY='a b', # comments; never run through
 * a shell ($ and ` are refused). Everything is validated before any side
 * effect; errors read "FILE:LINE: message". */
#define VC_MAXRL 16
struct vc_rlimit { int res; unsigned long long soft, hard; bool set_soft, set_hard; };
struct vconf {
	char name[64];
	int nip;
	struct vc_addr ip[VC_MAXIP];
	char dev[16];               /* IPROOTDEV ("" = add no aliases) */
	int mask;                   /* IPROOTMASK as a prefix, -1 unset */
	bool have_bcast;
	unsigned char bcast[4];     /* IPROOTBCAST */
	bool onboot;
	uint64_t caps_add, caps_drop; /* S_CAPS: CAP adds, !CAP drops */
	long xid;                   /* S_CONTEXT, 0: allocate */
	char hostname[65], domainname[65];
	bool have_nice;
	int nice;                   /* S_NICE */
	unsigned flags;             /* S_FLAGS: CF_* */
	int nrl;
	struct vc_rlimit rl[VC_MAXRL];
	long long nproc;            /* ULIMIT -u: the context's pids.max, -1 unset */
	unsigned long long memory;  /* S_MEMORY bytes, 0 unset */
	unsigned cpu_weight;        /* S_CPU weight=1..10000, 0 unset */
	unsigned cpu_max;           /* S_CPU max=PERCENT of one CPU, 0 unset */
	char init[256];             /* INIT, "" = default */
	int stop_timeout;           /* STOP_TIMEOUT seconds */
	int stopsig;                /* STOPSIG, to a fakeinit PID 1 */
	unsigned sc_allow;          /* S_SECCOMP allow:RULE,...: bit = seccomp_rule();
				       fsflags and subvol too without a disk limit */
	int reboot_limit;           /* REBOOT_LIMIT: restarts a minute by rebootmgr */
	unsigned long long disk_limit;  /* DISK_LIMIT bytes (whole KiB), 0 unset */
	unsigned long long inode_limit; /* INODE_LIMIT, 0 unset */
	int net;                    /* NET_SHARED, or NET=private's NET_MODE */
	bool net_private;           /* NET=private as written; net_mode: NET_MODE, 0 unset */
	int net_mode;
	char bridge[16], uplink[16];    /* BRIDGE, NET_UPLINK ("" unset) */
	bool have_mac, have_gw4, have_gw6;
	unsigned char mac[6];       /* NET_MAC */
	unsigned char gw4[4], gw6[16];  /* NET_GATEWAY (one of each family) */
	bool userns;                /* USERNS=yes: a user namespace of its own */
	unsigned userns_base;       /* USERNS_BASE: host id of its root, 0 unset */
	unsigned userns_size;       /* USERNS_SIZE: ids mapped, 0 unset (default) */
};
enum { NET_SHARED, NET_BRIDGE, NET_ROUTED };
#define USERNS_MIN 65536U           /* no guest id range below: the host's users */
#define USERNS_LAST 4294967294U     /* the last valid id ((uid_t)-1 is none) */
/* Parse text (the contents of file) into c; 0, or -1 with "FILE:LINE: msg" in err */
int conf_parse(const char *file, const char *text, struct vconf *c, char *err, size_t n);
/* Read and parse a file; dies with the FILE:LINE message on any error */
void conf_load(const char *path, struct vconf *c);
/* One fstab-like line of NAME.fstab: SRC TARGET TYPE OPTIONS */
struct vc_mount { char src[256], target[256], type[32], data[256]; unsigned long flags; };
/* Parse NAME.fstab text; returns the count (mounts malloc'd), or -1 with
 * err set and *out NULL */
int conf_fstab(const char *file, const char *text, struct vc_mount **out, char *err, size_t n);
/* Set KEY="value" in the conf file at path (replacing KEY= or #KEY=) */
void conf_set(const char *path, const char *key, const char *value);
/* The same for n keys at once: one new file, which must parse, renamed
 * over the old one; comments, blank lines and order are kept */
void conf_edit(const char *path, int n, const char *const *keys, const char *const *values);
/* KEY's value as written (quotes removed) into out; false when unset */
bool conf_get(const char *path, const char *key, char *out, size_t n);
/* lib/confnet.c: NET, NET_MODE, BRIDGE, NET_MAC, NET_UPLINK, NET_GATEWAY
 * (k: 0..5 in that order); NULL or what is wrong with the value. After
 * the whole file, conf_net_check() sets c->net or says what doesn't fit */
const char *conf_net_key(int k, char *v, struct vconf *c);
const char *conf_net_check(struct vconf *c);
/* Parse a size "512M", "2G", "1048576" (binary units); false when bad */
bool parse_size(const char *s, unsigned long long *out);
/* Guest names: [A-Za-z0-9._-], not starting with '.', 1..63 characters */
bool guest_name_ok(const char *s);

/* ---- lib/path.c: paths inside a guest root, never following its symlinks -- */
/* Open path under the directory root as if root were "/"
 * (openat2 RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS); -1 + errno */
int path_open(int rootfd, const char *path, int flags, mode_t mode);
/* The same, creating missing directories (mode) on the way; dies on error */
int path_mkdirs(int rootfd, const char *path, mode_t mode);
/* rel below dirfd following no symlink at all, not leaving its mount
 * (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV); -1 + errno */
int path_open_beneath(int dirfd, const char *rel, int flags);

/* ---- lib/netlink.c: IP addresses over NETLINK_ROUTE (no libnl) ----------- */
/* Is exactly this address assigned to any interface? -1 + errno on error */
int nl_addr_exists(int family, const void *addr);
/* Add/remove addr/prefix on interface dev (bcast: IPv4 broadcast or NULL) */
int nl_addr_add(const char *dev, int family, const void *addr, int prefix, const void *bcast);
int nl_addr_del(const char *dev, int family, const void *addr, int prefix);
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
/* Before anything is done: BRIDGE, NET_UPLINK exist; dies naming what not */
void netns_check(const struct guest *g);
/* Host side, once the guest (host pid) has its namespace: the veth pair,
 * addresses, routes, proxies, the anti-spoofing rules; undo pushed */
void netns_setup(const struct guest *g, pid_t pid);
/* Remove what $RUNDIR/net/NAME lists (veth, table, proxy entries), then it */
void netns_repair(const char *name);
/* The status lines: mode, host end, the guest's interfaces and addresses */
void netns_status(const struct guest *g, pid_t pid);
void nft_spoof_add(const char *name, const struct netns_names *n, const unsigned char *mac,
		   const struct vc_addr *ip, int nip);
void nft_spoof_del(const char *name, const char *table);

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
	char *argv[16];             /* what start runs: INIT or the guest's rc */
	char argbuf[256];
	bool rc;                    /* argv is a SysV rc taking a runlevel */
	int lockfd;                 /* guests/NAME.lock while we act */
	unsigned cgwant;            /* CG_* its limits need */
	int idtree;                 /* USERNS: its idmapped root, in the new context */
};
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
 * held by another guest root, /etc/projid, or any use or limit there */
unsigned quota_alloc_id(int fd);
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

/* lib/lback6.c: the private IPv6 loopback PREFIX::XID; the prefix: false if none */
bool lback6_prefix(struct netaddr *pfx);
void lback6_addr(const struct netaddr *pfx, long xid, struct netaddr *out);

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
};
/* Parse chbind's options (argv[0] is "chbind"); returns the index of CMD.
 * Every address is probed (netaddr_probe): nesting can only narrow. */
int netlock_args(int argc, char **argv, struct netlock *nl, const char *usage);
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
/* Remove it and the empty cgroups below it (nothing if processes remain) */
void netlock_rmcg(const char *path);
/* Remove the chbind-* cgroups under the v2 base that nobody holds and no
 * process is in any more */
void netlock_gc(void);

/* ---- lib/copy.c: copying trees into a guest root (never following links) -- */
/* Copy src's contents into dstfd (exclude: fnmatch patterns relative to
 * src); device nodes and sockets are skipped. Returns the file count */
unsigned long copy_tree(const char *src, int dstfd, const char *const *exclude, int nexclude,
			bool progress);
/* Remove device nodes and sockets anywhere under dirfd */
void sweep_devices(int dirfd);
/* Remove everything under dirfd (not crossing mounts, never following
 * symlinks), then name itself from parentfd; -1 + errno on failure */
int remove_tree(int parentfd, const char *name);

/* ---- lib/proc.c: one pass over /proc (vps, vpstree, vtop) ----------------
 * stat is read for every process; cmdline (PR_ARGS) and status (PR_STATUS:
 * the uid, and the exact RSS, which stat gives only roughly) only when asked. keep() sees the bare pid first: a process it refuses costs no
 * file read. Times are in clock ticks (start: since boot), sizes in KiB. */
enum { PR_ARGS = 1 << 0, PR_STATUS = 1 << 1 };
struct proc {
	pid_t pid, ppid, pgrp, sid, tpgid;
	long xid;                      /* the caller fills it (ctxmap_xid) */
	uid_t uid;                     /* effective; PR_STATUS, else 0 */
	char state;                    /* R S D Z T ... */
	bool kthread;
	int tty, prio, nice, nlwp;     /* tty: stat's tty_nr */
	unsigned long long utime, stime, start, vsz, rss;
	char comm[64];
	const char *args;              /* PR_ARGS: argv joined by spaces, "" if none */
};
struct proclist { int n; struct proc *p; char *pool; size_t pool_len; };
int proc_scan(struct proclist *l, unsigned want, bool (*keep)(pid_t pid, void *arg), void *arg);
void proc_free(struct proclist *l);
int proc_read(pid_t pid, unsigned want, struct proc *p);   /* no PR_ARGS; -1 gone */
int proc_parse_stat(const char *buf, struct proc *p);
void proc_printable(char *s);   /* control chars, bad UTF-8 -> '?', in place */
double proc_uptime(void);                          /* seconds since boot */
unsigned long long proc_meminfo(const char *key);  /* KiB, e.g. "MemTotal" */
time_t proc_boottime(void);
long proc_hz(void);
const char *proc_tty(int tty, char *buf, size_t n);            /* "pts/3", "?" */
const char *proc_stat_str(const struct proc *p, char *buf, size_t n);  /* "Ss+" */
const char *proc_user(uid_t uid);                              /* name or number */
const char *fmt_bsdtime(unsigned long long ticks, char *buf, size_t n);  /* M:SS */
const char *fmt_dhms(unsigned long long secs, bool shrt, char *buf, size_t n);
const char *fmt_kib(unsigned long long kib, char *buf, size_t n);       /* 12.3M */

/* ---- lib/pidctx.c: which context a process is in -------------------------
 * From each context's cgroup.procs (read in our PID namespace), so it works
 * on the host, in the spectator and inside a context alike. */
struct pxent { pid_t pid; int ci; };
struct ctxmap {
	int nctx;
	struct ctx *ctx;               /* every record (ctx_list) */
	int n;
	struct pxent *e;               /* pid -> index in ctx, sorted by pid */
	bool inside;                   /* we run inside a context */
	long self;                     /* inside: its xid, -1 unknown; host: 0 */
};
bool in_host_pidns(void);          /* the registry's (the host's) PID namespace? */
void ctxmap_load(struct ctxmap *m);
void ctxmap_free(struct ctxmap *m);
long ctxmap_xid(const struct ctxmap *m, pid_t pid);            /* 0 host, -1 unknown */
const struct ctx *ctxmap_ctx(const struct ctxmap *m, long xid);
const char *ctxmap_name(const struct ctxmap *m, long xid);     /* MAIN, name, "-", "?" */
long ctxmap_by_name(const struct ctxmap *m, const char *name); /* -1: none */
/* Every pid in the context's tracking cgroup and those below it (malloc'd) */
int ctx_procs(const struct ctx *c, pid_t **pids);
int ctx_tasks(const struct ctx *c);   /* its threads, the same way; -1: gone */
/* The context of the process a pidfd (opened first) refers to, pid being
 * its number here; checked against pid reuse. -1 + errno when it is gone */
long pidfd_ctx(int pidfd, pid_t pid, const struct ctxmap *m);

/* ---- lib/seccomp.c: the default guest filter (SC_GUEST) -----------------
 * Named rules (module kexec reboot swap keyring bpf perf ...); a guest's
 * S_SECCOMP="allow:NAME,..." lifts some, set with seccomp_loosen() before
 * ctx_restrict()/ctx_spawn() of a CF_GUEST context. */
int seccomp_rule(const char *name);      /* rule index, -1 unknown */
const char *seccomp_rule_names(void);    /* "module kexec ..." for messages */
void seccomp_loosen(unsigned allow);     /* bit i lifts rule i */
/* The reboot(2) filter of a guest's boot processes (lib/reboot.c): the
 * commands a PID namespace knows go to a user-notification listener
 * (notify: returned) or to the kernel (0 returned); CAD_ON/OFF do nothing
 * and succeed, the rest is EPERM. Lifts the guest set's reboot rule for
 * this process. Dies on error. */
int seccomp_reboot_filter(bool notify);

/* ---- lib/devcg.c: a guest's device allowlist (null zero full random
 * urandom tty ptmx pts) --------------------------------------------------- */
struct devallow { int major, minor; };  /* a character device; minor -1: all */
extern const struct devallow devcg_allow[];  /* the list, for v1 and BPF alike */
extern const size_t devcg_nallow;
void devcg_v1(const char *dir);          /* v1 devices controller; dies;
					    cgroup v2: bpfnet_devices() */

/* ---- lib/bpf.c: bpf(2) for cgroup programs ------------------------------- */
union bpf_attr;
long bpf_sys(int cmd, union bpf_attr *attr);
/* a program fd, or -1 + errno; with log, bpf_log() holds the verifier's */
int bpf_load(int type, int attach, const void *insn, int n, const char *name, bool log);
char *bpf_log(void);
int bpf_attach(int cgfd, int prog, int attach, bool detach);   /* ALLOW_MULTI */
/* BPF_OBJ_GET_INFO_BY_FD into info (a struct bpf_prog_info or
 * bpf_map_info of len bytes, zeroed or with its wanted arrays set): 0 or -1 */
int bpf_info(int fd, void *info, uint32_t len);

/* ---- lib/reboot.c: rebootmgr's protocols and clients --------------------
 * A guest asks over the socket at its /dev/reboot ("reboot" or "halt", one
 * line; answered "ok" or "error: WHY"); the host's vserver start and stop
 * over $VSBOX_RUNDIR/rebootmgr.sock ("add NAME XID PID START" with the
 * guest's reboot(2) listener attached, "del NAME XID"). */
#define RB_LINE_MAX 128
enum { RB_REBOOT = 1, RB_HALT, RB_ADD, RB_DEL };
struct rb_req {
	int verb;                      /* RB_* */
	char name[64];                 /* add, del */
	long xid;
	pid_t pid;                     /* add: the guest's init, its start time */
	unsigned long long start;
};
/* One request line at buf (len bytes, not NUL-terminated): a guest's, or
 * with ctl a control one. The length of the line with its newline, 0 when
 * no newline came yet (and len < RB_LINE_MAX), -1 when bad (*why says) */
int rb_parse(const char *buf, size_t len, bool ctl, struct rb_req *r, const char **why);
/* sendmsg with one descriptor attached (passfd >= 0), no SIGPIPE */
ssize_t rb_send(int fd, const void *buf, size_t n, int passfd);
/* recvmsg: *gotfd the descriptor sent along (close-on-exec), else -1 */
ssize_t rb_recv(int fd, void *buf, size_t n, int *gotfd, int flags);
void rb_path(const char *what, char *buf, size_t n);   /* $RUNDIR/rebootmgr.WHAT */
/* vreboot, vhalt: send RB_REBOOT or RB_HALT to the socket, the answer
 * line in reply; -1 + errno when there is no answer */
int rb_ask(const char *sock, int verb, char *reply, size_t n);
/* the control socket: a connection, -1 + errno when no rebootmgr runs; a
 * request and its answer (5 s at most) */
int rbctl_connect(void);
int rbctl_call(int fd, const char *line, int passfd, char *reply, size_t n);
/* A guest's start and stop (lib/guest.c): prepare before the clone,
 * child() in the new context (from its setup, last), done() once it runs;
 * stop() before a stop touches it */
struct rb_start { int mode, ctl, sp[2]; };
void reboot_start_prepare(const struct guest *g, struct rb_start *s);
void reboot_start_child(struct rb_start *s);
void reboot_start_done(struct rb_start *s, const char *name, const struct ctx *c);
void reboot_stop(const char *name, long xid);

/* ---- lib/rebootd.c: the rebootmgr daemon (the design is at its top) -----
 * Runs until SIGTERM or SIGINT (0); ready() once it listens and knows every
 * running guest; dies on a setup error */
int rebootd_run(bool use_syslog, void (*ready)(void));
/* ---- lib/rebootd.c and lib/rebootg.c: rebootmgr's two halves ------------
 * rebootd.c: the daemon (its loop, log, control socket, the registry);
 * rebootg.c: one guest (its socket, connections, reboot(2), acting). */
#define RB_BURST 5              /* requests a guest may make at once */
#define RB_REFILL_MS 1000       /* then one more each */
#define RB_GCONN 4              /* open connections of one guest */
#define RB_CONNS 256            /* open connections in all */
#define RB_CONN_MS 2000         /* time to send one line */
#define RB_LOGS 20              /* log lines about one guest a minute */
#define RB_HIST 64              /* restarts remembered (REBOOT_LIMIT's cap) */
#define CAP_SYS_BOOT_BIT 22

/* what an epoll event is about (data.u64: kind | slot << 8) */
enum { K_SIG, K_CTL, K_GSOCK, K_GNOTIF, K_GPID, K_CONN };

struct rguest {
	int slot;                       /* in rbd.g */
	char name[64];
	long xid;
	pid_t pid;                      /* its init, and that init's start time */
	unsigned long long start;
	int pidfd, lsock, notif, devfd; /* -1: none */
	int pending;                    /* asked by reboot(2): act once init ends */
	pid_t child;                    /* our vserver restart or stop of it */
	int child_verb;
	int next_verb;                  /* asked again while the child ran */
	int nconn;
	bool lw, nw;                    /* lsock, notif in the epoll set */
	int tokens;
	uint64_t refill, resume;        /* ms; resume: paused until then */
	uint64_t hist[RB_HIST];         /* when it was restarted (ms) */
	int nhist;
	unsigned logs, dropped;
	uint64_t logwin;
};

struct rconn {
	int fd, slot;                   /* slot: its guest, -1: control */
	uint64_t deadline;
	size_t len;
	char buf[RB_LINE_MAX];
};


struct rbd {
	bool syslog;
	int ep, sfd, ctl;
	struct rguest **g;              /* by slot; NULL: free */
	int ng;
	struct rconn **c;               /* connections, by slot */
	int nc, nconn;
	unsigned seq;
	char self[PATH_MAX];            /* the vsbox binary */
};
extern struct rbd rbd;
uint64_t rbd_now(void);                 /* ms */
void rbd_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* about one guest: at most RB_LOGS lines a minute */
void rbd_glog(struct rguest *g, int prio, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void rbd_watch(int fd, int kind, int slot, unsigned events);
void rbd_unwatch(int fd);
void rbd_close_fd(int *fd);             /* unwatch, close, -1 */
int rbg_slot(const struct rguest *g);
struct rguest *rbg_find(const char *name);
struct rguest *rbg_new(const char *name);
/* take on the running instance c (notif: its listener, or -1): 0, or -1
 * with *why; let go of it (the entry stays); forget the guest */
int rbg_attach(struct rguest *g, const struct ctx *c, int notif, const char **why);
void rbg_detach(struct rguest *g);
void rbg_drop(struct rguest *g);
void rbg_resume(struct rguest *g);      /* throttled no more */
/* put its socket and listener in the epoll set, or out, as its budget and
 * the free places say */
void rbg_update(struct rguest *g);
void rbg_child_done(pid_t pid, int status);
int rbg_new_conn(int fd, int slot);     /* slot -1: control */
void rbg_close_conn(int i);
void rbg_answer(int i, const char *line);       /* then closed */
void rbg_accept(int slot);              /* the guest's socket is readable */
void rbg_line(int i);                   /* a guest's connection is */
void rbg_notified(int slot, unsigned events);   /* its listener is */
void rbg_init_gone(int slot);           /* its init's pidfd is */
/* ---- lib/reboothold.c: the holder, which keeps the guests' reboot(2)
 * listeners while no rebootmgr runs ----------------------------------------- */
bool rbhold_reachable(void);
void rbhold_put(long xid, unsigned long long start, int fd);
/* rebootmgr: take what a holder has (adopt: 0 = taken, else it is closed),
 * or start one; after a change, give it the current set (kept(k): the k-th
 * listener, -1 past the last); at the end, end it unless keep */
void rbhold_init(int (*adopt)(long xid, unsigned long long start, int fd));
void rbhold_changed(void);
void rbhold_sync(int (*kept)(int k, long *xid, unsigned long long *start));
void rbhold_exit(bool keep);

/* ---- lib/sha256.c ---------------------------------------------------------- */
struct sha256 { uint32_t h[8]; uint64_t len; unsigned char buf[64]; };
void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t n);
void sha256_final(struct sha256 *s, unsigned char out[32]);

/* ---- lib/uwalk.c: walking a guest root, never following its links -------- */
struct uwalk {
	/* every entry below the root but those excluded, before a directory's
	 * contents; dirfd/name is it, w->path its path from the root */
	void (*visit)(struct uwalk *w, int dirfd, const char *name, const struct stat *st);
	const char *const *exclude;  /* fnmatch patterns on w->path ("/etc") */
	int nexclude;
	char path[PATH_MAX];
	dev_t dev;                   /* the root's: other devices are not entered */
	unsigned long errors;        /* entries that could not be read */
};
int uwalk_run(struct uwalk *w, int rootfd);   /* -1 + errno: no root */
bool uwalk_excluded(const char *const *pat, int n, const char *path);

/* ---- lib/fiemap.c: extents, and filesystems that can share them ---------- */
struct fext { uint64_t logical, phys, len; unsigned flags; };
/* fd's extents (malloc'd); count, or -1 + errno (EOPNOTSUPP: no FIEMAP) */
int fiemap_get(int fd, struct fext **out);
bool fext_placed(const struct fext *e);   /* has a disk address of its own */
bool fext_shared(const struct fext *e);   /* another file refers to it too */
/* the same placed extents (two names for the same data) */
bool fext_same(const struct fext *a, int na, const struct fext *b, int nb);
/* NULL when fd's filesystem can share extents (FIDEDUPERANGE), else why not */
const char *fs_reflink_missing(int fd);
const char *fs_name(int fd, char *buf, size_t n);   /* "btrfs", "xfs", ... */
const char *fs_magic_name(unsigned long magic);    /* lib/quota.c; NULL: unknown */
/* One key per filesystem (btrfs subvolumes included): 0, or -1 + errno */
int fs_key(int fd, char *buf, size_t n);

/* ---- lib/du.c: unification-aware disk usage (vdu) ------------------------ */
struct du_figs {
	unsigned long long total, shared, own;   /* bytes */
	unsigned long files, nofiemap, errors;
};
struct iset;
struct du_state {                  /* what several trees have, for the sum */
	struct fext *ext;
	size_t n, cap;
	struct iset *seen;
	unsigned long long loose;
};
/* The figures of the tree at rootfd, remembered in s; -1 + errno */
int du_tree(struct du_state *s, int rootfd, struct du_figs *f);
/* f->own set to the sum of the trees' own bytes: total and shared of them
 * all, shared data counted once */
void du_total(struct du_state *s, struct du_figs *f);
void du_free(struct du_state *s);

/* ---- lib/unify.c: the files guests have in common (vunify) --------------- */
struct ucand {                     /* one inode of one guest */
	int guest;                     /* index in unify.g */
	uint32_t path;                 /* its path from the guest's root (pool) */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	nlink_t nlink;
	unsigned names;                /* names of it found in its guest */
	bool dropped;                  /* unreadable, or changed: left alone */
	unsigned char csum[32], xsum[32];  /* content and xattr digests */
	struct fext *x;                /* its extents, while its group is handled */
	int nx;
};
struct uguest {
	char name[64];
	int rootfd;
	int fs;                        /* which filesystem (an index) */
	char **conff;                  /* its dpkg conffiles, sorted */
	int nconff;
};
struct unify {
	int ng;
	struct uguest *g;
	struct ucand *c;
	size_t n, cap;
	char *pool;
	size_t plen, pcap;
	char **excl;
	int nexcl;
	bool dry, tty;                 /* tty: progress on stderr */
	off_t min_size;
	uint64_t shown;
	unsigned long scanned, hashed, unified, already, changed, refused, failed, outside, errors;
	unsigned long long saved;      /* bytes */
};
/* The exclude patterns: .defaults/vunify-exclude or the built-in list, then
 * FILE's (extra, may be NULL); dies with FILE:LINE */
void unify_excludes(struct unify *u, const char *extra);
int unify_scan(struct unify *u, int gi);       /* guest gi's candidates; -1 + errno */
/* Group the candidates, read those that may be equal, and call method for
 * each set of identical files spanning two guests or more */
void unify_run(struct unify *u, void (*method)(struct unify *u, struct ucand *m, size_t n));
void unify_progress(struct unify *u, bool last);
/* c opened by its path again, still the inode the walk saw; -1 + errno */
int ucand_open(const struct unify *u, const struct ucand *c);
bool ucand_same(const struct ucand *c, const struct stat *st);
/* lib/ureflink.c: share the members' extents with the first one's */
void unify_reflink(struct unify *u, struct ucand *m, size_t n);

/* ---- lib/migrate.c: vserver NAME copy|move [USER@]HOST[:NEWNAME] ---------
 * The source side: pre-flight on the target, rsync passes (over ssh, or
 * local with HOST "."), a short stop and a final pass for a move, then the
 * start there; lib/migrecv.c is the target's half ("vserver NEWNAME recv",
 * one session holding the target's lock, which undoes everything unless
 * told to commit). args: what follows the command; exit status. */
int guest_migrate(const char *name, char **args, bool move);
int guest_recv(const char *name, char **args);
/* vserver NAME start (or stop) in a child, whose die() ends only it; the
 * child first closes the n descriptors given; exit status */
int guest_fork_cmd(const char *name, bool start, bool quiet, const int *closefds, int n);
#define MIGRATE_PROTO 1
/* lib/mchan.c: the line channel between the two */
struct mchan { int in, out; size_t off, len; char buf[8192]; };
void mchan_init(struct mchan *ch, int in, int out);
int mchan_getline(struct mchan *ch, char *line, size_t n);    /* -1: EOF, too long */
int mchan_read(struct mchan *ch, char *buf, size_t n);        /* exactly n */
int mchan_write(struct mchan *ch, const void *buf, size_t n);
int mchan_printf(struct mchan *ch, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* lib/mtree.c: a guest tree's size and its immutable/append-only files */
struct mlink { ino_t ino; nlink_t nlink, seen; };
struct mtree {
	unsigned long long bytes, inodes;
	int nflag, capflag;
	struct { unsigned flags; char *path; } *flag;
	size_t nlink, caplink;
	struct mlink *link;            /* files with several links, by inode */
	unsigned long outlinks;        /* files linked from outside the tree */
};
void mtree_scan(int rootfd, struct mtree *t);     /* dies if unreadable */
void mtree_free(struct mtree *t);
void mtree_escape(const char *s, char *out, size_t n);   /* dies if too long */
int mtree_unescape(const char *s, char *out, size_t n);  /* -1: bad */
/* set (on) or clear the FS_IMMUTABLE_FL/FS_APPEND_FL bits in flags on rel
 * under rootfd (lib/path.c); -1 + errno */
int mtree_setflags(int rootfd, const char *rel, unsigned flags, bool on);

#endif
