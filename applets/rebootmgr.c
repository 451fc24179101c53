/* rebootmgr.c - the host's one daemon that restarts or stops a guest when
 * the guest asks: vreboot and vhalt over its /dev/reboot, and its own
 * reboot(2). The mechanism, and why it is built so, is lib/rebootd.c (the
 * holder of the guests' reboot(2) listeners: lib/reboothold.c).
 *
 * Kernel interfaces: epoll, signalfd, pidfd_open, unix sockets (stream,
 * seqpacket, SCM_RIGHTS, SO_PEERCRED), seccomp user notifications
 * (SECCOMP_IOCTL_NOTIF_*, CONTINUE), pidfd_getfd, flock.
 */
#include "vsbox.h"
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>

USAGE(rebootmgr, usage,
"usage: rebootmgr [--foreground] [--log syslog|stderr]\n"
"Restart or stop a guest when it asks: with vreboot or vhalt inside it (over\n"
"the socket rebootmgr puts at the guest's /dev/reboot, which tells it which\n"
"guest asks) or with its own reboot(2) (busybox reboot and poweroff,\n"
"shutdown -r, systemctl reboot). A restart is \"vserver NAME restart\" (stop\n"
"hooks, cleanup, NAME.conf read again, start hooks), a halt \"vserver NAME\n"
"stop\"; a guest restarted REBOOT_LIMIT times (NAME.conf, default 5) within a\n"
"minute is stopped instead. One daemon for the whole host; it finds the\n"
"running guests at start, vserver start tells it about new ones.\n"
"  --foreground  stay in the foreground (default: detach once ready)\n"
"  --log WHERE   syslog (default when detached) or stderr (default in the\n"
"                foreground)\n"
"Files in $VSBOX_RUNDIR (/run/vsbox): rebootmgr.sock (its control socket),\n"
"rebootmgr.pid, rebootmgr.lock, and rebootmgr.hold, rebootmgr.holder: its\n"
"holder process (rebootmgr-hold), which keeps the guests' reboot(2) for the\n"
"next rebootmgr while none runs.\n"
"Signals: TERM or INT to end it, HUP to look for running guests again.\n");

static const struct option opts[] = {
	{ "foreground", no_argument, NULL, 'f' },
	{ "log", required_argument, NULL, 'l' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 }
};

static struct {
	bool foreground;
	int log;                /* 0: the default, 1 syslog, 2 stderr */
	int readyfd;            /* detaching: tells the parent we are ready */
	bool syslog;
	int lockfd;
} G = { .readyfd = -1, .lockfd = -1 };

/* systemd's Type=notify readiness ($NOTIFY_SOCKET: a path or @abstract) */
static void sd_notify_ready(void)
{
	const char *p = getenv("NOTIFY_SOCKET");
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char msg[64];
	int fd;

	if (!p || (p[0] != '/' && p[0] != '@') || strlen(p) >= sizeof(a.sun_path))
		return;
	memcpy(a.sun_path, p, strlen(p));
	if (p[0] == '@')
		a.sun_path[0] = 0;
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return;
	snprintf(msg, sizeof(msg), "READY=1\nMAINPID=%d", (int)getpid());
	sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&a,
	       (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(p)));
	close(fd);
}

static void ready(void)
{
	char path[PATH_MAX], buf[32];

	snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	rb_path("pid", path, sizeof(path));
	xreplace_file(path, buf, strlen(buf));
	sd_notify_ready();
	if (G.readyfd >= 0) {
		(void)!write(G.readyfd, "r", 1);
		close(G.readyfd);
		G.readyfd = -1;
		/* detached and logging to syslog: stderr was for starting */
		int null = G.syslog ? open("/dev/null", O_WRONLY | O_CLOEXEC) : -1;
		if (null >= 0) {
			dup2(null, 2);
			close(null);
		}
	}
}

/* one rebootmgr for a registry: a lock held for life */
static void lock_one(void)
{
	char path[PATH_MAX], pid[32];

	xmkdir_p(rundir(), 0755);
	rb_path("lock", path, sizeof(path));
	G.lockfd = xopenat(AT_FDCWD, path, O_RDWR | O_CREAT | O_NOFOLLOW, 0600);
	if (flock(G.lockfd, LOCK_EX | LOCK_NB)) {
		rb_path("pid", path, sizeof(path));
		if (errno == EWOULDBLOCK && read_file(path, pid, sizeof(pid)) > 0)
			die("rebootmgr runs already (pid %ld)", strtol(pid, NULL, 10));
		die_errno("can't lock %s", path);
	}
}

/* into the background: the parent returns once the daemon is ready (0), or
 * with its error when it is not (1) */
static void detach(void)
{
	int p[2], null;
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC))
		die_errno("can't create a pipe");
	fflush(NULL);
	if ((pid = fork()) < 0)
		die_errno("can't fork");
	if (pid) {
		close(p[1]);
		if (read(p[0], &c, 1) == 1)
			exit(0);
		int st;
		waitpid(pid, &st, 0);
		exit(1);
	}
	close(p[0]);
	G.readyfd = p[1];
	setsid();
	if ((null = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		close(null);
	}
}

int rebootmgr_main(int argc, char **argv)
{
	bool use_syslog;
	int c;

	while ((c = opt_next(argc, argv, "h", opts, usage)) != -1) {
		switch (c) {
		case 'f': G.foreground = true; break;
		case 'l':
			if (!strcmp(optarg, "syslog"))
				G.log = 1;
			else if (!strcmp(optarg, "stderr"))
				G.log = 2;
			else
				usage_die("--log: '%s' is not syslog or stderr", optarg);
			break;
		}
	}
	if (optind < argc)
		usage_die("unexpected argument '%s'", argv[optind]);
	if (geteuid() != 0)
		die("rebootmgr needs root");
	use_syslog = G.syslog = G.log ? G.log == 1 : !G.foreground;
	close_range_from(3);
	lock_one();
	if (!G.foreground)
		detach();
	/* stderr stays while starting, so a failure is seen; once detached
	 * and logging to syslog, nothing more goes there */
	return rebootd_run(use_syslog, ready);
}
