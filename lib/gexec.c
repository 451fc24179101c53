/* gexec.c - vserver exec, enter, suexec, service: a command in a running
 * guest.
 *
 * The host side looks up the guest's user (its /etc/passwd, once in its
 * namespaces) and, for enter on a terminal, allocates a pty in the
 * guest's own devpts (the host terminal stays with us and never reaches
 * the guest: no TIOCSTI). The command itself is forked by the guest's
 * spawner (lib/spawner.c) when it has one: then it is in the Landlock
 * domain of the guest's rc and daemons. Else (no Landlock scope to keep,
 * or a guest that killed its spawner) by us, in its namespaces and
 * cgroups, with the same restrictions set anew: a domain of its own.
 */
#include "vsbox.h"
#include "guests.h"
#include <grp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>

/* the environment a command inside starts with */
static void make_env(char **envp, const struct guser *u, const char *term)
{
	int n = 0;

	envp[n++] = xasprintf("PATH=%s", u->uid ? "/usr/local/bin:/usr/bin:/bin" :
			      "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	envp[n++] = xasprintf("HOME=%s", u->home);
	envp[n++] = xasprintf("USER=%s", u->name);
	envp[n++] = xasprintf("LOGNAME=%s", u->name);
	envp[n++] = xasprintf("SHELL=%s", u->shell);
	envp[n++] = xasprintf("TERM=%s", term ? term : "dumb");
	envp[n++] = "container=vsbox";  /* as PID 1 has it */
	envp[n] = NULL;
}

/* in the forked child, already in the guest's namespaces: the last steps */
static _Noreturn void exec_inside(const struct guest *g, const struct ctx *c, const struct guser *u,
				  const char *file, char **argv, char **envp, const char *cwd)
{
	close_range_from(3);
	environ = envp;
	seccomp_loosen(guest_sc_allow(&g->c));
	/* seccomp and the ceiling, then the user (needs CAP_SETUID, kept in
	 * the ceiling), last exec */
	ctx_restrict(c->flags, c->bset);
	if (u->uid || u->gid) {
		if (setgroups((size_t)u->ngroups, u->groups) ||
		    setresgid(u->gid, u->gid, u->gid) || setresuid(u->uid, u->uid, u->uid))
			die_errno("can't become %s", u->name);
	}
	if (chdir(cwd) && chdir("/"))
		die_errno("can't chdir to /");
	execvp(file, argv);
	warn_errno("can't execute %s", file);
	_exit(errno == ENOENT ? 127 : 126);
}

static volatile sig_atomic_t winch;
static void on_winch(int sig) { winch = 1; }

/* copy between the host terminal and the pty master until the shell ends */
static void relay(int master)
{
	struct termios saved, raw;
	struct winsize ws;
	struct sigaction sa = { .sa_handler = on_winch };
	bool in_open = true;

	sigaction(SIGWINCH, &sa, NULL);
	if (!ioctl(0, TIOCGWINSZ, &ws))
		ioctl(master, TIOCSWINSZ, &ws);
	bool tty = !tcgetattr(0, &saved);
	if (tty) {
		raw = saved;
		cfmakeraw(&raw);
		tcsetattr(0, TCSANOW, &raw);
	}
	for (;;) {
		struct pollfd p[2] = { { master, POLLIN, 0 }, { in_open ? 0 : -1, POLLIN, 0 } };
		char buf[4096];
		ssize_t n;
		if (winch) {
			winch = 0;
			if (!ioctl(0, TIOCGWINSZ, &ws))
				ioctl(master, TIOCSWINSZ, &ws);
		}
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents) {
			n = read(master, buf, sizeof(buf));
			if (n <= 0)
				break;  /* EIO: the last slave closed */
			if (write(1, buf, (size_t)n) < 0)
				break;
		}
		if (p[1].revents) {
			n = read(0, buf, sizeof(buf));
			if (n <= 0)
				in_open = false;
			else if (write(master, buf, (size_t)n) < 0)
				break;
		}
	}
	if (tty)
		tcsetattr(0, TCSANOW, &saved);
	close(master);
}

/* the command is in a session of its own: the terminal's ^C, ^\\ and
 * hangup reach only us, so pass every such signal on */
static volatile pid_t fwd_pid;
static void fwd_all(int sig) { kill(fwd_pid, sig); }

static int wait_all(pid_t pid)
{
	static const int sigs[] = { SIGINT, SIGQUIT, SIGHUP, SIGTERM, SIGTSTP, SIGWINCH };
	struct sigaction sa = { .sa_handler = fwd_all, .sa_flags = SA_RESTART };
	int st;

	fwd_pid = pid;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			die_errno("can't wait for process %d", (int)pid);
	return exit_code(st);
}

/* the guest's spawner, if it has one; says so if the guest killed it */
int guest_spawner(const char *name, long xid, const char *what)
{
	int conn = spawner_connect(xid);

	if (conn == -2)
		warn("%s: its spawner is gone (killed inside): %s runs in a Landlock domain of its own, "
		     "apart from the guest's daemons (vserver(8), SECURITY)", name, what);
	return conn;
}

int guest_spawn_rc(int conn, char **argv, const int *fds)
{
	char *envp[] = { "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	struct spawn_cmd sc = { .file = argv[0], .argv = argv, .envp = envp, .cwd = "/",
				.fds = { fds[0], fds[1], fds[2] }, .flags = SPAWN_SETSID };

	spawner_send(conn, &sc);
	return spawner_wait(conn);
}

int guest_run(struct guest *g, const char *who, char **argv, bool login, bool use_pty)
{
	const char *term = getenv("TERM");
	struct ctx c;
	struct guser u;
	struct winsize ws;
	char *envp[8], arg0[sizeof(u.shell) + 1], *largv[2] = { arg0, NULL };
	int master = -1, slave = -1, conn;
	pid_t pid;

	if (geteuid() != 0)
		die("running a command in a guest needs root");
	if (!ctx_by_name(g->name, &c))
		die("%s is not running", g->name);
	/* its spawner's socket is on the host, outside the guest's root */
	conn = guest_spawner(g->name, c.xid, login ? "the shell" : argv[0]);
	/* its limits first (inside a user namespace they could only be
	 * lowered); into its cgroups and namespaces; from here on "/" is
	 * its root */
	guest_rlimits(&g->c, 0);
	ctx_enter(c.xid, &c);
	guser_lookup(g->name, who, &u);
	guser_groups(&u);
	make_env(envp, &u, term);
	if (login) {
		const char *b = strrchr(u.shell, '/');
		snprintf(arg0, sizeof(arg0), "-%s", b ? b + 1 : u.shell);
	}
	if (use_pty) {
		/* the pty comes from the guest's own devpts: the host terminal
		 * stays with us and never reaches the guest (no TIOCSTI) */
		master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (master < 0 || unlockpt(master))
			die_errno("can't allocate a pty in %s", g->name);
		slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (slave < 0)
			die_errno("can't open the pty of %s", g->name);
	}
	/* a host terminal passed through: not the command's controlling
	 * terminal (a session of its own), so TIOCSTI on it needs
	 * CAP_SYS_ADMIN */
	bool own_tty = !use_pty && (isatty(0) || isatty(1) || isatty(2));
	if (conn >= 0) {
		struct spawn_cmd sc = {
			.file = login ? u.shell : argv[0], .argv = login ? largv : argv, .envp = envp,
			.cwd = login ? u.home : "/", .uid = u.uid, .gid = u.gid,
			.ngroups = u.ngroups, .groups = (const unsigned *)u.groups,
			.fds = { use_pty ? slave : 0, use_pty ? slave : 1, use_pty ? slave : 2 },
			.flags = use_pty ? SPAWN_SETSID | SPAWN_CTTY : own_tty ? SPAWN_SETSID : 0,
			.ws = use_pty && !ioctl(0, TIOCGWINSZ, &ws) ? &ws : NULL,
		};
		spawner_send(conn, &sc);
		if (use_pty) {
			close(slave);
			relay(master);
		}
		return spawner_wait(conn);
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		die_errno("can't fork");
	if (!pid) {
		if (use_pty) {
			setsid();
			if (ioctl(slave, TIOCSCTTY, 0))
				die_errno("can't make the pty the controlling terminal");
			dup2(slave, 0);
			dup2(slave, 1);
			dup2(slave, 2);
		} else if (own_tty) {
			setsid();
		}
		exec_inside(g, &c, &u, login ? u.shell : argv[0], login ? largv : argv, envp,
			    login ? u.home : "/");
	}
	if (own_tty)
		return wait_all(pid);
	if (!use_pty)
		return wait_forward(pid);
	close(slave);
	relay(master);
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 1;
	return exit_code(st);
}
