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
/* Print usage text and exit 0 (--help) */
_Noreturn void show_usage(const char *usage);

/* ---- lib/opt.c: range-checked argument parsing (errors exit 2) ----------- */
long parse_long(const char *s, long lo, long hi, const char *what);
int parse_signal(const char *s, const char *what);
/* Run getopt_long over argv with the applet's table; handles --help itself.
 * Options stop at the first non-option (like "+" getopt). */
int opt_next(int argc, char **argv, const char *shortopts,
	     const struct option *longopts, const char *usage);

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
void xwrite_fd(int fd, const void *buf, size_t n, const char *what);
int write_file(const char *path, const char *s);          /* -1 + errno */
int write_fileat(int dirfd, const char *path, const char *s);
/* Read a whole (small) file into buf, NUL-terminated; returns length or -1 */
ssize_t read_file(const char *path, char *buf, size_t n);
ssize_t read_fileat(int dirfd, const char *path, char *buf, size_t n);
void xmkdir_p(const char *path, mode_t mode);
void close_range_from(int lowfd);   /* close every fd >= lowfd */

/* ---- lib/sys.c: syscalls musl lacks, probed once ------------------------- */
pid_t sys_clone3(uint64_t flags, int *pidfd, int cgroup_fd);
int sys_pidfd_open(pid_t pid);
int sys_pidfd_send_signal(int pidfd, int sig);
int sys_openat2(int dirfd, const char *path, int flags, mode_t mode, uint64_t resolve);
bool have_clone3(void);
bool have_openat2(void);
int landlock_abi(void);   /* 0 when Landlock is unavailable */
/* Start time of a process (field 22 of /proc/PID/stat), 0 when gone */
unsigned long long proc_starttime(pid_t pid);

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
int cg_write(const char *dir, const char *file, const char *val);  /* -1 + errno */
void xcg_write(const char *dir, const char *file, const char *val);
void xcg_attach(const char *dir, pid_t pid);
/* Number of processes in the cgroup dir (0 = empty), -1 if it is gone */
int cg_nprocs(const char *dir);
/* Read the pids of cgroup.procs into *pids (malloc'd); returns count or -1 */
int cg_pids(const char *dir, pid_t **pids);
/* Kill every process in the cgroup (cgroup.kill on v2, else SIGKILL loop) */
void cg_kill(const char *dir);
/* rmdir, retrying briefly while the last tasks finish exiting */
int cg_rmdir(const char *dir);

/* ---- lib/ctx.c: the context registry (VSBOX_RUNDIR) ----------------------
 * One record per live context: $RUNDIR/ctx/XID, "key=value" lines. Records
 * are written under the registry lock, atomically (tmp + rename). */
#define XID_MAX 49151L
#define XID_SPECTATOR 1
enum { CF_LOCK = 1 << 0, CF_SCHED = 1 << 1, CF_NPROC = 1 << 2,
       CF_PRIVATE = 1 << 3, CF_FAKEINIT = 1 << 4 };
struct ctx {
	long xid;
	pid_t pid;                     /* its init, as the host sees it */
	unsigned long long start;      /* init's start time: pid reuse guard */
	unsigned flags;                /* CF_* */
	uint64_t bset;                 /* capability bounding set inside */
	char name[64];                 /* guest name, "" for a bare context */
	int ncg;
	char cg[CG_MAX][CG_PATH];      /* its cgroup directories */
};
const char *rundir(void);
int ctx_lock(void);                      /* exclusive registry lock (fd) */
void ctx_unlock(int fd);
int ctx_load(long xid, struct ctx *c);   /* 0, or -1 when there is none */
void ctx_save(const struct ctx *c);
void ctx_drop(const struct ctx *c);      /* remove its record */
bool ctx_alive(const struct ctx *c);     /* init still there, same one */
void ctx_gc(void);                       /* reap records of dead contexts (lock held) */
long ctx_free_xid(void);                 /* lowest unused xid >= 2 (lock held) */
int ctx_list(struct ctx **out);          /* every record, sorted by xid */
/* Which context a host pid is in: xid, 0 for the host, -1 if it is gone */
long ctx_of_pid(pid_t pid, const struct ctx *list, int n);
unsigned parse_ctx_flags(const char *s, const char *what);
const char *ctx_flags_str(unsigned flags, char *buf, size_t n);

/* ---- lib/context.c: making, running and joining contexts ---------------- */
struct ctx_spec {
	long xid;                 /* 0: the lowest free xid >= 2 */
	unsigned flags;           /* CF_* */
	uint64_t bset;            /* capability ceiling inside */
	unsigned cgwant;          /* cgroup controllers beyond the v2 tracker */
	const char *name;         /* guest name, or NULL */
	const char *hostname, *domainname;
	bool silent;              /* no "New security context is N" */
	bool detach;              /* return once CMD runs (guests); else wait */
	/* host side, once the cgroups exist and before anything runs in them */
	void (*limits)(const struct ctx *c, void *arg);
	/* inside the new namespaces, as PID 1, before init/CMD; default:
	 * private mount propagation and a fresh /proc */
	void (*setup)(const struct ctx *c, void *arg);
	void *arg;
	char **argv;
};
/* Create a context and run spec->argv in it; returns the exit status to
 * pass on (CMD's, or 128+signal) */
int ctx_spawn(const struct ctx_spec *spec);
/* Run argv inside existing context xid (root in context 0 only) */
int ctx_join(long xid, uint64_t bset_limit, char **argv);
/* The last steps before exec: seccomp, capabilities (no return on error) */
void ctx_restrict(unsigned flags, uint64_t bset);
/* Wait for pid, forwarding the signals a user sends us; returns 128+sig
 * style exit status */
int wait_forward(pid_t pid);
int exit_code(int wstatus);

/* ---- lib/caps.c: capability sets (libcap) -------------------------------- */
/* Parse "CAP_NET_RAW", "net_raw" or "NET_RAW"; dies (usage) on bad names */
int parse_cap(const char *s, const char *what);
uint64_t caps_all(void);         /* every capability this kernel knows */
uint64_t caps_secure(void);      /* what --secure keeps */
uint64_t caps_default(void);     /* what a context keeps without --secure */
uint64_t caps_bounding(void);    /* this process's bounding set */
/* Lower the bounding set to keep (and inheritable/ambient/permitted with it) */
void caps_reduce(uint64_t keep);
void caps_format(uint64_t set, char *buf, size_t n);
bool caps_have_setpcap(void);   /* may this process lower the bounding set? */

/* ---- lib/seccomp.c: seccomp filters (with an arch check) ----------------- */
enum { SC_SPECTATOR = 1 << 0, SC_LOCK = 1 << 1 };
void seccomp_apply(unsigned what);
/* Landlock: restrict writes and signal/ptrace scope for the spectator */
void landlock_spectator(void);

#endif
