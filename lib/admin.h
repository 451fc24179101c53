/* admin.h - seeing and steering contexts from the host: /proc
 * passes, which context a process is in, the default seccomp filter, the
 * device allowlist, bpf(2), and rebootmgr.
 * Part of vsbox.h, which includes it: include vsbox.h, not this.
 */
#ifndef VSBOX_ADMIN_H
#define VSBOX_ADMIN_H

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
long proc_hz(void);                                /* clock ticks a second */
long proc_pagesize(void);
const char *proc_month(int mon);                    /* "Jan".."Dec", tm_mon 0..11 */
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
	bool stopping;                  /* vserver stop's: its reboot(2) goes on, unasked */
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
void rbg_stopping(struct rguest *g);   /* vserver stop has it: its reboot(2) goes on unasked */
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

#endif
