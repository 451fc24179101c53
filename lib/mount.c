/* mount.c - read-only views of kernel interfaces inside a context.
 *
 * uid 0 inside a context owns /proc/sys/kernel/core_pattern, sysrq-trigger
 * and every cgroup file by plain file mode, capabilities or not: a dropped
 * CAP_SYS_ADMIN does not stop a write to them. So a context sees /sys (with
 * every cgroup hierarchy under it) and /proc/sys read-only. These are
 * remounts in the context's own (private) mount namespace; without
 * CAP_SYS_ADMIN they cannot be made writable again.
 *
 * Where the kernel has mount_setattr (5.12), one call makes a whole tree
 * read-only, the mounts below included, keeping their other flags; else
 * each mount is remounted, its flags read back first (statvfs).
 */
#include "vsbox.h"
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <linux/mount.h>

static int setattr_ok = -1;     /* mount_setattr: unknown, no, yes */

/* PATH and every mount below it read-only in one call: false when the
 * kernel can't (then the caller remounts one by one) */
static bool setattr_ro(const char *path)
{
	struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY };

	if (!setattr_ok)
		return false;
	if (!syscall(SYS_mount_setattr, AT_FDCWD, path, AT_RECURSIVE, &a, sizeof(a))) {
		setattr_ok = 1;
		return true;
	}
	if (errno == ENOSYS)
		setattr_ok = 0;
	return false;
}

/* keep a mount's nosuid/nodev/noexec/atime flags when making it read-only */
static unsigned long kept_flags(const char *path)
{
	struct statvfs sv;
	unsigned long f = 0;

	if (statvfs(path, &sv))
		return 0;
	if (sv.f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (sv.f_flag & ST_RELATIME)
		f |= MS_RELATIME;
	if (sv.f_flag & ST_NOATIME)
		f |= MS_NOATIME;
	return f;
}

static void remount_ro(const char *path)
{
	if (mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | kept_flags(path), NULL))
		die_errno("can't make %s read-only", path);
}

void mount_ro_tree(const char *top)
{
	static char mi[65536] BIG;
	char *save, *line;
	size_t tl = strlen(top);

	if (setattr_ro(top))
		return;
	if (read_file("/proc/self/mountinfo", mi, sizeof(mi)) < 0)
		die_errno("can't read /proc/self/mountinfo");
	for (line = strtok_r(mi, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char mnt[PATH_MAX];
		if (!word_at(line, 4, mnt, sizeof(mnt)))
			continue;
		/* mountinfo escapes blanks as \040: such mount points are not
		 * ours to guess at and are left alone */
		if (strchr(mnt, '\\'))
			continue;
		if (!strncmp(mnt, top, tl) && (mnt[tl] == 0 || mnt[tl] == '/'))
			remount_ro(mnt);
	}
}

void mount_ro_bind(const char *path)
{
	struct stat st;

	if (lstat(path, &st) && errno == ENOENT)
		return;         /* not in this kernel: nothing to protect */
	if (mount(path, path, NULL, MS_BIND | MS_REC, NULL))
		die_errno("can't bind %s", path);
	if (!setattr_ro(path))
		remount_ro(path);
}
