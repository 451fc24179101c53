/* cow.c - copy-on-write link breaking (kernel/patches 0002) on ext4: a
 * change by path to a unified file (immutable + iunlink) with other links
 * gives that name a private copy - data, owner, mode, times, every xattr
 * and ACL, the directory's project id, no flags - and leaves the other
 * names on the shared inode; the last link just loses the flags; many
 * writers at once all land in one correct copy; no temporary name shows;
 * e2fsck finds the filesystem clean afterwards.
 */
#include "kt.h"
#include <sys/time.h>
#include <dirent.h>
#include <grp.h>

static char host[300], guest[300];
static char P[2][320];

static const char *at(int i, const char *dir, const char *name)
{
	snprintf(P[i], sizeof(P[i]), "%s/%s", dir, name);
	return P[i];
}

/* host/NAME with CONTENT, unified and linked to guest/NAME (project 42) */
static void unified(const char *name, const char *content)
{
	char h[320], g[320];

	snprintf(h, sizeof(h), "%s/%s", host, name);
	snprintf(g, sizeof(g), "%s/%s", guest, name);
	kt_write(h, content, 0644);
	if (kt_flags(h, KT_UNIFIED, true) || link(h, g)) {
		printf("Bail out! can't unify %s: %s\n", name, strerror(errno));
		exit(1);
	}
}

/* an ACL: user::rw- user:1000:r-- group::r-- mask::r-- other::--- */
static size_t acl_blob(unsigned char *b)
{
	static const struct { uint16_t tag, perm; uint32_t id; } e[] = {
		{ 0x01, 6, 0xffffffff }, { 0x02, 4, 1000 }, { 0x04, 4, 0xffffffff },
		{ 0x10, 4, 0xffffffff }, { 0x20, 0, 0xffffffff },
	};
	uint32_t v = 2;

	memcpy(b, &v, 4);
	memcpy(b + 4, e, sizeof(e));
	return 4 + sizeof(e);
}

/* run fn in a child as uid/gid with no capabilities: its errno or 0 */
static int as_user(uid_t uid, int (*fn)(const char *), const char *p)
{
	pid_t pid;
	int st;

	fflush(NULL);
	pid = fork();
	if (!pid) {
		if (setgroups(0, NULL) || setgid(uid) || setuid(uid))
			_exit(99);
		_exit(fn(p) ? errno : 0);
	}
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int open_append(const char *p)
{
	int fd = open(p, O_WRONLY | O_APPEND);

	if (fd < 0)
		return -1;
	if (write(fd, "user\n", 5) != 5)
		return -1;
	return close(fd);
}

int main(void)
{
	const char *m = kt_ext4();
	struct stat h0, g1, h1;
	unsigned char acl[64], got[64];
	size_t acllen = acl_blob(acl);
	char buf[512];
	int fd;

	snprintf(host, sizeof(host), "%s/host", m);
	snprintf(guest, sizeof(guest), "%s/guest", m);
	mkdir(host, 0755);
	mkdir(guest, 0755);
	if (kt_setproj(guest, 42))
		kt_skip("needs project ids on the scratch ext4");
	if (!kt_has_iunlink(m))
		kt_skip("kernel without the immutable linkage invert, so without link breaking");
	kt_write(at(0, host, "probe"), "x", 0644);
	kt_flags(P[0], KT_UNIFIED, true);
	link(P[0], at(1, host, "probe2"));
	fd = open(P[0], O_WRONLY);
	if (fd < 0)
		kt_skip("kernel without copy-on-write link breaking (open for writing: EPERM)");
	close(fd);
	kt_flags(P[1], KT_UNIFIED, false);
	unlink(P[0]);
	unlink(P[1]);

	/* the full copy: content, owner, mode, times, xattrs, ACL */
	kt_write(at(0, host, "f"), "shared content\n", 0640);
	struct timeval tv[2] = { { 1000000000, 0 }, { 1100000000, 0 } };
	ok(!chown(P[0], 1234, 2345) && !utimes(P[0], tv), "owner 1234:2345, old times");
	ok(!setxattr(P[0], "user.k", "v", 1, 0), "a user.* xattr");
	ok(!setxattr(P[0], "security.vsbox", "label", 5, 0), "a security.* xattr");
	ok(!setxattr(P[0], "trusted.t", "tv", 2, 0), "a trusted.* xattr");
	ok(!setxattr(P[0], "system.posix_acl_access", acl, acllen, 0), "a POSIX ACL");
	ok(!kt_flags(P[0], KT_UNIFIED, true), "unified: immutable + iunlink");
	stat(P[0], &h0);
	ok(!link(P[0], at(1, guest, "f")), "linked into the guest (project 42)");

	fd = open(P[1], O_WRONLY | O_APPEND);
	ok(fd >= 0, "open for writing by the guest's name succeeds");
	stat(P[1], &g1);
	stat(P[0], &h1);
	ok(g1.st_ino != h0.st_ino, "the guest's name has a new inode");
	is_int(h1.st_ino, h0.st_ino, "the host's name keeps the shared inode");
	is_int(h1.st_nlink, 1, "which has one link less");
	is_int(kt_getflags(P[0]) & KT_UNIFIED, KT_UNIFIED, "and both flags");
	is_int(g1.st_uid, 1234, "the copy's owner");
	is_int(g1.st_gid, 2345, "the copy's group");
	is_int(g1.st_mode & 07777, 0640, "the copy's mode");
	is_int(g1.st_mtim.tv_sec, 1100000000, "the copy's mtime");
	is_int(g1.st_atim.tv_sec, 1000000000, "the copy's atime");
	is_int(g1.st_size, h0.st_size, "the copy's size");
	is_int(kt_getflags(P[1]) & KT_UNIFIED, 0, "the copy has neither flag");
	is_int(kt_proj(P[1]), 42, "the copy is in the directory's project");
	memset(buf, 0, sizeof(buf));
	ok(getxattr(P[1], "user.k", buf, sizeof(buf)) == 1 && !strcmp(buf, "v"), "user.* xattr copied");
	memset(buf, 0, sizeof(buf));
	ok(getxattr(P[1], "security.vsbox", buf, sizeof(buf)) == 5 && !strcmp(buf, "label"),
	   "security.* xattr copied");
	memset(buf, 0, sizeof(buf));
	ok(getxattr(P[1], "trusted.t", buf, sizeof(buf)) == 2 && !strcmp(buf, "tv"), "trusted.* xattr copied");
	ok(getxattr(P[1], "system.posix_acl_access", got, sizeof(got)) == (ssize_t)acllen &&
	   !memcmp(got, acl, acllen), "the POSIX ACL copied");
	ok(fd >= 0 && write(fd, "guest\n", 6) == 6 && !close(fd), "the guest writes");
	is_str(kt_read(P[1]), "shared content\nguest\n", "the guest's file: old data + its write");
	is_str(kt_read(P[0]), "shared content\n", "the host's file is untouched");
	DIR *d = opendir(guest);
	int n = 0;
	for (struct dirent *e; d && (e = readdir(d));)
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	if (d)
		closedir(d);
	is_int(n, 1, "no temporary name is left in the directory");

	/* the other ways of changing by path */
	unified("t", "0123456789\n");
	ok(!truncate(at(1, guest, "t"), 4), "truncate by path");
	is_str(kt_read(P[1]), "0123", "the guest's copy is cut");
	is_str(kt_read(at(0, host, "t")), "0123456789\n", "the shared file is not");
	unified("o", "trunc\n");
	fd = open(at(1, guest, "o"), O_RDONLY | O_TRUNC);
	ok(fd >= 0, "open O_RDONLY|O_TRUNC");
	if (fd >= 0)
		close(fd);
	is_str(kt_read(P[1]), "", "the guest's copy is empty");
	is_str(kt_read(at(0, host, "o")), "trunc\n", "the shared file is not");
	unified("c", "mode\n");
	ok(!chmod(at(1, guest, "c"), 0600), "chmod by path");
	stat(P[1], &g1);
	stat(at(0, host, "c"), &h1);
	ok((g1.st_mode & 07777) == 0600 && (h1.st_mode & 07777) == 0644 && g1.st_ino != h1.st_ino,
	   "only the guest's copy changed mode");
	unified("u", "owner\n");
	ok(!chown(at(1, guest, "u"), 77, 77), "chown by path");
	stat(P[1], &g1);
	stat(at(0, host, "u"), &h1);
	ok(g1.st_uid == 77 && h1.st_uid == 0, "only the guest's copy changed owner");
	unified("m", "times\n");
	ok(!utimes(at(1, guest, "m"), tv), "utimes by path");
	stat(P[1], &g1);
	stat(at(0, host, "m"), &h1);
	ok(g1.st_mtim.tv_sec == 1100000000 && h1.st_mtim.tv_sec != 1100000000, "only the guest's copy changed times");
	unified("x", "xattr\n");
	ok(!setxattr(at(1, guest, "x"), "user.new", "1", 1, 0), "setxattr by path");
	ok(getxattr(at(0, host, "x"), "user.new", buf, sizeof(buf)) < 0, "the shared file has no such xattr");
	ok(!lsetxattr(at(1, guest, "x"), "user.two", "2", 1, 0), "lsetxattr on the copy");
	kt_write(at(0, host, "r"), "rmxattr\n", 0644);
	setxattr(P[0], "user.k", "v", 1, 0);
	kt_flags(P[0], KT_UNIFIED, true);
	link(P[0], at(1, guest, "r"));
	ok(!removexattr(P[1], "user.k"), "removexattr by path");
	ok(getxattr(P[0], "user.k", buf, sizeof(buf)) == 1, "the shared file keeps its xattr");
	ok(kt_ino(P[1]) != kt_ino(P[0]), "removexattr broke the link");

	/* reading does not break */
	unified("ro", "read\n");
	fd = open(at(1, guest, "ro"), O_RDONLY);
	if (fd >= 0)
		close(fd);
	is_int(kt_ino(P[1]), kt_ino(at(0, host, "ro")), "an open for reading shares on");

	/* the last link */
	kt_write(at(0, host, "last"), "alone\n", 0644);
	kt_flags(P[0], KT_UNIFIED, true);
	ino_t before = kt_ino(P[0]);
	fd = open(P[0], O_WRONLY | O_APPEND);
	ok(fd >= 0, "the last link opens for writing");
	if (fd >= 0)
		close(fd);
	is_int(kt_ino(P[0]), before, "in place: the same inode");
	is_int(kt_getflags(P[0]) & KT_UNIFIED, 0, "which lost both flags");

	/* an unprivileged owner may write (no write access to the directory
	 * needed); someone without write permission may not, and breaks nothing */
	kt_write(at(0, host, "w"), "users\n", 0640);
	chown(P[0], 1234, 1234);
	kt_flags(P[0], KT_UNIFIED, true);
	link(P[0], at(1, guest, "w"));
	is_int(as_user(4321, open_append, P[1]), EACCES, "another user: EACCES");
	is_int(kt_ino(P[1]), kt_ino(P[0]), "and the link is not broken");
	is_int(as_user(1234, open_append, P[1]), 0, "the owner, no capabilities: writes");
	is_str(kt_read(P[1]), "users\nuser\n", "into a private copy");
	stat(P[1], &g1);
	ok(g1.st_uid == 1234 && kt_ino(P[1]) != kt_ino(P[0]), "owned by them, the shared file apart");

	/* many writers at once: every one succeeds, all in one copy */
	unified("race", "base\n");
	at(1, guest, "race");
	enum { N = 8 };
	pid_t kids[N];
	int go[2];
	if (pipe(go))
		return 1;
	fflush(NULL);
	for (int i = 0; i < N; i++) {
		kids[i] = fork();
		if (!kids[i]) {
			char c;
			close(go[1]);
			if (read(go[0], &c, 1) < 0)
				_exit(3);
			int f = open(P[1], O_WRONLY | O_APPEND);
			_exit(f >= 0 && write(f, "w\n", 2) == 2 && !close(f) ? 0 : 1);
		}
	}
	close(go[0]);
	close(go[1]);
	int good = 0;
	for (int i = 0; i < N; i++) {
		int st;
		waitpid(kids[i], &st, 0);
		good += WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
	is_int(good, N, "8 writers at once all open and write");
	is_str(kt_read(P[1]), "base\nw\nw\nw\nw\nw\nw\nw\nw\n", "one copy with the data and all 8 writes");
	is_str(kt_read(at(0, host, "race")), "base\n", "the shared file untouched");

	is_int(kt_fsck(), 0, "e2fsck -fn: clean");
	return done_testing();
}
