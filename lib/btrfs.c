/* btrfs.c - guest roots as btrfs subvolumes, limited by their qgroups.
 *
 * Ioctls only, no btrfs-progs at run time: SUBVOL_CREATE (build),
 * SNAP_DESTROY (delete), INO_LOOKUP (a subvolume's id, without privilege
 * for the subvolume of the descriptor itself), FS_INFO (the filesystem's
 * id) and QGROUP_LIMIT. A qgroup's use and limits are read from sysfs,
 * /sys/fs/btrfs/FSID/qgroups/0_ID/ (Linux 5.9 and later), where the kernel
 * keeps them in memory: a read costs no tree search. The qgroups directory
 * is there exactly while quotas are enabled on the filesystem.
 *
 * The limit is on the bytes the subvolume references (max_rfer): what it
 * shares with a template or a snapshot counts too, as it would on a disk
 * of its own; exclusive bytes would let a guest grow without bound over
 * shared extents. Its "referenced" figure is updated at each transaction
 * commit (every 30 s at most), the limit itself at once, by reservation.
 */
#include "vsbox.h"
#include <linux/btrfs.h>
#include <sys/ioctl.h>
#include <sys/statfs.h>

#define BTRFS_MAGIC 0x9123683eUL
#define BTRFS_FIRST_FREE_OBJECTID 256   /* the root directory of a subvolume */

bool btrfs_is(int fd)
{
	struct statfs sf;

	return !fstatfs(fd, &sf) && (unsigned long)sf.f_type == BTRFS_MAGIC;
}

static int vol_ioctl(int parentfd, const char *name, unsigned long req)
{
	struct btrfs_ioctl_vol_args a;

	memset(&a, 0, sizeof(a));
	if (strlen(name) >= sizeof(a.name) || strchr(name, '/')) {
		errno = EINVAL;
		return -1;
	}
	strcpy(a.name, name);
	return ioctl(parentfd, req, &a);
}

int btrfs_subvol_create(int parentfd, const char *name)
{
	return vol_ioctl(parentfd, name, BTRFS_IOC_SUBVOL_CREATE);
}

int btrfs_subvol_destroy(int parentfd, const char *name)
{
	return vol_ioctl(parentfd, name, BTRFS_IOC_SNAP_DESTROY);
}

/* The id of the subvolume whose root directory fd is; 0 + errno when fd
 * is not one (EINVAL: a plain directory) */
unsigned long long btrfs_subvol_id(int fd)
{
	struct btrfs_ioctl_ino_lookup_args a;
	struct stat st;

	if (fstat(fd, &st))
		return 0;
	if (st.st_ino != BTRFS_FIRST_FREE_OBJECTID) {
		errno = EINVAL;
		return 0;
	}
	memset(&a, 0, sizeof(a));
	a.objectid = BTRFS_FIRST_FREE_OBJECTID;
	if (ioctl(fd, BTRFS_IOC_INO_LOOKUP, &a))
		return 0;
	return a.treeid;
}

/* /sys/fs/btrfs/FSID/qgroups into buf */
static int qgroups_dir(int fd, char *buf, size_t n)
{
	struct btrfs_ioctl_fs_info_args fi;
	const unsigned char *u = fi.fsid;

	memset(&fi, 0, sizeof(fi));
	if (ioctl(fd, BTRFS_IOC_FS_INFO, &fi))
		return -1;
	snprintf(buf, n, "/sys/fs/btrfs/%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x/qgroups", u[0], u[1], u[2], u[3], u[4], u[5], u[6],
		 u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
	return 0;
}

static int num_at(const char *dir, const char *file, unsigned long long *v)
{
	char path[192], buf[32];

	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path) ||
	    read_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	*v = strtoull(buf, NULL, 10);
	return 0;
}

int btrfs_qgroup(int fd, unsigned long long id, struct btrfs_qg *g)
{
	char dir[128], qg[160];
	unsigned long long v = 0;
	bool use = g->want_use;

	memset(g, 0, sizeof(*g));
	g->want_use = use;
	if (qgroups_dir(fd, dir, sizeof(dir)))
		return -1;
	snprintf(qg, sizeof(qg), "%s/0_%llu", dir, id);
	/* max_referenced is 0 without a limit (the kernel clears it with the
	 * flag); one read is the whole answer at a start */
	if (num_at(qg, "max_referenced", &g->limit))
		return access(dir, F_OK) ? 0 : -1;   /* quotas off, or no qgroup */
	if (g->want_use) {
		num_at(qg, "referenced", &g->used);
		g->inconsistent = !num_at(dir, "inconsistent", &v) && v;
	}
	return 1;
}

int btrfs_qgroup_limit(int fd, unsigned long long id, unsigned long long bytes)
{
	struct btrfs_ioctl_qgroup_limit_args a;

	memset(&a, 0, sizeof(a));
	a.qgroupid = id;        /* level 0: the subvolume's own qgroup */
	a.lim.flags = BTRFS_QGROUP_LIMIT_MAX_RFER;
	a.lim.max_rfer = bytes ? bytes : (unsigned long long)-1;   /* -1: no limit */
	return ioctl(fd, BTRFS_IOC_QGROUP_LIMIT, &a);
}
