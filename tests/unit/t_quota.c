/* t_quota.c - lib/qlabel.c and lib/quota.c on a real XFS (a loop image):
 * the label walk by name (file_setattr, Linux 6.17) and by ioctl, what it
 * leaves alone (symlinks it can't label, other filesystems, unified files,
 * what a symlink points to), a second walk changing nothing, project id
 * allocation, quota_mkroot/quota_read_fd/quota_rmroot. XFS gives files
 * project ids without any quota support, so this runs on every kernel with
 * XFS; needs root, losetup and mkfs.xfs (else it skips). */
#include "tap.h"
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>

static char dir[64], img[96], mnt[96];

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static void cleanup(void)
{
	if (mnt[0]) {
		sh("umount -l %s/sub/tmp 2>/dev/null; umount %s 2>/dev/null || umount -l %s", mnt, mnt, mnt);
		sh("rm -rf %s", dir);
	}
}

/* the project id of path (not following a symlink), -1 if unreadable */
static long projid(const char *rel)
{
	struct { uint64_t xflags; uint32_t extsize, nextents, projid, cowextsize; } a;
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", mnt, rel);
	memset(&a, 0, sizeof(a));
	if (!syscall(468, AT_FDCWD, p, &a, sizeof(a), AT_SYMLINK_NOFOLLOW))
		return a.projid;
	int fd = open(p, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
	struct fsxattr x;
	long r = fd >= 0 && !ioctl(fd, FS_IOC_FSGETXATTR, &x) ? (long)x.fsx_projid : -1;
	if (fd >= 0)
		close(fd);
	return r;
}

static bool inherit(const char *rel)
{
	char p[256];
	struct fsxattr x;
	snprintf(p, sizeof(p), "%s/%s", mnt, rel);
	int fd = open(p, O_RDONLY | O_DIRECTORY);
	bool r = fd >= 0 && !ioctl(fd, FS_IOC_FSGETXATTR, &x) && (x.fsx_xflags & FS_XFLAG_PROJINHERIT);
	if (fd >= 0)
		close(fd);
	return r;
}

static bool have_file_setattr(void)
{
	char a[24];
	return !syscall(468, AT_FDCWD, "/", a, sizeof(a), 0) || errno != ENOSYS;
}

int main(void)
{
	struct qlabel r;
	struct dquota q;
	int root;

	applet_name = "t_quota";
	if (geteuid() || sh("command -v mkfs.xfs >/dev/null && command -v losetup >/dev/null")) {
		printf("1..0 # SKIP needs root, mkfs.xfs and losetup\n");
		return 0;
	}
	snprintf(dir, sizeof(dir), "/tmp/vsbox-t-quota.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	/* quota_alloc_id takes the run directory's lock: this test's own, not
	 * the host's /run/vsbox */
	char run[sizeof(dir) + 8];
	snprintf(run, sizeof(run), "%s/run", dir);
	setenv("VSBOX_RUNDIR", run, 1);
	snprintf(img, sizeof(img), "%s/x.img", dir);
	snprintf(mnt, sizeof(mnt), "%s/m", dir);
	atexit(cleanup);
	if (sh("truncate -s 300M %s && mkfs.xfs -q %s && mkdir %s && mount -o loop %s %s",
	       img, img, mnt, img, mnt)) {
		printf("1..0 # SKIP can't make and mount an XFS image\n");
		mnt[0] = 0;
		sh("rm -rf %s", dir);
		return 0;
	}
	/* a tree: directories, files, a hard link, a symlink out of the tree
	 * to a file beside it, a fifo, a unified file (immutable, two links),
	 * and another filesystem mounted inside */
	ok(!sh("cd %s && mkdir -p sub/a/b sub/tmp outside && echo x > sub/a/f && echo y > sub/a/b/g && "
	       "ln sub/a/f sub/hl && ln -s ../outside/o sub/a/link && echo o > outside/o && "
	       "mkfifo sub/fifo && echo u > sub/u && ln sub/u outside/u2 && chattr +i sub/u && "
	       "mount -t tmpfs t sub/tmp && touch sub/tmp/t", mnt), "a tree to label");
	char p[128];
	snprintf(p, sizeof(p), "%s/sub", mnt);
	root = open(p, O_RDONLY | O_DIRECTORY);

	if (have_file_setattr()) {
		quota_label(root, 777, &r);
		is_int(r.failed, 0, "by name: nothing failed");
		/* sub/a sub/a/b sub/tmp(not counted) f g hl link fifo u + root */
		is_int(r.files, 9, "by name: every inode of the tree, the root, not the mount inside");
		is_int(r.skipped, 0, "by name: nothing skipped");
		ok(projid("sub/a/f") == 777 && projid("sub/a/b/g") == 777 && projid("sub/hl") == 777,
		   "files have the id");
		ok(projid("sub/a/link") == 777 && projid("sub/fifo") == 777, "so do the symlink and the fifo");
		ok(inherit("sub") && inherit("sub/a") && inherit("sub/a/b"), "directories have PROJINHERIT");
		is_int(projid("outside/o"), 0, "what the symlink points to is untouched");
		is_int(projid("sub/u"), 0, "the unified file (immutable, two links) is left alone");
		quota_label(root, 777, &r);
		ok(r.changed == 0 && r.failed == 0 && r.files == 9, "a second walk changes nothing");
	} else {
		for (int i = 0; i < 9; i++)
			ok(1, "# SKIP file_setattr needs Linux 6.17");
	}

	/* the ioctls, as on kernels before 6.17 */
	setenv("VSBOX_NO_FILE_SETATTR", "1", 1);
	quota_label(root, 778, &r);
	unsetenv("VSBOX_NO_FILE_SETATTR");
	is_int(r.failed, 0, "by ioctl: nothing failed");
	is_int(r.skipped, 2, "by ioctl: the symlink and the fifo are skipped (never opened)");
	ok(projid("sub/a/f") == 778 && projid("sub/a/b/g") == 778 && projid("sub") == 778,
	   "by ioctl: files and directories have the new id");
	ok(projid("sub/fifo") != 778, "by ioctl: the fifo keeps its id");
	ok(inherit("sub/a/b"), "by ioctl: PROJINHERIT");
	is_int(projid("outside/o"), 0, "by ioctl: what the symlink points to is untouched");
	ok(!sh("touch %s/sub/a/b/new", mnt) && projid("sub/a/b/new") == 778, "a file made later inherits the id");

	quota_read_fd(root, &q);
	is_str(q.fs, "xfs", "quota_read_fd: xfs");
	ok(q.kind == QK_PROJECT && q.id == 778 && q.label, "quota_read_fd: a labelled project root");
	ok(!q.acct, "... without quota accounting (not mounted with it)");
	sh("chattr -i %s/sub/u", mnt);

	/* allocation: not an id another guest root has */
	snprintf(p, sizeof(p), "%s", mnt);
	setenv("VSBOX_ROOTDIR", p, 1);
	ok(!sh("mkdir %s/g1 %s/g2 && chattr -p %u +P %s/g1", mnt, mnt, QUOTA_ID_MIN, mnt), "a guest root with the first id");
	int g2 = open(strcat(p, "/g2"), O_RDONLY | O_DIRECTORY);
	is_int(quota_alloc_id(g2), QUOTA_ID_MIN + 1, "quota_alloc_id skips an id another root holds");
	close(g2);
	int parent = open(mnt, O_RDONLY | O_DIRECTORY);
	ok(!quota_mkroot(parent, "g3"), "quota_mkroot on xfs");
	ok(projid("g3") == QUOTA_ID_MIN + 1 && inherit("g3"), "... gives the new root a fresh id and PROJINHERIT");
	ok(!sh("echo z > %s/g3/z", mnt) && projid("g3/z") == QUOTA_ID_MIN + 1, "... which its files inherit");
	ok(quota_mkroot(parent, "g3") && errno == EEXIST, "quota_mkroot: EEXIST as mkdir");
	/* the overlay store (lib/uovl.c): a project of its own, which no
	 * guest root gets after it */
	ok(!sh("mkdir -p %s/.ovl/store", mnt), "an empty overlay store");
	int st = open(strcat(strcpy(p, mnt), "/.ovl/store"), O_RDONLY | O_DIRECTORY);
	quota_label_empty(st);
	close(st);
	ok(projid(".ovl/store") == QUOTA_ID_MIN + 2 && inherit(".ovl/store"), "quota_label_empty: a fresh id, PROJINHERIT");
	ok(!quota_mkroot(parent, "g4") && projid("g4") == QUOTA_ID_MIN + 3, "quota_mkroot skips the store's id");
	ok(!sh("chattr -p 5 %s/g4", mnt), "a root relabelled by hand");
	st = open(strcat(strcpy(p, mnt), "/g4"), O_RDONLY | O_DIRECTORY);
	quota_label_empty(st);
	close(st);
	is_int(projid("g4"), 5, "quota_label_empty: a labelled directory keeps its id");
	ok(!quota_rmroot(parent, "g3") && access(strcat(strcpy(p, mnt), "/g3"), F_OK), "quota_rmroot");
	close(parent);
	close(root);
	return done_testing();
}
