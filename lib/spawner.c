/* spawner.c - one process in a guest's Landlock domain that forks what
 * vserver exec, enter, suexec, service and stop run inside.
 *
 * Why: Landlock domains can't be joined. A guest whose abstract unix
 * sockets are scoped (UNIX_SCOPE, lib/seccomp.c landlock_enter()) gets its
 * domain when its rc or INIT is started; a process that enters later and
 * restricts itself gets a domain of its own, from which it reaches no
 * abstract socket of the rc's daemons and may not trace them or read
 * their /proc/PID/exe. So the guest's first process starts this spawner
 * once in its Landlock domain and before it execs (lib/context.c,
 * ctx_restrict(); spawner_fork() below): the spawner has the very
 * restrictions of the rc (cgroups, namespaces, seccomp, Landlock domain,
 * capability ceiling, rlimits; and reboot(2) EPERM, as any entry) and
 * forks every later entry's process, which so is in the same domain.
 *
 * The channel: a SOCK_SEQPACKET socket bound by the host side before the
 * guest's namespaces exist, at $RUNDIR/ctx/XID.sock (mode 0600, in the
 * host's root-only run directory, outside every guest's root); the
 * spawner keeps the listening end, nobody else. One connection per
 * command: the host sends one request (what to run, as whom, where, its
 * environment) with its stdin, stdout and stderr (or a pty's slave side)
 * as SCM_RIGHTS; the forked child answers 'P' with a pidfd of itself (the
 * host forwards signals through it), sets itself up and execs; the
 * spawner answers 'S' with the wait status when the child ends.
 *
 * A hostile guest root gains nothing by it: the spawner forks only into
 * its own restrictions, which are the guest's; it is not dumpable (no
 * /proc/PID/exe, fd, mem for the guest: the spawner's image is the
 * host's vsbox), holds no descriptor but its two sockets, accepts only
 * peers outside the guest's PID namespace (SO_PEERCRED pid 0), and guests
 * whose ceiling keeps CAP_SYS_PTRACE (which could trace it) get none. The
 * host trusts nothing it answers beyond a number and a pidfd it only
 * signals. If the guest kills it, vserver exec says so in a warning and
 * falls back to a Landlock domain of the entry's own (as on a kernel with
 * no scope to keep: the host's sockets stay out of reach, the guest's
 * daemons' too).
 *
 * Memory and time: under vsbox's init, a fresh image of vsbox (its text
 * shared with every other), about 20 KiB of its own. With fakeinit it
 * does not exec: once PID 1 has exec'd, the memory the two shared is the
 * spawner's alone, and it gives back all but the small variables
 * (sp_own()). The start pays one clone(CLONE_VM) in the guest's first
 * process. Measured on a 2-CPU VM (make bench-compare against a build
 * without a spawner), an exec'd spawner cost a fakeinit guest's start
 * about 1.1 ms: its exec took turns with PID 1's on one CPU, and waiting
 * for PID 1's exec or for the start's end, or running it SCHED_BATCH or
 * on the other CPU, only moved that time into the caller's exit or the
 * next stop.
 */
#include "vsbox.h"
#include "guests.h"
#include <grp.h>
#include <poll.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>

#define SP_MAGIC 0x76737031u    /* "vsp1" */
#define SP_MAX (64 * 1024)      /* a request: header, strings */
#define SP_SLOTS 32             /* commands running at once */

struct sp_req {
	uint32_t magic, flags;
	uint32_t uid, gid, ngroups;
	uint32_t nargv, nenv;           /* then: file, cwd, argv..., env... */
	uint32_t groups[GUSER_MAXGROUPS];
	struct winsize ws;
};

struct sp_msg {
	int kind;       /* 'P': started (a pidfd attached, if any); 'S': ended */
	int val;        /* 'S': the wait status */
};

static void sp_path(char *buf, size_t n, int dirfd, long xid)
{
	/* through the directory's descriptor: a run directory path of any
	 * length fits sun_path */
	snprintf(buf, n, "/proc/self/fd/%d/%ld.sock", dirfd, xid);
}

static void undo_sock(void *xid)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/ctx/%s.sock", rundir(), (char *)xid);
	unlink(path);
}

static int spawner_listen(long xid)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char dir[PATH_MAX];
	int dfd, fd;
	mode_t um;

	xsnprintf(dir, sizeof(dir), "%s/ctx", rundir());
	dfd = xopenat(AT_FDCWD, dir, O_PATH | O_DIRECTORY, 0);
	sp_path(a.sun_path, sizeof(a.sun_path), dfd, xid);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die_errno("can't create the spawner socket");
	unlink(a.sun_path);     /* a crash's */
	um = umask(0177);       /* 0600: connecting takes write permission, root's */
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 8))
		die_errno("can't bind %s/%ld.sock", dir, xid);
	umask(um);
	close(dfd);
	/* a start that fails leaves none (the context's record, made later,
	 * takes it with it: ctx_drop()) */
	snprintf(a.sun_path, sizeof(a.sun_path), "%ld", xid);
	undo_push(undo_sock, a.sun_path, strlen(a.sun_path) + 1);
	return fd;
}

static _Noreturn void spawner_run(bool nudge);

/* ---- its start (lib/context.c) --------------------------------------------
 * The listening socket and the vsbox binary (O_PATH), both opened by the
 * host side before the clone; the pid of the spawner, which the guest's
 * first process starts the moment it is restricted (under vsbox's init a
 * vfork()ed child, which writes it into memory it shares with init, which
 * so learns it). */
static int sp_lfd = -1, sp_exe = -1;
volatile pid_t spawner_pid;

void spawner_open(long xid)
{
	sp_lfd = spawner_listen(xid);
	sp_exe = xopenat(AT_FDCWD, "/proc/self/exe", O_PATH | O_CLOEXEC, 0);
}

bool spawner_pending(void)
{
	return sp_lfd >= 0;
}

/* The guest's first process, in its seccomp filters and Landlock domain,
 * capabilities not yet lowered: a child of it becomes the spawner, in the
 * same domain. It adds a filter of its own (CAP_SYS_ADMIN is still ours):
 * reboot(2) EPERM, so what it forks is no more the guest's boot than an
 * entry from outside is (lib/seccomp.c, the reboot filter); lowers the
 * ceiling. Under vsbox's init it is init's child (CLONE_PARENT: never
 * CMD's, whose shell's "wait" would wait for it) and execs a fresh vsbox
 * image (spawner_exec_self()): init lives on in the memory they share.
 * With fakeinit it is PID 1's, waits for PID 1 to leave that memory (its
 * exec, or its exit: the kernel clears sp_first, which PID 1 named with
 * set_tid_address() just before, spawner_first_exec()), and runs on in it.
 *
 * It shares our memory until its exec (CLONE_VM: a fork's page-table copy
 * costs this path a third of a millisecond on some VMs), on a stack of its
 * own, running beside us (we never wait for it): system calls only, its
 * arguments in a static nobody writes meanwhile. Its first call closes its
 * copies of every descriptor but its two, the status pipe's among them,
 * whose end tells start that a fakeinit PID 1 has exec'd. The memory is
 * not dumpable from before the clone on (init's, under vsbox's init: it
 * wants that anyway). The kernel clears sp_ctid when the spawner leaves
 * it (CLONE_CHILD_CLEARTID), after which init unmaps its stack. */
/* (the stack of what the spawner forks too: a request's argv and envp
 * arrays, 64 KiB at most; untouched pages cost nothing; a guard below) */
#define SP_STACK (256 * 1024)
static struct { bool fakeinit; uint64_t bset, all; int lfd, exe; } sp_arg;
static char *sp_stack;
static volatile pid_t sp_ctid;
static volatile int sp_first;

#ifndef __GLIBC__
/* The fakeinit spawner, alone in the memory the start dirtied: all of it
 * given back but the small variables (BIG, vsbox.h: every buffer is in
 * .lbss, from vsbox_small_end on) and the top of the main stack (argv,
 * environ, the auxiliary vector, which libc still reads); nothing left to
 * run at exit or to undo; named vsbox-spawner in ps, its argv too. */
__asm__(".pushsection .dynlbss,\"aw\",@nobits\n.globl vsbox_small_end\nvsbox_small_end:\n.popsection");
extern char vsbox_small_end[], _end[];

static _Noreturn void sp_own(int lfd, int exe)
{
	uintptr_t top = vsbox_stack_top & ~(uintptr_t)4095;

	mem_give_back((uintptr_t)vsbox_small_end, (uintptr_t)_end - (uintptr_t)vsbox_small_end);
	/* (the 8 MiB below the stack are its own: no other mapping there) */
	mem_give_back(top - 8 * 1024 * 1024, 8 * 1024 * 1024);
	trace_end();
	setup_forget();
	undo_forget();
	if (vsbox_args[0] && vsbox_args[1] > vsbox_args[0]) {
		memset(vsbox_args[0], 0, (size_t)(vsbox_args[1] - vsbox_args[0]));
		snprintf(vsbox_args[0], (size_t)(vsbox_args[1] - vsbox_args[0]), "vsbox-spawner");
	}
	if (lfd != 0 && (dup2(lfd, 0) < 0 || close(lfd)))
		_exit(1);
	close(exe);
	prctl(PR_SET_NAME, "vsbox-spawner", 0, 0, 0);
	spawner_run(false);
}
#endif

static int sp_start(void *unused)
{
	int lo = sp_arg.lfd < sp_arg.exe ? sp_arg.lfd : sp_arg.exe;
	int hi = sp_arg.lfd < sp_arg.exe ? sp_arg.exe : sp_arg.lfd;

	/* (no call here fails but for a reason to give up: errno, our
	 * parent's too, stays as it is) */
	if ((lo > 0 && syscall(SYS_close_range, 0U, (unsigned)lo - 1, 0)) ||
	    (hi > lo + 1 && syscall(SYS_close_range, (unsigned)lo + 1, (unsigned)hi - 1, 0)) ||
	    syscall(SYS_close_range, (unsigned)hi + 1, ~0U, 0) ||
	    seccomp_deny_reboot() || caps_reduce_raw(sp_arg.bset, sp_arg.all))
		_exit(1);
#ifdef __GLIBC__
	/* a glibc build (make check-asan's) is dynamic: its image would not
	 * run inside a guest's root, so this copy of us is the spawner */
	if (dup2(sp_arg.lfd, 0) < 0)
		_exit(1);
	prctl(PR_SET_NAME, "vsbox-spawner", 0, 0, 0);
	spawner_run(!sp_arg.fakeinit);
#else
	if (sp_arg.fakeinit) {
		while (sp_first)
			syscall(SYS_futex, &sp_first, FUTEX_WAIT, 1, NULL, NULL, 0);
		sp_own(sp_arg.lfd, sp_arg.exe);
	}
	spawner_exec_self(sp_arg.lfd, sp_arg.exe, !sp_arg.fakeinit);
#endif
}

void spawner_first_exec(void)
{
	if (sp_first)
		syscall(SYS_set_tid_address, &sp_first);
}

void spawner_fork(bool fakeinit, uint64_t bset)
{
	pid_t pid = -1;

	sp_arg.fakeinit = fakeinit;
	sp_arg.bset = bset;
	sp_arg.all = caps_all();
	sp_arg.lfd = sp_lfd;
	sp_arg.exe = sp_exe;
	sp_ctid = 1;
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
#ifdef __GLIBC__
	/* (a copy, not a thread sharing memory: see sp_start) */
	pid = (pid_t)syscall(SYS_clone, (unsigned long)((fakeinit ? 0 : CLONE_PARENT) | SIGCHLD), NULL, NULL, NULL, 0);
	if (!pid)
		sp_start(NULL);
	sp_ctid = 0;
	sp_stack = MAP_FAILED;
#else
	sp_stack = mmap(NULL, SP_STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	sp_first = fakeinit;
	if (sp_stack != MAP_FAILED && !mprotect(sp_stack, 4096, PROT_NONE))
		pid = clone(sp_start, sp_stack + SP_STACK,
			    CLONE_VM | CLONE_CHILD_CLEARTID | (fakeinit ? 0 : CLONE_PARENT) | SIGCHLD,
			    NULL, NULL, NULL, &sp_ctid);
#endif
	trace("spawner cloned");
	spawner_pid = pid;
	if (pid < 0)
		sp_ctid = sp_first = 0; /* none: vserver exec falls back, saying so */
	/* (our copies; the variables stay: under vsbox's init they are
	 * init's too, which closes its own) */
	close(sp_lfd);
	close(sp_exe);
}

void spawner_drop(bool unmap)
{
	if (sp_lfd < 0)
		return;
	close(sp_lfd);
	close(sp_exe);
	sp_lfd = sp_exe = -1;
	/* init, once the spawner left its memory (a second at most) */
	for (int t = 0; unmap && sp_ctid && t < 100; t++)
		syscall(SYS_futex, &sp_ctid, FUTEX_WAIT, sp_ctid, &(struct timespec){ 0, 10000000 }, NULL, 0);
	if (unmap && !sp_ctid && sp_stack && sp_stack != MAP_FAILED)
		munmap(sp_stack, SP_STACK);
}

/* ---- guest side ---------------------------------------------------------- */
static bool send_msg(int conn, int kind, int val, int fd)
{
	struct sp_msg m = { kind, val };

	return rb_send(conn, &m, sizeof(m), fd) == (ssize_t)sizeof(m);
}

/* the next of n NUL-terminated strings at *p (below end) */
static char *next_str(char **p, const char *end)
{
	char *s = *p, *z = memchr(s, 0, (size_t)(end - s));

	if (!z)
		return NULL;
	*p = z + 1;
	return s;
}

/* In the forked child: read the request, become it, exec. What goes wrong
 * is said on the command's own stderr once it is in place. */
static __attribute__((noinline)) _Noreturn void sp_child(int conn)
{
	static char buf[SP_MAX] BIG;    /* (the child's copy only) */
	union { struct cmsghdr h; char b[CMSG_SPACE(3 * sizeof(int))]; } u;
	struct iovec iov = { buf, sizeof(buf) - 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b,
			     .msg_controllen = sizeof(u.b) };
	struct sp_req *r = (struct sp_req *)buf;
	int fds[3] = { -1, -1, -1 };
	ssize_t n = recvmsg(conn, &mh, MSG_CMSG_CLOEXEC);

	if (n < (ssize_t)sizeof(*r) || r->magic != SP_MAGIC || r->nargv < 1 || r->nargv > 4096 ||
	    r->nenv > 4096 || r->ngroups > GUSER_MAXGROUPS)
		_exit(125);
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(3 * sizeof(int)))
			memcpy(fds, CMSG_DATA(c), sizeof(fds));
	if (fds[0] < 0)
		_exit(125);
	buf[n] = 0;
	char *p = buf + sizeof(*r), *end = buf + n, *file, *cwd;
	char *argv[r->nargv + 1], *envp[r->nenv + 1];
	file = next_str(&p, end);
	cwd = next_str(&p, end);
	for (uint32_t i = 0; i < r->nargv; i++)
		argv[i] = next_str(&p, end);
	for (uint32_t i = 0; i < r->nenv; i++)
		envp[i] = next_str(&p, end);
	if (!file || !cwd || !argv[r->nargv - 1] || (r->nenv && !envp[r->nenv - 1]))
		_exit(125);
	argv[r->nargv] = envp[r->nenv] = NULL;
	/* the command's session and descriptors (all received ones are >= 3:
	 * the spawner keeps 0, 1 and 2 busy) */
	if (r->flags & SPAWN_SETSID)
		setsid();
	for (int i = 0; i < 3; i++)
		if (dup2(fds[i], i) < 0)
			_exit(125);
	if ((r->flags & SPAWN_CTTY) && ioctl(0, TIOCSCTTY, 0))
		die_errno("can't make the pty the controlling terminal");
	if (r->ws.ws_row)
		ioctl(0, TIOCSWINSZ, &r->ws);
	/* started: a pidfd for the host's signals */
	int pfd = sys_pidfd_open(getpid());
	send_msg(conn, 'P', 0, pfd);
	close_range_from(3);
	/* the user last: the ceiling is the spawner's (a non-root uid ends
	 * with no capability at all) */
	if (r->uid || r->gid) {
		gid_t g[GUSER_MAXGROUPS];
		for (uint32_t i = 0; i < r->ngroups; i++)
			g[i] = r->groups[i];
		if (setgroups(r->ngroups, g) || setresgid(r->gid, r->gid, r->gid) ||
		    setresuid(r->uid, r->uid, r->uid))
			die_errno("can't become uid %u", (unsigned)r->uid);
	}
	if (chdir(cwd) && chdir("/"))
		die_errno("can't chdir to /");
	environ = envp;
	execvp(file, argv);
	warn_errno("can't execute %s", file);
	_exit(errno == ENOENT ? 127 : 126);
}

/* In the child of the guest's first process (which shares its memory:
 * system calls only, lib/context.c): only the listening socket (fd 0) and
 * the binary go on (not what the rc's process held: the status pipe, its
 * output, a trace); the exec runs with a real gid other than the
 * effective one, which makes the new image not dumpable from its first
 * instruction on: its /proc/PID/exe is the host's vsbox, which no process
 * of the guest may ever open (nor its fd/ or mem). */
_Noreturn void spawner_exec_self(int lfd, int exe, bool nudge)
{
	char *argv[] = { "vsbox-spawner", nudge ? "init" : NULL, NULL }, *envp[] = { NULL };

	if (dup2(lfd, 0) < 0 || fcntl(0, F_SETFD, 0) || dup3(exe, 1, O_CLOEXEC) < 0 ||
	    syscall(SYS_close_range, 2U, ~0U, 0))
		_exit(1);
	if (syscall(SYS_setresgid, 65534, 0, 0) && syscall(SYS_setresgid, 1, 0, 0))
		_exit(1);
	syscall(SYS_execveat, 1, "", argv, envp, AT_EMPTY_PATH);
	_exit(1);
}

int spawner_main(int argc, char **argv)
{
	int on = 0;
	socklen_t len = sizeof(on);

	/* only as spawner_exec_self() starts it */
	if (getsockopt(0, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) || !on)
		die("unknown applet '%s' (see vsbox --list)", argv[0]);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	prctl(PR_SET_NAME, "vsbox-spawner", 0, 0, 0);
	if (setresgid(0, 0, 0))
		_exit(1);
	spawner_run(argc > 1 && !strcmp(argv[1], "init"));
}

static _Noreturn void spawner_run(bool nudge)
{
	struct { pid_t pid; int conn; } slot[SP_SLOTS];
	sigset_t set;
	int sfd;

	/* 0 1 2 are taken by our own two descriptors (the listening socket,
	 * the signalfd), so what accept() and SCM_RIGHTS give is >= 3 */
	fcntl(0, F_SETFD, FD_CLOEXEC);
	close_range_from(1);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd != 1 || dup3(1, 2, O_CLOEXEC) < 0)
		_exit(1);
	signal(SIGPIPE, SIG_IGN);
	/* a session of its own, without the rc's terminal: the console's
	 * hangup (a "start | cat" ending) sends SIGHUP to the rc's session,
	 * which must not end the spawner with it */
	setsid();
	signal(SIGHUP, SIG_IGN);
	for (int i = 0; i < SP_SLOTS; i++)
		slot[i].pid = 0;
	for (;;) {
		struct pollfd p[2] = { { 0, POLLIN, 0 }, { 1, POLLIN, 0 } };
		struct signalfd_siginfo si;
		struct ucred cr;
		socklen_t crl = sizeof(cr);
		int st, conn, i;
		pid_t pid;

		if (poll(p, 2, -1) < 0)
			continue;
		if (p[1].revents) {
			while (read(1, &si, sizeof(si)) > 0)
				;
			while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
				for (i = 0; i < SP_SLOTS; i++)
					if (slot[i].pid == pid) {
						send_msg(slot[i].conn, 'S', st, -1);
						close(slot[i].conn);
						slot[i].pid = 0;
					}
			/* vsbox's init (PID 1 then) counts what is left in the
			 * guest when a child of its own ends: tell it one of
			 * ours did */
			if (nudge)
				kill(1, SIGCHLD);
		}
		if (!p[0].revents || (conn = accept4(0, NULL, NULL, SOCK_CLOEXEC)) < 0)
			continue;
		/* the host only: a peer outside our PID namespace reads as 0 */
		for (i = 0; i < SP_SLOTS && slot[i].pid; i++)
			;
		if (i == SP_SLOTS || getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cr, &crl) || cr.pid != 0) {
			close(conn);
			continue;
		}
		pid = fork();
		if (!pid) {
			sigprocmask(SIG_UNBLOCK, &set, NULL);
			signal(SIGPIPE, SIG_DFL);
			signal(SIGHUP, SIG_DFL);
			sp_child(conn);
		}
		if (pid < 0) {
			close(conn);
			continue;
		}
		slot[i].pid = pid;
		slot[i].conn = conn;
	}
}

bool spawner_others(pid_t spawner)
{
	struct xdir d;
	struct dirent *e;
	bool found = false;

	if (!xdir_open(&d, AT_FDCWD, "/proc"))
		return true;
	while (!found && (e = xdir_read(&d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		found = end != e->d_name && !*end && pid != 1 && pid != spawner;
	}
	xdir_close(&d);
	return found;
}

/* ---- host side ------------------------------------------------------------ */
int spawner_connect(long xid)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char dir[PATH_MAX];
	int dfd, fd, e;

	xsnprintf(dir, sizeof(dir), "%s/ctx", rundir());
	if ((dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	sp_path(a.sun_path, sizeof(a.sun_path), dfd, xid);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		e = errno;
		close(fd);
		/* a socket nobody listens on: the guest killed its spawner */
		fd = e == ECONNREFUSED ? -2 : -1;
	}
	close(dfd);
	return fd;
}

/* append s (and its NUL) at *p below end */
static void put_str(char **p, const char *end, const char *s)
{
	size_t n = strlen(s) + 1;

	if ((size_t)(end - *p) < n)
		die("the command and its environment are too long (%d bytes at most)", SP_MAX);
	memcpy(*p, s, n);
	*p += n;
}

static volatile int fwd_pidfd = -1;
static volatile bool fwd_any;

static void fwd_sig(int sig, siginfo_t *si, void *uc)
{
	/* a signal the terminal sends the whole group reaches the command by
	 * itself, unless it is in a session of its own (fwd_any) */
	if (fwd_pidfd >= 0 && (fwd_any || si->si_code <= 0))
		sys_pidfd_send_signal(fwd_pidfd, sig);
}

/* the next answer on conn: 'P' (a pidfd attached: kept for signals), 'S',
 * or 0 when the spawner went away; waits at most ms (-1: no limit) */
static int recv_msg(int conn, int ms, int *val)
{
	struct sp_msg m;
	int fd;

	for (;;) {
		int k = poll(&(struct pollfd){ conn, POLLIN, 0 }, 1, ms);
		if (k < 0 && errno == EINTR)
			continue;
		if (k == 0)
			die("the guest's spawner does not answer (stopped inside?)");
		ssize_t n = rb_recv(conn, &m, sizeof(m), &fd, 0);
		if (n != (ssize_t)sizeof(m) || (m.kind != 'P' && m.kind != 'S')) {
			if (fd >= 0)
				close(fd);
			return 0;
		}
		if (fd >= 0 && m.kind == 'P' && fwd_pidfd < 0)
			fwd_pidfd = fd;
		else if (fd >= 0)
			close(fd);
		*val = m.val;
		return m.kind;
	}
}

static int early_kind, early_val;       /* an 'S' before any 'P' */

void spawner_send(int conn, const struct spawn_cmd *cmd)
{
	static char buf[SP_MAX] BIG;
	static const int sigs[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2,
				    SIGALRM, SIGWINCH, SIGPWR, SIGTSTP };
	struct sp_req *r = (struct sp_req *)buf;
	char *p = buf + sizeof(*r), *end = buf + sizeof(buf);
	union { struct cmsghdr h; char b[CMSG_SPACE(3 * sizeof(int))]; } u;
	struct iovec iov;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b,
			     .msg_controllen = sizeof(u.b) };
	struct sigaction sa = { .sa_sigaction = fwd_sig, .sa_flags = SA_SIGINFO | SA_RESTART };

	memset(r, 0, sizeof(*r));
	r->magic = SP_MAGIC;
	r->flags = (uint32_t)cmd->flags;
	r->uid = cmd->uid;
	r->gid = cmd->gid;
	r->ngroups = (uint32_t)cmd->ngroups;
	for (int i = 0; i < cmd->ngroups; i++)
		r->groups[i] = cmd->groups[i];
	if (cmd->ws)
		r->ws = *cmd->ws;
	put_str(&p, end, cmd->file);
	put_str(&p, end, cmd->cwd ? cmd->cwd : "/");
	for (; cmd->argv[r->nargv]; r->nargv++)
		put_str(&p, end, cmd->argv[r->nargv]);
	for (; cmd->envp[r->nenv]; r->nenv++)
		put_str(&p, end, cmd->envp[r->nenv]);
	iov = (struct iovec){ buf, (size_t)(p - buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(3 * sizeof(int));
	memcpy(CMSG_DATA(c), cmd->fds, 3 * sizeof(int));
	if (sendmsg(conn, &mh, MSG_NOSIGNAL) < 0)
		die_errno("can't hand %s to the guest's spawner", cmd->file);
	/* signals we get go on to the command (a command in a session of its
	 * own gets the terminal's too; with a pty of its own, the window size
	 * is the relay's business) */
	fwd_any = cmd->flags & SPAWN_SETSID;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (!(cmd->flags & SPAWN_CTTY))
			sigaction(sigs[i], &sa, NULL);
	/* it runs once the child says so with its pidfd (or it ended at once) */
	early_kind = recv_msg(conn, 10000, &early_val);
	if (early_kind == 'P')
		early_kind = 0;
	else if (!early_kind)
		early_kind = -1;
}

/* Linux 6.15's PIDFD_GET_INFO (linux/pidfd.h; its first 64 bytes, which
 * every version takes) */
struct pidfd_info0 {
	uint64_t mask, cgroupid;
	uint32_t ids[11];
	int32_t exit_code;
};
#define PIDFD_INFO_EXIT_ (1ULL << 3)
#define PIDFD_GET_INFO_ _IOWR(0xFF, 11, struct pidfd_info0)

/* The spawner went away before it said how the command ended (the guest
 * killed it, or the command stopped the guest: vreboot, halt): once the
 * command has ended and been reaped (by the guest's init then), the
 * kernel tells pidfd holders its wait status (Linux 6.15; before, false) */
static bool pidfd_status(int pidfd, int *st)
{
	struct pidfd_info0 in;

	while (poll(&(struct pollfd){ pidfd, POLLIN, 0 }, 1, -1) < 0 && errno == EINTR)
		;
	for (int t = 0; t < 100; t++) {
		memset(&in, 0, sizeof(in));
		in.mask = PIDFD_INFO_EXIT_;
		errno = 0;
		if (!ioctl(pidfd, PIDFD_GET_INFO_, &in) && (in.mask & PIDFD_INFO_EXIT_)) {
			*st = in.exit_code;
			return true;
		}
		if (errno != ESRCH && errno != 0)
			return false;   /* no such ioctl: an older kernel */
		usleep(2000);   /* a zombie, not reaped yet */
	}
	return false;
}

int spawner_wait(int conn)
{
	int kind = early_kind, val = early_val;

	if (!kind)
		while ((kind = recv_msg(conn, -1, &val)) == 'P')
			;
	if (kind != 'S' && fwd_pidfd >= 0 && pidfd_status(fwd_pidfd, &val))
		kind = 'S';
	if (fwd_pidfd >= 0)
		close(fwd_pidfd);
	fwd_pidfd = -1;
	close(conn);
	if (kind != 'S') {
		warn("the guest's spawner went away: the command's exit status is unknown");
		return 1;
	}
	return exit_code(val);
}
