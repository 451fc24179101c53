/* migrate.c - vserver NAME copy|move [USER@]HOST[:NEWNAME]: the source side.
 *
 * A guest is a directory and its settings, so a copy is rsync plus the
 * settings, and a move is a copy with the guest stopped for the last pass
 * only (OpenVZ's vzmigrate did the same):
 *
 *   1. our lock ($VSBOX_RUNDIR/guests/NAME.migrate), one walk of the root
 *      (its size, its immutable files: lib/mtree.c);
 *   2. the target's half, "vserver NEWNAME recv" (lib/migrecv.c), over ssh
 *      (or sh on this host for HOST "."), gets the settings and makes the
 *      pre-flight; it holds the target's lock and undoes everything it made
 *      unless it is told "commit";
 *   3. rsync -aHAX --numeric-ids --sparse --delete passes into the root it
 *      made, repeated for a running guest while what a pass had to send
 *      shrinks (at most --passes);
 *   4. a move stops the guest here, makes the last pass, has the target
 *      set the flags, write the settings, start it and probe it, commits,
 *      and removes it here (--keep: leaves it stopped).
 * A failure after the stop closes the channel (the target stops and removes
 * its copy) and starts the guest here again: it is never lost and never
 * runs on both. Only a commit whose answer is lost leaves it open: then it
 * is not restarted here, and the message says to look at the target.
 */
#include "vsbox.h"
#include <sys/file.h>

static const struct option mopts[] = {
	{ "ssh-opt", required_argument, NULL, 'o' },
	{ "remote-vsbox", required_argument, NULL, 'r' },
	{ "new-context", no_argument, NULL, 'n' },
	{ "start", no_argument, NULL, 's' },
	{ "keep", no_argument, NULL, 'k' },
	{ "passes", required_argument, NULL, 'p' },
	{ "check-tcp", required_argument, NULL, 't' },
	{ "check-url", required_argument, NULL, 'u' },
	{ "check-timeout", required_argument, NULL, 'w' },
	{ "quiet", no_argument, NULL, 'q' },
	{ 0 }
};

static struct {
	bool move, newctx, start, keep, quiet;
	int passes, check_secs;
	const char *ssh_opt[32], *rvsbox, *check_tcp, *check_url;
	int nssh;
	char host[256], newname[64], target[320];
	struct guest g;
	struct mchan ch;
	pid_t sess;
	bool stopped, commit_sent;
	char troot[PATH_MAX];
} M BIG;

int guest_fork_cmd(const char *name, bool start, bool quiet, const int *closefds, int n)
{
	pid_t pid;

	fflush(NULL);
	if ((pid = fork()) < 0)
		return -1;
	if (!pid) {
		struct guest g;
		undo_forget();
		/* a guest started here must not hold a channel's pipes: its
		 * peer would never see it end */
		for (int i = 0; i < n; i++)
			close(closefds[i]);
		guest_load(name, &g);
		_exit(start ? guest_start(&g, quiet) : guest_stop(&g, quiet));
	}
	return wait_forward(pid);
}

static int run_cmd(const char *const *argv, int outfd)
{
	pid_t pid;

	fflush(NULL);
	if ((pid = fork()) < 0)
		die_errno("can't fork");
	if (!pid) {
		int cl[2] = { M.ch.in, M.ch.out };
		for (int i = 0; i < 2; i++)
			if (cl[i] >= 0)
				close(cl[i]);
		if (outfd >= 0)
			dup2(outfd, 1);
		execvp(argv[0], (char **)argv);
		warn_errno("can't execute %s", argv[0]);
		_exit(127);
	}
	return wait_forward(pid);
}

static void undo_unlink(void *path)
{
	unlink(path);
}

/* the ssh command line: ours, then every --ssh-opt */
static int ssh_argv(const char **av)
{
	int n = 0;

	av[n++] = "ssh";
	av[n++] = "-o";
	av[n++] = "BatchMode=yes";
	for (int i = 0; i < M.nssh; i++) {
		av[n++] = "-o";
		av[n++] = M.ssh_opt[i];
	}
	return n;
}

/* ---- the channel to the target ------------------------------------------ */
static void session_end(void)
{
	if (M.ch.out >= 0)
		close(M.ch.out);
	if (M.ch.in >= 0)
		close(M.ch.in);
	M.ch.in = M.ch.out = -1;
	if (M.sess > 0)
		waitpid(M.sess, NULL, 0);
	M.sess = 0;
}

/* what a failure undoes: the target's part first (it stops and removes its
 * copy once the channel closes), then the guest runs here again */
static void undo_all(void *arg)
{
	session_end();
	if (M.stopped && !M.commit_sent) {
		warn("%s: starting it here again", M.g.name);
		if (guest_fork_cmd(M.g.name, true, M.quiet, NULL, 0))
			warn("%s: the start here failed too: it is stopped here, and not there", M.g.name);
	}
}

static void session_start(void)
{
	int to[2], from[2];
	const char *av[80];
	char cmd[PATH_MAX + 128], self[PATH_MAX];
	int n = 0;
	ssize_t l;

	if (!M.rvsbox) {
		/* on this host: this very binary; elsewhere, vsbox on PATH */
		if (strcmp(M.host, ".") || (l = readlink("/proc/self/exe", self, sizeof(self) - 1)) <= 0)
			snprintf(self, sizeof(self), "vsbox");
		else
			self[l] = 0;
		M.rvsbox = xstrdup(self);
	}
	xsnprintf(cmd, sizeof(cmd), "%s vserver %s recv", M.rvsbox, M.newname);
	if (!strcmp(M.host, ".")) {
		av[n++] = "sh";
		av[n++] = "-c";
	} else {
		n = ssh_argv(av);
		av[n++] = "-T";
		av[n++] = M.host;
	}
	av[n++] = cmd;
	av[n] = NULL;
	if (pipe2(to, O_CLOEXEC) || pipe2(from, O_CLOEXEC))
		die_errno("can't make pipes");
	fflush(NULL);
	if ((M.sess = fork()) < 0)
		die_errno("can't fork");
	if (!M.sess) {
		dup2(to[0], 0);
		dup2(from[1], 1);
		execvp(av[0], (char **)av);
		warn_errno("can't execute %s", av[0]);
		_exit(127);
	}
	close(to[0]);
	close(from[1]);
	mchan_init(&M.ch, from[0], to[1]);
	undo_push(undo_all, NULL, 0);
}

/* send a request (NULL: none, just read), read its answer; dies on
 * "error ..." with the target's words, or on a lost session */
static void ask(char *ans, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void ask(char *ans, size_t n, const char *fmt, ...)
{
	char req[1024];
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(req, sizeof(req), fmt, ap);
		va_end(ap);
		if (mchan_write(&M.ch, req, strlen(req)))
			die("%s: the session there ended (see above)", M.target);
	}
	if (mchan_getline(&M.ch, ans, n))
		die("%s: the session there ended (see above)", M.target);
	if (!strncmp(ans, "error ", 6))
		die("%s: %s", M.target, ans + 6);
}

static void send_file(const char *kind, const char *path)
{
	static char buf[1 << 20] BIG;
	char ans[256];
	ssize_t n = read_file(path, buf, sizeof(buf));

	if (n < 0) {
		if (errno == ENOENT)
			return;
		die_errno("can't read %s", path);
	}
	if (mchan_printf(&M.ch, "file %s %zd\n", kind, n) || mchan_write(&M.ch, buf, (size_t)n))
		die("%s: the session there ended (see above)", M.target);
	ask(ans, sizeof(ans), NULL);
}

/* ---- the data ------------------------------------------------------------ */
struct pass { unsigned long long bytes, files, ms; };

static unsigned long long stat_num(const char *text, const char *key)
{
	const char *p = strstr(text, key);
	unsigned long long v = 0;

	if (!p)
		return 0;
	for (p += strlen(key); *p && *p != '\n'; p++)
		if (*p >= '0' && *p <= '9')
			v = v * 10 + (unsigned)(*p - '0');
		else if (*p != ',' && *p != ' ' && *p != '.')
			break;
	return v;
}

/* one rsync pass; last: the guest is stopped (a file vanishing is then an
 * error; while it runs that is what running guests do) */
static void rsync_pass(struct pass *p, bool last)
{
	const char *av[80];
	char src[PATH_MAX], dst[PATH_MAX + 300], ssh[4096], text[8192];
	int n = 0, code, fd;
	uint64_t t0 = mono_ns();
	FILE *f;

	xsnprintf(src, sizeof(src), "%s/", M.g.root);
	av[n++] = "rsync";
	av[n++] = "-aHAX";
	av[n++] = "--numeric-ids";
	av[n++] = "--sparse";
	av[n++] = "--delete";
	av[n++] = "--stats";
	if (strcmp(M.host, ".")) {
		const char *sv[80];
		int k = ssh_argv(sv);
		size_t o = 0;
		for (int i = 0; i < k; i++)
			o += (size_t)snprintf(ssh + o, sizeof(ssh) - o, "%s%s", i ? " " : "", sv[i]);
		if (o >= sizeof(ssh))
			die("--ssh-opt: too long");
		av[n++] = "-e";
		av[n++] = ssh;
		xsnprintf(dst, sizeof(dst), "%s:%s/", M.host, M.troot);
	} else {
		xsnprintf(dst, sizeof(dst), "%s/", M.troot);
	}
	av[n++] = src;
	av[n++] = dst;
	av[n] = NULL;
	if (!(f = tmpfile()))
		die_errno("can't make a temporary file");
	fd = fileno(f);
	code = run_cmd(av, fd);
	if (code && !(code == 24 && !last))
		die("rsync to %s failed (exit %d)", M.target, code);
	lseek(fd, 0, SEEK_SET);
	ssize_t r = read(fd, text, sizeof(text) - 1);
	text[r > 0 ? r : 0] = 0;
	fclose(f);
	p->bytes = stat_num(text, "Total transferred file size:");
	p->files = stat_num(text, "Number of regular files transferred:") +
		   stat_num(text, "Number of deleted files:");
	p->ms = (mono_ns() - t0) / 1000000;
}

static void say_pass(int i, const struct pass *p, const char *what)
{
	if (!M.quiet)
		fprintf(stderr, "%s: pass %d%s: %llu bytes in %llu files changed, %llu ms\n",
			M.g.name, i, what, p->bytes, p->files, p->ms);
}

/* the immutable and append-only flags, now that nothing changes them */
static void send_flags(int rootfd, struct mtree *t)
{
	char ans[1024], esc[PATH_MAX * 3 + 1];

	mtree_free(t);
	mtree_scan(rootfd, t);
	if (mchan_printf(&M.ch, "flags %d\n", t->nflag))
		die("%s: the session there ended (see above)", M.target);
	for (int i = 0; i < t->nflag; i++) {
		mtree_escape(t->flag[i].path, esc, sizeof(esc));
		if (mchan_printf(&M.ch, "%x %s\n", t->flag[i].flags, esc))
			die("%s: the session there ended (see above)", M.target);
	}
	ask(ans, sizeof(ans), NULL);
}

/* after a move: the guest goes from here (its flags first: an immutable
 * file can't be removed); rootfd is closed */
static void remove_here(int rootfd, const struct mtree *t)
{
	static const char *const sfx[] = { ".conf", ".sh", ".fstab" };
	char path[PATH_MAX];
	int parent;

	for (int i = 0; i < t->nflag; i++)
		mtree_setflags(rootfd, t->flag[i].path, t->flag[i].flags, false);
	close(rootfd);          /* (an overlay's would keep it mounted) */
	parent = xopenat(AT_FDCWD, rootdir(), O_RDONLY | O_DIRECTORY, 0);
	/* (an overlay guest of vunify's: its layers and mount point) */
	if (uovl_is(M.g.name) ? uovl_remove(M.g.name) : quota_rmroot(parent, M.g.name))
		warn_errno("%s: can't remove %s", M.g.name, M.g.root);
	close(parent);
	for (int i = 0; i < 3; i++) {
		xsnprintf(path, sizeof(path), "%s/%s%s", confdir(), M.g.name, sfx[i]);
		if (unlink(path) && errno != ENOENT)
			warn_errno("%s: can't remove %s", M.g.name, path);
	}
}

static void parse_target(const char *arg, const char *name)
{
	const char *at = strchr(arg, '@'), *h = at ? at + 1 : arg, *colon;
	size_t hl;

	/* [USER@]HOST[:NEWNAME]; HOST may be [IPv6] */
	if (*h == '[') {
		const char *e = strchr(h, ']');
		if (!e)
			usage_die("'%s': no ']' after the address", arg);
		colon = e[1] == ':' ? e + 1 : e[1] ? (usage_die("'%s': bad target", arg), NULL) : NULL;
	} else {
		colon = strchr(h, ':');
	}
	hl = colon ? (size_t)(colon - arg) : strlen(arg);
	if (!hl || hl >= sizeof(M.host) || *arg == '-' || (at && at == arg))
		usage_die("'%s' is not [USER@]HOST[:NEWNAME]", arg);
	memcpy(M.host, arg, hl);
	M.host[hl] = 0;
	snprintf(M.newname, sizeof(M.newname), "%s", colon && colon[1] ? colon + 1 : name);
	if (!guest_name_ok(M.newname))
		usage_die("'%s' is not a guest name", M.newname);
	if (!strcmp(M.host, ".") && !strcmp(M.newname, name))
		usage_die("a copy on this host (\".\") needs a new name: .:NEWNAME");
	snprintf(M.target, sizeof(M.target), "%s:%s", M.host, M.newname);
}

int guest_migrate(const char *name, char **args, bool move)
{
	char *av[80], lock[PATH_MAX], ans[PATH_MAX + 16];
	int ac = 0, c, lockfd, rootfd, npass = 0;
	const char *dest = NULL;
	struct pass p = { 0 };
	struct mtree t;
	struct ctx x;
	unsigned long long total = 0, prev = ~0ULL;
	uint64_t t_stop = 0;
	long long port;
	bool running;

	/* rsync copies ids as they are shown */
	if (uovl_shift(name))
		die("%s: its overlay shows its ids shifted (USERNS=yes, unified): vunify --undo %s first", name, name);
	M.move = move;
	M.passes = 5;
	M.check_secs = 10;
	M.ch.in = M.ch.out = -1;
	av[ac++] = move ? "move" : "copy";
	for (; *args && ac < 79; args++)
		av[ac++] = *args;
	av[ac] = NULL;
	optind = 1;
	while (optind < ac) {
		if ((c = opt_next(ac, av, "q", mopts, NULL)) == -1) {
			if (dest)
				usage_die("unexpected argument '%s'", av[optind]);
			dest = av[optind++];
			continue;
		}
		switch (c) {
		case 'o':
			if (M.nssh == 32)
				usage_die("too many --ssh-opt");
			M.ssh_opt[M.nssh++] = optarg;
			break;
		case 'r': M.rvsbox = optarg; break;
		case 'n': M.newctx = true; break;
		case 's': M.start = true; break;
		case 'k': M.keep = true; break;
		case 'p': M.passes = (int)parse_long(optarg, 1, 100, "--passes"); break;
		case 't': M.check_tcp = optarg; break;
		case 'u': M.check_url = optarg; break;
		case 'w': M.check_secs = (int)parse_long(optarg, 1, 3600, "--check-timeout"); break;
		case 'q': M.quiet = true; break;
		default: usage_die("see vserver --help");
		}
	}
	if (!dest)
		usage_die("%s needs [USER@]HOST[:NEWNAME]", av[0]);
	if (M.keep && !move)
		usage_die("--keep is for move");
	if (M.check_tcp && (!strrchr(M.check_tcp, ':') || !scan_ll(strrchr(M.check_tcp, ':') + 1, 1, 65535, &port)))
		usage_die("--check-tcp: '%s' is not ADDR:PORT", M.check_tcp);
	parse_target(dest, name);
	if (geteuid() != 0)
		die("copying a guest needs root");
	guest_load(name, &M.g);

	/* 1. our lock, the guest's size and flags */
	xsnprintf(lock, sizeof(lock), "%s/guests", rundir());
	xmkdir_p(lock, 0755);
	xsnprintf(lock, sizeof(lock), "%s/guests/%s.migrate", rundir(), name);
	lockfd = xopenat(AT_FDCWD, lock, O_RDWR | O_CREAT | O_NOFOLLOW, 0600);
	if (flock(lockfd, LOCK_EX | LOCK_NB))
		die("%s: a copy or move of it is going on already", name);
	undo_push(undo_unlink, lock, strlen(lock) + 1);
	rootfd = open(M.g.root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (rootfd < 0)
		die_errno("can't open %s", M.g.root);
	mtree_scan(rootfd, &t);
	if (t.outlinks && !M.quiet)
		warn("%s: %lu of its files are hard links to files outside its root (unified with a store?): "
		     "they arrive as plain files", name, t.outlinks);
	running = ctx_by_name(name, &x);

	/* 2. the target's half, its version, the settings, the pre-flight */
	session_start();
	ask(ans, sizeof(ans), NULL);
	if (strncmp(ans, "vsbox-recv ", 11))
		die("%s: no vsbox answers there (got '%.60s')", M.target, ans);
	if (atoi(ans + 11) != MIGRATE_PROTO)
		die("%s: vsbox there (%s) is not compatible with this one (%s, protocol %d)",
		    M.target, ans + 11, VSBOX_VERSION, MIGRATE_PROTO);
	send_file("conf", M.g.conf);
	send_file("sh", M.g.hook);
	send_file("fstab", M.g.fstab);
	ask(ans, sizeof(ans), "check %llu %llu %d %s\n", t.bytes, t.inodes, M.newctx,
	    move && !strcmp(M.host, ".") ? name : "-");
	xsnprintf(M.troot, sizeof(M.troot), "%s", ans + 3);

	/* 3. the passes: while it runs, again while a pass sends less than
	 * the one before (what changed during it) */
	do {
		rsync_pass(&p, !running);
		total += p.bytes;
		say_pass(++npass, &p, running ? " (running)" : "");
		if (!running || !move || p.bytes >= prev || (p.bytes < (1 << 20) && p.files < 100))
			break;
		prev = p.bytes;
	} while (npass < M.passes);

	/* 4. the short stop and the last pass */
	if (move && running) {
		t_stop = mono_ns();
		int cl[2] = { M.ch.in, M.ch.out };
		if (guest_fork_cmd(name, false, true, cl, 2))
			die("%s: the stop failed", name);
		M.stopped = true;
		rsync_pass(&p, true);
		total += p.bytes;
		say_pass(++npass, &p, " (stopped)");
	}
	send_flags(rootfd, &t);
	ask(ans, sizeof(ans), "install\n");
	if (M.stopped || M.start) {
		ask(ans, sizeof(ans), "start\n");
		if (M.check_tcp) {
			char a[256];
			snprintf(a, sizeof(a), "%s", M.check_tcp);
			char *colon = strrchr(a, ':');
			*colon = 0;
			/* [IPv6]:PORT: the address without its brackets */
			if (a[0] == '[' && colon[-1] == ']')
				colon[-1] = 0;
			ask(ans, sizeof(ans), "probe tcp %s %s %d\n", a[0] == '[' ? a + 1 : a, colon + 1, M.check_secs);
		}
		if (M.check_url)
			ask(ans, sizeof(ans), "probe url %s %d\n", M.check_url, M.check_secs);
	}
	M.commit_sent = true;
	if (mchan_write(&M.ch, "commit\n", 7) || mchan_getline(&M.ch, ans, sizeof(ans)) || strcmp(ans, "ok"))
		die("%s: no answer to the commit: %s may be running there; it stays stopped here", M.target, name);
	uint64_t down = t_stop ? (mono_ns() - t_stop) / 1000000 : 0;
	undo_forget();
	session_end();
	if (move && !M.keep)
		remove_here(rootfd, &t);   /* (it closes rootfd) */
	else
		close(rootfd);
	unlink(lock);
	close(lockfd);
	if (!M.quiet) {
		printf("%s: %s to %s in %d pass%s (%llu bytes sent)", name, move ? "moved" : "copied",
		       M.target, npass, npass > 1 ? "es" : "", total);
		if (t_stop)
			printf(", downtime %llu ms", (unsigned long long)down);
		printf("%s\n", move && M.keep ? "; kept here, stopped" : "");
	}
	mtree_free(&t);
	return 0;
}
