/* iunlink.c - the immutable linkage invert (kernel/patches 0001) on ext4:
 * an immutable + iunlink file may be unlinked, renamed over, renamed and
 * hard-linked (into another project's PROJINHERIT tree too, staying in its
 * own project), but not changed through a descriptor; plain immutable and
 * iunlink alone keep their old meaning; the bit needs CAP_LINUX_IMMUTABLE,
 * survives a remount, and e2fsck finds the filesystem clean afterwards.
 * Writes by path are tests/kernel/cow.c's (with link breaking they succeed).
 */
#include "kt.h"

static char P[64][320];
static const char *path(int i, const char *name)
{
	snprintf(P[i], sizeof(P[i]), "%s/%s", kt_mnt, name);
	return P[i];
}

/* in a child with every capability but CAP_LINUX_IMMUTABLE: errno of
 * setting (on) or clearing the iunlink bit on p, 0 on success */
static int without_cap(const char *p, bool on)
{
	pid_t pid;
	int st;

	fflush(NULL);
	pid = fork();
	if (!pid) {
		kt_keep_caps(~0ULL & ~(1ULL << CAP_LINUX_IMMUTABLE) & ((1ULL << 41) - 1));
		_exit(kt_flags(p, FS_IXUNLINK_FL, on) ? errno : 0);
	}
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int main(void)
{
	const char *m = kt_ext4();
	struct timespec ts[2] = { { 0, UTIME_NOW }, { 0, UTIME_NOW } };
	bool cow = false;
	int fd, fl;

	if (!kt_has_iunlink(m))
		kt_skip("kernel without the immutable linkage invert (FS_IXUNLINK_FL on ext4)");

	/* a unified pair: host/a and host/b, one inode */
	mkdir(path(0, "host"), 0755);
	kt_write(path(1, "host/a"), "shared\n", 0644);
	ok(!link(P[1], path(2, "host/b")), "a second link to the file");
	ok(!kt_flags(P[1], KT_UNIFIED, true), "set immutable + iunlink (FS_IOC_SETFLAGS)");
	fl = kt_getflags(P[2]);
	ok(fl >= 0 && (fl & KT_UNIFIED) == KT_UNIFIED, "the other name shows both flags");

	/* changes through a descriptor are refused */
	fd = open(P[1], O_RDONLY);
	ok(fd >= 0, "open for reading");
	errno = 0;
	is_int(fchmod(fd, 0600) ? errno : 0, EPERM, "fchmod: EPERM");
	errno = 0;
	is_int(fchown(fd, 1, 1) ? errno : 0, EPERM, "fchown: EPERM");
	errno = 0;
	is_int(fsetxattr(fd, "user.k", "v", 1, 0) ? errno : 0, EPERM, "fsetxattr: EPERM");
	errno = 0;
	is_int(futimens(fd, ts) ? errno : 0, EPERM, "futimens: EPERM");
	close(fd);
	/* with link breaking an open for writing succeeds (cow.c), without it
	 * it is refused */
	fd = open(P[1], O_WRONLY | O_APPEND);
	if (fd >= 0) {
		cow = kt_ino(P[1]) != kt_ino(P[2]);
		ok(cow, "open for writing: the link was broken (copy-on-write present)");
		close(fd);
		/* make host/a unified again, shared with b */
		unlink(P[1]);
		link(P[2], P[1]);
	} else {
		is_int(errno, EPERM, "open for writing: EPERM (no copy-on-write)");
	}
	is_str(kt_read(P[2]), "shared\n", "the data is unchanged");

	/* linkage is free */
	ok(!link(P[1], path(3, "host/c")), "link: a new name for the unified file");
	ok(!rename(P[3], path(4, "host/d")), "rename: the new name moves");
	kt_write(path(5, "host/new"), "replacement\n", 0644);
	ok(!rename(P[5], P[4]), "rename over the unified name");
	is_str(kt_read(P[4]), "replacement\n", "the name holds the replacement");
	is_str(kt_read(P[2]), "shared\n", "a sibling name keeps the data");
	ok(!unlink(P[1]), "unlink the unified name");
	struct stat st;
	ok(!stat(P[2], &st) && st.st_nlink == 1, "the sibling lives on, one link left");
	is_int(kt_getflags(P[2]) & KT_UNIFIED, KT_UNIFIED, "and keeps both flags");

	/* across projects: a guest tree with PROJINHERIT and project 7 */
	mkdir(path(6, "guest"), 0755);
	ok(!kt_setproj(P[6], 7), "a guest directory of project 7 (PROJINHERIT)");
	ok(!link(P[2], path(7, "guest/b")), "a unified file links into another project (no EXDEV)");
	is_int(kt_proj(P[7]), 0, "and stays charged to its own project");
	kt_write(path(8, "host/plain"), "plain\n", 0644);
	errno = 0;
	is_int(link(P[8], path(9, "guest/plain")) ? errno : 0, EXDEV, "a plain file still gets EXDEV");
	ok(!link(P[2], path(10, "host/e")), "another name for the unified file");
	ok(!rename(P[10], path(11, "guest/e")), "a unified file renames into another project");
	is_int(kt_proj(P[11]), 0, "still in its own project");

	/* plain immutable: nothing changed */
	kt_write(path(12, "host/imm"), "frozen\n", 0644);
	ok(!kt_flags(P[12], FS_IMMUTABLE_FL, true), "plain immutable file");
	errno = 0;
	is_int(unlink(P[12]) ? errno : 0, EPERM, "plain immutable: unlink EPERM");
	errno = 0;
	is_int(rename(P[12], path(13, "host/imm2")) ? errno : 0, EPERM, "plain immutable: rename EPERM");
	errno = 0;
	is_int(link(P[12], path(14, "host/imm3")) ? errno : 0, EPERM, "plain immutable: link EPERM");
	kt_write(path(15, "host/over"), "x\n", 0644);
	errno = 0;
	is_int(rename(P[15], P[12]) ? errno : 0, EPERM, "plain immutable: rename over it EPERM");
	errno = 0;
	is_int(open(P[12], O_WRONLY) < 0 ? errno : 0, EPERM, "plain immutable: open for writing EPERM");

	/* iunlink alone: an ordinary file */
	kt_write(path(16, "host/iu"), "free\n", 0644);
	ok(!kt_flags(P[16], FS_IXUNLINK_FL, true), "iunlink alone");
	ok(!link(P[16], path(17, "host/iu2")), "iunlink alone: a second link");
	fd = open(P[16], O_WRONLY | O_APPEND);
	ok(fd >= 0 && write(fd, "more\n", 5) == 5, "iunlink alone: writable");
	if (fd >= 0)
		close(fd);
	is_int(kt_ino(P[16]), kt_ino(P[17]), "iunlink alone: written in place, links not broken");
	ok(!chmod(P[16], 0600), "iunlink alone: chmod works");
	ok(!unlink(P[17]), "iunlink alone: unlink works");

	/* CAP_LINUX_IMMUTABLE guards the bit both ways */
	kt_write(path(18, "host/cap"), "c\n", 0644);
	is_int(without_cap(P[18], true), EPERM, "no CAP_LINUX_IMMUTABLE: setting iunlink EPERM");
	is_int(without_cap(P[2], false), EPERM, "no CAP_LINUX_IMMUTABLE: clearing it EPERM");
	is_int(kt_getflags(P[18]) & FS_IXUNLINK_FL, 0, "the bit was not set");

	/* on disk: a remount keeps the flags */
	kt_umount();
	snprintf(kt_mnt, sizeof(kt_mnt), "%s/mnt", kt_dir);
	ok(!kt_sh("mount -o loop '%s' '%s'", kt_img, kt_mnt), "remount");
	is_int(kt_getflags(P[2]) & KT_UNIFIED, KT_UNIFIED, "both flags survive the remount");
	ok(!unlink(P[7]), "the unified file unlinks after the remount");

	/* clearing both makes it an ordinary file again */
	ok(!kt_flags(P[2], KT_UNIFIED, false), "clear both flags");
	fd = open(P[2], O_WRONLY | O_APPEND);
	ok(fd >= 0, "then it opens for writing in place");
	if (fd >= 0)
		close(fd);
	kt_flags(P[12], FS_IMMUTABLE_FL, false);
	is_int(kt_fsck(), 0, "e2fsck -fn: clean");
	(void)cow;
	return done_testing();
}
