/* qprobe.c - what a guest tries against its disk limit; built static by
 * tests/quota.t and run inside guests (and on the host as the control).
 * usage: qprobe OP [ARG]...   prints "OP=RESULT" (RESULT: OK or an errno
 * name; fill and files also the amount done before it).
 *   fill PATH          write 64 KiB blocks to PATH until a write fails:
 *                      "fill=BYTES ERRNO"
 *   files DIR N        create up to N empty files in DIR: "files=COUNT ERRNO"
 *   setflags PATH      FS_IOC_SETFLAGS without PROJINHERIT (chattr -P)
 *   fsxattr PATH       FS_IOC_FSSETXATTR: project 0, no PROJINHERIT
 *   file_setattr PATH  the same through file_setattr (Linux 6.17)
 *   subvol DIR         a btrfs subvolume DIR/sv (BTRFS_IOC_SUBVOL_CREATE)
 *   snap DIR           a btrfs snapshot of DIR as DIR/snap (SNAP_CREATE_V2)
 *   link SRC DST       link(2)
 *   linkfd FD DST      linkat(FD, "", AT_EMPTY_PATH), then through
 *                      /proc/self/fd/FD: "linkfd=ERRNO,ERRNO"
 *   clone FD DST       FICLONE of the open file FD into a new DST
 *   statfs PATH        "statfs=BLOCKS_BYTES FREE_BYTES FILES FREE_FILES"
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/btrfs.h>
#include <linux/fs.h>
#include "ename.h"

static int rc(long r) { return r < 0 ? errno : 0; }

static int opendir_or_file(const char *p)
{
	return open(p, O_RDONLY | O_NONBLOCK);
}

int main(int argc, char **argv)
{
	const char *op = argc > 1 ? argv[1] : "";
	const char *a = argc > 2 ? argv[2] : "", *b = argc > 3 ? argv[3] : "";
	int e = 0, fd;

	if (!strcmp(op, "fill")) {
		static char buf[65536];
		unsigned long long n = 0;
		fd = open(a, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0) {
			printf("fill=0 %s\n", ename(errno));
			return 0;
		}
		for (;;) {
			ssize_t w = write(fd, buf, sizeof(buf));
			if (w < 0) {
				e = errno;
				break;
			}
			n += (unsigned long long)w;
		}
		/* what a delayed allocation could still refuse */
		if (fsync(fd) && !e)
			e = errno;
		close(fd);
		printf("fill=%llu %s\n", n, ename(e));
		return 0;
	}
	if (!strcmp(op, "files")) {
		long max = strtol(b, NULL, 10), i;
		char p[4096];
		for (i = 0; i < max; i++) {
			snprintf(p, sizeof(p), "%s/f%ld", a, i);
			fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644);
			if (fd < 0) {
				e = errno;
				break;
			}
			close(fd);
		}
		printf("files=%ld %s\n", i, ename(e));
		return 0;
	}
	if (!strcmp(op, "setflags")) {
		long f = 0;
		fd = opendir_or_file(a);
		if (fd < 0 || ioctl(fd, FS_IOC_GETFLAGS, &f))
			f = 0;
		f &= ~(long)FS_PROJINHERIT_FL;
		e = fd < 0 ? errno : rc(ioctl(fd, FS_IOC_SETFLAGS, &f));
	} else if (!strcmp(op, "fsxattr")) {
		struct fsxattr x;
		memset(&x, 0, sizeof(x));
		fd = opendir_or_file(a);
		if (fd >= 0)
			ioctl(fd, FS_IOC_FSGETXATTR, &x);
		x.fsx_projid = 0;
		x.fsx_xflags &= ~(unsigned)FS_XFLAG_PROJINHERIT;
		e = fd < 0 ? errno : rc(ioctl(fd, FS_IOC_FSSETXATTR, &x));
	} else if (!strcmp(op, "file_setattr")) {
		struct { uint64_t xflags; uint32_t extsize, nextents, projid, cowextsize; } fa;
		memset(&fa, 0, sizeof(fa));
		syscall(468 /* file_getattr */, AT_FDCWD, a, &fa, sizeof(fa), 0);
		fa.projid = 0;
		fa.xflags &= ~(uint64_t)(FS_XFLAG_PROJINHERIT | 0x80000008u);
		e = rc(syscall(469 /* file_setattr */, AT_FDCWD, a, &fa, sizeof(fa), 0));
	} else if (!strcmp(op, "subvol") || !strcmp(op, "snap")) {
		fd = open(a, O_RDONLY | O_DIRECTORY);
		if (fd < 0) {
			e = errno;
		} else if (op[0] == 's' && op[1] == 'u') {
			struct btrfs_ioctl_vol_args v;
			memset(&v, 0, sizeof(v));
			strcpy(v.name, "sv");
			e = rc(ioctl(fd, BTRFS_IOC_SUBVOL_CREATE, &v));
		} else {
			struct btrfs_ioctl_vol_args_v2 v;
			memset(&v, 0, sizeof(v));
			v.fd = fd;
			strcpy(v.name, "snap");
			e = rc(ioctl(fd, BTRFS_IOC_SNAP_CREATE_V2, &v));
		}
	} else if (!strcmp(op, "link")) {
		e = rc(link(a, b));
	} else if (!strcmp(op, "linkfd")) {
		char p[64];
		int e2;
		e = rc(linkat(atoi(a), "", AT_FDCWD, b, AT_EMPTY_PATH));
		snprintf(p, sizeof(p), "/proc/self/fd/%d", atoi(a));
		e2 = rc(linkat(AT_FDCWD, p, AT_FDCWD, b, AT_SYMLINK_FOLLOW));
		printf("linkfd=%s,%s\n", ename(e), ename(e2));
		return 0;
	} else if (!strcmp(op, "clone")) {
		fd = open(b, O_WRONLY | O_CREAT | O_EXCL, 0644);
		e = fd < 0 ? errno : rc(ioctl(fd, FICLONE, atoi(a)));
	} else if (!strcmp(op, "statfs")) {
		struct statfs s;
		if (statfs(a, &s)) {
			printf("statfs=%s\n", ename(errno));
			return 0;
		}
		printf("statfs=%llu %llu %llu %llu\n", (unsigned long long)s.f_blocks * (unsigned long long)s.f_bsize,
		       (unsigned long long)s.f_bfree * (unsigned long long)s.f_bsize,
		       (unsigned long long)s.f_files, (unsigned long long)s.f_ffree);
		return 0;
	} else {
		fprintf(stderr, "qprobe: unknown operation '%s'\n", op);
		return 2;
	}
	printf("%s=%s\n", op, ename(e));
	return 0;
}
