/* fiemap.c - where a file's data lies on disk, and which filesystems can
 * share it (vdu, vunify).
 *
 * FS_IOC_FIEMAP lists a file's extents with their physical addresses and
 * a flag for each extent another file (a reflink, a snapshot) refers to as
 * well: that is how vdu tells a guest's own bytes from shared ones, and
 * how vunify sees that two files share already. FIEMAP_FLAG_SYNC first
 * writes out delayed allocations, which have no address yet. Inline data
 * (btrfs keeps small files in its metadata) has no address of its own.
 *
 * Sharing extents (FIDEDUPERANGE) needs btrfs, or XFS made with reflink=1:
 * XFS says which in its geometry (XFS_IOC_FSGEOMETRY_V1's flags; the
 * struct is declared here, xfsprogs' headers are not a build dependency).
 */
#include "vsbox.h"
#include <linux/btrfs.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#define BTRFS_MAGIC 0x9123683eUL
#define XFS_MAGIC 0x58465342UL

int fiemap_get(int fd, struct fext **out)
{
	enum { BATCH = 128 };
	union { struct fiemap fm; char b[sizeof(struct fiemap) + BATCH * sizeof(struct fiemap_extent)]; } u;
	struct fext *x = NULL;
	int n = 0, cap = 0;
	uint64_t start = 0;
	bool last = false;

	*out = NULL;
	while (!last) {
		memset(&u.fm, 0, sizeof(u.fm));
		u.fm.fm_start = start;
		u.fm.fm_length = FIEMAP_MAX_OFFSET - start;
		u.fm.fm_flags = n ? 0 : FIEMAP_FLAG_SYNC;
		u.fm.fm_extent_count = BATCH;
		if (ioctl(fd, FS_IOC_FIEMAP, &u.fm)) {
			free(x);
			return -1;
		}
		if (!u.fm.fm_mapped_extents)
			break;
		for (unsigned i = 0; i < u.fm.fm_mapped_extents; i++) {
			const struct fiemap_extent *e = &u.fm.fm_extents[i];
			if (n == cap)
				x = xrealloc(x, (size_t)(cap = cap ? 2 * cap : 16) * sizeof(*x));
			x[n].logical = e->fe_logical;
			x[n].phys = e->fe_physical;
			x[n].len = e->fe_length;
			x[n].flags = e->fe_flags;
			n++;
			start = e->fe_logical + e->fe_length;
			if (e->fe_flags & FIEMAP_EXTENT_LAST)
				last = true;
		}
	}
	*out = x;
	return n;
}

bool fext_placed(const struct fext *e)
{
	return !(e->flags & (FIEMAP_EXTENT_UNKNOWN | FIEMAP_EXTENT_DELALLOC |
			     FIEMAP_EXTENT_DATA_INLINE | FIEMAP_EXTENT_NOT_ALIGNED)) && e->phys;
}

bool fext_shared(const struct fext *e)
{
	return (e->flags & FIEMAP_EXTENT_SHARED) != 0;
}

/* XFS_IOC_FSGEOMETRY_V1: the fields up to flags matter here */
struct xfs_geom_v1 {
	uint32_t blocksize, rtextsize, agblocks, agcount, logblocks, sectsize, inodesize, imaxpct;
	uint64_t datablocks, rtblocks, rtextents, logstart;
	unsigned char uuid[16];
	uint32_t sunit, swidth;
	int32_t version;
	uint32_t flags, logsectsize, rtsectsize, dirblocksize;
};
#define XFS_IOC_FSGEOMETRY_V1 _IOR('X', 100, struct xfs_geom_v1)
#define XFS_GEOM_REFLINK 0x100000

const char *fs_reflink_missing(int fd)
{
	struct statfs sf;
	struct xfs_geom_v1 g;

	if (fstatfs(fd, &sf))
		return "its filesystem can't be read";
	if ((unsigned long)sf.f_type == BTRFS_MAGIC)
		return NULL;
	if ((unsigned long)sf.f_type == XFS_MAGIC) {
		memset(&g, 0, sizeof(g));
		if (ioctl(fd, XFS_IOC_FSGEOMETRY_V1, &g))
			return "its XFS geometry can't be read";
		return (g.flags & XFS_GEOM_REFLINK) ? NULL : "XFS without reflink (mkfs.xfs -m reflink=1)";
	}
	return "neither btrfs nor XFS";
}

const char *fs_name(int fd, char *buf, size_t n)
{
	struct statfs sf;
	const char *name;

	if (fstatfs(fd, &sf))
		return "?";
	if ((name = fs_magic_name((unsigned long)sf.f_type)))
		return name;
	snprintf(buf, n, "0x%lx", (unsigned long)sf.f_type);
	return buf;
}

/* One filesystem, one key: btrfs gives each subvolume its own st_dev (and
 * f_fsid), so it is named by its filesystem id; the rest by st_dev */
int fs_key(int fd, char *buf, size_t n)
{
	struct stat st;
	struct btrfs_ioctl_fs_info_args fi;

	if (btrfs_is(fd)) {
		memset(&fi, 0, sizeof(fi));
		if (ioctl(fd, BTRFS_IOC_FS_INFO, &fi))
			return -1;
		size_t o = (size_t)snprintf(buf, n, "btrfs:");
		for (int i = 0; i < 16 && o + 2 < n; i++, o += 2)
			snprintf(buf + o, n - o, "%02x", fi.fsid[i]);
		return 0;
	}
	if (fstat(fd, &st))
		return -1;
	snprintf(buf, n, "dev:%lu:%lu", (unsigned long)major(st.st_dev), (unsigned long)minor(st.st_dev));
	return 0;
}

bool fext_same(const struct fext *a, int na, const struct fext *b, int nb)
{
	if (na != nb || na == 0)
		return false;
	for (int i = 0; i < na; i++)
		if (!fext_placed(&a[i]) || a[i].phys != b[i].phys || a[i].len != b[i].len ||
		    a[i].logical != b[i].logical)
			return false;
	return true;
}
