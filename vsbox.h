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
#include <dirent.h>
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

/* A static buffer or table of 2 KiB or more goes to .lbss, which ld
 * places after .bss: the small variables then share a few pages, and a
 * process that keeps only those (the spawner, lib/spawner.c) gives every
 * buffer back in one call. */
#define BIG __attribute__((section(".lbss")))

/* ---- main.c: the applet registry ---------------------------------------- */
#define APPLET(name, flags) int name##_main(int argc, char **argv);
#include "applets/applets.h"
#undef APPLET

/* ---- lib/err.c: errors and the undo stack --------------------------------
 * Messages read "APPLET: what failed: why". die() unwinds the undo stack
 * (newest first) before exiting 1, so a failed start leaves nothing behind. */
extern const char *applet_name;
/* main's frame: the top of what a long-lived init may give back (lib/context.c) */
extern uintptr_t vsbox_stack_top;
/* where main's argv strings lie, [start, end): a process that lives on
 * in a start's memory writes its own name there (lib/spawner.c) */
extern char *vsbox_args[2];
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
void trace_clock_moved(uint64_t by);    /* the monotonic clock jumped (a time namespace) */
int trace_fileno(void);  /* its descriptor, or -1 (close_range_from keeps it) */
/* A usage text (--help). An applet writes it in full at its top,
 *   USAGE(vkill, usage,
 *   "usage: vkill [-s SIG] [--xid N] PID...\n"
 *   ...);
 * and the preprocessor drops the text: build/helpgen.c reads every USAGE()
 * of the sources and stores the texts packed (lib/lz.c) in the generated
 * build/obj/help.c, which defines usage_vkill_usage. */
struct usage_pack {
	const unsigned char *z;
	unsigned zn, n;                 /* its size, packed and unpacked */
};
struct usage {
	const struct usage_pack *pack;  /* the texts of all applets */
	unsigned off, len;              /* this one's place, unpacked */
};
#define USAGE(app, var, text) \
	extern const struct usage usage_##app##_##var; \
	static const struct usage *const var = &usage_##app##_##var
/* Print usage text and exit 0 (--help) */
_Noreturn void show_usage(const struct usage *usage);

/* ---- lib/opt.c: range-checked argument parsing (errors exit 2) ----------- */
long parse_long(const char *s, long lo, long hi, const char *what);
int parse_signal(const char *s, const char *what);
/* Run getopt_long over argv with the applet's table; handles --help itself.
 * Options stop at the first non-option (like "+" getopt). */
int opt_next(int argc, char **argv, const char *shortopts,
	     const struct option *longopts, const struct usage *usage);

/* ---- lib/lz.c: the packing of the texts kept compressed (--help) -------- */
/* IN (N bytes) packed into OUT: the packed size, 0 when CAP is too small */
size_t lz_pack(const unsigned char *in, size_t n, unsigned char *out, size_t cap);
/* Z (ZN bytes) unpacked into OUT's N bytes: false on a damaged stream */
bool lz_unpack(const unsigned char *z, size_t zn, unsigned char *out, size_t n);

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

/* ---- lib/pglob.c: shell patterns on paths (no fnmatch) ------------------ */
/* fnmatch(PAT, PATH, FNM_PATHNAME | FNM_LEADING_DIR) == 0: PAT matches PATH
 * or a directory above it */
bool pglob_match(const char *pat, const char *path);

/* ---- lib/scan.c: words and numbers from text (no sscanf, no strtod) ------ */
/* split S in place at blanks into at most MAX words; their count */
int split_words(char *s, char **w, int max);
/* word I (from 0) of S into BUF; false if S has no such word or it won't fit */
bool word_at(const char *s, int i, char *buf, size_t size);
/* the whole of S as a number: digits only (base 10 or 16), no overflow */
bool scan_ull(const char *s, int base, unsigned long long *out);
bool scan_ll(const char *s, long long lo, long long hi, long long *out);
/* a decimal fraction "12.345" times 10^DIGITS (further digits cut) */
bool scan_fixed(const char *s, int digits, long long *out);
/* the value of two hex digits at S, -1 if they are not */
int hex2(const char *s);

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
/* lib/relay.c: what carries a guest rc's stdout (a pty: [0] master, [1]
 * slave) and stderr (a pipe) to us: close-on-exec, our read ends
 * non-blocking; -1 (errno set) when they can't be made */
int relay_pipes(int out[2], int err[2]);
/* Copy what the non-blocking pipe or pty master rd holds to fd (CRLF
 * as LF). A write that fails (the reader went away) clears
 * *ok, and from then on what comes is read and dropped. false once rd is
 * at its end (every writer gone). */
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
/* A directory listed without malloc: opendir() allocates a DIR that
 * musl's malloc maps and unmaps again each time (a page fault and a TLB
 * flush per listing). On the caller's stack; entries as readdir() gives. */
struct xdir { int fd, pos, len; _Alignas(8) char buf[2048]; };
bool xdir_open(struct xdir *d, int dirfd, const char *path);   /* false + errno */
struct dirent *xdir_read(struct xdir *d);                      /* NULL at the end */
void xdir_close(struct xdir *d);
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
const char *feat_iunlink_why(void);  /* what its probe found ("not on tmpfs (...)") */
int feat_cow_link(const char *dir);  /* copy-on-write link breaking */
int feat_overlay(const char *dir);   /* overlayfs data-only layers + metacopy (lib/uovl.c) */
const char *feat_overlay_why(void);
int feat_overlay_idmap(const char *dir);   /* ... with idmapped layers (USERNS guests) */
const char *feat_overlay_idmap_why(void);
int feat_meminfo(void);              /* memory-honest /proc/meminfo, sysinfo(2) */
/* kernel/patches 0004: a cgroup's view of sockets, interfaces, mount roots
 * (prctl; lib/gview.c kview_set); PR_GET answers EINVAL without it */
#define PR_SET_VSBOX_VIEW 0x76737601
#define PR_GET_VSBOX_VIEW 0x76737602
/* set (on) or clear FS_IOC_SETFLAGS bits on fd: 0 or -1 + errno */
int fd_setflags(int fd, unsigned bits, bool on);
#ifndef FS_IXUNLINK_FL
#define FS_IXUNLINK_FL 0x08000000    /* kernel/patches 0001 */
#endif
/* vsbox --check-kernel: print every feature vsbox uses and who needs it */
int check_kernel(const char *dir);

/* ---- lib/cgroup.c: cgroup v1 and v2 hierarchies --------------------------
 * A context gets one directory, named by its xid, under VSBOX_CGROUP_BASE in
 * each hierarchy it needs. The base is absolute (from each hierarchy's root)
 * or relative to the caller's own cgroup in that hierarchy. */
enum {
	CG_V2 = 1 << 0, CG_PIDS = 1 << 1, CG_MEMORY = 1 << 2, CG_CPU = 1 << 3,
	CG_CPUACCT = 1 << 4, CG_FREEZER = 1 << 5, CG_DEVICES = 1 << 6,
	CG_BLKIO = 1 << 7, CG_CPUSET = 1 << 8,
};
#define CG_MAX 10
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
/* the same for one controller ("cpuset") */
void cg_delegate_one(const struct cg_hier *h, const char *dir, const char *ctrl);
int cg_write(const char *dir, const char *file, const char *val);  /* -1 + errno */
void xcg_write(const char *dir, const char *file, const char *val);
/* Move the calling process, which must have one thread, into dir. On v1
 * that is a thread move ("0" to tasks), which takes no global lock: a
 * process move (cgroup.procs) waits for an RCU grace period unless another
 * one just did, ~0.5-1 ms against ~40 us. v2 has only the process move. */
void xcg_join(const char *dir);
/* Number of processes in the cgroup dir and below (0 = empty), -1 if it is gone */
int cg_nprocs(const char *dir);
/* Read the pids of cgroup.procs, dir's and its sub-cgroups', into *pids
 * (malloc'd); returns count or -1 */
int cg_pids(const char *dir, pid_t **pids);
/* Does the v2 tree have cgroup.kill (5.14+)? VSBOX_NO_CGROUP_KILL=1 says
 * no (tests); without it contexts also get a v1 freezer cgroup */
bool cg_can_kill(void);
/* Kill every process in the cgroup: cgroup.kill on v2, else freeze, kill
 * and thaw with the v1 freezer, else a SIGKILL loop over cgroup.procs */
void cg_kill(const char *dir);
/* The same for a context's directories: the one that kills whole first */
void cg_kill_all(char (*dirs)[CG_PATH], int n);
/* rmdir (its sub-cgroups first), retrying briefly while the last tasks
 * finish exiting */
int cg_rmdir(const char *dir);

/* ---- lib/ctx.c: the context registry (VSBOX_RUNDIR) ----------------------
 * One record per live context: $RUNDIR/ctx/XID, "key=value" lines. Records
 * are written under the registry lock, atomically (tmp + rename). */
/* $RUNDIR/FILE: what a start found out once and may take as true until
 * the next boot, as long as KEY (what else it depends on; may be "") is
 * the same. run_note: its value into val (n bytes), false if there is none
 * for this boot and key; run_note_set: best effort (a start does not fail
 * for want of it), through FILE.PID and a rename */
bool run_note(const char *file, const char *key, char *val, size_t n);
void run_note_set(const char *file, const char *key, const char *val);
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
       CF_USERNS = 1 << 7 /* in a user namespace of its own: enter as root there */,
       CF_ABSUNIX = 1 << 8 /* on the host's network stack: abstract unix sockets scoped */ };
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
	/* CMD's process only (not init), after the ceiling and filters, just
	 * before exec: its working directory, its user (vfork child: syscalls
	 * only) */
	void (*prep)(void *arg);
	void *arg;
	char **argv;
	/* a user namespace of its own (lib/userns.c) when userns_size: ids
	 * 0..size-1 inside are base.. on the host; idroot: a tree the caller
	 * shows through it (an idmapped copy), which setup finds in *idtree */
	unsigned userns_base, userns_size;
	const char *idroot;
	int *idtree;
	bool idplain;             /* idroot's ids are shifted already (USERNS_CHOWN):
				     shown as they are, not idmapped */
	/* with detach: wait at most timeout_ms (0: no limit) for CMD to end
	 * (an init's report); past it the context is killed and removed and
	 * *timedout set */
	int timeout_ms;
	bool *timedout;
	/* inside, as PID 1, right after its cgroup namespace is made ("go"):
	 * what needs the context's own view of the cgroup tree */
	void (*after_go)(const struct ctx *c, void *arg);
};
/* Create a context and run spec->argv in it; returns the exit status to
 * pass on (CMD's, or 128+signal) */
int ctx_spawn(const struct ctx_spec *spec);
/* Static memory (an applet's state, a guest's parsed config) that a
 * context's long-lived init never reads again once its CMD runs: init
 * gives its pages back (at most 4 regions) */
void ctx_forget(void *p, size_t n);
/* the whole pages of [p, p + n) given back (MADV_DONTNEED): they read as
 * zeroes after (init's trimmed stack, the fakeinit spawner's buffers) */
void mem_give_back(uintptr_t p, uintptr_t n);
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
/* no failed-setup report at exit: a process living on in the start's memory */
void setup_forget(void);

/* ---- lib/spawner.c: the process in a guest's Landlock domain that forks
 * what vserver exec, enter, suexec, service and stop run (the design is at
 * its top) ------------------------------------------------------------- */
struct winsize;
enum { SPAWN_SETSID = 1, SPAWN_CTTY = 2 };
struct spawn_cmd {
	const char *file;         /* execvp()ed */
	char **argv, **envp;
	const char *cwd;          /* else "/" */
	unsigned uid, gid;
	int ngroups;
	const unsigned *groups;
	int fds[3];               /* its stdin, stdout, stderr */
	unsigned flags;           /* SPAWN_SETSID, SPAWN_CTTY (fd 0 a pty slave) */
	const struct winsize *ws; /* or NULL */
};
/* host, before the clone: its listening socket $RUNDIR/ctx/XID.sock and
 * the vsbox binary (dies) */
void spawner_open(long xid);
/* in the guest's first process: one to start? start it, between the
 * Landlock domain and the capability ceiling (lib/context.c) */
bool spawner_pending(void);
void spawner_fork(bool fakeinit, uint64_t bset);
/* in the guest's first process, just before its exec */
void spawner_first_exec(void);
/* host after the clone, init after CMD's start (unmap: its stack) */
void spawner_drop(bool unmap);
extern volatile pid_t spawner_pid;  /* under vsbox's init; 0: gone */
/* the new spawner: exec a fresh image of exe on lfd */
_Noreturn void spawner_exec_self(int lfd, int exe, bool nudge_init);
/* vsbox's init, the spawner its child for good: does any process of our
 * PID namespace (all descend from init) remain besides it and spawner? */
bool spawner_others(pid_t spawner);
/* main.c: that image (argv[0] "vsbox-spawner") */
int spawner_main(int argc, char **argv);
/* host: a connection to xid's spawner; -1: it has none, -2: it is gone
 * (killed inside) */
int spawner_connect(long xid);
/* host: hand cmd over conn; returns once it runs (signals we get are
 * forwarded to it from then on) */
void spawner_send(int conn, const struct spawn_cmd *cmd);
/* host: its exit code, exit_code() style; closes conn */
int spawner_wait(int conn);

/* ---- lib/userns.c: user namespaces (the design is at its top) ---------- */
/* A USERNS=yes guest's range: checked against the others', or chosen and
 * written into NAME.conf; fills g->c.userns_base and _size. Dies. */
struct guest;
void userns_range(struct guest *g);
/* Write /proc/PID/WHICH ("uid_map", "gid_map"): one line; dies */
void userns_map(pid_t pid, const char *which, unsigned inside, unsigned outside, unsigned count);
/* A detached copy of the mount tree at path (recursive: and the mounts
 * below), nodev, idmapped through user namespace ns (-1: not); -1 + errno */
int userns_clone(const char *path, int ns, bool recursive);
/* A user namespace mapped 0..size-1 -> base.. for uids and gids, made
 * for idmapped mounts (its maker gone); -1 + errno */
int userns_fd(unsigned base, unsigned size);
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
/* the same with system calls only (no allocation: for a child that shares
 * our memory), all: caps_all(), asked before; 0, or -1 */
int caps_reduce_raw(uint64_t keep, uint64_t all);
void caps_format(uint64_t set, char *buf, size_t n);
bool caps_have_setpcap(void);   /* may this process lower the bounding set? */

/* ---- lib/seccomp.c: seccomp filters (with an arch check) ----------------- */
enum { SC_SPECTATOR = 1 << 0, SC_LOCK = 1 << 1, SC_GUEST = 1 << 2 };
void seccomp_apply(unsigned what);
/* Landlock: restrict writes and signal/ptrace scope for the spectator */
void landlock_spectator(void);
/* Landlock: a domain for a context's command. fence: one that restricts
 * nothing but whom its processes may trace (for contexts keeping
 * CAP_SYS_PTRACE; dies without Landlock); unix_scope: no connect or send
 * to abstract unix sockets made outside it (ABI 6; nothing before) */
void landlock_enter(bool fence, bool unix_scope);
/* a guest's spawner: reboot(2) EPERM for it and all it forks (needs
 * CAP_SYS_ADMIN); 0, or -1 with errno (system calls only) */
int seccomp_deny_reboot(void);
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
	char cpuset[256];           /* S_CPUSET: a CPU list as the kernel writes
				       it ("1", "0-3,6"), "" unset */
	int lxcfs;                  /* LXCFS: LX_AUTO (default), LX_YES, LX_NO */
	bool unix_scope;            /* UNIX_SCOPE: Landlock-scoped abstract sockets (default yes) */
	bool unix_scope_asked;      /* UNIX_SCOPE=yes written: the kernel must have the scope */
	char init[1024];            /* INIT, "" = default (words: conf_words) */
	char env[4096];             /* ENV: NAME=VALUE words for init, "" = none */
	char init_dir[256];         /* INIT_DIR: its working directory, "" = / */
	char init_user[64];         /* INIT_USER: USER[:GROUP] it runs as, "" = root */
	int stop_timeout;           /* STOP_TIMEOUT seconds */
	int stopsig;                /* STOPSIG, to a fakeinit PID 1 */
	bool have_stopsig;          /* STOPSIG given (else by init: systemd's RTMIN+3) */
#define RTSIG(n) (34 + (n))     /* SIGRTMIN+n as glibc, systemd and kill -l count
				   (musl's SIGRTMIN is 35: it keeps one more) */
	int start_timeout;          /* START_TIMEOUT seconds: start waits no longer */
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
	bool userns_chown;          /* USERNS_CHOWN: shift the ids on disk where no idmap */
};
enum { NET_SHARED, NET_BRIDGE, NET_ROUTED };
enum { LX_AUTO, LX_YES, LX_NO };
/* lib/gview.c: a CPU list "0-3,6" (CPUs below CPU_LIST_MAX) into bits:
 * false when it is not one; cpulist_print writes bits back in the
 * kernel's form (false: longer than n) */
#define CPU_LIST_MAX 4096
bool cpulist_parse(const char *s, uint64_t bits[CPU_LIST_MAX / 64]);
bool cpulist_print(const uint64_t bits[CPU_LIST_MAX / 64], char *out, size_t n);
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
int conf_lineerr(char *err, size_t n, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
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
/* lib/confinit.c: INIT, ENV, INIT_DIR, INIT_USER (k: 0..3 in that order);
 * NULL or what is wrong (in msg[n] or static) */
#define VC_MAXARGS 64
const char *conf_init_key(int k, const char *v, struct vconf *c, char *msg, size_t n);
/* Split s into words like a shell without expansions ('...', "...", \):
 * into buf[n], argv (at most max-1 and NULL); the count, or -1 with why */
int conf_words(const char *s, char *buf, size_t n, char **argv, int max, const char **why);
/* Append s as one such word to out[n] at *len (a blank before it unless
 * first), quoted only when it needs it; false when out is too small */
bool conf_quote(char *out, size_t n, size_t *len, const char *s);
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

/* the rest, by subject: each part needs what comes before it */
#include "lib/guests.h"
#include "lib/admin.h"
#include "lib/unify.h"
#include "lib/oci.h"

#endif
