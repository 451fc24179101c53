/* kt.h - helpers for the kernel tests (the .c files here): a scratch ext4
 * filesystem with project ids on a loop device, inode flags and project
 * ids, and TAP (tests/unit/tap.h). They run as root inside the kernel tier's
 * qemu (make kernel-check) and on any host; a kernel without the feature
 * under test gets "1..0 # SKIP reason", unless VSBOX_KERNEL_PATCHED=1 says
 * the kernel was built with kernel/patches, where a missing feature fails.
 */
#ifndef KT_H
#define KT_H
#include "../unit/tap.h"
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/xattr.h>
#include <sys/syscall.h>
#include <linux/capability.h>

#ifndef FS_IXUNLINK_FL
#define FS_IXUNLINK_FL 0x08000000
#endif
#define KT_UNIFIED (FS_IMMUTABLE_FL | FS_IXUNLINK_FL)

static char kt_dir[200], kt_img[256], kt_mnt[256];

/* Stop here: the (rest of the) test skipped, or failed on a patched
 * kernel; after tests already printed, one more line and the plan */
static inline _Noreturn void kt_skip(const char *why)
{
	const char *p = getenv("VSBOX_KERNEL_PATCHED");

	if (p && !strcmp(p, "1") && strncmp(why, "needs", 5)) {
		printf("not ok %d - a patched kernel lacks it: %s\n1..%d\n", tap_n + 1, why, tap_n + 1);
		exit(1);
	}
	if (tap_n)
		printf("ok %d # SKIP %s\n1..%d\n", tap_n + 1, why, tap_n + 1);
	else
		printf("1..0 # SKIP %s\n", why);
	exit(0);
}

static inline int kt_sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	fflush(NULL);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static inline void kt_umount(void)
{
	if (kt_mnt[0]) {
		umount2(kt_mnt, 0);
		kt_mnt[0] = 0;
	}
}

static inline void kt_cleanup(void)
{
	kt_umount();
	if (kt_dir[0])
		kt_sh("rm -rf '%s'", kt_dir);
}

/* A 64 MiB ext4 with project ids (no quota: not every kernel has QFMT_V2), mounted: its path */
static inline const char *kt_ext4(void)
{
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";

	if (getuid())
		kt_skip("needs root");
	snprintf(kt_dir, sizeof(kt_dir), "%s/vsbox-kt.XXXXXX", tmp);
	if (!mkdtemp(kt_dir))
		kt_skip("needs a temporary directory");
	chmod(kt_dir, 0755);    /* the tests' unprivileged users walk through it */
	atexit(kt_cleanup);
	snprintf(kt_img, sizeof(kt_img), "%s/img", kt_dir);
	snprintf(kt_mnt, sizeof(kt_mnt), "%s/mnt", kt_dir);
	mkdir(kt_mnt, 0755);
	/* project ids need CONFIG_QUOTA + QFMT_V2; without them a plain ext4
	 * (the tests that need project ids then fail, or skip first) */
	for (int i = 0; i < 2; i++) {
		if (kt_sh("mke2fs -q -F -t ext4 %s '%s' 64M >/dev/null 2>&1", i ? "" : "-O project", kt_img))
			kt_skip("needs mke2fs (e2fsprogs)");
		if (!kt_sh("mount -o loop '%s' '%s' 2>/dev/null", kt_img, kt_mnt))
			return kt_mnt;
	}
	kt_mnt[0] = 0;
	kt_skip("needs a loop-mounted ext4 (CONFIG_BLK_DEV_LOOP, CONFIG_EXT4_FS)");
}

/* e2fsck -fn of the scratch image after unmounting it: its exit status */
static inline int kt_fsck(void)
{
	char out[300];

	kt_umount();
	snprintf(out, sizeof(out), "%s/fsck.out", kt_dir);
	int rc = kt_sh("e2fsck -fn '%s' >'%s' 2>&1", kt_img, out);
	if (rc)
		kt_sh("sed 's/^/# /' '%s'", out);
	return rc;
}

static inline int kt_getflags(const char *path)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW), fl = -1;

	if (fd < 0)
		return -1;
	if (ioctl(fd, FS_IOC_GETFLAGS, &fl))
		fl = -1;
	close(fd);
	return fl;
}

/* set (on) or clear bits on path: 0, or -1 with errno */
static inline int kt_flags(const char *path, int bits, bool on)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW), fl, r = -1, e;

	if (fd < 0)
		return -1;
	if (!ioctl(fd, FS_IOC_GETFLAGS, &fl)) {
		fl = on ? (fl | bits) : (fl & ~bits);
		r = ioctl(fd, FS_IOC_SETFLAGS, &fl);
	}
	e = errno;
	close(fd);
	errno = e;
	return r;
}

/* project id of path, -1 on error; kt_setproj sets it (and PROJINHERIT
 * on a directory) */
static inline long kt_proj(const char *path)
{
	struct fsxattr fa;
	int fd = open(path, O_RDONLY | O_NOFOLLOW);
	long r = -1;

	if (fd >= 0 && !ioctl(fd, FS_IOC_FSGETXATTR, &fa))
		r = fa.fsx_projid;
	if (fd >= 0)
		close(fd);
	return r;
}

static inline int kt_setproj(const char *path, unsigned id)
{
	struct fsxattr fa;
	struct stat st;
	int fd = open(path, O_RDONLY | O_NOFOLLOW), r = -1;

	if (fd >= 0 && !fstat(fd, &st) && !ioctl(fd, FS_IOC_FSGETXATTR, &fa)) {
		fa.fsx_projid = id;
		if (S_ISDIR(st.st_mode))
			fa.fsx_xflags |= FS_XFLAG_PROJINHERIT;
		r = ioctl(fd, FS_IOC_FSSETXATTR, &fa);
	}
	if (fd >= 0)
		close(fd);
	return r;
}

static inline void kt_write(const char *path, const char *s, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	if (fd < 0 || write(fd, s, strlen(s)) != (ssize_t)strlen(s) || close(fd)) {
		printf("Bail out! can't write %s: %s\n", path, strerror(errno));
		exit(1);
	}
	chmod(path, mode);
}

/* the whole (small) file, or "" */
static inline const char *kt_read(const char *path)
{
	static char buf[8192];

	if (read_file(path, buf, sizeof(buf)) < 0)
		buf[0] = 0;
	return buf;
}

static inline ino_t kt_ino(const char *path)
{
	struct stat st;

	return lstat(path, &st) ? 0 : st.st_ino;
}

/* Leave only the capabilities in keep (a bitmask of CAP_*) in every set */
static inline int kt_keep_caps(unsigned long long keep)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	for (int i = 0; i < 2; i++)
		d[i].effective = d[i].permitted = d[i].inheritable = (uint32_t)(keep >> (32 * i));
	return (int)syscall(SYS_capset, &h, d);
}

/* Does the kernel have the immutable linkage invert on dir's filesystem? */
static inline bool kt_has_iunlink(const char *dir)
{
	char p[300];
	bool yes;

	snprintf(p, sizeof(p), "%s/.kt-probe", dir);
	kt_write(p, "", 0600);
	yes = !kt_flags(p, FS_IXUNLINK_FL, true);
	kt_flags(p, FS_IXUNLINK_FL, false);
	unlink(p);
	return yes;
}
#endif
