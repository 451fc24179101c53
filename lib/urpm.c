/* urpm.c - the rpm %config files of a guest, which vunify never unifies
 * (as it never unifies dpkg conffiles: a guest's administrator edits them,
 * and rpm decides on upgrade by their content whether to keep them).
 *
 * rpm keeps the list in its database (sqlite since rpm 4.16, Berkeley DB or
 * ndb before), whose formats only librpm reads well. vsbox links no librpm:
 * it asks the host's rpm, and never lets it near the guest's tree:
 *   1. the guest's database directory (usr/lib/sysimage/rpm, else
 *      var/lib/rpm) is opened beneath the guest root with no symlink
 *      followed, and its regular files are copied into a private directory
 *      of ours;
 *   2. "rpm --dbpath COPY -qa --configfiles" runs there as nobody, with
 *      no_new_privs and no capability: the database is the guest's data,
 *      and rpm's parsers must not meet it with root's power;
 *   3. the absolute paths it prints are the guest's %config files.
 * A guest with an rpm database on a host without rpm is refused (vunify
 * dies before it changes anything): unifying its %config files unseen
 * would be worse than not unifying it.
 */
#include "vsbox.h"
#include <dirent.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define NOBODY 65534
#define RPMDB_MAX (1ULL << 30)         /* a copy larger than this is refused */

static const char *const dbdirs[] = { "usr/lib/sysimage/rpm", "var/lib/rpm" };
/* the private copy: removed when done, and by die() (undo stack) */
static char copy[] = "/tmp/vsbox-rpmdb.XXXXXX";

/* copy the regular files of the database directory dfd */
static void copy_db(const char *guest, int dfd)
{
	DIR *d = fdopendir(dfd);
	unsigned long long total = 0;
	char buf[65536], path[PATH_MAX];

	if (!d)
		die_errno("%s: can't read its rpm database", guest);
	for (struct dirent *e; (e = readdir(d)); ) {
		struct stat st;
		int in = openat(dirfd(d), e->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (in < 0)
			continue;       /* "." and "..", symlinks, what went away */
		if (fstat(in, &st) || !S_ISREG(st.st_mode)) {
			close(in);
			continue;
		}
		if ((total += (unsigned long long)st.st_size) > RPMDB_MAX)
			die("%s: its rpm database is over %llu MiB", guest, RPMDB_MAX >> 20);
		xsnprintf(path, sizeof(path), "%s/%s", copy, e->d_name);
		int out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (out < 0 || fchown(out, NOBODY, NOBODY))
			die_errno("can't write %s", path);
		for (ssize_t n; (n = read(in, buf, sizeof(buf))) != 0; ) {
			if (n < 0 || write(out, buf, (size_t)n) != n)
				die_errno("%s: can't copy its rpm database file %s", guest, e->d_name);
		}
		close(in);
		close(out);
	}
	closedir(d);
}

/* the host's rpm in $PATH, found by root (nobody may not search every
 * directory of root's PATH); false if there is none */
static bool find_rpm(char *out, size_t n)
{
	const char *path = getenv("PATH");
	char dir[PATH_MAX];
	struct stat st;

	for (const char *p = path ? path : "/usr/bin:/bin"; *p; p += *p == ':') {
		size_t l = strcspn(p, ":");
		snprintf(dir, sizeof(dir), "%.*s", (int)l, p);
		p += l;
		if (snprintf(out, n, "%s/rpm", *dir ? dir : ".") < (int)n && !stat(out, &st) &&
		    S_ISREG(st.st_mode) && !access(out, X_OK))
			return true;
	}
	return false;
}

/* rpm's output, NUL-ended; dies when rpm can't be run or fails */
static char *ask_rpm(const char *guest)
{
	char rpm[PATH_MAX];

	int p[2];
	size_t cap = 1 << 16, n = 0;
	char *out = xmalloc(cap);

	if (!find_rpm(rpm, sizeof(rpm)))
		die("%s: has an rpm database, and the host has no rpm to read its %%config files "
		    "(apt-get install rpm)", guest);
	if (pipe2(p, O_CLOEXEC))
		die_errno("can't make a pipe");
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		die_errno("can't fork");
	if (!pid) {
		char *av[] = { rpm, "--dbpath", copy, "-qa", "--configfiles", NULL };
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null < 0 || dup2(null, 0) < 0 || dup2(p[1], 1) < 0 || chdir(copy) ||
		    setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
		    setresuid(NOBODY, NOBODY, NOBODY) || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
			_exit(126);
		setenv("HOME", copy, 1);
		execv(av[0], av);
		_exit(127);
	}
	close(p[1]);
	for (ssize_t r; (r = read(p[0], out + n, cap - n - 1)) != 0; ) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			die_errno("can't read rpm's answer");
		}
		if ((n += (size_t)r) + 1 == cap)
			out = xrealloc(out, cap *= 2);
	}
	close(p[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		die("%s: rpm could not read its database (exit %d): its %%config files are not known",
		    guest, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	out[n] = 0;
	return out;
}

static void rm_copy(void *unused)
{
	DIR *d = copy[0] ? opendir(copy) : NULL;
	for (struct dirent *e; d && (e = readdir(d)); )
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlinkat(dirfd(d), e->d_name, 0);
	if (d)
		closedir(d);
	if (copy[0])
		rmdir(copy);
	copy[0] = 0;
}

int urpm_configfiles(const char *guest, int rootfd, char ***list, int *n)
{
	int dfd = -1;
	char *text, *line, *save;
	int added = 0;

	for (size_t i = 0; i < sizeof(dbdirs) / sizeof(dbdirs[0]) && dfd < 0; i++)
		dfd = path_open_beneath(rootfd, dbdirs[i], O_RDONLY | O_DIRECTORY);
	if (dfd < 0)
		return 0;               /* no rpm in this guest */
	strcpy(copy, "/tmp/vsbox-rpmdb.XXXXXX");
	if (!mkdtemp(copy))
		die_errno("can't make a directory for a copy of %s's rpm database", guest);
	undo_push(rm_copy, NULL, 0);
	if (chown(copy, NOBODY, NOBODY))
		die_errno("can't give %s to nobody", copy);
	copy_db(guest, dfd);
	text = ask_rpm(guest);
	rm_copy(NULL);
	for (char *p = text; (line = strtok_r(p, "\n", &save)); p = NULL) {
		if (*line != '/')
			continue;       /* "(contains no files)" and the like */
		*list = xrealloc(*list, (size_t)(*n + 1) * sizeof(char *));
		(*list)[(*n)++] = xstrdup(line);
		added++;
	}
	free(text);
	return added;
}
