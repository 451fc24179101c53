/* context.c - make a security context, run a command in it, join one.
 *
 * A context is new PID, mount, UTS, IPC and cgroup namespaces, a cgroup
 * directory per hierarchy, a capability ceiling and seccomp filters. The
 * order of a spawn, host side (H) and inside (I):
 *
 *  H  lock the registry, reap stale records, pick the xid
 *  H  mkdir the cgroups (undo: rmdir), set limits
 *  H  clone3(NEWPID|NEWNS|NEWUTS|NEWIPC) straight into the v2 cgroup
 *  then, at the same time, on two CPUs:
 *  H  the BPF programs (spec->programs); write the record; unlock; "go"
 *  I  join the v1 cgroups (xcg_join); private mount propagation, a fresh /proc (or the caller's setup);
 *     hostname/domainname
 *  I  wait for "go" (nothing of CMD has run before it: by then the context
 *     is in all its cgroups, under all its programs), unshare(NEWCGROUP):
 *     its cgroup is now its root
 *  I  PID 1 is vsbox's init (or CMD itself with fakeinit). CMD gets:
 *     seccomp (while CAP_SYS_ADMIN is held, so no no_new_privs) ->
 *     Landlock -> bounding set and capability sets lowered -> (a guest's
 *     spawner forked, lib/spawner.c) -> exec
 *
 * No vsbox process stays on the host side: the caller waits only for CMD's
 * exit status. If daemons started by CMD live on, init stays as their PID 1
 * (inside the context) and, when the last of them exits, moves itself back
 * to the base cgroup through descriptors opened before it entered, removes
 * the context's cgroups and record, and exits.
 */
#include "vsbox.h"
#include <time.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>

/* what init tells the caller over the status pipe */
struct report {
	int kind;       /* 'E': CMD's exec failed (val = errno), 'S': CMD ended,
			 * 'F': the context's setup failed (it said why) */
	int val;        /* wait status */
	int more;       /* processes remain: the context lives on */
};

/* signals a user may send to the caller; forwarded to CMD */
static const int fwd_sigs[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1,
				SIGUSR2, SIGALRM, SIGWINCH, SIGPWR };
#define NFWD (sizeof(fwd_sigs) / sizeof(fwd_sigs[0]))

int exit_code(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 1;
}

/* ---- forwarding: a signal sent by a process (kill(1), a supervisor) to the
 * waiting caller goes on to CMD; one the terminal sends to the whole
 * foreground group (si_code SI_KERNEL) reaches CMD by itself. */
static volatile pid_t fwd_target;

static void fwd_handler(int sig, siginfo_t *si, void *uc)
{
	if (fwd_target > 0 && si->si_code <= 0)
		kill(fwd_target, sig);
}

int wait_forward(pid_t pid)
{
	struct sigaction sa = { .sa_sigaction = fwd_handler, .sa_flags = SA_SIGINFO | SA_RESTART };
	int st;

	fwd_target = pid;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < NFWD; i++)
		sigaction(fwd_sigs[i], &sa, NULL);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			die_errno("can't wait for process %d", (int)pid);
	fwd_target = 0;
	return exit_code(st);
}

void ctx_restrict(unsigned flags, uint64_t bset)
{
	/* in a user namespace: root there (host uid USERNS_BASE), which
	 * leaves the capabilities we have in it as they are. Only here, just
	 * before exec: whoever enters and stays (vserver exec's relay, init)
	 * keeps the host's uid 0 (LeakSanitizer's tracer, for one, can't
	 * attach to a process whose uid changed) */
	if (flags & CF_USERNS)
		userns_become(0, 0, true);
	/* seccomp while CAP_SYS_ADMIN is still ours (no no_new_privs needed,
	 * so setuid programs inside work within the ceiling), then the
	 * capability ceiling, last before exec */
	seccomp_apply((flags & CF_LOCK ? SC_LOCK : 0) | (flags & CF_GUEST ? SC_GUEST : 0));
	/* a ceiling with CAP_SYS_PTRACE could trace init (bset 0: never
	 * fenced itself) and whoever enters: a Landlock fence first; with
	 * UNIX_SCOPE, the shared stack's abstract sockets scoped (init
	 * connects nowhere) */
	landlock_enter(bset & CAP_SYS_PTRACE_BIT, bset && (flags & CF_ABSUNIX));
	if (spawner_pending())  /* only in a guest's first process */
		spawner_fork(flags & CF_FAKEINIT, bset);
	caps_reduce(bset);
}

static void reset_signals(void)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (size_t i = 0; i < NFWD; i++)
		signal(fwd_sigs[i], SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
}

/* out: CMD's stdout and stderr (the relay pipes), or NULL to keep ours */
static _Noreturn void exec_cmd(const struct ctx_spec *s, const int *out, int stfd)
{
	if (out && (dup2(out[0], 1) < 0 || dup2(out[1], 2) < 0))
		die_errno("can't redirect the output of %s", s->argv[0]);
	reset_signals();
	ctx_restrict(s->flags | (s->userns_size ? CF_USERNS : 0), s->bset);
	if (s->prep)
		s->prep(s->arg);
	trace("exec %s", s->argv[0]);
	spawner_first_exec();
	execvp(s->argv[0], s->argv);
	int e = errno;
	warn_errno("can't execute %s", s->argv[0]);
	if (stfd >= 0) {
		struct report r = { 'E', e, 0 };
		write(stfd, &r, sizeof(r));
	}
	_exit(e == ENOENT ? 127 : 126);
}

/* A context that fails in its setup (die() -> exit()) says so on its way
 * out: the end of its status pipe alone would read like the exec of CMD.
 * exec drops the handler; init clears it once CMD runs. */
static int setup_stfd = -1;

static void setup_failed(void)
{
	struct report r = { 'F', 1, 0 };

	if (setup_stfd >= 0)
		(void)!write(setup_stfd, &r, sizeof(r));
}

/* A guest's clocks: a time namespace whose monotonic and boot-time clocks
 * read zero at its start, so uptime, /proc/uptime and sysinfo() inside
 * count from the guest's boot, not the host's (CLONE_NEWTIME, Linux 5.6;
 * without it they stay the host's). Offsets can be set only while no
 * process is inside it: set, then entered (setns) by us, its first. */
static void own_clocks(void)
{
	static const int ids[2] = { CLOCK_MONOTONIC, CLOCK_BOOTTIME };
	char buf[96];
	size_t n = 0;
	int fd;

	if (unshare(0x80 /* CLONE_NEWTIME */)) {
		if (errno == EINVAL)
			return;         /* a kernel without time namespaces */
		die_errno("can't create the time namespace");
	}
	for (int i = 0; i < 2; i++) {
		struct timespec t;
		clock_gettime(ids[i], &t);
		/* minus now, its nanoseconds in [0, 1e9) as the kernel wants */
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%d %lld %ld\n", ids[i],
				      -(long long)t.tv_sec - (t.tv_nsec > 0), t.tv_nsec ? 1000000000L - t.tv_nsec : 0);
	}
	if (write_file("/proc/self/timens_offsets", buf))
		die_errno("can't set the clocks of the time namespace");
	fd = xopenat(AT_FDCWD, "/proc/self/ns/time_for_children", O_RDONLY, 0);
	uint64_t before = mono_ns();
	if (setns(fd, 0x80))
		die_errno("can't enter the time namespace");
	trace_clock_moved(mono_ns() - before);
	close(fd);
}

/* ---- init: PID 1 of the context when CMD is not ----------------------- */
struct init_fds {
	int n;
	int procs[CG_MAX];      /* BASE/cgroup.procs of each hierarchy (v2: BASE/exit/) */
	int base[CG_MAX];       /* BASE directory of each hierarchy */
	int self;               /* our own v2 (tracker) cgroup directory */
	int ctxdir;             /* $RUNDIR/ctx */
	char xid[24];
	/* spec->relay: the write ends go to CMD; init keeps the read ends,
	 * and the go pipe, whose hangup says the caller is done reading */
	int go, out[2], drain[2];
};

/* processes in our cgroup other than init itself and the spawner (pids of
 * processes that joined from outside our pid namespace read as 0: they
 * count too) */
static bool others_in_cgroup(const struct init_fds *f)
{
	char buf[4096], *p, *end;

	if (read_fileat(f->self, "cgroup.procs", buf, sizeof(buf)) < 0)
		return false;
	for (p = buf; *p; p = end) {
		long pid = strtol(p, &end, 10);
		if (end == p)
			break;
		if (pid != 1 && pid != spawner_pid)
			return true;
	}
	return false;
}

static _Noreturn void init_cleanup(const struct init_fds *f, int code, bool caller_reaps)
{
	char sock[32];

	if (spawner_pid > 0) {
		kill(spawner_pid, SIGKILL);
		waitpid(spawner_pid, NULL, 0);
	}
	snprintf(sock, sizeof(sock), "%s.sock", f->xid);
	unlinkat(f->ctxdir, sock, 0);
	/* the caller has our report and waits for our exit: it removes the
	 * cgroups and the record then (reap_context()), without moving us
	 * out first - a cgroup migration waits for an RCU grace period */
	if (caller_reaps)
		_exit(code);
	/* leave the context's cgroups for the base (the descriptors carry the
	 * credentials and cgroup namespace they were opened with), remove
	 * them, then the record: a new context may take this xid only after */
	for (int i = 0; i < f->n; i++)
		if (write(f->procs[i], "0", 1) < 0)
			warn_errno("init: can't leave cgroup %s", f->xid);
	for (int i = 0; i < f->n; i++)
		for (int t = 0; unlinkat(f->base[i], f->xid, AT_REMOVEDIR) && errno == EBUSY && t < 200; t++)
			usleep(1000);
	unlinkat(f->ctxdir, f->xid, 0);
	_exit(code);
}

/* vfork: no page-table copy for a child that only sets its filters and
 * capabilities and execs (fork costs a millisecond on some VMs); init is
 * suspended until then. A function of its own, so no local of the caller
 * lives across the vfork. */
static __attribute__((noinline)) pid_t start_cmd(const struct ctx_spec *s, const struct init_fds *f,
						  int stfd)
{
	pid_t pid = vfork();

	if (!pid)
		exec_cmd(s, f->go >= 0 ? f->out : NULL, stfd);
	return pid;
}

/* the relay pipes once the caller stopped reading: read and drop what
 * daemons write, until the last writer is gone */
static void drain(struct pollfd *p)
{
	char buf[512];

	if (p->revents & POLLIN)
		while (read(p->fd, buf, sizeof(buf)) > 0)
			;
	else if (p->revents) {
		close(p->fd);   /* no writer left */
		p->fd = -1;
	}
}

/* init stays for the guest's life and never returns: give back the stack
 * it no longer needs. Below this frame: what the setup and the caller's
 * work before the clone dirtied (copied with it; the range below the
 * stack's mapping is a guard gap: madvise skips it). Above run_init's
 * frame (from) up to main's (vsbox_stack_top): the frames of its callers,
 * whose locals (paths, buffers, the config's text) nothing reads again -
 * run_init keeps its own copy of what it needs. And what the applet named
 * with ctx_forget. */
uintptr_t vsbox_stack_top;      /* main's frame (main.c sets it) */
char *vsbox_args[2];            /* main's argv strings, [start, end) */

/* a process that lives on in the start's memory (lib/spawner.c): no
 * report of a failed setup at its exit */
void setup_forget(void)
{
	setup_stfd = -1;
}
static struct { uintptr_t p, n; } forget[4];
static int nforget;

void ctx_forget(void *p, size_t n)
{
	if (nforget < 4)
		forget[nforget].p = (uintptr_t)p, forget[nforget++].n = n;
}

void mem_give_back(uintptr_t p, uintptr_t n)
{
	uintptr_t lo = (p + 4095) & ~(uintptr_t)4095, hi = (p + n) & ~(uintptr_t)4095;

	if (hi > lo)
		madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

static __attribute__((noinline)) void trim_stack(uintptr_t from)
{
	char here;
	uintptr_t low = ((uintptr_t)&here & ~(uintptr_t)4095) - 4096;

	mem_give_back(low - 256 * 1024, 256 * 1024);
	if (vsbox_stack_top > from)
		mem_give_back(from, vsbox_stack_top - from);
	for (int i = 0; i < nforget; i++)
		mem_give_back(forget[i].p, forget[i].n);
}

static __attribute__((noinline)) _Noreturn void run_init(const struct ctx_spec *s, const struct init_fds *fds,
							   int stfd)
{
	const struct init_fds fl = *fds, *f = &fl;      /* (its caller's frame goes) */
	sigset_t set;
	/* the signals; the go pipe while the caller relays CMD's output; the
	 * relay pipes after that */
	struct pollfd pfd[4] = { { .fd = -1 }, { .fd = f->go, .events = POLLIN },
				 { .fd = -1, .events = POLLIN }, { .fd = -1, .events = POLLIN } };
	bool reported = false, done = false;
	int status = 0, sfd;
	pid_t cmd;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	for (size_t i = 0; i < NFWD; i++)
		sigaddset(&set, fwd_sigs[i]);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0)
		die_errno("init: can't create signalfd");
	/* named before CMD runs: whatever CMD lists sees PID 1 as such */
	prctl(PR_SET_NAME, "vsbox-init", 0, 0, 0);
	cmd = start_cmd(s, f, stfd);
	if (cmd < 0)
		die_errno("init: can't fork");
	setup_stfd = -1;        /* CMD runs: what init says goes through 'S' */
	spawner_drop(true);     /* its socket is the spawner's alone */
	if (f->go >= 0) {
		close(f->out[0]);
		close(f->out[1]);
	}
	/* init keeps no privilege: it only waits, reaps and forwards; its
	 * cleanup goes through descriptors it already holds */
	ctx_restrict(s->flags, 0);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	/* (s, in a caller's frame, is not read after this) */
	trim_stack((uintptr_t)__builtin_frame_address(0) + 2 * sizeof(void *));
	trace("init waits");
	trace_end();
	pfd[0].fd = sfd;
	pfd[0].events = POLLIN;
	for (;;) {
		struct signalfd_siginfo si;
		int st, left;
		pid_t p;

		while (read(sfd, &si, sizeof(si)) == sizeof(si))
			if (si.ssi_signo != SIGCHLD && (int)si.ssi_code <= 0 && !done)
				kill(cmd, (int)si.ssi_signo);
		while ((p = waitpid(-1, &st, WNOHANG)) > 0)
			if (p == cmd) {
				status = st;
				done = true;
			} else if (p == spawner_pid) {
				spawner_pid = 0;        /* killed inside */
			}
		/* children remain (the spawner stays till the end: others) */
		left = p == 0 && (spawner_pid <= 0 || spawner_others(spawner_pid));
		if (done && !left && !others_in_cgroup(f)) {
			bool caller_reaps = false;

			if (!reported) {
				/* a caller that reads this waits for us and
				 * reaps; one that is gone can't (EPIPE) */
				struct report r = { 'S', status, 0 };
				caller_reaps = write(stfd, &r, sizeof(r)) == (ssize_t)sizeof(r);
			}
			init_cleanup(f, exit_code(status), caller_reaps);
		}
		if (done && !reported) {
			struct report r = { 'S', status, 1 };
			write(stfd, &r, sizeof(r));
			close(stfd);
			reported = true;
		}
		/* processes that joined from outside are no children of ours:
		 * nothing signals their exit, so look again every second */
		if (poll(pfd, 4, done && !left ? 1000 : -1) <= 0)
			continue;
		if (pfd[1].fd >= 0 && pfd[1].revents) {
			/* the caller has what it wanted: ours from now on */
			close(pfd[1].fd);
			pfd[1].fd = -1;
			pfd[2].fd = f->drain[0];
			pfd[3].fd = f->drain[1];
			continue;
		}
		drain(&pfd[2]);
		drain(&pfd[3]);
	}
}

/* ---- the new context's PID 1, before init or CMD ---------------------- */
static void default_setup(const struct ctx *c, void *arg)
{
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
		die_errno("can't mount proc on /proc");
	/* the host's kernel knobs and cgroup files stay out of reach of uid 0
	 * inside, whose writes to them file modes alone would allow */
	mount_ro_bind("/proc/sys");
	mount_ro_bind("/proc/sysrq-trigger");
	mount_ro_tree("/sys");
}

/* Descriptors for init's cleanup at the end, opened by the caller before
 * the clone: they carry the host's credentials and cgroup namespace, and
 * sit on the host's mounts, where they do not keep the context's copy of
 * the cgroup tree from being made read-only (an open writer would). */
static void open_init_fds(struct init_fds *f, const struct ctx *c, const struct cg_hier **picks)
{
	char path[PATH_MAX];

	f->n = c->ncg;
	for (int i = 0; i < c->ncg; i++) {
		/* v2: a cgroup that passes controllers on to its children
		 * takes no process (EBUSY), so init leaves for a leaf of the
		 * base, "exit", instead of the base itself */
		if (picks[i]->ctrl & CG_V2) {
			xsnprintf(path, sizeof(path), "%s/exit", picks[i]->base);
			if (mkdir(path, 0755) && errno != EEXIST)
				die_errno("can't create cgroup %s", path);
			xsnprintf(path, sizeof(path), "%s/exit/cgroup.procs", picks[i]->base);
		} else {
			xsnprintf(path, sizeof(path), "%s/cgroup.procs", picks[i]->base);
		}
		f->procs[i] = xopenat(AT_FDCWD, path, O_WRONLY, 0);
		f->base[i] = xopenat(AT_FDCWD, picks[i]->base, O_RDONLY | O_DIRECTORY, 0);
	}
	f->self = xopenat(AT_FDCWD, c->cg[0], O_RDONLY | O_DIRECTORY, 0);
	xsnprintf(path, sizeof(path), "%s/ctx", rundir());
	f->ctxdir = xopenat(AT_FDCWD, path, O_RDONLY | O_DIRECTORY, 0);
	snprintf(f->xid, sizeof(f->xid), "%ld", c->xid);
}

static void close_init_fds(const struct init_fds *f)
{
	for (int i = 0; i < f->n; i++) {
		close(f->procs[i]);
		close(f->base[i]);
	}
	if (f->n) {
		close(f->self);
		close(f->ctxdir);
	}
}

static _Noreturn void child(const struct ctx_spec *s, const struct ctx *c,
			    const struct init_fds *fds, int gofd, int stfd, int joined, int usock)
{
	struct init_fds f = *fds;
	char go;

	undo_forget();  /* the caller owns (and undoes) what it made */
	setup_stfd = stfd;
	atexit(setup_failed);
	/* into the cgroups clone3() did not put us in (the v1 ones): so what
	 * the mounts below allocate is charged to the context too (the
	 * namespaces clone() made are the caller's). Meanwhile the caller
	 * attaches the BPF programs and writes the record; nothing runs in
	 * the context before "go". */
	for (int i = joined; i < c->ncg; i++)
		xcg_join(c->cg[i]);
	trace("joined");
	/* in a new user namespace we are still host uid 0 (so the joins
	 * above and init's cleanup at the end work), unmapped inside until
	 * the caller has written the maps and handed over the root */
	if (usock >= 0) {
		int tree = userns_wait(usock);
		if (s->idtree)
			*s->idtree = tree;
		else if (tree >= 0)
			close(tree);
		trace("user namespace mapped");
	}
	/* nothing we mount from here on propagates back to the host */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		die_errno("can't make the mount tree private");
	(s->setup ? s->setup : default_setup)(c, s->arg);
	if (s->hostname && sethostname(s->hostname, strlen(s->hostname)))
		die_errno("can't set hostname %s", s->hostname);
	if (s->domainname && setdomainname(s->domainname, strlen(s->domainname)))
		die_errno("can't set domainname %s", s->domainname);
	trace("set up");
	if (read(gofd, &go, 1) != 1)
		_exit(1);       /* the caller died or gave up */
	trace("go");
	if (f.go < 0)
		close(gofd);
	if (s->flags & CF_GUEST)
		own_clocks();
	/* our cgroups (all of them by now) become the root of what we can
	 * see of the tree */
	if (unshare(CLONE_NEWCGROUP))
		die_errno("can't create the cgroup namespace");
	if (s->after_go)
		s->after_go(c, s->arg);
	if (s->flags & CF_FAKEINIT)
		exec_cmd(s, NULL, stfd);
	run_init(s, &f, stfd);
}

/* ---- host side --------------------------------------------------------- */
static void undo_rmdir(void *p)
{
	cg_kill(p);
	cg_rmdir(p);
}

static void undo_kill(void *p)
{
	pid_t pid = *(pid_t *)p;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void undo_record(void *p)
{
	ctx_drop(p);
}

/* after the context's init is gone: nothing of it may stay */
static void reap_context(const struct ctx *c)
{
	int lock = ctx_lock();

	ctx_reap(c);
	ctx_unlock(lock);
}

/* Copy CMD's output (rd: its stdout and stderr pipes) to ours until init
 * reports on stfd, then what the pipes still hold; returns what read()
 * of the report returned. A reader that went away (EPIPE) only ends the
 * copying, never the start. */
/* milliseconds left until deadline (mono_ns()), -1 without one */
static int left_ms(uint64_t deadline)
{
	uint64_t now = mono_ns();

	if (!deadline)
		return -1;
	return now >= deadline ? 0 : (int)((deadline - now) / 1000000 + 1);
}

static ssize_t relay(int stfd, const int *rd, struct report *r, uint64_t deadline)
{
	struct pollfd p[3] = { { stfd, POLLIN, 0 }, { rd[0], POLLIN, 0 }, { rd[1], POLLIN, 0 } };
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	bool out_ok[2] = { true, true };
	ssize_t n = -1;

	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, &old);
	for (bool reported = false; !reported; ) {
		int k = poll(p, 3, left_ms(deadline));
		if (k < 0 && errno != EINTR)
			break;
		if (!k) {
			n = -2;         /* the deadline passed */
			break;
		}
		if (p[0].revents) {
			do
				n = read(stfd, r, sizeof(*r));
			while (n < 0 && errno == EINTR);
			reported = true;        /* CMD's writes are all in the pipes */
		}
		for (int i = 0; i < 2; i++)
			if ((reported || p[i + 1].revents) && !relay_copy(rd[i], 1 + i, &out_ok[i]))
				p[i + 1].fd = -1;       /* every writer is gone */
	}
	sigaction(SIGPIPE, &old, NULL);
	return n;
}

int ctx_spawn(const struct ctx_spec *s)
{
	const struct cg_hier *picks[CG_MAX];
	struct ctx c = { .flags = s->flags, .bset = s->bset };
	struct init_fds fds = { .go = -1 };
	bool relaying = s->relay && s->detach && !(s->flags & CF_FAKEINIT);
	int go[2], st[2], out[2], err[2], us[2] = { -1, -1 }, lock, v2fd = -1, joined = 0;
	uint64_t deadline = s->detach && s->timeout_ms > 0 ? mono_ns() + (uint64_t)s->timeout_ms * 1000000 : 0;
	int nsflags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC;
	struct report r;
	pid_t pid;
	ssize_t n;

	if (s->name)
		snprintf(c.name, sizeof(c.name), "%s", s->name);
	/* checked before anything is made: see ctx_restrict() */
	if ((s->bset & CAP_SYS_PTRACE_BIT) && !landlock_abi())
		die("CAP_SYS_PTRACE in a context needs Landlock (Linux 5.13+, CONFIG_SECURITY_LANDLOCK)");
	lock = ctx_lock();
	trace("registry locked");
	/* what a crash left: a guest's start repairs its own (one record
	 * read, however many run), a bare context's start every context's */
	if (s->name)
		ctx_gc_name(s->name);
	else
		ctx_gc();
	c.xid = s->xid ? s->xid : ctx_free_xid();
	if (s->xid && !ctx_load(s->xid, &(struct ctx){ 0 }))
		die("context %ld exists already", s->xid);
	c.ncg = cg_pick(s->cgwant, picks, CG_MAX);
	for (int i = 0; i < c.ncg; i++) {
		xsnprintf(c.cg[i], CG_PATH, "%s/%ld", picks[i]->base, c.xid);
		xmkdir_p(picks[i]->base, 0755);
		cg_delegate(picks[i], picks[i]->base);
		/* a directory left by a crash is empty (its init is gone):
		 * take it over; one still in use is not ours */
		if (mkdir(c.cg[i], 0755)) {
			if (errno != EEXIST || cg_nprocs(c.cg[i]) != 0 || cg_rmdir(c.cg[i]) ||
			    mkdir(c.cg[i], 0755))
				die_errno("can't create cgroup %s", c.cg[i]);
		}
		undo_push(undo_rmdir, c.cg[i], strlen(c.cg[i]) + 1);
	}
	trace("context %ld: cgroups made", c.xid);
	if (s->limits)
		s->limits(&c, s->arg);
	if (pipe2(go, O_CLOEXEC) || pipe2(st, O_CLOEXEC))
		die_errno("can't create pipes");
	if (s->userns_size) {
		/* the other namespaces are made by (and belong to) it */
		nsflags |= CLONE_NEWUSER;
		c.flags |= CF_USERNS;
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, us))
			die_errno("can't create a socketpair");
	}
	if (relaying) {
		/* read ends non-blocking: the caller and, later, init read them */
		if (relay_pipes(out, err))
			die_errno("can't create pipes");
		fds.go = go[0];
		fds.out[0] = out[1];
		fds.out[1] = err[1];
		fds.drain[0] = out[0];
		fds.drain[1] = err[0];
	}
	if (picks[0]->ctrl & CG_V2) {
		v2fd = xopenat(AT_FDCWD, c.cg[0], O_RDONLY | O_DIRECTORY, 0);
		joined = 1;     /* clone3 puts the child there */
	}
	if (!(s->flags & CF_FAKEINIT))
		open_init_fds(&fds, &c, picks);
	/* a guest with scoped abstract sockets gets a spawner, so what enters
	 * later shares its domain (lib/spawner.c); not one whose ceiling keeps
	 * CAP_SYS_PTRACE: it could trace it */
	if ((s->flags & CF_ABSUNIX) && landlock_abi() >= 6 && !(s->bset & CAP_SYS_PTRACE_BIT))
		spawner_open(c.xid);
	fflush(NULL);
	pid = sys_clone3((uint64_t)nsflags | (uint64_t)s->clone_extra, NULL, v2fd);
	if (pid < 0 && errno == ENOSYS) {
		/* no clone3 (before 5.3): classic clone, and the child joins
		 * v2 like v1 */
		joined = 0;
		pid = (pid_t)syscall(SYS_clone, nsflags | s->clone_extra | SIGCHLD, 0, 0, 0, 0);
	}
	if (pid < 0)
		die_errno("can't create the context's namespaces");
	trace("cloned");
	if (!pid) {
		/* a flock belongs to the open file: a copy kept here would hold
		 * the registry lock for the context's whole life */
		close(lock);
		close(go[1]);
		close(st[0]);
		if (us[0] >= 0)
			close(us[0]);
		child(s, &c, &fds, go[0], st[1], joined, us[1]);
	}
	close_init_fds(&fds);
	spawner_drop(false);
	close(go[0]);
	close(st[1]);
	if (relaying) {
		close(out[1]);
		close(err[1]);
	}
	if (v2fd >= 0)
		close(v2fd);
	undo_push(undo_kill, &pid, sizeof(pid));
	c.pid = pid;
	if (us[0] >= 0) {
		close(us[1]);
		userns_handoff(pid, s, us[0]);
		close(us[0]);
	}
	if (s->programs)
		s->programs(&c, s->arg);
	c.start = proc_starttime(pid);
	ctx_save(&c);
	if (s->out)
		*s->out = c;
	undo_push(undo_record, &c, sizeof(c));
	ctx_unlock(lock);
	trace("recorded");
	if (!s->silent)
		fprintf(stderr, "New security context is %ld\n", c.xid);
	/* from "go" on the context owns its resources: init or reap_context()
	 * removes them, ctx_gc() if both are killed */
	undo_forget();
	/* a context whose setup failed has closed its end: no SIGPIPE for
	 * us, its report (none) and exit status tell below */
	write_nosigpipe(go[1], "g", 1);
	if (relaying) {
		int rd[2] = { out[0], err[0] };
		n = relay(st[0], rd, &r, deadline);
		close(out[0]);
		close(err[0]);
		close(go[1]);           /* init drains from now on */
	} else {
		close(go[1]);
		n = -1;
		for (int k; n < 0; ) {
			k = poll(&(struct pollfd){ st[0], POLLIN, 0 }, 1, left_ms(deadline));
			if (!k) {
				n = -2;
				break;
			}
			if (k < 0 && errno != EINTR)
				break;
			if (k > 0 && (n = read(st[0], &r, sizeof(r))) < 0 && errno != EINTR)
				break;
		}
	}
	trace("init reported");
	if (n == -2) {
		/* CMD still runs at the deadline: the whole context goes */
		close(st[0]);
		cg_kill_all(c.cg, c.ncg);
		waitpid(pid, NULL, 0);
		reap_context(&c);
		if (s->timedout)
			*s->timedout = true;
		return 124;
	}
	if (n == sizeof(r) && r.kind == 'F') {
		/* nothing of CMD ran; the context is ending */
		wait_forward(pid);
		close(st[0]);
		reap_context(&c);
		if (s->out)
			s->out->pid = 0;
		return 1;
	}
	if (n == sizeof(r) && r.kind == 'S' && r.more) {
		close(st[0]);
		return exit_code(r.val);        /* CMD done; its daemons live on */
	}
	if (s->detach && n <= 0 && (s->flags & CF_FAKEINIT)) {
		close(st[0]);
		return 0;                       /* CMD is PID 1 and runs */
	}
	/* wait for the context to end: init exits after its cleanup; a
	 * fakeinit CMD ends it by exiting; forward signals meanwhile */
	int code = wait_forward(pid);
	close(st[0]);
	reap_context(&c);
	if (n == sizeof(r) && r.kind == 'S')
		return exit_code(r.val);
	if (n == sizeof(r) && r.kind == 'E')
		return r.val == ENOENT ? 127 : 126;
	return code;
}
